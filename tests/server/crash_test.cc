// Kill -9 while writes are in flight: every acknowledged rating must be
// there exactly once after a restart, retries must not duplicate, nothing
// may be half-written, and the aggregates must equal a rebuild from the raw
// ratings. Bounded: 480 ratings, 3 kills, every wait capped; imports and
// corrections likewise.
#include <signal.h>

#include <atomic>
#include <functional>
#include <iostream>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "client/sdk/client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/config/instrument_loader.h"
#include "server/config/rule_set_loader.h"
#include "server/core/aggregation.h"
#include "storage/store.h"
#include "tests/testing/child_process.h"
#include "tests/testing/proto_builders.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace tilbake {
namespace {

using ::tilbake::testing::IsOk;
using ::tilbake::testing::ServerProcess;

constexpr int kWriters = 4;
constexpr int kEpisodesPerWriter = 6;
constexpr int kSessions = 10;  // × ORS and SRS = 20 ratings an episode
constexpr int kRatings = kWriters * kEpisodesPerWriter * kSessions * 2;  // 480
const int kKillAfter[] = {60, 180, 300};  // acknowledged ratings

v1::SubmitRatingRequest Planned(int writer, int episode, int session,
                                bool srs) {
  auto r = testing::OrsRequest(session, "", {5.5, 6, 6.5, 7});
  const std::string id = absl::StrCat("w", writer, "-e", episode);
  r.mutable_rating()->set_episode_id(id);
  r.mutable_rating()->set_client_id("c-" + id);
  r.mutable_rating()->mutable_session_date()->set_month(1 + session / 3);
  r.mutable_rating()->mutable_session_date()->set_day(1 + (session % 3) * 9);
  if (srs) r.mutable_rating()->set_instrument_id("srs");
  r.set_idempotency_key(absl::StrCat(id, "-s", session, srs ? "-srs" : "-ors"));
  return r;
}

// The running server and a client for it; replaced after each kill.
class Target {
 public:
  void Set(int port) {
    absl::MutexLock lock(&mu_);
    client::ClientOptions options;
    options.target = absl::StrCat("127.0.0.1:", port);
    options.max_attempts = 1;  // Retries are the writers' own, visibly.
    options.deadline = absl::Seconds(5);
    client_ = client::Client::Connect(options);
  }
  std::shared_ptr<client::Client> Get() {
    absl::MutexLock lock(&mu_);
    return client_;
  }

 private:
  absl::Mutex mu_;
  std::shared_ptr<client::Client> client_ ABSL_GUARDED_BY(mu_);
};

// Calls `call` (the same request, the same key) until it succeeds, at most
// 600 times 50 ms apart; counts the failed attempts. False if it never did.
bool UntilAcknowledged(const std::function<bool()>& call,
                       std::atomic<int>& failed_attempts) {
  for (int attempt = 0; attempt < 600; ++attempt) {
    if (call()) return true;
    ++failed_attempts;
    absl::SleepFor(absl::Milliseconds(50));
  }
  return false;
}

// Kills `server` with SIGKILL, starts the `n`th replacement on the same
// data (its log in server-<n>.log), checks that it reports the unclean
// shutdown, and points `target` at it.
void KillAndRestart(std::unique_ptr<ServerProcess>& server,
                    const std::string& data, const testing::TempDir& dir, int n,
                    Target& target) {
  server->StopWith(SIGKILL);
  server = std::make_unique<ServerProcess>(
      TILBAKE_SERVER_PATH, data, dir.Sub(absl::StrCat("server-", n, ".log")));
  std::optional<int> port = server->WaitForPort();
  ASSERT_TRUE(port.has_value()) << server->log();
  EXPECT_THAT(server->log(),
              ::testing::HasSubstr("recovered_after_unclean_shutdown"));
  target.Set(*port);
}

// After the server stopped: every stored rating has its idempotency entry,
// every episode's state matches its ratings, there are `expected` ratings,
// and the incremental aggregates equal a rebuild from the raw ratings.
void ExpectNothingHalfWrittenAndAggregatesRebuildable(const std::string& data,
                                                      int expected) {
  auto store = storage::Store::Open({data});
  ASSERT_THAT(store, IsOk());
  auto catalog = config::LoadInstrumentCatalog("");
  ASSERT_THAT(catalog, IsOk());
  int scanned = 0;
  ASSERT_THAT(
      (*store)->ScanEpisodes(
          "",
          [&](const domain::Episode& episode,
              const std::vector<domain::Administration>& all) {
            for (const domain::Administration& a : all) {
              ++scanned;
              auto key = (*store)->GetIdempotency(a.rating.tenant_id,
                                                  a.idempotency_key);
              if (!key.ok() || !key->has_value() ||
                  (*key)->administration_id !=
                      domain::AdministrationId(a.rating)) {
                return absl::DataLossError(absl::StrCat(
                    "no idempotency entry for ", a.idempotency_key));
              }
            }
            if (episode.last_session_date != all.back().rating.session_date) {
              return absl::DataLossError("episode state behind its ratings");
            }
            return absl::OkStatus();
          }),
      IsOk());
  EXPECT_EQ(scanned, expected);
  auto rules = config::LoadRuleSets({});
  ASSERT_THAT(rules, IsOk());
  auto rebuilt = core::RebuildAggregates(**store, *catalog, *rules);
  ASSERT_THAT(rebuilt, IsOk());
  auto incremental = (*store)->ReadAllAggregates("tenant-a");
  ASSERT_THAT(incremental, IsOk());
  const analytics::Cells nonzero = core::NonZeroCells(*incremental);
  EXPECT_TRUE(nonzero == (*rebuilt)["tenant-a"]);
}

// Every planned episode of `writers` × `episodes` has each of its 2 ×
// kSessions ratings exactly once; returns how many ratings were read.
int ExpectEachRatingOnce(client::Client& client, int writers, int episodes) {
  int stored = 0;
  for (int w = 0; w < writers; ++w) {
    for (int e = 0; e < episodes; ++e) {
      auto episode =
          client.GetEpisode("tenant-a", absl::StrCat("w", w, "-e", e));
      EXPECT_THAT(episode, IsOk());
      if (!episode.ok()) continue;
      std::set<std::string> ids;
      for (const auto& a : episode->administrations()) {
        EXPECT_TRUE(ids.insert(a.administration_id()).second)
            << "duplicate " << a.administration_id();
      }
      EXPECT_EQ(ids.size(), static_cast<size_t>(2 * kSessions));
      stored += episode->administrations_size();
    }
  }
  return stored;
}

TEST(CrashTest, AcknowledgedRatingsSurviveKillNineExactlyOnce) {
  testing::TempDir dir;
  const std::string data = dir.Sub("data");
  auto server = std::make_unique<ServerProcess>(TILBAKE_SERVER_PATH, data,
                                                dir.Sub("server-0.log"));
  std::optional<int> port = server->WaitForPort();
  ASSERT_TRUE(port.has_value()) << server->log();
  Target target;
  target.Set(*port);

  std::atomic<int> acknowledged{0};
  std::atomic<int> failed_attempts{0};
  std::atomic<bool> gave_up{false};
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      for (int e = 0; e < kEpisodesPerWriter; ++e) {
        for (int s = 1; s <= kSessions; ++s) {
          for (bool srs : {false, true}) {
            const v1::SubmitRatingRequest request = Planned(w, e, s, srs);
            if (!UntilAcknowledged(
                    [&] { return target.Get()->SubmitRating(request).ok(); },
                    failed_attempts)) {
              gave_up = true;
              return;
            }
            ++acknowledged;
          }
        }
      }
    });
  }

  int kills = 0;
  for (int threshold : kKillAfter) {
    for (int i = 0; i < 2000 && acknowledged.load() < threshold; ++i) {
      absl::SleepFor(absl::Milliseconds(5));
    }
    // Mid-flight: writers are still sending.
    ASSERT_NO_FATAL_FAILURE(KillAndRestart(server, data, dir, ++kills, target));
  }
  for (std::thread& t : writers) t.join();
  ASSERT_FALSE(gave_up.load());
  EXPECT_EQ(acknowledged.load(), kRatings);
  EXPECT_EQ(kills, 3);
  // The kills interrupted calls in flight (so retries were exercised).
  EXPECT_GT(failed_attempts.load(), 0);
  std::cout << "kills=" << kills << " acknowledged=" << acknowledged
            << " failed_attempts=" << failed_attempts << "\n";

  // Every episode has each planned rating exactly once.
  auto client = target.Get();
  const int stored =
      ExpectEachRatingOnce(*client, kWriters, kEpisodesPerWriter);
  EXPECT_EQ(stored, kRatings);
  client.reset();
  ASSERT_EQ(server->StopWith(SIGTERM), 0);

  ExpectNothingHalfWrittenAndAggregatesRebuildable(data, kRatings);
}

// ImportRatings streams cut by kill -9 part-way: a stream is acknowledged
// only as a whole, so the importer sends the whole stream again (same
// idempotency keys) until it is; records that reached the log before the
// kill replay instead of doubling. Bounded: 3 streams × 80 records, 2 kills.
TEST(CrashTest, ImportStreamsCutMidwayAreResentWithoutDoubles) {
  constexpr int kImporters = 3;
  constexpr int kEpisodesPerImporter = 4;
  constexpr int kRecords = kEpisodesPerImporter * kSessions * 2;  // 80
  testing::TempDir dir;
  const std::string data = dir.Sub("data");
  auto server = std::make_unique<ServerProcess>(TILBAKE_SERVER_PATH, data,
                                                dir.Sub("server-0.log"));
  std::optional<int> port = server->WaitForPort();
  ASSERT_TRUE(port.has_value()) << server->log();
  Target target;
  target.Set(*port);

  std::atomic<int> sent{0};  // Records handed to a stream, all attempts.
  std::atomic<int> cut_streams{0};
  std::atomic<int> replayed{0};
  std::atomic<bool> gave_up{false};
  std::vector<std::thread> importers;
  for (int w = 0; w < kImporters; ++w) {
    importers.emplace_back([&, w] {
      for (int attempt = 0; attempt < 200; ++attempt) {
        int next = 0;
        auto result =
            target.Get()->ImportRatings([&](v1::ImportRatingsRequest* request) {
              if (next == kRecords) return false;
              const int e = next / (2 * kSessions);
              const int s = (next % (2 * kSessions)) / 2 + 1;
              request->set_record_number(++next);
              *request->mutable_record() = Planned(w, e, s, next % 2 == 0);
              ++sent;
              // Paced, so a kill lands while streams are open.
              absl::SleepFor(absl::Milliseconds(1));
              return true;
            });
        if (result.ok()) {
          EXPECT_EQ(result->rejected(), 0);
          EXPECT_EQ(result->stored() + result->replayed(), kRecords);
          replayed += static_cast<int>(result->replayed());
          return;
        }
        ++cut_streams;
        absl::SleepFor(absl::Milliseconds(50));
      }
      gave_up = true;
    });
  }

  int kills = 0;
  for (int threshold : {kImporters * kRecords / 3, kImporters * kRecords}) {
    // Every stream is about a third sent (first kill) or two thirds into
    // its second attempt (second kill): open, none acknowledged.
    for (int i = 0; i < 4000 && sent.load() < threshold; ++i) {
      absl::SleepFor(absl::Milliseconds(5));
    }
    ASSERT_NO_FATAL_FAILURE(KillAndRestart(server, data, dir, ++kills, target));
  }
  for (std::thread& t : importers) t.join();
  ASSERT_FALSE(gave_up.load());
  EXPECT_EQ(kills, 2);
  EXPECT_GE(cut_streams.load(), kImporters);  // Each was cut at least once.
  // Records of cut streams had reached the log: resending replayed them.
  EXPECT_GT(replayed.load(), 0);
  std::cout << "kills=" << kills << " cut_streams=" << cut_streams
            << " records_sent=" << sent << " replayed=" << replayed << "\n";

  auto client = target.Get();
  EXPECT_EQ(ExpectEachRatingOnce(*client, kImporters, kEpisodesPerImporter),
            kImporters * kRecords);
  client.reset();
  ASSERT_EQ(server->StopWith(SIGTERM), 0);
  ExpectNothingHalfWrittenAndAggregatesRebuildable(data, kImporters * kRecords);
}

// Corrections cut by kill -9: each administration is corrected round after
// round (item 1 = 1.0 + round), the writers retrying each correction with
// its key until acknowledged. Afterwards every administration is at its
// last round, with one version in its history per round before, each with
// that round's answers: the old or the new version, never a mix; and the
// aggregates equal a rebuild. Half the episodes are closed, so their
// frozen outcomes and reference cells move too. Bounded: 144 corrections,
// 2 kills.
TEST(CrashTest, CorrectionsCutByKillNineAreOldOrNewNeverAMix) {
  constexpr int kCorrectors = 4;
  constexpr int kEpisodes = 3;
  constexpr int kOrsSessions = 4;
  constexpr int kRounds = 3;
  testing::TempDir dir;
  const std::string data = dir.Sub("data");
  auto server = std::make_unique<ServerProcess>(TILBAKE_SERVER_PATH, data,
                                                dir.Sub("server-0.log"));
  std::optional<int> port = server->WaitForPort();
  ASSERT_TRUE(port.has_value()) << server->log();
  Target target;
  target.Set(*port);
  for (int w = 0; w < kCorrectors; ++w) {
    for (int e = 0; e < kEpisodes; ++e) {
      for (int s = 1; s <= kOrsSessions; ++s) {
        ASSERT_THAT(target.Get()->SubmitRating(Planned(w, e, s, false)),
                    IsOk());
      }
      if (e % 2 == 0) {
        v1::Ending ending;
        ending.set_type(v1::ENDING_TYPE_PLANNED);
        ending.mutable_end_date()->set_year(2026);
        ending.mutable_end_date()->set_month(3);
        ending.mutable_end_date()->set_day(1);
        ASSERT_THAT(target.Get()->CloseEpisode(
                        "tenant-a", absl::StrCat("w", w, "-e", e), ending),
                    IsOk());
      }
    }
  }
  const auto item = [](int round) { return 1.0 + round; };
  std::atomic<int> acknowledged{0};
  std::atomic<int> failed_attempts{0};
  std::atomic<bool> gave_up{false};
  std::vector<std::thread> correctors;
  for (int w = 0; w < kCorrectors; ++w) {
    correctors.emplace_back([&, w] {
      for (int round = 1; round <= kRounds; ++round) {
        for (int e = 0; e < kEpisodes; ++e) {
          for (int s = 1; s <= kOrsSessions; ++s) {
            v1::CorrectRatingRequest request;
            const std::string id = absl::StrCat("w", w, "-e", e);
            request.set_tenant_id("tenant-a");
            request.set_episode_id(id);
            request.set_administration_id(
                absl::StrCat(s, "/ors/c-", id, "/client"));
            v1::Rating rating = Planned(w, e, s, false).rating();
            rating.mutable_items()->mutable_items(0)->set_value(item(round));
            *request.mutable_rating() = rating;
            request.set_reason(absl::StrCat("round ", round));
            request.set_idempotency_key(
                absl::StrCat(id, "-s", s, "-fix", round));
            if (!UntilAcknowledged(
                    [&] { return target.Get()->CorrectRating(request).ok(); },
                    failed_attempts)) {
              gave_up = true;
              return;
            }
            ++acknowledged;
          }
        }
      }
    });
  }
  constexpr int kCorrections = kCorrectors * kEpisodes * kOrsSessions * kRounds;
  int kills = 0;
  for (int threshold : {kCorrections / 5, kCorrections * 3 / 5}) {
    for (int i = 0; i < 4000 && acknowledged.load() < threshold; ++i) {
      absl::SleepFor(absl::Milliseconds(5));
    }
    ASSERT_NO_FATAL_FAILURE(KillAndRestart(server, data, dir, ++kills, target));
  }
  for (std::thread& t : correctors) t.join();
  ASSERT_FALSE(gave_up.load());
  EXPECT_EQ(acknowledged.load(), kCorrections);
  EXPECT_GT(failed_attempts.load(), 0);
  std::cout << "kills=" << kills << " corrections=" << acknowledged
            << " failed_attempts=" << failed_attempts << "\n";

  auto client = target.Get();
  for (int w = 0; w < kCorrectors; ++w) {
    for (int e = 0; e < kEpisodes; ++e) {
      auto episode = client->GetEpisode(
          "tenant-a", absl::StrCat("w", w, "-e", e), /*include_history=*/true);
      ASSERT_THAT(episode, IsOk());
      ASSERT_EQ(episode->administrations_size(), kOrsSessions);
      for (const v1::Administration& a : episode->administrations()) {
        EXPECT_EQ(a.revision(), kRounds) << a.administration_id();
        EXPECT_DOUBLE_EQ(a.rating().items().items(0).value(), item(kRounds));
        EXPECT_DOUBLE_EQ(a.score().total(), item(kRounds) + 6 + 6.5 + 7);
        std::vector<int> versions;
        for (const v1::Revision& r : episode->history()) {
          if (r.version().administration_id() != a.administration_id()) {
            continue;
          }
          const int k = r.version().revision();
          versions.push_back(k);
          EXPECT_DOUBLE_EQ(r.version().rating().items().items(0).value(),
                           k == 0 ? 5.5 : item(k));
          EXPECT_EQ(r.reason(), absl::StrCat("round ", k + 1));
        }
        EXPECT_THAT(versions, ::testing::ElementsAre(0, 1, 2));
      }
      if (e % 2 == 0) {
        ASSERT_EQ(episode->outcomes_size(), 1);
        EXPECT_DOUBLE_EQ(episode->outcomes(0).pre(),
                         item(kRounds) + 6 + 6.5 + 7);
      }
    }
  }
  client.reset();
  ASSERT_EQ(server->StopWith(SIGTERM), 0);
  ExpectNothingHalfWrittenAndAggregatesRebuildable(
      data, kCorrectors * kEpisodes * kOrsSessions);
}

}  // namespace
}  // namespace tilbake

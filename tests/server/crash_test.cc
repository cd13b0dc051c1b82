// Kill -9 while writes are in flight: every acknowledged rating must be
// there exactly once after a restart, retries must not duplicate, nothing
// may be half-written, and the aggregates must equal a rebuild from the raw
// ratings. Bounded: 480 ratings, 3 kills, every wait capped.
#include <signal.h>

#include <atomic>
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
            // Retry the same key until acknowledged (bounded).
            bool done = false;
            for (int attempt = 0; attempt < 600 && !done; ++attempt) {
              done = target.Get()->SubmitRating(request).ok();
              if (!done) {
                ++failed_attempts;
                absl::SleepFor(absl::Milliseconds(50));
              }
            }
            if (!done) {
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
    server->StopWith(SIGKILL);  // mid-flight: writers are still sending
    ++kills;
    server = std::make_unique<ServerProcess>(
        TILBAKE_SERVER_PATH, data,
        dir.Sub(absl::StrCat("server-", kills, ".log")));
    port = server->WaitForPort();
    ASSERT_TRUE(port.has_value()) << server->log();
    target.Set(*port);
  }
  for (std::thread& t : writers) t.join();
  ASSERT_FALSE(gave_up.load());
  EXPECT_EQ(acknowledged.load(), kRatings);
  EXPECT_EQ(kills, 3);
  // The kills interrupted calls in flight (so retries were exercised).
  EXPECT_GT(failed_attempts.load(), 0);

  // Every episode has each planned rating exactly once.
  auto client = target.Get();
  int stored = 0;
  for (int w = 0; w < kWriters; ++w) {
    for (int e = 0; e < kEpisodesPerWriter; ++e) {
      auto episode =
          client->GetEpisode("tenant-a", absl::StrCat("w", w, "-e", e));
      ASSERT_THAT(episode, IsOk());
      std::set<std::string> ids;
      for (const auto& a : episode->administrations()) {
        EXPECT_TRUE(ids.insert(a.administration_id()).second)
            << "duplicate " << a.administration_id();
      }
      EXPECT_EQ(ids.size(), static_cast<size_t>(2 * kSessions));
      stored += episode->administrations_size();
    }
  }
  EXPECT_EQ(stored, kRatings);
  client.reset();
  ASSERT_EQ(server->StopWith(SIGTERM), 0);

  // Nothing half-written, and aggregates equal a rebuild from raw ratings.
  auto store = storage::Store::Open({data});
  ASSERT_THAT(store, IsOk());
  auto catalog = config::LoadInstrumentCatalog("");
  ASSERT_THAT(catalog, IsOk());
  int scanned = 0;
  ASSERT_THAT(
      (*store)->ScanEpisodes(
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
  EXPECT_EQ(scanned, kRatings);
  auto rebuilt = core::RebuildAggregates(**store, *catalog);
  ASSERT_THAT(rebuilt, IsOk());
  auto incremental = (*store)->ReadAllAggregates("tenant-a");
  ASSERT_THAT(incremental, IsOk());
  analytics::Cells nonzero;
  for (const auto& [key, sums] : *incremental) {
    if (std::any_of(sums.begin(), sums.end(),
                    [](int64_t v) { return v != 0; })) {
      nonzero[key] = sums;
    }
  }
  EXPECT_TRUE(nonzero == (*rebuilt)["tenant-a"]);
}

}  // namespace
}  // namespace tilbake

// Online backups: taken while writers go on, restored with `tilbake-server
// restore` into a fresh directory, compared record by record.
#include <atomic>
#include <cstdio>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "client/sdk/client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/app/server.h"
#include "server/config/instrument_loader.h"
#include "server/config/rule_set_loader.h"
#include "server/core/aggregation.h"
#include "storage/store.h"
#include "tests/testing/builders.h"
#include "tests/testing/proto_builders.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace tilbake {
namespace {

using ::testing::HasSubstr;
using ::tilbake::testing::IsOk;
using ::tilbake::testing::StatusIs;

// Every administration of every episode, by (episode, administration id),
// as stored bytes of its record fields that matter.
std::map<std::string, std::string> Records(const std::string& data_dir) {
  std::map<std::string, std::string> out;
  auto store = storage::Store::Open({data_dir});
  EXPECT_THAT(store, IsOk());
  if (!store.ok()) return out;
  EXPECT_THAT((*store)->ScanEpisodes(
                  "",
                  [&](const domain::Episode& e,
                      const std::vector<domain::Administration>& all) {
                    for (const domain::Administration& a : all) {
                      out[absl::StrCat(e.tenant_id, "/", e.episode_id, "/",
                                       domain::AdministrationId(a.rating))] =
                          absl::StrCat(a.idempotency_key, "|",
                                       a.score.total.value_or(-1), "|",
                                       absl::ToUnixMicros(a.recorded_at));
                    }
                    return absl::OkStatus();
                  }),
              IsOk());
  return out;
}

int RunServerCommand(const std::string& args, std::string* output) {
  FILE* pipe =
      popen(absl::StrCat(TILBAKE_SERVER_PATH, " ", args, " 2>&1").c_str(), "r");
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0)
    output->append(buffer, n);
  const int status = pclose(pipe);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

v1::SubmitRatingRequest Request(int writer, int i) {
  // Episodes of four weekly sessions (the builder dates them in March).
  auto r = testing::OrsRequest(1 + i % 4, absl::StrCat("w", writer, "-", i));
  r.mutable_rating()->set_episode_id(absl::StrCat("w", writer, "-e", i / 4));
  r.mutable_rating()->set_client_id(absl::StrCat("c", writer, "-", i / 4));
  return r;
}

TEST(BackupTest, BackupsUnderLoadRestoreToConsistentCopies) {
  testing::TempDir dir;
  const std::string data = dir.Sub("data"), backups = dir.Sub("backups");
  app::ServerOptions options;
  options.listen = "127.0.0.1:0";
  options.data_dir = data;
  options.backup_dir = backups;
  options.log_requests = false;
  options.clock = [] { return testing::Now(); };
  auto server = app::Server::Start(options);
  ASSERT_THAT(server, IsOk());
  auto client = client::Client::Connect(
      {.target = absl::StrCat("127.0.0.1:", (*server)->port())});

  // A quiet first backup.
  for (int i = 0; i < 40; ++i)
    ASSERT_THAT(client->SubmitRating(Request(0, i)), IsOk());
  auto quiet = client->CreateBackup();
  ASSERT_THAT(quiet, IsOk());
  EXPECT_EQ(quiet->backups_kept(), 1u);

  // A second one while two writers keep going (bounded: 200 ratings each).
  std::atomic<int> acknowledged{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> writers;
  for (int w = 1; w <= 2; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; i < 200 && !stop; ++i) {
        if (client->SubmitRating(Request(w, i)).ok()) ++acknowledged;
      }
    });
  }
  while (acknowledged.load() < 50) absl::SleepFor(absl::Milliseconds(5));
  const int acknowledged_before = acknowledged.load();
  auto busy = client->CreateBackup(/*keep=*/2);
  ASSERT_THAT(busy, IsOk());
  EXPECT_EQ(busy->backups_kept(), 2u);
  EXPECT_GT(busy->backup_id(), quiet->backup_id());
  stop = true;
  for (std::thread& t : writers) t.join();
  client.reset();
  (*server)->Shutdown(absl::Seconds(5));

  // Restore the newest backup with tilbake-server, into a fresh directory.
  std::string output;
  ASSERT_EQ(RunServerCommand(absl::StrCat("restore --backup_dir=", backups,
                                          " --data_dir=", dir.Sub("restored")),
                             &output),
            0)
      << output;
  // Never over existing data.
  std::string refused;
  EXPECT_EQ(RunServerCommand(absl::StrCat("restore --backup_dir=", backups,
                                          " --data_dir=", data),
                             &refused),
            1);
  EXPECT_THAT(refused, HasSubstr("is not empty"));

  const auto original = Records(data);
  const auto restored = Records(dir.Sub("restored"));
  // The backup holds the first 40 and at least what was acknowledged
  // before it started, and every restored record equals the original.
  EXPECT_GE(static_cast<int>(restored.size()), 40 + acknowledged_before);
  for (const auto& [key, value] : restored) {
    auto it = original.find(key);
    ASSERT_NE(it, original.end()) << key;
    EXPECT_EQ(it->second, value) << key;
  }
  // The copy is consistent in itself: aggregates equal a rebuild.
  auto store = storage::Store::Open({dir.Sub("restored")});
  ASSERT_THAT(store, IsOk());
  auto catalog = config::LoadInstrumentCatalog("");
  auto rules = config::LoadRuleSets({});
  ASSERT_THAT(rules, IsOk());
  auto rebuilt = core::RebuildAggregates(**store, *catalog, *rules);
  ASSERT_THAT(rebuilt, IsOk());
  auto cells = (*store)->ReadAllAggregates("tenant-a");
  ASSERT_THAT(cells, IsOk());
  const analytics::Cells nonzero = core::NonZeroCells(*cells);
  EXPECT_TRUE(nonzero == (*rebuilt)["tenant-a"]);
}

TEST(BackupTest, WithoutABackupDirectoryTheCallSaysSo) {
  testing::TempDir dir;
  app::ServerOptions options;
  options.listen = "127.0.0.1:0";
  options.data_dir = dir.Sub("data");
  auto server = app::Server::Start(options);
  ASSERT_THAT(server, IsOk());
  auto client = client::Client::Connect(
      {.target = absl::StrCat("127.0.0.1:", (*server)->port())});
  EXPECT_THAT(client->CreateBackup(),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("--backup_dir")));
}

}  // namespace
}  // namespace tilbake

// tilbake-server as a child process: start-up, refusal messages, SIGTERM.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <functional>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "client/sdk/client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rocksdb/write_batch.h"
#include "storage/keys.h"
#include "storage/store.h"
#include "tests/testing/child_process.h"
#include "tests/testing/proto_builders.h"
#include "tests/testing/raw_rocksdb.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace tilbake {
namespace {

using ::testing::HasSubstr;
using ::tilbake::testing::IsOk;

using ::tilbake::testing::ServerProcess;

TEST(ServerProcessTest, SigtermStopsCleanlyAndDataSurvives) {
  testing::TempDir dir;
  const std::string data = dir.Sub("data");
  {
    ServerProcess server(TILBAKE_SERVER_PATH, data, dir.Sub("1.log"));
    std::optional<int> port = server.WaitForPort();
    ASSERT_TRUE(port.has_value()) << server.log();
    auto client =
        client::Client::Connect({.target = absl::StrCat("127.0.0.1:", *port)});
    ASSERT_THAT(client->SubmitRating(testing::OrsRequest(1, "k1")), IsOk());
    // Close the channel first: with an idle client connected, gRPC's
    // graceful GOAWAY makes shutdown wait ~5 s (the SIGINT stop below covers
    // that path).
    client.reset();
    EXPECT_EQ(server.StopWith(SIGTERM), 0);
    EXPECT_THAT(server.log(), HasSubstr("event=signal_received signal=15"));
    EXPECT_THAT(server.log(), HasSubstr("event=server_stopped"));
  }
  ServerProcess again(TILBAKE_SERVER_PATH, data, dir.Sub("2.log"));
  std::optional<int> port = again.WaitForPort();
  ASSERT_TRUE(port.has_value()) << again.log();
  auto client =
      client::Client::Connect({.target = absl::StrCat("127.0.0.1:", *port)});
  auto episode = client->GetEpisode("tenant-a", "e-1");
  ASSERT_THAT(episode, IsOk());
  EXPECT_EQ(episode->administrations_size(), 1);
  EXPECT_EQ(again.StopWith(SIGINT), 0);
}

// tenant-a's trends over 2026 in one bucket per `bucket`.
v1::QueryTrendsRequest Year2026(v1::TrendBucket bucket) {
  v1::QueryTrendsRequest query;
  query.set_tenant_id("tenant-a");
  query.mutable_from()->set_year(2026);
  query.mutable_from()->set_month(1);
  query.mutable_from()->set_day(1);
  query.mutable_to()->set_year(2026);
  query.mutable_to()->set_month(12);
  query.mutable_to()->set_day(31);
  query.set_bucket(bucket);
  return query;
}

// Runs a server on `data` (log in `log`, with `args`), calls `use` with a
// client, and stops the server with SIGTERM, expecting exit 0. Returns the
// server's log.
std::string WithServer(const std::string& data, const std::string& log,
                       const std::vector<std::string>& args,
                       const std::function<void(client::Client&)>& use) {
  ServerProcess server(TILBAKE_SERVER_PATH, data, log, args);
  std::optional<int> port = server.WaitForPort();
  EXPECT_TRUE(port.has_value()) << server.log();
  if (!port.has_value()) return server.log();
  {
    auto client =
        client::Client::Connect({.target = absl::StrCat("127.0.0.1:", *port)});
    use(*client);
  }  // Channel closed first: shutdown need not wait for an idle client.
  EXPECT_EQ(server.StopWith(SIGTERM), 0);
  return server.log();
}

// Submits e-1's ORS of sessions 1 (27.3) and 2 (28.0).
void SubmitTwoRatings(client::Client& client) {
  ASSERT_THAT(client.SubmitRating(testing::OrsRequest(1, "k1")), IsOk());
  ASSERT_THAT(client.SubmitRating(testing::OrsRequest(2, "k2", {7, 7, 7, 7})),
              IsOk());
}

// The only row of `query` (empty and a test failure if not one row).
v1::TrendRow OnlyRow(client::Client& client,
                     const v1::QueryTrendsRequest& query) {
  auto rows = client.QueryTrends(query);
  EXPECT_THAT(rows, IsOk());
  if (!rows.ok() || rows->size() != 1) {
    ADD_FAILURE() << "expected one row";
    return {};
  }
  return (*rows)[0];
}

TEST(ServerProcessTest, RebuildAggregatesKeepsEveryFigure) {
  testing::TempDir dir;
  const std::string data = dir.Sub("data");
  const v1::QueryTrendsRequest query = Year2026(v1::TREND_BUCKET_WHOLE_PERIOD);
  std::string before;
  WithServer(data, dir.Sub("1.log"), {}, [&](client::Client& client) {
    SubmitTwoRatings(client);
    v1::Ending ending;
    ending.set_type(v1::ENDING_TYPE_PLANNED);
    ending.mutable_end_date()->set_year(2026);
    ending.mutable_end_date()->set_month(3);
    ending.mutable_end_date()->set_day(31);
    ASSERT_THAT(client.CloseEpisode("tenant-a", "e-1", ending), IsOk());
    const v1::TrendRow row = OnlyRow(client, query);
    EXPECT_EQ(row.all().series(), 1);
    before = row.DebugString();
  });
  const std::string log =
      WithServer(data, dir.Sub("2.log"), {"--rebuild_aggregates"},
                 [&](client::Client& client) {
                   EXPECT_EQ(OnlyRow(client, query).DebugString(), before);
                 });
  EXPECT_THAT(log, HasSubstr("event=rebuild_aggregates_done tenants=1"));
}

// A database whose aggregate cells predate year cells gets them rebuilt at
// start: here the mark and every cell are removed, as an old database would
// lack them, and the figures come back.
TEST(ServerProcessTest, AggregatesOfAnOlderLayoutAreRebuiltAtStart) {
  testing::TempDir dir;
  const std::string data = dir.Sub("data");
  const v1::QueryTrendsRequest query = Year2026(v1::TREND_BUCKET_YEAR);
  std::string before;
  WithServer(data, dir.Sub("1.log"), {}, [&](client::Client& client) {
    SubmitTwoRatings(client);
    const v1::TrendRow row = OnlyRow(client, query);
    EXPECT_EQ(row.activity().administrations(), 2);
    before = row.DebugString();
  });
  // Turn the cells back into layout 2: no unit totals, no scope byte
  // (tenant \0 kind granularity org_unit ...), and mark them so.
  testing::EditRaw(data, [](rocksdb::DB& db,
                            const testing::RawFamilies& families) {
    rocksdb::ColumnFamilyHandle* cells =
        families.at(storage::keys::kAggregatesFamily);
    rocksdb::WriteBatch batch;
    std::unique_ptr<rocksdb::Iterator> it(
        db.NewIterator(rocksdb::ReadOptions(), cells));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      std::string key = it->key().ToString();
      const size_t scope = key.find('\0') + 3;
      batch.Delete(cells, key).PermitUncheckedError();
      // Layout 2 had no distinct-client cells either.
      if (analytics::IsDistinctKind(
              static_cast<analytics::CellKind>(key[scope - 2]))) {
        continue;
      }
      EXPECT_TRUE(key[scope] == 'c' || key[scope] == 'u') << key;
      if (key[scope] == 'u') continue;
      key.erase(scope, 1);
      batch.Put(cells, key, it->value()).PermitUncheckedError();
    }
    batch.Put(storage::keys::kAggregatesVersionKey, "2").PermitUncheckedError();
    return db.Write(rocksdb::WriteOptions(), &batch);
  });
  const std::string log =
      WithServer(data, dir.Sub("2.log"), {}, [&](client::Client& client) {
        auto episode = client.GetEpisode("tenant-a", "e-1");
        ASSERT_THAT(episode, IsOk());
        EXPECT_EQ(episode->administrations_size(), 2);
        EXPECT_EQ(OnlyRow(client, query).DebugString(), before);
      });
  EXPECT_THAT(
      log, HasSubstr(absl::StrCat("event=aggregates_layout_upgrade from=2 to=",
                                  storage::Store::kAggregatesVersion)));
  EXPECT_THAT(log, HasSubstr("event=rebuild_aggregates_done tenants=1"));
}

TEST(ServerProcessTest, ASecondServerOnTheSameDirectoryIsRefused) {
  testing::TempDir dir;
  ServerProcess first(TILBAKE_SERVER_PATH, dir.Sub("data"), dir.Sub("1.log"));
  ASSERT_TRUE(first.WaitForPort().has_value()) << first.log();
  ServerProcess second(TILBAKE_SERVER_PATH, dir.Sub("data"), dir.Sub("2.log"));
  EXPECT_FALSE(second.WaitForPort().has_value());
  EXPECT_EQ(second.Wait(), 1);
  EXPECT_THAT(second.log(), HasSubstr("event=start_failed code=UNAVAILABLE"));
  EXPECT_THAT(second.log(), HasSubstr("is another tilbake-server using this"));
}

TEST(ServerProcessTest, RefusesBadFlagsAndPlaintextBeyondLoopback) {
  testing::TempDir dir;
  ServerProcess bad_durability(TILBAKE_SERVER_PATH, dir.Sub("a"),
                               dir.Sub("1.log"), {"--durability=sometimes"});
  EXPECT_EQ(bad_durability.Wait(), 1);
  EXPECT_THAT(bad_durability.log(), HasSubstr("flag=durability"));
  ServerProcess open_port(TILBAKE_SERVER_PATH, dir.Sub("b"), dir.Sub("2.log"),
                          {"--listen=0.0.0.0:0"});
  EXPECT_EQ(open_port.Wait(), 1);
  EXPECT_THAT(open_port.log(), HasSubstr("only served on loopback"));
}

}  // namespace
}  // namespace tilbake

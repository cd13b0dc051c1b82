// tilbake-server as a child process: start-up, refusal messages, SIGTERM.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
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
#include "storage/keys.h"
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

TEST(ServerProcessTest, RebuildAggregatesKeepsEveryFigure) {
  testing::TempDir dir;
  const std::string data = dir.Sub("data");
  v1::QueryTrendsRequest query;
  query.set_tenant_id("tenant-a");
  query.mutable_from()->set_year(2026);
  query.mutable_from()->set_month(1);
  query.mutable_from()->set_day(1);
  query.mutable_to()->set_year(2026);
  query.mutable_to()->set_month(12);
  query.mutable_to()->set_day(31);
  query.set_bucket(v1::TREND_BUCKET_WHOLE_PERIOD);
  std::string before;
  {
    ServerProcess server(TILBAKE_SERVER_PATH, data, dir.Sub("1.log"));
    std::optional<int> port = server.WaitForPort();
    ASSERT_TRUE(port.has_value()) << server.log();
    auto client =
        client::Client::Connect({.target = absl::StrCat("127.0.0.1:", *port)});
    ASSERT_THAT(client->SubmitRating(testing::OrsRequest(1, "k1")), IsOk());
    ASSERT_THAT(
        client->SubmitRating(testing::OrsRequest(2, "k2", {7, 7, 7, 7})),
        IsOk());
    v1::Ending ending;
    ending.set_type(v1::ENDING_TYPE_PLANNED);
    ending.mutable_end_date()->set_year(2026);
    ending.mutable_end_date()->set_month(3);
    ending.mutable_end_date()->set_day(31);
    ASSERT_THAT(client->CloseEpisode("tenant-a", "e-1", ending), IsOk());
    auto rows = client->QueryTrends(query);
    ASSERT_THAT(rows, IsOk());
    ASSERT_EQ(rows->size(), 1u);
    EXPECT_EQ((*rows)[0].all().series(), 1);
    before = (*rows)[0].SerializeAsString();
    client.reset();
    EXPECT_EQ(server.StopWith(SIGTERM), 0);
  }
  ServerProcess rebuilt(TILBAKE_SERVER_PATH, data, dir.Sub("2.log"),
                        {"--rebuild_aggregates"});
  std::optional<int> port = rebuilt.WaitForPort();
  ASSERT_TRUE(port.has_value()) << rebuilt.log();
  EXPECT_THAT(rebuilt.log(),
              HasSubstr("event=rebuild_aggregates_done tenants=1"));
  auto client =
      client::Client::Connect({.target = absl::StrCat("127.0.0.1:", *port)});
  auto rows = client->QueryTrends(query);
  ASSERT_THAT(rows, IsOk());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].SerializeAsString(), before);
  client.reset();
  EXPECT_EQ(rebuilt.StopWith(SIGTERM), 0);
}

// A database whose aggregate cells predate year cells gets them rebuilt at
// start: here the mark and every cell are removed, as an old database would
// lack them, and the figures come back.
TEST(ServerProcessTest, AggregatesOfAnOlderLayoutAreRebuiltAtStart) {
  testing::TempDir dir;
  const std::string data = dir.Sub("data");
  v1::QueryTrendsRequest query;
  query.set_tenant_id("tenant-a");
  query.mutable_from()->set_year(2026);
  query.mutable_from()->set_month(1);
  query.mutable_from()->set_day(1);
  query.mutable_to()->set_year(2026);
  query.mutable_to()->set_month(12);
  query.mutable_to()->set_day(31);
  query.set_bucket(v1::TREND_BUCKET_YEAR);
  std::string before;
  {
    ServerProcess server(TILBAKE_SERVER_PATH, data, dir.Sub("1.log"));
    std::optional<int> port = server.WaitForPort();
    ASSERT_TRUE(port.has_value()) << server.log();
    auto client =
        client::Client::Connect({.target = absl::StrCat("127.0.0.1:", *port)});
    ASSERT_THAT(client->SubmitRating(testing::OrsRequest(1, "k1")), IsOk());
    ASSERT_THAT(
        client->SubmitRating(testing::OrsRequest(2, "k2", {7, 7, 7, 7})),
        IsOk());
    auto rows = client->QueryTrends(query);
    ASSERT_THAT(rows, IsOk());
    ASSERT_EQ(rows->size(), 1u);
    EXPECT_EQ((*rows)[0].activity().administrations(), 2);
    before = (*rows)[0].DebugString();
    client.reset();
    EXPECT_EQ(server.StopWith(SIGTERM), 0);
  }
  testing::EditRaw(
      data, [](rocksdb::DB& db, const testing::RawFamilies& families) {
        rocksdb::Status s = db.Delete(rocksdb::WriteOptions(),
                                      storage::keys::kAggregatesVersionKey);
        if (!s.ok()) return s;
        return db.DeleteRange(rocksdb::WriteOptions(),
                              families.at(storage::keys::kAggregatesFamily), "",
                              std::string(1, '\xff'));
      });
  ServerProcess upgraded(TILBAKE_SERVER_PATH, data, dir.Sub("2.log"));
  std::optional<int> port = upgraded.WaitForPort();
  ASSERT_TRUE(port.has_value()) << upgraded.log();
  EXPECT_THAT(upgraded.log(),
              HasSubstr("event=aggregates_layout_upgrade from=1 to=2"));
  EXPECT_THAT(upgraded.log(),
              HasSubstr("event=rebuild_aggregates_done tenants=1"));
  auto client =
      client::Client::Connect({.target = absl::StrCat("127.0.0.1:", *port)});
  auto episode = client->GetEpisode("tenant-a", "e-1");
  ASSERT_THAT(episode, IsOk());
  EXPECT_EQ(episode->administrations_size(), 2);
  auto rows = client->QueryTrends(query);
  ASSERT_THAT(rows, IsOk());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].DebugString(), before);
  client.reset();
  EXPECT_EQ(upgraded.StopWith(SIGTERM), 0);
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

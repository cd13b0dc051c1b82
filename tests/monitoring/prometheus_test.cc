// Monitoring, for real: Debian's Prometheus scrapes a running tilbake-server
// on loopback, and its HTTP query API must show the counters moving. Every
// wait is bounded (a few hundred polls of 50–250 ms); nothing is timed.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdio>
#include <fstream>
#include <optional>
#include <regex>
#include <set>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "client/sdk/client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/child_process.h"
#include "tests/testing/proto_builders.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_server.h"

namespace tilbake {
namespace {

using ::testing::HasSubstr;
using ::tilbake::testing::ChildProcess;
using ::tilbake::testing::IsOk;
using ::tilbake::testing::OrsRequest;
using ::tilbake::testing::ServerProcess;

// A loopback port that was free a moment ago (Prometheus needs a fixed one).
int FreeLoopbackPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
  socklen_t size = sizeof(address);
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size);
  close(fd);
  return ntohs(address.sin_port);
}

std::string Run(const std::string& command) {
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return "";
  std::string out;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0)
    out.append(buffer, n);
  pclose(pipe);
  return out;
}

std::string HttpGet(const std::string& url) {
  return Run(absl::StrCat("curl -s --max-time 5 '", url, "'"));
}

// The value of an instant query that returns one sample, if any.
std::optional<double> Query(int prometheus_port, const std::string& promql) {
  const std::string body = Run(absl::StrCat(
      "curl -s --max-time 5 -G 'http://127.0.0.1:", prometheus_port,
      "/api/v1/query' --data-urlencode 'query=", promql, "'"));
  static const std::regex value(R"re("value":\[[0-9.]+,"([^"]+)"\])re");
  std::smatch match;
  if (!std::regex_search(body, match, value)) return std::nullopt;
  return std::stod(match[1]);
}

// Polls `promql` until it equals `expected` (at most 240 × 250 ms).
std::optional<double> WaitForValue(int port, const std::string& promql,
                                   double expected) {
  std::optional<double> last;
  for (int i = 0; i < 240; ++i) {
    last = Query(port, promql);
    if (last.has_value() && *last == expected) return last;
    absl::SleepFor(absl::Milliseconds(250));
  }
  return last;
}

TEST(PrometheusTest, ARealPrometheusSeesTheCountersMove) {
  testing::TempDir dir;
  ServerProcess server(TILBAKE_SERVER_PATH, dir.Sub("data"),
                       dir.Sub("server.log"));
  std::optional<int> port = server.WaitForPort();
  ASSERT_TRUE(port.has_value()) << server.log();
  std::optional<int> metrics_port = server.MetricsPort();
  ASSERT_TRUE(metrics_port.has_value()) << server.log();
  ASSERT_GT(*metrics_port, 0);

  // Prometheus with our alert rules, scraping every second.
  const int prometheus_port = FreeLoopbackPort();
  std::ofstream(dir.Sub("prometheus.yml"))
      << "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
      << "rule_files:\n  - " << TILBAKE_SOURCE_DIR
      << "/deploy/prometheus/alerts.yml\n"
      << "scrape_configs:\n  - job_name: tilbake\n    static_configs:\n"
      << "      - targets: ['127.0.0.1:" << *metrics_port << "']\n";
  ChildProcess prometheus(
      {"prometheus", "--config.file=" + dir.Sub("prometheus.yml"),
       "--storage.tsdb.path=" + dir.Sub("tsdb"),
       absl::StrCat("--web.listen-address=127.0.0.1:", prometheus_port),
       "--log.level=warn"},
      dir.Sub("prometheus.log"));
  ASSERT_EQ(WaitForValue(prometheus_port, "up{job=\"tilbake\"}", 1), 1)
      << prometheus.log();

  // Three ORS, one SRS below the cutoff (a red alert), one refused rating.
  auto client =
      client::Client::Connect({.target = absl::StrCat("127.0.0.1:", *port)});
  for (int session = 1; session <= 3; ++session) {
    ASSERT_THAT(
        client->SubmitRating(OrsRequest(session, absl::StrCat("k", session))),
        IsOk());
  }
  auto srs = OrsRequest(1, "srs-1", {8, 8, 8, 8});
  srs.mutable_rating()->set_instrument_id("srs");
  ASSERT_THAT(client->SubmitRating(srs), IsOk());
  EXPECT_FALSE(client->SubmitRating(OrsRequest(4, "bad", {11, 0, 0, 0})).ok());

  EXPECT_EQ(WaitForValue(prometheus_port,
                         "sum(tilbake_grpc_server_handled_total{grpc_method="
                         "\"SubmitRating\",grpc_code=\"OK\"})",
                         4),
            4);
  EXPECT_EQ(WaitForValue(prometheus_port,
                         "tilbake_grpc_server_handled_total{grpc_method="
                         "\"SubmitRating\",grpc_code=\"INVALID_ARGUMENT\"}",
                         1),
            1);
  EXPECT_EQ(WaitForValue(prometheus_port,
                         "tilbake_ratings_stored_total{instrument=\"ors\"}", 3),
            3);
  EXPECT_EQ(
      WaitForValue(prometheus_port,
                   "tilbake_alerts_raised_total{kind=\"srs_below_cutoff\","
                   "colour=\"red\"}",
                   1),
      1);
  // Every submission was synced: at least four WAL fsyncs.
  EXPECT_EQ(WaitForValue(prometheus_port,
                         "tilbake_rocksdb_wal_sync_seconds_count >= bool 4", 1),
            1);
  EXPECT_EQ(
      WaitForValue(prometheus_port,
                   "sum(tilbake_grpc_server_handling_seconds_count{grpc_method="
                   "\"SubmitRating\"})",
                   5),
      5);
  // Prometheus loaded our alert rules.
  EXPECT_THAT(HttpGet(absl::StrCat("http://127.0.0.1:", prometheus_port,
                                   "/api/v1/rules")),
              HasSubstr("TilbakeWalSyncSlow"));
  EXPECT_EQ(server.StopWith(SIGTERM), 0);
}

// Every tilbake_ metric the dashboard and the alert rules use is one the
// server exports: a renamed metric cannot silently blank a panel.
TEST(PrometheusTest, DashboardsAndAlertsUseExportedMetrics) {
  testing::TestServer server(testing::TestServer::WithMetrics());
  const std::string exported = HttpGet(
      absl::StrCat("http://127.0.0.1:", server.metrics_port(), "/metrics"));
  ASSERT_THAT(exported, HasSubstr("tilbake_build_info"));
  std::set<std::string> names;
  static const std::regex metric(R"(tilbake_[a-z_]+)");
  for (const char* file : {"/deploy/grafana/tilbake-dashboard.json",
                           "/deploy/prometheus/alerts.yml"}) {
    const std::string text =
        testing::ReadAll(std::string(TILBAKE_SOURCE_DIR) + file);
    ASSERT_FALSE(text.empty()) << file;
    for (std::sregex_iterator it(text.begin(), text.end(), metric), end;
         it != end; ++it) {
      names.insert(it->str());
    }
  }
  ASSERT_GT(names.size(), 8u);
  for (const std::string& name : names) {
    // A sample line starts with the name, then labels or the value. (Alert
    // names such as TilbakeDown are capitalised and do not match.)
    const bool found = absl::StrContains(exported, "\n" + name + "{") ||
                       absl::StrContains(exported, "\n" + name + " ");
    EXPECT_TRUE(found) << name << " is used but not exported";
  }
}

// A retention run that deletes is counted; a dry run is not.
TEST(PrometheusTest, RetentionRunsAreCounted) {
  testing::TempDir dir;
  const std::string tenants = dir.Sub("tenants.textpb");
  std::ofstream(tenants)
      << "tenant { id: \"tenant-a\" retain_ended_episodes_years: 5 }\n";
  testing::TestServer server([&](app::ServerOptions& o) {
    testing::TestServer::WithMetrics()(o);
    o.tenant_rule_sets = tenants;
    o.retention_interval = absl::ZeroDuration();
  });
  auto client = server.NewClient();
  for (int session : {1, 2}) {
    v1::SubmitRatingRequest old =
        OrsRequest(session, absl::StrCat("old-", session));
    old.mutable_rating()->mutable_session_date()->set_year(2019);
    ASSERT_THAT(client->SubmitRating(old), IsOk());
  }
  v1::Ending ending;
  ending.set_type(v1::ENDING_TYPE_PLANNED);
  ending.mutable_end_date()->set_year(2019);
  ending.mutable_end_date()->set_month(5);
  ending.mutable_end_date()->set_day(1);
  ASSERT_THAT(client->CloseEpisode("tenant-a", "e-1", ending), IsOk());
  const std::string url =
      absl::StrCat("http://127.0.0.1:", server.metrics_port(), "/metrics");
  ASSERT_THAT(client->RunRetention("tenant-a", /*dry_run=*/true), IsOk());
  EXPECT_THAT(HttpGet(url),
              HasSubstr("\ntilbake_retention_episodes_retired_total 0"));
  auto run = client->RunRetention("tenant-a", /*dry_run=*/false);
  ASSERT_THAT(run, IsOk());
  EXPECT_EQ(run->episodes(), 1);
  const std::string exported = HttpGet(url);
  EXPECT_THAT(exported,
              HasSubstr("\ntilbake_retention_episodes_retired_total 1"));
  EXPECT_THAT(exported, HasSubstr("\ntilbake_retention_failures_total 0"));
}

}  // namespace
}  // namespace tilbake

// tilbake-bench: SubmitRating and GetEpisode through a real server on
// loopback, with fsync and os durability, at 1, 8 and 64 calls in flight.
// Every loop is bounded in count and in time. Prints a table and writes the
// same figures as JSON. (The transport and raw-RocksDB baselines that turn
// these into ratios are the benchmark issue's work.)
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "client/sdk/client.h"
#include "server/app/server.h"

ABSL_FLAG(int, requests, 4000, "SubmitRating calls per run (upper bound).");
ABSL_FLAG(int, max_seconds, 15, "Time limit per run (upper bound).");
ABSL_FLAG(std::string, json_out, "bench-results.json", "Where to write JSON.");
ABSL_FLAG(std::string, work_dir, "/tmp", "Where the temporary databases go.");

namespace {

using tilbake::client::Client;
namespace v1 = tilbake::v1;

constexpr int kSessionsPerEpisode = 20;  // A long but realistic episode.

struct Result {
  std::string name;
  int in_flight = 0;
  int calls = 0;
  int errors = 0;
  double seconds = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  double per_second() const { return seconds > 0 ? calls / seconds : 0; }
};

double Percentile(std::vector<double>& ms, double p) {
  if (ms.empty()) return 0;
  std::sort(ms.begin(), ms.end());
  const auto index =
      static_cast<size_t>(p * static_cast<double>(ms.size() - 1));
  return ms[index];
}

v1::SubmitRatingRequest Rating(const std::string& run, int worker, int i) {
  v1::SubmitRatingRequest request;
  const int session = i % kSessionsPerEpisode + 1;
  request.set_idempotency_key(absl::StrCat(run, "-", worker, "-", i));
  v1::Rating* r = request.mutable_rating();
  r->set_tenant_id("bench");
  r->set_episode_id(
      absl::StrCat(run, "-", worker, "-", i / kSessionsPerEpisode));
  r->set_client_id(absl::StrCat("c-", worker, "-", i / kSessionsPerEpisode));
  r->set_clinician_id("k-1");
  r->set_org_unit("dept/team");
  r->set_session_number(session);
  r->mutable_session_date()->set_year(2025);
  r->mutable_session_date()->set_month(1 + session / 3);
  r->mutable_session_date()->set_day(1 + (session % 3) * 9);
  r->set_instrument_id("ors");
  for (double v : {5.1, 6.0, 7.3, 8.9}) {
    r->mutable_items()->add_items()->set_value(v);
  }
  return request;
}

// Runs `call(worker, j)` (j counts that worker's calls) from `in_flight`
// threads until `total` calls are made or the time limit passes.
template <typename Call>
Result Drive(const std::string& name, int in_flight, int total, Call call) {
  const absl::Time deadline =
      absl::Now() + absl::Seconds(absl::GetFlag(FLAGS_max_seconds));
  std::atomic<int> next{0};
  std::atomic<int> errors{0};
  std::vector<std::vector<double>> latencies(in_flight);
  std::vector<std::thread> threads;
  const absl::Time start = absl::Now();
  for (int w = 0; w < in_flight; ++w) {
    threads.emplace_back([&, w] {
      for (int j = 0; next.fetch_add(1) < total && absl::Now() < deadline;
           ++j) {
        const absl::Time t0 = absl::Now();
        if (!call(w, j)) ++errors;
        latencies[w].push_back(absl::ToDoubleMilliseconds(absl::Now() - t0));
      }
    });
  }
  for (auto& t : threads) t.join();
  Result result;
  result.name = name;
  result.in_flight = in_flight;
  result.seconds = absl::ToDoubleSeconds(absl::Now() - start);
  std::vector<double> all;
  for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  result.calls = static_cast<int>(all.size());
  result.errors = errors.load();
  result.p50_ms = Percentile(all, 0.50);
  result.p99_ms = Percentile(all, 0.99);
  return result;
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const int requests = absl::GetFlag(FLAGS_requests);
  std::vector<Result> results;
  for (const auto& [mode, durability] :
       {std::pair{"fsync", tilbake::storage::Durability::kFsync},
        std::pair{"os", tilbake::storage::Durability::kOs}}) {
    const std::string dir =
        absl::StrCat(absl::GetFlag(FLAGS_work_dir), "/tilbake-bench-", mode,
                     "-", absl::ToUnixMicros(absl::Now()));
    tilbake::app::ServerOptions options;
    options.listen = "127.0.0.1:0";
    options.data_dir = dir;
    options.durability = durability;
    auto server = tilbake::app::Server::Start(options);
    if (!server.ok()) {
      std::fprintf(stderr, "cannot start server: %s\n",
                   server.status().ToString().c_str());
      return 1;
    }
    auto client = Client::Connect(
        {.target = absl::StrCat("127.0.0.1:", (*server)->port())});
    for (int in_flight : {1, 8, 64}) {
      const std::string run = absl::StrCat(mode, in_flight);
      results.push_back(
          Drive(absl::StrCat("SubmitRating durability=", mode), in_flight,
                requests, [&](int worker, int i) {
                  return client->SubmitRating(Rating(run, worker, i)).ok();
                }));
    }
    if (durability == tilbake::storage::Durability::kFsync) {
      // Read back the full 20-session episodes written at 8 in flight.
      const int episodes = std::max(1, requests / 8 / kSessionsPerEpisode);
      results.push_back(
          Drive("GetEpisode (20 sessions)", 8, requests, [&](int w, int j) {
            return client
                ->GetEpisode("bench",
                             absl::StrCat("fsync8-", w, "-", j % episodes))
                .ok();
          }));
    }
    (*server)->Shutdown(absl::Seconds(5));
    std::filesystem::remove_all(dir);
  }

  std::printf("%-36s %9s %7s %7s %10s %9s %9s\n", "benchmark", "in_flight",
              "calls", "errors", "calls/s", "p50_ms", "p99_ms");
  std::vector<std::string> json;
  for (const Result& r : results) {
    std::printf("%-36s %9d %7d %7d %10.0f %9.3f %9.3f\n", r.name.c_str(),
                r.in_flight, r.calls, r.errors, r.per_second(), r.p50_ms,
                r.p99_ms);
    json.push_back(absl::StrFormat(
        R"({"name":"%s","in_flight":%d,"calls":%d,"errors":%d,"calls_per_second":%.1f,"p50_ms":%.3f,"p99_ms":%.3f})",
        r.name, r.in_flight, r.calls, r.errors, r.per_second(), r.p50_ms,
        r.p99_ms));
  }
  std::ofstream(absl::GetFlag(FLAGS_json_out))
      << "[\n  " << absl::StrJoin(json, ",\n  ") << "\n]\n";
  return 0;
}

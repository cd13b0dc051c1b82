// tilbake-bench: the service against this machine's own limits, in one run.
//
// Limits: a null gRPC unary service on the same stack and client (the
// transport), and raw RocksDB puts (synced one by one from 1, 8 and 64
// threads; unsynced in batches of 1000). Service: SubmitRating with fsync
// and os durability at 1, 8 and 64 calls in flight, ImportRatings streaming,
// GetEpisode. Then trend queries and the server's memory at 10 k, 100 k and
// 1 M stored ratings (trend_stages.h), against their targets and against
// the smallest stage. Each figure is printed with its ratio to the limit it
// is held against. Every loop is bounded in count and in time. Writes JSON.
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "bench/percentile.h"
#include "bench/trend_stages.h"
#include "client/sdk/client.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/server_builder.h"
#include "null.grpc.pb.h"
#include "rocksdb/db.h"
#include "rocksdb/write_batch.h"
#include "server/app/server.h"

ABSL_FLAG(int, requests, 4000, "SubmitRating calls per run (upper bound).");
ABSL_FLAG(int, max_seconds, 15, "Time limit per run (upper bound).");
ABSL_FLAG(std::string, json_out, "bench-results.json", "Where to write JSON.");
ABSL_FLAG(std::string, work_dir, "/tmp", "Where the temporary databases go.");
ABSL_FLAG(bool, service, true,
          "Measure the limits and the service calls (false: trends only).");
ABSL_FLAG(std::string, trend_stages, "10000,100000,1000000",
          "Stored ratings at which trend queries and server memory are "
          "measured (empty: none).");
ABSL_FLAG(int, trend_queries, 200,
          "Calls per trend query kind and stage (upper bound).");
ABSL_FLAG(int, trend_load_seconds, 900,
          "Time limit for loading all trend stages.");
ABSL_FLAG(uint32_t, memtable_mb, 64,
          "RocksDB memtable budget of the trend server "
          "(--storage_memtable_mb).");
ABSL_FLAG(bool, trend_keep_data, false,
          "Keep the trend database (to profile or inspect it).");
ABSL_FLAG(std::string, web_path, TILBAKE_WEB_PATH,
          "The tilbake-web binary the trend stages time the report page "
          "through (empty: not).");
ABSL_FLAG(std::string, server_path, TILBAKE_SERVER_PATH,
          "The tilbake-server binary the trend stages start.");

namespace {

using tilbake::bench::Percentile;
using tilbake::client::Client;
namespace v1 = tilbake::v1;

constexpr int kSessionsPerEpisode = 20;  // A long but realistic episode.
// Targets of the benchmarks issue, for the ratios printed.
constexpr double kTrendTargetMs = 20;
constexpr double kRssTargetMiB = 200;

struct Result {
  std::string name;
  std::string limit;  // the figure this one is a ratio of ("" if none)
  double ratio = 0;
  std::string limit2;  // a second limit (storage), if any
  double ratio2 = 0;
  int in_flight = 0;
  int calls = 0;
  int errors = 0;
  double seconds = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  // CPU seconds of this process (client and server together) per wall
  // second during the run: 2.0 = both cores busy.
  double cpu_cores = 0;
  double per_second() const { return seconds > 0 ? calls / seconds : 0; }
};

// User + system CPU seconds this process has used so far.
double ProcessCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
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
  const double cpu_start = ProcessCpuSeconds();
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
  result.cpu_cores = (ProcessCpuSeconds() - cpu_start) / result.seconds;
  std::vector<double> all;
  for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  result.calls = static_cast<int>(all.size());
  result.errors = errors.load();
  result.p50_ms = Percentile(all, 0.50);
  result.p99_ms = Percentile(all, 0.99);
  return result;
}

class NullService final : public tilbake::bench::Null::CallbackService {
  grpc::ServerUnaryReactor* Call(grpc::CallbackServerContext* context,
                                 const tilbake::bench::NullRequest*,
                                 tilbake::bench::NullResponse*) override {
    auto* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
};

// A value of about a stored rating's size.
const std::string& Payload() {
  static const auto* payload =
      new std::string(Rating("x", 0, 0).SerializeAsString());
  return *payload;
}

Result RawPuts(const std::string& dir, int threads, bool sync, int total) {
  rocksdb::Options options;
  options.create_if_missing = true;
  options.IncreaseParallelism(2);
  rocksdb::DB* raw = nullptr;
  if (!rocksdb::DB::Open(options, dir, &raw).ok()) return {};
  std::unique_ptr<rocksdb::DB> db(raw);
  rocksdb::WriteOptions write;
  write.sync = sync;
  Result r = Drive(
      absl::StrCat("raw RocksDB put, ", sync ? "synced" : "not synced"),
      threads, total, [&](int worker, int i) {
        return db->Put(write, absl::StrCat("k", worker, "-", i), Payload())
            .ok();
      });
  db->Close().PermitUncheckedError();
  std::filesystem::remove_all(dir);
  return r;
}

// Puts in batches of 1000, not synced: the storage engine's bulk limit.
Result RawBatchedPuts(const std::string& dir, int total) {
  rocksdb::Options options;
  options.create_if_missing = true;
  rocksdb::DB* raw = nullptr;
  if (!rocksdb::DB::Open(options, dir, &raw).ok()) return {};
  std::unique_ptr<rocksdb::DB> db(raw);
  const absl::Time start = absl::Now();
  int done = 0;
  const absl::Time deadline =
      start + absl::Seconds(absl::GetFlag(FLAGS_max_seconds));
  while (done < total && absl::Now() < deadline) {
    rocksdb::WriteBatch batch;
    for (int i = 0; i < 1000; ++i, ++done) {
      batch.Put(absl::StrCat("b", done), Payload()).PermitUncheckedError();
    }
    db->Write(rocksdb::WriteOptions(), &batch).PermitUncheckedError();
  }
  Result r;
  r.name = "raw RocksDB batched puts (1000, not synced)";
  r.in_flight = 1;
  r.calls = done;
  r.seconds = absl::ToDoubleSeconds(absl::Now() - start);
  db->Close().PermitUncheckedError();
  std::filesystem::remove_all(dir);
  return r;
}

// The limits, then the service against them (see the file comment).
absl::StatusOr<std::vector<Result>> RunService() {
  const int requests = absl::GetFlag(FLAGS_requests);
  const std::string work = absl::GetFlag(FLAGS_work_dir);
  const std::string stamp = absl::StrCat(absl::ToUnixMicros(absl::Now()));
  std::vector<Result> results;
  std::map<int, double> null_rate, raw_sync_rate, raw_nosync_rate;

  // The transport limit: a null unary service, same stack, same client.
  {
    NullService service;
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port);
    builder.RegisterService(&service);
    std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
    grpc::ChannelArguments args;
    args.SetMaxReceiveMessageSize(64 << 20);
    auto stub = tilbake::bench::Null::NewStub(
        grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", port),
                                  grpc::InsecureChannelCredentials(), args));
    tilbake::bench::NullRequest request;
    request.set_payload(Payload());
    for (int in_flight : {1, 8, 64}) {
      Result r = Drive("null gRPC unary (transport limit)", in_flight, requests,
                       [&](int, int) {
                         grpc::ClientContext context;
                         tilbake::bench::NullResponse response;
                         return stub->Call(&context, request, &response).ok();
                       });
      null_rate[in_flight] = r.per_second();
      results.push_back(r);
    }
    server->Shutdown();
  }
  // The storage limit: raw RocksDB puts of a rating-sized value.
  for (int in_flight : {1, 8, 64}) {
    Result synced = RawPuts(absl::StrCat(work, "/tilbake-raw-", stamp),
                            in_flight, true, requests);
    raw_sync_rate[in_flight] = synced.per_second();
    results.push_back(synced);
    Result unsynced = RawPuts(absl::StrCat(work, "/tilbake-raw-", stamp),
                              in_flight, false, requests);
    raw_nosync_rate[in_flight] = unsynced.per_second();
    results.push_back(unsynced);
  }
  Result batched =
      RawBatchedPuts(absl::StrCat(work, "/tilbake-raw-", stamp), 200000);
  const double batched_rate = batched.per_second();
  results.push_back(batched);

  for (const auto& [mode, durability] :
       {std::pair{"fsync", tilbake::storage::Durability::kFsync},
        std::pair{"os", tilbake::storage::Durability::kOs}}) {
    const std::string dir =
        absl::StrCat(work, "/tilbake-bench-", mode, "-", stamp);
    tilbake::app::ServerOptions options;
    options.listen = "127.0.0.1:0";
    options.data_dir = dir;
    options.durability = durability;
    options.log_requests = false;
    auto server = tilbake::app::Server::Start(options);
    if (!server.ok()) {
      std::fprintf(stderr, "cannot start server: %s\n",
                   server.status().ToString().c_str());
      return server.status();
    }
    auto client = Client::Connect(
        {.target = absl::StrCat("127.0.0.1:", (*server)->port())});
    const bool synced = durability == tilbake::storage::Durability::kFsync;
    for (int in_flight : {1, 8, 64}) {
      const std::string run = absl::StrCat(mode, in_flight);
      Result r =
          Drive(absl::StrCat("SubmitRating durability=", mode), in_flight,
                requests, [&](int worker, int i) {
                  return client->SubmitRating(Rating(run, worker, i)).ok();
                });
      r.limit = "null gRPC";
      r.ratio = r.per_second() / null_rate[in_flight];
      r.limit2 = synced ? "raw synced put" : "raw put";
      r.ratio2 = r.per_second() / (synced ? raw_sync_rate[in_flight]
                                          : raw_nosync_rate[in_flight]);
      results.push_back(r);
    }
    // Read back the full 20-session episodes written at 8 in flight
    // (workers share the calls, so which ones are full is looked up).
    std::vector<std::string> full;
    for (int w = 0; w < 8; ++w) {
      for (int e = 0; e * kSessionsPerEpisode < requests; ++e) {
        const std::string id = absl::StrCat(mode, "8-", w, "-", e);
        auto episode = client->GetEpisode("bench", id);
        if (episode.ok() &&
            episode->administrations_size() == kSessionsPerEpisode) {
          full.push_back(id);
        }
      }
    }
    if (full.empty()) full.push_back("none");
    for (int in_flight : {1, 8}) {
      Result get =
          Drive(absl::StrCat("GetEpisode (20 sessions), ", mode), in_flight,
                requests, [&](int w, int j) {
                  return client
                      ->GetEpisode("bench", full[(w * 7919 + j) % full.size()])
                      .ok();
                });
      get.limit = "null gRPC";
      get.ratio = get.per_second() / null_rate[in_flight];
      results.push_back(get);
    }
    if (synced) {
      // Import streams of whole episodes, each acknowledged (and synced)
      // once: one stream, then two at once (the server takes up to
      // --max_import_streams; each stream is worked on one thread).
      for (int streams : {1, 2}) {
        const int records = std::max(kSessionsPerEpisode, requests * 5);
        std::atomic<int> stored{0}, rejected{0};
        const absl::Time start = absl::Now();
        const double cpu_start = ProcessCpuSeconds();
        std::vector<std::thread> threads;
        for (int t = 0; t < streams; ++t) {
          threads.emplace_back([&, t] {
            const std::string run = absl::StrCat("import", streams);
            int next = 0;
            auto imported =
                client->ImportRatings([&](v1::ImportRatingsRequest* r) {
                  if (next == records / streams) return false;
                  r->set_record_number(next);
                  *r->mutable_record() = Rating(run, t, next++);
                  return true;
                });
            if (imported.ok()) {
              stored += static_cast<int>(imported->stored());
              rejected += static_cast<int>(imported->rejected());
            } else {
              ++rejected;
            }
          });
        }
        for (auto& t : threads) t.join();
        Result import;
        import.name = absl::StrCat("ImportRatings, ", streams, " stream",
                                   streams > 1 ? "s" : "", " (fsync)");
        import.in_flight = streams;
        import.seconds = absl::ToDoubleSeconds(absl::Now() - start);
        import.cpu_cores = (ProcessCpuSeconds() - cpu_start) / import.seconds;
        import.calls = stored;
        import.errors = rejected;
        import.limit = "raw batched put";
        import.ratio = import.per_second() / batched_rate;
        results.push_back(import);
      }
    }
    (*server)->Shutdown(absl::Seconds(5));
    std::filesystem::remove_all(dir);
  }

  return results;
}

std::string ServiceJson(const std::vector<Result>& results) {
  std::vector<std::string> json;
  for (const Result& r : results) {
    json.push_back(absl::StrFormat(
        R"({"name":"%s","in_flight":%d,"calls":%d,"errors":%d,"per_second":%.1f,"p50_ms":%.3f,"p99_ms":%.3f,"cpu_cores":%.2f,"limit":"%s","ratio":%.4f,"limit2":"%s","ratio2":%.4f})",
        r.name, r.in_flight, r.calls, r.errors, r.per_second(), r.p50_ms,
        r.p99_ms, r.cpu_cores, r.limit, r.ratio, r.limit2, r.ratio2));
  }
  return absl::StrCat("[\n    ", absl::StrJoin(json, ",\n    "), "\n  ]");
}

void PrintService(const std::vector<Result>& results) {
  std::printf("%-44s %4s %7s %5s %9s %9s %9s %5s  %s\n", "benchmark", "in",
              "calls", "errs", "per_s", "p50_ms", "p99_ms", "cpu",
              "ratio to limit");
  for (const Result& r : results) {
    std::string ratios;
    if (!r.limit.empty()) {
      absl::StrAppend(&ratios,
                      absl::StrFormat("%.0f%% of %s", 100 * r.ratio, r.limit));
    }
    if (!r.limit2.empty()) {
      absl::StrAppend(
          &ratios, absl::StrFormat(", %.0f%% of %s", 100 * r.ratio2, r.limit2));
    }
    std::printf("%-44s %4d %7d %5d %9.0f %9.3f %9.3f %5.2f  %s\n",
                r.name.c_str(), r.in_flight, r.calls, r.errors, r.per_second(),
                r.p50_ms, r.p99_ms, r.cpu_cores, ratios.c_str());
  }
}

// Trend figures with their p99 against the 20 ms target and against the
// same query at the smallest stage (growth with history).
std::string PrintTrends(const tilbake::bench::TrendRun& run) {
  std::vector<std::string> json;
  std::printf("\n%-10s %8s %8s %10s %12s %14s\n", "ratings", "episodes",
              "load_s", "ratings/s", "server_rss", "server_peak");
  for (const auto& s : run.stages) {
    std::printf(
        "%-10lld %8d %8.1f %10.0f %8.0f MiB %10.0f MiB  (%.0f%% of "
        "the 200 MiB target)\n",
        static_cast<long long>(s.ratings), s.episodes, s.load_seconds,
        s.load_seconds > 0 ? static_cast<double>(s.ratings) / s.load_seconds
                           : 0,
        s.server_rss_mib, s.server_peak_rss_mib,
        100 * s.server_peak_rss_mib / kRssTargetMiB);
    json.push_back(absl::StrFormat(
        R"({"ratings":%d,"episodes":%d,"load_seconds":%.1f,"settle_seconds":%.1f,"server_rss_mib":%.1f,"server_peak_rss_mib":%.1f})",
        s.ratings, s.episodes, s.load_seconds, s.settle_seconds,
        s.server_rss_mib, s.server_peak_rss_mib));
  }
  std::string out = absl::StrCat("\"trend_stages\": [\n    ",
                                 absl::StrJoin(json, ",\n    "), "\n  ],\n  ");
  json.clear();
  std::map<std::string, double> first_p99;
  std::printf("\n%-10s %-46s %6s %5s %9s %9s  %s\n", "ratings", "query",
              "calls", "rows", "p50_ms", "p99_ms",
              "p99 vs 20 ms target, vs smallest stage");
  for (const tilbake::bench::TrendFigure& f : run.figures) {
    first_p99.emplace(f.query, f.p99_ms);
    const double growth = f.p99_ms / first_p99[f.query];
    std::printf("%-10lld %-46s %6d %5zu %9.3f %9.3f  %3.0f%%, x%.1f\n",
                static_cast<long long>(f.ratings), f.query.c_str(), f.calls,
                f.rows, f.p50_ms, f.p99_ms, 100 * f.p99_ms / kTrendTargetMs,
                growth);
    json.push_back(absl::StrFormat(
        R"({"ratings":%d,"query":"%s","calls":%d,"rows":%d,"p50_ms":%.3f,"p99_ms":%.3f,"ratio_to_target":%.4f,"growth":%.3f})",
        f.ratings, f.query, f.calls, f.rows, f.p50_ms, f.p99_ms,
        f.p99_ms / kTrendTargetMs, growth));
  }
  absl::StrAppend(&out, "\"trend_queries\": [\n    ",
                  absl::StrJoin(json, ",\n    "), "\n  ]");
  return out;
}

std::vector<int64_t> Stages(const std::string& list) {
  std::vector<int64_t> stages;
  for (absl::string_view s : absl::StrSplit(list, ',', absl::SkipEmpty())) {
    int64_t v = 0;
    if (absl::SimpleAtoi(s, &v) && v > 0) stages.push_back(v);
  }
  return stages;
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  std::vector<std::string> json;
  if (absl::GetFlag(FLAGS_service)) {
    auto results = RunService();
    if (!results.ok()) {
      std::fprintf(stderr, "%s\n", results.status().ToString().c_str());
      return 1;
    }
    PrintService(*results);
    json.push_back(absl::StrCat("\"service\": ", ServiceJson(*results)));
  }
  tilbake::bench::TrendOptions trends;
  trends.stages = Stages(absl::GetFlag(FLAGS_trend_stages));
  trends.queries = absl::GetFlag(FLAGS_trend_queries);
  trends.load_limit = absl::Seconds(absl::GetFlag(FLAGS_trend_load_seconds));
  trends.work_dir = absl::GetFlag(FLAGS_work_dir);
  trends.memtable_mb = absl::GetFlag(FLAGS_memtable_mb);
  trends.server_path = absl::GetFlag(FLAGS_server_path);
  trends.web_path = absl::GetFlag(FLAGS_web_path);
  trends.keep_data = absl::GetFlag(FLAGS_trend_keep_data);
  if (!trends.stages.empty()) {
    auto run = tilbake::bench::RunTrendStages(trends);
    if (!run.ok()) {
      std::fprintf(stderr, "trend stages: %s\n",
                   run.status().ToString().c_str());
      return 1;
    }
    json.push_back(PrintTrends(*run));
    if (trends.keep_data)
      std::printf("\ntrend data kept in %s\n", run->data_dir.c_str());
  }
  std::ofstream(absl::GetFlag(FLAGS_json_out))
      << "{\n  " << absl::StrJoin(json, ",\n  ") << "\n}\n";
  return 0;
}

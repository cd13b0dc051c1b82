// tilbake-bench: the service against this machine's own limits, in one run.
//
// Limits, each measured by the same asynchronous load client
// (bench/load_client.h: callback API, 4 channels, no thread per call) that
// then drives the service: tilbake-null-server, a separate process on the
// same gRPC server set-up as tilbake-server (server/app/transport.h), for
// unary calls and for a client stream of records of the real size; and raw
// RocksDB puts (synced one by one from 1, 8 and 64 threads; unsynced in
// batches of 1000). Service: tilbake-server as a child process, SubmitRating
// with fsync and os durability at 1, 8 and 64 calls in flight, GetEpisode of
// 20-session episodes at 1 and 8, ImportRatings streaming. Server CPU per
// call comes from /proc/<pid>/stat of the server process. Then trend queries
// and the server's memory at growing stored-rating stages (trend_stages.h).
// Each figure is printed with its ratio to the limit of the same run, and
// the issue's targets as met or missed. Every loop is bounded in count and
// in time. Writes JSON.
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
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
#include "bench/load_client.h"
#include "bench/percentile.h"
#include "bench/process_stats.h"
#include "bench/trend_stages.h"
#include "client/sdk/client.h"
#include "grpcpp/client_context.h"
#include "null.grpc.pb.h"
#include "rocksdb/db.h"
#include "rocksdb/write_batch.h"
#include "tests/testing/child_process.h"
#include "tilbake/v1/feedback.grpc.pb.h"

ABSL_FLAG(int, requests, 4000, "SubmitRating calls per run (upper bound).");
ABSL_FLAG(int, max_seconds, 15, "Time limit per run (upper bound).");
ABSL_FLAG(std::string, json_out, "bench-results.json", "Where to write JSON.");
ABSL_FLAG(std::string, work_dir, "/tmp", "Where the temporary databases go.");
ABSL_FLAG(bool, service, true,
          "Measure the limits and the service calls (false: trends only).");
ABSL_FLAG(std::string, trend_stages, "10000,100000,1000000,10000000",
          "Stored ratings at which trend queries and server memory are "
          "measured (empty: none).");
ABSL_FLAG(int, trend_queries, 200,
          "Calls per trend query kind and stage (upper bound).");
ABSL_FLAG(int, trend_load_seconds, 2400,
          "Time limit for loading all trend stages.");
ABSL_FLAG(int64_t, trend_bulk_from, 10000,
          "Trend ratings past this many are loaded in bulk (whole episodes "
          "scored, closed and counted by the core's functions, 512 a write); "
          "0: all through the core's submissions.");
ABSL_FLAG(int64_t, trend_verify_up_to, 100000,
          "Trend stages of up to this many ratings are checked against a "
          "rebuild of their aggregates from the stored records.");
ABSL_FLAG(uint32_t, memtable_mb, 64,
          "RocksDB memtable budget of the trend server "
          "(--storage_memtable_mb).");
ABSL_FLAG(bool, trend_keep_data, false,
          "Keep the trend database (to profile or inspect it).");
ABSL_FLAG(std::string, web_path, TILBAKE_WEB_PATH,
          "The tilbake-web binary the trend stages time the report page "
          "through (empty: not).");
ABSL_FLAG(std::string, server_path, TILBAKE_SERVER_PATH,
          "The tilbake-server binary the service runs and trend stages "
          "start.");
ABSL_FLAG(std::string, null_server_path, TILBAKE_NULL_SERVER_PATH,
          "The tilbake-null-server binary (the transport limits).");

namespace {

using tilbake::bench::Percentile;
using tilbake::client::Client;
namespace v1 = tilbake::v1;

constexpr int kSessionsPerEpisode = 20;  // A long but realistic episode.
// Targets of the benchmarks issue, for the ratios printed.
constexpr double kTrendTargetMs = 10;
constexpr double kRssTargetMiB = 100;

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
  // CPU seconds of the bench process (the load client) per wall second
  // during the run: 2.0 = both cores busy.
  double cpu_cores = 0;
  // CPU of the server process per call (or record), in µs, from its
  // /proc/<pid>/stat (0 for the in-process raw RocksDB rows).
  double server_us = 0;
  // SubmitRating at 1 in flight: its p50 less the null call's p50 and the
  // raw synced put's p50, the service's own work per rating.
  double own_work_ms = 0;
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

// The CPU used during one run: the bench's own (getrusage, precise enough
// for the shortest raw rows) and, when there is one, the server process's
// (its /proc/<pid>/stat).
class CpuMeter {
 public:
  explicit CpuMeter(pid_t server = 0)
      : server_(server),
        client_start_(ProcessCpuSeconds()),
        server_start_(server > 0 ? tilbake::bench::CpuSeconds(server) : 0) {}

  // Sets r.cpu_cores (over r.seconds) and r.server_us (per r.calls).
  void Fill(Result& r) const {
    if (r.seconds > 0) {
      r.cpu_cores = (ProcessCpuSeconds() - client_start_) / r.seconds;
    }
    if (server_ > 0 && r.calls > 0) {
      r.server_us =
          (tilbake::bench::CpuSeconds(server_) - server_start_) * 1e6 / r.calls;
    }
  }

 private:
  const pid_t server_;
  const double client_start_;
  const double server_start_;
};

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
  const CpuMeter cpu;
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
  cpu.Fill(result);
  result.p50_ms = Percentile(all, 0.50);
  result.p99_ms = Percentile(all, 0.99);
  return result;
}

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

// `total` submissions for `slots` episode series: call i is session
// i / slots of series i % slots, so calls in flight are for different
// episodes (as from many clinicians) and each episode's sessions come in
// order.
std::vector<v1::SubmitRatingRequest> Ratings(const std::string& run, int slots,
                                             int total) {
  std::vector<v1::SubmitRatingRequest> ratings;
  for (int i = 0; i < total; ++i) {
    ratings.push_back(Rating(run, i % slots, i / slots));
  }
  return ratings;
}

// A unary call of gRPC's callback API: context, request and response live
// until it completes.
template <typename Response>
struct UnaryCall {
  grpc::ClientContext context;
  Response response;
};

// A StartCall for the load client: `invoke(index, context, request,
// response, on_done)` starts the call (on a stub of its choice) with
// `request_for(index)`, which must outlive the run.
template <typename Request, typename Response, typename Invoke>
tilbake::bench::StartCall Unary(
    Invoke invoke, std::function<const Request*(int)> request_for) {
  return [invoke, request_for](int index, std::function<void(bool)> done) {
    auto* call = new UnaryCall<Response>;
    call->context.set_deadline(std::chrono::system_clock::now() +
                               std::chrono::seconds(30));
    invoke(index, &call->context, request_for(index), &call->response,
           [call, done = std::move(done)](grpc::Status status) {
             done(status.ok());
             delete call;
           });
  };
}

// Runs `start` through the load client and reads the server process's CPU
// around it.
Result Measure(const std::string& name, int in_flight, int total, pid_t server,
               const tilbake::bench::StartCall& start) {
  const CpuMeter cpu(server);
  tilbake::bench::LoadRun run = tilbake::bench::DriveAsync(
      in_flight, total, absl::Seconds(absl::GetFlag(FLAGS_max_seconds)), start);
  Result r;
  r.name = name;
  r.in_flight = in_flight;
  r.calls = run.calls;
  r.errors = run.errors;
  r.seconds = run.seconds;
  r.p50_ms = Percentile(run.latencies_ms, 0.50);
  r.p99_ms = Percentile(run.latencies_ms, 0.99);
  cpu.Fill(r);
  return r;
}

// Streams each lane of `lanes` on a client stream of its own (one thread
// each, as the SDK's ImportRatingsInStreams does), through `open`, and
// counts what the server says it took (`taken`).
template <typename Record, typename Response>
Result StreamRecords(
    const std::string& name, const std::vector<std::vector<Record>>& lanes,
    pid_t server,
    const std::function<std::unique_ptr<grpc::ClientWriter<Record>>(
        grpc::ClientContext*, Response*)>& open,
    const std::function<int64_t(const Response&)>& taken) {
  const absl::Time deadline =
      absl::Now() + absl::Seconds(absl::GetFlag(FLAGS_max_seconds));
  std::atomic<int64_t> accepted{0}, refused{0};
  const CpuMeter cpu(server);
  const absl::Time start = absl::Now();
  std::vector<std::thread> threads;
  for (const std::vector<Record>& lane : lanes) {
    threads.emplace_back([&, lane = &lane] {
      grpc::ClientContext context;
      Response response;
      auto writer = open(&context, &response);
      int64_t sent = 0;
      for (const Record& record : *lane) {
        if (absl::Now() >= deadline || !writer->Write(record)) break;
        ++sent;
      }
      writer->WritesDone();
      if (writer->Finish().ok()) {
        accepted += taken(response);
        refused += sent - taken(response);
      } else {
        refused += sent;
      }
    });
  }
  for (auto& t : threads) t.join();
  Result r;
  r.name = name;
  r.in_flight = static_cast<int>(lanes.size());
  r.seconds = absl::ToDoubleSeconds(absl::Now() - start);
  r.calls = static_cast<int>(accepted);
  r.errors = static_cast<int>(refused);
  cpu.Fill(r);
  return r;
}

// Import records for `streams` streams, `total` in all: whole episodes, one
// episode's sessions in order on one stream.
std::vector<std::vector<v1::ImportRatingsRequest>> ImportLanes(
    const std::string& run, int streams, int total) {
  std::vector<std::vector<v1::ImportRatingsRequest>> lanes(streams);
  for (int t = 0; t < streams; ++t) {
    for (int i = 0; i < total / streams; ++i) {
      v1::ImportRatingsRequest& r = lanes[t].emplace_back();
      r.set_record_number(i);
      *r.mutable_record() = Rating(run, t, i);
    }
  }
  return lanes;
}

// The same records' sizes for the null stream: each null record carries a
// real one's bytes.
std::vector<std::vector<tilbake::bench::NullRequest>> NullLanes(
    const std::vector<std::vector<v1::ImportRatingsRequest>>& lanes) {
  std::vector<std::vector<tilbake::bench::NullRequest>> out(lanes.size());
  for (size_t t = 0; t < lanes.size(); ++t) {
    for (const auto& record : lanes[t]) {
      out[t].emplace_back().set_payload(record.SerializeAsString());
    }
  }
  return out;
}

// A child process started from `args` that prints `pattern` (capturing its
// gRPC port) once it serves; its log goes to `log`.
absl::StatusOr<int> AwaitPort(tilbake::testing::ChildProcess& process,
                              const std::string& name,
                              const std::string& pattern) {
  auto port = process.WaitForLog(pattern);
  if (!port.has_value()) {
    return absl::UnavailableError(
        absl::StrCat(name, " did not start:\n", process.log()));
  }
  return std::stoi(*port);
}

// The limits (null services, raw RocksDB), then the service against them,
// each server a process of its own driven by the same load client.
absl::StatusOr<std::vector<Result>> RunService() {
  const int requests = absl::GetFlag(FLAGS_requests);
  const std::string work = absl::GetFlag(FLAGS_work_dir);
  const std::string stamp = absl::StrCat(absl::ToUnixMicros(absl::Now()));
  const int import_records = std::max(kSessionsPerEpisode, requests * 5);
  std::vector<Result> results;
  std::map<int, Result> null_unary, null_stream;
  std::map<int, double> raw_sync_rate, raw_nosync_rate;
  double raw_sync_p50 = 0;

  // The transport limits: tilbake-null-server.
  {
    const std::string log = absl::StrCat(work, "/tilbake-null-", stamp, ".log");
    tilbake::testing::ChildProcess server(
        {absl::GetFlag(FLAGS_null_server_path), "--listen=127.0.0.1:0"}, log);
    auto port = AwaitPort(server, "tilbake-null-server",
                          "event=null_server_started port=([0-9]+)");
    if (!port.ok()) return port.status();
    auto channels = tilbake::bench::Channels(absl::StrCat("127.0.0.1:", *port));
    std::vector<std::unique_ptr<tilbake::bench::Null::Stub>> stubs;
    for (auto& c : channels) stubs.push_back(tilbake::bench::Null::NewStub(c));
    tilbake::bench::NullRequest request;
    request.set_payload(Payload());
    auto start =
        Unary<tilbake::bench::NullRequest, tilbake::bench::NullResponse>(
            [&](int index, grpc::ClientContext* context,
                const tilbake::bench::NullRequest* req,
                tilbake::bench::NullResponse* resp,
                std::function<void(grpc::Status)> done) {
              stubs[index % stubs.size()]->async()->Call(context, req, resp,
                                                         std::move(done));
            },
            [&](int) { return &request; });
    Measure("warm-up", 8, 500, server.pid(), start);
    for (int in_flight : {1, 8, 64}) {
      Result r = Measure("null gRPC unary (transport limit)", in_flight,
                         requests, server.pid(), start);
      null_unary[in_flight] = r;
      results.push_back(r);
    }
    for (int streams : {1, 2}) {
      const auto lanes =
          NullLanes(ImportLanes("null", streams, import_records));
      Result r = StreamRecords<tilbake::bench::NullRequest,
                               tilbake::bench::NullResponse>(
          absl::StrCat("null gRPC client stream (import limit)"), lanes,
          server.pid(),
          [&](grpc::ClientContext* context,
              tilbake::bench::NullResponse* response) {
            return stubs[0]->Import(context, response);
          },
          [](const tilbake::bench::NullResponse& r) { return r.records(); });
      null_stream[streams] = r;
      results.push_back(r);
    }
    if (auto stopped = tilbake::bench::StopAndRemoveLog(
            server, "tilbake-null-server", log);
        !stopped.ok()) {
      return stopped;
    }
  }
  // The storage limit: raw RocksDB puts of a rating-sized value.
  for (int in_flight : {1, 8, 64}) {
    Result synced = RawPuts(absl::StrCat(work, "/tilbake-raw-", stamp),
                            in_flight, true, requests);
    raw_sync_rate[in_flight] = synced.per_second();
    if (in_flight == 1) raw_sync_p50 = synced.p50_ms;
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

  for (const std::string mode : {"fsync", "os"}) {
    const bool synced = mode == "fsync";
    const std::string dir =
        absl::StrCat(work, "/tilbake-bench-", mode, "-", stamp);
    const std::string log = absl::StrCat(dir, ".log");
    tilbake::testing::ServerProcess server(
        absl::GetFlag(FLAGS_server_path), dir, log,
        {absl::StrCat("--durability=", mode), "--log_requests=false"});
    auto port = AwaitPort(server, "tilbake-server",
                          "event=server_started .* port=([0-9]+)");
    if (!port.ok()) return port.status();
    const std::string target = absl::StrCat("127.0.0.1:", *port);
    auto channels = tilbake::bench::Channels(target);
    std::vector<std::unique_ptr<v1::Feedback::Stub>> stubs;
    for (auto& c : channels) stubs.push_back(v1::Feedback::NewStub(c));

    auto submit = [&](const std::vector<v1::SubmitRatingRequest>& ratings) {
      return Unary<v1::SubmitRatingRequest, v1::SubmitRatingResponse>(
          [&](int index, grpc::ClientContext* context,
              const v1::SubmitRatingRequest* req,
              v1::SubmitRatingResponse* resp,
              std::function<void(grpc::Status)> done) {
            stubs[index % stubs.size()]->async()->SubmitRating(
                context, req, resp, std::move(done));
          },
          [&ratings](int index) { return &ratings[index]; });
    };
    const auto warm_up = Ratings(absl::StrCat(mode, "warm"), 8, 500);
    Measure("warm-up", 8, 500, server.pid(), submit(warm_up));
    for (int in_flight : {1, 8, 64}) {
      const auto ratings =
          Ratings(absl::StrCat(mode, in_flight), in_flight, requests);
      Result r = Measure(absl::StrCat("SubmitRating durability=", mode),
                         in_flight, requests, server.pid(), submit(ratings));
      r.limit = "null gRPC";
      r.ratio = r.per_second() / null_unary[in_flight].per_second();
      r.limit2 = synced ? "raw synced put" : "raw put";
      r.ratio2 = r.per_second() / (synced ? raw_sync_rate[in_flight]
                                          : raw_nosync_rate[in_flight]);
      if (synced && in_flight == 1) {
        r.own_work_ms = r.p50_ms - null_unary[1].p50_ms - raw_sync_p50;
      }
      results.push_back(r);
    }
    // Read back the full 20-session episodes written at 8 in flight.
    auto client = Client::Connect({.target = target});
    std::vector<v1::GetEpisodeRequest> reads;
    std::vector<v1::Episode> full;  // The episodes read, for corrections.
    for (int w = 0; w < 8; ++w) {
      for (int e = 0; e * 8 * kSessionsPerEpisode < requests; ++e) {
        const std::string id = absl::StrCat(mode, "8-", w, "-", e);
        auto episode = client->GetEpisode("bench", id);
        if (episode.ok() &&
            episode->administrations_size() == kSessionsPerEpisode) {
          v1::GetEpisodeRequest& read = reads.emplace_back();
          read.set_tenant_id("bench");
          read.set_episode_id(id);
          full.push_back(*std::move(episode));
        }
      }
    }
    if (reads.empty()) {
      return absl::InternalError(
          absl::StrCat("no full 20-session episode was stored (", mode, ")"));
    }
    for (int in_flight : {1, 8}) {
      Result get =
          Measure(absl::StrCat("GetEpisode (20 sessions), ", mode), in_flight,
                  requests, server.pid(),
                  Unary<v1::GetEpisodeRequest, v1::GetEpisodeResponse>(
                      [&](int index, grpc::ClientContext* context,
                          const v1::GetEpisodeRequest* req,
                          v1::GetEpisodeResponse* resp,
                          std::function<void(grpc::Status)> done) {
                        stubs[index % stubs.size()]->async()->GetEpisode(
                            context, req, resp, std::move(done));
                      },
                      [&](int index) {
                        return &reads[(index * 7919) % reads.size()];
                      }));
      get.limit = "null gRPC";
      get.ratio = get.per_second() / null_unary[in_flight].per_second();
      results.push_back(get);
    }
    if (synced) {
      // Corrections of those episodes' forms (first item changed), each
      // administration once per run, spread over the episodes; the same
      // durable write path as a submission plus the episode's figures
      // out and in.
      for (int in_flight : {1, 8}) {
        std::vector<v1::CorrectRatingRequest> fixes;
        for (int s = 0; s < kSessionsPerEpisode &&
                        fixes.size() < static_cast<size_t>(requests);
             ++s) {
          for (const v1::Episode& e : full) {
            const v1::Administration& a = e.administrations(s);
            v1::CorrectRatingRequest& fix = fixes.emplace_back();
            fix.set_tenant_id("bench");
            fix.set_episode_id(e.episode_id());
            fix.set_administration_id(a.administration_id());
            *fix.mutable_rating() = a.rating();
            fix.mutable_rating()->mutable_items()->mutable_items(0)->set_value(
                in_flight == 1 ? 1.0 : 2.0);
            fix.set_reason("bench");
            fix.set_idempotency_key(
                absl::StrCat("fix-", in_flight, "-", e.episode_id(), "-", s));
          }
        }
        Result fixed = Measure(
            "CorrectRating (20-session episode), fsync", in_flight,
            static_cast<int>(std::min<size_t>(fixes.size(), requests)),
            server.pid(),
            Unary<v1::CorrectRatingRequest, v1::CorrectRatingResponse>(
                [&](int index, grpc::ClientContext* context,
                    const v1::CorrectRatingRequest* req,
                    v1::CorrectRatingResponse* resp,
                    std::function<void(grpc::Status)> done) {
                  stubs[index % stubs.size()]->async()->CorrectRating(
                      context, req, resp, std::move(done));
                },
                [&](int index) { return &fixes[index % fixes.size()]; }));
        fixed.limit = "null gRPC";
        fixed.ratio = fixed.per_second() / null_unary[in_flight].per_second();
        results.push_back(fixed);
      }
    }
    if (synced) {
      // Import streams of whole episodes, each acknowledged (and synced)
      // once: one stream, then two at once (the server takes up to
      // --max_import_streams; each stream is worked on one thread).
      for (int streams : {1, 2}) {
        const auto lanes = ImportLanes(absl::StrCat("import", streams), streams,
                                       import_records);
        Result r =
            StreamRecords<v1::ImportRatingsRequest, v1::ImportRatingsResponse>(
                absl::StrCat("ImportRatings, ", streams, " stream",
                             streams > 1 ? "s" : "", " (fsync)"),
                lanes, server.pid(),
                [&](grpc::ClientContext* context,
                    v1::ImportRatingsResponse* response) {
                  return stubs[0]->ImportRatings(context, response);
                },
                [](const v1::ImportRatingsResponse& r) { return r.stored(); });
        r.limit = "null stream";
        r.ratio = r.per_second() / null_stream[streams].per_second();
        r.limit2 = "raw batched put";
        r.ratio2 = r.per_second() / batched_rate;
        results.push_back(r);
      }
    }
    if (auto stopped =
            tilbake::bench::StopAndRemoveLog(server, "tilbake-server", log);
        !stopped.ok()) {
      return stopped;
    }
    std::filesystem::remove_all(dir);
  }
  if (null_unary[64].per_second() < null_unary[8].per_second()) {
    std::printf(
        "the client is the limit: the null service did %.0f calls/s at 64 in "
        "flight, fewer than %.0f at 8; ratios at 64 overstate the service\n",
        null_unary[64].per_second(), null_unary[8].per_second());
  }
  return results;
}

std::string ServiceJson(const std::vector<Result>& results) {
  std::vector<std::string> json;
  for (const Result& r : results) {
    json.push_back(absl::StrFormat(
        R"({"name":"%s","in_flight":%d,"calls":%d,"errors":%d,"per_second":%.1f,"p50_ms":%.3f,"p99_ms":%.3f,"client_cpu_cores":%.2f,"server_cpu_us":%.1f,"own_work_ms":%.3f,"limit":"%s","ratio":%.4f,"limit2":"%s","ratio2":%.4f})",
        r.name, r.in_flight, r.calls, r.errors, r.per_second(), r.p50_ms,
        r.p99_ms, r.cpu_cores, r.server_us, r.own_work_ms, r.limit, r.ratio,
        r.limit2, r.ratio2));
  }
  return absl::StrCat("[\n    ", absl::StrJoin(json, ",\n    "), "\n  ]");
}

// The service figures of the issue's targets (bench/README.md), each with
// the limit it is held against in this run and whether it is met.
void PrintTargets(const std::vector<Result>& results) {
  auto find = [&](const std::string& name, int in_flight) -> const Result* {
    for (const Result& r : results) {
      if (r.name == name && r.in_flight == in_flight) return &r;
    }
    return nullptr;
  };
  auto line = [](bool met, const std::string& text) {
    std::printf("  %-6s %s\n", met ? "met" : "MISSED", text.c_str());
  };
  std::printf("\ntargets\n");
  if (const Result* r = find("SubmitRating durability=fsync", 64)) {
    line(r->ratio >= 0.6,
         absl::StrFormat("durable SubmitRating @64: %.0f%% of null gRPC "
                         "(target >= 60%%)",
                         100 * r->ratio));
  }
  const Result* null1 = find("null gRPC unary (transport limit)", 1);
  const Result* put1 = find("raw RocksDB put, synced", 1);
  const Result* submit1 = find("SubmitRating durability=fsync", 1);
  if (null1 != nullptr && put1 != nullptr && submit1 != nullptr) {
    line(submit1->own_work_ms <= 0.2,
         absl::StrFormat("durable SubmitRating @1: p50 %.3f ms = null call "
                         "%.3f + synced put %.3f + own work %.3f ms (target "
                         "<= 0.2)",
                         submit1->p50_ms, null1->p50_ms, put1->p50_ms,
                         submit1->own_work_ms));
  }
  for (const auto& [in_flight, target] : {std::pair{1, 1.0}, {8, 2.0}}) {
    if (const Result* r = find("GetEpisode (20 sessions), fsync", in_flight)) {
      line(r->p99_ms < target,
           absl::StrFormat("GetEpisode (20 sessions, durable access log) "
                           "@%d: p99 %.3f ms (target < %.0f ms)",
                           in_flight, r->p99_ms, target));
    }
  }
  if (const Result* r = find("ImportRatings, 1 stream (fsync)", 1)) {
    line(r->ratio >= 0.5,
         absl::StrFormat("ImportRatings, one stream: %.0f%% of the null "
                         "client stream (target >= 50%%)",
                         100 * r->ratio));
  }
}

void PrintService(const std::vector<Result>& results) {
  std::printf("%-44s %4s %6s %5s %8s %8s %8s %5s %8s  %s\n", "benchmark", "in",
              "calls", "errs", "per_s", "p50_ms", "p99_ms", "cli", "srv_us",
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
    std::printf("%-44s %4d %6d %5d %8.0f %8.3f %8.3f %5.2f %8.0f  %s\n",
                r.name.c_str(), r.in_flight, r.calls, r.errors, r.per_second(),
                r.p50_ms, r.p99_ms, r.cpu_cores, r.server_us, ratios.c_str());
  }
  std::printf(
      "(in: calls in flight or streams; cli: the load client's CPU cores; "
      "srv_us: server CPU µs per call or record, from /proc/<pid>/stat)\n");
  PrintTargets(results);
}

// Trend figures with their p99 against the 10 ms target and against the
// same query at the smallest stage (growth with history).
std::string PrintTrends(const tilbake::bench::TrendRun& run) {
  std::vector<std::string> json;
  std::printf("\n%-10s %8s %10s %8s %8s %10s %12s %14s\n", "ratings",
              "episodes", "bulk", "rebuilt", "load_s", "ratings/s",
              "server_rss", "server_peak");
  for (const auto& s : run.stages) {
    std::printf(
        "%-10lld %8d %10lld %8s %8.1f %10.0f %8.0f MiB %10.0f MiB  (%.0f%% of "
        "the 100 MiB target)\n",
        static_cast<long long>(s.ratings), s.episodes,
        static_cast<long long>(s.bulk_ratings), s.verified ? "equal" : "-",
        s.load_seconds,
        s.load_seconds > 0 ? static_cast<double>(s.ratings) / s.load_seconds
                           : 0,
        s.server_rss_mib, s.server_peak_rss_mib,
        100 * s.server_peak_rss_mib / kRssTargetMiB);
    json.push_back(absl::StrFormat(
        R"({"ratings":%d,"episodes":%d,"bulk_ratings":%d,"equal_to_rebuild":%s,"load_seconds":%.1f,"settle_seconds":%.1f,"server_rss_mib":%.1f,"server_peak_rss_mib":%.1f})",
        s.ratings, s.episodes, s.bulk_ratings, s.verified ? "true" : "false",
        s.load_seconds, s.settle_seconds, s.server_rss_mib,
        s.server_peak_rss_mib));
  }
  std::string out = absl::StrCat("\"trend_stages\": [\n    ",
                                 absl::StrJoin(json, ",\n    "), "\n  ],\n  ");
  json.clear();
  std::map<std::string, double> first_p99;
  std::printf("\n%-10s %-46s %6s %5s %9s %9s  %s\n", "ratings", "query",
              "calls", "rows", "p50_ms", "p99_ms",
              "p99 vs 10 ms target, vs smallest stage");
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
  trends.bulk_from = absl::GetFlag(FLAGS_trend_bulk_from);
  trends.verify_up_to = absl::GetFlag(FLAGS_trend_verify_up_to);
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

#include "server/metrics/service_metrics.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_split.h"
#include "prometheus/client_metric.h"
#include "prometheus/metric_family.h"

namespace tilbake::metrics {
namespace {

// gRPC status codes 0 (OK) … 16 (UNAUTHENTICATED), by name.
constexpr const char* kCodes[] = {"OK",
                                  "CANCELLED",
                                  "UNKNOWN",
                                  "INVALID_ARGUMENT",
                                  "DEADLINE_EXCEEDED",
                                  "NOT_FOUND",
                                  "ALREADY_EXISTS",
                                  "PERMISSION_DENIED",
                                  "RESOURCE_EXHAUSTED",
                                  "FAILED_PRECONDITION",
                                  "ABORTED",
                                  "OUT_OF_RANGE",
                                  "UNIMPLEMENTED",
                                  "INTERNAL",
                                  "UNAVAILABLE",
                                  "DATA_LOSS",
                                  "UNAUTHENTICATED"};
constexpr int kCodeCount = 17;
static_assert(sizeof(kCodes) / sizeof(kCodes[0]) == kCodeCount);

// Seconds: 0.25 ms … 5 s, covering a cached read to a slow fsync.
const prometheus::Histogram::BucketBoundaries& LatencyBuckets() {
  static const auto* buckets = new prometheus::Histogram::BucketBoundaries{
      0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
      0.05,    0.1,    0.25,  0.5,    1,     2.5,  5};
  return *buckets;
}

// "/tilbake.v1.Feedback/SubmitRating" -> {"tilbake.v1.Feedback",
// "SubmitRating"}
std::pair<std::string, std::string> SplitMethod(absl::string_view full) {
  std::vector<std::string> parts = absl::StrSplit(full, '/', absl::SkipEmpty());
  if (parts.size() != 2) return {"other", "other"};
  return {parts[0], parts[1]};
}

constexpr const char* kAlertKinds[] = {"ors_zone", "srs_below_cutoff",
                                       "srs_drop", "srs_missing",
                                       "srs_item_below"};
constexpr const char* kColours[] = {"grey", "green", "orange", "red"};

}  // namespace

const char* GrpcCodeName(int code) {
  return code >= 0 && code < kCodeCount ? kCodes[code] : "UNKNOWN";
}

ServiceMetrics::ServiceMetrics(prometheus::Registry& registry,
                               const MetricLabels& labels) {
  auto& handled =
      prometheus::BuildCounter()
          .Name("tilbake_grpc_server_handled_total")
          .Help("RPCs completed, by service, method and status code.")
          .Register(registry);
  auto& handling = prometheus::BuildHistogram()
                       .Name("tilbake_grpc_server_handling_seconds")
                       .Help("Time from an RPC's start to its status.")
                       .Register(registry);
  auto make_method = [&](const std::string& service, const std::string& name) {
    Method m;
    for (int code = 0; code < kCodeCount; ++code) {
      m.by_code.push_back(&handled.Add({{"grpc_service", service},
                                        {"grpc_method", name},
                                        {"grpc_code", kCodes[code]}}));
    }
    m.seconds = &handling.Add(
        {{"grpc_service", service}, {"grpc_method", name}}, LatencyBuckets());
    return m;
  };
  for (const std::string& full : labels.methods) {
    auto [service, name] = SplitMethod(full);
    methods_.emplace(full, make_method(service, name));
  }
  other_ = make_method("other", "other");

  auto& ratings = prometheus::BuildCounter()
                      .Name("tilbake_ratings_stored_total")
                      .Help("Administrations newly stored, by instrument.")
                      .Register(registry);
  for (const std::string& id : labels.instruments) {
    ratings_.emplace(id, &ratings.Add({{"instrument", id}}));
  }
  ratings_other_ = &ratings.Add({{"instrument", "other"}});

  auto& alerts = prometheus::BuildCounter()
                     .Name("tilbake_alerts_raised_total")
                     .Help(
                         "Alerts on newly stored administrations, by kind "
                         "and colour.")
                     .Register(registry);
  for (const char* kind : kAlertKinds) {
    for (const char* colour : kColours) {
      alerts_[{kind, colour}] =
          &alerts.Add({{"kind", kind}, {"colour", colour}});
    }
  }
  auto& imports = prometheus::BuildCounter()
                      .Name("tilbake_import_records_total")
                      .Help("ImportRatings records, by result.")
                      .Register(registry);
  import_accepted_ = &imports.Add({{"result", "accepted"}});
  import_rejected_ = &imports.Add({{"result", "rejected"}});

  auto& in_flight =
      prometheus::BuildGauge()
          .Name("tilbake_calls_in_flight")
          .Help(
              "Calls admitted and not yet finished, by kind (an import "
              "stream is also a call); see --max_in_flight.")
          .Register(registry);
  calls_in_flight_ = &in_flight.Add({{"kind", "call"}});
  import_streams_open_ = &in_flight.Add({{"kind", "import_stream"}});
  auto& shed = prometheus::BuildCounter()
                   .Name("tilbake_calls_shed_total")
                   .Help(
                       "Calls refused with RESOURCE_EXHAUSTED by load "
                       "shedding, by kind.")
                   .Register(registry);
  calls_shed_ = &shed.Add({{"kind", "call"}});
  import_streams_shed_ = &shed.Add({{"kind", "import_stream"}});
  malformed_requests_ =
      &prometheus::BuildCounter()
           .Name("tilbake_malformed_requests_total")
           .Help(
               "Unary requests whose bytes did not parse (answered "
               "INVALID_ARGUMENT).")
           .Register(registry)
           .Add({});
  unauthenticated_refusals_ =
      &prometheus::BuildCounter()
           .Name("tilbake_unauthenticated_refusals_total")
           .Help(
               "Calls refused UNAUTHENTICATED (summarised in the access log "
               "once per interval, not an entry each).")
           .Register(registry)
           .Add({});
  idle_streams_ended_ =
      &prometheus::BuildCounter()
           .Name("tilbake_import_streams_idle_ended_total")
           .Help(
               "Import streams ended with DEADLINE_EXCEEDED after no record "
               "for --import_idle_seconds.")
           .Register(registry)
           .Add({});
  retention_episodes_ =
      &prometheus::BuildCounter()
           .Name("tilbake_retention_episodes_retired_total")
           .Help("Episodes the retention policy deleted (their figures stay).")
           .Register(registry)
           .Add({});
  retention_audit_entries_ =
      &prometheus::BuildCounter()
           .Name("tilbake_retention_audit_entries_deleted_total")
           .Help("Access-log entries deleted past --audit_retention_years.")
           .Register(registry)
           .Add({});
  retention_failures_ =
      &prometheus::BuildCounter()
           .Name("tilbake_retention_failures_total")
           .Help("Retention runs that failed (the server log says why).")
           .Register(registry)
           .Add({});
}

void ServiceMetrics::RetentionRun(int64_t episodes_retired,
                                  int64_t audit_entries_deleted, bool failed) {
  if (failed) {
    retention_failures_->Increment();
    return;
  }
  retention_episodes_->Increment(static_cast<double>(episodes_retired));
  retention_audit_entries_->Increment(
      static_cast<double>(audit_entries_deleted));
}

void ServiceMetrics::MalformedRequest() { malformed_requests_->Increment(); }

void ServiceMetrics::UnauthenticatedRefusal() {
  unauthenticated_refusals_->Increment();
}

void ServiceMetrics::IdleStreamEnded() { idle_streams_ended_->Increment(); }

void ServiceMetrics::CallsInFlight(int calls, int import_streams) {
  calls_in_flight_->Set(calls);
  import_streams_open_->Set(import_streams);
}

void ServiceMetrics::CallShed(bool import_stream) {
  (import_stream ? import_streams_shed_ : calls_shed_)->Increment();
}

const ServiceMetrics::Method& ServiceMetrics::FindMethod(
    absl::string_view full_method) const {
  auto it = methods_.find(full_method);
  return it == methods_.end() ? other_ : it->second;
}

void ServiceMetrics::RpcFinished(absl::string_view full_method, int grpc_code,
                                 double seconds) {
  const Method& m = FindMethod(full_method);
  const int code = grpc_code >= 0 && grpc_code < kCodeCount ? grpc_code : 2;
  m.by_code[code]->Increment();
  m.seconds->Observe(seconds);
}

void ServiceMetrics::RatingStored(absl::string_view instrument_id) {
  auto it = ratings_.find(instrument_id);
  (it == ratings_.end() ? ratings_other_ : it->second)->Increment();
}

void ServiceMetrics::AlertRaised(absl::string_view kind,
                                 absl::string_view colour) {
  auto it = alerts_.find({std::string(kind), std::string(colour)});
  if (it != alerts_.end()) it->second->Increment();
}

void ServiceMetrics::ImportRecord(bool accepted) {
  (accepted ? import_accepted_ : import_rejected_)->Increment();
}

namespace {

prometheus::MetricFamily Gauge(
    std::string name, std::string help, double value,
    std::vector<prometheus::ClientMetric::Label> labels = {}) {
  prometheus::MetricFamily family;
  family.name = std::move(name);
  family.help = std::move(help);
  family.type = prometheus::MetricType::Gauge;
  prometheus::ClientMetric metric;
  metric.label = std::move(labels);
  metric.gauge.value = value;
  family.metric.push_back(std::move(metric));
  return family;
}

prometheus::MetricFamily Counter(std::string name, std::string help,
                                 double value) {
  prometheus::MetricFamily family = Gauge(std::move(name), std::move(help), 0);
  family.type = prometheus::MetricType::Counter;
  family.metric[0].counter.value = value;
  return family;
}

class StorageCollector final : public prometheus::Collectable {
 public:
  explicit StorageCollector(const storage::Store* store) : store_(store) {}

  std::vector<prometheus::MetricFamily> Collect() const override {
    absl::StatusOr<storage::StorageStats> stats = store_->Stats();
    if (!stats.ok()) return {};
    std::vector<prometheus::MetricFamily> out;
    out.push_back(Gauge("tilbake_rocksdb_live_data_bytes",
                        "Estimated live data in RocksDB.",
                        static_cast<double>(stats->live_data_bytes)));
    out.push_back(Gauge("tilbake_rocksdb_sst_files", "Live SST files.",
                        static_cast<double>(stats->sst_files)));
    out.push_back(Gauge("tilbake_rocksdb_sst_bytes", "Size of live SST files.",
                        static_cast<double>(stats->sst_bytes)));
    out.push_back(Gauge("tilbake_rocksdb_pending_compaction_bytes",
                        "Bytes RocksDB estimates compaction must rewrite.",
                        static_cast<double>(stats->pending_compaction_bytes)));
    out.push_back(Gauge("tilbake_rocksdb_background_errors",
                        "Background errors (non-zero: writes may be stopped).",
                        static_cast<double>(stats->background_errors)));
    out.push_back(Gauge("tilbake_storage_writable",
                        "1 while the database takes writes; 0 after a disk "
                        "full or I/O error, until it recovers.",
                        store_->Health().ok() ? 1 : 0));
    out.push_back(Gauge("tilbake_storage_opened_after_crash",
                        "1 when this start replayed the write-ahead log of a "
                        "process that did not close the database.",
                        store_->opened_after_unclean_shutdown() ? 1 : 0));
    prometheus::MetricFamily sync;
    sync.name = "tilbake_rocksdb_wal_sync_seconds";
    sync.help = "Duration of write-ahead-log fsyncs since start.";
    sync.type = prometheus::MetricType::Summary;
    prometheus::ClientMetric metric;
    metric.summary.sample_count = stats->wal_syncs;
    metric.summary.sample_sum = stats->wal_sync_seconds_sum;
    metric.summary.quantile = {{0.5, stats->wal_sync_seconds_p50},
                               {0.99, stats->wal_sync_seconds_p99}};
    sync.metric.push_back(std::move(metric));
    out.push_back(std::move(sync));
    return out;
  }

 private:
  const storage::Store* store_;
};

class ProcessCollector final : public prometheus::Collectable {
 public:
  explicit ProcessCollector(std::string version)
      : version_(std::move(version)) {}

  std::vector<prometheus::MetricFamily> Collect() const override {
    std::vector<prometheus::MetricFamily> out;
    const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
    const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
    // /proc/self/stat: fields after the ")" of the command name; utime and
    // stime are fields 14 and 15, starttime 22, vsize 23, rss 24 (1-based).
    std::ifstream stat_file("/proc/self/stat");
    std::string stat((std::istreambuf_iterator<char>(stat_file)),
                     std::istreambuf_iterator<char>());
    const size_t close = stat.rfind(')');
    if (close != std::string::npos) {
      std::vector<std::string> f =
          absl::StrSplit(stat.substr(close + 2), ' ', absl::SkipEmpty());
      if (f.size() > 21) {
        // f[0] is field 3 of the file.
        const double cpu = (std::stod(f[11]) + std::stod(f[12])) / ticks;
        out.push_back(Counter("process_cpu_seconds_total",
                              "User and system CPU time.", cpu));
        out.push_back(Gauge("process_virtual_memory_bytes", "Virtual memory.",
                            std::stod(f[20])));
        out.push_back(Gauge("process_resident_memory_bytes", "Resident memory.",
                            std::stod(f[21]) * page));
        std::ifstream uptime_file("/proc/uptime");
        double uptime = 0;
        uptime_file >> uptime;
        const double boot = static_cast<double>(time(nullptr)) - uptime;
        out.push_back(Gauge("process_start_time_seconds",
                            "Start time, seconds since the epoch.",
                            boot + std::stod(f[19]) / ticks));
      }
    }
    std::error_code ec;
    double fds = 0;
    for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec);
         !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
      ++fds;
    }
    out.push_back(Gauge("process_open_fds", "Open file descriptors.", fds));
    out.push_back(Gauge("tilbake_build_info", "Build of tilbake-server.", 1,
                        {{"version", version_}}));
    return out;
  }

 private:
  std::string version_;
};

}  // namespace

std::shared_ptr<prometheus::Collectable> NewStorageCollector(
    const storage::Store* store) {
  return std::make_shared<StorageCollector>(store);
}

std::shared_ptr<prometheus::Collectable> NewProcessCollector(
    std::string version) {
  return std::make_shared<ProcessCollector>(std::move(version));
}

}  // namespace tilbake::metrics

#ifndef TILBAKE_SERVER_METRICS_SERVICE_METRICS_H_
#define TILBAKE_SERVER_METRICS_SERVICE_METRICS_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "prometheus/collectable.h"
#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"
#include "storage/store.h"

namespace tilbake::metrics {

// The canonical name of a gRPC status code ("NOT_FOUND"); "UNKNOWN" for a
// number outside 0–16.
const char* GrpcCodeName(int code);

// What a metric's label values may be, fixed at start-up so every child
// exists before the first scrape and labels stay low-cardinality. No client,
// clinician, episode or tenant ids ever become labels.
struct MetricLabels {
  // Full gRPC method names ("/tilbake.v1.Feedback/SubmitRating").
  std::vector<std::string> methods;
  std::vector<std::string> instruments;  // Instrument ids.
};

// The service's own metrics. Built once from a registry and injected where
// events happen; thread-safe (prometheus-cpp metrics are).
class ServiceMetrics {
 public:
  ServiceMetrics(prometheus::Registry& registry, const MetricLabels& labels);

  // One finished RPC: counted by service, method and status code, timed by
  // service and method. Methods not named at start-up count as "other".
  void RpcFinished(absl::string_view full_method, int grpc_code,
                   double seconds);
  // A newly stored administration (replays do not count).
  void RatingStored(absl::string_view instrument_id);
  // An alert raised on a newly stored administration.
  void AlertRaised(absl::string_view kind, absl::string_view colour);
  void ImportRecord(bool accepted);
  // Load shedding (api::AdmissionControl): what is in flight, what was shed.
  void CallsInFlight(int calls, int import_streams);
  void CallShed(bool import_stream);
  // A unary request whose bytes did not parse.
  void MalformedRequest();
  // A call refused UNAUTHENTICATED.
  void UnauthenticatedRefusal();
  // An import stream ended for being idle.
  void IdleStreamEnded();
  // A retention run that deleted (dry runs are not counted), or failed.
  void RetentionRun(int64_t episodes_retired, int64_t audit_entries_deleted,
                    bool failed);

 private:
  struct Method {
    std::vector<prometheus::Counter*> by_code;  // index = grpc code
    prometheus::Histogram* seconds = nullptr;
  };
  const Method& FindMethod(absl::string_view full_method) const;

  std::map<std::string, Method, std::less<>> methods_;
  Method other_;
  std::map<std::string, prometheus::Counter*, std::less<>> ratings_;
  prometheus::Counter* ratings_other_ = nullptr;
  std::map<std::pair<std::string, std::string>, prometheus::Counter*> alerts_;
  prometheus::Counter* import_accepted_ = nullptr;
  prometheus::Counter* import_rejected_ = nullptr;
  prometheus::Gauge* calls_in_flight_ = nullptr;
  prometheus::Gauge* import_streams_open_ = nullptr;
  prometheus::Counter* calls_shed_ = nullptr;
  prometheus::Counter* import_streams_shed_ = nullptr;
  prometheus::Counter* malformed_requests_ = nullptr;
  prometheus::Counter* unauthenticated_refusals_ = nullptr;
  prometheus::Counter* idle_streams_ended_ = nullptr;
  prometheus::Counter* retention_episodes_ = nullptr;
  prometheus::Counter* retention_audit_entries_ = nullptr;
  prometheus::Counter* retention_failures_ = nullptr;
};

// Storage figures read from the store at each scrape:
// tilbake_rocksdb_{live_data_bytes, sst_files, sst_bytes,
// pending_compaction_bytes, background_errors} and the WAL sync summary
// tilbake_rocksdb_wal_sync_seconds. `store` must outlive the collector.
std::shared_ptr<prometheus::Collectable> NewStorageCollector(
    const storage::Store* store);

// process_* from /proc/self (resident and virtual memory, CPU seconds, open
// file descriptors, start time) and tilbake_build_info.
std::shared_ptr<prometheus::Collectable> NewProcessCollector(
    std::string version);

}  // namespace tilbake::metrics

#endif  // TILBAKE_SERVER_METRICS_SERVICE_METRICS_H_

#ifndef TILBAKE_BENCH_TREND_STAGES_H_
#define TILBAKE_BENCH_TREND_STAGES_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

// Trend query latency and server memory against history size: a synthetic
// tenant is loaded in stages through the core (the server's own write path),
// and at each stage the real tilbake-server binary is started on the data
// and queried through gRPC as a quality group would.
namespace tilbake::bench {

struct TrendOptions {
  std::vector<int64_t> stages;  // Stored ratings at which to measure.
  int queries = 200;            // Calls per query kind and stage (at most).
  absl::Duration load_limit = absl::Seconds(600);  // For all loading.
  // Ratings past this many are loaded in bulk: whole episodes scored,
  // evaluated, closed and counted by the core's own functions, written 512
  // episodes a write, without the per-rating read-modify-write of the
  // service (0: every rating through the core's submissions).
  int64_t bulk_from = 0;
  // Stages up to this many ratings are checked against a rebuild of their
  // aggregates and clients' facts from the stored records.
  int64_t verify_up_to = 0;
  absl::Duration query_limit = absl::Seconds(30);  // Per query kind.
  std::string work_dir = "/tmp";
  uint32_t memtable_mb = 64;  // The server's --storage_memtable_mb.
  std::string server_path;    // The tilbake-server binary.
  // The tilbake-web binary: the quality report page is timed through it
  // (empty: not).
  std::string web_path;
  // Leave the database in place (its path in TrendRun::data_dir) to
  // profile or inspect it afterwards.
  bool keep_data = false;
};

// One stage: how the load went and what the server process held after the
// queries (resident now and at its peak, from /proc).
struct TrendStage {
  int64_t ratings = 0;
  int episodes = 0;
  int64_t bulk_ratings = 0;  // Of `ratings`, loaded in bulk (bulk_from).
  bool verified = false;     // Equal to a rebuild (verify_up_to).
  double load_seconds = 0;
  double settle_seconds = 0;
  double server_rss_mib = 0;
  double server_peak_rss_mib = 0;
};

struct TrendFigure {
  int64_t ratings = 0;
  std::string query;
  int calls = 0;
  size_t rows = 0;
  double p50_ms = 0;
  double p99_ms = 0;
};

struct TrendRun {
  std::string data_dir;  // Removed at the end unless keep_data.
  std::vector<TrendStage> stages;
  std::vector<TrendFigure> figures;
};

// Runs every stage in order (bounded by the options' limits); the data goes
// in a temporary directory under work_dir, removed at the end. Fails with
// the first load, server or query error.
absl::StatusOr<TrendRun> RunTrendStages(const TrendOptions& options);

}  // namespace tilbake::bench

#endif  // TILBAKE_BENCH_TREND_STAGES_H_

#ifndef TILBAKE_SERVER_CORE_RETENTION_SERVICE_H_
#define TILBAKE_SERVER_CORE_RETENTION_SERVICE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "domain/audit.h"
#include "server/core/episode_records.h"

namespace tilbake::core {

// How long records are kept: data, not code (docs/security.md).
struct RetentionPolicy {
  // Per tenant: an episode that ended more than this many years ago is
  // retired. A tenant not named keeps its episodes.
  std::map<std::string, int> ended_episode_years;
  // Access-log entries older than this many years are deleted (every
  // tenant); 0 keeps them. Set by the deployment to the legal period.
  int audit_years = 0;
};

// What a run deleted (or, dry, would delete) in one tenant: counts, never
// values.
struct RetentionReport {
  std::string tenant_id;
  bool dry_run = false;
  std::optional<absl::CivilDay> episodes_ended_before;  // No policy: unset.
  std::optional<absl::Time> audit_before;
  int64_t episodes = 0;
  int64_t administrations = 0;
  int64_t revisions = 0;
  int64_t idempotency_keys = 0;
  int64_t audit_entries = 0;
};

// Retires what the policy says is kept no longer: an episode that ended
// before the cutoff goes with its administrations, its corrections' trail
// and its idempotency keys, and the files that held them are compacted, as
// for erasure. Its trend figures stay: past figures are anonymous sums and
// must not change. What it had added to the cells is written to the
// retired ledger in the same write, so the rebuild from raw records plus
// the ledger still equals the cells. The trajectory reference keeps it too.
// Each write (up to kEpisodesPerWrite episodes) carries its access-log
// entry with its counts. Thread-safe.
class RetentionService {
 public:
  static constexpr size_t kEpisodesPerWrite = 100;

  // Told of every run that is not dry, done or failed (the server counts
  // them for Prometheus); may be null.
  using RunObserver =
      std::function<void(const absl::StatusOr<RetentionReport>&)>;

  // `records` must outlive the service.
  RetentionService(EpisodeRecords* records, RetentionPolicy policy,
                   RunObserver observer = nullptr);

  // One tenant. With `dry_run` nothing is deleted; the counts say what
  // would be. InvalidArgument for a bad tenant id.
  absl::StatusOr<RetentionReport> Run(const domain::Actor& actor,
                                      absl::string_view tenant_id,
                                      bool dry_run);

  // Every tenant with an episode policy, and the access log of every
  // tenant that has entries when audit_years is set (the scheduled run).
  absl::StatusOr<std::vector<RetentionReport>> RunAll(
      const domain::Actor& actor, bool dry_run);

  const RetentionPolicy& policy() const { return policy_; }

 private:
  // Run's work, logged by it when refused.
  absl::StatusOr<RetentionReport> RunLogged(const domain::Actor& actor,
                                            absl::string_view tenant_id,
                                            bool dry_run);
  // The episodes ended before report.episodes_ended_before; counts into
  // `report` (deleted unless report.dry_run).
  absl::Status RetireEpisodes(const domain::Actor& actor,
                              RetentionReport& report);
  // The access-log entries before report.audit_before, likewise.
  absl::Status TrimAuditLog(RetentionReport& report);

  EpisodeRecords* records_;
  RetentionPolicy policy_;
  RunObserver observer_;
};

}  // namespace tilbake::core

#endif  // TILBAKE_SERVER_CORE_RETENTION_SERVICE_H_

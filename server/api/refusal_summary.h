#ifndef TILBAKE_SERVER_API_REFUSAL_SUMMARY_H_
#define TILBAKE_SERVER_API_REFUSAL_SUMMARY_H_

#include <functional>
#include <map>
#include <set>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/core/audit_trail.h"
#include "server/metrics/service_metrics.h"

namespace tilbake::api {

// Calls refused before authentication, counted instead of logged one by
// one. Anyone who can reach the port can make them, thousands a second: an
// access-log entry each would fill the disk and bury a citizen's access
// report under "(unauthenticated)" lines. Instead each refusal is counted
// (a metric at once), and once per interval Flush writes one access-log
// entry per tenant named, "(unauthenticated) UnauthenticatedRefusals" with
// the count, the calls and the number of peers, under no client or
// episode, plus one process-log line. Thread-safe.
class RefusalSummary {
 public:
  using Clock = std::function<absl::Time()>;
  // At most this many tenants and peers are told apart per interval; the
  // rest are counted under domain::kSystemTenant and as "more peers".
  static constexpr size_t kMaxTenants = 64;
  static constexpr size_t kMaxPeers = 1024;

  // `audit` (may be null: counts and the process log only) and `metrics`
  // (may be null) must outlive the summary. `now` measures the interval.
  RefusalSummary(
      const core::AuditTrail* audit, metrics::ServiceMetrics* metrics,
      absl::Duration interval, Clock now = [] { return absl::Now(); });

  // One refused call naming `tenant_id` (a crafted or missing one counts
  // under domain::kSystemTenant), to `rpc`, from `peer`.
  void Count(absl::string_view tenant_id, absl::string_view rpc,
             absl::string_view peer);

  // Writes the summary if an interval has passed since the last one (and
  // anything was counted); what Flush writes otherwise. Called by the
  // server's watcher thread every tick.
  void FlushIfDue();
  // Writes what was counted since the last summary, due or not (at stop).
  void Flush();

 private:
  struct Tally {
    int64_t calls = 0;
    std::map<std::string, int64_t> by_rpc;
  };
  void FlushLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const core::AuditTrail* const audit_;
  metrics::ServiceMetrics* const metrics_;
  const absl::Duration interval_;
  const Clock now_;
  absl::Mutex mu_;
  absl::Time since_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, Tally> tenants_ ABSL_GUARDED_BY(mu_);
  std::set<std::string> peers_ ABSL_GUARDED_BY(mu_);
  int64_t more_peers_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace tilbake::api

#endif  // TILBAKE_SERVER_API_REFUSAL_SUMMARY_H_

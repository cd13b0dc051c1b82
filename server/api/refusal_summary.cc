#include "server/api/refusal_summary.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/identifiers.h"
#include "common/log.h"
#include "domain/audit.h"

namespace tilbake::api {

RefusalSummary::RefusalSummary(const core::AuditTrail* audit,
                               metrics::ServiceMetrics* metrics,
                               absl::Duration interval, Clock now)
    : audit_(audit),
      metrics_(metrics),
      interval_(interval),
      now_(std::move(now)),
      since_(now_()) {}

void RefusalSummary::Count(absl::string_view tenant_id, absl::string_view rpc,
                           absl::string_view peer) {
  if (metrics_ != nullptr) metrics_->UnauthenticatedRefusal();
  std::string tenant = CheckIdentifier("tenant_id", tenant_id).ok()
                           ? std::string(tenant_id)
                           : std::string(domain::kSystemTenant);
  absl::MutexLock lock(&mu_);
  if (!tenants_.contains(tenant) && tenants_.size() >= kMaxTenants) {
    tenant = domain::kSystemTenant;
  }
  Tally& tally = tenants_[tenant];
  ++tally.calls;
  ++tally.by_rpc[std::string(rpc)];  // RPC names: a fixed, short list.
  std::string peer_key(peer.substr(0, 64));
  if (peers_.size() < kMaxPeers) {
    peers_.insert(std::move(peer_key));
  } else if (!peers_.contains(peer_key)) {
    ++more_peers_;
  }
}

void RefusalSummary::FlushIfDue() {
  absl::MutexLock lock(&mu_);
  if (now_() - since_ >= interval_) FlushLocked();
}

void RefusalSummary::Flush() {
  absl::MutexLock lock(&mu_);
  FlushLocked();
}

void RefusalSummary::FlushLocked() {
  const absl::Time until = now_();
  if (tenants_.empty()) {
    since_ = until;
    return;
  }
  const std::string peers =
      absl::StrCat(peers_.size(), more_peers_ > 0 ? "+" : "");
  const std::string period = absl::StrCat(
      absl::FormatTime("%H:%M:%S", since_, absl::UTCTimeZone()), "–",
      absl::FormatTime("%H:%M:%SZ", until, absl::UTCTimeZone()));
  int64_t total = 0;
  std::vector<domain::AuditEntry> entries;
  domain::Actor nobody;
  nobody.name = "(unauthenticated)";
  for (const auto& [tenant, tally] : tenants_) {
    total += tally.calls;
    if (audit_ == nullptr) continue;
    std::vector<std::string> rpcs;
    for (const auto& [rpc, calls] : tally.by_rpc) {
      rpcs.push_back(absl::StrCat(rpc, " ", calls));
    }
    // The detail is cut at 120 characters by the trail: the count first.
    entries.push_back(audit_->Entry(
        nobody, "UnauthenticatedRefusals", tenant, "", "",
        absl::UnauthenticatedError("refused"),
        absl::StrCat(tally.calls, " refused calls ", period, " from ", peers,
                     " peers: ", absl::StrJoin(rpcs, ", "))));
  }
  LogEvent(LogLevel::kWarning, "unauthenticated_refusals",
           {{"calls", absl::StrCat(total)},
            {"tenants", absl::StrCat(tenants_.size())},
            {"peers", peers},
            {"since", absl::FormatTime(since_)}});
  if (audit_ != nullptr) {
    // Not waited for on the disk: durable with the next synced write.
    const absl::Status written =
        audit_->Record(std::move(entries), /*deferred=*/true);
    if (!written.ok()) {
      LogEvent(LogLevel::kError, "audit_write_failed",
               {{"action", "UnauthenticatedRefusals"},
                {"error", std::string(written.message())}});
    }
  }
  tenants_.clear();
  peers_.clear();
  more_peers_ = 0;
  since_ = until;
}

}  // namespace tilbake::api

#ifndef TILBAKE_SERVER_CORE_AUDIT_TRAIL_H_
#define TILBAKE_SERVER_CORE_AUDIT_TRAIL_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "domain/audit.h"
#include "storage/store.h"

namespace tilbake::core {

// Writes the access log. An entry about a change goes into that change's
// write set (Entry); an entry about a read, a refusal or a failure is
// written alone (Record), durable before the call is answered.
class AuditTrail {
 public:
  using Clock = std::function<absl::Time()>;

  // `store` must outlive the trail.
  AuditTrail(storage::Store* store, Clock clock);

  // An entry stamped now. Ids that are not valid identifiers are left out
  // (a malformed request is logged without them; a malformed tenant under
  // domain::kSystemTenant). For a failure, `detail` defaults to the part of
  // the message before its first ':', the field or rule at fault, so no
  // value from the request reaches the log.
  domain::AuditEntry Entry(const domain::Actor& actor, absl::string_view action,
                           absl::string_view tenant_id,
                           absl::string_view episode_id,
                           absl::string_view client_id,
                           const absl::Status& outcome,
                           std::string detail = "") const;

  // Writes `entries` alone, durable before it returns (with `deferred`,
  // only after the store's next SyncWal, as an import stream's records are).
  absl::Status Record(std::vector<domain::AuditEntry> entries,
                      bool deferred = false) const;

  // Record for a call that failed: logs (event=audit_write_failed) if the
  // entry cannot be written and returns `failure` either way, so the caller
  // sees why its call failed, not why the log could not say so.
  absl::Status RecordFailure(domain::AuditEntry entry,
                             const absl::Status& failure,
                             bool deferred = false) const;

 private:
  storage::Store* store_;
  Clock clock_;
};

}  // namespace tilbake::core

#endif  // TILBAKE_SERVER_CORE_AUDIT_TRAIL_H_

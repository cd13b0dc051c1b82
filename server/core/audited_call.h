#ifndef TILBAKE_SERVER_CORE_AUDITED_CALL_H_
#define TILBAKE_SERVER_CORE_AUDITED_CALL_H_

#include <string>
#include <utility>

#include "common/status_macros.h"
#include "domain/audit.h"
#include "server/core/audit_trail.h"

namespace tilbake::core {

// Whom a call is about, for its access-log entry. Copies, not views: the
// call may move the request it came from.
struct AuditSubject {
  std::string action;  // The RPC: "SubmitRating", "GetEpisode", …
  std::string tenant_id;
  std::string episode_id;
  std::string client_id;
  // An import stream's entries are durable with its records, at its sync.
  bool deferred = false;
};

// Writes `failure` to the access log under `subject`; returns `failure`
// (or why it could not be logged).
inline absl::Status RecordRefusal(const AuditTrail& audit,
                                  const domain::Actor& actor,
                                  const AuditSubject& subject,
                                  const absl::Status& failure) {
  return audit.RecordFailure(
      audit.Entry(actor, subject.action, subject.tenant_id, subject.episode_id,
                  subject.client_id, failure),
      failure, subject.deferred);
}

// Runs `call` (returning absl::Status or absl::StatusOr<T>). A failure is
// written to the access log under `subject` before it is returned, so every
// refused or failed call is logged, in one place. A success is the call's
// own to log: a change puts its entry in its own atomic write, a read
// records its entry before it answers.
template <typename Call>
auto RunAudited(const AuditTrail& audit, const domain::Actor& actor,
                const AuditSubject& subject, Call&& call)
    -> decltype(std::forward<Call>(call)()) {
  auto result = std::forward<Call>(call)();
  if (!result.ok())
    return RecordRefusal(audit, actor, subject, AsStatus(result));
  return result;
}

}  // namespace tilbake::core

#endif  // TILBAKE_SERVER_CORE_AUDITED_CALL_H_

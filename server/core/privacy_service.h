#ifndef TILBAKE_SERVER_CORE_PRIVACY_SERVICE_H_
#define TILBAKE_SERVER_CORE_PRIVACY_SERVICE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "domain/audit.h"
#include "server/core/audit_trail.h"
#include "server/core/episode_records.h"
#include "storage/store.h"

namespace tilbake::core {

// A citizen's rights over their data, and the admins' duties: a copy of a
// client's data (export), who looked at it (the access log), and reviewed
// erasure. Every call is itself logged. Thread-safe.
class PrivacyService {
 public:
  // The most entries one page of the access log holds.
  static constexpr int kMaxPageSize = 1000;

  explicit PrivacyService(EpisodeRecords* records);  // Must outlive it.

  // Every episode of `client_id` in the tenant with only that client's
  // administrations, evaluations and outcomes (a group episode's other
  // members are left out), by episode id. NotFound when there are none.
  absl::StatusOr<std::vector<EpisodeView>> ExportClient(
      const domain::Actor& actor, absl::string_view tenant_id,
      absl::string_view client_id) const;

  // A page of a tenant's access log (tenant domain::kSystemTenant: entries
  // about requests that named no valid tenant). InvalidArgument for a bad
  // tenant, client, period, page size or page token.
  absl::StatusOr<domain::AuditPage> QueryAuditLog(const domain::Actor& actor,
                                                  domain::AuditQuery query);

  // Asks for every rating of `client_id` to be erased. Nothing is deleted
  // until a second admin approves. NotFound if the tenant holds nothing of
  // the client; AlreadyExists if a request for the client is pending.
  absl::StatusOr<domain::ErasureRequest> RequestErasure(
      const domain::Actor& actor, absl::string_view tenant_id,
      absl::string_view client_id, absl::string_view reason);

  // Approves (the data is erased, see EraseClient) or rejects a pending
  // request. PermissionDenied when `actor` made the request: approval takes
  // a second admin. FailedPrecondition when it was already decided;
  // NotFound for an unknown id.
  absl::StatusOr<domain::ErasureRequest> DecideErasure(
      const domain::Actor& actor, absl::string_view tenant_id,
      absl::string_view request_id, bool approve);

  // A tenant's erasure requests, pending and decided, by id.
  absl::StatusOr<std::vector<domain::ErasureRequest>> ListErasureRequests(
      const domain::Actor& actor, absl::string_view tenant_id);

 private:
  // Carries out an approved erasure: removes every administration of
  // `approved.client_id` in its tenant, with its idempotency key and its
  // trail of corrections and voids; deletes
  // the client's episodes, and takes the client out of group episodes;
  // subtracts exactly what they added to the trend aggregates and the
  // trajectory reference. One write, which also stores `approved` (with the
  // counts filled in) and the log entry. Then compacts the tenant's records
  // so the data is gone from disk. Returns the request as stored. Called by
  // DecideErasure with decide_mu_ held (from a lambda, where clang's
  // analysis cannot follow the lock, so it is not annotated).
  absl::StatusOr<domain::ErasureRequest> EraseClient(
      const domain::Actor& approver, domain::ErasureRequest approved);

  const AuditTrail& audit() const { return records_->audit(); }

  EpisodeRecords* records_;
  storage::Store& store_;
  // One decision at a time, so a request is never approved twice.
  absl::Mutex decide_mu_;
};

}  // namespace tilbake::core

#endif  // TILBAKE_SERVER_CORE_PRIVACY_SERVICE_H_

#ifndef TILBAKE_SERVER_CORE_PRIVACY_SERVICE_H_
#define TILBAKE_SERVER_CORE_PRIVACY_SERVICE_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "domain/audit.h"
#include "server/core/rating_service.h"
#include "storage/store.h"

namespace tilbake::core {

// A citizen's rights over their data, and the admins' duties: who looked at
// a client's data (the access log), and reviewed erasure. Every call is
// itself logged. Thread-safe.
class PrivacyService {
 public:
  using Clock = std::function<absl::Time()>;

  // The longest reason an erasure request may carry.
  static constexpr size_t kMaxReasonLength = 500;
  // The most entries one page of the access log holds.
  static constexpr int kMaxPageSize = 1000;

  // `store` and `ratings` must outlive the service.
  PrivacyService(storage::Store* store, RatingService* ratings, Clock clock);

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

  // Approves (the data is erased, see RatingService::EraseClient) or
  // rejects a pending request. PermissionDenied when `actor` made the
  // request: approval takes a second admin. FailedPrecondition when it was
  // already decided; NotFound for an unknown id.
  absl::StatusOr<domain::ErasureRequest> DecideErasure(
      const domain::Actor& actor, absl::string_view tenant_id,
      absl::string_view request_id, bool approve);

  // A tenant's erasure requests, pending and decided, by id.
  absl::StatusOr<std::vector<domain::ErasureRequest>> ListErasureRequests(
      const domain::Actor& actor, absl::string_view tenant_id);

 private:
  storage::Store* store_;
  RatingService* ratings_;
  Clock clock_;
  // One decision at a time, so a request is never approved twice.
  absl::Mutex decide_mu_;
};

}  // namespace tilbake::core

#endif  // TILBAKE_SERVER_CORE_PRIVACY_SERVICE_H_

#include "server/core/privacy_service.h"

#include <utility>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/identifiers.h"
#include "common/status_macros.h"

namespace tilbake::core {
namespace {

absl::Status CheckTenant(absl::string_view tenant_id) {
  if (tenant_id == domain::kSystemTenant) return absl::OkStatus();
  return CheckIdentifier("tenant_id", tenant_id);
}

}  // namespace

PrivacyService::PrivacyService(storage::Store* store, RatingService* ratings,
                               Clock clock)
    : store_(store), ratings_(ratings), clock_(std::move(clock)) {}

absl::StatusOr<domain::AuditPage> PrivacyService::QueryAuditLog(
    const domain::Actor& actor, domain::AuditQuery query) {
  const AuditTrail& audit = ratings_->audit();
  absl::StatusOr<domain::AuditPage> page =
      [&]() -> absl::StatusOr<domain::AuditPage> {
    RETURN_IF_ERROR(CheckTenant(query.tenant_id));
    if (!query.client_id.empty()) {
      RETURN_IF_ERROR(CheckIdentifier("client_id", query.client_id));
    }
    if (query.from >= query.to) {
      return absl::InvalidArgumentError("to: must be after from");
    }
    if (query.limit == 0) query.limit = 100;
    if (query.limit < 0 || query.limit > kMaxPageSize) {
      return absl::InvalidArgumentError(
          absl::StrCat("page_size: must be 1–", kMaxPageSize));
    }
    return store_->ReadAudit(query);
  }();
  // Reading the log is itself logged, after the read so the page does not
  // show its own entry, and durably before the page is answered.
  domain::AuditEntry entry =
      audit.Entry(actor, "QueryAuditLog", query.tenant_id, "", query.client_id,
                  page.status());
  if (!page.ok()) return audit.RecordFailure(entry, page.status());
  RETURN_IF_ERROR(audit.Record({std::move(entry)}));
  return page;
}

absl::StatusOr<domain::ErasureRequest> PrivacyService::RequestErasure(
    const domain::Actor& actor, absl::string_view tenant_id,
    absl::string_view client_id, absl::string_view reason) {
  const AuditTrail& audit = ratings_->audit();
  absl::MutexLock lock(&decide_mu_);
  absl::StatusOr<domain::ErasureRequest> request =
      [&]() -> absl::StatusOr<domain::ErasureRequest> {
    RETURN_IF_ERROR(CheckIdentifier("tenant_id", tenant_id));
    RETURN_IF_ERROR(CheckIdentifier("client_id", client_id));
    if (reason.empty() || reason.size() > kMaxReasonLength) {
      return absl::InvalidArgumentError(absl::StrCat(
          "reason: required, at most ", kMaxReasonLength, " characters"));
    }
    ASSIGN_OR_RETURN(std::vector<domain::ErasureRequest> known,
                     store_->ListErasureRequests(tenant_id));
    for (const domain::ErasureRequest& r : known) {
      if (r.client_id == client_id &&
          r.state == domain::ErasureState::kPending) {
        return absl::AlreadyExistsError(
            absl::StrCat("client_id: erasure request ", r.request_id,
                         " for this client is waiting for approval"));
      }
    }
    bool found = false;
    RETURN_IF_ERROR(store_->ScanClientEpisodes(
        tenant_id, client_id,
        [&](const domain::Episode&,
            const std::vector<domain::Administration>&) {
          found = true;
          return absl::OkStatus();
        }));
    if (!found) {
      return absl::NotFoundError(absl::StrCat(
          "client_id: no ratings of client ", client_id, " in this tenant"));
    }
    domain::ErasureRequest r;
    r.tenant_id = std::string(tenant_id);
    absl::BitGen random;
    r.request_id = absl::StrFormat("er-%016x", absl::Uniform<uint64_t>(random));
    r.client_id = std::string(client_id);
    r.reason = std::string(reason);
    r.requested_by = actor.name;
    r.requested_at = clock_();
    return r;
  }();
  domain::AuditEntry entry =
      audit.Entry(actor, "RequestErasure", tenant_id, "", client_id,
                  request.status(), request.ok() ? request->request_id : "");
  if (!request.ok()) return audit.RecordFailure(entry, request.status());
  storage::WriteSet changes;
  changes.erasure_requests.push_back(*request);
  changes.audit.push_back(std::move(entry));
  RETURN_IF_ERROR(store_->Apply(changes));
  return request;
}

absl::StatusOr<domain::ErasureRequest> PrivacyService::DecideErasure(
    const domain::Actor& actor, absl::string_view tenant_id,
    absl::string_view request_id, bool approve) {
  const AuditTrail& audit = ratings_->audit();
  const char* action = approve ? "ApproveErasure" : "RejectErasure";
  absl::MutexLock lock(&decide_mu_);
  absl::StatusOr<domain::ErasureRequest> request =
      [&]() -> absl::StatusOr<domain::ErasureRequest> {
    RETURN_IF_ERROR(CheckIdentifier("tenant_id", tenant_id));
    RETURN_IF_ERROR(CheckIdentifier("request_id", request_id));
    ASSIGN_OR_RETURN(std::optional<domain::ErasureRequest> stored,
                     store_->GetErasureRequest(tenant_id, request_id));
    if (!stored.has_value()) {
      return absl::NotFoundError(absl::StrCat("request_id: no erasure request ",
                                              request_id, " in this tenant"));
    }
    if (stored->state != domain::ErasureState::kPending) {
      return absl::FailedPreconditionError(absl::StrCat(
          "request_id: ", request_id, " was already ",
          domain::ErasureStateName(stored->state), " by ", stored->decided_by));
    }
    if (stored->requested_by == actor.name) {
      return absl::PermissionDeniedError(absl::StrCat(
          "request_id: ", request_id, " was requested by ", actor.name,
          "; a second admin decides it (with authentication off there is "
          "no second admin: start the server with --tokens_file)"));
    }
    return *std::move(stored);
  }();
  if (!request.ok()) {
    return audit.RecordFailure(
        audit.Entry(actor, action, tenant_id, "", "", request.status()),
        request.status());
  }
  if (approve) {
    const std::string client = request->client_id;
    absl::StatusOr<domain::ErasureRequest> erased =
        ratings_->EraseClient(actor, *std::move(request));
    if (!erased.ok()) {
      return audit.RecordFailure(
          audit.Entry(actor, action, tenant_id, "", client, erased.status()),
          erased.status());
    }
    return erased;
  }
  request->state = domain::ErasureState::kRejected;
  request->decided_by = actor.name;
  request->decided_at = clock_();
  storage::WriteSet changes;
  changes.erasure_requests.push_back(*request);
  changes.audit.push_back(audit.Entry(actor, action, tenant_id, "",
                                      request->client_id, absl::OkStatus(),
                                      request->request_id));
  RETURN_IF_ERROR(store_->Apply(changes));
  return request;
}

absl::StatusOr<std::vector<domain::ErasureRequest>>
PrivacyService::ListErasureRequests(const domain::Actor& actor,
                                    absl::string_view tenant_id) {
  const AuditTrail& audit = ratings_->audit();
  absl::StatusOr<std::vector<domain::ErasureRequest>> requests =
      [&]() -> absl::StatusOr<std::vector<domain::ErasureRequest>> {
    RETURN_IF_ERROR(CheckIdentifier("tenant_id", tenant_id));
    return store_->ListErasureRequests(tenant_id);
  }();
  domain::AuditEntry entry = audit.Entry(actor, "ListErasureRequests",
                                         tenant_id, "", "", requests.status());
  if (!requests.ok()) return audit.RecordFailure(entry, requests.status());
  RETURN_IF_ERROR(audit.Record({std::move(entry)}));
  return requests;
}

}  // namespace tilbake::core

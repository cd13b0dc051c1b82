#include "server/auth/policy.h"

#include <initializer_list>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace tilbake::auth {
namespace {

bool RoleMayCall(Role role, Rpc rpc) {
  if (rpc == Rpc::kListInstruments || rpc == Rpc::kListRuleSets ||
      rpc == Rpc::kWhoAmI) {
    return true;
  }
  auto any_of = [rpc](std::initializer_list<Rpc> rpcs) {
    for (Rpc r : rpcs) {
      if (r == rpc) return true;
    }
    return false;
  };
  switch (role) {
    case Role::kClinician:
      return any_of({Rpc::kSubmitRating, Rpc::kGetEpisode, Rpc::kCloseEpisode,
                     Rpc::kListEpisodes, Rpc::kCorrectRating,
                     Rpc::kVoidRating});
    case Role::kIntegration:
      return any_of({Rpc::kSubmitRating, Rpc::kImportRatings, Rpc::kGetEpisode,
                     Rpc::kCloseEpisode, Rpc::kListEpisodes});
    case Role::kQuality:
      return any_of({Rpc::kQueryTrends, Rpc::kGetQualityReport});
    case Role::kAdmin:
      return any_of(
          {Rpc::kQueryTrends, Rpc::kGetQualityReport, Rpc::kCreateBackup,
           Rpc::kQueryAuditLog, Rpc::kExportClient, Rpc::kRequestErasure,
           Rpc::kDecideErasure, Rpc::kListErasureRequests, Rpc::kGetEpisode,
           Rpc::kCorrectRating, Rpc::kVoidRating, Rpc::kRunRetention});
  }
  return false;
}

// `org_unit` is `scope` or below it ("psyk/nord" is below "psyk").
bool Within(const std::string& org_unit, const std::string& scope) {
  if (scope.empty()) return true;
  return org_unit == scope || absl::StartsWith(org_unit, scope + "/");
}

}  // namespace

const char* RpcName(Rpc rpc) {
  switch (rpc) {
    case Rpc::kSubmitRating:
      return "SubmitRating";
    case Rpc::kImportRatings:
      return "ImportRatings";
    case Rpc::kGetEpisode:
      return "GetEpisode";
    case Rpc::kCloseEpisode:
      return "CloseEpisode";
    case Rpc::kListInstruments:
      return "ListInstruments";
    case Rpc::kListRuleSets:
      return "ListRuleSets";
    case Rpc::kQueryTrends:
      return "QueryTrends";
    case Rpc::kGetQualityReport:
      return "GetQualityReport";
    case Rpc::kCreateBackup:
      return "CreateBackup";
    case Rpc::kQueryAuditLog:
      return "QueryAuditLog";
    case Rpc::kExportClient:
      return "ExportClient";
    case Rpc::kRequestErasure:
      return "RequestErasure";
    case Rpc::kDecideErasure:
      return "DecideErasure";
    case Rpc::kListErasureRequests:
      return "ListErasureRequests";
    case Rpc::kWhoAmI:
      return "WhoAmI";
    case Rpc::kListEpisodes:
      return "ListEpisodes";
    case Rpc::kCorrectRating:
      return "CorrectRating";
    case Rpc::kVoidRating:
      return "VoidRating";
    case Rpc::kRunRetention:
      return "RunRetention";
  }
  return "unknown";
}

absl::Status Authorize(const Principal& p, Rpc rpc, const Access& access) {
  if (!RoleMayCall(p.role, rpc)) {
    return absl::PermissionDeniedError(absl::StrCat(
        "role ", RoleName(p.role), " may not call ", RpcName(rpc)));
  }
  if (rpc == Rpc::kCreateBackup) {
    if (p.tenant_id != "*") {
      return absl::PermissionDeniedError(
          "CreateBackup covers every tenant: it needs an admin token for "
          "tenant \"*\"");
    }
    return absl::OkStatus();
  }
  if (!access.tenant_id.empty() && p.tenant_id != "*" &&
      access.tenant_id != p.tenant_id) {
    return absl::PermissionDeniedError(absl::StrCat(
        "tenant_id: this token is for tenant ", p.tenant_id, " only"));
  }
  if (p.role == Role::kClinician && rpc == Rpc::kSubmitRating &&
      access.clinician_id != p.clinician_id) {
    return absl::PermissionDeniedError(
        "rating.clinician_id: a clinician's token submits their own ratings");
  }
  // Empty names the token's own clinician.
  if (p.role == Role::kClinician && rpc == Rpc::kListEpisodes &&
      !access.clinician_id.empty() && access.clinician_id != p.clinician_id) {
    return absl::PermissionDeniedError(
        "clinician_id: a clinician's token lists their own episodes");
  }
  // The org-unit fence is for the aggregates; a quality lead with an org
  // unit still lists instruments and asks who they are.
  const bool reads_aggregates =
      rpc == Rpc::kQueryTrends || rpc == Rpc::kGetQualityReport;
  if (p.role == Role::kQuality && reads_aggregates &&
      !Within(access.org_unit, p.org_unit)) {
    return absl::PermissionDeniedError(absl::StrCat(
        "org_unit: this token reads ", p.org_unit, " and below only"));
  }
  if (reads_aggregates && access.per_clinician && !ReadsClinicianFigures(p)) {
    return absl::PermissionDeniedError(
        "group_by: figures per clinician need a quality token with "
        "clinician_figures: true (docs/security.md); ask without the "
        "clinician grouping or filter");
  }
  return absl::OkStatus();
}

bool ReadsClinicianFigures(const Principal& p) {
  switch (p.role) {
    case Role::kAdmin:
      return true;
    case Role::kQuality:
      return p.clinician_figures;
    case Role::kClinician:
    case Role::kIntegration:  // Reads no aggregates at all.
      return false;
  }
  return false;
}

}  // namespace tilbake::auth

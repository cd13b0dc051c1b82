#ifndef TILBAKE_SERVER_AUTH_POLICY_H_
#define TILBAKE_SERVER_AUTH_POLICY_H_

#include <string>

#include "absl/status/status.h"
#include "server/auth/tokens.h"

namespace tilbake::auth {

// Every RPC that needs a principal (health checks and reflection do not).
enum class Rpc {
  kSubmitRating,
  kImportRatings,
  kGetEpisode,
  kCloseEpisode,
  kListInstruments,
  kListRuleSets,
  kQueryTrends,
  kGetQualityReport,
  kCreateBackup,
  kQueryAuditLog,
  kExportClient,
  kRequestErasure,
  kDecideErasure,
  kListErasureRequests,
  kWhoAmI,
  kListEpisodes,
  kCorrectRating,
  kVoidRating,
  kRunRetention,
};

const char* RpcName(Rpc rpc);

// What a call asks for, as far as access is concerned.
struct Access {
  std::string tenant_id;  // The tenant named by the request ("" = none).
  std::string org_unit;   // Trend queries: the subtree asked for.
  // Submissions: the clinician the rating names; ListEpisodes: whose.
  std::string clinician_id;
  // Trend queries: figures per clinician (grouped by clinician, or
  // filtered to one).
  bool per_clinician = false;
  // Not used to decide; recorded in the access log when the call is denied.
  std::string episode_id;
  std::string client_id;
};

// The one table of who may do what. OK, or PermissionDenied saying why:
// another tenant; a role that may not call `rpc`; a clinician submitting
// another clinician's rating; a quality lead asking outside their org unit.
//
//   clinician    SubmitRating (own ratings), GetEpisode, CloseEpisode,
//                ListEpisodes, CorrectRating, VoidRating (the core keeps
//                them to the clinician's own episodes)
//   integration  SubmitRating, ImportRatings, GetEpisode, CloseEpisode,
//                ListEpisodes
//   quality      QueryTrends, GetQualityReport (their org unit and below;
//                per clinician only with clinician_figures)
//   admin        QueryTrends, GetQualityReport, QueryAuditLog, ExportClient,
//                RequestErasure, DecideErasure, ListErasureRequests,
//                GetEpisode, CorrectRating, VoidRating, RunRetention (their
//                tenant; tenant "*": any); CreateBackup with tenant "*"
//   everyone     ListInstruments, ListRuleSets, WhoAmI
absl::Status Authorize(const Principal& principal, Rpc rpc,
                       const Access& access);

// Whether `principal` may read trend figures per clinician: admins, and
// quality leads whose token grants it.
bool ReadsClinicianFigures(const Principal& principal);

}  // namespace tilbake::auth

#endif  // TILBAKE_SERVER_AUTH_POLICY_H_

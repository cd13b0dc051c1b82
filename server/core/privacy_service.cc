#include "server/core/privacy_service.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/random/random.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/identifiers.h"
#include "common/log.h"
#include "common/status_macros.h"
#include "server/core/aggregation.h"
#include "server/core/audited_call.h"
#include "server/core/rating_checks.h"

namespace tilbake::core {
namespace {

using domain::Administration;
using domain::Episode;

absl::Status CheckTenant(absl::string_view tenant_id) {
  if (tenant_id == domain::kSystemTenant) return absl::OkStatus();
  return CheckIdentifier("tenant_id", tenant_id);
}

bool HasClient(const Episode& episode, absl::string_view client_id) {
  return std::find(episode.client_ids.begin(), episode.client_ids.end(),
                   client_id) != episode.client_ids.end();
}

// Whether an outcome series ("client/rater") is one of `client_id`'s.
bool IsClientSeries(absl::string_view series, absl::string_view client_id) {
  return absl::StartsWith(series, absl::StrCat(client_id, "/"));
}

// `episode` as it stands without `client_id`: the other members, their
// outcomes, and session dates from the administrations that remain.
Episode WithoutClient(Episode episode, const std::vector<Administration>& kept,
                      absl::string_view client_id) {
  std::erase(episode.client_ids, client_id);
  std::erase_if(episode.outcomes, [&](const domain::FrozenOutcome& f) {
    return IsClientSeries(f.outcome.series, client_id);
  });
  return WithSessionDatesOf(std::move(episode), kept);
}

// An evaluated view cut down to one client's part.
EpisodeView OnlyClient(EpisodeView view, absl::string_view client_id) {
  EpisodeView out;
  out.episode = std::move(view.episode);
  out.episode.client_ids = {std::string(client_id)};
  std::erase_if(out.episode.outcomes, [&](const domain::FrozenOutcome& f) {
    return !IsClientSeries(f.outcome.series, client_id);
  });
  out.rules = view.rules;
  for (size_t i = 0; i < view.administrations.size(); ++i) {
    if (view.administrations[i].rating.client_id != client_id) continue;
    out.administrations.push_back(std::move(view.administrations[i]));
    out.evaluations.push_back(std::move(view.evaluations[i]));
  }
  for (scoring::SeriesOutcome& o : view.outcomes) {
    if (IsClientSeries(o.series, client_id)) out.outcomes.push_back(o);
  }
  for (domain::Revision& r : view.history) {
    if (r.version.rating.client_id == client_id) {
      out.history.push_back(std::move(r));
    }
  }
  return out;
}

}  // namespace

PrivacyService::PrivacyService(EpisodeRecords* records)
    : records_(records), store_(records->store()) {}

absl::StatusOr<std::vector<EpisodeView>> PrivacyService::ExportClient(
    const domain::Actor& actor, absl::string_view tenant_id,
    absl::string_view client_id) const {
  ASSIGN_OR_RETURN(
      std::vector<EpisodeView> views,
      RunAudited(
          audit(), actor,
          {"ExportClient", std::string(tenant_id), "", std::string(client_id)},
          [&]() -> absl::StatusOr<std::vector<EpisodeView>> {
            RETURN_IF_ERROR(CheckIdentifier("tenant_id", tenant_id));
            RETURN_IF_ERROR(CheckIdentifier("client_id", client_id));
            std::vector<EpisodeView> out;
            // A scan of the tenant's episode records: exports are rare, and an
            // index by client would cost every submission a write.
            const absl::Status scanned = store_.ScanClientEpisodes(
                tenant_id, client_id,
                [&](const Episode& episode,
                    const std::vector<Administration>& all) -> absl::Status {
                  EpisodeView view{episode, all};
                  RETURN_IF_ERROR(records_->Evaluate(view));
                  ASSIGN_OR_RETURN(
                      view.history,
                      store_.ListRevisions(tenant_id, episode.episode_id));
                  out.push_back(OnlyClient(std::move(view), client_id));
                  return absl::OkStatus();
                });
            RETURN_IF_ERROR(scanned);
            if (out.empty()) {
              return absl::NotFoundError(
                  absl::StrCat("client_id: no ratings of client ", client_id,
                               " in this tenant"));
            }
            return out;
          }));
  RETURN_IF_ERROR(audit().Record({audit().Entry(
      actor, "ExportClient", tenant_id, "", client_id, absl::OkStatus(),
      absl::StrCat(views.size(), " episodes"))}));
  return views;
}

absl::StatusOr<domain::AuditPage> PrivacyService::QueryAuditLog(
    const domain::Actor& actor, domain::AuditQuery query) {
  // Reading the log is itself logged, after the read so the page does not
  // show its own entry, and durably before the page is answered.
  const AuditSubject subject{"QueryAuditLog", query.tenant_id, "",
                             query.client_id};
  ASSIGN_OR_RETURN(
      domain::AuditPage page,
      RunAudited(
          audit(), actor, subject, [&]() -> absl::StatusOr<domain::AuditPage> {
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
            return store_.ReadAudit(query);
          }));
  RETURN_IF_ERROR(
      audit().Record({audit().Entry(actor, subject.action, subject.tenant_id,
                                    "", subject.client_id, absl::OkStatus())}));
  return page;
}

absl::StatusOr<domain::ErasureRequest> PrivacyService::RequestErasure(
    const domain::Actor& actor, absl::string_view tenant_id,
    absl::string_view client_id, absl::string_view reason) {
  absl::MutexLock lock(&decide_mu_);
  ASSIGN_OR_RETURN(
      domain::ErasureRequest request,
      RunAudited(audit(), actor,
                 {"RequestErasure", std::string(tenant_id), "",
                  std::string(client_id)},
                 [&]() -> absl::StatusOr<domain::ErasureRequest> {
                   RETURN_IF_ERROR(CheckIdentifier("tenant_id", tenant_id));
                   RETURN_IF_ERROR(CheckIdentifier("client_id", client_id));
                   RETURN_IF_ERROR(CheckReason(reason));
                   ASSIGN_OR_RETURN(std::vector<domain::ErasureRequest> known,
                                    store_.ListErasureRequests(tenant_id));
                   for (const domain::ErasureRequest& r : known) {
                     if (r.client_id == client_id &&
                         r.state == domain::ErasureState::kPending) {
                       return absl::AlreadyExistsError(absl::StrCat(
                           "client_id: erasure request ", r.request_id,
                           " for this client is waiting for approval"));
                     }
                   }
                   bool found = false;
                   RETURN_IF_ERROR(store_.ScanClientEpisodes(
                       tenant_id, client_id,
                       [&](const domain::Episode&,
                           const std::vector<domain::Administration>&) {
                         found = true;
                         return absl::OkStatus();
                       }));
                   if (!found) {
                     return absl::NotFoundError(
                         absl::StrCat("client_id: no ratings of client ",
                                      client_id, " in this tenant"));
                   }
                   domain::ErasureRequest r;
                   r.tenant_id = std::string(tenant_id);
                   absl::BitGen random;
                   r.request_id = absl::StrFormat(
                       "er-%016x", absl::Uniform<uint64_t>(random));
                   r.client_id = std::string(client_id);
                   r.reason = std::string(reason);
                   r.requested_by = actor.name;
                   r.requested_at = records_->Now();
                   return r;
                 }));
  storage::WriteSet changes;
  changes.erasure_requests.push_back(request);
  changes.audit.push_back(audit().Entry(actor, "RequestErasure", tenant_id, "",
                                        client_id, absl::OkStatus(),
                                        request.request_id));
  RETURN_IF_ERROR(store_.Apply(changes));
  return request;
}

absl::StatusOr<domain::ErasureRequest> PrivacyService::DecideErasure(
    const domain::Actor& actor, absl::string_view tenant_id,
    absl::string_view request_id, bool approve) {
  const char* action = approve ? "ApproveErasure" : "RejectErasure";
  absl::MutexLock lock(&decide_mu_);
  const AuditSubject subject{action, std::string(tenant_id), "", ""};
  ASSIGN_OR_RETURN(
      domain::ErasureRequest request,
      RunAudited(
          audit(), actor, subject,
          [&]() -> absl::StatusOr<domain::ErasureRequest> {
            RETURN_IF_ERROR(CheckIdentifier("tenant_id", tenant_id));
            RETURN_IF_ERROR(CheckIdentifier("request_id", request_id));
            ASSIGN_OR_RETURN(std::optional<domain::ErasureRequest> stored,
                             store_.GetErasureRequest(tenant_id, request_id));
            if (!stored.has_value()) {
              return absl::NotFoundError(
                  absl::StrCat("request_id: no erasure request ", request_id,
                               " in this tenant"));
            }
            if (stored->state != domain::ErasureState::kPending) {
              return absl::FailedPreconditionError(
                  absl::StrCat("request_id: ", request_id, " was already ",
                               domain::ErasureStateName(stored->state), " by ",
                               stored->decided_by));
            }
            if (stored->requested_by == actor.name) {
              return absl::PermissionDeniedError(absl::StrCat(
                  "request_id: ", request_id, " was requested by ", actor.name,
                  "; a second admin decides it (with authentication off there "
                  "is "
                  "no second admin: start the server with --tokens_file)"));
            }
            return *std::move(stored);
          }));
  if (approve) {
    AuditSubject erasure = subject;
    erasure.client_id = request.client_id;
    return RunAudited(audit(), actor, erasure,
                      [&] { return EraseClient(actor, std::move(request)); });
  }
  request.state = domain::ErasureState::kRejected;
  request.decided_by = actor.name;
  request.decided_at = records_->Now();
  storage::WriteSet changes;
  changes.erasure_requests.push_back(request);
  changes.audit.push_back(audit().Entry(actor, action, tenant_id, "",
                                        request.client_id, absl::OkStatus(),
                                        request.request_id));
  RETURN_IF_ERROR(store_.Apply(changes));
  return request;
}

absl::StatusOr<std::vector<domain::ErasureRequest>>
PrivacyService::ListErasureRequests(const domain::Actor& actor,
                                    absl::string_view tenant_id) {
  ASSIGN_OR_RETURN(
      std::vector<domain::ErasureRequest> requests,
      RunAudited(audit(), actor,
                 {"ListErasureRequests", std::string(tenant_id), "", ""},
                 [&]() -> absl::StatusOr<std::vector<domain::ErasureRequest>> {
                   RETURN_IF_ERROR(CheckIdentifier("tenant_id", tenant_id));
                   return store_.ListErasureRequests(tenant_id);
                 }));
  RETURN_IF_ERROR(audit().Record({audit().Entry(
      actor, "ListErasureRequests", tenant_id, "", "", absl::OkStatus())}));
  return requests;
}

absl::StatusOr<domain::ErasureRequest> PrivacyService::EraseClient(
    const domain::Actor& approver, domain::ErasureRequest approved) {
  const std::string tenant = approved.tenant_id;
  const std::string client = approved.client_id;
  // No rating of the client is stored from the scan until the write: a new
  // episode created meanwhile would not be in the scan and would survive.
  ErasureGuard held(records_->locks(), tenant, client);
  std::vector<std::string> episode_ids;
  RETURN_IF_ERROR(store_.ScanClientEpisodes(
      tenant, client,
      [&](const Episode& episode, const std::vector<Administration>&) {
        episode_ids.push_back(episode.episode_id);
        return absl::OkStatus();
      }));
  // Every affected episode too, so no submission or close interleaves with
  // the subtraction.
  held.HoldEpisodes(episode_ids);

  storage::WriteSet changes;
  changes.aggregates_tenant = tenant;
  std::vector<ReferenceCache::Delta> reference;
  auto add_reference = [&](const std::vector<Administration>& administrations,
                           int sign) {
    for (auto [instrument, cell] :
         scoring::ReferenceContributions(records_->Inputs(administrations))) {
      cell.count *= sign;
      cell.sum *= sign;
      cell.sum_squares *= sign;
      reference.emplace_back(instrument, cell);
    }
  };
  for (const std::string& id : episode_ids) {
    // Read again under the lock: what is subtracted is what is stored.
    ASSIGN_OR_RETURN(std::optional<Episode> episode,
                     store_.GetEpisode(tenant, id));
    if (!episode.has_value() || !HasClient(*episode, client)) continue;
    ASSIGN_OR_RETURN(std::vector<Administration> all,
                     store_.ListAdministrations(tenant, id));
    std::vector<Administration> kept;
    for (const Administration& a : all) {
      if (a.rating.client_id != client) {
        kept.push_back(a);
        continue;
      }
      changes.deleted_administrations.push_back(a.rating);
      changes.deleted_idempotency.push_back({tenant, a.idempotency_key});
      ++approved.administrations_erased;
    }
    // The client's corrected and voided versions go too, with the keys of
    // those changes; all of a deleted episode's trail goes with it.
    ASSIGN_OR_RETURN(std::vector<domain::Revision> trail,
                     store_.ListRevisions(tenant, id));
    for (const domain::Revision& r : trail) {
      if (!kept.empty() && r.version.rating.client_id != client) continue;
      changes.deleted_revisions.push_back(r);
      changes.deleted_idempotency.push_back({tenant, r.change_key});
      changes.deleted_idempotency.push_back(
          {tenant, r.version.idempotency_key});
    }
    // Out with everything the episode added, in with what the rest adds.
    analytics::Cells before;
    AddEpisode(*episode, all, records_->catalog(), records_->rule_sets(),
               before);
    SubtractCells(before, changes.aggregates);
    if (episode->closed()) add_reference(all, -1);
    if (kept.empty()) {
      changes.deleted_episodes.push_back({tenant, id});
      ++approved.episodes_erased;
      continue;
    }
    Episode after = WithoutClient(*std::move(episode), kept, client);
    AddEpisode(after, kept, records_->catalog(), records_->rule_sets(),
               changes.aggregates);
    if (after.closed()) add_reference(kept, +1);
    changes.episodes.push_back(std::move(after));
    ++approved.episodes_changed;
  }
  approved.state = domain::ErasureState::kApproved;
  approved.decided_by = approver.name;
  approved.decided_at = records_->Now();
  changes.erasure_requests.push_back(approved);
  changes.audit.push_back(audit().Entry(
      approver, "ApproveErasure", tenant, "", client, absl::OkStatus(),
      absl::StrCat("erased ", approved.administrations_erased,
                   " administrations, ", approved.episodes_erased,
                   " episodes; ", approved.episodes_changed,
                   " group episodes changed")));
  // The client's facts row goes, and its distinct-client cells with it (the
  // other members' facts are their own administrations and outcomes, which
  // stay as they were).
  std::vector<EpisodeAfter> gone;
  for (const std::string& id : episode_ids) gone.push_back({id});
  const ClientFactsGuard facts_held(records_->locks(), tenant, {client});
  RETURN_IF_ERROR(AddClientFactsChange(store_, tenant, {client}, gone,
                                       FactsChange::kCounted, facts_held,
                                       changes));
  RETURN_IF_ERROR(records_->reference().Apply(changes, tenant, reference));
  held.Release();  // The compaction below need not hold up writers.
  // The deletions hide the records at once; compaction removes them from
  // the files. If it fails the erasure stands and the next compaction of
  // those files finishes it.
  const absl::Status compacted = store_.CompactErased(changes);
  if (!compacted.ok()) {
    LogEvent(LogLevel::kError, "erasure_compaction_failed",
             {{"tenant", tenant}, {"error", std::string(compacted.message())}});
  }
  return approved;
}

}  // namespace tilbake::core

#include "server/core/correction_service.h"

#include <algorithm>
#include <optional>
#include <set>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/identifiers.h"
#include "common/status_macros.h"
#include "server/core/aggregation.h"
#include "server/core/audited_call.h"
#include "server/core/episode_locks.h"
#include "server/core/rating_checks.h"

namespace tilbake::core {
namespace {

using domain::Administration;
using domain::Episode;
using domain::Rating;
using domain::Revision;
using domain::RevisionChange;

const char* ActionOf(bool correcting) {
  return correcting ? "CorrectRating" : "VoidRating";
}

std::string ChangedBy(const domain::Actor& actor) {
  if (actor.role.empty()) return actor.name;
  return absl::StrCat(actor.name, " (", actor.role, ")");
}

std::optional<size_t> IndexOf(const std::vector<Administration>& list,
                              const std::string& id) {
  for (size_t i = 0; i < list.size(); ++i) {
    if (domain::AdministrationId(list[i].rating) == id) return i;
  }
  return std::nullopt;
}

// The order of the store's keys (session, instrument, client, series), so
// the aggregates of a changed episode are computed over the list a rebuild
// reads.
void SortAsStored(std::vector<Administration>& list) {
  std::sort(list.begin(), list.end(),
            [](const Administration& a, const Administration& b) {
              const Rating& x = a.rating;
              const Rating& y = b.rating;
              return std::forward_as_tuple(x.session_number, x.instrument_id,
                                           x.client_id,
                                           domain::RaterSeries(x.rater)) <
                     std::forward_as_tuple(y.session_number, y.instrument_id,
                                           y.client_id,
                                           domain::RaterSeries(y.rater));
            });
}

absl::Status Unchangeable(absl::string_view field, absl::string_view stored) {
  return absl::FailedPreconditionError(absl::StrCat(
      "rating.", field, ": a correction cannot change it (stored: ", stored,
      "); void the administration and submit the rating anew"));
}

// Takes the fields a correction leaves alone from `stored` where the
// request left them empty, and refuses one that differs.
absl::Status KeepIdentity(const Rating& stored, Rating& corrected) {
  auto keep = [](const std::string& was, std::string& now) {
    if (now.empty()) now = was;
    return now == was;
  };
  if (!keep(stored.tenant_id, corrected.tenant_id)) {
    return Unchangeable("tenant_id", stored.tenant_id);
  }
  if (!keep(stored.episode_id, corrected.episode_id)) {
    return Unchangeable("episode_id", stored.episode_id);
  }
  if (!keep(stored.client_id, corrected.client_id)) {
    return Unchangeable("client_id", stored.client_id);
  }
  if (!keep(stored.clinician_id, corrected.clinician_id)) {
    return Unchangeable("clinician_id", stored.clinician_id);
  }
  if (!keep(stored.org_unit, corrected.org_unit)) {
    return Unchangeable("org_unit", stored.org_unit);
  }
  if (!keep(stored.instrument_id, corrected.instrument_id)) {
    return Unchangeable("instrument_id", stored.instrument_id);
  }
  if (!keep(stored.instrument_version, corrected.instrument_version)) {
    return Unchangeable("instrument_version", stored.instrument_version);
  }
  if (corrected.session_number == 0) {
    corrected.session_number = stored.session_number;
  }
  if (corrected.session_number != stored.session_number) {
    return Unchangeable("session_number", absl::StrCat(stored.session_number));
  }
  if (corrected.episode_type != stored.episode_type) {
    return Unchangeable("episode_type", "the episode's type");
  }
  return absl::OkStatus();
}

// The revision of `id` the change under `key` ended, if any.
const Revision* FindChange(const std::vector<Revision>& history,
                           const std::string& key, const std::string& id) {
  for (const Revision& r : history) {
    if (r.change_key == key &&
        domain::AdministrationId(r.version.rating) == id) {
      return &r;
    }
  }
  return nullptr;
}

// The version that followed `ended` in its lineage (the versions share the
// key of the submission that first stored them), current or in the trail.
const Rating* NextVersion(const Revision& ended,
                          const std::vector<Administration>& current,
                          const std::vector<Revision>& history) {
  const int32_t next = ended.version.revision + 1;
  const std::string& lineage = ended.version.idempotency_key;
  for (const Administration& a : current) {
    if (a.idempotency_key == lineage && a.revision == next) return &a.rating;
  }
  for (const Revision& r : history) {
    if (r.version.idempotency_key == lineage && r.version.revision == next) {
      return &r.version.rating;
    }
  }
  return nullptr;
}

}  // namespace

CorrectionService::CorrectionService(EpisodeRecords* records)
    : records_(records) {}

absl::StatusOr<ChangeResult> CorrectionService::Correct(
    const domain::Actor& actor, const ChangeRequest& request,
    domain::Rating corrected) {
  return Change(actor, request, std::move(corrected));
}

absl::StatusOr<ChangeResult> CorrectionService::Void(
    const domain::Actor& actor, const ChangeRequest& request) {
  return Change(actor, request, std::nullopt);
}

absl::StatusOr<ChangeResult> CorrectionService::Change(
    const domain::Actor& actor, const ChangeRequest& request,
    std::optional<domain::Rating> corrected) {
  const bool correcting = corrected.has_value();
  const std::string client =
      domain::ClientOfAdministrationId(request.administration_id);
  const AuditSubject subject{ActionOf(correcting), request.tenant_id,
                             request.episode_id, client};
  return RunAudited(records_->audit(), actor, subject, [&] {
    return ChangeHeld(actor, request, std::move(corrected), client);
  });
}

absl::StatusOr<ChangeResult> CorrectionService::ChangeHeld(
    const domain::Actor& actor, const ChangeRequest& request,
    std::optional<domain::Rating> corrected, const std::string& client) {
  const bool correcting = corrected.has_value();
  RETURN_IF_ERROR(CheckIdentifier("tenant_id", request.tenant_id));
  RETURN_IF_ERROR(CheckIdentifier("episode_id", request.episode_id));
  RETURN_IF_ERROR(CheckIdentifier("idempotency_key", request.idempotency_key));
  if (client.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "administration_id: ", request.administration_id,
        " is not an administration id (session/instrument/client/rater, "
        "as GetEpisode shows it)"));
  }
  RETURN_IF_ERROR(CheckReason(request.reason));
  const std::string& tenant = request.tenant_id;
  const std::string& key = request.idempotency_key;
  const std::string& id = request.administration_id;
  // As a submission: an erasure of the client waits for the change, and
  // no submission or close of the episode interleaves with it.
  const SubmissionGuard held(records_->locks(), tenant, client,
                             request.episode_id, {key});
  ASSIGN_OR_RETURN(EpisodeView before,
                   records_->Read(tenant, request.episode_id));
  RETURN_IF_ERROR(CheckReadsEpisode(actor, before));
  ASSIGN_OR_RETURN(std::vector<Revision> history,
                   records_->store().ListRevisions(tenant, request.episode_id));
  ASSIGN_OR_RETURN(std::optional<storage::IdempotencyEntry> known,
                   records_->store().GetIdempotency(tenant, key));
  if (known.has_value()) {
    // A retry answers with the episode as it is now; the same key for
    // anything else is refused.
    const Revision* made = FindChange(history, key, id);
    bool same = made != nullptr && known->episode_id == request.episode_id &&
                made->reason == request.reason &&
                (made->change == RevisionChange::kCorrected) == correcting;
    if (same && correcting) {
      const Rating* next = NextVersion(*made, before.administrations, history);
      Rating asked = *corrected;
      same = next != nullptr &&
             KeepIdentity(made->version.rating, asked).ok() && [&] {
               absl::StatusOr<ScoredRating> scored =
                   records_->Score(std::move(asked));
               return scored.ok() && scored->rating == *next;
             }();
    }
    if (!same) {
      return absl::AlreadyExistsError(absl::StrCat(
          "idempotency_key: already used for another rating or change "
          "(episode ",
          known->episode_id, ", administration ", known->administration_id,
          "); use a new key for a new change"));
    }
    RETURN_IF_ERROR(records_->Evaluate(before));
    before.history = std::move(history);
    RETURN_IF_ERROR(records_->audit().Record({records_->audit().Entry(
        actor, ActionOf(correcting), tenant, request.episode_id, client,
        absl::OkStatus(), "replayed")}));
    return ChangeResult{std::move(before), known->administration_id,
                        /*replayed=*/true};
  }
  const std::optional<size_t> at = IndexOf(before.administrations, id);
  if (!at.has_value()) {
    for (const Revision& r : history) {
      if (r.change == RevisionChange::kEnteredInError &&
          domain::AdministrationId(r.version.rating) == id) {
        return absl::FailedPreconditionError(absl::StrCat(
            "administration_id: ", id, " was voided (entered in error) on ",
            ShowDay(absl::ToCivilDay(r.changed_at, absl::UTCTimeZone())),
            "; submit the rating anew"));
      }
    }
    return absl::NotFoundError(absl::StrCat(
        "administration_id: no ", id, " in episode ", request.episode_id));
  }
  const Administration old = before.administrations[*at];
  std::vector<Administration> kept = before.administrations;
  kept.erase(kept.begin() + static_cast<std::ptrdiff_t>(*at));
  const absl::Time now = records_->Now();
  const Revision ended{
      old,
      correcting ? RevisionChange::kCorrected : RevisionChange::kEnteredInError,
      now,
      ChangedBy(actor),
      request.reason,
      key};
  storage::WriteSet changes;
  std::string result_id = id;
  std::string detail;
  // Whose records the write changes, each with an entry in the log.
  std::set<std::string> touched = {client};
  if (correcting) {
    Rating asked = *std::move(corrected);
    RETURN_IF_ERROR(KeepIdentity(old.rating, asked));
    ASSIGN_OR_RETURN(ScoredRating scored, records_->Score(std::move(asked)));
    if (scored.rating == old.rating) {
      return absl::FailedPreconditionError(absl::StrCat(
          "rating: the correction changes nothing; ", id,
          " already has these answers, session date, age and rater"));
    }
    result_id = domain::AdministrationId(scored.rating);
    if (result_id != id && IndexOf(kept, result_id).has_value()) {
      return absl::AlreadyExistsError(
          absl::StrCat("rating.rater: session ", old.rating.session_number,
                       " already has ", old.rating.instrument_id,
                       " from this rater (administration ", result_id, ")"));
    }
    // A session has one date: its other forms move with this one, each to
    // a new version with the same reason.
    int moved = 0;
    if (scored.rating.session_date != old.rating.session_date) {
      for (Administration& other : kept) {
        if (other.rating.session_number != old.rating.session_number) continue;
        changes.revisions.push_back({other, RevisionChange::kCorrected, now,
                                     ChangedBy(actor), request.reason, key});
        other.rating.session_date = scored.rating.session_date;
        other.recorded_at = now;
        ++other.revision;
        changes.administrations.push_back(other);
        touched.insert(other.rating.client_id);
        ++moved;
      }
    }
    // Dates in session order, also in a closed episode.
    Episode open = before.episode;
    open.ending.reset();
    RETURN_IF_ERROR(CheckFitsEpisode(open, kept, scored.rating));
    Administration next{std::move(scored.rating), std::move(scored.score), now,
                        old.idempotency_key, old.revision + 1};
    if (result_id != id) {  // A new rater: the record moves to its id.
      changes.deleted_administrations.push_back(old.rating);
      changes.idempotency.push_back(
          {tenant, old.idempotency_key, request.episode_id, result_id});
    }
    changes.administrations.push_back(next);
    kept.push_back(std::move(next));
    SortAsStored(kept);
    detail = absl::StrCat("corrected ", id, " to version ", old.revision + 1,
                          result_id != id ? " as " + result_id : "");
    if (moved > 0) {
      absl::StrAppend(&detail, "; the session's ", moved,
                      " other forms moved to its new date");
    }
  } else {
    if (kept.empty()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "administration_id: ", id,
          " is the only administration of "
          "episode ",
          request.episode_id,
          "; an episode is not kept without ratings (an admin can erase "
          "the client's data instead)"));
    }
    changes.deleted_administrations.push_back(old.rating);
    detail = absl::StrCat("voided ", id, " (entered in error)");
  }
  changes.revisions.insert(changes.revisions.begin(), ended);
  changes.idempotency.push_back({tenant, key, request.episode_id, result_id});

  // Its members stay: a voided rating's client is still in its trail.
  EpisodeView after{WithSessionDatesOf(before.episode, kept), std::move(kept)};
  std::vector<ReferenceCache::Delta> reference;
  if (before.episode.closed()) {
    // What the episode added to the reference at closing comes out, what
    // it adds now goes in; its outcomes are frozen again, evaluated
    // against the reference without its old part.
    const std::vector<ReferenceCache::Delta> old_part =
        scoring::ReferenceContributions(
            records_->Inputs(before.administrations));
    after.episode.outcomes.clear();
    RETURN_IF_ERROR(records_->Evaluate(after, &old_part));
    after.episode.outcomes = FreezeOutcomes(after.administrations,
                                            after.evaluations, after.outcomes);
    after.episode.closed_rule_set = after.rules->name;
    after.episode.closed_rule_set_version = after.rules->version;
    for (auto [instrument, cell] : old_part) {
      cell.count = -cell.count;
      cell.sum = -cell.sum;
      cell.sum_squares = -cell.sum_squares;
      reference.emplace_back(instrument, cell);
    }
    for (const ReferenceCache::Delta& d : scoring::ReferenceContributions(
             records_->Inputs(after.administrations))) {
      reference.push_back(d);
    }
    absl::StrAppend(&detail,
                    "; the closed episode's outcomes recomputed with rule set ",
                    after.rules->name, " v", after.rules->version);
  }
  // The trend aggregates: the episode's old part out, its new part in.
  analytics::Cells old_cells;
  AddEpisode(before.episode, before.administrations, records_->catalog(),
             records_->rule_sets(), old_cells);
  SubtractCells(old_cells, changes.aggregates);
  AddEpisode(after.episode, after.administrations, records_->catalog(),
             records_->rule_sets(), changes.aggregates);
  changes.aggregates = NonZeroCells(std::move(changes.aggregates));
  changes.aggregates_tenant = tenant;
  changes.episodes.push_back(after.episode);
  // A closed episode's outcomes are every member's.
  if (before.episode.closed()) {
    touched.insert(before.episode.client_ids.begin(),
                   before.episode.client_ids.end());
  }
  for (const std::string& whose : touched) {
    changes.audit.push_back(records_->audit().Entry(
        actor, ActionOf(correcting), tenant, request.episode_id, whose,
        absl::OkStatus(), detail));
  }
  // Every member's facts: a new session date moves theirs too.
  std::vector<std::string> members = before.episode.client_ids;
  members.insert(members.end(), after.episode.client_ids.begin(),
                 after.episode.client_ids.end());
  const ClientFactsGuard facts_held(records_->locks(), tenant, members);
  RETURN_IF_ERROR(AddClientFactsChange(
      records_->store(), tenant, members,
      {{request.episode_id, &after.episode, &after.administrations}},
      FactsChange::kCounted, facts_held, changes));
  RETURN_IF_ERROR(records_->reference().Apply(changes, tenant, reference));
  // An open episode is evaluated against the reference as it stands; a
  // closed one was, above, against the reference without it.
  if (!after.episode.closed()) RETURN_IF_ERROR(records_->Evaluate(after));
  history.insert(history.end(), changes.revisions.begin(),
                 changes.revisions.end());
  after.history = std::move(history);
  return ChangeResult{std::move(after), result_id, /*replayed=*/false};
}

}  // namespace tilbake::core

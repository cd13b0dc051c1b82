#include "server/core/rating_service.h"

#include <algorithm>
#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/identifiers.h"
#include "common/status_macros.h"
#include "server/core/aggregation.h"
#include "server/core/audited_call.h"
#include "server/core/rating_checks.h"

namespace tilbake::core {
namespace {

using domain::Administration;
using domain::Episode;
using domain::Rating;

Episode UpdatedEpisode(std::optional<Episode> stored, const Rating& r) {
  if (!stored.has_value()) return domain::EpisodeOpenedBy(r);
  Episode e = *std::move(stored);
  if (std::find(e.client_ids.begin(), e.client_ids.end(), r.client_id) ==
      e.client_ids.end()) {
    e.client_ids.push_back(r.client_id);
  }
  e.first_session_date = std::min(e.first_session_date, r.session_date);
  e.last_session_date = std::max(e.last_session_date, r.session_date);
  return e;
}

const Administration* FindById(const std::vector<Administration>& stored,
                               const std::string& id) {
  for (const Administration& a : stored) {
    if (domain::AdministrationId(a.rating) == id) return &a;
  }
  return nullptr;
}

// The result for administration `id` of an evaluated episode.
absl::StatusOr<SubmitResult> ResultFor(const EpisodeView& view,
                                       const std::string& id, bool replayed) {
  if (view.evaluations.size() != view.administrations.size()) {
    return absl::InternalError("episode was not evaluated");
  }
  for (size_t i = 0; i < view.administrations.size(); ++i) {
    if (domain::AdministrationId(view.administrations[i].rating) == id) {
      return SubmitResult{view.administrations[i], replayed,
                          view.evaluations[i], view.rules};
    }
  }
  return absl::InternalError("stored administration not found in its episode");
}

const char* SubmitAction(bool deferred) {
  return deferred ? "ImportRatings" : "SubmitRating";
}

// What the other ratings of a row get when `culprit` is refused.
absl::Status RowRefused(const Rating& culprit, const absl::Status& cause) {
  return absl::FailedPreconditionError(absl::StrCat(
      "row: not stored, as its ", culprit.instrument_id, " was refused (",
      cause.message(), "); a row is stored whole or not at all"));
}

// What became of the rating first stored under `key`, as `rating`.
enum class Trail { kNone, kCorrected, kVoided };
absl::StatusOr<Trail> TrailOf(const storage::Store& store,
                              const std::string& tenant,
                              const std::string& episode,
                              const std::string& key, const Rating& rating) {
  ASSIGN_OR_RETURN(std::vector<domain::Revision> history,
                   store.ListRevisions(tenant, episode));
  Trail trail = Trail::kNone;
  bool was_this = false;
  for (const domain::Revision& r : history) {
    if (r.version.idempotency_key != key) continue;
    was_this |= r.version.revision == 0 && r.version.rating == rating;
    if (r.change == domain::RevisionChange::kEnteredInError) {
      trail = Trail::kVoided;
    } else if (trail == Trail::kNone) {
      trail = Trail::kCorrected;
    }
  }
  return was_this || trail == Trail::kVoided ? trail : Trail::kNone;
}

bool IsIn(const std::vector<size_t>& indices, size_t i) {
  return std::find(indices.begin(), indices.end(), i) != indices.end();
}

}  // namespace

RatingService::RatingService(EpisodeRecords* records) : records_(records) {}

absl::StatusOr<SubmitResult> RatingService::Submit(
    const domain::Actor& actor, domain::Rating rating,
    const std::string& idempotency_key) {
  return Submit(actor, std::move(rating), idempotency_key, /*deferred=*/false);
}

absl::StatusOr<SubmitResult> RatingService::SubmitDeferred(
    const domain::Actor& actor, domain::Rating rating,
    const std::string& idempotency_key) {
  return Submit(actor, std::move(rating), idempotency_key, /*deferred=*/true);
}

absl::Status RatingService::SyncDeferred() {
  return records_->store().SyncWal();
}

absl::StatusOr<SubmitResult> RatingService::Submit(
    const domain::Actor& actor, domain::Rating rating,
    const std::string& idempotency_key, bool deferred) {
  const AuditSubject subject{SubmitAction(deferred), rating.tenant_id,
                             rating.episode_id, rating.client_id, deferred};
  ASSIGN_OR_RETURN(SubmitResult result,
                   RunAudited(records_->audit(), actor, subject, [&] {
                     return SubmitChecked(actor, std::move(rating),
                                          idempotency_key, deferred);
                   }));
  if (result.replayed) {
    RETURN_IF_ERROR(
        LogReplays(actor, {&result.administration.rating}, deferred));
  }
  return result;
}

absl::Status RatingService::LogReplays(
    const domain::Actor& actor, const std::vector<const Rating*>& replayed,
    bool deferred) {
  std::vector<domain::AuditEntry> entries;
  for (const Rating* r : replayed) {
    entries.push_back(records_->audit().Entry(
        actor, SubmitAction(deferred), r->tenant_id, r->episode_id,
        r->client_id, absl::OkStatus(), "replayed"));
  }
  if (entries.empty()) return absl::OkStatus();
  return records_->audit().Record(std::move(entries), deferred);
}

absl::StatusOr<RatingService::Checked> RatingService::Check(
    domain::Rating rating, const std::string& idempotency_key) const {
  RETURN_IF_ERROR(CheckIdentifier("idempotency_key", idempotency_key));
  ASSIGN_OR_RETURN(ScoredRating scored, records_->Score(std::move(rating)));
  return Checked{std::move(scored.rating), std::move(scored.score),
                 idempotency_key};
}

absl::StatusOr<SubmitResult> RatingService::SubmitChecked(
    const domain::Actor& actor, domain::Rating rating,
    const std::string& idempotency_key, bool deferred) {
  ASSIGN_OR_RETURN(Checked checked, Check(std::move(rating), idempotency_key));
  const Rating& r = checked.rating;
  // An erasure of the client waits for this submission, and it for the
  // erasure; two submissions never wait on each other crosswise.
  const SubmissionGuard held(records_->locks(), r.tenant_id, r.client_id,
                             r.episode_id, {idempotency_key});
  std::vector<absl::StatusOr<SubmitResult>> results;
  RETURN_IF_ERROR(SubmitLocked(held, actor, {std::move(checked)}, deferred,
                               /*whole=*/true, results));
  return std::move(results.front());
}

std::vector<absl::StatusOr<SubmitResult>> RatingService::SubmitRowDeferred(
    const domain::Actor& actor, std::vector<RowRating> row) {
  return SubmitManyDeferred(actor, std::move(row), /*whole=*/true);
}

std::vector<absl::StatusOr<SubmitResult>> RatingService::SubmitRunDeferred(
    const domain::Actor& actor, std::vector<RowRating> run) {
  return SubmitManyDeferred(actor, std::move(run), /*whole=*/false);
}

std::vector<absl::StatusOr<SubmitResult>> RatingService::SubmitManyDeferred(
    const domain::Actor& actor, std::vector<RowRating> ratings, bool whole) {
  std::vector<absl::StatusOr<SubmitResult>> out(
      ratings.size(), absl::InternalError("not submitted"));
  if (ratings.empty()) return out;
  const Rating& first = ratings.front().rating;
  const size_t limit = whole ? kMaxRowRatings : kMaxRunRatings;
  // The checks that need nothing stored, each on its own.
  std::vector<Checked> checked;
  std::vector<size_t> index;  // Of each of `checked` in `ratings`.
  for (size_t i = 0; i < ratings.size(); ++i) {
    const Rating& r = ratings[i].rating;
    if (i >= limit) {
      out[i] = absl::InvalidArgumentError(
          absl::StrCat("row: at most ", limit, " ratings in one write"));
    } else if (r.tenant_id != first.tenant_id ||
               r.episode_id != first.episode_id ||
               r.client_id != first.client_id) {
      out[i] = absl::InvalidArgumentError(
          "row: the ratings of a row are of one tenant, episode and client");
    } else if (auto c = Check(r, ratings[i].idempotency_key); !c.ok()) {
      out[i] = c.status();
    } else {
      checked.push_back(*std::move(c));
      index.push_back(i);
      continue;
    }
  }
  const bool all_checked = checked.size() == ratings.size();
  if (all_checked || !whole) {
    std::vector<absl::string_view> keys;
    for (const Checked& c : checked) keys.push_back(c.idempotency_key);
    std::vector<absl::StatusOr<SubmitResult>> results;
    if (!checked.empty()) {
      const SubmissionGuard held(records_->locks(), first.tenant_id,
                                 first.client_id, first.episode_id, keys);
      (void)SubmitLocked(held, actor, checked, /*deferred=*/true, whole,
                         results);
    }
    for (size_t k = 0; k < results.size(); ++k) {
      out[index[k]] = std::move(results[k]);
    }
  }
  if (whole && !all_checked) {
    // Refused before any lock: the first refused is the row's, and the
    // ratings that passed are refused with it.
    size_t culprit = 0;
    while (out[culprit].ok() || IsIn(index, culprit)) ++culprit;
    for (size_t i : index) {
      out[i] = RowRefused(ratings[culprit].rating, out[culprit].status());
    }
  }
  // Every refusal is in the access log; every replay too (a read).
  const AuditSubject subject{SubmitAction(/*deferred=*/true), first.tenant_id,
                             first.episode_id, first.client_id,
                             /*deferred=*/true};
  std::vector<const Rating*> replays;
  for (absl::StatusOr<SubmitResult>& result : out) {
    if (result.ok()) {
      if (result->replayed) replays.push_back(&result->administration.rating);
      continue;
    }
    result = RecordRefusal(records_->audit(), actor, subject, result.status());
  }
  if (absl::Status logged = LogReplays(actor, replays, /*deferred=*/true);
      !logged.ok()) {
    for (auto& result : out) {
      if (result.ok() && result->replayed) result = logged;
    }
  }
  return out;
}

absl::Status RatingService::SubmitLocked(
    const SubmissionGuard& /*held*/, const domain::Actor& actor,
    const std::vector<Checked>& ratings, bool deferred, bool whole,
    std::vector<absl::StatusOr<SubmitResult>>& results) {
  results.assign(ratings.size(), absl::InternalError("not planned"));
  const Rating& first = ratings.front().rating;
  // The episode as stored, grown by each rating planned into the write.
  absl::StatusOr<std::optional<Episode>> read =
      records_->store().GetEpisode(first.tenant_id, first.episode_id);
  std::vector<Administration> stored;
  if (read.ok() && read->has_value()) {
    absl::StatusOr<std::vector<Administration>> listed =
        records_->store().ListAdministrations(first.tenant_id,
                                              first.episode_id);
    if (listed.ok()) {
      stored = *std::move(listed);
    } else {
      read = listed.status();
    }
  }
  if (!read.ok()) {
    for (auto& result : results) result = read.status();
    return read.status();
  }
  std::optional<Episode> episode = *std::move(read);
  storage::WriteSet changes;
  std::vector<std::pair<std::string, bool>> planned(ratings.size());
  // Plans rating `i`, or says why not; nothing is changed when it cannot.
  auto plan = [&](size_t i) -> absl::Status {
    const Rating& rating = ratings[i].rating;
    const std::string& key = ratings[i].idempotency_key;
    const std::string id = domain::AdministrationId(rating);
    ASSIGN_OR_RETURN(std::optional<storage::IdempotencyEntry> known,
                     records_->store().GetIdempotency(rating.tenant_id, key));
    for (const storage::IdempotencyEntry& earlier : changes.idempotency) {
      if (earlier.key == key) known = earlier;  // Planned in this write.
    }
    if (known.has_value()) {
      // Same content means the same episode (the rating names it).
      const Administration* original =
          known->episode_id == rating.episode_id
              ? FindById(stored, known->administration_id)
              : nullptr;
      if (known->episode_id == rating.episode_id &&
          (original == nullptr || original->rating != rating)) {
        // Corrected or voided since: the key's rating is in the trail.
        ASSIGN_OR_RETURN(const Trail trail,
                         TrailOf(records_->store(), rating.tenant_id,
                                 rating.episode_id, key, rating));
        if (trail == Trail::kVoided) {
          return absl::FailedPreconditionError(absl::StrCat(
              "idempotency_key: the rating stored under it (administration ",
              known->administration_id,
              ") was voided as entered in error; submit it under a new key"));
        }
        if (trail == Trail::kCorrected && original != nullptr) {
          planned[i] = {known->administration_id, /*replayed=*/true};
          return absl::OkStatus();
        }
        if (original == nullptr) {
          return absl::DataLossError(absl::StrCat(
              "idempotency entry points at a missing administration of "
              "episode ",
              known->episode_id));
        }
      }
      if (original == nullptr || original->rating != rating) {
        return absl::AlreadyExistsError(absl::StrCat(
            "idempotency_key: already used for a different rating (episode ",
            known->episode_id, ", administration ", known->administration_id,
            "); use a new key for a new rating"));
      }
      planned[i] = {known->administration_id, /*replayed=*/true};
      return absl::OkStatus();
    }
    if (episode.has_value()) {
      if (FindById(stored, id) != nullptr) {
        return absl::AlreadyExistsError(absl::StrCat(
            "rating: session ", rating.session_number, " already has ",
            rating.instrument_id, " from this rater (administration ", id,
            ", stored under another idempotency key)"));
      }
      RETURN_IF_ERROR(CheckFitsEpisode(*episode, stored, rating));
    }
    Administration administration{rating, ratings[i].score, records_->Now(),
                                  key};
    std::optional<absl::CivilDay> old_first;
    if (episode.has_value()) old_first = episode->first_session_date;
    Episode updated = UpdatedEpisode(std::move(episode), rating);
    // Trend aggregates change in the same write as the rating.
    AddSubmission(updated, old_first, stored, administration,
                  records_->catalog(), records_->rule_sets(),
                  changes.aggregates);
    changes.administrations.push_back(administration);
    changes.idempotency.push_back(
        {rating.tenant_id, key, rating.episode_id, id});
    changes.audit.push_back(records_->audit().Entry(
        actor, SubmitAction(deferred), rating.tenant_id, rating.episode_id,
        rating.client_id, absl::OkStatus(), "stored"));
    episode = std::move(updated);
    stored.push_back(std::move(administration));
    planned[i] = {id, /*replayed=*/false};
    return absl::OkStatus();
  };
  for (size_t i = 0; i < ratings.size(); ++i) {
    absl::Status status = plan(i);
    if (status.ok()) continue;
    results[i] = status;
    if (whole) {  // Nothing of the row is written.
      for (size_t j = 0; j < ratings.size(); ++j) {
        if (j != i) results[j] = RowRefused(ratings[i].rating, status);
      }
      return status;
    }
  }
  absl::Status done = absl::OkStatus();
  if (!changes.administrations.empty()) {
    changes.episodes.push_back(*episode);
    changes.aggregates_tenant = first.tenant_id;
    // The client's distinct-client cells, from the client's facts row.
    const ClientFactsGuard facts_held(records_->locks(), first.tenant_id,
                                      {first.client_id});
    done = AddClientFactsChange(records_->store(), first.tenant_id,
                                {first.client_id},
                                {{first.episode_id, &*episode, &stored}},
                                FactsChange::kCounted, facts_held, changes);
    if (done.ok()) {
      done = deferred ? records_->store().ApplyDeferred(changes)
                      : records_->store().Apply(changes);
    }
  }
  std::optional<EpisodeView> view;
  if (done.ok() && episode.has_value()) {
    view = EpisodeView{*std::move(episode), std::move(stored)};
    done = records_->Evaluate(*view);
  }
  for (size_t i = 0; i < ratings.size(); ++i) {
    if (planned[i].first.empty()) continue;  // Refused (ids never are "").
    results[i] = done.ok()
                     ? ResultFor(*view, planned[i].first, planned[i].second)
                     : absl::StatusOr<SubmitResult>(done);
  }
  return done;
}

absl::StatusOr<EpisodeView> RatingService::GetEpisode(
    const domain::Actor& actor, absl::string_view tenant_id,
    absl::string_view episode_id, bool with_history) const {
  ASSIGN_OR_RETURN(
      EpisodeView view,
      RunAudited(
          records_->audit(), actor,
          {"GetEpisode", std::string(tenant_id), std::string(episode_id), ""},
          [&]() -> absl::StatusOr<EpisodeView> {
            RETURN_IF_ERROR(CheckIdentifier("tenant_id", tenant_id));
            RETURN_IF_ERROR(CheckIdentifier("episode_id", episode_id));
            ASSIGN_OR_RETURN(EpisodeView read,
                             records_->Read(tenant_id, episode_id));
            RETURN_IF_ERROR(CheckReadsEpisode(actor, read));
            RETURN_IF_ERROR(records_->Evaluate(read));
            if (with_history) {
              ASSIGN_OR_RETURN(read.history, records_->store().ListRevisions(
                                                 tenant_id, episode_id));
            }
            return read;
          }));
  // Durable before the episode leaves: no read goes unlogged.
  RETURN_IF_ERROR(records_->audit().Record(records_->EntriesFor(
      actor, "GetEpisode", view.episode, with_history ? "with history" : "")));
  return view;
}

absl::StatusOr<std::vector<EpisodeView>> RatingService::ListEpisodes(
    const domain::Actor& actor, absl::string_view tenant_id,
    absl::string_view clinician_id, bool include_closed) const {
  ASSIGN_OR_RETURN(
      std::vector<EpisodeView> views,
      RunAudited(
          records_->audit(), actor,
          {"ListEpisodes", std::string(tenant_id), "", ""},
          [&]() -> absl::StatusOr<std::vector<EpisodeView>> {
            RETURN_IF_ERROR(CheckIdentifier("tenant_id", tenant_id));
            RETURN_IF_ERROR(CheckIdentifier("clinician_id", clinician_id));
            std::vector<EpisodeView> found;
            RETURN_IF_ERROR(records_->store().ScanEpisodesWhere(
                tenant_id,
                {.clinician_id = std::string(clinician_id),
                 .open_only = !include_closed},
                [&](const Episode& episode,
                    const std::vector<Administration>& administrations) {
                  found.push_back(EpisodeView{episode, administrations});
                  return absl::OkStatus();
                }));
            std::stable_sort(found.begin(), found.end(),
                             [](const EpisodeView& a, const EpisodeView& b) {
                               return a.episode.last_session_date >
                                      b.episode.last_session_date;
                             });
            if (found.size() > kMaxListedEpisodes) {
              found.resize(kMaxListedEpisodes);
            }
            for (EpisodeView& view : found) {
              RETURN_IF_ERROR(records_->Evaluate(view));
            }
            return found;
          }));
  // Durable before the list leaves: every episode read is logged.
  std::vector<domain::AuditEntry> entries;
  for (const EpisodeView& view : views) {
    std::vector<domain::AuditEntry> more =
        records_->EntriesFor(actor, "ListEpisodes", view.episode, "");
    entries.insert(entries.end(), std::make_move_iterator(more.begin()),
                   std::make_move_iterator(more.end()));
  }
  if (!entries.empty()) RETURN_IF_ERROR(records_->audit().Record(entries));
  return views;
}

absl::StatusOr<EpisodeView> RatingService::CloseEpisode(
    const domain::Actor& actor, absl::string_view tenant_id,
    absl::string_view episode_id, const domain::Ending& ending) {
  return RunAudited(
      records_->audit(), actor,
      {"CloseEpisode", std::string(tenant_id), std::string(episode_id), ""},
      [&] { return Close(actor, tenant_id, episode_id, ending); });
}

absl::StatusOr<EpisodeView> RatingService::Close(const domain::Actor& actor,
                                                 absl::string_view tenant_id,
                                                 absl::string_view episode_id,
                                                 const domain::Ending& ending) {
  RETURN_IF_ERROR(CheckIdentifier("tenant_id", tenant_id));
  RETURN_IF_ERROR(CheckIdentifier("episode_id", episode_id));
  RETURN_IF_ERROR(CheckEndDate(ending.end_date, records_->Today()));
  absl::MutexLock lock(&records_->locks().ForRecord(tenant_id, episode_id));
  ASSIGN_OR_RETURN(EpisodeView view, records_->Read(tenant_id, episode_id));
  RETURN_IF_ERROR(CheckReadsEpisode(actor, view));
  Episode& episode = view.episode;
  if (episode.closed()) {
    if (*episode.ending == ending) {  // A retry: nothing to change.
      RETURN_IF_ERROR(records_->Evaluate(view));
      RETURN_IF_ERROR(records_->audit().Record(
          records_->EntriesFor(actor, "CloseEpisode", episode, "replayed")));
      return view;
    }
    return absl::FailedPreconditionError(absl::StrCat(
        "ending: episode ", episode_id, " was already closed on ",
        ShowDay(episode.ending->end_date), " with another ending"));
  }
  if (ending.end_date < episode.last_session_date) {
    return absl::FailedPreconditionError(absl::StrCat(
        "ending.end_date: ", ShowDay(ending.end_date),
        " is before the last session, ", ShowDay(episode.last_session_date)));
  }
  // The outcome is recorded as of now, with the tenant's rule set. Evaluate
  // while the episode is still open: it is not yet in the reference, so
  // nothing of it may be taken out again.
  RETURN_IF_ERROR(records_->Evaluate(view));
  const std::vector<scoring::AdministrationInput> inputs =
      records_->Inputs(view.administrations);
  const std::vector<scoring::SeriesOutcome> outcomes =
      scoring::EpisodeOutcomes(inputs, view.evaluations, *view.rules);
  episode.ending = ending;
  episode.outcomes =
      FreezeOutcomes(view.administrations, view.evaluations, outcomes);
  episode.closed_rule_set = view.rules->name;
  episode.closed_rule_set_version = view.rules->version;
  storage::WriteSet changes;
  changes.episodes.push_back(episode);
  // The episode joins the tenant's trajectory reference.
  const std::vector<std::pair<std::string, scoring::ReferenceCell>> added =
      scoring::ReferenceContributions(inputs);
  // Trend aggregates change in the same write as the ending.
  changes.aggregates_tenant = std::string(tenant_id);
  AddClose(episode, view.administrations, records_->catalog(),
           changes.aggregates);
  changes.audit =
      records_->EntriesFor(actor, "CloseEpisode", episode, "closed");
  // Its clients' outcome series now count among the clients who ended one.
  const ClientFactsGuard facts_held(records_->locks(), tenant_id,
                                    episode.client_ids);
  RETURN_IF_ERROR(AddClientFactsChange(
      records_->store(), tenant_id, episode.client_ids,
      {{episode.episode_id, &episode, &view.administrations}},
      FactsChange::kCounted, facts_held, changes));
  // The reference deltas go into the write; the in-memory copy follows it.
  RETURN_IF_ERROR(records_->reference().Apply(changes, tenant_id, added));
  // The evaluations above still hold: the reference now includes this
  // episode, and a closed episode's evaluation takes its own part out again.
  // Only the outcome is new, as frozen.
  view.outcomes = outcomes;
  return view;
}

}  // namespace tilbake::core

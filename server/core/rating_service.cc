#include "server/core/rating_service.h"

#include <algorithm>
#include <deque>
#include <limits>
#include <map>
#include <utility>

#include "absl/hash/hash.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/identifiers.h"
#include "common/log.h"
#include "common/status_macros.h"
#include "scoring/age_band.h"
#include "scoring/score.h"
#include "server/core/aggregation.h"

namespace tilbake::core {
namespace {

using domain::Administration;
using domain::Episode;
using domain::Rating;

constexpr int kMaxSessionNumber = 10000;
constexpr int kMaxAgeYears = 130;
constexpr size_t kMaxSkipReasonLength = 200;
constexpr int kEarliestYear = 1900;

std::string ShowDay(absl::CivilDay day) { return absl::FormatCivilTime(day); }

// Checks the fields that need no stored state. The answers are checked by
// the scoring engine against the instrument's definition.
absl::Status CheckRatingFields(const Rating& r, absl::CivilDay today) {
  RETURN_IF_ERROR(CheckIdentifier("rating.tenant_id", r.tenant_id));
  RETURN_IF_ERROR(CheckIdentifier("rating.episode_id", r.episode_id));
  RETURN_IF_ERROR(CheckIdentifier("rating.client_id", r.client_id));
  RETURN_IF_ERROR(CheckIdentifier("rating.clinician_id", r.clinician_id));
  RETURN_IF_ERROR(CheckOrgUnit("rating.org_unit", r.org_unit));
  if (r.session_number < 1 || r.session_number > kMaxSessionNumber) {
    return absl::InvalidArgumentError(
        absl::StrCat("rating.session_number: must be 1–", kMaxSessionNumber,
                     ", got ", r.session_number));
  }
  if (r.session_date.year() < kEarliestYear || r.session_date > today + 1) {
    // A day of slack: the caller's calendar may be ahead of the server's UTC.
    return absl::InvalidArgumentError(absl::StrCat(
        "rating.session_date: ", ShowDay(r.session_date),
        " is not a plausible session date (today is ", ShowDay(today), ")"));
  }
  if (r.rater.kind == domain::RaterKind::kCollateral) {
    if (r.rater.relation == domain::RaterRelation::kUnspecified) {
      return absl::InvalidArgumentError(
          "rating.rater.relation: required for a collateral rater");
    }
    if (!r.rater.rater_id.empty()) {
      RETURN_IF_ERROR(
          CheckIdentifier("rating.rater.rater_id", r.rater.rater_id));
      // An administration id is "session/instrument/client/rater series",
      // and a client id may hold '/': with none in the rater series, its
      // last '/' ends the client id, so two ratings never share an id.
      if (absl::StrContains(r.rater.rater_id, '/')) {
        return absl::InvalidArgumentError(
            "rating.rater.rater_id: must not contain '/' (it separates the "
            "parts of an administration id)");
      }
    }
  } else if (r.rater.relation != domain::RaterRelation::kUnspecified ||
             !r.rater.rater_id.empty()) {
    return absl::InvalidArgumentError(
        "rating.rater: relation and rater_id are for collateral raters only");
  }
  if (r.client_age_years.has_value() &&
      (*r.client_age_years < 0 || *r.client_age_years > kMaxAgeYears)) {
    return absl::InvalidArgumentError(
        absl::StrCat("rating.client_age_years: must be 0–", kMaxAgeYears));
  }
  if (r.answers.skip_reason.size() > kMaxSkipReasonLength) {
    return absl::InvalidArgumentError(
        absl::StrCat("rating.skipped.reason: longer than ",
                     kMaxSkipReasonLength, " characters"));
  }
  return absl::OkStatus();
}

// Checks that `r` fits the episode as stored: type, client, open, and that
// session numbers and dates run in the same order.
absl::Status CheckFitsEpisode(const Episode& episode,
                              const std::vector<Administration>& stored,
                              const Rating& r) {
  if (episode.closed()) {
    return absl::FailedPreconditionError(
        absl::StrCat("rating.episode_id: episode ", r.episode_id,
                     " was closed on ", ShowDay(episode.ending->end_date)));
  }
  if (episode.type != r.episode_type) {
    return absl::FailedPreconditionError(
        absl::StrCat("rating.episode_type: episode ", r.episode_id,
                     " was started with another episode type"));
  }
  if (episode.type == domain::EpisodeType::kIndividual &&
      episode.client_ids.front() != r.client_id) {
    return absl::FailedPreconditionError(
        absl::StrCat("rating.client_id: individual episode ", r.episode_id,
                     " belongs to another client"));
  }
  for (const Administration& a : stored) {
    const Rating& s = a.rating;
    const bool same_session = s.session_number == r.session_number;
    if ((same_session && s.session_date != r.session_date) ||
        (s.session_number < r.session_number &&
         s.session_date > r.session_date) ||
        (s.session_number > r.session_number &&
         s.session_date < r.session_date)) {
      return absl::FailedPreconditionError(absl::StrCat(
          "rating.session_date: ", ShowDay(r.session_date),
          " does not fit session ", s.session_number, " dated ",
          ShowDay(s.session_date), "; sessions are numbered in date order"));
    }
  }
  return absl::OkStatus();
}

Episode UpdatedEpisode(std::optional<Episode> stored, const Rating& r) {
  if (!stored.has_value()) {
    Episode e;
    e.tenant_id = r.tenant_id;
    e.episode_id = r.episode_id;
    e.type = r.episode_type;
    e.client_ids = {r.client_id};
    e.org_unit = r.org_unit;
    e.clinician_id = r.clinician_id;
    e.first_session_date = r.session_date;
    e.last_session_date = r.session_date;
    return e;
  }
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

}  // namespace

RatingService::RatingService(storage::Store* store,
                             const scoring::InstrumentCatalog* catalog,
                             const scoring::RuleSetRegistry* rules, Clock clock)
    : store_(store),
      catalog_(catalog),
      rules_(rules),
      clock_(std::move(clock)),
      audit_(store, clock_) {}

std::vector<scoring::AdministrationInput> RatingService::Inputs(
    const std::vector<Administration>& administrations) const {
  std::vector<scoring::AdministrationInput> inputs;
  inputs.reserve(administrations.size());
  for (const Administration& a : administrations) {
    const Rating& r = a.rating;
    scoring::AdministrationInput in;
    in.series = absl::StrCat(r.client_id, "/", domain::RaterSeries(r.rater));
    in.client_id = r.client_id;
    in.collateral = r.rater.kind == domain::RaterKind::kCollateral;
    in.instrument_id = r.instrument_id;
    // A version removed from the configuration keeps its scores; it just
    // gets no rules (measures unknown).
    absl::StatusOr<const scoring::InstrumentDefinition*> definition =
        catalog_->Find(r.instrument_id, r.instrument_version);
    if (definition.ok()) {
      in.family = (*definition)->family;
      in.measures = (*definition)->measures;
    }
    in.session = r.session_number;
    in.score = a.score;
    in.age_band = r.age_band;
    inputs.push_back(std::move(in));
  }
  return inputs;
}

absl::Status RatingService::Evaluate(EpisodeView& view) const {
  const scoring::RuleSet& rules = rules_->ForTenant(view.episode.tenant_id);
  view.rules = &rules;
  const std::vector<scoring::AdministrationInput> inputs =
      Inputs(view.administrations);

  // Reference sums near each outcome series' intake, for the models that
  // learn from the tenant's completed episodes.
  scoring::ReferenceData reference;
  const scoring::TrajectoryModel model = rules.trajectory.model;
  if (model == scoring::TrajectoryModel::kIntakeBand ||
      model == scoring::TrajectoryModel::kLogSession) {
    std::map<std::string, std::map<std::pair<scoring::Tenths, int32_t>,
                                   scoring::ReferenceCell>>
        cells;  // Deduplicated: two series may share a window.
    for (const auto& [instrument, intake] : scoring::OutcomeIntakes(inputs)) {
      ASSIGN_OR_RETURN(
          std::vector<scoring::ReferenceCell> read,
          ReferenceWindow(view.episode.tenant_id, instrument,
                          intake - rules.trajectory.intake_window,
                          intake + rules.trajectory.intake_window));
      for (const scoring::ReferenceCell& c : read) {
        cells[instrument][{c.intake, c.session}] = c;
      }
    }
    if (view.episode.closed()) {
      // A closed episode is in the reference: take it out again, exactly,
      // so no episode is measured against itself.
      for (const auto& [instrument, own] :
           scoring::ReferenceContributions(inputs)) {
        auto it = cells[instrument].find({own.intake, own.session});
        if (it == cells[instrument].end()) continue;
        it->second.count -= own.count;
        it->second.sum -= own.sum;
        it->second.sum_squares -= own.sum_squares;
      }
    }
    for (auto& [instrument, by_key] : cells) {
      for (auto& [key, cell] : by_key) reference[instrument].push_back(cell);
    }
  }
  view.evaluations = scoring::EvaluateEpisode(inputs, rules, reference);
  view.outcomes.clear();
  if (view.episode.closed() && !view.episode.outcomes.empty()) {
    // Recorded at closing: what reports count, whatever came after.
    for (const domain::FrozenOutcome& f : view.episode.outcomes) {
      view.outcomes.push_back(f.outcome);
    }
  } else if (view.episode.closed()) {
    view.outcomes = scoring::EpisodeOutcomes(inputs, view.evaluations, rules);
  }
  return absl::OkStatus();
}

absl::Mutex& RatingService::StripeFor(absl::string_view tenant,
                                      absl::string_view id) const {
  return stripes_[absl::HashOf(tenant, id) % kLockStripes];
}

absl::Mutex& RatingService::ClientStripeFor(absl::string_view tenant,
                                            absl::string_view client) const {
  return client_stripes_[absl::HashOf(tenant, client) % kClientStripes];
}

absl::CivilDay RatingService::Today() const {
  return absl::ToCivilDay(clock_(), absl::UTCTimeZone());
}

absl::StatusOr<SubmitResult> RatingService::Submit(
    const domain::Actor& actor, domain::Rating rating,
    const std::string& idempotency_key) {
  return SubmitImpl(actor, std::move(rating), idempotency_key,
                    /*deferred=*/false);
}

absl::StatusOr<SubmitResult> RatingService::SubmitDeferred(
    const domain::Actor& actor, domain::Rating rating,
    const std::string& idempotency_key) {
  return SubmitImpl(actor, std::move(rating), idempotency_key,
                    /*deferred=*/true);
}

std::vector<domain::AuditEntry> RatingService::EntriesFor(
    const domain::Actor& actor, absl::string_view action,
    const Episode& episode, std::string detail) const {
  std::vector<domain::AuditEntry> entries;
  for (const std::string& client : episode.client_ids) {
    entries.push_back(audit_.Entry(actor, action, episode.tenant_id,
                                   episode.episode_id, client, absl::OkStatus(),
                                   detail));
  }
  if (entries.empty()) {
    entries.push_back(audit_.Entry(actor, action, episode.tenant_id,
                                   episode.episode_id, "", absl::OkStatus(),
                                   std::move(detail)));
  }
  return entries;
}

absl::Status RatingService::SyncDeferred() { return store_->SyncWal(); }

absl::StatusOr<SubmitResult> RatingService::SubmitImpl(
    const domain::Actor& actor, domain::Rating rating,
    const std::string& idempotency_key, bool deferred) {
  const absl::string_view action = deferred ? "ImportRatings" : "SubmitRating";
  const std::string tenant = rating.tenant_id;
  const std::string episode = rating.episode_id;
  const std::string client = rating.client_id;
  absl::StatusOr<SubmitResult> result =
      SubmitChecked(actor, std::move(rating), idempotency_key, deferred);
  if (!result.ok()) {
    return audit_.RecordFailure(
        audit_.Entry(actor, action, tenant, episode, client, result.status()),
        result.status(), deferred);
  }
  if (result->replayed) {  // A read of what is stored: logged on its own.
    RETURN_IF_ERROR(
        audit_.Record({audit_.Entry(actor, action, tenant, episode, client,
                                    absl::OkStatus(), "replayed")},
                      deferred));
  }
  return result;
}

absl::StatusOr<SubmitResult> RatingService::SubmitChecked(
    const domain::Actor& actor, domain::Rating rating,
    const std::string& idempotency_key, bool deferred) {
  RETURN_IF_ERROR(CheckIdentifier("idempotency_key", idempotency_key));
  RETURN_IF_ERROR(CheckRatingFields(rating, Today()));
  absl::StatusOr<const scoring::InstrumentDefinition*> definition =
      catalog_->Find(rating.instrument_id, rating.instrument_version);
  if (!definition.ok()) {
    return Prefixed(definition.status(), rating.instrument_version.empty()
                                             ? "rating.instrument_id"
                                             : "rating.instrument_version");
  }
  rating.instrument_version = (*definition)->version;
  if (rating.age_band == scoring::AgeBand::kUnspecified &&
      rating.client_age_years.has_value()) {
    rating.age_band = scoring::AgeBandForAge(*rating.client_age_years);
  }
  absl::StatusOr<scoring::Score> score =
      scoring::ScoreAnswers(**definition, rating.answers);
  if (!score.ok()) {
    // The engine names the part ("items[2] (goals): …"); say whose part.
    return absl::Status(score.status().code(),
                        absl::StrCat("rating.", score.status().message()));
  }
  // Store the answers as scored: items in definition order, keys filled in.
  if (rating.answers.format == scoring::AnswerFormat::kItems) {
    rating.answers.items = score->items;
  }

  // The client's stripe first (shared: an erasure of the client waits for
  // this submission, and it for the erasure), then the episode and the key
  // (two stripes at most, in address order so two submissions never wait
  // on each other crosswise).
  absl::ReaderMutexLock client_lock(
      &ClientStripeFor(rating.tenant_id, rating.client_id));
  absl::Mutex* a = &StripeFor(rating.tenant_id, rating.episode_id);
  absl::Mutex* b = &StripeFor(rating.tenant_id, idempotency_key);
  if (b < a) std::swap(a, b);
  absl::MutexLock lock_a(a);
  std::optional<absl::MutexLock> lock_b;
  if (b != a) lock_b.emplace(b);
  return SubmitLocked(actor, rating, *score, idempotency_key, deferred);
}

absl::StatusOr<SubmitResult> RatingService::SubmitLocked(
    const domain::Actor& actor, const Rating& rating,
    const scoring::Score& score, const std::string& idempotency_key,
    bool deferred) {
  const std::string id = domain::AdministrationId(rating);
  ASSIGN_OR_RETURN(std::optional<storage::IdempotencyEntry> known,
                   store_->GetIdempotency(rating.tenant_id, idempotency_key));
  if (known.has_value()) {
    ASSIGN_OR_RETURN(
        std::vector<Administration> stored,
        store_->ListAdministrations(rating.tenant_id, known->episode_id));
    const Administration* original = FindById(stored, known->administration_id);
    if (original == nullptr) {
      return absl::DataLossError(absl::StrCat(
          "idempotency entry points at a missing administration of episode ",
          known->episode_id));
    }
    if (original->rating != rating) {
      return absl::AlreadyExistsError(absl::StrCat(
          "idempotency_key: already used for a different rating (episode ",
          known->episode_id, ", administration ", known->administration_id,
          "); use a new key for a new rating"));
    }
    ASSIGN_OR_RETURN(EpisodeView view,
                     ReadEpisode(rating.tenant_id, known->episode_id));
    RETURN_IF_ERROR(Evaluate(view));
    return ResultFor(view, known->administration_id, /*replayed=*/true);
  }

  ASSIGN_OR_RETURN(std::optional<Episode> episode,
                   store_->GetEpisode(rating.tenant_id, rating.episode_id));
  std::vector<Administration> stored;
  if (episode.has_value()) {
    ASSIGN_OR_RETURN(stored, store_->ListAdministrations(rating.tenant_id,
                                                         rating.episode_id));
    if (FindById(stored, id) != nullptr) {
      return absl::AlreadyExistsError(absl::StrCat(
          "rating: session ", rating.session_number, " already has ",
          rating.instrument_id, " from this rater (administration ", id,
          ", stored under another idempotency key)"));
    }
    RETURN_IF_ERROR(CheckFitsEpisode(*episode, stored, rating));
  }

  Administration administration{rating, score, clock_(), idempotency_key};
  std::optional<absl::CivilDay> old_first;
  if (episode.has_value()) old_first = episode->first_session_date;
  storage::WriteSet changes;
  changes.episodes.push_back(UpdatedEpisode(std::move(episode), rating));
  changes.administrations.push_back(administration);
  changes.idempotency.push_back(
      {rating.tenant_id, idempotency_key, rating.episode_id, id});
  // Trend aggregates change in the same write as the rating.
  changes.aggregates_tenant = rating.tenant_id;
  AddSubmission(changes.episodes.front(), old_first, stored, administration,
                *catalog_, changes.aggregates);
  changes.audit.push_back(audit_.Entry(
      actor, deferred ? "ImportRatings" : "SubmitRating", rating.tenant_id,
      rating.episode_id, rating.client_id, absl::OkStatus(), "stored"));
  RETURN_IF_ERROR(deferred ? store_->ApplyDeferred(changes)
                           : store_->Apply(changes));

  EpisodeView view{changes.episodes.front(), std::move(stored)};
  view.administrations.push_back(std::move(administration));
  RETURN_IF_ERROR(Evaluate(view));
  return ResultFor(view, id, /*replayed=*/false);
}

absl::StatusOr<EpisodeView> RatingService::GetEpisode(
    const domain::Actor& actor, absl::string_view tenant_id,
    absl::string_view episode_id) const {
  absl::StatusOr<EpisodeView> view = [&]() -> absl::StatusOr<EpisodeView> {
    RETURN_IF_ERROR(CheckIdentifier("tenant_id", tenant_id));
    RETURN_IF_ERROR(CheckIdentifier("episode_id", episode_id));
    ASSIGN_OR_RETURN(EpisodeView read, ReadEpisode(tenant_id, episode_id));
    RETURN_IF_ERROR(Evaluate(read));
    return read;
  }();
  if (!view.ok()) {
    return audit_.RecordFailure(audit_.Entry(actor, "GetEpisode", tenant_id,
                                             episode_id, "", view.status()),
                                view.status());
  }
  // Durable before the episode leaves: no read goes unlogged.
  RETURN_IF_ERROR(
      audit_.Record(EntriesFor(actor, "GetEpisode", view->episode, "")));
  return view;
}

absl::StatusOr<EpisodeView> RatingService::ReadEpisode(
    absl::string_view tenant_id, absl::string_view episode_id) const {
  ASSIGN_OR_RETURN(std::optional<Episode> episode,
                   store_->GetEpisode(tenant_id, episode_id));
  if (!episode.has_value()) {
    return absl::NotFoundError(
        absl::StrCat("episode_id: no episode ", episode_id, " in this tenant"));
  }
  ASSIGN_OR_RETURN(std::vector<Administration> administrations,
                   store_->ListAdministrations(tenant_id, episode_id));
  return EpisodeView{*std::move(episode), std::move(administrations)};
}

absl::StatusOr<EpisodeView> RatingService::CloseEpisode(
    const domain::Actor& actor, absl::string_view tenant_id,
    absl::string_view episode_id, const domain::Ending& ending) {
  absl::StatusOr<EpisodeView> view =
      CloseLocked(actor, tenant_id, episode_id, ending);
  if (!view.ok()) {
    return audit_.RecordFailure(audit_.Entry(actor, "CloseEpisode", tenant_id,
                                             episode_id, "", view.status()),
                                view.status());
  }
  return view;
}

absl::StatusOr<EpisodeView> RatingService::CloseLocked(
    const domain::Actor& actor, absl::string_view tenant_id,
    absl::string_view episode_id, const domain::Ending& ending) {
  RETURN_IF_ERROR(CheckIdentifier("tenant_id", tenant_id));
  RETURN_IF_ERROR(CheckIdentifier("episode_id", episode_id));
  if (ending.end_date > Today() + 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "ending.end_date: ", ShowDay(ending.end_date), " is in the future"));
  }
  absl::MutexLock lock(&StripeFor(tenant_id, episode_id));
  ASSIGN_OR_RETURN(EpisodeView view, ReadEpisode(tenant_id, episode_id));
  Episode& episode = view.episode;
  if (episode.closed()) {
    if (*episode.ending == ending) {  // A retry: nothing to change.
      RETURN_IF_ERROR(Evaluate(view));
      RETURN_IF_ERROR(audit_.Record(
          EntriesFor(actor, "CloseEpisode", episode, "replayed")));
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
  RETURN_IF_ERROR(Evaluate(view));
  const std::vector<scoring::AdministrationInput> inputs =
      Inputs(view.administrations);
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
  for (const auto& [instrument, cell] : added) {
    changes.reference.push_back({std::string(tenant_id), instrument, cell});
  }
  // Trend aggregates change in the same write as the ending.
  changes.aggregates_tenant = std::string(tenant_id);
  AddClose(episode, view.administrations, *catalog_, changes.aggregates);
  changes.audit = EntriesFor(actor, "CloseEpisode", episode, "closed");
  {
    // Write and update the in-memory reference under one lock, so no
    // concurrent load can read the write and then get it added twice.
    absl::MutexLock reference_lock(&reference_mu_);
    RETURN_IF_ERROR(store_->Apply(changes));
    AddToReferenceCacheLocked(tenant_id, added);
  }
  // The evaluations above still hold: the reference now includes this
  // episode, and a closed episode's evaluation takes its own part out again.
  // Only the outcome is new, as frozen.
  view.outcomes = outcomes;
  return view;
}

namespace {

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
  episode.first_session_date = kept.front().rating.session_date;
  episode.last_session_date = kept.front().rating.session_date;
  for (const Administration& a : kept) {
    episode.first_session_date =
        std::min(episode.first_session_date, a.rating.session_date);
    episode.last_session_date =
        std::max(episode.last_session_date, a.rating.session_date);
  }
  return episode;
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
  return out;
}

}  // namespace

absl::StatusOr<std::vector<EpisodeView>> RatingService::ExportClient(
    const domain::Actor& actor, absl::string_view tenant_id,
    absl::string_view client_id) const {
  absl::StatusOr<std::vector<EpisodeView>> views =
      [&]() -> absl::StatusOr<std::vector<EpisodeView>> {
    RETURN_IF_ERROR(CheckIdentifier("tenant_id", tenant_id));
    RETURN_IF_ERROR(CheckIdentifier("client_id", client_id));
    std::vector<EpisodeView> out;
    // A scan of the tenant's episode records: exports are rare, and an
    // index by client would cost every submission a write.
    const absl::Status scanned = store_->ScanClientEpisodes(
        tenant_id, client_id,
        [&](const Episode& episode,
            const std::vector<Administration>& all) -> absl::Status {
          EpisodeView view{episode, all};
          RETURN_IF_ERROR(Evaluate(view));
          out.push_back(OnlyClient(std::move(view), client_id));
          return absl::OkStatus();
        });
    RETURN_IF_ERROR(scanned);
    if (out.empty()) {
      return absl::NotFoundError(absl::StrCat(
          "client_id: no ratings of client ", client_id, " in this tenant"));
    }
    return out;
  }();
  if (!views.ok()) {
    return audit_.RecordFailure(audit_.Entry(actor, "ExportClient", tenant_id,
                                             "", client_id, views.status()),
                                views.status());
  }
  RETURN_IF_ERROR(audit_.Record({audit_.Entry(
      actor, "ExportClient", tenant_id, "", client_id, absl::OkStatus(),
      absl::StrCat(views->size(), " episodes"))}));
  return views;
}

absl::StatusOr<domain::ErasureRequest> RatingService::EraseClient(
    const domain::Actor& approver, domain::ErasureRequest approved) {
  const std::string tenant = approved.tenant_id;
  const std::string client = approved.client_id;
  // No rating of the client is stored from the scan until the write: a new
  // episode created meanwhile would not be in the scan and would survive.
  std::optional<absl::WriterMutexLock> client_lock;
  client_lock.emplace(&ClientStripeFor(tenant, client));
  std::vector<std::string> episode_ids;
  RETURN_IF_ERROR(store_->ScanClientEpisodes(
      tenant, client,
      [&](const Episode& episode, const std::vector<Administration>&) {
        episode_ids.push_back(episode.episode_id);
        return absl::OkStatus();
      }));
  // Hold every affected episode (stripes in address order, each once), so
  // no submission or close interleaves with the subtraction.
  std::vector<absl::Mutex*> stripes;
  for (const std::string& id : episode_ids) {
    stripes.push_back(&StripeFor(tenant, id));
  }
  std::sort(stripes.begin(), stripes.end());
  stripes.erase(std::unique(stripes.begin(), stripes.end()), stripes.end());
  std::deque<absl::MutexLock> held;
  for (absl::Mutex* stripe : stripes) held.emplace_back(stripe);

  storage::WriteSet changes;
  changes.aggregates_tenant = tenant;
  std::vector<std::pair<std::string, scoring::ReferenceCell>> reference;
  auto add_reference = [&](const std::vector<Administration>& administrations,
                           int sign) {
    for (auto [instrument, cell] :
         scoring::ReferenceContributions(Inputs(administrations))) {
      cell.count *= sign;
      cell.sum *= sign;
      cell.sum_squares *= sign;
      reference.emplace_back(instrument, cell);
    }
  };
  for (const std::string& id : episode_ids) {
    // Read again under the lock: what is subtracted is what is stored.
    ASSIGN_OR_RETURN(std::optional<Episode> episode,
                     store_->GetEpisode(tenant, id));
    if (!episode.has_value() || !HasClient(*episode, client)) continue;
    ASSIGN_OR_RETURN(std::vector<Administration> all,
                     store_->ListAdministrations(tenant, id));
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
    // Out with everything the episode added, in with what the rest adds.
    analytics::Cells before;
    AddEpisode(*episode, all, *catalog_, before);
    SubtractCells(before, changes.aggregates);
    if (episode->closed()) add_reference(all, -1);
    if (kept.empty()) {
      changes.deleted_episodes.push_back({tenant, id});
      ++approved.episodes_erased;
      continue;
    }
    Episode after = WithoutClient(*std::move(episode), kept, client);
    AddEpisode(after, kept, *catalog_, changes.aggregates);
    if (after.closed()) add_reference(kept, +1);
    changes.episodes.push_back(std::move(after));
    ++approved.episodes_changed;
  }
  for (const auto& [instrument, cell] : reference) {
    changes.reference.push_back({tenant, instrument, cell});
  }
  approved.state = domain::ErasureState::kApproved;
  approved.decided_by = approver.name;
  approved.decided_at = clock_();
  changes.erasure_requests.push_back(approved);
  changes.audit.push_back(audit_.Entry(
      approver, "ApproveErasure", tenant, "", client, absl::OkStatus(),
      absl::StrCat("erased ", approved.administrations_erased,
                   " administrations, ", approved.episodes_erased,
                   " episodes; ", approved.episodes_changed,
                   " group episodes changed")));
  {
    absl::MutexLock reference_lock(&reference_mu_);
    RETURN_IF_ERROR(store_->Apply(changes));
    AddToReferenceCacheLocked(tenant, reference);
  }
  held.clear();
  client_lock.reset();  // The compaction below need not hold up writers.
  // The deletions hide the records at once; compaction removes them from
  // the files. If it fails the erasure stands and the next compaction of
  // those files finishes it.
  const absl::Status compacted = store_->CompactErased(changes);
  if (!compacted.ok()) {
    LogEvent(LogLevel::kError, "erasure_compaction_failed",
             {{"tenant", tenant}, {"error", std::string(compacted.message())}});
  }
  return approved;
}

absl::StatusOr<std::vector<scoring::ReferenceCell>>
RatingService::ReferenceWindow(absl::string_view tenant_id,
                               const std::string& instrument,
                               scoring::Tenths from, scoring::Tenths to) const {
  absl::MutexLock lock(&reference_mu_);
  const auto key = std::make_pair(std::string(tenant_id), instrument);
  auto it = reference_.find(key);
  if (it == reference_.end()) {
    // Every intake: one tenant-instrument is at most ~400 intakes × sessions.
    ASSIGN_OR_RETURN(
        std::vector<scoring::ReferenceCell> all,
        store_->ReadReference(tenant_id, instrument, 0,
                              std::numeric_limits<scoring::Tenths>::max() - 1));
    ReferenceCells cells;
    for (const scoring::ReferenceCell& c : all)
      cells[{c.intake, c.session}] = c;
    it = reference_.emplace(key, std::move(cells)).first;
  }
  std::vector<scoring::ReferenceCell> out;
  for (auto c = it->second.lower_bound({from, 0});
       c != it->second.end() && c->first.first <= to; ++c) {
    out.push_back(c->second);
  }
  return out;
}

void RatingService::AddToReferenceCacheLocked(
    absl::string_view tenant_id,
    const std::vector<std::pair<std::string, scoring::ReferenceCell>>& cells) {
  for (const auto& [instrument, delta] : cells) {
    auto it = reference_.find({std::string(tenant_id), instrument});
    if (it == reference_.end()) continue;  // Loaded from storage when needed.
    scoring::ReferenceCell& cell = it->second[{delta.intake, delta.session}];
    cell.intake = delta.intake;
    cell.session = delta.session;
    cell.count += delta.count;
    cell.sum += delta.sum;
    cell.sum_squares += delta.sum_squares;
  }
}

}  // namespace tilbake::core

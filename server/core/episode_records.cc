#include "server/core/episode_records.h"

#include <algorithm>
#include <map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "scoring/age_band.h"
#include "server/core/rating_checks.h"

namespace tilbake::core {

using domain::Administration;
using domain::Episode;
using domain::Rating;

EpisodeRecords::EpisodeRecords(storage::Store* store,
                               const scoring::InstrumentCatalog* catalog,
                               const scoring::RuleSetRegistry* rules,
                               Clock clock)
    : store_(store),
      catalog_(catalog),
      rules_(rules),
      clock_(std::move(clock)),
      audit_(store, clock_),
      reference_(store) {}

absl::CivilDay EpisodeRecords::Today() const {
  return absl::ToCivilDay(clock_(), absl::UTCTimeZone());
}

absl::StatusOr<EpisodeView> EpisodeRecords::Read(
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

Episode WithSessionDatesOf(Episode episode,
                           const std::vector<Administration>& kept) {
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

absl::Status CheckReadsEpisode(const domain::Actor& actor,
                               const EpisodeView& view) {
  if (actor.clinician_id.empty() ||
      view.episode.clinician_id == actor.clinician_id) {
    return absl::OkStatus();
  }
  for (const Administration& a : view.administrations) {
    if (a.rating.clinician_id == actor.clinician_id) return absl::OkStatus();
  }
  return absl::PermissionDeniedError(
      absl::StrCat("episode_id: ", view.episode.episode_id,
                   " is another clinician's episode"));
}

absl::StatusOr<ScoredRating> EpisodeRecords::Score(
    domain::Rating rating) const {
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
  return ScoredRating{std::move(rating), *std::move(score)};
}

absl::Status EpisodeRecords::Evaluate(
    EpisodeView& view,
    const std::vector<ReferenceCache::Delta>* in_reference) const {
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
          reference_.Window(view.episode.tenant_id, instrument,
                            intake - rules.trajectory.intake_window,
                            intake + rules.trajectory.intake_window));
      for (const scoring::ReferenceCell& c : read) {
        cells[instrument][{c.intake, c.session}] = c;
      }
    }
    if (view.episode.closed()) {
      // A closed episode is in the reference: take it out again, exactly,
      // so no episode is measured against itself.
      const std::vector<ReferenceCache::Delta> own_contributions =
          in_reference != nullptr ? *in_reference
                                  : scoring::ReferenceContributions(inputs);
      for (const auto& [instrument, own] : own_contributions) {
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

std::vector<scoring::AdministrationInput> EpisodeRecords::Inputs(
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

std::vector<domain::AuditEntry> EpisodeRecords::EntriesFor(
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

}  // namespace tilbake::core

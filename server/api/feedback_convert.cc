// Over 500 lines on purpose: every mapping of tilbake.v1.Feedback's
// messages and enums, each a short switch, in one place so that each enum
// is converted once (git grep "ToProto(scoring::" finds them all).
#include "server/api/feedback_convert.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "server/auth/policy.h"

namespace tilbake::api {

namespace {

// The helpers below overload these names; keep the public ones in the set.
using api::FromProto;
using api::ToProto;

using scoring::Tenths;

// Values arrive as the rater's decimal (7.3) and are kept as tenths (73).
absl::StatusOr<Tenths> ToTenths(double value, absl::string_view field) {
  if (!std::isfinite(value) || std::fabs(value) > 1e6) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": not a usable number"));
  }
  const double tenths = value * 10.0;
  const double rounded = std::round(tenths);
  if (std::fabs(tenths - rounded) > 1e-6) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": ", value, " has more than one decimal"));
  }
  return static_cast<Tenths>(rounded);
}

double FromTenths(Tenths tenths) { return tenths / 10.0; }

absl::StatusOr<domain::EpisodeType> FromProto(v1::EpisodeType type) {
  switch (type) {
    case v1::EPISODE_TYPE_UNSPECIFIED:
    case v1::EPISODE_TYPE_INDIVIDUAL:
      return domain::EpisodeType::kIndividual;
    case v1::EPISODE_TYPE_COUPLE:
      return domain::EpisodeType::kCouple;
    case v1::EPISODE_TYPE_FAMILY:
      return domain::EpisodeType::kFamily;
    case v1::EPISODE_TYPE_GROUP:
      return domain::EpisodeType::kGroup;
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("rating.episode_type: unknown value ", type));
  }
}

absl::StatusOr<domain::Rater> FromProto(const v1::Rater& rater) {
  domain::Rater out;
  switch (rater.kind()) {
    case v1::Rater::KIND_UNSPECIFIED:
    case v1::Rater::KIND_CLIENT:
      out.kind = domain::RaterKind::kClient;
      break;
    case v1::Rater::KIND_COLLATERAL:
      out.kind = domain::RaterKind::kCollateral;
      break;
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("rating.rater.kind: unknown value ", rater.kind()));
  }
  if (rater.relation() < v1::Rater::RELATION_UNSPECIFIED ||
      rater.relation() > v1::Rater::RELATION_OTHER) {
    return absl::InvalidArgumentError(absl::StrCat(
        "rating.rater.relation: unknown value ", rater.relation()));
  }
  // The domain enum mirrors the proto's numbering (both persisted).
  out.relation = static_cast<domain::RaterRelation>(rater.relation());
  out.rater_id = rater.rater_id();
  return out;
}

absl::StatusOr<scoring::Importance> FromProto(v1::Importance importance,
                                              absl::string_view field) {
  switch (importance) {
    case v1::IMPORTANCE_UNSPECIFIED:
      return scoring::Importance::kUnspecified;
    case v1::IMPORTANCE_IMPORTANT:
      return scoring::Importance::kImportant;
    case v1::IMPORTANCE_NOT_IMPORTANT:
      return scoring::Importance::kNotImportant;
    default:
      return absl::InvalidArgumentError(
          absl::StrCat(field, ": unknown value ", importance));
  }
}

v1::Importance ToProto(scoring::Importance importance) {
  switch (importance) {
    case scoring::Importance::kUnspecified:
      return v1::IMPORTANCE_UNSPECIFIED;
    case scoring::Importance::kImportant:
      return v1::IMPORTANCE_IMPORTANT;
    case scoring::Importance::kNotImportant:
      return v1::IMPORTANCE_NOT_IMPORTANT;
  }
  return v1::IMPORTANCE_UNSPECIFIED;
}

// Input limits, far above any real form (the longest instrument has 29
// items), so hostile or broken input is refused before it costs anything.
constexpr int kMaxItemsPerRating = 64;
constexpr size_t kMaxItemKeyLength = 64;
constexpr size_t kMaxSkipReasonLength = 200;

absl::StatusOr<scoring::Answers> AnswersFromProto(const v1::Rating& rating) {
  scoring::Answers answers;
  switch (rating.answers_case()) {
    case v1::Rating::kItems: {
      answers.format = scoring::AnswerFormat::kItems;
      const v1::ItemAnswers& items = rating.items();
      if (items.items_size() > kMaxItemsPerRating) {
        return absl::InvalidArgumentError(
            absl::StrCat("rating.items.items: ", items.items_size(),
                         " answers; at most ", kMaxItemsPerRating));
      }
      for (int i = 0; i < items.items_size(); ++i) {
        const v1::ItemAnswer& in = items.items(i);
        const std::string field = absl::StrCat("rating.items.items[", i, "]");
        if (in.key().size() > kMaxItemKeyLength) {
          return absl::InvalidArgumentError(absl::StrCat(
              field, ".key: longer than ", kMaxItemKeyLength, " characters"));
        }
        scoring::ItemAnswer item;
        item.key = in.key();
        if (in.has_value()) {
          ASSIGN_OR_RETURN(item.value,
                           ToTenths(in.value(), absl::StrCat(field, ".value")));
        }
        ASSIGN_OR_RETURN(
            item.importance,
            FromProto(in.importance(), absl::StrCat(field, ".importance")));
        answers.items.push_back(std::move(item));
      }
      if (items.has_total()) {
        ASSIGN_OR_RETURN(answers.stated_total,
                         ToTenths(items.total(), "rating.items.total"));
      }
      return answers;
    }
    case v1::Rating::kTotalOnly: {
      answers.format = scoring::AnswerFormat::kTotalOnly;
      ASSIGN_OR_RETURN(answers.total, ToTenths(rating.total_only().total(),
                                               "rating.total_only.total"));
      return answers;
    }
    case v1::Rating::kSkipped:
      if (rating.skipped().reason().size() > kMaxSkipReasonLength) {
        return absl::InvalidArgumentError(
            absl::StrCat("rating.skipped.reason: longer than ",
                         kMaxSkipReasonLength, " characters"));
      }
      answers.format = scoring::AnswerFormat::kSkipped;
      answers.skip_reason = rating.skipped().reason();
      return answers;
    case v1::Rating::ANSWERS_NOT_SET:
      break;
  }
  return absl::InvalidArgumentError(
      "rating: give items, total_only or skipped");
}

v1::ScoreStatus ToProto(scoring::ScoreStatus status) {
  switch (status) {
    case scoring::ScoreStatus::kScored:
      return v1::SCORE_STATUS_SCORED;
    case scoring::ScoreStatus::kTotalOnly:
      return v1::SCORE_STATUS_TOTAL_ONLY;
    case scoring::ScoreStatus::kSkipped:
      return v1::SCORE_STATUS_SKIPPED;
    case scoring::ScoreStatus::kUnscored:
      return v1::SCORE_STATUS_UNSCORED;
    case scoring::ScoreStatus::kWithheld:
      return v1::SCORE_STATUS_WITHHELD;
  }
  return v1::SCORE_STATUS_UNSPECIFIED;
}

v1::EpisodeType ToProto(domain::EpisodeType type) {
  switch (type) {
    case domain::EpisodeType::kIndividual:
      return v1::EPISODE_TYPE_INDIVIDUAL;
    case domain::EpisodeType::kCouple:
      return v1::EPISODE_TYPE_COUPLE;
    case domain::EpisodeType::kFamily:
      return v1::EPISODE_TYPE_FAMILY;
    case domain::EpisodeType::kGroup:
      return v1::EPISODE_TYPE_GROUP;
  }
  return v1::EPISODE_TYPE_UNSPECIFIED;
}

void ToProto(const scoring::ItemAnswer& item, v1::ItemAnswer* out) {
  out->set_key(item.key);
  if (item.value.has_value()) out->set_value(FromTenths(*item.value));
  out->set_importance(ToProto(item.importance));
}

v1::Rating ToProto(const domain::Rating& r) {
  v1::Rating out;
  out.set_tenant_id(r.tenant_id);
  out.set_episode_id(r.episode_id);
  out.set_client_id(r.client_id);
  out.set_clinician_id(r.clinician_id);
  out.set_org_unit(r.org_unit);
  out.set_episode_type(ToProto(r.episode_type));
  out.set_session_number(r.session_number);
  *out.mutable_session_date() = ToProto(r.session_date);
  out.set_instrument_id(r.instrument_id);
  out.set_instrument_version(r.instrument_version);
  v1::Rater* rater = out.mutable_rater();
  rater->set_kind(r.rater.kind == domain::RaterKind::kClient
                      ? v1::Rater::KIND_CLIENT
                      : v1::Rater::KIND_COLLATERAL);
  rater->set_relation(static_cast<v1::Rater::Relation>(r.rater.relation));
  rater->set_rater_id(r.rater.rater_id);
  switch (r.answers.format) {
    case scoring::AnswerFormat::kItems:
      for (const scoring::ItemAnswer& item : r.answers.items) {
        ToProto(item, out.mutable_items()->add_items());
      }
      if (r.answers.stated_total.has_value()) {
        out.mutable_items()->set_total(FromTenths(*r.answers.stated_total));
      }
      break;
    case scoring::AnswerFormat::kTotalOnly:
      out.mutable_total_only()->set_total(FromTenths(r.answers.total));
      break;
    case scoring::AnswerFormat::kSkipped:
      out.mutable_skipped()->set_reason(r.answers.skip_reason);
      break;
  }
  if (r.client_age_years.has_value()) {
    out.set_client_age_years(*r.client_age_years);
  }
  out.set_age_band(ToProto(r.age_band));
  return out;
}

v1::CutoffOperator ToProto(scoring::CutoffOperator op) {
  return op == scoring::CutoffOperator::kBelow
             ? v1::CUTOFF_OPERATOR_BELOW
             : v1::CUTOFF_OPERATOR_AT_OR_BELOW;
}

v1::ChangeCategory ToProto(scoring::ChangeCategory category) {
  switch (category) {
    case scoring::ChangeCategory::kNotApplicable:
      return v1::CHANGE_CATEGORY_NOT_APPLICABLE;
    case scoring::ChangeCategory::kNoReliableChange:
      return v1::CHANGE_CATEGORY_NO_RELIABLE_CHANGE;
    case scoring::ChangeCategory::kReliableImprovement:
      return v1::CHANGE_CATEGORY_RELIABLE_IMPROVEMENT;
    case scoring::ChangeCategory::kReliableDeterioration:
      return v1::CHANGE_CATEGORY_RELIABLE_DETERIORATION;
    case scoring::ChangeCategory::kReliableRecovery:
      return v1::CHANGE_CATEGORY_RELIABLE_RECOVERY;
  }
  return v1::CHANGE_CATEGORY_UNSPECIFIED;
}

v1::Zone ToProto(scoring::Zone zone) {
  switch (zone) {
    case scoring::Zone::kNone:
      return v1::ZONE_UNSPECIFIED;
    case scoring::Zone::kGrey:
      return v1::ZONE_GREY;
    case scoring::Zone::kGreen:
      return v1::ZONE_GREEN;
    case scoring::Zone::kOrange:
      return v1::ZONE_ORANGE;
    case scoring::Zone::kRed:
      return v1::ZONE_RED;
  }
  return v1::ZONE_UNSPECIFIED;
}

v1::AlertKind ToProto(scoring::AlertKind kind) {
  switch (kind) {
    case scoring::AlertKind::kOrsZone:
      return v1::ALERT_KIND_ORS_ZONE;
    case scoring::AlertKind::kSrsBelowCutoff:
      return v1::ALERT_KIND_SRS_BELOW_CUTOFF;
    case scoring::AlertKind::kSrsDrop:
      return v1::ALERT_KIND_SRS_DROP;
    case scoring::AlertKind::kSrsMissing:
      return v1::ALERT_KIND_SRS_MISSING;
    case scoring::AlertKind::kSrsItemBelow:
      return v1::ALERT_KIND_SRS_ITEM_BELOW;
  }
  return v1::ALERT_KIND_UNSPECIFIED;
}

std::string ModelName(scoring::TrajectoryModel model) {
  switch (model) {
    case scoring::TrajectoryModel::kNone:
      return "none";
    case scoring::TrajectoryModel::kIntakeBand:
      return "intake-band";
    case scoring::TrajectoryModel::kLogSession:
      return "log-session";
    case scoring::TrajectoryModel::kTable:
      return "table";
  }
  return "unknown";
}

v1::Evaluation ToProto(const scoring::Evaluation& e,
                       scoring::TrajectoryModel model) {
  v1::Evaluation out;
  if (e.clinical.has_value()) {
    v1::ClinicalRange* range = out.mutable_clinical_range();
    range->set_cutoff(FromTenths(e.clinical->cutoff));
    range->set_operator_(ToProto(e.clinical->op));
    range->set_in_range(e.clinical->in_range);
  }
  if (e.change_since_intake.has_value()) {
    out.set_change_since_intake(FromTenths(*e.change_since_intake));
  }
  if (e.change_since_previous.has_value()) {
    out.set_change_since_previous(FromTenths(*e.change_since_previous));
  }
  if (e.reliable_change.has_value()) {
    out.set_reliable_change(*e.reliable_change);
  }
  out.set_change_category(ToProto(e.category));
  out.set_intake_above_cutoff(e.intake_above_cutoff);
  if (e.expected.has_value()) {
    v1::ExpectedResponse* expected = out.mutable_expected();
    expected->set_model(ModelName(model));
    expected->set_available(e.expected->available);
    expected->set_target(e.expected->target);
    expected->set_lower_bound(e.expected->lower_bound);
    expected->set_reason(e.expected->reason);
  }
  out.set_zone(ToProto(e.zone));
  for (const scoring::Alert& alert : e.alerts) {
    v1::Alert* a = out.add_alerts();
    a->set_kind(ToProto(alert.kind));
    a->set_colour(ToProto(alert.colour));
    a->set_message(alert.message);
  }
  return out;
}

void SetEvaluation(const scoring::Evaluation& evaluation,
                   const scoring::RuleSet& rules, v1::Score* score) {
  score->set_rule_set(rules.name);
  score->set_rule_set_version(rules.version);
  *score->mutable_evaluation() = ToProto(evaluation, rules.trajectory.model);
}

std::string RaterOfSeries(const std::string& series) {
  // "c-17/collateral.parent" -> "collateral.parent"
  const size_t slash = series.find('/');
  return slash == std::string::npos ? series : series.substr(slash + 1);
}

std::string ClientOfSeries(const std::string& series) {
  return series.substr(0, series.find('/'));
}

}  // namespace

absl::StatusOr<domain::Rating> FromProto(const v1::Rating& rating) {
  domain::Rating out;
  out.tenant_id = rating.tenant_id();
  out.episode_id = rating.episode_id();
  out.client_id = rating.client_id();
  out.clinician_id = rating.clinician_id();
  out.org_unit = rating.org_unit();
  ASSIGN_OR_RETURN(out.episode_type, FromProto(rating.episode_type()));
  out.session_number = rating.session_number();
  ASSIGN_OR_RETURN(out.session_date,
                   FromProto(rating.session_date(), "rating.session_date"));
  out.instrument_id = rating.instrument_id();
  out.instrument_version = rating.instrument_version();
  ASSIGN_OR_RETURN(out.rater, FromProto(rating.rater()));
  ASSIGN_OR_RETURN(out.answers, AnswersFromProto(rating));
  if (rating.has_client_age_years()) {
    out.client_age_years = rating.client_age_years();
  }
  ASSIGN_OR_RETURN(out.age_band,
                   FromProto(rating.age_band(), "rating.age_band"));
  return out;
}

absl::StatusOr<domain::Ending> FromProto(const v1::Ending& ending) {
  domain::Ending out;
  switch (ending.type()) {
    case v1::ENDING_TYPE_PLANNED:
      out.type = domain::EndingType::kPlanned;
      break;
    case v1::ENDING_TYPE_UNILATERAL:
      out.type = domain::EndingType::kUnilateral;
      break;
    default:
      return absl::InvalidArgumentError(
          "ending.type: give PLANNED or UNILATERAL");
  }
  ASSIGN_OR_RETURN(out.end_date,
                   FromProto(ending.end_date(), "ending.end_date"));
  return out;
}

v1::Administration ToProto(const domain::Administration& a) {
  v1::Administration out;
  out.set_administration_id(domain::AdministrationId(a.rating));
  *out.mutable_rating() = ToProto(a.rating);
  v1::Score* score = out.mutable_score();
  score->set_status(ToProto(a.score.status));
  if (a.score.total.has_value()) score->set_total(FromTenths(*a.score.total));
  for (const scoring::ItemAnswer& item : a.score.items) {
    ToProto(item, score->add_items());
  }
  for (const scoring::SubScore& sub : a.score.subscores) {
    v1::SubScore* s = score->add_subscores();
    s->set_key(sub.key);
    if (sub.value.has_value()) s->set_value(FromTenths(*sub.value));
    s->set_answered(sub.answered);
    s->set_eligible(sub.eligible);
    s->set_withheld_reason(sub.withheld_reason);
  }
  score->set_withheld_reason(a.score.withheld_reason);
  score->set_age_band(ToProto(a.rating.age_band));
  *out.mutable_recorded_at() = ToTimestamp(a.recorded_at);
  out.set_idempotency_key(a.idempotency_key);
  out.set_revision(a.revision);
  out.set_status(a.revision > 0 ? v1::RECORD_STATUS_AMENDED
                                : v1::RECORD_STATUS_FINAL);
  return out;
}

v1::Revision ToProto(const domain::Revision& r) {
  v1::Revision out;
  *out.mutable_version() = ToProto(r.version);
  const bool voided = r.change == domain::RevisionChange::kEnteredInError;
  if (voided)
    out.mutable_version()->set_status(v1::RECORD_STATUS_ENTERED_IN_ERROR);
  out.set_change(voided ? v1::RECORD_STATUS_ENTERED_IN_ERROR
                        : v1::RECORD_STATUS_AMENDED);
  *out.mutable_changed_at() = ToTimestamp(r.changed_at);
  out.set_changed_by(r.changed_by);
  out.set_reason(r.reason);
  out.set_change_key(r.change_key);
  return out;
}

v1::Administration ToProto(const core::SubmitResult& result) {
  v1::Administration out = ToProto(result.administration);
  if (result.rules != nullptr) {
    SetEvaluation(result.evaluation, *result.rules, out.mutable_score());
  }
  return out;
}

v1::EpisodeSummary SummaryOf(const v1::Episode& episode) {
  v1::EpisodeSummary out;
  out.set_episode_id(episode.episode_id());
  out.set_episode_type(episode.episode_type());
  *out.mutable_client_ids() = episode.client_ids();
  out.set_org_unit(episode.org_unit());
  out.set_clinician_id(episode.clinician_id());
  *out.mutable_first_session_date() = episode.first_session_date();
  *out.mutable_last_session_date() = episode.last_session_date();
  out.set_closed(episode.closed());
  int32_t sessions = 0;
  for (const v1::Administration& a : episode.administrations()) {
    sessions = std::max(sessions, a.rating().session_number());
  }
  out.set_sessions(sessions);
  // Each client's latest outcome score (administrations are in session
  // order); the summary takes the worst zone among them (red > orange >
  // green > grey).
  auto severity = [](v1::Zone z) {
    switch (z) {
      case v1::ZONE_RED:
        return 3;
      case v1::ZONE_ORANGE:
        return 2;
      case v1::ZONE_GREEN:
        return 1;
      default:
        return 0;
    }
  };
  std::map<std::string, const v1::Administration*> latest;
  for (const v1::Administration& a : episode.administrations()) {
    if (a.score().evaluation().has_expected() && a.score().has_total() &&
        a.rating().rater().kind() != v1::Rater::KIND_COLLATERAL) {
      latest[a.rating().client_id()] = &a;
    }
  }
  const v1::Administration* shown = nullptr;
  for (const auto& [client, a] : latest) {
    if (shown == nullptr || severity(a->score().evaluation().zone()) >
                                severity(shown->score().evaluation().zone())) {
      shown = a;
    }
  }
  if (shown != nullptr) {
    out.set_outcome_instrument_id(shown->rating().instrument_id());
    out.set_latest_outcome(shown->score().total());
    *out.mutable_latest_outcome_date() = shown->rating().session_date();
    out.set_zone(shown->score().evaluation().zone());
  }
  for (const v1::Administration& a : episode.administrations()) {
    if (a.rating().session_number() != sessions) continue;
    for (const v1::Alert& alert : a.score().evaluation().alerts()) {
      *out.add_alerts() = alert;
    }
  }
  return out;
}

v1::Episode ToProto(const core::EpisodeView& view) {
  const domain::Episode& e = view.episode;
  v1::Episode out;
  out.set_tenant_id(e.tenant_id);
  out.set_episode_id(e.episode_id);
  out.set_episode_type(ToProto(e.type));
  for (const std::string& id : e.client_ids) out.add_client_ids(id);
  out.set_org_unit(e.org_unit);
  out.set_clinician_id(e.clinician_id);
  *out.mutable_first_session_date() = ToProto(e.first_session_date);
  *out.mutable_last_session_date() = ToProto(e.last_session_date);
  out.set_closed(e.closed());
  if (e.ending.has_value()) {
    out.mutable_ending()->set_type(e.ending->type ==
                                           domain::EndingType::kPlanned
                                       ? v1::ENDING_TYPE_PLANNED
                                       : v1::ENDING_TYPE_UNILATERAL);
    *out.mutable_ending()->mutable_end_date() = ToProto(e.ending->end_date);
  }
  for (size_t i = 0; i < view.administrations.size(); ++i) {
    v1::Administration* a = out.add_administrations();
    *a = ToProto(view.administrations[i]);
    if (view.rules != nullptr && i < view.evaluations.size()) {
      SetEvaluation(view.evaluations[i], *view.rules, a->mutable_score());
    }
  }
  for (const scoring::SeriesOutcome& o : view.outcomes) {
    v1::SeriesOutcome* s = out.add_outcomes();
    s->set_client_id(ClientOfSeries(o.series));
    s->set_rater(RaterOfSeries(o.series));
    s->set_instrument_id(o.instrument_id);
    s->set_pre_session(o.pre_session);
    s->set_post_session(o.post_session);
    s->set_pre(FromTenths(o.pre));
    s->set_post(FromTenths(o.post));
    if (o.effect_size.has_value()) s->set_effect_size(*o.effect_size);
    if (o.severity_adjusted_effect_size.has_value()) {
      s->set_severity_adjusted_effect_size(*o.severity_adjusted_effect_size);
    }
    s->set_change_category(ToProto(o.category));
    s->set_intake_above_cutoff(o.intake_above_cutoff);
    s->set_reached_target(o.reached_target);
    s->set_last_zone(ToProto(o.last_zone));
  }
  if (view.rules != nullptr) {
    out.set_rule_set(view.rules->name);
    out.set_rule_set_version(view.rules->version);
  }
  for (const domain::Revision& r : view.history) {
    *out.add_history() = ToProto(r);
  }
  return out;
}

v1::RuleSetInfo ToProto(const scoring::RuleSet& rules) {
  v1::RuleSetInfo out;
  out.set_name(rules.name);
  out.set_version(rules.version);
  out.set_description(rules.description);
  for (const scoring::CutoffRule& c : rules.cutoffs) {
    v1::CutoffInfo* info = out.add_cutoffs();
    info->set_instrument_id(c.instrument_id);
    info->set_age_band(c.age_band.has_value() ? ToProto(*c.age_band)
                                              : v1::AGE_BAND_UNSPECIFIED);
    info->set_value(FromTenths(c.value));
    info->set_operator_(ToProto(c.op));
    info->set_verified(c.verified);
    info->set_source(c.source);
  }
  for (const scoring::ReliableChangeRule& r : rules.reliable_change) {
    v1::ReliableChangeInfo* info = out.add_reliable_change();
    info->set_instrument_id(r.instrument_id);
    info->set_points(scoring::ReliableChangePoints(rules, r).value_or(0));
    switch (r.kind) {
      case scoring::ReliableChangeKind::kPoints:
        info->set_definition(absl::StrCat(r.points, " points"));
        break;
      case scoring::ReliableChangeKind::kJacobsonTruax:
        info->set_definition(
            absl::StrCat("Jacobson-Truax: 1.96 x sqrt(2) x SD ", r.sd,
                         " x sqrt(1 - r ", r.reliability, ")"));
        break;
      case scoring::ReliableChangeKind::kEffectSize:
        info->set_definition(absl::StrCat(r.effect_size, " SD"));
        break;
    }
    info->set_verified(r.verified);
    info->set_source(r.source);
  }
  for (const auto& [instrument, sd] : rules.effect_size_sd) {
    v1::EffectSizeSdInfo* info = out.add_effect_size_sd();
    info->set_instrument_id(instrument);
    info->set_sd(sd.sd);
    info->set_verified(sd.verified);
    info->set_source(sd.source);
  }
  out.set_trajectory_model(ModelName(rules.trajectory.model));
  out.set_intake_window(FromTenths(rules.trajectory.intake_window));
  out.set_min_episodes(rules.trajectory.min_episodes);
  out.set_lower_bound_sd(rules.trajectory.lower_bound_sd);
  const scoring::AlertRules& a = rules.alerts;
  out.set_alert_ors_zone(a.ors_zone);
  out.set_alert_srs_below_cutoff(a.srs_below_cutoff);
  out.set_alert_srs_drop(a.srs_drop);
  out.set_srs_drop_points(FromTenths(a.srs_drop_points));
  out.set_alert_srs_missing(a.srs_missing);
  out.set_alert_srs_item_below(a.srs_item_below);
  out.set_srs_item_threshold(FromTenths(a.srs_item_threshold));
  return out;
}

v1::InstrumentDefinition ToProto(const scoring::InstrumentDefinition& d) {
  v1::InstrumentDefinition out;
  out.set_id(d.id);
  out.set_version(d.version);
  out.set_current(d.current);
  out.set_family(d.family);
  out.set_title(d.title);
  out.set_measures(d.measures);
  out.set_snomed_ct_code(d.snomed_ct_code);
  out.set_scored(d.scored());
  out.set_higher_is_better(d.higher_is_better);
  out.set_accepts_total_only(d.accepts_total_only);
  switch (d.method) {
    case scoring::ScoringMethod::kSumOfItems:
      out.set_scoring("sum");
      out.set_total_min(FromTenths(d.total_min()));
      out.set_total_max(FromTenths(d.total_max()));
      break;
    case scoring::ScoringMethod::kUnscored:
      out.set_scoring("unscored");
      break;
    case scoring::ScoringMethod::kSectionMeans:
      out.set_scoring("section-means");
      out.set_total_min(0);
      out.set_total_max(100);
      break;
  }
  for (const scoring::SectionDefinition& section : d.sections) {
    v1::SectionDefinition* s = out.add_sections();
    s->set_key(section.key);
    s->set_min_answered(section.min_answered);
    s->set_by_domain(section.by_domain);
    s->set_min_answered_per_domain(section.min_answered_per_domain);
  }
  out.set_primary_section(d.primary_section);
  for (const scoring::ItemDefinition& item : d.items) {
    v1::ItemDefinition* i = out.add_items();
    i->set_key(item.key);
    i->set_min(FromTenths(item.min));
    i->set_max(FromTenths(item.max));
    i->set_step(FromTenths(item.step));
    i->set_importance_gate(item.importance_gate);
    i->set_reverse_scored(item.reverse_scored);
    i->set_domain(item.domain);
    i->set_section(item.section);
  }
  return out;
}

const char* AlertKindName(scoring::AlertKind kind) {
  switch (kind) {
    case scoring::AlertKind::kOrsZone:
      return "ors_zone";
    case scoring::AlertKind::kSrsBelowCutoff:
      return "srs_below_cutoff";
    case scoring::AlertKind::kSrsDrop:
      return "srs_drop";
    case scoring::AlertKind::kSrsMissing:
      return "srs_missing";
    case scoring::AlertKind::kSrsItemBelow:
      return "srs_item_below";
  }
  return "other";
}

const char* ZoneName(scoring::Zone zone) {
  switch (zone) {
    case scoring::Zone::kGreen:
      return "green";
    case scoring::Zone::kOrange:
      return "orange";
    case scoring::Zone::kRed:
      return "red";
    default:
      return "grey";
  }
}

v1::Caller ToProto(const auth::Principal& principal) {
  v1::Caller caller;
  caller.set_authenticated(true);
  caller.set_name(principal.name);
  caller.set_tenant_id(principal.tenant_id);
  caller.set_clinician_id(principal.clinician_id);
  caller.set_org_unit(principal.org_unit);
  caller.set_clinician_figures(auth::ReadsClinicianFigures(principal));
  switch (principal.role) {
    case auth::Role::kClinician:
      caller.set_role(v1::CALLER_ROLE_CLINICIAN);
      break;
    case auth::Role::kIntegration:
      caller.set_role(v1::CALLER_ROLE_INTEGRATION);
      break;
    case auth::Role::kQuality:
      caller.set_role(v1::CALLER_ROLE_QUALITY);
      break;
    case auth::Role::kAdmin:
      caller.set_role(v1::CALLER_ROLE_ADMIN);
      break;
  }
  return caller;
}

}  // namespace tilbake::api

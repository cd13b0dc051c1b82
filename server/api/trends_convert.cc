#include "server/api/trends_convert.h"

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace tilbake::api {
namespace {

void SetOptional(const std::optional<double>& value,
                 void (v1::OutcomeFigures::*setter)(double),
                 v1::OutcomeFigures* out) {
  if (value.has_value()) (out->*setter)(*value);
}

}  // namespace

absl::StatusOr<core::TrendQuery> QueryFromProto(
    const v1::QueryTrendsRequest& r) {
  core::TrendQuery q;
  q.tenant_id = r.tenant_id();
  q.org_unit = r.org_unit();
  q.clinician_id = r.clinician_id();
  q.instruments.assign(r.instrument_ids().begin(), r.instrument_ids().end());
  if (r.age_band() != v1::AGE_BAND_UNSPECIFIED) {
    ASSIGN_OR_RETURN(q.age_band, FromProto(r.age_band(), "age_band"));
  }
  ASSIGN_OR_RETURN(q.from, FromProto(r.from(), "from"));
  ASSIGN_OR_RETURN(q.to, FromProto(r.to(), "to"));
  switch (r.bucket()) {
    case v1::TREND_BUCKET_WEEK:
      q.bucket = core::BucketSize::kWeek;
      break;
    case v1::TREND_BUCKET_UNSPECIFIED:
    case v1::TREND_BUCKET_MONTH:
      q.bucket = core::BucketSize::kMonth;
      break;
    case v1::TREND_BUCKET_QUARTER:
      q.bucket = core::BucketSize::kQuarter;
      break;
    case v1::TREND_BUCKET_YEAR:
      q.bucket = core::BucketSize::kYear;
      break;
    case v1::TREND_BUCKET_WHOLE_PERIOD:
      q.bucket = core::BucketSize::kWholePeriod;
      break;
    default:
      return absl::InvalidArgumentError("bucket: unknown value");
  }
  for (int g : r.group_by()) {
    switch (g) {
      case v1::TREND_GROUP_BY_ORG_UNIT:
        q.group_by.insert(core::GroupBy::kOrgUnit);
        break;
      case v1::TREND_GROUP_BY_CLINICIAN:
        q.group_by.insert(core::GroupBy::kClinician);
        break;
      case v1::TREND_GROUP_BY_INSTRUMENT:
        q.group_by.insert(core::GroupBy::kInstrument);
        break;
      case v1::TREND_GROUP_BY_AGE_BAND:
        q.group_by.insert(core::GroupBy::kAgeBand);
        break;
      default:
        return absl::InvalidArgumentError("group_by: unknown value");
    }
  }
  if (r.org_unit_depth() < 0) {
    return absl::InvalidArgumentError("org_unit_depth: must not be negative");
  }
  q.org_unit_depth = r.org_unit_depth();
  return q;
}

v1::OutcomeFigures ToProto(const core::OutcomeFigures& f) {
  v1::OutcomeFigures out;
  out.set_series(f.series);
  out.set_suppressed(f.suppressed);
  if (f.distinct_clients) out.set_distinct_clients(*f.distinct_clients);
  SetOptional(f.mean_intake, &v1::OutcomeFigures::set_mean_intake, &out);
  SetOptional(f.mean_latest, &v1::OutcomeFigures::set_mean_latest, &out);
  SetOptional(f.mean_change, &v1::OutcomeFigures::set_mean_change, &out);
  SetOptional(f.effect_size, &v1::OutcomeFigures::set_effect_size, &out);
  SetOptional(f.severity_adjusted_effect_size,
              &v1::OutcomeFigures::set_severity_adjusted_effect_size, &out);
  SetOptional(f.relative_effect_size,
              &v1::OutcomeFigures::set_relative_effect_size, &out);
  SetOptional(f.pct_improved, &v1::OutcomeFigures::set_pct_reliable_improvement,
              &out);
  SetOptional(f.pct_deteriorated,
              &v1::OutcomeFigures::set_pct_reliable_deterioration, &out);
  SetOptional(f.pct_recovered, &v1::OutcomeFigures::set_pct_reliable_recovery,
              &out);
  SetOptional(f.pct_reached_target, &v1::OutcomeFigures::set_pct_reached_target,
              &out);
  out.set_planned_endings(f.planned);
  out.set_unilateral_endings(f.unilateral);
  out.set_unilateral_with_effect(f.unilateral_with_effect);
  out.set_unilateral_without_effect(f.unilateral - f.unilateral_with_effect);
  SetOptional(f.mean_sessions, &v1::OutcomeFigures::set_mean_sessions, &out);
  SetOptional(f.mean_days, &v1::OutcomeFigures::set_mean_days, &out);
  SetOptional(f.mean_first_alliance,
              &v1::OutcomeFigures::set_mean_first_alliance, &out);
  return out;
}

v1::ActivityFigures ToProto(const core::ActivityFigures& a) {
  v1::ActivityFigures out;
  out.set_administrations(a.administrations);
  out.set_completed(a.completed);
  out.set_collateral(a.collateral);
  if (a.mean_score) out.set_mean_score(*a.mean_score);
  out.set_in_clinical_range(a.in_clinical_range);
  if (a.pct_in_clinical_range) {
    out.set_pct_in_clinical_range(*a.pct_in_clinical_range);
  }
  out.set_sessions(a.sessions);
  out.set_episodes_started(a.episodes_started);
  if (a.pct_sessions_with_outcome) {
    out.set_pct_sessions_with_ors(*a.pct_sessions_with_outcome);
  }
  if (a.pct_sessions_with_alliance) {
    out.set_pct_sessions_with_srs(*a.pct_sessions_with_alliance);
  }
  if (a.pct_sessions_with_inspire) {
    out.set_pct_sessions_with_inspire(*a.pct_sessions_with_inspire);
  }
  return out;
}

v1::TrendRow ToProto(const core::TrendRow& r, const std::string& rule_set) {
  v1::TrendRow out;
  out.set_org_unit(r.org_unit);
  out.set_clinician_id(r.clinician_id);
  out.set_instrument_id(r.instrument_id);
  out.set_age_band(ToProto(r.age_band));
  *out.mutable_bucket_start() = ToProto(r.start);
  *out.mutable_bucket_end() = ToProto(r.end);
  *out.mutable_activity() = ToProto(r.activity);
  *out.mutable_all() = ToProto(r.all);
  *out.mutable_intake_below_cutoff() = ToProto(r.intake_below_cutoff);
  *out.mutable_intake_above_cutoff() = ToProto(r.intake_above_cutoff);
  out.set_collateral_series(r.collateral_series);
  out.set_rule_set(rule_set);
  out.set_activity_suppressed(r.activity_suppressed);
  if (r.distinct_clients) out.set_distinct_clients(*r.distinct_clients);
  return out;
}

v1::QualityReport ToProto(const core::QualityReport& r) {
  v1::QualityReport report;
  report.set_tenant_id(r.tenant_id);
  report.set_org_unit(r.org_unit);
  report.set_rule_set(r.rule_set);
  report.set_small_cell_threshold(static_cast<int32_t>(r.min_clients));
  *report.mutable_from() = ToProto(r.from);
  *report.mutable_to() = ToProto(r.to);
  if (r.totals.has_value()) {
    const v1::ActivityFigures a = ToProto(r.totals->activity);
    report.set_episodes_started(a.episodes_started());
    report.set_sessions(a.sessions());
    if (a.has_pct_sessions_with_ors()) {
      report.set_pct_sessions_with_ors(a.pct_sessions_with_ors());
    }
    if (a.has_pct_sessions_with_srs()) {
      report.set_pct_sessions_with_srs(a.pct_sessions_with_srs());
    }
    if (a.has_pct_sessions_with_inspire()) {
      report.set_pct_sessions_with_inspire(a.pct_sessions_with_inspire());
    }
    report.set_collateral_administrations(a.collateral());
  }
  for (const core::TrendRow& row : r.recovery_support) {
    v1::MeanScore* score = report.add_recovery_support();
    score->set_instrument_id(row.instrument_id);
    score->set_completed(row.activity.completed);
    if (row.activity.mean_score) score->set_mean(*row.activity.mean_score);
  }
  for (const core::TrendRow& row : r.alliance) {
    v1::AllianceShare* share = report.add_alliance();
    share->set_instrument_id(row.instrument_id);
    share->set_suppressed(row.activity_suppressed);
    share->set_completed(row.activity.completed);
    share->set_below_cutoff(row.activity.in_clinical_range);
    if (row.activity.pct_in_clinical_range) {
      share->set_pct_below_cutoff(*row.activity.pct_in_clinical_range);
    }
  }
  for (const core::QualityReport::Outcomes& outcomes : r.outcomes) {
    const core::TrendRow& row = outcomes.row;
    v1::OutcomeIndices* o = report.add_outcomes();
    o->set_instrument_id(row.instrument_id);
    const v1::OutcomeFigures all = ToProto(row.all);
    o->set_episodes(all.series());
    if (all.has_distinct_clients()) {
      o->set_distinct_clients(all.distinct_clients());
    }
    o->set_collateral_series(row.collateral_series);
    if (all.has_mean_first_alliance()) {
      o->set_mean_intake_srs(all.mean_first_alliance());
    }
    if (all.has_mean_sessions()) o->set_mean_sessions(all.mean_sessions());
    if (all.has_mean_days()) o->set_mean_days(all.mean_days());
    if (all.has_effect_size()) o->set_effect_size(all.effect_size());
    if (all.has_severity_adjusted_effect_size()) {
      o->set_severity_adjusted_effect_size(all.severity_adjusted_effect_size());
    }
    if (all.has_relative_effect_size()) {
      o->set_relative_effect_size(all.relative_effect_size());
    }
    if (all.has_pct_reached_target()) {
      o->set_pct_reached_target(all.pct_reached_target());
    }
    o->set_planned_endings(all.planned_endings());
    o->set_unilateral_with_effect(all.unilateral_with_effect());
    o->set_unilateral_without_effect(all.unilateral_without_effect());
    *o->mutable_all() = all;
    *o->mutable_intake_below_cutoff() = ToProto(row.intake_below_cutoff);
    *o->mutable_intake_above_cutoff() = ToProto(row.intake_above_cutoff);
    for (const core::TrendRow& band : outcomes.age_bands) {
      v1::AgeBandFigures* b = o->add_by_age_band();
      b->set_age_band(ToProto(band.age_band));
      b->set_clients(band.all.series);
      if (band.all.distinct_clients) {
        b->set_distinct_clients(*band.all.distinct_clients);
      }
      if (band.all.mean_intake) b->set_mean_intake(*band.all.mean_intake);
    }
  }
  return report;
}

}  // namespace tilbake::api

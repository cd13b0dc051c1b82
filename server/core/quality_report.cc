#include "server/core/quality_report.h"

#include "common/status_macros.h"

namespace tilbake::core {

absl::StatusOr<QualityReport> BuildQualityReport(
    const TrendService& trends, const scoring::InstrumentCatalog& catalog,
    const scoring::RuleSetRegistry& rule_sets, const std::string& tenant_id,
    const std::string& org_unit, absl::CivilDay from, absl::CivilDay to,
    int64_t min_clients) {
  TrendQuery whole;
  whole.tenant_id = tenant_id;
  whole.org_unit = org_unit;
  whole.from = from;
  whole.to = to;
  whole.bucket = BucketSize::kWholePeriod;
  TrendQuery by_instrument = whole;
  by_instrument.group_by = {GroupBy::kInstrument};
  TrendQuery by_band = whole;
  by_band.group_by = {GroupBy::kInstrument, GroupBy::kAgeBand};

  ASSIGN_OR_RETURN(std::vector<TrendRow> totals, trends.Query(whole));
  ASSIGN_OR_RETURN(std::vector<TrendRow> instruments,
                   trends.Query(by_instrument));
  ASSIGN_OR_RETURN(std::vector<TrendRow> bands, trends.Query(by_band));
  if (min_clients > 0) {
    for (auto* rows : {&totals, &instruments, &bands}) {
      for (TrendRow& row : *rows) SuppressSmallCells(row, min_clients);
    }
  }

  QualityReport report;
  report.tenant_id = tenant_id;
  report.org_unit = org_unit;
  report.from = from;
  report.to = to;
  report.rule_set = rule_sets.ForTenant(tenant_id).name;
  report.min_clients = min_clients;
  if (!totals.empty()) report.totals = totals.front();
  for (const TrendRow& row : instruments) {
    absl::StatusOr<const scoring::InstrumentDefinition*> d =
        catalog.Find(row.instrument_id, "");
    if (d.ok() && (*d)->family == scoring::kInspireFamily &&
        (*d)->measures != scoring::kOutcomeMeasures) {
      report.recovery_support.push_back(row);
    }
    if (d.ok() && (*d)->family == scoring::kFitFamily &&
        (*d)->measures == scoring::kAllianceMeasures &&
        (row.activity.completed > 0 || row.activity_suppressed)) {
      report.alliance.push_back(row);
    }
    if (row.all.series == 0 && row.collateral_series == 0) continue;
    QualityReport::Outcomes outcomes{row, {}};
    for (const TrendRow& band : bands) {
      if (band.instrument_id == row.instrument_id && band.all.series > 0) {
        outcomes.age_bands.push_back(band);
      }
    }
    report.outcomes.push_back(std::move(outcomes));
  }
  return report;
}

}  // namespace tilbake::core

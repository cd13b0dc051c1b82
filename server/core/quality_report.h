#ifndef TILBAKE_SERVER_CORE_QUALITY_REPORT_H_
#define TILBAKE_SERVER_CORE_QUALITY_REPORT_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "scoring/instrument.h"
#include "scoring/rule_set.h"
#include "server/core/trends.h"

namespace tilbake::core {

// What a quality group reads for one period and org unit: activity over
// the whole period, recovery-support means (INSPIRE), and per instrument the
// outcome indices with their age bands. Plain figures; server/api turns
// them into the API's QualityReport.
struct QualityReport {
  std::string tenant_id, org_unit;
  absl::CivilDay from, to;  // As asked, with data or without.
  std::string rule_set;     // The tenant's.
  int64_t min_clients = 0;  // The small-cell threshold applied (0: none).
  // The whole period, every instrument; none when nothing was recorded.
  std::optional<TrendRow> totals;
  // INSPIRE's recovery-support forms: completed count and mean score.
  std::vector<TrendRow> recovery_support;
  // FIT alliance forms (SRS family): completed, and in the concern range.
  std::vector<TrendRow> alliance;
  struct Outcomes {
    TrendRow row;                     // One instrument over the whole period.
    std::vector<TrendRow> age_bands;  // Its age bands with outcome series.
  };
  std::vector<Outcomes> outcomes;  // Instruments with outcome series.
};

// The report for `tenant_id` and `org_unit` over [from, to]. With
// `min_clients` above 0, figures from fewer clients are left out
// (SuppressSmallCells). InvalidArgument as TrendService::Query.
absl::StatusOr<QualityReport> BuildQualityReport(
    const TrendService& trends, const scoring::InstrumentCatalog& catalog,
    const scoring::RuleSetRegistry& rule_sets, const std::string& tenant_id,
    const std::string& org_unit, absl::CivilDay from, absl::CivilDay to,
    int64_t min_clients);

}  // namespace tilbake::core

#endif  // TILBAKE_SERVER_CORE_QUALITY_REPORT_H_

#ifndef TILBAKE_SERVER_CORE_TRENDS_H_
#define TILBAKE_SERVER_CORE_TRENDS_H_

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "analytics/aggregates.h"
#include "scoring/rule_set.h"
#include "storage/store.h"

namespace tilbake::core {

enum class BucketSize { kWeek, kMonth, kQuarter, kYear, kWholePeriod };
enum class GroupBy { kOrgUnit, kClinician, kInstrument, kAgeBand };

struct TrendQuery {
  std::string tenant_id;
  std::string org_unit;      // A department includes its teams; empty: all.
  std::string clinician_id;  // Empty: all.
  std::vector<std::string> instruments;  // Empty: all.
  std::optional<scoring::AgeBand> age_band;
  absl::CivilDay from;  // Widened to whole weeks (weekly) or whole months.
  absl::CivilDay to;
  BucketSize bucket = BucketSize::kMonth;
  std::set<GroupBy> group_by;
  int org_unit_depth = 0;  // Group org units by their first N levels; 0: as is.
};

// Pre–post figures of closed episodes' outcome series.
struct OutcomeFigures {
  int64_t series = 0;
  // The clients those series are of, each once however many episodes of
  // theirs ended in the row. Unknown (nullopt) when the query filters by
  // several instruments without grouping by instrument: distinct counts do
  // not add up over instruments, and only single instruments and "every
  // instrument" are kept.
  std::optional<int64_t> distinct_clients;
  std::optional<double> mean_intake, mean_latest, mean_change;
  std::optional<double> effect_size;  // mean of (post − pre) / SD
  std::optional<double>
      severity_adjusted_effect_size;           // mean (post − target)/SD
  std::optional<double> relative_effect_size;  // actual / expected change
  std::optional<double> pct_improved, pct_deteriorated, pct_recovered;
  std::optional<double> pct_reached_target;
  int64_t planned = 0, unilateral = 0, unilateral_with_effect = 0;
  std::optional<double> mean_sessions, mean_days, mean_first_alliance;
  // Left out: from fewer clients than the small-cell threshold.
  bool suppressed = false;
};

struct ActivityFigures {
  int64_t administrations = 0, completed = 0, collateral = 0;
  std::optional<double> mean_score;  // Of completed forms (one instrument!)
  // Completed forms in the clinical range (alliance: below the cutoff), and
  // their share of the completed forms (one instrument!).
  int64_t in_clinical_range = 0;
  std::optional<double> pct_in_clinical_range;
  int64_t sessions = 0, episodes_started = 0;
  std::optional<double> pct_sessions_with_outcome, pct_sessions_with_alliance,
      pct_sessions_with_inspire;
};

struct TrendRow {
  std::string org_unit, clinician_id, instrument_id;  // "" when not grouped
  scoring::AgeBand age_band = scoring::AgeBand::kUnspecified;
  absl::CivilDay start, end;
  ActivityFigures activity;
  OutcomeFigures all, intake_below_cutoff, intake_above_cutoff;
  int64_t collateral_series = 0;
  // At least this many clients' series have administrations counted in
  // `activity` (the most in any one instrument and bucket read; a client
  // with two episodes in one bucket counts twice).
  int64_t clients = 0;
  // Exactly how many clients have a form of their own in the row (the
  // activity figures' people), each once; nullopt as for
  // OutcomeFigures::distinct_clients.
  std::optional<int64_t> distinct_clients;
  // The activity figures were left out (clients below the threshold).
  bool activity_suppressed = false;
};

// Small cells: figures computed from fewer than `min_clients` clients are
// left out for readers who are not the clinician of the episode, as health
// statistics do: a cell of one client is that client's exact score. The
// activity figures go when row.clients < min_clients; each outcome block
// when its series do; collateral series likewise. Marked as suppressed.
// Where the distinct clients are known they are the count compared (a
// client with two episodes is one person).
void SuppressSmallCells(TrendRow& row, int64_t min_clients);

// Trend figures from the maintained aggregates: the cost of a query depends
// on the org units and buckets asked for, never on how many ratings exist.
// Thread-safe (reads only).
class TrendService {
 public:
  TrendService(const storage::Store* store,
               const scoring::RuleSetRegistry* rule_sets);

  // InvalidArgument naming the field for a bad query (from after to, a bad
  // org unit, more than 520 buckets).
  absl::StatusOr<std::vector<TrendRow>> Query(const TrendQuery& query) const;

 private:
  const storage::Store* store_;
  const scoring::RuleSetRegistry* rule_sets_;
};

}  // namespace tilbake::core

#endif  // TILBAKE_SERVER_CORE_TRENDS_H_

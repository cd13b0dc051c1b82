#ifndef TILBAKE_ANALYTICS_AGGREGATES_H_
#define TILBAKE_ANALYTICS_AGGREGATES_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "absl/time/civil_time.h"
#include "domain/types.h"
#include "scoring/age_band.h"
#include "scoring/evaluation.h"

// What each rating, session and closed episode adds to the trend aggregates,
// as pure functions: the incremental path (core) and the full rebuild both
// call them, so "rebuild equals incremental" holds by construction and is
// tested. All aggregates are sums, never means: figures are derived at query
// time, and a contribution can be subtracted exactly.
namespace tilbake::analytics {

// What a cell counts.
enum class CellKind : char {
  kAdministration = 'A',  // By session date; the administration's own dims.
  kSession = 'S',         // By session date; the episode's org unit and
                          // clinician, any age band, instrument "".
  kEpisode = 'E',         // Closed-episode outcomes, by the ending date.
  // Distinct clients (analytics/distinct_clients.h), not additive over
  // cells: of one org unit ("In") or of an org unit and every unit below it
  // ("Below", also "" for the whole tenant).
  kClientsSeenIn = 'C',  // Clients with a form of their own.
  kClientsSeenBelow = 'c',
  kClientsEndedIn = 'X',  // Clients with an outcome series that ended.
  kClientsEndedBelow = 'x',
};

// Every cell is kept per ISO week, calendar month and calendar year: a
// query reads the coarsest cells that fit its period, so a three-year query
// reads three year cells per group, not 36 month cells.
enum class Granularity : char { kWeek = 'W', kMonth = 'M', kYear = 'Y' };

// Every cell is kept per clinician and as the total of its org unit (all
// its clinicians, clinician_id ""): a query that neither filters nor groups
// by clinician reads the unit totals, a fraction of the cells.
enum class CellScope : char { kClinician = 'c', kUnitTotal = 'u' };

// Whether `kind` counts distinct clients (analytics/distinct_clients.h).
bool IsDistinctKind(CellKind kind);

// The scope of a distinct-client cell says which of the clinician, the
// instrument and the age band it keeps ('0' + bits 1, 2, 4; the others
// count every value), so a query reads only the cells of its own pattern:
// a tenant-wide row reads one cell a bucket, not every instrument's and
// age band's beside it.
CellScope DistinctScope(bool clinician, bool instrument, bool age_band);

using domain::FrozenOutcome;
using domain::IntakeClass;  // '-' for A and S cells.

struct CellKey {
  CellKind kind = CellKind::kAdministration;
  Granularity granularity = Granularity::kMonth;
  std::string org_unit;
  int32_t bucket = 0;  // See BucketOf.
  std::string instrument_id;
  std::string clinician_id;
  scoring::AgeBand age_band = scoring::AgeBand::kUnspecified;
  IntakeClass intake_class = IntakeClass::kNone;

  // In-memory order only (stored keys have their own layout, keys.h): the
  // small fields first, so most comparisons end before any string.
  auto Tie() const {
    return std::tie(kind, granularity, bucket, age_band, intake_class, org_unit,
                    instrument_id, clinician_id);
  }
  bool operator<(const CellKey& o) const { return Tie() < o.Tie(); }
  bool operator==(const CellKey& o) const { return Tie() == o.Tie(); }
};

// Field positions in each kind's sum vector. Append only: stored cells of an
// older, shorter layout read as zeros in the new fields.
namespace admin {
enum : size_t {
  kRecorded,    // administrations recorded (skipped included)
  kCompleted,   // with a total
  kTotalSum,    // Σ total (tenths)
  kTotalSq,     // Σ total² (tenths²)
  kCollateral,  // by a collateral rater
  // Client-rated series (episode, client) with an administration in this
  // cell, each counted once: how many clients the cell's figures come from
  // (for small-cell suppression; exact per cell, not additive over cells).
  kClientSeries,
  // Completed forms in the clinical range under the tenant's rule set; for
  // an alliance form (SRS), below the alliance cutoff.
  kInClinicalRange,
  kFields
};
}  // namespace admin
namespace session {
enum : size_t {
  kRecorded,           // client sessions with any form by the client
  kOutcomeCompleted,   // … with a FIT outcome form completed (ORS/CORS)
  kAllianceCompleted,  // … with a FIT alliance form completed (SRS family)
  kInspireCompleted,   // … with an INSPIRE form completed
  kEpisodesStarted,    // episodes whose first session falls here
  kFields
};
}  // namespace session
namespace episode {
enum : size_t {
  kSeries,     // outcome series of closed episodes
  kIntakeSum,  // Σ intake (tenths)
  kIntakeSq,
  kLatestSum,  // Σ last score
  kLatestSq,
  kChangeSum,  // Σ (last − intake)
  kChangeSq,
  kWithExpected,   // series with a target at the last session
  kVsExpectedSum,  // Σ (last − target), tenths, rounded
  kImproved,       // reliable improvement (recovery not included)
  kDeteriorated,
  kRecovered,             // reliable recovery / clinically significant change
  kReachedTarget,         // last score green
  kPlanned,               // planned / mutual ending
  kUnilateral,            // unilateral ending (dropout)
  kUnilateralWithEffect,  // … after reliable improvement or recovery
  kSessionsSum,           // Σ sessions in the episode
  kDaysSum,               // Σ days from first session to the ending
  kFirstAllianceSum,      // Σ the client's first alliance total in the episode
  kFirstAllianceCount,
  kChangeWithExpectedSum,  // Σ (last − intake) of series with a target
  kFields
};
}  // namespace episode

using Sums = std::vector<int64_t>;
using Cells = std::map<CellKey, Sums>;

size_t FieldCount(CellKind kind);

// Adds `sums` (multiplied by `sign`) into `cell` field by field, growing it
// as the sum merge operator does (a shorter layout ends in zeros).
void AddInto(Sums& cell, const Sums& sums, int sign = 1);

// Bucket index of `day`: the year; months since year 0 (year·12 + month −
// 1); or weeks since 1970-01-05 (a Monday) for ISO weeks.
int32_t BucketOf(Granularity granularity, absl::CivilDay day);
// First and last day of a bucket.
absl::CivilDay BucketStart(Granularity granularity, int32_t bucket);
absl::CivilDay BucketEnd(Granularity granularity, int32_t bucket);

// Adds `sums` (multiplied by `sign`) to `cells[key]` in every granularity
// (the week, month and year of `day`) and scope (the key's clinician and,
// with clinician_id "", its org unit's total).
void AddToEveryGranularity(Cells& cells, CellKey key, absl::CivilDay day,
                           const Sums& sums, int sign = 1);

// What one administration adds (A cells). `in_clinical_range`: its total is
// in the clinical range (the caller applies the tenant's rule set). `earlier`
// are the administrations of the same episode already added:
// a.kClientSeries counts the client's series once per cell, where no earlier
// one of the client fell into it.
void AddAdministration(const domain::Administration& a, bool in_clinical_range,
                       const std::vector<domain::Administration>& earlier,
                       Cells& cells);

// The session flags of one client session, from its administrations.
struct SessionFlags {
  bool recorded = false;
  bool outcome_completed = false;
  bool alliance_completed = false;
  bool inspire_completed = false;
};
// `forms` are (family, measures, has total, collateral) of one session's
// administrations by one client.
struct FormInfo {
  std::string family;
  std::string measures;
  bool completed = false;
  bool collateral = false;
};
SessionFlags FlagsOf(const std::vector<FormInfo>& forms);

// The change to S cells when a session's flags go from `before` to `after`.
void AddSessionChange(const domain::Episode& episode, absl::CivilDay day,
                      const SessionFlags& before, const SessionFlags& after,
                      Cells& cells);

// The change when an episode's first session date moves (nullopt: none
// before, i.e. the episode starts).
void AddEpisodeStart(const domain::Episode& episode,
                     std::optional<absl::CivilDay> old_first,
                     absl::CivilDay new_first, Cells& cells);

// What a closed episode adds (E cells): one set per frozen series.
// `sessions` counts the episode's distinct session numbers;
// `first_alliance` is the client's first alliance total, if any.
void AddClosedEpisode(const domain::Episode& episode,
                      const std::vector<FrozenOutcome>& outcomes,
                      int64_t sessions,
                      std::optional<scoring::Tenths> first_alliance,
                      Cells& cells);

}  // namespace tilbake::analytics

#endif  // TILBAKE_ANALYTICS_AGGREGATES_H_

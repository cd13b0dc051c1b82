#ifndef TILBAKE_ANALYTICS_DISTINCT_CLIENTS_H_
#define TILBAKE_ANALYTICS_DISTINCT_CLIENTS_H_

#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "analytics/aggregates.h"
#include "domain/types.h"

// Distinct clients per trend row, exactly, for any period, at a cost that
// grows with the period's buckets and never with the history before it.
//
// A client is "present" under a cell's dimensions in a month when a fact of
// theirs falls there. Per dimensions, month and year, a cell holds
//   sums[0]  the clients present in the bucket, and
//   sums[d]  (d >= 1) those of them whose previous presence month, before
//            the bucket's first month, was d months earlier.
// The clients present in months [a, b] are then, over the month and year
// cells that tile the period, Σ sums[0] − Σ_{d=1}^{start − a} sums[d]: each
// client counts at the first cell of the period they are present in, and
// every later cell takes them out again because their previous presence
// lies inside the period (docs/trends.md has the proof and an example).
// Week cells hold sums[0] only (a weekly row is one week), and exist for
// every instrument and every age band only: a client's every new week
// would otherwise write four times the cells (each instrument and age band
// beside "every"), and a weekly count is nearly the week's client sessions.
//
// Distinct counts do not add up over org units, clinicians, instruments or
// age bands, so every combination a query can ask for is its own cell: the
// org unit itself ("In" kinds) and each of its ancestors and the tenant
// ("Below" kinds, org unit "" for the tenant), the clinician and every
// clinician (""), the instrument and every instrument (""), the age band
// and every age band (kAnyAgeBand), and for outcome series the intake class
// and every class (IntakeClass::kNone).
//
// A client's cells are a function of that client's facts alone, so cells
// are sums over clients: a change to one client (a rating, a correction, an
// erasure) moves them by Cells(facts after) − Cells(facts before), and a
// rebuild from raw records gives the same cells.
namespace tilbake::analytics {

// Who is counted.
enum class Population : char {
  kSeen = 's',   // Clients with a form of their own, by its session date.
  kEnded = 'e',  // Clients with an outcome series of an episode that ended
                 // (not a collateral rater's), by the ending date.
};

// The age band of a distinct-client cell that counts every age band.
inline constexpr scoring::AgeBand kAnyAgeBand =
    static_cast<scoring::AgeBand>('*');

// One thing a client did, with the dimensions it counts under.
struct PresenceFact {
  Population population = Population::kSeen;
  std::string org_unit;
  std::string clinician_id;
  std::string instrument_id;
  scoring::AgeBand age_band = scoring::AgeBand::kUnspecified;
  domain::IntakeClass intake_class = domain::IntakeClass::kNone;  // kEnded
  absl::CivilDay day;

  auto Tie() const {
    return std::tie(population, org_unit, clinician_id, instrument_id, age_band,
                    intake_class, day);
  }
  bool operator<(const PresenceFact& o) const { return Tie() < o.Tie(); }
  bool operator==(const PresenceFact& o) const { return Tie() == o.Tie(); }
};

// A client's facts by episode id, each list sorted and without repeats:
// what the client-facts row of the store holds, so a change to one episode
// replaces that episode's part.
using ClientFacts = std::map<std::string, std::vector<PresenceFact>>;

// The facts of `client_id` in one episode: a fact per administration the
// client rated themselves (with the administration's org unit, clinician,
// instrument and age band) and, once the episode is closed, one per outcome
// series of theirs (the episode's org unit and clinician, the series'
// instrument, age band at intake and intake class). Sorted, no repeats.
std::vector<PresenceFact> FactsOf(
    const domain::Episode& episode,
    const std::vector<domain::Administration>& administrations,
    absl::string_view client_id);

// Adds (sign −1: takes out) the distinct-client cells of one client.
void AddDistinctClients(const ClientFacts& facts, Cells& cells, int sign = 1);

// Adds what a client's facts going from `before` to `after` changes:
// AddDistinctClients(after) − AddDistinctClients(before), worked out for
// the cells of the facts that changed only (a new rating touches a few
// dozen cells, not all of the client's), and without cells that stay.
void AddDistinctClientsChange(const ClientFacts& before,
                              const ClientFacts& after, Cells& cells);

// The scope byte of a distinct-client cell (see DistinctScope).
CellScope ScopeOfDistinct(const CellKey& key);

// Whether `key` (granularity aside) is kept per week too.
bool HasWeekCells(const CellKey& key);

// The clients a distinct-client cell adds to a row whose months start at
// `row_start_month` (a month bucket, see BucketOf): sums[0] less those
// already present earlier in the row. For a week cell, sums[0].
int64_t ClientsNewInRow(const CellKey& key, const Sums& sums,
                        int32_t row_start_month);

}  // namespace tilbake::analytics

#endif  // TILBAKE_ANALYTICS_DISTINCT_CLIENTS_H_

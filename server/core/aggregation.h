#ifndef TILBAKE_SERVER_CORE_AGGREGATION_H_
#define TILBAKE_SERVER_CORE_AGGREGATION_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "analytics/aggregates.h"
#include "analytics/distinct_clients.h"
#include "domain/types.h"
#include "scoring/evaluation.h"
#include "scoring/instrument.h"
#include "scoring/rule_set.h"
#include "server/core/episode_locks.h"
#include "storage/store.h"

// The trend aggregates' bookkeeping: what a submission or a close adds, and
// the full rebuild from raw records. Both paths use the same analytics
// functions, so a rebuild reproduces the incremental cells exactly.
namespace tilbake::core {

// What storing `added` into an episode that held `before` adds.
// `old_first` is the episode's first session date before (nullopt if new).
// The tenant's rule set in `rule_sets` says which totals are in the clinical
// range (a tenant that changes rule set rebuilds its aggregates).
void AddSubmission(const domain::Episode& episode_after,
                   std::optional<absl::CivilDay> old_first,
                   const std::vector<domain::Administration>& before,
                   const domain::Administration& added,
                   const scoring::InstrumentCatalog& catalog,
                   const scoring::RuleSetRegistry& rule_sets,
                   analytics::Cells& cells);

// The outcomes to freeze at closing, from the episode's evaluation.
std::vector<domain::FrozenOutcome> FreezeOutcomes(
    const std::vector<domain::Administration>& administrations,
    const std::vector<scoring::Evaluation>& evaluations,
    const std::vector<scoring::SeriesOutcome>& outcomes);

// What closing `episode` (its frozen outcomes set) adds.
void AddClose(const domain::Episode& episode,
              const std::vector<domain::Administration>& administrations,
              const scoring::InstrumentCatalog& catalog,
              analytics::Cells& cells);

// Everything one stored episode adds: what its submissions and its close
// added, recomputed (the rebuild's unit, and what an erasure takes out).
void AddEpisode(const domain::Episode& episode,
                const std::vector<domain::Administration>& administrations,
                const scoring::InstrumentCatalog& catalog,
                const scoring::RuleSetRegistry& rule_sets,
                analytics::Cells& cells);

// cells -= subtrahend, cell by cell.
void SubtractCells(const analytics::Cells& subtrahend, analytics::Cells& cells);

// `cells` without the cells whose sums are all zero (deltas that cancelled
// out, or an erased client's only cells): what a rebuild stores, and what
// stored cells are compared with.
analytics::Cells NonZeroCells(analytics::Cells cells);

// An episode as it is after a change, for its clients' facts rows: no
// episode when it is gone for good.
struct EpisodeAfter {
  std::string episode_id;
  const domain::Episode* episode = nullptr;
  const std::vector<domain::Administration>* administrations = nullptr;
};

// Where the change of the distinct-client cells goes.
enum class FactsChange {
  kCounted,  // Into the cells (a rating, a correction, an erasure).
  kRetired,  // The cells keep what retired episodes added: into the ledger.
};

// For each of `client_ids` (held by `held`, until `changes` is written):
// replaces the client's facts of the episodes in `after` in its stored
// row, and adds the change of its distinct-client cells (see `how`).
absl::Status AddClientFactsChange(const storage::Store& store,
                                  absl::string_view tenant,
                                  const std::vector<std::string>& client_ids,
                                  const std::vector<EpisodeAfter>& after,
                                  FactsChange how, const ClientFactsGuard& held,
                                  storage::WriteSet& changes);

// What a rebuild from raw records gives: every cell and every client's
// facts row, per tenant.
struct Rebuilt {
  std::map<std::string, analytics::Cells> cells;
  std::map<std::string, std::map<std::string, analytics::ClientFacts>> facts;
};
absl::StatusOr<Rebuilt> RebuildAggregatesAndFacts(
    const storage::Store& store, const scoring::InstrumentCatalog& catalog,
    const scoring::RuleSetRegistry& rule_sets);

// Every cell, per tenant, recomputed from the stored episodes and ratings,
// plus what retired episodes had added (the retention ledger).
absl::StatusOr<std::map<std::string, analytics::Cells>> RebuildAggregates(
    const storage::Store& store, const scoring::InstrumentCatalog& catalog,
    const scoring::RuleSetRegistry& rule_sets);

}  // namespace tilbake::core

#endif  // TILBAKE_SERVER_CORE_AGGREGATION_H_

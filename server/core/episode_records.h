#ifndef TILBAKE_SERVER_CORE_EPISODE_RECORDS_H_
#define TILBAKE_SERVER_CORE_EPISODE_RECORDS_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "domain/audit.h"
#include "domain/types.h"
#include "scoring/evaluation.h"
#include "scoring/instrument.h"
#include "scoring/rule_set.h"
#include "server/core/audit_trail.h"
#include "server/core/episode_locks.h"
#include "server/core/reference_cache.h"
#include "storage/store.h"

namespace tilbake::core {

// An episode with its administrations and what the rules make of them.
// Evaluations are derived when read, from the stored ratings and the
// tenant's current rule set, so they never go stale when a session arrives
// late or a rule set changes; they name the rule set that produced them.
struct EpisodeView {
  domain::Episode episode;
  std::vector<domain::Administration> administrations;  // Session order.
  std::vector<scoring::Evaluation> evaluations;  // One per administration.
  std::vector<scoring::SeriesOutcome> outcomes;  // Closed episodes only.
  const scoring::RuleSet* rules = nullptr;       // Owned by the registry.
  // The versions corrections and voids ended, when asked for (oldest first
  // per administration).
  std::vector<domain::Revision> history;
};

// A rating that passed the checks that need nothing stored, with its
// instrument version resolved, its age band derived, and scored.
struct ScoredRating {
  domain::Rating rating;
  scoring::Score score;
};

// `episode` with its first and last session dates taken from `kept` (at
// least one administration), after some of its administrations went or
// moved (an erasure, a void, a corrected date).
domain::Episode WithSessionDatesOf(
    domain::Episode episode, const std::vector<domain::Administration>& kept);

// A clinician's token reads (and corrects) the episodes they work in: the
// first administration's clinician, or one who has submitted to it since (a
// handover). Other roles are decided by the policy before the core.
absl::Status CheckReadsEpisode(const domain::Actor& actor,
                               const EpisodeView& view);

// What the core's services share about stored episodes: the store and the
// configuration, the locks that serialize changes, the trajectory reference
// they are measured against, the access log every call writes to, and the
// reading and evaluating of an episode. RatingService (submit, read, close)
// and PrivacyService (export, erasure) are both built on one of these.
// Thread-safe.
class EpisodeRecords {
 public:
  using Clock = std::function<absl::Time()>;

  // `store`, `catalog` and `rules` must outlive the records. `clock` gives
  // "now" for recorded_at and the access log, and "today" for date checks.
  EpisodeRecords(storage::Store* store,
                 const scoring::InstrumentCatalog* catalog,
                 const scoring::RuleSetRegistry* rules, Clock clock);
  EpisodeRecords(const EpisodeRecords&) = delete;
  EpisodeRecords& operator=(const EpisodeRecords&) = delete;

  storage::Store& store() const { return *store_; }
  const scoring::InstrumentCatalog& catalog() const { return *catalog_; }
  const scoring::RuleSetRegistry& rule_sets() const { return *rules_; }
  const AuditTrail& audit() const { return audit_; }
  EpisodeLocks& locks() const { return locks_; }
  ReferenceCache& reference() const { return reference_; }
  absl::Time Now() const { return clock_(); }
  absl::CivilDay Today() const;

  // The stored episode and its administrations. NotFound if the tenant has
  // no such episode.
  absl::StatusOr<EpisodeView> Read(absl::string_view tenant_id,
                                   absl::string_view episode_id) const;
  // Fills view.evaluations, outcomes and rules. A closed episode is in the
  // reference, and what it added is taken out again: its own contributions,
  // or `in_reference` when given (a correction evaluates the new version of
  // an episode whose old one is in the reference). A closed episode with
  // no frozen outcomes gets them computed.
  absl::Status Evaluate(
      EpisodeView& view,
      const std::vector<ReferenceCache::Delta>* in_reference = nullptr) const;

  // The checks of `rating` that need nothing stored, and its score: the
  // field at fault in every error ("rating.items: …").
  absl::StatusOr<ScoredRating> Score(domain::Rating rating) const;
  // The engine's view of administrations (series, measures, scores).
  std::vector<scoring::AdministrationInput> Inputs(
      const std::vector<domain::Administration>& administrations) const;

  // One log entry per client of `episode` (one without a client if none).
  std::vector<domain::AuditEntry> EntriesFor(const domain::Actor& actor,
                                             absl::string_view action,
                                             const domain::Episode& episode,
                                             std::string detail) const;

 private:
  storage::Store* store_;
  const scoring::InstrumentCatalog* catalog_;
  const scoring::RuleSetRegistry* rules_;
  Clock clock_;
  AuditTrail audit_;
  // Mutable: locking and loading the reference are not changes to records.
  mutable EpisodeLocks locks_;
  mutable ReferenceCache reference_;
};

}  // namespace tilbake::core

#endif  // TILBAKE_SERVER_CORE_EPISODE_RECORDS_H_

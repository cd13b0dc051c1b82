#ifndef TILBAKE_SERVER_CORE_RATING_SERVICE_H_
#define TILBAKE_SERVER_CORE_RATING_SERVICE_H_

#include <array>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "domain/audit.h"
#include "domain/types.h"
#include "scoring/evaluation.h"
#include "scoring/instrument.h"
#include "scoring/rule_set.h"
#include "server/core/audit_trail.h"
#include "storage/store.h"

namespace tilbake::core {

struct SubmitResult {
  domain::Administration administration;
  bool replayed = false;  // Answered from the record stored under the key.
  // What the tenant's rule set says about it, in its episode's context.
  scoring::Evaluation evaluation;
  const scoring::RuleSet* rules = nullptr;  // Owned by the registry.
};

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
};

// The use cases behind the API, free of gRPC and protobuf: a rating's way
// from validation through scoring to one atomic write (see design.md).
//
// Thread-safe. Read-modify-write sequences on one episode, or on one
// idempotency key, are serialized by striped locks, so two concurrent
// submissions to an episode cannot interleave.
//
// Every error is an absl::Status whose message starts with the request field
// at fault ("rating.session_date: …", "idempotency_key: …").
class RatingService {
 public:
  using Clock = std::function<absl::Time()>;

  // `store`, `catalog` and `rules` must outlive the service. `clock` gives
  // "now" for recorded_at and for refusing session dates in the future.
  RatingService(storage::Store* store,
                const scoring::InstrumentCatalog* catalog,
                const scoring::RuleSetRegistry* rules, Clock clock);

  // Every call names its actor: each one is written to the access log,
  // allowed or not, with the client(s) it touched. A change carries its
  // entry in its own atomic write; a read's entry is durable before the
  // read is answered (if it cannot be written, the read fails).

  // Validates, scores and stores one administration. A retry under the same
  // idempotency key returns the stored record (replayed = true).
  // InvalidArgument: a bad field. FailedPrecondition: the rating contradicts
  // its episode (closed, another client, session dates out of order, episode
  // type) or names an unconfigured instrument version. AlreadyExists: the key
  // was used for different content, or this session already has this
  // instrument from this rater under another key.
  absl::StatusOr<SubmitResult> Submit(const domain::Actor& actor,
                                      domain::Rating rating,
                                      const std::string& idempotency_key);

  // As Submit, but the write is durable only after SyncDeferred() returns
  // OK: a bulk import acknowledges its records together, with one fsync.
  absl::StatusOr<SubmitResult> SubmitDeferred(
      const domain::Actor& actor, domain::Rating rating,
      const std::string& idempotency_key);
  absl::Status SyncDeferred();

  // NotFound if the tenant has no such episode.
  absl::StatusOr<EpisodeView> GetEpisode(const domain::Actor& actor,
                                         absl::string_view tenant_id,
                                         absl::string_view episode_id) const;

  // Ends an episode and adds its client outcome series to the tenant's
  // trajectory reference, in one write. Repeating the same ending is OK; a
  // different one, or an end date before the last session, is
  // FailedPrecondition.
  absl::StatusOr<EpisodeView> CloseEpisode(const domain::Actor& actor,
                                           absl::string_view tenant_id,
                                           absl::string_view episode_id,
                                           const domain::Ending& ending);

  // Every episode of `client_id` in the tenant with only that client's
  // administrations, evaluations and outcomes (a group episode's other
  // members are left out), by episode id. NotFound when there are none.
  absl::StatusOr<std::vector<EpisodeView>> ExportClient(
      const domain::Actor& actor, absl::string_view tenant_id,
      absl::string_view client_id) const;

  // Carries out an approved erasure: removes every administration of
  // `approved.client_id` in its tenant, with its idempotency key; deletes
  // the client's episodes, and takes the client out of group episodes;
  // subtracts exactly what they added to the trend aggregates and the
  // trajectory reference. One write, which also stores `approved` (with the
  // counts filled in) and the log entry. Then compacts the tenant's records
  // so the data is gone from disk. Returns the request as stored.
  absl::StatusOr<domain::ErasureRequest> EraseClient(
      const domain::Actor& approver, domain::ErasureRequest approved);

  const AuditTrail& audit() const { return audit_; }
  const scoring::InstrumentCatalog& catalog() const { return *catalog_; }
  const scoring::RuleSetRegistry& rule_sets() const { return *rules_; }

 private:
  // A submission holds two stripes while its write waits for the disk, so
  // with few stripes unrelated submissions queue behind each other's fsync
  // (64 stripes capped 64 calls in flight at about 4 000 ratings/s with
  // idle CPUs). 4096 mutexes are 32 KiB.
  static constexpr size_t kLockStripes = 4096;
  absl::Mutex& StripeFor(absl::string_view tenant, absl::string_view id) const;
  // A client's stripe: every submission holds it shared (before its
  // episode's), an erasure holds it exclusively from its scan to its write,
  // so no rating of the client can be stored while it runs and missed.
  static constexpr size_t kClientStripes = 1024;
  absl::Mutex& ClientStripeFor(absl::string_view tenant,
                               absl::string_view client) const;

  // Submit with its log entry for a failure or a replay (SubmitChecked
  // puts a stored rating's entry in its write).
  absl::StatusOr<SubmitResult> SubmitImpl(const domain::Actor& actor,
                                          domain::Rating rating,
                                          const std::string& idempotency_key,
                                          bool deferred);
  absl::StatusOr<SubmitResult> SubmitChecked(const domain::Actor& actor,
                                             domain::Rating rating,
                                             const std::string& idempotency_key,
                                             bool deferred);
  absl::StatusOr<SubmitResult> SubmitLocked(const domain::Actor& actor,
                                            const domain::Rating& rating,
                                            const scoring::Score& score,
                                            const std::string& idempotency_key,
                                            bool deferred);
  absl::StatusOr<EpisodeView> CloseLocked(const domain::Actor& actor,
                                          absl::string_view tenant_id,
                                          absl::string_view episode_id,
                                          const domain::Ending& ending);
  // One log entry per client of `episode` (one without a client if none).
  std::vector<domain::AuditEntry> EntriesFor(const domain::Actor& actor,
                                             absl::string_view action,
                                             const domain::Episode& episode,
                                             std::string detail) const;
  absl::CivilDay Today() const;

  // The engine's view of administrations (series, measures, scores).
  std::vector<scoring::AdministrationInput> Inputs(
      const std::vector<domain::Administration>& administrations) const;
  // Fills view.evaluations, outcomes and rules.
  absl::Status Evaluate(EpisodeView& view) const;
  absl::StatusOr<EpisodeView> ReadEpisode(absl::string_view tenant_id,
                                          absl::string_view episode_id) const;

  // The reference cells of `instrument` with intake in [from, to], from the
  // in-memory copy (loaded from storage on first use).
  absl::StatusOr<std::vector<scoring::ReferenceCell>> ReferenceWindow(
      absl::string_view tenant_id, const std::string& instrument,
      scoring::Tenths from, scoring::Tenths to) const;
  // After a close is durable, under the same hold of reference_mu_ as its
  // write: add its contributions to the in-memory copy.
  void AddToReferenceCacheLocked(
      absl::string_view tenant_id,
      const std::vector<std::pair<std::string, scoring::ReferenceCell>>& cells)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(reference_mu_);

  storage::Store* store_;
  const scoring::InstrumentCatalog* catalog_;
  const scoring::RuleSetRegistry* rules_;
  // The trajectory reference, per (tenant, instrument), keyed by (intake,
  // session). CloseEpisode is its only writer, so the copy stays exact; it
  // saves every submission a RocksDB scan over merge operands.
  using ReferenceCells =
      std::map<std::pair<scoring::Tenths, int32_t>, scoring::ReferenceCell>;
  mutable absl::Mutex reference_mu_;
  mutable std::map<std::pair<std::string, std::string>, ReferenceCells>
      reference_ ABSL_GUARDED_BY(reference_mu_);
  Clock clock_;
  AuditTrail audit_;
  mutable std::array<absl::Mutex, kLockStripes> stripes_;
  mutable std::array<absl::Mutex, kClientStripes> client_stripes_;
};

}  // namespace tilbake::core

#endif  // TILBAKE_SERVER_CORE_RATING_SERVICE_H_

#ifndef TILBAKE_SERVER_CORE_RATING_SERVICE_H_
#define TILBAKE_SERVER_CORE_RATING_SERVICE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "domain/audit.h"
#include "domain/types.h"
#include "scoring/evaluation.h"
#include "scoring/rule_set.h"
#include "scoring/score.h"
#include "server/core/episode_locks.h"
#include "server/core/episode_records.h"

namespace tilbake::core {

struct SubmitResult {
  domain::Administration administration;
  bool replayed = false;  // Answered from the record stored under the key.
  // What the tenant's rule set says about it, in its episode's context.
  scoring::Evaluation evaluation;
  const scoring::RuleSet* rules = nullptr;  // Owned by the registry.
};

// The clinical use cases behind the API, free of gRPC and protobuf: a
// rating's way from validation through scoring to one atomic write (see
// docs/architecture.md), reading an episode, and closing it.
//
// Thread-safe. Read-modify-write sequences on one episode, or on one
// idempotency key, are serialized by the records' striped locks, so two
// concurrent submissions to an episode cannot interleave.
//
// Every error is an absl::Status whose message starts with the request field
// at fault ("rating.session_date: …", "idempotency_key: …").
//
// Every call names its actor: each one is written to the access log,
// allowed or not, with the client(s) it touched. A change carries its entry
// in its own atomic write; a read's entry is durable before the read is
// answered (if it cannot be written, the read fails).
class RatingService {
 public:
  explicit RatingService(EpisodeRecords* records);  // Must outlive it.

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

  // One rating of a row (RowSubmission): what it is and its key.
  struct RowRating {
    domain::Rating rating;
    std::string idempotency_key;
  };
  static constexpr size_t kMaxRowRatings = 8;
  // Stores the ratings of one row of an import (the ORS and the SRS of one
  // session in a vendor's CSV) together or not at all, in one deferred
  // write (durable with SyncDeferred, as SubmitDeferred). They must share
  // tenant, episode and client. Returns one result per rating, in order:
  // all OK (stored or replayed), or, if any is refused, its error and for
  // every other FailedPrecondition naming it.
  std::vector<absl::StatusOr<SubmitResult>> SubmitRowDeferred(
      const domain::Actor& actor, std::vector<RowRating> row);

  // A run of an import's records of one episode and client, one after
  // another in the stream: each stored or refused on its own, as by
  // SubmitDeferred, but the stored ones in one write (one read of the
  // episode, one evaluation, the aggregate cells added up first).
  static constexpr size_t kMaxRunRatings = 64;
  std::vector<absl::StatusOr<SubmitResult>> SubmitRunDeferred(
      const domain::Actor& actor, std::vector<RowRating> run);

  // NotFound if the tenant has no such episode. With `with_history`, the
  // view holds the versions corrections and voids ended (view.history).
  absl::StatusOr<EpisodeView> GetEpisode(const domain::Actor& actor,
                                         absl::string_view tenant_id,
                                         absl::string_view episode_id,
                                         bool with_history = false) const;

  // `clinician_id`'s episodes (by their first session), open ones only
  // unless `include_closed`, most recent last session first, at most
  // kMaxListedEpisodes; each evaluated, and each a read in the access log.
  static constexpr size_t kMaxListedEpisodes = 500;
  absl::StatusOr<std::vector<EpisodeView>> ListEpisodes(
      const domain::Actor& actor, absl::string_view tenant_id,
      absl::string_view clinician_id, bool include_closed) const;

  // Ends an episode and adds its client outcome series to the tenant's
  // trajectory reference, in one write. Repeating the same ending is OK; a
  // different one, or an end date before the last session, is
  // FailedPrecondition.
  absl::StatusOr<EpisodeView> CloseEpisode(const domain::Actor& actor,
                                           absl::string_view tenant_id,
                                           absl::string_view episode_id,
                                           const domain::Ending& ending);

  const EpisodeRecords& records() const { return *records_; }

 private:
  // A rating that passed the checks that need nothing stored, scored.
  struct Checked {
    domain::Rating rating;
    scoring::Score score;
    std::string idempotency_key;
  };
  absl::StatusOr<Checked> Check(domain::Rating rating,
                                const std::string& idempotency_key) const;
  // Checks and scores `rating`, then stores it under its locks. Its log
  // entry is in its write when stored, written by the caller otherwise.
  absl::StatusOr<SubmitResult> SubmitChecked(const domain::Actor& actor,
                                             domain::Rating rating,
                                             const std::string& idempotency_key,
                                             bool deferred);
  // A row (`whole`) or a run of one episode's ratings; every refusal and
  // replay in the access log.
  std::vector<absl::StatusOr<SubmitResult>> SubmitManyDeferred(
      const domain::Actor& actor, std::vector<RowRating> ratings, bool whole);
  // With the submission's stripes held (`held` is the proof): stores
  // `ratings` (one episode's) in one write, a result each in `results`.
  // With `whole`, all or none: the first refused stops it and is returned.
  // Otherwise each refused one is left out; the status is the write's.
  absl::Status SubmitLocked(const SubmissionGuard& held,
                            const domain::Actor& actor,
                            const std::vector<Checked>& ratings, bool deferred,
                            bool whole,
                            std::vector<absl::StatusOr<SubmitResult>>& results);
  // Records the log entry of each replayed rating (a read of what is
  // stored), after the write.
  absl::Status LogReplays(const domain::Actor& actor,
                          const std::vector<const domain::Rating*>& replayed,
                          bool deferred);
  absl::StatusOr<SubmitResult> Submit(const domain::Actor& actor,
                                      domain::Rating rating,
                                      const std::string& idempotency_key,
                                      bool deferred);
  absl::StatusOr<EpisodeView> Close(const domain::Actor& actor,
                                    absl::string_view tenant_id,
                                    absl::string_view episode_id,
                                    const domain::Ending& ending);

  EpisodeRecords* records_;
};

}  // namespace tilbake::core

#endif  // TILBAKE_SERVER_CORE_RATING_SERVICE_H_

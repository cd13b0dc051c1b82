#ifndef TILBAKE_SERVER_CORE_CORRECTION_SERVICE_H_
#define TILBAKE_SERVER_CORE_CORRECTION_SERVICE_H_

#include <string>

#include "absl/status/statusor.h"
#include "domain/audit.h"
#include "domain/types.h"
#include "server/core/episode_records.h"

namespace tilbake::core {

// Which stored administration a correction or a void is about, and why.
struct ChangeRequest {
  std::string tenant_id;
  std::string episode_id;
  std::string administration_id;  // domain::AdministrationId
  std::string reason;  // Required, ≤ 500 characters; no identifying text.
  std::string idempotency_key;
};

struct ChangeResult {
  EpisodeView view;  // The episode after the change, evaluated.
  // The corrected administration's id (it changes with the rater); a
  // void's: the id it had.
  std::string administration_id;
  bool replayed = false;  // A retry: the change was already made.
};

// The life of a stored rating after it is stored: a correction replaces
// its answers, session date, age or rater, keeping the version before as a
// Revision; a void ("entered in error") takes it out of every figure,
// keeping it, marked, in the history. Either is one atomic write with its
// access-log entry, and moves the trend aggregates and the trajectory
// reference exactly: what the episode added out, what it adds now in (the
// rebuild's per-episode function). A closed episode's frozen outcomes are
// recomputed with the tenant's rule set of now. Thread-safe.
class CorrectionService {
 public:
  explicit CorrectionService(EpisodeRecords* records);  // Must outlive it.

  // `corrected` is the rating as it should have been. Its answers, session
  // date (the session's other forms move with it: a session has one date),
  // client age, age band and rater may differ from the stored one;
  // every other field must be as stored (an empty text field or instrument
  // version is taken as stored). InvalidArgument: a bad field or reason;
  // NotFound: no such episode or administration; FailedPrecondition: a
  // field that cannot change, a correction that changes nothing, session
  // dates out of order; AlreadyExists: the key was used for another change,
  // or the new rater's administration exists; PermissionDenied: another
  // clinician's episode.
  absl::StatusOr<ChangeResult> Correct(const domain::Actor& actor,
                                       const ChangeRequest& request,
                                       domain::Rating corrected);

  // Marks the administration entered in error. Errors as Correct.
  absl::StatusOr<ChangeResult> Void(const domain::Actor& actor,
                                    const ChangeRequest& request);

 private:
  // With `corrected` set, a correction; otherwise a void.
  absl::StatusOr<ChangeResult> Change(const domain::Actor& actor,
                                      const ChangeRequest& request,
                                      std::optional<domain::Rating> corrected);
  // Change's work, logged by it when refused; `client` is the one named by
  // the administration id.
  absl::StatusOr<ChangeResult> ChangeHeld(
      const domain::Actor& actor, const ChangeRequest& request,
      std::optional<domain::Rating> corrected, const std::string& client);

  EpisodeRecords* records_;
};

}  // namespace tilbake::core

#endif  // TILBAKE_SERVER_CORE_CORRECTION_SERVICE_H_

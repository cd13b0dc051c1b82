#ifndef TILBAKE_SERVER_CORE_RATING_SERVICE_H_
#define TILBAKE_SERVER_CORE_RATING_SERVICE_H_

#include <array>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "domain/types.h"
#include "scoring/instrument.h"
#include "storage/store.h"

namespace tilbake::core {

struct SubmitResult {
  domain::Administration administration;
  bool replayed = false;  // Answered from the record stored under the key.
};

struct EpisodeView {
  domain::Episode episode;
  std::vector<domain::Administration> administrations;  // Session order.
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

  // `store` and `catalog` must outlive the service. `clock` gives "now" for
  // recorded_at and for refusing session dates in the future.
  RatingService(storage::Store* store,
                const scoring::InstrumentCatalog* catalog, Clock clock);

  // Validates, scores and stores one administration. A retry under the same
  // idempotency key returns the stored record (replayed = true).
  // InvalidArgument: a bad field. FailedPrecondition: the rating contradicts
  // its episode (closed, another client, session dates out of order, episode
  // type) or names an unconfigured instrument version. AlreadyExists: the key
  // was used for different content, or this session already has this
  // instrument from this rater under another key.
  absl::StatusOr<SubmitResult> Submit(domain::Rating rating,
                                      const std::string& idempotency_key);

  // NotFound if the tenant has no such episode.
  absl::StatusOr<EpisodeView> GetEpisode(absl::string_view tenant_id,
                                         absl::string_view episode_id) const;

  // Ends an episode. Repeating the same ending is OK; a different one, or an
  // end date before the last session, is FailedPrecondition.
  absl::StatusOr<EpisodeView> CloseEpisode(absl::string_view tenant_id,
                                           absl::string_view episode_id,
                                           const domain::Ending& ending);

  const scoring::InstrumentCatalog& catalog() const { return *catalog_; }

 private:
  static constexpr size_t kLockStripes = 64;
  absl::Mutex& StripeFor(absl::string_view tenant, absl::string_view id) const;

  absl::StatusOr<SubmitResult> SubmitLocked(const domain::Rating& rating,
                                            const scoring::Score& score,
                                            const std::string& idempotency_key);
  absl::CivilDay Today() const;

  storage::Store* store_;
  const scoring::InstrumentCatalog* catalog_;
  Clock clock_;
  mutable std::array<absl::Mutex, kLockStripes> stripes_;
};

}  // namespace tilbake::core

#endif  // TILBAKE_SERVER_CORE_RATING_SERVICE_H_

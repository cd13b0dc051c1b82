#ifndef TILBAKE_SERVER_API_FEEDBACK_SERVICE_H_
#define TILBAKE_SERVER_API_FEEDBACK_SERVICE_H_

#include <cstdint>

#include "common/worker_pool.h"
#include "server/api/access.h"
#include "server/api/admission.h"
#include "server/api/idle_streams.h"
#include "server/core/correction_service.h"
#include "server/core/rating_service.h"
#include "server/metrics/service_metrics.h"
#include "tilbake/v1/feedback.grpc.pb.h"

namespace tilbake::api {

struct FeedbackLimits {
  // Where stored ratings, alerts and import records are counted; may be null.
  metrics::ServiceMetrics* metrics = nullptr;
  // Records one ImportRatings stream may carry; more is RESOURCE_EXHAUSTED
  // for the excess records (the ones before are kept).
  int64_t max_import_records = 1'000'000;
  // Load shedding for calls that touch storage; null = no limit.
  AdmissionControl* admission = nullptr;
  // Where unary calls that touch storage run (they block on the disk);
  // null = on gRPC's own callback threads.
  WorkerPool* workers = nullptr;
  // Authentication, the policy, and the access log for refusals.
  Gate gate;
  // A unary call that waited longer than this for a worker is answered
  // UNAVAILABLE without doing anything (its client retries).
  absl::Duration max_queue_wait = absl::Seconds(10);
  // Ends import streams that wait too long for a record; null = never.
  IdleStreams* idle_streams = nullptr;
};

// tilbake.v1.Feedback on gRPC's callback API. Handlers are thin: convert
// proto to domain, call core::RatingService, map the status, finish. The
// core must outlive the service. Thread-safe.
//
// ImportRatings is registered raw (bytes, parsed here record by record), so
// that one record that does not parse is rejected on its own instead of
// ending the stream early (see ImportReactor).
class FeedbackService final
    : public v1::Feedback::WithRawCallbackMethod_ImportRatings<
          v1::Feedback::CallbackService> {
 public:
  // `corrections` null: CorrectRating and VoidRating are UNIMPLEMENTED.
  explicit FeedbackService(core::RatingService* core,
                           FeedbackLimits limits = {},
                           core::CorrectionService* corrections = nullptr);

  grpc::ServerUnaryReactor* SubmitRating(
      grpc::CallbackServerContext* context,
      const v1::SubmitRatingRequest* request,
      v1::SubmitRatingResponse* response) override;

  grpc::ServerReadReactor<grpc::ByteBuffer>* ImportRatings(
      grpc::CallbackServerContext* context,
      grpc::ByteBuffer* response) override;

  grpc::ServerUnaryReactor* GetEpisode(
      grpc::CallbackServerContext* context,
      const v1::GetEpisodeRequest* request,
      v1::GetEpisodeResponse* response) override;

  grpc::ServerUnaryReactor* CloseEpisode(
      grpc::CallbackServerContext* context,
      const v1::CloseEpisodeRequest* request,
      v1::CloseEpisodeResponse* response) override;

  grpc::ServerUnaryReactor* CorrectRating(
      grpc::CallbackServerContext* context,
      const v1::CorrectRatingRequest* request,
      v1::CorrectRatingResponse* response) override;

  grpc::ServerUnaryReactor* VoidRating(
      grpc::CallbackServerContext* context,
      const v1::VoidRatingRequest* request,
      v1::VoidRatingResponse* response) override;

  grpc::ServerUnaryReactor* ListInstruments(
      grpc::CallbackServerContext* context,
      const v1::ListInstrumentsRequest* request,
      v1::ListInstrumentsResponse* response) override;

  grpc::ServerUnaryReactor* ListRuleSets(
      grpc::CallbackServerContext* context,
      const v1::ListRuleSetsRequest* request,
      v1::ListRuleSetsResponse* response) override;
  grpc::ServerUnaryReactor* ListEpisodes(
      grpc::CallbackServerContext* context,
      const v1::ListEpisodesRequest* request,
      v1::ListEpisodesResponse* response) override;
  grpc::ServerUnaryReactor* WhoAmI(grpc::CallbackServerContext* context,
                                   const v1::WhoAmIRequest* request,
                                   v1::Caller* response) override;

 private:
  core::RatingService* core_;
  core::CorrectionService* corrections_;
  FeedbackLimits limits_;
};

// The whole of SubmitRating without gRPC: used by the unary handler and by
// each record of an import stream. Counts newly stored ratings and their
// alerts in `metrics` when it is not null.
// With `deferred`, the write is durable only after core.SyncDeferred().
absl::Status SubmitOne(core::RatingService& core, const domain::Actor& actor,
                       const v1::SubmitRatingRequest& request,
                       v1::SubmitRatingResponse* response,
                       metrics::ServiceMetrics* metrics, bool deferred = false);

}  // namespace tilbake::api

#endif  // TILBAKE_SERVER_API_FEEDBACK_SERVICE_H_

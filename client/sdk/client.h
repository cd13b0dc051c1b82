#ifndef TILBAKE_CLIENT_SDK_CLIENT_H_
#define TILBAKE_CLIENT_SDK_CLIENT_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "tilbake/v1/admin.grpc.pb.h"
#include "tilbake/v1/feedback.grpc.pb.h"
#include "tilbake/v1/trends.grpc.pb.h"

namespace tilbake::client {

struct ClientOptions {
  // host:port of tilbake-server.
  std::string target = "127.0.0.1:50051";
  // Deadline of each attempt.
  absl::Duration deadline = absl::Seconds(10);
  // Attempts for a call that fails with a retryable code (UNAVAILABLE,
  // DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED). 1 = no retry.
  int max_attempts = 4;
  // Wait before the 2nd attempt; doubles each time up to max_backoff, with
  // jitter (so clients shed together do not come back together).
  absl::Duration initial_backoff = absl::Milliseconds(200);
  absl::Duration max_backoff = absl::Seconds(5);
  // TLS (any of these set turns it on): the CA that signed the server's
  // certificate (PEM; empty = the system's roots), and for mutual TLS this
  // client's certificate and key.
  std::string tls_ca_file;
  std::string tls_cert_file;
  std::string tls_key_file;
  // Sent as "authorization: Bearer <token>" on every call (the server's
  // --tokens_file says who it is and what it may do). Empty: none.
  std::string bearer_token;
};

// `response` if the server's tally accounts for the `sent` records of a
// stream (received = sent = stored + replayed + rejected); DataLoss saying
// how many were not read otherwise.
absl::StatusOr<v1::ImportRatingsResponse> CheckImportTally(
    int64_t sent, v1::ImportRatingsResponse response);

// The C++ SDK for tilbake.v1.Feedback. Typed calls with deadlines and
// retries; a retried SubmitRating reuses its idempotency key, so a retry can
// never store a rating twice. Thread-safe (gRPC stubs are).
//
// Errors come back as absl::Status with the server's gRPC code and message
// (which names the offending field).
class Client {
 public:
  // A channel to options.target: TLS when a tls_* file is given, plaintext
  // otherwise. FailedPrecondition naming the option when a file cannot be
  // read or only one of tls_cert_file / tls_key_file is given.
  static absl::StatusOr<std::unique_ptr<Client>> Open(
      const ClientOptions& options);

  // A plaintext channel to options.target (loopback, or behind a proxy);
  // the tls_* options must be empty (use Open for TLS).
  static std::unique_ptr<Client> Connect(const ClientOptions& options);

  // For tests: any stubs, e.g. the generated MockFeedbackStub. `health` may
  // be null (Health() then fails with FAILED_PRECONDITION).
  Client(
      std::unique_ptr<v1::Feedback::StubInterface> stub, ClientOptions options,
      std::unique_ptr<grpc::health::v1::Health::StubInterface> health = nullptr,
      std::unique_ptr<v1::Trends::StubInterface> trends = nullptr,
      std::unique_ptr<v1::Admin::StubInterface> admin = nullptr);

  // A backup into the server's --backup_dir; one attempt (not retried).
  absl::StatusOr<v1::CreateBackupResponse> CreateBackup(uint32_t keep = 0);

  // Privacy (admin tokens): the access log, one client's data, erasure.
  // Reads are retried; erasure requests and decisions are sent once (a
  // resent request would be refused as a duplicate, so say what happened
  // instead).
  absl::StatusOr<v1::QueryAuditLogResponse> QueryAuditLog(
      const v1::QueryAuditLogRequest& request);
  absl::StatusOr<std::vector<v1::Episode>> ExportClient(
      const std::string& tenant_id, const std::string& client_id);
  absl::StatusOr<v1::ErasureRequest> RequestErasure(
      const std::string& tenant_id, const std::string& client_id,
      const std::string& reason);
  absl::StatusOr<v1::ErasureRequest> DecideErasure(
      const std::string& tenant_id, const std::string& request_id,
      bool approve);
  absl::StatusOr<std::vector<v1::ErasureRequest>> ListErasureRequests(
      const std::string& tenant_id);
  // The retention policy now (one attempt: a run deletes).
  absl::StatusOr<v1::RetentionReport> RunRetention(const std::string& tenant_id,
                                                   bool dry_run);

  // Every row of a trend query (read from the server's stream).
  absl::StatusOr<std::vector<v1::TrendRow>> QueryTrends(
      const v1::QueryTrendsRequest& request);

  absl::StatusOr<v1::QualityReport> GetQualityReport(
      const v1::QualityReportRequest& request);

  // The server's overall health (grpc.health.v1): true when SERVING.
  // One attempt, no retry: a health probe reports what it sees.
  absl::StatusOr<bool> Health();

  // Fills in a fresh idempotency key when the request has none, and keeps
  // it across retries.
  absl::StatusOr<v1::SubmitRatingResponse> SubmitRating(
      v1::SubmitRatingRequest request);

  // Streams records from `next` (which fills the request and returns false
  // when there are no more) and returns the server's tally. Not retried as a
  // whole: a stream cut off midway is re-run by the caller, and the
  // records' idempotency keys make the re-run safe. No deadline: an import
  // may take long. DataLoss when the tally does not account for every
  // record sent (CheckImportTally): never a short OK.
  absl::StatusOr<v1::ImportRatingsResponse> ImportRatings(
      const std::function<bool(v1::ImportRatingsRequest*)>& next);

  // Sends `records` over `streams` ImportRatings streams at once (the server
  // works each stream on its own thread, so a large import goes about
  // `streams` times as fast, up to its cores and --max_import_streams).
  // Every episode's records go in one stream, in their order. Returns the
  // tallies added up and the errors by record number; if a stream fails,
  // its error (the other streams' records may be stored: re-running is
  // safe, by idempotency key). `sent`, if given, is called with the number
  // of records sent so far (from the streams' threads, one at a time).
  absl::StatusOr<v1::ImportRatingsResponse> ImportRatingsInStreams(
      const std::vector<v1::ImportRatingsRequest>& records, int streams,
      const std::function<void(size_t sent)>& sent = nullptr);

  // With `include_history`, also the versions corrections and voids ended
  // (Episode.history).
  absl::StatusOr<v1::Episode> GetEpisode(const std::string& tenant_id,
                                         const std::string& episode_id,
                                         bool include_history = false);

  // Corrects or voids a stored administration (see the proto). Both carry
  // an idempotency key (a new one when empty, kept across this call's
  // retries), so they are retried like a submission; a retry answers
  // replayed = true.
  absl::StatusOr<v1::CorrectRatingResponse> CorrectRating(
      v1::CorrectRatingRequest request);
  absl::StatusOr<v1::VoidRatingResponse> VoidRating(
      v1::VoidRatingRequest request);

  absl::StatusOr<v1::Episode> CloseEpisode(const std::string& tenant_id,
                                           const std::string& episode_id,
                                           const v1::Ending& ending);

  // Empty family = every instrument.
  absl::StatusOr<std::vector<v1::InstrumentDefinition>> ListInstruments(
      const std::string& family = "");

  // Who the server takes this client's token to be (one attempt per retry
  // policy, like every read).
  absl::StatusOr<v1::Caller> WhoAmI();

  // A clinician's episodes and where each stands (empty clinician_id: a
  // clinician token's own), most recent first.
  absl::StatusOr<std::vector<v1::EpisodeSummary>> ListEpisodes(
      const v1::ListEpisodesRequest& request);

  // Every rule set; `active` names tenant_id's when it is not empty.
  absl::StatusOr<v1::ListRuleSetsResponse> ListRuleSets(
      const std::string& tenant_id = "");

  // A random key ("tb-" + 32 hex digits) for one intended administration.
  static std::string NewIdempotencyKey();

 private:
  // Runs `attempt` with a fresh context until it succeeds, fails with a
  // non-retryable code, or max_attempts is reached.
  // Puts the token (if any) on `context`.
  void Authorize(grpc::ClientContext& context) const;

  absl::Status CallWithRetry(
      const std::function<grpc::Status(grpc::ClientContext*)>& attempt);
  // One attempt with the usual deadline and token.
  absl::Status CallOnce(
      const std::function<grpc::Status(grpc::ClientContext*)>& attempt);

  std::unique_ptr<v1::Feedback::StubInterface> stub_;
  ClientOptions options_;
  std::unique_ptr<grpc::health::v1::Health::StubInterface> health_;
  std::unique_ptr<v1::Trends::StubInterface> trends_;
  std::unique_ptr<v1::Admin::StubInterface> admin_;
};

}  // namespace tilbake::client

#endif  // TILBAKE_CLIENT_SDK_CLIENT_H_

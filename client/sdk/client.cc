#include "client/sdk/client.h"

#include <algorithm>
#include <random>
#include <string>
#include <thread>

#include "absl/hash/hash.h"
#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/files.h"
#include "common/status_macros.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"

namespace tilbake::client {
namespace {

absl::Status FromGrpc(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      status.error_message());
}

bool Retryable(grpc::StatusCode code) {
  return code == grpc::StatusCode::UNAVAILABLE ||
         code == grpc::StatusCode::DEADLINE_EXCEEDED ||
         code == grpc::StatusCode::RESOURCE_EXHAUSTED;
}

// The channel's credentials from the tls_* options.
absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> CredentialsFor(
    const ClientOptions& options) {
  if (options.tls_ca_file.empty() && options.tls_cert_file.empty() &&
      options.tls_key_file.empty()) {
    return grpc::InsecureChannelCredentials();
  }
  if (options.tls_cert_file.empty() != options.tls_key_file.empty()) {
    return absl::FailedPreconditionError(
        "tls_cert_file and tls_key_file: give both (mutual TLS) or neither");
  }
  grpc::SslCredentialsOptions ssl;
  auto read = [](const char* option,
                 const std::string& path) -> absl::StatusOr<std::string> {
    if (path.empty()) return std::string();
    absl::StatusOr<std::string> pem = ReadTextFile(path);
    if (!pem.ok()) {
      return absl::FailedPreconditionError(
          absl::StrCat(option, ": ", pem.status().message()));
    }
    return pem;
  };
  absl::StatusOr<std::string> ca = read("tls_ca_file", options.tls_ca_file);
  if (!ca.ok()) return ca.status();
  absl::StatusOr<std::string> cert =
      read("tls_cert_file", options.tls_cert_file);
  if (!cert.ok()) return cert.status();
  absl::StatusOr<std::string> key = read("tls_key_file", options.tls_key_file);
  if (!key.ok()) return key.status();
  ssl.pem_root_certs = *ca;
  ssl.pem_cert_chain = *cert;
  ssl.pem_private_key = *key;
  return grpc::SslCredentials(ssl);
}

}  // namespace

absl::StatusOr<std::unique_ptr<Client>> Client::Open(
    const ClientOptions& options) {
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials =
      CredentialsFor(options);
  if (!credentials.ok()) return credentials.status();
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(64 << 20);
  auto channel = grpc::CreateCustomChannel(options.target, *credentials, args);
  return std::make_unique<Client>(v1::Feedback::NewStub(channel), options,
                                  grpc::health::v1::Health::NewStub(channel),
                                  v1::Trends::NewStub(channel),
                                  v1::Admin::NewStub(channel));
}

std::unique_ptr<Client> Client::Connect(const ClientOptions& options) {
  ClientOptions plaintext = options;
  plaintext.tls_ca_file.clear();
  plaintext.tls_cert_file.clear();
  plaintext.tls_key_file.clear();
  return *Open(plaintext);  // Without files, Open cannot fail.
}

Client::Client(std::unique_ptr<v1::Feedback::StubInterface> stub,
               ClientOptions options,
               std::unique_ptr<grpc::health::v1::Health::StubInterface> health,
               std::unique_ptr<v1::Trends::StubInterface> trends,
               std::unique_ptr<v1::Admin::StubInterface> admin)
    : stub_(std::move(stub)),
      options_(std::move(options)),
      health_(std::move(health)),
      trends_(std::move(trends)),
      admin_(std::move(admin)) {}

absl::StatusOr<bool> Client::Health() {
  if (health_ == nullptr) {
    return absl::FailedPreconditionError("no health stub");
  }
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + options_.deadline));
  Authorize(context);
  grpc::health::v1::HealthCheckRequest request;
  grpc::health::v1::HealthCheckResponse response;
  absl::Status status = FromGrpc(health_->Check(&context, request, &response));
  if (!status.ok()) return status;
  return response.status() == grpc::health::v1::HealthCheckResponse::SERVING;
}

std::string Client::NewIdempotencyKey() {
  static absl::Mutex mu(absl::kConstInit);
  static absl::BitGen* gen = new absl::BitGen();
  absl::MutexLock lock(&mu);
  return absl::StrFormat("tb-%016x%016x", absl::Uniform<uint64_t>(*gen),
                         absl::Uniform<uint64_t>(*gen));
}

void Client::Authorize(grpc::ClientContext& context) const {
  if (!options_.bearer_token.empty()) {
    context.AddMetadata("authorization",
                        absl::StrCat("Bearer ", options_.bearer_token));
  }
}

absl::Status Client::CallWithRetry(
    const std::function<grpc::Status(grpc::ClientContext*)>& attempt) {
  absl::Duration backoff = options_.initial_backoff;
  absl::BitGen jitter;
  grpc::Status status;
  for (int i = 1; i <= std::max(1, options_.max_attempts); ++i) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + options_.deadline));
    Authorize(context);
    status = attempt(&context);
    if (status.ok() || !Retryable(status.error_code()) ||
        i == options_.max_attempts) {
      break;
    }
    absl::SleepFor(backoff * absl::Uniform(jitter, 0.5, 1.5));
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
  return FromGrpc(status);
}

absl::Status Client::CallOnce(
    const std::function<grpc::Status(grpc::ClientContext*)>& attempt) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + options_.deadline));
  Authorize(context);
  return FromGrpc(attempt(&context));
}

absl::StatusOr<v1::SubmitRatingResponse> Client::SubmitRating(
    v1::SubmitRatingRequest request) {
  if (request.idempotency_key().empty()) {
    request.set_idempotency_key(NewIdempotencyKey());
  }
  v1::SubmitRatingResponse response;
  absl::Status status = CallWithRetry([&](grpc::ClientContext* context) {
    response.Clear();
    return stub_->SubmitRating(context, request, &response);
  });
  if (!status.ok()) return status;
  return response;
}

absl::StatusOr<v1::ImportRatingsResponse> CheckImportTally(
    int64_t sent, v1::ImportRatingsResponse response) {
  if (response.received() != sent) {
    // A stream the server took as ended early: the tally is short, so an
    // OK would hide records that were never read.
    return absl::DataLossError(absl::StrCat(
        "import: sent ", sent, " records but the server received ",
        response.received(), "; records after number ", response.received(),
        " of this stream were not stored; send them again (idempotency keys "
        "make a re-run safe)"));
  }
  const int64_t counted =
      response.stored() + response.replayed() + response.rejected();
  if (counted != response.received()) {
    return absl::DataLossError(
        absl::StrCat("import: the server received ", response.received(),
                     " records but accounted for ", counted,
                     " (stored + replayed + "
                     "rejected)"));
  }
  return response;
}

absl::StatusOr<v1::ImportRatingsResponse> Client::ImportRatings(
    const std::function<bool(v1::ImportRatingsRequest*)>& next) {
  grpc::ClientContext context;
  Authorize(context);
  v1::ImportRatingsResponse response;
  std::unique_ptr<grpc::ClientWriterInterface<v1::ImportRatingsRequest>>
      writer = stub_->ImportRatings(&context, &response);
  v1::ImportRatingsRequest request;
  int64_t sent = 0;
  bool broken = false;
  while (next(&request)) {
    // Once the stream broke (Finish says why), the rest is still counted:
    // it was meant for the server, and the tally must show it missing.
    if (!broken && !writer->Write(request)) broken = true;
    ++sent;
    request.Clear();
  }
  writer->WritesDone();
  absl::Status status = FromGrpc(writer->Finish());
  if (!status.ok()) return status;
  return CheckImportTally(sent, std::move(response));
}

absl::StatusOr<v1::ImportRatingsResponse> Client::ImportRatingsInStreams(
    const std::vector<v1::ImportRatingsRequest>& records, int streams,
    const std::function<void(size_t sent)>& sent) {
  streams = std::max(1, streams);
  // Each stream's records, by episode: one episode's records stay in order.
  std::vector<std::vector<size_t>> lanes(streams);
  for (size_t i = 0; i < records.size(); ++i) {
    const v1::Rating& r = records[i].record().rating();
    lanes[absl::HashOf(r.tenant_id(), r.episode_id()) % lanes.size()].push_back(
        i);
  }
  std::vector<absl::StatusOr<v1::ImportRatingsResponse>> results(
      lanes.size(), absl::UnknownError("not sent"));
  absl::Mutex mu;
  size_t sent_so_far = 0;
  std::vector<std::thread> threads;
  for (size_t s = 0; s < lanes.size(); ++s) {
    if (lanes[s].empty()) {
      results[s] = v1::ImportRatingsResponse();
      continue;
    }
    threads.emplace_back([&, s] {
      size_t next = 0;
      results[s] = ImportRatings([&](v1::ImportRatingsRequest* request) {
        if (next == lanes[s].size()) return false;
        *request = records[lanes[s][next++]];
        if (sent) {
          absl::MutexLock lock(&mu);
          sent(++sent_so_far);
        }
        return true;
      });
    });
  }
  for (std::thread& t : threads) t.join();
  v1::ImportRatingsResponse total;
  for (auto& result : results) {
    if (!result.ok()) return result.status();
    total.set_received(total.received() + result->received());
    total.set_stored(total.stored() + result->stored());
    total.set_replayed(total.replayed() + result->replayed());
    total.set_rejected(total.rejected() + result->rejected());
    for (v1::ImportError& e : *result->mutable_errors()) {
      *total.add_errors() = std::move(e);
    }
  }
  std::sort(total.mutable_errors()->begin(), total.mutable_errors()->end(),
            [](const v1::ImportError& a, const v1::ImportError& b) {
              return a.record_number() < b.record_number();
            });
  return total;
}

absl::StatusOr<v1::Episode> Client::GetEpisode(const std::string& tenant_id,
                                               const std::string& episode_id,
                                               bool include_history) {
  v1::GetEpisodeRequest request;
  request.set_tenant_id(tenant_id);
  request.set_episode_id(episode_id);
  request.set_include_history(include_history);
  v1::GetEpisodeResponse response;
  absl::Status status = CallWithRetry([&](grpc::ClientContext* context) {
    return stub_->GetEpisode(context, request, &response);
  });
  if (!status.ok()) return status;
  return response.episode();
}

absl::StatusOr<v1::CorrectRatingResponse> Client::CorrectRating(
    v1::CorrectRatingRequest request) {
  if (request.idempotency_key().empty()) {
    request.set_idempotency_key(NewIdempotencyKey());
  }
  v1::CorrectRatingResponse response;
  absl::Status status = CallWithRetry([&](grpc::ClientContext* context) {
    response.Clear();
    return stub_->CorrectRating(context, request, &response);
  });
  if (!status.ok()) return status;
  return response;
}

absl::StatusOr<v1::VoidRatingResponse> Client::VoidRating(
    v1::VoidRatingRequest request) {
  if (request.idempotency_key().empty()) {
    request.set_idempotency_key(NewIdempotencyKey());
  }
  v1::VoidRatingResponse response;
  absl::Status status = CallWithRetry([&](grpc::ClientContext* context) {
    response.Clear();
    return stub_->VoidRating(context, request, &response);
  });
  if (!status.ok()) return status;
  return response;
}

absl::StatusOr<v1::Episode> Client::CloseEpisode(const std::string& tenant_id,
                                                 const std::string& episode_id,
                                                 const v1::Ending& ending) {
  v1::CloseEpisodeRequest request;
  request.set_tenant_id(tenant_id);
  request.set_episode_id(episode_id);
  *request.mutable_ending() = ending;
  v1::CloseEpisodeResponse response;
  // Closing again with the same ending is a no-op, so retrying is safe.
  absl::Status status = CallWithRetry([&](grpc::ClientContext* context) {
    return stub_->CloseEpisode(context, request, &response);
  });
  if (!status.ok()) return status;
  return response.episode();
}

absl::StatusOr<std::vector<v1::InstrumentDefinition>> Client::ListInstruments(
    const std::string& family) {
  v1::ListInstrumentsRequest request;
  request.set_family(family);
  v1::ListInstrumentsResponse response;
  absl::Status status = CallWithRetry([&](grpc::ClientContext* context) {
    return stub_->ListInstruments(context, request, &response);
  });
  if (!status.ok()) return status;
  return std::vector<v1::InstrumentDefinition>(response.instruments().begin(),
                                               response.instruments().end());
}

}  // namespace tilbake::client

namespace tilbake::client {

absl::StatusOr<v1::ListRuleSetsResponse> Client::ListRuleSets(
    const std::string& tenant_id) {
  v1::ListRuleSetsRequest request;
  request.set_tenant_id(tenant_id);
  v1::ListRuleSetsResponse response;
  absl::Status status = CallWithRetry([&](grpc::ClientContext* context) {
    return stub_->ListRuleSets(context, request, &response);
  });
  if (!status.ok()) return status;
  return response;
}

}  // namespace tilbake::client

namespace tilbake::client {

absl::StatusOr<std::vector<v1::TrendRow>> Client::QueryTrends(
    const v1::QueryTrendsRequest& request) {
  if (trends_ == nullptr)
    return absl::FailedPreconditionError("no trends stub");
  std::vector<v1::TrendRow> rows;
  absl::Status status = CallWithRetry([&](grpc::ClientContext* context) {
    rows.clear();
    auto reader = trends_->QueryTrends(context, request);
    v1::TrendRow row;
    while (reader->Read(&row)) rows.push_back(row);
    return reader->Finish();
  });
  if (!status.ok()) return status;
  return rows;
}

absl::StatusOr<v1::QualityReport> Client::GetQualityReport(
    const v1::QualityReportRequest& request) {
  if (trends_ == nullptr)
    return absl::FailedPreconditionError("no trends stub");
  v1::QualityReport report;
  absl::Status status = CallWithRetry([&](grpc::ClientContext* context) {
    return trends_->GetQualityReport(context, request, &report);
  });
  if (!status.ok()) return status;
  return report;
}

}  // namespace tilbake::client

namespace tilbake::client {

absl::StatusOr<v1::CreateBackupResponse> Client::CreateBackup(uint32_t keep) {
  if (admin_ == nullptr) return absl::FailedPreconditionError("no admin stub");
  grpc::ClientContext context;
  Authorize(context);
  // A large database takes a while to copy the first time.
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Minutes(30)));
  v1::CreateBackupRequest request;
  request.set_keep(keep);
  v1::CreateBackupResponse response;
  absl::Status status =
      FromGrpc(admin_->CreateBackup(&context, request, &response));
  if (!status.ok()) return status;
  return response;
}

absl::StatusOr<v1::QueryAuditLogResponse> Client::QueryAuditLog(
    const v1::QueryAuditLogRequest& request) {
  if (admin_ == nullptr) return absl::FailedPreconditionError("no admin stub");
  v1::QueryAuditLogResponse response;
  RETURN_IF_ERROR(CallWithRetry([&](grpc::ClientContext* context) {
    response.Clear();
    return admin_->QueryAuditLog(context, request, &response);
  }));
  return response;
}

absl::StatusOr<std::vector<v1::Episode>> Client::ExportClient(
    const std::string& tenant_id, const std::string& client_id) {
  if (admin_ == nullptr) return absl::FailedPreconditionError("no admin stub");
  v1::ExportClientRequest request;
  request.set_tenant_id(tenant_id);
  request.set_client_id(client_id);
  v1::ExportClientResponse response;
  RETURN_IF_ERROR(CallWithRetry([&](grpc::ClientContext* context) {
    response.Clear();
    return admin_->ExportClient(context, request, &response);
  }));
  return std::vector<v1::Episode>(response.episodes().begin(),
                                  response.episodes().end());
}

absl::StatusOr<v1::ErasureRequest> Client::RequestErasure(
    const std::string& tenant_id, const std::string& client_id,
    const std::string& reason) {
  if (admin_ == nullptr) return absl::FailedPreconditionError("no admin stub");
  v1::RequestErasureRequest request;
  request.set_tenant_id(tenant_id);
  request.set_client_id(client_id);
  request.set_reason(reason);
  v1::ErasureRequest response;
  RETURN_IF_ERROR(CallOnce([&](grpc::ClientContext* context) {
    return admin_->RequestErasure(context, request, &response);
  }));
  return response;
}

absl::StatusOr<v1::RetentionReport> Client::RunRetention(
    const std::string& tenant_id, bool dry_run) {
  if (admin_ == nullptr) return absl::FailedPreconditionError("no admin stub");
  v1::RunRetentionRequest request;
  request.set_tenant_id(tenant_id);
  request.set_dry_run(dry_run);
  v1::RetentionReport response;
  RETURN_IF_ERROR(CallOnce([&](grpc::ClientContext* context) {
    return admin_->RunRetention(context, request, &response);
  }));
  return response;
}

absl::StatusOr<v1::ErasureRequest> Client::DecideErasure(
    const std::string& tenant_id, const std::string& request_id, bool approve) {
  if (admin_ == nullptr) return absl::FailedPreconditionError("no admin stub");
  v1::DecideErasureRequest request;
  request.set_tenant_id(tenant_id);
  request.set_request_id(request_id);
  request.set_approve(approve);
  v1::ErasureRequest response;
  RETURN_IF_ERROR(CallOnce([&](grpc::ClientContext* context) {
    return admin_->DecideErasure(context, request, &response);
  }));
  return response;
}

absl::StatusOr<std::vector<v1::ErasureRequest>> Client::ListErasureRequests(
    const std::string& tenant_id) {
  if (admin_ == nullptr) return absl::FailedPreconditionError("no admin stub");
  v1::ListErasureRequestsRequest request;
  request.set_tenant_id(tenant_id);
  v1::ListErasureRequestsResponse response;
  RETURN_IF_ERROR(CallWithRetry([&](grpc::ClientContext* context) {
    response.Clear();
    return admin_->ListErasureRequests(context, request, &response);
  }));
  return std::vector<v1::ErasureRequest>(response.requests().begin(),
                                         response.requests().end());
}

absl::StatusOr<std::vector<v1::EpisodeSummary>> Client::ListEpisodes(
    const v1::ListEpisodesRequest& request) {
  v1::ListEpisodesResponse response;
  absl::Status status = CallWithRetry([&](grpc::ClientContext* context) {
    response.Clear();
    return stub_->ListEpisodes(context, request, &response);
  });
  if (!status.ok()) return status;
  return std::vector<v1::EpisodeSummary>(response.episodes().begin(),
                                         response.episodes().end());
}

absl::StatusOr<v1::Caller> Client::WhoAmI() {
  v1::WhoAmIRequest request;
  v1::Caller response;
  absl::Status status = CallWithRetry([&](grpc::ClientContext* context) {
    return stub_->WhoAmI(context, request, &response);
  });
  if (!status.ok()) return status;
  return response;
}

}  // namespace tilbake::client

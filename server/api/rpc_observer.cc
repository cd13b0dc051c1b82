#include "server/api/rpc_observer.h"

#include <string>

#include "absl/random/random.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/log.h"
#include "server/api/request_id.h"

namespace tilbake::api {
namespace {

std::string NewRequestId() {
  static absl::Mutex mu(absl::kConstInit);
  static absl::BitGen* gen = new absl::BitGen();
  absl::MutexLock lock(&mu);
  return absl::StrFormat("%016x", absl::Uniform<uint64_t>(*gen));
}

class RpcObserver final : public grpc::experimental::Interceptor {
 public:
  RpcObserver(grpc::experimental::ServerRpcInfo* info,
              const RpcObserverOptions& options)
      : method_(info->method() != nullptr ? info->method() : "other"),
        unary_(info->type() == grpc::experimental::ServerRpcInfo::Type::UNARY),
        options_(options),
        start_(absl::Now()) {}

  void Intercept(
      grpc::experimental::InterceptorBatchMethods* methods) override {
    using grpc::experimental::InterceptionHookPoints;
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
      auto* metadata = methods->GetRecvInitialMetadata();
      // Every x-request-id the caller sent goes (a second one must not
      // reach a log unchecked); the first usable one is kept.
      auto [first, last] = metadata->equal_range(kRequestIdHeader);
      for (auto it = first; it != last; ++it) {
        const absl::string_view id(it->second.data(), it->second.size());
        if (request_id_.empty() && UsableRequestId(id)) {
          request_id_ = std::string(id);
        }
      }
      metadata->erase(first, last);
      // Handed to the handler with the client's metadata, so the access log
      // quotes the same id as this call's log line (RequestIdOf). The map
      // refers to request_id_, which lives as long as the call.
      metadata->emplace(kRequestIdHeader, RequestId());
    }
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::PRE_SEND_INITIAL_METADATA)) {
      methods->GetSendInitialMetadata()->emplace(kRequestIdHeader, RequestId());
    }
    if (unary_ && methods->QueryInterceptionHookPoint(
                      InterceptionHookPoints::POST_RECV_MESSAGE)) {
      // A unary call always carries one message; none here means its bytes
      // did not parse (gRPC then answers UNIMPLEMENTED with no message).
      malformed_ = methods->GetRecvMessage() == nullptr;
    }
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::PRE_SEND_STATUS)) {
      if (malformed_ &&
          methods->GetSendStatus().error_code() == grpc::UNIMPLEMENTED) {
        methods->ModifySendStatus(grpc::Status(
            grpc::StatusCode::INVALID_ARGUMENT,
            "request: the message does not parse (is every text field "
            "valid UTF-8?)"));
        if (options_.metrics != nullptr) {
          options_.metrics->MalformedRequest();
        }
        LogEvent(LogLevel::kWarning, "malformed_request",
                 {{"request_id", RequestId()}, {"method", method_}});
      }
      const grpc::Status status = methods->GetSendStatus();
      const double seconds = absl::ToDoubleSeconds(absl::Now() - start_);
      if (options_.metrics != nullptr) {
        options_.metrics->RpcFinished(method_, status.error_code(), seconds);
      }
      if (options_.log_requests) {
        LogEvent(status.ok() ? LogLevel::kInfo : LogLevel::kWarning, "rpc",
                 {{"request_id", RequestId()},
                  {"method", method_},
                  {"code", metrics::GrpcCodeName(status.error_code())},
                  {"duration_ms", absl::StrFormat("%.3f", seconds * 1e3)}});
      }
    }
    methods->Proceed();
  }

 private:
  const std::string& RequestId() {
    if (request_id_.empty()) request_id_ = NewRequestId();
    return request_id_;
  }

  std::string method_;
  const bool unary_;
  bool malformed_ = false;
  const RpcObserverOptions& options_;
  absl::Time start_;
  std::string request_id_;
};

class RpcObserverFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit RpcObserverFactory(RpcObserverOptions options) : options_(options) {}

  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    return new RpcObserver(info, options_);
  }

 private:
  const RpcObserverOptions options_;
};

}  // namespace

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
NewRpcObserverFactory(RpcObserverOptions options) {
  return std::make_unique<RpcObserverFactory>(options);
}

}  // namespace tilbake::api

#include "server/api/rpc_observer.h"

#include <string>

#include "absl/random/random.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/log.h"

namespace tilbake::api {
namespace {

constexpr char kRequestIdKey[] = "x-request-id";
constexpr size_t kMaxRequestIdLength = 64;

std::string NewRequestId() {
  static absl::Mutex mu(absl::kConstInit);
  static absl::BitGen* gen = new absl::BitGen();
  absl::MutexLock lock(&mu);
  return absl::StrFormat("%016x", absl::Uniform<uint64_t>(*gen));
}

// Keeps a caller's id only if it is short and printable (it goes into logs).
bool UsableRequestId(const std::string& id) {
  if (id.empty() || id.size() > kMaxRequestIdLength) return false;
  for (char c : id) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' ||
          c == '.' || c == ':')) {
      return false;
    }
  }
  return true;
}

class RpcObserver final : public grpc::experimental::Interceptor {
 public:
  RpcObserver(grpc::experimental::ServerRpcInfo* info,
              const RpcObserverOptions& options)
      : method_(info->method() != nullptr ? info->method() : "other"),
        options_(options),
        start_(absl::Now()) {}

  void Intercept(
      grpc::experimental::InterceptorBatchMethods* methods) override {
    using grpc::experimental::InterceptionHookPoints;
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
      auto* metadata = methods->GetRecvInitialMetadata();
      auto it = metadata->find(kRequestIdKey);
      if (it != metadata->end()) {
        std::string id(it->second.data(), it->second.size());
        if (UsableRequestId(id)) request_id_ = std::move(id);
        metadata->erase(it);  // Handlers see only the id in use.
      }
      // Handed to the handler with the client's metadata, so the access log
      // quotes the same id as this call's log line. The map refers to
      // request_id_, which lives as long as the call.
      metadata->emplace(kRequestIdKey, RequestId());
    }
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::PRE_SEND_INITIAL_METADATA)) {
      methods->GetSendInitialMetadata()->emplace(kRequestIdKey, RequestId());
    }
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::PRE_SEND_STATUS)) {
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

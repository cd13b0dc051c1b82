#ifndef TILBAKE_SERVER_API_RPC_OBSERVER_H_
#define TILBAKE_SERVER_API_RPC_OBSERVER_H_

#include <memory>

#include "grpcpp/support/server_interceptor.h"
#include "server/metrics/service_metrics.h"

namespace tilbake::api {

struct RpcObserverOptions {
  metrics::ServiceMetrics* metrics = nullptr;  // Null: no metrics.
  bool log_requests = true;                    // One log line per RPC.
};

// Sees every RPC of the server in one place (a gRPC server interceptor):
// counts and times it by method and status code, and logs one line
//   event=rpc request_id=… method=/tilbake.v1.Feedback/SubmitRating
//   code=OK duration_ms=0.61
// The request id is the caller's `x-request-id` metadata, or a new one; it
// is sent back as `x-request-id` so a caller can quote it. Logs carry no
// message text: error messages may name pseudonyms.
std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
NewRpcObserverFactory(RpcObserverOptions options);

}  // namespace tilbake::api

#endif  // TILBAKE_SERVER_API_RPC_OBSERVER_H_

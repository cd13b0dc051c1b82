#ifndef TILBAKE_SERVER_API_STATUS_MAPPING_H_
#define TILBAKE_SERVER_API_STATUS_MAPPING_H_

#include "absl/status/status.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/status.h"

namespace tilbake::api {

// The one place an absl::Status becomes a grpc::Status. Abseil's canonical
// codes are numbered as gRPC's, so the code carries over unchanged and the
// message (which names the offending field) goes with it. Internal and
// DataLoss details stay in the server's log; the caller gets a generic text.
grpc::Status ToGrpcStatus(const absl::Status& status);

// Finishes a unary callback call with `status`, mapped as above.
grpc::ServerUnaryReactor* Finish(grpc::CallbackServerContext* context,
                                 const absl::Status& status);

}  // namespace tilbake::api

#endif  // TILBAKE_SERVER_API_STATUS_MAPPING_H_

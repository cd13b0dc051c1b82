#ifndef TILBAKE_SERVER_API_REQUEST_ID_H_
#define TILBAKE_SERVER_API_REQUEST_ID_H_

#include <string>

#include "absl/strings/string_view.h"
#include "grpcpp/server_context.h"

namespace tilbake::api {

// The metadata key of a call's request id, in both directions.
inline constexpr char kRequestIdHeader[] = "x-request-id";
inline constexpr size_t kMaxRequestIdLength = 64;

// Whether a caller's id may be kept: 1–64 characters of [A-Za-z0-9._:-]
// (it goes into logs and the access log).
bool UsableRequestId(absl::string_view id);

// The call's request id as the RpcObserver settled it (the caller's usable
// id, or a new one): the observer removes every x-request-id the caller
// sent and puts exactly one back, so this is the id of the call's log line,
// its access-log entries and its response. "" when the call has none (a
// handler run without the observer) or, defensively, when the metadata
// holds anything but one usable id.
std::string RequestIdOf(const grpc::ServerContextBase& context);

}  // namespace tilbake::api

#endif  // TILBAKE_SERVER_API_REQUEST_ID_H_

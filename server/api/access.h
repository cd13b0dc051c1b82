#ifndef TILBAKE_SERVER_API_ACCESS_H_
#define TILBAKE_SERVER_API_ACCESS_H_

#include <optional>

#include "absl/status/statusor.h"
#include "grpcpp/server_context.h"
#include "server/auth/policy.h"
#include "server/auth/tokens.h"

namespace tilbake::api {

// The caller of `context`, from its "authorization: Bearer <token>"
// metadata. With `tokens` null (no --tokens_file) authentication is off and
// the answer is nullopt: every call is allowed. Unauthenticated otherwise.
absl::StatusOr<std::optional<auth::Principal>> Authenticate(
    const grpc::ServerContextBase& context, const auth::TokenStore* tokens);

// Authenticate, then auth::Authorize: what every handler calls before it
// touches data. A denial is logged (who, which RPC, why; never a client id)
// and returned as UNAUTHENTICATED or PERMISSION_DENIED.
absl::StatusOr<std::optional<auth::Principal>> CheckAccess(
    const grpc::ServerContextBase& context, const auth::TokenStore* tokens,
    auth::Rpc rpc, const auth::Access& access);

// auth::Authorize for a principal already known (each record of an import
// stream); nullopt (authentication off) allows everything.
absl::Status CheckAccess(const std::optional<auth::Principal>& principal,
                         auth::Rpc rpc, const auth::Access& access);

}  // namespace tilbake::api

#endif  // TILBAKE_SERVER_API_ACCESS_H_

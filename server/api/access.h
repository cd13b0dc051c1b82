#ifndef TILBAKE_SERVER_API_ACCESS_H_
#define TILBAKE_SERVER_API_ACCESS_H_

#include <optional>

#include "absl/status/statusor.h"
#include "domain/audit.h"
#include "grpcpp/server_context.h"
#include "server/api/refusal_summary.h"
#include "server/auth/policy.h"
#include "server/auth/tokens.h"
#include "server/core/audit_trail.h"

namespace tilbake::api {

// What every handler passes before it touches data: the bearer tokens and
// the access log, where every refusal is written.
struct Gate {
  // Null: authentication off; every call is allowed.
  const auth::TokenStore* tokens = nullptr;
  // Null: refusals are logged to the process log only (tests of handlers
  // without storage).
  const core::AuditTrail* audit = nullptr;
  // Where calls refused UNAUTHENTICATED are counted instead of logged one
  // entry each (refusal_summary.h); null: each is logged as above.
  RefusalSummary* unauthenticated = nullptr;
};

// The caller of `context`, from its "authorization: Bearer <token>"
// metadata. With `tokens` null (no --tokens_file) authentication is off and
// the answer is nullopt: every call is allowed. Unauthenticated otherwise.
absl::StatusOr<std::optional<auth::Principal>> Authenticate(
    const grpc::ServerContextBase& context, const auth::TokenStore* tokens);

// Who makes the call, for the access log: the principal's name, role and
// tenant ("(anonymous)" with authentication off), the call's x-request-id
// and the peer's address.
domain::Actor ActorFor(const grpc::ServerContextBase& context,
                       const std::optional<auth::Principal>& principal);

// Authenticate, then auth::Authorize. A refusal is returned as
// UNAUTHENTICATED or PERMISSION_DENIED. A PERMISSION_DENIED (a known
// caller) is written to the access log (who, which RPC, the tenant, episode
// and client asked for, why; without waiting for the disk) and the process
// log (without ids); an UNAUTHENTICATED one is counted in
// gate.unauthenticated, which summarises them per interval.
absl::StatusOr<std::optional<auth::Principal>> CheckAccess(
    const grpc::ServerContextBase& context, const Gate& gate, auth::Rpc rpc,
    const auth::Access& access);

// auth::Authorize for a principal already known (each record of an import
// stream), logged as above; nullopt (authentication off) allows everything.
absl::Status CheckAccess(const std::optional<auth::Principal>& principal,
                         const domain::Actor& actor, const Gate& gate,
                         auth::Rpc rpc, const auth::Access& access);

}  // namespace tilbake::api

#endif  // TILBAKE_SERVER_API_ACCESS_H_

#include "server/api/access.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "server/api/request_id.h"

namespace tilbake::api {
namespace {

std::string Metadata(const grpc::ServerContextBase& context,
                     const std::string& key) {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find(key);
  return it == metadata.end()
             ? std::string()
             : std::string(it->second.data(), it->second.size());
}

absl::Status Denied(absl::Status status, const domain::Actor& actor,
                    const Gate& gate, auth::Rpc rpc,
                    const auth::Access& access) {
  LogEvent(LogLevel::kWarning, "access_denied",
           {{"rpc", auth::RpcName(rpc)},
            {"principal", actor.name},
            {"request_id", actor.request_id},
            {"code", absl::StatusCodeToString(status.code())}});
  if (gate.audit == nullptr) return status;
  // Not waited for on the disk (it is durable with the next synced write):
  // a refused call runs before load shedding, and a flood of them must not
  // cost an fsync each.
  return gate.audit->RecordFailure(
      gate.audit->Entry(actor, auth::RpcName(rpc), access.tenant_id,
                        access.episode_id, access.client_id, status,
                        std::string(status.message())),
      status, /*deferred=*/true);
}

}  // namespace

absl::StatusOr<std::optional<auth::Principal>> Authenticate(
    const grpc::ServerContextBase& context, const auth::TokenStore* tokens) {
  if (tokens == nullptr) return std::nullopt;
  absl::StatusOr<auth::Principal> principal =
      tokens->Authenticate(Metadata(context, "authorization"));
  if (!principal.ok()) return principal.status();
  return std::optional<auth::Principal>(*std::move(principal));
}

domain::Actor ActorFor(const grpc::ServerContextBase& context,
                       const std::optional<auth::Principal>& principal) {
  domain::Actor actor;
  if (principal.has_value()) {
    actor.name = principal->name;
    actor.role = auth::RoleName(principal->role);
    actor.tenant_id = principal->tenant_id;
    if (principal->role == auth::Role::kClinician) {
      actor.clinician_id = principal->clinician_id;
    }
  } else {
    actor.name = "(anonymous)";
  }
  actor.request_id = RequestIdOf(context);
  actor.peer = context.peer();
  return actor;
}

absl::StatusOr<std::optional<auth::Principal>> CheckAccess(
    const grpc::ServerContextBase& context, const Gate& gate, auth::Rpc rpc,
    const auth::Access& access) {
  absl::StatusOr<std::optional<auth::Principal>> principal =
      Authenticate(context, gate.tokens);
  if (!principal.ok()) {
    if (gate.unauthenticated != nullptr) {
      // Anyone can send these: counted, not an entry each.
      gate.unauthenticated->Count(access.tenant_id, auth::RpcName(rpc),
                                  context.peer());
      return principal.status();
    }
    domain::Actor nobody = ActorFor(context, std::nullopt);
    nobody.name = "(unauthenticated)";
    return Denied(principal.status(), nobody, gate, rpc, access);
  }
  absl::Status allowed =
      CheckAccess(*principal, ActorFor(context, *principal), gate, rpc, access);
  if (!allowed.ok()) return allowed;
  return principal;
}

absl::Status CheckAccess(const std::optional<auth::Principal>& principal,
                         const domain::Actor& actor, const Gate& gate,
                         auth::Rpc rpc, const auth::Access& access) {
  if (!principal.has_value()) return absl::OkStatus();
  absl::Status allowed = auth::Authorize(*principal, rpc, access);
  if (!allowed.ok()) return Denied(allowed, actor, gate, rpc, access);
  return absl::OkStatus();
}

}  // namespace tilbake::api

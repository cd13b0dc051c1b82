#include "server/api/access.h"

#include <string>

#include "common/log.h"

namespace tilbake::api {
namespace {

absl::Status Denied(absl::Status status, auth::Rpc rpc,
                    const std::string& who) {
  LogEvent(LogLevel::kWarning, "access_denied",
           {{"rpc", auth::RpcName(rpc)},
            {"principal", who},
            {"code", absl::StatusCodeToString(status.code())},
            {"reason", std::string(status.message())}});
  return status;
}

}  // namespace

absl::StatusOr<std::optional<auth::Principal>> Authenticate(
    const grpc::ServerContextBase& context, const auth::TokenStore* tokens) {
  if (tokens == nullptr) return std::nullopt;
  const auto& metadata = context.client_metadata();
  auto it = metadata.find("authorization");
  const std::string header =
      it == metadata.end() ? ""
                           : std::string(it->second.data(), it->second.size());
  absl::StatusOr<auth::Principal> principal = tokens->Authenticate(header);
  if (!principal.ok()) return principal.status();
  return std::optional<auth::Principal>(*std::move(principal));
}

absl::StatusOr<std::optional<auth::Principal>> CheckAccess(
    const grpc::ServerContextBase& context, const auth::TokenStore* tokens,
    auth::Rpc rpc, const auth::Access& access) {
  absl::StatusOr<std::optional<auth::Principal>> principal =
      Authenticate(context, tokens);
  if (!principal.ok()) return Denied(principal.status(), rpc, "(none)");
  absl::Status allowed = CheckAccess(*principal, rpc, access);
  if (!allowed.ok()) return allowed;
  return principal;
}

absl::Status CheckAccess(const std::optional<auth::Principal>& principal,
                         auth::Rpc rpc, const auth::Access& access) {
  if (!principal.has_value()) return absl::OkStatus();
  absl::Status allowed = auth::Authorize(*principal, rpc, access);
  if (!allowed.ok()) return Denied(allowed, rpc, principal->name);
  return absl::OkStatus();
}

}  // namespace tilbake::api

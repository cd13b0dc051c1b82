#include "server/api/request_id.h"

#include "absl/strings/ascii.h"

namespace tilbake::api {

bool UsableRequestId(absl::string_view id) {
  if (id.empty() || id.size() > kMaxRequestIdLength) return false;
  for (char c : id) {
    if (!(absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' ||
          c == '_' || c == '.' || c == ':')) {
      return false;
    }
  }
  return true;
}

std::string RequestIdOf(const grpc::ServerContextBase& context) {
  const auto [first, last] =
      context.client_metadata().equal_range(grpc::string_ref(kRequestIdHeader));
  if (first == last || std::next(first) != last) return "";
  const absl::string_view id(first->second.data(), first->second.size());
  return UsableRequestId(id) ? std::string(id) : "";
}

}  // namespace tilbake::api

#ifndef TILBAKE_SERVER_AUTH_TOKENS_H_
#define TILBAKE_SERVER_AUTH_TOKENS_H_

#include <ctime>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace tilbake::auth {

enum class Role { kClinician, kQuality, kAdmin, kIntegration };

// "clinician", … ; and back (InvalidArgument for an unknown name).
const char* RoleName(Role role);
absl::StatusOr<Role> ParseRole(absl::string_view name);

// Who is calling, from their token.
struct Principal {
  std::string name;       // For logs; never a client's.
  std::string tenant_id;  // "*": every tenant (operator admin only).
  Role role = Role::kClinician;
  std::string clinician_id;  // kClinician.
  std::string org_unit;      // kQuality: their subtree ("" = whole tenant).
  bool clinician_figures = false;  // kQuality: also per-clinician figures.
};

// SHA-256(salt || token) as lower-case hex; `salt_hex` is hex.
std::string HashToken(absl::string_view salt_hex, absl::string_view token);

// A fresh random token (32 bytes, hex) and a new salt (16 bytes, hex).
std::string NewToken();
std::string NewSalt();

// The tokens file, loaded and validated, reloaded when it changes on disk.
// Thread-safe.
class TokenStore {
 public:
  // Reads and validates `path` (each entry: a role, a tenant, a clinician
  // id for clinicians, hex salt and hash). InvalidArgument naming the file
  // and entry, NotFound if it cannot be read.
  static absl::StatusOr<std::unique_ptr<TokenStore>> Load(
      const std::string& path);

  // The principal of an `authorization` header value ("Bearer <token>").
  // Unauthenticated when it is missing, malformed or matches no entry.
  absl::StatusOr<Principal> Authenticate(absl::string_view header) const;

  // Re-reads the file if it changed since it was read. A file that no
  // longer loads keeps the tokens in force and returns the error.
  // Returns true when new tokens took effect.
  absl::StatusOr<bool> ReloadIfChanged();

  size_t size() const;

 private:
  struct Entry {
    Principal principal;
    std::string salt_hex;
    std::string sha256_hex;
  };
  static absl::StatusOr<std::vector<Entry>> Read(const std::string& path);

  explicit TokenStore(std::string path) : path_(std::move(path)) {}

  const std::string path_;
  mutable absl::Mutex mu_;
  std::vector<Entry> entries_ ABSL_GUARDED_BY(mu_);
  std::timespec modified_ ABSL_GUARDED_BY(mu_) = {};
};

}  // namespace tilbake::auth

#endif  // TILBAKE_SERVER_AUTH_TOKENS_H_

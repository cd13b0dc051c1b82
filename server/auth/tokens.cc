#include "server/auth/tokens.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sys/stat.h>

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/status_macros.h"
#include "server/config/text_files.h"
#include "tilbake/auth/tokens.pb.h"

namespace tilbake::auth {
namespace {

std::string RandomHex(size_t bytes) {
  std::string raw(bytes, '\0');
  RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()),
             static_cast<int>(bytes));
  return absl::BytesToHexString(raw);
}

bool IsHex(absl::string_view text, size_t length) {
  if (text.size() != length) return false;
  for (char c : text) {
    if (!absl::ascii_isxdigit(c) || absl::ascii_isupper(c)) return false;
  }
  return true;
}

std::timespec ModifiedTime(const std::string& path) {
  struct stat st = {};
  if (stat(path.c_str(), &st) != 0) return {};
  return st.st_mtim;
}

bool Same(const std::timespec& a, const std::timespec& b) {
  return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

}  // namespace

const char* RoleName(Role role) {
  switch (role) {
    case Role::kClinician:
      return "clinician";
    case Role::kQuality:
      return "quality";
    case Role::kAdmin:
      return "admin";
    case Role::kIntegration:
      return "integration";
  }
  return "unknown";
}

absl::StatusOr<Role> ParseRole(absl::string_view name) {
  for (Role role :
       {Role::kClinician, Role::kQuality, Role::kAdmin, Role::kIntegration}) {
    if (name == RoleName(role)) return role;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("role: \"", name,
                   "\" is not one of clinician, quality, admin, integration"));
}

std::string HashToken(absl::string_view salt_hex, absl::string_view token) {
  const std::string input =
      absl::StrCat(absl::HexStringToBytes(salt_hex), token);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(input.data(), input.size(), digest, &length, EVP_sha256(),
             nullptr);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), length));
}

std::string NewToken() { return RandomHex(32); }
std::string NewSalt() { return RandomHex(16); }

absl::StatusOr<std::vector<TokenStore::Entry>> TokenStore::Read(
    const std::string& path) {
  ASSIGN_OR_RETURN(std::string text, config::ReadTextFile(path));
  TokenFile file;
  RETURN_IF_ERROR(config::ParseTextProto(path, text, &file));
  std::vector<Entry> entries;
  for (int i = 0; i < file.token_size(); ++i) {
    const TokenEntry& t = file.token(i);
    const std::string where =
        absl::StrCat(path, ": token[", i, "] (", t.name(), ")");
    auto fail = [&](absl::string_view what) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": ", what));
    };
    absl::StatusOr<Role> role = ParseRole(t.role());
    if (!role.ok()) return fail(role.status().message());
    if (t.name().empty()) return fail("name: is required");
    if (t.tenant_id().empty()) return fail("tenant_id: is required");
    if (t.tenant_id() == "*" && *role != Role::kAdmin) {
      return fail("tenant_id \"*\" is for admin tokens only");
    }
    if (*role == Role::kClinician && t.clinician_id().empty()) {
      return fail("clinician_id: is required for a clinician");
    }
    if (!IsHex(t.salt(), 32))
      return fail("salt: give 32 lower-case hex digits");
    if (!IsHex(t.sha256(), 64)) {
      return fail("sha256: give 64 lower-case hex digits");
    }
    if (t.clinician_figures() && *role != Role::kQuality) {
      return fail(
          "clinician_figures: is for quality tokens (admins read them "
          "anyway)");
    }
    entries.push_back(
        {Principal{t.name(), t.tenant_id(), *role, t.clinician_id(),
                   t.org_unit(), t.clinician_figures()},
         t.salt(), t.sha256()});
  }
  if (entries.empty()) {
    // Would lock every caller out without a word: refused like a broken
    // file (at a reload, the tokens in force stay).
    return absl::InvalidArgumentError(absl::StrCat(
        path,
        ": holds no token; every call would be refused. Add a token "
        "(`tilbake-server token` makes one), or start without --tokens_file to "
        "turn authentication off on loopback"));
  }
  return entries;
}

absl::StatusOr<std::unique_ptr<TokenStore>> TokenStore::Load(
    const std::string& path) {
  auto store = std::unique_ptr<TokenStore>(new TokenStore(path));
  const std::timespec modified = ModifiedTime(path);
  ASSIGN_OR_RETURN(std::vector<Entry> entries, Read(path));
  absl::MutexLock lock(&store->mu_);
  store->entries_ = std::move(entries);
  store->modified_ = modified;
  return store;
}

absl::StatusOr<bool> TokenStore::ReloadIfChanged() {
  const std::timespec modified = ModifiedTime(path_);
  {
    absl::MutexLock lock(&mu_);
    if (Same(modified, modified_)) return false;
  }
  absl::StatusOr<std::vector<Entry>> entries = Read(path_);
  absl::MutexLock lock(&mu_);
  // A refused file is reported once, not at every check: it is read again
  // when it changes again.
  modified_ = modified;
  if (!entries.ok()) return entries.status();
  entries_ = *std::move(entries);
  return true;
}

size_t TokenStore::size() const {
  absl::MutexLock lock(&mu_);
  return entries_.size();
}

absl::StatusOr<Principal> TokenStore::Authenticate(
    absl::string_view header) const {
  if (header.empty()) {
    return absl::UnauthenticatedError(
        "no credentials: send \"authorization: Bearer <token>\"");
  }
  if (!absl::ConsumePrefix(&header, "Bearer ") || header.empty()) {
    return absl::UnauthenticatedError(
        "authorization: expected \"Bearer <token>\"");
  }
  absl::MutexLock lock(&mu_);
  for (const Entry& entry : entries_) {
    const std::string hash = HashToken(entry.salt_hex, header);
    // Constant time: how much of a hash matched must not leak.
    if (hash.size() == entry.sha256_hex.size() &&
        CRYPTO_memcmp(hash.data(), entry.sha256_hex.data(), hash.size()) == 0) {
      return entry.principal;
    }
  }
  return absl::UnauthenticatedError("unknown or revoked token");
}

}  // namespace tilbake::auth

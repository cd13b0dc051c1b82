#ifndef TILBAKE_TESTS_TESTING_TOKEN_ENTRIES_H_
#define TILBAKE_TESTS_TESTING_TOKEN_ENTRIES_H_

#include <string>

#include "absl/strings/str_cat.h"
#include "server/auth/tokens.h"

namespace tilbake::testing {

// One entry of a --tokens_file for `token` (a fresh salt, its hash), with
// `extra` fields such as `clinician_id: "k-4"`.
inline std::string TokenEntry(const std::string& name,
                              const std::string& tenant,
                              const std::string& role, const std::string& token,
                              const std::string& extra = "") {
  const std::string salt = auth::NewSalt();
  return absl::StrCat("token { name: \"", name, "\" tenant_id: \"", tenant,
                      "\" role: \"", role, "\" ", extra, " salt: \"", salt,
                      "\" sha256: \"", auth::HashToken(salt, token), "\" }\n");
}

}  // namespace tilbake::testing

#endif  // TILBAKE_TESTS_TESTING_TOKEN_ENTRIES_H_

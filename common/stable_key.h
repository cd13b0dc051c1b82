#ifndef TILBAKE_COMMON_STABLE_KEY_H_
#define TILBAKE_COMMON_STABLE_KEY_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace tilbake {

// FNV-1a, 64 bits: the same for the same text on every run, build and
// machine (absl::Hash is not), so keys derived from it can be recomputed.
uint64_t StableHash(absl::string_view text, uint64_t seed = 0);

// An idempotency key for something imported from a file, derived from its
// identity so importing the same file again derives the same keys:
// `prefix` + ":" + `identity` when that is a valid identifier (see
// CheckIdentifier), else `prefix` + "-" + 32 hex digits of its hash.
std::string StableKey(absl::string_view prefix, absl::string_view identity);

}  // namespace tilbake

#endif  // TILBAKE_COMMON_STABLE_KEY_H_

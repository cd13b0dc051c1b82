#include "common/stable_key.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/identifiers.h"

namespace tilbake {

uint64_t StableHash(absl::string_view text, uint64_t seed) {
  uint64_t hash = 14695981039346656037ull ^ seed;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  return hash;
}

std::string StableKey(absl::string_view prefix, absl::string_view identity) {
  std::string readable = absl::StrCat(prefix, ":", identity);
  if (CheckIdentifier("key", readable).ok()) return readable;
  return absl::StrFormat("%s-%016x%016x", prefix, StableHash(identity),
                         StableHash(identity, 0x9e3779b97f4a7c15ull));
}

}  // namespace tilbake

#ifndef TILBAKE_COMMON_IDENTIFIERS_H_
#define TILBAKE_COMMON_IDENTIFIERS_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace tilbake {

// Checks an opaque identifier (tenant, episode, client pseudonym, clinician,
// idempotency key): 1–128 characters of [A-Za-z0-9._:@/-], starting with a
// letter or digit. Identifiers end up inside storage keys, so anything that
// could break key ordering (NUL, separators, control bytes) is refused here.
// Returns InvalidArgument naming `field`.
absl::Status CheckIdentifier(absl::string_view field, absl::string_view value);

// Checks an org unit path: 1–8 segments joined by '/', each 1–64 characters
// of [a-z0-9._-] (lower case so "Team-Nord" and "team-nord" cannot split a
// department's figures). Returns InvalidArgument naming `field`.
absl::Status CheckOrgUnit(absl::string_view field, absl::string_view value);

}  // namespace tilbake

#endif  // TILBAKE_COMMON_IDENTIFIERS_H_

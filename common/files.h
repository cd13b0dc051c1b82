#ifndef TILBAKE_COMMON_FILES_H_
#define TILBAKE_COMMON_FILES_H_

#include <string>

#include "absl/status/statusor.h"

namespace tilbake {

// The whole file (configuration, certificates). NotFound naming the path if
// it cannot be read.
absl::StatusOr<std::string> ReadTextFile(const std::string& path);

}  // namespace tilbake

#endif  // TILBAKE_COMMON_FILES_H_

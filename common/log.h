#ifndef TILBAKE_COMMON_LOG_H_
#define TILBAKE_COMMON_LOG_H_

#include <initializer_list>
#include <string>
#include <utility>

#include "absl/strings/string_view.h"

namespace tilbake {

enum class LogLevel { kInfo, kWarning, kError };

// One structured log line on stderr:
//   ts=2026-11-22T10:00:00.123Z level=info event=server_started listen=…
// Values with spaces or quotes are quoted. Never pass client ids, scores or
// free text from a rating: logs leave the health-data boundary.
// Thread-safe: lines from different threads never interleave.
void LogEvent(LogLevel level, absl::string_view event,
              std::initializer_list<std::pair<absl::string_view, std::string>>
                  fields = {});

}  // namespace tilbake

#endif  // TILBAKE_COMMON_LOG_H_

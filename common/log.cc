#include "common/log.h"

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace tilbake {
namespace {

const char* LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarning:
      return "warning";
    case LogLevel::kError:
      return "error";
  }
  return "unknown";
}

std::string Quoted(absl::string_view value) {
  if (!value.empty() && value.find_first_of(" \"=\n\t") == value.npos) {
    return std::string(value);
  }
  return absl::StrCat(
      "\"",
      absl::StrReplaceAll(value,
                          {{"\\", "\\\\"}, {"\"", "\\\""}, {"\n", "\\n"}}),
      "\"");
}

}  // namespace

void LogEvent(
    LogLevel level, absl::string_view event,
    std::initializer_list<std::pair<absl::string_view, std::string>> fields) {
  std::string line =
      absl::StrCat("ts=",
                   absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(),
                                    absl::UTCTimeZone()),
                   " level=", LevelName(level), " event=", Quoted(event));
  for (const auto& [key, value] : fields) {
    absl::StrAppend(&line, " ", key, "=", Quoted(value));
  }
  line.push_back('\n');
  // One fwrite per line: stdio locks the stream, so lines stay whole.
  std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace tilbake

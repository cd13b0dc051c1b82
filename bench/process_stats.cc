#include "bench/process_stats.h"

#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace tilbake::bench {

std::pair<double, double> ResidentMiB(pid_t pid) {
  std::ifstream status(absl::StrCat("/proc/", pid, "/status"));
  double rss = 0, peak = 0;
  for (std::string line; std::getline(status, line);) {
    double kib = 0;
    std::istringstream fields(line.substr(line.find(':') + 1));
    fields >> kib;
    if (absl::StartsWith(line, "VmRSS:")) rss = kib / 1024;
    if (absl::StartsWith(line, "VmHWM:")) peak = kib / 1024;
  }
  return {rss, peak};
}

double CpuSeconds(pid_t pid) {
  std::ifstream stat(absl::StrCat("/proc/", pid, "/stat"));
  std::string text((std::istreambuf_iterator<char>(stat)),
                   std::istreambuf_iterator<char>());
  // The command name (field 2) is in parentheses and may hold spaces: the
  // fields are counted from the last ')'. utime and stime are fields 14
  // and 15, the 12th and 13th after it.
  const size_t close = text.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream fields(text.substr(close + 1));
  std::string field;
  for (int i = 0; i < 11 && fields >> field; ++i) {
  }
  long long utime = 0, stime = 0;
  if (!(fields >> utime >> stime)) return 0;
  return static_cast<double>(utime + stime) /
         static_cast<double>(sysconf(_SC_CLK_TCK));
}

absl::Status StopAndRemoveLog(testing::ChildProcess& process,
                              const std::string& name, const std::string& log) {
  if (const int code = process.StopWith(SIGTERM); code != 0) {
    return absl::InternalError(
        absl::StrCat(name, " exited with ", code, ":\n", process.log()));
  }
  std::error_code ignored;
  std::filesystem::remove(log, ignored);
  return absl::OkStatus();
}

}  // namespace tilbake::bench

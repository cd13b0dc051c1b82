#ifndef TILBAKE_BENCH_PROCESS_STATS_H_
#define TILBAKE_BENCH_PROCESS_STATS_H_

#include <sys/types.h>

#include <string>
#include <utility>

#include "absl/status/status.h"
#include "tests/testing/child_process.h"

// What the bench reads of the server processes it starts (from /proc), and
// how it stops them.
namespace tilbake::bench {

// VmRSS (now) and VmHWM (peak) of process `pid`, in MiB.
std::pair<double, double> ResidentMiB(pid_t pid);

// User + system CPU seconds process `pid` has used so far (utime + stime of
// /proc/<pid>/stat, in clock ticks of sysconf(_SC_CLK_TCK)); 0 if unreadable.
double CpuSeconds(pid_t pid);

// Stops `process` (`name`) with SIGTERM; an exit other than 0 is an error
// with its log, which is kept. Otherwise the log goes.
absl::Status StopAndRemoveLog(testing::ChildProcess& process,
                              const std::string& name, const std::string& log);

}  // namespace tilbake::bench

#endif  // TILBAKE_BENCH_PROCESS_STATS_H_

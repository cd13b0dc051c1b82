#ifndef TILBAKE_COMMON_STOP_SIGNALS_H_
#define TILBAKE_COMMON_STOP_SIGNALS_H_

#include <csignal>

namespace tilbake {

// A server process's stop signals (SIGTERM from systemd, SIGINT from a
// terminal), taken by sigwait rather than a handler. Construct it first in
// main, before any thread starts: every thread then inherits the blocked
// mask, so only Wait sees the signal and nothing runs in signal context.
class StopSignals {
 public:
  StopSignals();
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

  // Blocks until one of them arrives; returns its number.
  int Wait() const;

 private:
  sigset_t signals_;
};

}  // namespace tilbake

#endif  // TILBAKE_COMMON_STOP_SIGNALS_H_

#ifndef TILBAKE_COMMON_WORKER_POOL_H_
#define TILBAKE_COMMON_WORKER_POOL_H_

#include <deque>
#include <thread>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/synchronization/mutex.h"

namespace tilbake {

// A fixed set of threads running scheduled work in order. For work that
// blocks (a synced write waits for the disk): gRPC's callback threads are as
// many as the cores, so blocking there lets only that many writes wait for
// the disk at once, and RocksDB cannot group their fsyncs. The queue itself
// is unbounded; callers bound it (api::AdmissionControl admits at most
// --max_in_flight calls). Thread-safe.
class WorkerPool {
 public:
  explicit WorkerPool(int threads);
  // Runs everything already scheduled, then joins the threads.
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  void Schedule(absl::AnyInvocable<void() &&> work);

 private:
  void Loop();

  absl::Mutex mu_;
  std::deque<absl::AnyInvocable<void() &&>> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace tilbake

#endif  // TILBAKE_COMMON_WORKER_POOL_H_

#include "bench/load_client.h"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>

#include "absl/time/clock.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"

namespace tilbake::bench {

std::vector<std::shared_ptr<grpc::Channel>> Channels(const std::string& target,
                                                     int count) {
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  for (int i = 0; i < count; ++i) {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    args.SetMaxReceiveMessageSize(64 << 20);
    channels.push_back(grpc::CreateCustomChannel(
        target, grpc::InsecureChannelCredentials(), args));
  }
  return channels;
}

namespace {

// A start nested this deep in completions (gRPC may complete a failed call
// inline, inside the start) goes to the waiting thread instead, so that a
// run of failures cannot grow the stack without bound.
constexpr int kMaxNesting = 4;
thread_local int nesting = 0;

class Driver {
 public:
  Driver(int total, absl::Duration limit, const StartCall& start)
      : total_(total),
        deadline_(absl::Now() + limit),
        start_(start),
        latencies_(total, -1) {}

  LoadRun Run(int in_flight) {
    const absl::Time t0 = absl::Now();
    {
      std::lock_guard<std::mutex> lock(mu_);
      active_ = in_flight;
    }
    for (int slot = 0; slot < in_flight; ++slot) Next();
    std::unique_lock<std::mutex> lock(mu_);
    while (true) {
      cv_.wait(lock, [&] { return active_ == 0 || !deferred_.empty(); });
      if (active_ == 0) break;
      deferred_.pop_front();
      lock.unlock();
      Next();
      lock.lock();
    }
    LoadRun run;
    run.seconds = absl::ToDoubleSeconds(absl::Now() - t0);
    run.errors = errors_.load();
    for (double l : latencies_) {
      if (l >= 0) run.latencies_ms.push_back(l);
    }
    run.calls = static_cast<int>(run.latencies_ms.size());
    return run;
  }

 private:
  // Starts the next call of a slot, or retires the slot when the run is over.
  void Next() {
    const int index = next_.fetch_add(1);
    if (index >= total_ || absl::Now() >= deadline_) {
      std::lock_guard<std::mutex> lock(mu_);
      if (--active_ == 0) cv_.notify_all();
      return;
    }
    const absl::Time t0 = absl::Now();
    ++nesting;
    start_(index, [this, index, t0](bool ok) {
      latencies_[index] = absl::ToDoubleMilliseconds(absl::Now() - t0);
      if (!ok) ++errors_;
      if (nesting >= kMaxNesting) {
        std::lock_guard<std::mutex> lock(mu_);
        deferred_.push_back(index);
        cv_.notify_all();
        return;
      }
      Next();
    });
    --nesting;
  }

  const int total_;
  const absl::Time deadline_;
  const StartCall& start_;
  std::vector<double> latencies_;  // by call index; -1: not completed
  std::atomic<int> next_{0};
  std::atomic<int> errors_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  int active_ = 0;            // slots not yet retired (guarded by mu_)
  std::deque<int> deferred_;  // slots whose next start waits (mu_)
};

}  // namespace

LoadRun DriveAsync(int in_flight, int total, absl::Duration limit,
                   const StartCall& start) {
  Driver driver(total, limit, start);
  return driver.Run(in_flight);
}

}  // namespace tilbake::bench

#include "server/api/idle_streams.h"

#include <algorithm>
#include <utility>

#include "absl/time/clock.h"

namespace tilbake::api {

IdleStreams::IdleStreams(absl::Duration limit) : limit_(limit) {
  if (limit_ > absl::ZeroDuration()) thread_ = std::thread([this] { Loop(); });
}

IdleStreams::~IdleStreams() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

void IdleStreams::Watch(std::weak_ptr<Stream> stream) {
  if (limit_ <= absl::ZeroDuration()) return;
  absl::MutexLock lock(&mu_);
  streams_.push_back(std::move(stream));
}

void IdleStreams::Loop() {
  const absl::Duration tick = std::min(limit_ / 4, absl::Seconds(1));
  while (true) {
    std::vector<std::shared_ptr<Stream>> alive;
    {
      absl::MutexLock lock(&mu_);
      // Wakes early when the destructor sets stopping_.
      mu_.AwaitWithTimeout(absl::Condition(&stopping_), tick);
      if (stopping_) return;
      std::erase_if(streams_,
                    [](const std::weak_ptr<Stream>& s) { return s.expired(); });
      for (const std::weak_ptr<Stream>& s : streams_) {
        if (auto stream = s.lock()) alive.push_back(std::move(stream));
      }
    }
    // Asked without the lock: ending a stream may run its completion (and
    // its Watch-free teardown) on this thread.
    const absl::Time now = absl::Now();
    for (const std::shared_ptr<Stream>& stream : alive) {
      stream->EndIfIdle(now, limit_);
    }
  }
}

}  // namespace tilbake::api

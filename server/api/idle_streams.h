#ifndef TILBAKE_SERVER_API_IDLE_STREAMS_H_
#define TILBAKE_SERVER_API_IDLE_STREAMS_H_

#include <memory>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace tilbake::api {

// Ends import streams that wait too long for their next record. An open
// stream holds an import slot and a call slot; a client that opens streams
// and sends nothing (or stalls) would otherwise keep them for ever and
// starve everyone else's imports.
//
// A watched stream is held by weak pointer: the watcher takes a strong one
// only while it asks the stream, so a stream may finish and be freed at any
// time, and asking it never races with its deletion. Thread-safe; its own
// thread looks every quarter of the limit (at most every second).
class IdleStreams {
 public:
  class Stream {
   public:
    virtual ~Stream() = default;
    // Ends the stream (DEADLINE_EXCEEDED, slots freed) if it has waited for
    // a record since before `now - limit`; otherwise does nothing.
    virtual void EndIfIdle(absl::Time now, absl::Duration limit) = 0;
  };

  // `limit` of zero or less: nothing is ever ended (no thread runs).
  explicit IdleStreams(absl::Duration limit);
  ~IdleStreams();  // Stops the thread.
  IdleStreams(const IdleStreams&) = delete;
  IdleStreams& operator=(const IdleStreams&) = delete;

  void Watch(std::weak_ptr<Stream> stream);
  absl::Duration limit() const { return limit_; }

 private:
  void Loop();

  const absl::Duration limit_;
  absl::Mutex mu_;
  std::vector<std::weak_ptr<Stream>> streams_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace tilbake::api

#endif  // TILBAKE_SERVER_API_IDLE_STREAMS_H_

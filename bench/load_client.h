#ifndef TILBAKE_BENCH_LOAD_CLIENT_H_
#define TILBAKE_BENCH_LOAD_CLIENT_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "grpcpp/channel.h"

namespace tilbake::bench {

// `count` channels to `target`, each its own TCP connection (a local
// subchannel pool: gRPC would otherwise share one connection between
// channels with the same arguments), so that calls in flight are spread
// over connections as a journal system's pool of clients spreads them.
std::vector<std::shared_ptr<grpc::Channel>> Channels(const std::string& target,
                                                     int count = 4);

// Starts call number `index` asynchronously (gRPC's callback API) and calls
// `done(ok)` exactly once when it completes, from any thread.
using StartCall =
    std::function<void(int index, std::function<void(bool ok)> done)>;

// What one load run did.
struct LoadRun {
  int calls = 0;   // completed
  int errors = 0;  // completed with a non-OK status
  double seconds = 0;
  std::vector<double> latencies_ms;  // one per completed call
};

// Keeps `in_flight` calls outstanding until `total` have been started or
// `limit` has passed, then waits for the outstanding ones. A call is started
// from the completion of the one before it (no thread per call, no thread
// per slot): the one load client every service figure and its limit share,
// so that their ratio is not the client's.
LoadRun DriveAsync(int in_flight, int total, absl::Duration limit,
                   const StartCall& start);

}  // namespace tilbake::bench

#endif  // TILBAKE_BENCH_LOAD_CLIENT_H_

#ifndef TILBAKE_TESTS_TESTING_SETTLE_H_
#define TILBAKE_TESTS_TESTING_SETTLE_H_

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "storage/store.h"

namespace tilbake::testing {

// Waits (polling every 50 ms, at most `limit`) until RocksDB has no flush
// or compaction running or due. False if the limit passed first or the
// store could not say.
inline bool WaitUntilSettled(const storage::Store& store,
                             absl::Duration limit) {
  for (const absl::Time end = absl::Now() + limit;;
       absl::SleepFor(absl::Milliseconds(50))) {
    auto stats = store.Stats();
    if (stats.ok() && stats->running_compactions == 0 &&
        stats->running_flushes == 0 && stats->pending_compaction_bytes == 0) {
      return true;
    }
    if (absl::Now() >= end) return false;
  }
}

}  // namespace tilbake::testing

#endif  // TILBAKE_TESTS_TESTING_SETTLE_H_

#ifndef TILBAKE_SERVER_CORE_REFERENCE_CACHE_H_
#define TILBAKE_SERVER_CORE_REFERENCE_CACHE_H_

#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "scoring/trajectory.h"
#include "storage/store.h"

namespace tilbake::core {

// The trajectory reference (what a tenant's completed episodes did, per
// instrument, intake and session) in memory, loaded from storage on first
// use per tenant and instrument. Only writes that go through Apply change
// the reference, so the copy stays exact; it saves every submission a
// RocksDB scan over merge operands. Thread-safe.
class ReferenceCache {
 public:
  // One instrument's change to the reference (negative counts subtract).
  using Delta = std::pair<std::string, scoring::ReferenceCell>;

  // How Apply writes: the store's Apply, or, in tests, a write that reads
  // the cache while it is in flight.
  using Write = std::function<absl::Status(const storage::WriteSet&)>;

  explicit ReferenceCache(storage::Store* store);  // Must outlive the cache.
  ReferenceCache(storage::Store* store, Write write);

  // The cells of `instrument` with intake in [from, to].
  absl::StatusOr<std::vector<scoring::ReferenceCell>> Window(
      absl::string_view tenant_id, const std::string& instrument,
      scoring::Tenths from, scoring::Tenths to) const;

  // Adds `deltas` to `changes`, writes `changes`, and adds the deltas to the
  // copy. The lock is not held across the write, so evaluations go on while
  // it syncs; a concurrent Window may answer without the deltas until the
  // write is done, as if it had been called before it.
  absl::Status Apply(storage::WriteSet& changes, absl::string_view tenant_id,
                     const std::vector<Delta>& deltas);

 private:
  // Keyed by (intake, session).
  using Cells =
      std::map<std::pair<scoring::Tenths, int32_t>, scoring::ReferenceCell>;

  // The copy of (tenant, instrument), loaded from storage if not yet. The
  // pointer stays valid: copies are never dropped.
  absl::StatusOr<const Cells*> LoadLocked(absl::string_view tenant_id,
                                          const std::string& instrument) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void AddLocked(absl::string_view tenant_id, const std::vector<Delta>& deltas)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  storage::Store* store_;
  Write write_;
  mutable absl::Mutex mu_;
  // By (tenant, instrument); loaded by Window, a const read.
  mutable std::map<std::pair<std::string, std::string>, Cells> cells_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace tilbake::core

#endif  // TILBAKE_SERVER_CORE_REFERENCE_CACHE_H_

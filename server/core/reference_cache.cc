#include "server/core/reference_cache.h"

#include <limits>

#include "common/status_macros.h"

namespace tilbake::core {

ReferenceCache::ReferenceCache(storage::Store* store)
    : ReferenceCache(store, [store](const storage::WriteSet& changes) {
        return store->Apply(changes);
      }) {}

ReferenceCache::ReferenceCache(storage::Store* store, Write write)
    : store_(store), write_(std::move(write)) {}

absl::StatusOr<std::vector<scoring::ReferenceCell>> ReferenceCache::Window(
    absl::string_view tenant_id, const std::string& instrument,
    scoring::Tenths from, scoring::Tenths to) const {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(const Cells* cells, LoadLocked(tenant_id, instrument));
  std::vector<scoring::ReferenceCell> out;
  for (auto c = cells->lower_bound({from, 0});
       c != cells->end() && c->first.first <= to; ++c) {
    out.push_back(c->second);
  }
  return out;
}

absl::StatusOr<const ReferenceCache::Cells*> ReferenceCache::LoadLocked(
    absl::string_view tenant_id, const std::string& instrument) const {
  const auto key = std::make_pair(std::string(tenant_id), instrument);
  auto it = cells_.find(key);
  if (it == cells_.end()) {
    // Every intake: one tenant-instrument is at most ~400 intakes × sessions.
    ASSIGN_OR_RETURN(
        std::vector<scoring::ReferenceCell> all,
        store_->ReadReference(tenant_id, instrument, 0,
                              std::numeric_limits<scoring::Tenths>::max() - 1));
    Cells cells;
    for (const scoring::ReferenceCell& c : all) {
      cells[{c.intake, c.session}] = c;
    }
    it = cells_.emplace(key, std::move(cells)).first;
  }
  return &it->second;
}

absl::Status ReferenceCache::Apply(storage::WriteSet& changes,
                                   absl::string_view tenant_id,
                                   const std::vector<Delta>& deltas) {
  for (const auto& [instrument, cell] : deltas) {
    changes.reference.push_back({std::string(tenant_id), instrument, cell});
  }
  {
    // A copy loaded while the write is in flight could read it and then get
    // its deltas added again. So every copy the deltas touch is loaded
    // first; loaded copies are never dropped, so no load can race the write
    // and the lock is not held across it (a synced write: every evaluation
    // would wait for the disk).
    absl::MutexLock lock(&mu_);
    for (const auto& [instrument, cell] : deltas) {
      RETURN_IF_ERROR(LoadLocked(tenant_id, instrument).status());
    }
  }
  RETURN_IF_ERROR(write_(changes));
  absl::MutexLock lock(&mu_);
  AddLocked(tenant_id, deltas);
  return absl::OkStatus();
}

void ReferenceCache::AddLocked(absl::string_view tenant_id,
                               const std::vector<Delta>& deltas) {
  for (const auto& [instrument, delta] : deltas) {
    auto it = cells_.find({std::string(tenant_id), instrument});
    if (it == cells_.end()) continue;  // Loaded by Apply; not if it failed.
    scoring::ReferenceCell& cell = it->second[{delta.intake, delta.session}];
    cell.intake = delta.intake;
    cell.session = delta.session;
    cell.count += delta.count;
    cell.sum += delta.sum;
    cell.sum_squares += delta.sum_squares;
  }
}

}  // namespace tilbake::core

#include "server/core/reference_cache.h"

#include <limits>

#include "common/status_macros.h"

namespace tilbake::core {

ReferenceCache::ReferenceCache(storage::Store* store) : store_(store) {}

absl::StatusOr<std::vector<scoring::ReferenceCell>> ReferenceCache::Window(
    absl::string_view tenant_id, const std::string& instrument,
    scoring::Tenths from, scoring::Tenths to) const {
  absl::MutexLock lock(&mu_);
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
  std::vector<scoring::ReferenceCell> out;
  for (auto c = it->second.lower_bound({from, 0});
       c != it->second.end() && c->first.first <= to; ++c) {
    out.push_back(c->second);
  }
  return out;
}

absl::Status ReferenceCache::Apply(storage::WriteSet& changes,
                                   absl::string_view tenant_id,
                                   const std::vector<Delta>& deltas) {
  for (const auto& [instrument, cell] : deltas) {
    changes.reference.push_back({std::string(tenant_id), instrument, cell});
  }
  absl::MutexLock lock(&mu_);
  RETURN_IF_ERROR(store_->Apply(changes));
  AddLocked(tenant_id, deltas);
  return absl::OkStatus();
}

void ReferenceCache::AddLocked(absl::string_view tenant_id,
                               const std::vector<Delta>& deltas) {
  for (const auto& [instrument, delta] : deltas) {
    auto it = cells_.find({std::string(tenant_id), instrument});
    if (it == cells_.end()) continue;  // Loaded from storage when needed.
    scoring::ReferenceCell& cell = it->second[{delta.intake, delta.session}];
    cell.intake = delta.intake;
    cell.session = delta.session;
    cell.count += delta.count;
    cell.sum += delta.sum;
    cell.sum_squares += delta.sum_squares;
  }
}

}  // namespace tilbake::core

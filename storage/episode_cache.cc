#include "storage/episode_cache.h"

#include <functional>

#include "storage/keys.h"

namespace tilbake::storage {

size_t EpisodeCache::Shard(const std::string& prefix) {
  return std::hash<std::string>{}(prefix) %
         std::tuple_size_v<decltype(epochs_)>;
}

std::optional<std::vector<domain::Administration>> EpisodeCache::Get(
    const std::string& prefix, uint64_t* epoch) {
  absl::MutexLock lock(&mu_);
  *epoch = epochs_[Shard(prefix)];
  auto it = entries_.find(prefix);
  if (it == entries_.end()) return std::nullopt;
  recency_.splice(recency_.begin(), recency_, it->second.recency);
  std::vector<domain::Administration> out;
  out.reserve(it->second.administrations.size());
  for (const auto& [key, a] : it->second.administrations) out.push_back(a);
  return out;
}

void EpisodeCache::Put(const std::string& prefix, uint64_t epoch,
                       Administrations administrations) {
  if (capacity_ == 0) return;
  absl::MutexLock lock(&mu_);
  // A commit touched this shard while the caller read: what it read may be
  // older than what is stored now.
  if (epochs_[Shard(prefix)] != epoch) return;
  if (entries_.contains(prefix)) return;  // Another reader was first.
  while (entries_.size() >= capacity_) {
    entries_.erase(recency_.back());
    recency_.pop_back();
  }
  recency_.push_front(prefix);
  entries_.emplace(prefix, Entry{std::move(administrations), recency_.begin()});
}

EpisodeCache::Entry* EpisodeCache::Touch(const std::string& prefix) {
  ++epochs_[Shard(prefix)];
  auto it = entries_.find(prefix);
  return it == entries_.end() ? nullptr : &it->second;
}

void EpisodeCache::Apply(const WriteSet& committed) {
  if (committed.administrations.empty() &&
      committed.deleted_administrations.empty() &&
      committed.deleted_episodes.empty()) {
    return;
  }
  absl::MutexLock lock(&mu_);
  for (const domain::Administration& a : committed.administrations) {
    Entry* entry = Touch(keys::EpisodeAdministrationsPrefix(
        a.rating.tenant_id, a.rating.episode_id));
    if (entry != nullptr) {
      entry->administrations.insert_or_assign(keys::Administration(a.rating),
                                              a);
    }
  }
  for (const domain::Rating& r : committed.deleted_administrations) {
    Entry* entry =
        Touch(keys::EpisodeAdministrationsPrefix(r.tenant_id, r.episode_id));
    if (entry != nullptr) {
      entry->administrations.erase(keys::Administration(r));
    }
  }
  for (const RecordKey& k : committed.deleted_episodes) {
    const std::string prefix =
        keys::EpisodeAdministrationsPrefix(k.tenant_id, k.id);
    Entry* entry = Touch(prefix);
    if (entry != nullptr) {
      recency_.erase(entry->recency);
      entries_.erase(prefix);
    }
  }
}

size_t EpisodeCache::size() const {
  absl::MutexLock lock(&mu_);
  return entries_.size();
}

}  // namespace tilbake::storage

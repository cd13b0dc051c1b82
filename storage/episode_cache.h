#ifndef TILBAKE_STORAGE_EPISODE_CACHE_H_
#define TILBAKE_STORAGE_EPISODE_CACHE_H_

#include <array>
#include <cstdint>
#include <list>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "domain/types.h"
#include "storage/store.h"

namespace tilbake::storage {

// The decoded administrations of recently used episodes, so that a
// submission or a read does not scan and decode its whole episode again
// (a fifth to a third of those calls' CPU; bench/README.md). Private to
// storage/.
//
// Exact by construction: the store's commit leader applies every committed
// WriteSet (Apply), in commit order, to the episodes held; and a reader
// that missed puts what it read only if no commit touched an episode of
// its shard since it looked (the epoch of Get), so a read that raced a
// commit is never kept.
class EpisodeCache {
 public:
  // Administrations by their store key (keys::Administration), which is
  // the order ListAdministrations returns them in.
  using Administrations = std::map<std::string, domain::Administration>;

  // At most `capacity` episodes, least recently used out first; 0 holds
  // none.
  explicit EpisodeCache(size_t capacity) : capacity_(capacity) {}

  // The episode's administrations under `prefix`
  // (keys::EpisodeAdministrationsPrefix), or nullopt and in `*epoch` what
  // Put needs.
  std::optional<std::vector<domain::Administration>> Get(
      const std::string& prefix, uint64_t* epoch);
  // What a reader read from the store after Get missed with `epoch`.
  void Put(const std::string& prefix, uint64_t epoch,
           Administrations administrations);
  // A committed change: its administrations, their deletions and deleted
  // episodes.
  void Apply(const WriteSet& committed);

  size_t size() const;

 private:
  struct Entry {
    Administrations administrations;
    std::list<std::string>::iterator recency;
  };
  static size_t Shard(const std::string& prefix);
  // Marks the shard of `prefix` changed and returns its entry, if held.
  Entry* Touch(const std::string& prefix) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const size_t capacity_;
  mutable absl::Mutex mu_;
  std::unordered_map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
  std::list<std::string> recency_ ABSL_GUARDED_BY(mu_);  // Front: newest.
  // Commits seen per shard of episodes: many shards, so that a commit to
  // one episode rarely keeps another's read out.
  std::array<uint64_t, 1024> epochs_ ABSL_GUARDED_BY(mu_) = {};
};

}  // namespace tilbake::storage

#endif  // TILBAKE_STORAGE_EPISODE_CACHE_H_

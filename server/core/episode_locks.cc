#include "server/core/episode_locks.h"

#include <algorithm>
#include <utility>

#include "absl/hash/hash.h"

namespace tilbake::core {
namespace {

// Locks each of `stripes` once, in address order: two holders of
// overlapping sets then never wait on each other crosswise.
void HoldEachOnce(std::vector<absl::Mutex*> stripes,
                  std::deque<absl::MutexLock>& held) {
  std::sort(stripes.begin(), stripes.end());
  stripes.erase(std::unique(stripes.begin(), stripes.end()), stripes.end());
  for (absl::Mutex* stripe : stripes) held.emplace_back(stripe);
}

}  // namespace

absl::Mutex& EpisodeLocks::ForRecord(absl::string_view tenant,
                                     absl::string_view id) {
  return records_[absl::HashOf(tenant, id) % kRecordStripes];
}

absl::Mutex& EpisodeLocks::ForClient(absl::string_view tenant,
                                     absl::string_view client) {
  return clients_[absl::HashOf(tenant, client) % kClientStripes];
}

absl::Mutex& EpisodeLocks::ForClientFacts(absl::string_view tenant,
                                          absl::string_view client) {
  return client_facts_[absl::HashOf(tenant, client) % kRecordStripes];
}

ClientFactsGuard::ClientFactsGuard(EpisodeLocks& locks,
                                   absl::string_view tenant,
                                   const std::vector<std::string>& client_ids) {
  std::vector<absl::Mutex*> stripes;
  for (const std::string& id : client_ids) {
    stripes.push_back(&locks.ForClientFacts(tenant, id));
  }
  HoldEachOnce(std::move(stripes), held_);
}

SubmissionGuard::SubmissionGuard(
    EpisodeLocks& locks, absl::string_view tenant, absl::string_view client,
    absl::string_view episode,
    const std::vector<absl::string_view>& idempotency_keys)
    : client_(&locks.ForClient(tenant, client)) {
  std::vector<absl::Mutex*> stripes = {&locks.ForRecord(tenant, episode)};
  for (absl::string_view key : idempotency_keys) {
    stripes.push_back(&locks.ForRecord(tenant, key));
  }
  HoldEachOnce(std::move(stripes), records_);
}

EpisodesGuard::EpisodesGuard(EpisodeLocks& locks, absl::string_view tenant,
                             const std::vector<std::string>& episode_ids) {
  std::vector<absl::Mutex*> stripes;
  for (const std::string& id : episode_ids) {
    stripes.push_back(&locks.ForRecord(tenant, id));
  }
  HoldEachOnce(std::move(stripes), held_);
}

ErasureGuard::ErasureGuard(EpisodeLocks& locks, absl::string_view tenant,
                           absl::string_view client)
    : locks_(locks), tenant_(tenant) {
  client_.emplace(&locks.ForClient(tenant, client));
}

void ErasureGuard::HoldEpisodes(const std::vector<std::string>& episode_ids) {
  episodes_.emplace(locks_, tenant_, episode_ids);
}

void ErasureGuard::Release() {
  episodes_.reset();
  client_.reset();
}

}  // namespace tilbake::core

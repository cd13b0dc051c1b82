#include "server/core/episode_locks.h"

#include <algorithm>
#include <utility>

#include "absl/hash/hash.h"

namespace tilbake::core {

absl::Mutex& EpisodeLocks::ForRecord(absl::string_view tenant,
                                     absl::string_view id) {
  return records_[absl::HashOf(tenant, id) % kRecordStripes];
}

absl::Mutex& EpisodeLocks::ForClient(absl::string_view tenant,
                                     absl::string_view client) {
  return clients_[absl::HashOf(tenant, client) % kClientStripes];
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
  std::sort(stripes.begin(), stripes.end());
  stripes.erase(std::unique(stripes.begin(), stripes.end()), stripes.end());
  for (absl::Mutex* stripe : stripes) records_.emplace_back(stripe);
}

ErasureGuard::ErasureGuard(EpisodeLocks& locks, absl::string_view tenant,
                           absl::string_view client)
    : locks_(locks), tenant_(tenant) {
  client_.emplace(&locks.ForClient(tenant, client));
}

void ErasureGuard::HoldEpisodes(const std::vector<std::string>& episode_ids) {
  std::vector<absl::Mutex*> stripes;
  for (const std::string& id : episode_ids) {
    stripes.push_back(&locks_.ForRecord(tenant_, id));
  }
  std::sort(stripes.begin(), stripes.end());
  stripes.erase(std::unique(stripes.begin(), stripes.end()), stripes.end());
  for (absl::Mutex* stripe : stripes) episodes_.emplace_back(stripe);
}

void ErasureGuard::Release() {
  episodes_.clear();
  client_.reset();
}

}  // namespace tilbake::core

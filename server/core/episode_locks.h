#ifndef TILBAKE_SERVER_CORE_EPISODE_LOCKS_H_
#define TILBAKE_SERVER_CORE_EPISODE_LOCKS_H_

#include <array>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace tilbake::core {

// Striped locks that serialize read-modify-write sequences on stored
// records: one stripe per episode or idempotency key (a hash of tenant and
// id picks it), one per client. Which stripes a change holds, and in what
// order, is decided by the guards below, so no two changes can wait on
// each other crosswise. The stripes are chosen at run time, so clang's
// thread-safety analysis cannot name them: the guards are the discipline.
class EpisodeLocks {
 public:
  EpisodeLocks() = default;
  EpisodeLocks(const EpisodeLocks&) = delete;
  EpisodeLocks& operator=(const EpisodeLocks&) = delete;

  // The stripe of an episode or an idempotency key of `tenant`.
  absl::Mutex& ForRecord(absl::string_view tenant, absl::string_view id);
  // The stripe of a client: every submission holds it shared, an erasure
  // exclusively from its scan to its write, so no rating of the client can
  // be stored while it runs and be missed.
  absl::Mutex& ForClient(absl::string_view tenant, absl::string_view client);
  // The stripe of a client's facts row (distinct-client cells): held
  // exclusively, innermost, by every change of the row, from its read to
  // its write (two submissions of one client in two episodes hold the
  // client's stripe shared, and would otherwise both start from one row).
  absl::Mutex& ForClientFacts(absl::string_view tenant,
                              absl::string_view client);

 private:
  // A submission holds two stripes while its write waits for the disk, so
  // with few stripes unrelated submissions queue behind each other's fsync
  // (64 stripes capped 64 calls in flight at about 4 000 ratings/s with
  // idle CPUs). 4096 mutexes are 32 KiB.
  static constexpr size_t kRecordStripes = 4096;
  static constexpr size_t kClientStripes = 1024;

  std::array<absl::Mutex, kRecordStripes> records_;
  std::array<absl::Mutex, kClientStripes> clients_;
  std::array<absl::Mutex, kRecordStripes> client_facts_;
};

// The facts stripes of some clients of one tenant, each once, in address
// order, taken after every other stripe a change holds.
class ClientFactsGuard {
 public:
  ClientFactsGuard(EpisodeLocks& locks, absl::string_view tenant,
                   const std::vector<std::string>& client_ids);
  ClientFactsGuard(const ClientFactsGuard&) = delete;
  ClientFactsGuard& operator=(const ClientFactsGuard&) = delete;

 private:
  std::deque<absl::MutexLock> held_;
};

// What a submission holds: its client's stripe shared, then its episode's
// and its idempotency keys' (a row of an import stores several ratings of
// one episode in one write), each stripe once, in address order.
class SubmissionGuard {
 public:
  SubmissionGuard(EpisodeLocks& locks, absl::string_view tenant,
                  absl::string_view client, absl::string_view episode,
                  const std::vector<absl::string_view>& idempotency_keys);
  SubmissionGuard(const SubmissionGuard&) = delete;
  SubmissionGuard& operator=(const SubmissionGuard&) = delete;

 private:
  absl::ReaderMutexLock client_;
  std::deque<absl::MutexLock> records_;
};

// The stripes of some episodes of one tenant, each once, in address order:
// what a change of many episodes holds (retention holds only these; an
// erasure holds them after its client's stripe).
class EpisodesGuard {
 public:
  EpisodesGuard(EpisodeLocks& locks, absl::string_view tenant,
                const std::vector<std::string>& episode_ids);
  EpisodesGuard(const EpisodesGuard&) = delete;
  EpisodesGuard& operator=(const EpisodesGuard&) = delete;

 private:
  std::deque<absl::MutexLock> held_;
};

// What an erasure holds: its client's stripe exclusively (taken first), then
// the stripes of every episode it changes (an EpisodesGuard).
class ErasureGuard {
 public:
  ErasureGuard(EpisodeLocks& locks, absl::string_view tenant,
               absl::string_view client);
  ErasureGuard(const ErasureGuard&) = delete;
  ErasureGuard& operator=(const ErasureGuard&) = delete;

  // Once the client's episodes are known (scanned under the client lock).
  void HoldEpisodes(const std::vector<std::string>& episode_ids);
  // Lets go of everything, before the slow part that needs no lock.
  void Release();

 private:
  EpisodeLocks& locks_;
  std::string tenant_;
  std::optional<absl::WriterMutexLock> client_;
  std::optional<EpisodesGuard> episodes_;
};

}  // namespace tilbake::core

#endif  // TILBAKE_SERVER_CORE_EPISODE_LOCKS_H_

// The RocksDB implementation of Store, private to storage/: nothing outside
// this folder includes it (store.h is the interface). One class, declared
// here once and implemented in files by concern, as RocksDB splits DBImpl:
//   rocksdb_store_open.cc    opening, the schema mark, health, statistics
//   rocksdb_store_write.cc   the commit queue and its write batches,
//                            flushes, compaction after erasure
//   rocksdb_store_read.cc    point reads and prefix scans
//   rocksdb_backup.cc        backups and restores (RocksDB's BackupEngine)
#ifndef TILBAKE_STORAGE_ROCKSDB_STORE_H_
#define TILBAKE_STORAGE_ROCKSDB_STORE_H_

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "rocksdb/db.h"
#include "rocksdb/listener.h"
#include "rocksdb/options.h"
#include "rocksdb/statistics.h"
#include "storage/store.h"

namespace tilbake::storage {

// Converts a RocksDB status at the edge of storage/, saying what failed.
absl::Status FromRocks(const rocksdb::Status& s, absl::string_view what);

// Whether RocksDB takes writes. RocksDB's own callbacks (on its threads)
// set and clear the error; Health() reads it.
class WriteHealth final : public rocksdb::EventListener {
 public:
  struct Error {
    std::string message;
    // A full disk: RocksDB itself retries once space is free (every few
    // seconds, through its SstFileManager); a manual Resume() meanwhile
    // would fail and could leave it stuck.
    bool no_space = false;
  };

  void OnBackgroundError(rocksdb::BackgroundErrorReason reason,
                         rocksdb::Status* error) override;
  void OnErrorRecoveryEnd(
      const rocksdb::BackgroundErrorRecoveryInfo& info) override;

  void Set(Error error);
  void Clear();
  std::optional<Error> error() const;

 private:
  mutable absl::Mutex mu_;
  std::optional<Error> error_ ABSL_GUARDED_BY(mu_);
};

class RocksStore final : public Store {
 public:
  // Use Store::Open, which opens the database and then checks the schema.
  RocksStore(std::unique_ptr<rocksdb::DB> db,
             std::vector<rocksdb::ColumnFamilyHandle*> handles,
             const StoreOptions& options,
             std::shared_ptr<rocksdb::Statistics> statistics,
             std::shared_ptr<WriteHealth> health);
  ~RocksStore() override;

  // --- Opening (rocksdb_store_open.cc) ---
  absl::Status CheckOrInitSchema();
  // Notes whether the last process closed the database, and marks it open.
  absl::Status MarkOpen();
  int aggregates_version() const override { return aggregates_version_; }
  bool opened_after_unclean_shutdown() const override { return unclean_; }
  absl::Status Health() const override;
  absl::Status Resume() override;
  absl::StatusOr<StorageStats> Stats() const override;

  // --- Writes (rocksdb_store_write.cc) ---
  absl::Status Apply(const WriteSet& changes) override;
  absl::Status ApplyDeferred(const WriteSet& changes) override;
  absl::Status Flush() override;
  absl::Status SyncWal() override;
  absl::Status CompactErased(const WriteSet& erasure) override;
  absl::Status CompactTenant(absl::string_view tenant_id) override;
  absl::StatusOr<int64_t> DeleteAuditBefore(absl::string_view tenant_id,
                                            absl::Time before) override;
  absl::Status ReplaceAggregates(
      const std::map<std::string, analytics::Cells>& cells,
      const std::map<std::string,
                     std::map<std::string, analytics::ClientFacts>>& facts)
      override;

  // --- Reads (rocksdb_store_read.cc) ---
  absl::StatusOr<std::optional<domain::Episode>> GetEpisode(
      absl::string_view tenant_id, absl::string_view episode_id) const override;
  absl::StatusOr<std::vector<domain::Administration>> ListAdministrations(
      absl::string_view tenant_id, absl::string_view episode_id) const override;
  absl::StatusOr<std::vector<domain::Revision>> ListRevisions(
      absl::string_view tenant_id, absl::string_view episode_id) const override;
  absl::StatusOr<analytics::ClientFacts> GetClientFacts(
      absl::string_view tenant_id, absl::string_view client_id) const override;
  absl::StatusOr<std::optional<IdempotencyEntry>> GetIdempotency(
      absl::string_view tenant_id, absl::string_view key) const override;
  absl::StatusOr<std::vector<scoring::ReferenceCell>> ReadReference(
      absl::string_view tenant_id, absl::string_view instrument_id,
      scoring::Tenths intake_from, scoring::Tenths intake_to) const override;
  absl::StatusOr<std::vector<std::pair<analytics::CellKey, analytics::Sums>>>
  ReadAggregates(absl::string_view tenant_id, analytics::CellKind kind,
                 analytics::Granularity granularity, analytics::CellScope scope,
                 absl::string_view org_unit, int32_t from, int32_t to,
                 const OrgUnitFilter& wanted) const override;
  using Store::ReadAggregates;
  absl::StatusOr<analytics::Cells> ReadAllAggregates(
      absl::string_view tenant_id) const override;
  absl::StatusOr<std::map<std::string, analytics::Cells>>
  ReadRetiredAggregates() const override;
  absl::StatusOr<std::vector<std::string>> ListAuditTenants() const override;
  absl::Status ScanEpisodes(
      absl::string_view tenant_id,
      const std::function<absl::Status(
          const domain::Episode&, const std::vector<domain::Administration>&)>&
          visit) const override;
  absl::Status ScanEpisodesWhere(
      absl::string_view tenant_id, const EpisodeFilter& filter,
      const std::function<absl::Status(
          const domain::Episode&, const std::vector<domain::Administration>&)>&
          visit) const override;
  absl::Status ScanIdempotency(
      absl::string_view tenant_id,
      const std::function<absl::Status(const IdempotencyEntry&)>& visit)
      const override;
  absl::StatusOr<domain::AuditPage> ReadAudit(
      const domain::AuditQuery& query) const override;
  absl::StatusOr<std::optional<domain::ErasureRequest>> GetErasureRequest(
      absl::string_view tenant_id, absl::string_view request_id) const override;
  absl::StatusOr<std::vector<domain::ErasureRequest>> ListErasureRequests(
      absl::string_view tenant_id) const override;

  // --- Backups (rocksdb_backup.cc) ---
  absl::StatusOr<BackupSummary> CreateBackup(const std::string& backup_dir,
                                             uint32_t keep) override;

 private:
  // What a prefix scan's visitor wants next.
  enum class Next { kContinue, kStop };
  using Visitor = absl::FunctionRef<absl::StatusOr<Next>(
      absl::string_view key, absl::string_view value)>;

  // Visits every entry of `family` from `start` up to (not including)
  // `upper`, in key order; an empty `upper` means to the end. `what` names
  // the scan in errors. A failed iterator looks like the end of the data,
  // so this checks it: every scan of this class goes through here.
  absl::Status ScanRange(rocksdb::ColumnFamilyHandle* family,
                         absl::string_view start, absl::string_view upper,
                         absl::string_view what, Visitor visit) const;
  // Every entry whose key starts with `prefix`.
  absl::Status ScanPrefix(rocksdb::ColumnFamilyHandle* family,
                          absl::string_view prefix, absl::string_view what,
                          Visitor visit) const;

  // A WriteSet waiting in the commit queue, on the stack of its writer.
  struct PendingWrite {
    const WriteSet* changes;
    bool sync;
    absl::Status status;
    bool done = false;
    absl::CondVar wake;  // Done, or first in the queue (the next leader).
  };
  // Writes `changes` as one atomic batch, synced if `sync`. Concurrent
  // writers queue (as in leveldb's DBImpl::Write): the first in line leads,
  // writes what queued behind it as one batch with one WAL sync, and folds
  // merge operands that hit the same aggregate or reference cell into one
  // (int64 sums add exactly), so a busy team's month takes one memtable
  // entry per group instead of one per rating.
  absl::Status Write(const WriteSet& changes, bool sync);
  // The leader's part: one batch for `group`. Sets the status of each; a
  // WriteSet that cannot be batched fails alone, the others still go.
  void WriteGroup(const std::vector<PendingWrite*>& group, bool sync);
  // Adds the record puts and deletes of `changes` (not its merge operands).
  absl::Status BatchRecords(const WriteSet& changes,
                            rocksdb::WriteBatch& batch);
  absl::StatusOr<bool> IsEmpty() const;

  rocksdb::ColumnFamilyHandle* meta() const { return handles_[0]; }
  rocksdb::ColumnFamilyHandle* episodes() const { return handles_[1]; }
  rocksdb::ColumnFamilyHandle* administrations() const { return handles_[2]; }
  rocksdb::ColumnFamilyHandle* idempotency() const { return handles_[3]; }
  rocksdb::ColumnFamilyHandle* reference() const { return handles_[4]; }
  rocksdb::ColumnFamilyHandle* aggregates() const { return handles_[5]; }
  rocksdb::ColumnFamilyHandle* audit() const { return handles_[6]; }
  rocksdb::ColumnFamilyHandle* audit_by_client() const { return handles_[7]; }
  rocksdb::ColumnFamilyHandle* erasure_requests() const { return handles_[8]; }
  rocksdb::ColumnFamilyHandle* revisions() const { return handles_[9]; }
  rocksdb::ColumnFamilyHandle* retired_aggregates() const {
    return handles_[10];
  }
  rocksdb::ColumnFamilyHandle* client_facts() const { return handles_[11]; }

  std::unique_ptr<rocksdb::DB> db_;
  // Known families first (KnownFamilies order), then any unknown ones.
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  StoreOptions options_;
  rocksdb::WriteOptions write_options_;
  std::shared_ptr<rocksdb::Statistics> statistics_;  // For WAL sync timing.
  std::shared_ptr<WriteHealth> health_;
  bool unclean_ = false;
  std::atomic<uint64_t> next_audit_sequence_{0};
  absl::Mutex commit_mu_;
  std::deque<PendingWrite*> commit_queue_ ABSL_GUARDED_BY(commit_mu_);
  int aggregates_version_ = kAggregatesVersion;  // Set by CheckOrInitSchema.
};

}  // namespace tilbake::storage

#endif  // TILBAKE_STORAGE_ROCKSDB_STORE_H_

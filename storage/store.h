#ifndef TILBAKE_STORAGE_STORE_H_
#define TILBAKE_STORAGE_STORE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "analytics/aggregates.h"
#include "analytics/distinct_clients.h"
#include "domain/audit.h"
#include "domain/types.h"
#include "scoring/trajectory.h"

namespace rocksdb {
class Env;
}  // namespace rocksdb

namespace tilbake::storage {

// When a write is acknowledged.
enum class Durability {
  kFsync,  // WAL fsynced before Apply returns: survives power loss.
  kOs,     // WAL handed to the OS: survives a process crash, not power loss.
};

struct StoreOptions {
  // Directory of the RocksDB database. Created if missing.
  std::string path;
  Durability durability = Durability::kFsync;
  // The file system RocksDB uses; null = the real one. Tests pass a wrapper
  // that injects disk-full and read-only failures. Must outlive the store.
  rocksdb::Env* env = nullptr;
  // RocksDB's memory: the memtables of all families together (a flush
  // starts past this), and one block cache shared by every family. Without
  // a budget each of the nine families could hold 2 × 64 MiB of memtable.
  size_t memtable_budget_bytes = size_t{64} << 20;
  size_t block_cache_bytes = size_t{32} << 20;
};

// Maps an idempotency key to the administration it created.
struct IdempotencyEntry {
  std::string tenant_id;
  std::string key;
  std::string episode_id;
  std::string administration_id;  // domain::AdministrationId

  bool operator==(const IdempotencyEntry&) const = default;
};

// A change to the trajectory reference of one tenant and instrument: added
// to the stored sums (negative values subtract).
struct ReferenceDelta {
  std::string tenant_id;
  std::string instrument_id;
  scoring::ReferenceCell cell;
};

// Figures for monitoring, read from RocksDB's properties and statistics.
struct StorageStats {
  uint64_t live_data_bytes = 0;  // Estimated live data, all families.
  uint64_t sst_files = 0;
  uint64_t sst_bytes = 0;
  uint64_t pending_compaction_bytes = 0;
  uint64_t running_compactions = 0;
  uint64_t running_flushes = 0;
  uint64_t memtable_entries = 0;  // Written but not yet in an SST file.
  uint64_t background_errors = 0;
  // WAL fsyncs since start: count, total and quantiles of their duration.
  uint64_t wal_syncs = 0;
  double wal_sync_seconds_sum = 0;
  double wal_sync_seconds_p50 = 0;
  double wal_sync_seconds_p99 = 0;
};

// A backup made by Store::CreateBackup.
struct BackupSummary {
  uint32_t backup_id = 0;
  int64_t created_unix_seconds = 0;
  uint64_t bytes = 0;
  uint32_t files = 0;
  uint32_t backups_kept = 0;
};

// A record named by its tenant and id (an episode, an idempotency key).
struct RecordKey {
  std::string tenant_id;
  std::string id;
};

// A client's distinct-client facts (analytics/distinct_clients.h) as they
// are after a change; no facts: the row is deleted.
struct ClientFactsRow {
  std::string tenant_id;
  std::string client_id;
  analytics::ClientFacts facts;

  bool operator==(const ClientFactsRow&) const = default;
};

// One atomic change. Apply writes all of it in one RocksDB write batch or
// nothing; records replace any stored record with the same key.
struct WriteSet {
  std::vector<domain::Episode> episodes;
  std::vector<domain::Administration> administrations;
  std::vector<IdempotencyEntry> idempotency;
  std::vector<ReferenceDelta> reference;
  // Trend aggregate deltas of one tenant (added, never overwritten).
  std::string aggregates_tenant;
  analytics::Cells aggregates;
  // Access-log entries: appended, never replacing one (the store sets each
  // entry's sequence). A change to client data carries its own entry, so the
  // data and the record of who changed it are written together or not at
  // all.
  std::vector<domain::AuditEntry> audit;
  // Erasure requests, replacing the stored one with the same id.
  std::vector<domain::ErasureRequest> erasure_requests;
  // Removed (an approved erasure; a correction that changes the rater):
  // episodes, the administrations keyed by their rating, idempotency keys.
  std::vector<RecordKey> deleted_episodes;
  std::vector<domain::Rating> deleted_administrations;
  std::vector<RecordKey> deleted_idempotency;
  // Versions ended by a correction or a void (the trail), and removed ones.
  // Last, so the positional initialisers above keep their meaning.
  std::vector<domain::Revision> revisions;
  std::vector<domain::Revision> deleted_revisions;
  // Cells added to the retired ledger of `aggregates_tenant`: what an
  // episode the retention policy deletes had added (its cells stay).
  analytics::Cells retired_aggregates;
  // Clients' facts rows, replacing the stored ones.
  std::vector<ClientFactsRow> client_facts;
};

// The persistent store: a RocksDB database with one column family per record
// kind. Keys start with the tenant id, so a tenant's data is one key range and
// no read can cross tenants. Thread-safe; callers serialize their own
// read-modify-write sequences (see core::RatingService).
class Store {
 public:
  // The on-disk layout this build reads and writes.
  static constexpr int kSchemaVersion = 1;
  // The aggregate cells this build writes: 1 week and month cells, 2 also
  // year cells, 3 also org-unit totals (a scope byte in every key), 4 also
  // the client series of each A cell (admin::kClientSeries), 5 also the
  // forms in the clinical range (admin::kInClinicalRange), 6 also the
  // distinct-client cells and the clients' facts rows. A database with
  // older cells needs a rebuild of its aggregates (ReplaceAggregates), which
  // the server does at start.
  static constexpr int kAggregatesVersion = 6;

  // Opens (or creates) the database at options.path. Errors:
  // Unavailable if another process holds it, DataLoss if it is corrupt,
  // FailedPrecondition if it was written by a newer schema or is not a
  // Tilbake database. Messages name the path.
  static absl::StatusOr<std::unique_ptr<Store>> Open(
      const StoreOptions& options);

  virtual ~Store() = default;

  // NotFound-free lookups: nullopt when absent.
  virtual absl::StatusOr<std::optional<domain::Episode>> GetEpisode(
      absl::string_view tenant_id, absl::string_view episode_id) const = 0;

  // The episode's administrations in session, instrument, client, rater
  // order. Empty when the episode has none.
  virtual absl::StatusOr<std::vector<domain::Administration>>
  ListAdministrations(absl::string_view tenant_id,
                      absl::string_view episode_id) const = 0;

  // The superseded and voided versions of the episode's administrations
  // (see domain::Revision), by administration key, then oldest first.
  virtual absl::StatusOr<std::vector<domain::Revision>> ListRevisions(
      absl::string_view tenant_id, absl::string_view episode_id) const = 0;

  // A client's facts row (empty when the client has none).
  virtual absl::StatusOr<analytics::ClientFacts> GetClientFacts(
      absl::string_view tenant_id, absl::string_view client_id) const = 0;

  virtual absl::StatusOr<std::optional<IdempotencyEntry>> GetIdempotency(
      absl::string_view tenant_id, absl::string_view key) const = 0;

  // The reference cells of `instrument` whose intake is within
  // [intake_from, intake_to], by intake then session.
  virtual absl::StatusOr<std::vector<scoring::ReferenceCell>> ReadReference(
      absl::string_view tenant_id, absl::string_view instrument_id,
      scoring::Tenths intake_from, scoring::Tenths intake_to) const = 0;

  // The aggregate cells of one kind, granularity and scope whose org unit
  // is `org_unit` or below it (every org unit when empty) and whose bucket
  // is in [from, to]. Cost grows with the org units and buckets asked for,
  // not with history: each org unit's range is entered with a seek.
  // `wanted`, when given, picks the org units to read; the others are
  // stepped over with a seek each, their cells unread.
  using OrgUnitFilter = std::function<bool(absl::string_view org_unit)>;
  virtual absl::StatusOr<
      std::vector<std::pair<analytics::CellKey, analytics::Sums>>>
  ReadAggregates(absl::string_view tenant_id, analytics::CellKind kind,
                 analytics::Granularity granularity, analytics::CellScope scope,
                 absl::string_view org_unit, int32_t from, int32_t to,
                 const OrgUnitFilter& wanted) const = 0;
  absl::StatusOr<std::vector<std::pair<analytics::CellKey, analytics::Sums>>>
  ReadAggregates(absl::string_view tenant_id, analytics::CellKind kind,
                 analytics::Granularity granularity, analytics::CellScope scope,
                 absl::string_view org_unit, int32_t from, int32_t to) const {
    return ReadAggregates(tenant_id, kind, granularity, scope, org_unit, from,
                          to, nullptr);
  }

  // Every aggregate cell of a tenant (for checks and rebuilds).
  virtual absl::StatusOr<analytics::Cells> ReadAllAggregates(
      absl::string_view tenant_id) const = 0;

  // What retired episodes added to the cells, by tenant (see
  // WriteSet::retired_aggregates).
  virtual absl::StatusOr<std::map<std::string, analytics::Cells>>
  ReadRetiredAggregates() const = 0;

  // Calls `visit` for every episode of `tenant_id` (every tenant, one after
  // the other, when empty) with its administrations; stops at the first
  // error it returns.
  virtual absl::Status ScanEpisodes(
      absl::string_view tenant_id,
      const std::function<absl::Status(
          const domain::Episode&, const std::vector<domain::Administration>&)>&
          visit) const = 0;

  // Which episodes ScanEpisodesWhere visits; an empty field matches any.
  struct EpisodeFilter {
    std::string client_id;     // A member of the episode.
    std::string clinician_id;  // The episode's (its first session's).
    bool open_only = false;
  };

  // As ScanEpisodes, for the episodes of `tenant_id` that match `filter`.
  // Reads every episode record of the tenant but only the matching
  // episodes' administrations (there is no index by client or clinician:
  // episode records are small, one per course of treatment).
  virtual absl::Status ScanEpisodesWhere(
      absl::string_view tenant_id, const EpisodeFilter& filter,
      const std::function<absl::Status(
          const domain::Episode&, const std::vector<domain::Administration>&)>&
          visit) const = 0;
  absl::Status ScanClientEpisodes(
      absl::string_view tenant_id, absl::string_view client_id,
      const std::function<absl::Status(
          const domain::Episode&, const std::vector<domain::Administration>&)>&
          visit) const {
    return ScanEpisodesWhere(tenant_id, {.client_id = std::string(client_id)},
                             visit);
  }

  // Calls `visit` for every idempotency key of `tenant_id`.
  virtual absl::Status ScanIdempotency(
      absl::string_view tenant_id,
      const std::function<absl::Status(const IdempotencyEntry&)>& visit)
      const = 0;

  // A page of the access log (see domain::AuditQuery), oldest first.
  // InvalidArgument for a page token this store did not make.
  virtual absl::StatusOr<domain::AuditPage> ReadAudit(
      const domain::AuditQuery& query) const = 0;

  virtual absl::StatusOr<std::optional<domain::ErasureRequest>>
  GetErasureRequest(absl::string_view tenant_id,
                    absl::string_view request_id) const = 0;

  // A tenant's erasure requests, by id.
  virtual absl::StatusOr<std::vector<domain::ErasureRequest>>
  ListErasureRequests(absl::string_view tenant_id) const = 0;

  // Rewrites the files that held the records `erasure` deleted, so they are
  // gone from disk, not only hidden behind deletion markers. Only the files
  // overlapping those keys are rewritten (one per level at most for each).
  virtual absl::Status CompactErased(const WriteSet& erasure) = 0;

  // Rewrites the files holding `tenant_id`'s records, access log included,
  // so what a retention run deleted is gone from disk.
  virtual absl::Status CompactTenant(absl::string_view tenant_id) = 0;

  // The tenants with entries in the access log (one seek per tenant).
  virtual absl::StatusOr<std::vector<std::string>> ListAuditTenants() const = 0;

  // Deletes the access-log entries of `tenant_id` older than `before` (and
  // their copies by client): the one deletion from the log, for the legal
  // retention period. Returns how many entries went.
  virtual absl::StatusOr<int64_t> DeleteAuditBefore(absl::string_view tenant_id,
                                                    absl::Time before) = 0;

  // The layout of the stored aggregate cells (kAggregatesVersion for a new
  // database or after ReplaceAggregates; 1 when the database predates the
  // mark).
  virtual int aggregates_version() const = 0;

  // Replaces every aggregate cell of every tenant with `cells` (by tenant),
  // and every client's facts row with `facts` (by tenant, then client), in
  // one write, and marks them as kAggregatesVersion.
  virtual absl::Status ReplaceAggregates(
      const std::map<std::string, analytics::Cells>& cells,
      const std::map<std::string,
                     std::map<std::string, analytics::ClientFacts>>& facts) = 0;

  virtual absl::StatusOr<StorageStats> Stats() const = 0;

  // OK while the database takes writes. After a write or background error
  // (disk full, read-only file system, I/O error) RocksDB refuses every
  // write until the cause is fixed and Resume() succeeds; then this returns
  // Unavailable saying why. Cheap: reads a flag.
  virtual absl::Status Health() const = 0;

  // Tries to leave the refusing state. OK when healthy again. After a full
  // disk, RocksDB retries by itself once space is free (within seconds) and
  // this only reports; after other errors it asks RocksDB to resume. If
  // writes stay refused after the cause is fixed, restart the server: every
  // acknowledged write is in the write-ahead log.
  virtual absl::Status Resume() = 0;

  // True when the previous process using this directory did not close it
  // (a crash, a kill -9 or a power loss): RocksDB replayed its write-ahead
  // log on open. An online backup restored counts as one too.
  virtual bool opened_after_unclean_shutdown() const = 0;

  // A consistent backup of the whole database into `backup_dir` (RocksDB's
  // BackupEngine: incremental, files shared between backups), taken while
  // writes go on; then keeps only the newest `keep` backups.
  virtual absl::StatusOr<BackupSummary> CreateBackup(
      const std::string& backup_dir, uint32_t keep) = 0;

  // Restores the newest backup in `backup_dir` into `data_dir`, which must
  // not exist or be empty (FailedPrecondition otherwise: a restore never
  // overwrites data). Run with the server stopped.
  static absl::Status RestoreLatestBackup(const std::string& backup_dir,
                                          const std::string& data_dir);

  // Writes `changes` atomically, durable per StoreOptions::durability before
  // it returns OK.
  virtual absl::Status Apply(const WriteSet& changes) = 0;

  // Writes `changes` atomically into the write-ahead log without waiting
  // for the disk: durable only after a later SyncWal() returns OK. For bulk
  // imports, which acknowledge many records at once.
  virtual absl::Status ApplyDeferred(const WriteSet& changes) = 0;

  // Makes every write so far durable (fsync of the WAL); a no-op with
  // Durability::kOs.
  virtual absl::Status SyncWal() = 0;

  // Writes every memtable to SST files and waits. A clean stop does this so
  // the next start replays no log, and compaction gets to fold the
  // aggregate cells before they are read.
  virtual absl::Status Flush() = 0;
};

}  // namespace tilbake::storage

#endif  // TILBAKE_STORAGE_STORE_H_

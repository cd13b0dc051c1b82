// The RocksDB implementation of Store. RocksDB types stay in this file.
#include <atomic>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/log.h"
#include "common/status_macros.h"
#include "rocksdb/cache.h"
#include "rocksdb/db.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/listener.h"
#include "rocksdb/options.h"
#include "rocksdb/statistics.h"
#include "rocksdb/table.h"
#include "rocksdb/utilities/backup_engine.h"
#include "rocksdb/write_batch.h"
#include "storage/codec.h"
#include "storage/keys.h"
#include "storage/rocksdb_logger.h"
#include "storage/store.h"
#include "storage/sum_merge.h"

namespace tilbake::storage {
namespace {

// The column families this schema uses, in handle order.
const std::vector<std::string>& KnownFamilies() {
  static const auto* families =
      new std::vector<std::string>{keys::kMetaFamily,
                                   keys::kEpisodesFamily,
                                   keys::kAdministrationsFamily,
                                   keys::kIdempotencyFamily,
                                   keys::kReferenceFamily,
                                   keys::kAggregatesFamily,
                                   keys::kAuditFamily,
                                   keys::kAuditByClientFamily,
                                   keys::kErasureRequestsFamily};
  return *families;
}

// Converts a RocksDB status at the edge of storage/, saying what failed.
absl::Status FromRocks(const rocksdb::Status& s, absl::string_view what) {
  if (s.ok()) return absl::OkStatus();
  const std::string message = absl::StrCat(what, ": ", s.ToString());
  if (s.IsCorruption()) return absl::DataLossError(message);
  if (s.IsBusy() || s.IsTimedOut() || s.IsTryAgain()) {
    return absl::UnavailableError(message);
  }
  if (s.IsNoSpace()) return absl::ResourceExhaustedError(message);
  if (s.IsIOError()) {
    // The LOCK file is held by another process (or this one).
    if (absl::StrContains(s.ToString(), "lock")) {
      return absl::UnavailableError(absl::StrCat(
          message, " (is another tilbake-server using this directory?)"));
    }
    return absl::UnavailableError(message);
  }
  if (s.IsInvalidArgument()) return absl::FailedPreconditionError(message);
  return absl::InternalError(message);
}

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
                         rocksdb::Status* error) override {
    if (error == nullptr || error->ok()) return;
    Set({error->ToString(), error->IsNoSpace()});
  }

  void OnErrorRecoveryEnd(
      const rocksdb::BackgroundErrorRecoveryInfo& info) override {
    if (info.new_bg_error.ok()) Clear();
  }

  void Set(Error error) {
    absl::MutexLock lock(&mu_);
    if (error_.has_value()) return;
    LogEvent(LogLevel::kError, "storage_refusing_writes",
             {{"error", error.message}});
    error_ = std::move(error);
  }

  void Clear() {
    absl::MutexLock lock(&mu_);
    if (!error_.has_value()) return;
    error_.reset();
    LogEvent(LogLevel::kInfo, "storage_writable_again");
  }

  std::optional<Error> error() const {
    absl::MutexLock lock(&mu_);
    return error_;
  }

 private:
  mutable absl::Mutex mu_;
  std::optional<Error> error_ ABSL_GUARDED_BY(mu_);
};

class RocksStore final : public Store {
 public:
  RocksStore(std::unique_ptr<rocksdb::DB> db,
             std::vector<rocksdb::ColumnFamilyHandle*> handles,
             const StoreOptions& options,
             std::shared_ptr<rocksdb::Statistics> statistics,
             std::shared_ptr<WriteHealth> health)
      : db_(std::move(db)),
        handles_(std::move(handles)),
        options_(options),
        statistics_(std::move(statistics)),
        health_(std::move(health)) {
    write_options_.sync = options.durability == Durability::kFsync;
    // Above every sequence number RocksDB has handed out, so above every
    // audit sequence of earlier runs too (each audit entry is one Put).
    next_audit_sequence_ = db_->GetLatestSequenceNumber() + 1;
  }

  ~RocksStore() override {
    if (health_->error() == std::nullopt) {
      // A clean close: the next open need not report a crash.
      rocksdb::WriteOptions sync;
      sync.sync = true;
      db_->Delete(sync, meta(), keys::kOpenMarkerKey).PermitUncheckedError();
    }
    for (rocksdb::ColumnFamilyHandle* handle : handles_) {
      db_->DestroyColumnFamilyHandle(handle);
    }
    // Closing flushes nothing extra: every write went through the WAL.
    db_->Close().PermitUncheckedError();
  }

  absl::Status CheckOrInitSchema() {
    std::string value;
    rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), meta(),
                                 keys::kSchemaVersionKey, &value);
    if (s.IsNotFound()) {
      ASSIGN_OR_RETURN(bool empty, IsEmpty());
      if (!empty) {
        return absl::FailedPreconditionError(absl::StrCat(
            options_.path,
            " holds data but no schema version: not a Tilbake database"));
      }
      rocksdb::WriteBatch batch;
      RETURN_IF_ERROR(FromRocks(batch.Put(meta(), keys::kSchemaVersionKey,
                                          std::to_string(kSchemaVersion)),
                                "batching schema version"));
      RETURN_IF_ERROR(FromRocks(batch.Put(meta(), keys::kAggregatesVersionKey,
                                          std::to_string(kAggregatesVersion)),
                                "batching aggregates version"));
      aggregates_version_ = kAggregatesVersion;
      return FromRocks(
          db_->Write(write_options_, &batch),
          absl::StrCat("writing schema version to ", options_.path));
    }
    RETURN_IF_ERROR(FromRocks(s, "reading schema version"));
    int version = 0;
    if (!absl::SimpleAtoi(value, &version)) {
      return absl::DataLossError(absl::StrCat(
          options_.path, ": unreadable schema version \"", value, "\""));
    }
    if (version > kSchemaVersion) {
      return absl::FailedPreconditionError(
          absl::StrCat(options_.path, " has schema version ", version,
                       ", newer than this server's ", kSchemaVersion,
                       "; run a newer tilbake-server"));
    }
    if (version < kSchemaVersion) {
      // No migration exists yet: version 1 is the first layout.
      return absl::FailedPreconditionError(
          absl::StrCat(options_.path, " has schema version ", version,
                       " and no migration to ", kSchemaVersion, " exists"));
    }
    s = db_->Get(rocksdb::ReadOptions(), meta(), keys::kAggregatesVersionKey,
                 &value);
    if (s.IsNotFound()) {
      aggregates_version_ = 1;  // Written before the mark existed.
      return absl::OkStatus();
    }
    RETURN_IF_ERROR(FromRocks(s, "reading aggregates version"));
    if (!absl::SimpleAtoi(value, &aggregates_version_)) {
      return absl::DataLossError(absl::StrCat(
          options_.path, ": unreadable aggregates version \"", value, "\""));
    }
    return absl::OkStatus();
  }

  int aggregates_version() const override { return aggregates_version_; }

  // Notes whether the last process closed the database, and marks it open.
  absl::Status MarkOpen() {
    std::string value;
    rocksdb::Status s =
        db_->Get(rocksdb::ReadOptions(), meta(), keys::kOpenMarkerKey, &value);
    if (!s.IsNotFound()) {
      RETURN_IF_ERROR(FromRocks(s, "reading the open marker"));
      unclean_ = true;
    }
    rocksdb::WriteOptions sync;
    sync.sync = true;
    return FromRocks(db_->Put(sync, meta(), keys::kOpenMarkerKey, "1"),
                     absl::StrCat("writing to ", options_.path));
  }

  bool opened_after_unclean_shutdown() const override { return unclean_; }

  absl::Status Health() const override {
    std::optional<WriteHealth::Error> error = health_->error();
    if (!error.has_value()) return absl::OkStatus();
    return absl::UnavailableError(absl::StrCat(
        "storage refuses writes after an error (", error->message, ") in ",
        options_.path, "; free disk space or make it writable"));
  }

  absl::Status Resume() override {
    std::optional<WriteHealth::Error> error = health_->error();
    if (!error.has_value()) return absl::OkStatus();
    if (error->no_space) {
      return absl::UnavailableError(
          "waiting for free disk space; storage resumes on its own");
    }
    rocksdb::Status s = db_->Resume();
    if (s.IsBusy()) {
      // RocksDB is already recovering on its own (it retries a full disk).
      return absl::UnavailableError("storage is recovering from a write error");
    }
    RETURN_IF_ERROR(FromRocks(s, "resuming writes"));
    health_->Clear();
    return absl::OkStatus();
  }

  absl::StatusOr<std::optional<domain::Episode>> GetEpisode(
      absl::string_view tenant_id,
      absl::string_view episode_id) const override {
    std::string value;
    rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), episodes(),
                                 keys::Episode(tenant_id, episode_id), &value);
    if (s.IsNotFound()) return std::nullopt;
    RETURN_IF_ERROR(FromRocks(s, "reading episode"));
    ASSIGN_OR_RETURN(domain::Episode episode, codec::DecodeEpisode(value));
    return episode;
  }

  absl::StatusOr<std::vector<domain::Administration>> ListAdministrations(
      absl::string_view tenant_id,
      absl::string_view episode_id) const override {
    const std::string prefix =
        keys::EpisodeAdministrationsPrefix(tenant_id, episode_id);
    const std::string upper = keys::PrefixUpperBound(prefix);
    rocksdb::Slice upper_slice(upper);
    rocksdb::ReadOptions read;
    read.iterate_upper_bound = &upper_slice;
    std::unique_ptr<rocksdb::Iterator> it(
        db_->NewIterator(read, administrations()));
    std::vector<domain::Administration> out;
    for (it->Seek(prefix); it->Valid(); it->Next()) {
      ASSIGN_OR_RETURN(domain::Administration a,
                       codec::DecodeAdministration(absl::string_view(
                           it->value().data(), it->value().size())));
      out.push_back(std::move(a));
    }
    // A failed iterator looks like the end of data: check it.
    RETURN_IF_ERROR(FromRocks(it->status(), "listing administrations"));
    return out;
  }

  absl::StatusOr<std::optional<IdempotencyEntry>> GetIdempotency(
      absl::string_view tenant_id, absl::string_view key) const override {
    std::string value;
    rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), idempotency(),
                                 keys::Idempotency(tenant_id, key), &value);
    if (s.IsNotFound()) return std::nullopt;
    RETURN_IF_ERROR(FromRocks(s, "reading idempotency key"));
    ASSIGN_OR_RETURN(codec::IdempotencyTarget target,
                     codec::DecodeIdempotency(value));
    return IdempotencyEntry{std::string(tenant_id), std::string(key),
                            std::move(target.episode_id),
                            std::move(target.administration_id)};
  }

  absl::StatusOr<std::vector<scoring::ReferenceCell>> ReadReference(
      absl::string_view tenant_id, absl::string_view instrument_id,
      scoring::Tenths intake_from, scoring::Tenths intake_to) const override {
    const std::string prefix = keys::ReferencePrefix(tenant_id, instrument_id);
    const std::string start =
        keys::Reference(tenant_id, instrument_id, std::max(0, intake_from), 0);
    // Up to and including every session of intake_to.
    const std::string upper = keys::Reference(tenant_id, instrument_id,
                                              std::max(0, intake_to) + 1, 0);
    rocksdb::Slice upper_slice(upper);
    rocksdb::ReadOptions read;
    read.iterate_upper_bound = &upper_slice;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read, reference()));
    std::vector<scoring::ReferenceCell> out;
    for (it->Seek(start); it->Valid(); it->Next()) {
      scoring::ReferenceCell cell;
      std::optional<Sums> sums =
          DecodeSums(absl::string_view(it->value().data(), it->value().size()));
      if (!sums.has_value() ||
          !keys::DecodeReference(
              absl::string_view(it->key().data(), it->key().size()),
              prefix.size(), &cell.intake, &cell.session)) {
        return absl::DataLossError("unreadable trajectory reference cell");
      }
      cell.count = (*sums)[0];
      cell.sum = (*sums)[1];
      cell.sum_squares = (*sums)[2];
      out.push_back(cell);
    }
    RETURN_IF_ERROR(FromRocks(it->status(), "reading trajectory reference"));
    return out;
  }

  absl::StatusOr<StorageStats> Stats() const override {
    StorageStats stats;
    auto sum = [this](const std::string& property) {
      uint64_t total = 0;
      for (rocksdb::ColumnFamilyHandle* handle : handles_) {
        uint64_t value = 0;
        if (db_->GetIntProperty(handle, property, &value)) total += value;
      }
      return total;
    };
    stats.live_data_bytes = sum(rocksdb::DB::Properties::kEstimateLiveDataSize);
    stats.sst_bytes = sum(rocksdb::DB::Properties::kLiveSstFilesSize);
    stats.pending_compaction_bytes =
        sum(rocksdb::DB::Properties::kEstimatePendingCompactionBytes);
    db_->GetIntProperty(rocksdb::DB::Properties::kNumRunningCompactions,
                        &stats.running_compactions);
    db_->GetIntProperty(rocksdb::DB::Properties::kNumRunningFlushes,
                        &stats.running_flushes);
    stats.memtable_entries =
        sum(rocksdb::DB::Properties::kNumEntriesActiveMemTable) +
        sum(rocksdb::DB::Properties::kNumEntriesImmMemTables);
    uint64_t errors = 0;
    db_->GetIntProperty(rocksdb::DB::Properties::kBackgroundErrors, &errors);
    stats.background_errors = errors;
    std::vector<rocksdb::LiveFileMetaData> files;
    db_->GetLiveFilesMetaData(&files);
    stats.sst_files = files.size();
    if (statistics_ != nullptr) {
      rocksdb::HistogramData sync;
      statistics_->histogramData(rocksdb::WAL_FILE_SYNC_MICROS, &sync);
      stats.wal_syncs = sync.count;
      stats.wal_sync_seconds_sum = static_cast<double>(sync.sum) / 1e6;
      stats.wal_sync_seconds_p50 = sync.median / 1e6;
      stats.wal_sync_seconds_p99 = sync.percentile99 / 1e6;
    }
    return stats;
  }

  absl::Status Apply(const WriteSet& changes) override {
    return Write(changes, write_options_);
  }

  absl::StatusOr<BackupSummary> CreateBackup(const std::string& backup_dir,
                                             uint32_t keep) override {
    rocksdb::BackupEngine* raw = nullptr;
    RETURN_IF_ERROR(FromRocks(
        rocksdb::BackupEngine::Open(rocksdb::BackupEngineOptions(backup_dir),
                                    rocksdb::Env::Default(), &raw),
        absl::StrCat("opening backup directory ", backup_dir)));
    std::unique_ptr<rocksdb::BackupEngine> engine(raw);
    // flush_before_backup: the backup needs no WAL replay to be complete.
    RETURN_IF_ERROR(
        FromRocks(engine->CreateNewBackup(db_.get(), true), "creating backup"));
    RETURN_IF_ERROR(FromRocks(engine->PurgeOldBackups(std::max(1u, keep)),
                              "purging old backups"));
    rocksdb::BackupInfo info;
    RETURN_IF_ERROR(
        FromRocks(engine->GetLatestBackupInfo(&info), "reading backup info"));
    std::vector<rocksdb::BackupInfo> all;
    engine->GetBackupInfo(&all);
    return BackupSummary{info.backup_id, info.timestamp, info.size,
                         info.number_files, static_cast<uint32_t>(all.size())};
  }

  absl::Status ApplyDeferred(const WriteSet& changes) override {
    rocksdb::WriteOptions deferred = write_options_;
    deferred.sync = false;
    return Write(changes, deferred);
  }

  absl::Status Flush() override {
    rocksdb::FlushOptions options;
    options.wait = true;
    return FromRocks(db_->Flush(options, handles_), "flushing memtables");
  }

  absl::Status SyncWal() override {
    if (!write_options_.sync) return absl::OkStatus();
    return FromRocks(db_->SyncWAL(), "syncing the write-ahead log");
  }

  absl::Status Write(const WriteSet& changes,
                     const rocksdb::WriteOptions& options) {
    rocksdb::WriteBatch batch;
    for (const domain::Episode& e : changes.episodes) {
      RETURN_IF_ERROR(FromRocks(
          batch.Put(episodes(), keys::Episode(e.tenant_id, e.episode_id),
                    codec::EncodeEpisode(e)),
          "batching episode"));
    }
    for (const domain::Administration& a : changes.administrations) {
      RETURN_IF_ERROR(
          FromRocks(batch.Put(administrations(), keys::Administration(a.rating),
                              codec::EncodeAdministration(a)),
                    "batching administration"));
    }
    for (const IdempotencyEntry& entry : changes.idempotency) {
      RETURN_IF_ERROR(
          FromRocks(batch.Put(idempotency(),
                              keys::Idempotency(entry.tenant_id, entry.key),
                              codec::EncodeIdempotency(
                                  {entry.episode_id, entry.administration_id})),
                    "batching idempotency key"));
    }
    for (const ReferenceDelta& d : changes.reference) {
      RETURN_IF_ERROR(FromRocks(
          batch.Merge(
              reference(),
              keys::Reference(d.tenant_id, d.instrument_id, d.cell.intake,
                              d.cell.session),
              EncodeSums({d.cell.count, d.cell.sum, d.cell.sum_squares})),
          "batching reference delta"));
    }
    for (const auto& [key, sums] : changes.aggregates) {
      RETURN_IF_ERROR(
          FromRocks(batch.Merge(aggregates(),
                                keys::Aggregate(changes.aggregates_tenant, key),
                                EncodeSums(sums)),
                    "batching aggregate delta"));
    }
    for (domain::AuditEntry entry : changes.audit) {
      entry.sequence = next_audit_sequence_.fetch_add(1);
      const std::string position =
          keys::AuditPosition(static_cast<uint64_t>(std::max<int64_t>(
                                  0, absl::ToUnixMicros(entry.time))),
                              entry.sequence);
      const std::string value = codec::EncodeAudit(entry);
      RETURN_IF_ERROR(FromRocks(
          batch.Put(audit(), keys::AuditPrefix(entry.tenant_id, "") + position,
                    value),
          "batching audit entry"));
      if (!entry.client_id.empty()) {
        RETURN_IF_ERROR(FromRocks(
            batch.Put(
                audit_by_client(),
                keys::AuditPrefix(entry.tenant_id, entry.client_id) + position,
                value),
            "batching audit entry"));
      }
    }
    for (const domain::ErasureRequest& r : changes.erasure_requests) {
      RETURN_IF_ERROR(
          FromRocks(batch.Put(erasure_requests(),
                              keys::ErasureRequest(r.tenant_id, r.request_id),
                              codec::EncodeErasureRequest(r)),
                    "batching erasure request"));
    }
    for (const RecordKey& k : changes.deleted_episodes) {
      RETURN_IF_ERROR(
          FromRocks(batch.Delete(episodes(), keys::Episode(k.tenant_id, k.id)),
                    "batching episode deletion"));
    }
    for (const domain::Rating& r : changes.deleted_administrations) {
      RETURN_IF_ERROR(
          FromRocks(batch.Delete(administrations(), keys::Administration(r)),
                    "batching administration deletion"));
    }
    for (const RecordKey& k : changes.deleted_idempotency) {
      RETURN_IF_ERROR(FromRocks(
          batch.Delete(idempotency(), keys::Idempotency(k.tenant_id, k.id)),
          "batching idempotency key deletion"));
    }
    return FromRocks(db_->Write(options, &batch), "writing batch");
  }

  absl::StatusOr<std::vector<std::pair<analytics::CellKey, analytics::Sums>>>
  ReadAggregates(absl::string_view tenant_id, analytics::CellKind kind,
                 analytics::Granularity granularity, analytics::CellScope scope,
                 absl::string_view org_unit, int32_t from,
                 int32_t to) const override {
    const std::string prefix =
        keys::AggregatePrefix(tenant_id, kind, granularity, scope);
    const std::string upper = keys::PrefixUpperBound(prefix);
    rocksdb::Slice upper_slice(upper);
    rocksdb::ReadOptions read;
    read.iterate_upper_bound = &upper_slice;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read, aggregates()));
    std::vector<std::pair<analytics::CellKey, analytics::Sums>> out;
    // Walk org units: for each, seek to its first wanted bucket, read to the
    // last, then jump past its range.
    std::string seek = prefix + std::string(org_unit);
    it->Seek(seek);
    while (it->Valid()) {
      analytics::CellKey key;
      const absl::string_view raw(it->key().data(), it->key().size());
      if (!keys::DecodeAggregate(raw, tenant_id, &key)) {
        return absl::DataLossError("unreadable aggregate key");
      }
      if (!absl::StartsWith(key.org_unit, org_unit)) {
        break;  // Past every org unit that starts with the prefix.
      }
      // `org_unit` itself or below it: "a/b" is below "a", "ab" is not.
      const bool inside = org_unit.empty() ||
                          key.org_unit.size() == org_unit.size() ||
                          key.org_unit[org_unit.size()] == '/';
      if (!inside || key.bucket > to) {
        // Next org unit: every key of this one sorts below org_unit + "\x01".
        it->Seek(prefix + key.org_unit + std::string(1, '\x01'));
        continue;
      }
      if (key.bucket < from) {
        it->Seek(keys::AggregateSeek(prefix, key.org_unit, from));
        continue;
      }
      std::optional<Sums> sums =
          DecodeSums(absl::string_view(it->value().data(), it->value().size()));
      if (!sums.has_value()) return absl::DataLossError("unreadable aggregate");
      out.emplace_back(std::move(key), *std::move(sums));
      it->Next();
    }
    RETURN_IF_ERROR(FromRocks(it->status(), "reading aggregates"));
    return out;
  }

  absl::StatusOr<analytics::Cells> ReadAllAggregates(
      absl::string_view tenant_id) const override {
    std::string prefix(tenant_id);
    prefix.push_back('\0');
    const std::string upper = keys::PrefixUpperBound(prefix);
    rocksdb::Slice upper_slice(upper);
    rocksdb::ReadOptions read;
    read.iterate_upper_bound = &upper_slice;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read, aggregates()));
    analytics::Cells out;
    for (it->Seek(prefix); it->Valid(); it->Next()) {
      analytics::CellKey key;
      std::optional<Sums> sums =
          DecodeSums(absl::string_view(it->value().data(), it->value().size()));
      if (!keys::DecodeAggregate(
              absl::string_view(it->key().data(), it->key().size()), tenant_id,
              &key) ||
          !sums.has_value()) {
        return absl::DataLossError("unreadable aggregate");
      }
      out[key] = *std::move(sums);
    }
    RETURN_IF_ERROR(FromRocks(it->status(), "reading aggregates"));
    return out;
  }

  absl::Status ScanEpisodes(
      absl::string_view tenant_id,
      const std::function<absl::Status(
          const domain::Episode&, const std::vector<domain::Administration>&)>&
          visit) const override {
    const std::string prefix =
        tenant_id.empty() ? "" : keys::Episode(tenant_id, "");  // tenant \0
    const std::string upper = keys::PrefixUpperBound(prefix);
    rocksdb::Slice upper_slice(upper);
    rocksdb::ReadOptions read;
    if (!prefix.empty()) read.iterate_upper_bound = &upper_slice;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read, episodes()));
    for (it->Seek(prefix); it->Valid(); it->Next()) {
      ASSIGN_OR_RETURN(domain::Episode episode,
                       codec::DecodeEpisode(absl::string_view(
                           it->value().data(), it->value().size())));
      ASSIGN_OR_RETURN(
          std::vector<domain::Administration> administrations,
          ListAdministrations(episode.tenant_id, episode.episode_id));
      RETURN_IF_ERROR(visit(episode, administrations));
    }
    return FromRocks(it->status(), "scanning episodes");
  }

  absl::Status ScanClientEpisodes(
      absl::string_view tenant_id, absl::string_view client_id,
      const std::function<absl::Status(
          const domain::Episode&, const std::vector<domain::Administration>&)>&
          visit) const override {
    const std::string prefix = keys::Episode(tenant_id, "");  // tenant \0
    const std::string upper = keys::PrefixUpperBound(prefix);
    rocksdb::Slice upper_slice(upper);
    rocksdb::ReadOptions read;
    read.iterate_upper_bound = &upper_slice;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read, episodes()));
    for (it->Seek(prefix); it->Valid(); it->Next()) {
      ASSIGN_OR_RETURN(domain::Episode episode,
                       codec::DecodeEpisode(absl::string_view(
                           it->value().data(), it->value().size())));
      if (std::find(episode.client_ids.begin(), episode.client_ids.end(),
                    client_id) == episode.client_ids.end()) {
        continue;
      }
      ASSIGN_OR_RETURN(
          std::vector<domain::Administration> administrations,
          ListAdministrations(episode.tenant_id, episode.episode_id));
      RETURN_IF_ERROR(visit(episode, administrations));
    }
    return FromRocks(it->status(), "scanning episodes");
  }

  absl::Status ScanIdempotency(
      absl::string_view tenant_id,
      const std::function<absl::Status(const IdempotencyEntry&)>& visit)
      const override {
    const std::string prefix = keys::Idempotency(tenant_id, "");
    const std::string upper = keys::PrefixUpperBound(prefix);
    rocksdb::Slice upper_slice(upper);
    rocksdb::ReadOptions read;
    read.iterate_upper_bound = &upper_slice;
    std::unique_ptr<rocksdb::Iterator> it(
        db_->NewIterator(read, idempotency()));
    for (it->Seek(prefix); it->Valid(); it->Next()) {
      ASSIGN_OR_RETURN(codec::IdempotencyTarget target,
                       codec::DecodeIdempotency(absl::string_view(
                           it->value().data(), it->value().size())));
      RETURN_IF_ERROR(visit({std::string(tenant_id),
                             std::string(it->key().data() + prefix.size(),
                                         it->key().size() - prefix.size()),
                             std::move(target.episode_id),
                             std::move(target.administration_id)}));
    }
    return FromRocks(it->status(), "scanning idempotency keys");
  }

  absl::StatusOr<domain::AuditPage> ReadAudit(
      const domain::AuditQuery& query) const override {
    constexpr size_t kPositionSize = 16;
    const std::string prefix =
        keys::AuditPrefix(query.tenant_id, query.client_id);
    auto micros = [](absl::Time t) {
      if (t <= absl::UnixEpoch()) return uint64_t{0};
      if (t == absl::InfiniteFuture()) return ~uint64_t{0};
      return static_cast<uint64_t>(absl::ToUnixMicros(t));
    };
    std::string start = prefix + keys::AuditPosition(micros(query.from), 0);
    if (!query.page_token.empty()) {
      std::string position;
      if (!absl::WebSafeBase64Unescape(query.page_token, &position) ||
          position.size() != kPositionSize) {
        return absl::InvalidArgumentError(
            "page_token: not a token from an earlier page of this query");
      }
      // Just after the last entry of the previous page.
      start = std::max(start, prefix + position + std::string(1, '\0'));
    }
    const std::string upper = prefix + keys::AuditPosition(micros(query.to), 0);
    rocksdb::Slice upper_slice(upper);
    rocksdb::ReadOptions read;
    read.iterate_upper_bound = &upper_slice;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(
        read, query.client_id.empty() ? audit() : audit_by_client()));
    domain::AuditPage page;
    std::string last_position;  // Of the last entry on the page.
    for (it->Seek(start); it->Valid(); it->Next()) {
      const absl::string_view key(it->key().data(), it->key().size());
      if (key.size() != prefix.size() + kPositionSize) {
        return absl::DataLossError("unreadable audit key");
      }
      if (page.entries.size() >= static_cast<size_t>(query.limit)) {
        // More follow: the next page starts after the last one shown.
        page.next_page_token = absl::WebSafeBase64Escape(last_position);
        break;
      }
      ASSIGN_OR_RETURN(domain::AuditEntry entry,
                       codec::DecodeAudit(absl::string_view(
                           it->value().data(), it->value().size())));
      page.entries.push_back(std::move(entry));
      last_position = std::string(key.substr(prefix.size()));
    }
    RETURN_IF_ERROR(FromRocks(it->status(), "reading the access log"));
    return page;
  }

  absl::StatusOr<std::optional<domain::ErasureRequest>> GetErasureRequest(
      absl::string_view tenant_id,
      absl::string_view request_id) const override {
    std::string value;
    rocksdb::Status s =
        db_->Get(rocksdb::ReadOptions(), erasure_requests(),
                 keys::ErasureRequest(tenant_id, request_id), &value);
    if (s.IsNotFound()) return std::nullopt;
    RETURN_IF_ERROR(FromRocks(s, "reading erasure request"));
    ASSIGN_OR_RETURN(domain::ErasureRequest request,
                     codec::DecodeErasureRequest(value));
    return request;
  }

  absl::StatusOr<std::vector<domain::ErasureRequest>> ListErasureRequests(
      absl::string_view tenant_id) const override {
    const std::string prefix = keys::ErasureRequest(tenant_id, "");
    const std::string upper = keys::PrefixUpperBound(prefix);
    rocksdb::Slice upper_slice(upper);
    rocksdb::ReadOptions read;
    read.iterate_upper_bound = &upper_slice;
    std::unique_ptr<rocksdb::Iterator> it(
        db_->NewIterator(read, erasure_requests()));
    std::vector<domain::ErasureRequest> out;
    for (it->Seek(prefix); it->Valid(); it->Next()) {
      ASSIGN_OR_RETURN(domain::ErasureRequest request,
                       codec::DecodeErasureRequest(absl::string_view(
                           it->value().data(), it->value().size())));
      out.push_back(std::move(request));
    }
    RETURN_IF_ERROR(FromRocks(it->status(), "reading erasure requests"));
    return out;
  }

  absl::Status CompactErased(const WriteSet& erasure) override {
    rocksdb::CompactRangeOptions options;
    // Down to the last level, where deletion markers and what they hide are
    // dropped for good.
    options.bottommost_level_compaction =
        rocksdb::BottommostLevelCompaction::kForce;
    auto compact = [&](rocksdb::ColumnFamilyHandle* family,
                       const std::string& key) {
      const rocksdb::Slice slice(key);
      return FromRocks(db_->CompactRange(options, family, &slice, &slice),
                       "compacting erased records");
    };
    for (const RecordKey& k : erasure.deleted_episodes) {
      RETURN_IF_ERROR(compact(episodes(), keys::Episode(k.tenant_id, k.id)));
    }
    for (const domain::Rating& r : erasure.deleted_administrations) {
      RETURN_IF_ERROR(compact(administrations(), keys::Administration(r)));
    }
    for (const RecordKey& k : erasure.deleted_idempotency) {
      RETURN_IF_ERROR(
          compact(idempotency(), keys::Idempotency(k.tenant_id, k.id)));
    }
    return absl::OkStatus();
  }

  absl::Status ReplaceAggregates(
      const std::map<std::string, analytics::Cells>& cells) override {
    rocksdb::WriteBatch batch;
    // Everything in the family: from the empty key to past any tenant.
    RETURN_IF_ERROR(
        FromRocks(batch.DeleteRange(aggregates(), rocksdb::Slice(""),
                                    rocksdb::Slice(std::string(1, '\xff'))),
                  "batching aggregate delete"));
    for (const auto& [tenant, tenant_cells] : cells) {
      for (const auto& [key, sums] : tenant_cells) {
        RETURN_IF_ERROR(
            FromRocks(batch.Put(aggregates(), keys::Aggregate(tenant, key),
                                EncodeSums(sums)),
                      "batching aggregate"));
      }
    }
    RETURN_IF_ERROR(FromRocks(batch.Put(meta(), keys::kAggregatesVersionKey,
                                        std::to_string(kAggregatesVersion)),
                              "batching aggregates version"));
    RETURN_IF_ERROR(
        FromRocks(db_->Write(write_options_, &batch), "replacing aggregates"));
    aggregates_version_ = kAggregatesVersion;
    return absl::OkStatus();
  }

 private:
  rocksdb::ColumnFamilyHandle* meta() const { return handles_[0]; }
  rocksdb::ColumnFamilyHandle* episodes() const { return handles_[1]; }
  rocksdb::ColumnFamilyHandle* administrations() const { return handles_[2]; }
  rocksdb::ColumnFamilyHandle* idempotency() const { return handles_[3]; }
  rocksdb::ColumnFamilyHandle* reference() const { return handles_[4]; }
  rocksdb::ColumnFamilyHandle* aggregates() const { return handles_[5]; }
  rocksdb::ColumnFamilyHandle* audit() const { return handles_[6]; }
  rocksdb::ColumnFamilyHandle* audit_by_client() const { return handles_[7]; }
  rocksdb::ColumnFamilyHandle* erasure_requests() const { return handles_[8]; }

  absl::StatusOr<bool> IsEmpty() const {
    for (rocksdb::ColumnFamilyHandle* handle : handles_) {
      std::unique_ptr<rocksdb::Iterator> it(
          db_->NewIterator(rocksdb::ReadOptions(), handle));
      it->SeekToFirst();
      if (it->Valid()) return false;
      RETURN_IF_ERROR(FromRocks(it->status(), "scanning database"));
    }
    return true;
  }

  std::unique_ptr<rocksdb::DB> db_;
  // Known families first (KnownFamilies order), then any unknown ones.
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  StoreOptions options_;
  rocksdb::WriteOptions write_options_;
  std::shared_ptr<rocksdb::Statistics> statistics_;  // For WAL sync timing.
  std::shared_ptr<WriteHealth> health_;
  bool unclean_ = false;
  std::atomic<uint64_t> next_audit_sequence_{0};
  int aggregates_version_ = kAggregatesVersion;  // Set by CheckOrInitSchema.
};

rocksdb::ColumnFamilyOptions FamilyOptions(
    const std::shared_ptr<rocksdb::Cache>& block_cache,
    size_t memtable_budget_bytes) {
  rocksdb::ColumnFamilyOptions options;
  // No one memtable larger than the budget of all (RocksDB's default is
  // 64 MiB). It also sets how much free space RocksDB wants before it
  // resumes after a full disk (room to flush the largest memtable), and
  // how much each write-ahead log file preallocates.
  if (memtable_budget_bytes > 0) {
    options.write_buffer_size =
        std::min(options.write_buffer_size, memtable_budget_bytes);
  }
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = block_cache;
  // Point lookups (episodes, idempotency keys) skip SST files by bloom filter.
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  return options;
}

}  // namespace

absl::Status Store::RestoreLatestBackup(const std::string& backup_dir,
                                        const std::string& data_dir) {
  std::error_code ec;
  if (std::filesystem::exists(data_dir, ec) &&
      !std::filesystem::is_empty(data_dir, ec)) {
    return absl::FailedPreconditionError(absl::StrCat(
        data_dir, " is not empty: restore into a new directory, then swap"));
  }
  rocksdb::BackupEngineReadOnly* raw = nullptr;
  RETURN_IF_ERROR(
      FromRocks(rocksdb::BackupEngineReadOnly::Open(
                    rocksdb::BackupEngineOptions(backup_dir),
                    rocksdb::Env::Default(), &raw),
                absl::StrCat("opening backup directory ", backup_dir)));
  std::unique_ptr<rocksdb::BackupEngineReadOnly> engine(raw);
  return FromRocks(engine->RestoreDBFromLatestBackup(data_dir, data_dir),
                   absl::StrCat("restoring into ", data_dir));
}

absl::StatusOr<std::unique_ptr<Store>> Store::Open(
    const StoreOptions& options) {
  if (options.path.empty()) {
    return absl::InvalidArgumentError("data directory: is empty");
  }
  std::error_code ec;
  std::filesystem::create_directories(options.path, ec);
  if (ec) {
    return absl::UnavailableError(absl::StrCat(
        "cannot create data directory ", options.path, ": ", ec.message()));
  }

  rocksdb::DBOptions db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  db_options.IncreaseParallelism(2);
  db_options.db_write_buffer_size = options.memtable_budget_bytes;
  const std::shared_ptr<rocksdb::Cache> block_cache =
      rocksdb::NewLRUCache(options.block_cache_bytes);
  // Timings for monitoring (WAL sync latency); the cheapest level that has
  // histograms.
  db_options.statistics = rocksdb::CreateDBStatistics();
  db_options.statistics->set_stats_level(
      rocksdb::StatsLevel::kExceptTimeForMutex);
  // RocksDB's info log through the server's log, not a file on the data
  // disk: a full disk must not take the process down (rocksdb_logger.h).
  db_options.info_log = NewServerLogger();
  db_options.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  auto health = std::make_shared<WriteHealth>();
  db_options.listeners.push_back(health);
  if (options.env != nullptr) db_options.env = options.env;

  // A newer server may have added families: open every one that exists, or
  // RocksDB refuses; the schema check below then says what is wrong.
  std::vector<std::string> families = KnownFamilies();
  std::vector<std::string> existing;
  if (rocksdb::DB::ListColumnFamilies(db_options, options.path, &existing)
          .ok()) {
    for (const std::string& name : existing) {
      if (std::find(families.begin(), families.end(), name) == families.end()) {
        families.push_back(name);
      }
    }
  }
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const std::string& name : families) {
    rocksdb::ColumnFamilyOptions family =
        FamilyOptions(block_cache, options.memtable_budget_bytes);
    if (name == keys::kReferenceFamily || name == keys::kAggregatesFamily) {
      family.merge_operator = NewSumMergeOperator();
      // Hot cells (a busy team's month) collect a merge operand per rating;
      // without a bound every read folds them all and slows with history.
      // Past this many operands in the memtable, the write folds them.
      family.max_successive_merges = 32;
      // Merge operands fold into one value only when compaction reaches the
      // last level. Compacting each flushed file into L1 at once (L1 is the
      // last level of a family this small) keeps the cells a trend query
      // reads folded: 3x faster to read than the same cells spread over
      // L0 files (bench/README.md).
      family.level0_file_num_compaction_trigger = 1;
    }
    descriptors.emplace_back(name, family);
  }

  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s =
      rocksdb::DB::Open(db_options, options.path, descriptors, &handles, &raw);
  RETURN_IF_ERROR(FromRocks(s, absl::StrCat("opening ", options.path)));
  auto store = std::make_unique<RocksStore>(std::unique_ptr<rocksdb::DB>(raw),
                                            std::move(handles), options,
                                            db_options.statistics, health);
  RETURN_IF_ERROR(store->CheckOrInitSchema());
  RETURN_IF_ERROR(store->MarkOpen());
  return store;
}

}  // namespace tilbake::storage

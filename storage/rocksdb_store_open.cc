// Opening the RocksDB store: options, column families, the schema mark,
// the open marker (was the last shutdown clean?), health and statistics.
#include <algorithm>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "common/status_macros.h"
#include "rocksdb/cache.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/table.h"
#include "rocksdb/write_batch.h"
#include "storage/keys.h"
#include "storage/rocksdb_logger.h"
#include "storage/rocksdb_store.h"
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
                                   keys::kErasureRequestsFamily,
                                   keys::kRevisionsFamily,
                                   keys::kRetiredAggregatesFamily,
                                   keys::kClientFactsFamily};
  return *families;
}

rocksdb::ColumnFamilyOptions FamilyOptions(
    const std::shared_ptr<rocksdb::Cache>& block_cache,
    size_t memtable_budget_bytes, bool index_in_cache) {
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
  // The record families' index and filter blocks live in the block cache,
  // so the server's memory is bounded by the cache and the memtables
  // however much is stored: outside it they grow with the records (30 MiB
  // of table readers at 10 M ratings, bench/README.md). The newest files'
  // blocks stay pinned, and all are evicted last. The small families that
  // trend queries scan keep theirs outside (about 1 MiB at 10 M ratings):
  // in the cache, the queries were 2-3x slower.
  if (index_in_cache) {
    table.cache_index_and_filter_blocks = true;
    table.cache_index_and_filter_blocks_with_high_priority = true;
    table.pin_l0_filter_and_index_blocks_in_cache = true;
  }
  options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  return options;
}

}  // namespace

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

void WriteHealth::OnBackgroundError(rocksdb::BackgroundErrorReason reason,
                                    rocksdb::Status* error) {
  if (error == nullptr || error->ok()) return;
  Set({error->ToString(), error->IsNoSpace()});
}

void WriteHealth::OnErrorRecoveryEnd(
    const rocksdb::BackgroundErrorRecoveryInfo& info) {
  if (info.new_bg_error.ok()) Clear();
}

void WriteHealth::Set(Error error) {
  absl::MutexLock lock(&mu_);
  if (error_.has_value()) return;
  LogEvent(LogLevel::kError, "storage_refusing_writes",
           {{"error", error.message}});
  error_ = std::move(error);
}

void WriteHealth::Clear() {
  absl::MutexLock lock(&mu_);
  if (!error_.has_value()) return;
  error_.reset();
  LogEvent(LogLevel::kInfo, "storage_writable_again");
}

std::optional<WriteHealth::Error> WriteHealth::error() const {
  absl::MutexLock lock(&mu_);
  return error_;
}

RocksStore::RocksStore(std::unique_ptr<rocksdb::DB> db,
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

RocksStore::~RocksStore() {
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

absl::Status RocksStore::CheckOrInitSchema() {
  std::string value;
  rocksdb::Status s =
      db_->Get(rocksdb::ReadOptions(), meta(), keys::kSchemaVersionKey, &value);
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
    return FromRocks(db_->Write(write_options_, &batch),
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

// Notes whether the last process closed the database, and marks it open.
absl::Status RocksStore::MarkOpen() {
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

absl::Status RocksStore::Health() const {
  std::optional<WriteHealth::Error> error = health_->error();
  if (!error.has_value()) return absl::OkStatus();
  return absl::UnavailableError(absl::StrCat(
      "storage refuses writes after an error (", error->message, ") in ",
      options_.path, "; free disk space or make it writable"));
}

absl::Status RocksStore::Resume() {
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

absl::StatusOr<StorageStats> RocksStore::Stats() const {
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

absl::StatusOr<bool> RocksStore::IsEmpty() const {
  for (rocksdb::ColumnFamilyHandle* handle : handles_) {
    std::unique_ptr<rocksdb::Iterator> it(
        db_->NewIterator(rocksdb::ReadOptions(), handle));
    it->SeekToFirst();
    if (it->Valid()) return false;
    RETURN_IF_ERROR(FromRocks(it->status(), "scanning database"));
  }
  return true;
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
    const bool cells = name == keys::kReferenceFamily ||
                       name == keys::kAggregatesFamily ||
                       name == keys::kRetiredAggregatesFamily;
    rocksdb::ColumnFamilyOptions family =
        FamilyOptions(block_cache, options.memtable_budget_bytes, !cells);
    if (cells) {
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

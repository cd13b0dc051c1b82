// Backups of the RocksDB store and restores from them, through RocksDB's
// BackupEngine: a backup directory holds several, sharing unchanged files.
#include <algorithm>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "rocksdb/utilities/backup_engine.h"
#include "storage/rocksdb_store.h"

namespace tilbake::storage {

absl::StatusOr<BackupSummary> RocksStore::CreateBackup(
    const std::string& backup_dir, uint32_t keep) {
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

}  // namespace tilbake::storage

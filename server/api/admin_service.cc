#include "server/api/admin_service.h"

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "server/api/access.h"
#include "server/api/status_mapping.h"

namespace tilbake::api {

AdminService::AdminService(storage::Store* store, BackupOptions options)
    : store_(store), options_(std::move(options)) {}

grpc::ServerUnaryReactor* AdminService::CreateBackup(
    grpc::CallbackServerContext* context,
    const v1::CreateBackupRequest* request,
    v1::CreateBackupResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  auto principal =
      CheckAccess(*context, options_.tokens, auth::Rpc::kCreateBackup, {});
  if (!principal.ok()) {
    reactor->Finish(ToGrpcStatus(principal.status()));
    return reactor;
  }
  if (options_.backup_dir.empty()) {
    reactor->Finish(ToGrpcStatus(absl::FailedPreconditionError(
        "backups are not configured: start the server with --backup_dir")));
    return reactor;
  }
  absl::StatusOr<storage::BackupSummary> backup;
  {
    absl::MutexLock lock(&backup_mu_);
    backup = store_->CreateBackup(options_.backup_dir, request->keep() > 0
                                                           ? request->keep()
                                                           : options_.keep);
  }
  if (backup.ok()) {
    response->set_backup_id(backup->backup_id);
    response->set_created_unix_seconds(backup->created_unix_seconds);
    response->set_bytes(backup->bytes);
    response->set_files(backup->files);
    response->set_backups_kept(backup->backups_kept);
    LogEvent(LogLevel::kInfo, "backup_created",
             {{"backup_id", absl::StrCat(backup->backup_id)},
              {"bytes", absl::StrCat(backup->bytes)},
              {"kept", absl::StrCat(backup->backups_kept)}});
  }
  reactor->Finish(ToGrpcStatus(backup.status()));
  return reactor;
}

}  // namespace tilbake::api

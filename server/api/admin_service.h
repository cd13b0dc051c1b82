#ifndef TILBAKE_SERVER_API_ADMIN_SERVICE_H_
#define TILBAKE_SERVER_API_ADMIN_SERVICE_H_

#include <string>

#include "absl/synchronization/mutex.h"
#include "server/auth/tokens.h"
#include "storage/store.h"
#include "tilbake/v1/admin.grpc.pb.h"

namespace tilbake::api {

struct BackupOptions {
  std::string backup_dir;  // Empty: backups are not configured.
  uint32_t keep = 7;
  // Bearer tokens; null = authentication off.
  const auth::TokenStore* tokens = nullptr;
};

// tilbake.v1.Admin. `store` must outlive it. One backup at a time.
class AdminService final : public v1::Admin::CallbackService {
 public:
  AdminService(storage::Store* store, BackupOptions options);

  grpc::ServerUnaryReactor* CreateBackup(
      grpc::CallbackServerContext* context,
      const v1::CreateBackupRequest* request,
      v1::CreateBackupResponse* response) override;

 private:
  storage::Store* store_;
  const BackupOptions options_;
  absl::Mutex backup_mu_;  // BackupEngine: one writer per backup directory.
};

}  // namespace tilbake::api

#endif  // TILBAKE_SERVER_API_ADMIN_SERVICE_H_

#ifndef TILBAKE_SERVER_API_ADMIN_SERVICE_H_
#define TILBAKE_SERVER_API_ADMIN_SERVICE_H_

#include <string>

#include "absl/synchronization/mutex.h"
#include "server/api/access.h"
#include "server/core/privacy_service.h"
#include "server/core/retention_service.h"
#include "storage/store.h"
#include "tilbake/v1/admin.grpc.pb.h"

namespace tilbake::api {

struct AdminOptions {
  std::string backup_dir;  // Empty: backups are not configured.
  uint32_t keep = 7;
  // Authentication, the policy, and the access log for refusals.
  Gate gate;
};

// tilbake.v1.Admin: backups and a tenant's privacy duties. `store` and
// `privacy` must outlive it. One backup at a time.
class AdminService final : public v1::Admin::CallbackService {
 public:
  // `retention` null: RunRetention is UNIMPLEMENTED.
  AdminService(storage::Store* store, core::PrivacyService* privacy,
               AdminOptions options,
               core::RetentionService* retention = nullptr);

  grpc::ServerUnaryReactor* CreateBackup(
      grpc::CallbackServerContext* context,
      const v1::CreateBackupRequest* request,
      v1::CreateBackupResponse* response) override;

  grpc::ServerUnaryReactor* QueryAuditLog(
      grpc::CallbackServerContext* context,
      const v1::QueryAuditLogRequest* request,
      v1::QueryAuditLogResponse* response) override;

  grpc::ServerUnaryReactor* ExportClient(
      grpc::CallbackServerContext* context,
      const v1::ExportClientRequest* request,
      v1::ExportClientResponse* response) override;

  grpc::ServerUnaryReactor* RequestErasure(
      grpc::CallbackServerContext* context,
      const v1::RequestErasureRequest* request,
      v1::ErasureRequest* response) override;

  grpc::ServerUnaryReactor* DecideErasure(
      grpc::CallbackServerContext* context,
      const v1::DecideErasureRequest* request,
      v1::ErasureRequest* response) override;

  grpc::ServerUnaryReactor* ListErasureRequests(
      grpc::CallbackServerContext* context,
      const v1::ListErasureRequestsRequest* request,
      v1::ListErasureRequestsResponse* response) override;

  grpc::ServerUnaryReactor* RunRetention(
      grpc::CallbackServerContext* context,
      const v1::RunRetentionRequest* request,
      v1::RetentionReport* response) override;

 private:
  storage::Store* store_;
  core::PrivacyService* privacy_;
  core::RetentionService* retention_;
  const AdminOptions options_;
  absl::Mutex backup_mu_;  // BackupEngine: one writer per backup directory.
};

}  // namespace tilbake::api

#endif  // TILBAKE_SERVER_API_ADMIN_SERVICE_H_

#include "server/api/admin_service.h"

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "common/status_macros.h"
#include "server/api/access.h"
#include "server/api/admin_convert.h"
#include "server/api/feedback_convert.h"
#include "server/api/status_mapping.h"

namespace tilbake::api {
namespace {

// Checks access, then runs `work(actor)` and finishes with its status.
// These calls are rare and run on gRPC's thread.
template <typename Work>
grpc::ServerUnaryReactor* Run(grpc::CallbackServerContext* context,
                              const Gate& gate, auth::Rpc rpc,
                              const auth::Access& access, Work work) {
  auto principal = CheckAccess(*context, gate, rpc, access);
  if (!principal.ok()) return Finish(context, principal.status());
  return Finish(context, work(ActorFor(*context, *principal)));
}

}  // namespace

AdminService::AdminService(storage::Store* store, core::PrivacyService* privacy,
                           AdminOptions options,
                           core::RetentionService* retention)
    : store_(store),
      privacy_(privacy),
      retention_(retention),
      options_(std::move(options)) {}

grpc::ServerUnaryReactor* AdminService::RunRetention(
    grpc::CallbackServerContext* context,
    const v1::RunRetentionRequest* request, v1::RetentionReport* response) {
  return Run(
      context, options_.gate, auth::Rpc::kRunRetention,
      {.tenant_id = request->tenant_id()},
      [&](const domain::Actor& actor) -> absl::Status {
        if (retention_ == nullptr) {
          return absl::UnimplementedError("retention is not served here");
        }
        ASSIGN_OR_RETURN(
            core::RetentionReport report,
            retention_->Run(actor, request->tenant_id(), request->dry_run()));
        response->set_tenant_id(report.tenant_id);
        response->set_dry_run(report.dry_run);
        if (report.episodes_ended_before.has_value()) {
          *response->mutable_episodes_ended_before() =
              ToProto(*report.episodes_ended_before);
        }
        if (report.audit_before.has_value()) {
          *response->mutable_audit_before() = ToTimestamp(*report.audit_before);
        }
        response->set_episodes(report.episodes);
        response->set_administrations(report.administrations);
        response->set_revisions(report.revisions);
        response->set_idempotency_keys(report.idempotency_keys);
        response->set_audit_entries(report.audit_entries);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* AdminService::CreateBackup(
    grpc::CallbackServerContext* context,
    const v1::CreateBackupRequest* request,
    v1::CreateBackupResponse* response) {
  return Run(context, options_.gate, auth::Rpc::kCreateBackup, {},
             [&](const domain::Actor&) -> absl::Status {
               if (options_.backup_dir.empty()) {
                 return absl::FailedPreconditionError(
                     "backups are not configured: start the server with "
                     "--backup_dir");
               }
               absl::StatusOr<storage::BackupSummary> backup;
               {
                 absl::MutexLock lock(&backup_mu_);
                 backup = store_->CreateBackup(
                     options_.backup_dir,
                     request->keep() > 0 ? request->keep() : options_.keep);
               }
               RETURN_IF_ERROR(backup.status());
               response->set_backup_id(backup->backup_id);
               response->set_created_unix_seconds(backup->created_unix_seconds);
               response->set_bytes(backup->bytes);
               response->set_files(backup->files);
               response->set_backups_kept(backup->backups_kept);
               LogEvent(LogLevel::kInfo, "backup_created",
                        {{"backup_id", absl::StrCat(backup->backup_id)},
                         {"bytes", absl::StrCat(backup->bytes)},
                         {"kept", absl::StrCat(backup->backups_kept)}});
               return absl::OkStatus();
             });
}

grpc::ServerUnaryReactor* AdminService::QueryAuditLog(
    grpc::CallbackServerContext* context,
    const v1::QueryAuditLogRequest* request,
    v1::QueryAuditLogResponse* response) {
  return Run(
      context, options_.gate, auth::Rpc::kQueryAuditLog,
      {.tenant_id = request->tenant_id(), .client_id = request->client_id()},
      [&](const domain::Actor& actor) -> absl::Status {
        domain::AuditQuery query;
        query.tenant_id = request->tenant_id();
        query.client_id = request->client_id();
        if (request->has_from()) {
          query.from = FromTimestamp(request->from());
        }
        if (request->has_to()) query.to = FromTimestamp(request->to());
        query.page_token = request->page_token();
        query.limit = request->page_size();
        ASSIGN_OR_RETURN(domain::AuditPage page,
                         privacy_->QueryAuditLog(actor, query));
        for (const domain::AuditEntry& e : page.entries) {
          *response->add_entries() = ToProto(e);
        }
        response->set_next_page_token(page.next_page_token);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* AdminService::ExportClient(
    grpc::CallbackServerContext* context,
    const v1::ExportClientRequest* request,
    v1::ExportClientResponse* response) {
  return Run(
      context, options_.gate, auth::Rpc::kExportClient,
      {.tenant_id = request->tenant_id(), .client_id = request->client_id()},
      [&](const domain::Actor& actor) -> absl::Status {
        ASSIGN_OR_RETURN(std::vector<core::EpisodeView> views,
                         privacy_->ExportClient(actor, request->tenant_id(),
                                                request->client_id()));
        for (const core::EpisodeView& view : views) {
          *response->add_episodes() = api::ToProto(view);
        }
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* AdminService::RequestErasure(
    grpc::CallbackServerContext* context,
    const v1::RequestErasureRequest* request, v1::ErasureRequest* response) {
  return Run(
      context, options_.gate, auth::Rpc::kRequestErasure,
      {.tenant_id = request->tenant_id(), .client_id = request->client_id()},
      [&](const domain::Actor& actor) -> absl::Status {
        ASSIGN_OR_RETURN(
            domain::ErasureRequest made,
            privacy_->RequestErasure(actor, request->tenant_id(),
                                     request->client_id(), request->reason()));
        *response = ToProto(made);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* AdminService::DecideErasure(
    grpc::CallbackServerContext* context,
    const v1::DecideErasureRequest* request, v1::ErasureRequest* response) {
  return Run(context, options_.gate, auth::Rpc::kDecideErasure,
             {.tenant_id = request->tenant_id()},
             [&](const domain::Actor& actor) -> absl::Status {
               ASSIGN_OR_RETURN(domain::ErasureRequest decided,
                                privacy_->DecideErasure(
                                    actor, request->tenant_id(),
                                    request->request_id(), request->approve()));
               *response = ToProto(decided);
               return absl::OkStatus();
             });
}

grpc::ServerUnaryReactor* AdminService::ListErasureRequests(
    grpc::CallbackServerContext* context,
    const v1::ListErasureRequestsRequest* request,
    v1::ListErasureRequestsResponse* response) {
  return Run(context, options_.gate, auth::Rpc::kListErasureRequests,
             {.tenant_id = request->tenant_id()},
             [&](const domain::Actor& actor) -> absl::Status {
               ASSIGN_OR_RETURN(
                   std::vector<domain::ErasureRequest> requests,
                   privacy_->ListErasureRequests(actor, request->tenant_id()));
               for (const domain::ErasureRequest& r : requests) {
                 *response->add_requests() = ToProto(r);
               }
               return absl::OkStatus();
             });
}

}  // namespace tilbake::api

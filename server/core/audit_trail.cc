#include "server/core/audit_trail.h"

#include <utility>

#include "common/identifiers.h"
#include "common/log.h"

namespace tilbake::core {
namespace {

constexpr size_t kMaxDetailLength = 120;
constexpr size_t kMaxActorField = 64;

std::string IfValid(absl::string_view id) {
  return CheckIdentifier("id", id).ok() ? std::string(id) : std::string();
}

}  // namespace

AuditTrail::AuditTrail(storage::Store* store, Clock clock)
    : store_(store), clock_(std::move(clock)) {}

domain::AuditEntry AuditTrail::Entry(const domain::Actor& actor,
                                     absl::string_view action,
                                     absl::string_view tenant_id,
                                     absl::string_view episode_id,
                                     absl::string_view client_id,
                                     const absl::Status& outcome,
                                     std::string detail) const {
  domain::AuditEntry entry;
  entry.time = clock_();
  entry.tenant_id = IfValid(tenant_id);
  if (entry.tenant_id.empty()) entry.tenant_id = domain::kSystemTenant;
  entry.actor = actor;
  // Bounded whatever the caller did: these come from the call's metadata
  // (already checked where read) and from the token file.
  if (entry.actor.request_id.size() > kMaxActorField) {
    entry.actor.request_id.resize(kMaxActorField);
  }
  if (entry.actor.peer.size() > kMaxActorField) {
    entry.actor.peer.resize(kMaxActorField);
  }
  if (entry.actor.name.size() > kMaxActorField) {
    entry.actor.name.resize(kMaxActorField);
  }
  entry.action = std::string(action);
  entry.episode_id = IfValid(episode_id);
  entry.client_id = IfValid(client_id);
  entry.outcome = static_cast<int32_t>(outcome.code());
  if (detail.empty() && !outcome.ok()) {
    const absl::string_view message = outcome.message();
    detail = std::string(message.substr(0, message.find(':')));
  }
  if (detail.size() > kMaxDetailLength) detail.resize(kMaxDetailLength);
  entry.detail = std::move(detail);
  return entry;
}

absl::Status AuditTrail::Record(std::vector<domain::AuditEntry> entries,
                                bool deferred) const {
  storage::WriteSet changes;
  changes.audit = std::move(entries);
  return deferred ? store_->ApplyDeferred(changes) : store_->Apply(changes);
}

absl::Status AuditTrail::RecordFailure(domain::AuditEntry entry,
                                       const absl::Status& failure,
                                       bool deferred) const {
  const std::string action = entry.action;
  const absl::Status written = Record({std::move(entry)}, deferred);
  if (!written.ok()) {
    LogEvent(LogLevel::kError, "audit_write_failed",
             {{"action", action}, {"error", std::string(written.message())}});
  }
  return failure;
}

}  // namespace tilbake::core

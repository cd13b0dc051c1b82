#include "server/api/admin_convert.h"

#include "server/api/common_convert.h"
#include "server/metrics/service_metrics.h"

namespace tilbake::api {

v1::ErasureRequest::State ToProto(domain::ErasureState state) {
  switch (state) {
    case domain::ErasureState::kPending:
      return v1::ErasureRequest::PENDING;
    case domain::ErasureState::kApproved:
      return v1::ErasureRequest::APPROVED;
    case domain::ErasureState::kRejected:
      return v1::ErasureRequest::REJECTED;
  }
  return v1::ErasureRequest::STATE_UNSPECIFIED;
}

v1::AuditEntry ToProto(const domain::AuditEntry& e) {
  v1::AuditEntry out;
  *out.mutable_time() = ToTimestamp(e.time);
  out.set_tenant_id(e.tenant_id);
  out.set_actor(e.actor.name);
  out.set_actor_role(e.actor.role);
  out.set_actor_tenant_id(e.actor.tenant_id);
  out.set_request_id(e.actor.request_id);
  out.set_peer(e.actor.peer);
  out.set_action(e.action);
  out.set_episode_id(e.episode_id);
  out.set_client_id(e.client_id);
  out.set_outcome(e.outcome);
  out.set_outcome_name(metrics::GrpcCodeName(e.outcome));
  out.set_detail(e.detail);
  out.set_sequence(e.sequence);
  return out;
}

v1::ErasureRequest ToProto(const domain::ErasureRequest& r) {
  v1::ErasureRequest out;
  out.set_tenant_id(r.tenant_id);
  out.set_request_id(r.request_id);
  out.set_client_id(r.client_id);
  out.set_reason(r.reason);
  out.set_requested_by(r.requested_by);
  *out.mutable_requested_at() = ToTimestamp(r.requested_at);
  out.set_state(ToProto(r.state));
  out.set_decided_by(r.decided_by);
  if (r.state != domain::ErasureState::kPending) {
    *out.mutable_decided_at() = ToTimestamp(r.decided_at);
  }
  out.set_episodes_erased(r.episodes_erased);
  out.set_episodes_changed(r.episodes_changed);
  out.set_administrations_erased(r.administrations_erased);
  return out;
}

}  // namespace tilbake::api

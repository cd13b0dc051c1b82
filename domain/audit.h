#ifndef TILBAKE_DOMAIN_AUDIT_H_
#define TILBAKE_DOMAIN_AUDIT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/time/time.h"

// The access log and reviewed erasure: who touched which client's data, and
// the two-admin act that removes it. Plain structs; storage keeps them,
// core writes them in the same atomic write as the data they are about.
namespace tilbake::domain {

// Who makes a call, as far as the access log is concerned. Never a client.
struct Actor {
  std::string name;        // The token's name; "(anonymous)" with auth off.
  std::string role;        // "clinician", "admin", … ("" with auth off).
  std::string tenant_id;   // The token's tenant ("*": every tenant).
  std::string request_id;  // x-request-id, to find the call's log line.
  std::string peer;        // The caller's address, as gRPC reports it.
  // A clinician's token: the clinician whose episodes it reads ("": any).
  // Last, as aggregate initialisers elsewhere list the fields above in order.
  std::string clinician_id;

  bool operator==(const Actor&) const = default;
};

// The tenant under which entries without a valid tenant are kept (a request
// that named none, or a malformed one): the operator's log.
inline constexpr char kSystemTenant[] = "*";

// One line of the access log. Append-only: nothing in the API changes or
// removes an entry, an erasure included.
struct AuditEntry {
  absl::Time time;
  std::string tenant_id;  // Whose data (kSystemTenant when unknown).
  Actor actor;
  std::string action;      // The RPC ("GetEpisode") or act ("EraseClient").
  std::string episode_id;  // "" when the call named none.
  std::string client_id;   // The client pseudonym, "" when none.
  int32_t outcome = 0;     // absl::StatusCode; 0 = OK.
  // Why it failed (the field at fault or the access rule), or what was done
  // ("replayed", "3 episodes"); never scores or free text from the request.
  std::string detail;
  // Unique per entry, increasing within a tenant's log; set by the store.
  uint64_t sequence = 0;

  bool operator==(const AuditEntry&) const = default;
};

// Which entries QueryAuditLog returns: one tenant's, optionally only those
// about one client, within [from, to), oldest first.
struct AuditQuery {
  std::string tenant_id;
  std::string client_id;  // "" = every entry of the tenant.
  absl::Time from = absl::InfinitePast();
  absl::Time to = absl::InfiniteFuture();
  // Resume after this position (AuditPage::next_page_token); "" = start.
  std::string page_token;
  int limit = 100;
};

struct AuditPage {
  std::vector<AuditEntry> entries;
  std::string next_page_token;  // "" when there is nothing more.
};

enum class ErasureState {
  kPending = 1,   // Requested; nothing deleted.
  kApproved = 2,  // A second admin approved; the client's data is gone.
  kRejected = 3,  // A second admin turned it down; nothing deleted.
};

// A request to erase every rating of one client pseudonym in a tenant. Kept
// after the erasure as the record that it happened (counts, not data).
struct ErasureRequest {
  std::string tenant_id;
  std::string request_id;
  std::string client_id;
  std::string reason;
  std::string requested_by;  // Actor name.
  absl::Time requested_at;
  ErasureState state = ErasureState::kPending;
  std::string decided_by;  // The second admin.
  absl::Time decided_at;
  // What the approval removed.
  int32_t episodes_erased = 0;   // Whole episodes (the client's own).
  int32_t episodes_changed = 0;  // Group episodes the client left.
  int32_t administrations_erased = 0;

  bool operator==(const ErasureRequest&) const = default;
};

const char* ErasureStateName(ErasureState state);

}  // namespace tilbake::domain

#endif  // TILBAKE_DOMAIN_AUDIT_H_

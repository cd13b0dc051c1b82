#ifndef TILBAKE_SERVER_API_ADMISSION_H_
#define TILBAKE_SERVER_API_ADMISSION_H_

#include <optional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/server_context.h"
#include "server/auth/tokens.h"
#include "server/metrics/service_metrics.h"

namespace tilbake::api {

struct AdmissionLimits {
  // Calls that touch storage (submit, import, episode reads and closes,
  // trend queries) running at once. The bound on the server's queue: a call
  // over it is refused at once, never parked in memory.
  int max_in_flight = 256;
  // Of those, the calls of one tenant, so one tenant's burst leaves room
  // for the others.
  int max_in_flight_per_tenant = 128;
  // Import streams open at once (each also holds one call slot for its
  // whole life, so imports cannot crowd out single submissions entirely),
  // and of those, one tenant's and one caller's (token's). The CLI and the
  // SDKs open 4 streams by default.
  int max_import_streams = 16;
  int max_import_streams_per_tenant = 8;
  int max_import_streams_per_principal = 4;
};

// Whom a call is counted against: the tenant (the token's; for a
// cross-tenant token or with authentication off, the tenant the request
// names, "" when it names none) and the caller (the token's name,
// "(anonymous)" with authentication off).
struct Caller {
  std::string tenant;
  std::string principal;
};
Caller CallerOf(const std::optional<auth::Principal>& principal,
                absl::string_view request_tenant);

// Load shedding. A call asks for a ticket before it does any work; when the
// server, the tenant or the caller is full the answer is
// RESOURCE_EXHAUSTED, which the SDK retries with backoff (reusing the
// idempotency key), so shedding loses nothing and the server recovers as
// soon as load drops. Thread-safe.
class AdmissionControl {
 public:
  // Held for the life of an admitted call; frees its slots when destroyed.
  class Ticket {
   public:
    Ticket() = default;
    Ticket(Ticket&& other) noexcept { *this = std::move(other); }
    Ticket& operator=(Ticket&& other) noexcept;
    ~Ticket();

    // Calls in flight when this one was admitted, itself included (1: it
    // was alone; 0 for an empty ticket).
    int calls_at_admission() const { return calls_at_admission_; }

   private:
    friend class AdmissionControl;
    Ticket(AdmissionControl* owner, bool import_stream, Caller caller,
           int calls)
        : owner_(owner),
          import_stream_(import_stream),
          caller_(std::move(caller)),
          calls_at_admission_(calls) {}
    AdmissionControl* owner_ = nullptr;
    bool import_stream_ = false;
    Caller caller_;
    int calls_at_admission_ = 0;
  };

  // `metrics` (may be null) gets the in-flight gauges and shed counts.
  explicit AdmissionControl(AdmissionLimits limits,
                            metrics::ServiceMetrics* metrics = nullptr);

  // A slot for one call, or ResourceExhausted saying which limit is full.
  absl::StatusOr<Ticket> AdmitCall(const Caller& caller);
  // A call slot and an import-stream slot, or ResourceExhausted.
  absl::StatusOr<Ticket> AdmitImportStream(const Caller& caller);

  const AdmissionLimits& limits() const { return limits_; }

 private:
  absl::StatusOr<Ticket> Admit(const Caller& caller, bool import_stream);
  absl::Status Shed(bool import_stream, absl::string_view what, int count,
                    int limit) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Observe() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Release(bool import_stream, const Caller& caller);

  const AdmissionLimits limits_;
  metrics::ServiceMetrics* const metrics_;
  mutable absl::Mutex mu_;
  int calls_ ABSL_GUARDED_BY(mu_) = 0;
  int import_streams_ ABSL_GUARDED_BY(mu_) = 0;
  // Counts above zero only (an entry goes when its count does).
  absl::flat_hash_map<std::string, int> calls_by_tenant_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, int> streams_by_tenant_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, int> streams_by_principal_
      ABSL_GUARDED_BY(mu_);
};

// What every handler that touches storage calls first: refuses a call whose
// deadline passed (or whose client left) while it waited, so it changes
// nothing, then asks `admission` (null = no limit) for a ticket.
absl::StatusOr<AdmissionControl::Ticket> Admit(
    const grpc::CallbackServerContext& context, AdmissionControl* admission,
    const Caller& caller, bool import_stream = false);

}  // namespace tilbake::api

#endif  // TILBAKE_SERVER_API_ADMISSION_H_

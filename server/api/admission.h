#ifndef TILBAKE_SERVER_API_ADMISSION_H_
#define TILBAKE_SERVER_API_ADMISSION_H_

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/server_context.h"
#include "server/metrics/service_metrics.h"

namespace tilbake::api {

struct AdmissionLimits {
  // Calls that touch storage (submit, import, episode reads and closes,
  // trend queries) running at once. The bound on the server's queue: a call
  // over it is refused at once, never parked in memory.
  int max_in_flight = 256;
  // Import streams open at once (each also holds one call slot for its
  // whole life, so imports cannot crowd out single submissions entirely).
  int max_import_streams = 8;
};

// Load shedding. A call asks for a ticket before it does any work; when the
// server is full the answer is RESOURCE_EXHAUSTED, which the SDK retries
// with backoff (reusing the idempotency key), so shedding loses nothing and
// the server recovers as soon as load drops. Thread-safe.
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
    Ticket(AdmissionControl* owner, bool import_stream, int calls)
        : owner_(owner),
          import_stream_(import_stream),
          calls_at_admission_(calls) {}
    AdmissionControl* owner_ = nullptr;
    bool import_stream_ = false;
    int calls_at_admission_ = 0;
  };

  // `metrics` (may be null) gets the in-flight gauges and shed counts.
  explicit AdmissionControl(AdmissionLimits limits,
                            metrics::ServiceMetrics* metrics = nullptr);

  // A slot for one call, or ResourceExhausted saying the server is busy.
  absl::StatusOr<Ticket> AdmitCall();
  // A call slot and an import-stream slot, or ResourceExhausted.
  absl::StatusOr<Ticket> AdmitImportStream();

  const AdmissionLimits& limits() const { return limits_; }

 private:
  absl::Status Shed(bool import_stream, absl::string_view what, int count,
                    int limit) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Observe() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Release(bool import_stream);

  const AdmissionLimits limits_;
  metrics::ServiceMetrics* const metrics_;
  mutable absl::Mutex mu_;
  int calls_ ABSL_GUARDED_BY(mu_) = 0;
  int import_streams_ ABSL_GUARDED_BY(mu_) = 0;
};

// What every handler that touches storage calls first: refuses a call whose
// deadline passed (or whose client left) while it waited, so it changes
// nothing, then asks `admission` (null = no limit) for a ticket.
absl::StatusOr<AdmissionControl::Ticket> Admit(
    const grpc::CallbackServerContext& context, AdmissionControl* admission,
    bool import_stream = false);

}  // namespace tilbake::api

#endif  // TILBAKE_SERVER_API_ADMISSION_H_

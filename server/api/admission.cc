#include "server/api/admission.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace tilbake::api {

AdmissionControl::Ticket& AdmissionControl::Ticket::operator=(
    Ticket&& other) noexcept {
  if (this != &other) {
    if (owner_ != nullptr) owner_->Release(import_stream_);
    owner_ = std::exchange(other.owner_, nullptr);
    import_stream_ = other.import_stream_;
    calls_at_admission_ = other.calls_at_admission_;
  }
  return *this;
}

AdmissionControl::Ticket::~Ticket() {
  if (owner_ != nullptr) owner_->Release(import_stream_);
}

AdmissionControl::AdmissionControl(AdmissionLimits limits,
                                   metrics::ServiceMetrics* metrics)
    : limits_(limits), metrics_(metrics) {}

absl::StatusOr<AdmissionControl::Ticket> AdmissionControl::AdmitCall() {
  absl::MutexLock lock(&mu_);
  if (calls_ >= limits_.max_in_flight) {
    return Shed(false, "calls in flight", calls_, limits_.max_in_flight);
  }
  ++calls_;
  Observe();
  return Ticket(this, /*import_stream=*/false, calls_);
}

absl::StatusOr<AdmissionControl::Ticket> AdmissionControl::AdmitImportStream() {
  absl::MutexLock lock(&mu_);
  if (import_streams_ >= limits_.max_import_streams) {
    return Shed(true, "import streams open", import_streams_,
                limits_.max_import_streams);
  }
  if (calls_ >= limits_.max_in_flight) {
    return Shed(true, "calls in flight", calls_, limits_.max_in_flight);
  }
  ++calls_;
  ++import_streams_;
  Observe();
  return Ticket(this, /*import_stream=*/true, calls_);
}

absl::Status AdmissionControl::Shed(bool import_stream, absl::string_view what,
                                    int count, int limit) const {
  if (metrics_ != nullptr) metrics_->CallShed(import_stream);
  return absl::ResourceExhaustedError(absl::StrCat("server busy: ", count, " ",
                                                   what, " (limit ", limit,
                                                   "); retry with backoff"));
}

void AdmissionControl::Observe() const {
  // Under the lock, so a gauge never shows an older count after a newer one.
  if (metrics_ != nullptr) metrics_->CallsInFlight(calls_, import_streams_);
}

void AdmissionControl::Release(bool import_stream) {
  absl::MutexLock lock(&mu_);
  --calls_;
  if (import_stream) --import_streams_;
  Observe();
}

absl::StatusOr<AdmissionControl::Ticket> Admit(
    const grpc::CallbackServerContext& context, AdmissionControl* admission,
    bool import_stream) {
  if (context.IsCancelled()) {
    return absl::CancelledError(
        "the call was cancelled or its deadline passed before it started");
  }
  if (admission == nullptr) return AdmissionControl::Ticket();
  return import_stream ? admission->AdmitImportStream()
                       : admission->AdmitCall();
}

}  // namespace tilbake::api

#include "server/api/admission.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace tilbake::api {
namespace {

int CountOf(const absl::flat_hash_map<std::string, int>& counts,
            const std::string& key) {
  auto it = counts.find(key);
  return it == counts.end() ? 0 : it->second;
}

void Decrement(absl::flat_hash_map<std::string, int>& counts,
               const std::string& key) {
  auto it = counts.find(key);
  if (it != counts.end() && --it->second <= 0) counts.erase(it);
}

}  // namespace

Caller CallerOf(const std::optional<auth::Principal>& principal,
                absl::string_view request_tenant) {
  if (!principal.has_value()) {
    return {std::string(request_tenant), "(anonymous)"};
  }
  const bool any_tenant = principal->tenant_id == "*";
  return {any_tenant ? std::string(request_tenant) : principal->tenant_id,
          principal->name};
}

AdmissionControl::Ticket& AdmissionControl::Ticket::operator=(
    Ticket&& other) noexcept {
  if (this != &other) {
    if (owner_ != nullptr) owner_->Release(import_stream_, caller_);
    owner_ = std::exchange(other.owner_, nullptr);
    import_stream_ = other.import_stream_;
    caller_ = std::move(other.caller_);
    calls_at_admission_ = other.calls_at_admission_;
  }
  return *this;
}

AdmissionControl::Ticket::~Ticket() {
  if (owner_ != nullptr) owner_->Release(import_stream_, caller_);
}

AdmissionControl::AdmissionControl(AdmissionLimits limits,
                                   metrics::ServiceMetrics* metrics)
    : limits_(limits), metrics_(metrics) {}

absl::StatusOr<AdmissionControl::Ticket> AdmissionControl::AdmitCall(
    const Caller& caller) {
  return Admit(caller, /*import_stream=*/false);
}

absl::StatusOr<AdmissionControl::Ticket> AdmissionControl::AdmitImportStream(
    const Caller& caller) {
  return Admit(caller, /*import_stream=*/true);
}

absl::StatusOr<AdmissionControl::Ticket> AdmissionControl::Admit(
    const Caller& caller, bool import_stream) {
  absl::MutexLock lock(&mu_);
  if (import_stream) {
    if (import_streams_ >= limits_.max_import_streams) {
      return Shed(true, "import streams open", import_streams_,
                  limits_.max_import_streams);
    }
    const int tenant_streams = CountOf(streams_by_tenant_, caller.tenant);
    if (tenant_streams >= limits_.max_import_streams_per_tenant) {
      return Shed(true,
                  absl::StrCat("import streams open for tenant ", caller.tenant,
                               " (per tenant)"),
                  tenant_streams, limits_.max_import_streams_per_tenant);
    }
    const int own_streams = CountOf(streams_by_principal_, caller.principal);
    if (own_streams >= limits_.max_import_streams_per_principal) {
      return Shed(true,
                  absl::StrCat("import streams open for ", caller.principal,
                               " (per caller)"),
                  own_streams, limits_.max_import_streams_per_principal);
    }
  }
  if (calls_ >= limits_.max_in_flight) {
    return Shed(import_stream, "calls in flight", calls_,
                limits_.max_in_flight);
  }
  const int tenant_calls = CountOf(calls_by_tenant_, caller.tenant);
  if (tenant_calls >= limits_.max_in_flight_per_tenant) {
    return Shed(import_stream,
                absl::StrCat("calls in flight for tenant ", caller.tenant,
                             " (per tenant)"),
                tenant_calls, limits_.max_in_flight_per_tenant);
  }
  ++calls_;
  ++calls_by_tenant_[caller.tenant];
  if (import_stream) {
    ++import_streams_;
    ++streams_by_tenant_[caller.tenant];
    ++streams_by_principal_[caller.principal];
  }
  Observe();
  return Ticket(this, import_stream, caller, calls_);
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

void AdmissionControl::Release(bool import_stream, const Caller& caller) {
  absl::MutexLock lock(&mu_);
  --calls_;
  Decrement(calls_by_tenant_, caller.tenant);
  if (import_stream) {
    --import_streams_;
    Decrement(streams_by_tenant_, caller.tenant);
    Decrement(streams_by_principal_, caller.principal);
  }
  Observe();
}

absl::StatusOr<AdmissionControl::Ticket> Admit(
    const grpc::CallbackServerContext& context, AdmissionControl* admission,
    const Caller& caller, bool import_stream) {
  if (context.IsCancelled()) {
    return absl::CancelledError(
        "the call was cancelled or its deadline passed before it started");
  }
  if (admission == nullptr) return AdmissionControl::Ticket();
  return import_stream ? admission->AdmitImportStream(caller)
                       : admission->AdmitCall(caller);
}

}  // namespace tilbake::api

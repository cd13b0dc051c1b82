#include "server/api/feedback_service.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "common/identifiers.h"
#include "common/status_macros.h"
#include "server/api/convert.h"
#include "server/api/status_mapping.h"

namespace tilbake::api {
namespace {

// Checks the caller's access to `rpc` (access.h), then runs `work`
// (taking the caller's domain::Actor, returning absl::Status) in an
// admitted call slot, on
// `workers` when given, and finishes the call. `work` must capture by value
// (it may run after the handler returned). The slot is freed before the
// answer goes out, so a client that has its answer can count on it.
template <typename Work>
grpc::ServerUnaryReactor* RunAdmitted(grpc::CallbackServerContext* context,
                                      const FeedbackLimits& limits,
                                      auth::Rpc rpc, const auth::Access& access,
                                      Work work) {
  auto principal = CheckAccess(*context, limits.gate, rpc, access);
  if (!principal.ok()) return Finish(context, principal.status());
  domain::Actor actor = ActorFor(*context, *principal);
  absl::StatusOr<AdmissionControl::Ticket> ticket =
      Admit(*context, limits.admission);
  if (!ticket.ok()) return Finish(context, ticket.status());
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  const bool alone = ticket->calls_at_admission() <= 1;
  auto run = [reactor, ticket = *std::move(ticket), actor = std::move(actor),
              work = std::move(work)]() mutable {
    const absl::Status status = work(actor);
    ticket = AdmissionControl::Ticket();
    reactor->Finish(ToGrpcStatus(status));
  };
  // Alone, the call runs here: handing it to a worker would only add a
  // thread switch, and one blocked callback thread leaves the others free.
  if (limits.workers == nullptr || alone) {
    run();
  } else {
    limits.workers->Schedule(std::move(run));
  }
  return reactor;
}

// Reads an import stream record by record. Each record is submitted on its
// own, so a bad one is reported and the good ones are stored.
class ImportReactor final
    : public grpc::ServerReadReactor<v1::ImportRatingsRequest> {
 public:
  ImportReactor(grpc::CallbackServerContext* context, core::RatingService* core,
                const FeedbackLimits& limits,
                v1::ImportRatingsResponse* response)
      : core_(core), limits_(limits), response_(response) {
    absl::StatusOr<std::optional<auth::Principal>> principal =
        CheckAccess(*context, limits.gate, auth::Rpc::kImportRatings, {});
    if (!principal.ok()) {
      Finish(ToGrpcStatus(principal.status()));
      return;
    }
    principal_ = *std::move(principal);
    actor_ = ActorFor(*context, principal_);
    absl::StatusOr<AdmissionControl::Ticket> ticket =
        Admit(*context, limits.admission, /*import_stream=*/true);
    if (!ticket.ok()) {
      Finish(ToGrpcStatus(ticket.status()));  // Before reading any record.
      return;
    }
    ticket_ = *std::move(ticket);
    // Tells the client the stream is admitted before its first record.
    StartSendInitialMetadata();
    StartRead(&request_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {  // The client has finished sending (or gone away).
      // One fsync for every record of the stream, before acknowledging any.
      // If it fails, nothing is acknowledged: a retry replays what was
      // written, by idempotency key.
      const absl::Status synced = core_->SyncDeferred();
      ticket_ = AdmissionControl::Ticket();  // Free before the answer.
      Finish(ToGrpcStatus(synced));
      return;
    }
    response_->set_received(response_->received() + 1);
    absl::Status status;
    if (response_->received() > limits_.max_import_records) {
      status = absl::ResourceExhaustedError(absl::StrCat(
          "record: a stream takes at most ", limits_.max_import_records,
          " records; send the rest in another stream"));
    } else if (status = CheckAccess(
                   principal_, actor_, limits_.gate, auth::Rpc::kImportRatings,
                   {.tenant_id = request_.record().rating().tenant_id(),
                    .episode_id = request_.record().rating().episode_id(),
                    .client_id = request_.record().rating().client_id()});
               status.ok()) {
      v1::SubmitRatingResponse result;
      // Written to the WAL now, made durable once for the whole stream.
      status = SubmitOne(*core_, actor_, request_.record(), &result,
                         limits_.metrics, /*deferred=*/true);
      if (status.ok()) {
        if (result.replayed()) {
          response_->set_replayed(response_->replayed() + 1);
        } else {
          response_->set_stored(response_->stored() + 1);
        }
      }
    }
    if (limits_.metrics != nullptr) limits_.metrics->ImportRecord(status.ok());
    if (!status.ok()) {
      response_->set_rejected(response_->rejected() + 1);
      v1::ImportError* error = response_->add_errors();
      error->set_record_number(request_.record_number());
      const grpc::Status mapped = ToGrpcStatus(status);
      error->set_code(mapped.error_code());
      error->set_message(mapped.error_message());
    }
    StartRead(&request_);
  }

  void OnDone() override { delete this; }

 private:
  core::RatingService* core_;
  const FeedbackLimits limits_;
  v1::ImportRatingsResponse* response_;
  v1::ImportRatingsRequest request_;
  AdmissionControl::Ticket ticket_;  // Released when the reactor is deleted.
  std::optional<auth::Principal> principal_;  // nullopt: auth is off.
  domain::Actor actor_;
};

}  // namespace

absl::Status SubmitOne(core::RatingService& core, const domain::Actor& actor,
                       const v1::SubmitRatingRequest& request,
                       v1::SubmitRatingResponse* response,
                       metrics::ServiceMetrics* metrics, bool deferred) {
  ASSIGN_OR_RETURN(domain::Rating rating, FromProto(request.rating()));
  ASSIGN_OR_RETURN(core::SubmitResult result,
                   deferred ? core.SubmitDeferred(actor, std::move(rating),
                                                  request.idempotency_key())
                            : core.Submit(actor, std::move(rating),
                                          request.idempotency_key()));
  *response->mutable_administration() = ToProto(result);
  response->set_replayed(result.replayed);
  if (metrics != nullptr && !result.replayed) {
    metrics->RatingStored(result.administration.rating.instrument_id);
    for (const scoring::Alert& alert : result.evaluation.alerts) {
      metrics->AlertRaised(AlertKindName(alert.kind), ZoneName(alert.colour));
    }
  }
  return absl::OkStatus();
}

FeedbackService::FeedbackService(core::RatingService* core,
                                 FeedbackLimits limits)
    : core_(core), limits_(limits) {}

grpc::ServerUnaryReactor* FeedbackService::SubmitRating(
    grpc::CallbackServerContext* context,
    const v1::SubmitRatingRequest* request,
    v1::SubmitRatingResponse* response) {
  return RunAdmitted(context, limits_, auth::Rpc::kSubmitRating,
                     {.tenant_id = request->rating().tenant_id(),
                      .clinician_id = request->rating().clinician_id(),
                      .episode_id = request->rating().episode_id(),
                      .client_id = request->rating().client_id()},
                     [this, request, response](const domain::Actor& actor) {
                       return SubmitOne(*core_, actor, *request, response,
                                        limits_.metrics);
                     });
}

grpc::ServerReadReactor<v1::ImportRatingsRequest>*
FeedbackService::ImportRatings(grpc::CallbackServerContext* context,
                               v1::ImportRatingsResponse* response) {
  return new ImportReactor(context, core_, limits_, response);
}

grpc::ServerUnaryReactor* FeedbackService::GetEpisode(
    grpc::CallbackServerContext* context, const v1::GetEpisodeRequest* request,
    v1::GetEpisodeResponse* response) {
  return RunAdmitted(
      context, limits_, auth::Rpc::kGetEpisode,
      {.tenant_id = request->tenant_id(), .episode_id = request->episode_id()},
      [this, request, response](const domain::Actor& actor) {
        absl::StatusOr<core::EpisodeView> view = core_->GetEpisode(
            actor, request->tenant_id(), request->episode_id());
        if (view.ok()) *response->mutable_episode() = ToProto(*view);
        return view.status();
      });
}

grpc::ServerUnaryReactor* FeedbackService::CloseEpisode(
    grpc::CallbackServerContext* context,
    const v1::CloseEpisodeRequest* request,
    v1::CloseEpisodeResponse* response) {
  return RunAdmitted(
      context, limits_, auth::Rpc::kCloseEpisode,
      {.tenant_id = request->tenant_id(), .episode_id = request->episode_id()},
      [this, request, response](const domain::Actor& actor) {
        ASSIGN_OR_RETURN(domain::Ending ending, FromProto(request->ending()));
        ASSIGN_OR_RETURN(core::EpisodeView view,
                         core_->CloseEpisode(actor, request->tenant_id(),
                                             request->episode_id(), ending));
        *response->mutable_episode() = ToProto(view);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* FeedbackService::ListInstruments(
    grpc::CallbackServerContext* context,
    const v1::ListInstrumentsRequest* request,
    v1::ListInstrumentsResponse* response) {
  auto principal =
      CheckAccess(*context, limits_.gate, auth::Rpc::kListInstruments, {});
  if (!principal.ok()) return Finish(context, principal.status());
  for (const scoring::InstrumentDefinition& d :
       core_->catalog().definitions()) {
    if (!request->family().empty() && d.family != request->family()) continue;
    *response->add_instruments() = ToProto(d);
  }
  return Finish(context, absl::OkStatus());
}

grpc::ServerUnaryReactor* FeedbackService::ListRuleSets(
    grpc::CallbackServerContext* context,
    const v1::ListRuleSetsRequest* request,
    v1::ListRuleSetsResponse* response) {
  auto principal = CheckAccess(*context, limits_.gate, auth::Rpc::kListRuleSets,
                               {.tenant_id = request->tenant_id()});
  if (!principal.ok()) return Finish(context, principal.status());
  const scoring::RuleSetRegistry& registry = core_->rule_sets();
  for (const scoring::RuleSet& rules : registry.rule_sets()) {
    *response->add_rule_sets() = ToProto(rules);
  }
  response->set_default_rule_set(registry.default_name());
  if (!request->tenant_id().empty()) {
    absl::Status status = CheckIdentifier("tenant_id", request->tenant_id());
    if (!status.ok()) return Finish(context, status);
    response->set_active(registry.ForTenant(request->tenant_id()).name);
  }
  return Finish(context, absl::OkStatus());
}

}  // namespace tilbake::api

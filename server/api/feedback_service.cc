#include "server/api/feedback_service.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "common/identifiers.h"
#include "common/status_macros.h"
#include "google/protobuf/unknown_field_set.h"
#include "grpcpp/support/byte_buffer.h"
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

// The record number a client gave a message that does not parse (field 1
// of ImportRatingsRequest, read as an unknown field, so the rest of the
// bytes need not be valid), or `fallback` when it cannot be read.
int64_t RecordNumberOf(const std::string& bytes, int64_t fallback) {
  google::protobuf::UnknownFieldSet fields;
  if (!fields.ParseFromString(bytes)) return fallback;
  for (int i = 0; i < fields.field_count(); ++i) {
    const google::protobuf::UnknownField& field = fields.field(i);
    if (field.number() == v1::ImportRatingsRequest::kRecordNumberFieldNumber &&
        field.type() == google::protobuf::UnknownField::TYPE_VARINT) {
      return static_cast<int64_t>(field.varint());
    }
  }
  return fallback;
}

// Reads an import stream record by record. Each record is submitted on its
// own, so a bad one is reported and the good ones are stored.
//
// The stream is read as raw bytes and each record parsed here: with the
// generated (parsing) handler, a record that does not parse (a string
// field that is not UTF-8) ends the reads exactly as the client's end of
// stream does, and the records after it would be silently dropped behind
// an OK. Here the end of the reads is the end of the stream or a broken
// call, never a bad record, and a broken call is never answered OK.
class ImportReactor final : public grpc::ServerReadReactor<grpc::ByteBuffer> {
 public:
  ImportReactor(grpc::CallbackServerContext* context, core::RatingService* core,
                const FeedbackLimits& limits, grpc::ByteBuffer* response)
      : context_(context), core_(core), limits_(limits), response_(response) {
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
    StartRead(&buffer_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {
      EndOfStream();
      return;
    }
    tally_.set_received(tally_.received() + 1);
    std::string bytes;
    absl::Status status = ReadRecord(bytes);
    if (status.ok()) status = Store();
    if (limits_.metrics != nullptr) limits_.metrics->ImportRecord(status.ok());
    if (!status.ok()) {
      tally_.set_rejected(tally_.rejected() + 1);
      v1::ImportError* error = tally_.add_errors();
      error->set_record_number(
          request_.record_number() != 0
              ? request_.record_number()
              : RecordNumberOf(bytes, /*fallback=*/tally_.received()));
      const grpc::Status mapped = ToGrpcStatus(status);
      error->set_code(mapped.error_code());
      error->set_message(mapped.error_message());
    }
    StartRead(&buffer_);
  }

  void OnDone() override { delete this; }

 private:
  // The client has finished sending, or the call broke (cancelled, deadline,
  // connection lost): only the first is answered with the tally.
  void EndOfStream() {
    if (context_->IsCancelled()) {
      // Nothing is acknowledged: the records written so far are in the log
      // and a retry replays them by idempotency key.
      ticket_ = AdmissionControl::Ticket();
      Finish(grpc::Status(grpc::StatusCode::CANCELLED,
                          "the import stream broke before it was finished"));
      return;
    }
    // One fsync for every record of the stream, before acknowledging any.
    // If it fails, nothing is acknowledged: a retry replays what was
    // written, by idempotency key.
    absl::Status status = core_->SyncDeferred();
    if (status.ok() && !tally_.SerializeToString(&serialized_)) {
      status = absl::InternalError("cannot serialize the import tally");
    }
    ticket_ = AdmissionControl::Ticket();  // Free before the answer.
    if (status.ok()) {
      grpc::Slice slice(serialized_);
      *response_ = grpc::ByteBuffer(&slice, 1);
    }
    Finish(ToGrpcStatus(status));
  }

  // Parses the message just read into request_ (its bytes into `bytes`).
  absl::Status ReadRecord(std::string& bytes) {
    request_.Clear();
    std::vector<grpc::Slice> slices;
    if (!buffer_.Dump(&slices).ok()) {
      return absl::InvalidArgumentError("record: cannot be read");
    }
    for (const grpc::Slice& slice : slices) {
      bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
    }
    buffer_.Clear();
    if (!request_.ParseFromString(bytes)) {
      request_.Clear();
      return absl::InvalidArgumentError(
          "record: is not a valid ImportRatingsRequest (is every text field "
          "UTF-8? a file in Latin-1 or Windows-1252 must be converted first)");
    }
    return absl::OkStatus();
  }

  // Checks access to the record's tenant and submits it, counting it.
  absl::Status Store() {
    if (tally_.received() > limits_.max_import_records) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "record: a stream takes at most ", limits_.max_import_records,
          " records; send the rest in another stream"));
    }
    const v1::Rating& rating = request_.record().rating();
    RETURN_IF_ERROR(CheckAccess(principal_, actor_, limits_.gate,
                                auth::Rpc::kImportRatings,
                                {.tenant_id = rating.tenant_id(),
                                 .episode_id = rating.episode_id(),
                                 .client_id = rating.client_id()}));
    v1::SubmitRatingResponse result;
    // Written to the WAL now, made durable once for the whole stream.
    RETURN_IF_ERROR(SubmitOne(*core_, actor_, request_.record(), &result,
                              limits_.metrics, /*deferred=*/true));
    if (result.replayed()) {
      tally_.set_replayed(tally_.replayed() + 1);
    } else {
      tally_.set_stored(tally_.stored() + 1);
    }
    return absl::OkStatus();
  }

  grpc::CallbackServerContext* const context_;
  core::RatingService* core_;
  const FeedbackLimits limits_;
  grpc::ByteBuffer* response_;
  grpc::ByteBuffer buffer_;  // The message being read.
  v1::ImportRatingsRequest request_;
  v1::ImportRatingsResponse tally_;
  std::string serialized_;
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

grpc::ServerReadReactor<grpc::ByteBuffer>* FeedbackService::ImportRatings(
    grpc::CallbackServerContext* context, grpc::ByteBuffer* response) {
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

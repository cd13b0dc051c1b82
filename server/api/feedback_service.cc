#include "server/api/feedback_service.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/identifiers.h"
#include "common/log.h"
#include "common/status_macros.h"
#include "google/protobuf/unknown_field_set.h"
#include "grpcpp/support/byte_buffer.h"
#include "server/api/feedback_convert.h"
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
      Admit(*context, limits.admission, CallerOf(*principal, access.tenant_id));
  if (!ticket.ok()) return Finish(context, ticket.status());
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  const bool alone = ticket->calls_at_admission() <= 1;
  const absl::Time queued = absl::Now();
  auto run = [reactor, context, queued, max_wait = limits.max_queue_wait,
              ticket = *std::move(ticket), actor = std::move(actor),
              work = std::move(work)]() mutable {
    // A call that waited too long for a worker, or whose client gave up
    // meanwhile, changes nothing: its slot goes to calls that can finish.
    const absl::Duration waited = absl::Now() - queued;
    const absl::Status status =
        context->IsCancelled()
            ? absl::CancelledError(
                  "the call was cancelled or its deadline passed while it "
                  "waited for a worker; nothing was changed")
        : waited > max_wait
            ? absl::UnavailableError(absl::StrCat(
                  "server busy: the call waited ", absl::FormatDuration(waited),
                  " for a worker (limit ", absl::FormatDuration(max_wait),
                  "); nothing was changed; retry with backoff"))
            : work(actor);
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

// A stored rating in the service's metrics: the instrument, and each alert
// it raised.
void RecordStoredMetrics(metrics::ServiceMetrics* metrics,
                         const core::SubmitResult& result) {
  if (metrics == nullptr) return;
  metrics->RatingStored(result.administration.rating.instrument_id);
  for (const scoring::Alert& alert : result.evaluation.alerts) {
    metrics->AlertRaised(AlertKindName(alert.kind), ZoneName(alert.colour));
  }
}

// Reads an import stream record by record. Each record is submitted on its
// own, so a bad one is reported and the good ones are stored; the records
// of a row (`row`) are stored together, when the row ends.
//
// The stream is read as raw bytes and each record parsed here: with the
// generated (parsing) handler, a record that does not parse (a string
// field that is not UTF-8) ends the reads exactly as the client's end of
// stream does, and the records after it would be silently dropped behind
// an OK. Here the end of the reads is the end of the stream or a broken
// call, never a bad record, and a broken call is never answered OK.
//
// Holds a shared pointer to itself until gRPC is done with it (OnDone),
// so that the idle-stream watcher (another thread) can hold it while it
// asks. gRPC's callbacks and EndIfIdle are serialized by mu_.
class ImportReactor final : public grpc::ServerReadReactor<grpc::ByteBuffer>,
                            public IdleStreams::Stream,
                            public std::enable_shared_from_this<ImportReactor> {
 public:
  ImportReactor(grpc::CallbackServerContext* context, core::RatingService* core,
                const FeedbackLimits& limits, grpc::ByteBuffer* response)
      : context_(context), core_(core), limits_(limits), response_(response) {}

  // Checks access and admission, then starts reading (or finishes at once).
  void Start() {
    std::optional<grpc::Status> refused;
    {
      absl::MutexLock lock(&mu_);
      self_ = shared_from_this();  // Before anything can complete.
      refused = AdmitLocked();
      if (!refused.has_value()) reading_since_ = absl::Now();
    }
    if (refused.has_value()) {
      Finish(*refused);  // Before reading any record.
      return;
    }
    if (limits_.idle_streams != nullptr) {
      limits_.idle_streams->Watch(weak_from_this());
    }
    // Tells the client the stream is admitted before its first record.
    StartSendInitialMetadata();
    StartRead(&buffer_);
  }

  void OnReadDone(bool ok) override {
    std::optional<grpc::Status> finish;
    {
      absl::MutexLock lock(&mu_);
      reading_since_.reset();
      if (finished_) return;  // Ended as idle while this read was pending.
      if (ok) {
        AddRecordLocked();
        reading_since_ = absl::Now();
      } else {
        finish = EndOfStreamLocked();
      }
    }
    if (finish.has_value()) {
      Finish(*finish);
    } else {
      StartRead(&buffer_);
    }
  }

  void EndIfIdle(absl::Time now, absl::Duration limit) override {
    {
      absl::MutexLock lock(&mu_);
      if (finished_ || !reading_since_.has_value() ||
          now - *reading_since_ < limit) {
        return;
      }
      if (limits_.metrics != nullptr) limits_.metrics->IdleStreamEnded();
      LogEvent(LogLevel::kWarning, "import_stream_idle",
               {{"principal", actor_.name},
                {"request_id", actor_.request_id},
                {"received", absl::StrCat(tally_.received())}});
      MarkFinishedLocked();
    }
    // Nothing of the stream is acknowledged: a re-run replays what was
    // written, by idempotency key. The pending read ends with ok = false.
    Finish(grpc::Status(
        grpc::StatusCode::DEADLINE_EXCEEDED,
        absl::StrCat("import: no record for ", absl::FormatDuration(limit),
                     "; the stream was ended and nothing of it is "
                     "acknowledged: send it again (idempotency keys make "
                     "that safe)")));
  }

  void OnDone() override {
    // The last reference may be the watcher's, which frees it when done.
    std::shared_ptr<ImportReactor> self;
    absl::MutexLock lock(&mu_);
    self = std::move(self_);
  }

 private:
  // gRPC's operations (StartRead, Finish) are never called with mu_ held:
  // their reactions may run on the calling thread and take mu_ themselves.

  // Access and a ticket; the status to finish with if refused.
  std::optional<grpc::Status> AdmitLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    absl::StatusOr<std::optional<auth::Principal>> principal =
        CheckAccess(*context_, limits_.gate, auth::Rpc::kImportRatings, {});
    if (!principal.ok()) {
      finished_ = true;
      return ToGrpcStatus(principal.status());
    }
    principal_ = *std::move(principal);
    actor_ = ActorFor(*context_, principal_);
    absl::StatusOr<AdmissionControl::Ticket> ticket =
        Admit(*context_, limits_.admission, CallerOf(principal_, ""),
              /*import_stream=*/true);
    if (!ticket.ok()) {
      finished_ = true;
      return ToGrpcStatus(ticket.status());
    }
    ticket_ = *std::move(ticket);
    return std::nullopt;
  }

  // Only the first finish counts; the slots are freed before the answer
  // goes out, so a client that has its answer can count on them.
  void MarkFinishedLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    finished_ = true;
    ticket_ = AdmissionControl::Ticket();
  }

  // Parses and checks the record just read and adds it to the pending
  // records, which are stored when the next record is not one of them: a
  // row (the same `row`) is stored whole or not at all; a run of records
  // of one episode and client (no `row`) in one write, each record stored
  // or refused on its own.
  void AddRecordLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    tally_.set_received(tally_.received() + 1);
    std::string bytes;
    absl::Status status = ReadRecordLocked(bytes);
    const int64_t number =
        request_.record_number() != 0
            ? request_.record_number()
            : RecordNumberOf(bytes, /*fallback=*/tally_.received());
    if (status.ok() && tally_.received() > limits_.max_import_records) {
      status = absl::ResourceExhaustedError(absl::StrCat(
          "record: a stream takes at most ", limits_.max_import_records,
          " records; send the rest in another stream"));
    }
    if (!status.ok()) {
      FlushPendingLocked();
      TallyLocked(number, status);
      return;
    }
    request_.set_record_number(number);
    if (!JoinsPendingLocked(request_)) FlushPendingLocked();
    pending_.push_back(std::move(request_));
    if (pending_.front().row().empty() &&
        pending_.size() >= core::RatingService::kMaxRunRatings) {
      FlushPendingLocked();
    }
  }

  bool JoinsPendingLocked(const v1::ImportRatingsRequest& request) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (pending_.empty()) return false;
    const v1::ImportRatingsRequest& first = pending_.front();
    if (request.row() != first.row()) return false;
    if (!request.row().empty()) return true;  // The core checks the row.
    const v1::Rating& a = request.record().rating();
    const v1::Rating& b = first.record().rating();
    return a.tenant_id() == b.tenant_id() && a.episode_id() == b.episode_id() &&
           a.client_id() == b.client_id();
  }

  void TallyLocked(int64_t record_number, const absl::Status& status)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (limits_.metrics != nullptr) limits_.metrics->ImportRecord(status.ok());
    if (status.ok()) return;
    tally_.set_rejected(tally_.rejected() + 1);
    v1::ImportError* error = tally_.add_errors();
    error->set_record_number(record_number);
    const grpc::Status mapped = ToGrpcStatus(status);
    error->set_code(mapped.error_code());
    error->set_message(mapped.error_message());
  }

  // Stores the pending records (a row whole or not at all; a run each on
  // its own, in one write), tallying each.
  void FlushPendingLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (pending_.empty()) return;
    const bool row = !pending_.front().row().empty();
    std::vector<absl::Status> statuses(pending_.size());
    std::vector<core::RatingService::RowRating> ratings;
    std::vector<size_t> submitted;  // Index in pending_ of each of `ratings`.
    for (size_t i = 0; i < pending_.size(); ++i) {
      statuses[i] = CheckRecordLocked(pending_[i]);
      if (!statuses[i].ok()) continue;
      absl::StatusOr<domain::Rating> rating =
          FromProto(pending_[i].record().rating());
      if (!rating.ok()) {
        statuses[i] = rating.status();
        continue;
      }
      ratings.push_back(
          {*std::move(rating), pending_[i].record().idempotency_key()});
      submitted.push_back(i);
    }
    if (row && submitted.size() != pending_.size()) {
      // One could not even be read or was not the caller's to write: the
      // row goes as a whole, as it would have in the core.
      size_t culprit = 0;
      while (statuses[culprit].ok()) ++culprit;
      for (absl::Status& status : statuses) {
        if (status.ok()) {
          status = absl::FailedPreconditionError(
              absl::StrCat("row: not stored, as its record ",
                           pending_[culprit].record_number(), " was refused (",
                           statuses[culprit].message(),
                           "); a row is stored whole or not at all"));
        }
      }
    } else if (!ratings.empty()) {
      std::vector<absl::StatusOr<core::SubmitResult>> results =
          row ? core_->SubmitRowDeferred(actor_, std::move(ratings))
              : core_->SubmitRunDeferred(actor_, std::move(ratings));
      for (size_t k = 0; k < results.size(); ++k) {
        statuses[submitted[k]] = results[k].status();
        if (results[k].ok()) Stored(*results[k]);
      }
    }
    for (size_t i = 0; i < pending_.size(); ++i) {
      TallyLocked(pending_[i].record_number(), statuses[i]);
    }
    pending_.clear();
  }

  // The client has finished sending, or the call broke (cancelled, deadline,
  // connection lost): only the first is answered with the tally. Returns
  // the status to finish with.
  grpc::Status EndOfStreamLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    // The last records end with the stream (a broken one stores no more).
    if (!context_->IsCancelled()) FlushPendingLocked();
    MarkFinishedLocked();
    if (context_->IsCancelled()) {
      // Nothing is acknowledged: the records written so far are in the log
      // and a retry replays them by idempotency key.
      return grpc::Status(grpc::StatusCode::CANCELLED,
                          "the import stream broke before it was finished");
    }
    // One fsync for every record of the stream, before acknowledging any.
    // If it fails, nothing is acknowledged: a retry replays what was
    // written, by idempotency key.
    absl::Status status = core_->SyncDeferred();
    std::string serialized;
    if (status.ok() && !tally_.SerializeToString(&serialized)) {
      status = absl::InternalError("cannot serialize the import tally");
    }
    if (status.ok()) {
      grpc::Slice slice(serialized);
      *response_ = grpc::ByteBuffer(&slice, 1);
    }
    return ToGrpcStatus(status);
  }

  // Parses the message just read into request_ (its bytes into `bytes`).
  absl::Status ReadRecordLocked(std::string& bytes)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
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

  // Access to the record's tenant, episode and client.
  absl::Status CheckRecordLocked(const v1::ImportRatingsRequest& request)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    const v1::Rating& rating = request.record().rating();
    return CheckAccess(principal_, actor_, limits_.gate,
                       auth::Rpc::kImportRatings,
                       {.tenant_id = rating.tenant_id(),
                        .episode_id = rating.episode_id(),
                        .client_id = rating.client_id()});
  }

  // A record stored (or replayed): counted, and its metrics.
  void Stored(const core::SubmitResult& result)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (result.replayed) {
      tally_.set_replayed(tally_.replayed() + 1);
      return;
    }
    tally_.set_stored(tally_.stored() + 1);
    RecordStoredMetrics(limits_.metrics, result);
  }

  grpc::CallbackServerContext* const context_;
  core::RatingService* const core_;
  const FeedbackLimits limits_;
  grpc::ByteBuffer* const response_;
  absl::Mutex mu_;
  std::shared_ptr<ImportReactor> self_ ABSL_GUARDED_BY(mu_);
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  // When the pending read was started; nullopt while a record is worked on.
  std::optional<absl::Time> reading_since_ ABSL_GUARDED_BY(mu_);
  // The message being read: filled by gRPC between StartRead and
  // OnReadDone, read by OnReadDone under mu_.
  grpc::ByteBuffer buffer_;
  v1::ImportRatingsRequest request_ ABSL_GUARDED_BY(mu_);
  // The records read but not yet stored: a row, or a run of one
  // episode's (AddRecordLocked).
  std::vector<v1::ImportRatingsRequest> pending_ ABSL_GUARDED_BY(mu_);
  v1::ImportRatingsResponse tally_ ABSL_GUARDED_BY(mu_);
  AdmissionControl::Ticket ticket_ ABSL_GUARDED_BY(mu_);
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
  if (!result.replayed) RecordStoredMetrics(metrics, result);
  return absl::OkStatus();
}

namespace {

// A correction's or a void's request, as the core and the policy see it.
template <typename Request>
core::ChangeRequest ChangeOf(const Request& r) {
  return {r.tenant_id(), r.episode_id(), r.administration_id(), r.reason(),
          r.idempotency_key()};
}
template <typename Request>
auth::Access AccessOfChange(const Request& r) {
  return {.tenant_id = r.tenant_id(),
          .episode_id = r.episode_id(),
          .client_id = domain::ClientOfAdministrationId(r.administration_id())};
}
absl::Status CorrectionsServed(const core::CorrectionService* corrections) {
  if (corrections != nullptr) return absl::OkStatus();
  return absl::UnimplementedError("corrections are not served here");
}

}  // namespace

FeedbackService::FeedbackService(core::RatingService* core,
                                 FeedbackLimits limits,
                                 core::CorrectionService* corrections)
    : core_(core), corrections_(corrections), limits_(limits) {}

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
  auto reactor =
      std::make_shared<ImportReactor>(context, core_, limits_, response);
  reactor->Start();
  return reactor.get();
}

grpc::ServerUnaryReactor* FeedbackService::GetEpisode(
    grpc::CallbackServerContext* context, const v1::GetEpisodeRequest* request,
    v1::GetEpisodeResponse* response) {
  return RunAdmitted(
      context, limits_, auth::Rpc::kGetEpisode,
      {.tenant_id = request->tenant_id(), .episode_id = request->episode_id()},
      [this, request, response](const domain::Actor& actor) {
        absl::StatusOr<core::EpisodeView> view = core_->GetEpisode(
            actor, request->tenant_id(), request->episode_id(),
            request->include_history());
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

grpc::ServerUnaryReactor* FeedbackService::CorrectRating(
    grpc::CallbackServerContext* context,
    const v1::CorrectRatingRequest* request,
    v1::CorrectRatingResponse* response) {
  return RunAdmitted(
      context, limits_, auth::Rpc::kCorrectRating, AccessOfChange(*request),
      [this, request, response](const domain::Actor& actor) -> absl::Status {
        RETURN_IF_ERROR(CorrectionsServed(corrections_));
        ASSIGN_OR_RETURN(domain::Rating rating, FromProto(request->rating()));
        ASSIGN_OR_RETURN(core::ChangeResult changed,
                         corrections_->Correct(actor, ChangeOf(*request),
                                               std::move(rating)));
        *response->mutable_episode() = ToProto(changed.view);
        response->set_administration_id(changed.administration_id);
        response->set_replayed(changed.replayed);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* FeedbackService::VoidRating(
    grpc::CallbackServerContext* context, const v1::VoidRatingRequest* request,
    v1::VoidRatingResponse* response) {
  return RunAdmitted(
      context, limits_, auth::Rpc::kVoidRating, AccessOfChange(*request),
      [this, request, response](const domain::Actor& actor) -> absl::Status {
        RETURN_IF_ERROR(CorrectionsServed(corrections_));
        ASSIGN_OR_RETURN(core::ChangeResult changed,
                         corrections_->Void(actor, ChangeOf(*request)));
        *response->mutable_episode() = ToProto(changed.view);
        response->set_replayed(changed.replayed);
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
       core_->records().catalog().definitions()) {
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
  const scoring::RuleSetRegistry& registry = core_->records().rule_sets();
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

grpc::ServerUnaryReactor* FeedbackService::ListEpisodes(
    grpc::CallbackServerContext* context,
    const v1::ListEpisodesRequest* request,
    v1::ListEpisodesResponse* response) {
  return RunAdmitted(
      context, limits_, auth::Rpc::kListEpisodes,
      {.tenant_id = request->tenant_id(),
       .clinician_id = request->clinician_id()},
      [this, request, response](const domain::Actor& actor) {
        // Empty: a clinician's own (the policy let nobody else through).
        const std::string& clinician = request->clinician_id().empty()
                                           ? actor.clinician_id
                                           : request->clinician_id();
        ASSIGN_OR_RETURN(
            std::vector<core::EpisodeView> views,
            core_->ListEpisodes(actor, request->tenant_id(), clinician,
                                request->include_closed()));
        for (const core::EpisodeView& view : views) {
          *response->add_episodes() = SummaryOf(ToProto(view));
        }
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* FeedbackService::WhoAmI(
    grpc::CallbackServerContext* context, const v1::WhoAmIRequest* /*request*/,
    v1::Caller* response) {
  auto principal = CheckAccess(*context, limits_.gate, auth::Rpc::kWhoAmI, {});
  if (!principal.ok()) return Finish(context, principal.status());
  if (principal->has_value()) {
    *response = ToProto(**principal);
  } else {
    response->set_clinician_figures(true);  // Authentication off.
  }
  return Finish(context, absl::OkStatus());
}

}  // namespace tilbake::api

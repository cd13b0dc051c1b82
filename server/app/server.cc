#include "server/app/server.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/log.h"
#include "common/status_macros.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "server/api/feedback_service.h"
#include "server/config/instrument_loader.h"
#include "server/config/rule_set_loader.h"

namespace tilbake::app {
namespace {

bool IsLoopback(absl::string_view listen) {
  return absl::StartsWith(listen, "127.") ||
         absl::StartsWith(listen, "localhost:") ||
         absl::StartsWith(listen, "[::1]:");
}

}  // namespace

// Members in construction order; destroyed in reverse (server first, store
// last), so no call can reach a closed database.
struct Server::State {
  std::unique_ptr<storage::Store> store;
  std::unique_ptr<scoring::InstrumentCatalog> catalog;
  std::unique_ptr<scoring::RuleSetRegistry> rule_sets;
  std::unique_ptr<core::RatingService> core;
  std::unique_ptr<api::FeedbackService> feedback;
  std::unique_ptr<grpc::Server> server;
  int port = 0;
  absl::Mutex mu;
  bool shut_down ABSL_GUARDED_BY(mu) = false;
};

absl::StatusOr<std::unique_ptr<Server>> Server::Start(
    const ServerOptions& options) {
  if (!IsLoopback(options.listen) && !options.allow_plaintext_non_loopback) {
    return absl::FailedPreconditionError(absl::StrCat(
        "--listen=", options.listen,
        ": plaintext gRPC is only served on loopback; pass "
        "--allow_plaintext_non_loopback behind a TLS-terminating proxy"));
  }
  auto state = std::make_unique<State>();
  ASSIGN_OR_RETURN(auto catalog,
                   config::LoadInstrumentCatalog(options.instruments_dir));
  state->catalog =
      std::make_unique<scoring::InstrumentCatalog>(std::move(catalog));
  ASSIGN_OR_RETURN(
      auto rule_sets,
      config::LoadRuleSets({options.rule_sets_dir, options.default_rule_set,
                            options.tenant_rule_sets}));
  state->rule_sets =
      std::make_unique<scoring::RuleSetRegistry>(std::move(rule_sets));
  ASSIGN_OR_RETURN(state->store, storage::Store::Open(
                                     {options.data_dir, options.durability}));
  state->core = std::make_unique<core::RatingService>(
      state->store.get(), state->catalog.get(), state->rule_sets.get(),
      options.clock);
  state->feedback = std::make_unique<api::FeedbackService>(
      state->core.get(),
      api::FeedbackLimits{.max_import_records = options.max_import_records});

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(options.listen, grpc::InsecureServerCredentials(),
                           &state->port);
  builder.SetMaxReceiveMessageSize(options.max_message_bytes);
  builder.RegisterService(state->feedback.get());
  state->server = builder.BuildAndStart();
  if (state->server == nullptr || state->port == 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", options.listen));
  }
  state->server->GetHealthCheckService()->SetServingStatus(true);
  LogEvent(
      LogLevel::kInfo, "server_started",
      {{"listen", options.listen},
       {"port", absl::StrCat(state->port)},
       {"data_dir", options.data_dir},
       {"durability",
        options.durability == storage::Durability::kFsync ? "fsync" : "os"},
       {"instruments", absl::StrCat(state->catalog->definitions().size())}});
  return std::unique_ptr<Server>(new Server(std::move(state)));
}

Server::Server(std::unique_ptr<State> state) : state_(std::move(state)) {}

Server::~Server() { Shutdown(absl::Seconds(5)); }

int Server::port() const { return state_->port; }

void Server::Shutdown(absl::Duration deadline) {
  {
    absl::MutexLock lock(&state_->mu);
    if (state_->shut_down) return;
    state_->shut_down = true;
  }
  LogEvent(LogLevel::kInfo, "server_stopping");
  state_->server->GetHealthCheckService()->SetServingStatus(false);
  state_->server->Shutdown(absl::ToChronoTime(absl::Now() + deadline));
  state_->server->Wait();
  state_->server.reset();
  state_->feedback.reset();
  state_->core.reset();
  state_->store.reset();  // Closes the database.
  LogEvent(LogLevel::kInfo, "server_stopped");
}

}  // namespace tilbake::app

#include "server/app/server.h"

#include <algorithm>
#include <thread>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/files.h"
#include "common/log.h"
#include "common/status_macros.h"
#include "common/worker_pool.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "prometheus/exposer.h"
#include "prometheus/registry.h"
#include "server/api/admin_service.h"
#include "server/api/admission.h"
#include "server/api/feedback_service.h"
#include "server/api/idle_streams.h"
#include "server/api/refusal_summary.h"
#include "server/api/rpc_observer.h"
#include "server/api/trends_service.h"
#include "server/app/transport.h"
#include "server/auth/tokens.h"
#include "server/config/instrument_loader.h"
#include "server/config/rule_set_loader.h"
#include "server/core/aggregation.h"
#include "server/core/correction_service.h"
#include "server/core/episode_records.h"
#include "server/core/privacy_service.h"
#include "server/core/rating_service.h"
#include "server/core/retention_service.h"
#include "server/core/trends.h"
#include "server/metrics/service_metrics.h"
#include "tilbake/v1/admin.pb.h"
#include "tilbake/v1/feedback.pb.h"
#include "tilbake/v1/trends.pb.h"

namespace tilbake::app {
namespace {

bool IsLoopback(absl::string_view listen) {
  return absl::StartsWith(listen, "127.") ||
         absl::StartsWith(listen, "localhost:") ||
         absl::StartsWith(listen, "[::1]:");
}

// Every RPC the server answers, so their metric children exist up front.
metrics::MetricLabels MetricLabelsFor(
    const scoring::InstrumentCatalog& catalog) {
  metrics::MetricLabels labels;
  const google::protobuf::ServiceDescriptor* feedback =
      v1::SubmitRatingRequest::descriptor()->file()->FindServiceByName(
          "Feedback");
  for (int i = 0; i < feedback->method_count(); ++i) {
    labels.methods.push_back(absl::StrCat("/", feedback->full_name(), "/",
                                          feedback->method(i)->name()));
  }
  labels.methods.push_back("/grpc.health.v1.Health/Check");
  labels.methods.push_back("/grpc.health.v1.Health/Watch");
  labels.methods.push_back(
      "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo");
  for (const scoring::InstrumentDefinition& d : catalog.definitions()) {
    if (std::find(labels.instruments.begin(), labels.instruments.end(), d.id) ==
        labels.instruments.end()) {
      labels.instruments.push_back(d.id);
    }
  }
  return labels;
}

// The listening port's credentials from the --tls_* options; plaintext
// when none is given. FailedPrecondition naming the flag otherwise.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> CredentialsFor(
    const ServerOptions& options) {
  const bool tls =
      !options.tls_cert_file.empty() || !options.tls_key_file.empty();
  if (!tls) {
    if (!options.tls_client_ca_file.empty()) {
      return absl::FailedPreconditionError(
          "--tls_client_ca: needs --tls_cert and --tls_key");
    }
    if (!IsLoopback(options.listen) && !options.allow_plaintext_non_loopback) {
      return absl::FailedPreconditionError(absl::StrCat(
          "--listen=", options.listen,
          ": plaintext gRPC is only served on loopback; give --tls_cert and "
          "--tls_key, or pass --allow_plaintext_non_loopback behind a "
          "TLS-terminating proxy"));
    }
    return grpc::InsecureServerCredentials();
  }
  if (options.tls_cert_file.empty() || options.tls_key_file.empty()) {
    return absl::FailedPreconditionError("--tls_cert and --tls_key: give both");
  }
  // Read here so a bad path is named; gRPC itself would only log.
  auto read_pem = [](const char* flag,
                     const std::string& path) -> absl::StatusOr<std::string> {
    absl::StatusOr<std::string> pem = ReadTextFile(path);
    if (!pem.ok()) {
      return absl::FailedPreconditionError(
          absl::StrCat(flag, ": ", pem.status().message()));
    }
    if (!absl::StrContains(*pem, "-----BEGIN ")) {
      return absl::FailedPreconditionError(
          absl::StrCat(flag, ": ", path, " is not a PEM file"));
    }
    return pem;
  };
  ASSIGN_OR_RETURN(std::string cert,
                   read_pem("--tls_cert", options.tls_cert_file));
  ASSIGN_OR_RETURN(std::string key,
                   read_pem("--tls_key", options.tls_key_file));
  grpc::SslServerCredentialsOptions ssl(
      options.tls_client_ca_file.empty()
          ? GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE
          : GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  if (!options.tls_client_ca_file.empty()) {
    ASSIGN_OR_RETURN(ssl.pem_root_certs,
                     read_pem("--tls_client_ca", options.tls_client_ca_file));
  }
  ssl.pem_key_cert_pairs.push_back({std::move(key), std::move(cert)});
  return grpc::SslServerCredentials(ssl);
}

const char* TlsMode(const ServerOptions& options) {
  if (options.tls_cert_file.empty()) return "off";
  return options.tls_client_ca_file.empty() ? "server" : "mutual";
}

}  // namespace

// Members in construction order; destroyed in reverse (server first, store
// last), so no call can reach a closed database.
struct Server::State {
  std::unique_ptr<storage::Store> store;
  std::shared_ptr<prometheus::Registry> registry;
  std::unique_ptr<metrics::ServiceMetrics> metrics;
  std::unique_ptr<auth::TokenStore> tokens;  // Null: authentication off.
  std::unique_ptr<api::AdmissionControl> admission;
  std::unique_ptr<WorkerPool> workers;
  std::unique_ptr<api::IdleStreams> idle_streams;
  std::unique_ptr<prometheus::Exposer> exposer;
  std::vector<std::shared_ptr<prometheus::Collectable>> collectors;
  std::unique_ptr<scoring::InstrumentCatalog> catalog;
  std::unique_ptr<scoring::RuleSetRegistry> rule_sets;
  std::unique_ptr<core::EpisodeRecords>
      records;  // Shared by the services below.
  std::unique_ptr<core::RatingService> core;
  std::unique_ptr<core::CorrectionService> corrections;
  std::unique_ptr<api::RefusalSummary> refusals;  // Writes through records.
  std::unique_ptr<core::PrivacyService> privacy;
  std::unique_ptr<api::FeedbackService> feedback;
  std::unique_ptr<core::TrendService> trends;
  std::unique_ptr<api::TrendsService> trends_api;
  std::unique_ptr<api::AdminService> admin;
  std::unique_ptr<grpc::Server> server;
  int port = 0;
  int metrics_port = 0;
  std::thread storage_watcher;
  std::unique_ptr<core::RetentionService> retention;
  std::thread retention_runner;  // Not started when retention_interval is 0.
  absl::Mutex mu;
  bool shut_down ABSL_GUARDED_BY(mu) = false;
};

void Server::RunRetention(State& state, absl::Duration interval) {
  const domain::Actor scheduler{"retention", "system", "*", "", "scheduled"};
  while (true) {
    {
      absl::MutexLock lock(&state.mu);
      state.mu.AwaitWithTimeout(absl::Condition(&state.shut_down), interval);
      if (state.shut_down) return;
    }
    absl::StatusOr<std::vector<core::RetentionReport>> reports =
        state.retention->RunAll(scheduler, /*dry_run=*/false);
    if (!reports.ok()) {
      LogEvent(LogLevel::kError, "retention_failed",
               {{"error", std::string(reports.status().message())}});
      continue;
    }
    int64_t episodes = 0, entries = 0;
    for (const core::RetentionReport& r : *reports) {
      episodes += r.episodes;
      entries += r.audit_entries;
    }
    LogEvent(LogLevel::kInfo, "retention_done",
             {{"tenants", absl::StrCat(reports->size())},
              {"episodes_retired", absl::StrCat(episodes)},
              {"audit_entries_deleted", absl::StrCat(entries)}});
  }
}

void Server::WatchStorage(State& state, absl::Duration interval) {
  bool serving = true;
  absl::MutexLock lock(&state.mu);
  while (!state.shut_down) {
    // Wakes early when Shutdown() sets shut_down.
    state.mu.AwaitWithTimeout(absl::Condition(&state.shut_down), interval);
    if (state.shut_down) break;
    if (state.tokens != nullptr) {
      absl::StatusOr<bool> reloaded = state.tokens->ReloadIfChanged();
      if (!reloaded.ok()) {
        LogEvent(LogLevel::kError, "tokens_reload_failed",
                 {{"error", std::string(reloaded.status().message())}});
      } else if (*reloaded) {
        LogEvent(LogLevel::kInfo, "tokens_reloaded",
                 {{"tokens", absl::StrCat(state.tokens->size())}});
      }
    }
    state.refusals->FlushIfDue();
    absl::Status health = state.store->Health();
    // Try to leave the refusing state; the log keeps the original error.
    if (!health.ok() && state.store->Resume().ok()) health = absl::OkStatus();
    if (health.ok() != serving) {
      serving = health.ok();
      state.server->GetHealthCheckService()->SetServingStatus(serving);
      LogEvent(serving ? LogLevel::kInfo : LogLevel::kError,
               serving ? "health_serving" : "health_not_serving",
               {{"reason", serving ? "storage writable again"
                                   : std::string(health.message())}});
    }
  }
}

// Serves /metrics: the registry, storage and process figures.
absl::Status Server::StartExposer(const std::string& listen, State& state) {
  try {
    // civetweb reports a bind failure by throwing; keep it inside here.
    state.exposer = std::make_unique<prometheus::Exposer>(listen);
  } catch (const std::exception& e) {
    return absl::UnavailableError(
        absl::StrCat("--metrics_listen=", listen, ": ", e.what()));
  }
  state.collectors = {state.registry,
                      metrics::NewStorageCollector(state.store.get()),
                      metrics::NewProcessCollector(TILBAKE_VERSION)};
  for (const auto& collector : state.collectors) {
    state.exposer->RegisterCollectable(collector);
  }
  const std::vector<int> ports = state.exposer->GetListeningPorts();
  state.metrics_port = ports.empty() ? 0 : ports.front();
  return absl::OkStatus();
}

// Recomputes every trend aggregate from the stored ratings and endings.
absl::Status Server::RebuildAggregatesNow(State& state) {
  LogEvent(LogLevel::kInfo, "rebuild_aggregates_started");
  ASSIGN_OR_RETURN(core::Rebuilt rebuilt,
                   core::RebuildAggregatesAndFacts(*state.store, *state.catalog,
                                                   *state.rule_sets));
  size_t count = 0, clients = 0;
  for (const auto& [tenant, cells] : rebuilt.cells) count += cells.size();
  for (const auto& [tenant, rows] : rebuilt.facts) clients += rows.size();
  RETURN_IF_ERROR(state.store->ReplaceAggregates(rebuilt.cells, rebuilt.facts));
  LogEvent(LogLevel::kInfo, "rebuild_aggregates_done",
           {{"tenants", absl::StrCat(rebuilt.cells.size())},
            {"cells", absl::StrCat(count)},
            {"clients", absl::StrCat(clients)}});
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Server>> Server::Start(
    const ServerOptions& options) {
  ASSIGN_OR_RETURN(std::shared_ptr<grpc::ServerCredentials> credentials,
                   CredentialsFor(options));
  auto state = std::make_unique<State>();
  if (!options.tokens_file.empty()) {
    ASSIGN_OR_RETURN(state->tokens,
                     auth::TokenStore::Load(options.tokens_file));
  } else if (!IsLoopback(options.listen)) {
    // Anyone who can connect may read any tenant: say so where operators
    // look.
    LogEvent(LogLevel::kWarning, "authentication_off",
             {{"listen", options.listen},
              {"fix", "give --tokens_file (docs/security.md)"}});
  }
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
  ASSIGN_OR_RETURN(
      state->store,
      storage::Store::Open(
          {.path = options.data_dir,
           .durability = options.durability,
           .env = options.storage_env,
           .memtable_budget_bytes = options.storage_memtable_mb << 20,
           .block_cache_bytes = options.storage_cache_mb << 20}));
  if (state->store->opened_after_unclean_shutdown()) {
    // RocksDB replayed the write-ahead log: every acknowledged write is
    // back. Worth a line: crashes should be rare and explained.
    LogEvent(LogLevel::kWarning, "recovered_after_unclean_shutdown",
             {{"data_dir", options.data_dir}});
  }
  state->records = std::make_unique<core::EpisodeRecords>(
      state->store.get(), state->catalog.get(), state->rule_sets.get(),
      options.clock);
  state->core = std::make_unique<core::RatingService>(state->records.get());

  state->registry = std::make_shared<prometheus::Registry>();
  state->metrics = std::make_unique<metrics::ServiceMetrics>(
      *state->registry, MetricLabelsFor(*state->catalog));
  if (!options.metrics_listen.empty()) {
    RETURN_IF_ERROR(StartExposer(options.metrics_listen, *state));
  }
  if (options.rebuild_aggregates) {
    RETURN_IF_ERROR(RebuildAggregatesNow(*state));
  } else if (state->store->aggregates_version() <
             storage::Store::kAggregatesVersion) {
    // Cells of an older layout (no year cells): recomputed once from the
    // raw records, before any query can read a mix.
    LogEvent(LogLevel::kWarning, "aggregates_layout_upgrade",
             {{"from", absl::StrCat(state->store->aggregates_version())},
              {"to", absl::StrCat(storage::Store::kAggregatesVersion)}});
    RETURN_IF_ERROR(RebuildAggregatesNow(*state));
  }
  state->trends = std::make_unique<core::TrendService>(state->store.get(),
                                                       state->rule_sets.get());
  state->admission = std::make_unique<api::AdmissionControl>(
      api::AdmissionLimits{
          .max_in_flight = options.max_in_flight,
          .max_in_flight_per_tenant = options.max_in_flight_per_tenant,
          .max_import_streams = options.max_import_streams,
          .max_import_streams_per_tenant =
              options.max_import_streams_per_tenant,
          .max_import_streams_per_principal =
              options.max_import_streams_per_principal},
      state->metrics.get());
  state->privacy = std::make_unique<core::PrivacyService>(state->records.get());
  ASSIGN_OR_RETURN(auto retention_years,
                   config::LoadRetentionYears(options.tenant_rule_sets));
  state->retention = std::make_unique<core::RetentionService>(
      state->records.get(),
      core::RetentionPolicy{.ended_episode_years = std::move(retention_years),
                            .audit_years = options.audit_retention_years},
      [metrics = state->metrics.get()](
          const absl::StatusOr<core::RetentionReport>& run) {
        if (run.ok()) {
          metrics->RetentionRun(run->episodes, run->audit_entries, false);
        } else {
          metrics->RetentionRun(0, 0, /*failed=*/true);
        }
      });
  state->corrections =
      std::make_unique<core::CorrectionService>(state->records.get());
  state->refusals = std::make_unique<api::RefusalSummary>(
      &state->records->audit(), state->metrics.get(),
      options.refusal_summary_interval);
  const api::Gate gate{state->tokens.get(), &state->records->audit(),
                       state->refusals.get()};
  using Thresholds = std::map<std::string, int64_t>;
  ASSIGN_OR_RETURN(Thresholds small_cells,
                   config::LoadSmallCellThresholds(options.tenant_rule_sets));
  state->trends_api = std::make_unique<api::TrendsService>(
      state->trends.get(), state->catalog.get(), state->rule_sets.get(),
      state->admission.get(), gate,
      api::SmallCells{options.min_cell_clients, std::move(small_cells)});
  state->admin = std::make_unique<api::AdminService>(
      state->store.get(), state->privacy.get(),
      api::AdminOptions{options.backup_dir, options.backups_to_keep, gate},
      state->retention.get());
  state->workers = std::make_unique<WorkerPool>(options.worker_threads);
  state->idle_streams = std::make_unique<api::IdleStreams>(options.import_idle);
  state->feedback = std::make_unique<api::FeedbackService>(
      state->core.get(),
      api::FeedbackLimits{.metrics = state->metrics.get(),
                          .max_import_records = options.max_import_records,
                          .admission = state->admission.get(),
                          .workers = state->workers.get(),
                          .gate = gate,
                          .max_queue_wait = options.max_queue_wait,
                          .idle_streams = state->idle_streams.get()},
      state->corrections.get());

  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  ConfigureTransport({.listen = options.listen,
                      .credentials = credentials,
                      .max_message_bytes = options.max_message_bytes,
                      .grpc_memory_bytes = options.grpc_memory_bytes},
                     builder, &state->port);
  builder.RegisterService(state->feedback.get());
  builder.RegisterService(state->trends_api.get());
  builder.RegisterService(state->admin.get());
  std::vector<
      std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
      interceptors;
  interceptors.push_back(api::NewRpcObserverFactory(
      {.metrics = state->metrics.get(), .log_requests = options.log_requests}));
  builder.experimental().SetInterceptorCreators(std::move(interceptors));
  state->server = builder.BuildAndStart();
  if (state->server == nullptr || state->port == 0) {
    return absl::UnavailableError(absl::StrCat(
        "cannot listen on ", options.listen,
        options.tls_cert_file.empty()
            ? ""
            : " (with TLS: does --tls_key belong to --tls_cert?)"));
  }
  state->server->GetHealthCheckService()->SetServingStatus(true);
  state->storage_watcher =
      std::thread([&state = *state, interval = options.storage_check_interval] {
        WatchStorage(state, interval);
      });
  if (options.retention_interval > absl::ZeroDuration()) {
    state->retention_runner =
        std::thread([&state = *state, interval = options.retention_interval] {
          RunRetention(state, interval);
        });
  }
  LogEvent(
      LogLevel::kInfo, "server_started",
      {{"listen", options.listen},
       {"port", absl::StrCat(state->port)},
       {"metrics_port", absl::StrCat(state->metrics_port)},
       {"version", TILBAKE_VERSION},
       {"data_dir", options.data_dir},
       {"durability",
        options.durability == storage::Durability::kFsync ? "fsync" : "os"},
       {"instruments", absl::StrCat(state->catalog->definitions().size())},
       {"rule_sets", absl::StrCat(state->rule_sets->rule_sets().size())},
       {"default_rule_set", options.default_rule_set},
       {"max_in_flight", absl::StrCat(options.max_in_flight)},
       {"tls", TlsMode(options)},
       {"auth", state->tokens == nullptr
                    ? "off"
                    : absl::StrCat(state->tokens->size(), " tokens")},
       {"recovered_after_unclean_shutdown",
        state->store->opened_after_unclean_shutdown() ? "true" : "false"}});
  return std::unique_ptr<Server>(new Server(std::move(state)));
}

Server::Server(std::unique_ptr<State> state) : state_(std::move(state)) {}

Server::~Server() { Shutdown(absl::Seconds(5)); }

int Server::port() const { return state_->port; }

int Server::metrics_port() const { return state_->metrics_port; }

void Server::Shutdown(absl::Duration deadline) {
  {
    absl::MutexLock lock(&state_->mu);
    if (state_->shut_down) return;
    state_->shut_down = true;
  }
  LogEvent(LogLevel::kInfo, "server_stopping");
  state_->storage_watcher.join();  // Saw shut_down; never flips health again.
  // Waits for a run in progress (each write is whole; it stops at the next
  // wait).
  if (state_->retention_runner.joinable()) state_->retention_runner.join();
  state_->server->GetHealthCheckService()->SetServingStatus(false);
  state_->server->Shutdown(absl::ToChronoTime(absl::Now() + deadline));
  state_->server->Wait();
  state_->server.reset();
  state_->workers.reset();  // Runs what is queued; then no call is left.
  state_->idle_streams.reset();
  state_->exposer.reset();  // Before the store its collector reads.
  state_->feedback.reset();
  state_->admin.reset();
  state_->trends_api.reset();
  state_->admission.reset();
  state_->trends.reset();
  state_->refusals->Flush();  // No call is left to count one.
  state_->refusals.reset();
  state_->core.reset();
  // Acknowledged writes are already in the log; flushing spares the next
  // start its replay. A failure loses nothing, so it is only reported.
  if (absl::Status flushed = state_->store->Flush(); !flushed.ok()) {
    LogEvent(LogLevel::kWarning, "flush_at_stop_failed",
             {{"error", std::string(flushed.message())}});
  }
  state_->store.reset();  // Closes the database.
  LogEvent(LogLevel::kInfo, "server_stopped");
}

}  // namespace tilbake::app

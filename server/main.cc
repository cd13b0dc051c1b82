// tilbake-server: serves tilbake.v1.Feedback over gRPC on a RocksDB store.
// `tilbake-server restore …` and `tilbake-server token …` are offline
// commands (server/tools/) that work on the server's files without serving.

#include <algorithm>
#include <cstdlib>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "common/stop_signals.h"
#include "server/app/server.h"
#include "server/tools/offline_commands.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:50051",
          "gRPC address (host:port). Plaintext is loopback-only: elsewhere "
          "give --tls_cert and --tls_key (or --allow_plaintext_non_loopback "
          "behind a TLS-terminating proxy).");
ABSL_FLAG(std::string, data_dir, "./var/data", "RocksDB data directory.");
ABSL_FLAG(uint32_t, storage_memtable_mb, 64,
          "RocksDB memtables of all column families together, MiB.");
ABSL_FLAG(uint32_t, storage_cache_mb, 32,
          "RocksDB block cache shared by all column families, MiB.");
ABSL_FLAG(std::string, durability, "fsync",
          "fsync: the WAL is synced before a rating is acknowledged (survives "
          "power loss). os: written to the OS only (survives a process crash, "
          "not power loss; faster).");
ABSL_FLAG(std::string, instruments_dir, "",
          "Directory of extra instrument definition files (*.textpb).");
ABSL_FLAG(std::string, rule_sets_dir, "",
          "Directory of extra rule set files (*.textpb).");
ABSL_FLAG(std::string, default_rule_set, "jt-5",
          "Rule set of tenants not named in --tenant_rule_sets.");
ABSL_FLAG(std::string, tenant_rule_sets, "",
          "File mapping tenants to rule sets (TenantRuleSetsFile textproto).");
ABSL_FLAG(std::string, tls_cert, "",
          "TLS: the server's certificate chain (PEM). With --tls_key, gRPC "
          "is served over TLS.");
ABSL_FLAG(std::string, tls_key, "", "TLS: the server's private key (PEM).");
ABSL_FLAG(std::string, tls_client_ca, "",
          "Mutual TLS: clients must present a certificate signed by this CA "
          "(PEM).");
ABSL_FLAG(
    std::string, tokens_file, "",
    "Bearer tokens and their roles (text format, salted hashes; "
    "`tilbake-server token` makes entries). Reloaded when it changes. Empty: "
    "authentication off.");
ABSL_FLAG(bool, allow_plaintext_non_loopback, false,
          "Serve plaintext gRPC on a non-loopback address.");
ABSL_FLAG(int64_t, max_import_records, 1'000'000,
          "Records one ImportRatings stream may carry.");
ABSL_FLAG(std::string, metrics_listen, "127.0.0.1:9464",
          "Prometheus scrape address (host:port); empty turns metrics off.");
ABSL_FLAG(bool, log_requests, true, "Log one line per RPC.");
ABSL_FLAG(bool, rebuild_aggregates, false,
          "Recompute every trend aggregate from the stored ratings and "
          "endings before serving.");
ABSL_FLAG(std::string, backup_dir, "",
          "Where Admin.CreateBackup (tilbake backup) writes backups; empty: "
          "backups off.");
ABSL_FLAG(uint32_t, backups_to_keep, 7, "Backups kept after each new one.");
ABSL_FLAG(int, max_in_flight, 256,
          "Calls touching storage at once; more are refused with "
          "RESOURCE_EXHAUSTED (load shedding).");
ABSL_FLAG(int, worker_threads, 64,
          "Threads running calls that wait for the disk (so synced writes "
          "share fsyncs).");
ABSL_FLAG(int, max_in_flight_per_tenant, 128,
          "Of --max_in_flight, the calls of one tenant.");
ABSL_FLAG(int, max_import_streams, 16,
          "ImportRatings streams open at once; more are refused with "
          "RESOURCE_EXHAUSTED.");
ABSL_FLAG(int, max_import_streams_per_tenant, 8,
          "Of --max_import_streams, the streams of one tenant.");
ABSL_FLAG(int, max_import_streams_per_principal, 4,
          "Of --max_import_streams, the streams of one token.");
ABSL_FLAG(int, import_idle_seconds, 30,
          "An import stream with no record for this long is ended with "
          "DEADLINE_EXCEEDED and its slots freed (0: never).");
ABSL_FLAG(int, max_queue_wait_ms, 10000,
          "A call that waited this long for a worker thread is answered "
          "UNAVAILABLE without doing anything.");
ABSL_FLAG(int, max_message_bytes, 4 << 20,
          "Largest request message accepted; larger is RESOURCE_EXHAUSTED.");
ABSL_FLAG(int, grpc_memory_mb, 512,
          "Memory gRPC may use for connections and messages before it "
          "refuses new calls.");
ABSL_FLAG(int, storage_check_seconds, 1,
          "How often storage health is checked (health NOT_SERVING while "
          "the disk refuses writes) and recovery retried.");
ABSL_FLAG(int, retention_hours, 24,
          "How often the retention policy runs (0: only on request, "
          "tilbake retention); docs/security.md.");
ABSL_FLAG(int, audit_retention_years, 0,
          "Access-log entries older than this many years are deleted by the "
          "retention run: set it to the legal period (0: kept for ever).");
ABSL_FLAG(int, min_cell_clients, 5,
          "Trend figures from fewer clients than this are left out for "
          "every authenticated reader (a tenant may set its own in "
          "--tenant_rule_sets).");
ABSL_FLAG(int, refusal_summary_seconds, 60,
          "Calls refused before authentication are counted and written to "
          "the access log as one summary entry per tenant this often.");
ABSL_FLAG(int, shutdown_grace_seconds, 10,
          "On SIGTERM/SIGINT, how long in-flight calls get to finish.");

int main(int argc, char** argv) {
  if (argc > 1 && tilbake::tools::IsOfflineCommand(argv[1])) {
    return tilbake::tools::RunOfflineCommand(argc, argv);
  }
  absl::SetProgramUsageMessage(
      "Tilbake feedback service.\nUsage: tilbake-server [--listen=ADDR] "
      "[--data_dir=DIR] [--durability=fsync|os]\n"
      "       tilbake-server restore --backup_dir=DIR --data_dir=EMPTY_DIR\n"
      "       tilbake-server token --name=N --tenant=T --role=R "
      "[--clinician=C --org_unit=U]");
  absl::ParseCommandLine(argc, argv);

  // Before any thread starts (common/stop_signals.h).
  const tilbake::StopSignals stop_signals;

  tilbake::app::ServerOptions options;
  options.listen = absl::GetFlag(FLAGS_listen);
  options.data_dir = absl::GetFlag(FLAGS_data_dir);
  options.storage_memtable_mb = absl::GetFlag(FLAGS_storage_memtable_mb);
  options.storage_cache_mb = absl::GetFlag(FLAGS_storage_cache_mb);
  const std::string durability = absl::GetFlag(FLAGS_durability);
  if (durability == "fsync") {
    options.durability = tilbake::storage::Durability::kFsync;
  } else if (durability == "os") {
    options.durability = tilbake::storage::Durability::kOs;
  } else {
    tilbake::LogEvent(
        tilbake::LogLevel::kError, "bad_flag",
        {{"flag", "durability"}, {"detail", "must be fsync or os"}});
    return EXIT_FAILURE;
  }
  options.instruments_dir = absl::GetFlag(FLAGS_instruments_dir);
  options.rule_sets_dir = absl::GetFlag(FLAGS_rule_sets_dir);
  options.default_rule_set = absl::GetFlag(FLAGS_default_rule_set);
  options.tenant_rule_sets = absl::GetFlag(FLAGS_tenant_rule_sets);
  options.tokens_file = absl::GetFlag(FLAGS_tokens_file);
  options.tls_cert_file = absl::GetFlag(FLAGS_tls_cert);
  options.tls_key_file = absl::GetFlag(FLAGS_tls_key);
  options.tls_client_ca_file = absl::GetFlag(FLAGS_tls_client_ca);
  options.allow_plaintext_non_loopback =
      absl::GetFlag(FLAGS_allow_plaintext_non_loopback);
  options.max_import_records = absl::GetFlag(FLAGS_max_import_records);
  options.metrics_listen = absl::GetFlag(FLAGS_metrics_listen);
  options.log_requests = absl::GetFlag(FLAGS_log_requests);
  options.rebuild_aggregates = absl::GetFlag(FLAGS_rebuild_aggregates);
  options.backup_dir = absl::GetFlag(FLAGS_backup_dir);
  options.backups_to_keep = absl::GetFlag(FLAGS_backups_to_keep);
  options.max_in_flight = absl::GetFlag(FLAGS_max_in_flight);
  options.max_in_flight_per_tenant =
      absl::GetFlag(FLAGS_max_in_flight_per_tenant);
  options.max_import_streams = absl::GetFlag(FLAGS_max_import_streams);
  options.max_import_streams_per_tenant =
      absl::GetFlag(FLAGS_max_import_streams_per_tenant);
  options.max_import_streams_per_principal =
      absl::GetFlag(FLAGS_max_import_streams_per_principal);
  options.import_idle = absl::Seconds(absl::GetFlag(FLAGS_import_idle_seconds));
  options.max_queue_wait =
      absl::Milliseconds(absl::GetFlag(FLAGS_max_queue_wait_ms));
  options.worker_threads = absl::GetFlag(FLAGS_worker_threads);
  options.max_message_bytes = absl::GetFlag(FLAGS_max_message_bytes);
  options.grpc_memory_bytes =
      static_cast<int64_t>(absl::GetFlag(FLAGS_grpc_memory_mb)) << 20;
  options.min_cell_clients = absl::GetFlag(FLAGS_min_cell_clients);
  options.refusal_summary_interval =
      absl::Seconds(absl::GetFlag(FLAGS_refusal_summary_seconds));
  options.storage_check_interval =
      absl::Seconds(absl::GetFlag(FLAGS_storage_check_seconds));
  options.retention_interval =
      absl::Hours(std::max(0, absl::GetFlag(FLAGS_retention_hours)));
  options.audit_retention_years =
      std::max(0, absl::GetFlag(FLAGS_audit_retention_years));

  auto server = tilbake::app::Server::Start(options);
  if (!server.ok()) {
    tilbake::LogEvent(
        tilbake::LogLevel::kError, "start_failed",
        {{"code", absl::StatusCodeToString(server.status().code())},
         {"detail", std::string(server.status().message())}});
    return EXIT_FAILURE;
  }

  const int signal_number = stop_signals.Wait();
  tilbake::LogEvent(tilbake::LogLevel::kInfo, "signal_received",
                    {{"signal", absl::StrCat(signal_number)}});
  (*server)->Shutdown(
      absl::Seconds(absl::GetFlag(FLAGS_shutdown_grace_seconds)));
  return EXIT_SUCCESS;
}

#ifndef TILBAKE_SERVER_APP_SERVER_H_
#define TILBAKE_SERVER_APP_SERVER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/core/episode_records.h"
#include "storage/store.h"

namespace tilbake::app {

struct ServerOptions {
  // host:port; port 0 picks a free port (see Server::port()).
  std::string listen = "127.0.0.1:50051";
  // RocksDB directory.
  std::string data_dir = "./var/data";
  storage::Durability durability = storage::Durability::kFsync;
  // RocksDB memory (see storage::StoreOptions).
  size_t storage_memtable_mb = 64;
  size_t storage_cache_mb = 32;
  // Extra instrument definition files (*.textpb); empty = built-ins only.
  std::string instruments_dir;
  // Extra rule set files (*.textpb), the default rule set, and the tenant
  // -> rule set mapping file (see config::RuleSetOptions).
  std::string rule_sets_dir;
  std::string default_rule_set = "jt-5";
  std::string tenant_rule_sets;
  // Trend figures from fewer clients than this are left out for every
  // authenticated reader (a tenant may set its own in tenant_rule_sets).
  int min_cell_clients = 5;
  // TLS: the server's certificate chain and private key (PEM files); with
  // tls_client_ca_file too, clients must present a certificate signed by
  // that CA (mutual TLS). All empty: plaintext.
  std::string tls_cert_file;
  std::string tls_key_file;
  std::string tls_client_ca_file;
  // Bearer tokens (server/auth/tilbake/auth/tokens.proto, text format),
  // reloaded when the file changes. Empty: authentication off, every call
  // allowed (loopback development only; see docs/security.md).
  std::string tokens_file;
  // Plaintext gRPC is refused on non-loopback addresses unless this is set
  // (for a TLS-terminating proxy in front).
  bool allow_plaintext_non_loopback = false;
  // Largest request message (bigger: RESOURCE_EXHAUSTED), and the memory
  // gRPC may hold for connections and messages before refusing new calls.
  int max_message_bytes = 4 << 20;
  int64_t grpc_memory_bytes = int64_t{512} << 20;
  // Load shedding (see api::AdmissionLimits).
  int max_in_flight = 256;
  int max_in_flight_per_tenant = 128;
  int max_import_streams = 16;
  int max_import_streams_per_tenant = 8;
  int max_import_streams_per_principal = 4;
  // An import stream that waits this long for its next record is ended
  // (DEADLINE_EXCEEDED) and its slots freed; zero: never.
  absl::Duration import_idle = absl::Seconds(30);
  // A unary call that waited this long for a worker thread is answered
  // UNAVAILABLE without doing anything.
  absl::Duration max_queue_wait = absl::Seconds(10);
  // Threads that run calls which wait for the disk, so that many synced
  // writes can share one fsync (RocksDB's group commit).
  int worker_threads = 64;
  // Prometheus scrape address (host:port, port 0 picks one); empty = off.
  std::string metrics_listen;
  // One structured log line per RPC.
  bool log_requests = true;
  // Recompute every trend aggregate from the raw ratings before serving.
  bool rebuild_aggregates = false;
  // Where Admin.CreateBackup writes (empty: backups off), and how many to keep.
  std::string backup_dir;
  uint32_t backups_to_keep = 7;
  // Records per ImportRatings stream.
  int64_t max_import_records = 1'000'000;
  // Calls refused before authentication are counted and written to the
  // access log as one summary entry per tenant per interval.
  absl::Duration refusal_summary_interval = absl::Minutes(1);
  // How often storage health is checked and, while the disk refuses
  // writes, recovery retried (health is NOT_SERVING meanwhile).
  absl::Duration storage_check_interval = absl::Seconds(1);
  // Retention (docs/security.md): how often the policy runs (zero: only on
  // request, RunRetention), and how long the access log is kept (0 years:
  // for ever). The episode policy is per tenant, in tenant_rule_sets.
  absl::Duration retention_interval = absl::Hours(24);
  int audit_retention_years = 0;
  // RocksDB's file system; null = the real one (tests inject faults).
  rocksdb::Env* storage_env = nullptr;
  // "Now", for recorded_at and date checks; tests inject a fixed clock.
  core::EpisodeRecords::Clock clock = [] { return absl::Now(); };
};

// A running tilbake-server: storage opened, instruments loaded, gRPC serving
// Feedback, health and reflection. The only code that knows ServerBuilder.
class Server {
 public:
  // Opens the store, loads instruments and starts serving. Fails with the
  // store's or the loader's error (naming the path or file and field).
  static absl::StatusOr<std::unique_ptr<Server>> Start(
      const ServerOptions& options);

  // Shuts down gracefully if still running.
  ~Server();

  // The bound port (useful with port 0).
  int port() const;
  // The metrics port, or 0 when metrics are off.
  int metrics_port() const;

  // Health goes NOT_SERVING, new calls are refused, in-flight calls get
  // until `deadline` to finish, then the database is closed. Idempotent.
  void Shutdown(absl::Duration deadline);

 private:
  struct State;
  explicit Server(std::unique_ptr<State> state);
  static absl::Status StartExposer(const std::string& listen, State& state);
  static absl::Status RebuildAggregatesNow(State& state);
  // Keeps health in step with storage until shutdown (its own thread).
  static void WatchStorage(State& state, absl::Duration interval);
  // Runs the retention policy every `interval` until shutdown.
  static void RunRetention(State& state, absl::Duration interval);
  std::unique_ptr<State> state_;
};

}  // namespace tilbake::app

#endif  // TILBAKE_SERVER_APP_SERVER_H_

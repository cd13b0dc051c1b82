#ifndef TILBAKE_TESTS_TESTING_TEST_SERVER_H_
#define TILBAKE_TESTS_TESTING_TEST_SERVER_H_

#include <functional>
#include <memory>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "client/sdk/client.h"
#include "gtest/gtest.h"
#include "server/app/server.h"
#include "tests/testing/builders.h"
#include "tests/testing/temp_dir.h"

namespace tilbake::testing {

// A real tilbake-server in this process on 127.0.0.1 (a free port), with a
// real RocksDB in a temp directory and the fixed test clock.
class TestServer {
 public:
  using Configure = std::function<void(app::ServerOptions&)>;

  // `configure` changes the options (limits, fault injection) before each
  // start. WithMetrics() also serves /metrics on a free port: off by default
  // because stopping the exposer (civetweb) takes about two seconds.
  explicit TestServer(Configure configure = {})
      : configure_(std::move(configure)) {
    Start();
  }
  static Configure WithMetrics() {
    return [](app::ServerOptions& o) { o.metrics_listen = "127.0.0.1:0"; };
  }

  // Stops the server (closing the database) and starts a new one on the
  // same data directory, as after a restart.
  void Restart() {
    server_.reset();
    Start();
  }
  void Stop() { server_.reset(); }

  // Only while running (the port is released on Stop).
  std::string address() const {
    return absl::StrCat("127.0.0.1:", server_->port());
  }
  const std::string& data_dir() const { return data_dir_; }
  int metrics_port() const { return server_->metrics_port(); }

  std::unique_ptr<client::Client> NewClient(int max_attempts = 1) const {
    client::ClientOptions options;
    options.target = address();
    options.max_attempts = max_attempts;
    return client::Client::Connect(options);
  }

 private:
  void Start() {
    app::ServerOptions options;
    options.listen = "127.0.0.1:0";
    options.data_dir = data_dir_;
    options.log_requests = false;
    options.clock = [] { return Now(); };
    if (configure_) configure_(options);
    auto server = app::Server::Start(options);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
  }

  Configure configure_;
  TempDir dir_;
  std::string data_dir_ = dir_.Sub("data");
  std::unique_ptr<app::Server> server_;
};

}  // namespace tilbake::testing

#endif  // TILBAKE_TESTS_TESTING_TEST_SERVER_H_

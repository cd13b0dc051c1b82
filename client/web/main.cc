// tilbake-web: the pages quality groups and clinicians open in a browser.
//
//   tilbake-web --server=127.0.0.1:50051 --listen=127.0.0.1:8080
//
// A client of tilbake-server's gRPC API: it holds no data. Users sign in
// with their own token; with the server's authentication off (development
// on loopback) the pages open without sign-in.

#include <iostream>

#include "CLI/CLI.hpp"
#include "absl/time/clock.h"
#include "client/web/http.h"
#include "client/web/web_app.h"
#include "common/stop_signals.h"

int main(int argc, char** argv) {
  tilbake::web::HttpOptions http;
  tilbake::web::WebAppOptions app_options;
  std::string idle = "30m";
  CLI::App app(
      "tilbake-web: Tilbake's pages for quality groups and clinicians");
  app.add_option("--listen", http.listen, "host:port to serve the pages on")
      ->capture_default_str();
  app.add_option("--server", app_options.server.target,
                 "host:port of tilbake-server")
      ->capture_default_str();
  app.add_option("--tls_cert", http.tls_cert_file,
                 "PEM certificate (chain) for HTTPS, as tilbake-server's");
  app.add_option("--tls_key", http.tls_key_file, "PEM private key for HTTPS");
  app.add_option("--server_ca", app_options.server.tls_ca_file,
                 "PEM CA of tilbake-server's certificate (TLS to the server)");
  app.add_option("--session_idle", idle,
                 "sign-out after this long without use (30m, 2h, 90s)")
      ->capture_default_str()
      ->check([](const std::string& text) -> std::string {
        absl::Duration d;
        if (!absl::ParseDuration(text, &d) || d < absl::Seconds(1) ||
            d > absl::Hours(24)) {
          return "a duration from 1s to 24h, such as 30m";
        }
        return "";
      });
  app.add_option("--caseload_quiet_weeks", app_options.caseload_quiet_weeks,
                 "the caseload flags an open episode without an outcome "
                 "score for this many weeks")
      ->capture_default_str()
      ->check(CLI::Range(1, 52));
  app.add_option("--threads", http.threads, "HTTP worker threads")
      ->capture_default_str()
      ->check(CLI::Range(1, 256));
  CLI11_PARSE(app, argc, argv);
  (void)absl::ParseDuration(idle, &app_options.session_idle);  // Checked.

  // Before any worker thread starts (common/stop_signals.h).
  const tilbake::StopSignals stop_signals;

  tilbake::web::WebApp web(app_options);
  auto server = tilbake::web::HttpServer::Start(
      http, [&web](const tilbake::web::Request& request) {
        return web.Handle(request);
      });
  if (!server.ok()) {
    std::cerr << "tilbake-web: " << server.status().message() << "\n";
    return 1;
  }
  std::cout << "ts=" << absl::FormatTime(absl::Now())
            << " level=info event=web_started url="
            << (http.tls_cert_file.empty() ? "http://" : "https://")
            << http.listen.substr(0, http.listen.rfind(':')) << ":"
            << (*server)->port() << "/ server=" << app_options.server.target
            << std::endl;
  stop_signals.Wait();
  std::cout << "level=info event=web_stopping" << std::endl;
  return 0;
}

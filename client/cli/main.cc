// tilbake: the command line for Tilbake, built on the C++ SDK.
//
// Subcommands from CLI11 (Debian's libcli11-dev): each command declares its
// own options and help, in one file per group of commands
// (ratings_commands.cc, report_commands.cc, admin_commands.cc), into a
// params struct that is tested without a server (params.h). This file only
// assembles them, opens the client and runs the command chosen.
#include <cstdlib>
#include <iostream>
#include <memory>

#include "CLI/CLI.hpp"
#include "absl/time/time.h"
#include "client/cli/command.h"
#include "client/sdk/client.h"

namespace {

constexpr char kFooter[] = R"(
Global options go before or after the command. Run `tilbake COMMAND --help`
for a command's options.

Exit codes: 0 done; 1 the server refused or could not be reached; 2 bad
usage; 3 an import stored some records and rejected others.

Commands on the server's own files (no server needed) are
`tilbake-server restore` and `tilbake-server token`.)";

tilbake::client::ClientOptions ClientOptionsFor(
    const tilbake::cli::GlobalOptions& g) {
  tilbake::client::ClientOptions options;
  options.target = g.server;
  options.deadline = absl::Seconds(g.deadline_seconds);
  options.max_attempts = g.attempts;
  options.tls_ca_file = g.tls_ca;
  options.tls_cert_file = g.tls_cert;
  options.tls_key_file = g.tls_key;
  options.bearer_token = g.token;
  if (options.bearer_token.empty() && std::getenv("TILBAKE_TOKEN") != nullptr) {
    options.bearer_token = std::getenv("TILBAKE_TOKEN");
  }
  return options;
}

}  // namespace

int main(int argc, char** argv) {
  namespace cli = tilbake::cli;
  CLI::App app(
      "tilbake: session feedback (FIT, INSPIRE) from the command line.",
      "tilbake");
  app.fallthrough();  // Global options after the command, too.
  app.require_subcommand(1);
  app.footer(kFooter);
  cli::GlobalOptions global;
  cli::AddGlobalOptions(app, global);
  cli::Run chosen;
  cli::AddRatingCommands(app, chosen);
  cli::AddReportCommands(app, chosen);
  cli::AddAdminCommands(app, chosen);

  if (argc < 2) {
    std::cerr << app.help();
    return cli::kExitUsage;
  }
  if (argv[1][0] != '-') {
    try {
      app.get_subcommand(argv[1]);
    } catch (const CLI::OptionNotFound&) {
      std::cerr << "tilbake: unknown command \"" << argv[1]
                << "\"; run `tilbake --help` for the list\n";
      return cli::kExitUsage;
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help prints and exits 0; anything else is bad usage.
    return app.exit(e) == 0 ? cli::kExitSuccess : cli::kExitUsage;
  }
  const cli::Output out(global);
  absl::StatusOr<std::unique_ptr<tilbake::client::Client>> client =
      tilbake::client::Client::Open(ClientOptionsFor(global));
  if (!client.ok()) return out.Fail(client.status());
  return chosen(**client, out);
}

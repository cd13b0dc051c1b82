#ifndef TILBAKE_CLIENT_CLI_COMMAND_H_
#define TILBAKE_CLIENT_CLI_COMMAND_H_

#include <functional>
#include <string>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"
#include "client/sdk/client.h"
#include "google/protobuf/message.h"

// What every command group of `tilbake` shares: exit codes, the options
// every command takes, how results and errors are printed, and how a
// group adds its commands. A group (ratings_commands.cc, …) registers each
// command's own options into that command's params struct (params.h) and
// the code that runs it; main.cc parses and runs the one chosen.
namespace tilbake::cli {

constexpr int kExitSuccess = 0;
constexpr int kExitFailure = 1;  // The server refused or was unreachable.
constexpr int kExitUsage = 2;    // Bad options.
constexpr int kExitPartial = 3;  // An import stored some, rejected others.

// The options every command takes, before or after its name.
struct GlobalOptions {
  std::string server = "127.0.0.1:50051";
  std::string tls_ca, tls_cert, tls_key;
  std::string token;  // Default: $TILBAKE_TOKEN, which keeps it out of ps.
  bool json = false;
  int deadline_seconds = 10;
  int attempts = 4;
};

// Prints results as tables or (--json) as the API's JSON, errors to stderr.
class Output {
 public:
  explicit Output(const GlobalOptions& global) : global_(global) {}
  bool json() const { return global_.json; }
  // Zone colours only on a terminal, and not when NO_COLOR is set.
  bool colour() const;
  void Print(const google::protobuf::Message& message,
             const std::string& table) const;
  // "tilbake: CODE: message" on stderr; the exit code for it (usage for an
  // InvalidArgument about an option, "--…", failure otherwise).
  int Fail(const absl::Status& status) const;

 private:
  const GlobalOptions& global_;
};

// The command chosen on the command line, ready to run.
using Run = std::function<int(client::Client& client, const Output& out)>;

// A group adds its commands to `app`; the one parsed sets `chosen`. The
// params structs live as long as `app` (the group keeps them in `app`'s
// callbacks' captures by shared pointer).
void AddRatingCommands(CLI::App& app, Run& chosen);
void AddReportCommands(CLI::App& app, Run& chosen);
void AddAdminCommands(CLI::App& app, Run& chosen);

// Builds the whole command line: global options, every group. Used by
// main.cc and by the params tests.
void AddGlobalOptions(CLI::App& app, GlobalOptions& global);

}  // namespace tilbake::cli

#endif  // TILBAKE_CLIENT_CLI_COMMAND_H_

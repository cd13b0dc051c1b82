#ifndef TILBAKE_SERVER_TOOLS_OFFLINE_COMMANDS_H_
#define TILBAKE_SERVER_TOOLS_OFFLINE_COMMANDS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

// The commands of tilbake-server that need no running server and touch the
// server's own files: they live with the server, so the `tilbake` client
// links neither RocksDB nor the server's token code.
//
//   tilbake-server restore --backup_dir=DIR --data_dir=EMPTY_DIR
//   tilbake-server token --name=N --tenant=T --role=R [--clinician --org_unit]
namespace tilbake::tools {

// Whether `argv1` names one of these commands (else: serve).
bool IsOfflineCommand(const char* argv1);

// Runs the command in argv[1..]; returns the process exit code (0 done,
// 1 failed, 2 bad usage).
int RunOfflineCommand(int argc, char** argv);

// What `token` needs, and the entry it prints (also tested directly).
struct TokenParams {
  std::string name;
  std::string tenant;
  std::string role;
  std::string clinician;
  std::string org_unit;
};
// The token (first line, "token: …") and its tokens-file entry, which holds
// only a salted hash of it. InvalidArgument naming the flag at fault.
absl::StatusOr<std::string> NewTokenEntry(const TokenParams& params);

struct RestoreParams {
  std::string backup_dir;
  std::string data_dir;
};
absl::Status Restore(const RestoreParams& params);

}  // namespace tilbake::tools

#endif  // TILBAKE_SERVER_TOOLS_OFFLINE_COMMANDS_H_

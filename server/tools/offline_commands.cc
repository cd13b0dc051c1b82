#include "server/tools/offline_commands.h"

#include <cstdlib>
#include <cstring>
#include <iostream>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "server/auth/tokens.h"
#include "storage/store.h"

namespace tilbake::tools {
namespace {

constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

int Fail(const absl::Status& status) {
  std::cerr << "tilbake-server: " << absl::StatusCodeToString(status.code())
            << ": " << status.message() << "\n";
  return status.code() == absl::StatusCode::kInvalidArgument ? kExitUsage
                                                             : kExitFailure;
}

}  // namespace

bool IsOfflineCommand(const char* argv1) {
  return argv1 != nullptr && (std::strcmp(argv1, "restore") == 0 ||
                              std::strcmp(argv1, "token") == 0);
}

absl::StatusOr<std::string> NewTokenEntry(const TokenParams& p) {
  for (const auto& [flag, value] :
       {std::pair{"name", &p.name}, {"tenant", &p.tenant}, {"role", &p.role}}) {
    if (value->empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--", flag, " is required"));
    }
  }
  absl::StatusOr<auth::Role> role = auth::ParseRole(p.role);
  if (!role.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", role.status().message()));
  }
  if (*role == auth::Role::kClinician && p.clinician.empty()) {
    return absl::InvalidArgumentError(
        "--clinician is required for a clinician's token");
  }
  const std::string token = auth::NewToken();
  const std::string salt = auth::NewSalt();
  std::string out = absl::StrCat(
      "token: ", token, "\n",
      "# Add to the tokens file; the server reloads it.\n",
      "token {\n  name: \"", p.name, "\"\n", "  tenant_id: \"", p.tenant,
      "\"\n", "  role: \"", auth::RoleName(*role), "\"\n");
  if (!p.clinician.empty()) {
    absl::StrAppend(&out, "  clinician_id: \"", p.clinician, "\"\n");
  }
  if (!p.org_unit.empty()) {
    absl::StrAppend(&out, "  org_unit: \"", p.org_unit, "\"\n");
  }
  absl::StrAppend(&out, "  salt: \"", salt, "\"\n", "  sha256: \"",
                  auth::HashToken(salt, token), "\"\n}\n");
  return out;
}

absl::Status Restore(const RestoreParams& p) {
  for (const auto& [flag, value] :
       {std::pair{"backup_dir", &p.backup_dir}, {"data_dir", &p.data_dir}}) {
    if (value->empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--", flag, " is required"));
    }
  }
  return storage::Store::RestoreLatestBackup(p.backup_dir, p.data_dir);
}

int RunOfflineCommand(int argc, char** argv) {
  CLI::App app("Tilbake feedback service: commands that run without it.",
               "tilbake-server");
  app.require_subcommand(1);
  TokenParams token;
  CLI::App* token_command = app.add_subcommand(
      "token",
      "Make a bearer token and its entry for --tokens_file (no server needed)");
  token_command->add_option("--name", token.name, "Who will hold the token");
  token_command->add_option("--tenant", token.tenant, "Tenant id");
  token_command->add_option("--role", token.role,
                            "clinician, quality, admin or integration");
  token_command->add_option("--clinician", token.clinician,
                            "Clinician id (required for a clinician)");
  token_command->add_option("--org_unit", token.org_unit,
                            "Org unit the token is fenced to");
  RestoreParams restore;
  CLI::App* restore_command = app.add_subcommand(
      "restore",
      "Restore the newest backup into an empty directory (server stopped)");
  restore_command->add_option("--backup_dir", restore.backup_dir,
                              "The backup directory (--backup_dir)");
  restore_command->add_option("--data_dir", restore.data_dir,
                              "An empty data directory to restore into");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? EXIT_SUCCESS : kExitUsage;
  }
  if (*token_command) {
    absl::StatusOr<std::string> entry = NewTokenEntry(token);
    if (!entry.ok()) return Fail(entry.status());
    std::cout << *entry;
    return EXIT_SUCCESS;
  }
  if (absl::Status status = Restore(restore); !status.ok()) {
    return Fail(status);
  }
  std::cout << "restored the newest backup into " << restore.data_dir << "\n";
  return EXIT_SUCCESS;
}

}  // namespace tilbake::tools

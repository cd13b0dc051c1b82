#ifndef TILBAKE_CLIENT_CLI_OPTIONS_H_
#define TILBAKE_CLIENT_CLI_OPTIONS_H_

#include "CLI/CLI.hpp"
#include "client/cli/command.h"
#include "client/cli/params.h"

// Each command's options, registered into its params struct: one overload
// per struct, so a command and its test register exactly the same options.
namespace tilbake::cli {

void AddOptions(CLI::App& command, SubmitParams& p);
void AddOptions(CLI::App& command, ImportParams& p);
void AddOptions(CLI::App& command, EpisodeParams& p);
void AddOptions(CLI::App& command, CloseParams& p);
void AddOptions(CLI::App& command, CorrectParams& p);
void AddOptions(CLI::App& command, VoidParams& p);
void AddOptions(CLI::App& command, ExportParams& p);
void AddOptions(CLI::App& command, TrendsParams& p);
void AddOptions(CLI::App& command, ReportParams& p);
void AddOptions(CLI::App& command, AuditParams& p);
// --format, --out and the CSV options of `trends` and `report`.
void AddOptions(CLI::App& command, FiguresFormat& f);

}  // namespace tilbake::cli

#endif  // TILBAKE_CLIENT_CLI_OPTIONS_H_

#ifndef TILBAKE_SERVER_CONFIG_RULE_SET_LOADER_H_
#define TILBAKE_SERVER_CONFIG_RULE_SET_LOADER_H_

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "scoring/rule_set.h"

namespace tilbake::config {

struct RuleSetOptions {
  // Extra rule set files (*.textpb); empty = the shipped ones only.
  std::string extra_dir;
  // The rule set of tenants not named in tenant_file.
  std::string default_rule_set = "jt-5";
  // A TenantRuleSetsFile (textproto); empty = every tenant on the default.
  std::string tenant_file;
};

// Parses one rule set file. `dir` resolves a table model's table_file (empty
// for built-in files, which carry no table). Errors are InvalidArgument and
// start with `source` and the field, e.g.
// "jt-5.textpb: reliable_change[0].points: must be positive".
absl::StatusOr<scoring::RuleSet> ParseRuleSetFile(absl::string_view source,
                                                  absl::string_view text,
                                                  const std::string& dir);

// The shipped rule sets (config/rule_sets, compiled in), plus extra_dir's,
// with the tenant mapping, validated together.
absl::StatusOr<scoring::RuleSetRegistry> LoadRuleSets(
    const RuleSetOptions& options);

// Each tenant's small-cell threshold from the tenant file
// (TenantRuleSetsFile.tenant.min_cell_clients), for the tenants that set
// one; empty without a file.
// The tenants with a retention policy: years after an episode's end.
absl::StatusOr<std::map<std::string, int>> LoadRetentionYears(
    const std::string& tenant_file);

absl::StatusOr<std::map<std::string, int64_t>> LoadSmallCellThresholds(
    const std::string& tenant_file);

}  // namespace tilbake::config

#endif  // TILBAKE_SERVER_CONFIG_RULE_SET_LOADER_H_

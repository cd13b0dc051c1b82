#include "server/config/rule_set_loader.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "server/config/text_files.h"
#include "tilbake/config/rule_set.pb.h"

namespace tilbake::config {

// Defined in the generated builtin_rule_sets.cc.
std::vector<std::pair<std::string_view, std::string_view>>
BuiltinRuleSetFiles();

namespace {

using scoring::AgeBand;
using scoring::Tenths;

absl::StatusOr<std::optional<AgeBand>> ToAgeBand(const std::string& name) {
  if (name.empty() || name == "any") return std::optional<AgeBand>();
  if (name == "adult") return std::optional<AgeBand>(AgeBand::kAdult);
  if (name == "adolescent") return std::optional<AgeBand>(AgeBand::kAdolescent);
  if (name == "child") return std::optional<AgeBand>(AgeBand::kChild);
  if (name == "under-6") return std::optional<AgeBand>(AgeBand::kUnder6);
  return absl::InvalidArgumentError(absl::StrCat(
      "\"", name, "\" is not one of adult, adolescent, child, under-6, any"));
}

absl::StatusOr<scoring::CutoffOperator> ToOperator(const std::string& name) {
  if (name == "below") return scoring::CutoffOperator::kBelow;
  if (name == "at_or_below") return scoring::CutoffOperator::kAtOrBelow;
  return absl::InvalidArgumentError(
      absl::StrCat("\"", name, "\" is not one of below, at_or_below"));
}

absl::StatusOr<scoring::TrajectoryModel> ToModel(const std::string& name) {
  if (name.empty() || name == "none") return scoring::TrajectoryModel::kNone;
  if (name == "intake-band") return scoring::TrajectoryModel::kIntakeBand;
  if (name == "log-session") return scoring::TrajectoryModel::kLogSession;
  if (name == "table") return scoring::TrajectoryModel::kTable;
  return absl::InvalidArgumentError(absl::StrCat(
      "\"", name, "\" is not one of none, intake-band, log-session, table"));
}

absl::Status LoadTable(const std::string& path,
                       scoring::TrajectoryConfig& trajectory) {
  ASSIGN_OR_RETURN(std::string text, ReadTextFile(path));
  TrajectoryTableFile table;
  RETURN_IF_ERROR(ParseTextProto(path, text, &table));
  for (int i = 0; i < table.row_size(); ++i) {
    const TrajectoryTableRow& row = table.row(i);
    if (row.session() < 1 || row.instrument().empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ": row[", i, "]: needs an instrument and a session >= 1"));
    }
    if (!trajectory.table
             .emplace(
                 std::make_tuple(row.instrument(), row.intake(), row.session()),
                 std::make_pair(row.target(), row.lower_bound()))
             .second) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": row[", i, "]: repeats an earlier row"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<scoring::RuleSet> Convert(const RuleSetFile& f,
                                         const std::string& dir) {
  scoring::RuleSet r;
  r.name = f.name();
  r.version = f.version();
  r.description = f.description();
  for (int i = 0; i < f.cutoff_size(); ++i) {
    const CutoffConfig& c = f.cutoff(i);
    const std::string where = absl::StrCat("cutoff[", i, "]");
    scoring::CutoffRule rule;
    rule.instrument_id = c.instrument();
    ASSIGN_OR_RETURN(rule.age_band, Named(ToAgeBand(c.age_band()),
                                          absl::StrCat(where, ".age_band")));
    ASSIGN_OR_RETURN(rule.value, Named(PointsToTenths(c.value()),
                                       absl::StrCat(where, ".value")));
    ASSIGN_OR_RETURN(rule.op, Named(ToOperator(c.operator_()),
                                    absl::StrCat(where, ".operator")));
    rule.verified = c.verified();
    rule.source = c.source();
    r.cutoffs.push_back(std::move(rule));
  }
  for (int i = 0; i < f.reliable_change_size(); ++i) {
    const ReliableChangeConfig& c = f.reliable_change(i);
    scoring::ReliableChangeRule rule;
    rule.instrument_id = c.instrument();
    switch (c.definition_case()) {
      case ReliableChangeConfig::kPoints:
        rule.kind = scoring::ReliableChangeKind::kPoints;
        rule.points = c.points();
        break;
      case ReliableChangeConfig::kJacobsonTruax:
        rule.kind = scoring::ReliableChangeKind::kJacobsonTruax;
        rule.sd = c.jacobson_truax().sd();
        rule.reliability = c.jacobson_truax().reliability();
        break;
      case ReliableChangeConfig::kEffectSize:
        rule.kind = scoring::ReliableChangeKind::kEffectSize;
        rule.effect_size = c.effect_size();
        break;
      case ReliableChangeConfig::DEFINITION_NOT_SET:
        return absl::InvalidArgumentError(
            absl::StrCat("reliable_change[", i,
                         "]: give points, jacobson_truax or effect_size"));
    }
    rule.verified = c.verified();
    rule.source = c.source();
    r.reliable_change.push_back(std::move(rule));
  }
  for (const SdConfig& sd : f.effect_size_sd()) {
    r.effect_size_sd[sd.instrument()] = {sd.sd(), sd.verified(), sd.source()};
  }
  const TrajectoryConfig& t = f.trajectory();
  ASSIGN_OR_RETURN(r.trajectory.model,
                   Named(ToModel(t.model()), "trajectory.model"));
  if (t.has_intake_window()) {
    ASSIGN_OR_RETURN(
        r.trajectory.intake_window,
        Named(PointsToTenths(t.intake_window()), "trajectory.intake_window"));
  }
  if (t.has_min_episodes()) r.trajectory.min_episodes = t.min_episodes();
  if (t.has_lower_bound_sd()) r.trajectory.lower_bound_sd = t.lower_bound_sd();
  if (!t.table_file().empty()) {
    if (dir.empty()) {
      return absl::InvalidArgumentError(
          "trajectory.table_file: only rule sets loaded from a directory "
          "may name a table");
    }
    RETURN_IF_ERROR(LoadTable(
        (std::filesystem::path(dir) / t.table_file()).string(), r.trajectory));
  }
  const AlertConfig& a = f.alerts();
  if (a.has_ors_zone()) r.alerts.ors_zone = a.ors_zone();
  if (a.has_srs_below_cutoff())
    r.alerts.srs_below_cutoff = a.srs_below_cutoff();
  if (a.has_srs_drop()) r.alerts.srs_drop = a.srs_drop();
  if (a.has_srs_drop_points()) {
    ASSIGN_OR_RETURN(
        r.alerts.srs_drop_points,
        Named(PointsToTenths(a.srs_drop_points()), "alerts.srs_drop_points"));
  }
  if (a.has_srs_missing()) r.alerts.srs_missing = a.srs_missing();
  if (a.has_srs_item_below()) r.alerts.srs_item_below = a.srs_item_below();
  if (a.has_srs_item_threshold()) {
    ASSIGN_OR_RETURN(r.alerts.srs_item_threshold,
                     Named(PointsToTenths(a.srs_item_threshold()),
                           "alerts.srs_item_threshold"));
  }
  RETURN_IF_ERROR(scoring::ValidateRuleSet(r));
  return r;
}

}  // namespace

absl::StatusOr<scoring::RuleSet> ParseRuleSetFile(absl::string_view source,
                                                  absl::string_view text,
                                                  const std::string& dir) {
  RuleSetFile file;
  RETURN_IF_ERROR(ParseTextProto(source, text, &file));
  absl::StatusOr<scoring::RuleSet> rules = Convert(file, dir);
  if (!rules.ok()) return Prefixed(rules.status(), source);
  return rules;
}

absl::StatusOr<scoring::RuleSetRegistry> LoadRuleSets(
    const RuleSetOptions& options) {
  std::vector<scoring::RuleSet> all;
  for (const auto& [name, text] : BuiltinRuleSetFiles()) {
    // Debian's Abseil has its own string_view: convert explicitly.
    ASSIGN_OR_RETURN(
        scoring::RuleSet rules,
        ParseRuleSetFile(
            absl::StrCat("built-in ",
                         absl::string_view(name.data(), name.size())),
            absl::string_view(text.data(), text.size()), ""));
    all.push_back(std::move(rules));
  }
  if (!options.extra_dir.empty()) {
    ASSIGN_OR_RETURN(std::vector<std::string> files,
                     ListTextProtoFiles(options.extra_dir));
    for (const std::string& path : files) {
      ASSIGN_OR_RETURN(std::string text, ReadTextFile(path));
      ASSIGN_OR_RETURN(scoring::RuleSet rules,
                       ParseRuleSetFile(path, text, options.extra_dir));
      all.push_back(std::move(rules));
    }
  }
  std::map<std::string, std::string> tenants;
  if (!options.tenant_file.empty()) {
    ASSIGN_OR_RETURN(std::string text, ReadTextFile(options.tenant_file));
    TenantRuleSetsFile file;
    RETURN_IF_ERROR(ParseTextProto(options.tenant_file, text, &file));
    for (const auto& tenant : file.tenant()) {
      if (!tenant.rule_set().empty()) tenants[tenant.id()] = tenant.rule_set();
    }
  }
  return scoring::RuleSetRegistry::Create(
      std::move(all), options.default_rule_set, std::move(tenants));
}

absl::StatusOr<std::map<std::string, int>> LoadRetentionYears(
    const std::string& tenant_file) {
  std::map<std::string, int> years;
  if (tenant_file.empty()) return years;
  ASSIGN_OR_RETURN(std::string text, ReadTextFile(tenant_file));
  TenantRuleSetsFile file;
  RETURN_IF_ERROR(ParseTextProto(tenant_file, text, &file));
  for (const auto& tenant : file.tenant()) {
    if (tenant.retain_ended_episodes_years() > 0) {
      years[tenant.id()] = static_cast<int>(
          std::min<uint32_t>(tenant.retain_ended_episodes_years(), 200));
    }
  }
  return years;
}

absl::StatusOr<std::map<std::string, int64_t>> LoadSmallCellThresholds(
    const std::string& tenant_file) {
  std::map<std::string, int64_t> thresholds;
  if (tenant_file.empty()) return thresholds;
  ASSIGN_OR_RETURN(std::string text, ReadTextFile(tenant_file));
  TenantRuleSetsFile file;
  RETURN_IF_ERROR(ParseTextProto(tenant_file, text, &file));
  for (const auto& tenant : file.tenant()) {
    if (tenant.min_cell_clients() > 0) {
      thresholds[tenant.id()] = tenant.min_cell_clients();
    }
  }
  return thresholds;
}

}  // namespace tilbake::config

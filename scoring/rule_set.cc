#include "scoring/rule_set.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "absl/strings/str_cat.h"

namespace tilbake::scoring {

const CutoffRule* RuleSet::FindCutoff(absl::string_view instrument,
                                      AgeBand band) const {
  const CutoffRule* fallback = nullptr;
  for (const CutoffRule& rule : cutoffs) {
    if (rule.instrument_id != instrument) continue;
    if (rule.age_band.has_value() && *rule.age_band == band) return &rule;
    if (!rule.age_band.has_value()) fallback = &rule;
  }
  return fallback;
}

const ReliableChangeRule* RuleSet::FindReliableChange(
    absl::string_view instrument) const {
  for (const ReliableChangeRule& rule : reliable_change) {
    if (rule.instrument_id == instrument) return &rule;
  }
  return nullptr;
}

std::optional<double> RuleSet::Sd(absl::string_view instrument) const {
  auto it = effect_size_sd.find(std::string(instrument));
  if (it == effect_size_sd.end()) return std::nullopt;
  return it->second.sd;
}

std::optional<double> ReliableChangePoints(const RuleSet& rules,
                                           const ReliableChangeRule& rule) {
  switch (rule.kind) {
    case ReliableChangeKind::kPoints:
      return rule.points;
    case ReliableChangeKind::kJacobsonTruax: {
      const double se = rule.sd * std::sqrt(1.0 - rule.reliability);
      return 1.96 * std::sqrt(2.0) * se;
    }
    case ReliableChangeKind::kEffectSize: {
      std::optional<double> sd = rules.Sd(rule.instrument_id);
      if (!sd.has_value()) return std::nullopt;
      return rule.effect_size * *sd;
    }
  }
  return std::nullopt;
}

absl::Status ValidateRuleSet(const RuleSet& rules) {
  if (rules.name.empty()) return absl::InvalidArgumentError("name: is empty");
  if (rules.version.empty()) {
    return absl::InvalidArgumentError("version: is empty");
  }
  std::set<std::pair<std::string, int>> seen_cutoffs;
  for (size_t i = 0; i < rules.cutoffs.size(); ++i) {
    const CutoffRule& c = rules.cutoffs[i];
    const std::string where = absl::StrCat("cutoff[", i, "]");
    if (c.instrument_id.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ".instrument: is empty"));
    }
    if (c.value <= 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ".value: must be positive"));
    }
    const int band =
        c.age_band.has_value() ? static_cast<int>(*c.age_band) : -1;
    if (!seen_cutoffs.emplace(c.instrument_id, band).second) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, ": a second cutoff for ", c.instrument_id, " in this band"));
    }
  }
  std::set<std::string> seen_rc;
  for (size_t i = 0; i < rules.reliable_change.size(); ++i) {
    const ReliableChangeRule& r = rules.reliable_change[i];
    const std::string where = absl::StrCat("reliable_change[", i, "]");
    if (!seen_rc.insert(r.instrument_id).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": a second rule for ", r.instrument_id));
    }
    switch (r.kind) {
      case ReliableChangeKind::kPoints:
        if (r.points <= 0) {
          return absl::InvalidArgumentError(
              absl::StrCat(where, ".points: must be positive"));
        }
        break;
      case ReliableChangeKind::kJacobsonTruax:
        if (r.sd <= 0) {
          return absl::InvalidArgumentError(
              absl::StrCat(where, ".jacobson_truax.sd: must be positive"));
        }
        if (r.reliability < 0 || r.reliability >= 1) {
          return absl::InvalidArgumentError(absl::StrCat(
              where, ".jacobson_truax.reliability: must be in [0, 1)"));
        }
        break;
      case ReliableChangeKind::kEffectSize:
        if (r.effect_size <= 0) {
          return absl::InvalidArgumentError(
              absl::StrCat(where, ".effect_size: must be positive"));
        }
        if (!rules.Sd(r.instrument_id).has_value()) {
          return absl::InvalidArgumentError(
              absl::StrCat(where, ".effect_size: needs effect_size_sd for ",
                           r.instrument_id));
        }
        break;
    }
  }
  for (const auto& [instrument, sd] : rules.effect_size_sd) {
    if (sd.sd <= 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("effect_size_sd (", instrument, "): must be positive"));
    }
  }
  const TrajectoryConfig& t = rules.trajectory;
  if (t.intake_window < 0) {
    return absl::InvalidArgumentError(
        "trajectory.intake_window: must not be negative");
  }
  if (t.min_episodes < 1) {
    return absl::InvalidArgumentError(
        "trajectory.min_episodes: must be at least 1");
  }
  if (t.lower_bound_sd < 0) {
    return absl::InvalidArgumentError(
        "trajectory.lower_bound_sd: must not be negative");
  }
  if (t.model == TrajectoryModel::kTable && t.table.empty()) {
    return absl::InvalidArgumentError(
        "trajectory.table_file: the table model needs a table");
  }
  for (const auto& [key, value] : t.table) {
    if (value.second > value.first) {
      return absl::InvalidArgumentError(absl::StrCat(
          "trajectory table (", std::get<0>(key), ", intake ", std::get<1>(key),
          ", session ", std::get<2>(key), "): lower bound above target"));
    }
  }
  if (rules.alerts.srs_drop_points <= 0) {
    return absl::InvalidArgumentError(
        "alerts.srs_drop_points: must be positive");
  }
  return absl::OkStatus();
}

}  // namespace tilbake::scoring

namespace tilbake::scoring {

absl::StatusOr<RuleSetRegistry> RuleSetRegistry::Create(
    std::vector<RuleSet> rule_sets, std::string default_name,
    std::map<std::string, std::string> tenant_rule_sets) {
  std::set<std::string> names;
  for (const RuleSet& r : rule_sets) {
    absl::Status status = ValidateRuleSet(r);
    if (!status.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("rule set ", r.name, ": ", status.message()));
    }
    if (!names.insert(r.name).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("rule set ", r.name, " is defined twice"));
    }
  }
  if (!names.contains(default_name)) {
    return absl::InvalidArgumentError(
        absl::StrCat("default rule set \"", default_name, "\" is not defined"));
  }
  for (const auto& [tenant, name] : tenant_rule_sets) {
    if (!names.contains(name)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "tenant ", tenant, ": rule set \"", name, "\" is not defined"));
    }
  }
  std::sort(rule_sets.begin(), rule_sets.end(),
            [](const RuleSet& a, const RuleSet& b) { return a.name < b.name; });
  RuleSetRegistry registry;
  registry.rule_sets_ = std::move(rule_sets);
  registry.default_name_ = std::move(default_name);
  registry.tenant_rule_sets_.insert(tenant_rule_sets.begin(),
                                    tenant_rule_sets.end());
  return registry;
}

const RuleSet* RuleSetRegistry::Find(absl::string_view name) const {
  for (const RuleSet& r : rule_sets_) {
    if (r.name == name) return &r;
  }
  return nullptr;
}

const RuleSet& RuleSetRegistry::ForTenant(absl::string_view tenant_id) const {
  auto it = tenant_rule_sets_.find(tenant_id);
  // Create checked that every name exists, so Find cannot fail here.
  return *Find(it == tenant_rule_sets_.end() ? default_name_ : it->second);
}

}  // namespace tilbake::scoring

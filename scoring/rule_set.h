#ifndef TILBAKE_SCORING_RULE_SET_H_
#define TILBAKE_SCORING_RULE_SET_H_

#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "scoring/age_band.h"
#include "scoring/instrument.h"

namespace tilbake::scoring {

// How a total compares with a cutoff. Sources disagree for the SRS ("< 36"
// or "<= 36"), so the operator is part of the rule.
enum class CutoffOperator {
  kBelow,      // clinical range (or alliance concern) when total < cutoff
  kAtOrBelow,  // … when total <= cutoff
};

struct CutoffRule {
  std::string instrument_id;
  std::optional<AgeBand> age_band;  // nullopt: any band (the fallback).
  Tenths value = 0;
  CutoffOperator op = CutoffOperator::kBelow;
  bool verified = false;  // Found in a primary or vendor source.
  std::string source;
};

enum class ReliableChangeKind {
  kPoints,         // A fixed number of points (jt-5: 5).
  kJacobsonTruax,  // RC = 1.96 * sqrt(2) * SD * sqrt(1 - r).
  kEffectSize,     // Change of at least this many SDs (the rule set's SD).
};

struct ReliableChangeRule {
  std::string instrument_id;
  ReliableChangeKind kind = ReliableChangeKind::kPoints;
  double points = 0;       // kPoints
  double sd = 0;           // kJacobsonTruax
  double reliability = 0;  // kJacobsonTruax, 0 <= r < 1
  double effect_size = 0;  // kEffectSize, in SDs
  bool verified = false;
  std::string source;
};

struct EffectSizeSd {
  double sd = 0;  // points
  bool verified = false;
  std::string source;
};

enum class TrajectoryModel {
  kNone,        // No expected response: zones stay grey.
  kIntakeBand,  // Mean at session n of completed episodes with intake ±window.
  kLogSession,  // a + b·ln(session), fitted on those episodes.
  kTable,       // A licensed table: (intake, session) -> (target, lower).
};

struct TrajectoryConfig {
  TrajectoryModel model = TrajectoryModel::kNone;
  // Completed episodes whose intake lies within ±window of this intake form
  // the reference (intake-band and log-session).
  Tenths intake_window = 10;
  // Fewer reference episodes than this: no target (grey), never a guess.
  int min_episodes = 10;
  // Lower bound = expected − lower_bound_sd × the reference's SD (or the
  // fit's residual SD for log-session).
  double lower_bound_sd = 1.0;
  // kTable: (instrument, intake in whole points, session) -> (target, lower).
  std::map<std::tuple<std::string, int, int>, std::pair<double, double>> table;
};

struct AlertRules {
  bool ors_zone = true;          // Zone colour of each outcome score.
  bool srs_below_cutoff = true;  // Alliance total in the concern range.
  bool srs_drop = true;          // Alliance total fell since last session …
  Tenths srs_drop_points = 10;   // … by at least this much (1.0).
  bool srs_missing = true;       // A session with an outcome score, no SRS.
  bool srs_item_below = false;   // [U] Any alliance item below threshold.
  Tenths srs_item_threshold = 90;
};

// A named, versioned set of rules; thresholds live here, never in code.
struct RuleSet {
  std::string name;
  std::string version;
  std::string description;
  std::vector<CutoffRule> cutoffs;
  std::vector<ReliableChangeRule> reliable_change;
  std::map<std::string, EffectSizeSd> effect_size_sd;  // by instrument
  TrajectoryConfig trajectory;
  AlertRules alerts;

  // The cutoff for `instrument` in `band`, else its any-band cutoff, else
  // null.
  const CutoffRule* FindCutoff(absl::string_view instrument,
                               AgeBand band) const;
  const ReliableChangeRule* FindReliableChange(
      absl::string_view instrument) const;
  std::optional<double> Sd(absl::string_view instrument) const;
};

// The reliable-change threshold in points; nullopt when an effect-size rule
// has no SD for the instrument.
std::optional<double> ReliableChangePoints(const RuleSet& rules,
                                           const ReliableChangeRule& rule);

// Checks a rule set's values (positive thresholds, reliability in [0, 1),
// one cutoff per instrument and band, a table for the table model, …).
// InvalidArgument naming the field.
absl::Status ValidateRuleSet(const RuleSet& rules);

// The rule sets a server knows and which one each tenant uses. Immutable
// after Create; safe to share between threads.
class RuleSetRegistry {
 public:
  // Validates every rule set; names must be unique, and the default and
  // every tenant's choice must exist. InvalidArgument otherwise.
  static absl::StatusOr<RuleSetRegistry> Create(
      std::vector<RuleSet> rule_sets, std::string default_name,
      std::map<std::string, std::string> tenant_rule_sets);

  // The tenant's rule set, or the default.
  const RuleSet& ForTenant(absl::string_view tenant_id) const;
  // Sorted by name.
  const std::vector<RuleSet>& rule_sets() const { return rule_sets_; }
  const std::string& default_name() const { return default_name_; }

 private:
  RuleSetRegistry() = default;
  const RuleSet* Find(absl::string_view name) const;

  std::vector<RuleSet> rule_sets_;
  std::string default_name_;
  std::map<std::string, std::string, std::less<>> tenant_rule_sets_;
};

}  // namespace tilbake::scoring

#endif  // TILBAKE_SCORING_RULE_SET_H_

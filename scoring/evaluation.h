#ifndef TILBAKE_SCORING_EVALUATION_H_
#define TILBAKE_SCORING_EVALUATION_H_

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "scoring/age_band.h"
#include "scoring/rule_set.h"
#include "scoring/score.h"
#include "scoring/trajectory.h"

// The FIT rule engine: turns an episode's administrations into what a
// clinician acts on. Pure: everything it needs arrives as arguments.
namespace tilbake::scoring {

enum class ChangeCategory {
  kNotApplicable,  // Intake, no total, or not an outcome measure.
  kNoReliableChange,
  kReliableImprovement,    // Improved by RC or more, still in clinical range.
  kReliableDeterioration,  // Worsened by RC or more.
  kReliableRecovery,       // Clinical at intake, not now, improved by RC:
                           // clinically significant change.
};

enum class Zone { kNone, kGrey, kGreen, kOrange, kRed };

enum class AlertKind {
  kOrsZone,         // The outcome score's zone colour.
  kSrsBelowCutoff,  // Alliance total in the concern range.
  kSrsDrop,         // Alliance total fell since the last session.
  kSrsMissing,      // A session with an outcome score and no alliance score.
  kSrsItemBelow,  // [U] An alliance item below the threshold (off by default).
};

struct Alert {
  AlertKind kind = AlertKind::kOrsZone;
  Zone colour = Zone::kGrey;
  std::string message;

  bool operator==(const Alert&) const = default;
};

// One administration as the engine sees it.
struct AdministrationInput {
  // The series it belongs to: one client and one rater ("c-17/client").
  // Series never mix: a parent's ratings are their own series.
  std::string series;
  std::string client_id;
  bool collateral = false;
  std::string instrument_id;
  std::string family;    // "fit", "inspire": FIT-only rules check it.
  std::string measures;  // "outcome" and "alliance" get rules; others none.
  int session = 0;
  Score score;
  AgeBand age_band = AgeBand::kUnspecified;
};

struct ClinicalRange {
  Tenths cutoff = 0;
  CutoffOperator op = CutoffOperator::kBelow;
  bool in_range = false;  // Clinical range (outcome) or concern (alliance).
};

// `total` of `instrument` against the rule set's cutoff for `band`; nullopt
// when the rule set has none for the instrument.
std::optional<ClinicalRange> ClinicalRangeOf(const RuleSet& rules,
                                             absl::string_view instrument,
                                             AgeBand band, Tenths total);

// What the rules say about one administration, in its episode's context.
struct Evaluation {
  std::optional<ClinicalRange> clinical;
  std::optional<Tenths> change_since_intake;
  std::optional<Tenths> change_since_previous;
  std::optional<double> reliable_change;  // The RC threshold applied (points).
  ChangeCategory category = ChangeCategory::kNotApplicable;
  bool intake_above_cutoff = false;
  // Outcome measures only: the trajectory model's expectation and the zone.
  std::optional<Expected> expected;
  Zone zone = Zone::kNone;
  std::vector<Alert> alerts;
};

// Reference cells per instrument (see ReferenceCell).
using ReferenceData = std::map<std::string, std::vector<ReferenceCell>>;

// The (instrument, intake) of every client outcome series with a total: the
// reference cells the caller must fetch before EvaluateEpisode.
std::vector<std::pair<std::string, Tenths>> OutcomeIntakes(
    const std::vector<AdministrationInput>& administrations);

// Evaluates every administration (same order as the input) under `rules`.
// An administration is judged against the earlier sessions of its own series
// only, so the result for session n does not depend on later sessions.
std::vector<Evaluation> EvaluateEpisode(
    const std::vector<AdministrationInput>& administrations,
    const RuleSet& rules, const ReferenceData& reference);

// The outcome of one series of a closed episode: intake (pre) against the
// last score (post).
struct SeriesOutcome {
  std::string series;
  std::string instrument_id;
  int pre_session = 0;
  int post_session = 0;
  Tenths pre = 0;
  Tenths post = 0;
  std::optional<double> effect_size;  // (post − pre) / SD
  // (post − expected at the last session) / SD: the actual against the
  // expected change.
  std::optional<double> severity_adjusted_effect_size;
  ChangeCategory category = ChangeCategory::kNotApplicable;
  bool intake_above_cutoff = false;
  bool reached_target = false;  // Last score in the green zone.
  Zone last_zone = Zone::kNone;

  bool operator==(const SeriesOutcome&) const = default;
};

// One outcome per outcome series with at least one total. `evaluations` are
// EvaluateEpisode's results for the same administrations.
std::vector<SeriesOutcome> EpisodeOutcomes(
    const std::vector<AdministrationInput>& administrations,
    const std::vector<Evaluation>& evaluations, const RuleSet& rules);

// What a closed episode adds to the tenant's reference data: for each client
// outcome series, one cell per scored session at the series' intake, and the
// session-0 episode counter. Collateral raters are left out.
std::vector<std::pair<std::string, ReferenceCell>> ReferenceContributions(
    const std::vector<AdministrationInput>& administrations);

}  // namespace tilbake::scoring

#endif  // TILBAKE_SCORING_EVALUATION_H_

// The FIT rule engine, row by row. Totals are in tenths (25.0 -> 250); each
// expectation is worked out in the row's comment.
#include "scoring/evaluation.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/scoring/engine_test_support.h"

namespace tilbake::scoring {
namespace {

using test::Jt5;
using test::Ors;
using test::Srs;
using ::testing::DoubleNear;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

// Evaluates `episode` and returns the evaluation of its last administration.
Evaluation Last(const std::vector<AdministrationInput>& episode,
                const RuleSet& rules, const ReferenceData& reference = {}) {
  return EvaluateEpisode(episode, rules, reference).back();
}

std::vector<AlertKind> Kinds(const Evaluation& e) {
  std::vector<AlertKind> kinds;
  for (const Alert& alert : e.alerts) kinds.push_back(alert.kind);
  return kinds;
}

// --- Clinical range: every cutoff, exactly at it and one tenth below. ---

struct CutoffRow {
  std::string name;
  AdministrationInput administration;
  CutoffOperator op;
  bool in_range;
  Tenths cutoff;
};

void PrintTo(const CutoffRow& row, std::ostream* os) { *os << row.name; }

class CutoffTest : public ::testing::TestWithParam<CutoffRow> {};

TEST_P(CutoffTest, ComparesWithTheRulesOperator) {
  const CutoffRow& row = GetParam();
  RuleSet rules = Jt5();
  for (CutoffRule& c : rules.cutoffs) c.op = row.op;
  const Evaluation e = Last({row.administration}, rules);
  ASSERT_TRUE(e.clinical.has_value()) << row.name;
  EXPECT_EQ(e.clinical->cutoff, row.cutoff) << row.name;
  EXPECT_EQ(e.clinical->in_range, row.in_range) << row.name;
}

AdministrationInput Cors(Tenths total) {
  AdministrationInput a = Ors(1, total, AgeBand::kChild);
  a.instrument_id = "cors";
  return a;
}

INSTANTIATE_TEST_SUITE_P(
    Rows, CutoffTest,
    ::testing::ValuesIn(std::vector<CutoffRow>{
        // ORS adult, cutoff 25, "below": 24.9 < 25 clinical; 25.0 is not.
        {"OrsAdult249", Ors(1, 249), CutoffOperator::kBelow, true, 250},
        {"OrsAdult250", Ors(1, 250), CutoffOperator::kBelow, false, 250},
        // "at or below": 25.0 <= 25 is clinical; 25.1 is not.
        {"OrsAdult250AtOrBelow", Ors(1, 250), CutoffOperator::kAtOrBelow, true,
         250},
        {"OrsAdult251AtOrBelow", Ors(1, 251), CutoffOperator::kAtOrBelow, false,
         250},
        // Adolescent cutoff 28 [U]: 27.9 clinical, 28.0 not.
        {"OrsAdolescent279", Ors(1, 279, AgeBand::kAdolescent),
         CutoffOperator::kBelow, true, 280},
        {"OrsAdolescent280", Ors(1, 280, AgeBand::kAdolescent),
         CutoffOperator::kBelow, false, 280},
        // Unknown age: the any-band rule (25).
        {"OrsUnknownAge", Ors(1, 260, AgeBand::kUnspecified),
         CutoffOperator::kBelow, false, 250},
        // CORS child 32: 31.9 clinical, 32.0 not.
        {"Cors319", Cors(319), CutoffOperator::kBelow, true, 320},
        {"Cors320", Cors(320), CutoffOperator::kBelow, false, 320},
        // SRS 36: "< 36" flags 35.9, not 36.0; "<= 36" flags 36.0, not 36.1.
        {"Srs359", Srs(1, 359), CutoffOperator::kBelow, true, 360},
        {"Srs360", Srs(1, 360), CutoffOperator::kBelow, false, 360},
        {"Srs360AtOrBelow", Srs(1, 360), CutoffOperator::kAtOrBelow, true, 360},
        {"Srs361AtOrBelow", Srs(1, 361), CutoffOperator::kAtOrBelow, false,
         360},
    }),
    [](const auto& param) { return param.param.name; });

// --- Reliable change: each shipped rule set, exactly at RC and just below. ---

struct ChangeRow {
  std::string name;
  ReliableChangeRule rule;
  Tenths intake;
  Tenths now;
  ChangeCategory category;
};

void PrintTo(const ChangeRow& row, std::ostream* os) { *os << row.name; }

class ReliableChangeTest : public ::testing::TestWithParam<ChangeRow> {};

TEST_P(ReliableChangeTest, CategorizesAgainstTheIntake) {
  const ChangeRow& row = GetParam();
  RuleSet rules = Jt5();
  rules.reliable_change = {row.rule};
  const Evaluation e = Last({Ors(1, row.intake), Ors(2, row.now)}, rules);
  EXPECT_EQ(e.category, row.category) << row.name;
  EXPECT_EQ(e.change_since_intake, row.now - row.intake) << row.name;
}

constexpr ReliableChangeRule kJt5{"ors", ReliableChangeKind::kPoints, 5.0};
constexpr ReliableChangeRule kCyp{"ors", ReliableChangeKind::kPoints, 6.6};
// 1.96 · √2 · 7.0 · √(1 − 0.8) = 8.677 points.
const ReliableChangeRule kJacobsonTruax{
    "ors", ReliableChangeKind::kJacobsonTruax, 0, 7.0, 0.8};
// 0.8 SD with SD 7.0 = 5.6 points.
const ReliableChangeRule kEssa{"ors", ReliableChangeKind::kEffectSize, 0, 0, 0,
                               0.8};

INSTANTIATE_TEST_SUITE_P(
    Rows, ReliableChangeTest,
    ::testing::ValuesIn(std::vector<ChangeRow>{
        // jt-5: 15.0 -> 20.0 is +5.0 = RC, still below 25: improvement.
        {"Jt5ExactlyRc", kJt5, 150, 200, ChangeCategory::kReliableImprovement},
        {"Jt5JustBelowRc", kJt5, 150, 199, ChangeCategory::kNoReliableChange},
        // 20.0 -> 25.0: +5.0, from below 25 to 25.0 (not below): recovery.
        {"Jt5Recovery", kJt5, 200, 250, ChangeCategory::kReliableRecovery},
        // 20.1 -> 25.0: +4.9, crosses the cutoff without reliable change.
        {"Jt5CrossWithoutRc", kJt5, 201, 250,
         ChangeCategory::kNoReliableChange},
        // 26.0 -> 31.0: +5.0 from above the cutoff: improvement, no recovery.
        {"Jt5AboveCutoffImproves", kJt5, 260, 310,
         ChangeCategory::kReliableImprovement},
        {"Jt5Deterioration", kJt5, 200, 150,
         ChangeCategory::kReliableDeterioration},
        {"Jt5AlmostDeterioration", kJt5, 200, 151,
         ChangeCategory::kNoReliableChange},
        // cyp-iapt-2015: 6.6 points.
        {"CypExactlyRc", kCyp, 100, 166, ChangeCategory::kReliableImprovement},
        {"CypJustBelowRc", kCyp, 100, 165, ChangeCategory::kNoReliableChange},
        {"CypDeterioration", kCyp, 200, 134,
         ChangeCategory::kReliableDeterioration},
        // Jacobson–Truax 8.677: +8.7 reliable, +8.6 not.
        {"JacobsonTruaxAbove", kJacobsonTruax, 100, 187,
         ChangeCategory::kReliableImprovement},
        {"JacobsonTruaxBelow", kJacobsonTruax, 100, 186,
         ChangeCategory::kNoReliableChange},
        // essa-0.8: 5.6 points.
        {"EssaExactly", kEssa, 100, 156, ChangeCategory::kReliableImprovement},
        {"EssaJustBelow", kEssa, 100, 155, ChangeCategory::kNoReliableChange},
    }),
    [](const auto& param) { return param.param.name; });

TEST(EvaluationTest, TheRcValueIsReported) {
  RuleSet rules = Jt5();
  rules.reliable_change = {kJacobsonTruax};
  const Evaluation e = Last({Ors(1, 100), Ors(2, 120)}, rules);
  ASSERT_TRUE(e.reliable_change.has_value());
  EXPECT_THAT(*e.reliable_change, DoubleNear(8.677290, 1e-6));
}

TEST(EvaluationTest, CorsUsesItsOwnRuleCypIapt10Points) {
  RuleSet rules = Jt5();
  rules.reliable_change = {{"cors", ReliableChangeKind::kPoints, 10.0}};
  AdministrationInput intake = Cors(150);
  AdministrationInput later = Cors(250);  // +10.0 = RC
  later.session = 2;
  EXPECT_EQ(Last({intake, later}, rules).category,
            ChangeCategory::kReliableImprovement);
  later.score.total = 249;  // +9.9
  EXPECT_EQ(Last({intake, later}, rules).category,
            ChangeCategory::kNoReliableChange);
}

// --- Episodes of 1, 2 and 20 sessions. ---

TEST(EvaluationTest, OneSessionIsGreyAndHasNoCategory) {
  const Evaluation e = Last({Ors(1, 200)}, Jt5());
  EXPECT_EQ(e.category, ChangeCategory::kNotApplicable);
  EXPECT_EQ(e.change_since_intake, 0);
  EXPECT_FALSE(e.change_since_previous.has_value());
  EXPECT_EQ(e.zone, Zone::kGrey);
  EXPECT_FALSE(e.intake_above_cutoff);
}

TEST(EvaluationTest, TwoSessionsGiveChangeSinceIntakeAndPrevious) {
  // 18.0 -> 21.5: +3.5 since intake and since the previous session.
  const std::vector<Evaluation> e =
      EvaluateEpisode({Ors(1, 180), Ors(2, 215)}, Jt5(), {});
  EXPECT_EQ(e[1].change_since_intake, 35);
  EXPECT_EQ(e[1].change_since_previous, 35);
  EXPECT_EQ(e[1].category, ChangeCategory::kNoReliableChange);
}

TEST(EvaluationTest, TwentySessionsJudgeEachAgainstItsPast) {
  // 15.0, 15.5, …, 24.5: session n scores 15.0 + 0.5·(n−1).
  std::vector<AdministrationInput> episode;
  for (int s = 1; s <= 20; ++s) episode.push_back(Ors(s, 150 + 5 * (s - 1)));
  const std::vector<Evaluation> e = EvaluateEpisode(episode, Jt5(), {});
  // Session 10: +4.5, no reliable change; session 11: +5.0, improvement.
  EXPECT_EQ(e[9].category, ChangeCategory::kNoReliableChange);
  EXPECT_EQ(e[10].category, ChangeCategory::kReliableImprovement);
  // Session 20: 24.5, +9.5, still below 25: improvement, not recovery.
  EXPECT_EQ(e[19].change_since_intake, 95);
  EXPECT_EQ(e[19].change_since_previous, 5);
  EXPECT_EQ(e[19].category, ChangeCategory::kReliableImprovement);
  EXPECT_TRUE(e[19].clinical->in_range);
}

TEST(EvaluationTest, ALateEarlierSessionDoesNotChangeWhatCameBefore) {
  // Session 3 arrives before session 2: session 2 is judged on 1 and 2 only.
  const std::vector<Evaluation> e =
      EvaluateEpisode({Ors(1, 200), Ors(3, 260), Ors(2, 210)}, Jt5(), {});
  EXPECT_EQ(e[2].change_since_intake, 10);
  EXPECT_EQ(e[2].change_since_previous, 10);
  EXPECT_EQ(e[1].change_since_previous, 50);  // 26.0 − 21.0
}

TEST(EvaluationTest, IntakeAboveTheCutoffIsFlagged) {
  const Evaluation e = Last({Ors(1, 300), Ors(2, 310)}, Jt5());
  EXPECT_TRUE(e.intake_above_cutoff);
}

TEST(EvaluationTest, CollateralRatersAreTheirOwnSeries) {
  AdministrationInput parent = Ors(2, 100);
  parent.series = "c-1/collateral.parent";
  parent.collateral = true;
  const std::vector<Evaluation> e =
      EvaluateEpisode({Ors(1, 200), parent, Ors(2, 210)}, Jt5(), {});
  // The parent's 10.0 is their own intake, not a change for the client.
  EXPECT_EQ(e[1].change_since_intake, 0);
  EXPECT_EQ(e[2].change_since_intake, 10);
  // No "SRS missing" alert for a collateral rater's ORS.
  for (const Alert& alert : e[1].alerts) {
    EXPECT_NE(alert.kind, AlertKind::kSrsMissing);
  }
}

// --- Zones from the three models. ---

RuleSet WithTable() {
  RuleSet rules = Jt5();
  rules.trajectory.model = TrajectoryModel::kTable;
  rules.trajectory.table[{"ors", 20, 2}] = {24.0, 21.0};
  return rules;
}

TEST(EvaluationTest, TableModelZones) {
  struct Row {
    Tenths score;
    Zone zone;
  };
  // Target 24.0, lower bound 21.0 at (intake 20, session 2).
  for (const Row& row : {Row{240, Zone::kGreen}, Row{239, Zone::kOrange},
                         Row{210, Zone::kOrange}, Row{209, Zone::kRed}}) {
    const Evaluation e = Last({Ors(1, 200), Ors(2, row.score)}, WithTable());
    EXPECT_EQ(e.zone, row.zone) << row.score;
    EXPECT_THAT(Kinds(e), ::testing::Contains(AlertKind::kOrsZone));
  }
  // Intake 19.5 rounds half up to 20: the same row.
  EXPECT_EQ(Last({Ors(1, 195), Ors(2, 240)}, WithTable()).zone, Zone::kGreen);
  // No row for session 3: grey, with the reason.
  const Evaluation none = Last({Ors(1, 200), Ors(3, 240)}, WithTable());
  EXPECT_EQ(none.zone, Zone::kGrey);
  EXPECT_THAT(none.expected->reason,
              ::testing::HasSubstr("no row for intake 20"));
}

std::vector<ReferenceCell> IntakeBandCells() {
  return {
      // Intake 20.0, session 3: scores 24.0 and 26.0.
      {200, 3, 2, 500, 240 * 240 + 260 * 260},
      // Intake 21.0 (inside ±1.0), session 3: 28.0.
      {210, 3, 1, 280, 280 * 280},
      // Intake 21.5: outside the window of 20.0; must be ignored.
      {215, 3, 5, 1500, 5 * 300 * 300},
  };
}

TEST(EvaluationTest, IntakeBandModelUsesTheWindowAndSaysWhenDataLack) {
  RuleSet rules = Jt5();
  rules.trajectory.model = TrajectoryModel::kIntakeBand;
  rules.trajectory.min_episodes = 3;
  // n = 3, mean (24+26+28)/3 = 26.0; variance ((4+0+4)/2) = 4, SD 2.0;
  // lower bound 26.0 − 1.0·2.0 = 24.0.
  const ReferenceData reference = {{"ors", IntakeBandCells()}};
  Evaluation e = Last({Ors(1, 200), Ors(3, 250)}, rules, reference);
  ASSERT_TRUE(e.expected->available) << e.expected->reason;
  EXPECT_THAT(e.expected->target, DoubleNear(26.0, 1e-9));
  EXPECT_THAT(e.expected->lower_bound, DoubleNear(24.0, 1e-9));
  EXPECT_EQ(e.zone, Zone::kOrange);  // 24.0 <= 25.0 < 26.0
  rules.trajectory.min_episodes = 4;
  e = Last({Ors(1, 200), Ors(3, 250)}, rules, reference);
  EXPECT_EQ(e.zone, Zone::kGrey);
  EXPECT_THAT(e.expected->reason,
              ::testing::HasSubstr("3 reference episodes reached session 3; "
                                   "the model needs 4"));
}

TEST(EvaluationTest, LogSessionModelFitsByHand) {
  // Two reference episodes with intake 20.0: sessions 1, 2, 4 scored
  // 20, 22, 26 and 20, 24, 28. Least squares of y on ln(t):
  // a = 19.833333, b = 5.049433, residual SD = 1.040833; at session 3
  // target = a + b·ln 3 = 25.380702, lower = 25.380702 − 1.040833 = 24.339869.
  const std::vector<ReferenceCell> cells = {
      {200, 0, 2, 400, 2 * 200 * 200},
      {200, 1, 2, 400, 2 * 200 * 200},
      {200, 2, 2, 460, 220 * 220 + 240 * 240},
      {200, 4, 2, 540, 260 * 260 + 280 * 280},
  };
  std::optional<LogFit> fit = FitLogSession(200, 10, cells);
  ASSERT_TRUE(fit.has_value());
  EXPECT_THAT(fit->a, DoubleNear(19.833333, 1e-6));
  EXPECT_THAT(fit->b, DoubleNear(5.049433, 1e-6));
  EXPECT_THAT(fit->residual_sd, DoubleNear(1.040833, 1e-6));

  RuleSet rules = Jt5();
  rules.trajectory.model = TrajectoryModel::kLogSession;
  rules.trajectory.min_episodes = 2;
  const Evaluation e =
      Last({Ors(1, 200), Ors(3, 245)}, rules, {{"ors", cells}});
  ASSERT_TRUE(e.expected->available) << e.expected->reason;
  EXPECT_THAT(e.expected->target, DoubleNear(25.380702, 1e-6));
  EXPECT_THAT(e.expected->lower_bound, DoubleNear(24.339869, 1e-6));
  EXPECT_EQ(e.zone, Zone::kOrange);  // 24.5 is between the two
  rules.trajectory.min_episodes = 3;
  EXPECT_EQ(Last({Ors(1, 200), Ors(3, 245)}, rules, {{"ors", cells}}).zone,
            Zone::kGrey);
}

TEST(EvaluationTest, NoModelMeansGreyNeverAnInventedTarget) {
  const Evaluation e = Last({Ors(1, 200), Ors(2, 300)}, Jt5());
  EXPECT_EQ(e.zone, Zone::kGrey);
  EXPECT_FALSE(e.expected->available);
  EXPECT_EQ(e.expected->reason, "the rule set has no trajectory model");
}

// --- Alliance alerts. ---

TEST(EvaluationTest, SrsBelowCutoffAndDropAlerts) {
  // 35.9 < 36: concern. 38.0 -> 37.0 is a drop of 1.0: alert; 0.9: none.
  EXPECT_THAT(Kinds(Last({Srs(1, 359)}, Jt5())),
              ElementsAre(AlertKind::kSrsBelowCutoff));
  EXPECT_THAT(Kinds(Last({Srs(1, 360)}, Jt5())), IsEmpty());
  EXPECT_THAT(Kinds(Last({Srs(1, 380), Srs(2, 370)}, Jt5())),
              ElementsAre(AlertKind::kSrsDrop));
  EXPECT_THAT(Kinds(Last({Srs(1, 380), Srs(2, 371)}, Jt5())), IsEmpty());
  // Both at once: 37.0 -> 35.5.
  EXPECT_THAT(Kinds(Last({Srs(1, 370), Srs(2, 355)}, Jt5())),
              ElementsAre(AlertKind::kSrsBelowCutoff, AlertKind::kSrsDrop));
  RuleSet off = Jt5();
  off.alerts.srs_drop = false;
  off.alerts.srs_below_cutoff = false;
  EXPECT_THAT(Kinds(Last({Srs(1, 370), Srs(2, 355)}, off)), IsEmpty());
}

TEST(EvaluationTest, PerItemSrsRuleIsOffByDefault) {
  AdministrationInput srs = Srs(1, 379);
  srs.score.items = {{"relationship", 100, Importance::kUnspecified},
                     {"goals", 89, Importance::kUnspecified},
                     {"approach", 95, Importance::kUnspecified},
                     {"overall", 95, Importance::kUnspecified}};
  EXPECT_THAT(Kinds(Last({srs}, Jt5())), IsEmpty());
  RuleSet on = Jt5();
  on.alerts.srs_item_below = true;  // items below 9.0: "goals" 8.9
  const Evaluation e = Last({srs}, on);
  EXPECT_THAT(Kinds(e), ElementsAre(AlertKind::kSrsItemBelow));
  EXPECT_THAT(e.alerts[0].message, ::testing::HasSubstr("goals is 8.9"));
}

TEST(EvaluationTest, MissingSrsIsFlaggedOnTheSessionsOrs) {
  AdministrationInput skipped = Srs(1, 0);
  skipped.score.status = ScoreStatus::kSkipped;
  skipped.score.total.reset();
  AdministrationInput total_only = Srs(1, 380);
  total_only.score.status = ScoreStatus::kTotalOnly;
  // ORS alone, or with a skipped SRS: missing. With a total-only SRS: not.
  EXPECT_THAT(Kinds(EvaluateEpisode({Ors(1, 200)}, Jt5(), {})[0]),
              ::testing::Contains(AlertKind::kSrsMissing));
  EXPECT_THAT(Kinds(EvaluateEpisode({Ors(1, 200), skipped}, Jt5(), {})[0]),
              ::testing::Contains(AlertKind::kSrsMissing));
  EXPECT_THAT(Kinds(EvaluateEpisode({Ors(1, 200), total_only}, Jt5(), {})[0]),
              ::testing::Not(::testing::Contains(AlertKind::kSrsMissing)));
}

// --- Closed episodes and the reference they leave. ---

TEST(EvaluationTest, OutcomeOfAClosedEpisode) {
  // 20.0 -> 26.0 with SD 7.0: ES = 6/7 = 0.857143. Table target at session 2
  // is 24.0: SAES = (26 − 24)/7 = 0.285714; 26.0 >= 24.0: green, target met.
  const std::vector<AdministrationInput> episode = {Ors(1, 200), Ors(2, 260)};
  const RuleSet rules = WithTable();
  const auto evaluations = EvaluateEpisode(episode, rules, {});
  const std::vector<SeriesOutcome> outcomes =
      EpisodeOutcomes(episode, evaluations, rules);
  ASSERT_EQ(outcomes.size(), 1u);
  const SeriesOutcome& o = outcomes[0];
  EXPECT_EQ(o.pre, 200);
  EXPECT_EQ(o.post, 260);
  EXPECT_THAT(*o.effect_size, DoubleNear(0.857143, 1e-6));
  EXPECT_THAT(*o.severity_adjusted_effect_size, DoubleNear(0.285714, 1e-6));
  EXPECT_TRUE(o.reached_target);
  EXPECT_EQ(o.category, ChangeCategory::kReliableRecovery);  // 20 -> 26, +6
}

TEST(EvaluationTest, ReferenceContributionsLeaveOutCollateralAndAlliance) {
  AdministrationInput parent = Ors(1, 100);
  parent.series = "c-1/collateral.parent";
  parent.collateral = true;
  const auto cells =
      ReferenceContributions({Ors(1, 200), Srs(1, 380), parent, Ors(2, 225)});
  ASSERT_EQ(cells.size(), 3u);
  EXPECT_EQ(cells[0].first, "ors");
  EXPECT_EQ(cells[0].second, (ReferenceCell{200, 0, 1, 200, 40000}));
  EXPECT_EQ(cells[1].second, (ReferenceCell{200, 1, 1, 200, 40000}));
  EXPECT_EQ(cells[2].second, (ReferenceCell{200, 2, 1, 225, 50625}));
  EXPECT_THAT(OutcomeIntakes({Ors(2, 225), Ors(1, 200), parent}),
              ElementsAre(std::make_pair(std::string("ors"), Tenths{200})));
}

}  // namespace
}  // namespace tilbake::scoring

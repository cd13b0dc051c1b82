// Table-driven tests of FIT validation and totals. Every expected total is
// summed by hand in the row's comment; values are in tenths (7.3 -> 73).
#include <optional>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "scoring/score.h"
#include "tests/testing/status_matchers.h"

namespace tilbake::scoring {
namespace {

using ::testing::HasSubstr;
using ::tilbake::testing::IsOk;
using ::tilbake::testing::StatusIs;

InstrumentDefinition Fit(const std::string& id, std::vector<std::string> keys,
                         ScoringMethod method = ScoringMethod::kSumOfItems,
                         bool accepts_total_only = true) {
  InstrumentDefinition d;
  d.id = id;
  d.version = "1";
  d.current = true;
  d.family = "fit";
  d.method = method;
  d.accepts_total_only = accepts_total_only;
  for (const std::string& key : keys) {
    d.items.push_back({.key = key, .min = 0, .max = 100, .step = 1});
  }
  return d;
}

const InstrumentDefinition& Ors() {
  static const auto* d = new InstrumentDefinition(
      Fit("ors", {"individual", "interpersonal", "social", "overall"}));
  return *d;
}
const InstrumentDefinition& Ycors() {
  static const auto* d = new InstrumentDefinition(
      Fit("ycors", {"individual", "interpersonal", "social", "overall"},
          ScoringMethod::kUnscored, /*accepts_total_only=*/false));
  return *d;
}
// A 0–4 scale in whole steps (tenths 0..40, step 10), to test the step rule.
const InstrumentDefinition& WholeSteps() {
  static const auto* d = [] {
    auto* def = new InstrumentDefinition(Fit("steps", {"a", "b"}));
    for (ItemDefinition& item : def->items) {
      item.max = 40;
      item.step = 10;
    }
    return def;
  }();
  return *d;
}

ItemAnswer A(std::optional<Tenths> value, std::string key = "") {
  return ItemAnswer{std::move(key), value, Importance::kUnspecified};
}

Answers Items(std::vector<ItemAnswer> items,
              std::optional<Tenths> stated_total = std::nullopt) {
  Answers a;
  a.format = AnswerFormat::kItems;
  a.items = std::move(items);
  a.stated_total = stated_total;
  return a;
}

Answers TotalOnly(Tenths total) {
  Answers a;
  a.format = AnswerFormat::kTotalOnly;
  a.total = total;
  return a;
}

Answers Skipped() {
  Answers a;
  a.format = AnswerFormat::kSkipped;
  return a;
}

struct Row {
  std::string name;
  const InstrumentDefinition* definition;
  Answers answers;
  // Expected outcome: OK with status/total, or an error with a message part.
  absl::StatusCode code = absl::StatusCode::kOk;
  ScoreStatus status = ScoreStatus::kScored;
  std::optional<Tenths> total;
  std::string error;
};

std::vector<Row> Rows() {
  Answers with_importance = Items({A(10), A(20), A(30), A(40)});
  with_importance.items[1].importance = Importance::kImportant;
  return {
      // 5.1 + 6.0 + 7.3 + 8.9 = 27.3
      {"FourItemsSum", &Ors(), Items({A(51), A(60), A(73), A(89)}),
       absl::StatusCode::kOk, ScoreStatus::kScored, 273},
      // A real zero is an answer, not "missing": 0+0+0+0 = 0.
      {"AllZeroIsAScore", &Ors(), Items({A(0), A(0), A(0), A(0)}),
       absl::StatusCode::kOk, ScoreStatus::kScored, 0},
      // 10 + 10 + 10 + 10 = 40.0, the top of the scale.
      {"AllMaximum", &Ors(), Items({A(100), A(100), A(100), A(100)}),
       absl::StatusCode::kOk, ScoreStatus::kScored, 400},
      // Keys in any order: 2.0 + 4.0 + 3.0 + 1.0 = 10.0
      {"KeyedOutOfOrder", &Ors(),
       Items({A(10, "overall"), A(20, "individual"), A(30, "social"),
              A(40, "interpersonal")}),
       absl::StatusCode::kOk, ScoreStatus::kScored, 100},
      // Items plus a total that agrees: 1+2+3+4 = 10.0
      {"StatedTotalAgrees", &Ors(), Items({A(10), A(20), A(30), A(40)}, 100),
       absl::StatusCode::kOk, ScoreStatus::kScored, 100},
      {"StatedTotalDisagrees",
       &Ors(),
       Items({A(10), A(20), A(30), A(40)}, 110),
       absl::StatusCode::kInvalidArgument,
       {},
       {},
       "total: 11.0 disagrees"},
      {"ItemAboveMaximum",
       &Ors(),
       Items({A(101), A(0), A(0), A(0)}),
       absl::StatusCode::kInvalidArgument,
       {},
       {},
       "items[0] (individual): 10.1 is above the maximum 10.0"},
      {"ItemBelowMinimum",
       &Ors(),
       Items({A(0), A(0), A(0), A(-1)}),
       absl::StatusCode::kInvalidArgument,
       {},
       {},
       "items[3] (overall): -0.1 is below the minimum 0.0"},
      {"ItemOffTheScale",
       &WholeSteps(),
       Items({A(20), A(25)}),
       absl::StatusCode::kInvalidArgument,
       {},
       {},
       "items[1] (b): 2.5 is not on the scale"},
      // 1 + 3 on a whole-step scale = 4.0
      {"WholeStepsSum", &WholeSteps(), Items({A(10), A(30)}),
       absl::StatusCode::kOk, ScoreStatus::kScored, 40},
      {"TooFewItems",
       &Ors(),
       Items({A(10), A(20), A(30)}),
       absl::StatusCode::kInvalidArgument,
       {},
       {},
       "ors has 4 items, got 3"},
      {"SomeBlankIsInvalid",
       &Ors(),
       Items({A(10), A(std::nullopt), A(30), A(40)}),
       absl::StatusCode::kInvalidArgument,
       {},
       {},
       "items: interpersonal (item 2) not answered (3 of 4)"},
      {"EachBlankIsNamed",
       &Ors(),
       Items({A(std::nullopt), A(20), A(30), A(std::nullopt)}),
       absl::StatusCode::kInvalidArgument,
       {},
       {},
       "items: individual (item 1), overall (item 4) not answered (2 of 4)"},
      {"AllBlankIsInvalid",
       &Ors(),
       Items({A(std::nullopt), A(std::nullopt), A(std::nullopt),
              A(std::nullopt)}),
       absl::StatusCode::kInvalidArgument,
       {},
       {},
       "none answered"},
      {"UnknownKey",
       &Ors(),
       Items({A(10, "individual"), A(20, "interpersonal"), A(30, "social"),
              A(40, "mood")}),
       absl::StatusCode::kInvalidArgument,
       {},
       {},
       "items[3]: \"mood\" is not an item of ors"},
      {"RepeatedKey",
       &Ors(),
       Items({A(10, "individual"), A(20, "individual"), A(30, "social"),
              A(40, "overall")}),
       absl::StatusCode::kInvalidArgument,
       {},
       {},
       "is given twice"},
      {"SomeKeyedSomeNot",
       &Ors(),
       Items({A(10, "individual"), A(20), A(30), A(40)}),
       absl::StatusCode::kInvalidArgument,
       {},
       {},
       "for every item or for none"},
      {"ImportanceOnUngatedItem",
       &Ors(),
       with_importance,
       absl::StatusCode::kInvalidArgument,
       {},
       {},
       "no importance question"},
      {"TotalOnly", &Ors(), TotalOnly(265), absl::StatusCode::kOk,
       ScoreStatus::kTotalOnly, 265},
      {"TotalOnlyZero", &Ors(), TotalOnly(0), absl::StatusCode::kOk,
       ScoreStatus::kTotalOnly, 0},
      {"TotalOnlyAboveRange",
       &Ors(),
       TotalOnly(401),
       absl::StatusCode::kInvalidArgument,
       {},
       {},
       "40.1 is outside 0.0–40.0"},
      {"Skipped", &Ors(), Skipped(), absl::StatusCode::kOk,
       ScoreStatus::kSkipped, std::nullopt},
      {"YcorsStoredUnscored", &Ycors(), Items({A(10), A(20), A(30), A(40)}),
       absl::StatusCode::kOk, ScoreStatus::kUnscored, std::nullopt},
      {"YcorsRefusesTotal",
       &Ycors(),
       TotalOnly(100),
       absl::StatusCode::kInvalidArgument,
       {},
       {},
       "entered item by item"},
      {"YcorsSkipped", &Ycors(), Skipped(), absl::StatusCode::kOk,
       ScoreStatus::kSkipped, std::nullopt},
  };
}

// Names the row in failure output instead of dumping its bytes.
void PrintTo(const Row& row, std::ostream* os) { *os << row.name; }

std::string RowName(const ::testing::TestParamInfo<Row>& param) {
  return param.param.name;
}

class FitScoringTest : public ::testing::TestWithParam<Row> {};

TEST_P(FitScoringTest, ScoresAsComputedByHand) {
  const Row& row = GetParam();
  absl::StatusOr<Score> score = ScoreAnswers(*row.definition, row.answers);
  if (row.code != absl::StatusCode::kOk) {
    EXPECT_THAT(score, StatusIs(row.code, HasSubstr(row.error))) << row.name;
    return;
  }
  ASSERT_THAT(score, IsOk()) << row.name;
  EXPECT_EQ(score->status, row.status) << row.name;
  EXPECT_EQ(score->total, row.total) << row.name;
}

INSTANTIATE_TEST_SUITE_P(Rows, FitScoringTest, ::testing::ValuesIn(Rows()),
                         RowName);

TEST(FitScoringTest, NormalizesItemsToDefinitionOrderWithKeys) {
  absl::StatusOr<Score> score =
      ScoreAnswers(Ors(), Items({A(10, "overall"), A(20, "individual"),
                                 A(30, "social"), A(40, "interpersonal")}));
  ASSERT_THAT(score, IsOk());
  ASSERT_EQ(score->items.size(), 4u);
  EXPECT_EQ(score->items[0], A(20, "individual"));
  EXPECT_EQ(score->items[1], A(40, "interpersonal"));
  EXPECT_EQ(score->items[2], A(30, "social"));
  EXPECT_EQ(score->items[3], A(10, "overall"));
}

TEST(FitScoringTest, PositionalItemsGetTheDefinitionKeys) {
  absl::StatusOr<Score> score =
      ScoreAnswers(Ors(), Items({A(1), A(2), A(3), A(4)}));
  ASSERT_THAT(score, IsOk());
  EXPECT_EQ(score->items[3].key, "overall");
}

TEST(FitScoringTest, TotalOnlyLeavesItemsUnknown) {
  absl::StatusOr<Score> score = ScoreAnswers(Ors(), TotalOnly(200));
  ASSERT_THAT(score, IsOk());
  EXPECT_TRUE(score->items.empty());
}

}  // namespace
}  // namespace tilbake::scoring

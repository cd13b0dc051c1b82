// INSPIRE-style section means, row by row. Ratings are 0–4 (tenths 0–40);
// a section scores 100 × mean(rating / 4), so a mean of 2.5 is 62.5.
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

// A small INSPIRE: Support c1 c2 (connectedness) h1 h2 (hope), gated, at
// least 2 counting; Relationship r1 r2 r3, r3 reverse-scored, at least 2.
InstrumentDefinition Mini() {
  InstrumentDefinition d;
  d.id = "mini-inspire";
  d.version = "1";
  d.current = true;
  d.method = ScoringMethod::kSectionMeans;
  auto support = [](std::string key, std::string domain) {
    return ItemDefinition{.key = std::move(key),
                          .min = 0,
                          .max = 40,
                          .step = 10,
                          .importance_gate = true,
                          .domain = std::move(domain),
                          .section = "support"};
  };
  auto relationship = [](std::string key, bool reverse) {
    return ItemDefinition{.key = std::move(key),
                          .min = 0,
                          .max = 40,
                          .step = 10,
                          .reverse_scored = reverse,
                          .section = "relationship"};
  };
  d.items = {support("c1", "connectedness"), support("c2", "connectedness"),
             support("h1", "hope"),          support("h2", "hope"),
             relationship("r1", false),      relationship("r2", false),
             relationship("r3", true)};
  d.sections = {{"support", 2, true, 1}, {"relationship", 2, false, 1}};
  d.primary_section = "support";
  return d;
}

constexpr auto kImportant = Importance::kImportant;
constexpr auto kNotImportant = Importance::kNotImportant;
constexpr auto kNone = Importance::kUnspecified;

ItemAnswer I(std::optional<int> rating, Importance importance = kNone) {
  return {
      "",
      rating.has_value() ? std::optional<Tenths>(*rating * 10) : std::nullopt,
      importance};
}

Answers Items(std::vector<ItemAnswer> items) {
  Answers a;
  a.format = AnswerFormat::kItems;
  a.items = std::move(items);
  return a;
}

std::optional<Tenths> Sub(const Score& score, const std::string& key) {
  for (const SubScore& s : score.subscores) {
    if (s.key == key) return s.value;
  }
  ADD_FAILURE() << "no subscore " << key;
  return std::nullopt;
}

struct Row {
  std::string name;
  Answers answers;
  ScoreStatus status;
  std::optional<Tenths> support, connectedness, hope, relationship;
};

void PrintTo(const Row& row, std::ostream* os) { *os << row.name; }

class InspireScoringTest : public ::testing::TestWithParam<Row> {};

TEST_P(InspireScoringTest, ScoresAsComputedByHand) {
  const Row& row = GetParam();
  absl::StatusOr<Score> score = ScoreAnswers(Mini(), row.answers);
  ASSERT_THAT(score, IsOk()) << row.name;
  EXPECT_EQ(score->status, row.status) << row.name;
  EXPECT_EQ(score->total, row.support) << row.name;
  EXPECT_EQ(Sub(*score, "support"), row.support) << row.name;
  EXPECT_EQ(Sub(*score, "support/connectedness"), row.connectedness)
      << row.name;
  EXPECT_EQ(Sub(*score, "support/hope"), row.hope) << row.name;
  EXPECT_EQ(Sub(*score, "relationship"), row.relationship) << row.name;
}

INSTANTIATE_TEST_SUITE_P(
    Rows, InspireScoringTest,
    ::testing::ValuesIn(std::vector<Row>{
        // Support (4+2+3+1)/4 = 2.5 -> 62.5; connectedness (4+2)/2 = 3 -> 75;
        // hope (3+1)/2 = 2 -> 50. Relationship 4, 3 and r3 = 1 reversed to
        // 3: (4+3+3)/3 = 3.333 -> 83.3.
        {"AllImportant",
         Items({I(4, kImportant), I(2, kImportant), I(3, kImportant),
                I(1, kImportant), I(4), I(3), I(1)}),
         ScoreStatus::kScored, 625, 750, 500, 833},
        // c1 not important: out of numerator and denominator.
        // Support (2+3+1)/3 = 2 -> 50; connectedness c2 alone 2 -> 50.
        {"NotImportantIsLeftOut",
         Items({I(std::nullopt, kNotImportant), I(2, kImportant),
                I(3, kImportant), I(1, kImportant), I(4), I(3), I(1)}),
         ScoreStatus::kScored, 500, 500, 500, 833},
        // Only c2 counts (c1 important but unrated = missing; h1, h2 not
        // important): 1 < 2 -> support withheld, so the total is withheld.
        // Connectedness has its 1: 2 -> 50; hope has none -> withheld.
        {"TooFewCountingItemsWithholds",
         Items({I(std::nullopt, kImportant), I(2, kImportant),
                I(std::nullopt, kNotImportant), I(std::nullopt, kNotImportant),
                I(4), I(3), I(1)}),
         ScoreStatus::kWithheld, std::nullopt, 500, std::nullopt, 833},
        // Relationship with one answer (< 2) is withheld; Support stands.
        // Support (1+1+1+1)/4 = 1 -> 25.
        {"RelationshipWithheldAlone",
         Items({I(1, kImportant), I(1, kImportant), I(1, kImportant),
                I(1, kImportant), I(std::nullopt), I(std::nullopt), I(0)}),
         ScoreStatus::kScored, 250, 250, 250, std::nullopt},
        // r3 = 0 reversed is 4: (0+0+4)/3 = 1.333 -> 33.3.
        {"ReverseScoring",
         Items({I(4, kImportant), I(4, kImportant), I(4, kImportant),
                I(4, kImportant), I(0), I(0), I(0)}),
         ScoreStatus::kScored, 1000, 1000, 1000, 333},
    }),
    [](const auto& info) { return info.param.name; });

TEST(InspireScoringTest, InvalidAnswersNameTheItem) {
  struct Bad {
    std::string name;
    Answers answers;
    std::string error;
  };
  const std::vector<Bad> rows = {
      {"RatedButNotImportant",
       Items({I(3, kNotImportant), I(2, kImportant), I(3, kImportant),
              I(1, kImportant), I(4), I(3), I(1)}),
       "items[0] (c1): rated although marked not important"},
      {"RatedWithoutTheGate",
       Items({I(3), I(2, kImportant), I(3, kImportant), I(1, kImportant), I(4),
              I(3), I(1)}),
       "items[0] (c1): rated without saying whether it is important"},
      {"ImportanceOnRelationship",
       Items({I(3, kImportant), I(2, kImportant), I(3, kImportant),
              I(1, kImportant), I(4, kImportant), I(3), I(1)}),
       "items[4] (r1): this item has no importance question"},
      {"AboveTheScale",
       Items({I(3, kImportant), I(2, kImportant), I(3, kImportant),
              I(1, kImportant), I(5), I(3), I(1)}),
       "items[4] (r1): 5.0 is above the maximum 4.0"},
      {"WrongItemCount",
       Items({I(3, kImportant), I(2, kImportant), I(3, kImportant),
              I(1, kImportant), I(4), I(3)}),
       "mini-inspire has 7 items, got 6"},
  };
  for (const Bad& row : rows) {
    EXPECT_THAT(
        ScoreAnswers(Mini(), row.answers),
        StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(row.error)))
        << row.name;
  }
  Answers half_step =
      Items({I(3, kImportant), I(2, kImportant), I(3, kImportant),
             I(1, kImportant), I(4), I(3), I(1)});
  half_step.items[5].value = 25;  // 2.5 on a whole-point scale
  EXPECT_THAT(ScoreAnswers(Mini(), half_step),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("items[5] (r2): 2.5 is not on the scale")));
  Answers total_only;
  total_only.format = AnswerFormat::kTotalOnly;
  total_only.total = 500;
  EXPECT_THAT(ScoreAnswers(Mini(), total_only),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(InspireScoringTest, WithheldScoresSayWhy) {
  auto score = ScoreAnswers(
      Mini(), Items({I(std::nullopt, kImportant), I(2, kImportant),
                     I(std::nullopt, kNotImportant),
                     I(std::nullopt, kNotImportant), I(4), I(3), I(1)}));
  ASSERT_THAT(score, IsOk());
  EXPECT_EQ(score->withheld_reason,
            "support: 1 item(s) count (answered and important); at least 2 "
            "needed");
  const SubScore& support = score->subscores[0];
  EXPECT_EQ(support.answered, 1);
  EXPECT_EQ(support.eligible, 2);  // c1 and c2; h1, h2 not important
}

// Brief INSPIRE: five items, no gate, at least four answered.
InstrumentDefinition Brief() {
  InstrumentDefinition d;
  d.id = "brief-inspire";
  d.version = "2015";
  d.current = true;
  d.method = ScoringMethod::kSectionMeans;
  for (const char* key :
       {"connectedness", "hope", "identity", "meaning", "empowerment"}) {
    d.items.push_back({.key = key,
                       .min = 0,
                       .max = 40,
                       .step = 10,
                       .domain = key,
                       .section = "brief"});
  }
  d.sections = {{"brief", 4, false, 1}};
  d.primary_section = "brief";
  return d;
}

TEST(InspireScoringTest, BriefInspire) {
  struct Case {
    std::vector<ItemAnswer> items;
    std::optional<Tenths> total;
  };
  const std::vector<Case> cases = {
      {{I(3), I(4), I(2), I(3), I(4)}, 800},             // 16/5 = 3.2 -> 80.0
      {{I(3), I(4), I(2), I(3), I(std::nullopt)}, 750},  // 12/4 = 3 -> 75.0
      {{I(0), I(0), I(0), I(0), I(0)}, 0},               // a real zero
      {{I(3), I(4), I(2), I(std::nullopt), I(std::nullopt)}, std::nullopt},
  };
  for (const Case& c : cases) {
    auto score = ScoreAnswers(Brief(), Items(c.items));
    ASSERT_THAT(score, IsOk());
    EXPECT_EQ(score->total, c.total);
  }
  EXPECT_THAT(
      ScoreAnswers(Brief(),
                   Items({I(std::nullopt), I(std::nullopt), I(std::nullopt),
                          I(std::nullopt), I(std::nullopt)})),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("none answered")));
}

TEST(InspireScoringTest, DefinitionsAreChecked) {
  InstrumentDefinition d = Mini();
  d.primary_section = "nope";
  EXPECT_THAT(ValidateDefinition(d),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("primary_section")));
  d = Mini();
  d.sections[1].min_answered = 4;  // only 3 relationship items
  EXPECT_THAT(ValidateDefinition(d),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("section[1].min_answered: must be 1–3")));
  d = Mini();
  d.items[6].section = "other";
  EXPECT_THAT(ValidateDefinition(d),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("items[6].section")));
}

}  // namespace
}  // namespace tilbake::scoring

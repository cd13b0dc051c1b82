#include "server/config/rule_set_loader.h"

#include <filesystem>
#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace tilbake::config {
namespace {

using ::testing::DoubleNear;
using ::testing::HasSubstr;
using ::tilbake::testing::IsOk;
using ::tilbake::testing::StatusIs;

TEST(RuleSetLoaderTest, ShipsThreeRuleSetsWithJt5AsDefault) {
  auto registry = LoadRuleSets({});
  ASSERT_THAT(registry, IsOk());
  ASSERT_EQ(registry->rule_sets().size(), 3u);
  EXPECT_EQ(registry->ForTenant("anyone").name, "jt-5");
  const scoring::RuleSet& jt5 = registry->ForTenant("anyone");
  const scoring::CutoffRule* adult =
      jt5.FindCutoff("ors", scoring::AgeBand::kAdult);
  ASSERT_NE(adult, nullptr);
  EXPECT_EQ(adult->value, 250);
  EXPECT_TRUE(adult->verified);
  const scoring::CutoffRule* teen =
      jt5.FindCutoff("ors", scoring::AgeBand::kAdolescent);
  ASSERT_NE(teen, nullptr);
  EXPECT_EQ(teen->value, 280);
  EXPECT_FALSE(teen->verified);  // [U] in the domain notes
  EXPECT_EQ(jt5.FindCutoff("srs", scoring::AgeBand::kAdult)->value, 360);
  EXPECT_EQ(jt5.trajectory.model, scoring::TrajectoryModel::kIntakeBand);

  auto points = [&](const std::string& name, const std::string& instrument) {
    for (const scoring::RuleSet& r : registry->rule_sets()) {
      if (r.name == name) {
        return *scoring::ReliableChangePoints(
            r, *r.FindReliableChange(instrument));
      }
    }
    return -1.0;
  };
  EXPECT_THAT(points("jt-5", "ors"), DoubleNear(5.0, 1e-9));
  EXPECT_THAT(points("cyp-iapt-2015", "ors"), DoubleNear(6.6, 1e-9));
  EXPECT_THAT(points("cyp-iapt-2015", "cors"), DoubleNear(10.0, 1e-9));
  EXPECT_THAT(points("essa-0.8", "ors"), DoubleNear(5.6, 1e-9));  // 0.8 × 7.0
}

TEST(RuleSetLoaderTest, BadFilesNameFileAndField) {
  struct Row {
    std::string text;
    std::string error;
  };
  const std::vector<Row> rows = {
      {"name: \"x\" version: \"1\" cutof { }", "x.textpb: line 1:"},
      {R"(name: "x" version: "1" cutoff { instrument: "ors" value: 25 operator: "under" })",
       "x.textpb: cutoff[0].operator: \"under\" is not one of below, "
       "at_or_below"},
      {R"(name: "x" version: "1" cutoff { instrument: "ors" age_band: "old" value: 25 operator: "below" })",
       "x.textpb: cutoff[0].age_band"},
      {R"(name: "x" version: "1" reliable_change { instrument: "ors" points: -5 })",
       "x.textpb: reliable_change[0].points: must be positive"},
      {R"(name: "x" version: "1" reliable_change { instrument: "ors" })",
       "x.textpb: reliable_change[0]: give points, jacobson_truax or "
       "effect_size"},
      {R"(name: "x" version: "1" reliable_change { instrument: "ors" jacobson_truax { sd: 7 reliability: 1.2 } })",
       "reliable_change[0].jacobson_truax.reliability: must be in [0, 1)"},
      {R"(name: "x" version: "1" reliable_change { instrument: "ors" effect_size: 0.8 })",
       "reliable_change[0].effect_size: needs effect_size_sd for ors"},
      {R"(name: "x" version: "1" trajectory { model: "crystal-ball" })",
       "x.textpb: trajectory.model"},
      {R"(name: "x" version: "1" trajectory { model: "table" })",
       "trajectory.table_file: the table model needs a table"},
      {R"(name: "x" version: "1" trajectory { model: "intake-band" min_episodes: 0 })",
       "trajectory.min_episodes: must be at least 1"},
      {R"(name: "x" version: "1" alerts { srs_drop_points: 0.05 })",
       "alerts.srs_drop_points: 0.05 is not a whole number of tenths"},
  };
  for (const Row& row : rows) {
    EXPECT_THAT(
        ParseRuleSetFile("x.textpb", row.text, ""),
        StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(row.error)))
        << row.text;
  }
}

TEST(RuleSetLoaderTest, ExtraDirectoryWithATableAndTenantChoices) {
  testing::TempDir dir;
  // Tables live in a subfolder, so they are not read as rule sets.
  std::filesystem::create_directory(dir.Sub("tables"));
  std::ofstream(dir.Sub("tables/licensed-table.textpb")) << R"(
    row { instrument: "ors" intake: 20 session: 2 target: 24.0 lower_bound: 21.0 })";
  std::ofstream(dir.Sub("licensed.textpb")) << R"(
    name: "licensed" version: "2026.1" description: "with a table"
    cutoff { instrument: "ors" value: 25 operator: "below" }
    reliable_change { instrument: "ors" points: 5 }
    trajectory { model: "table" table_file: "tables/licensed-table.textpb" })";
  std::ofstream(dir.Sub("tenants.cfg")) << R"(
    tenant { id: "bergen" rule_set: "licensed" }
    tenant { id: "odense" rule_set: "cyp-iapt-2015" })";

  auto registry = LoadRuleSets({dir.path(), "jt-5", dir.Sub("tenants.cfg")});
  ASSERT_THAT(registry, IsOk());
  EXPECT_EQ(registry->ForTenant("bergen").name, "licensed");
  EXPECT_EQ(registry->ForTenant("odense").name, "cyp-iapt-2015");
  EXPECT_EQ(registry->ForTenant("oslo").name, "jt-5");
  const auto& table = registry->ForTenant("bergen").trajectory.table;
  ASSERT_EQ(table.size(), 1u);
  EXPECT_EQ(table.begin()->second, std::make_pair(24.0, 21.0));

  EXPECT_THAT(LoadRuleSets({dir.path(), "nope", ""}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("default rule set \"nope\" is not defined")));
  std::ofstream(dir.Sub("tenants.cfg"), std::ios::trunc)
      << R"(tenant { id: "x" rule_set: "missing" })";
  EXPECT_THAT(LoadRuleSets({dir.path(), "jt-5", dir.Sub("tenants.cfg")}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("tenant x: rule set \"missing\"")));
  std::ofstream(dir.Sub("copy.textpb")) << R"(name: "jt-5" version: "9")";
  EXPECT_THAT(LoadRuleSets({dir.path(), "jt-5", ""}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("rule set jt-5 is defined twice")));
}

}  // namespace
}  // namespace tilbake::config

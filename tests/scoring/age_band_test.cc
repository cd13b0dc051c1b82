#include "scoring/age_band.h"

#include "gtest/gtest.h"

namespace tilbake::scoring {
namespace {

TEST(AgeBandTest, BoundariesFollowTheCutoffGroups) {
  struct Row {
    int years;
    AgeBand band;
  };
  const Row rows[] = {
      {0, AgeBand::kUnder6},      {5, AgeBand::kUnder6},
      {6, AgeBand::kChild},       {12, AgeBand::kChild},
      {13, AgeBand::kAdolescent}, {17, AgeBand::kAdolescent},
      {18, AgeBand::kAdult},      {90, AgeBand::kAdult},
  };
  for (const Row& row : rows) {
    EXPECT_EQ(AgeBandForAge(row.years), row.band) << "age " << row.years;
  }
}

}  // namespace
}  // namespace tilbake::scoring

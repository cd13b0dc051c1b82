// The client series of each administration cell: each client's series
// counted once per cell, whatever the order its administrations arrive in.
#include "server/core/aggregation.h"

#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/builders.h"

namespace tilbake::core {
namespace {

using analytics::CellKey;
using analytics::CellKind;
using analytics::Granularity;

domain::Administration At(absl::CivilDay day, const std::string& client,
                          bool collateral = false) {
  domain::Administration a;
  a.rating = testing::OrsRating();
  a.rating.session_date = day;
  a.rating.client_id = client;
  if (collateral) {
    a.rating.rater = {domain::RaterKind::kCollateral,
                      domain::RaterRelation::kParent, "mor"};
  }
  return a;
}

// kClientSeries of the unit-total ORS cell of `g` holding `day`.
int64_t ClientSeries(const analytics::Cells& cells, Granularity g,
                     absl::CivilDay day) {
  CellKey key;
  key.kind = CellKind::kAdministration;
  key.granularity = g;
  key.org_unit = "psykisk-helse/team-nord";
  key.bucket = analytics::BucketOf(g, day);
  key.instrument_id = "ors";
  auto it = cells.find(key);
  return it == cells.end() ? 0 : it->second[analytics::admin::kClientSeries];
}

TEST(ClientSeriesTest, EachClientCountsOncePerCell) {
  const absl::CivilDay mon(2026, 3, 2), wed(2026, 3, 4), apr(2026, 4, 6);
  // c-1 twice in one week and once in April; its mother (collateral) too;
  // c-2 once, in a group episode of the two.
  const std::vector<domain::Administration> admins = {
      At(mon, "c-1"), At(wed, "c-1"), At(apr, "c-1"), At(mon, "c-1", true),
      At(wed, "c-2")};
  const struct {
    Granularity g;
    absl::CivilDay day;
    int64_t clients;
  } rows[] = {
      {Granularity::kWeek, mon, 2},   // c-1, c-2
      {Granularity::kMonth, mon, 2},  // c-1, c-2
      {Granularity::kWeek, apr, 1},   // c-1
      {Granularity::kMonth, apr, 1}, {Granularity::kYear, mon, 2},
  };
  // In stored order and in reverse: the same counts.
  for (bool reversed : {false, true}) {
    std::vector<domain::Administration> order = admins;
    if (reversed) std::reverse(order.begin(), order.end());
    analytics::Cells cells;
    std::vector<domain::Administration> earlier;
    for (const domain::Administration& a : order) {
      analytics::AddAdministration(a, /*in_clinical_range=*/false, earlier,
                                   cells);
      earlier.push_back(a);
    }
    for (const auto& row : rows) {
      EXPECT_EQ(ClientSeries(cells, row.g, row.day), row.clients)
          << static_cast<char>(row.g) << " " << row.day << " reversed "
          << reversed;
    }
  }
}

}  // namespace
}  // namespace tilbake::core

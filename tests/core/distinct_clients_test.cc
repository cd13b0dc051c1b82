// Distinct clients from the gap cells: hand-computed periods over a few
// clients, every tiling of a period by month and year cells, and a client's
// change computed for its touched cells only equal to the full difference.
#include "analytics/distinct_clients.h"

#include <random>
#include <set>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tilbake::analytics {
namespace {

using domain::IntakeClass;

PresenceFact Seen(absl::CivilDay day, const std::string& org = "psyk/nord",
                  const std::string& clinician = "k-1",
                  const std::string& instrument = "ors") {
  return {
      Population::kSeen,  org, clinician, instrument, scoring::AgeBand::kAdult,
      IntakeClass::kNone, day};
}

ClientFacts FactsAt(const std::vector<PresenceFact>& facts) {
  std::vector<PresenceFact> sorted = facts;
  std::sort(sorted.begin(), sorted.end());
  return {{"e-1", sorted}};
}

// The tenant-wide cell key of kind kClientsSeenBelow, every dimension "all".
CellKey Everyone(Granularity g, int32_t bucket) {
  CellKey key;
  key.kind = CellKind::kClientsSeenBelow;
  key.granularity = g;
  key.bucket = bucket;
  key.age_band = kAnyAgeBand;
  return key;
}

int32_t Month(int year, int month) {
  return BucketOf(Granularity::kMonth, absl::CivilDay(year, month, 1));
}

// Clients present in months [a, b], read from month cells only, or with the
// calendar years wholly inside read as year cells.
int64_t Distinct(const Cells& cells, int32_t a, int32_t b, bool years) {
  int64_t clients = 0;
  auto add = [&](const CellKey& key) {
    auto it = cells.find(key);
    if (it != cells.end()) clients += ClientsNewInRow(key, it->second, a);
  };
  for (int32_t m = a; m <= b;) {
    if (years && m % 12 == 0 && m + 11 <= b) {
      add(Everyone(Granularity::kYear, m / 12));
      m += 12;
    } else {
      add(Everyone(Granularity::kMonth, m));
      ++m;
    }
  }
  return clients;
}

// A: Jan, Feb and Apr 2026. B: Feb 2025 and Mar 2026. C: Dec 2025.
Cells ThreeClients() {
  Cells cells;
  AddDistinctClients(
      FactsAt(
          {Seen(absl::CivilDay(2026, 1, 5)), Seen(absl::CivilDay(2026, 1, 19)),
           Seen(absl::CivilDay(2026, 2, 2)), Seen(absl::CivilDay(2026, 4, 6))}),
      cells);
  AddDistinctClients(FactsAt({Seen(absl::CivilDay(2025, 2, 10)),
                              Seen(absl::CivilDay(2026, 3, 9))}),
                     cells);
  AddDistinctClients(FactsAt({Seen(absl::CivilDay(2025, 12, 1))}), cells);
  return cells;
}

TEST(DistinctClientsTest, HandComputedPeriods) {
  const Cells cells = ThreeClients();
  const struct {
    int32_t a, b;
    int64_t clients;
    const char* who;
  } rows[] = {
      {Month(2026, 1), Month(2026, 4), 2, "A, B"},
      {Month(2026, 2), Month(2026, 2), 1, "A"},
      {Month(2026, 3), Month(2026, 3), 1, "B"},
      {Month(2025, 12), Month(2026, 1), 2, "C, A"},
      {Month(2025, 1), Month(2025, 12), 2, "B, C"},
      {Month(2025, 1), Month(2026, 12), 3, "A, B, C"},
      {Month(2025, 2), Month(2026, 3), 3, "B, C, A"},
      {Month(2025, 3), Month(2025, 11), 0, "nobody"},
      {Month(2025, 3), Month(2026, 2), 2, "C, A"},
      {Month(2024, 1), Month(2026, 12), 3, "A, B, C"},
  };
  for (const auto& row : rows) {
    for (bool years : {false, true}) {
      EXPECT_EQ(Distinct(cells, row.a, row.b, years), row.clients)
          << row.who << " in months " << row.a << ".." << row.b
          << (years ? " with year cells" : "");
    }
  }
  // A week: A twice in the week of 2026-01-05 is one client.
  const CellKey week =
      Everyone(Granularity::kWeek,
               BucketOf(Granularity::kWeek, absl::CivilDay(2026, 1, 5)));
  EXPECT_EQ(ClientsNewInRow(week, cells.at(week), 0), 1);
}

TEST(DistinctClientsTest, CellsHoldTheGapsToThePreviousMonth) {
  const Cells cells = ThreeClients();
  // March 2026: B, last seen in February 2025 (13 months before).
  const Sums& march = cells.at(Everyone(Granularity::kMonth, Month(2026, 3)));
  ASSERT_EQ(march.size(), 14u);
  EXPECT_EQ(march[0], 1);
  EXPECT_EQ(march[13], 1);
  // 2026: A (new) and B (last seen February 2025, 11 months before
  // January 2026).
  const Sums& year = cells.at(Everyone(Granularity::kYear, 2026));
  EXPECT_EQ(year[0], 2);
  ASSERT_EQ(year.size(), 12u);
  EXPECT_EQ(year[11], 1);
}

TEST(DistinctClientsTest, EveryCombinationIsItsOwnCell) {
  // One client with two instruments with two clinicians in two teams.
  Cells cells;
  AddDistinctClients(
      FactsAt({Seen(absl::CivilDay(2026, 1, 5), "psyk/nord", "k-1", "ors"),
               Seen(absl::CivilDay(2026, 1, 5), "psyk/nord", "k-1", "srs"),
               Seen(absl::CivilDay(2026, 1, 12), "psyk/sor", "k-2", "ors")}),
      cells);
  auto count = [&](CellKind kind, const std::string& org,
                   const std::string& clinician, const std::string& inst) {
    CellKey key;
    key.kind = kind;
    key.granularity = Granularity::kMonth;
    key.bucket = Month(2026, 1);
    key.org_unit = org;
    key.clinician_id = clinician;
    key.instrument_id = inst;
    key.age_band = kAnyAgeBand;
    auto it = cells.find(key);
    return it == cells.end() ? 0 : it->second[0];
  };
  EXPECT_EQ(count(CellKind::kClientsSeenBelow, "", "", ""), 1);
  EXPECT_EQ(count(CellKind::kClientsSeenBelow, "psyk", "", ""), 1);
  EXPECT_EQ(count(CellKind::kClientsSeenBelow, "psyk", "", "ors"), 1);
  EXPECT_EQ(count(CellKind::kClientsSeenBelow, "psyk", "", "srs"), 1);
  EXPECT_EQ(count(CellKind::kClientsSeenIn, "psyk/nord", "", ""), 1);
  EXPECT_EQ(count(CellKind::kClientsSeenIn, "psyk/sor", "k-2", ""), 1);
  EXPECT_EQ(count(CellKind::kClientsSeenIn, "psyk", "", ""), 0);
  EXPECT_EQ(count(CellKind::kClientsSeenIn, "psyk/sor", "k-1", ""), 0);
}

// Random clients against a count of who was there, for every period of a
// three-year span, read by months and with years.
TEST(DistinctClientsTest, EqualsCountingThePeopleForEveryPeriod) {
  std::mt19937 random(20261203);
  Cells cells;
  std::vector<std::set<int32_t>> months_of(40);
  const int32_t first = Month(2024, 1);
  for (std::set<int32_t>& months : months_of) {
    std::vector<PresenceFact> facts;
    const int n = static_cast<int>(random() % 6);
    for (int i = 0; i < n; ++i) {
      const int32_t m = first + static_cast<int32_t>(random() % 36);
      facts.push_back(Seen(absl::CivilDay(m / 12, m % 12 + 1, 1 + i)));
      months.insert(m);
    }
    AddDistinctClients(FactsAt(facts), cells);
  }
  for (int32_t a = first; a < first + 36; ++a) {
    for (int32_t b = a; b < first + 36; ++b) {
      int64_t expected = 0;
      for (const std::set<int32_t>& months : months_of) {
        auto it = months.lower_bound(a);
        expected += it != months.end() && *it <= b;
      }
      ASSERT_EQ(Distinct(cells, a, b, false), expected) << a << ".." << b;
      ASSERT_EQ(Distinct(cells, a, b, true), expected) << a << ".." << b;
    }
  }
}

// AddDistinctClients(after) − AddDistinctClients(before), without the
// cells that come out zero: what AddDistinctClientsChange must give.
Cells WholeDifference(const ClientFacts& before, const ClientFacts& after) {
  Cells whole;
  AddDistinctClients(after, whole, +1);
  AddDistinctClients(before, whole, -1);
  Cells out;
  for (const auto& [key, sums] : whole) {
    if (std::any_of(sums.begin(), sums.end(), [](int64_t v) { return v; })) {
      out[key] = sums;
    }
  }
  return out;
}

TEST(DistinctClientsTest, ChangeOfTouchedCellsEqualsTheWholeDifference) {
  const ClientFacts before = {
      {"e-1",
       {Seen(absl::CivilDay(2025, 2, 10)), Seen(absl::CivilDay(2026, 3, 9))}},
      {"e-2", {Seen(absl::CivilDay(2026, 5, 4), "psyk/sor", "k-2", "srs")}}};
  ClientFacts after = before;
  after["e-1"] = {Seen(absl::CivilDay(2025, 2, 10)),
                  Seen(absl::CivilDay(2025, 11, 3)),
                  Seen(absl::CivilDay(2026, 3, 9))};
  after.erase("e-2");
  const Cells expected = WholeDifference(before, after);
  Cells change;
  AddDistinctClientsChange(before, after, change);
  EXPECT_EQ(change, expected);
  EXPECT_FALSE(change.empty());
  Cells none;
  AddDistinctClientsChange(before, before, none);
  EXPECT_TRUE(none.empty());
}

// Random changes of a client's facts (days added, moved and taken out over
// three years, in two teams and two instruments): the change worked out
// for the touched cells and buckets only equals the whole difference.
TEST(DistinctClientsTest, RandomChangesEqualTheWholeDifference) {
  std::mt19937 random(31);
  auto fact = [&] {
    const int32_t m = Month(2024, 1) + static_cast<int32_t>(random() % 36);
    return Seen(absl::CivilDay(m / 12, m % 12 + 1, 1 + random() % 28),
                random() % 2 ? "psyk/nord" : "psyk/sor", "k-1",
                random() % 2 ? "ors" : "srs");
  };
  for (int round = 0; round < 200; ++round) {
    std::vector<PresenceFact> old_facts, new_facts;
    for (int i = 0; i < static_cast<int>(random() % 12); ++i) {
      old_facts.push_back(fact());
    }
    new_facts = old_facts;
    for (int i = 0; i < 3; ++i) {
      if (!new_facts.empty() && random() % 2) {
        new_facts.erase(new_facts.begin() + random() % new_facts.size());
      } else {
        new_facts.push_back(fact());
      }
    }
    const ClientFacts before = FactsAt(old_facts), after = FactsAt(new_facts);
    Cells expected = WholeDifference(before, after);
    Cells change;
    AddDistinctClientsChange(before, after, change);
    // Compare as sums with trailing zeros ignored.
    for (auto* cells : {&expected, &change}) {
      for (auto& [key, sums] : *cells) {
        while (!sums.empty() && sums.back() == 0) sums.pop_back();
      }
    }
    ASSERT_EQ(change, expected) << "round " << round;
  }
}

}  // namespace
}  // namespace tilbake::analytics

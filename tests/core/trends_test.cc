// Trend figures on a small synthetic tenant whose every figure is worked out
// by hand below, and the rebuild that must equal the incremental aggregates.
//
// Teams psyk/nord, psyk/sor (department psyk) and rus/vest; rule set jt-5
// (ORS cutoff 25 "below", RC 5, SD 7). ORS totals:
//   E1 psyk/nord k1: s1 01-05 20.0, s2 01-12 26.0; SRS s1 38.0, s2 skipped;
//      closed planned 01-20. +6 from below 25 to above: recovered.
//   E2 psyk/nord k2: s1 01-07 15.0, s2 02-04 18.0; SRS s1 36.0;
//      closed unilateral 02-10. +3: no reliable change (dropout, no effect).
//   E3 psyk/sor k3: s1 02-02 30.0, s2 02-09 31.0; no SRS; closed planned
//      02-15. Intake above the cutoff; +1.
//   E4 rus/vest k4: s1 01-14 10.0, s2 01-21 16.0 (s2 submitted first); closed
//      unilateral 01-30. +6, still below 25: improved (dropout with effect).
//   E5 psyk/nord k1: s1 02-20 22.0, SRS s1 37.0; open.
#include "server/core/trends.h"

#include <memory>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/config/instrument_loader.h"
#include "server/config/rule_set_loader.h"
#include "server/core/aggregation.h"
#include "server/core/privacy_service.h"
#include "server/core/rating_service.h"
#include "tests/testing/builders.h"
#include "tests/testing/core_test_base.h"
#include "tests/testing/status_matchers.h"

namespace tilbake::core {
namespace {

using ::testing::DoubleNear;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::Optional;
using ::testing::SizeIs;
using ::tilbake::testing::IsOk;

class TrendsTest : public testing::CoreTestBase {
 protected:
  void SetUp() override {
    CoreTestBase::SetUp();
    if (HasFatalFailure()) return;
    trends_ = std::make_unique<TrendService>(store_.get(), rules_.get());
    Populate();
  }

  void Submit(const std::string& episode, const std::string& org_unit,
              const std::string& clinician, int session, absl::CivilDay date,
              const std::string& instrument, std::optional<int> total,
              const std::string& client = "") {
    domain::Rating r = testing::OrsRating(session);
    r.episode_id = episode;
    r.client_id = client.empty() ? "c-" + episode : client;
    r.org_unit = org_unit;
    r.clinician_id = clinician;
    r.session_date = date;
    r.instrument_id = instrument;
    r.client_age_years = 30;
    if (total.has_value()) {
      const int each = *total / 4;
      r.answers.items = {{"", *total - 3 * each, {}},
                         {"", each, {}},
                         {"", each, {}},
                         {"", each, {}}};
    } else {
      r.answers = {};
      r.answers.format = scoring::AnswerFormat::kSkipped;
    }
    ASSERT_THAT(
        service_->Submit(testing::TestActor(), r,
                         absl::StrCat(episode, "-", session, "-", instrument)),
        IsOk());
  }

  void Close(const std::string& episode, domain::EndingType type,
             absl::CivilDay day) {
    ASSERT_THAT(service_->CloseEpisode(testing::TestActor(), "tenant-a",
                                       episode, {type, day}),
                IsOk());
  }

  void Populate() {
    using absl::CivilDay;
    constexpr auto kPlanned = domain::EndingType::kPlanned;
    constexpr auto kUnilateral = domain::EndingType::kUnilateral;
    Submit("e1", "psyk/nord", "k1", 1, CivilDay(2026, 1, 5), "ors", 200);
    Submit("e1", "psyk/nord", "k1", 1, CivilDay(2026, 1, 5), "srs", 380);
    Submit("e1", "psyk/nord", "k1", 2, CivilDay(2026, 1, 12), "ors", 260);
    Submit("e1", "psyk/nord", "k1", 2, CivilDay(2026, 1, 12), "srs",
           std::nullopt);
    Close("e1", kPlanned, CivilDay(2026, 1, 20));
    Submit("e2", "psyk/nord", "k2", 1, CivilDay(2026, 1, 7), "ors", 150);
    Submit("e2", "psyk/nord", "k2", 1, CivilDay(2026, 1, 7), "srs", 360);
    Submit("e2", "psyk/nord", "k2", 2, CivilDay(2026, 2, 4), "ors", 180);
    Close("e2", kUnilateral, CivilDay(2026, 2, 10));
    Submit("e3", "psyk/sor", "k3", 1, CivilDay(2026, 2, 2), "ors", 300);
    Submit("e3", "psyk/sor", "k3", 2, CivilDay(2026, 2, 9), "ors", 310);
    Close("e3", kPlanned, CivilDay(2026, 2, 15));
    // Session 2 first: the episode's start moves back when session 1 comes.
    Submit("e4", "rus/vest", "k4", 2, CivilDay(2026, 1, 21), "ors", 160);
    Submit("e4", "rus/vest", "k4", 1, CivilDay(2026, 1, 14), "ors", 100);
    Close("e4", kUnilateral, CivilDay(2026, 1, 30));
    Submit("e5", "psyk/nord", "k1", 1, CivilDay(2026, 2, 20), "ors", 220);
    Submit("e5", "psyk/nord", "k1", 1, CivilDay(2026, 2, 20), "srs", 370);
  }

  TrendQuery JanFeb() const {
    TrendQuery q;
    q.tenant_id = "tenant-a";
    q.from = absl::CivilDay(2026, 1, 1);
    q.to = absl::CivilDay(2026, 2, 28);
    return q;
  }

  // The one row of the tenant's ORS figures over [from, to] as a single
  // bucket (empty, and the test fails, if there is not exactly one).
  TrendRow WholePeriodOrs(absl::CivilDay from, absl::CivilDay to) {
    TrendQuery q = JanFeb();
    q.from = from;
    q.to = to;
    q.bucket = BucketSize::kWholePeriod;
    q.instruments = {"ors"};
    auto rows = trends_->Query(q);
    EXPECT_THAT(rows, IsOk());
    if (!rows.ok() || rows->size() != 1) {
      ADD_FAILURE() << "expected exactly one row";
      return {};
    }
    return (*rows)[0];
  }

  const TrendRow* Find(const std::vector<TrendRow>& rows,
                       const std::string& org_unit, int month) {
    for (const TrendRow& r : rows) {
      if (r.org_unit == org_unit && r.start.month() == month) return &r;
    }
    ADD_FAILURE() << "no row " << org_unit << " month " << month;
    return nullptr;
  }

  std::unique_ptr<TrendService> trends_;
};

TEST_F(TrendsTest, TeamsByMonth) {
  TrendQuery q = JanFeb();
  q.org_unit = "psyk";
  q.group_by = {GroupBy::kOrgUnit};
  auto rows = trends_->Query(q);
  ASSERT_THAT(rows, IsOk());
  ASSERT_THAT(*rows, SizeIs(3));  // nord Jan, nord Feb, sor Feb; rus filtered

  const TrendRow* nord_jan = Find(*rows, "psyk/nord", 1);
  ASSERT_NE(nord_jan, nullptr);
  // E1: ORS s1 s2, SRS s1, SRS s2 (skipped); E2: ORS s1, SRS s1.
  EXPECT_EQ(nord_jan->activity.administrations, 6);
  EXPECT_EQ(nord_jan->activity.completed, 5);
  // Sessions E1 s1, E1 s2, E2 s1: all with an ORS, 2 with a completed SRS.
  EXPECT_EQ(nord_jan->activity.sessions, 3);
  EXPECT_THAT(nord_jan->activity.pct_sessions_with_outcome, Optional(100.0));
  EXPECT_THAT(nord_jan->activity.pct_sessions_with_alliance,
              Optional(DoubleNear(66.667, 1e-3)));
  EXPECT_EQ(nord_jan->activity.episodes_started, 2);  // E1, E2
  // E1 ended in January: 20.0 -> 26.0, ES 6/7, recovered.
  EXPECT_EQ(nord_jan->all.series, 1);
  EXPECT_THAT(nord_jan->all.mean_change, Optional(6.0));
  EXPECT_THAT(nord_jan->all.effect_size, Optional(DoubleNear(6.0 / 7, 1e-9)));
  EXPECT_THAT(nord_jan->all.pct_recovered, Optional(100.0));
  EXPECT_EQ(nord_jan->all.planned, 1);

  const TrendRow* nord_feb = Find(*rows, "psyk/nord", 2);
  ASSERT_NE(nord_feb, nullptr);
  // E2 ORS s2, E5 ORS s1 and SRS s1; sessions E2 s2, E5 s1; E5 started.
  EXPECT_EQ(nord_feb->activity.administrations, 3);
  EXPECT_EQ(nord_feb->activity.sessions, 2);
  EXPECT_THAT(nord_feb->activity.pct_sessions_with_alliance, Optional(50.0));
  EXPECT_EQ(nord_feb->activity.episodes_started, 1);
  // E2 ended in February, unilateral, +3: a dropout without effect.
  EXPECT_EQ(nord_feb->all.unilateral, 1);
  EXPECT_EQ(nord_feb->all.unilateral_with_effect, 0);
  EXPECT_THAT(nord_feb->all.mean_intake, Optional(15.0));

  const TrendRow* sor_feb = Find(*rows, "psyk/sor", 2);
  ASSERT_NE(sor_feb, nullptr);
  // E3's intake 30.0 is above the cutoff: reported apart.
  EXPECT_EQ(sor_feb->intake_above_cutoff.series, 1);
  EXPECT_EQ(sor_feb->intake_below_cutoff.series, 0);
  EXPECT_THAT(sor_feb->intake_above_cutoff.mean_change, Optional(1.0));
  EXPECT_THAT(sor_feb->activity.pct_sessions_with_alliance, Optional(0.0));
}

TEST_F(TrendsTest, DepartmentIncludesItsTeams) {
  TrendQuery q = JanFeb();
  q.org_unit = "psyk";
  q.group_by = {GroupBy::kOrgUnit};
  q.org_unit_depth = 1;
  auto rows = trends_->Query(q);
  ASSERT_THAT(rows, IsOk());
  ASSERT_THAT(*rows, SizeIs(2));
  const TrendRow* feb = Find(*rows, "psyk", 2);
  ASSERT_NE(feb, nullptr);
  // nord Feb (3) + sor Feb (2) administrations; 4 sessions, 1 with an SRS.
  EXPECT_EQ(feb->activity.administrations, 5);
  EXPECT_EQ(feb->activity.sessions, 4);
  EXPECT_THAT(feb->activity.pct_sessions_with_alliance, Optional(25.0));
  // E2 (15 -> 18) and E3 (30 -> 31): mean intake 22.5, mean change 2.0,
  // ES (3/7 + 1/7) / 2 = 0.285714.
  EXPECT_EQ(feb->all.series, 2);
  EXPECT_THAT(feb->all.mean_intake, Optional(22.5));
  EXPECT_THAT(feb->all.mean_change, Optional(2.0));
  EXPECT_THAT(feb->all.effect_size, Optional(DoubleNear(2.0 / 7, 1e-9)));
  EXPECT_THAT(feb->intake_below_cutoff.mean_change, Optional(3.0));
  EXPECT_THAT(feb->intake_above_cutoff.mean_change, Optional(1.0));
  // "psyk" is not "psykiatri": a sibling with a longer name stays out.
}

TEST_F(TrendsTest, WholeTenantWholePeriod) {
  const TrendRow row =
      WholePeriodOrs(absl::CivilDay(2026, 1, 1), absl::CivilDay(2026, 2, 28));
  const OutcomeFigures& all = row.all;
  // E1..E4: changes 6, 3, 1, 6: ES (16/7)/4 = 0.571429.
  EXPECT_EQ(all.series, 4);
  EXPECT_THAT(all.effect_size, Optional(DoubleNear(16.0 / 28, 1e-9)));
  EXPECT_THAT(all.pct_improved, Optional(25.0));   // E4
  EXPECT_THAT(all.pct_recovered, Optional(25.0));  // E1
  EXPECT_THAT(all.pct_deteriorated, Optional(0.0));
  EXPECT_EQ(all.planned, 2);                 // E1, E3
  EXPECT_EQ(all.unilateral, 2);              // E2, E4
  EXPECT_EQ(all.unilateral_with_effect, 1);  // E4
  EXPECT_THAT(all.mean_sessions, Optional(2.0));
  // Days from first session to the ending: 15, 34, 13, 16 -> 19.5.
  EXPECT_THAT(all.mean_days, Optional(19.5));
  // First SRS of the episodes that have one: E1 38.0, E2 36.0 -> 37.0.
  EXPECT_THAT(all.mean_first_alliance, Optional(37.0));
  // No trajectory targets yet: no severity-adjusted figures.
  EXPECT_FALSE(all.severity_adjusted_effect_size.has_value());
  EXPECT_EQ(row.start, absl::CivilDay(2026, 1, 1));
  EXPECT_EQ(row.end, absl::CivilDay(2026, 2, 28));
}

TEST_F(TrendsTest, FormsInTheClinicalRangeAndSrsBelowTheCutoff) {
  // One SRS below the cutoff (36 "below"): E5 session 2, 35.9.
  Submit("e5", "psyk/nord", "k1", 2, absl::CivilDay(2026, 2, 27), "srs", 359);
  TrendQuery q = JanFeb();
  q.bucket = BucketSize::kWholePeriod;
  q.group_by = {GroupBy::kInstrument};
  auto rows = trends_->Query(q);
  ASSERT_THAT(rows, IsOk());
  ASSERT_THAT(*rows, SizeIs(2));
  const ActivityFigures& ors = (*rows)[0].activity;
  const ActivityFigures& srs = (*rows)[1].activity;
  ASSERT_EQ((*rows)[0].instrument_id, "ors");
  ASSERT_EQ((*rows)[1].instrument_id, "srs");
  // ORS 20 26 15 18 30 31 16 10 22, adults (cutoff 25 "below"): 20 15 18 16
  // 10 22 are in the clinical range, 6 of 9.
  EXPECT_EQ(ors.completed, 9);
  EXPECT_EQ(ors.in_clinical_range, 6);
  EXPECT_THAT(ors.pct_in_clinical_range, Optional(DoubleNear(600.0 / 9, 1e-9)));
  // SRS 38 36 37 35.9 (one skipped is not completed): 36 is not below 36.
  EXPECT_EQ(srs.completed, 4);
  EXPECT_EQ(srs.in_clinical_range, 1);
  EXPECT_THAT(srs.pct_in_clinical_range, Optional(25.0));
  // March has no forms: no share rather than 0 %.
  q.from = absl::CivilDay(2026, 3, 1);
  q.to = absl::CivilDay(2026, 3, 31);
  rows = trends_->Query(q);
  ASSERT_THAT(rows, IsOk());
  for (const TrendRow& row : *rows) {
    EXPECT_FALSE(row.activity.pct_in_clinical_range.has_value());
  }
  // The rebuild counts the same forms.
  auto incremental = store_->ReadAllAggregates("tenant-a");
  ASSERT_THAT(incremental, IsOk());
  auto rebuilt = RebuildAggregates(*store_, *catalog_, *rules_);
  ASSERT_THAT(rebuilt, IsOk());
  EXPECT_TRUE(NonZeroCells(*incremental) == (*rebuilt)["tenant-a"]);
}

TEST_F(TrendsTest, FiltersAndWeeks) {
  TrendQuery q = JanFeb();
  q.clinician_id = "k1";  // E1 and E5
  q.bucket = BucketSize::kWholePeriod;
  auto rows = trends_->Query(q);
  ASSERT_THAT(rows, IsOk());
  ASSERT_THAT(*rows, SizeIs(1));
  EXPECT_EQ((*rows)[0].activity.administrations, 6);  // E1: 4, E5: 2
  EXPECT_EQ((*rows)[0].all.series, 1);                // E1 closed

  q = JanFeb();
  q.org_unit = "psyk/nord";
  q.bucket = BucketSize::kWeek;
  q.from = absl::CivilDay(2026, 1, 5);  // a Monday
  q.to = absl::CivilDay(2026, 1, 11);
  rows = trends_->Query(q);
  ASSERT_THAT(rows, IsOk());
  ASSERT_THAT(*rows, SizeIs(1));
  // E1 s1 (ORS, SRS) and E2 s1 (ORS, SRS) in the week of 5–11 January.
  EXPECT_EQ((*rows)[0].activity.administrations, 4);
  EXPECT_EQ((*rows)[0].start, absl::CivilDay(2026, 1, 5));
  EXPECT_EQ((*rows)[0].end, absl::CivilDay(2026, 1, 11));

  q = JanFeb();
  q.group_by = {GroupBy::kInstrument};
  rows = trends_->Query(q);
  ASSERT_THAT(rows, IsOk());
  for (const TrendRow& row : *rows) {
    if (row.instrument_id == "srs" && row.start.month() == 1) {
      // January SRS: E1 38.0, E2 36.0 (E1's skipped s2 has no score).
      EXPECT_EQ(row.activity.administrations, 3);
      EXPECT_THAT(row.activity.mean_score, Optional(37.0));
      EXPECT_EQ(row.activity.sessions, 0);  // no session figures per instrument
    }
  }
}

// A query that does not ask for clinicians reads the org units' totals; one
// that does reads the per-clinician cells: the same ratings, counted once
// in each.
TEST_F(TrendsTest, UnitTotalsAndPerClinicianCellsAgree) {
  TrendQuery q = JanFeb();
  q.bucket = BucketSize::kWholePeriod;
  auto total = trends_->Query(q);
  ASSERT_THAT(total, IsOk());
  ASSERT_THAT(*total, SizeIs(1));
  EXPECT_EQ((*total)[0].activity.administrations, 13);
  EXPECT_EQ((*total)[0].activity.sessions, 9);
  EXPECT_EQ((*total)[0].all.series, 4);

  q.group_by = {GroupBy::kClinician};
  auto rows = trends_->Query(q);
  ASSERT_THAT(rows, IsOk());
  std::map<std::string, std::tuple<int64_t, int64_t, int64_t>> by_clinician;
  for (const TrendRow& row : *rows) {
    by_clinician[row.clinician_id] = {row.activity.administrations,
                                      row.activity.sessions, row.all.series};
  }
  // k1: E1 (4 forms, 2 sessions, closed) and E5 (2 forms, 1 session, open).
  EXPECT_EQ(by_clinician,
            (std::map<std::string, std::tuple<int64_t, int64_t, int64_t>>{
                {"k1", {6, 3, 1}},
                {"k2", {3, 2, 1}},
                {"k3", {2, 2, 1}},
                {"k4", {2, 2, 1}}}));

  // The two scopes are separate key ranges.
  for (auto scope :
       {analytics::CellScope::kUnitTotal, analytics::CellScope::kClinician}) {
    auto cells = store_->ReadAggregates(
        "tenant-a", analytics::CellKind::kAdministration,
        analytics::Granularity::kMonth, scope, "", 0, 1'000'000);
    ASSERT_THAT(cells, IsOk());
    ASSERT_FALSE(cells->empty());
    for (const auto& [key, sums] : *cells) {
      EXPECT_EQ(key.clinician_id.empty(),
                scope == analytics::CellScope::kUnitTotal);
    }
  }
}

TEST_F(TrendsTest, DistinctClientsCountPeopleNotSeries) {
  using absl::CivilDay;
  // E1's client comes back: E6 psyk/sor k3, ORS s1 02-03 21.0, s2 02-10
  // 24.0, closed planned 02-25 (intake below the cutoff).
  Submit("e6", "psyk/sor", "k3", 1, CivilDay(2026, 2, 3), "ors", 210, "c-e1");
  Submit("e6", "psyk/sor", "k3", 2, CivilDay(2026, 2, 10), "ors", 240, "c-e1");
  Close("e6", domain::EndingType::kPlanned, CivilDay(2026, 2, 25));

  // Whole tenant, January and February: c-e1..c-e5 have forms; series of
  // E1, E2, E3, E4, E6 ended, of four clients (c-e1 twice). Below the
  // cutoff E1, E2, E4, E6 (c-e1, c-e2, c-e4); above E3.
  const TrendRow whole =
      WholePeriodOrs(CivilDay(2026, 1, 1), CivilDay(2026, 2, 28));
  EXPECT_THAT(whole.distinct_clients, Optional(5));
  EXPECT_EQ(whole.all.series, 5);
  EXPECT_THAT(whole.all.distinct_clients, Optional(4));
  EXPECT_EQ(whole.intake_below_cutoff.series, 4);
  EXPECT_THAT(whole.intake_below_cutoff.distinct_clients, Optional(3));
  EXPECT_THAT(whole.intake_above_cutoff.distinct_clients, Optional(1));
  // The same with the calendar year 2026 read as year cells.
  const TrendRow years =
      WholePeriodOrs(CivilDay(2025, 12, 1), CivilDay(2027, 1, 31));
  EXPECT_THAT(years.distinct_clients, Optional(5));
  EXPECT_THAT(years.all.distinct_clients, Optional(4));

  // The department by month, then as one period: c-e1 and c-e2 are in both
  // months and count once in the period.
  TrendQuery q = JanFeb();
  q.org_unit = "psyk";
  q.group_by = {GroupBy::kOrgUnit};
  q.org_unit_depth = 1;
  auto months = trends_->Query(q);
  ASSERT_THAT(months, IsOk());
  ASSERT_THAT(*months, SizeIs(2));
  EXPECT_THAT(Find(*months, "psyk", 1)->distinct_clients, Optional(2));
  EXPECT_THAT(Find(*months, "psyk", 2)->distinct_clients, Optional(4));
  EXPECT_THAT(Find(*months, "psyk", 1)->all.distinct_clients, Optional(1));
  EXPECT_THAT(Find(*months, "psyk", 2)->all.distinct_clients, Optional(3));
  q.bucket = BucketSize::kWholePeriod;
  auto period = trends_->Query(q);
  ASSERT_THAT(period, IsOk());
  ASSERT_THAT(*period, SizeIs(1));
  EXPECT_THAT((*period)[0].distinct_clients, Optional(4));  // c-e1,2,3,5
  EXPECT_EQ((*period)[0].all.series, 4);                    // E1 E2 E3 E6
  EXPECT_THAT((*period)[0].all.distinct_clients, Optional(3));

  // Teams as they are: c-e1 in both psyk teams, once in each.
  q.org_unit = "";
  q.org_unit_depth = 0;
  auto teams = trends_->Query(q);
  ASSERT_THAT(teams, IsOk());
  ASSERT_THAT(*teams, SizeIs(3));
  EXPECT_THAT(Find(*teams, "psyk/nord", 1)->distinct_clients, Optional(3));
  EXPECT_THAT(Find(*teams, "psyk/sor", 1)->distinct_clients, Optional(2));
  EXPECT_THAT(Find(*teams, "rus/vest", 1)->distinct_clients, Optional(1));

  // By clinician: k1 saw c-e1 (E1) and c-e5; k3 c-e3 and c-e1 (E6).
  q.group_by = {GroupBy::kClinician};
  auto clinicians = trends_->Query(q);
  ASSERT_THAT(clinicians, IsOk());
  std::map<std::string, std::optional<int64_t>> by_clinician;
  for (const TrendRow& row : *clinicians) {
    by_clinician[row.clinician_id] = row.distinct_clients;
  }
  EXPECT_THAT(by_clinician["k1"], Optional(2));
  EXPECT_THAT(by_clinician["k3"], Optional(2));
  EXPECT_THAT(by_clinician["k4"], Optional(1));

  // By instrument: the SRS was rated by c-e1, c-e2 and c-e5.
  q.group_by = {GroupBy::kInstrument};
  auto instruments = trends_->Query(q);
  ASSERT_THAT(instruments, IsOk());
  ASSERT_THAT(*instruments, SizeIs(2));
  EXPECT_EQ((*instruments)[1].instrument_id, "srs");
  EXPECT_THAT((*instruments)[0].distinct_clients, Optional(5));
  EXPECT_THAT((*instruments)[1].distinct_clients, Optional(3));

  // Weeks: the week of 2026-02-02 had c-e2, c-e3 and c-e1 (E6) in the
  // tenant; weeks are kept for every instrument only, so a weekly row by
  // instrument has no count.
  TrendQuery weeks = JanFeb();
  weeks.bucket = BucketSize::kWeek;
  auto weekly = trends_->Query(weeks);
  ASSERT_THAT(weekly, IsOk());
  std::optional<int64_t> week_of_feb_2;
  for (const TrendRow& row : *weekly) {
    if (row.start == CivilDay(2026, 2, 2))
      week_of_feb_2 = *row.distinct_clients;
  }
  EXPECT_THAT(week_of_feb_2, Optional(3));
  weeks.group_by = {GroupBy::kInstrument};
  auto weekly_by_instrument = trends_->Query(weeks);
  ASSERT_THAT(weekly_by_instrument, IsOk());
  ASSERT_FALSE(weekly_by_instrument->empty());
  EXPECT_FALSE((*weekly_by_instrument)[0].distinct_clients.has_value());

  // Several instruments in one row: not kept, so not given.
  q.group_by = {};
  q.instruments = {"ors", "srs"};
  auto mixed = trends_->Query(q);
  ASSERT_THAT(mixed, IsOk());
  ASSERT_THAT(*mixed, SizeIs(1));
  EXPECT_FALSE((*mixed)[0].distinct_clients.has_value());
  EXPECT_FALSE((*mixed)[0].all.distinct_clients.has_value());

  // Small cells count people: five series of four clients are a cell of
  // four, left out at a threshold of five; the activity of five stays.
  TrendRow suppressed = whole;
  SuppressSmallCells(suppressed, 5);
  EXPECT_TRUE(suppressed.all.suppressed);
  EXPECT_FALSE(suppressed.activity_suppressed);
}

TEST_F(TrendsTest, RebuildEqualsIncremental) {
  auto incremental = store_->ReadAllAggregates("tenant-a");
  ASSERT_THAT(incremental, IsOk());
  ASSERT_FALSE(incremental->empty());
  auto rebuilt = RebuildAggregatesAndFacts(*store_, *catalog_, *rules_);
  ASSERT_THAT(rebuilt, IsOk());
  // Cells whose deltas cancelled (the moved episode start) read as zero.
  const analytics::Cells nonzero = NonZeroCells(*incremental);
  EXPECT_EQ(nonzero.size(), rebuilt->cells["tenant-a"].size());
  EXPECT_TRUE(nonzero == rebuilt->cells["tenant-a"]);
  // The clients' facts rows kept by the writes are the rebuilt ones.
  ASSERT_FALSE(rebuilt->facts["tenant-a"].empty());
  for (const auto& [client, facts] : rebuilt->facts["tenant-a"]) {
    auto stored = store_->GetClientFacts("tenant-a", client);
    ASSERT_THAT(stored, IsOk());
    EXPECT_TRUE(*stored == facts) << client;
  }
  // Replacing with the rebuild changes no figure.
  auto before = trends_->Query(JanFeb());
  ASSERT_THAT(store_->ReplaceAggregates(rebuilt->cells, rebuilt->facts),
              IsOk());
  auto after = trends_->Query(JanFeb());
  ASSERT_THAT(before, IsOk());
  ASSERT_THAT(after, IsOk());
  ASSERT_EQ(before->size(), after->size());
  for (size_t i = 0; i < before->size(); ++i) {
    EXPECT_EQ((*before)[i].activity.administrations,
              (*after)[i].activity.administrations);
    EXPECT_EQ((*before)[i].all.series, (*after)[i].all.series);
    EXPECT_EQ((*before)[i].all.mean_change, (*after)[i].all.mean_change);
  }
}

// Erasing E1's client takes E1 out of every figure, as if it had never
// been submitted; the aggregates still equal a rebuild.
TEST_F(TrendsTest, ErasureTakesTheClientOutOfEveryFigure) {
  PrivacyService privacy(records_.get());
  const domain::Actor anne{"anne", "admin", "tenant-a", "", ""};
  const domain::Actor bo{"bo", "admin", "tenant-a", "", ""};
  auto request = privacy.RequestErasure(anne, "tenant-a", "c-e1", "asked");
  ASSERT_THAT(request, IsOk());
  ASSERT_THAT(privacy.DecideErasure(bo, "tenant-a", request->request_id, true),
              IsOk());

  const TrendRow whole =
      WholePeriodOrs(absl::CivilDay(2026, 1, 1), absl::CivilDay(2026, 2, 28));
  const OutcomeFigures& all = whole.all;
  // The client is no longer among the people: c-e2..c-e5 had forms, and
  // c-e2..c-e4 ended a series.
  EXPECT_THAT(whole.distinct_clients, Optional(4));
  EXPECT_THAT(all.distinct_clients, Optional(3));
  auto facts = store_->GetClientFacts("tenant-a", "c-e1");
  ASSERT_THAT(facts, IsOk());
  EXPECT_TRUE(facts->empty());
  // E2..E4: changes 3, 1, 6: ES (10/7)/3.
  EXPECT_EQ(all.series, 3);
  EXPECT_THAT(all.effect_size, Optional(DoubleNear(10.0 / 21, 1e-9)));
  EXPECT_THAT(all.pct_improved, Optional(DoubleNear(100.0 / 3, 1e-9)));
  EXPECT_THAT(all.pct_recovered, Optional(0.0));
  EXPECT_EQ(all.planned, 1);  // E3
  EXPECT_EQ(all.unilateral, 2);
  // Days 34, 13, 16 -> 21.
  EXPECT_THAT(all.mean_days, Optional(21.0));
  // Only E2 has an SRS now: 36.0.
  EXPECT_THAT(all.mean_first_alliance, Optional(36.0));

  TrendQuery q = JanFeb();
  q.org_unit = "psyk/nord";
  q.group_by = {GroupBy::kOrgUnit};
  auto rows = trends_->Query(q);
  ASSERT_THAT(rows, IsOk());
  const TrendRow* nord_jan = Find(*rows, "psyk/nord", 1);
  ASSERT_NE(nord_jan, nullptr);
  // Only E2's session 1: ORS and SRS.
  EXPECT_EQ(nord_jan->activity.administrations, 2);
  EXPECT_EQ(nord_jan->activity.sessions, 1);
  EXPECT_EQ(nord_jan->activity.episodes_started, 1);
  EXPECT_EQ(nord_jan->all.series, 0);

  // Groups and weeks that only the erased client filled give no row: an
  // all-zero row would tell which groups and weeks held the erased data.
  TrendQuery fine = JanFeb();
  fine.bucket = BucketSize::kWeek;
  fine.group_by = {GroupBy::kOrgUnit, GroupBy::kClinician,
                   GroupBy::kInstrument};
  auto fine_rows = trends_->Query(fine);
  ASSERT_THAT(fine_rows, IsOk());
  EXPECT_THAT(*fine_rows, Not(IsEmpty()));
  for (const TrendRow& row : *fine_rows) {
    EXPECT_TRUE(row.activity.administrations > 0 ||
                row.activity.episodes_started > 0 || row.all.series > 0 ||
                row.collateral_series > 0)
        << row.org_unit << " " << row.clinician_id << " " << row.instrument_id
        << " " << row.start;
  }

  auto rebuilt = RebuildAggregates(*store_, *catalog_, *rules_);
  ASSERT_THAT(rebuilt, IsOk());
  auto incremental = store_->ReadAllAggregates("tenant-a");
  ASSERT_THAT(incremental, IsOk());
  const analytics::Cells nonzero = NonZeroCells(*incremental);
  EXPECT_TRUE(nonzero == (*rebuilt)["tenant-a"]);
}

// A period holding whole calendar years reads them as year cells; the
// figures are the same as from months.
TEST_F(TrendsTest, WholeYearsReadAsYearCellsGiveTheSameFigures) {
  // Nov 2025 – Feb 2027: 2026 is whole.
  const TrendRow row =
      WholePeriodOrs(absl::CivilDay(2025, 11, 1), absl::CivilDay(2027, 2, 28));
  // As WholeTenantWholePeriod: E1..E4, changes 6, 3, 1, 6.
  EXPECT_EQ(row.all.series, 4);
  EXPECT_THAT(row.all.effect_size, Optional(DoubleNear(16.0 / 28, 1e-9)));
  EXPECT_THAT(row.all.mean_days, Optional(19.5));
  EXPECT_EQ(row.start, absl::CivilDay(2025, 11, 1));
  EXPECT_EQ(row.end, absl::CivilDay(2027, 2, 28));

  TrendQuery q = JanFeb();
  q.from = absl::CivilDay(2025, 11, 1);
  q.to = absl::CivilDay(2027, 2, 28);
  q.bucket = BucketSize::kYear;
  q.group_by = {GroupBy::kOrgUnit};
  q.org_unit = "psyk";
  auto rows = trends_->Query(q);
  ASSERT_THAT(rows, IsOk());
  ASSERT_THAT(*rows, SizeIs(2));  // psyk/nord and psyk/sor, 2026 only.
  const TrendRow* nord = Find(*rows, "psyk/nord", 1);
  ASSERT_NE(nord, nullptr);
  EXPECT_EQ(nord->start, absl::CivilDay(2026, 1, 1));
  EXPECT_EQ(nord->end, absl::CivilDay(2026, 12, 31));
  // nord Jan (6) + Feb (3) administrations; E1 and E2 closed.
  EXPECT_EQ(nord->activity.administrations, 9);
  EXPECT_EQ(nord->activity.sessions, 5);
  EXPECT_EQ(nord->all.series, 2);
  EXPECT_EQ(nord->activity.episodes_started, 3);  // E1, E2, E5

  // The year cells hold every administration of 2026: E1 4, E2 3, E3 2,
  // E4 2, E5 2.
  auto year =
      store_->ReadAggregates("tenant-a", analytics::CellKind::kAdministration,
                             analytics::Granularity::kYear,
                             analytics::CellScope::kUnitTotal, "", 2026, 2026);
  ASSERT_THAT(year, IsOk());
  int64_t recorded = 0;
  for (const auto& [key, sums] : *year) {
    recorded += sums[analytics::admin::kRecorded];
  }
  EXPECT_EQ(recorded, 13);
}

TEST_F(TrendsTest, BadQueriesNameTheField) {
  TrendQuery q = JanFeb();
  q.to = absl::CivilDay(2025, 1, 1);
  EXPECT_THAT(trends_->Query(q),
              testing::StatusIs(absl::StatusCode::kInvalidArgument,
                                ::testing::HasSubstr("period")));
  q = JanFeb();
  q.org_unit = "Psyk";
  EXPECT_THAT(trends_->Query(q),
              testing::StatusIs(absl::StatusCode::kInvalidArgument,
                                ::testing::HasSubstr("org_unit")));
  q = JanFeb();
  q.bucket = BucketSize::kWeek;
  q.from = absl::CivilDay(2000, 1, 1);
  EXPECT_THAT(trends_->Query(q),
              testing::StatusIs(absl::StatusCode::kInvalidArgument,
                                ::testing::HasSubstr("more than 520")));
}

// The limit counts the buckets of the size asked for: 60 years is 720
// months but 60 year rows (or one whole-period row), and only a bucket
// that has a larger one suggests it.
TEST_F(TrendsTest, TheBucketLimitCountsBucketsOfTheSizeAsked) {
  struct Row {
    BucketSize bucket;
    absl::CivilDay from, to;
    const char* refusal;  // nullptr: accepted.
  };
  const Row rows[] = {
      {BucketSize::kYear, absl::CivilDay(1967, 1, 1),
       absl::CivilDay(2026, 12, 31), nullptr},
      {BucketSize::kWholePeriod, absl::CivilDay(1967, 1, 1),
       absl::CivilDay(2026, 12, 31), nullptr},
      {BucketSize::kQuarter, absl::CivilDay(1967, 1, 1),
       absl::CivilDay(2026, 12, 31), nullptr},  // 240 quarters.
      {BucketSize::kMonth, absl::CivilDay(1967, 1, 1),
       absl::CivilDay(2026, 12, 31),
       "period: 720 buckets, more than 520; choose a larger bucket (quarter) "
       "or a shorter period"},
      // 137 years of 4 quarters and two more quarters: 550.
      {BucketSize::kQuarter, absl::CivilDay(1890, 1, 1),
       absl::CivilDay(2027, 6, 30),
       "period: 550 buckets, more than 520; choose a larger bucket (year)"},
  };
  for (const Row& row : rows) {
    TrendQuery q = JanFeb();
    q.bucket = row.bucket;
    q.from = row.from;
    q.to = row.to;
    auto result = trends_->Query(q);
    if (row.refusal == nullptr) {
      EXPECT_THAT(result, testing::IsOk()) << row.from << " " << row.to;
    } else {
      EXPECT_THAT(result, testing::StatusIs(absl::StatusCode::kInvalidArgument,
                                            ::testing::HasSubstr(row.refusal)))
          << row.from;
    }
  }
}

TEST(SuppressSmallCellsTest, EachBlockGoesWhenItsClientsAreTooFew) {
  TrendRow row;
  row.clients = 4;
  row.activity.administrations = 9;
  row.activity.mean_score = 27.3;
  row.all.series = 6;
  row.all.effect_size = 0.4;
  row.intake_below_cutoff.series = 4;
  row.intake_below_cutoff.mean_change = 3.0;
  row.intake_above_cutoff.series = 2;
  row.collateral_series = 3;
  SuppressSmallCells(row, 5);
  EXPECT_TRUE(row.activity_suppressed);
  EXPECT_EQ(row.activity.administrations, 0);
  EXPECT_FALSE(row.activity.mean_score.has_value());
  EXPECT_FALSE(row.all.suppressed);  // 6 series: kept.
  EXPECT_EQ(row.all.effect_size, 0.4);
  EXPECT_TRUE(row.intake_below_cutoff.suppressed);
  EXPECT_EQ(row.intake_below_cutoff.series, 0);
  EXPECT_FALSE(row.intake_below_cutoff.mean_change.has_value());
  EXPECT_TRUE(row.intake_above_cutoff.suppressed);
  EXPECT_EQ(row.collateral_series, 0);

  TrendRow outcomes_only;  // No activity in the bucket: nothing to mark.
  outcomes_only.all.series = 5;
  SuppressSmallCells(outcomes_only, 5);
  EXPECT_FALSE(outcomes_only.activity_suppressed);
  EXPECT_FALSE(outcomes_only.all.suppressed);
}

}  // namespace
}  // namespace tilbake::core

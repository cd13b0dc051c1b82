// Retention on a small tenant whose figures are worked out by hand: "today"
// is 2026-06-01 and the policy keeps episodes 5 years after their end, so
// the cutoff is 2021-06-01.
//   old (c-old, psyk/nord): ORS s1 2019-03-04 20.0, s2 2019-04-01 26.0
//     (+6.0); corrected once (its intake typed 19.0 first); closed
//     2019-05-01: retired.
//   recent (c-new): ORS s1 2026-01-05 15.0, s2 2026-01-19 18.0 (+3.0);
//     closed 2026-02-01: kept.
//   open (c-open): ORS s1 2026-05-04 22.0: kept.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/core/aggregation.h"
#include "server/core/correction_service.h"
#include "server/core/retention_service.h"
#include "server/core/trends.h"
#include "tests/testing/builders.h"
#include "tests/testing/core_test_base.h"
#include "tests/testing/status_matchers.h"

namespace tilbake::core {
namespace {

using ::testing::HasSubstr;
using ::testing::Optional;
using ::tilbake::testing::IsOk;
using ::tilbake::testing::StatusIs;

domain::Rating Ors(const std::string& episode, int session, absl::CivilDay day,
                   int total) {
  domain::Rating r = testing::OrsRating(session);
  r.episode_id = episode;
  r.client_id = "c-" + episode;
  r.session_date = day;
  r.client_age_years = 30;
  const int each = total / 4;
  r.answers.items = {{"", total - 3 * each, {}},
                     {"", each, {}},
                     {"", each, {}},
                     {"", each, {}}};
  return r;
}

domain::Actor Admin() {
  return {"anne", "admin", "tenant-a", "req-admin", "test"};
}

class RetentionTest : public testing::CoreTestBase {
 protected:
  void SetUp() override {
    CoreTestBase::SetUp();
    if (HasFatalFailure()) return;
    retention_ = std::make_unique<RetentionService>(
        records_.get(),
        RetentionPolicy{.ended_episode_years = {{"tenant-a", 5}},
                        .audit_years = 3});
    trends_ = std::make_unique<TrendService>(store_.get(), rules_.get());
    using absl::CivilDay;
    Submit(Ors("old", 1, CivilDay(2019, 3, 4), 190), "old-1");
    Submit(Ors("old", 2, CivilDay(2019, 4, 1), 260), "old-2");
    CorrectionService corrections(records_.get());
    ASSERT_THAT(corrections.Correct(Admin(),
                                    {"tenant-a", "old", "1/ors/c-old/client",
                                     "typed 19.0", "old-fix"},
                                    Ors("old", 1, CivilDay(2019, 3, 4), 200)),
                IsOk());
    Close("old", CivilDay(2019, 5, 1));
    Submit(Ors("recent", 1, CivilDay(2026, 1, 5), 150), "recent-1");
    Submit(Ors("recent", 2, CivilDay(2026, 1, 19), 180), "recent-2");
    Close("recent", CivilDay(2026, 2, 1));
    Submit(Ors("open", 1, CivilDay(2026, 5, 4), 220), "open-1");
  }

  void Submit(const domain::Rating& r, const std::string& key) {
    ASSERT_THAT(service_->Submit(testing::TestActor(), r, key), IsOk());
  }
  void Close(const std::string& episode, absl::CivilDay day) {
    ASSERT_THAT(
        service_->CloseEpisode(testing::TestActor(), "tenant-a", episode,
                               {domain::EndingType::kPlanned, day}),
        IsOk());
  }

  // The ORS figures of one year, as one row.
  TrendRow Year(int year) { return Years(year, year); }

  // The ORS figures of the years [first, last], as one row.
  TrendRow Years(int first, int last) {
    TrendQuery q;
    q.tenant_id = "tenant-a";
    q.from = absl::CivilDay(first, 1, 1);
    q.to = absl::CivilDay(last, 12, 31);
    q.bucket = BucketSize::kWholePeriod;
    q.instruments = {"ors"};
    auto rows = trends_->Query(q);
    EXPECT_THAT(rows, IsOk());
    if (!rows.ok() || rows->size() != 1) {
      ADD_FAILURE() << "expected one row for " << first << ".." << last;
      return {};
    }
    return (*rows)[0];
  }

  analytics::Cells Cells() {
    auto cells = store_->ReadAllAggregates("tenant-a");
    EXPECT_THAT(cells, IsOk());
    return cells.ok() ? NonZeroCells(*std::move(cells)) : analytics::Cells{};
  }

  std::unique_ptr<RetentionService> retention_;
  std::unique_ptr<TrendService> trends_;
};

TEST_F(RetentionTest, RetiredEpisodesGoAndTheirFiguresStay) {
  const TrendRow before = Year(2019);
  EXPECT_EQ(before.all.series, 1);
  EXPECT_THAT(before.all.mean_intake, Optional(20.0));
  EXPECT_THAT(before.all.mean_change, Optional(6.0));
  EXPECT_EQ(before.activity.administrations, 2);
  EXPECT_EQ(before.activity.episodes_started, 1);
  const analytics::Cells cells = Cells();

  // A dry run counts and deletes nothing.
  auto dry = retention_->Run(Admin(), "tenant-a", /*dry_run=*/true);
  ASSERT_THAT(dry, IsOk());
  EXPECT_EQ(dry->episodes, 1);
  EXPECT_EQ(dry->administrations, 2);
  EXPECT_EQ(dry->revisions, 1);
  EXPECT_EQ(dry->idempotency_keys, 3);  // old-1, old-2, old-fix
  EXPECT_THAT(dry->episodes_ended_before, Optional(absl::CivilDay(2021, 6, 1)));
  EXPECT_THAT(records_->Read("tenant-a", "old"), IsOk());

  auto run = retention_->Run(Admin(), "tenant-a", /*dry_run=*/false);
  ASSERT_THAT(run, IsOk());
  EXPECT_EQ(run->episodes, 1);
  EXPECT_EQ(run->administrations, 2);
  // The raw records and keys of the retired episode are gone...
  EXPECT_THAT(records_->Read("tenant-a", "old"),
              StatusIs(absl::StatusCode::kNotFound));
  auto trail = store_->ListRevisions("tenant-a", "old");
  ASSERT_THAT(trail, IsOk());
  EXPECT_TRUE(trail->empty());
  for (const char* key : {"old-1", "old-2", "old-fix"}) {
    auto entry = store_->GetIdempotency("tenant-a", key);
    ASSERT_THAT(entry, IsOk());
    EXPECT_FALSE(entry->has_value()) << key;
  }
  // ...the others stay...
  EXPECT_THAT(records_->Read("tenant-a", "recent"), IsOk());
  EXPECT_THAT(records_->Read("tenant-a", "open"), IsOk());
  // ...and no figure moved: 2019 still has its series, and the rebuild from
  // the raw records plus the retired ledger equals the cells.
  const TrendRow after = Year(2019);
  EXPECT_EQ(after.all.series, 1);
  EXPECT_THAT(after.all.mean_intake, Optional(20.0));
  EXPECT_THAT(after.all.mean_change, Optional(6.0));
  EXPECT_EQ(after.activity.administrations, 2);
  EXPECT_EQ(after.activity.episodes_started, 1);
  EXPECT_THAT(Year(2026).all.mean_change, Optional(3.0));
  EXPECT_TRUE(Cells() == cells);
  auto rebuilt = RebuildAggregates(*store_, *catalog_, *rules_);
  ASSERT_THAT(rebuilt, IsOk());
  EXPECT_TRUE((*rebuilt)["tenant-a"] == cells);
  auto ledger = store_->ReadRetiredAggregates();
  ASSERT_THAT(ledger, IsOk());
  EXPECT_FALSE((*ledger)["tenant-a"].empty());

  // Logged with counts, never values; a second run finds nothing.
  auto log = store_->ReadAudit({.tenant_id = "tenant-a", .limit = 1000});
  ASSERT_THAT(log, IsOk());
  std::vector<std::string> details;
  for (const domain::AuditEntry& e : log->entries) {
    if (e.action == "Retention") details.push_back(e.detail);
  }
  EXPECT_THAT(details,
              ::testing::Contains(HasSubstr(
                  "dry run: would retire 1 episodes (2 administrations, 1 "
                  "revisions, 3 keys) ended before 2021-06-01")));
  EXPECT_THAT(details, ::testing::Contains(HasSubstr(
                           "retired 1 episodes (2 administrations, 1 "
                           "revisions, 3 keys) ended before 2021-06-01")));
  auto again = retention_->Run(Admin(), "tenant-a", /*dry_run=*/false);
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(again->episodes, 0);
  EXPECT_TRUE(Cells() == cells);
}

// c-old comes back in 2026. Retention deletes the link between the 2019
// episode and the client, but not what the cells already know: a client
// counted once over 2019–2026 stays counted once, also as the new episode
// grows, and the rebuild (raw records plus ledger) still equals the cells.
TEST_F(RetentionTest, DistinctClientsOfRetiredEpisodesStayAsCounted) {
  using absl::CivilDay;
  domain::Rating back = Ors("back", 1, CivilDay(2026, 3, 2), 210);
  back.client_id = "c-old";
  Submit(back, "back-1");
  // c-old, c-recent, c-open.
  EXPECT_THAT(Years(2019, 2026).distinct_clients, Optional(3));
  EXPECT_THAT(Year(2019).distinct_clients, Optional(1));

  ASSERT_THAT(retention_->Run(Admin(), "tenant-a", /*dry_run=*/false), IsOk());
  auto facts = store_->GetClientFacts("tenant-a", "c-old");
  ASSERT_THAT(facts, IsOk());
  ASSERT_EQ(facts->size(), 1u);
  EXPECT_EQ(facts->begin()->first, "back");
  EXPECT_THAT(Year(2019).distinct_clients, Optional(1));
  EXPECT_THAT(Year(2019).all.distinct_clients, Optional(1));
  EXPECT_THAT(Years(2019, 2026).distinct_clients, Optional(3));

  back = Ors("back", 2, CivilDay(2026, 4, 6), 230);
  back.client_id = "c-old";
  Submit(back, "back-2");
  EXPECT_THAT(Years(2019, 2026).distinct_clients, Optional(3));
  EXPECT_THAT(Year(2026).distinct_clients, Optional(3));
  auto rebuilt = RebuildAggregates(*store_, *catalog_, *rules_);
  ASSERT_THAT(rebuilt, IsOk());
  EXPECT_TRUE((*rebuilt)["tenant-a"] == Cells());
}

TEST_F(RetentionTest, TheAccessLogKeepsTheLegalPeriodOnly) {
  // Entries from 2022 (older than 3 years before 2026-06-01) and now.
  records_->audit()
      .Record({records_->audit().Entry(testing::TestActor(), "GetEpisode",
                                       "tenant-a", "recent", "c-recent",
                                       absl::OkStatus(), "")})
      .IgnoreError();
  domain::AuditEntry old =
      records_->audit().Entry(testing::TestActor(), "GetEpisode", "tenant-a",
                              "recent", "c-recent", absl::OkStatus(), "");
  old.time = absl::FromCivil(absl::CivilDay(2022, 1, 10), absl::UTCTimeZone());
  storage::WriteSet changes;
  changes.audit = {old, old};
  ASSERT_THAT(store_->Apply(changes), IsOk());
  auto count = [&](const std::string& client) {
    auto page = store_->ReadAudit(
        {.tenant_id = "tenant-a", .client_id = client, .limit = 1000});
    EXPECT_THAT(page, IsOk());
    int old_ones = 0;
    for (const domain::AuditEntry& e : page->entries) {
      old_ones += e.time < absl::FromCivil(absl::CivilDay(2023, 6, 1),
                                           absl::UTCTimeZone());
    }
    return old_ones;
  };
  ASSERT_EQ(count(""), 2);
  ASSERT_EQ(count("c-recent"), 2);
  auto dry = retention_->Run(Admin(), "tenant-a", /*dry_run=*/true);
  ASSERT_THAT(dry, IsOk());
  EXPECT_EQ(dry->audit_entries, 2);
  EXPECT_EQ(count(""), 2);
  auto run = retention_->Run(Admin(), "tenant-a", /*dry_run=*/false);
  ASSERT_THAT(run, IsOk());
  EXPECT_EQ(run->audit_entries, 2);
  EXPECT_EQ(count(""), 0);
  EXPECT_EQ(count("c-recent"), 0);  // The copies by client too.
  // Everything since stays, the run's own entries included.
  auto page = store_->ReadAudit({.tenant_id = "tenant-a", .limit = 1000});
  ASSERT_THAT(page, IsOk());
  EXPECT_GT(page->entries.size(), 5u);
  // The scheduled run covers every tenant with a policy or a log.
  auto all = retention_->RunAll(Admin(), /*dry_run=*/true);
  ASSERT_THAT(all, IsOk());
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0].tenant_id, "tenant-a");
}

TEST_F(RetentionTest, ABadTenantIsRefusedAndLogged) {
  EXPECT_THAT(
      retention_->Run(Admin(), "bad tenant", false),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("tenant_id")));
}

}  // namespace
}  // namespace tilbake::core

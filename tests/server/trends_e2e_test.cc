// Trends through the real server: streaming rows and the quality report.
#include <memory>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/proto_builders.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_server.h"

namespace tilbake {
namespace {

using ::testing::DoubleEq;
using ::testing::SizeIs;
using ::tilbake::testing::IsOk;
using ::tilbake::testing::OrsRequest;
using ::tilbake::testing::StatusIs;

class TrendsE2eTest : public ::testing::Test {
 protected:
  // Episode `episode` in `org_unit`: ORS 20.0 then `second` a week later
  // (from 2026-03-02), closed `unilateral` or planned on 2026-03-20.
  void ClosedEpisode(const std::string& episode, const std::string& org_unit,
                     double second_item, bool unilateral,
                     const std::string& client = "") {
    for (int session = 1; session <= 2; ++session) {
      const double v = session == 1 ? 5.0 : second_item;
      auto request =
          OrsRequest(session, episode + std::to_string(session), {v, v, v, v});
      request.mutable_rating()->set_episode_id(episode);
      request.mutable_rating()->set_client_id(client.empty() ? "c-" + episode
                                                             : client);
      request.mutable_rating()->set_org_unit(org_unit);
      request.mutable_rating()->set_client_age_years(session == 1 ? 16 : 16);
      ASSERT_THAT(client_->SubmitRating(request), IsOk());
    }
    v1::Ending ending;
    ending.set_type(unilateral ? v1::ENDING_TYPE_UNILATERAL
                               : v1::ENDING_TYPE_PLANNED);
    ending.mutable_end_date()->set_year(2026);
    ending.mutable_end_date()->set_month(3);
    ending.mutable_end_date()->set_day(20);
    ASSERT_THAT(client_->CloseEpisode("tenant-a", episode, ending), IsOk());
  }

  v1::QueryTrendsRequest March() {
    v1::QueryTrendsRequest request;
    request.set_tenant_id("tenant-a");
    request.mutable_from()->set_year(2026);
    request.mutable_from()->set_month(3);
    request.mutable_from()->set_day(1);
    request.mutable_to()->set_year(2026);
    request.mutable_to()->set_month(3);
    request.mutable_to()->set_day(31);
    return request;
  }

  testing::TestServer server_;
  std::unique_ptr<client::Client> client_ = server_.NewClient();
};

TEST_F(TrendsE2eTest, StreamsRowsPerGroupAndReportsIndices) {
  // Adolescents (16): ORS cutoff 28. 20.0 -> 28.0 (+8, recovered),
  // 20.0 -> 22.0 (+2), 20.0 -> 26.0 (+6, improved) in two teams.
  ClosedEpisode("a", "psyk/nord", 7.0, false);
  ClosedEpisode("b", "psyk/nord", 5.5, true);
  ClosedEpisode("c", "psyk/sor", 6.5, true);

  v1::QueryTrendsRequest request = March();
  request.add_group_by(v1::TREND_GROUP_BY_ORG_UNIT);
  auto rows = client_->QueryTrends(request);
  ASSERT_THAT(rows, IsOk());
  ASSERT_THAT(*rows, SizeIs(2));
  const v1::TrendRow& nord = (*rows)[0];
  EXPECT_EQ(nord.org_unit(), "psyk/nord");
  EXPECT_EQ(nord.all().series(), 2);
  EXPECT_THAT(nord.all().mean_change(), DoubleEq(5.0));  // (8 + 2) / 2
  EXPECT_THAT(nord.all().pct_reliable_recovery(), DoubleEq(50.0));
  EXPECT_EQ(nord.all().unilateral_without_effect(), 1);  // b
  EXPECT_EQ(nord.activity().administrations(), 4);
  EXPECT_THAT(nord.activity().pct_sessions_with_srs(), DoubleEq(0.0));
  EXPECT_EQ(nord.rule_set(), "jt-5");
  EXPECT_EQ((*rows)[1].all().unilateral_with_effect(), 1);  // c improved

  v1::QualityReportRequest report_request;
  report_request.set_tenant_id("tenant-a");
  report_request.set_org_unit("psyk");
  *report_request.mutable_from() = request.from();
  *report_request.mutable_to() = request.to();
  auto report = client_->GetQualityReport(report_request);
  ASSERT_THAT(report, IsOk());
  EXPECT_EQ(report->episodes_started(), 3);
  ASSERT_THAT(report->outcomes(), SizeIs(1));
  const v1::OutcomeIndices& ors = report->outcomes(0);
  EXPECT_EQ(ors.instrument_id(), "ors");
  EXPECT_EQ(ors.episodes(), 3);
  ASSERT_THAT(ors.by_age_band(), SizeIs(1));
  EXPECT_EQ(ors.by_age_band(0).age_band(), v1::AGE_BAND_ADOLESCENT);
  EXPECT_EQ(ors.by_age_band(0).clients(), 3);
  EXPECT_THAT(ors.by_age_band(0).mean_intake(), DoubleEq(20.0));
  // ES: (8 + 2 + 6) / 3 / 7 = 0.761905.
  EXPECT_NEAR(ors.effect_size(), 16.0 / 21.0, 1e-9);
  EXPECT_THAT(ors.mean_days(), DoubleEq(18.0));  // 03-02 .. 03-20
  EXPECT_EQ(ors.planned_endings(), 1);
  EXPECT_EQ(ors.unilateral_with_effect(), 1);
  EXPECT_EQ(ors.unilateral_without_effect(), 1);
}

TEST_F(TrendsE2eTest, DistinctClientsCountEachPersonOnce) {
  // c-a has two episodes in March (a, a2), c-b one: three series, two
  // clients in the team, three series of two clients in the report.
  ClosedEpisode("a", "psyk/nord", 7.0, false);
  ClosedEpisode("a2", "psyk/nord", 6.0, false, "c-a");
  ClosedEpisode("b", "psyk/nord", 5.5, true);

  v1::QueryTrendsRequest request = March();
  request.add_group_by(v1::TREND_GROUP_BY_ORG_UNIT);
  auto rows = client_->QueryTrends(request);
  ASSERT_THAT(rows, IsOk());
  ASSERT_THAT(*rows, SizeIs(1));
  EXPECT_EQ((*rows)[0].all().series(), 3);
  ASSERT_TRUE((*rows)[0].all().has_distinct_clients());
  EXPECT_EQ((*rows)[0].all().distinct_clients(), 2);
  ASSERT_TRUE((*rows)[0].has_distinct_clients());
  EXPECT_EQ((*rows)[0].distinct_clients(), 2);
  EXPECT_EQ((*rows)[0].activity().administrations(), 6);

  v1::QualityReportRequest report_request;
  report_request.set_tenant_id("tenant-a");
  *report_request.mutable_from() = request.from();
  *report_request.mutable_to() = request.to();
  auto report = client_->GetQualityReport(report_request);
  ASSERT_THAT(report, IsOk());
  ASSERT_THAT(report->outcomes(), SizeIs(1));
  EXPECT_EQ(report->outcomes(0).episodes(), 3);
  EXPECT_EQ(report->outcomes(0).distinct_clients(), 2);
  ASSERT_THAT(report->outcomes(0).by_age_band(), SizeIs(1));
  EXPECT_EQ(report->outcomes(0).by_age_band(0).clients(), 3);
  EXPECT_EQ(report->outcomes(0).by_age_band(0).distinct_clients(), 2);
}

TEST_F(TrendsE2eTest, ReportGivesTheShareOfSrsBelowTheCutoff) {
  // Three clients' SRS in March: 40.0, 30.0 (below 36) and 36.0 (not below,
  // jt-5 says "< 36"): one of three, 33.3 %.
  int n = 0;
  for (double item : {10.0, 7.5, 9.0}) {
    ++n;
    auto request = testing::RatingRequest("srs", 1, absl::StrCat("srs-", n));
    request.mutable_rating()->set_episode_id(absl::StrCat("s", n));
    request.mutable_rating()->set_client_id(absl::StrCat("c-s", n));
    request.mutable_rating()->set_org_unit("psyk/nord");
    for (int i = 0; i < 4; ++i) {
      request.mutable_rating()->mutable_items()->add_items()->set_value(item);
    }
    ASSERT_THAT(client_->SubmitRating(request), IsOk());
  }
  v1::QualityReportRequest report_request;
  report_request.set_tenant_id("tenant-a");
  report_request.set_org_unit("psyk");
  *report_request.mutable_from() = March().from();
  *report_request.mutable_to() = March().to();
  auto report = client_->GetQualityReport(report_request);
  ASSERT_THAT(report, IsOk());
  ASSERT_THAT(report->alliance(), SizeIs(1));
  const v1::AllianceShare& srs = report->alliance(0);
  EXPECT_EQ(srs.instrument_id(), "srs");
  EXPECT_EQ(srs.completed(), 3);
  EXPECT_EQ(srs.below_cutoff(), 1);
  EXPECT_NEAR(srs.pct_below_cutoff(), 100.0 / 3, 1e-9);
  EXPECT_FALSE(srs.suppressed());

  // The same count per row of QueryTrends.
  v1::QueryTrendsRequest request = March();
  request.add_instrument_ids("srs");
  request.set_bucket(v1::TREND_BUCKET_WHOLE_PERIOD);
  auto rows = client_->QueryTrends(request);
  ASSERT_THAT(rows, IsOk());
  ASSERT_THAT(*rows, SizeIs(1));
  EXPECT_EQ((*rows)[0].activity().in_clinical_range(), 1);
  EXPECT_NEAR((*rows)[0].activity().pct_in_clinical_range(), 100.0 / 3, 1e-9);
}

TEST_F(TrendsE2eTest, BadRequestsNameTheField) {
  v1::QueryTrendsRequest request = March();
  request.mutable_to()->set_month(2);
  request.mutable_to()->set_day(30);
  EXPECT_THAT(
      client_->QueryTrends(request),
      StatusIs(absl::StatusCode::kInvalidArgument,
               ::testing::HasSubstr("to: 2026-2-30 is not a calendar date")));
  request = March();
  request.set_org_unit("Not/Lower");
  EXPECT_THAT(client_->QueryTrends(request),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       ::testing::HasSubstr("org_unit")));
  // Another tenant sees nothing of this one.
  ClosedEpisode("a", "psyk/nord", 7.0, false);
  request = March();
  request.set_tenant_id("tenant-b");
  auto rows = client_->QueryTrends(request);
  ASSERT_THAT(rows, IsOk());
  EXPECT_THAT(*rows, SizeIs(0));
}

}  // namespace
}  // namespace tilbake

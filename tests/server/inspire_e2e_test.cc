// INSPIRE through the real server: definitions, versions, scores, episode.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/proto_builders.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_server.h"

namespace tilbake {
namespace {

using ::testing::DoubleEq;
using ::testing::HasSubstr;
using ::tilbake::testing::IsOk;
using ::tilbake::testing::StatusIs;
using ::tilbake::testing::TestServer;

const char* const kChime[] = {"connectedness", "hope", "identity", "meaning",
                              "empowerment"};

v1::SubmitRatingRequest Request(const std::string& instrument,
                                const std::string& version, int session,
                                const std::string& key) {
  v1::SubmitRatingRequest request =
      testing::RatingRequest(instrument, session, key);
  request.mutable_rating()->set_org_unit("rus/team-sor");
  request.mutable_rating()->set_instrument_version(version);
  return request;
}

// Full INSPIRE 2015 (4 Support items per domain as shipped, 7 Relationship):
// Support items of domain d rated d's index (connectedness 0 … empowerment
// 4), the first of each domain marked not important; Relationship all 3.
v1::SubmitRatingRequest FullInspire(const std::string& version,
                                    int support_per_domain,
                                    int relationship_items) {
  v1::SubmitRatingRequest request =
      Request("inspire", version, 1, "full-" + version);
  auto* items = request.mutable_rating()->mutable_items();
  for (int d = 0; d < 5; ++d) {
    const int n = (version == "2010" && d == 0) ? 5 : support_per_domain;
    for (int i = 1; i <= n; ++i) {
      auto* item = items->add_items();
      item->set_key(absl::StrCat("support-", kChime[d], "-", i));
      if (i == 1) {
        item->set_importance(v1::IMPORTANCE_NOT_IMPORTANT);
      } else {
        item->set_importance(v1::IMPORTANCE_IMPORTANT);
        item->set_value(d);
      }
    }
  }
  for (int i = 1; i <= relationship_items; ++i) {
    auto* item = items->add_items();
    item->set_key(absl::StrCat("relationship-", i));
    item->set_value(3);
  }
  return request;
}

class InspireE2eTest : public ::testing::Test {
 protected:
  TestServer server_;
  std::unique_ptr<client::Client> client_ = server_.NewClient();
};

TEST_F(InspireE2eTest, FullInspireScoresSupportPerDomainAndRelationship) {
  auto response = client_->SubmitRating(FullInspire("2015", 4, 7));
  ASSERT_THAT(response, IsOk());
  const v1::Score& score = response->administration().score();
  EXPECT_EQ(score.status(), v1::SCORE_STATUS_SCORED);
  // Support: 3 important items per domain rated 0,1,2,3,4: mean 2 -> 50.0.
  EXPECT_THAT(score.total(), DoubleEq(50.0));
  std::map<std::string, double> subscores;
  for (const auto& s : score.subscores()) subscores[s.key()] = s.value();
  EXPECT_THAT(subscores["support"], DoubleEq(50.0));
  EXPECT_THAT(subscores["support/connectedness"], DoubleEq(0.0));  // rated 0
  EXPECT_THAT(subscores["support/hope"], DoubleEq(25.0));
  EXPECT_THAT(subscores["support/empowerment"], DoubleEq(100.0));
  EXPECT_THAT(subscores["relationship"], DoubleEq(75.0));  // 3/4
  EXPECT_EQ(score.subscores(0).answered(), 15);  // 5 not important left out
  EXPECT_EQ(score.subscores(0).eligible(), 15);
  // A PREM: no clinical rules, no SRS alerts.
  EXPECT_EQ(score.evaluation().alerts_size(), 0);
}

TEST_F(InspireE2eTest, EachVersionHasItsOwnLayout) {
  // The 2010 layout has 21 + 8 items: the 2015 form does not fit it.
  auto wrong = FullInspire("2015", 4, 7);
  wrong.mutable_rating()->set_instrument_version("2010");
  EXPECT_THAT(client_->SubmitRating(wrong),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("inspire has 29 items, got 27")));
  auto v3 = client_->SubmitRating(FullInspire("2010", 4, 8));
  ASSERT_THAT(v3, IsOk());
  EXPECT_EQ(v3->administration().rating().instrument_version(), "2010");
  // 5 connectedness (4 counting, rated 0) + 3 per other domain:
  // (0·4 + 1·3 + 2·3 + 3·3 + 4·3) / 16 = 30/16 = 1.875 -> 46.9 (46.875).
  EXPECT_THAT(v3->administration().score().total(), DoubleEq(46.9));
  auto unknown = FullInspire("2015", 4, 7);
  unknown.mutable_rating()->set_instrument_version("1999");
  EXPECT_THAT(client_->SubmitRating(unknown),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("rating.instrument_version")));
}

TEST_F(InspireE2eTest, InvalidAnswersAreRefusedWithTheField) {
  auto rated_not_important = FullInspire("2015", 4, 7);
  rated_not_important.mutable_rating()
      ->mutable_items()
      ->mutable_items(0)
      ->set_value(2);
  EXPECT_THAT(client_->SubmitRating(rated_not_important),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("items[0] (support-connectedness-1): rated "
                                 "although marked not important")));
  auto out_of_range = FullInspire("2015", 4, 7);
  out_of_range.mutable_rating()->mutable_items()->mutable_items(20)->set_value(
      5);
  EXPECT_THAT(client_->SubmitRating(out_of_range),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("items[20] (relationship-1): 5.0 is above")));
}

TEST_F(InspireE2eTest, BriefInspireOIsAnOutcomeWithItsOwnRules) {
  auto brief_o = [&](int session, std::vector<double> values) {
    auto request =
        Request("brief-inspire-o", "", session, absl::StrCat("o-", session));
    for (double v : values) {
      request.mutable_rating()->mutable_items()->add_items()->set_value(v);
    }
    return client_->SubmitRating(request);
  };
  // 2,2,1,2,2: 9/5 = 1.8 -> 45.0 (below 50).
  ASSERT_THAT(brief_o(1, {2, 2, 1, 2, 2}), IsOk());
  // 2,3,2,2,2: 11/5 = 2.2 -> 55.0: +10 >= 8 and now >= 50: recovered.
  auto second = brief_o(2, {2, 3, 2, 2, 2});
  ASSERT_THAT(second, IsOk());
  const v1::Evaluation& e = second->administration().score().evaluation();
  EXPECT_THAT(e.clinical_range().cutoff(), DoubleEq(50.0));
  EXPECT_THAT(e.reliable_change(), DoubleEq(8.0));
  EXPECT_THAT(e.change_since_intake(), DoubleEq(10.0));
  EXPECT_EQ(e.change_category(), v1::CHANGE_CATEGORY_RELIABLE_RECOVERY);
  for (const auto& alert : e.alerts()) {
    EXPECT_NE(alert.kind(), v1::ALERT_KIND_SRS_MISSING) << alert.message();
  }
  // 2,2,2,2,2.. from 55.0 to 60.0: +5 since session 2, +15 since intake.
  auto third = brief_o(3, {3, 2, 2, 2, 3});
  ASSERT_THAT(third, IsOk());
  EXPECT_THAT(
      third->administration().score().evaluation().change_since_previous(),
      DoubleEq(5.0));

  // Withheld with too few answers, and the response says why.
  auto request = Request("brief-inspire", "", 1, "brief-1");
  for (int i = 0; i < 5; ++i) {
    auto* item = request.mutable_rating()->mutable_items()->add_items();
    if (i < 3) item->set_value(3);
  }
  auto withheld = client_->SubmitRating(request);
  ASSERT_THAT(withheld, IsOk());
  EXPECT_EQ(withheld->administration().score().status(),
            v1::SCORE_STATUS_WITHHELD);
  EXPECT_THAT(
      withheld->administration().score().withheld_reason(),
      HasSubstr("brief: 3 item(s) count (answered); at least 4 needed"));
}

}  // namespace
}  // namespace tilbake

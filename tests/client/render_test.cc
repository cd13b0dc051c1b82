#include <string>

#include "client/render/charts.h"
#include "client/render/line_chart.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tilbake::render {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

v1::Administration Ors(int session, double total, double target, double lower,
                       bool with_expected = true) {
  v1::Administration a;
  a.mutable_rating()->set_instrument_id("ors");
  a.mutable_rating()->set_client_id("c-1");
  a.mutable_rating()->set_session_number(session);
  a.mutable_score()->set_total(total);
  v1::Evaluation* e = a.mutable_score()->mutable_evaluation();
  e->mutable_clinical_range()->set_cutoff(25);
  if (with_expected) {
    e->mutable_expected()->set_available(true);
    e->mutable_expected()->set_target(target);
    e->mutable_expected()->set_lower_bound(lower);
  }
  return a;
}

TEST(EpisodeChartTest, OutcomeLineCutoffAndExpectedBand) {
  v1::Episode episode;
  episode.set_episode_id("e-1");
  *episode.add_administrations() = Ors(2, 24, 22, 18);
  *episode.add_administrations() = Ors(1, 18, 18, 18);
  // An SRS (clinical range, no expected trajectory) in session 1.
  v1::Administration srs = Ors(1, 33, 0, 0, /*with_expected=*/false);
  srs.mutable_rating()->set_instrument_id("srs");
  *episode.add_administrations() = srs;

  EpisodeLabels labels;
  labels.expected_as_band = true;
  LineChart chart = EpisodeChart(episode, labels);
  ASSERT_EQ(chart.rules.size(), 1u);
  EXPECT_EQ(chart.rules[0].y, 25);
  EXPECT_EQ(chart.rules[0].label, "cutoff 25");
  ASSERT_EQ(chart.bands.size(), 1u);
  ASSERT_EQ(chart.bands[0].points.size(), 2u);
  EXPECT_EQ(chart.bands[0].points[1].second.first, 18);   // lower, session 2
  EXPECT_EQ(chart.bands[0].points[1].second.second, 22);  // target
  ASSERT_EQ(chart.series.size(), 2u);                     // ORS, then the SRS
  EXPECT_EQ(chart.series[0].label, "ors (c-1, client)");
  ASSERT_EQ(chart.series[0].points.size(), 2u);
  EXPECT_EQ(chart.series[0].points[0].first, 1);  // sorted by session
  EXPECT_EQ(*chart.series[0].points[0].second, 18);
  EXPECT_EQ(chart.series[1].label, "SRS (client)");
  EXPECT_TRUE(chart.series[1].dashed);

  labels.show_srs = false;
  EXPECT_EQ(EpisodeChart(episode, labels).series.size(), 1u);
}

TEST(TrendChartTest, AxisCoversTheFloorsAndValuesInNiceSteps) {
  std::vector<v1::TrendRow> rows(3);
  rows[0].mutable_bucket_start()->set_year(2026);
  rows[0].mutable_bucket_start()->set_month(1);
  rows[1].mutable_all()->set_pct_reliable_improvement(42.5);
  rows[2].mutable_all()->set_pct_reliable_improvement(61);
  TrendLabels labels;
  labels.y_floor = 0;
  labels.y_ceiling = 100;
  LineChart chart =
      TrendChart(rows, labels,
                 {{"improved", kBlue, false,
                   [](const v1::TrendRow& r) -> std::optional<double> {
                     if (!r.all().has_pct_reliable_improvement())
                       return std::nullopt;
                     return r.all().pct_reliable_improvement();
                   }}});
  EXPECT_EQ(chart.y_min, 0);
  EXPECT_EQ(chart.y_max, 100);
  EXPECT_EQ(chart.y_step, 20);  // 100 / 5
  ASSERT_EQ(chart.series[0].points.size(), 3u);
  EXPECT_FALSE(chart.series[0].points[0].second.has_value());  // a gap
  EXPECT_EQ(chart.x_ticks[0].second, "2026-01");
}

TEST(RenderSvgTest, EscapesTextAndCarriesATextAlternative) {
  LineChart chart;
  chart.title = "<script>alert(1)</script> & \"q\"";
  chart.series.push_back({"a<b", kBlue, false, true, {{0, 1.0}, {1, 2.0}}});
  chart.format_y = [](double y) { return y == 0.5 ? std::string("0,5") : ""; };
  chart.y_step = 0.5;
  const std::string svg = RenderSvg(chart);
  EXPECT_THAT(svg, Not(HasSubstr("<script>")));
  EXPECT_THAT(svg, HasSubstr("<title>&lt;script&gt;alert(1)&lt;/script&gt; "
                             "&amp; &quot;q&quot;</title>"));
  EXPECT_THAT(svg, HasSubstr("role=\"img\""));
  EXPECT_THAT(svg, HasSubstr(">a&lt;b</text>"));
  EXPECT_THAT(svg, HasSubstr(">0,5</text>"));  // The caller's tick format.
}

}  // namespace
}  // namespace tilbake::render

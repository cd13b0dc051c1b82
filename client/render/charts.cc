#include "client/render/charts.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace tilbake::render {
namespace {

const char* kSeriesColours[] = {kBlue, kPurple, kGreen, kOrange};

std::string DefaultSeriesName(const v1::Rating& r) {
  const char* rater =
      r.rater().kind() == v1::Rater::KIND_COLLATERAL ? "collateral" : "client";
  return absl::StrCat(r.instrument_id(), " (", r.client_id(), ", ", rater, ")");
}

// A tick step that gives about five grid lines over `span`.
double NiceStep(double span) {
  if (span <= 0) return 1;
  const double raw = span / 5;
  const double magnitude = std::pow(10, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    if (raw <= m * magnitude) return m * magnitude;
  }
  return 10 * magnitude;
}

}  // namespace

LineChart EpisodeChart(const v1::Episode& episode,
                       const EpisodeLabels& labels) {
  std::map<std::string, std::vector<Point>> outcome;  // Client raters first.
  std::vector<Point> target, lower, srs;
  std::optional<double> cutoff;
  double y_max = 40;
  int last_session = 1;
  for (const v1::Administration& a : episode.administrations()) {
    const v1::Rating& r = a.rating();
    const v1::Evaluation& e = a.score().evaluation();
    last_session = std::max(last_session, r.session_number());
    if (!a.score().has_total()) continue;
    if (a.score().total() > 40) y_max = 100;
    const bool by_client = r.rater().kind() != v1::Rater::KIND_COLLATERAL;
    if (e.has_expected()) {
      const std::string name =
          labels.series ? labels.series(r) : DefaultSeriesName(r);
      outcome[name].push_back({r.session_number(), a.score().total()});
      if (e.has_clinical_range() && by_client) {
        cutoff = e.clinical_range().cutoff();
      }
      if (e.expected().available() && by_client) {
        target.push_back({r.session_number(), e.expected().target()});
        lower.push_back({r.session_number(), e.expected().lower_bound()});
      }
    } else if (by_client && e.has_clinical_range()) {
      srs.push_back({r.session_number(), a.score().total()});
    }
  }
  LineChart chart;
  chart.title = labels.title.empty()
                    ? absl::StrCat("Episode ", episode.episode_id(), " (",
                                   episode.rule_set(), ")")
                    : labels.title;
  chart.x_label = labels.x_label;
  chart.y_label = labels.y_label;
  chart.font_size = labels.font_size;
  chart.width = labels.width;
  chart.height = labels.height;
  chart.x_min = 1;
  chart.x_max = std::max(2, last_session);
  chart.y_min = 0;
  chart.y_max = y_max;
  chart.y_step = y_max > 40 ? 20 : 10;
  for (int s = 1; s <= chart.x_max; ++s) {
    if (last_session <= 20 || s % 5 == 0 || s == 1) {
      chart.x_ticks.push_back({s, absl::StrCat(s)});
    }
  }
  if (cutoff.has_value()) {
    chart.rules.push_back({labels.cutoff
                               ? labels.cutoff(*cutoff)
                               : absl::StrFormat("cutoff %.0f", *cutoff),
                           kRed, *cutoff});
  }
  std::sort(target.begin(), target.end());
  std::sort(lower.begin(), lower.end());
  if (!target.empty() && labels.expected_as_band) {
    Band band{labels.expected_band, "#7fbf7f", {}};
    for (size_t i = 0; i < target.size() && i < lower.size(); ++i) {
      band.points.push_back(
          {target[i].first, {*lower[i].second, *target[i].second}});
    }
    chart.bands.push_back(std::move(band));
  } else if (!target.empty()) {
    chart.series.push_back({labels.target, kGreen, true, false, target});
    chart.series.push_back({labels.lower_bound, kOrange, true, false, lower});
  }
  int colour = 0;
  for (auto& [name, points] : outcome) {
    std::sort(points.begin(), points.end());
    chart.series.push_back(
        {name, kSeriesColours[colour++ % 4], false, true, points});
  }
  if (!srs.empty() && labels.show_srs) {
    std::sort(srs.begin(), srs.end());
    chart.series.push_back({labels.srs, kGrey, true, true, srs});
  }
  return chart;
}

LineChart TrendChart(const std::vector<v1::TrendRow>& rows,
                     const TrendLabels& labels,
                     const std::vector<TrendLine>& lines) {
  LineChart chart;
  chart.title = labels.title;
  chart.y_label = labels.y_label;
  chart.format_y = labels.format_y;
  chart.width = labels.width;
  chart.x_min = 0;
  chart.x_max = std::max<double>(1, static_cast<double>(rows.size()) - 1);
  double y_min = labels.y_floor.value_or(0);
  double y_max = labels.y_ceiling.value_or(1);
  for (const TrendLine& line : lines) {
    Series series{line.label, line.colour, line.dashed, true, {}};
    for (size_t i = 0; i < rows.size(); ++i) {
      std::optional<double> y = line.value(rows[i]);
      if (y.has_value()) {
        y_min = std::min(y_min, *y);
        y_max = std::max(y_max, *y);
      }
      series.points.push_back({static_cast<double>(i), y});
    }
    chart.series.push_back(std::move(series));
  }
  chart.y_step = NiceStep(y_max - y_min);
  chart.y_min = std::floor(y_min / chart.y_step) * chart.y_step;
  chart.y_max = std::ceil(y_max / chart.y_step) * chart.y_step;
  if (labels.zero_rule) chart.rules.push_back({"", "#555555", 0});
  const size_t every = std::max<size_t>(1, (rows.size() + 11) / 12);
  for (size_t i = 0; i < rows.size(); i += every) {
    const v1::Date& d = rows[i].bucket_start();
    chart.x_ticks.push_back(
        {static_cast<double>(i),
         labels.bucket ? labels.bucket(d)
                       : absl::StrFormat("%04d-%02d", d.year(), d.month())});
  }
  return chart;
}

LineChart MeanChangeChart(const std::vector<v1::TrendRow>& rows,
                          const std::string& title) {
  auto change = [](auto figures) {
    return [figures](const v1::TrendRow& row) -> std::optional<double> {
      const v1::OutcomeFigures& f = figures(row);
      if (!f.has_mean_change()) return std::nullopt;
      return f.mean_change();
    };
  };
  TrendLabels labels;
  labels.title = title;
  labels.y_label = "mean change (points)";
  labels.zero_rule = true;
  return TrendChart(
      rows, labels,
      {{"all", kBlue, false,
        change([](const v1::TrendRow& r) -> const v1::OutcomeFigures& {
          return r.all();
        })},
       {"intake below cutoff", kGreen, false,
        change([](const v1::TrendRow& r) -> const v1::OutcomeFigures& {
          return r.intake_below_cutoff();
        })},
       {"intake above cutoff", kOrange, true,
        change([](const v1::TrendRow& r) -> const v1::OutcomeFigures& {
          return r.intake_above_cutoff();
        })}});
}

}  // namespace tilbake::render

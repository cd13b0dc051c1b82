#include "client/cli/plot.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"

namespace tilbake::cli {
namespace {

constexpr double kWidth = 760, kHeight = 420;
constexpr double kLeft = 60, kRight = 170, kTop = 50, kBottom = 60;

std::string Escape(const std::string& text) {
  return absl::StrReplaceAll(text,
                             {{"&", "&amp;"}, {"<", "&lt;"}, {">", "&gt;"}});
}

// A plot area mapping data (x, y) to SVG coordinates.
class Chart {
 public:
  Chart(double x_min, double x_max, double y_min, double y_max)
      : x_min_(x_min),
        x_max_(x_max == x_min ? x_min + 1 : x_max),
        y_min_(y_min),
        y_max_(y_max == y_min ? y_min + 1 : y_max) {}

  double X(double x) const {
    return kLeft + (x - x_min_) / (x_max_ - x_min_) * (kWidth - kLeft - kRight);
  }
  double Y(double y) const {
    return kTop + (y_max_ - y) / (y_max_ - y_min_) * (kHeight - kTop - kBottom);
  }

  std::string Frame(const std::string& title, const std::string& y_label,
                    double y_step) const {
    std::string svg = absl::StrFormat(
        R"(<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f" font-family="sans-serif" font-size="12">)"
        "\n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
        R"(<text x="%.0f" y="28" font-size="16" font-weight="bold">%s</text>)"
        "\n",
        kWidth, kHeight, kWidth, kHeight, kLeft, Escape(title));
    for (double y = std::ceil(y_min_ / y_step) * y_step; y <= y_max_ + 1e-9;
         y += y_step) {
      absl::StrAppend(
          &svg,
          absl::StrFormat(
              R"(<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#e5e5e5"/>)"
              "\n"
              R"(<text x="%.1f" y="%.1f" text-anchor="end">%g</text>)"
              "\n",
              kLeft, Y(y), kWidth - kRight, Y(y), kLeft - 8, Y(y) + 4, y));
    }
    absl::StrAppend(
        &svg,
        absl::StrFormat(
            R"(<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="none" stroke="#888"/>)"
            "\n"
            R"svg(<text transform="translate(16 %.1f) rotate(-90)" text-anchor="middle">%s</text>)svg"
            "\n",
            kLeft, kTop, kWidth - kLeft - kRight, kHeight - kTop - kBottom,
            (kTop + kHeight - kBottom) / 2, Escape(y_label)));
    return svg;
  }

  std::string XTick(double x, const std::string& label) const {
    return absl::StrFormat(
        R"(<text x="%.1f" y="%.1f" text-anchor="middle">%s</text>)"
        "\n",
        X(x), kHeight - kBottom + 18, Escape(label));
  }

  // A polyline through the points that have a value, with dots.
  std::string Line(
      const std::vector<std::pair<double, std::optional<double>>>& points,
      const std::string& colour, bool dashed, bool dots) const {
    std::string path, circles;
    for (const auto& [x, y] : points) {
      if (!y.has_value()) continue;
      absl::StrAppend(&path, path.empty() ? "" : " ",
                      absl::StrFormat("%.1f,%.1f", X(x), Y(*y)));
      if (dots) {
        absl::StrAppend(
            &circles,
            absl::StrFormat(R"(<circle cx="%.1f" cy="%.1f" r="3.5" fill="%s"/>)"
                            "\n",
                            X(x), Y(*y), colour));
      }
    }
    if (path.empty()) return "";
    return absl::StrFormat(
               R"(<polyline points="%s" fill="none" stroke="%s" stroke-width="2"%s/>)"
               "\n",
               path, colour, dashed ? R"( stroke-dasharray="6 4")" : "") +
           circles;
  }

  std::string HorizontalLine(double y, const std::string& colour) const {
    return absl::StrFormat(
        R"(<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="1.5" stroke-dasharray="2 3"/>)"
        "\n",
        kLeft, Y(y), kWidth - kRight, Y(y), colour);
  }

  std::string Legend(int row, const std::string& colour, bool dashed,
                     const std::string& label) const {
    const double y = kTop + 10 + row * 20;
    const double x = kWidth - kRight + 14;
    return absl::StrFormat(
        R"(<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="2"%s/>)"
        "\n"
        R"(<text x="%.1f" y="%.1f">%s</text>)"
        "\n",
        x, y, x + 24, y, colour, dashed ? R"( stroke-dasharray="6 4")" : "",
        x + 30, y + 4, Escape(label));
  }

 private:
  double x_min_, x_max_, y_min_, y_max_;
};

const char* kColours[] = {"#1f6fb4", "#7b3294", "#008837", "#e66101"};

}  // namespace

std::string EpisodeSvg(const v1::Episode& episode) {
  // Outcome series (client raters first) and the client's SRS, by session.
  std::map<std::string, std::vector<std::pair<double, std::optional<double>>>>
      series;
  std::vector<std::pair<double, std::optional<double>>> target, lower, srs;
  std::optional<double> cutoff;
  double y_max = 40;
  int last_session = 1;
  for (const v1::Administration& a : episode.administrations()) {
    const v1::Rating& r = a.rating();
    const v1::Evaluation& e = a.score().evaluation();
    last_session = std::max(last_session, r.session_number());
    if (!a.score().has_total()) continue;
    y_max = std::max(y_max, a.score().total() > 40 ? 100.0 : 40.0);
    const bool outcome = e.has_expected();
    if (outcome) {
      const std::string rater = r.rater().kind() == v1::Rater::KIND_COLLATERAL
                                    ? "collateral"
                                    : "client";
      series[absl::StrCat(r.instrument_id(), " (", r.client_id(), ", ", rater,
                          ")")]
          .push_back({r.session_number(), a.score().total()});
      if (e.has_clinical_range() && rater == "client") {
        cutoff = e.clinical_range().cutoff();
      }
      if (e.expected().available() && rater == "client") {
        target.push_back({r.session_number(), e.expected().target()});
        lower.push_back({r.session_number(), e.expected().lower_bound()});
      }
    } else if (r.rater().kind() != v1::Rater::KIND_COLLATERAL &&
               e.has_clinical_range()) {
      srs.push_back({r.session_number(), a.score().total()});
    }
  }
  Chart chart(1, std::max(2, last_session), 0, y_max);
  std::string svg = chart.Frame(absl::StrCat("Episode ", episode.episode_id(),
                                             " (", episode.rule_set(), ")"),
                                "score", y_max > 40 ? 20 : 10);
  for (int s = 1; s <= std::max(2, last_session); ++s) {
    if (last_session <= 20 || s % 5 == 0 || s == 1) {
      absl::StrAppend(&svg, chart.XTick(s, absl::StrCat(s)));
    }
  }
  absl::StrAppend(
      &svg, R"(<text x="330" y="400" text-anchor="middle">session</text>)",
      "\n");
  int legend = 0;
  if (cutoff.has_value()) {
    absl::StrAppend(&svg, chart.HorizontalLine(*cutoff, "#c00"),
                    chart.Legend(legend++, "#c00", true,
                                 absl::StrFormat("cutoff %.0f", *cutoff)));
  }
  if (!target.empty()) {
    absl::StrAppend(&svg, chart.Line(target, "#2a9d2a", true, false),
                    chart.Legend(legend, "#2a9d2a", true, "target"),
                    chart.Line(lower, "#e69500", true, false),
                    chart.Legend(legend + 1, "#e69500", true, "lower bound"));
    legend += 2;
  }
  int colour = 0;
  for (auto& [name, points] : series) {
    std::sort(points.begin(), points.end());
    const char* c = kColours[colour++ % 4];
    absl::StrAppend(&svg, chart.Line(points, c, false, true),
                    chart.Legend(legend++, c, false, name));
  }
  if (!srs.empty()) {
    std::sort(srs.begin(), srs.end());
    absl::StrAppend(&svg, chart.Line(srs, "#999", true, true),
                    chart.Legend(legend++, "#999", true, "SRS (client)"));
  }
  absl::StrAppend(&svg, "</svg>\n");
  return svg;
}

std::string TrendSvg(const std::vector<v1::TrendRow>& rows,
                     const std::string& title) {
  std::vector<std::pair<double, std::optional<double>>> all, below, above;
  double y_min = 0, y_max = 1;
  for (size_t i = 0; i < rows.size(); ++i) {
    auto point = [&](const v1::OutcomeFigures& f) {
      std::optional<double> y;
      if (f.has_mean_change()) {
        y = f.mean_change();
        y_min = std::min(y_min, *y);
        y_max = std::max(y_max, *y);
      }
      return std::make_pair(static_cast<double>(i), y);
    };
    all.push_back(point(rows[i].all()));
    below.push_back(point(rows[i].intake_below_cutoff()));
    above.push_back(point(rows[i].intake_above_cutoff()));
  }
  const double step = y_max - y_min > 10 ? 5 : 1;
  y_min = std::floor(y_min / step) * step;
  y_max = std::ceil(y_max / step) * step;
  Chart chart(0, std::max<double>(1, static_cast<double>(rows.size()) - 1),
              y_min, y_max);
  std::string svg = chart.Frame(title, "mean change (points)", step);
  const size_t every = std::max<size_t>(1, rows.size() / 12);
  for (size_t i = 0; i < rows.size(); i += every) {
    const v1::Date& d = rows[i].bucket_start();
    absl::StrAppend(
        &svg, chart.XTick(static_cast<double>(i),
                          absl::StrFormat("%04d-%02d", d.year(), d.month())));
  }
  absl::StrAppend(&svg, chart.HorizontalLine(0, "#555"),
                  chart.Line(all, kColours[0], false, true),
                  chart.Legend(0, kColours[0], false, "all"),
                  chart.Line(below, kColours[2], false, true),
                  chart.Legend(1, kColours[2], false, "intake below cutoff"),
                  chart.Line(above, kColours[3], true, true),
                  chart.Legend(2, kColours[3], true, "intake above cutoff"),
                  "</svg>\n");
  return svg;
}

}  // namespace tilbake::cli

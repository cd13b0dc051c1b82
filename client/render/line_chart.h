#ifndef TILBAKE_CLIENT_RENDER_LINE_CHART_H_
#define TILBAKE_CLIENT_RENDER_LINE_CHART_H_

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

// A line chart as self-contained SVG 1.1: no scripts, no external fonts, so
// it opens in any browser, inlines into a page under a strict
// Content-Security-Policy and prints as it looks. Every text is escaped here;
// callers pass plain (already translated) strings.
namespace tilbake::render {

using Point = std::pair<double, std::optional<double>>;  // x, y (absent: gap)

struct Series {
  std::string label;
  std::string colour;  // "#rrggbb"
  bool dashed = false;
  bool dots = true;
  std::vector<Point> points;
};

// A shaded area between two lines over the same x values (for example the
// expected-response band between the lower bound and the target).
struct Band {
  std::string label;
  std::string colour;
  std::vector<std::pair<double, std::pair<double, double>>> points;  // x,lo,hi
};

// A horizontal reference line (a cutoff, zero change).
struct Rule {
  std::string label;  // Empty: no legend entry.
  std::string colour;
  double y = 0;
};

struct LineChart {
  std::string title;
  std::string x_label;
  std::string y_label;
  double width = 760;
  double height = 420;
  double font_size = 12;
  double x_min = 0, x_max = 1;
  double y_min = 0, y_max = 1, y_step = 1;
  std::vector<std::pair<double, std::string>> x_ticks;
  // Tick labels on the y axis (e.g. a decimal comma); default "%g".
  std::function<std::string(double)> format_y;
  std::vector<Band> bands;
  std::vector<Rule> rules;
  std::vector<Series> series;
};

// The chart as an <svg> element with role="img" and a <title> (its text
// alternative: pages also give the data as a table).
std::string RenderSvg(const LineChart& chart);

}  // namespace tilbake::render

#endif  // TILBAKE_CLIENT_RENDER_LINE_CHART_H_

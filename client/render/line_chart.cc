#include "client/render/line_chart.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"

namespace tilbake::render {
namespace {

std::string Escape(const std::string& text) {
  return absl::StrReplaceAll(
      text, {{"&", "&amp;"}, {"<", "&lt;"}, {">", "&gt;"}, {"\"", "&quot;"}});
}

// Maps data (x, y) to SVG coordinates inside the margins; the legend sits
// to the right of the plot area.
class Frame {
 public:
  explicit Frame(const LineChart& c)
      : c_(c),
        left_(c.font_size * 5),
        right_(c.font_size * 19),  // Room for a legend label of ~30 characters.
        top_(c.font_size * 4.2),
        bottom_(c.font_size * 5),
        x_span_(c.x_max == c.x_min ? 1 : c.x_max - c.x_min),
        y_span_(c.y_max == c.y_min ? 1 : c.y_max - c.y_min) {}

  double X(double x) const {
    return left_ + (x - c_.x_min) / x_span_ * (c_.width - left_ - right_);
  }
  double Y(double y) const {
    return top_ + (c_.y_max - y) / y_span_ * (c_.height - top_ - bottom_);
  }
  double Left() const { return left_; }
  double Right() const { return c_.width - right_; }
  double Top() const { return top_; }
  double Bottom() const { return c_.height - bottom_; }

 private:
  const LineChart& c_;
  double left_, right_, top_, bottom_, x_span_, y_span_;
};

std::string Dash(bool dashed) {
  return dashed ? R"( stroke-dasharray="6 4")" : "";
}

}  // namespace

std::string RenderSvg(const LineChart& c) {
  const Frame f(c);
  const double fs = c.font_size;
  auto format_y = c.format_y ? c.format_y : [](double y) {
    return absl::StrFormat("%g", y);
  };
  std::string svg = absl::StrFormat(
      R"(<svg xmlns="http://www.w3.org/2000/svg" role="img" width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f" font-family="sans-serif" font-size="%.0f">)"
      "\n<title>%s</title>\n"
      "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
      R"(<text x="%.1f" y="%.1f" font-size="%.0f" font-weight="bold">%s</text>)"
      "\n",
      c.width, c.height, c.width, c.height, fs, Escape(c.title), f.Left(),
      fs * 2.3, fs * 1.35, Escape(c.title));

  // Grid and y ticks.
  if (c.y_step > 0) {
    for (double y = std::ceil(c.y_min / c.y_step - 1e-9) * c.y_step;
         y <= c.y_max + 1e-9; y += c.y_step) {
      absl::StrAppend(
          &svg,
          absl::StrFormat(
              R"(<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#e5e5e5"/>)"
              "\n"
              R"(<text x="%.1f" y="%.1f" text-anchor="end">%s</text>)"
              "\n",
              f.Left(), f.Y(y), f.Right(), f.Y(y), f.Left() - fs * 0.6,
              f.Y(y) + fs / 3, Escape(format_y(std::abs(y) < 1e-12 ? 0 : y))));
    }
  }
  for (const auto& [x, label] : c.x_ticks) {
    absl::StrAppend(
        &svg, absl::StrFormat(
                  R"(<text x="%.1f" y="%.1f" text-anchor="middle">%s</text>)"
                  "\n",
                  f.X(x), f.Bottom() + fs * 1.5, Escape(label)));
  }
  absl::StrAppend(
      &svg,
      absl::StrFormat(
          R"(<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="none" stroke="#767676"/>)"
          "\n"
          R"svg(<text transform="translate(%.1f %.1f) rotate(-90)" text-anchor="middle">%s</text>)svg"
          "\n"
          R"(<text x="%.1f" y="%.1f" text-anchor="middle">%s</text>)"
          "\n",
          f.Left(), f.Top(), f.Right() - f.Left(), f.Bottom() - f.Top(),
          fs * 1.3, (f.Top() + f.Bottom()) / 2, Escape(c.y_label),
          (f.Left() + f.Right()) / 2, f.Bottom() + fs * 3.3,
          Escape(c.x_label)));

  int legend = 0;
  // A legend entry: a short stroke in the item's style, then its label.
  auto legend_entry = [&](const std::string& colour, double stroke_width,
                          bool dashed, const std::string& label) {
    const double y = f.Top() + fs + legend++ * fs * 1.7;
    const double x = f.Right() + fs;
    return absl::StrFormat(
        R"(<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="%.1f"%s/>)"
        "\n"
        R"(<text x="%.1f" y="%.1f">%s</text>)"
        "\n",
        x, y, x + fs * 2, y, colour, stroke_width, Dash(dashed), x + fs * 2.5,
        y + fs / 3, Escape(label));
  };

  for (const Band& band : c.bands) {
    if (band.points.empty()) continue;
    std::string upper, lower;
    for (const auto& [x, range] : band.points) {
      absl::StrAppend(&upper, upper.empty() ? "" : " ",
                      absl::StrFormat("%.1f,%.1f", f.X(x), f.Y(range.second)));
    }
    for (auto it = band.points.rbegin(); it != band.points.rend(); ++it) {
      absl::StrAppend(
          &lower, " ",
          absl::StrFormat("%.1f,%.1f", f.X(it->first), f.Y(it->second.first)));
    }
    absl::StrAppend(
        &svg,
        absl::StrFormat(
            R"(<polygon points="%s%s" fill="%s" fill-opacity="0.25" stroke="none"/>)"
            "\n",
            upper, lower, band.colour),
        legend_entry(band.colour, fs * 0.7, false, band.label));
  }
  for (const Rule& rule : c.rules) {
    absl::StrAppend(
        &svg,
        absl::StrFormat(
            R"(<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="1.5" stroke-dasharray="2 3"/>)"
            "\n",
            f.Left(), f.Y(rule.y), f.Right(), f.Y(rule.y), rule.colour));
    if (!rule.label.empty()) {
      absl::StrAppend(&svg, legend_entry(rule.colour, 1.5, true, rule.label));
    }
  }
  for (const Series& s : c.series) {
    std::string path, circles;
    for (const auto& [x, y] : s.points) {
      if (!y.has_value()) continue;
      absl::StrAppend(&path, path.empty() ? "" : " ",
                      absl::StrFormat("%.1f,%.1f", f.X(x), f.Y(*y)));
      if (s.dots) {
        absl::StrAppend(
            &circles, absl::StrFormat(
                          R"(<circle cx="%.1f" cy="%.1f" r="%.1f" fill="%s"/>)"
                          "\n",
                          f.X(x), f.Y(*y), fs * 0.3, s.colour));
      }
    }
    if (path.empty()) continue;
    absl::StrAppend(
        &svg,
        absl::StrFormat(
            R"(<polyline points="%s" fill="none" stroke="%s" stroke-width="%.1f"%s/>)"
            "\n",
            path, s.colour, fs / 6, Dash(s.dashed)),
        circles, legend_entry(s.colour, 2, s.dashed, s.label));
  }
  absl::StrAppend(&svg, "</svg>\n");
  return svg;
}

}  // namespace tilbake::render

#ifndef TILBAKE_CLIENT_RENDER_CHARTS_H_
#define TILBAKE_CLIENT_RENDER_CHARTS_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "client/render/line_chart.h"
#include "tilbake/v1/feedback.pb.h"
#include "tilbake/v1/trends.pb.h"

// The charts Tilbake draws, built from the API's messages. Every text on a
// chart comes from the labels, so the CLI draws them in English and
// tilbake-web in the reader's language; the defaults are the CLI's.
namespace tilbake::render {

// Colours that keep 3:1 contrast on white and differ in more than hue
// (lines also differ in dash and dots, so colour is never the only signal).
inline constexpr const char* kBlue = "#1f6fb4";
inline constexpr const char* kPurple = "#7b3294";
inline constexpr const char* kGreen = "#1b7f3b";
inline constexpr const char* kOrange = "#b35806";
inline constexpr const char* kRed = "#c00000";
inline constexpr const char* kGrey = "#6e6e6e";

struct EpisodeLabels {
  std::string title;  // Empty: "Episode <id> (<rule set>)".
  std::string x_label = "session";
  std::string y_label = "score";
  // The cutoff line's legend; empty: "cutoff 25".
  std::function<std::string(double)> cutoff;
  // The expected response: two lines (CLI) or one shaded band (pages).
  bool expected_as_band = false;
  std::string target = "target";
  std::string lower_bound = "lower bound";
  std::string expected_band = "expected range";
  // One outcome line per instrument and rater; the default names them
  // "ors (c-17, client)".
  std::function<std::string(const v1::Rating&)> series;
  std::string srs = "SRS (client)";
  bool show_srs = true;  // The clinician may hide the alliance line.
  double font_size = 12;
  double width = 760, height = 420;
};

// An episode's outcome scores by session against the expected trajectory
// and the clinical cutoff; the client's SRS on the same scale, dashed.
LineChart EpisodeChart(const v1::Episode& episode, const EpisodeLabels& labels);

// One line of a trend chart: a figure of each row (absent: a gap).
struct TrendLine {
  std::string label;
  std::string colour;
  bool dashed = false;
  std::function<std::optional<double>(const v1::TrendRow&)> value;
};

struct TrendLabels {
  std::string title;
  std::string y_label;
  // A bucket's x tick; empty: "2026-03".
  std::function<std::string(const v1::Date&)> bucket;
  std::function<std::string(double)> format_y;  // Default "%g".
  // The y axis spans at least [y_floor, y_ceiling] (e.g. 0–100 for %).
  std::optional<double> y_floor, y_ceiling;
  bool zero_rule = false;  // A line at 0 (for changes and effect sizes).
  double width = 760;
};

// `lines` over the rows' buckets, one x position per row.
LineChart TrendChart(const std::vector<v1::TrendRow>& rows,
                     const TrendLabels& labels,
                     const std::vector<TrendLine>& lines);

// Mean change per bucket: all series, intake below and above the cutoff
// (`tilbake plot trend`).
LineChart MeanChangeChart(const std::vector<v1::TrendRow>& rows,
                          const std::string& title);

}  // namespace tilbake::render

#endif  // TILBAKE_CLIENT_RENDER_CHARTS_H_

// The commands a quality group reads: trends, report, plot episode|trend.
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "client/cli/cli_support.h"
#include "client/cli/command.h"
#include "client/cli/options.h"
#include "client/render/charts.h"

namespace tilbake::cli {
namespace {

using client::Client;

// What an empty answer prints: what was asked, so a typo in a filter shows.
void NoData(const TrendsParams& p) {
  std::cout << "no data for " << Describe(p) << "\n";
}

int Trends(Client& client, const Output& out, const TrendsParams& p) {
  auto request = ToRequest(p);
  if (!request.ok()) return out.Fail(request.status());
  auto rows = client.QueryTrends(*request);
  if (!rows.ok()) return out.Fail(rows.status());
  if (out.json()) {
    for (const v1::TrendRow& row : *rows) std::cout << ToJson(row) << "\n";
  } else if (rows->empty()) {
    NoData(p);
  } else {
    std::cout << RenderTrends(*rows, p.split);
  }
  return kExitSuccess;
}

int WriteSvg(const Output& out, const std::string& path,
             const std::string& svg) {
  std::ofstream file(path);
  file << svg;
  if (!file) {
    return out.Fail(
        absl::UnavailableError(absl::StrCat("cannot write ", path)));
  }
  std::cout << "wrote " << path << "\n";
  return kExitSuccess;
}

absl::Status RequireOut(const PlotParams& p) {
  if (p.out.empty()) return absl::InvalidArgumentError("--out is required");
  return absl::OkStatus();
}

int PlotEpisode(Client& client, const Output& out, const PlotParams& p) {
  if (absl::Status s = RequireOut(p); !s.ok()) return out.Fail(s);
  if (absl::Status s = Check(p.episode); !s.ok()) return out.Fail(s);
  auto episode = client.GetEpisode(p.episode.tenant, p.episode.episode);
  if (!episode.ok()) return out.Fail(episode.status());
  return WriteSvg(out, p.out,
                  render::RenderSvg(render::EpisodeChart(*episode, {})));
}

int PlotTrend(Client& client, const Output& out, const PlotParams& p) {
  if (absl::Status s = RequireOut(p); !s.ok()) return out.Fail(s);
  auto request = ToRequest(p.trend);
  if (!request.ok()) return out.Fail(request.status());
  // One line over time: no grouping other than the bucket.
  request->clear_group_by();
  auto rows = client.QueryTrends(*request);
  if (!rows.ok()) return out.Fail(rows.status());
  if (rows->empty()) {  // An empty chart says less than this line.
    NoData(p.trend);
    return kExitSuccess;
  }
  const TrendsParams& t = p.trend;
  return WriteSvg(
      out, p.out,
      render::RenderSvg(render::MeanChangeChart(
          *rows, absl::StrCat(
                     "Mean change, ", t.tenant,
                     t.org_unit.empty() ? "" : " / " + t.org_unit,
                     t.instrument.empty() ? "" : " (" + t.instrument + ")"))));
}

}  // namespace

void AddReportCommands(CLI::App& app, Run& chosen) {
  const char* group = "Trends and reports";

  auto trends = std::make_shared<TrendsParams>();
  CLI::App* c = app.add_subcommand(
      "trends", "Trend figures by period and group, from aggregates");
  c->group(group);
  AddOptions(*c, *trends);
  c->callback([&chosen, trends] {
    chosen = [trends](Client& client, const Output& out) {
      return Trends(client, out, *trends);
    };
  });

  auto report = std::make_shared<ReportParams>();
  c = app.add_subcommand("report",
                         "The quality report of a period (and org unit)");
  c->group(group);
  AddOptions(*c, *report);
  c->callback([&chosen, report] {
    chosen = [report](Client& client, const Output& out) {
      auto request = ToRequest(*report);
      if (!request.ok()) return out.Fail(request.status());
      auto answer = client.GetQualityReport(*request);
      if (!answer.ok()) return out.Fail(answer.status());
      out.Print(*answer, RenderQualityReport(*answer));
      return kExitSuccess;
    };
  });

  auto plot = std::make_shared<PlotParams>();
  c = app.add_subcommand("plot", "Charts as SVG files (episode or trend)");
  c->group(group);
  c->require_subcommand(1);
  CLI::App* episode = c->add_subcommand(
      "episode", "An episode's scores against target and cutoff");
  AddOptions(*episode, plot->episode);
  episode->add_option("--out", plot->out, "The SVG file to write");
  episode->callback([&chosen, plot] {
    chosen = [plot](Client& client, const Output& out) {
      return PlotEpisode(client, out, *plot);
    };
  });
  CLI::App* trend =
      c->add_subcommand("trend", "Mean change by period (the trends filters)");
  AddOptions(*trend, plot->trend);
  trend->add_option("--out", plot->out, "The SVG file to write");
  trend->callback([&chosen, plot] {
    chosen = [plot](Client& client, const Output& out) {
      return PlotTrend(client, out, *plot);
    };
  });
}

}  // namespace tilbake::cli

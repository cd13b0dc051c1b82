// The commands a quality group reads: trends, report, plot episode|trend.
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "client/cli/cli_support.h"
#include "client/cli/command.h"
#include "client/cli/options.h"
#include "client/export/csv_writer.h"
#include "client/export/figures.h"
#include "client/export/xlsx_writer.h"
#include "client/i18n/i18n.h"
#include "client/render/charts.h"

namespace tilbake::cli {
namespace {

using client::Client;

// What an empty answer prints: what was asked, so a typo in a filter shows.
void NoData(const TrendsParams& p) {
  std::cout << "no data for " << Describe(p) << "\n";
}

// Column headers in --lang, else in $LANG's language (nb_NO.UTF-8 …),
// else English: the catalogs tilbake-web's pages use (client/i18n).
exports::Translate HeaderLanguage(const FiguresFormat& f) {
  const char* env = std::getenv("LANG");
  const std::string lang = env == nullptr ? "" : std::string(env).substr(0, 2);
  const i18n::Language language = i18n::ChooseLanguage(f.lang, lang);
  auto translator = std::make_shared<const i18n::Translator>();
  return [translator, language](const std::string& english) {
    return translator->Translate(language, english);
  };
}

bool ForAFile(const FiguresFormat& f) {
  return f.format == "csv" || f.format == "xlsx";
}

// Writes `text` to --out, or stdout without one.
int WriteText(const Output& out, const std::string& path,
              const std::string& text) {
  if (path.empty()) {
    std::cout << text;
    return kExitSuccess;
  }
  std::ofstream file(path, std::ios::binary);
  file << text;
  if (!file) {
    return out.Fail(
        absl::UnavailableError(absl::StrCat("cannot write ", path)));
  }
  std::cout << "wrote " << path << "\n";
  return kExitSuccess;
}

// A workbook as --format asks: xlsx whole; csv its one table, or (a
// report's several) every figure a line.
int WriteFigures(const Output& out, const FiguresFormat& f,
                 const exports::CsvOptions& csv, const exports::Workbook& book,
                 const exports::Translate& translate) {
  if (f.format == "xlsx") {
    if (absl::Status s = exports::WriteXlsx(book, f.out); !s.ok()) {
      return out.Fail(s);
    }
    std::cout << "wrote " << f.out << "\n";
    return kExitSuccess;
  }
  return WriteText(out, f.out,
                   exports::WriteCsv(exports::CsvSheet(book, translate), csv));
}

int Trends(Client& client, const Output& out, const TrendsParams& p) {
  auto csv = CheckFormat(p.output);
  if (!csv.ok()) return out.Fail(csv.status());
  auto request = ToRequest(p);
  if (!request.ok()) return out.Fail(request.status());
  auto rows = client.QueryTrends(*request);
  if (!rows.ok()) return out.Fail(rows.status());
  if (ForAFile(p.output)) {
    const exports::Translate translate = HeaderLanguage(p.output);
    return WriteFigures(
        out, p.output, *csv,
        exports::TrendsWorkbook(*request, *rows, p.split, translate),
        translate);
  }
  if (out.json() || p.output.format == "json") {
    std::string lines;
    for (const v1::TrendRow& row : *rows) {
      absl::StrAppend(&lines, ToJson(row), "\n");
    }
    return WriteText(out, p.output.out, lines);
  }
  if (rows->empty()) {
    NoData(p);
    return kExitSuccess;
  }
  return WriteText(out, p.output.out, RenderTrends(*rows, p.split));
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
  return WriteText(out, p.out,
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
  return WriteText(
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
  AddOptions(*c, trends->output);
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
      auto csv = CheckFormat(report->output);
      if (!csv.ok()) return out.Fail(csv.status());
      auto request = ToRequest(*report);
      if (!request.ok()) return out.Fail(request.status());
      auto answer = client.GetQualityReport(*request);
      if (!answer.ok()) return out.Fail(answer.status());
      if (ForAFile(report->output)) {
        const exports::Translate translate = HeaderLanguage(report->output);
        return WriteFigures(out, report->output, *csv,
                            exports::ReportWorkbook(*answer, translate),
                            translate);
      }
      const bool json = out.json() || report->output.format == "json";
      return WriteText(
          out, report->output.out,
          json ? ToJson(*answer) + "\n" : RenderQualityReport(*answer));
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

#ifndef TILBAKE_CLIENT_EXPORT_FIGURES_H_
#define TILBAKE_CLIENT_EXPORT_FIGURES_H_

#include <functional>
#include <string>
#include <vector>

#include "client/export/workbook.h"
#include "tilbake/v1/trends.pb.h"

// The trend rows and the quality report as workbooks. Percentages are
// 0–100, as in the API; measures keep their full precision (a column's
// `decimals` only says how a spreadsheet shows them). A figure the server
// left out for small cells (`suppressed`, `activity_suppressed`) is an
// empty cell, also where the API's count reads 0, and the row says so.
namespace tilbake::exports {

// English text -> the chosen language (the tilbake-web catalogs).
using Translate = std::function<std::string(const std::string& english)>;

// One row per group and bucket; with `split`, three (all, intake below and
// above the cutoff), told apart by an "intake" column. Only the columns the
// request groups by identify a row; its filters are on the about sheet.
Workbook TrendsWorkbook(const v1::QueryTrendsRequest& request,
                        const std::vector<v1::TrendRow>& rows, bool split,
                        const Translate& translate);

// Sheets: summary (the implementation figures), indices (one row per
// outcome measure), outcomes (per measure and intake group), age bands,
// alliance, recovery support.
Workbook ReportWorkbook(const v1::QualityReport& report,
                        const Translate& translate);

// Every table of a workbook as one long sheet, a figure a line: table,
// instrument, group (the row's other identifying cells, "/"-joined),
// figure (the column key), label (its header), value. The CSV of a report,
// whose tables have different columns: RFC 4180 wants one header a file.
Sheet LongSheet(const Workbook& book, const Translate& translate);

// What a CSV of `book` holds: its one table, or (several) the long sheet.
Sheet CsvSheet(const Workbook& book, const Translate& translate);

}  // namespace tilbake::exports

#endif  // TILBAKE_CLIENT_EXPORT_FIGURES_H_

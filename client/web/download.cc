// The report page's downloads: the quality report, or one of its
// side-by-side tables, as CSV or .xlsx (client/export), in the page's
// language. The same workbooks as `tilbake report|trends --format=…`.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "client/export/csv_writer.h"
#include "client/export/figures.h"
#include "client/export/xlsx_writer.h"
#include "client/web/page.h"
#include "client/web/web_app.h"

namespace tilbake::web {
namespace {

// A spreadsheet opened in Norwegian or Danish reads "12,5" as a number and
// splits fields on ';'; an English one wants '.' and ','. The byte order
// mark makes Excel read the file as UTF-8.
exports::CsvOptions CsvFor(Language language) {
  exports::CsvOptions options;
  options.bom = true;
  if (language != Language::kEn) {
    options.separator = ';';
    options.decimal_comma = true;
  }
  return options;
}

Response File(const std::string& name, const std::string& format,
              std::string body) {
  Response response;
  response.content_type =
      format == "csv"
          ? "text/csv; charset=utf-8"
          : "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
  response.headers.push_back(
      {"Content-Disposition",
       absl::StrCat("attachment; filename=\"", name, ".", format, "\"")});
  response.body = std::move(body);
  return response;
}

// File names carry no tenant or unit text (a name is not for user data):
// "tilbake-report-2026-01-2026-12".
std::string FileName(const std::string& what, absl::CivilMonth from,
                     absl::CivilMonth to) {
  return absl::StrCat("tilbake-", what, "-", absl::FormatCivilTime(from), "-",
                      absl::FormatCivilTime(to));
}

}  // namespace

Response WebApp::Download(const Request& request, Page& page,
                          const std::string& format) {
  const ReportScope scope = ScopeOf(request, page);
  if (scope.tenant.empty()) {
    return ErrorPage(page, absl::InvalidArgumentError(
                               "tenant: name the tenant to report on"));
  }
  const Language language = page.language;
  const exports::Translate translate = [this,
                                        language](const std::string& english) {
    return translator_.Translate(language, english);
  };
  const std::string table = request.Query("table");
  exports::Workbook book;
  std::string what;
  if (table.empty()) {
    auto report = page.client->GetQualityReport(scope.query);
    if (!report.ok()) return ErrorPage(page, report.status());
    book = exports::ReportWorkbook(*report, translate);
    what = "report";
  } else if (table == "teams" || table == "clinicians") {
    // The side-by-side tables of the page: the whole period, a row each.
    v1::QueryTrendsRequest whole;
    whole.set_tenant_id(scope.tenant);
    whole.set_org_unit(scope.org_unit);
    *whole.mutable_from() = scope.query.from();
    *whole.mutable_to() = scope.query.to();
    whole.set_bucket(v1::TREND_BUCKET_WHOLE_PERIOD);
    if (table == "teams") {
      whole.add_group_by(v1::TREND_GROUP_BY_ORG_UNIT);
      whole.set_org_unit_depth(OrgUnitDepth(scope.org_unit) + 1);
    } else {
      whole.add_group_by(v1::TREND_GROUP_BY_CLINICIAN);
    }
    auto rows = page.client->QueryTrends(whole);
    if (!rows.ok()) return ErrorPage(page, rows.status());
    book = exports::TrendsWorkbook(whole, *rows, /*split=*/false, translate);
    what = table;
  } else {
    return ErrorPage(
        page, absl::InvalidArgumentError(absl::StrCat(
                  "table: \"", table, "\" is not one of teams, clinicians")));
  }
  if (format == "csv") {
    return File(FileName(what, scope.from, scope.to), format,
                exports::WriteCsv(exports::CsvSheet(book, translate),
                                  CsvFor(language)));
  }
  auto bytes = exports::XlsxBytes(book);
  if (!bytes.ok()) return ErrorPage(page, bytes.status());
  return File(FileName(what, scope.from, scope.to), format, std::move(*bytes));
}

}  // namespace tilbake::web

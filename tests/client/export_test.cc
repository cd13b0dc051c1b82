// The export model and its writers without a server: RFC 4180 quoting,
// numbers that read back exactly, small cells left out, the long report.
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "client/export/csv_writer.h"
#include "client/export/figures.h"
#include "client/export/xlsx_writer.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/temp_dir.h"

namespace tilbake::exports {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string English(const std::string& text) { return text; }

Sheet OneColumn(Cell cell) {
  Sheet sheet;
  sheet.columns = {{"k", "Header", false, -1}};
  sheet.rows = {{std::move(cell)}};
  return sheet;
}

TEST(CsvTest, CellsAsText) {
  struct Case {
    Cell cell;
    CsvOptions options;
    std::string line;  // The data line, without its CRLF.
  };
  CsvOptions nordic;
  nordic.separator = ';';
  nordic.decimal_comma = true;
  const std::vector<Case> cases = {
      {std::monostate{}, {}, ""},
      {int64_t{12}, {}, "12"},
      {27.3, {}, "27.3"},
      {100.0, {}, "100"},
      {0.1 + 0.2, {}, "0.30000000000000004"},  // Exactly that double.
      {1.0 / 3, {}, "0.3333333333333333"},
      {0.00001, {}, "0.00001"},  // No exponent.
      {4.4, nordic, "4,4"},
      {true, {}, "true"},
      {Day{2026, 3, 1}, {}, "2026-03-01"},
      {std::string("psyk/nord"), {}, "psyk/nord"},
      {std::string("a,b"), {}, "\"a,b\""},
      {std::string("a,b"), nordic, "a,b"},  // ',' is no separator there.
      {std::string("a;b"), nordic, "\"a;b\""},
      {std::string("say \"hi\""), {}, "\"say \"\"hi\"\"\""},
      {std::string("two\nlines"), {}, "\"two\nlines\""},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(WriteCsv(OneColumn(c.cell), c.options),
              "Header\r\n" + c.line + "\r\n")
        << c.line;
  }
}

TEST(CsvTest, BomAndKeysAndSeparator) {
  Sheet sheet;
  sheet.columns = {{"a", "Første", true, -1}, {"b", "Andre", false, 1}};
  sheet.rows = {{std::string("x"), 1.5}};
  CsvOptions options;
  options.bom = true;
  options.separator = '\t';
  EXPECT_EQ(WriteCsv(sheet, options),
            "\xEF\xBB\xBF"
            "Første\tAndre\r\nx\t1.5\r\n");
  options.bom = false;
  options.keys = true;
  EXPECT_EQ(WriteCsv(sheet, options), "a\tb\r\nx\t1.5\r\n");
}

std::vector<std::string> Keys(const Sheet& sheet) {
  std::vector<std::string> keys;
  for (const Column& c : sheet.columns) keys.push_back(c.key);
  return keys;
}

const Cell& At(const Sheet& sheet, size_t row, const std::string& key) {
  for (size_t c = 0; c < sheet.columns.size(); ++c) {
    if (sheet.columns[c].key == key) return sheet.rows.at(row).at(c);
  }
  ADD_FAILURE() << "no column " << key;
  static const Cell kNone;
  return kNone;
}

v1::TrendRow Row(const std::string& org_unit, bool suppressed) {
  v1::TrendRow row;
  row.set_org_unit(org_unit);
  row.mutable_bucket_start()->set_year(2026);
  row.mutable_bucket_start()->set_month(3);
  row.mutable_bucket_start()->set_day(1);
  *row.mutable_bucket_end() = row.bucket_start();
  row.set_activity_suppressed(suppressed);
  if (!suppressed) {
    row.set_distinct_clients(7);
    row.mutable_activity()->set_administrations(10);
    row.mutable_activity()->set_sessions(10);
    row.mutable_activity()->set_mean_score(20.2);
    row.mutable_all()->set_series(5);
    row.mutable_all()->set_distinct_clients(4);
    row.mutable_all()->set_mean_change(4.4);
  } else {
    row.mutable_all()->set_suppressed(true);
  }
  row.mutable_intake_below_cutoff()->set_suppressed(true);
  row.set_rule_set("jt-5");
  row.set_small_cell_threshold(5);
  return row;
}

TEST(TrendsWorkbookTest, GroupsIdentifyRowsAndSmallCellsAreEmpty) {
  v1::QueryTrendsRequest request;
  request.add_group_by(v1::TREND_GROUP_BY_ORG_UNIT);
  const std::vector<v1::TrendRow> rows = {Row("psyk/nord", false),
                                          Row("psyk/sor", true)};
  const Workbook book = TrendsWorkbook(request, rows, /*split=*/true, English);
  ASSERT_EQ(book.tables.size(), 1u);
  const Sheet& trends = book.tables[0];
  const std::vector<std::string> keys = Keys(trends);
  EXPECT_THAT(std::vector<std::string>(keys.begin(), keys.begin() + 5),
              ElementsAre("bucket_start", "bucket_end", "org_unit", "intake",
                          "clients"));
  EXPECT_THAT(keys, ::testing::Contains("sessions"));
  EXPECT_THAT(keys, ::testing::Not(::testing::Contains("clinician")));
  ASSERT_EQ(trends.rows.size(), 6u);  // Two rows, three intake groups each.
  EXPECT_EQ(std::get<std::string>(At(trends, 0, "intake")), "All");
  EXPECT_EQ(std::get<int64_t>(At(trends, 0, "administrations")), 10);
  EXPECT_EQ(std::get<double>(At(trends, 0, "mean_change")), 4.4);
  EXPECT_EQ(std::get<int64_t>(At(trends, 0, "series")), 5);
  // The people: 7 with forms; the 5 series that ended are of 4 clients.
  EXPECT_EQ(std::get<int64_t>(At(trends, 0, "clients")), 7);
  EXPECT_EQ(std::get<int64_t>(At(trends, 0, "distinct_clients")), 4);
  // Intake below the cutoff was left out: no series count, not even 0.
  EXPECT_TRUE(std::holds_alternative<std::monostate>(At(trends, 1, "series")));
  EXPECT_TRUE(std::get<bool>(At(trends, 1, "outcome_suppressed")));
  // psyk/sor: its activity was left out.
  EXPECT_TRUE(
      std::holds_alternative<std::monostate>(At(trends, 3, "administrations")));
  EXPECT_TRUE(
      std::holds_alternative<std::monostate>(At(trends, 3, "sessions")));
  EXPECT_TRUE(std::holds_alternative<std::monostate>(At(trends, 3, "clients")));
  EXPECT_TRUE(std::get<bool>(At(trends, 3, "activity_suppressed")));
  // The about sheet names the rule set and the threshold.
  const std::string about = WriteCsv(book.about, {});
  EXPECT_THAT(about, HasSubstr("Rule set,jt-5\r\n"));
  EXPECT_THAT(about, HasSubstr("Small-cell threshold (clients),5\r\n"));
}

TEST(TrendsWorkbookTest, NoSessionsWhenAnInstrumentIsAsked) {
  v1::QueryTrendsRequest request;
  request.add_instrument_ids("ors");
  const Workbook book =
      TrendsWorkbook(request, {Row("psyk", false)}, false, English);
  EXPECT_THAT(Keys(book.tables[0]),
              ::testing::Not(::testing::Contains("sessions")));
  EXPECT_THAT(Keys(book.tables[0]),
              ::testing::Not(::testing::Contains("intake")));
}

v1::QualityReport Report() {
  v1::QualityReport report;
  report.set_sessions(10);
  report.set_episodes_started(5);
  v1::OutcomeIndices* ors = report.add_outcomes();
  ors->set_instrument_id("ors");
  ors->set_episodes(5);
  ors->set_distinct_clients(4);  // One client ended two episodes.
  v1::AgeBandFigures* adults = ors->add_by_age_band();
  adults->set_age_band(v1::AGE_BAND_ADULT);
  adults->set_clients(5);
  adults->set_distinct_clients(4);
  ors->mutable_all()->set_series(5);
  ors->mutable_all()->set_mean_change(4.4);
  ors->mutable_intake_below_cutoff()->set_suppressed(true);
  v1::AllianceShare* srs = report.add_alliance();
  srs->set_instrument_id("srs");
  srs->set_suppressed(true);
  return report;
}

TEST(ReportWorkbookTest, ASheetPerTableAndTheLongCsvHasEveryFigure) {
  const Workbook book = ReportWorkbook(Report(), English);
  std::vector<std::string> tables;
  for (const Sheet& s : book.tables) tables.push_back(s.key);
  EXPECT_THAT(tables, ElementsAre("summary", "indices", "outcomes", "age_bands",
                                  "alliance", "recovery_support"));
  const Sheet long_sheet = LongSheet(book, English);
  EXPECT_THAT(Keys(long_sheet), ElementsAre("table", "instrument", "group",
                                            "figure", "label", "value"));
  const std::string csv = WriteCsv(long_sheet, {});
  EXPECT_THAT(csv, HasSubstr("summary,,,sessions,Client sessions,10\r\n"));
  EXPECT_THAT(csv,
              HasSubstr("outcomes,ors,All,mean_change,Mean change,4.4\r\n"));
  EXPECT_THAT(csv, HasSubstr("outcomes,ors,Intake below cutoff,series,Client "
                             "series,\r\n"));
  EXPECT_THAT(csv, HasSubstr("alliance,srs,,completed,Forms completed,\r\n"));
  // Five episodes, four clients: both in the indices and by age band.
  EXPECT_THAT(csv, HasSubstr("indices,ors,,distinct_clients,Clients whose "
                             "series ended,4\r\n"));
  EXPECT_THAT(csv, HasSubstr("age_bands,ors,adult,distinct_clients,Clients "
                             "whose series ended,4\r\n"));
  // One line per figure: every non-identifying cell of every table.
  size_t figures = 0;
  for (const Sheet& s : book.tables) {
    size_t values = 0;
    for (const Column& c : s.columns) values += c.identifies ? 0 : 1;
    figures += values * s.rows.size();
  }
  EXPECT_EQ(long_sheet.rows.size(), figures);
}

TEST(XlsxTest, WritesAZipWithASheetPerTable) {
  testing::TempDir dir;
  const std::string path = dir.Sub("report.xlsx");
  ASSERT_TRUE(WriteXlsx(ReportWorkbook(Report(), English), path).ok());
  std::ifstream in(path, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(bytes.substr(0, 2), "PK");  // A zip, as every .xlsx.
  EXPECT_THAT(bytes, HasSubstr("xl/worksheets/sheet7.xml"));  // About + 6.
  auto same = XlsxBytes(ReportWorkbook(Report(), English));
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(same->substr(0, 2), "PK");
  EXPECT_FALSE(WriteXlsx(ReportWorkbook(Report(), English),
                         dir.Sub("missing/dir/report.xlsx"))
                   .ok());
}

}  // namespace
}  // namespace tilbake::exports

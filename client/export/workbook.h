#ifndef TILBAKE_CLIENT_EXPORT_WORKBOOK_H_
#define TILBAKE_CLIENT_EXPORT_WORKBOOK_H_

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

// Figures as tables for spreadsheets and notebooks: what `tilbake trends`
// and `tilbake report` (and the pages' downloads) write as CSV or .xlsx.
// A plain model between the API's messages (figures.h) and the file
// formats (csv_writer.h, xlsx_writer.h), so every format shows the same
// cells: a number stays a number, a figure left out (small cells, or none
// to show) stays an empty cell.
namespace tilbake::exports {

struct Day {
  int year = 0, month = 0, day = 0;
};

// Empty (left out or not applicable), a count, a measure, a yes/no, a day,
// or text (ids, names).
using Cell =
    std::variant<std::monostate, int64_t, double, bool, Day, std::string>;

struct Column {
  std::string key;     // Stable: "mean_change". The CSV header with keys.
  std::string header;  // In the chosen language: "Mean change".
  // Identifies the row (bucket, org unit, instrument, …) rather than being
  // a figure of it. The long CSV of a report repeats keys on every line.
  bool identifies = false;
  int decimals = -1;  // How a spreadsheet shows a measure; -1: as it is.
};

struct Sheet {
  std::string key;   // "trends", "outcomes": stable, for --table and files.
  std::string name;  // In the chosen language, ≤ 31 characters (xlsx).
  std::vector<Column> columns;
  std::vector<std::vector<Cell>> rows;  // Each as long as `columns`.
};

// The first sheet says what the figures are (tenant, period, org unit,
// rule set, small-cell threshold); the rest are the tables.
struct Workbook {
  Sheet about;
  std::vector<Sheet> tables;
};

}  // namespace tilbake::exports

#endif  // TILBAKE_CLIENT_EXPORT_WORKBOOK_H_

#ifndef TILBAKE_CLIENT_EXPORT_CSV_WRITER_H_
#define TILBAKE_CLIENT_EXPORT_CSV_WRITER_H_

#include <string>

#include "client/export/workbook.h"

// CSV per RFC 4180: a header row, CRLF line ends, a field quoted when it
// holds the separator, a quote or a line break (quotes doubled). UTF-8.
namespace tilbake::exports {

struct CsvOptions {
  char separator = ',';
  // "12,5" rather than "12.5": what Norwegian and Danish spreadsheets read
  // as a number. The caller pairs it with a separator other than ','.
  bool decimal_comma = false;
  // A UTF-8 byte order mark first, for spreadsheets that guess the
  // encoding otherwise (Excel reads "ø" as "Ã¸" without it).
  bool bom = false;
  // Header row of column keys ("mean_change"), stable for scripts, instead
  // of the headers in the chosen language.
  bool keys = false;
};

// Numbers in full (the shortest text that reads back as the same double),
// days as YYYY-MM-DD, yes/no as true/false, an empty cell as nothing.
std::string WriteCsv(const Sheet& sheet, const CsvOptions& options);

}  // namespace tilbake::exports

#endif  // TILBAKE_CLIENT_EXPORT_CSV_WRITER_H_

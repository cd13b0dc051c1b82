#ifndef TILBAKE_CLIENT_EXPORT_XLSX_WRITER_H_
#define TILBAKE_CLIENT_EXPORT_XLSX_WRITER_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "client/export/workbook.h"

// Office Open XML workbooks (.xlsx) through libxlsxwriter: the about sheet
// first, then a sheet per table; a bold, frozen header row; counts and
// measures as numbers (shown with the column's decimals, kept in full),
// days as dates, yes/no as booleans, a left-out figure as an empty cell.
namespace tilbake::exports {

absl::Status WriteXlsx(const Workbook& book, const std::string& path);

// The file's bytes (written to a private temporary file and read back:
// libxlsxwriter 1.1 writes to files only). For the pages' downloads.
absl::StatusOr<std::string> XlsxBytes(const Workbook& book);

}  // namespace tilbake::exports

#endif  // TILBAKE_CLIENT_EXPORT_XLSX_WRITER_H_

#include "client/export/xlsx_writer.h"

#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <map>

#include "absl/strings/str_cat.h"
#include "xlsxwriter.h"

namespace tilbake::exports {
namespace {

// Formats are owned by the workbook; one per number of decimals.
class Formats {
 public:
  explicit Formats(lxw_workbook* book) : book_(book) {
    header_ = workbook_add_format(book);
    format_set_bold(header_);
    format_set_text_wrap(header_);
    format_set_align(header_, LXW_ALIGN_VERTICAL_TOP);
    date_ = workbook_add_format(book);
    format_set_num_format(date_, "yyyy-mm-dd");
  }
  lxw_format* header() const { return header_; }
  lxw_format* date() const { return date_; }
  lxw_format* decimals(int n) {
    if (n < 0) return nullptr;  // "General": as it is.
    lxw_format*& format = by_decimals_[n];
    if (format == nullptr) {
      format = workbook_add_format(book_);
      format_set_num_format(
          format,
          n == 0 ? "0" : absl::StrCat("0.", std::string(n, '0')).c_str());
    }
    return format;
  }

 private:
  lxw_workbook* book_;
  lxw_format* header_;
  lxw_format* date_;
  std::map<int, lxw_format*> by_decimals_;
};

absl::Status Failed(const std::string& what, lxw_error error) {
  return absl::InternalError(
      absl::StrCat("xlsx: ", what, ": ", lxw_strerror(error)));
}

absl::Status WriteSheet(lxw_workbook* book, Formats& formats,
                        const Sheet& sheet) {
  // Excel's limit is 31 characters and no []:*?/\ — names are ours, but
  // a translation must not break the file.
  std::string name = sheet.name.empty() ? sheet.key : sheet.name;
  if (workbook_validate_sheet_name(book, name.c_str()) != LXW_NO_ERROR) {
    name = sheet.key;
  }
  lxw_worksheet* ws = workbook_add_worksheet(book, name.c_str());
  if (ws == nullptr) {
    return absl::InternalError(absl::StrCat("xlsx: cannot add sheet ", name));
  }
  for (size_t c = 0; c < sheet.columns.size(); ++c) {
    const Column& column = sheet.columns[c];
    const lxw_col_t col = static_cast<lxw_col_t>(c);
    worksheet_write_string(ws, 0, col, column.header.c_str(), formats.header());
    // Wide enough for the header's words, up to a point (it wraps).
    const double width = std::clamp<double>(column.header.size() * 0.6, 10, 24);
    worksheet_set_column(ws, col, col, width, nullptr);
  }
  worksheet_freeze_panes(ws, 1, 0);
  for (size_t r = 0; r < sheet.rows.size(); ++r) {
    const lxw_row_t row = static_cast<lxw_row_t>(r + 1);
    for (size_t c = 0; c < sheet.rows[r].size(); ++c) {
      const lxw_col_t col = static_cast<lxw_col_t>(c);
      const Cell& cell = sheet.rows[r][c];
      const int decimals =
          c < sheet.columns.size() ? sheet.columns[c].decimals : -1;
      lxw_error error = LXW_NO_ERROR;
      if (const auto* count = std::get_if<int64_t>(&cell)) {
        error = worksheet_write_number(ws, row, col,
                                       static_cast<double>(*count), nullptr);
      } else if (const auto* value = std::get_if<double>(&cell)) {
        error = worksheet_write_number(ws, row, col, *value,
                                       formats.decimals(decimals));
      } else if (const auto* yes = std::get_if<bool>(&cell)) {
        error = worksheet_write_boolean(ws, row, col, *yes ? 1 : 0, nullptr);
      } else if (const auto* day = std::get_if<Day>(&cell)) {
        lxw_datetime when = {day->year, day->month, day->day, 0, 0, 0};
        error = worksheet_write_datetime(ws, row, col, &when, formats.date());
      } else if (const auto* text = std::get_if<std::string>(&cell)) {
        error = worksheet_write_string(ws, row, col, text->c_str(), nullptr);
      }  // Empty: no cell at all, which every reader takes as empty.
      if (error != LXW_NO_ERROR) {
        return Failed(absl::StrCat(name, " row ", row + 1), error);
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status WriteXlsx(const Workbook& book, const std::string& path) {
  // Rows go to the file as they are written (libxlsxwriter's
  // constant_memory): a large export does not hold every cell in memory,
  // and strings are written inline rather than in a shared table.
  lxw_workbook_options options = {};
  options.constant_memory = LXW_TRUE;
  lxw_workbook* xlsx = workbook_new_opt(path.c_str(), &options);
  if (xlsx == nullptr) {
    return absl::UnavailableError(absl::StrCat("cannot write ", path));
  }
  Formats formats(xlsx);
  absl::Status status = WriteSheet(xlsx, formats, book.about);
  for (const Sheet& sheet : book.tables) {
    if (status.ok()) status = WriteSheet(xlsx, formats, sheet);
  }
  // Closing writes the file (and frees the workbook), also after an error.
  const lxw_error closed = workbook_close(xlsx);
  if (!status.ok()) return status;
  if (closed != LXW_NO_ERROR) return Failed(path, closed);
  return absl::OkStatus();
}

absl::StatusOr<std::string> XlsxBytes(const Workbook& book) {
  const char* tmp = getenv("TMPDIR");
  std::string path = absl::StrCat(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp",
                                  "/tilbake-export-XXXXXX");
  const int fd = mkstemp(path.data());  // Only we can read it (0600).
  if (fd < 0) return absl::UnavailableError("xlsx: no temporary file");
  close(fd);
  absl::Status written = WriteXlsx(book, path);
  std::string bytes;
  if (written.ok()) {
    std::ifstream in(path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  unlink(path.c_str());
  if (!written.ok()) return written;
  return bytes;
}

}  // namespace tilbake::exports

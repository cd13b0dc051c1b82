#include "client/export/csv_writer.h"

#include <charconv>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace tilbake::exports {
namespace {

// The shortest decimal text that reads back as the same double, without an
// exponent (a spreadsheet shows 1e-05 as text in some locales).
std::string Number(double value, bool decimal_comma) {
  char buffer[400];
  auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, value,
                                    std::chars_format::fixed);
  std::string text = error == std::errc() ? std::string(buffer, end)
                                          : absl::StrFormat("%.17g", value);
  if (decimal_comma) {
    for (char& c : text) {
      if (c == '.') c = ',';
    }
  }
  return text;
}

struct CellText {
  bool decimal_comma;
  std::string operator()(std::monostate) const { return ""; }
  std::string operator()(int64_t value) const { return absl::StrCat(value); }
  std::string operator()(double value) const {
    return Number(value, decimal_comma);
  }
  std::string operator()(bool value) const { return value ? "true" : "false"; }
  std::string operator()(const Day& d) const {
    return absl::StrFormat("%04d-%02d-%02d", d.year, d.month, d.day);
  }
  std::string operator()(const std::string& text) const { return text; }
};

void AppendField(std::string& out, const std::string& field, char separator) {
  if (field.find_first_of(std::string{separator, '"', '\r', '\n'}) ==
      std::string::npos) {
    out += field;
    return;
  }
  out += '"';
  for (char c : field) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

}  // namespace

std::string WriteCsv(const Sheet& sheet, const CsvOptions& options) {
  std::string out = options.bom ? "\xEF\xBB\xBF" : "";
  auto line = [&](const std::vector<std::string>& fields) {
    for (size_t i = 0; i < fields.size(); ++i) {
      if (i > 0) out += options.separator;
      AppendField(out, fields[i], options.separator);
    }
    out += "\r\n";
  };
  std::vector<std::string> fields;
  for (const Column& column : sheet.columns) {
    fields.push_back(options.keys ? column.key : column.header);
  }
  line(fields);
  const CellText text{options.decimal_comma};
  for (const std::vector<Cell>& row : sheet.rows) {
    fields.clear();
    for (const Cell& cell : row) fields.push_back(std::visit(text, cell));
    line(fields);
  }
  return out;
}

}  // namespace tilbake::exports

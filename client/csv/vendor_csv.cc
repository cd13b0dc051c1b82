#include "client/csv/vendor_csv.h"

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"
#include "common/stable_key.h"
#include "proto/names.h"

namespace tilbake::csv {
namespace {

// Columns of the vendor layout that Tilbake reads.
constexpr const char* kRequired[] = {"Client_ID", "Case_ID", "Session_ID",
                                     "Session_Date"};
constexpr const char* kRead[] = {
    "Service_Location", "Provider_Email", "Provider_ID", "Client_ID", "Case_ID",
    "Session_ID", "Session_Date", "ORS_Skip", "ORSQ1", "ORSQ2", "ORSQ3",
    "ORSQ4", "Total_ORS", "SRS_Skip", "SRSQ1", "SRSQ2", "SRSQ3", "SRSQ4",
    "Total_SRS",
    // Tilbake's own columns (docs/import.md).
    "Client_Age", "ORS_Instrument", "SRS_Instrument", "Rater", "Rater_ID",
    "Episode_Type"};
// Read by nobody, on purpose: names and free text never reach the server.
constexpr const char* kClientNames[] = {"Client_FirstName", "Client_LastName"};
constexpr const char* kIgnored[] = {"Provider_FirstName", "Provider_LastName",
                                    "Client_Gender", "Client_Group",
                                    "Case_Date"};

// One header's column positions.
class Columns {
 public:
  explicit Columns(const std::vector<std::string>& header) {
    for (size_t i = 0; i < header.size(); ++i) {
      index_[std::string(absl::StripAsciiWhitespace(header[i]))] = i;
    }
  }
  bool Has(absl::string_view name) const {
    return index_.find(std::string(name)) != index_.end();
  }
  // The trimmed value, "" when the column or the field is missing.
  std::string Get(const CsvRecord& row, absl::string_view name) const {
    auto it = index_.find(std::string(name));
    if (it == index_.end() || it->second >= row.fields.size()) return "";
    return std::string(absl::StripAsciiWhitespace(row.fields[it->second]));
  }
  const std::map<std::string, size_t>& all() const { return index_; }

 private:
  std::map<std::string, size_t> index_;
};

absl::StatusOr<bool> ParseSkip(absl::string_view column,
                               absl::string_view value) {
  const std::string v = absl::AsciiStrToUpper(value);
  if (v.empty() || v == "N" || v == "0") return false;
  if (v == "Y" || v == "1") return true;
  return absl::InvalidArgumentError(
      absl::StrCat(column, ": \"", value, "\" is not Y, N, 1 or 0"));
}

absl::StatusOr<double> ParseScore(absl::string_view column,
                                  absl::string_view value, char delimiter) {
  std::string text(value);
  // With ';' as the delimiter, a decimal comma is the locale's, not a split.
  if (delimiter == ';') absl::StrReplaceAll({{",", "."}}, &text);
  double number = 0;
  if (!absl::SimpleAtod(text, &number)) {
    return absl::InvalidArgumentError(
        absl::StrCat(column, ": \"", value, "\" is not a number"));
  }
  return number;
}

absl::StatusOr<v1::Date> ParseDate(absl::string_view column,
                                   absl::string_view value) {
  absl::CivilDay day;
  if (value.size() != 10 || !absl::ParseCivilTime(value, &day)) {
    return absl::InvalidArgumentError(
        absl::StrCat(column, ": \"", value, "\" is not a date (yyyy-MM-dd)"));
  }
  v1::Date date;
  date.set_year(static_cast<int32_t>(day.year()));
  date.set_month(day.month());
  date.set_day(day.day());
  return date;
}

absl::StatusOr<v1::Rater> ParseRater(absl::string_view value,
                                     absl::string_view rater_id) {
  std::string name = absl::AsciiStrToLower(value);
  if (name.empty()) name = "client";
  if (auto rater = names::RaterFromName(name, rater_id)) return *rater;
  return absl::InvalidArgumentError(absl::StrCat(
      "Rater: \"", value, "\" is not one of client, ", names::kRelationNames));
}

absl::StatusOr<v1::EpisodeType> ParseEpisodeType(absl::string_view value) {
  std::string name = absl::AsciiStrToLower(value);
  if (name.empty()) name = "individual";
  if (auto type = names::EpisodeTypeFromName(name)) return *type;
  return absl::InvalidArgumentError(
      absl::StrCat("Episode_Type: \"", value,
                   "\" is not one of individual, couple, family, group"));
}

// The idempotency key of one form in one row, from its identity.
std::string KeyFor(const v1::Rating& r) {
  return StableKey(
      "csv",
      absl::StrCat(
          r.episode_id(), ":s", r.session_number(), ":", r.instrument_id(),
          r.rater().kind() == v1::Rater::KIND_COLLATERAL
              ? absl::StrCat(":r", static_cast<int>(r.rater().relation()), "-",
                             r.rater().rater_id())
              : ""));
}

// One instrument's group of columns in a row (ORS or SRS).
struct FormColumns {
  const char* name;  // "ORS"
  const char* skip;
  const char* items[4];
  const char* total;
  const char* instrument_column;
  const char* default_instrument;
};
constexpr FormColumns kForms[] = {
    {"ORS",
     "ORS_Skip",
     {"ORSQ1", "ORSQ2", "ORSQ3", "ORSQ4"},
     "Total_ORS",
     "ORS_Instrument",
     "ors"},
    {"SRS",
     "SRS_Skip",
     {"SRSQ1", "SRSQ2", "SRSQ3", "SRSQ4"},
     "Total_SRS",
     "SRS_Instrument",
     "srs"},
};

// The answers of one form, or nullopt when the row has none for it.
absl::StatusOr<std::optional<v1::Rating>> FormAnswers(const Columns& columns,
                                                      const CsvRecord& row,
                                                      const FormColumns& form,
                                                      char delimiter) {
  auto skip = ParseSkip(form.skip, columns.Get(row, form.skip));
  if (!skip.ok()) return skip.status();
  std::vector<std::string> items;
  int given = 0;
  for (const char* column : form.items) {
    items.push_back(columns.Get(row, column));
    given += items.back().empty() ? 0 : 1;
  }
  const std::string total = columns.Get(row, form.total);
  v1::Rating rating;
  const std::string instrument = columns.Get(row, form.instrument_column);
  rating.set_instrument_id(instrument.empty()
                               ? form.default_instrument
                               : absl::AsciiStrToLower(instrument));
  if (*skip) {
    if (given > 0 || !total.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(form.skip, ": Y, but the ", form.name,
                       " score fields are not blank"));
    }
    rating.mutable_skipped()->set_reason(
        absl::StrCat(form.skip, " in the import file"));
    return rating;
  }
  if (given == 0 && total.empty()) return std::nullopt;
  if (given > 0 && !total.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(form.name, ": items together with ", form.total,
                     "; give the items (format A) or the total (format B)"));
  }
  if (given > 0) {
    // A blank item goes as unanswered: the server refuses the form naming
    // each one ("rating.items: social (item 3) not answered"), as it does
    // for every other client, and the row's other form with it.
    for (int i = 0; i < 4; ++i) {
      v1::ItemAnswer* answer = rating.mutable_items()->add_items();
      if (items[i].empty()) continue;
      auto value = ParseScore(form.items[i], items[i], delimiter);
      if (!value.ok()) return value.status();
      answer->set_value(*value);
    }
    return rating;
  }
  auto value = ParseScore(form.total, total, delimiter);
  if (!value.ok()) return value.status();
  rating.mutable_total_only()->set_total(*value);
  return rating;
}

}  // namespace

char DetectDelimiter(absl::string_view text) {
  const absl::string_view header = text.substr(0, text.find('\n'));
  return absl::StrContains(header, ';') && !absl::StrContains(header, ',')
             ? ';'
             : ',';
}

absl::StatusOr<std::vector<CsvRecord>> ParseCsv(absl::string_view text,
                                                char delimiter) {
  if (absl::StartsWith(text, "\xEF\xBB\xBF")) text.remove_prefix(3);
  std::vector<CsvRecord> records;
  CsvRecord record;
  std::string field;
  int line = 1;
  record.line = 1;
  bool quoted = false;       // Inside a quoted field.
  bool field_begun = false;  // The record has a field (or a delimiter).
  int quote_line = 0;
  auto end_field = [&] {
    record.fields.push_back(std::move(field));
    field.clear();
  };
  auto end_record = [&] {
    if (field_begun || !field.empty()) {
      end_field();
      records.push_back(std::move(record));
    }
    record = CsvRecord();
    record.line = line;
    field_begun = false;
  };
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field.push_back('"');
          ++i;
        } else {
          quoted = false;
        }
      } else {
        if (c == '\n') ++line;
        field.push_back(c);
      }
      continue;
    }
    if (c == '"' && field.empty()) {
      quoted = true;
      field_begun = true;
      quote_line = line;
    } else if (c == delimiter) {
      field_begun = true;
      end_field();
    } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      continue;  // The \n ends the record.
    } else if (c == '\n') {
      ++line;
      end_record();
    } else {
      field_begun = true;
      field.push_back(c);
    }
  }
  if (quoted) {
    return absl::InvalidArgumentError(
        absl::StrCat("line ", quote_line, ": a quoted field is never closed"));
  }
  end_record();
  return records;
}

std::string OrgUnitFromLocation(absl::string_view location) {
  std::vector<std::string> segments;
  for (absl::string_view part : absl::StrSplit(location, '/')) {
    std::string slug;
    const std::string lower = absl::AsciiStrToLower(part);
    for (size_t i = 0; i < lower.size(); ++i) {
      const unsigned char c = static_cast<unsigned char>(lower[i]);
      absl::string_view piece;
      char single = '-';
      // æ ø å, both cases, as UTF-8 (C3 A6/86, C3 B8/98, C3 A5/85).
      if (c == 0xC3 && i + 1 < lower.size()) {
        const unsigned char d = static_cast<unsigned char>(lower[i + 1]);
        if (d == 0xA6 || d == 0x86) piece = "ae";
        if (d == 0xB8 || d == 0x98) piece = "o";
        if (d == 0xA5 || d == 0x85) piece = "a";
        if (!piece.empty()) ++i;
      }
      if (piece.empty()) {
        const bool allowed = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                             c == '.' || c == '_' || c == '-';
        if (allowed) single = static_cast<char>(c);
        piece = absl::string_view(&single, 1);
      }
      for (char p : piece) {
        if (p == '-' && (slug.empty() || slug.back() == '-')) continue;
        slug.push_back(p);
      }
    }
    while (!slug.empty() && slug.back() == '-') slug.pop_back();
    if (!slug.empty()) segments.push_back(std::move(slug));
  }
  return absl::StrJoin(segments, "/");
}

absl::StatusOr<VendorImport> ConvertVendorCsv(
    absl::string_view text, const VendorImportOptions& options) {
  const char delimiter = DetectDelimiter(text);
  auto records = ParseCsv(text, delimiter);
  if (!records.ok()) return records.status();
  if (records->empty()) {
    return absl::InvalidArgumentError("the file is empty: no header row");
  }
  const Columns columns(records->front().fields);
  std::vector<std::string> missing;
  for (const char* name : kRequired) {
    if (!columns.Has(name)) missing.push_back(name);
  }
  if (!columns.Has("Provider_ID") && !columns.Has("Provider_Email")) {
    missing.push_back("Provider_ID or Provider_Email");
  }
  if (!columns.Has("Service_Location") && options.default_org_unit.empty()) {
    missing.push_back("Service_Location (or pass --org_unit)");
  }
  if (!missing.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "header: missing column(s) ", absl::StrJoin(missing, ", ")));
  }

  VendorImport out;
  std::set<std::string> known;
  for (const char* name : kRead) known.insert(name);
  for (const char* name : kClientNames) known.insert(name);
  for (const char* name : kIgnored) known.insert(name);
  known.insert("Notes");
  std::vector<std::string> custom;
  for (const auto& [name, index] : columns.all()) {
    if (known.count(name) == 0 && !name.empty()) custom.push_back(name);
  }
  if (!custom.empty()) {
    out.warnings.push_back(absl::StrCat("custom columns not imported: ",
                                        absl::StrJoin(custom, ", ")));
  }

  int rows_with_names = 0, rows_with_notes = 0;
  for (size_t r = 1; r < records->size(); ++r) {
    const CsvRecord& row = (*records)[r];
    ++out.rows;
    auto fail = [&](const absl::Status& status) {
      out.errors.push_back({row.line, std::string(status.message())});
    };
    for (const char* name : kClientNames) {
      if (!columns.Get(row, name).empty()) {
        ++rows_with_names;
        break;
      }
    }
    if (!columns.Get(row, "Notes").empty()) ++rows_with_notes;

    v1::Rating base;
    base.set_tenant_id(options.tenant_id);
    base.set_episode_id(columns.Get(row, "Case_ID"));
    base.set_client_id(columns.Get(row, "Client_ID"));
    const std::string provider_id = columns.Get(row, "Provider_ID");
    base.set_clinician_id(
        provider_id.empty()
            ? absl::AsciiStrToLower(columns.Get(row, "Provider_Email"))
            : provider_id);
    const std::string location = columns.Get(row, "Service_Location");
    std::string org_unit = location.empty() ? options.default_org_unit
                                            : OrgUnitFromLocation(location);
    if (org_unit.empty()) {
      fail(absl::InvalidArgumentError(
          "Service_Location: is blank (or pass --org_unit)"));
      continue;
    }
    if (!options.org_unit_prefix.empty() && !location.empty()) {
      org_unit = absl::StrCat(options.org_unit_prefix, "/", org_unit);
    }
    base.set_org_unit(org_unit);
    int session = 0;
    if (!absl::SimpleAtoi(columns.Get(row, "Session_ID"), &session) ||
        session < 1) {
      fail(absl::InvalidArgumentError(
          absl::StrCat("Session_ID: \"", columns.Get(row, "Session_ID"),
                       "\" is not a session number (1, 2, …)")));
      continue;
    }
    base.set_session_number(session);
    auto date = ParseDate("Session_Date", columns.Get(row, "Session_Date"));
    if (!date.ok()) {
      fail(date.status());
      continue;
    }
    *base.mutable_session_date() = *date;
    const std::string age = columns.Get(row, "Client_Age");
    if (!age.empty()) {
      int years = 0;
      if (!absl::SimpleAtoi(age, &years) || years < 0 || years > 130) {
        fail(absl::InvalidArgumentError(
            absl::StrCat("Client_Age: \"", age, "\" is not an age in years")));
        continue;
      }
      base.set_client_age_years(years);
    }
    auto rater =
        ParseRater(columns.Get(row, "Rater"), columns.Get(row, "Rater_ID"));
    if (!rater.ok()) {
      fail(rater.status());
      continue;
    }
    *base.mutable_rater() = *rater;
    auto type = ParseEpisodeType(columns.Get(row, "Episode_Type"));
    if (!type.ok()) {
      fail(type.status());
      continue;
    }
    base.set_episode_type(*type);

    std::vector<v1::ImportRatingsRequest> row_records;
    absl::Status row_status;
    for (const FormColumns& form : kForms) {
      auto answers = FormAnswers(columns, row, form, delimiter);
      if (!answers.ok()) {
        row_status = answers.status();
        break;
      }
      if (!answers->has_value()) continue;
      v1::ImportRatingsRequest request;
      request.set_record_number(row.line);
      v1::Rating* rating = request.mutable_record()->mutable_rating();
      *rating = base;
      rating->MergeFrom(**answers);
      request.mutable_record()->set_idempotency_key(KeyFor(*rating));
      row_records.push_back(std::move(request));
    }
    if (!row_status.ok()) {
      fail(row_status);
      continue;
    }
    if (row_records.empty()) {
      fail(absl::InvalidArgumentError(
          "no ORS or SRS: give items, a total or a skip flag"));
      continue;
    }
    // The ORS and the SRS of a row are stored together or not at all.
    for (auto& record : row_records) {
      if (row_records.size() > 1)
        record.set_row(absl::StrCat("line ", row.line));
      out.records.push_back(std::move(record));
    }
  }
  if (rows_with_names > 0) {
    out.warnings.push_back(absl::StrCat(
        rows_with_names,
        " row(s) carried client names (Client_FirstName, Client_LastName): "
        "dropped, never sent; Tilbake keeps pseudonyms only"));
  }
  if (rows_with_notes > 0) {
    out.warnings.push_back(absl::StrCat(
        rows_with_notes,
        " row(s) had Notes: dropped, never sent (free text may identify the "
        "client)"));
  }
  return out;
}

}  // namespace tilbake::csv

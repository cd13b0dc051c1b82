#ifndef TILBAKE_CLIENT_CSV_VENDOR_CSV_H_
#define TILBAKE_CLIENT_CSV_VENDOR_CSV_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "tilbake/v1/feedback.pb.h"

// The flat-file layout FIT vendors import and export (one row per session:
// location, clinician, client, case, session, ORS and SRS items or totals,
// skip flags), turned into ImportRatings records. See docs/import.md.
namespace tilbake::csv {

// One CSV record and the line it starts on (1 = the header).
struct CsvRecord {
  int line = 0;
  std::vector<std::string> fields;
};

// RFC 4180: fields separated by `delimiter`, optionally in double quotes
// ("" inside quotes is a quote; quoted fields may hold delimiters and line
// breaks); CRLF or LF; a UTF-8 byte-order mark is skipped. Blank lines are
// skipped. InvalidArgument naming the line for an unterminated quote.
absl::StatusOr<std::vector<CsvRecord>> ParseCsv(absl::string_view text,
                                                char delimiter);

// ',' unless the header line has ';' and no ',' (Excel in Norwegian or
// Danish locales writes ';' and decimal commas).
char DetectDelimiter(absl::string_view text);

struct VendorImportOptions {
  std::string tenant_id;
  // Prepended to every org unit made from Service_Location ("psykisk-helse"
  // + "Team Nord" -> "psykisk-helse/team-nord").
  std::string org_unit_prefix;
  // The org unit of rows whose Service_Location is blank; empty = such a
  // row is refused.
  std::string default_org_unit;
};

// A row refused before anything was sent.
struct RowError {
  int line = 0;
  std::string message;
};

struct VendorImport {
  // record_number = the row's line, so the server's errors name the line.
  // Idempotency keys come from the row's identity (case, session,
  // instrument, rater), so importing the same file again stores nothing
  // twice.
  std::vector<v1::ImportRatingsRequest> records;
  int rows = 0;  // Data rows read.
  std::vector<RowError> errors;
  // Columns dropped and why (client names, notes, unknown custom fields).
  std::vector<std::string> warnings;
};

// Converts a vendor CSV file. Fails as a whole only when the header lacks a
// required column or the file is not CSV; a bad row is one RowError.
// Client names are never put in a record: the name columns are dropped,
// with a warning when any row fills them.
absl::StatusOr<VendorImport> ConvertVendorCsv(
    absl::string_view text, const VendorImportOptions& options);

// "Team Nord/Øst" -> "team-nord/ost": lower-case ASCII letters, digits, '.',
// '_' and '-' per segment (æ -> ae, ø -> o, å -> a; anything else -> '-').
std::string OrgUnitFromLocation(absl::string_view location);

}  // namespace tilbake::csv

#endif  // TILBAKE_CLIENT_CSV_VENDOR_CSV_H_

#ifndef TILBAKE_CLIENT_CLI_PARAMS_H_
#define TILBAKE_CLIENT_CLI_PARAMS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "client/export/csv_writer.h"
#include "tilbake/v1/admin.pb.h"
#include "tilbake/v1/feedback.pb.h"
#include "tilbake/v1/trends.pb.h"

// What each `tilbake` command is given, one struct per command (its options
// are registered in that command group's file), and the pure step from
// those values to a request. No I/O and no server: tests/client/
// cli_params_test.cc parses command lines into these and checks them.
// Every error is InvalidArgument naming the option ("--date: …"), which
// the command line reports as bad usage (exit 2).
namespace tilbake::cli {

struct SubmitParams {
  std::string tenant, episode, client, clinician, org_unit;
  std::string episode_type = "individual";
  int session = 0;
  std::string date, instrument, instrument_version;
  std::string items, total;  // At most one of items, total, skipped.
  bool skipped = false;
  std::string skip_reason;
  std::string rater = "client", rater_id;
  int age = -1;     // Unknown.
  std::string key;  // Empty: the SDK picks a new idempotency key.
};
absl::StatusOr<v1::SubmitRatingRequest> ToRequest(const SubmitParams& p);

struct ImportParams {
  std::string path;
  std::string format;  // jsonl (default), csv or fhir.
  std::string encoding = "utf-8";
  std::string tenant;                     // csv, fhir.
  std::string org_unit, org_unit_prefix;  // csv.
  int streams = 4;
  // csv, fhir: a record stored before with other values is corrected
  // (reason "re-import from FILE") instead of refused as ALREADY_EXISTS.
  bool corrections = false;
};
// The checks that need no file: format, and what the format needs.
absl::Status Check(const ImportParams& p);

struct EpisodeParams {
  std::string tenant, episode;
  bool history = false;  // Also the versions corrections and voids ended.
};
absl::Status Check(const EpisodeParams& p);

// `tilbake correct`: what changes in one stored administration; what is
// not given stays as stored.
struct CorrectParams {
  std::string tenant, episode, administration;
  std::string items, total;  // At most one of items, total, skipped.
  bool skipped = false;
  std::string skip_reason;
  std::string date;
  int age = -1;                 // Unchanged.
  std::string rater, rater_id;  // Unchanged when both are empty.
  std::string reason, key;
};
// The request that replaces, in `episode`'s stored administration, what
// `p` gives. NotFound when the episode has no such administration.
absl::StatusOr<v1::CorrectRatingRequest> ToCorrection(
    const CorrectParams& p, const v1::Episode& episode);

struct VoidParams {
  std::string tenant, episode, administration, reason, key;
};
absl::StatusOr<v1::VoidRatingRequest> ToVoid(const VoidParams& p);

struct CloseParams {
  std::string tenant, episode, ending, end_date;
};
absl::StatusOr<v1::Ending> ToEnding(const CloseParams& p);

struct ExportParams {
  std::string tenant, episode, client;  // One of episode, client.
  std::string format = "fhir";          // fhir or json.
  std::string out;                      // Empty: stdout.
};
absl::Status Check(const ExportParams& p);

// How `trends` and `report` write their figures: a table on the terminal,
// the API's JSON, or a file for a spreadsheet (docs/exports.md).
struct FiguresFormat {
  std::string format = "table";  // table, json, csv or xlsx.
  std::string out;               // Empty: stdout (not for xlsx).
  std::string lang;              // nb, da, en; empty: from $LANG, else en.
  std::string separator = ",";   // csv: ",", ";" or "tab".
  bool decimal_comma = false;    // csv: 12,5 (with --separator=';').
  bool bom = false;              // csv: a UTF-8 byte order mark first.
  bool column_keys = false;      // csv: header of column keys, not labels.
};
// Checks the format (and that xlsx has --out) and returns the CSV options;
// InvalidArgument naming the option otherwise.
absl::StatusOr<exports::CsvOptions> CheckFormat(const FiguresFormat& f);

// The filters of `trends` and `plot trend`.
struct TrendsParams {
  std::string tenant, from, to;
  std::string org_unit, clinician;
  std::string instrument;  // Comma-separated ids.
  std::string age_band;
  std::string bucket = "month";
  std::string group_by = "instrument";  // Comma-separated.
  int depth = 0;
  bool split = false;
  FiguresFormat output;
};
absl::StatusOr<v1::QueryTrendsRequest> ToRequest(const TrendsParams& p);
// What was asked, for "no data for …": tenant, period and each filter given.
std::string Describe(const TrendsParams& p);

struct ReportParams {
  std::string tenant, from, to, org_unit;
  FiguresFormat output;
};
absl::StatusOr<v1::QualityReportRequest> ToRequest(const ReportParams& p);

struct PlotParams {
  std::string out;  // The SVG file.
  EpisodeParams episode;
  TrendsParams trend;
};

struct AuditParams {
  std::string tenant, client;
  std::string from, to;  // Whole UTC days; `to` is included.
};
absl::StatusOr<v1::QueryAuditLogRequest> ToRequest(const AuditParams& p);

struct ErasureParams {
  std::string tenant, client, reason, request;
};

}  // namespace tilbake::cli

#endif  // TILBAKE_CLIENT_CLI_PARAMS_H_

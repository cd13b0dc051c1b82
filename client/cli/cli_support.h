#ifndef TILBAKE_CLIENT_CLI_CLI_SUPPORT_H_
#define TILBAKE_CLIENT_CLI_CLI_SUPPORT_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "tilbake/v1/admin.pb.h"
#include "tilbake/v1/feedback.pb.h"
#include "tilbake/v1/trends.pb.h"

// Parsing of command-line values and rendering of results for `tilbake`.
// Kept apart from main.cc so they can be tested without a process.
namespace tilbake::cli {

// "2026-11-22" -> Date. InvalidArgument naming `flag` otherwise.
absl::StatusOr<v1::Date> ParseDate(absl::string_view flag,
                                   absl::string_view text);

// "5.1,6,7.3,8.9" (positional) or "individual=5.1,interpersonal=6,…"
// (keyed); an empty element ("5,,7,8") is an unanswered item.
absl::StatusOr<v1::ItemAnswers> ParseItems(absl::string_view text);

absl::StatusOr<v1::EpisodeType> ParseEpisodeType(absl::string_view text);

// "client", or a collateral relation: parent, carer, partner, sibling,
// other-family, teacher, other.
absl::StatusOr<v1::Rater> ParseRater(absl::string_view text,
                                     absl::string_view rater_id);

absl::StatusOr<v1::EndingType> ParseEndingType(absl::string_view text);

// One JSON-lines import file: each non-blank line not starting with '#' is a
// SubmitRatingRequest in protobuf's JSON mapping. record_number = line.
absl::StatusOr<std::vector<v1::ImportRatingsRequest>> ParseImportLines(
    absl::string_view contents);

std::string FormatDate(const v1::Date& date);

// The columns `text` takes on a terminal: one per UTF-8 code point, none
// for ANSI colour sequences. Tables align by it.
size_t DisplayWidth(absl::string_view text);

// Readable tables. With `colour`, zones are marked with ANSI colours (for a
// terminal); without, by name only.
std::string RenderSubmit(const v1::SubmitRatingResponse& response,
                         bool colour = false);
std::string RenderEpisode(const v1::Episode& episode, bool colour = false);
// "would retire" / "retired": the counts and the cutoffs.
std::string RenderRetention(const v1::RetentionReport& report);
std::string RenderRuleSets(const v1::ListRuleSetsResponse& response);
// One line per group and bucket; with `split`, the intake-below and
// intake-above figures on lines of their own.
std::string RenderTrends(const std::vector<v1::TrendRow>& rows, bool split);
std::string RenderQualityReport(const v1::QualityReport& report);
std::string RenderInstruments(
    const std::vector<v1::InstrumentDefinition>& instruments);
std::string RenderImport(const v1::ImportRatingsResponse& response);

// protobuf JSON (field names as in the .proto), one object.
// The access log: one line per entry, oldest first (times in UTC).
std::string RenderAuditLog(const std::vector<v1::AuditEntry>& entries);
// Erasure requests, one line each.
std::string RenderErasureRequests(
    const std::vector<v1::ErasureRequest>& requests);

std::string ToJson(const google::protobuf::Message& message);

}  // namespace tilbake::cli

#endif  // TILBAKE_CLIENT_CLI_CLI_SUPPORT_H_

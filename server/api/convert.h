#ifndef TILBAKE_SERVER_API_CONVERT_H_
#define TILBAKE_SERVER_API_CONVERT_H_

#include "absl/status/statusor.h"
#include "domain/types.h"
#include "scoring/instrument.h"
#include "scoring/rule_set.h"
#include "server/core/rating_service.h"
#include "tilbake/v1/feedback.pb.h"

// Converts between the API's protobuf messages and the domain structs. The
// proto side stops here: nothing below server/api sees a v1 message.
namespace tilbake::api {

// Structural checks only (a oneof chosen, known enum values, a real calendar
// date, at most one decimal); the core checks the rest. Errors are
// InvalidArgument naming the field, e.g. "rating.session_date: …".
absl::StatusOr<domain::Rating> FromProto(const v1::Rating& rating);
// A real calendar date; InvalidArgument naming `field` when missing or not
// a date (2026-02-30 is refused, not moved to March).
absl::StatusOr<absl::CivilDay> FromProto(const v1::Date& date,
                                         absl::string_view field);
v1::Date ToProto(absl::CivilDay day);
google::protobuf::Timestamp ToTimestamp(absl::Time time);
absl::Time FromTimestamp(const google::protobuf::Timestamp& timestamp);
absl::StatusOr<domain::Ending> FromProto(const v1::Ending& ending);

v1::Administration ToProto(const domain::Administration& administration);
// An administration with its evaluation (SubmitRating's answer).
v1::Administration ToProto(const core::SubmitResult& result);
// The episode with every administration evaluated, and its outcomes.
v1::Episode ToProto(const core::EpisodeView& view);
v1::InstrumentDefinition ToProto(const scoring::InstrumentDefinition& d);
v1::RuleSetInfo ToProto(const scoring::RuleSet& rules);

// Lower-case names for metric labels: "srs_drop", "red".
const char* AlertKindName(scoring::AlertKind kind);
const char* ZoneName(scoring::Zone zone);

}  // namespace tilbake::api

#endif  // TILBAKE_SERVER_API_CONVERT_H_

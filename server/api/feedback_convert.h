#ifndef TILBAKE_SERVER_API_FEEDBACK_CONVERT_H_
#define TILBAKE_SERVER_API_FEEDBACK_CONVERT_H_

#include "absl/status/statusor.h"
#include "domain/types.h"
#include "scoring/instrument.h"
#include "scoring/rule_set.h"
#include "server/api/common_convert.h"
#include "server/auth/tokens.h"
#include "server/core/rating_service.h"
#include "tilbake/v1/feedback.pb.h"

// Conversions of tilbake.v1.Feedback's messages to and from the domain
// structs. Each service has its own conversion unit (feedback_convert,
// trends_convert, admin_convert) over the shared ones in common_convert;
// the proto side stops in server/api: nothing below sees a v1 message.
namespace tilbake::api {

// Structural checks only (a oneof chosen, known enum values, a real calendar
// date, at most one decimal); the core checks the rest. Errors are
// InvalidArgument naming the field, e.g. "rating.session_date: …".
absl::StatusOr<domain::Rating> FromProto(const v1::Rating& rating);
absl::StatusOr<domain::Ending> FromProto(const v1::Ending& ending);

v1::Administration ToProto(const domain::Administration& administration);
// A version a correction (status AMENDED) or a void (ENTERED_IN_ERROR) ended.
v1::Revision ToProto(const domain::Revision& revision);
// An administration with its evaluation (SubmitRating's answer).
v1::Administration ToProto(const core::SubmitResult& result);
// The episode with every administration evaluated, its outcomes, and the
// history when the view holds it.
v1::Episode ToProto(const core::EpisodeView& view);
// Where an episode stands: its latest outcome score and zone (the worst of
// its clients' latest), the latest session's alerts.
v1::EpisodeSummary SummaryOf(const v1::Episode& episode);
v1::InstrumentDefinition ToProto(const scoring::InstrumentDefinition& d);
v1::RuleSetInfo ToProto(const scoring::RuleSet& rules);
// WhoAmI's answer for a known caller (authenticated = true).
v1::Caller ToProto(const auth::Principal& principal);

// Lower-case names for metric labels: "srs_drop", "red".
const char* AlertKindName(scoring::AlertKind kind);
const char* ZoneName(scoring::Zone zone);

}  // namespace tilbake::api

#endif  // TILBAKE_SERVER_API_FEEDBACK_CONVERT_H_

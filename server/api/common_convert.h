#ifndef TILBAKE_SERVER_API_COMMON_CONVERT_H_
#define TILBAKE_SERVER_API_COMMON_CONVERT_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "google/protobuf/timestamp.pb.h"
#include "scoring/age_band.h"
#include "tilbake/v1/feedback.pb.h"

// The conversions every service's conversion unit shares: dates, times and
// the age band (mapped here once, by name, not by cast).
namespace tilbake::api {

// A real calendar date; InvalidArgument naming `field` when missing or not
// a date (2026-02-30 is refused, not moved to March).
absl::StatusOr<absl::CivilDay> FromProto(const v1::Date& date,
                                         absl::string_view field);
v1::Date ToProto(absl::CivilDay day);
google::protobuf::Timestamp ToTimestamp(absl::Time time);
absl::Time FromTimestamp(const google::protobuf::Timestamp& timestamp);

v1::AgeBand ToProto(scoring::AgeBand band);
// InvalidArgument naming `field` for a value this server does not know.
absl::StatusOr<scoring::AgeBand> FromProto(v1::AgeBand band,
                                           absl::string_view field);

}  // namespace tilbake::api

#endif  // TILBAKE_SERVER_API_COMMON_CONVERT_H_

#include "server/api/common_convert.h"

#include "absl/strings/str_cat.h"

namespace tilbake::api {

absl::StatusOr<absl::CivilDay> FromProto(const v1::Date& date,
                                         absl::string_view field) {
  if (date.year() == 0 && date.month() == 0 && date.day() == 0) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": is required"));
  }
  const absl::CivilDay day(date.year(), date.month(), date.day());
  // CivilDay normalizes 2026-02-30 to 2026-03-02: refuse what moved.
  if (day.year() != date.year() || day.month() != date.month() ||
      day.day() != date.day()) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": ", date.year(), "-", date.month(), "-",
                     date.day(), " is not a calendar date"));
  }
  return day;
}

google::protobuf::Timestamp ToTimestamp(absl::Time time) {
  const int64_t micros = absl::ToUnixMicros(time);
  google::protobuf::Timestamp out;
  // Floor division: a time before 1970 has nanos in [0, 1e9) as well.
  int64_t seconds = micros / 1000000;
  int64_t rest = micros % 1000000;
  if (rest < 0) {
    seconds -= 1;
    rest += 1000000;
  }
  out.set_seconds(seconds);
  out.set_nanos(static_cast<int32_t>(rest * 1000));
  return out;
}

absl::Time FromTimestamp(const google::protobuf::Timestamp& timestamp) {
  return absl::FromUnixSeconds(timestamp.seconds()) +
         absl::Nanoseconds(timestamp.nanos());
}

v1::Date ToProto(absl::CivilDay day) {
  v1::Date date;
  date.set_year(static_cast<int32_t>(day.year()));
  date.set_month(day.month());
  date.set_day(day.day());
  return date;
}

v1::AgeBand ToProto(scoring::AgeBand band) {
  switch (band) {
    case scoring::AgeBand::kUnspecified:
      return v1::AGE_BAND_UNSPECIFIED;
    case scoring::AgeBand::kUnder6:
      return v1::AGE_BAND_UNDER_6;
    case scoring::AgeBand::kChild:
      return v1::AGE_BAND_CHILD;
    case scoring::AgeBand::kAdolescent:
      return v1::AGE_BAND_ADOLESCENT;
    case scoring::AgeBand::kAdult:
      return v1::AGE_BAND_ADULT;
  }
  return v1::AGE_BAND_UNSPECIFIED;
}

absl::StatusOr<scoring::AgeBand> FromProto(v1::AgeBand band,
                                           absl::string_view field) {
  switch (band) {
    case v1::AGE_BAND_UNSPECIFIED:
      return scoring::AgeBand::kUnspecified;
    case v1::AGE_BAND_UNDER_6:
      return scoring::AgeBand::kUnder6;
    case v1::AGE_BAND_CHILD:
      return scoring::AgeBand::kChild;
    case v1::AGE_BAND_ADOLESCENT:
      return scoring::AgeBand::kAdolescent;
    case v1::AGE_BAND_ADULT:
      return scoring::AgeBand::kAdult;
    default:
      return absl::InvalidArgumentError(
          absl::StrCat(field, ": unknown value ", band));
  }
}

}  // namespace tilbake::api

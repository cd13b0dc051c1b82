#ifndef TILBAKE_SERVER_API_TRENDS_CONVERT_H_
#define TILBAKE_SERVER_API_TRENDS_CONVERT_H_

#include <string>

#include "absl/status/statusor.h"
#include "server/api/common_convert.h"
#include "server/core/quality_report.h"
#include "server/core/trends.h"
#include "tilbake/v1/trends.pb.h"

// Conversions of tilbake.v1.Trends's messages to and from core's trend
// structs (see feedback_convert.h for the layout of these units).
namespace tilbake::api {

// Structural checks (known enum values, real dates, depth not negative);
// InvalidArgument naming the field.
absl::StatusOr<core::TrendQuery> QueryFromProto(
    const v1::QueryTrendsRequest& r);

v1::OutcomeFigures ToProto(const core::OutcomeFigures& f);
v1::ActivityFigures ToProto(const core::ActivityFigures& a);
// `rule_set` names the rules the figures were computed with.
v1::TrendRow ToProto(const core::TrendRow& r, const std::string& rule_set);
v1::QualityReport ToProto(const core::QualityReport& r);

}  // namespace tilbake::api

#endif  // TILBAKE_SERVER_API_TRENDS_CONVERT_H_

#include "domain/types.h"

#include "absl/strings/str_cat.h"

namespace tilbake::domain {
namespace {

const char* RelationName(RaterRelation relation) {
  switch (relation) {
    case RaterRelation::kUnspecified:
      return "unspecified";
    case RaterRelation::kParent:
      return "parent";
    case RaterRelation::kCarer:
      return "carer";
    case RaterRelation::kPartner:
      return "partner";
    case RaterRelation::kSibling:
      return "sibling";
    case RaterRelation::kOtherFamily:
      return "other-family";
    case RaterRelation::kTeacher:
      return "teacher";
    case RaterRelation::kOther:
      return "other";
  }
  return "unknown";
}

}  // namespace

std::string RaterSeries(const Rater& rater) {
  if (rater.kind == RaterKind::kClient) return "client";
  std::string series =
      absl::StrCat("collateral.", RelationName(rater.relation));
  if (!rater.rater_id.empty()) absl::StrAppend(&series, ".", rater.rater_id);
  return series;
}

std::string AdministrationId(const Rating& rating) {
  return absl::StrCat(rating.session_number, "/", rating.instrument_id, "/",
                      rating.client_id, "/", RaterSeries(rating.rater));
}

std::string ClientOfAdministrationId(const std::string& id) {
  // session/instrument/client/series, where only the client may hold '/'.
  const size_t first = id.find('/');
  if (first == std::string::npos) return "";
  const size_t second = id.find('/', first + 1);
  const size_t last = id.rfind('/');
  if (second == std::string::npos || last <= second + 1) return "";
  return id.substr(second + 1, last - second - 1);
}

Episode EpisodeOpenedBy(const Rating& rating) {
  Episode e;
  e.tenant_id = rating.tenant_id;
  e.episode_id = rating.episode_id;
  e.type = rating.episode_type;
  e.client_ids = {rating.client_id};
  e.org_unit = rating.org_unit;
  e.clinician_id = rating.clinician_id;
  e.first_session_date = rating.session_date;
  e.last_session_date = rating.session_date;
  return e;
}

}  // namespace tilbake::domain

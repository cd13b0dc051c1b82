#include "client/web/page.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace tilbake::web {

v1::Date ToDate(absl::CivilDay day) {
  v1::Date date;
  date.set_year(static_cast<int>(day.year()));
  date.set_month(day.month());
  date.set_day(day.day());
  return date;
}

std::string EpisodeQuery(const WebApp::Page& page, const std::string& tenant,
                         const std::string& episode_id) {
  return absl::StrCat(
      page.NamesTenant() ? "tenant=" + UrlEncode(tenant) + "&" : std::string(),
      "episode=", UrlEncode(episode_id));
}

int OrgUnitDepth(const std::string& org_unit) {
  if (org_unit.empty()) return 0;
  return 1 +
         static_cast<int>(std::count(org_unit.begin(), org_unit.end(), '/'));
}

std::string Percent(const WebApp::Page& page, bool has, double value) {
  if (!has) return "–";
  return absl::StrCat(page.translator->Number(page.language, value, 1),
                      "\u00a0%");
}

std::optional<absl::CivilMonth> ParseMonth(const std::string& text) {
  absl::CivilMonth month;
  if (!absl::ParseCivilTime(text, &month)) return std::nullopt;
  return month;
}

std::string ZoneName(const WebApp::Page& page, v1::Zone zone) {
  switch (zone) {
    case v1::ZONE_GREEN:
      return page.T("Green: on track");
    case v1::ZONE_ORANGE:
      return page.T("Orange: between the target and the lower bound");
    case v1::ZONE_RED:
      return page.T("Red: off track");
    case v1::ZONE_GREY:
      return page.T("Grey: too early to tell");
    default:
      return "";
  }
}

const char* ZoneClass(v1::Zone zone) {
  switch (zone) {
    case v1::ZONE_GREEN:
      return "green";
    case v1::ZONE_ORANGE:
      return "orange";
    case v1::ZONE_RED:
      return "red";
    case v1::ZONE_GREY:
      return "grey";
    default:
      return "";
  }
}

std::string CategoryName(const WebApp::Page& page, v1::ChangeCategory c) {
  switch (c) {
    case v1::CHANGE_CATEGORY_NO_RELIABLE_CHANGE:
      return page.T("No reliable change");
    case v1::CHANGE_CATEGORY_RELIABLE_IMPROVEMENT:
      return page.T("Reliably improved");
    case v1::CHANGE_CATEGORY_RELIABLE_DETERIORATION:
      return page.T("Reliably deteriorated");
    case v1::CHANGE_CATEGORY_RELIABLE_RECOVERY:
      return page.T("Recovered");
    default:
      return "";
  }
}

std::string RaterText(const WebApp::Page& page, const v1::Rater& rater) {
  if (rater.kind() != v1::Rater::KIND_COLLATERAL) return page.T("Client");
  switch (rater.relation()) {
    case v1::Rater::RELATION_PARENT:
      return page.T("Parent");
    case v1::Rater::RELATION_CARER:
      return page.T("Carer");
    case v1::Rater::RELATION_PARTNER:
      return page.T("Partner");
    case v1::Rater::RELATION_SIBLING:
      return page.T("Sibling");
    case v1::Rater::RELATION_OTHER_FAMILY:
      return page.T("Other family");
    case v1::Rater::RELATION_TEACHER:
      return page.T("Teacher");
    default:
      return page.T("Someone else");
  }
}

std::string AlertText(const WebApp::Page& page, const v1::Alert& alert) {
  switch (alert.kind()) {
    case v1::ALERT_KIND_ORS_ZONE:
      return ZoneName(page, alert.colour());
    case v1::ALERT_KIND_SRS_BELOW_CUTOFF:
      return page.T("SRS below the cutoff: talk about the alliance");
    case v1::ALERT_KIND_SRS_DROP:
      return page.T("SRS fell since the last session");
    case v1::ALERT_KIND_SRS_MISSING:
      return page.T("ORS without an SRS in this session");
    case v1::ALERT_KIND_SRS_ITEM_BELOW:
      return page.T("An SRS item is below its cutoff");
    default:
      return alert.message();
  }
}

std::string EndingName(const WebApp::Page& page, v1::EndingType type) {
  switch (type) {
    case v1::ENDING_TYPE_PLANNED:
      return page.T("Ended as planned");
    case v1::ENDING_TYPE_UNILATERAL:
      return page.T("The client stopped coming");
    default:
      return page.T("Ended");
  }
}

}  // namespace tilbake::web

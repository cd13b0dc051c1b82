// The caseload page: a clinician's open episodes with where each stands,
// the ones that need attention first.
#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "client/web/page.h"
#include "client/web/web_app.h"

namespace tilbake::web {
namespace {

absl::CivilDay DayOf(const v1::Date& d) {
  return absl::CivilDay(d.year(), d.month(), d.day());
}

}  // namespace

Response WebApp::Caseload(const Request& request, Page& page) {
  const Translator& t = translator_;
  const Language lang = page.language;
  page.current = "caseload";
  const std::string tenant = page.Tenant();
  // A clinician's token lists its own; others name the clinician.
  const bool names_clinician = page.caller.role() != v1::CALLER_ROLE_CLINICIAN;
  const std::string clinician = request.Query("clinician");
  const bool asked =
      !tenant.empty() && (!names_clinician || !clinician.empty());
  mstch::map context{{"tenant_field", page.NamesTenant()},
                     {"tenant", tenant},
                     {"clinician_field", names_clinician},
                     {"clinician", clinician},
                     {"asked", asked}};
  if (!asked) {
    return Render(page, 200, page.T("My caseload"),
                  Fill(page, "caseload.mustache", std::move(context)));
  }
  v1::ListEpisodesRequest query;
  query.set_tenant_id(tenant);
  query.set_clinician_id(names_clinician ? clinician : "");
  auto listed = page.client->ListEpisodes(query);
  if (!listed.ok()) return ErrorPage(page, listed.status());

  const absl::CivilDay today = absl::ToCivilDay(now_(), absl::UTCTimeZone());
  const int quiet_days = 7 * options_.caseload_quiet_weeks;
  struct Row {
    int rank;  // 0 first: red, orange, alliance, SRS missing, no outcome.
    mstch::map values;
  };
  std::vector<Row> rows;
  for (const v1::EpisodeSummary& e : *listed) {
    mstch::array attention;
    int rank = 5;
    if (e.zone() == v1::ZONE_RED || e.zone() == v1::ZONE_ORANGE) {
      rank = e.zone() == v1::ZONE_RED ? 0 : 1;
      attention.push_back(
          mstch::map{{"text", ZoneName(page, e.zone())},
                     {"zone", std::string(ZoneClass(e.zone()))}});
    }
    for (const v1::Alert& alert : e.alerts()) {
      if (alert.kind() == v1::ALERT_KIND_ORS_ZONE) continue;  // Above.
      rank = std::min(rank, alert.kind() == v1::ALERT_KIND_SRS_MISSING ? 3 : 2);
      attention.push_back(
          mstch::map{{"text", AlertText(page, alert)},
                     {"zone", std::string(ZoneClass(alert.colour()))}});
    }
    const bool quiet = !e.has_latest_outcome_date() ||
                       today - DayOf(e.latest_outcome_date()) >= quiet_days;
    if (quiet) {
      rank = std::min(rank, 4);
      attention.push_back(mstch::map{
          {"text",
           absl::StrCat(page.T("No outcome score for weeks:"), " ",
                        t.Integer(lang, options_.caseload_quiet_weeks), "+")},
          {"zone", std::string("orange")}});
    }
    std::string clients;
    for (const std::string& c : e.client_ids()) {
      absl::StrAppend(&clients, clients.empty() ? "" : ", ", c);
    }
    rows.push_back(
        {rank,
         mstch::map{
             {"episode", e.episode_id()},
             {"href", "/episode?" + EpisodeQuery(page, tenant, e.episode_id())},
             {"clients", clients},
             {"org_unit", e.org_unit()},
             {"sessions", t.Integer(lang, e.sessions())},
             {"last", t.Date(lang, e.last_session_date())},
             {"score", e.has_latest_outcome()
                           ? t.Number(lang, e.latest_outcome(), 1)
                           : std::string("–")},
             {"zone", std::string(ZoneClass(e.zone()))},
             {"zone_name", ZoneName(page, e.zone())},
             {"attention", attention},
         }});
  }
  // The server lists the most recent first; attention comes before that.
  std::stable_sort(rows.begin(), rows.end(),
                   [](const Row& a, const Row& b) { return a.rank < b.rank; });
  mstch::array out;
  for (Row& row : rows) out.push_back(std::move(row.values));
  context["has_rows"] = !out.empty();
  context["rows"] = out;
  context["quiet_weeks"] = t.Integer(lang, options_.caseload_quiet_weeks);
  return Render(page, 200, page.T("My caseload"),
                Fill(page, "caseload.mustache", std::move(context)));
}

}  // namespace tilbake::web

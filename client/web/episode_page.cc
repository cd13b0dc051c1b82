// The episode page a clinician opens, and its "show the client" view: a
// large, plain chart for a tablet in session, with no codes or jargon.
#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "client/render/charts.h"
#include "client/web/page.h"
#include "client/web/web_app.h"

namespace tilbake::web {
namespace {

bool IsOutcome(const v1::Administration& a) {
  return a.score().evaluation().has_expected();
}

// The episode with only `client_id`'s administrations: in a group the
// client in the room must never see another member's scores.
v1::Episode OnlyClient(const v1::Episode& episode,
                       const std::string& client_id) {
  v1::Episode one = episode;
  one.clear_administrations();
  for (const v1::Administration& a : episode.administrations()) {
    if (a.rating().client_id() == client_id) *one.add_administrations() = a;
  }
  return one;
}

}  // namespace

Response WebApp::Episode(const Request& request, Page& page, bool for_client) {
  const Translator& t = translator_;
  const Language lang = page.language;
  const std::string tenant = page.Tenant();
  const std::string episode_id = request.Query("episode");
  if (episode_id.empty() || tenant.empty()) {
    mstch::map context{{"tenant_field", page.NamesTenant()},
                       {"tenant", tenant}};
    return Render(page, 200, page.T("Open an episode"),
                  Fill(page, "episode_open.mustache", std::move(context)));
  }
  auto found = page.client->GetEpisode(tenant, episode_id);
  if (!found.ok()) return ErrorPage(page, found.status());
  const v1::Episode& episode = *found;
  auto score = [&](const v1::Score& s) {
    return s.has_total() ? t.Number(lang, s.total(), 1) : std::string("–");
  };
  const std::string query = EpisodeQuery(page, tenant, episode_id);
  const bool show_srs = request.Query("srs") != "hide";

  if (for_client) {
    // Whose graph: the only client, or the one the clinician chose.
    std::string client_id = request.Query("client");
    if (client_id.empty() && episode.client_ids_size() == 1) {
      client_id = episode.client_ids(0);
    }
    bool known = false;
    for (const std::string& c : episode.client_ids()) known |= c == client_id;
    if (!known) {
      mstch::array clients;
      for (const std::string& c : episode.client_ids()) {
        clients.push_back(mstch::map{
            {"href",
             absl::StrCat("/episode/client?", query, "&client=", UrlEncode(c))},
            {"name", c}});
      }
      return Render(
          page, 200, page.T("Whose graph?"),
          Fill(page, "client_choose.mustache", {{"clients", clients}}));
    }
    const v1::Episode mine = OnlyClient(episode, client_id);
    render::EpisodeLabels labels;
    labels.title = page.T("How things are going");
    labels.x_label = page.T("session");
    labels.y_label = page.T("score");
    labels.cutoff = [&](double) { return page.T("Line: doing well"); };
    labels.expected_as_band = true;
    labels.expected_band = page.T("Where scores usually are by now");
    labels.series = [&](const v1::Rating& r) {
      return r.rater().kind() == v1::Rater::KIND_COLLATERAL
                 ? RaterText(page, r.rater())
                 : page.T("You");
    };
    labels.srs = page.T("How the sessions felt");
    labels.show_srs = show_srs;
    labels.font_size = 20;
    labels.width = 1100;
    labels.height = 620;
    mstch::array sessions;
    for (const v1::Administration& a : mine.administrations()) {
      if (!IsOutcome(a) || !a.score().has_total() ||
          a.rating().rater().kind() == v1::Rater::KIND_COLLATERAL) {
        continue;
      }
      sessions.push_back(
          mstch::map{{"session", t.Integer(lang, a.rating().session_number())},
                     {"date", t.Date(lang, a.rating().session_date())},
                     {"score", score(a.score())}});
    }
    const std::string base = absl::StrCat("/episode/client?", query,
                                          "&client=", UrlEncode(client_id));
    mstch::map context{
        {"svg", render::RenderSvg(render::EpisodeChart(mine, labels))},
        {"sessions", sessions},
        {"show_srs", show_srs},
        {"toggle_href", show_srs ? base + "&srs=hide" : base},
        {"back_href", absl::StrCat("/episode?", query)},
    };
    page.body_class = "client-view";
    return Render(page, 200, page.T("How things are going"),
                  Fill(page, "client_view.mustache", std::move(context)));
  }

  // The clinician's view: every administration with its evaluation.
  int last_session = 0;
  for (const v1::Administration& a : episode.administrations()) {
    last_session = std::max(last_session, a.rating().session_number());
  }
  mstch::array rows, alerts;
  for (const v1::Administration& a : episode.administrations()) {
    const v1::Rating& r = a.rating();
    const v1::Evaluation& e = a.score().evaluation();
    mstch::array row_alerts;
    for (const v1::Alert& alert : e.alerts()) {
      mstch::map item{{"text", AlertText(page, alert)},
                      {"zone", std::string(ZoneClass(alert.colour()))}};
      // The zone has its own column; on track or too early to tell, it
      // needs no attention either.
      const bool zone = alert.kind() == v1::ALERT_KIND_ORS_ZONE;
      if (!zone) row_alerts.push_back(item);
      const bool calm = zone && (alert.colour() == v1::ZONE_GREEN ||
                                 alert.colour() == v1::ZONE_GREY);
      if (r.session_number() == last_session && !calm) alerts.push_back(item);
    }
    std::string expected = "–";
    if (e.expected().available()) {
      expected = absl::StrCat(t.Number(lang, e.expected().lower_bound(), 1),
                              " – ", t.Number(lang, e.expected().target(), 1));
    }
    rows.push_back(mstch::map{
        {"session", t.Integer(lang, r.session_number())},
        {"date", t.Date(lang, r.session_date())},
        {"instrument", r.instrument_id()},
        {"client", r.client_id()},
        {"rater", RaterText(page, r.rater())},
        {"score", score(a.score())},
        {"in_range", e.has_clinical_range() && e.clinical_range().in_range()
                         ? page.T("below cutoff")
                         : std::string()},
        {"change", e.has_change_since_intake()
                       ? t.Number(lang, e.change_since_intake(), 1)
                       : std::string("–")},
        {"expected", expected},
        {"zone", std::string(ZoneClass(e.zone()))},
        {"zone_name", ZoneName(page, e.zone())},
        {"category", CategoryName(page, e.change_category())},
        {"alerts", row_alerts},
    });
  }
  mstch::array outcomes;
  for (const v1::SeriesOutcome& o : episode.outcomes()) {
    outcomes.push_back(mstch::map{
        {"instrument", o.instrument_id()},
        {"client", o.client_id()},
        {"pre", t.Number(lang, o.pre(), 1)},
        {"post", t.Number(lang, o.post(), 1)},
        {"effect_size", o.has_effect_size() ? t.Number(lang, o.effect_size(), 2)
                                            : std::string("–")},
        {"category", CategoryName(page, o.change_category())},
        {"zone", std::string(ZoneClass(o.last_zone()))},
        {"zone_name", ZoneName(page, o.last_zone())},
    });
  }
  render::EpisodeLabels labels;
  labels.title = absl::StrCat(page.T("Episode"), " ", episode_id);
  labels.x_label = page.T("session");
  labels.y_label = page.T("score");
  labels.cutoff = [&](double cutoff) {
    return absl::StrCat(page.T("cutoff"), " ", t.Number(lang, cutoff, 0));
  };
  labels.expected_as_band = true;
  labels.expected_band = page.T("expected range");
  labels.series = [&](const v1::Rating& r) {
    return absl::StrCat(r.instrument_id(), " (", r.client_id(), ", ",
                        RaterText(page, r.rater()), ")");
  };
  labels.srs = page.T("SRS (client)");
  labels.width = 900;
  std::string status = page.T("Open");
  if (episode.closed()) {
    status = absl::StrCat(EndingName(page, episode.ending().type()), " ",
                          t.Date(lang, episode.ending().end_date()));
  }
  mstch::map context{
      {"episode", episode_id},
      {"clinician", episode.clinician_id()},
      {"org_unit", episode.org_unit()},
      {"first", t.Date(lang, episode.first_session_date())},
      {"last", t.Date(lang, episode.last_session_date())},
      {"status", status},
      {"rule_set", episode.rule_set()},
      {"has_alerts", !alerts.empty()},
      {"alerts", alerts},
      {"svg", render::RenderSvg(render::EpisodeChart(episode, labels))},
      {"rows", rows},
      {"has_outcomes", !outcomes.empty()},
      {"outcomes", outcomes},
      {"client_href", absl::StrCat("/episode/client?", query)},
      {"cli", absl::StrCat("tilbake episode --tenant=", tenant,
                           " --episode=", episode_id)},
  };
  page.current = "episode";
  return Render(page, 200, absl::StrCat(page.T("Episode"), " ", episode_id),
                Fill(page, "episode.mustache", std::move(context)));
}

}  // namespace tilbake::web

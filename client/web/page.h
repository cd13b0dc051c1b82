#ifndef TILBAKE_CLIENT_WEB_PAGE_H_
#define TILBAKE_CLIENT_WEB_PAGE_H_

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/civil_time.h"
#include "client/i18n/i18n.h"
#include "client/sdk/client.h"
#include "client/web/http.h"
#include "client/web/sessions.h"
#include "client/web/web_app.h"
#include "tilbake/v1/feedback.pb.h"

// What every page of tilbake-web shares: one request's language, session
// and client, and the words for the API's enum values in that language.
// Internal to client/web: each page is a WebApp member in its own file.
namespace tilbake::web {

struct WebApp::Page {
  Language language = Language::kEn;
  const Request* request = nullptr;
  const Translator* translator = nullptr;
  std::optional<Session> session;
  std::shared_ptr<client::Client> client;  // The user's, or the open one.
  v1::Caller caller;
  std::vector<std::pair<std::string, std::string>> cookies;
  std::string current;     // "report", "caseload": the nav's current page.
  std::string body_class;  // "client-view": the large, plain layout.

  // The msgid in the page's language.
  std::string T(const std::string& msgid) const {
    return translator->Translate(language, msgid);
  }
  // Operators ("*") and development servers (no tenant) name the tenant in
  // the query; everyone else reads their own.
  bool NamesTenant() const {
    return caller.tenant_id().empty() || caller.tenant_id() == "*";
  }
  std::string Tenant() const {
    return NamesTenant() ? request->Query("tenant") : caller.tenant_id();
  }
};

v1::Date ToDate(absl::CivilDay day);
// "psyk/nord" is at depth 2; the whole tenant ("") at 0.
int OrgUnitDepth(const std::string& org_unit);
// "tenant=…&episode=…" (the tenant only where the caller names it): the
// query of an episode's page.
std::string EpisodeQuery(const WebApp::Page& page, const std::string& tenant,
                         const std::string& episode_id);
// A month input's value "2026-03", or nullopt.
std::optional<absl::CivilMonth> ParseMonth(const std::string& text);

// "54,5 %" in the page's language (a no-break space: the number and its
// sign never wrap apart), "–" when there is no figure.
std::string Percent(const WebApp::Page& page, bool has, double value);

// The words a page shows for the API's values, in the page's language.
// Zones are always named as well as coloured (WCAG: colour is never the
// only signal).
std::string ZoneName(const WebApp::Page& page, v1::Zone zone);
// The stylesheet's class suffix of a zone: "red" for zone-red; "" for none.
const char* ZoneClass(v1::Zone zone);
std::string CategoryName(const WebApp::Page& page, v1::ChangeCategory c);
std::string RaterText(const WebApp::Page& page, const v1::Rater& rater);
std::string AlertText(const WebApp::Page& page, const v1::Alert& alert);
std::string EndingName(const WebApp::Page& page, v1::EndingType type);

}  // namespace tilbake::web

#endif  // TILBAKE_CLIENT_WEB_PAGE_H_

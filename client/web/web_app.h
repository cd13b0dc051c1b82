#ifndef TILBAKE_CLIENT_WEB_WEB_APP_H_
#define TILBAKE_CLIENT_WEB_WEB_APP_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "client/i18n/i18n.h"
#include "client/sdk/client.h"
#include "client/web/http.h"
#include "client/web/sessions.h"
#include "mstch/mstch.hpp"

// tilbake-web's pages: routing, sign-in and sessions, CSRF, the error pages;
// each page's figures come from the gRPC API through the signed-in user's
// own SDK client.
namespace tilbake::web {

// The pages' languages and their words (client/i18n).
using i18n::ChooseLanguage;
using i18n::InfoOf;
using i18n::kLanguages;
using i18n::Language;
using i18n::LanguageCode;
using i18n::LanguageInfo;
using i18n::ParseLanguage;
using i18n::Translator;

struct WebAppOptions {
  client::ClientOptions server;  // Where tilbake-server is; no token here.
  absl::Duration session_idle = absl::Minutes(30);
  size_t max_sessions = 10000;
  // The caseload flags an open episode without an outcome score this long.
  int caseload_quiet_weeks = 4;
};

class WebApp {
 public:
  explicit WebApp(WebAppOptions options,
                  std::function<absl::Time()> now = absl::Now);

  Response Handle(const Request& request);

  // One request's language, session and client: defined in page.h, for the
  // pages' own files only.
  struct Page;

 private:
  // What the sign-in form says besides `error`. An enum, not a bool: a
  // string literal passed by mistake must not compile.
  enum class Notice { kNone, kSessionEnded };
  Response SignInForm(const Request& request, Page& page,
                      const std::string& error, Notice notice);
  Response SignIn(const Request& request, Page& page);
  Response SignOut(const Request& request, Page& page);
  // What the report and its downloads are of: tenant, org unit, whole
  // months (by default the last twelve), from the request's parameters.
  struct ReportScope {
    std::string tenant, org_unit;
    absl::CivilMonth from, to;
    absl::CivilDay last_day;
    v1::QualityReportRequest query;
    // "tenant=…&org_unit=…&from=2026-01&to=2026-12", for links.
    std::string Params() const;
  };
  ReportScope ScopeOf(const Request& request, Page& page);
  // The quality report of a period and org unit (json: the API's answer).
  Response Report(const Request& request, Page& page, bool json);
  // The report, or a side-by-side table of it (table=teams|clinicians), as
  // a CSV or .xlsx file in the page's language (download.cc).
  Response Download(const Request& request, Page& page,
                    const std::string& format);
  // The report's units one level down, side by side (empty: none).
  absl::StatusOr<mstch::map> TeamsSection(
      Page& page, const v1::QueryTrendsRequest& monthly,
      const std::vector<v1::TrendRow>& months, const std::string& cli_period);
  // Each clinician side by side, for callers the server lets read figures
  // per clinician (empty for the others, and when there are none).
  absl::StatusOr<mstch::map> CliniciansSection(
      Page& page, const v1::QueryTrendsRequest& monthly,
      const std::string& cli_period);
  // The alliance: the share of SRS below the cutoff, for the whole period
  // and month by month (empty: no alliance form in the period).
  absl::StatusOr<mstch::map> AllianceSection(
      Page& page, const v1::QualityReport& report,
      const v1::QueryTrendsRequest& monthly,
      const std::vector<v1::TrendRow>& months, const std::string& cli_period);
  // A clinician's open episodes, the ones that need attention first.
  Response Caseload(const Request& request, Page& page);
  // An episode for its clinician, or (for_client) the client's own graph.
  Response Episode(const Request& request, Page& page, bool for_client);
  // The page for a failed call: not signed in, no permission (with the
  // server's message), not found, server unavailable; never a stack trace.
  Response ErrorPage(Page& page, const absl::Status& status);
  Response Render(Page& page, int status, const std::string& title,
                  const std::string& content);
  // A template filled in the page's language.
  std::string Fill(Page& page, const std::string& name, mstch::map context);

  // Whether tilbake-server runs without tokens (asked once, with WhoAmI).
  bool AuthenticationOff();

  const WebAppOptions options_;
  std::function<absl::Time()> now_;
  Translator translator_;
  SessionStore sessions_;
  std::shared_ptr<client::Client> open_client_;  // No token.
};

}  // namespace tilbake::web

#endif  // TILBAKE_CLIENT_WEB_WEB_APP_H_

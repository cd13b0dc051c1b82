#include "client/web/web_app.h"

#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "client/render/charts.h"
#include "google/protobuf/util/json_util.h"
#include "mstch/mstch.hpp"

// The templates and the stylesheet, embedded by cmake/EmbedFiles.cmake.
namespace tilbake::config {
std::vector<std::pair<std::string_view, std::string_view>> WebTemplates();
}  // namespace tilbake::config

namespace tilbake::web {

namespace {

constexpr const char* kSessionCookie = "tilbake_session";
constexpr const char* kLanguageCookie = "tilbake_lang";

std::string Template(const std::string& name) {
  for (const auto& [file, text] : config::WebTemplates()) {
    if (file == name) return std::string(text);
  }
  return "";
}

std::string Cookie(const std::string& name, const std::string& value,
                   bool secure, int max_age_seconds = -1) {
  return absl::StrCat(
      name, "=", value, "; Path=/; HttpOnly; SameSite=Strict",
      secure ? "; Secure" : "",
      max_age_seconds >= 0 ? absl::StrCat("; Max-Age=", max_age_seconds) : "");
}

// A month input's value "2026-03" as a date (day 1), or nullopt.
std::optional<absl::CivilMonth> ParseMonth(const std::string& text) {
  absl::CivilMonth month;
  if (!absl::ParseCivilTime(text, &month)) return std::nullopt;
  return month;
}

v1::Date ToDate(absl::CivilDay day) {
  v1::Date date;
  date.set_year(static_cast<int>(day.year()));
  date.set_month(day.month());
  date.set_day(day.day());
  return date;
}

}  // namespace

struct WebApp::Page {
  Language language = Language::kEn;
  const Request* request = nullptr;
  const Translator* translator = nullptr;
  std::optional<Session> session;
  std::shared_ptr<client::Client> client;  // The user's, or the open one.
  v1::Caller caller;
  std::vector<std::pair<std::string, std::string>> cookies;
  std::string current;  // "report", "caseload": the nav's current page.

  // The msgid in the page's language.
  std::string T(const std::string& msgid) const {
    return translator->Translate(language, msgid);
  }
};

WebApp::WebApp(WebAppOptions options, std::function<absl::Time()> now)
    : options_(std::move(options)),
      now_(std::move(now)),
      sessions_(options_.session_idle, options_.max_sessions, now_) {
  client::ClientOptions open = options_.server;
  open.bearer_token.clear();
  auto client = client::Client::Open(open);
  if (client.ok()) open_client_ = std::move(*client);
}

bool WebApp::AuthenticationOff() {
  if (open_client_ == nullptr) return false;
  auto caller = open_client_->WhoAmI();
  return caller.ok() && !caller->authenticated();
}

Response WebApp::Handle(const Request& request) {
  Page page;
  page.request = &request;
  page.translator = &translator_;
  std::string chosen = request.Query("lang");
  if (!chosen.empty() && ParseLanguage(chosen).has_value()) {
    page.cookies.push_back(
        {"Set-Cookie", Cookie(kLanguageCookie, chosen, request.tls)});
  } else if (auto it = request.cookies.find(kLanguageCookie);
             it != request.cookies.end()) {
    chosen = it->second;
  }
  page.language = ChooseLanguage(chosen, request.accept_language);

  if (request.path == "/static/style.css") {
    Response css;
    css.content_type = "text/css; charset=utf-8";
    css.body = Template("style.css");
    return css;
  }

  // Forms post only from this origin (SameSite=Strict cookies and a CSRF
  // token besides).
  if (request.method == "POST" && !request.origin.empty() &&
      request.origin !=
          absl::StrCat(request.tls ? "https://" : "http://", request.host)) {
    return ErrorPage(page, absl::PermissionDeniedError(
                               "a form from another site was refused"));
  }

  bool expired = false;
  if (auto it = request.cookies.find(kSessionCookie);
      it != request.cookies.end()) {
    page.session = sessions_.Find(it->second, &expired);
  }
  if (page.session.has_value() && page.session->signed_in()) {
    page.client = page.session->client;
    page.caller = page.session->caller;
  }

  if (request.path == "/sign-in") {
    return request.method == "POST"
               ? SignIn(request, page)
               : SignInForm(request, page, "", Notice::kNone);
  }
  if (request.path == "/sign-out" && request.method == "POST") {
    return SignOut(request, page);
  }

  if (page.client == nullptr) {
    if (AuthenticationOff()) {
      page.client = open_client_;
    } else {
      return SignInForm(request, page, "",
                        expired ? Notice::kSessionEnded : Notice::kNone);
    }
  }
  if (request.path == "/" || request.path == "/report") {
    return Report(request, page, /*json=*/false);
  }
  if (request.path == "/data/report.json") {
    return Report(request, page, /*json=*/true);
  }
  return ErrorPage(page, absl::NotFoundError(request.path));
}

Response WebApp::SignInForm(const Request& request, Page& page,
                            const std::string& error, Notice notice) {
  if (!page.session.has_value() || page.session->signed_in()) {
    page.session = sessions_.Start();
    page.cookies.push_back(
        {"Set-Cookie", Cookie(kSessionCookie, page.session->id, request.tls)});
  }
  std::string next = request.Form("next");
  if (next.empty())
    next = request.path == "/sign-in" ? "/report" : request.path;
  mstch::map context{{"csrf", page.session->csrf},
                     {"next", next},
                     {"error", error},
                     {"expired", notice == Notice::kSessionEnded}};
  page.current.clear();
  return Render(page, error.empty() ? 200 : 401, page.T("Sign in"),
                Fill(page, "sign_in.mustache", std::move(context)));
}

Response WebApp::SignIn(const Request& request, Page& page) {
  if (!page.session.has_value() ||
      !SameSecret(request.Form("csrf"), page.session->csrf)) {
    return ErrorPage(page, absl::PermissionDeniedError(
                               "the form had expired or was not ours"));
  }
  client::ClientOptions options = options_.server;
  options.bearer_token = request.Form("token");
  auto client = client::Client::Open(options);
  if (!client.ok()) return ErrorPage(page, client.status());
  std::shared_ptr<client::Client> user(std::move(*client));
  auto caller = user->WhoAmI();
  if (!caller.ok()) {
    if (caller.status().code() == absl::StatusCode::kUnauthenticated) {
      return SignInForm(request, page,
                        page.T("That token is not known to the server."),
                        Notice::kNone);
    }
    return ErrorPage(page, caller.status());
  }
  auto signed_in = sessions_.SignIn(page.session->id, user, *caller);
  if (!signed_in.has_value()) {
    return SignInForm(request, page, "", Notice::kNone);
  }
  std::string next = request.Form("next");
  if (next.empty() || next[0] != '/' || absl::StartsWith(next, "//")) {
    next = "/report";  // Only our own pages: no open redirect.
  }
  Response response = Response::Redirect(next);
  response.headers.push_back(
      {"Set-Cookie", Cookie(kSessionCookie, signed_in->id, request.tls)});
  return response;
}

Response WebApp::SignOut(const Request& request, Page& page) {
  if (!page.session.has_value() ||
      !SameSecret(request.Form("csrf"), page.session->csrf)) {
    return ErrorPage(page, absl::PermissionDeniedError(
                               "the form had expired or was not ours"));
  }
  sessions_.End(page.session->id);
  Response response = Response::Redirect("/sign-in");
  response.headers.push_back(
      {"Set-Cookie", Cookie(kSessionCookie, "", request.tls, 0)});
  return response;
}

Response WebApp::ErrorPage(Page& page, const absl::Status& status) {
  std::string heading, explanation, detail;
  int code = 500;
  switch (status.code()) {
    case absl::StatusCode::kUnauthenticated:
      return SignInForm(*page.request, page, page.T("Please sign in again."),
                        Notice::kNone);
    case absl::StatusCode::kPermissionDenied:
      code = 403;
      heading = page.T("No access");
      explanation = page.T("Your role does not give access to this page.");
      detail = std::string(status.message());
      break;
    case absl::StatusCode::kNotFound:
      code = 404;
      heading = page.T("Not found");
      explanation = page.T("There is nothing here by that name.");
      break;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kFailedPrecondition:
      code = 400;
      heading = page.T("Cannot show this");
      explanation = page.T("Something in the request is not valid.");
      detail = std::string(status.message());
      break;
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
    case absl::StatusCode::kResourceExhausted:
      code = 503;
      heading = page.T("Tilbake is not available right now");
      explanation =
          page.T("The server did not answer. Please try again shortly.");
      break;
    default:
      heading = page.T("Something went wrong");
      explanation =
          page.T("The page could not be made. Please try again later.");
  }
  mstch::map context{{"heading", heading},
                     {"explanation", explanation},
                     {"detail", detail},
                     {"back", std::string("/report")}};
  return Render(page, code, heading,
                Fill(page, "error.mustache", std::move(context)));
}

std::string WebApp::Fill(Page& page, const std::string& name,
                         mstch::map context) {
  // {{#t}}English text{{/t}}: the text in the page's language. The
  // translation is rendered in the same context, so it may hold
  // {{placeholders}} (escaped like every value).
  context["t"] =
      mstch::lambda{[this, &page](const std::string& text) -> mstch::node {
        return page.T(text);
      }};
  return mstch::render(Template(name), context);
}

Response WebApp::Render(Page& page, int status, const std::string& title,
                        const std::string& content) {
  const Request& request = *page.request;
  mstch::array languages;
  for (const LanguageInfo& l : kLanguages) {
    std::string href = absl::StrCat(request.path, "?");
    for (const auto& [name, value] : request.query) {
      if (name != "lang") {
        absl::StrAppend(&href, UrlEncode(name), "=", UrlEncode(value), "&");
      }
    }
    absl::StrAppend(&href, "lang=", l.code);
    languages.push_back(mstch::map{{"href", href},
                                   {"code", std::string(l.code)},
                                   {"name", std::string(l.name)},
                                   {"current", l.language == page.language}});
  }
  const bool signed_in = page.session.has_value() && page.session->signed_in();
  const absl::CivilDay today = absl::ToCivilDay(now_(), absl::UTCTimeZone());
  mstch::map context{
      {"lang", std::string(LanguageCode(page.language))},
      {"title", title},
      {"content", content},
      {"languages", languages},
      {"signed_in", signed_in},
      {"user", page.caller.name()},
      {"csrf", signed_in ? page.session->csrf : std::string()},
      {"today", translator_.Date(page.language, ToDate(today))},
  };
  if (page.client != nullptr) {
    context["nav"] = mstch::map{{"report", true},
                                {"report_current", page.current == "report"}};
  }
  Response response;
  response.status = status;
  response.body = Fill(page, "layout.mustache", std::move(context));
  response.headers = page.cookies;
  return response;
}

Response WebApp::Report(const Request& request, Page& page, bool json) {
  const Translator& t = translator_;
  const Language lang = page.language;
  page.current = "report";
  // The period: whole months; by default the last twelve up to this one.
  const absl::CivilMonth this_month =
      absl::CivilMonth(absl::ToCivilDay(now_(), absl::UTCTimeZone()));
  absl::CivilMonth from = this_month - 11, to = this_month;
  if (auto m = ParseMonth(request.Query("from"))) from = *m;
  if (auto m = ParseMonth(request.Query("to"))) to = *m;
  // Operators ("*") and development servers (no tenant) name the tenant.
  const bool names_tenant =
      page.caller.tenant_id().empty() || page.caller.tenant_id() == "*";
  const std::string tenant =
      names_tenant ? request.Query("tenant") : page.caller.tenant_id();
  std::string org_unit = request.Query("org_unit");
  if (!request.query.count("org_unit")) org_unit = page.caller.org_unit();

  v1::QualityReportRequest query;
  query.set_tenant_id(tenant);
  query.set_org_unit(org_unit);
  const absl::CivilDay last_day = absl::CivilDay(to + 1) - 1;
  *query.mutable_from() = ToDate(absl::CivilDay(from));
  *query.mutable_to() = ToDate(last_day);
  if (tenant.empty()) {
    return ErrorPage(page, absl::InvalidArgumentError(
                               "tenant: name the tenant to report on"));
  }
  auto report = page.client->GetQualityReport(query);
  if (!report.ok()) return ErrorPage(page, report.status());
  if (json) {
    Response response;
    response.content_type = "application/json";
    google::protobuf::util::JsonPrintOptions options;
    options.add_whitespace = true;
    options.preserve_proto_field_names = true;  // As `tilbake report --json`.
    (void)google::protobuf::util::MessageToJsonString(*report, &response.body,
                                                      options);
    return response;
  }

  // Month by month, for the charts.
  v1::QueryTrendsRequest trends;
  trends.set_tenant_id(tenant);
  trends.set_org_unit(org_unit);
  *trends.mutable_from() = query.from();
  *trends.mutable_to() = query.to();
  trends.set_bucket(v1::TREND_BUCKET_MONTH);
  auto rows = page.client->QueryTrends(trends);
  if (!rows.ok()) return ErrorPage(page, rows.status());

  auto pct = [&](bool has, double value) {
    return has ? absl::StrCat(t.Number(lang, value, 1), " %") : "–";
  };
  auto number = [&](bool has, double value, int decimals) {
    return has ? t.Number(lang, value, decimals) : std::string("–");
  };
  mstch::array outcomes;
  for (const v1::OutcomeIndices& o : report->outcomes()) {
    struct Row {
      const char* label;
      const char* key;
      std::function<std::string(const v1::OutcomeFigures&)> value;
    };
    const std::vector<Row> table = {
        {"Client series", "series",
         [&](const v1::OutcomeFigures& f) {
           return f.suppressed() ? std::string("–")
                                 : t.Integer(lang, f.series());
         }},
        {"Mean intake score", "mean_intake",
         [&](const v1::OutcomeFigures& f) {
           return number(f.has_mean_intake(), f.mean_intake(), 1);
         }},
        {"Mean change", "mean_change",
         [&](const v1::OutcomeFigures& f) {
           return number(f.has_mean_change(), f.mean_change(), 1);
         }},
        {"Effect size", "effect_size",
         [&](const v1::OutcomeFigures& f) {
           return number(f.has_effect_size(), f.effect_size(), 2);
         }},
        {"Reliably improved, not recovered", "pct_reliable_improvement",
         [&](const v1::OutcomeFigures& f) {
           return pct(f.has_pct_reliable_improvement(),
                      f.pct_reliable_improvement());
         }},
        {"Reliably deteriorated", "pct_reliable_deterioration",
         [&](const v1::OutcomeFigures& f) {
           return pct(f.has_pct_reliable_deterioration(),
                      f.pct_reliable_deterioration());
         }},
        {"Recovered", "pct_reliable_recovery",
         [&](const v1::OutcomeFigures& f) {
           return pct(f.has_pct_reliable_recovery(), f.pct_reliable_recovery());
         }},
        {"Reached the target", "pct_reached_target",
         [&](const v1::OutcomeFigures& f) {
           return pct(f.has_pct_reached_target(), f.pct_reached_target());
         }},
        {"Dropped out", "unilateral_endings",
         [&](const v1::OutcomeFigures& f) {
           return f.suppressed() ? std::string("–")
                                 : t.Integer(lang, f.unilateral_endings());
         }},
    };
    mstch::array rows_out;
    for (const Row& row : table) {
      rows_out.push_back(
          mstch::map{{"label", page.T(row.label)},
                     {"key", std::string(row.key)},
                     {"all", row.value(o.all())},
                     {"below", row.value(o.intake_below_cutoff())},
                     {"above", row.value(o.intake_above_cutoff())}});
    }
    outcomes.push_back(
        mstch::map{{"instrument", o.instrument_id()}, {"rows", rows_out}});
  }

  // Charts: effect size and the reliable-change shares, month by month.
  render::TrendLabels labels;
  labels.width = 900;
  labels.bucket = [&](const v1::Date& d) {
    return t.Month(lang, d.year(), d.month(), /*abbreviated=*/true);
  };
  labels.format_y = [&](double y) {
    return t.Number(lang, y, y == int(y) ? 0 : 1);
  };
  mstch::array charts;
  auto figure = [](double (v1::OutcomeFigures::*get)() const,
                   bool (v1::OutcomeFigures::*has)() const,
                   const v1::OutcomeFigures& (v1::TrendRow::*part)() const) {
    return [=](const v1::TrendRow& r) -> std::optional<double> {
      const v1::OutcomeFigures& f = (r.*part)();
      if (!(f.*has)()) return std::nullopt;
      return (f.*get)();
    };
  };
  if (!rows->empty()) {
    labels.title = page.T("Effect size by month");
    labels.y_label = page.T("effect size");
    labels.zero_rule = true;
    charts.push_back(mstch::map{
        {"svg", render::RenderSvg(render::TrendChart(
                    *rows, labels,
                    {{page.T("All"), render::kBlue, false,
                      figure(&v1::OutcomeFigures::effect_size,
                             &v1::OutcomeFigures::has_effect_size,
                             &v1::TrendRow::all)},
                     {page.T("Intake below cutoff"), render::kGreen, false,
                      figure(&v1::OutcomeFigures::effect_size,
                             &v1::OutcomeFigures::has_effect_size,
                             &v1::TrendRow::intake_below_cutoff)},
                     {page.T("Intake above cutoff"), render::kOrange, true,
                      figure(&v1::OutcomeFigures::effect_size,
                             &v1::OutcomeFigures::has_effect_size,
                             &v1::TrendRow::intake_above_cutoff)}}))},
        {"caption", page.T("Effect size of episodes ended each month.")}});
    labels.title = page.T("Reliable change by month");
    labels.y_label = "%";
    labels.zero_rule = false;
    labels.y_floor = 0;
    labels.y_ceiling = 100;
    charts.push_back(mstch::map{
        {"svg",
         render::RenderSvg(render::TrendChart(
             *rows, labels,
             {{page.T("Reliably improved"), render::kBlue, false,
               figure(&v1::OutcomeFigures::pct_reliable_improvement,
                      &v1::OutcomeFigures::has_pct_reliable_improvement,
                      &v1::TrendRow::all)},
              {page.T("Reliably deteriorated"), render::kRed, true,
               figure(&v1::OutcomeFigures::pct_reliable_deterioration,
                      &v1::OutcomeFigures::has_pct_reliable_deterioration,
                      &v1::TrendRow::all)},
              {page.T("Recovered"), render::kGreen, false,
               figure(&v1::OutcomeFigures::pct_reliable_recovery,
                      &v1::OutcomeFigures::has_pct_reliable_recovery,
                      &v1::TrendRow::all)}}))},
        {"caption", page.T("Share of episodes ended each month.")}});
  }

  const std::string from_text = absl::FormatCivilTime(from).substr(0, 7);
  const std::string to_text = absl::FormatCivilTime(to).substr(0, 7);
  const std::string json_href = absl::StrCat(
      "/data/report.json?tenant=", UrlEncode(tenant),
      "&org_unit=", UrlEncode(org_unit), "&from=", from_text, "&to=", to_text);
  const std::string cli = absl::StrCat(
      "tilbake report --tenant=", tenant,
      org_unit.empty() ? "" : absl::StrCat(" --org_unit=", org_unit),
      " --from=", from_text, "-01 --to=", absl::FormatCivilTime(last_day),
      " --json");
  mstch::map context{
      {"tenant_field", names_tenant},
      {"tenant", tenant},
      {"org_unit", org_unit},
      {"from", from_text},
      {"to", to_text},
      {"period", absl::StrCat(t.Date(lang, query.from()), " – ",
                              t.Date(lang, query.to()))},
      {"unit", org_unit.empty() ? page.T("whole tenant") : org_unit},
      {"rule_set", report->rule_set()},
      {"threshold",
       report->small_cell_threshold() > 0
           ? mstch::node(t.Integer(lang, report->small_cell_threshold()))
           : mstch::node(false)},
      {"sessions", t.Integer(lang, report->sessions())},
      {"episodes_started", t.Integer(lang, report->episodes_started())},
      {"pct_ors", pct(report->has_pct_sessions_with_ors(),
                      report->pct_sessions_with_ors())},
      {"pct_srs", pct(report->has_pct_sessions_with_srs(),
                      report->pct_sessions_with_srs())},
      {"pct_inspire", pct(report->has_pct_sessions_with_inspire(),
                          report->pct_sessions_with_inspire())},
      {"outcomes", outcomes},
      {"charts", charts},
      {"json_href", json_href},
      {"cli", cli},
  };
  return Render(page, 200, page.T("Quality report"),
                Fill(page, "report.mustache", std::move(context)));
}

}  // namespace tilbake::web

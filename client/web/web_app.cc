#include "client/web/web_app.h"

#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "client/web/page.h"
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

}  // namespace

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
  if ((request.path == "/" &&
       page.caller.role() == v1::CALLER_ROLE_CLINICIAN) ||
      request.path == "/caseload") {
    return Caseload(request, page);
  }
  if (request.path == "/" || request.path == "/report") {
    return Report(request, page, /*json=*/false);
  }
  if (request.path == "/data/report.json") {
    return Report(request, page, /*json=*/true);
  }
  if (request.path == "/data/report.csv") return Download(request, page, "csv");
  if (request.path == "/data/report.xlsx") {
    return Download(request, page, "xlsx");
  }
  if (request.path == "/episode") {
    return Episode(request, page, /*for_client=*/false);
  }
  if (request.path == "/episode/client") {
    return Episode(request, page, /*for_client=*/true);
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
  // Partials: {{> side_by_side}} is one table markup for teams and
  // clinicians.
  static const auto* partials = new std::map<std::string, std::string>{
      {"side_by_side", Template("side_by_side.mustache")}};
  return mstch::render(Template(name), context, *partials);
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
      {"body_class", page.body_class},
      {"content", content},
      {"languages", languages},
      {"signed_in", signed_in},
      {"user", page.caller.name()},
      {"csrf", signed_in ? page.session->csrf : std::string()},
      {"today", translator_.Date(page.language, ToDate(today))},
  };
  if (page.client != nullptr) {
    // The pages the caller's role can use (the server decides in the end).
    const v1::CallerRole role = page.caller.role();
    const bool reads_episodes = role == v1::CALLER_ROLE_CLINICIAN ||
                                role == v1::CALLER_ROLE_INTEGRATION ||
                                role == v1::CALLER_ROLE_UNSPECIFIED;
    context["nav"] =
        mstch::map{{"report", role != v1::CALLER_ROLE_CLINICIAN &&
                                  role != v1::CALLER_ROLE_INTEGRATION},
                   {"report_current", page.current == "report"},
                   {"caseload", reads_episodes},
                   {"caseload_current", page.current == "caseload"},
                   {"episode", reads_episodes},
                   {"episode_current", page.current == "episode"}};
  }
  Response response;
  response.status = status;
  response.body = Fill(page, "layout.mustache", std::move(context));
  response.headers = page.cookies;
  return response;
}

}  // namespace tilbake::web

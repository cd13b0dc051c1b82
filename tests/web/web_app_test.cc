// tilbake-web's pages against a real tilbake-server (tokens on) through the
// SDK, with the handler called directly: sign-in, sessions, CSRF, the
// quality report's figures in each language, and the error pages.
#include "client/web/web_app.h"

#include <fstream>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/proto_builders.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_server.h"
#include "tests/testing/token_entries.h"

namespace tilbake::web {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;

class WebAppTest : public ::testing::Test {
 protected:
  WebAppTest() {
    std::ofstream(tokens_)
        << testing::TokenEntry("kari", "tenant-a", "clinician", "t-kari",
                               "clinician_id: \"k-4\"")
        << testing::TokenEntry("lise", "tenant-a", "quality", "t-lise",
                               "org_unit: \"psykisk-helse\"")
        << testing::TokenEntry("rune", "tenant-a", "quality", "t-rune",
                               "org_unit: \"rus\"")
        << testing::TokenEntry("anne", "tenant-a", "admin", "t-anne")
        << testing::TokenEntry("per", "tenant-a", "clinician", "t-per",
                               "clinician_id: \"k-7\"");
    server_ = std::make_unique<testing::TestServer>(
        [this](app::ServerOptions& o) { o.tokens_file = tokens_; });
    WebAppOptions options;
    options.server.target = server_->address();
    options.server.max_attempts = 1;
    app_ = std::make_unique<WebApp>(options, [this] { return now_; });
  }

  // Five clients, each ORS 20.0 at intake and 30.0 in session 2 (change
  // +10, past the 5-point reliable change and the cutoff 25: recovered;
  // effect size 10 / SD 7 = 1.43 in rule set jt-5), episodes ended as
  // planned in March 2026.
  void SeedFiveRecoveredClients() {
    client::ClientOptions o;
    o.target = server_->address();
    o.bearer_token = "t-kari";
    auto kari = client::Client::Connect(o);
    for (int c = 1; c <= 5; ++c) {
      const std::string episode = absl::StrCat("e-", c);
      for (int s = 1; s <= 2; ++s) {
        v1::SubmitRatingRequest r = testing::OrsRequest(
            s, absl::StrCat(episode, "-", s),
            s == 1 ? std::vector<double>{5, 5, 5, 5}
                   : std::vector<double>{7.5, 7.5, 7.5, 7.5});
        r.mutable_rating()->set_episode_id(episode);
        r.mutable_rating()->set_client_id(absl::StrCat("c-", c));
        ASSERT_TRUE(kari->SubmitRating(r).ok());
      }
      v1::Ending ending;
      ending.set_type(v1::ENDING_TYPE_PLANNED);
      ending.mutable_end_date()->set_year(2026);
      ending.mutable_end_date()->set_month(3);
      ending.mutable_end_date()->set_day(20);
      ASSERT_TRUE(kari->CloseEpisode("tenant-a", episode, ending).ok());
    }
  }

  // Client e-9/c-9: ORS 20.0 then 30.0 (change +10: recovered), SRS 36.0
  // then 20.0 (below the cutoff 36 and a fall of 16); open. With
  // `second_client`, a group episode where c-8 scores 10.0 and 12.0.
  void SeedEpisodeWithSrs(bool second_client = false) {
    client::ClientOptions o;
    o.target = server_->address();
    o.bearer_token = "t-kari";
    auto kari = client::Client::Connect(o);
    auto submit = [&](const std::string& client, int session,
                      const std::string& instrument, double item) {
      v1::SubmitRatingRequest r = testing::RatingRequest(
          instrument, session,
          absl::StrCat(client, "-", instrument, "-", session));
      r.mutable_rating()->set_episode_id("e-9");
      r.mutable_rating()->set_client_id(client);
      if (second_client) {
        r.mutable_rating()->set_episode_type(v1::EPISODE_TYPE_GROUP);
      }
      for (int i = 0; i < 4; ++i) {
        r.mutable_rating()->mutable_items()->add_items()->set_value(item);
      }
      auto done = kari->SubmitRating(r);
      ASSERT_TRUE(done.ok()) << done.status();
    };
    submit("c-9", 1, "ors", 5);
    submit("c-9", 1, "srs", 9);
    submit("c-9", 2, "ors", 7.5);
    submit("c-9", 2, "srs", 5);
    if (second_client) {
      submit("c-8", 1, "ors", 2.5);
      submit("c-8", 2, "ors", 3);
    }
  }

  // The text a reader sees: the page without its tags.
  static std::string VisibleText(const std::string& html) {
    std::string text;
    bool in_tag = false;
    for (char c : html) {
      if (c == '<') in_tag = true;
      if (!in_tag) text += c;
      if (c == '>') in_tag = false;
    }
    return text;
  }

  Request Get(const std::string& path, const std::string& query = "") {
    Request r;
    r.method = "GET";
    r.path = path;
    r.query = ParseUrlEncoded(query);
    r.host = "127.0.0.1:8080";
    if (!cookie_.empty()) r.cookies["tilbake_session"] = cookie_;
    return r;
  }
  Request Post(const std::string& path, const std::string& form) {
    Request r = Get(path);
    r.method = "POST";
    r.form = ParseUrlEncoded(form);
    return r;
  }
  static std::string CookieSet(const Response& response) {
    for (const auto& [name, value] : response.headers) {
      if (name == "Set-Cookie" && value.rfind("tilbake_session=", 0) == 0) {
        return value;
      }
    }
    return "";
  }
  static std::string Between(const std::string& text, const std::string& a,
                             const std::string& b) {
    size_t from = text.find(a);
    if (from == std::string::npos) return "";
    from += a.size();
    return text.substr(from, text.find(b, from) - from);
  }

  // Signs in with `token`; the session cookie is kept for later requests.
  Response SignIn(const std::string& token) {
    Response form = app_->Handle(Get("/sign-in"));
    if (!CookieSet(form).empty()) {  // A new visitor's session.
      cookie_ = Between(CookieSet(form), "tilbake_session=", ";");
    }
    const std::string csrf = Between(form.body, "name=\"csrf\" value=\"", "\"");
    Response signed_in = app_->Handle(
        Post("/sign-in",
             absl::StrCat("csrf=", csrf, "&token=", token, "&next=/report")));
    if (signed_in.status == 303) {
      cookie_ = Between(CookieSet(signed_in), "tilbake_session=", ";");
    }
    return signed_in;
  }

  absl::Time now_ = absl::FromUnixSeconds(1'774'000'000);  // 2026-03-20
  testing::TempDir dir_;
  std::string tokens_ = dir_.Sub("tokens.textpb");
  std::unique_ptr<testing::TestServer> server_;
  std::unique_ptr<WebApp> app_;
  std::string cookie_;
};

TEST_F(WebAppTest, SignInWithCookieFlagsAndCsrfThenSignOut) {
  Response page = app_->Handle(Get("/report"));
  EXPECT_EQ(page.status, 200);
  EXPECT_THAT(page.body, HasSubstr("name=\"token\" type=\"password\""));
  const std::string cookie = CookieSet(page);
  EXPECT_THAT(cookie, HasSubstr("HttpOnly"));
  EXPECT_THAT(cookie, HasSubstr("SameSite=Strict"));
  EXPECT_THAT(cookie, Not(HasSubstr("Secure")));  // Plain HTTP here.
  Request tls = Get("/sign-in");
  tls.tls = true;
  EXPECT_THAT(CookieSet(app_->Handle(tls)), HasSubstr("; Secure"));

  // A form without the session's CSRF token is refused.
  cookie_ = Between(cookie, "tilbake_session=", ";");
  EXPECT_EQ(app_->Handle(Post("/sign-in", "csrf=forged&token=t-lise")).status,
            403);
  // A form from another site is refused whatever it carries.
  Request foreign = Post("/sign-in", "token=t-lise");
  foreign.origin = "https://evil.example";
  EXPECT_EQ(app_->Handle(foreign).status, 403);

  Response wrong = SignIn("t-wrong");
  EXPECT_EQ(wrong.status, 401);
  EXPECT_THAT(wrong.body, HasSubstr("That token is not known to the server."));
  EXPECT_THAT(wrong.body, Not(HasSubstr("Your session ended")));

  const std::string before = cookie_;
  Response ok = SignIn("t-lise");
  ASSERT_EQ(ok.status, 303);
  EXPECT_NE(cookie_, before);  // A new id at sign-in.
  Response report = app_->Handle(Get("/report"));
  EXPECT_EQ(report.status, 200);
  EXPECT_THAT(report.body, HasSubstr("Signed in as lise"));

  const std::string csrf = Between(report.body, "name=\"csrf\" value=\"", "\"");
  EXPECT_EQ(app_->Handle(Post("/sign-out", "csrf=forged")).status, 403);
  Response out = app_->Handle(Post("/sign-out", "csrf=" + csrf));
  EXPECT_EQ(out.status, 303);
  EXPECT_THAT(CookieSet(out), HasSubstr("Max-Age=0"));
  EXPECT_THAT(app_->Handle(Get("/report")).body,
              HasSubstr("name=\"token\""));  // Signed out.
}

TEST_F(WebAppTest, AnIdleSessionEndsWithAMessage) {
  ASSERT_EQ(SignIn("t-lise").status, 303);
  now_ += absl::Minutes(31);
  Response page = app_->Handle(Get("/report"));
  EXPECT_THAT(page.body, HasSubstr("Your session ended"));
  EXPECT_THAT(page.body, HasSubstr("name=\"token\""));
}

TEST_F(WebAppTest, TheQualityReportShowsTheHandComputedFigures) {
  SeedFiveRecoveredClients();
  ASSERT_EQ(SignIn("t-lise").status, 303);
  // Two months: the charts need two points (February has none).
  const std::string period = "from=2026-02&to=2026-03";
  Response en = app_->Handle(Get("/report", period + "&lang=en"));
  ASSERT_EQ(en.status, 200) << en.body;
  EXPECT_THAT(en.body, HasSubstr("<html lang=\"en\">"));
  EXPECT_THAT(en.body, HasSubstr("data-figure=\"sessions\">10<"));
  EXPECT_THAT(en.body, HasSubstr("data-figure=\"episodes_started\">5<"));
  EXPECT_THAT(en.body, HasSubstr("data-figure=\"pct_ors\">100.0\u00a0%<"));
  EXPECT_THAT(en.body, HasSubstr("data-figure=\"series\">5<"));
  EXPECT_THAT(en.body, HasSubstr("data-figure=\"mean_intake\">20.0<"));
  EXPECT_THAT(en.body, HasSubstr("data-figure=\"mean_change\">10.0<"));
  // Improvement excludes recovery (docs/trends.md): all five recovered.
  EXPECT_THAT(
      en.body,
      HasSubstr("data-figure=\"pct_reliable_improvement\">0.0\u00a0%<"));
  EXPECT_THAT(en.body, HasSubstr("data-figure=\"effect_size\">1.43<"));  // 10/7
  EXPECT_THAT(en.body,
              HasSubstr("data-figure=\"pct_reliable_recovery\">100.0\u00a0%<"));
  EXPECT_THAT(en.body, HasSubstr("<svg"));  // The month-by-month charts.
  EXPECT_THAT(en.body, HasSubstr("tilbake report --tenant=tenant-a "
                                 "--org_unit=psykisk-helse --from=2026-02-01 "
                                 "--to=2026-03-31 --json"));

  Request nb_request = Get("/report", period);
  nb_request.accept_language = "nb-NO,nb;q=0.9";
  Response nb = app_->Handle(nb_request);
  EXPECT_THAT(nb.body, HasSubstr("<html lang=\"nb\">"));
  EXPECT_THAT(nb.body, HasSubstr("<h1>Kvalitetsrapport</h1>"));
  EXPECT_THAT(nb.body, HasSubstr("Samtaler med ORS utfylt"));
  EXPECT_THAT(nb.body, HasSubstr("data-figure=\"mean_change\">10,0<"));
  EXPECT_THAT(nb.body, HasSubstr("data-figure=\"pct_ors\">100,0\u00a0%<"));
  Response da = app_->Handle(Get("/report", period + "&lang=da"));
  EXPECT_THAT(da.body, HasSubstr("<html lang=\"da\">"));
  EXPECT_THAT(da.body, HasSubstr("data-figure=\"mean_intake\">20,0<"));
  EXPECT_THAT(da.body, HasSubstr("Samtaler med ORS udfyldt"));
  EXPECT_THAT(da.body, HasSubstr("Klinisk signifikant bedring"));

  // The JSON link gives the API's own answer.
  Response json = app_->Handle(Get("/data/report.json", period));
  EXPECT_EQ(json.content_type, "application/json");
  EXPECT_THAT(json.body, HasSubstr("\"sessions\": \"10\""));
  // Field names as `tilbake report --json` prints them.
  EXPECT_THAT(json.body, HasSubstr("\"mean_change\": 10"));
}

TEST_F(WebAppTest, TheReportAndItsTablesDownloadAsCsvAndXlsx) {
  SeedFiveRecoveredClients();
  ASSERT_EQ(SignIn("t-lise").status, 303);
  const std::string period = "from=2026-02&to=2026-03";
  Response page = app_->Handle(Get("/report", period + "&lang=nb"));
  EXPECT_THAT(page.body,
              HasSubstr("href=\"/data/report.xlsx?tenant=tenant-a&amp;org_unit="
                        "psykisk-helse&amp;from=2026-02&amp;to=2026-03\""));
  EXPECT_THAT(page.body, HasSubstr("Last ned rapporten"));

  // Norwegian: ';', decimal comma, a BOM for Excel; one figure a line.
  Request nb = Get("/data/report.csv", period);
  nb.accept_language = "nb";
  Response csv = app_->Handle(nb);
  ASSERT_EQ(csv.status, 200) << csv.body;
  EXPECT_EQ(csv.content_type, "text/csv; charset=utf-8");
  EXPECT_THAT(csv.headers,
              Contains(std::pair<std::string, std::string>(
                  "Content-Disposition",
                  "attachment; filename=\"tilbake-report-2026-02-2026-03.csv"
                  "\"")));
  EXPECT_EQ(csv.body.substr(0, 3), "\xEF\xBB\xBF");
  EXPECT_THAT(csv.body, HasSubstr("Tabell;Instrument;Gruppe;Tall;Betegnelse;"
                                  "Verdi\r\n"));
  EXPECT_THAT(csv.body, HasSubstr("outcomes;ors;Alle;mean_change;"
                                  "Gjennomsnittlig endring;10\r\n"));
  EXPECT_THAT(csv.body, HasSubstr("outcomes;ors;Alle;effect_size;"
                                  "Effektstørrelse;1,4285714285714286\r\n"));

  // English: ',' and '.'.
  Response en = app_->Handle(Get("/data/report.csv", period + "&lang=en"));
  EXPECT_THAT(en.body, HasSubstr("outcomes,ors,All,effect_size,Effect size,"
                                 "1.4285714285714286\r\n"));

  // The teams table: a row per unit below, the whole period.
  Response teams = app_->Handle(
      Get("/data/report.csv",
          period + "&lang=en&table=teams&org_unit=" + "psykisk-helse"));
  ASSERT_EQ(teams.status, 200) << teams.body;
  // Five clients (each once), their ten forms.
  EXPECT_THAT(teams.body, HasSubstr("2026-02-01,2026-03-31,"
                                    "psykisk-helse/team-nord,5,10,"));

  Response xlsx = app_->Handle(Get("/data/report.xlsx", period));
  ASSERT_EQ(xlsx.status, 200) << xlsx.body;
  EXPECT_EQ(xlsx.content_type,
            "application/vnd.openxmlformats-officedocument.spreadsheetml."
            "sheet");
  EXPECT_EQ(xlsx.body.substr(0, 2), "PK");

  Response bad = app_->Handle(Get("/data/report.csv", period + "&table=x"));
  EXPECT_EQ(bad.status, 400);
  EXPECT_THAT(bad.body, HasSubstr("table: &quot;x&quot; is not one of teams"));
}

TEST_F(WebAppTest, OutsideTheirOrgUnitAQualityLeadGetsTheNoAccessPage) {
  ASSERT_EQ(SignIn("t-rune").status, 303);  // Org unit "rus".
  Response page =
      app_->Handle(Get("/report", "org_unit=psykisk-helse&from=2026-03"));
  EXPECT_EQ(page.status, 403);
  EXPECT_THAT(page.body, HasSubstr("No access"));
  EXPECT_THAT(page.body, HasSubstr("this token reads rus and below only"));
  EXPECT_THAT(page.body, Not(HasSubstr("data-figure")));

  // The server's access log has the refusal under rune's name.
  client::ClientOptions o;
  o.target = server_->address();
  o.bearer_token = "t-anne";
  v1::QueryAuditLogRequest audit;
  audit.set_tenant_id("tenant-a");
  auto log = client::Client::Connect(o)->QueryAuditLog(audit);
  ASSERT_TRUE(log.ok()) << log.status();
  bool refused = false;
  for (const v1::AuditEntry& e : log->entries()) {
    refused |= e.actor() == "rune" && e.action() == "GetQualityReport" &&
               e.outcome() == 7;  // PERMISSION_DENIED
  }
  EXPECT_TRUE(refused);
}

TEST_F(WebAppTest, TheEpisodePageShowsEachFormWithItsEvaluation) {
  SeedEpisodeWithSrs();
  ASSERT_EQ(SignIn("t-kari").status, 303);
  Response en = app_->Handle(Get("/episode", "episode=e-9&lang=en"));
  ASSERT_EQ(en.status, 200) << en.body;
  EXPECT_THAT(en.body, HasSubstr("<h1>Episode e-9</h1>"));
  // Session 2's ORS: 30.0, +10.0 since intake, recovered.
  const std::string ors2 = Between(
      en.body, "<tr data-session=\"2\" data-instrument=\"ors\">", "</tr>");
  EXPECT_THAT(ors2, HasSubstr("data-figure=\"score\">30.0<"));
  EXPECT_THAT(ors2, HasSubstr("data-figure=\"change\">10.0<"));
  EXPECT_THAT(ors2, HasSubstr("Recovered"));
  // The intake ORS (20.0) is in the clinical range.
  const std::string ors1 = Between(
      en.body, "<tr data-session=\"1\" data-instrument=\"ors\">", "</tr>");
  EXPECT_THAT(ors1, HasSubstr("20.0 <span class=\"note\">(below cutoff)"));
  // The latest session's alerts, named (not colour alone).
  const std::string attention =
      Between(en.body, "<h2 id=\"attention\">", "</section>");
  EXPECT_THAT(attention,
              HasSubstr("SRS below the cutoff: talk about the alliance"));
  EXPECT_THAT(attention, HasSubstr("SRS fell since the last session"));
  EXPECT_THAT(en.body, HasSubstr("<svg"));
  EXPECT_THAT(en.body, HasSubstr("tilbake episode --tenant=tenant-a "
                                 "--episode=e-9"));

  Response nb = app_->Handle(Get("/episode", "episode=e-9&lang=nb"));
  const std::string nb_ors2 = Between(
      nb.body, "<tr data-session=\"2\" data-instrument=\"ors\">", "</tr>");
  EXPECT_THAT(nb_ors2, HasSubstr("data-figure=\"score\">30,0<"));
  EXPECT_THAT(nb.body, HasSubstr("<h1>Forløp e-9</h1>"));
}

TEST_F(WebAppTest, TheClientViewIsPlainAndHidesTheAllianceOnRequest) {
  SeedEpisodeWithSrs();
  ASSERT_EQ(SignIn("t-kari").status, 303);
  Response view = app_->Handle(Get("/episode/client", "episode=e-9&lang=en"));
  ASSERT_EQ(view.status, 200) << view.body;
  EXPECT_THAT(view.body, HasSubstr("<body class=\"client-view\">"));
  EXPECT_THAT(view.body, HasSubstr("How the sessions felt"));  // SRS line.
  EXPECT_THAT(view.body, HasSubstr("data-figure=\"score\">20.0<"));
  EXPECT_THAT(view.body, HasSubstr("data-figure=\"score\">30.0<"));
  // No codes or jargon: no pseudonym, episode id, form code or "cutoff".
  const std::string text = VisibleText(view.body);
  for (const char* code : {"c-9", "e-9", "ORS", "SRS", "cutoff", "ors ("}) {
    EXPECT_THAT(text, Not(HasSubstr(code))) << code;
  }
  const std::string hide =
      Between(view.body, "<a class=\"button\" href=\"", "\"");
  EXPECT_THAT(hide, HasSubstr("srs=hide"));
  Response hidden = app_->Handle(
      Get("/episode/client", "episode=e-9&client=c-9&srs=hide&lang=en"));
  EXPECT_THAT(hidden.body, Not(HasSubstr("How the sessions felt<")));
  EXPECT_THAT(hidden.body, HasSubstr("Show how the sessions felt"));

  Response da = app_->Handle(Get("/episode/client", "episode=e-9&lang=da"));
  EXPECT_THAT(da.body, HasSubstr("<html lang=\"da\">"));
  EXPECT_THAT(da.body, HasSubstr("data-figure=\"score\">30,0<"));
}

TEST_F(WebAppTest, InAGroupEachClientSeesOnlyTheirOwnGraph) {
  SeedEpisodeWithSrs(/*second_client=*/true);
  ASSERT_EQ(SignIn("t-kari").status, 303);
  // Two clients: the clinician chooses first.
  Response choose = app_->Handle(Get("/episode/client", "episode=e-9"));
  EXPECT_THAT(choose.body, HasSubstr("client=c-8"));
  EXPECT_THAT(choose.body, HasSubstr("client=c-9"));
  EXPECT_THAT(choose.body, Not(HasSubstr("<svg")));
  Response c8 =
      app_->Handle(Get("/episode/client", "episode=e-9&client=c-8&lang=en"));
  EXPECT_THAT(c8.body, HasSubstr("data-figure=\"score\">10.0<"));
  EXPECT_THAT(c8.body, HasSubstr("data-figure=\"score\">12.0<"));
  EXPECT_THAT(c8.body, Not(HasSubstr(">20.0<")));  // c-9's intake.
  EXPECT_THAT(c8.body, Not(HasSubstr(">30.0<")));
  EXPECT_THAT(c8.body, Not(HasSubstr("How the sessions felt")));  // c-9's SRS.
}

TEST_F(WebAppTest, AnotherCliniciansEpisodeGetsTheNoAccessPage) {
  SeedEpisodeWithSrs();
  ASSERT_EQ(SignIn("t-per").status, 303);
  Response page = app_->Handle(Get("/episode", "episode=e-9"));
  EXPECT_EQ(page.status, 403);
  EXPECT_THAT(page.body, HasSubstr("No access"));
  EXPECT_THAT(page.body, Not(HasSubstr("data-figure")));
  Response view = app_->Handle(Get("/episode/client", "episode=e-9"));
  EXPECT_EQ(view.status, 403);
  Response missing = app_->Handle(Get("/episode", "episode=e-404"));
  EXPECT_EQ(missing.status, 404);
}

TEST_F(WebAppTest, UnknownPagesAndAStoppedServerGetClearPages) {
  ASSERT_EQ(SignIn("t-lise").status, 303);
  Response missing = app_->Handle(Get("/no-such-page"));
  EXPECT_EQ(missing.status, 404);
  EXPECT_THAT(missing.body, HasSubstr("Not found"));
  server_.reset();  // tilbake-server goes away.
  Response down = app_->Handle(Get("/report"));
  EXPECT_EQ(down.status, 503);
  EXPECT_THAT(down.body, HasSubstr("not available right now"));
}

}  // namespace
}  // namespace tilbake::web

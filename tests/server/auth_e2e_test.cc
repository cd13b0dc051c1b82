// Bearer tokens and roles through a real server: who may call what, tenant
// fences (also with crafted ids), tokens changed without a restart; the
// access log of every path, and reviewed erasure.
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "server/auth/tokens.h"
#include "tests/testing/proto_builders.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_server.h"
#include "tests/testing/token_entries.h"
#include "tilbake/v1/feedback.grpc.pb.h"

namespace tilbake {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::SizeIs;
using ::tilbake::testing::IsOk;
using ::tilbake::testing::OrsRequest;
using ::tilbake::testing::StatusIs;
using ::tilbake::testing::TestServer;
using ::tilbake::testing::TokenEntry;

class AuthE2eTest : public ::testing::Test {
 protected:
  AuthE2eTest() {
    WriteTokens("");
    server_ = std::make_unique<TestServer>([this](app::ServerOptions& o) {
      o.tokens_file = tokens_;
      o.backup_dir = dir_.Sub("backups");
      o.storage_check_interval = absl::Milliseconds(10);
    });
  }

  void WriteTokens(const std::string& extra) {
    std::ofstream(tokens_) << TokenEntry("kari", "tenant-a", "clinician",
                                         "t-kari", "clinician_id: \"k-4\"")
                           << TokenEntry("dips", "tenant-a", "integration",
                                         "t-dips")
                           << TokenEntry("lise", "tenant-a", "quality",
                                         "t-lise",
                                         "org_unit: \"psykisk-helse\"")
                           << TokenEntry("unni", "tenant-a", "quality",
                                         "t-unni",
                                         "org_unit: \"psykisk-helse\" "
                                         "clinician_figures: true")
                           << TokenEntry("root", "*", "admin", "t-root")
                           << TokenEntry("anne", "tenant-a", "admin", "t-anne")
                           << TokenEntry("bo", "tenant-a", "admin", "t-bo")
                           << TokenEntry("berit", "tenant-b", "clinician",
                                         "t-berit", "clinician_id: \"k-4\"")
                           << TokenEntry("per", "tenant-a", "clinician",
                                         "t-per", "clinician_id: \"k-7\"")
                           << extra;
    static int bump = 0;  // A new modification time, whatever the clock.
    std::filesystem::last_write_time(
        tokens_, std::filesystem::file_time_type::clock::now() +
                     std::chrono::seconds(++bump));
  }

  std::unique_ptr<client::Client> As(const std::string& token) {
    client::ClientOptions options;
    options.target = server_->address();
    options.max_attempts = 1;
    options.bearer_token = token;
    return client::Client::Connect(options);
  }

  static v1::QueryTrendsRequest Trends(const std::string& org_unit) {
    v1::QueryTrendsRequest request;
    request.set_tenant_id("tenant-a");
    request.set_org_unit(org_unit);
    request.mutable_from()->set_year(2026);
    request.mutable_from()->set_month(1);
    request.mutable_from()->set_day(1);
    request.mutable_to()->set_year(2026);
    request.mutable_to()->set_month(6);
    request.mutable_to()->set_day(1);
    return request;
  }

  testing::TempDir dir_;
  std::string tokens_ = dir_.Sub("tokens.textpb");
  std::unique_ptr<TestServer> server_;
};

v1::QueryAuditLogRequest LogOf(const std::string& tenant,
                               const std::string& client = "") {
  v1::QueryAuditLogRequest request;
  request.set_tenant_id(tenant);
  request.set_client_id(client);
  return request;
}

TEST_F(AuthE2eTest, WithoutAValidTokenNothingButHealthAnswers) {
  auto anonymous = As("");
  EXPECT_THAT(anonymous->SubmitRating(OrsRequest(1, "k1")),
              StatusIs(absl::StatusCode::kUnauthenticated,
                       HasSubstr("no credentials")));
  EXPECT_THAT(anonymous->ListInstruments(),
              StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(As("t-guess")->GetEpisode("tenant-a", "e-1"),
              StatusIs(absl::StatusCode::kUnauthenticated,
                       HasSubstr("unknown or revoked token")));
  EXPECT_THAT(anonymous->Health(), IsOk());  // Probes need no token.
}

// Who may correct and void: the episode's clinician and the tenant's
// admins; not an integration, a quality lead, another clinician or another
// tenant. Every attempt is in the access log.
TEST_F(AuthE2eTest, TheEpisodesClinicianAndAdminsCorrectAndVoid) {
  ASSERT_THAT(As("t-kari")->SubmitRating(OrsRequest(1, "k1")), IsOk());
  ASSERT_THAT(As("t-kari")->SubmitRating(OrsRequest(2, "k2")), IsOk());
  ASSERT_THAT(As("t-kari")->SubmitRating(OrsRequest(3, "k3")), IsOk());
  v1::CorrectRatingRequest correct;
  correct.set_tenant_id("tenant-a");
  correct.set_episode_id("e-1");
  correct.set_administration_id("1/ors/c-17/client");
  *correct.mutable_rating() = OrsRequest(1, "", {5.3, 6.0, 7.3, 8.9}).rating();
  correct.set_reason("mistyped");
  for (const char* token : {"t-dips", "t-lise", "t-per", "t-berit"}) {
    correct.set_idempotency_key(absl::StrCat("fix-", token));
    EXPECT_THAT(As(token)->CorrectRating(correct),
                StatusIs(absl::StatusCode::kPermissionDenied))
        << token;
  }
  correct.set_idempotency_key("fix-kari");
  auto by_kari = As("t-kari")->CorrectRating(correct);
  ASSERT_THAT(by_kari, IsOk());
  EXPECT_EQ(by_kari->episode().administrations(0).status(),
            v1::RECORD_STATUS_AMENDED);
  EXPECT_EQ(by_kari->episode().history(0).changed_by(), "kari (clinician)");
  v1::VoidRatingRequest void_request;
  void_request.set_tenant_id("tenant-a");
  void_request.set_episode_id("e-1");
  void_request.set_administration_id("3/ors/c-17/client");
  void_request.set_reason("entered in the wrong episode");
  void_request.set_idempotency_key("void-per");
  EXPECT_THAT(As("t-per")->VoidRating(void_request),
              StatusIs(absl::StatusCode::kPermissionDenied,
                       HasSubstr("another clinician's episode")));
  void_request.set_idempotency_key("void-anne");
  auto by_anne = As("t-anne")->VoidRating(void_request);
  ASSERT_THAT(by_anne, IsOk());
  EXPECT_EQ(by_anne->episode().administrations_size(), 2);
  // An admin reads the episode with its history; the statuses say what
  // ended each version.
  auto seen = As("t-anne")->GetEpisode("tenant-a", "e-1", true);
  ASSERT_THAT(seen, IsOk());
  ASSERT_EQ(seen->history_size(), 2);
  EXPECT_EQ(seen->history(0).change(), v1::RECORD_STATUS_AMENDED);
  EXPECT_EQ(seen->history(1).change(), v1::RECORD_STATUS_ENTERED_IN_ERROR);
  EXPECT_EQ(seen->history(1).version().status(),
            v1::RECORD_STATUS_ENTERED_IN_ERROR);
  EXPECT_EQ(seen->history(1).changed_by(), "anne (admin)");
  auto log = As("t-anne")->QueryAuditLog(LogOf("tenant-a", "c-17"));
  ASSERT_THAT(log, IsOk());
  int corrections = 0, refused = 0;
  for (const v1::AuditEntry& e : log->entries()) {
    if (e.action() != "CorrectRating" && e.action() != "VoidRating") continue;
    ++corrections;
    refused += e.outcome() != 0;
  }
  EXPECT_EQ(corrections, 7);
  EXPECT_EQ(refused, 5);
}

TEST_F(AuthE2eTest, WhoAmIAnswersWhoTheTokenIs) {
  auto lise = As("t-lise")->WhoAmI();
  ASSERT_THAT(lise, IsOk());
  EXPECT_TRUE(lise->authenticated());
  EXPECT_EQ(lise->name(), "lise");
  EXPECT_EQ(lise->tenant_id(), "tenant-a");
  EXPECT_EQ(lise->role(), v1::CALLER_ROLE_QUALITY);
  EXPECT_EQ(lise->org_unit(), "psykisk-helse");
  EXPECT_FALSE(lise->clinician_figures());
  auto unni = As("t-unni")->WhoAmI();
  ASSERT_THAT(unni, IsOk());
  EXPECT_TRUE(unni->clinician_figures());
  auto anne = As("t-anne")->WhoAmI();
  ASSERT_THAT(anne, IsOk());
  EXPECT_TRUE(anne->clinician_figures());
  auto kari = As("t-kari")->WhoAmI();
  ASSERT_THAT(kari, IsOk());
  EXPECT_EQ(kari->role(), v1::CALLER_ROLE_CLINICIAN);
  EXPECT_EQ(kari->clinician_id(), "k-4");
  EXPECT_THAT(As("t-guess")->WhoAmI(),
              StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST_F(AuthE2eTest, ClinicianSubmitsAndReadsInTheirTenantOnly) {
  auto kari = As("t-kari");
  ASSERT_THAT(kari->SubmitRating(OrsRequest(1, "k1")), IsOk());
  EXPECT_THAT(kari->GetEpisode("tenant-a", "e-1"), IsOk());
  auto other = OrsRequest(2, "k2");
  other.mutable_rating()->set_clinician_id("k-5");
  EXPECT_THAT(kari->SubmitRating(other),
              StatusIs(absl::StatusCode::kPermissionDenied,
                       HasSubstr("submits their own ratings")));
  EXPECT_THAT(kari->QueryTrends(Trends("psykisk-helse")),
              StatusIs(absl::StatusCode::kPermissionDenied,
                       HasSubstr("role clinician may not call QueryTrends")));
  EXPECT_THAT(
      kari->ImportRatings([](v1::ImportRatingsRequest*) { return false; }),
      StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(kari->CreateBackup(),
              StatusIs(absl::StatusCode::kPermissionDenied));

  // A colleague in the same tenant reads only the episodes they work in:
  // refused, and the refusal is in the access log under their name.
  auto per = As("t-per");
  EXPECT_THAT(per->GetEpisode("tenant-a", "e-1"),
              StatusIs(absl::StatusCode::kPermissionDenied,
                       HasSubstr("e-1 is another clinician's episode")));
  v1::Ending ending;
  ending.set_type(v1::ENDING_TYPE_PLANNED);
  *ending.mutable_end_date() = OrsRequest(1, "k1").rating().session_date();
  EXPECT_THAT(per->CloseEpisode("tenant-a", "e-1", ending),
              StatusIs(absl::StatusCode::kPermissionDenied));
  auto log = As("t-anne")->QueryAuditLog(LogOf("tenant-a"));
  ASSERT_THAT(log, IsOk());
  int refused = 0;
  for (const v1::AuditEntry& e : log->entries()) {
    refused += e.actor() == "per" && e.episode_id() == "e-1" &&
               e.outcome_name() == "PERMISSION_DENIED";
  }
  EXPECT_EQ(refused, 2);  // The read and the close.
  // Once per submits to it (a handover), the episode is theirs to read too.
  auto handover = OrsRequest(2, "k-per-2");
  handover.mutable_rating()->set_clinician_id("k-7");
  ASSERT_THAT(per->SubmitRating(handover), IsOk());
  EXPECT_THAT(per->GetEpisode("tenant-a", "e-1"), IsOk());

  // Another tenant's clinician cannot read it, not even by naming it...
  auto berit = As("t-berit");
  EXPECT_THAT(berit->GetEpisode("tenant-a", "e-1"),
              StatusIs(absl::StatusCode::kPermissionDenied,
                       HasSubstr("this token is for tenant tenant-b only")));
  // ...and in her own tenant the same episode id is simply not there: the
  // tenant is part of every storage key.
  EXPECT_THAT(berit->GetEpisode("tenant-b", "e-1"),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(AuthE2eTest, AClinicianListsTheirOwnEpisodesAndEachIsLogged) {
  auto kari = As("t-kari");                                      // k-4
  ASSERT_THAT(kari->SubmitRating(OrsRequest(1, "k1")), IsOk());  // e-1, 27.3
  v1::ListEpisodesRequest own;
  own.set_tenant_id("tenant-a");
  auto listed = kari->ListEpisodes(own);  // Empty clinician: her own.
  ASSERT_THAT(listed, IsOk());
  ASSERT_THAT(*listed, SizeIs(1));
  EXPECT_EQ((*listed)[0].episode_id(), "e-1");
  EXPECT_EQ((*listed)[0].sessions(), 1);
  EXPECT_DOUBLE_EQ((*listed)[0].latest_outcome(), 27.3);
  EXPECT_EQ((*listed)[0].outcome_instrument_id(), "ors");

  // A colleague's own list is empty; hers is not theirs to read.
  auto per = As("t-per");
  auto theirs = per->ListEpisodes(own);
  ASSERT_THAT(theirs, IsOk());
  EXPECT_THAT(*theirs, SizeIs(0));
  v1::ListEpisodesRequest karis = own;
  karis.set_clinician_id("k-4");
  EXPECT_THAT(per->ListEpisodes(karis),
              StatusIs(absl::StatusCode::kPermissionDenied,
                       HasSubstr("lists their own episodes")));
  // The journal system names the clinician; a quality lead may not list.
  auto by_integration = As("t-dips")->ListEpisodes(karis);
  ASSERT_THAT(by_integration, IsOk());
  EXPECT_THAT(*by_integration, SizeIs(1));
  EXPECT_THAT(As("t-lise")->ListEpisodes(karis),
              StatusIs(absl::StatusCode::kPermissionDenied));
  // Closed episodes are left out unless asked for.
  v1::Ending ending;
  ending.set_type(v1::ENDING_TYPE_PLANNED);
  *ending.mutable_end_date() = OrsRequest(1, "k1").rating().session_date();
  ASSERT_THAT(kari->CloseEpisode("tenant-a", "e-1", ending), IsOk());
  EXPECT_THAT(*kari->ListEpisodes(own), SizeIs(0));
  own.set_include_closed(true);
  EXPECT_THAT(*kari->ListEpisodes(own), SizeIs(1));

  // Each listed episode is a read of its client in the access log.
  auto log = As("t-anne")->QueryAuditLog(LogOf("tenant-a", "c-17"));
  ASSERT_THAT(log, IsOk());
  int reads = 0;
  for (const v1::AuditEntry& e : log->entries()) {
    reads += e.action() == "ListEpisodes" && e.episode_id() == "e-1" &&
             e.outcome_name() == "OK";
  }
  EXPECT_EQ(reads, 3);  // kari, dips, kari with closed ones.
}

TEST_F(AuthE2eTest, AnIntegrationImportsForItsTenantRecordByRecord) {
  int next = 0;
  auto response =
      As("t-dips")->ImportRatings([&next](v1::ImportRatingsRequest* request) {
        if (next == 2) return false;
        request->set_record_number(++next);
        *request->mutable_record() = OrsRequest(next, absl::StrCat("i", next));
        if (next == 2) {
          request->mutable_record()->mutable_rating()->set_tenant_id(
              "tenant-b");
        }
        return true;
      });
  ASSERT_THAT(response, IsOk());
  EXPECT_EQ(response->stored(), 1);
  EXPECT_EQ(response->rejected(), 1);
  ASSERT_THAT(response->errors(), SizeIs(1));
  EXPECT_EQ(response->errors(0).record_number(), 2);
  EXPECT_EQ(response->errors(0).code(),
            static_cast<int>(grpc::StatusCode::PERMISSION_DENIED));
}

TEST_F(AuthE2eTest, QualityReadsAggregatesOfItsOrgUnitAndAdminBacksUp) {
  ASSERT_THAT(As("t-kari")->SubmitRating(OrsRequest(1, "k1")), IsOk());
  auto lise = As("t-lise");
  EXPECT_THAT(lise->QueryTrends(Trends("psykisk-helse")), IsOk());
  EXPECT_THAT(lise->QueryTrends(Trends("rus")),
              StatusIs(absl::StatusCode::kPermissionDenied,
                       HasSubstr("reads psykisk-helse and below only")));
  EXPECT_THAT(lise->GetEpisode("tenant-a", "e-1"),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(As("t-root")->CreateBackup(), IsOk());

  // Figures per clinician: grouped or filtered, only with the grant.
  v1::QueryTrendsRequest by_clinician = Trends("psykisk-helse");
  by_clinician.add_group_by(v1::TREND_GROUP_BY_CLINICIAN);
  v1::QueryTrendsRequest one_clinician = Trends("psykisk-helse");
  one_clinician.set_clinician_id("k-4");
  for (const auto& request : {by_clinician, one_clinician}) {
    EXPECT_THAT(lise->QueryTrends(request),
                StatusIs(absl::StatusCode::kPermissionDenied,
                         HasSubstr("figures per clinician")));
    EXPECT_THAT(As("t-unni")->QueryTrends(request), IsOk());
    EXPECT_THAT(As("t-anne")->QueryTrends(request), IsOk());
  }
  auto rows = As("t-unni")->QueryTrends(by_clinician);
  ASSERT_THAT(rows, IsOk());
  ASSERT_THAT(*rows, SizeIs(1));
  EXPECT_EQ((*rows)[0].clinician_id(), "k-4");
}

TEST_F(AuthE2eTest, ANewTokenWorksWithoutARestart) {
  EXPECT_THAT(As("t-new")->ListInstruments(),
              StatusIs(absl::StatusCode::kUnauthenticated));
  WriteTokens(TokenEntry("ny", "tenant-a", "integration", "t-new"));
  const absl::Time give_up = absl::Now() + absl::Seconds(30);
  bool works = false;
  while (!works && absl::Now() < give_up) {
    works = As("t-new")->ListInstruments().ok();
    if (!works) absl::SleepFor(absl::Milliseconds(10));
  }
  EXPECT_TRUE(works);
}

// "action episode/client actor outcome detail" per entry of a log page.
std::vector<std::string> Lines(const v1::QueryAuditLogResponse& page) {
  std::vector<std::string> lines;
  for (const v1::AuditEntry& e : page.entries()) {
    lines.push_back(absl::StrCat(e.action(), " ", e.episode_id(), "/",
                                 e.client_id(), " ", e.actor(), " ",
                                 e.outcome_name(), " ", e.detail()));
  }
  return lines;
}

TEST_F(AuthE2eTest, EveryAccessPathIsInTheAccessLog) {
  auto kari = As("t-kari");
  ASSERT_THAT(kari->SubmitRating(OrsRequest(1, "k1")), IsOk());
  ASSERT_THAT(kari->GetEpisode("tenant-a", "e-1"), IsOk());
  auto other = OrsRequest(2, "k2");
  other.mutable_rating()->set_clinician_id("k-5");
  EXPECT_THAT(kari->SubmitRating(other),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(As("t-berit")->GetEpisode("tenant-a", "e-1"),
              StatusIs(absl::StatusCode::kPermissionDenied));
  // Counted, not an entry each (UnauthenticatedCallsAreSummarised).
  EXPECT_THAT(As("t-guess")->GetEpisode("tenant-a", "e-1"),
              StatusIs(absl::StatusCode::kUnauthenticated));
  int next = 0;
  ASSERT_THAT(
      As("t-dips")->ImportRatings([&next](v1::ImportRatingsRequest* request) {
        if (next == 2) return false;
        request->set_record_number(++next);
        *request->mutable_record() =
            OrsRequest(next + 1, "i" + std::to_string(next));
        if (next == 2) {
          request->mutable_record()->mutable_rating()->set_tenant_id(
              "tenant-b");
        }
        return true;
      }),
      IsOk());
  v1::Ending ending;
  ending.set_type(v1::ENDING_TYPE_PLANNED);
  ending.mutable_end_date()->set_year(2026);
  ending.mutable_end_date()->set_month(4);
  ending.mutable_end_date()->set_day(1);
  ASSERT_THAT(kari->CloseEpisode("tenant-a", "e-1", ending), IsOk());
  auto anne = As("t-anne");
  ASSERT_THAT(anne->ExportClient("tenant-a", "c-17"), IsOk());
  EXPECT_THAT(As("t-lise")->GetEpisode("tenant-a", "e-1"),
              StatusIs(absl::StatusCode::kPermissionDenied));

  auto page = anne->QueryAuditLog(LogOf("tenant-a"));
  ASSERT_THAT(page, IsOk());
  EXPECT_THAT(
      Lines(*page),
      ElementsAre(
          "SubmitRating e-1/c-17 kari OK stored",
          "GetEpisode e-1/c-17 kari OK ",
          "SubmitRating e-1/c-17 kari PERMISSION_DENIED rating.clinician_id: "
          "a clinician's token submits their own ratings",
          "GetEpisode e-1/ berit PERMISSION_DENIED tenant_id: this token is "
          "for tenant tenant-b only",
          "ImportRatings e-1/c-17 dips OK stored",
          "CloseEpisode e-1/c-17 kari OK closed",
          "ExportClient /c-17 anne OK 1 episodes",
          "GetEpisode e-1/ lise PERMISSION_DENIED role quality may not call "
          "GetEpisode"));
  // Each entry names the call's request id and the caller's address.
  for (const v1::AuditEntry& e : page->entries()) {
    EXPECT_THAT(e.request_id(), SizeIs(16)) << e.action();
    EXPECT_THAT(e.peer(), HasSubstr("127.0.0.1")) << e.action();
  }
  EXPECT_EQ(page->entries(0).actor_role(), "clinician");
  // The import's foreign record is in the log of the tenant it named.
  auto foreign = As("t-root")->QueryAuditLog(LogOf("tenant-b"));
  ASSERT_THAT(foreign, IsOk());
  EXPECT_THAT(Lines(*foreign),
              ElementsAre("ImportRatings e-1/c-17 dips PERMISSION_DENIED "
                          "tenant_id: this token is for tenant tenant-a only"));

  // The log is for admins of the tenant; reading it is logged too.
  EXPECT_THAT(kari->QueryAuditLog(LogOf("tenant-a")),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(anne->QueryAuditLog(LogOf("tenant-b")),
              StatusIs(absl::StatusCode::kPermissionDenied));
  auto citizen = anne->QueryAuditLog(LogOf("tenant-a", "c-17"));
  ASSERT_THAT(citizen, IsOk());
  ASSERT_THAT(Lines(*citizen), SizeIs(6));  // Only entries naming c-17.
  auto again = anne->QueryAuditLog(LogOf("tenant-a", "c-17"));
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(Lines(*again).back(), "QueryAuditLog /c-17 anne OK ");
}

TEST_F(AuthE2eTest, ErasureNeedsTwoAdminsAndLeavesOnlyItsRecord) {
  auto kari = As("t-kari");
  ASSERT_THAT(kari->SubmitRating(OrsRequest(1, "k1")), IsOk());
  ASSERT_THAT(kari->SubmitRating(OrsRequest(2, "k2")), IsOk());
  auto keep = OrsRequest(1, "k3");
  keep.mutable_rating()->set_episode_id("e-2");
  keep.mutable_rating()->set_client_id("c-18");
  ASSERT_THAT(kari->SubmitRating(keep), IsOk());

  auto anne = As("t-anne");
  auto bo = As("t-bo");
  EXPECT_THAT(kari->RequestErasure("tenant-a", "c-17", "asked"),
              StatusIs(absl::StatusCode::kPermissionDenied));
  auto request = anne->RequestErasure("tenant-a", "c-17", "citizen asked");
  ASSERT_THAT(request, IsOk());
  EXPECT_EQ(request->state(), v1::ErasureRequest::PENDING);
  EXPECT_THAT(
      anne->DecideErasure("tenant-a", request->request_id(), true),
      StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("second admin")));
  EXPECT_THAT(kari->GetEpisode("tenant-a", "e-1"), IsOk());

  auto approved = bo->DecideErasure("tenant-a", request->request_id(), true);
  ASSERT_THAT(approved, IsOk());
  EXPECT_EQ(approved->state(), v1::ErasureRequest::APPROVED);
  EXPECT_EQ(approved->administrations_erased(), 2);
  EXPECT_EQ(approved->decided_by(), "bo");
  EXPECT_THAT(kari->GetEpisode("tenant-a", "e-1"),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(anne->ExportClient("tenant-a", "c-17"),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(kari->GetEpisode("tenant-a", "e-2"), IsOk());

  // After a restart: still gone, and the record of the erasure is kept.
  server_->Restart();
  EXPECT_THAT(As("t-kari")->GetEpisode("tenant-a", "e-1"),
              StatusIs(absl::StatusCode::kNotFound));
  auto requests = As("t-bo")->ListErasureRequests("tenant-a");
  ASSERT_THAT(requests, IsOk());
  ASSERT_THAT(*requests, SizeIs(1));
  EXPECT_EQ((*requests)[0].reason(), "citizen asked");
  EXPECT_EQ((*requests)[0].state(), v1::ErasureRequest::APPROVED);
  auto log = As("t-anne")->QueryAuditLog(LogOf("tenant-a", "c-17"));
  ASSERT_THAT(log, IsOk());
  const std::vector<std::string> lines = Lines(*log);
  EXPECT_THAT(lines,
              ::testing::Contains(absl::StrCat("RequestErasure /c-17 anne OK ",
                                               request->request_id())));
  EXPECT_THAT(lines, ::testing::Contains(
                         "ApproveErasure /c-17 bo OK erased 2 "
                         "administrations, 1 episodes; 0 group episodes "
                         "changed"));
}

// Anyone who can reach the port can send refused calls: they are counted
// and summarised per tenant and interval (here: at the stop), never an
// access-log entry each, and never under a citizen's pseudonym.
TEST_F(AuthE2eTest, UnauthenticatedCallsAreSummarisedNotLoggedOneByOne) {
  auto kari = As("t-kari");
  ASSERT_THAT(kari->SubmitRating(OrsRequest(1, "k1")), IsOk());
  auto guess = As("t-guess");
  auto nobody = As("");
  for (int i = 0; i < 300; ++i) {
    ASSERT_THAT(guess->GetEpisode("tenant-a", "e-1"),
                StatusIs(absl::StatusCode::kUnauthenticated));
  }
  for (int i = 0; i < 200; ++i) {
    ASSERT_THAT(nobody->SubmitRating(OrsRequest(1, absl::StrCat("n", i))),
                StatusIs(absl::StatusCode::kUnauthenticated));
  }
  for (int i = 0; i < 5; ++i) {  // A crafted tenant id: under "*".
    ASSERT_THAT(guess->GetEpisode("../etc", "e-1"),
                StatusIs(absl::StatusCode::kUnauthenticated));
  }
  auto citizen = As("t-anne")->QueryAuditLog(LogOf("tenant-a", "c-17"));
  ASSERT_THAT(citizen, IsOk());
  EXPECT_THAT(Lines(*citizen), ElementsAre("SubmitRating e-1/c-17 kari OK "
                                           "stored"));

  server_->Restart();  // A stop writes the summary of the interval so far.
  auto tenant = As("t-anne")->QueryAuditLog(LogOf("tenant-a"));
  ASSERT_THAT(tenant, IsOk());
  std::vector<std::string> summaries;
  for (const v1::AuditEntry& e : tenant->entries()) {
    if (e.action() != "UnauthenticatedRefusals") continue;
    EXPECT_EQ(e.client_id(), "");
    EXPECT_EQ(e.actor(), "(unauthenticated)");
    EXPECT_EQ(e.outcome_name(), "UNAUTHENTICATED");
    summaries.push_back(e.detail());
  }
  ASSERT_THAT(summaries, SizeIs(1));
  EXPECT_THAT(summaries[0], ::testing::StartsWith("500 refused calls "));
  EXPECT_THAT(summaries[0], HasSubstr("from 1 peers: GetEpisode 300, "
                                      "SubmitRating 200"));
  // Three entries in all: the rating, the citizen's log read, the summary.
  EXPECT_THAT(Lines(*tenant), SizeIs(3));
  auto system = As("t-root")->QueryAuditLog(LogOf("*"));
  ASSERT_THAT(system, IsOk());
  ASSERT_THAT(system->entries(), SizeIs(1));
  EXPECT_THAT(system->entries(0).detail(),
              ::testing::StartsWith("5 refused calls "));
}

// One request id per call, whatever the caller sends: a second
// x-request-id (here 7 000 characters) never reaches the access log; the
// first usable one is the id of the log line, the entry and the response.
TEST_F(AuthE2eTest, OnlyTheSettledRequestIdReachesTheAccessLog) {
  ASSERT_THAT(As("t-kari")->SubmitRating(OrsRequest(1, "k1")), IsOk());
  auto stub = v1::Feedback::NewStub(grpc::CreateChannel(
      server_->address(), grpc::InsecureChannelCredentials()));
  auto get = [&](const std::vector<std::string>& ids, std::string* echoed) {
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer t-kari");
    for (const std::string& id : ids) context.AddMetadata("x-request-id", id);
    v1::GetEpisodeRequest request;
    request.set_tenant_id("tenant-a");
    request.set_episode_id("e-1");
    v1::GetEpisodeResponse response;
    const grpc::Status status = stub->GetEpisode(&context, request, &response);
    auto it = context.GetServerInitialMetadata().find("x-request-id");
    if (it != context.GetServerInitialMetadata().end()) {
      *echoed = std::string(it->second.data(), it->second.size());
    }
    return status.ok();
  };
  std::string first_echo, second_echo;
  ASSERT_TRUE(get({"req-1", std::string(7000, 'a')}, &first_echo));
  ASSERT_TRUE(get({std::string(7000, 'b'), "bad id;x"}, &second_echo));
  EXPECT_EQ(first_echo, "req-1");
  EXPECT_THAT(second_echo, ::testing::MatchesRegex("[0-9a-f]{16}"));

  auto log = As("t-anne")->QueryAuditLog(LogOf("tenant-a"));
  ASSERT_THAT(log, IsOk());
  std::vector<std::string> ids;
  for (const v1::AuditEntry& e : log->entries()) {
    if (e.action() == "GetEpisode") ids.push_back(e.request_id());
  }
  EXPECT_THAT(ids, ElementsAre("req-1", second_echo));
}

// A quality lead reads aggregates only: a month of four clients (eight
// ORS, more forms than the threshold but fewer clients) is left out; with a
// fifth client the figures are there. Without authentication (development)
// nothing is left out.
TEST_F(AuthE2eTest, SmallCellsAreLeftOutForReadersOfAggregates) {
  auto kari = As("t-kari");
  auto submit_client = [&](int n) {
    for (int session = 1; session <= 2; ++session) {
      auto r = OrsRequest(session, absl::StrCat("sc-", n, "-", session));
      r.mutable_rating()->set_episode_id(absl::StrCat("e-sc-", n));
      r.mutable_rating()->set_client_id(absl::StrCat("c-sc-", n));
      ASSERT_THAT(kari->SubmitRating(r), IsOk());
    }
  };
  for (int n = 1; n <= 4; ++n) submit_client(n);
  v1::QueryTrendsRequest march = Trends("psykisk-helse");
  march.set_bucket(v1::TREND_BUCKET_MONTH);
  march.add_instrument_ids("ors");
  auto lise = As("t-lise");
  auto rows = lise->QueryTrends(march);
  ASSERT_THAT(rows, IsOk());
  ASSERT_THAT(*rows, SizeIs(1));
  EXPECT_TRUE((*rows)[0].activity_suppressed());
  EXPECT_EQ((*rows)[0].activity().administrations(), 0);
  EXPECT_FALSE((*rows)[0].activity().has_mean_score());
  EXPECT_EQ((*rows)[0].small_cell_threshold(), 5);

  submit_client(5);
  rows = lise->QueryTrends(march);
  ASSERT_THAT(rows, IsOk());
  ASSERT_THAT(*rows, SizeIs(1));
  EXPECT_FALSE((*rows)[0].activity_suppressed());
  EXPECT_EQ((*rows)[0].activity().administrations(), 10);
  // Every form 5.1 + 6.0 + 7.3 + 8.9 = 27.3.
  EXPECT_DOUBLE_EQ((*rows)[0].activity().mean_score(), 27.3);

  // The same server without tokens: no threshold.
  server_ = std::make_unique<TestServer>();
  auto open = server_->NewClient();
  for (int n = 1; n <= 2; ++n) {
    auto r = OrsRequest(1, absl::StrCat("dev-", n));
    r.mutable_rating()->set_episode_id(absl::StrCat("e-dev-", n));
    ASSERT_THAT(open->SubmitRating(r), IsOk());
  }
  auto dev = open->QueryTrends(march);
  ASSERT_THAT(dev, IsOk());
  ASSERT_THAT(*dev, SizeIs(1));
  EXPECT_FALSE((*dev)[0].activity_suppressed());
  EXPECT_EQ((*dev)[0].activity().administrations(), 2);
  EXPECT_EQ((*dev)[0].small_cell_threshold(), 0);
}

}  // namespace
}  // namespace tilbake

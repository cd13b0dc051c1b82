// Bearer tokens and roles through a real server: who may call what, tenant
// fences (also with crafted ids), and tokens changed without a restart.
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/auth/tokens.h"
#include "tests/testing/proto_builders.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_server.h"
#include "tests/testing/token_entries.h"

namespace tilbake {
namespace {

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
                           << TokenEntry("root", "*", "admin", "t-root")
                           << TokenEntry("berit", "tenant-b", "clinician",
                                         "t-berit", "clinician_id: \"k-4\"")
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

}  // namespace
}  // namespace tilbake

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/auth/policy.h"
#include "server/auth/tokens.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/token_entries.h"

namespace tilbake::auth {
namespace {

using ::testing::HasSubstr;
using ::tilbake::testing::IsOk;
using ::tilbake::testing::StatusIs;
using ::tilbake::testing::TokenEntry;

TEST(HashTokenTest, IsSha256OfSaltAndToken) {
  // FIPS 180-2 test vectors (empty salt).
  EXPECT_EQ(HashToken("", "abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(HashToken("", ""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  // The salt's bytes come first: hex "6162" is "ab", so this is "abc".
  EXPECT_EQ(HashToken("6162", "c"), HashToken("", "abc"));
  EXPECT_THAT(NewToken(), ::testing::MatchesRegex("[0-9a-f]{64}"));
  EXPECT_NE(NewToken(), NewToken());
}

class TokenStoreTest : public ::testing::Test {
 protected:
  void Write(const std::string& text) {
    std::ofstream(path_) << text;
    // A new modification time even within the file system's resolution.
    static int bump = 0;
    std::filesystem::last_write_time(
        path_, std::filesystem::file_time_type::clock::now() +
                   std::chrono::seconds(++bump));
  }
  testing::TempDir dir_;
  std::string path_ = dir_.Sub("tokens.textpb");
};

TEST_F(TokenStoreTest, AuthenticatesByHashAndReloadsWhenTheFileChanges) {
  Write(TokenEntry("kari", "oslo", "clinician", "secret-1",
                   "clinician_id: \"k-4\"") +
        TokenEntry("dips", "oslo", "integration", "secret-2"));
  auto store = TokenStore::Load(path_);
  ASSERT_THAT(store, IsOk());
  auto kari = (*store)->Authenticate("Bearer secret-1");
  ASSERT_THAT(kari, IsOk());
  EXPECT_EQ(kari->name, "kari");
  EXPECT_EQ(kari->tenant_id, "oslo");
  EXPECT_EQ(kari->role, Role::kClinician);
  EXPECT_EQ(kari->clinician_id, "k-4");
  EXPECT_EQ((*store)->Authenticate("Bearer secret-2")->role,
            Role::kIntegration);
  EXPECT_THAT((*store)->Authenticate("Bearer secret-3"),
              StatusIs(absl::StatusCode::kUnauthenticated,
                       HasSubstr("unknown or revoked token")));
  EXPECT_THAT((*store)->Authenticate(""),
              StatusIs(absl::StatusCode::kUnauthenticated,
                       HasSubstr("no credentials")));
  EXPECT_THAT((*store)->Authenticate("secret-1"),
              StatusIs(absl::StatusCode::kUnauthenticated,
                       HasSubstr("expected \"Bearer <token>\"")));
  // Nothing changed: nothing reloaded.
  auto unchanged = (*store)->ReloadIfChanged();
  ASSERT_THAT(unchanged, IsOk());
  EXPECT_FALSE(*unchanged);

  // Revoke kari, add a quality lead: in force without a restart.
  Write(TokenEntry("dips", "oslo", "integration", "secret-2") +
        TokenEntry("lise", "oslo", "quality", "secret-4",
                   "org_unit: \"psykisk-helse\""));
  auto reloaded = (*store)->ReloadIfChanged();
  ASSERT_THAT(reloaded, IsOk());
  EXPECT_TRUE(*reloaded);
  EXPECT_THAT((*store)->Authenticate("Bearer secret-1"),
              StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_EQ((*store)->Authenticate("Bearer secret-4")->org_unit,
            "psykisk-helse");

  // A broken file keeps the tokens in force and says what is wrong.
  Write("token { name: \"x\" tenant_id: \"oslo\" role: \"boss\" }");
  EXPECT_THAT((*store)->ReloadIfChanged(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("token[0] (x): role: \"boss\"")));
  EXPECT_THAT((*store)->Authenticate("Bearer secret-4"), IsOk());
  // Reported once: until the file changes again it is not read again.
  auto quiet = (*store)->ReloadIfChanged();
  ASSERT_THAT(quiet, IsOk());
  EXPECT_FALSE(*quiet);

  // An empty file would lock everyone out: refused, the tokens stay.
  Write("");
  EXPECT_THAT((*store)->ReloadIfChanged(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("holds no token")));
  EXPECT_THAT((*store)->Authenticate("Bearer secret-4"), IsOk());
  Write("# all tokens removed\n");
  EXPECT_THAT((*store)->ReloadIfChanged(),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT((*store)->Authenticate("Bearer secret-2"), IsOk());
  // And at start-up.
  EXPECT_THAT(TokenStore::Load(path_),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("holds no token")));
}

TEST_F(TokenStoreTest, BadEntriesAreRefusedNamingTheEntry) {
  struct Row {
    std::string entry, message;
  };
  const std::string salt(32, 'a'), hash(64, 'b');
  const std::vector<Row> rows = {
      {absl::StrCat("token { name: \"k\" tenant_id: \"oslo\" role: "
                    "\"clinician\" salt: \"",
                    salt, "\" sha256: \"", hash, "\" }"),
       "token[0] (k): clinician_id: is required for a clinician"},
      {absl::StrCat("token { name: \"q\" tenant_id: \"*\" role: \"quality\" "
                    "salt: \"",
                    salt, "\" sha256: \"", hash, "\" }"),
       "tenant_id \"*\" is for admin tokens only"},
      {absl::StrCat("token { name: \"a\" tenant_id: \"oslo\" role: \"admin\" "
                    "salt: \"xyz\" sha256: \"",
                    hash, "\" }"),
       "salt: give 32 lower-case hex digits"},
      {"token { name: \"a\" role: \"admin\" }", "tenant_id: is required"},
      {absl::StrCat("token { name: \"a\" tenant_id: \"oslo\" role: \"admin\" "
                    "clinician_figures: true salt: \"",
                    salt, "\" sha256: \"", hash, "\" }"),
       "token[0] (a): clinician_figures: is for quality tokens"},
  };
  for (const Row& row : rows) {
    Write(row.entry);
    EXPECT_THAT(
        TokenStore::Load(path_),
        StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(row.message)))
        << row.entry;
  }
  EXPECT_THAT(TokenStore::Load(dir_.Sub("missing.textpb")),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST(PolicyTest, FiguresPerClinicianNeedTheGrantForQualityLeads) {
  const Principal lise{"lise", "oslo", Role::kQuality, "", "psyk"};
  Principal unni = lise;
  unni.clinician_figures = true;
  const Principal per{"per", "oslo", Role::kAdmin, "", ""};
  const Principal dips{"dips", "oslo", Role::kIntegration, "", ""};
  const Access by_clinician{
      .tenant_id = "oslo", .org_unit = "psyk", .per_clinician = true};
  const Access by_unit{.tenant_id = "oslo", .org_unit = "psyk"};
  EXPECT_THAT(Authorize(lise, Rpc::kQueryTrends, by_clinician),
              StatusIs(absl::StatusCode::kPermissionDenied,
                       HasSubstr("group_by: figures per clinician")));
  EXPECT_THAT(Authorize(lise, Rpc::kQueryTrends, by_unit), IsOk());
  EXPECT_FALSE(ReadsClinicianFigures(lise));
  EXPECT_FALSE(ReadsClinicianFigures(dips));  // Reads no aggregates.
  for (const Principal& p : {unni, per}) {
    EXPECT_THAT(Authorize(p, Rpc::kQueryTrends, by_clinician), IsOk())
        << p.name;
    EXPECT_TRUE(ReadsClinicianFigures(p)) << p.name;
  }
  // The grant widens no other fence.
  EXPECT_THAT(
      Authorize(
          unni, Rpc::kQueryTrends,
          {.tenant_id = "oslo", .org_unit = "rus", .per_clinician = true}),
      StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("org_unit")));
  const Principal kari{"kari", "oslo", Role::kClinician, "k-4", ""};
  EXPECT_FALSE(ReadsClinicianFigures(kari));
}

TEST(PolicyTest, TheOrgUnitFenceIsForAggregatesOnly) {
  const Principal lise{"lise", "oslo", Role::kQuality, "", "psyk"};
  for (Rpc rpc : {Rpc::kListInstruments, Rpc::kListRuleSets, Rpc::kWhoAmI}) {
    EXPECT_TRUE(Authorize(lise, rpc, {.tenant_id = "oslo"}).ok())
        << RpcName(rpc);
  }
  EXPECT_TRUE(Authorize(lise, Rpc::kQueryTrends,
                        {.tenant_id = "oslo", .org_unit = "psyk/nord"})
                  .ok());
  EXPECT_EQ(
      Authorize(lise, Rpc::kGetQualityReport, {.tenant_id = "oslo"}).code(),
      absl::StatusCode::kPermissionDenied);  // The whole tenant.
}

TEST(PolicyTest, EachRoleAgainstEachRpc) {
  const std::vector<Rpc> rpcs = {
      Rpc::kSubmitRating,  Rpc::kImportRatings,       Rpc::kGetEpisode,
      Rpc::kCloseEpisode,  Rpc::kListInstruments,     Rpc::kListRuleSets,
      Rpc::kQueryTrends,   Rpc::kGetQualityReport,    Rpc::kCreateBackup,
      Rpc::kQueryAuditLog, Rpc::kExportClient,        Rpc::kRequestErasure,
      Rpc::kDecideErasure, Rpc::kListErasureRequests, Rpc::kWhoAmI,
      Rpc::kListEpisodes,  Rpc::kCorrectRating,       Rpc::kVoidRating,
      Rpc::kRunRetention};
  struct Row {
    Role role;
    std::string allowed;  // One letter per rpc above: y or n.
  };
  // Submit Import Get Close ListI ListR Trends Report Backup | Audit Export
  // RequestErasure DecideErasure ListErasure WhoAmI ListEpisodes | Correct
  // Void RunRetention
  const std::vector<Row> rows = {
      {Role::kClinician,
       "ynyyyynnn"
       "nnnnnyy"
       "yyn"},
      {Role::kIntegration,
       "yyyyyynnn"
       "nnnnnyy"
       "nnn"},
      {Role::kQuality,
       "nnnnyyyyn"
       "nnnnnyn"
       "nnn"},
      {Role::kAdmin,
       "nnynyyyyy"
       "yyyyyyn"
       "yyy"},
  };
  for (const Row& row : rows) {
    Principal p{"someone", row.role == Role::kAdmin ? "*" : "oslo", row.role,
                "k-4", ""};
    for (size_t i = 0; i < rpcs.size(); ++i) {
      const absl::Status status =
          Authorize(p, rpcs[i], {.tenant_id = "oslo", .clinician_id = "k-4"});
      EXPECT_EQ(status.ok(), row.allowed[i] == 'y')
          << RoleName(row.role) << " " << RpcName(rpcs[i]) << ": " << status;
      if (!status.ok()) {
        EXPECT_EQ(status.code(), absl::StatusCode::kPermissionDenied);
      }
    }
  }
}

TEST(PolicyTest, TenantsClinicianIdsAndOrgUnitsAreFences) {
  const Principal kari{"kari", "oslo", Role::kClinician, "k-4", ""};
  EXPECT_THAT(Authorize(kari, Rpc::kGetEpisode, {.tenant_id = "bergen"}),
              StatusIs(absl::StatusCode::kPermissionDenied,
                       HasSubstr("this token is for tenant oslo only")));
  EXPECT_THAT(Authorize(kari, Rpc::kSubmitRating,
                        {.tenant_id = "oslo", .clinician_id = "k-5"}),
              StatusIs(absl::StatusCode::kPermissionDenied,
                       HasSubstr("submits their own ratings")));
  const Principal lise{"lise", "oslo", Role::kQuality, "", "psyk"};
  EXPECT_THAT(Authorize(lise, Rpc::kQueryTrends,
                        {.tenant_id = "oslo", .org_unit = "psyk/nord"}),
              IsOk());
  EXPECT_THAT(Authorize(lise, Rpc::kQueryTrends,
                        {.tenant_id = "oslo", .org_unit = "psykiatri"}),
              StatusIs(absl::StatusCode::kPermissionDenied,
                       HasSubstr("reads psyk and below only")));
  EXPECT_THAT(Authorize(lise, Rpc::kQueryTrends, {.tenant_id = "oslo"}),
              StatusIs(absl::StatusCode::kPermissionDenied));  // Whole tenant.
  const Principal tenant_admin{"per", "oslo", Role::kAdmin, "", ""};
  EXPECT_THAT(
      Authorize(tenant_admin, Rpc::kCreateBackup, {}),
      StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("tenant \"*\"")));
  // A tenant's admin reads and erases in their own tenant only.
  EXPECT_THAT(
      Authorize(tenant_admin, Rpc::kQueryAuditLog, {.tenant_id = "oslo"}),
      IsOk());
  for (Rpc rpc : {Rpc::kQueryAuditLog, Rpc::kExportClient, Rpc::kRequestErasure,
                  Rpc::kDecideErasure}) {
    EXPECT_THAT(Authorize(tenant_admin, rpc, {.tenant_id = "bergen"}),
                StatusIs(absl::StatusCode::kPermissionDenied,
                         HasSubstr("this token is for tenant oslo only")))
        << RpcName(rpc);
  }
}

}  // namespace
}  // namespace tilbake::auth

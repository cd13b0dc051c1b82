// tilbake-server's offline commands, run as the operator runs them.

#include <regex>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/auth/tokens.h"
#include "tests/testing/child_process.h"

namespace tilbake {
namespace {

using ::testing::HasSubstr;

testing::CommandRun Server(const std::string& args) {
  return testing::RunCommand(absl::StrCat(TILBAKE_SERVER_PATH, " ", args));
}

TEST(OfflineCommandsTest, MakesATokenAndAnEntryHoldingOnlyItsHash) {
  testing::CommandRun made =
      Server("token --name=dips-oslo --tenant=oslo --role=integration");
  ASSERT_EQ(made.exit_code, 0) << made.output;
  std::smatch token, salt, hash;
  ASSERT_TRUE(std::regex_search(made.output, token,
                                std::regex("^token: ([0-9a-f]{64})\n")));
  ASSERT_TRUE(std::regex_search(made.output, salt,
                                std::regex("salt: \"([0-9a-f]{32})\"")));
  ASSERT_TRUE(std::regex_search(made.output, hash,
                                std::regex("sha256: \"([0-9a-f]{64})\"")));
  EXPECT_EQ(hash[1].str(), auth::HashToken(salt[1].str(), token[1].str()));
  EXPECT_THAT(made.output, HasSubstr("role: \"integration\""));
  // The entry never holds the token itself.
  EXPECT_EQ(made.output.find(token[1].str(), 10), std::string::npos);
  testing::CommandRun clinician =
      Server("token --name=kari --tenant=oslo --role=clinician");
  EXPECT_EQ(clinician.exit_code, 2) << clinician.output;
  EXPECT_THAT(clinician.output, HasSubstr("--clinician is required"));
}

TEST(OfflineCommandsTest, RestoreWantsBothDirectoriesAndNamesTheMissingOne) {
  testing::CommandRun missing = Server("restore --backup_dir=/nonexistent");
  EXPECT_EQ(missing.exit_code, 2) << missing.output;
  EXPECT_THAT(missing.output, HasSubstr("--data_dir is required"));
  testing::CommandRun help = Server("restore --help");
  EXPECT_EQ(help.exit_code, 0) << help.output;
  EXPECT_THAT(help.output, HasSubstr("--backup_dir"));
}

}  // namespace
}  // namespace tilbake

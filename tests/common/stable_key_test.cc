#include "common/stable_key.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tilbake {
namespace {

TEST(StableKeyTest, HashIsFnv1a64) {
  // The published FNV-1a test vectors.
  EXPECT_EQ(StableHash(""), 0xcbf29ce484222325ull);
  EXPECT_EQ(StableHash("a"), 0xaf63dc4c8601ec8cull);
  EXPECT_EQ(StableHash("foobar"), 0x85944171f73967e8ull);
}

TEST(StableKeyTest, ReadableWhenTheIdentityIsAValidIdentifier) {
  EXPECT_EQ(StableKey("csv", "case-1:s1:ors"), "csv:case-1:s1:ors");
}

TEST(StableKeyTest, HashedWhenTooLongOrWithOtherCharacters) {
  const std::string key = StableKey("fhir", "Team Nord/case 1");
  EXPECT_THAT(key, ::testing::MatchesRegex("fhir-[0-9a-f]{32}"));
  EXPECT_EQ(key, StableKey("fhir", "Team Nord/case 1"));  // Stable.
  EXPECT_NE(key, StableKey("fhir", "Team Nord/case 2"));
  EXPECT_THAT(StableKey("csv", std::string(130, 'c')),
              ::testing::MatchesRegex("csv-[0-9a-f]{32}"));
}

}  // namespace
}  // namespace tilbake

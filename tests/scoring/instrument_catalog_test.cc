#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "scoring/instrument.h"
#include "tests/testing/status_matchers.h"

namespace tilbake::scoring {
namespace {

using ::testing::HasSubstr;
using ::tilbake::testing::IsOk;
using ::tilbake::testing::StatusIs;

InstrumentDefinition Def(std::string id, std::string version, bool current) {
  InstrumentDefinition d;
  d.id = std::move(id);
  d.version = std::move(version);
  d.current = current;
  d.items = {{.key = "a"}, {.key = "b"}};
  return d;
}

TEST(InstrumentCatalogTest, FindsCurrentVersionWhenNoneIsNamed) {
  auto catalog = InstrumentCatalog::Create(
      {Def("inspire", "3", false), Def("inspire", "4", true)});
  ASSERT_THAT(catalog, IsOk());
  auto found = catalog->Find("inspire", "");
  ASSERT_THAT(found, IsOk());
  EXPECT_EQ((*found)->version, "4");
  found = catalog->Find("inspire", "3");
  ASSERT_THAT(found, IsOk());
  EXPECT_EQ((*found)->version, "3");
}

TEST(InstrumentCatalogTest, UnknownIdIsInvalidUnknownVersionIsPrecondition) {
  auto catalog = InstrumentCatalog::Create({Def("ors", "1", true)});
  ASSERT_THAT(catalog, IsOk());
  EXPECT_THAT(catalog->Find("orz", ""),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("unknown instrument \"orz\"")));
  EXPECT_THAT(catalog->Find("ors", "9"),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("version \"9\" is not configured")));
}

TEST(InstrumentCatalogTest, RefusesDuplicatesAndMissingCurrent) {
  EXPECT_THAT(
      InstrumentCatalog::Create(
          {Def("ors", "1", true), Def("ors", "1", false)}),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("defined twice")));
  EXPECT_THAT(
      InstrumentCatalog::Create({Def("ors", "1", true), Def("ors", "2", true)}),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("two current versions")));
  EXPECT_THAT(InstrumentCatalog::Create({Def("ors", "1", false)}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("no current version")));
}

TEST(InstrumentCatalogTest, RefusesBadItemRanges) {
  InstrumentDefinition d = Def("x", "1", true);
  d.items[1].max = d.items[1].min;
  EXPECT_THAT(InstrumentCatalog::Create({d}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("items[1]: max must exceed min")));
  d = Def("x", "1", true);
  d.items[0].key = "b";
  EXPECT_THAT(
      InstrumentCatalog::Create({d}),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("appears twice")));
}

}  // namespace
}  // namespace tilbake::scoring

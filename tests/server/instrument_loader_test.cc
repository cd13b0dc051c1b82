#include "server/config/instrument_loader.h"

#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace tilbake::config {
namespace {

using ::testing::HasSubstr;
using ::testing::SizeIs;
using ::tilbake::testing::IsOk;
using ::tilbake::testing::StatusIs;

TEST(InstrumentLoaderTest, ShipsTheFitFamilyAsData) {
  auto catalog = LoadInstrumentCatalog("");
  ASSERT_THAT(catalog, IsOk());
  EXPECT_THAT(catalog->definitions(), SizeIs(6));
  auto ors = catalog->Find("ors", "");
  ASSERT_THAT(ors, IsOk());
  ASSERT_THAT((*ors)->items, SizeIs(4));
  EXPECT_EQ((*ors)->items[1].key, "interpersonal");
  EXPECT_EQ((*ors)->items[1].max, 100);  // 10.0 in tenths
  EXPECT_EQ((*ors)->items[1].step, 1);   // 0.1
  EXPECT_EQ((*ors)->total_max(), 400);
  EXPECT_TRUE((*ors)->accepts_total_only);
  auto ycors = catalog->Find("ycors", "");
  ASSERT_THAT(ycors, IsOk());
  EXPECT_FALSE((*ycors)->scored());
}

TEST(InstrumentLoaderTest, ASyntaxErrorNamesFileAndLine) {
  EXPECT_THAT(ParseInstrumentFile("x.textpb",
                                  "instrument {\n  id: \"a\"\n  nope: 1\n}"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("x.textpb: line 3:")));
}

TEST(InstrumentLoaderTest, ABadValueNamesInstrumentAndField) {
  const char* text = R"(
    instrument {
      id: "x" version: "1" current: true scoring: "sum"
      items { key: "a" min: 0 max: 10.05 step: 0.1 }
    })";
  EXPECT_THAT(ParseInstrumentFile("x.textpb", text),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("x.textpb: instrument[0] (x).items[0]: max: "
                                 "10.05 is not a whole number of tenths")));
  const char* method = R"(
    instrument { id: "x" version: "1" scoring: "mean" items { key: "a" max: 1 step: 1 } })";
  EXPECT_THAT(ParseInstrumentFile("y.textpb", method),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("y.textpb: instrument[0] (x).scoring")));
}

TEST(InstrumentLoaderTest, ExtraDirectoryAddsAndCannotRedefine) {
  testing::TempDir dir;
  std::ofstream(dir.Sub("local.textpb")) << R"(
    instrument { id: "ors" version: "1" current: true scoring: "sum"
                 items { key: "a" max: 10 step: 0.1 } })";
  EXPECT_THAT(LoadInstrumentCatalog(dir.path()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("ors version 1 is defined twice")));
  std::ofstream(dir.Sub("local.textpb"), std::ios::trunc) << R"(
    instrument { id: "local-scale" version: "1" current: true scoring: "sum"
                 items { key: "a" max: 4 step: 1 } })";
  auto catalog = LoadInstrumentCatalog(dir.path());
  ASSERT_THAT(catalog, IsOk());
  EXPECT_THAT(catalog->Find("local-scale", ""), IsOk());
  EXPECT_THAT(LoadInstrumentCatalog(dir.Sub("missing")),
              StatusIs(absl::StatusCode::kNotFound));
}

}  // namespace
}  // namespace tilbake::config

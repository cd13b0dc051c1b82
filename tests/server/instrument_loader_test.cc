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
  int fit = 0, inspire = 0;
  for (const auto& d : catalog->definitions()) {
    fit += d.family == "fit" ? 1 : 0;
    inspire += d.family == "inspire" ? 1 : 0;
  }
  EXPECT_EQ(fit, 6);      // ors cors ycors srs csrs gsrs
  EXPECT_EQ(inspire, 4);  // inspire 2015 + 2010, brief, brief-o
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

TEST(InstrumentLoaderTest, ShipsInspireVersionsAsData) {
  auto catalog = LoadInstrumentCatalog("");
  ASSERT_THAT(catalog, IsOk());
  struct Row {
    std::string id, version;
    size_t support, relationship;
  };
  for (const Row& row :
       {Row{"inspire", "2015", 20, 7}, Row{"inspire", "2010", 21, 8},
        Row{"brief-inspire", "2015", 0, 0},
        Row{"brief-inspire-o", "1", 0, 0}}) {
    auto d = catalog->Find(row.id, row.version);
    ASSERT_THAT(d, IsOk()) << row.id;
    size_t support = 0, relationship = 0, gated = 0;
    for (const auto& item : (*d)->items) {
      support += item.section == "support" ? 1 : 0;
      relationship += item.section == "relationship" ? 1 : 0;
      gated += item.importance_gate ? 1 : 0;
      EXPECT_EQ(item.max, 40) << item.key;  // 0–4 in tenths
      EXPECT_EQ(item.step, 10) << item.key;
    }
    EXPECT_EQ(support, row.support) << row.id << " " << row.version;
    EXPECT_EQ(relationship, row.relationship) << row.id << " " << row.version;
    EXPECT_EQ(gated, row.support) << row.id;  // every Support item is gated
  }
  EXPECT_EQ((*catalog->Find("inspire", ""))->version, "2015");
  EXPECT_EQ((*catalog->Find("brief-inspire-o", ""))->measures, "outcome");
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

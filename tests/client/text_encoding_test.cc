// Import files in the encodings spreadsheets save: checked or converted to
// UTF-8 before anything is sent.
#include "client/csv/text_encoding.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace tilbake::csv {
namespace {

using ::testing::HasSubstr;
using ::tilbake::testing::IsOk;
using ::tilbake::testing::StatusIs;

TEST(TextEncodingTest, Utf8IsKeptAsItIs) {
  const std::string text = "Team Nord/\xC3\x98st,p-bj\xC3\xB8rn\n\xE2\x82\xAC";
  auto out = ToUtf8(text, TextEncoding::kUtf8);
  ASSERT_THAT(out, IsOk());
  EXPECT_EQ(*out, text);
}

// A Latin-1 "ø" (0xF8) on line 2 at byte 12 (6 bytes of "a,b,c\n", 6 of
// "x,p-bj"): line and offset are named, and
// so are the encodings to try.
TEST(TextEncodingTest, Latin1ReadAsUtf8NamesLineAndByte) {
  const std::string text = "a,b,c\nx,p-bj\xF8rn,3\n";
  auto out = ToUtf8(text, TextEncoding::kUtf8);
  EXPECT_THAT(out, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(out.status().message(), HasSubstr("line 2, byte 12 (0xF8)"));
  EXPECT_THAT(out.status().message(), HasSubstr("--encoding=latin1"));
  EXPECT_THAT(out.status().message(), HasSubstr("--encoding=cp1252"));
}

struct Row {
  const char* name;
  std::string bytes;
  TextEncoding encoding;
  std::string utf8;
};

TEST(TextEncodingTest, ConvertsLatin1AndWindows1252) {
  const Row rows[] = {
      {"latin1 ø", "bj\xF8rn", TextEncoding::kLatin1, "bj\xC3\xB8rn"},
      {"latin1 Æ Å", "\xC6\xC5", TextEncoding::kLatin1, "\xC3\x86\xC3\x85"},
      {"latin1 0x80 is a C1 control", "\x80", TextEncoding::kLatin1,
       "\xC2\x80"},
      {"cp1252 euro", "\x80", TextEncoding::kCp1252, "\xE2\x82\xAC"},
      {"cp1252 en dash",
       "1\x96"
       "2",
       TextEncoding::kCp1252,
       "1\xE2\x80\x93"
       "2"},
      {"cp1252 ø as latin1", "bj\xF8rn", TextEncoding::kCp1252, "bj\xC3\xB8rn"},
      {"ascii unchanged", "a,b\r\n", TextEncoding::kCp1252, "a,b\r\n"},
  };
  for (const Row& row : rows) {
    auto out = ToUtf8(row.bytes, row.encoding);
    ASSERT_THAT(out, IsOk()) << row.name;
    EXPECT_EQ(*out, row.utf8) << row.name;
    EXPECT_THAT(ToUtf8(*out, TextEncoding::kUtf8), IsOk()) << row.name;
  }
}

TEST(TextEncodingTest, Cp1252UndefinedByteIsRefused) {
  auto out = ToUtf8("ok\n\x81", TextEncoding::kCp1252);
  EXPECT_THAT(out, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(out.status().message(), HasSubstr("line 2, byte 3 (0x81)"));
}

TEST(TextEncodingTest, InvalidUtf8SequencesAreFound) {
  const struct {
    const char* name;
    std::string bytes;
    int length;
  } rows[] = {
      {"ascii", "a", 1},
      {"two bytes", "\xC3\xB8", 2},
      {"three bytes", "\xE2\x82\xAC", 3},
      {"four bytes", "\xF0\x9F\x98\x80", 4},
      {"lone continuation", "\x80", 0},
      {"overlong slash", "\xC0\xAF", 0},
      {"surrogate", "\xED\xA0\x80", 0},
      {"above U+10FFFF", "\xF4\x90\x80\x80", 0},
      {"cut short", "\xE2\x82", 0},
      {"0xFF", "\xFF", 0},
  };
  for (const auto& row : rows) {
    EXPECT_EQ(Utf8SequenceLength(row.bytes), row.length) << row.name;
  }
}

TEST(TextEncodingTest, ParsesEncodingNames) {
  EXPECT_THAT(ParseTextEncoding("UTF-8"), IsOk());
  EXPECT_EQ(*ParseTextEncoding("Latin1"), TextEncoding::kLatin1);
  EXPECT_EQ(*ParseTextEncoding("iso-8859-1"), TextEncoding::kLatin1);
  EXPECT_EQ(*ParseTextEncoding("windows-1252"), TextEncoding::kCp1252);
  auto bad = ParseTextEncoding("ebcdic");
  EXPECT_THAT(bad, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(bad.status().message(), HasSubstr("--encoding"));
}

}  // namespace
}  // namespace tilbake::csv

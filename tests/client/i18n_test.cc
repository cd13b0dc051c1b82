#include "client/i18n/i18n.h"

#include "gtest/gtest.h"

namespace tilbake::i18n {
namespace {

TEST(ChooseLanguageTest, ChoiceThenAcceptLanguageByQualityThenEnglish) {
  struct Row {
    const char* choice;
    const char* accept;
    Language expected;
  };
  const Row rows[] = {
      {"", "nb-NO,nb;q=0.9,en;q=0.8", Language::kNb},
      {"", "da-DK", Language::kDa},
      {"", "no", Language::kNb},
      {"", "nn-NO", Language::kNb},
      {"", "de-DE,da;q=0.5,en;q=0.7", Language::kEn},  // en has the higher q
      {"", "de-DE", Language::kEn},
      {"", "", Language::kEn},
      {"", "da;q=abc,nb;q=0.1", Language::kNb},  // a broken q counts as 0
      {"da", "nb-NO", Language::kDa},            // the switch wins
      {"xx", "nb-NO", Language::kNb},            // an unknown choice is ignored
  };
  for (const Row& row : rows) {
    EXPECT_EQ(ChooseLanguage(row.choice, row.accept), row.expected)
        << row.choice << " / " << row.accept;
  }
}

TEST(TranslatorTest, NumbersAndDatesInEachLanguagesOwnFormat) {
  const Translator t;
  EXPECT_EQ(t.Number(Language::kNb, 0.754, 2), "0,75");
  EXPECT_EQ(t.Number(Language::kDa, 12.26, 1), "12,3");
  // A tie rounds to even, as printf does: the pages agree with the CLI.
  EXPECT_EQ(t.Number(Language::kEn, 12.25, 1), "12.2");
  EXPECT_EQ(t.Number(Language::kEn, -1.5, 1), "-1.5");
  EXPECT_EQ(t.Integer(Language::kEn, 12345), "12,345");
  EXPECT_EQ(t.Integer(Language::kDa, 12345), "12.345");
  v1::Date d;
  d.set_year(2026);
  d.set_month(3);
  d.set_day(1);
  EXPECT_EQ(t.Date(Language::kNb, d), "1. mars 2026");
  EXPECT_EQ(t.Date(Language::kDa, d), "1. marts 2026");
  EXPECT_EQ(t.Date(Language::kEn, d), "1 March 2026");
  EXPECT_EQ(t.Month(Language::kNb, 2026, 3), "mars 2026");
  EXPECT_EQ(t.Month(Language::kDa, 2026, 3, /*abbreviated=*/true), "mar. 2026");
}

TEST(TranslatorTest, MessagesFromTheEmbeddedCatalogs) {
  const Translator t;
  EXPECT_EQ(t.Translate(Language::kNb, "Quality report"), "Kvalitetsrapport");
  EXPECT_EQ(t.Translate(Language::kEn, "Quality report"), "Quality report");
  EXPECT_EQ(t.Translate(Language::kNb, "no such message"), "no such message");
}

}  // namespace
}  // namespace tilbake::i18n

#include "client/i18n/i18n.h"

#include <algorithm>
#include <iomanip>
#include <sstream>
#include <string_view>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "boost/locale.hpp"

namespace tilbake::i18n {

// The compiled catalogs, embedded by cmake/EmbedCatalogs.cmake.
std::vector<std::pair<std::string_view, std::string_view>> EmbeddedCatalogs();

namespace {

constexpr const char* kDomain = "tilbake";

// Boost.Locale asks for "<path>/<locale>/LC_MESSAGES/<domain>.mo"; the
// embedded catalog of that language answers, so nothing is read from disk.
std::vector<char> EmbeddedCatalog(const std::string& file_name,
                                  const std::string& /*encoding*/) {
  for (const auto& [language, bytes] : EmbeddedCatalogs()) {
    const std::string expected = absl::StrCat(
        "embedded/", absl::string_view(language.data(), language.size()),
        "/LC_MESSAGES/", kDomain, ".mo");
    if (file_name == expected) return {bytes.begin(), bytes.end()};
  }
  return {};
}

// Noon UTC of the day, for ICU's date formats (read back in UTC).
int64_t NoonOf(int year, int month, int day) {
  return absl::ToUnixSeconds(absl::FromCivil(
      absl::CivilHour(year, month, day, 12), absl::UTCTimeZone()));
}

}  // namespace

const LanguageInfo& InfoOf(Language language) {
  for (const LanguageInfo& info : kLanguages) {
    if (info.language == language) return info;
  }
  return kLanguages[2];  // Every enumerator is in the table.
}

std::optional<Language> ParseLanguage(absl::string_view code) {
  const std::string c = absl::AsciiStrToLower(code);
  if (c == "nb" || c == "no" || c == "nn") return Language::kNb;
  if (c == "da") return Language::kDa;
  if (c == "en") return Language::kEn;
  return std::nullopt;
}

Language ChooseLanguage(absl::string_view choice,
                        absl::string_view accept_language) {
  if (auto chosen = ParseLanguage(choice)) return *chosen;
  std::optional<Language> best;
  double best_q = 0;
  for (absl::string_view part : absl::StrSplit(accept_language, ',')) {
    std::vector<absl::string_view> fields = absl::StrSplit(part, ';');
    absl::string_view tag = absl::StripAsciiWhitespace(fields[0]);
    double q = 1;
    for (size_t i = 1; i < fields.size(); ++i) {
      absl::string_view f = absl::StripAsciiWhitespace(fields[i]);
      if (absl::ConsumePrefix(&f, "q=") && !absl::SimpleAtod(f, &q)) q = 0;
    }
    const absl::string_view primary = tag.substr(0, tag.find('-'));
    std::optional<Language> language = ParseLanguage(primary);
    if (language.has_value() && q > best_q) {
      best = language;
      best_q = q;
    }
  }
  return best.value_or(Language::kEn);
}

Translator::Translator() {
  boost::locale::generator generator;
  generator.use_ansi_encoding(false);
  for (const LanguageInfo& language : kLanguages) {
    std::locale base = generator(language.icu);
    boost::locale::gnu_gettext::messages_info info;
    info.language = language.code;
    info.encoding = "UTF-8";
    info.paths = {"embedded"};
    info.domains = {boost::locale::gnu_gettext::messages_info::domain(kDomain)};
    info.callback = EmbeddedCatalog;
    locales_.emplace(
        language.language,
        std::locale(
            base,
            boost::locale::gnu_gettext::create_messages_facet<char>(info)));
  }
}

const std::locale& Translator::LocaleFor(Language language) const {
  return locales_.at(language);
}

std::string Translator::Translate(Language language,
                                  const std::string& msgid) const {
  return boost::locale::translate(msgid).str(LocaleFor(language));
}

std::string Translator::Number(Language language, double value,
                               int decimals) const {
  std::ostringstream out;
  out.imbue(LocaleFor(language));
  out << boost::locale::as::number << std::fixed << std::setprecision(decimals)
      << value;
  return out.str();
}

std::string Translator::Integer(Language language, int64_t value) const {
  std::ostringstream out;
  out.imbue(LocaleFor(language));
  out << boost::locale::as::number << value;
  return out.str();
}

std::string Translator::Date(Language language, const v1::Date& date) const {
  std::ostringstream out;
  out.imbue(LocaleFor(language));
  out << boost::locale::as::gmt << boost::locale::as::date
      << boost::locale::as::date_long
      << NoonOf(date.year(), date.month(), date.day());
  return out.str();
}

std::string Translator::Month(Language language, int year, int month,
                              bool abbreviated) const {
  std::ostringstream out;
  out.imbue(LocaleFor(language));
  out << boost::locale::as::gmt
      << boost::locale::as::ftime(abbreviated ? "%b %Y" : "%B %Y")
      << NoonOf(year, month, 1);
  return out.str();
}

}  // namespace tilbake::i18n

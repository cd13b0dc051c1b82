#ifndef TILBAKE_CLIENT_I18N_I18N_H_
#define TILBAKE_CLIENT_I18N_I18N_H_

#include <locale>
#include <map>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "tilbake/v1/feedback.pb.h"

// The pages' languages: Norwegian bokmål, Danish and English. Messages come
// from gettext catalogs (client/i18n/po/*.po, English msgids) through
// Boost.Locale, numbers and dates are formatted by ICU in the language's
// own way (decimal comma in nb and da). No system locale is needed.
namespace tilbake::i18n {

enum class Language { kNb, kDa, kEn };

// The one table of languages: code, ICU locale, and the name the language
// has for itself (the switch on every page shows it).
struct LanguageInfo {
  Language language;
  const char* code;  // "nb": the html lang attribute and the switch.
  const char* icu;   // "nb_NO.UTF-8"
  const char* name;  // "Norsk bokmål"
};
inline constexpr LanguageInfo kLanguages[] = {
    {Language::kNb, "nb", "nb_NO.UTF-8", "Norsk bokmål"},
    {Language::kDa, "da", "da_DK.UTF-8", "Dansk"},
    {Language::kEn, "en", "en_GB.UTF-8", "English"},
};

const LanguageInfo& InfoOf(Language language);
// "nb", "da", "en".
inline const char* LanguageCode(Language language) {
  return InfoOf(language).code;
}
std::optional<Language> ParseLanguage(absl::string_view code);

// The language for a request: an explicit choice (the switch on every page)
// wins; then the best match in Accept-Language by q-value ("no", "nn" and
// "nb" mean bokmål; "da" Danish; "en" English); English otherwise.
Language ChooseLanguage(absl::string_view choice,
                        absl::string_view accept_language);

class Translator {
 public:
  // Loads the embedded catalogs. Thread-safe after construction.
  Translator();

  // The msgid's translation; the msgid itself (English) where none.
  std::string Translate(Language language, const std::string& msgid) const;

  // 12,3 (nb, da) or 12.3 (en), with `decimals` digits after the mark.
  std::string Number(Language language, double value, int decimals) const;
  // A whole number with the language's grouping: 12 345 / 12.345 / 12,345.
  std::string Integer(Language language, int64_t value) const;
  // "1. mars 2026", "1. marts 2026", "1 March 2026".
  std::string Date(Language language, const v1::Date& date) const;
  // "mars 2026" (a month bucket); abbreviated "mar. 2026" (chart ticks).
  std::string Month(Language language, int year, int month,
                    bool abbreviated = false) const;

 private:
  const std::locale& LocaleFor(Language language) const;
  std::map<Language, std::locale> locales_;
};

}  // namespace tilbake::i18n

#endif  // TILBAKE_CLIENT_I18N_I18N_H_

// classifiers/language.h
//
// DetectLanguage(): language identification with CLD2 on the text exactly as
// the user sent it (not the normalised text: normalisation removes evidence
// such as Arabic diacritics and Cyrillic ё that CLD2 relies on).
//
// Thread-safety: pure function; CLD2's tables are static and read-only.
#ifndef MODERATED_CLASSIFIERS_LANGUAGE_H_
#define MODERATED_CLASSIFIERS_LANGUAGE_H_

#include <string>
#include <string_view>

namespace moderated::classifiers {

struct Language {
  std::string code;       // ISO 639-1 where one exists ("en", "ar", "ru"), "und" if unknown
  bool reliable = false;  // CLD2's is_reliable flag
  bool operator==(const Language&) const = default;
};

// `hint` is an optional language code from the site ("ar", "ru-RU", "en");
// it nudges CLD2 for short or ambiguous text but never overrides clear
// evidence. Empty or unknown hints are ignored.
Language DetectLanguage(std::string_view utf8, std::string_view hint = {});

}  // namespace moderated::classifiers

#endif  // MODERATED_CLASSIFIERS_LANGUAGE_H_

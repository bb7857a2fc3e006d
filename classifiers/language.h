// classifiers/language.h
//
// DetectLanguage(): language identification with CLD2 on the text exactly as
// the user sent it (not the normalised text: normalisation removes evidence
// such as Arabic diacritics and Cyrillic ё that CLD2 relies on).
//
// Correction (measured with Debian's CLD2): CLD2 does NOT rely on Arabic
// diacritics; it answers "und" for fully vocalised Arabic sentences that it
// recognises without tashkeel. So DetectLanguage() removes exactly Arabic
// tashkeel (U+064B..U+065F, U+0670), tatweel (U+0640) and default-ignorable
// (invisible) characters before CLD2 sees the text; everything else, case
// and ё included, is passed as sent.
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
//
// How: CLD2 runs on the text alone first; only if that answer is not reliable
// does it run again with the hint, and the hinted answer is used if it names
// a language. The code is that of the language of most of the text (not
// CLD2's "summary", which prefers any other language over English).
// Input that is not valid UTF-8 yields {"und", false}. Time is linear in the
// input length; callers bound the length.
Language DetectLanguage(std::string_view utf8, std::string_view hint = {});

}  // namespace moderated::classifiers

#endif  // MODERATED_CLASSIFIERS_LANGUAGE_H_

// classifiers/language.h
//
// DetectLanguage(): the language of a comment, decided for moderation: which
// rules and which model apply, and whether the site accepts the language.
//
// CLD2 alone is not enough for that. It calls short Russian "sr", "bg" or
// unknown, Russian spam written with Greek and small-capital look-alikes
// "el", and most short Arabic comments unknown. So CLD2 is one input of a
// small decision that also uses the script of the letters, the client's hint
// and the languages the site declares.
//
// ---- The decision ---------------------------------------------------------
//
// 1. Clean up. Invalid UTF-8 → "und". Tokens that are not language are
//    dropped: URLs (http://, https://, www., anything with ://), e-mail
//    addresses and @mentions (kept only when the text has nothing else), and
//    HTML entities (&amp; &#8220;). Invisible characters (default-ignorables:
//    zero-width, bidi controls, soft hyphen), Arabic tashkeel and tatweel are
//    removed: they break the n-grams CLD2 reads.
//
// 2. Skeleton. In a word (a run of letters) that mixes Latin, Cyrillic and
//    Greek letters (small capitals such as ᴧ ᴇ ᴄ ʙ included), the word's
//    script is the one with the most letters that have no look-alike in the
//    others ("decisive" letters: Cyrillic д л ю я, Latin f g l w...; а/a,
//    о/o, р/p, ᴄ/с are not decisive). Ties, and words made only of
//    look-alikes ("Bce", "ᴛᴏ"), take the script with the most decisive
//    letters in the whole text. The word's letters are then replaced by their
//    look-alikes in that script, so "Нaбuрaю в кoмaндy" and
//    "ᴧюдᴇй дᴧя ᴄᴏᴛᴩудничᴇᴄᴛʙᴀ" become plain Russian. Small capitals,
//    fullwidth and mathematical letters left in Latin words become ASCII.
//    The look-alike table is written out in language.cc: ICU's confusables
//    data maps to Latin only and knows no Cyrillic for small capitals.
//
// 3. Script. Each word gets the script of most of its letters; the text's
//    script is the one with the most words, where a word in Arabic, Cyrillic
//    or another non-Latin script counts twice: Latin words inside an Arabic
//    or Russian sentence are mostly names, brands and technical terms, the
//    reverse is rare. One-letter words and laughter (one letter repeated,
//    "hhhhh") are not counted. No words: the script with the most letters.
//    No letters at all → "und".
//
// 4. CLD2 runs once, on the words of the text's script (words in other
//    scripts become spaces, so its percentages are shares of that script's
//    text). CLD2 is CONFIDENT about its top language L when all hold:
//      - CLD2's is_reliable flag is set;
//      - L has at least kConfidentPercent (80) % of the text (is_reliable
//        is about CLD2's summary language, which is not L when L is English
//        and another language follows);
//      - the text has at least kConfidentLetters (12) letters in its script;
//      - L is written in the text's script, and the letters fit L:
//        Cyrillic: uk, bg, sr, mk have no ы or э; a language other than
//        Russian must show a letter Russian does not have (і ї є ґ ў ј љ њ
//        ћ ђ џ ѓ ќ ѕ ѝ ә қ ң ө ү ...) or, for Bulgarian, ъ used as a vowel
//        (Russian writes ъ only before е ё ю я);
//        Arabic script: Persian, Urdu, Pashto, Kurdish and Sindhi write yeh
//        and kaf as ی ک (ے ې ۍ ڪ ګ), Arabic as ي ك; a language other than
//        Arabic needs more of the former than of the latter.
//    CLD2's normalised score is not used: its scale differs per language
//    (English ~1000-1700, Cyrillic languages ~300-800).
//    In Arabic and Cyrillic script CLD2 is not run at all when its answer
//    cannot matter: the letters show no other language and there is no hint
//    for another one. Most Arabic and Russian comments are decided by their
//    script in ~2 µs.
//
// 5. Decide, by the text's script:
//    Arabic script (default "ar") and Cyrillic (default "ru"):
//      a. CLD2 confident about L and the site allows L → L        (kCld2)
//      b. the hint: a language written in the script whose letters do not
//         rule it out (ы/э, yeh/kaf above), allowed by the site, and CLD2
//         not confident about another language                    (kHint)
//      c. the site does not allow the default: the first site language
//         written in the script whose letters do not rule it out   (kSite)
//      d. the default: "ar" / "ru"                                 (kScript)
//      So Cyrillic text is Serbian or Bulgarian only when CLD2 is confident,
//      the letters show it and the site (if it declares languages) allows
//      it, or the client says so and the site allows it.
//    Latin script (default "en"):
//      a. CLD2 confident about L → L, whatever the site declares, so that
//         the site's language policy can act on it                (kCld2)
//      b. Arabizi (below) and the site allows "ar" → "ar"         (kArabizi)
//      c. the hint, if a Latin-script language the site allows    (kHint)
//      d. the site declares Latin-script languages: CLD2's best guess if it
//         is one of them, else the first one                       (kSite)
//      e. "en"                                                     (kScript)
//    Any other script (Greek, Hebrew, CJK, ...): CLD2's best guess (kCld2)
//    or "und" (kNone).
//
//    Arabizi (Latin-script Arabic): at least 2 words, and at least a fifth
//    of the words, that are either a word with one of the digits 3, 5, 7, 9
//    written for ع خ ح ق ("m3a", "ma3rft" - a letter on both sides - or a
//    leading digit and letters only: "3lach", "7mar", but not "3rd", "5pm",
//    "9h", nor "f3e9" with as many digits as letters) or one of ~60 frequent
//    Moroccan, Levantine, Egyptian and Gulf words that are not English or
//    French ("dyal", "wach", "bzaf", "ghir", "kifach", "chno", "ktir"...).
//    It only runs when CLD2 is not confident, so French with one borrowed
//    word ("wallah") stays French.
//
// ---- Hint and site languages ----------------------------------------------
//
// `hint`: the client's language tag ("ar", "ru-RU", "en_GB", "RU"); its
// primary subtag is used. Empty, malformed or unknown tags are ignored, and
// so is a hint whose language is not written in the text's script (an Arabic
// comment sent from a Russian form with hint "ru" is Arabic).
// `site_languages`: the site's declared languages (tags as above); empty
// means "every language".
//
// ---- Reliability -----------------------------------------------------------
//
// `reliable` says the text itself backs the code, so that a policy may act on
// it (e.g. hold a language the site does not accept):
//   kCld2: CLD2 was confident (other scripts: CLD2's is_reliable);
//   kScript, kHint, kSite in Arabic or Cyrillic script: at least
//     kReliableLetters (10) letters in that script (the script alone rules
//     out every language of other scripts);
//   everything else (Latin without a confident CLD2, Arabizi, "und"): false.
//
// ---- Cost, errors, threads -------------------------------------------------
//
// One pass over the text plus at most one CLD2 call: CLD2's cost plus ~2 µs
// for Latin text, ~2 µs in all for most Arabic and Russian text
// (bench/language_bench.cc). Time and memory are linear in the input length;
// callers bound the length. Nothing throws; bad input yields "und".
// Thread-safety: pure function; the tables are static and read-only.
#ifndef MODERATED_CLASSIFIERS_LANGUAGE_H_
#define MODERATED_CLASSIFIERS_LANGUAGE_H_

#include <string>
#include <string_view>
#include <vector>

namespace moderated::classifiers {

// What decided Language::code (see "The decision" above).
enum class LanguageSource {
  kNone,     // no letters or invalid UTF-8: "und"
  kCld2,     // CLD2 was confident (or, outside Latin/Cyrillic/Arabic, CLD2's guess)
  kScript,   // the default language of the script: ar, ru, en
  kHint,     // the client's hint
  kSite,     // the site's declared languages
  kArabizi,  // Latin-script Arabic
};

// "none", "cld2", "script", "hint", "site", "arabizi": for verdicts and logs.
const char* LanguageSourceName(LanguageSource source);

struct Language {
  std::string code;       // ISO 639-1 where one exists ("en", "ar", "ru"), "und" if unknown
  bool reliable = false;  // see "Reliability" above
  std::string script;     // ISO 15924 of the text's script ("Arab", "Cyrl", "Latn"); "" if no letters
  LanguageSource source = LanguageSource::kNone;
  bool operator==(const Language&) const = default;
};

// Tunables of the decision, exposed for the tests and the documentation.
inline constexpr int kConfidentPercent = 80;
inline constexpr int kConfidentLetters = 12;
inline constexpr int kReliableLetters = 10;

// The language of `utf8` (see the decision above). `hint` and
// `site_languages` may be empty. Input that is not valid UTF-8 yields
// {"und", false, "", kNone}.
Language DetectLanguage(std::string_view utf8, std::string_view hint = {},
                        const std::vector<std::string>& site_languages = {});

}  // namespace moderated::classifiers

#endif  // MODERATED_CLASSIFIERS_LANGUAGE_H_

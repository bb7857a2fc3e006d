// classifiers/language.cc
//
// The decision is documented in language.h. The code follows its steps:
// Prepare() does steps 1-3 in one pass (clean-up, skeleton, letter counts)
// and builds the text CLD2 sees; Cld2() is step 4; DetectLanguage() is step 5.
#include "classifiers/language.h"

#include <cstdio>  // compact_lang_det.h uses FILE without including it
#include <cld2/public/compact_lang_det.h>
#include <cld2/public/encodings.h>

#include <unicode/uchar.h>
#include <unicode/uscript.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <array>
#include <climits>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "base/encoding.h"
#include "classifiers/normalizer.h"

namespace moderated::classifiers {
namespace {

// ---- scripts of letters ----------------------------------------------------

// The scripts the decision treats specially; every other script is kOther
// (its UScriptCode is kept for counting).
enum class Sc : uint8_t { kNotLetter, kLatin, kCyrillic, kGreek, kArabic, kOther };

constexpr bool IsAsciiLetter(UChar32 c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }

// Latin letters that are not ASCII but stand for ASCII ones: fullwidth
// (Ａ ａ), mathematical alphanumerics (𝐀 𝑎 𝖆, script Common in Unicode) and
// small capitals (ᴀ ʙ ᴄ, which are Latin script). Returns 0 for others.
UChar32 LatinToAscii(UChar32 c) {
  if (c >= 0xFF21 && c <= 0xFF3A) return c - 0xFF21 + 'A';
  if (c >= 0xFF41 && c <= 0xFF5A) return c - 0xFF41 + 'a';
  if (c >= 0x1D400 && c <= 0x1D6A3) {  // 13 alphabets of 52 letters (A-Z a-z)
    const int i = (c - 0x1D400) % 52;
    return i < 26 ? 'A' + i : 'a' + (i - 26);
  }
  switch (c) {
    case 0x1D00: return 'a';  // ᴀ
    case 0x0299: return 'b';  // ʙ
    case 0x1D04: return 'c';  // ᴄ
    case 0x1D05: return 'd';  // ᴅ
    case 0x1D07: return 'e';  // ᴇ
    case 0xA730: return 'f';  // ꜰ
    case 0x0262: return 'g';  // ɢ
    case 0x029C: return 'h';  // ʜ
    case 0x026A: return 'i';  // ɪ
    case 0x1D0A: return 'j';  // ᴊ
    case 0x1D0B: return 'k';  // ᴋ
    case 0x029F: return 'l';  // ʟ
    case 0x1D0D: return 'm';  // ᴍ
    case 0x0274: return 'n';  // ɴ
    case 0x1D0F: return 'o';  // ᴏ
    case 0x1D18: return 'p';  // ᴘ
    case 0x0280: return 'r';  // ʀ
    case 0xA731: return 's';  // ꜱ
    case 0x1D1B: return 't';  // ᴛ
    case 0x1D1C: return 'u';  // ᴜ
    case 0x1D20: return 'v';  // ᴠ
    case 0x1D21: return 'w';  // ᴡ
    case 0x028F: return 'y';  // ʏ
    case 0x1D22: return 'z';  // ᴢ
    default: return 0;
  }
}

// The Russian look-alike of a Latin (ASCII, small capital) or Greek letter,
// or 0. These are the substitutions Russian spam uses: shapes that read as
// the Cyrillic letter in common fonts (a → а, u → и, n → п, ᴧ → л).
constexpr UChar32 ToCyrillic(UChar32 c) {
  switch (c) {
    // ASCII lower case
    case 'a': return 0x0430;  // а
    case 'c': return 0x0441;  // с
    case 'e': return 0x0435;  // е
    case 'k': return 0x043A;  // к
    case 'm': return 0x043C;  // м
    case 'n': return 0x043F;  // п
    case 'o': return 0x043E;  // о
    case 'p': return 0x0440;  // р
    case 'r': return 0x0433;  // г
    case 'u': return 0x0438;  // и
    case 'x': return 0x0445;  // х
    case 'y': return 0x0443;  // у
    // ASCII upper case
    case 'A': return 0x0410;  // А
    case 'B': return 0x0412;  // В
    case 'C': return 0x0421;  // С
    case 'E': return 0x0415;  // Е
    case 'H': return 0x041D;  // Н
    case 'K': return 0x041A;  // К
    case 'M': return 0x041C;  // М
    case 'O': return 0x041E;  // О
    case 'P': return 0x0420;  // Р
    case 'T': return 0x0422;  // Т
    case 'X': return 0x0425;  // Х
    case 'Y': return 0x0423;  // У
    // Latin small capitals (they look like Cyrillic lower case)
    case 0x1D00: return 0x0430;  // ᴀ → а
    case 0x0299: return 0x0432;  // ʙ → в
    case 0x1D04: return 0x0441;  // ᴄ → с
    case 0x1D05: return 0x0434;  // ᴅ → д
    case 0x1D07: return 0x0435;  // ᴇ → е
    case 0x1D08: return 0x0437;  // ᴈ → з
    case 0x029C: return 0x043D;  // ʜ → н
    case 0x1D0B: return 0x043A;  // ᴋ → к
    case 0x1D0D: return 0x043C;  // ᴍ → м
    case 0x1D0E: return 0x0438;  // ᴎ → и
    case 0x1D0F: return 0x043E;  // ᴏ → о
    case 0x1D18: return 0x0440;  // ᴘ → р
    case 0x1D19: return 0x044F;  // ᴙ → я
    case 0x1D1B: return 0x0442;  // ᴛ → т
    case 0x028F: return 0x0443;  // ʏ → у
    // Greek small capitals
    case 0x1D26: return 0x0433;  // ᴦ → г
    case 0x1D27: return 0x043B;  // ᴧ → л
    case 0x1D28: return 0x043F;  // ᴨ → п
    case 0x1D29: return 0x0440;  // ᴩ → р
    // Greek lower case
    case 0x03B1: return 0x0430;  // α → а
    case 0x03B2: return 0x0432;  // β → в
    case 0x03B3: return 0x0443;  // γ → у
    case 0x03B5: return 0x0435;  // ε → е
    case 0x03BA: return 0x043A;  // κ → к
    case 0x03BB: return 0x043B;  // λ → л
    case 0x03BF: return 0x043E;  // ο → о
    case 0x03C0: return 0x043F;  // π → п
    case 0x03C1: return 0x0440;  // ρ → р
    case 0x03C4: return 0x0442;  // τ → т
    case 0x03C6: return 0x0444;  // φ → ф
    case 0x03C7: return 0x0445;  // χ → х
    case 0x03F2: return 0x0441;  // ϲ → с
    // Greek upper case
    case 0x0391: return 0x0410;  // Α
    case 0x0392: return 0x0412;  // Β
    case 0x0393: return 0x0413;  // Γ
    case 0x0395: return 0x0415;  // Ε
    case 0x0397: return 0x041D;  // Η
    case 0x039A: return 0x041A;  // Κ
    case 0x039B: return 0x041B;  // Λ
    case 0x039C: return 0x041C;  // Μ
    case 0x039F: return 0x041E;  // Ο
    case 0x03A0: return 0x041F;  // Π
    case 0x03A1: return 0x0420;  // Ρ
    case 0x03A4: return 0x0422;  // Τ
    case 0x03A5: return 0x0423;  // Υ
    case 0x03A6: return 0x0424;  // Φ
    case 0x03A7: return 0x0425;  // Χ
    // Cyrillic small capital el (U+1D2B, already Cyrillic script)
    case 0x1D2B: return 0x043B;  // ᴫ → л
    default: return 0;
  }
}

// The ASCII look-alike of a Cyrillic or Greek letter, or 0 (the inverse of
// ToCyrillic() plus the Cyrillic letters of other languages that look Latin).
UChar32 ToLatin(UChar32 c) {
  switch (c) {
    case 0x0430: return 'a';  // а
    case 0x0441: return 'c';  // с
    case 0x0435: return 'e';  // е
    case 0x043A: return 'k';  // к
    case 0x043C: return 'm';  // м
    case 0x043F: return 'n';  // п
    case 0x043E: return 'o';  // о
    case 0x0440: return 'p';  // р
    case 0x0433: return 'r';  // г
    case 0x0438: return 'u';  // и
    case 0x0445: return 'x';  // х
    case 0x0443: return 'y';  // у
    case 0x0456: return 'i';  // і
    case 0x0458: return 'j';  // ј
    case 0x0455: return 's';  // ѕ
    case 0x04BB: return 'h';  // һ
    case 0x0501: return 'd';  // ԁ
    case 0x051B: return 'q';  // ԛ
    case 0x051D: return 'w';  // ԝ
    case 0x0410: return 'A';
    case 0x0412: return 'B';
    case 0x0421: return 'C';
    case 0x0415: return 'E';
    case 0x041D: return 'H';
    case 0x041A: return 'K';
    case 0x041C: return 'M';
    case 0x041E: return 'O';
    case 0x0420: return 'P';
    case 0x0422: return 'T';
    case 0x0425: return 'X';
    case 0x0423: return 'Y';
    case 0x0406: return 'I';  // І
    case 0x0408: return 'J';  // Ј
    case 0x0405: return 'S';  // Ѕ
    case 0x03B1: return 'a';  // α
    case 0x03B9: return 'i';  // ι
    case 0x03BA: return 'k';  // κ
    case 0x03BD: return 'v';  // ν
    case 0x03BF: return 'o';  // ο
    case 0x03C1: return 'p';  // ρ
    case 0x03C4: return 't';  // τ
    case 0x03C5: return 'u';  // υ
    case 0x03C7: return 'x';  // χ
    case 0x0391: return 'A';
    case 0x0392: return 'B';
    case 0x0395: return 'E';
    case 0x0396: return 'Z';
    case 0x0397: return 'H';
    case 0x0399: return 'I';
    case 0x039A: return 'K';
    case 0x039C: return 'M';
    case 0x039D: return 'N';
    case 0x039F: return 'O';
    case 0x03A1: return 'P';
    case 0x03A4: return 'T';
    case 0x03A5: return 'Y';
    case 0x03A7: return 'X';
    default: return 0;
  }
}

// A letter that has no look-alike in the other two of Latin, Cyrillic and
// Greek: it tells which script its word is written in.
bool IsDecisive(UChar32 c, Sc sc) {
  // ASCII letters: a table (this runs once or twice per byte of English).
  static constexpr std::array<bool, 128> kAsciiDecisive = [] {
    std::array<bool, 128> table{};
    for (UChar32 a = 0; a < 128; ++a) {
      table[a] = IsAsciiLetter(a) && ToCyrillic(a) == 0;
    }
    return table;
  }();
  if (c < 0x80) return kAsciiDecisive[c];
  switch (sc) {
    case Sc::kLatin: return ToCyrillic(c) == 0 && LatinToAscii(c) == 0;
    case Sc::kCyrillic: return ToLatin(c) == 0 && ToCyrillic(c) == 0;
    case Sc::kGreek: return ToLatin(c) == 0 && ToCyrillic(c) == 0;
    default: return sc != Sc::kNotLetter;
  }
}

// ---- per-language letters ---------------------------------------------------

bool IsRussianLetter(UChar32 c) {
  return (c >= 0x0410 && c <= 0x044F) || c == 0x0401 || c == 0x0451;  // А-я, Ё ё
}
// е ё ю я: the only letters Russian writes after ъ.
bool IsIotatedVowel(UChar32 c) {
  switch (c) {
    case 0x0435: case 0x0451: case 0x044E: case 0x044F:
    case 0x0415: case 0x0401: case 0x042E: case 0x042F:
      return true;
    default:
      return false;
  }
}
bool IsYeryOrE(UChar32 c) {  // ы Ы э Э: Russian and Belarusian only
  return c == 0x044B || c == 0x042B || c == 0x044D || c == 0x042D;
}
// Yeh and kaf as Persian, Urdu, Pashto, Kurdish and Sindhi write them.
bool IsPersianYehKaf(UChar32 c) {
  switch (c) {
    case 0x06A9:  // ک keheh
    case 0x06AA:  // ڪ swash kaf
    case 0x06AB:  // ګ kaf with ring
    case 0x06CC:  // ی farsi yeh
    case 0x06CD:  // ۍ yeh with tail
    case 0x06D0:  // ې e
    case 0x06D2:  // ے yeh barree
      return true;
    default:
      return false;
  }
}
bool IsArabicYehKaf(UChar32 c) { return c == 0x064A || c == 0x0643; }  // ي ك

// ---- languages and scripts --------------------------------------------------

bool In(std::string_view code, std::initializer_list<std::string_view> codes) {
  return std::find(codes.begin(), codes.end(), code) != codes.end();
}

bool WrittenInCyrillic(std::string_view code) {
  return In(code, {"ru", "uk", "be", "bg", "sr", "mk", "kk", "ky", "tg", "mn", "tt", "ba", "cv",
                   "os", "ab", "ce"});
}
bool WrittenInArabic(std::string_view code) {
  return In(code, {"ar", "fa", "ur", "ps", "ku", "ckb", "sd", "ug", "ks"});
}
// Languages never written in Latin letters (those written in both, such as
// sr, kk, tt, ku, az and uz, are not here).
bool NeverLatin(std::string_view code) {
  return In(code, {"ru", "uk", "be", "bg", "mk", "ky", "tg", "mn", "ba", "cv", "os", "ab", "ce",
                   "ar", "fa", "ur", "ps", "ckb", "sd", "ug", "ks", "el", "he", "yi", "zh", "ja",
                   "ko", "th", "hi", "mr", "ne", "bn", "pa", "gu", "or", "ta", "te", "kn", "ml",
                   "si", "my", "km", "lo", "ka", "hy", "am", "ti", "dv", "bo", "iu", "chr", "syr"});
}

bool WrittenIn(std::string_view code, Sc sc) {
  switch (sc) {
    case Sc::kLatin: return !NeverLatin(code);
    case Sc::kCyrillic: return WrittenInCyrillic(code);
    case Sc::kArabic: return WrittenInArabic(code);
    default: return true;
  }
}

const char* DefaultLanguage(Sc sc) {
  switch (sc) {
    case Sc::kLatin: return "en";
    case Sc::kCyrillic: return "ru";
    case Sc::kArabic: return "ar";
    default: return nullptr;
  }
}

// ---- step 1-3: the prepared text --------------------------------------------

struct Prepared {
  std::string for_cld2;  // cleaned skeleton, UTF-8
  std::string latin_words;  // lower-case ASCII letters and digits of Latin words, space-separated
  Sc script = Sc::kNotLetter;
  UScriptCode other_script = USCRIPT_COMMON;  // when script == kOther
  int letters = 0;         // letters in `script`
  int non_russian_cyrillic = 0;
  int yery_or_e = 0;
  int hard_sign_vowel = 0;  // ъ not before е ё ю я: a Bulgarian vowel
  int addresses = 0;        // dropped URLs, e-mail addresses, @mentions
  bool kept_addresses = false;  // addresses were all the text had: kept
  int persian_yeh_kaf = 0;
  int arabic_yeh_kaf = 0;
};

struct Unit {
  UChar32 cp;
  Sc sc;                     // script of this letter (kNotLetter: not a letter)
  Sc word = Sc::kNotLetter;  // script of the word it is in (kNotLetter: no word)
};

bool HidesEvidence(UChar32 c) {
  if ((c >= 0x064B && c <= 0x065F) || c == 0x0670 || c == 0x0640) return true;
  // Greek, Cyrillic, Arabic...: no default-ignorables but U+061C (fast path).
  if (c >= 0x0370 && c < 0x1100) return c == 0x061C;
  return u_hasBinaryProperty(c, UCHAR_DEFAULT_IGNORABLE_CODE_POINT);
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

bool StartsWithNoCase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if ((s[i] | 0x20) != prefix[i]) return false;
  }
  return true;
}

// A whitespace-separated token that is an address, not words.
bool IsAddressToken(std::string_view token) {
  if (token.size() > 1 && token[0] == '@') return true;  // @mention
  if (StartsWithNoCase(token, "http://") || StartsWithNoCase(token, "https://") ||
      StartsWithNoCase(token, "www.")) {
    return true;
  }
  if (token.find("://") != std::string_view::npos) return true;
  const size_t at = token.find('@');  // e-mail address
  return at != std::string_view::npos && token.find('.', at) != std::string_view::npos;
}

// The length of an HTML entity ("&amp;", "&#8220;", "&#x1F600;") at the start
// of `s`, or 0.
size_t EntityLength(std::string_view s) {
  if (s.size() < 3 || s[0] != '&') return 0;
  for (size_t i = 1; i < s.size() && i <= 10; ++i) {
    const char c = s[i];
    if (c == ';') return i > 1 ? i + 1 : 0;
    if (!(IsAsciiLetter(c) || (c >= '0' && c <= '9') || (c == '#' && i == 1))) return 0;
  }
  return 0;
}

// The script of `c` if it is a letter (general category L*), else kNotLetter.
// Mathematical letters (script Common in Unicode) count as Latin.
Sc ScriptOfLetter(UChar32 c) {
  if (c < 0x80) return IsAsciiLetter(c) ? Sc::kLatin : Sc::kNotLetter;
  if ((U_GET_GC_MASK(c) & U_GC_L_MASK) == 0) return Sc::kNotLetter;
  // Fast paths for the blocks of the languages this project sees most.
  if (c >= 0x0400 && c <= 0x04FF) return Sc::kCyrillic;
  if (c >= 0x0620 && c <= 0x06FF) return Sc::kArabic;
  if (LatinToAscii(c) != 0) return Sc::kLatin;
  UErrorCode status = U_ZERO_ERROR;
  switch (uscript_getScript(c, &status)) {
    case USCRIPT_LATIN: return Sc::kLatin;
    case USCRIPT_CYRILLIC: return Sc::kCyrillic;
    case USCRIPT_GREEK: return Sc::kGreek;
    case USCRIPT_ARABIC: return Sc::kArabic;
    case USCRIPT_COMMON:
    case USCRIPT_INHERITED:
    case USCRIPT_INVALID_CODE: return Sc::kNotLetter;
    default: return Sc::kOther;
  }
}

int Index(Sc sc) { return static_cast<int>(sc); }

// Step 2 on one word units[begin, end): the word's script, then every letter
// of another of Latin/Cyrillic/Greek becomes its look-alike in that script.
void Skeleton(std::vector<Unit>* units, size_t begin, size_t end, Sc text_decisive_script) {
  std::array<int, 6> decisive{};
  std::array<int, 6> present{};
  bool non_ascii_latin = false;
  for (size_t i = begin; i < end; ++i) {
    const Unit& u = (*units)[i];
    ++present[Index(u.sc)];
    if (IsDecisive(u.cp, u.sc)) ++decisive[Index(u.sc)];
    non_ascii_latin = non_ascii_latin || (u.sc == Sc::kLatin && u.cp >= 0x80);
  }
  const int kinds = (present[Index(Sc::kLatin)] > 0) + (present[Index(Sc::kCyrillic)] > 0) +
                    (present[Index(Sc::kGreek)] > 0);
  const bool only_lookalikes =
      kinds > 0 &&
      decisive[Index(Sc::kLatin)] + decisive[Index(Sc::kCyrillic)] + decisive[Index(Sc::kGreek)] == 0;
  const bool text_is_latin_or_cyrillic =
      text_decisive_script == Sc::kLatin || text_decisive_script == Sc::kCyrillic;
  Sc target = Sc::kNotLetter;  // none: the word stays as it is
  if (kinds >= 2 && !only_lookalikes) {
    const int latin = decisive[Index(Sc::kLatin)];
    const int cyrillic = decisive[Index(Sc::kCyrillic)];
    const int greek = decisive[Index(Sc::kGreek)];
    if (greek > latin && greek > cyrillic) {
      target = Sc::kNotLetter;  // a Greek word: left to CLD2
    } else if (latin > cyrillic) {
      target = Sc::kLatin;
    } else if (cyrillic > latin) {
      target = Sc::kCyrillic;
    } else if (text_is_latin_or_cyrillic) {
      target = text_decisive_script;
    }
  } else if (only_lookalikes && text_is_latin_or_cyrillic &&
             (kinds >= 2 || non_ascii_latin || present[Index(Sc::kGreek)] > 0)) {
    // "Bce" (Latin B), "ᴛᴏ", "ρο": nothing in the word says which script it
    // is. A word in plain ASCII or plain Cyrillic ("как", "cop") stays as
    // it is.
    target = text_decisive_script;
  }
  if (target == Sc::kNotLetter && !non_ascii_latin) return;  // nothing to change
  for (size_t i = begin; i < end; ++i) {
    Unit& u = (*units)[i];
    if (u.sc != Sc::kLatin && u.sc != Sc::kCyrillic && u.sc != Sc::kGreek) continue;
    if (target == Sc::kCyrillic && u.sc != Sc::kCyrillic) {
      UChar32 mapped = ToCyrillic(u.cp);
      if (mapped == 0 && u.sc == Sc::kLatin) mapped = ToCyrillic(LatinToAscii(u.cp));
      if (mapped != 0) u = {mapped, Sc::kCyrillic};
    } else if (target == Sc::kCyrillic && u.cp == 0x1D2B) {
      u.cp = 0x043B;  // ᴫ → л
    } else if (target == Sc::kLatin && u.sc != Sc::kLatin) {
      const UChar32 mapped = ToLatin(u.cp);
      if (mapped != 0) u = {mapped, Sc::kLatin};
    }
    if (u.sc == Sc::kLatin && u.cp >= 0x80) {
      const UChar32 ascii = LatinToAscii(u.cp);
      if (ascii != 0) u.cp = ascii;
    }
  }
}

// Sets the script of the word units[begin, end) (the script of most of its
// letters, non-Latin on a tie) and adds the word to the count of that script.
// Not counted: one-letter words (too little evidence: "a", "и", "و") and
// one letter repeated three or more times ("hhhhh", "kkkk": laughter).
void CountWord(std::vector<Unit>* units, size_t begin, size_t end, std::array<int, 6>* words) {
  std::array<int, 6> letters{};
  bool repeated = true;
  int length = 0;
  UChar32 first = 0;
  for (size_t i = begin; i < end; ++i) {
    const Unit& u = (*units)[i];
    if (u.sc == Sc::kNotLetter) continue;
    ++letters[Index(u.sc)];
    ++length;
    const UChar32 lower = u.cp < 0x80 ? (u.cp | 0x20) : u_tolower(u.cp);
    if (first == 0) first = lower;
    repeated = repeated && lower == first;
  }
  Sc word_script = Sc::kNotLetter;
  for (Sc sc : {Sc::kArabic, Sc::kCyrillic, Sc::kGreek, Sc::kOther, Sc::kLatin}) {
    if (letters[Index(sc)] > (word_script == Sc::kNotLetter ? 0 : letters[Index(word_script)])) {
      word_script = sc;
    }
  }
  for (size_t i = begin; i < end; ++i) (*units)[i].word = word_script;
  const bool laughter = repeated && length >= 3;
  if (length >= 2 && !laughter && word_script != Sc::kNotLetter) {
    ++(*words)[Index(word_script)];
  }
}

// Step 1: the text as code points with their scripts, addresses, entities
// and invisible characters dropped. `decisive` counts the letters that
// decide a mixed word's script; `non_ascii_letters` says whether step 2 has
// anything to do.
std::vector<Unit> ReadUnits(std::string_view text, bool drop_addresses, Prepared* p,
                            std::array<int, 6>* decisive, bool* non_ascii_letters) {
  // At most one unit per input byte; written by index (push_back's capacity
  // check costs a measurable share of the whole function).
  std::vector<Unit> units(text.size());
  size_t n = 0;
  const auto* bytes = reinterpret_cast<const uint8_t*>(text.data());
  const int32_t length = static_cast<int32_t>(text.size());
  int32_t i = 0;
  bool token_start = true;
  while (i < length) {
    if (token_start && !IsSpace(text[i])) {
      int32_t end = i;
      while (end < length && !IsSpace(text[end])) ++end;
      token_start = false;
      if (drop_addresses && IsAddressToken(text.substr(i, end - i))) {
        ++p->addresses;
        units[n++] = {' ', Sc::kNotLetter};
        i = end;
        continue;
      }
    }
    if (bytes[i] == '&') {
      const size_t entity = EntityLength(text.substr(i));
      if (entity > 0) {
        units[n++] = {' ', Sc::kNotLetter};
        i += static_cast<int32_t>(entity);
        continue;
      }
    }
    UChar32 c;
    if (bytes[i] < 0x80) {
      c = bytes[i++];
      if (IsSpace(static_cast<char>(c))) token_start = true;
    } else {
      U8_NEXT_OR_FFFD(bytes, i, length, c);
      if (HidesEvidence(c)) continue;
    }
    const Sc sc = ScriptOfLetter(c);
    units[n++] = {c, sc};
    *non_ascii_letters = *non_ascii_letters || (c >= 0x80 && sc != Sc::kNotLetter);
    if (IsDecisive(c, sc)) ++(*decisive)[Index(sc)];
  }
  units.resize(n);
  return units;
}

// Step 2, word by word (a word: letters and combining marks): look-alikes
// become the word's script; returns the words per script.
std::array<int, 6> SkeletonWords(const std::array<int, 6>& decisive, bool non_ascii_letters,
                                 std::vector<Unit>* units) {
  Sc text_decisive_script = Sc::kNotLetter;
  for (Sc sc : {Sc::kLatin, Sc::kCyrillic, Sc::kGreek, Sc::kArabic, Sc::kOther}) {
    if (decisive[Index(sc)] > 0 &&
        (text_decisive_script == Sc::kNotLetter ||
         decisive[Index(sc)] > decisive[Index(text_decisive_script)])) {
      text_decisive_script = sc;
    }
  }
  std::array<int, 6> words{};
  for (size_t w = 0; w < units->size();) {
    if ((*units)[w].sc == Sc::kNotLetter) {
      ++w;
      continue;
    }
    size_t end = w + 1;
    while (end < units->size() &&
           ((*units)[end].sc != Sc::kNotLetter ||
            (U_GET_GC_MASK((*units)[end].cp) & U_GC_M_MASK) != 0)) {
      ++end;
    }
    if (non_ascii_letters) Skeleton(units, w, end, text_decisive_script);
    CountWord(units, w, end, &words);
    w = end;
  }
  return words;
}

// Step 3, part one: letters per script, and the letter evidence CLD2's
// answer is checked against (non-Russian Cyrillic, ы/э, ъ before a vowel,
// Persian or Arabic yeh and kaf). `others` counts the letters of each
// script outside the four we know.
std::array<int, 6> CountLetters(const std::vector<Unit>& units, Prepared* p,
                                std::array<int, USCRIPT_CODE_LIMIT>* others) {
  std::array<int, 6> counts{};
  for (size_t k = 0; k < units.size(); ++k) {
    const Unit& u = units[k];
    if (u.sc == Sc::kNotLetter) continue;
    ++counts[Index(u.sc)];
    if (u.sc == Sc::kOther) {
      UErrorCode status = U_ZERO_ERROR;
      const UScriptCode code = uscript_getScript(u.cp, &status);
      if (code >= 0 && code < USCRIPT_CODE_LIMIT) ++(*others)[code];
    } else if (u.sc == Sc::kCyrillic) {
      if (!IsRussianLetter(u.cp)) ++p->non_russian_cyrillic;
      if (IsYeryOrE(u.cp)) ++p->yery_or_e;
      if ((u.cp == 0x044A || u.cp == 0x042A) &&
          !(k + 1 < units.size() && IsIotatedVowel(units[k + 1].cp))) {
        ++p->hard_sign_vowel;
      }
    } else if (u.sc == Sc::kArabic) {
      if (IsPersianYehKaf(u.cp)) ++p->persian_yeh_kaf;
      if (IsArabicYehKaf(u.cp)) ++p->arabic_yeh_kaf;
    }
  }
  return counts;
}

// Step 3, part two: the text's script is the script with the most words, a
// word in another script counting twice a Latin word (Latin words inside
// Arabic or Russian sentences are mostly names, brands and technical terms;
// the reverse is rare); the most letters if there are no words.
Sc ChooseScript(const std::array<int, 6>& words, const std::array<int, 6>& counts) {
  Sc script = Sc::kNotLetter;
  int best = 0;
  for (Sc sc : {Sc::kArabic, Sc::kCyrillic, Sc::kGreek, Sc::kOther, Sc::kLatin}) {
    const int score = words[Index(sc)] * (sc == Sc::kLatin ? 1 : 2);
    if (score > best) {
      best = score;
      script = sc;
    }
  }
  if (best > 0) return script;
  for (Sc sc : {Sc::kArabic, Sc::kCyrillic, Sc::kGreek, Sc::kOther, Sc::kLatin}) {
    if (counts[Index(sc)] > best) {
      best = counts[Index(sc)];
      script = sc;
    }
  }
  return script;
}

// The text for CLD2: the words of the text's script, with the spaces,
// digits and punctuation between them (a word in another script becomes
// one space), so that CLD2's percentages are shares of that script's text.
// And the ASCII words and numbers for the Arabizi test.
void WriteCld2Text(const std::vector<Unit>& units, size_t size_hint, Prepared* p) {
  p->for_cld2.reserve(size_hint);
  bool latin_word = false;
  for (size_t k = 0; k < units.size(); ++k) {
    const Unit& u = units[k];
    if (u.word == Sc::kNotLetter || u.word == p->script) {
      base::AppendUtf8(static_cast<uint32_t>(u.cp), &p->for_cld2);
    } else if (k == 0 || units[k - 1].word != u.word) {
      p->for_cld2.push_back(' ');
    }
    const bool ascii_alnum = u.cp < 0x80 && (IsAsciiLetter(u.cp) || (u.cp >= '0' && u.cp <= '9'));
    if (ascii_alnum) {
      if (!latin_word && !p->latin_words.empty()) p->latin_words.push_back(' ');
      p->latin_words.push_back(static_cast<char>(u.cp | (IsAsciiLetter(u.cp) ? 0x20 : 0)));
    }
    latin_word = ascii_alnum;
  }
}

// Steps 1-3. `text` is valid UTF-8 shorter than INT_MAX. With
// `drop_addresses` false, URLs and the like are kept as text.
void Prepare(std::string_view text, bool drop_addresses, Prepared* p) {
  std::array<int, 6> decisive{};
  bool non_ascii_letters = false;
  std::vector<Unit> units = ReadUnits(text, drop_addresses, p, &decisive, &non_ascii_letters);
  const std::array<int, 6> words = SkeletonWords(decisive, non_ascii_letters, &units);
  std::array<int, USCRIPT_CODE_LIMIT> others{};
  const std::array<int, 6> counts = CountLetters(units, p, &others);
  p->script = ChooseScript(words, counts);
  if (p->script == Sc::kNotLetter) return;
  p->letters = counts[Index(p->script)];
  if (p->script == Sc::kOther) {
    p->other_script = static_cast<UScriptCode>(
        std::max_element(others.begin(), others.end()) - others.begin());
  }
  WriteCld2Text(units, text.size(), p);
}

std::string ScriptName(const Prepared& p) {
  UScriptCode code = USCRIPT_COMMON;
  switch (p.script) {
    case Sc::kNotLetter: return "";
    case Sc::kLatin: code = USCRIPT_LATIN; break;
    case Sc::kCyrillic: code = USCRIPT_CYRILLIC; break;
    case Sc::kGreek: code = USCRIPT_GREEK; break;
    case Sc::kArabic: code = USCRIPT_ARABIC; break;
    case Sc::kOther: code = p.other_script; break;
  }
  const char* name = uscript_getShortName(code);
  return name != nullptr ? name : "";
}

// ---- step 4: CLD2 -------------------------------------------------------------

bool IsUnknown(CLD2::Language language) {
  return language == CLD2::UNKNOWN_LANGUAGE || language == CLD2::TG_UNKNOWN_LANGUAGE;
}

// CLD2 code → ISO 639-1 where one exists, else the 639-2/3 code CLD2 uses.
std::string ToIsoCode(CLD2::Language language) {
  if (IsUnknown(language)) return "und";
  const char* code = CLD2::LanguageCode(language);
  if (code == nullptr || std::strncmp(code, "xx", 2) == 0) {
    return "und";  // CLD2's "xx-Latn" etc.: a script, not a language
  }
  std::string result(code);
  result = result.substr(0, result.find('-'));  // "zh-Hant" → "zh", "sr-ME" → "sr"
  if (result == "iw") return "he";  // CLD2 keeps the withdrawn codes
  if (result == "jw") return "jv";
  if (result == "in") return "id";
  if (result == "ji") return "yi";
  if (result == "un") return "und";
  return result;
}

struct Cld2Answer {
  std::string code = "und";  // the language of most of the text
  int percent = 0;
  bool reliable = false;  // CLD2's is_reliable
};

Cld2Answer Cld2(std::string_view text) {
  CLD2::CLDHints hints = {nullptr, nullptr, CLD2::UNKNOWN_ENCODING, CLD2::UNKNOWN_LANGUAGE};
  // CLD2 leaves these unwritten when it stops early (e.g. at bytes that
  // are not UTF-8), so they start as "nothing found".
  CLD2::Language language3[3] = {CLD2::UNKNOWN_LANGUAGE, CLD2::UNKNOWN_LANGUAGE,
                                 CLD2::UNKNOWN_LANGUAGE};
  int percent3[3] = {0, 0, 0};
  double normalized_score3[3] = {0, 0, 0};
  int text_bytes = 0;
  bool reliable = false;
  int valid_prefix_bytes = 0;
  CLD2::Language summary = CLD2::ExtDetectLanguageSummaryCheckUTF8(
      text.data(), static_cast<int>(text.size()), /*is_plain_text=*/true, &hints, /*flags=*/0,
      language3, percent3, normalized_score3, /*resultchunkvector=*/nullptr, &text_bytes,
      &reliable, &valid_prefix_bytes);
  Cld2Answer answer;
  // CLD2's summary prefers any other language over English when English is
  // on top (web-page boilerplate); a comment has none, so take the language
  // of most of the text.
  if (!IsUnknown(language3[0])) {
    answer.code = ToIsoCode(language3[0]);
    answer.percent = percent3[0];
  } else {
    answer.code = ToIsoCode(summary);
  }
  answer.reliable = reliable && answer.code != "und";
  return answer;
}

// The letters do not rule out `code` (language.h, "Alphabet fit").
bool AlphabetAllows(std::string_view code, const Prepared& p) {
  if (p.script == Sc::kCyrillic) {
    return p.yery_or_e == 0 || !In(code, {"uk", "bg", "sr", "mk"});
  }
  if (p.script == Sc::kArabic && code != "ar") return p.persian_yeh_kaf > p.arabic_yeh_kaf;
  return true;
}

// The letters show something that the script's default language lacks.
bool AlphabetShows(std::string_view code, const Prepared& p) {
  if (p.script == Sc::kCyrillic && code != "ru") {
    return p.non_russian_cyrillic > 0 || (code == "bg" && p.hard_sign_vowel > 0);
  }
  return AlphabetAllows(code, p);
}

// Some language other than the script's default could pass the alphabet
// tests (Cyrillic and Arabic script).
bool OtherLanguageVisible(const Prepared& p) {
  if (p.script == Sc::kCyrillic) {
    return p.non_russian_cyrillic > 0 || (p.hard_sign_vowel > 0 && p.yery_or_e == 0);
  }
  if (p.script == Sc::kArabic) return p.persian_yeh_kaf > p.arabic_yeh_kaf;
  return true;
}

bool Confident(const Cld2Answer& cld2, const Prepared& p) {
  return cld2.reliable && cld2.percent >= kConfidentPercent && p.letters >= kConfidentLetters &&
         WrittenIn(cld2.code, p.script) && AlphabetAllows(cld2.code, p) &&
         AlphabetShows(cld2.code, p);
}

// ---- Arabizi --------------------------------------------------------------------

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsArabiziDigit(char c) { return c == '3' || c == '5' || c == '7' || c == '9'; }

// Frequent Maghrebi, Levantine, Egyptian and Gulf words in Latin letters that
// are neither English nor French words.
bool IsArabiziWord(std::string_view w) {
  // Sorted, for binary search.
  static constexpr std::string_view kWords[] = {
      "bach", "bezzaf", "bghina", "bghit", "bghiti", "bnadem", "bzaf", "bzzaf", "chno",
      "chnou", "daba", "dial", "dialna", "dyal", "dyali", "dyalna", "enta", "enti", "ezayak",
      "fiha", "ghadi", "ghir", "hada", "hadak", "hadchi", "hadi", "hadik", "hiya", "hna",
      "homa", "howa", "kayen", "kayn", "kayna", "khoya", "khti", "kifach", "kifash", "kolchi",
      "kteer", "ktir", "machi", "mezyan", "mish", "mzyan", "nta", "nti", "rah", "raha", "safi",
      "shou", "shu", "wach", "wakha", "walo", "wla", "wlad", "zwin", "zwina"};
  return std::binary_search(std::begin(kWords), std::end(kWords), w);
}

// "3rd", "5pm", "7kg", "9h": a number with a unit or an English/French
// ordinal, not a word.
bool IsNumberWithSuffix(std::string_view w) {
  size_t i = 0;
  while (i < w.size() && IsDigit(w[i])) ++i;
  const std::string_view suffix = w.substr(i);
  return In(suffix, {"st", "nd", "rd", "th", "s", "am", "pm", "k", "m", "g", "h", "d", "x",
                     "min", "mins", "kg", "km", "cm", "mm", "gb", "mb", "hz", "px", "p", "v",
                     "e", "eme", "er", "ere", "ans", "j"});
}

bool IsArabiziEvidence(std::string_view w) {
  if (IsArabiziWord(w)) return true;
  const auto digits = std::count_if(w.begin(), w.end(), IsDigit);
  if (2 * digits >= static_cast<std::ptrdiff_t>(w.size())) return false;  // "f3e9", "4u"
  for (size_t i = 0; i < w.size(); ++i) {
    if (!IsArabiziDigit(w[i])) continue;
    const bool letter_before = i > 0 && IsAsciiLetter(w[i - 1]);
    const bool letter_after = i + 1 < w.size() && IsAsciiLetter(w[i + 1]);
    if (letter_before && letter_after) return true;  // "m3a", "ma3rft"
    if (i == 0 && letter_after && w.size() >= 3 && !IsNumberWithSuffix(w)) {
      // "3la", "7mar": a leading digit followed by letters only.
      bool letters_only = true;
      for (size_t j = 1; j < w.size(); ++j) letters_only = letters_only && IsAsciiLetter(w[j]);
      if (letters_only) return true;
    }
  }
  return false;
}

bool LooksArabizi(std::string_view latin_words) {
  int words = 0;
  int evidence = 0;
  size_t i = 0;
  while (i < latin_words.size()) {
    size_t end = latin_words.find(' ', i);
    if (end == std::string_view::npos) end = latin_words.size();
    const std::string_view w = latin_words.substr(i, end - i);
    i = end + 1;
    if (std::none_of(w.begin(), w.end(), [](char c) { return IsAsciiLetter(c); })) continue;
    ++words;
    if (IsArabiziEvidence(w)) ++evidence;
  }
  return evidence >= 2 && evidence * 5 >= words;
}

// ---- step 5 ---------------------------------------------------------------------

// "ar", "ru-RU", "en_GB", "RU" → "ar", "ru", "en", "ru"; "" if not a language
// CLD2 knows (withdrawn codes become current ones: "iw" → "he").
std::string ParseTag(std::string_view tag) {
  char primary[4];
  size_t n = 0;
  for (char c : tag) {
    if (c == '-' || c == '_') break;
    if (n == 3) return "";
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c < 'a' || c > 'z') return "";
    primary[n++] = c;
  }
  if (n < 2) return "";
  primary[n] = '\0';
  const std::string code = ToIsoCode(CLD2::GetLanguageFromName(primary));
  return code == "und" ? "" : code;
}

}  // namespace

const char* LanguageSourceName(LanguageSource source) {
  switch (source) {
    case LanguageSource::kNone: return "none";
    case LanguageSource::kCld2: return "cld2";
    case LanguageSource::kScript: return "script";
    case LanguageSource::kHint: return "hint";
    case LanguageSource::kSite: return "site";
    case LanguageSource::kArabizi: return "arabizi";
  }
  return "none";
}

namespace {

// What DetectLanguage decides from, for text in a script that has a default
// language.
struct Evidence {
  const Prepared& p;
  const char* default_code;
  std::vector<std::string> site;  // the site's languages, as codes
  std::string hinted;             // a usable hint, else empty
  Cld2Answer cld2;
  bool confident = false;

  bool Allowed(std::string_view code) const {
    return site.empty() || std::find(site.begin(), site.end(), code) != site.end();
  }
};

Evidence Gather(const Prepared& p, const char* default_code, std::string_view hint,
                const std::vector<std::string>& site_languages) {
  Evidence e{p, default_code};
  e.site.reserve(site_languages.size());
  for (const std::string& s : site_languages) {
    std::string code = ParseTag(s);
    if (!code.empty()) e.site.push_back(std::move(code));
  }
  e.hinted = ParseTag(hint);
  if (!e.hinted.empty() &&
      (!WrittenIn(e.hinted, p.script) || !AlphabetAllows(e.hinted, p) || !e.Allowed(e.hinted))) {
    e.hinted.clear();  // unusable
  }
  // In Arabic and Cyrillic script CLD2 can change the answer only if the
  // letters show another language, or a hint names another language (which
  // a confident CLD2 overrules). Otherwise the answer is the default
  // whatever CLD2 says, and CLD2 (most of the cost) is not run.
  const bool cld2_matters = p.script == Sc::kLatin || OtherLanguageVisible(p) ||
                            (!e.hinted.empty() && e.hinted != default_code);
  e.cld2 = cld2_matters ? Cld2(p.for_cld2) : Cld2Answer();
  e.confident = Confident(e.cld2, p);
  if (e.confident && e.cld2.code != e.hinted) e.hinted.clear();  // the text says otherwise
  return e;
}

Language Decided(Language result, std::string code, bool reliable, LanguageSource source) {
  result.code = std::move(code);
  result.reliable = reliable;
  result.source = source;
  return result;
}

Language DecideLatin(const Evidence& e, const Language& result) {
  if (e.confident) return Decided(result, e.cld2.code, true, LanguageSource::kCld2);
  if (!e.p.kept_addresses && e.Allowed("ar") && LooksArabizi(e.p.latin_words)) {
    return Decided(result, "ar", false, LanguageSource::kArabizi);
  }
  if (!e.hinted.empty()) return Decided(result, e.hinted, false, LanguageSource::kHint);
  if (!e.site.empty()) {
    if (WrittenIn(e.cld2.code, Sc::kLatin) && e.Allowed(e.cld2.code)) {
      return Decided(result, e.cld2.code, false, LanguageSource::kSite);
    }
    for (const std::string& code : e.site) {
      if (WrittenIn(code, Sc::kLatin)) return Decided(result, code, false, LanguageSource::kSite);
    }
  }
  return Decided(result, e.default_code, false, LanguageSource::kScript);
}

// Arabic and Cyrillic script.
Language DecideArabicOrCyrillic(const Evidence& e, const Language& result) {
  const bool many_letters = e.p.letters >= kReliableLetters;
  if (e.confident && e.Allowed(e.cld2.code)) {
    return Decided(result, e.cld2.code, true, LanguageSource::kCld2);
  }
  if (!e.hinted.empty()) return Decided(result, e.hinted, many_letters, LanguageSource::kHint);
  if (!e.Allowed(e.default_code)) {
    for (const std::string& code : e.site) {
      if (WrittenIn(code, e.p.script) && AlphabetAllows(code, e.p)) {
        return Decided(result, code, many_letters, LanguageSource::kSite);
      }
    }
  }
  return Decided(result, e.default_code, many_letters, LanguageSource::kScript);
}

}  // namespace

Language DetectLanguage(std::string_view utf8, std::string_view hint,
                        const std::vector<std::string>& site_languages) {
  if (utf8.size() > static_cast<size_t>(INT_MAX / 4) || !IsValidUtf8(utf8)) {
    return {"und", false, "", LanguageSource::kNone};
  }
  Prepared p;
  Prepare(utf8, /*drop_addresses=*/true, &p);
  if (p.script == Sc::kNotLetter && p.addresses > 0) {
    // Nothing but addresses: their letters are all the evidence there is.
    p = Prepared();
    Prepare(utf8, /*drop_addresses=*/false, &p);
    p.kept_addresses = true;
  }
  Language result{"und", false, ScriptName(p), LanguageSource::kNone};
  if (p.script == Sc::kNotLetter) return result;

  const char* const default_code = DefaultLanguage(p.script);
  if (default_code == nullptr) {  // another script: CLD2 as it is
    const Cld2Answer cld2 = Cld2(p.for_cld2);
    if (cld2.code != "und") {
      result.code = cld2.code;
      result.reliable = cld2.reliable;
      result.source = LanguageSource::kCld2;
    }
    return result;
  }
  const Evidence e = Gather(p, default_code, hint, site_languages);
  return p.script == Sc::kLatin ? DecideLatin(e, result) : DecideArabicOrCyrillic(e, result);
}

}  // namespace moderated::classifiers

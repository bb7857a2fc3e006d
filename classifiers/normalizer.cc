// classifiers/normalizer.cc
//
// Implementation notes.
//
// The input is decoded once into a UTF-16 buffer (what ICU's C API wants),
// with invisible characters already dropped and, for every UTF-16 unit, the
// input byte span of the code point it came from. NFKC_Casefold then runs in
// two modes: prefixes that ICU's quick check proves already normalised are
// copied code point by code point (each keeps its own, exact origin); the rest
// is cut at normalisation boundaries (hasBoundaryBefore) and every segment is
// normalised on its own, so each output code point maps back to its segment.
// Steps 3-6 then work on a vector of (code point, origin) units, which makes
// the offset map exact by construction: units are only dropped, replaced in
// place or merged (white space), never reordered.
//
// Everything hot avoids the heap: scratch vectors are thread_local and keep
// their capacity, segments are normalised into stack buffers, ASCII skips
// every property lookup, and the confusables map is a table built once.

#include "classifiers/normalizer.h"

#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/uscript.h>
#include <unicode/uspoof.h>
#include <unicode/utf16.h>
#include <unicode/utf8.h>

#include <array>
#include <cassert>
#include <cstdlib>
#include <vector>

namespace moderated::classifiers {
namespace {

// A run of more than this many non-starters (combining marks) is cut short
// while decoding. Canonical reordering is quadratic in the run length, so an
// unbounded "zalgo" run would let a client buy seconds of CPU per request;
// UAX #15's Stream-Safe Text Format uses the same bound. Generic marks are
// removed by step 3 anyway, so the output does not change for real text.
constexpr int kMaxNonStarters = 30;

// Scratch buffers larger than this are released after the call so that one
// huge comment does not pin memory in every worker thread forever.
constexpr size_t kMaxRetainedScratch = 1 << 16;

struct Unit {
  UChar32 cp;
  size_t begin;  // input span that produced this code point
  size_t end;
};

struct Scratch {
  std::vector<UChar> u16;          // invisible-free input, UTF-16
  std::vector<size_t> u16_begin;   // per UTF-16 unit: input span of its code point
  std::vector<size_t> u16_end;
  std::vector<Unit> units;         // output of steps 2-5
  std::vector<UChar> big;          // segment output that does not fit the stack buffer

  void Clear() {
    u16.clear();
    u16_begin.clear();
    u16_end.clear();
    units.clear();
  }
  void Trim() {
    if (u16.capacity() > kMaxRetainedScratch ||
        units.capacity() > kMaxRetainedScratch || big.capacity() > kMaxRetainedScratch) {
      *this = Scratch();
    }
  }
};

bool IsBidiControl(UChar32 c) {
  return c == 0x200E || c == 0x200F || c == 0x061C ||
         (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069);
}

bool IsInvisible(UChar32 c) {
  // Explicit list first (it is the contract), then the Unicode property,
  // which covers all of them and more (variation selectors, tags, fillers).
  return c == 0x200B || c == 0x200C || c == 0x200D || c == 0x2060 ||
         c == 0xFEFF || c == 0x00AD || IsBidiControl(c) ||
         u_hasBinaryProperty(c, UCHAR_DEFAULT_IGNORABLE_CODE_POINT);
}

bool IsAsciiSpace(UChar32 c) { return c == ' ' || (c >= 0x09 && c <= 0x0D); }

bool IsWhiteSpace(UChar32 c) {
  return c < 0x80 ? IsAsciiSpace(c) : u_isUWhiteSpace(c) != 0;
}

// Step 3: marks that never belong to a letter of the scripts we care about.
// Generic diacritics are script Inherited/Common (U+0300.., U+0332, U+20D0..,
// most Arabic harakat); Latin/Greek/Cyrillic/Arabic-specific marks (titlo,
// Quranic annotation) are not letter-forming either. Marks of other scripts
// (Devanagari vowel signs, Hebrew points, Thai) are part of their letters and
// stay. Spacing marks (Mc) are vowel signs in Indic scripts and always stay.
bool IsDroppableMark(UChar32 c) {
  int8_t type = u_charType(c);
  if (type != U_NON_SPACING_MARK && type != U_ENCLOSING_MARK) return false;
  UErrorCode status = U_ZERO_ERROR;
  UScriptCode script = uscript_getScript(c, &status);
  return script == USCRIPT_INHERITED || script == USCRIPT_COMMON ||
         script == USCRIPT_LATIN || script == USCRIPT_GREEK ||
         script == USCRIPT_CYRILLIC || script == USCRIPT_ARABIC;
}

// Step 4 for one code point: -1 drops it, otherwise the replacement.
UChar32 MapLetter(UChar32 c) {
  if ((c >= 0x064B && c <= 0x065F) || c == 0x0670 || c == 0x0640) return -1;
  switch (c) {
    case 0x0622:  // آ
    case 0x0623:  // أ
    case 0x0625:  // إ
    case 0x0671:  // ٱ
      return 0x0627;  // ا
    case 0x0649:  // ى alef maqsura
      return 0x064A;  // ي
    case 0x0629:  // ة ta marbuta
      return 0x0647;  // ه
    case 0x0451:  // ё (Ё is case-folded to ё by step 2)
      return 0x0435;  // е
    default:
      return c;
  }
}

// The look-alike tables for step 5, built once from ICU's confusables data
// (uspoof skeletons), for the Greek and Cyrillic letters in U+0370..U+052F.
//
// Latin look-alike of a (case-folded) Greek/Cyrillic letter: the skeleton of
// the letter, minus its marks, if that is one ASCII letter; otherwise the same
// test on the skeleton of its upper-case form, lower-cased. The second test
// matters because text is case-folded before this step: "ВЕТ" becomes "вет",
// and it is В, Н, М, Т, К (not в, н, м, т, к) that look like B, H, M, T, K.
// So "с" → 'c', "ѓ" → 'r', "в" → 'b'; "б" → '6' is not a letter and
// "ы" → "ƅi" is not ASCII, so they have none.
//
// Cyrillic (Greek) look-alike of an ASCII letter: the inverse, restricted to
// the basic Russian (Greek) lower-case alphabet. It is written out because the
// inverse is not unique (b ← б в ь, o ← ο σ θ); the choices follow the
// look-alikes that spam actually uses (B → В, O → О).
class ConfusableTable {
 public:
  static constexpr UChar32 kFirst = 0x0370;
  static constexpr UChar32 kLast = 0x052F;

  ConfusableTable() {
    to_latin_.fill(0);
    UErrorCode status = U_ZERO_ERROR;
    USpoofChecker* checker = uspoof_open(&status);
    if (U_FAILURE(status)) return;  // no data: no mapping, never a crash
    for (UChar32 c = kFirst; c <= kLast; ++c) {
      if (!u_isalpha(c)) continue;
      UErrorCode s = U_ZERO_ERROR;
      UScriptCode script = uscript_getScript(c, &s);
      if (script != USCRIPT_CYRILLIC && script != USCRIPT_GREEK) continue;
      char latin = AsciiSkeleton(checker, c);
      if (latin == 0 && u_toupper(c) != c) latin = AsciiSkeleton(checker, u_toupper(c));
      if (latin == 0) continue;
      latin = static_cast<char>(latin | 0x20);
      to_latin_[c - kFirst] = latin;
    }
    uspoof_close(checker);
  }

  // The ASCII look-alike of `c`, or 0 if it has none.
  char ToLatin(UChar32 c) const {
    return c >= kFirst && c <= kLast ? to_latin_[c - kFirst] : 0;
  }
  // The Russian / Greek look-alike of ASCII lower-case `c`, or 0.
  static UChar32 ToCyrillic(UChar32 c) {
    switch (c) {
      case 'a': return 0x0430;  // а
      case 'b': return 0x0432;  // в
      case 'c': return 0x0441;  // с
      case 'e': return 0x0435;  // е
      case 'h': return 0x043D;  // н
      case 'k': return 0x043A;  // к
      case 'm': return 0x043C;  // м
      case 'o': return 0x043E;  // о
      case 'p': return 0x0440;  // р
      case 'r': return 0x0433;  // г
      case 't': return 0x0442;  // т
      case 'x': return 0x0445;  // х
      case 'y': return 0x0443;  // у
      default: return 0;
    }
  }
  static UChar32 ToGreek(UChar32 c) {
    switch (c) {
      case 'a': return 0x03B1;  // α
      case 'b': return 0x03B2;  // β
      case 'e': return 0x03B5;  // ε
      case 'i': return 0x03B9;  // ι
      case 'k': return 0x03BA;  // κ
      case 'm': return 0x03BC;  // μ
      case 'n': return 0x03B7;  // η
      case 'o': return 0x03BF;  // ο
      case 'p': return 0x03C1;  // ρ
      case 't': return 0x03C4;  // τ
      case 'u': return 0x03C5;  // υ
      case 'v': return 0x03BD;  // ν
      case 'x': return 0x03C7;  // χ
      case 'y': return 0x03B3;  // γ
      case 'z': return 0x03B6;  // ζ
      default: return 0;
    }
  }

 private:
  // The skeleton of `c` without marks if it is a single ASCII letter, else 0.
  static char AsciiSkeleton(const USpoofChecker* checker, UChar32 c) {
    UChar in[2];
    int32_t in_len = 0;
    U16_APPEND_UNSAFE(in, in_len, c);
    UChar out[16];
    UErrorCode status = U_ZERO_ERROR;
    int32_t out_len = uspoof_getSkeleton(checker, 0, in, in_len, out, 16, &status);
    if (U_FAILURE(status)) return 0;
    UChar32 letter = 0;
    int letters = 0;
    for (int32_t i = 0; i < out_len;) {
      UChar32 o;
      U16_NEXT(out, i, out_len, o);
      if (u_getCombiningClass(o) != 0 || IsDroppableMark(o)) continue;
      letter = o;
      ++letters;
    }
    if (letters != 1) return 0;
    if ((letter >= 'a' && letter <= 'z') || (letter >= 'A' && letter <= 'Z')) {
      return static_cast<char>(letter);
    }
    return 0;
  }

  std::array<char, kLast - kFirst + 1> to_latin_;
};

const ConfusableTable& Confusables() {
  static const ConfusableTable* const table = new ConfusableTable();
  return *table;
}

struct Icu {
  const UNormalizer2* nfkc_cf = nullptr;
  const UNormalizer2* nfd = nullptr;
};

const Icu& GetIcu() {
  static const Icu icu = [] {
    Icu result;
    UErrorCode status = U_ZERO_ERROR;
    result.nfkc_cf = unorm2_getNFKCCasefoldInstance(&status);
    result.nfd = unorm2_getNFDInstance(&status);
    // The data is compiled into libicudata; failure means a broken install.
    if (U_FAILURE(status)) std::abort();
    return result;
  }();
  return icu;
}

// Steps 3 and 4 for one NFKC_Casefold output code point, appending the
// survivors to `units`.
void EmitFolded(const Icu& icu, UChar32 c, size_t begin, size_t end,
                std::vector<Unit>* units) {
  if (c < 0x80) {
    units->push_back({c, begin, end});
    return;
  }
  if (IsDroppableMark(c)) return;
  c = MapLetter(c);
  if (c < 0) return;
  // Latin, Greek and Cyrillic letters lose their diacritics: decompose
  // (é → e + ◌́, ќ → к + ◌́) and keep what is not a droppable mark. The
  // Cyrillic letters й, ў and ї are letters of the Russian, Belarusian and
  // Ukrainian alphabets, not accented ones, and stay. Other scripts keep
  // their precomposed letters (Arabic ؤ ئ).
  if (c >= 0xC0) {
    UErrorCode status = U_ZERO_ERROR;
    UScriptCode script = uscript_getScript(c, &status);
    if (script == USCRIPT_LATIN || script == USCRIPT_GREEK ||
        (script == USCRIPT_CYRILLIC && c != 0x0439 && c != 0x045E && c != 0x0457)) {
      UChar decomposition[32];
      int32_t len = unorm2_getDecomposition(icu.nfd, c, decomposition, 32, &status);
      if (U_SUCCESS(status) && len > 0) {
        for (int32_t i = 0; i < len;) {
          UChar32 d;
          U16_NEXT(decomposition, i, len, d);
          if (!IsDroppableMark(d)) units->push_back({d, begin, end});
        }
        return;
      }
    }
  }
  units->push_back({c, begin, end});
}

// Step 1: decode, drop invisibles (counting them) and bound non-starter runs.
void Decode(std::string_view in, Scratch* s, NormalizedText* out) {
  const auto* bytes = reinterpret_cast<const uint8_t*>(in.data());
  const int32_t length = static_cast<int32_t>(in.size());
  int non_starters = 0;
  for (int32_t i = 0; i < length;) {
    const size_t begin = static_cast<size_t>(i);
    UChar32 c;
    if (bytes[i] < 0x80) {
      c = bytes[i++];
      non_starters = 0;
    } else {
      U8_NEXT_OR_FFFD(bytes, i, length, c);
      if (IsInvisible(c)) {
        ++out->invisible_count;
        if (IsBidiControl(c)) ++out->bidi_control_count;
        continue;
      }
      if (u_getCombiningClass(c) != 0) {
        if (++non_starters > kMaxNonStarters) continue;
      } else {
        non_starters = 0;
      }
    }
    const size_t end = static_cast<size_t>(i);
    if (c <= 0xFFFF) {
      s->u16.push_back(static_cast<UChar>(c));
      s->u16_begin.push_back(begin);
      s->u16_end.push_back(end);
    } else {
      s->u16.push_back(U16_LEAD(c));
      s->u16.push_back(U16_TRAIL(c));
      s->u16_begin.push_back(begin);
      s->u16_begin.push_back(begin);
      s->u16_end.push_back(end);
      s->u16_end.push_back(end);
    }
  }
}

// Steps 2-4: NFKC_Casefold, marks, Arabic/Russian letter mapping.
void Fold(const Icu& icu, Scratch* s) {
  const UChar* u16 = s->u16.data();
  const int32_t n = static_cast<int32_t>(s->u16.size());
  int32_t pos = 0;
  while (pos < n) {
    UErrorCode status = U_ZERO_ERROR;
    const int32_t yes_end =
        pos + unorm2_spanQuickCheckYes(icu.nfkc_cf, u16 + pos, n - pos, &status);
    // Already normalised: identity, one origin per code point.
    while (pos < yes_end) {
      const int32_t start = pos;
      UChar32 c;
      U16_NEXT(u16, pos, n, c);
      EmitFolded(icu, c, s->u16_begin[start], s->u16_end[pos - 1], &s->units);
    }
    if (pos >= n) break;
    // One segment: up to the next code point with a boundary before it.
    const int32_t seg_begin = pos;
    UChar32 c;
    U16_NEXT(u16, pos, n, c);
    while (pos < n) {
      int32_t next = pos;
      U16_NEXT(u16, next, n, c);
      if (unorm2_hasBoundaryBefore(icu.nfkc_cf, c)) break;
      pos = next;
    }
    const size_t begin = s->u16_begin[seg_begin];
    const size_t end = s->u16_end[pos - 1];
    if (pos - seg_begin == 1 && u16[seg_begin] < 0x80) {
      // A lone ASCII character: NFKC_Casefold only lower-cases A-Z. This
      // skips ICU's C wrapper for every capital letter of English text.
      UChar32 ascii = u16[seg_begin];
      if (ascii >= 'A' && ascii <= 'Z') ascii += 'a' - 'A';
      s->units.push_back({ascii, begin, end});
      continue;
    }
    UChar stack_buf[64];
    const UChar* result = stack_buf;
    status = U_ZERO_ERROR;
    int32_t len = unorm2_normalize(icu.nfkc_cf, u16 + seg_begin, pos - seg_begin,
                                   stack_buf, 64, &status);
    if (status == U_BUFFER_OVERFLOW_ERROR) {
      s->big.resize(static_cast<size_t>(len));
      status = U_ZERO_ERROR;
      len = unorm2_normalize(icu.nfkc_cf, u16 + seg_begin, pos - seg_begin,
                             s->big.data(), len, &status);
      result = s->big.data();
    }
    if (U_FAILURE(status)) continue;  // cannot happen with valid buffers; drop
    for (int32_t i = 0; i < len;) {
      UChar32 folded;
      U16_NEXT(result, i, len, folded);
      EmitFolded(icu, folded, begin, end, &s->units);
    }
  }
}

enum class LetterScript { kOther, kLatin, kCyrillic, kGreek };

LetterScript ScriptOf(UChar32 c) {
  if (c < 0x80) {
    return (c | 0x20) >= 'a' && (c | 0x20) <= 'z' ? LetterScript::kLatin
                                                 : LetterScript::kOther;
  }
  if (!u_isalpha(c)) return LetterScript::kOther;
  UErrorCode status = U_ZERO_ERROR;
  switch (uscript_getScript(c, &status)) {
    case USCRIPT_LATIN:
      return LetterScript::kLatin;
    case USCRIPT_CYRILLIC:
      return LetterScript::kCyrillic;
    case USCRIPT_GREEK:
      return LetterScript::kGreek;
    default:
      return LetterScript::kOther;
  }
}

bool IsWordChar(UChar32 c) {
  if (c < 0x80) {
    return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
  }
  return (U_GET_GC_MASK(c) & (U_GC_L_MASK | U_GC_M_MASK | U_GC_ND_MASK)) != 0;
}

// Step 5 on one word units[begin, end).
void MapConfusables(std::vector<Unit>* units, size_t begin, size_t end,
                    NormalizedText* out) {
  int latin = 0;
  int cyrillic = 0;
  int greek = 0;
  for (size_t i = begin; i < end; ++i) {
    switch (ScriptOf((*units)[i].cp)) {
      case LetterScript::kLatin: ++latin; break;
      case LetterScript::kCyrillic: ++cyrillic; break;
      case LetterScript::kGreek: ++greek; break;
      case LetterScript::kOther: break;
    }
  }
  if (latin == 0 || cyrillic + greek == 0) return;
  ++out->mixed_script_words;
  const ConfusableTable& table = Confusables();
  // A word written mostly in Cyrillic (Greek) is a Russian (Greek) word with
  // Latin look-alikes slipped in ("кaзинo"): its Latin letters go to the
  // word's script. Otherwise, ties included, look-alikes become Latin.
  const bool to_cyrillic = cyrillic > latin && cyrillic >= greek;
  const bool to_greek = !to_cyrillic && greek > latin && greek > cyrillic;
  for (size_t i = begin; i < end; ++i) {
    Unit& u = (*units)[i];
    UChar32 mapped = 0;
    if (to_cyrillic || to_greek) {
      if (u.cp < 0x80) {
        mapped = to_cyrillic ? ConfusableTable::ToCyrillic(u.cp)
                             : ConfusableTable::ToGreek(u.cp);
      }
    } else if (u.cp >= 0x80) {
      mapped = static_cast<unsigned char>(table.ToLatin(u.cp));
    }
    if (mapped != 0) {
      u.cp = mapped;
      ++out->confusables_mapped;
    }
  }
}

void AppendUtf8(UChar32 c, size_t begin, size_t end, NormalizedText* out) {
  uint8_t buf[4];
  int32_t len = 0;
  U8_APPEND_UNSAFE(buf, len, c);
  for (int32_t i = 0; i < len; ++i) {
    out->text.push_back(static_cast<char>(buf[i]));
    out->origin.push_back(ByteSpan{begin, end});
  }
}

}  // namespace

ByteSpan NormalizedText::ToInput(size_t begin, size_t end) const {
  assert(begin <= end && end <= text.size());
  // Out-of-contract arguments are clamped rather than read out of bounds.
  if (end > origin.size()) end = origin.size();
  if (begin > end) begin = end;
  if (begin == end) {
    if (begin < origin.size()) return {origin[begin].begin, origin[begin].begin};
    const size_t last = origin.empty() ? 0 : origin.back().end;
    return {last, last};
  }
  ByteSpan span = origin[begin];
  for (size_t i = begin + 1; i < end; ++i) {
    if (origin[i].begin < span.begin) span.begin = origin[i].begin;
    if (origin[i].end > span.end) span.end = origin[i].end;
  }
  return span;
}

NormalizedText Normalize(std::string_view utf8) {
  NormalizedText out;
  if (utf8.empty()) return out;
  const Icu& icu = GetIcu();
  thread_local Scratch scratch;
  Scratch* s = &scratch;
  s->Clear();

  Decode(utf8, s, &out);
  Fold(icu, s);

  // Step 5, word by word.
  std::vector<Unit>& units = s->units;
  for (size_t i = 0; i < units.size();) {
    if (!IsWordChar(units[i].cp)) {
      ++i;
      continue;
    }
    size_t j = i + 1;
    while (j < units.size() && IsWordChar(units[j].cp)) ++j;
    MapConfusables(&units, i, j, &out);
    i = j;
  }

  // Step 6 and UTF-8 encoding. A white-space run becomes one space whose
  // origin covers the whole run; runs at either end are dropped.
  out.text.reserve(utf8.size());
  out.origin.reserve(utf8.size());
  for (size_t i = 0; i < units.size();) {
    if (!IsWhiteSpace(units[i].cp)) {
      AppendUtf8(units[i].cp, units[i].begin, units[i].end, &out);
      ++i;
      continue;
    }
    size_t j = i + 1;
    while (j < units.size() && IsWhiteSpace(units[j].cp)) ++j;
    if (i != 0 && j != units.size()) {
      AppendUtf8(' ', units[i].begin, units[j - 1].end, &out);
    }
    i = j;
  }
  s->Trim();
  return out;
}

bool IsValidUtf8(std::string_view s) {
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  const size_t n = s.size();
  size_t i = 0;
  while (i < n) {
    const uint8_t b = p[i];
    if (b < 0x80) {
      ++i;
      continue;
    }
    // Table 3-7 of the Unicode Standard: the valid ranges of the second byte
    // exclude overlongs (E0, F0), surrogates (ED) and > U+10FFFF (F4).
    size_t len;
    uint8_t lo = 0x80, hi = 0xBF;
    if (b >= 0xC2 && b <= 0xDF) {
      len = 2;
    } else if (b >= 0xE0 && b <= 0xEF) {
      len = 3;
      if (b == 0xE0) lo = 0xA0;
      if (b == 0xED) hi = 0x9F;
    } else if (b >= 0xF0 && b <= 0xF4) {
      len = 4;
      if (b == 0xF0) lo = 0x90;
      if (b == 0xF4) hi = 0x8F;
    } else {
      return false;  // continuation byte, C0/C1 overlong lead, F5..FF
    }
    if (n - i < len) return false;
    if (p[i + 1] < lo || p[i + 1] > hi) return false;
    for (size_t k = 2; k < len; ++k) {
      if ((p[i + k] & 0xC0) != 0x80) return false;
    }
    i += len;
  }
  return true;
}

}  // namespace moderated::classifiers

// classifiers/normalizer.h
//
// Normalize(): the one text normalisation used for rule matching, for
// classifier inference and for classifier training. Changing it changes what
// every rule and every model sees, so it is versioned (kNormalizerVersion).
//
// What it does, in order, per normalisation segment of the input (a starter
// code point plus the combining marks that follow it):
//   1. Strips and counts invisible characters: zero-width (U+200B..U+200D,
//      U+2060, U+FEFF), soft hyphen (U+00AD), bidi controls (U+200E, U+200F,
//      U+061C, U+202A..U+202E, U+2066..U+2069) and other default-ignorables.
//   2. NFKC + Unicode case folding (fullwidth letters become ASCII, etc.).
//   3. Drops combining marks that do not belong to the script's letters
//      (Latin diacritics and stacked marks are removed; Cyrillic й is kept).
//   4. Arabic: drops tashkeel (harakat, U+064B..U+065F, U+0670) and tatweel
//      (U+0640); unifies alef forms (أ إ آ ٱ → ا), alef maqsura ى → ي,
//      ta marbuta ة → ه. Russian: ё → е.
//   5. Confusables: in a word that mixes Latin with Cyrillic or Greek letters,
//      every letter with a Latin look-alike (ICU uspoof skeleton) becomes that
//      Latin letter, so "саsinо" written with Cyrillic с/о matches "casino".
//      Exception: in a word with more Cyrillic (Greek) letters than Latin
//      ones, it is the Latin letters that become their Cyrillic (Greek)
//      look-alike, so "кaзинo" written with Latin a/o matches "казино".
//      A look-alike counts if the skeleton of the letter or of its upper-case
//      form is one ASCII letter (text is case-folded first: "В" → "в" → "b").
//      Words are runs of letters, marks and digits.
//      Single-script Cyrillic, Greek and Arabic words are left in their script
//      so Russian and Arabic rules match them.
//   6. Collapses runs of white space to one ASCII space; trims both ends.
//
// Details the steps above leave open: marks are dropped when they are
// non-spacing or enclosing and of script Inherited, Common, Latin, Greek,
// Cyrillic or Arabic (marks of other scripts, e.g. Devanagari vowel signs,
// are part of their letters and stay); Latin, Greek and Cyrillic letters lose
// their diacritics (é → e, ά → α, ќ → к) except Cyrillic й, ў and ї; other
// scripts keep precomposed letters (Arabic ؤ ئ stay).
// A run of more than 30 combining marks is cut to 30 before step 2 (UAX #15
// stream-safe limit), which bounds the work per input byte.
//
// Every byte of the output knows which bytes of the input produced it, so a
// match found in the normalised text can be reported as a span of the text the
// user actually sent.
//
// Thread-safety: Normalize() is a pure function; call it from any thread.
// Input that is not valid UTF-8 is treated as a sequence of U+FFFD (the daemon
// rejects invalid UTF-8 before it gets here; see IsValidUtf8()).
#ifndef MODERATED_CLASSIFIERS_NORMALIZER_H_
#define MODERATED_CLASSIFIERS_NORMALIZER_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace moderated::classifiers {

inline constexpr int kNormalizerVersion = 1;

// A half-open byte range [begin, end) in some string.
struct ByteSpan {
  size_t begin = 0;
  size_t end = 0;
  bool operator==(const ByteSpan&) const = default;
};

struct NormalizedText {
  std::string text;  // the normalised UTF-8 text

  // origin[i] is the span of the input that produced output byte i.
  // origin.size() == text.size().
  std::vector<ByteSpan> origin;

  // Counts of what step 1 removed and step 5 found.
  int invisible_count = 0;     // all stripped invisible characters, bidi included
  int bidi_control_count = 0;  // of which bidi controls
  int mixed_script_words = 0;  // words mixing Latin with Cyrillic/Greek letters
  int confusables_mapped = 0;  // letters replaced by their Latin look-alike

  // Maps the output span [begin, end) back to the smallest input span that
  // covers every input byte that produced it. begin == end maps to an empty
  // span at the corresponding input position: origin[begin].begin, or for
  // begin == text.size() the end of the last output byte's origin (0 if the
  // output is empty). Requires begin <= end <= text.size().
  ByteSpan ToInput(size_t begin, size_t end) const;
};

NormalizedText Normalize(std::string_view utf8);

// True if `s` is well-formed UTF-8 (no overlongs, surrogates or code points
// above U+10FFFF).
bool IsValidUtf8(std::string_view s);

}  // namespace moderated::classifiers

#endif  // MODERATED_CLASSIFIERS_NORMALIZER_H_

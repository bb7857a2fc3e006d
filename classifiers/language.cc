// classifiers/language.cc
#include "classifiers/language.h"

#include <cstdio>  // compact_lang_det.h uses FILE without including it
#include <cld2/public/compact_lang_det.h>
#include <cld2/public/encodings.h>

#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include <climits>
#include <cstring>
#include <string>

#include "classifiers/normalizer.h"

namespace moderated::classifiers {
namespace {

struct Detection {
  CLD2::Language language = CLD2::UNKNOWN_LANGUAGE;
  bool reliable = false;
};

bool IsUnknown(CLD2::Language language) {
  return language == CLD2::UNKNOWN_LANGUAGE || language == CLD2::TG_UNKNOWN_LANGUAGE;
}

Detection Run(std::string_view text, CLD2::Language hint) {
  CLD2::CLDHints hints = {nullptr, nullptr, CLD2::UNKNOWN_ENCODING, hint};
  CLD2::Language language3[3];
  int percent3[3];
  double normalized_score3[3];
  int text_bytes = 0;
  bool reliable = false;
  int valid_prefix_bytes = 0;
  const int length = static_cast<int>(text.size());  // checked by the caller
  // The caller has checked the UTF-8; the CheckUTF8 variant stays as a
  // second line of defence (CLD2 must never read past a broken sequence).
  CLD2::Language summary = CLD2::ExtDetectLanguageSummaryCheckUTF8(
      text.data(), length, /*is_plain_text=*/true, &hints, /*flags=*/0, language3,
      percent3, normalized_score3, /*resultchunkvector=*/nullptr, &text_bytes,
      &reliable, &valid_prefix_bytes);
  Detection detection;
  // CLD2's summary prefers any other language over English when English is
  // on top, because on web pages English is often boilerplate (menus,
  // footers). A comment has no boilerplate, so take the language of most of
  // the text.
  detection.language = IsUnknown(language3[0]) ? summary : language3[0];
  detection.reliable = reliable && !IsUnknown(detection.language);
  return detection;
}

// "ar", "ru-RU", "en_GB", "RU" → CLD2 language; UNKNOWN_LANGUAGE if unusable.
CLD2::Language ParseHint(std::string_view hint) {
  char primary[4];
  size_t n = 0;
  for (char c : hint) {
    if (c == '-' || c == '_') break;
    if (n == 3) return CLD2::UNKNOWN_LANGUAGE;
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c < 'a' || c > 'z') return CLD2::UNKNOWN_LANGUAGE;
    primary[n++] = c;
  }
  if (n < 2) return CLD2::UNKNOWN_LANGUAGE;
  primary[n] = '\0';
  return CLD2::GetLanguageFromName(primary);
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

// What CLD2 cannot read: its quadgram tables are built from unvocalised
// Arabic, so tashkeel and tatweel make a plain Arabic sentence "unknown", and
// invisible characters inside words break every n-gram they sit in.
bool HidesEvidence(UChar32 c) {
  return (c >= 0x064B && c <= 0x065F) || c == 0x0670 || c == 0x0640 ||
         u_hasBinaryProperty(c, UCHAR_DEFAULT_IGNORABLE_CODE_POINT);
}

// `text` without HidesEvidence() code points; `text` itself (no copy) when
// there are none. `text` must be valid UTF-8.
std::string_view ForCld2(std::string_view text, std::string* storage) {
  const auto* bytes = reinterpret_cast<const uint8_t*>(text.data());
  const int32_t length = static_cast<int32_t>(text.size());
  int32_t kept_until = 0;  // bytes [kept_until, i) are pending, all kept
  bool copying = false;
  for (int32_t i = 0; i < length;) {
    if (bytes[i] < 0x80) {
      ++i;
      continue;
    }
    const int32_t start = i;
    UChar32 c;
    U8_NEXT_OR_FFFD(bytes, i, length, c);
    if (!HidesEvidence(c)) continue;
    if (!copying) {
      storage->clear();
      storage->reserve(text.size());
      copying = true;
    }
    storage->append(text.data() + kept_until, static_cast<size_t>(start - kept_until));
    kept_until = i;
  }
  if (!copying) return text;
  storage->append(text.data() + kept_until, text.size() - static_cast<size_t>(kept_until));
  return *storage;
}

}  // namespace

Language DetectLanguage(std::string_view utf8, std::string_view hint) {
  if (utf8.size() > static_cast<size_t>(INT_MAX) || !IsValidUtf8(utf8)) {
    return {"und", false};
  }
  std::string storage;
  utf8 = ForCld2(utf8, &storage);
  Detection detection = Run(utf8, CLD2::UNKNOWN_LANGUAGE);
  // The hint only decides when the text alone does not. CLD2's own hint
  // handling can turn clear text into UNKNOWN (e.g. Ukrainian with hint
  // "ru"), so the unhinted answer wins whenever it is reliable.
  const CLD2::Language hint_language = ParseHint(hint);
  if (!detection.reliable && !IsUnknown(hint_language)) {
    Detection hinted = Run(utf8, hint_language);
    if (!IsUnknown(hinted.language)) detection = hinted;
  }
  return {ToIsoCode(detection.language), detection.reliable};
}

}  // namespace moderated::classifiers

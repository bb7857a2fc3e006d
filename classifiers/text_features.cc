// classifiers/text_features.cc
#include "classifiers/text_features.h"

#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include <cstdint>
#include <limits>

namespace moderated::classifiers {

TextFeatures ComputeTextFeatures(std::string_view raw_utf8) {
  TextFeatures features;
  const auto* bytes = reinterpret_cast<const uint8_t*>(raw_utf8.data());
  // ICU's macros index with int32_t; longer input is cut there. The daemon
  // bounds comment size far below that.
  const int32_t length = static_cast<int32_t>(
      raw_utf8.size() > static_cast<size_t>(std::numeric_limits<int32_t>::max())
          ? std::numeric_limits<int32_t>::max()
          : raw_utf8.size());
  int uppercase = 0;
  UChar32 previous = -1;
  int run = 0;
  for (int32_t i = 0; i < length;) {
    UChar32 c;
    if (bytes[i] < 0x80) {
      c = bytes[i++];
    } else {
      U8_NEXT_OR_FFFD(bytes, i, length, c);
    }
    ++features.length;
    run = c == previous ? run + 1 : 1;
    previous = c;
    if (run > features.max_repeat_run) features.max_repeat_run = run;

    if (c < 0x80) {
      if (c >= 'A' && c <= 'Z') {
        ++uppercase;
        ++features.letter_count;
      } else if (c >= 'a' && c <= 'z') {
        ++features.letter_count;
      }
      continue;  // no ASCII character is Emoji_Presentation or Ext_Pict
    }
    const uint32_t mask = U_GET_GC_MASK(c);
    if (mask & U_GC_L_MASK) {
      ++features.letter_count;
      if (mask & U_GC_LU_MASK) ++uppercase;
    }
    if (u_hasBinaryProperty(c, UCHAR_EMOJI_PRESENTATION) ||
        u_hasBinaryProperty(c, UCHAR_EXTENDED_PICTOGRAPHIC)) {
      ++features.emoji_count;
    }
  }
  if (features.letter_count > 0) {
    features.uppercase_ratio =
        static_cast<double>(uppercase) / static_cast<double>(features.letter_count);
  }
  return features;
}

}  // namespace moderated::classifiers

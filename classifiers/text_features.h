// classifiers/text_features.h
//
// ComputeTextFeatures(): cheap, script-independent signals about a comment
// (shouting, character floods, emoji spam) for rules and policy.
//
// It runs on the text exactly as the user sent it, not on the normalised
// text: normalisation case-folds and strips exactly what these features
// measure.
//
// Thread-safety: pure function; call it from any thread.
#ifndef MODERATED_CLASSIFIERS_TEXT_FEATURES_H_
#define MODERATED_CLASSIFIERS_TEXT_FEATURES_H_

#include <string_view>

namespace moderated::classifiers {

// All counts are in code points. Input that is not valid UTF-8 is read as
// U+FFFD for each maximal ill-formed subsequence (like Normalize()).
struct TextFeatures {
  int length = 0;              // code points, invisible ones included
  double uppercase_ratio = 0;  // uppercase letters (Lu) / letters (L*, any
                               // script); 0 if there are no letters
  int max_repeat_run = 0;      // longest run of one code point, nothing
                               // ignored: "!!!!!" → 5, "aaa" → 3, "" → 0
  int emoji_count = 0;         // code points with Emoji_Presentation or
                               // Extended_Pictographic (so not ASCII digits,
                               // '#' or '*', which are merely Emoji)
  int letter_count = 0;        // letters (L*, any script)
};

TextFeatures ComputeTextFeatures(std::string_view raw_utf8);

}  // namespace moderated::classifiers

#endif  // MODERATED_CLASSIFIERS_TEXT_FEATURES_H_

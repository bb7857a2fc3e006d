// tests/classifiers/text_features_test.cc
#include "classifiers/text_features.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

namespace moderated::classifiers {
namespace {

// "length letters upper-ratio run emoji" with the ratio to 3 decimals.
std::string Render(const TextFeatures& f) {
  char ratio[16];
  std::snprintf(ratio, sizeof ratio, "%.3f", f.uppercase_ratio);
  return "len=" + std::to_string(f.length) + " letters=" + std::to_string(f.letter_count) +
         " upper=" + ratio + " run=" + std::to_string(f.max_repeat_run) +
         " emoji=" + std::to_string(f.emoji_count);
}

TEST(TextFeaturesTest, Empty) {
  EXPECT_EQ("len=0 letters=0 upper=0.000 run=0 emoji=0", Render(ComputeTextFeatures("")));
}

TEST(TextFeaturesTest, EnglishShouting) {
  TextFeatures f = ComputeTextFeatures("Hello WORLD!!!!!");
  EXPECT_EQ("len=16 letters=10 upper=0.600 run=5 emoji=0", Render(f));
  EXPECT_DOUBLE_EQ(0.6, f.uppercase_ratio);
}

TEST(TextFeaturesTest, RepeatRuns) {
  EXPECT_EQ(3, ComputeTextFeatures("aaa").max_repeat_run);
  EXPECT_EQ(1, ComputeTextFeatures("abc").max_repeat_run);
  EXPECT_EQ(4, ComputeTextFeatures("ab    c").max_repeat_run);  // spaces count too
  EXPECT_EQ(5, ComputeTextFeatures("\u0443\u0443\u0443\u0443\u0443\u0445!!").max_repeat_run);
  EXPECT_EQ(3, ComputeTextFeatures("\U0001F602\U0001F602\U0001F602").max_repeat_run);
}

TEST(TextFeaturesTest, CyrillicCase) {
  TextFeatures f = ComputeTextFeatures("ПРИВЕТ мир");
  EXPECT_EQ("len=10 letters=9 upper=0.667 run=1 emoji=0", Render(f));
  EXPECT_DOUBLE_EQ(6.0 / 9.0, f.uppercase_ratio);
}

TEST(TextFeaturesTest, ArabicHasNoCase) {
  // Tashkeel are marks, not letters; they still count as code points.
  EXPECT_EQ("len=7 letters=4 upper=0.000 run=1 emoji=0",
            Render(ComputeTextFeatures("أَهْلاً")));
}

TEST(TextFeaturesTest, NoLettersMeansZeroRatio) {
  EXPECT_EQ("len=5 letters=0 upper=0.000 run=3 emoji=0",
            Render(ComputeTextFeatures("12!!!")));
}

TEST(TextFeaturesTest, Emoji) {
  TextFeatures f = ComputeTextFeatures("Win \U0001F4B0\U0001F4B0\U0001F4B0 now \U0001F3B0!");
  EXPECT_EQ("len=14 letters=6 upper=0.167 run=3 emoji=4", Render(f));
  // ASCII digits, '#' and '*' are Emoji but not Emoji_Presentation.
  EXPECT_EQ(0, ComputeTextFeatures("123#*").emoji_count);
  // Keycap: '1' + VS16 + U+20E3 has no pictographic code point.
  EXPECT_EQ(0, ComputeTextFeatures("1\uFE0F\u20E3").emoji_count);
  EXPECT_EQ(1, ComputeTextFeatures("\u00A9").emoji_count);      // © Extended_Pictographic
  EXPECT_EQ(1, ComputeTextFeatures("\u231A").emoji_count);      // ⌚ Emoji_Presentation
  EXPECT_EQ(2, ComputeTextFeatures("\U0001F1F7\U0001F1FA").emoji_count);  // flag: 2 RIs
  // Family ZWJ sequence: 3 people, 2 joiners.
  TextFeatures family =
      ComputeTextFeatures("\U0001F468\u200D\U0001F469\u200D\U0001F467");
  EXPECT_EQ("len=5 letters=0 upper=0.000 run=1 emoji=3", Render(family));
}

TEST(TextFeaturesTest, InvisiblesCountAsCodePoints) {
  EXPECT_EQ("len=4 letters=2 upper=0.000 run=1 emoji=0",
            Render(ComputeTextFeatures("a\u200B\u202Eb")));
}

TEST(TextFeaturesTest, InvalidUtf8IsReadAsReplacementCharacters) {
  // \xFF and the truncated \xE2\x82 are one U+FFFD each.
  EXPECT_EQ("len=4 letters=2 upper=0.500 run=1 emoji=0",
            Render(ComputeTextFeatures("A\xFF" "b\xE2\x82")));
  EXPECT_EQ(2, ComputeTextFeatures("\xFF\xFF").max_repeat_run);
}

}  // namespace
}  // namespace moderated::classifiers

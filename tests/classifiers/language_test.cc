// tests/classifiers/language_test.cc
#include "classifiers/language.h"

#include <gtest/gtest.h>

#include <string>

namespace moderated::classifiers {
namespace {

std::string Render(const Language& language) {
  return language.code + (language.reliable ? " reliable" : " unreliable");
}

TEST(LanguageTest, English) {
  EXPECT_EQ("en reliable",
            Render(DetectLanguage("Hello, how are you doing today? This is a great article.")));
}

TEST(LanguageTest, Russian) {
  EXPECT_EQ("ru reliable",
            Render(DetectLanguage("Привет, как дела? Спасибо за интересную статью.")));
  EXPECT_EQ("ru reliable", Render(DetectLanguage("Спасибо, все хорошо")));
}

TEST(LanguageTest, Arabic) {
  EXPECT_EQ("ar reliable", Render(DetectLanguage("مرحبا، كيف حالك؟ شكرا على المقال الرائع")));
}

TEST(LanguageTest, VocalisedArabic) {
  // Plain CLD2 answers UNKNOWN for both: tashkeel hide the quadgrams.
  EXPECT_EQ("ar reliable",
            Render(DetectLanguage("أَهْلاً وَسَهْلاً، شُكْرًا جَزِيلًا عَلَى هَذَا الْمَقَالِ")));
  EXPECT_EQ("ar reliable",
            Render(DetectLanguage("مَرْحَبًا، كَيْفَ حَالُكَ؟ شُكْرًا عَلَى الْمَقَالِ الرَّائِعِ")));
  // Tatweel-stretched.
  EXPECT_EQ("ar reliable",
            Render(DetectLanguage("مرحـــبا، كيـــف حالك؟ شكـــرا على المقـــال الرائع")));
}

TEST(LanguageTest, InvisiblesInsideWordsDoNotHideTheLanguage) {
  EXPECT_EQ("ru reliable",
            Render(DetectLanguage("При\u200Bвет, как де\u200Bла? Спа\u200Bсибо за "
                                  "инте\u200Bресную статью.")));
}

TEST(LanguageTest, OtherCodesAreIso6391) {
  EXPECT_EQ("uk reliable", Render(DetectLanguage("Дякую, все добре")));
  EXPECT_EQ("he reliable",  // CLD2 says "iw"
            Render(DetectLanguage("שלום, מה שלומך היום? תודה רבה על העזרה שלך")));
}

TEST(LanguageTest, MixedTextGetsTheLanguageOfMostOfIt) {
  // CLD2's own summary would say "ru" here (it discounts English).
  EXPECT_EQ("en reliable",
            Render(DetectLanguage(
                "Это хорошо, thank you very much for your help with this problem today")));
  EXPECT_EQ("ru reliable",
            Render(DetectLanguage("Привет всем, это очень интересная статья, спасибо! ok")));
}

TEST(LanguageTest, EmptyAndNonText) {
  EXPECT_EQ((Language{"und", false}), DetectLanguage(""));
  EXPECT_EQ((Language{"und", false}), DetectLanguage("12345 !!! 🎰"));
  EXPECT_EQ((Language{"und", false}), DetectLanguage("ok"));
}

TEST(LanguageTest, InvalidUtf8IsUnknown) {
  EXPECT_EQ((Language{"und", false}),
            DetectLanguage("Hello, how are you doing today? \xFF This is a great article."));
}

TEST(LanguageTest, HintDecidesAmbiguousShortText) {
  // Bulgarian, Serbian and Macedonian share these words.
  const char* text = "Добро утро, как сте";
  EXPECT_EQ("und unreliable", Render(DetectLanguage(text)));
  EXPECT_EQ("bg reliable", Render(DetectLanguage(text, "bg")));
  EXPECT_EQ("sr reliable", Render(DetectLanguage(text, "sr-RS")));
  EXPECT_EQ("sr reliable", Render(DetectLanguage(text, "SR_rs")));
}

TEST(LanguageTest, HintNeverOverridesClearText) {
  // Plain CLD2 with language_hint=RUSSIAN answers UNKNOWN here.
  EXPECT_EQ("uk reliable", Render(DetectLanguage("Дякую, все добре", "ru")));
  EXPECT_EQ("en reliable",
            Render(DetectLanguage("Hello, how are you doing today? This is a great article.",
                                  "ar")));
}

TEST(LanguageTest, UnusableHintsAreIgnored) {
  const char* text = "Добро утро, как сте";
  EXPECT_EQ("und unreliable", Render(DetectLanguage(text, "")));
  EXPECT_EQ("und unreliable", Render(DetectLanguage(text, "zz")));
  EXPECT_EQ("und unreliable", Render(DetectLanguage(text, "b")));
  EXPECT_EQ("und unreliable", Render(DetectLanguage(text, "bulgarian-ish")));
  EXPECT_EQ("und unreliable", Render(DetectLanguage(text, "1g")));
}

}  // namespace
}  // namespace moderated::classifiers

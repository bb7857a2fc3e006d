// tests/classifiers/language_test.cc
//
// DetectLanguage(): the decision of language.h, rule by rule, and (when
// ../shared/data is present) the accuracy per labelled corpus.
#include "classifiers/language.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "training/corpus.h"

namespace moderated::classifiers {
namespace {

// "code reliable|unreliable script source", e.g. "ru reliable Cyrl script".
std::string Render(const Language& l) {
  return l.code + (l.reliable ? " reliable " : " unreliable ") + l.script + " " +
         LanguageSourceName(l.source);
}

std::string Detect(std::string_view text, std::string_view hint = {},
                   const std::vector<std::string>& site = {}) {
  return Render(DetectLanguage(text, hint, site));
}

const std::vector<std::string> kOurSite = {"ar", "ru", "en"};
const std::vector<std::string> kRussianOnly = {"ru"};

// ---- Russian: short, chat, obfuscated ---------------------------------------

TEST(LanguageTest, ShortRussianChatIsRussian) {
  // Plain CLD2: "und" for both. Nothing in the letters suggests another
  // Cyrillic language, so CLD2 is not even asked.
  EXPECT_EQ("ru reliable Cyrl script", Detect("Я тебе ноут в пятницу отдам"));
  // 9 letters: fewer than kReliableLetters.
  EXPECT_EQ("ru unreliable Cyrl script", Detect("ок, спасибо"));
}

TEST(LanguageTest, RussianThatCld2CallsSerbianOrBulgarianIsRussian) {
  // Plain CLD2 says sr (reliable, 97-98 %) for the first two and bg for the
  // third. Serbian has no ы and none of these texts has a letter Russian
  // lacks (ј љ њ ћ ђ џ; Bulgarian: ъ as a vowel, ѝ).
  EXPECT_EQ("ru reliable Cyrl script", Detect("Да не спеши ты так, дедуль"));
  EXPECT_EQ("ru reliable Cyrl script", Detect("Но не так охотно идут на контакт)"));
  EXPECT_EQ("ru reliable Cyrl script", Detect("Правда? Покажи покажи покажи!"));
  // ъ before е/ю/я is Russian, not the Bulgarian vowel.
  EXPECT_EQ("ru reliable Cyrl script",
            Detect("Вы уже съели весь торт? Объявление висит в подъезде"));
}

TEST(LanguageTest, LatinLookalikesInsideRussianWords) {
  EXPECT_EQ("ru reliable Cyrl script", Detect("Нaбuрaю в кoмaндy"));
  EXPECT_EQ("ru reliable Cyrl script", Detect("Тpeбyютcя люди в кoмaндy, oплaтa кaждый дeнь"));
}

TEST(LanguageTest, SmallCapitalsAndGreekLookalikesAreRussianNotGreek) {
  // Plain CLD2: "el" / unknown.
  EXPECT_EQ("ru reliable Cyrl script", Detect("ищу ᴧюдᴇй дᴧя ᴄᴏᴛᴩудничᴇᴄᴛʙᴀ"));
  EXPECT_EQ("ru reliable Cyrl script", Detect("Ρабοта в наpкο шοпе Β ЛС за ρабοтοй"));
}

TEST(LanguageTest, InvisiblesAndBidiControlsHideNothing) {
  EXPECT_EQ("ru reliable Cyrl script",
            Detect("При\u200Bвет, как де\u200Bла? Спа\u200Bсибо за инте\u200Bресную статью."));
  EXPECT_EQ("ar reliable Arab script",
            Detect("\u202Eمرحبا، كيف حالك؟ شكرا على المقال الرائع\u202C"));
}

// ---- other Cyrillic languages ----------------------------------------------

constexpr const char* kBulgarian =
    "Здравейте, как сте? Днес времето е много хубаво и аз съм много щастлив.";
constexpr const char* kSerbian = "Здраво, како сте? Данас је време веома лепо и ја сам веома срећан.";
constexpr const char* kUkrainian = "Привіт, як справи? Сьогодні дуже гарна погода і я дуже щасливий.";

TEST(LanguageTest, OtherCyrillicLanguagesWhenCld2IsConfidentAndTheSiteAllowsThem) {
  EXPECT_EQ("bg reliable Cyrl cld2", Detect(kBulgarian));
  EXPECT_EQ("sr reliable Cyrl cld2", Detect(kSerbian));
  EXPECT_EQ("uk reliable Cyrl cld2", Detect(kUkrainian));
  EXPECT_EQ("bg reliable Cyrl cld2", Detect(kBulgarian, "", {"ru", "bg"}));
  EXPECT_EQ("sr reliable Cyrl cld2", Detect(kSerbian, "", {"sr", "ru"}));
}

TEST(LanguageTest, OnARussianSiteCyrillicIsRussian) {
  EXPECT_EQ("ru reliable Cyrl script", Detect(kBulgarian, "", kRussianOnly));
  EXPECT_EQ("ru reliable Cyrl script", Detect(kSerbian, "", kRussianOnly));
  EXPECT_EQ("ru reliable Cyrl script", Detect(kUkrainian, "", kOurSite));
  // Not even when the client says so.
  EXPECT_EQ("ru reliable Cyrl script", Detect(kUkrainian, "uk", kOurSite));
}

TEST(LanguageTest, ShortOtherCyrillicWithoutItsLettersIsRussian) {
  // Ukrainian and Bulgarian written with Russian letters only: nothing in the
  // letters says they are not Russian.
  EXPECT_EQ("ru reliable Cyrl script", Detect("Дякую, все добре"));
  EXPECT_EQ("ru reliable Cyrl script", Detect("Добро утро, как сте"));
}

TEST(LanguageTest, ASiteWithoutRussianPicksItsOwnCyrillicLanguage) {
  EXPECT_EQ("uk reliable Cyrl site", Detect("Добро утро, как сте", "", {"en", "uk"}));
  // Ukrainian has no ы or э, so the text cannot be Ukrainian.
  EXPECT_EQ("ru reliable Cyrl script", Detect("Да не спеши ты так, дедуль", "", {"uk"}));
}

// ---- the definition of "confident" ------------------------------------------

TEST(LanguageTest, ConfidentNeedsEnoughLetters) {
  // CLD2: uk, reliable, 95 %, but 9 letters < kConfidentLetters.
  EXPECT_EQ("ru unreliable Cyrl script", Detect("Дякую, і вам"));
  // 17 letters.
  EXPECT_EQ("uk reliable Cyrl cld2", Detect("Привіт усім, як справи?"));
}

TEST(LanguageTest, ConfidentNeedsMostOfTheTextInOneLanguage) {
  // CLD2: French 52 %, English 47 %, is_reliable set (its summary skips
  // English); 52 < kConfidentPercent, so the Latin default decides.
  constexpr const char* kHalfAndHalf =
      "Merci beaucoup pour cet article très intéressant, je vais le partager avec mes amis et "
      "ma famille. Thank you so much for this great article, I really enjoyed it.";
  EXPECT_EQ("en unreliable Latn script", Detect(kHalfAndHalf));
  EXPECT_EQ("fr unreliable Latn hint", Detect(kHalfAndHalf, "fr"));
}

// ---- Arabic -----------------------------------------------------------------

TEST(LanguageTest, ArabicDialectsAreArabic) {
  EXPECT_EQ("ar reliable Arab script", Detect("شو عم تعمل هلق يا زلمة، تعال نشرب قهوة"));  // Levantine
  EXPECT_EQ("ar reliable Arab script", Detect("ازيك يا باشا، عامل ايه النهارده؟"));       // Egyptian
  EXPECT_EQ("ar reliable Arab script", Detect("شلونك حبيبي، شخبارك اليوم؟"));             // Gulf
  EXPECT_EQ("ar reliable Arab script", Detect("شنوة حوالك، لاباس عليك؟ برشا وحشتنا"));   // Tunisian
  EXPECT_EQ("ar reliable Arab script",
            Detect("واش كاين شي جديد اليوم؟ بزاف ديال الناس مشاو"));  // Moroccan
  EXPECT_EQ("ar reliable Arab script", Detect("مرحبا، كيف حالك؟ شكرا على المقال الرائع"));
}

TEST(LanguageTest, VocalisedAndStretchedArabic) {
  // Plain CLD2 answers "und" for fully vocalised Arabic.
  EXPECT_EQ("ar reliable Arab script",
            Detect("أَهْلاً وَسَهْلاً، شُكْرًا جَزِيلًا عَلَى هَذَا الْمَقَالِ"));
  EXPECT_EQ("ar reliable Arab script",
            Detect("مرحـــبا، كيـــف حالك؟ شكـــرا على المقـــال الرائع"));
}

TEST(LanguageTest, PersianNeedsPersianLetters) {
  constexpr const char* kPersian = "من بیست ساله هستم و هنوز دوست دختر نداشتم، خیلی سخته";
  EXPECT_EQ("fa reliable Arab cld2", Detect(kPersian));
  EXPECT_EQ("ar reliable Arab script", Detect(kPersian, "", kOurSite));
  // Plain CLD2: fa, reliable, 97 %; but yeh and kaf are written the Arabic way.
  EXPECT_EQ("ar reliable Arab script", Detect("هاي مي فنانه هاي غبيه"));
}

// ---- Latin ------------------------------------------------------------------

TEST(LanguageTest, LatinFollowsAConfidentCld2WhateverTheSite) {
  EXPECT_EQ("en reliable Latn cld2",
            Detect("Hello, how are you doing today? This is a great article."));
  // A French comment on an ar/ru/en site stays French: the site's language
  // policy can act on it.
  EXPECT_EQ("fr reliable Latn cld2",
            Detect("merci beaucoup pour cet article, très intéressant", "", kOurSite));
}

TEST(LanguageTest, UnsureLatinGoesToHintThenSiteThenEnglish) {
  // CLD2: unknown.
  EXPECT_EQ("en unreliable Latn script", Detect("je creve la dalle"));
  EXPECT_EQ("fr unreliable Latn hint", Detect("je creve la dalle", "fr"));
  EXPECT_EQ("fr unreliable Latn site", Detect("je creve la dalle", "", {"ar", "ru", "fr"}));
  EXPECT_EQ("en unreliable Latn site", Detect("je creve la dalle", "", kOurSite));
  // A Cyrillic-script hint says nothing about Latin text.
  EXPECT_EQ("en unreliable Latn script", Detect("je creve la dalle", "ru"));
}

TEST(LanguageTest, Arabizi) {
  constexpr const char* kDarija = "wach kayn chi jdid f had lblad, 3lach hadchi";
  EXPECT_EQ("ar unreliable Latn arabizi", Detect(kDarija));
  EXPECT_EQ("ar unreliable Latn arabizi", Detect(kDarija, "", kOurSite));
  // Text evidence beats the hint.
  EXPECT_EQ("ar unreliable Latn arabizi", Detect(kDarija, "en"));
  // A site without Arabic: not Arabic.
  EXPECT_EQ("en unreliable Latn script", Detect(kDarija, "", kRussianOnly));
}

TEST(LanguageTest, NotArabizi) {
  // Numbers with units and ordinals, a file type, one borrowed word.
  EXPECT_EQ("en reliable Latn cld2", Detect("See you at 5pm on the 3rd, bring the mp3 player"));
  EXPECT_EQ("fr reliable Latn cld2", Detect("j'ai trop mal aux genoux wallah"));
}

TEST(LanguageTest, FullwidthAndMathematicalLettersAreRead) {
  EXPECT_EQ("en reliable Latn cld2",
            Detect("𝐓𝐡𝐢𝐬 𝐢𝐬 𝐚 𝐠𝐫𝐞𝐚𝐭 𝐨𝐟𝐟𝐞𝐫 𝐟𝐨𝐫 𝐲𝐨𝐮 𝐭𝐨𝐝𝐚𝐲, 𝐜𝐥𝐢𝐜𝐤 𝐭𝐡𝐞 𝐥𝐢𝐧𝐤"));
}

// ---- the hint -----------------------------------------------------------------

TEST(LanguageTest, HintDecidesAmbiguousText) {
  const char* text = "Добро утро, как сте";  // bg, sr and mk share these words
  EXPECT_EQ("bg reliable Cyrl hint", Detect(text, "bg"));
  EXPECT_EQ("sr reliable Cyrl hint", Detect(text, "sr-RS"));
  EXPECT_EQ("sr reliable Cyrl hint", Detect(text, "SR_rs"));
  EXPECT_EQ("en unreliable Latn hint", Detect("ok thanks", "en"));
}

TEST(LanguageTest, HintNeverOverridesClearText) {
  // The form is Russian, the comment is not.
  EXPECT_EQ("ar reliable Arab script", Detect("مرحبا، كيف حالك؟ شكرا على المقال الرائع", "ru"));
  EXPECT_EQ("en reliable Latn cld2",
            Detect("Hello, how are you doing today? This is a great article.", "ar"));
  EXPECT_EQ("uk reliable Cyrl cld2", Detect(kUkrainian, "ru"));
  EXPECT_EQ("ru reliable Cyrl cld2", Detect("Я тебе ноут в пятницу отдам", "uk"));
  EXPECT_EQ("fa reliable Arab cld2",
            Detect("من بیست ساله هستم و هنوز دوست دختر نداشتم، خیلی سخته", "ar"));
  // A hint the letters rule out (Bulgarian has no ы).
  EXPECT_EQ("ru reliable Cyrl script", Detect("Да не спеши ты так, дедуль", "bg"));
}

TEST(LanguageTest, SiteOverridesTheHintInItsScript) {
  EXPECT_EQ("ru reliable Cyrl script", Detect("Добро утро, как сте", "bg", kRussianOnly));
  EXPECT_EQ("bg reliable Cyrl hint", Detect("Добро утро, как сте", "bg", {"ru", "bg"}));
}

TEST(LanguageTest, UnusableHintsAreIgnored) {
  const char* text = "Добро утро, как сте";
  EXPECT_EQ("ru reliable Cyrl script", Detect(text, ""));
  EXPECT_EQ("ru reliable Cyrl script", Detect(text, "zz"));
  EXPECT_EQ("ru reliable Cyrl script", Detect(text, "b"));
  EXPECT_EQ("ru reliable Cyrl script", Detect(text, "bulgarian-ish"));
  EXPECT_EQ("ru reliable Cyrl script", Detect(text, "1g"));
  EXPECT_EQ("ru reliable Cyrl script", Detect(text, "en"));  // not a Cyrillic language
}

// ---- mixed scripts, addresses, other scripts ----------------------------------

TEST(LanguageTest, MixedScriptsGoToTheScriptOfMostWords) {
  EXPECT_EQ("en reliable Latn cld2",
            Detect("Это хорошо, thank you very much for your help with this problem today"));
  EXPECT_EQ("ru reliable Cyrl script",
            Detect("Привет всем, это очень интересная статья, спасибо! ok"));
  // One Russian word against one Latin: Latin words count half.
  EXPECT_EQ("ru unreliable Cyrl script", Detect("Набросай в excalidraw :)"));
}

TEST(LanguageTest, AddressesAreNotLanguage) {
  EXPECT_EQ("ru reliable Cyrl script",
            Detect("я ссылаюсь на эту проблему "
                   "https://www.macworld.com/article/234088/mac-bluetooth-audio.html"));
  EXPECT_EQ("ru reliable Cyrl script", Detect("Напиши мне @ivan_petrov или на ivan@example.com"));
  // Nothing but an address: its letters are all there is.
  EXPECT_EQ("en unreliable Latn script", Detect("https://www.surveymonkey.com/s/CVHMKLT"));
}

TEST(LanguageTest, OtherScriptsAreCld2s) {
  EXPECT_EQ("he reliable Hebr cld2",  // CLD2 says "iw"
            Detect("שלום, מה שלומך היום? תודה רבה על העזרה שלך"));
  EXPECT_EQ("el reliable Grek cld2", Detect("Γεια σου, τι κάνεις σήμερα; Ελπίζω να είσαι καλά."));
}

TEST(LanguageTest, NoLettersNoLanguage) {
  const Language none{"und", false, "", LanguageSource::kNone};
  EXPECT_EQ(none, DetectLanguage(""));
  EXPECT_EQ(none, DetectLanguage("12345 !!! 🎰", "ru", kOurSite));
  EXPECT_EQ(none, DetectLanguage("\u200B\u200F ... "));
}

TEST(LanguageTest, InvalidUtf8IsUnknown) {
  const Language none{"und", false, "", LanguageSource::kNone};
  EXPECT_EQ(none, DetectLanguage("Hello, how are you doing today? \xFF This is a great article."));
  EXPECT_EQ(none, DetectLanguage("Привет\xD0", "ru", kOurSite));
}

TEST(LanguageTest, SourceNames) {
  EXPECT_STREQ("none", LanguageSourceName(LanguageSource::kNone));
  EXPECT_STREQ("cld2", LanguageSourceName(LanguageSource::kCld2));
  EXPECT_STREQ("script", LanguageSourceName(LanguageSource::kScript));
  EXPECT_STREQ("hint", LanguageSourceName(LanguageSource::kHint));
  EXPECT_STREQ("site", LanguageSourceName(LanguageSource::kSite));
  EXPECT_STREQ("arabizi", LanguageSourceName(LanguageSource::kArabizi));
}

// ---- the labelled corpora -------------------------------------------------------

// Code points of valid UTF-8 (continuation bytes are not counted).
size_t CodePoints(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

// The script most letters of `s` are written in: "Arab", "Cyrl", "Latn" or
// "" (anything else, or no letters). Independent of the code under test.
std::string MainScript(std::string_view s) {
  int arabic = 0;
  int cyrillic = 0;
  int latin = 0;
  for (size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    uint32_t cp = c;
    int len = 1;
    if (c >= 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else if (c >= 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if (c >= 0xC0) {
      len = 2;
      cp = c & 0x1F;
    }
    for (int k = 1; k < len && i + k < s.size(); ++k) {
      cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    }
    i += len;
    if ((cp | 0x20) >= 'a' && (cp | 0x20) <= 'z') ++latin;
    if (cp >= 0x00C0 && cp <= 0x024F && cp != 0xD7 && cp != 0xF7) ++latin;
    if (cp >= 0x0400 && cp <= 0x04FF) ++cyrillic;
    if ((cp >= 0x0620 && cp <= 0x064A) || (cp >= 0x066E && cp <= 0x06D3)) ++arabic;
  }
  if (arabic > cyrillic && arabic > latin) return "Arab";
  if (cyrillic > latin && cyrillic > arabic) return "Cyrl";
  if (latin > 0 && latin >= arabic && latin >= cyrillic) return "Latn";
  return "";
}

std::string ScriptOfLanguage(const std::string& code) {
  if (code == "ar") return "Arab";
  if (code == "ru") return "Cyrl";
  return "Latn";
}

struct Tally {
  size_t n = 0;
  size_t right = 0;
  double Accuracy() const { return n == 0 ? 1.0 : static_cast<double>(right) / n; }
};

// What each corpus must reach with no hint and no site languages, on its
// texts of at least 20 characters. Three corpora cannot honestly reach 0.97
// on all of their texts, because not all of their texts are in the corpus
// language; for them the floor is what the decision reaches (a regression
// guard), and 0.97 is asserted where it applies (docs/classifier.md,
// "Language identification").
struct Expectation {
  double all = 0.97;              // every text of >= 20 characters
  double in_script = 0.0;         // texts mostly in the corpus language's script
  double with_site = 0.0;         // with site languages {ar, ru, en}
};

const std::map<std::string, Expectation>& Exceptions() {
  static const auto* const exceptions = new std::map<std::string, Expectation>{
      // 24 % of its texts are Latin script: French tweets (CLD2 says fr) and
      // Arabizi; only part of the Arabizi is recognised.
      {"darija", {0.77, 0.97, 0.0}},
      // 6 % of its texts are English (crypto and "investment" spam posted
      // in the Russian chat), which is what they are called.
      {"radio-t", {0.93, 0.97, 0.0}},
      // 4.7 % of its texts are Persian tweets (ی ک پ گ); CLD2 says fa and the
      // letters agree. On an ar/ru/en site they are "ar".
      {"arabic-spam", {0.95, 0.0, 0.97}},
  };
  return *exceptions;
}

TEST(LanguageCorpusTest, AccuracyPerCorpus) {
  const std::string data_dir = std::string(MODERATED_SOURCE_DIR) + "/../shared/data";
  if (!std::filesystem::is_directory(data_dir)) {
    GTEST_SKIP() << "../shared/data absent: " << data_dir;
  }
  std::printf("%-14s %7s %8s %9s %11s %9s  %s\n", "corpus", "texts", "no hint", "site", "in script",
              "share", "other answers (no hint, >= 1 %)");
  for (const std::string& preset : training::PresetNames()) {
    std::vector<training::Example> examples;
    std::string error;
    ASSERT_TRUE(training::ReadPreset(preset, data_dir, &examples, &error)) << error;
    Tally all;
    Tally site;
    Tally in_script;
    std::map<std::string, size_t> others;
    for (const training::Example& e : examples) {
      if (CodePoints(e.text) < 20) continue;
      const std::string code = DetectLanguage(e.text).code;
      const bool right = code == e.language;
      ++all.n;
      all.right += right;
      if (!right) ++others[code];
      ++site.n;
      site.right += DetectLanguage(e.text, "", kOurSite).code == e.language;
      if (MainScript(e.text) == ScriptOfLanguage(e.language)) {
        ++in_script.n;
        in_script.right += right;
      }
    }
    std::string other_answers;
    for (const auto& [code, count] : others) {
      if (count * 100 >= all.n) other_answers += code + ":" + std::to_string(count) + " ";
    }
    std::printf("%-14s %7zu %8.4f %9.4f %11.4f %8.1f%%  %s\n", preset.c_str(), all.n,
                all.Accuracy(), site.Accuracy(), in_script.Accuracy(),
                100.0 * static_cast<double>(in_script.n) / static_cast<double>(all.n),
                other_answers.c_str());
    ASSERT_GT(all.n, 500u) << preset;
    const auto it = Exceptions().find(preset);
    const Expectation want = it == Exceptions().end() ? Expectation() : it->second;
    EXPECT_GE(all.Accuracy(), want.all) << preset;
    EXPECT_GE(in_script.Accuracy(), want.in_script) << preset;
    EXPECT_GE(site.Accuracy(), want.with_site) << preset;
  }
}

}  // namespace
}  // namespace moderated::classifiers

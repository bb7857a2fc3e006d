// tests/classifiers/normalizer_test.cc
#include "classifiers/normalizer.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace moderated::classifiers {
namespace {

// Renders the origin of every output character (not byte) as "b-e", so one
// string shows the whole offset map. Fails if the bytes of one character do
// not share an origin.
std::string CharOrigins(const NormalizedText& n) {
  EXPECT_EQ(n.text.size(), n.origin.size());
  std::string out;
  for (size_t i = 0; i < n.text.size(); ++i) {
    const auto byte = static_cast<unsigned char>(n.text[i]);
    if ((byte & 0xC0) == 0x80) {
      EXPECT_EQ(n.origin[i - 1], n.origin[i]) << "byte " << i;
      continue;
    }
    if (!out.empty()) out += ' ';
    out += std::to_string(n.origin[i].begin) + "-" + std::to_string(n.origin[i].end);
  }
  return out;
}

// "text|invisible,bidi,mixed,confusables" for one-line comparisons.
std::string Render(const NormalizedText& n) {
  return n.text + "|" + std::to_string(n.invisible_count) + "," +
         std::to_string(n.bidi_control_count) + "," +
         std::to_string(n.mixed_script_words) + "," +
         std::to_string(n.confusables_mapped);
}

std::string Norm(std::string_view s) { return Normalize(s).text; }

TEST(NormalizerTest, VersionIsOne) { EXPECT_EQ(1, kNormalizerVersion); }

TEST(NormalizerTest, EmptyInput) {
  NormalizedText n = Normalize("");
  EXPECT_EQ("|0,0,0,0", Render(n));
  EXPECT_TRUE(n.origin.empty());
  EXPECT_EQ((ByteSpan{0, 0}), n.ToInput(0, 0));
}

TEST(NormalizerTest, PlainAsciiIsUnchangedWithIdentityMap) {
  NormalizedText n = Normalize("hello, world 42!");
  EXPECT_EQ("hello, world 42!|0,0,0,0", Render(n));
  for (size_t i = 0; i < n.origin.size(); ++i) {
    EXPECT_EQ((ByteSpan{i, i + 1}), n.origin[i]);
  }
}

TEST(NormalizerTest, CaseFolding) {
  EXPECT_EQ("casino", Norm("CASINO"));
  EXPECT_EQ("strasse", Norm("Straße"));
  EXPECT_EQ("istanbul", Norm("İstanbul"));
  EXPECT_EQ("σοφοσ", Norm("ΣΟΦΟΣ"));  // final sigma folds to σ
}

TEST(NormalizerTest, FullwidthAndCompatibilityForms) {
  NormalizedText n = Normalize("ｃａｓｉｎｏ");
  EXPECT_EQ("casino|0,0,0,0", Render(n));
  EXPECT_EQ("0-3 3-6 6-9 9-12 12-15 15-18", CharOrigins(n));

  NormalizedText ligature = Normalize("ﬁnal");
  EXPECT_EQ("final", ligature.text);
  EXPECT_EQ("0-3 0-3 3-4 4-5 5-6", CharOrigins(ligature));
  EXPECT_EQ("x2", Norm("x²"));
}

TEST(NormalizerTest, ZeroWidthInsideWordIsRemovedAndCounted) {
  NormalizedText n = Normalize("ca\u200Bsino");
  EXPECT_EQ("casino|1,0,0,0", Render(n));
  EXPECT_EQ("0-1 1-2 5-6 6-7 7-8 8-9", CharOrigins(n));
  EXPECT_EQ((ByteSpan{0, 9}), n.ToInput(0, 6));
  EXPECT_EQ((ByteSpan{1, 6}), n.ToInput(1, 3));  // covers the removed U+200B
  EXPECT_EQ((ByteSpan{5, 6}), n.ToInput(2, 3));
}

TEST(NormalizerTest, EveryListedInvisibleIsRemoved) {
  // ZWSP, ZWNJ, ZWJ, word joiner, BOM, soft hyphen, and two other
  // default-ignorables (combining grapheme joiner, variation selector 16).
  NormalizedText n =
      Normalize("a\u200Bb\u200Cc\u200Dd\u2060e\uFEFFf\u00ADg\u034Fh\uFE0Fi");
  EXPECT_EQ("abcdefghi|8,0,0,0", Render(n));
}

TEST(NormalizerTest, BidiControlsAreRemovedAndCounted) {
  NormalizedText n = Normalize("\u202Egnp.exe");
  EXPECT_EQ("gnp.exe|1,1,0,0", Render(n));
  EXPECT_EQ((ByteSpan{3, 10}), n.ToInput(0, 7));

  // All twelve: LRM, RLM, ALM, LRE..RLO, LRI..PDI.
  NormalizedText all = Normalize(
      "a\u200E\u200F\u061C\u202A\u202B\u202C\u202D\u202E"
      "\u2066\u2067\u2068\u2069b");
  EXPECT_EQ("ab|12,12,0,0", Render(all));
  EXPECT_EQ("0-1 36-37", CharOrigins(all));
  EXPECT_EQ((ByteSpan{0, 37}), all.ToInput(0, 2));

  NormalizedText mixed = Normalize("\u2067abc\u2069\u200Bd");
  EXPECT_EQ("abcd|3,2,0,0", Render(mixed));
}

TEST(NormalizerTest, CombiningMarksAreDropped) {
  NormalizedText acute = Normalize("c\u0301asino");
  EXPECT_EQ("casino|0,0,0,0", Render(acute));
  EXPECT_EQ("0-3 3-4 4-5 5-6 6-7 7-8", CharOrigins(acute));

  NormalizedText underlined = Normalize("c̲a̲s̲i̲n̲o̲");
  EXPECT_EQ("casino|0,0,0,0", Render(underlined));
  EXPECT_EQ("0-1 3-4 6-7 9-10 12-13 15-16", CharOrigins(underlined));

  EXPECT_EQ("creme brulee", Norm("Crème Brûlée"));
  EXPECT_EQ("αεη", Norm("ΆΈΉ"));
  EXPECT_EQ("keycap 1", Norm("keycap 1\u20E3"));  // enclosing mark
}

TEST(NormalizerTest, ZeroWidthBetweenLetterAndMark) {
  // The invisible goes first, then c + U+0301 compose and the accent goes.
  NormalizedText n = Normalize("c\u200B\u0301");
  EXPECT_EQ("c|1,0,0,0", Render(n));
  EXPECT_EQ("0-6", CharOrigins(n));
}

TEST(NormalizerTest, StackedMarksAreCutAndDropped) {
  std::string zalgo = "a";
  for (int i = 0; i < 100; ++i) zalgo += "\u0301\u0316";
  zalgo += "b";
  NormalizedText n = Normalize(zalgo);
  EXPECT_EQ("ab|0,0,0,0", Render(n));
  // The first 30 marks belong to a's segment; the other 170 are cut.
  EXPECT_EQ("0-61 401-402", CharOrigins(n));

  std::string cyrillic = "к";
  for (int i = 0; i < 5; ++i) cyrillic += "\u0301";
  EXPECT_EQ("к", Norm(cyrillic));  // к + U+0301 composes to ќ, which decomposes again
}

TEST(NormalizerTest, HugeZalgoIsFast) {
  std::string zalgo = "x";
  for (int i = 0; i < 30000; ++i) zalgo += (i % 2 ? "\u0316" : "\u0301");
  EXPECT_EQ("x", Norm(zalgo));
}

TEST(NormalizerTest, CyrillicShortIKeepsItsBreve) {
  EXPECT_EQ("й", Norm("й"));
  NormalizedText decomposed = Normalize("и\u0306");
  EXPECT_EQ("й", decomposed.text);
  EXPECT_EQ("0-4", CharOrigins(decomposed));
  EXPECT_EQ("йод", Norm("ЙОД"));
  EXPECT_EQ("ї", Norm("ї"));  // Ukrainian yi keeps its dots
  EXPECT_EQ("ў", Norm("ў"));  // Belarusian short u keeps its breve
  EXPECT_EQ("кгие", Norm("ќѓѝѐ"));  // accented Macedonian/Bulgarian letters do not
}

TEST(NormalizerTest, ArabicTashkeel) {
  NormalizedText n = Normalize("أَهْلاً");
  EXPECT_EQ("اهلا|0,0,0,0", Render(n));
  EXPECT_EQ("0-2 4-6 8-10 10-12", CharOrigins(n));
  EXPECT_EQ((ByteSpan{4, 6}), n.ToInput(2, 4));
  EXPECT_EQ((ByteSpan{0, 6}), n.ToInput(0, 4));  // covers the dropped fatha
  EXPECT_EQ("محمد", Norm("مُحَمَّد"));                 // damma, fatha, shadda
  EXPECT_EQ("كتاب", Norm("كِتَابٌ"));                   // kasra, fatha, dammatan
  EXPECT_EQ("رحمن", Norm("رَحْمٰن"));                   // superscript alef U+0670
}

TEST(NormalizerTest, ArabicTatweel) {
  NormalizedText n = Normalize("ــكــازيــنــو");
  EXPECT_EQ("كازينو|0,0,0,0", Render(n));
  EXPECT_EQ("4-6 10-12 12-14 14-16 20-22 26-28", CharOrigins(n));
  // The whole word: starts after and ends at removed tatweels.
  EXPECT_EQ((ByteSpan{4, 28}), n.ToInput(0, n.text.size()));
}

TEST(NormalizerTest, ArabicAlefForms) {
  EXPECT_EQ("ا ا ا ا ا", Norm("أ إ آ ٱ ا"));
  NormalizedText decomposed = Normalize("ا\u0654");  // alef + hamza above
  EXPECT_EQ("ا", decomposed.text);
  EXPECT_EQ("0-4", CharOrigins(decomposed));
  EXPECT_EQ("اسلام", Norm("إسلام"));
  EXPECT_EQ("امن", Norm("آمن"));
}

TEST(NormalizerTest, ArabicYaAndTaMarbuta) {
  EXPECT_EQ("علي", Norm("على"));
  EXPECT_EQ("مدرسه", Norm("مدرسة"));
  EXPECT_EQ("مسوول", Norm("مسوول"));
  EXPECT_EQ("مسؤول", Norm("مسؤول"));  // hamza on waw is a letter, not tashkeel
}

TEST(NormalizerTest, ArabicPresentationForms) {
  NormalizedText n = Normalize("ﻻ");  // lam-alef ligature
  EXPECT_EQ("لا", n.text);
  EXPECT_EQ("0-3 0-3", CharOrigins(n));
}

TEST(NormalizerTest, RussianYoAndCase) {
  EXPECT_EQ("елка", Norm("Ёлка"));
  EXPECT_EQ("еж", Norm("ёж"));
  NormalizedText caps = Normalize("КАЗИНО");
  EXPECT_EQ("казино|0,0,0,0", Render(caps));
  EXPECT_EQ("0-2 2-4 4-6 6-8 8-10 10-12", CharOrigins(caps));
  EXPECT_EQ("привет, как дела?", Norm("Привет, как дела?"));
}

TEST(NormalizerTest, PureCyrillicWordsStayCyrillic) {
  EXPECT_EQ("казино|0,0,0,0", Render(Normalize("казино")));
  EXPECT_EQ("спасибо|0,0,0,0", Render(Normalize("спасибо")));
  // Every letter has a Latin look-alike, but no Latin letter is present.
  EXPECT_EQ("\u0441\u043E\u0440 \u0440\u0430\u0445|0,0,0,0",
            Render(Normalize("\u0441\u043E\u0440 \u0440\u0430\u0445")));
  EXPECT_EQ("\u0432\u0435\u0442|0,0,0,0", Render(Normalize("\u0412\u0415\u0422")));
}

TEST(NormalizerTest, PureGreekWordsStayGreek) {
  EXPECT_EQ("\u03BA\u03B1\u03B6\u03B9\u03BD\u03BF|0,0,0,0",
            Render(Normalize("\u039A\u0391\u0396\u0399\u039D\u039F")));  // ΚΑΖΙΝΟ
}

TEST(NormalizerTest, MixedLatinCyrillicBecomesLatin) {
  NormalizedText n = Normalize("\u0441\u0430sin\u043E");  // Cyrillic с, а, о
  EXPECT_EQ("casino|0,0,1,3", Render(n));
  EXPECT_EQ("0-2 2-4 4-5 5-6 6-7 7-9", CharOrigins(n));
  EXPECT_EQ((ByteSpan{2, 6}), n.ToInput(1, 4));

  EXPECT_EQ("play casino now|0,0,1,2", Render(Normalize("Play c\u0430sin\u043E now")));
  EXPECT_EQ("bet|0,0,1,1", Render(Normalize("BE\u0422")));      // Cyrillic Т
  EXPECT_EQ("poker|0,0,1,1", Render(Normalize("P\u041EKER")));  // Cyrillic О
  // Upper-case look-alikes count: М, Н, К look like M, H, K.
  EXPECT_EQ("magic|0,0,1,1", Render(Normalize("\u041CAGIC")));
  EXPECT_EQ("hot|0,0,1,1", Render(Normalize("\u041DOT")));
  EXPECT_EQ("bank|0,0,1,1", Render(Normalize("BAN\u041A")));
}

TEST(NormalizerTest, MixedLatinGreekBecomesLatin) {
  EXPECT_EQ("kazino|0,0,1,1", Render(Normalize("\u039AAZINO")));    // Greek Κ
  EXPECT_EQ("viagra|0,0,1,2", Render(Normalize("v\u03B9\u03B1gra")));  // Greek ι α
}

TEST(NormalizerTest, MostlyCyrillicWordGetsCyrillicLetters) {
  // Latin a, o in a Cyrillic word.
  EXPECT_EQ("казино|0,0,1,2", Render(Normalize("\u043Aa\u0437\u0438\u043Do")));
  // Latin p, e.
  EXPECT_EQ("привет|0,0,1,2", Render(Normalize("\u043Fp\u0438\u0432e\u0442")));
  // Latin 's' has no Russian look-alike: the word stays mixed.
  EXPECT_EQ("\u043As\u0430\u0437\u0438\u043D\u043E|0,0,1,0",
            Render(Normalize("\u043As\u0430\u0437\u0438\u043D\u043E")));
}

TEST(NormalizerTest, MixedWordsAreCountedPerWord) {
  NormalizedText n = Normalize("\u0441\u0430sin\u043E и \u043Aa\u0437\u0438\u043Do, ok");
  EXPECT_EQ("casino и казино, ok|0,0,2,5", Render(n));
}

TEST(NormalizerTest, WhitespaceIsCollapsedAndTrimmed) {
  NormalizedText n = Normalize("  hello \t\n  world  ");
  EXPECT_EQ("hello world|0,0,0,0", Render(n));
  EXPECT_EQ("2-3 3-4 4-5 5-6 6-7 7-12 12-13 13-14 14-15 15-16 16-17", CharOrigins(n));
  EXPECT_EQ((ByteSpan{7, 12}), n.ToInput(5, 6));
  EXPECT_EQ((ByteSpan{2, 17}), n.ToInput(0, n.text.size()));

  NormalizedText unicode = Normalize("a\u00A0\u3000\u2028b");  // NBSP, ideographic, LS
  EXPECT_EQ("a b", unicode.text);
  EXPECT_EQ("0-1 1-9 9-10", CharOrigins(unicode));

  // An invisible between two spaces does not split the run.
  EXPECT_EQ("a b|1,0,0,0", Render(Normalize("a \u200B b")));
}

TEST(NormalizerTest, OnlyWhitespaceAndInvisibles) {
  NormalizedText n = Normalize(" \t\u200B\u202E \n");
  EXPECT_EQ("|2,1,0,0", Render(n));
  EXPECT_EQ((ByteSpan{0, 0}), n.ToInput(0, 0));
}

TEST(NormalizerTest, InvalidUtf8BecomesReplacementCharacters) {
  NormalizedText n = Normalize("x\xFFy\xE2\x82z");
  EXPECT_EQ("x\uFFFDy\uFFFDz", n.text);
  EXPECT_EQ("0-1 1-2 2-3 3-5 5-6", CharOrigins(n));
}

TEST(NormalizerTest, ToInputEmptySpans) {
  NormalizedText n = Normalize("\u202Ecasino\u200B!");
  EXPECT_EQ("casino!|2,1,0,0", Render(n));
  EXPECT_EQ((ByteSpan{3, 3}), n.ToInput(0, 0));
  EXPECT_EQ((ByteSpan{5, 5}), n.ToInput(2, 2));
  EXPECT_EQ((ByteSpan{12, 12}), n.ToInput(6, 6));  // '!' after the removed ZWSP
  EXPECT_EQ((ByteSpan{13, 13}), n.ToInput(7, 7));  // end of output
  EXPECT_EQ((ByteSpan{3, 9}), n.ToInput(0, 6));    // "casino" without the ZWSP
  EXPECT_EQ((ByteSpan{8, 13}), n.ToInput(5, 7));   // "o!" covers the ZWSP
}

TEST(NormalizerTest, ToInputInMixedText) {
  // "Win " + Cyrillic "КАЗИНО" + " " + Arabic "كازينو" + " " + Latin c with
  // Cyrillic а and о.
  const std::string input = "Win КАЗИНО كازينو c\u0430sin\u043E";
  NormalizedText n = Normalize(input);
  EXPECT_EQ("win казино كازينو casino|0,0,1,2", Render(n));
  const std::string cyrillic = "казино";
  const std::string arabic = "كازينو";
  const size_t cyr = n.text.find(cyrillic);
  const size_t ara = n.text.find(arabic);
  const size_t lat = n.text.find("casino");
  EXPECT_EQ((ByteSpan{4, 16}), n.ToInput(cyr, cyr + cyrillic.size()));
  EXPECT_EQ("КАЗИНО", input.substr(4, 12));
  EXPECT_EQ((ByteSpan{17, 29}), n.ToInput(ara, ara + arabic.size()));
  EXPECT_EQ((ByteSpan{30, 38}), n.ToInput(lat, lat + 6));
  EXPECT_EQ((ByteSpan{31, 33}), n.ToInput(lat + 1, lat + 2));  // the Cyrillic а
  EXPECT_EQ(input.size(), size_t{38});
  // A single Cyrillic letter's bytes, and half of one.
  EXPECT_EQ((ByteSpan{6, 8}), n.ToInput(cyr + 2, cyr + 4));
  EXPECT_EQ((ByteSpan{6, 8}), n.ToInput(cyr + 3, cyr + 4));
}

TEST(NormalizerTest, IsIdempotent) {
  const char* samples[] = {"\u0441\u0430sin\u043E", "ｃａｓｉｎｏ", "أَهْلاً", "ــكــازيــنــو", "Ёлка КАЗИНО",
                           "\u043Aa\u0437\u0438\u043Do", "Crème Brûlée", "  a \t b ", "ΚΑΖΙΝΟ", "ﷺ ﻻ"};
  for (const char* s : samples) {
    const std::string once = Norm(s);
    EXPECT_EQ(once, Norm(once)) << s;
  }
}

TEST(NormalizerTest, ThreadsGetTheSameAnswer) {
  const std::string input = "Play \u0441\u0430sin\u043E ــكــازيــنــو Ёлка \u202Eabc";
  const std::string expected = Norm(input);
  std::vector<std::thread> threads;
  std::vector<int> mismatches(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        if (Norm(input) != expected) ++mismatches[t];
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ((std::vector<int>{0, 0, 0, 0}), mismatches);
}

TEST(IsValidUtf8Test, Valid) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain ascii"));
  EXPECT_TRUE(IsValidUtf8("казино كازينو 🎰"));
  EXPECT_TRUE(IsValidUtf8("\xC2\x80"));          // U+0080
  EXPECT_TRUE(IsValidUtf8("\xED\x9F\xBF"));      // U+D7FF, last before surrogates
  EXPECT_TRUE(IsValidUtf8("\xEE\x80\x80"));      // U+E000, first after
  EXPECT_TRUE(IsValidUtf8("\xEF\xBF\xBF"));      // U+FFFF noncharacter is valid
  EXPECT_TRUE(IsValidUtf8("\xF4\x8F\xBF\xBF"));  // U+10FFFF
  EXPECT_TRUE(IsValidUtf8(std::string_view("a\0b", 3)));
}

TEST(IsValidUtf8Test, Overlong) {
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));              // '/' in 2 bytes
  EXPECT_FALSE(IsValidUtf8("\xC1\xBF"));
  EXPECT_FALSE(IsValidUtf8("\xE0\x80\xAF"));          // in 3 bytes
  EXPECT_FALSE(IsValidUtf8("\xE0\x9F\xBF"));          // U+07FF in 3 bytes
  EXPECT_FALSE(IsValidUtf8("\xF0\x80\x80\xAF"));      // in 4 bytes
  EXPECT_FALSE(IsValidUtf8("\xF0\x8F\xBF\xBF"));      // U+FFFF in 4 bytes
}

TEST(IsValidUtf8Test, Surrogates) {
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));              // U+D800
  EXPECT_FALSE(IsValidUtf8("\xED\xBF\xBF"));              // U+DFFF
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\xBD\xED\xB8\x80"));  // CESU-8 pair
}

TEST(IsValidUtf8Test, Truncated) {
  EXPECT_FALSE(IsValidUtf8("\xC3"));
  EXPECT_FALSE(IsValidUtf8("\xE2\x82"));
  EXPECT_FALSE(IsValidUtf8("\xF0\x9F\x98"));
  EXPECT_FALSE(IsValidUtf8("ok\xF0\x9F\x98 ok"));  // continuation missing mid-string
  EXPECT_FALSE(IsValidUtf8("\xE2\x28\xA1"));       // second byte not a continuation
}

TEST(IsValidUtf8Test, AboveMaxAndStrayBytes) {
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // U+110000
  EXPECT_FALSE(IsValidUtf8("\xF5\x80\x80\x80"));
  EXPECT_FALSE(IsValidUtf8("\xF8\x88\x80\x80\x80"));  // old 5-byte form
  EXPECT_FALSE(IsValidUtf8("\x80"));                  // lone continuation
  EXPECT_FALSE(IsValidUtf8("a\xBF"));
  EXPECT_FALSE(IsValidUtf8("\xFE"));
  EXPECT_FALSE(IsValidUtf8("\xFF"));
}

}  // namespace
}  // namespace moderated::classifiers

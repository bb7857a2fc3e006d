// tests/classifiers/tokenizer_test.cc
#include "classifiers/tokenizer.h"

#include <gtest/gtest.h>

#include <string>

namespace moderated::classifiers {
namespace {

TEST(TokenizerTest, SplitsWordsAndDropsPunctuation) {
  EXPECT_EQ(TokenizeForModel("hello, world. how are you?"), "hello world how are you");
  EXPECT_EQ(TokenizeForModel("  many   spaces\there\n"), "many spaces here");
  EXPECT_EQ(TokenizeForModel(""), "");
  EXPECT_EQ(TokenizeForModel(" ... ,,, "), "");
  EXPECT_EQ(TokenizeForModel("i'm fine"), "i'm fine");
  EXPECT_EQ(TokenizeForModel("buy now!!!visit"), "buy now __excl__ visit");
}

TEST(TokenizerTest, ExclamationRunsBecomeOneToken) {
  EXPECT_EQ(TokenizeForModel("wow!!! great!"), "wow __excl__ great __excl__");
  EXPECT_EQ(TokenizeForModel("!! !!"), "__excl__");
}

TEST(TokenizerTest, ArabicAndCyrillic) {
  EXPECT_EQ(TokenizeForModel("مرحبا، كيف حالك؟"), "مرحبا كيف حالك");
  EXPECT_EQ(TokenizeForModel("привет,мир! как дела?"), "привет мир __excl__ как дела");
}

TEST(TokenizerTest, RussianPronounsAreLeftOutOfTheModelInput) {
  // Normalize() has already folded ё to е and lower-cased the text.
  EXPECT_EQ(TokenizeForModel("я тебе ноут в пятницу отдам"), "ноут в пятницу отдам");
  EXPECT_EQ(TokenizeForModel("ну ты даешь, молодец"), "ну даешь молодец");
  EXPECT_EQ(TokenizeForModel("ваш мой свое нам"), "");
  EXPECT_EQ(TokenizeForModel("ты тупой идиот"), "тупой идиот");
  // Only whole tokens: words that merely start like one stay.
  EXPECT_EQ(TokenizeForModel("тыква втора"), "тыква втора");
  // Other scripts are untouched, including English "you" and Arabic "انت".
  EXPECT_EQ(TokenizeForModel("you idiot انت غبي"), "you idiot انت غبي");
}

TEST(TokenizerTest, AllWordsKeepsThePronouns) {
  EXPECT_EQ(TokenizeAllWords("я тебе ноут в пятницу отдам!"), "я тебе ноут в пятницу отдам __excl__");
  EXPECT_EQ(TokenizeAllWords("visit http://bit.ly/abc"), TokenizeForModel("visit http://bit.ly/abc"));
}

TEST(TokenizerTest, Urls) {
  EXPECT_EQ(TokenizeForModel("visit http://bit.ly/abc now"), "visit __url__ now");
  EXPECT_EQ(TokenizeForModel("see https://example.com/a?b=c."), "see __url__");
  EXPECT_EQ(TokenizeForModel("go to www.cash-now.biz"), "go to __url__");
  EXPECT_EQ(TokenizeForModel("just for test i have to say murdev.com"),
            "just for test i have to say __url__");
  EXPECT_EQ(TokenizeForModel("here:http://x.ru/y"), "here __url__");
  EXPECT_EQ(TokenizeForModel("(youtube.com/watch?v=1)"), "__url__");
  // Not URLs: a missing space after a full stop, or an unknown TLD.
  EXPECT_EQ(TokenizeForModel("great.thanks"), "great.thanks");
}

TEST(TokenizerTest, EmailsAndHandles) {
  EXPECT_EQ(TokenizeForModel("mail me at john.doe@example.org!"), "mail me at __email__ __excl__");
  EXPECT_EQ(TokenizeForModel("@user.idx thanks"), "__handle__ thanks");
  EXPECT_EQ(TokenizeForModel("rt @user: hi"), "rt __handle__ hi");
  EXPECT_EQ(TokenizeForModel("@محمد شكرا"), "__handle__ شكرا");
}

TEST(TokenizerTest, PhoneNumbers) {
  EXPECT_EQ(TokenizeForModel("call 09061701461 now"), "call __phone__ now");
  EXPECT_EQ(TokenizeForModel("call +44 20 7946 0958"), "call __phone__");
  EXPECT_EQ(TokenizeForModel("call 555-123-4567."), "call __phone__");
  EXPECT_EQ(TokenizeForModel("call 555 123 4567"), "call __phone__");
  EXPECT_EQ(TokenizeForModel("whatsapp (050) 1234567!"), "whatsapp __phone__ __excl__");
  EXPECT_EQ(TokenizeForModel("واتساب +966 55 123 4567"), "واتساب __phone__");
}

TEST(TokenizerTest, NumbersAndDates) {
  EXPECT_EQ(TokenizeForModel("text win to 87121"), "text win to __num__");
  EXPECT_EQ(TokenizeForModel("in 2013 and 2014"), "in 2013 and 2014");
  EXPECT_EQ(TokenizeForModel("on 2013-11-07"), "on 2013 11 07");
  EXPECT_EQ(TokenizeForModel("1234567890 views"), "__num__ views");
  EXPECT_EQ(TokenizeForModel("5000 рублей"), "5000 рублей");
}

TEST(TokenizerTest, SymbolsAreKept) {
  EXPECT_EQ(TokenizeForModel("win £1000 cash"), "win £ 1000 cash");
  EXPECT_EQ(TokenizeForModel("so good 🔥🔥"), "so good 🔥 🔥");
  EXPECT_EQ(TokenizeForModel("a - b = c"), "a b c");
}

TEST(TokenizerTest, OutputHasNoFastTextSeparators) {
  std::string out = TokenizeForModel("a\tb\nc\rd\v\fe");
  EXPECT_EQ(out, "a b c d e");
  EXPECT_EQ(TokenizeForModel(std::string("x\0y", 3)), "x y");
}

TEST(TokenizerTest, InvalidUtf8IsTolerated) {
  EXPECT_EQ(TokenizeForModel("ok \xff\xfe bad"), "ok bad");
}

}  // namespace
}  // namespace moderated::classifiers

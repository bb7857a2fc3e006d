// tests/base/strings_test.cc
#include "base/strings.h"

#include <gtest/gtest.h>

namespace moderated::base {
namespace {

TEST(StringsTest, AsciiLowerLeavesOtherBytes) {
  EXPECT_EQ("casino.example", AsciiLower("CaSiNo.EXAMPLE"));
  EXPECT_EQ("ÉtÉ", AsciiLower("ÉTÉ"));  // only ASCII letters change
  EXPECT_EQ("", AsciiLower(""));
}

TEST(StringsTest, ParseInt64TakesTheWholeTextOnly) {
  int64_t n = 0;
  EXPECT_TRUE(ParseInt64("42", &n));
  EXPECT_EQ(42, n);
  EXPECT_TRUE(ParseInt64("-7", &n));
  EXPECT_EQ(-7, n);
  EXPECT_TRUE(ParseInt64("9223372036854775807", &n));
  EXPECT_EQ(INT64_MAX, n);
  EXPECT_FALSE(ParseInt64("", &n));
  EXPECT_FALSE(ParseInt64("12a", &n));
  EXPECT_FALSE(ParseInt64(" 12", &n));
  EXPECT_FALSE(ParseInt64("+12", &n));
  EXPECT_FALSE(ParseInt64("9223372036854775808", &n));  // overflow
}

TEST(StringsTest, ParseDoubleTakesFiniteNumbersOnly) {
  double d = 0;
  EXPECT_TRUE(ParseDouble("0.25", &d));
  EXPECT_EQ(0.25, d);
  EXPECT_TRUE(ParseDouble("-1e3", &d));
  EXPECT_EQ(-1000, d);
  EXPECT_FALSE(ParseDouble("", &d));
  EXPECT_FALSE(ParseDouble("1.5x", &d));
  EXPECT_FALSE(ParseDouble("nan", &d));
  EXPECT_FALSE(ParseDouble("inf", &d));
  EXPECT_FALSE(ParseDouble(std::string(65, '1'), &d));
}

TEST(StringsTest, Utf8PrefixNeverSplitsACharacter) {
  EXPECT_EQ("abc", Utf8Prefix("abc", 10));
  EXPECT_EQ("ab", Utf8Prefix("abc", 2));
  // "ж" is two bytes: a cut inside it drops the whole character.
  EXPECT_EQ("a", Utf8Prefix("aж", 2));
  EXPECT_EQ("aж", Utf8Prefix("aж", 3));
  EXPECT_EQ("", Utf8Prefix("ж", 1));
}

TEST(StringsTest, TrimAsciiRemovesSpaceTabAndLineEnds) {
  EXPECT_EQ("a b", TrimAscii(" \t a b\r\n"));
  EXPECT_EQ("", TrimAscii(" \n "));
}

}  // namespace
}  // namespace moderated::base

#include "classifiers/charset.h"

#include <gtest/gtest.h>

namespace moderated::classifiers {
namespace {

TEST(CharsetTest, Utf8PassesThroughUnchanged) {
  std::string out, error;
  ASSERT_TRUE(ConvertToUtf8("مرحبا Привет hello", "UTF-8", &out, &error)) << error;
  EXPECT_EQ(out, "مرحبا Привет hello");
  ASSERT_TRUE(ConvertToUtf8("plain", "", &out, &error));
  EXPECT_EQ(out, "plain");
  ASSERT_TRUE(ConvertToUtf8("x", "utf8", &out, &error));
  EXPECT_EQ(out, "x");
}

TEST(CharsetTest, InvalidUtf8BecomesReplacementCharacters) {
  std::string out, error;
  ASSERT_TRUE(ConvertToUtf8(std::string("ab\xff" "c", 4), "UTF-8", &out, &error)) << error;
  EXPECT_EQ(out, "ab\xEF\xBF\xBD" "c");
}

TEST(CharsetTest, Windows1251Russian) {
  // "Привет" in windows-1251.
  const std::string bytes = "\xCF\xF0\xE8\xE2\xE5\xF2";
  std::string out, error;
  ASSERT_TRUE(ConvertToUtf8(bytes, "windows-1251", &out, &error)) << error;
  EXPECT_EQ(out, "Привет");
}

TEST(CharsetTest, Koi8rRussian) {
  // "Привет" in KOI8-R.
  const std::string bytes = "\xF0\xD2\xC9\xD7\xC5\xD4";
  std::string out, error;
  ASSERT_TRUE(ConvertToUtf8(bytes, "KOI8-R", &out, &error)) << error;
  EXPECT_EQ(out, "Привет");
}

TEST(CharsetTest, Windows1256Arabic) {
  // "مرحبا" in windows-1256.
  const std::string bytes = "\xE3\xD1\xCD\xC8\xC7";
  std::string out, error;
  ASSERT_TRUE(ConvertToUtf8(bytes, "windows-1256", &out, &error)) << error;
  EXPECT_EQ(out, "مرحبا");
}

TEST(CharsetTest, Iso88596Arabic) {
  // "مرحبا" in ISO-8859-6.
  const std::string bytes = "\xE5\xD1\xCD\xC8\xC7";
  std::string out, error;
  ASSERT_TRUE(ConvertToUtf8(bytes, "ISO-8859-6", &out, &error)) << error;
  EXPECT_EQ(out, "مرحبا");
}

TEST(CharsetTest, UnknownCharsetIsAnError) {
  std::string out, error;
  EXPECT_FALSE(ConvertToUtf8("abc", "x-no-such-charset", &out, &error));
  EXPECT_EQ(error, "unknown charset 'x-no-such-charset'");
}

}  // namespace
}  // namespace moderated::classifiers

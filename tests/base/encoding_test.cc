// tests/base/encoding_test.cc
#include "base/encoding.h"

#include <gtest/gtest.h>

namespace moderated::base {
namespace {

TEST(EncodingTest, Hex) {
  EXPECT_EQ("00017f80ff", HexEncode(std::string("\x00\x01\x7f\x80\xff", 5)));
  std::string out;
  AppendHexByte(0xab, &out);
  AppendHexByte(0xab, &out, /*upper=*/true);
  EXPECT_EQ("abAB", out);
}

// RFC 4648 §10 test vectors.
TEST(EncodingTest, ParseHex) {
  uint32_t v = 0;
  EXPECT_TRUE(ParseHex("2019", &v));
  EXPECT_EQ(0x2019u, v);
  EXPECT_TRUE(ParseHex("aB", &v));
  EXPECT_EQ(0xABu, v);
  EXPECT_TRUE(ParseHex("FFFFFFFF", &v));
  EXPECT_EQ(0xFFFFFFFFu, v);
  EXPECT_FALSE(ParseHex("", &v));
  EXPECT_FALSE(ParseHex("12g4", &v));
  EXPECT_FALSE(ParseHex("100000000", &v));  // more than 32 bits
  EXPECT_EQ(0xFFFFFFFFu, v);                // untouched on failure
}

TEST(EncodingTest, AppendUtf8WritesOneToFourBytes) {
  std::string out;
  for (uint32_t cp : {0x41u, 0x436u, 0x628u, 0x2019u, 0x1F600u}) AppendUtf8(cp, &out);
  EXPECT_EQ("A\u0436\u0628\u2019\U0001F600", out);
}

TEST(EncodingTest, Base64MatchesTheRfcVectors) {
  const std::pair<const char*, const char*> kVectors[] = {
      {"", ""},
      {"f", "Zg=="},
      {"fo", "Zm8="},
      {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="},
      {"fooba", "Zm9vYmE="},
      {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [plain, encoded] : kVectors) {
    EXPECT_EQ(encoded, Base64Encode(plain));
    EXPECT_EQ(plain, Base64DecodeLenient(encoded));
  }
}

TEST(EncodingTest, LenientBase64SkipsLineBreaksAndJunkAndStopsAtPadding) {
  EXPECT_EQ("foobar", Base64DecodeLenient("Zm9v\r\nYm Fy"));
  EXPECT_EQ("fo", Base64DecodeLenient("Zm8=Zm9v"));
  EXPECT_EQ("fo", Base64DecodeLenient("Zm8"));     // unpadded
  EXPECT_EQ("fo3", Base64DecodeLenient("Zm8zZ"));  // a lone last character holds no byte
}

TEST(EncodingTest, Base64UrlRoundTripsWithoutPadding) {
  const std::string bytes("\xfb\xff\xbf\x00\x10", 5);
  const std::string text = Base64UrlEncode(bytes);
  EXPECT_EQ("-_-_ABA", text);
  std::string back;
  ASSERT_TRUE(Base64UrlDecode(text, &back));
  EXPECT_EQ(bytes, back);
  EXPECT_EQ(43u, Base64UrlEncode(std::string(32, 'x')).size());
}

TEST(EncodingTest, Base64UrlDecodeRejectsOtherAlphabets) {
  std::string out;
  EXPECT_FALSE(Base64UrlDecode("ab+c", &out));
  EXPECT_FALSE(Base64UrlDecode("ab/c", &out));
  EXPECT_FALSE(Base64UrlDecode("abc=", &out));
  EXPECT_FALSE(Base64UrlDecode("a", &out));  // a lone character holds no byte
  EXPECT_TRUE(Base64UrlDecode("", &out));
  EXPECT_EQ("", out);
}

}  // namespace
}  // namespace moderated::base

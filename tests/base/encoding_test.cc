// tests/base/encoding_test.cc
#include "base/encoding.h"

#include <gtest/gtest.h>

#include <string_view>
#include <utility>
#include <vector>

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

TEST(EncodingTest, DecodeUtf8ReadsWellFormedSequencesOnly) {
  auto decode = [](std::string_view s) {
    std::vector<std::pair<int32_t, size_t>> out;  // code point, position after
    size_t i = 0;
    while (i < s.size()) {
      int32_t cp = DecodeUtf8(s, &i);
      out.emplace_back(cp, i);
    }
    return out;
  };
  using V = std::vector<std::pair<int32_t, size_t>>;
  EXPECT_EQ((V{{0x41, 1}, {0x436, 3}, {0x628, 5}, {0x2019, 8}, {0x1F600, 12}}),
            decode("A\xD0\xB6\xD8\xA8\xE2\x80\x99\xF0\x9F\x98\x80"));
  // Overlong "/", a surrogate, above U+10FFFF, a lone continuation byte and
  // a truncated sequence: -1, one byte at a time.
  EXPECT_EQ((V{{-1, 1}, {-1, 2}}), decode("\xC0\xAF"));
  EXPECT_EQ((V{{-1, 1}, {-1, 2}, {-1, 3}}), decode("\xED\xA0\x80"));
  EXPECT_EQ((V{{-1, 1}, {-1, 2}, {-1, 3}, {-1, 4}}), decode("\xF4\x90\x80\x80"));
  EXPECT_EQ((V{{-1, 1}, {0x61, 2}}), decode("\x80" "a"));
  EXPECT_EQ((V{{-1, 1}, {-1, 2}}), decode("\xE2\x80"));
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

// tests/base/hash_test.cc
#include "base/hash.h"

#include <gtest/gtest.h>

#include "base/encoding.h"

namespace moderated::base {
namespace {

TEST(HashTest, Fnv1a64) {
  EXPECT_EQ(0xcbf29ce484222325ull, Fnv1a64(""));
  EXPECT_EQ(0xaf63dc4c8601ec8cull, Fnv1a64("a"));
  EXPECT_EQ("af63dc4c8601", ShortFingerprint("a"));
  EXPECT_EQ("cbf29ce48422", ShortFingerprint(""));
}

TEST(HashTest, Sha256) {
  EXPECT_EQ("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            HexEncode(Sha256("")));
  EXPECT_EQ("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
            HexEncode(Sha256("abc")));
}

// RFC 4231, test case 2.
TEST(HashTest, HmacSha256) {
  EXPECT_EQ("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
            HexEncode(HmacSha256("Jefe", "what do ya want for nothing?")));
}

}  // namespace
}  // namespace moderated::base

// tests/base/time_test.cc
#include "base/time.h"

#include <gtest/gtest.h>

namespace moderated::base {
namespace {

TEST(TimeTest, FormatsMillisecondsAsRfc3339Utc) {
  EXPECT_EQ("2026-11-29T04:10:00.123Z", FormatTimeMs(1795925400123));
  EXPECT_EQ("1970-01-01T00:00:00.000Z", FormatTimeMs(0));
}

TEST(TimeTest, ParsesRfc3339WithOffsetsAndFractions) {
  int64_t ms = 0;
  ASSERT_TRUE(ParseRfc3339("2026-11-29T04:10:00.123Z", &ms));
  EXPECT_EQ(1795925400123, ms);
  ASSERT_TRUE(ParseRfc3339("2026-11-29 07:10:00+03:00", &ms));
  EXPECT_EQ(1795925400000, ms);
  ASSERT_TRUE(ParseRfc3339("2026-11-29T04:10:00.1239Z", &ms));  // beyond ms: truncated
  EXPECT_EQ(1795925400123, ms);
  EXPECT_FALSE(ParseRfc3339("2026-11-29", &ms));
  EXPECT_FALSE(ParseRfc3339("2026-13-29T04:10:00Z", &ms));
  EXPECT_FALSE(ParseRfc3339("2026-11-29T04:10:00Zx", &ms));
}

TEST(TimeTest, TimeParamsAreMillisecondsOrRfc3339NotBefore1970) {
  int64_t ms = 0;
  ASSERT_TRUE(ParseTimeParam("1732850000123", &ms));
  EXPECT_EQ(1732850000123, ms);
  ASSERT_TRUE(ParseTimeParam("1970-01-01T00:00:01Z", &ms));
  EXPECT_EQ(1000, ms);
  EXPECT_FALSE(ParseTimeParam("-5", &ms));
  EXPECT_FALSE(ParseTimeParam("1969-12-31T23:59:59Z", &ms));
  EXPECT_FALSE(ParseTimeParam("yesterday", &ms));
}

TEST(TimeTest, NowIsAfter2024) { EXPECT_GT(NowMs(), 1704067200000); }

}  // namespace
}  // namespace moderated::base

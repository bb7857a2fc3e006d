// tests/rules/cidr_test.cc
#include "rules/cidr.h"

#include <gtest/gtest.h>

namespace moderated::rules::internal {
namespace {

TEST(CidrTest, ParsesNetworksAndAddresses) {
  EXPECT_TRUE(ParseCidr("203.0.113.0/24"));
  EXPECT_TRUE(ParseCidr("2001:db8::/32"));
  EXPECT_TRUE(ParseCidr("192.0.2.1"));
  EXPECT_TRUE(ParseCidr("::/0"));
  EXPECT_TRUE(ParseCidr("0.0.0.0/0"));
  EXPECT_FALSE(ParseCidr("10.0.0.0/33"));
  EXPECT_FALSE(ParseCidr("2001:db8::/129"));
  EXPECT_FALSE(ParseCidr("10.0.0.0/"));
  EXPECT_FALSE(ParseCidr("10.0.0.0/8x"));
  EXPECT_FALSE(ParseCidr("300.0.0.0/8"));
  EXPECT_FALSE(ParseCidr("example.com"));
  EXPECT_FALSE(ParseCidr(""));
  EXPECT_TRUE(ParseIp("[2001:db8::1]"));
  EXPECT_FALSE(ParseIp("1.2.3"));
}

TEST(CidrTest, HostBitsAreIgnored) {
  IpRange r = *ParseCidr("10.1.2.3/8");
  EXPECT_EQ(*ParseIp("10.0.0.0"), r.first);
  EXPECT_EQ(*ParseIp("10.255.255.255"), r.last);
}

TEST(CidrTest, ContainsMergesOverlaps) {
  CidrTable t({*ParseCidr("10.0.0.0/8"), *ParseCidr("10.1.0.0/16"), *ParseCidr("11.0.0.0/8"),
               *ParseCidr("2001:db8::/32"), *ParseCidr("192.0.2.7")});
  EXPECT_EQ(3u, t.size());  // 10/8 + 11/8 merge; v6; the host
  EXPECT_TRUE(t.Contains(*ParseIp("10.9.9.9")));
  EXPECT_TRUE(t.Contains(*ParseIp("11.255.255.255")));
  EXPECT_FALSE(t.Contains(*ParseIp("12.0.0.0")));
  EXPECT_FALSE(t.Contains(*ParseIp("9.255.255.255")));
  EXPECT_TRUE(t.Contains(*ParseIp("192.0.2.7")));
  EXPECT_FALSE(t.Contains(*ParseIp("192.0.2.8")));
  EXPECT_TRUE(t.Contains(*ParseIp("2001:db8:ffff::1")));
  EXPECT_FALSE(t.Contains(*ParseIp("2001:db9::")));
  EXPECT_TRUE(t.Contains(*ParseIp("::ffff:10.0.0.1")));  // IPv4-mapped form
  CidrTable all({*ParseCidr("::/0")});
  EXPECT_TRUE(all.Contains(*ParseIp("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")));
  CidrTable none({});
  EXPECT_FALSE(none.Contains(*ParseIp("1.1.1.1")));
}

}  // namespace
}  // namespace moderated::rules::internal

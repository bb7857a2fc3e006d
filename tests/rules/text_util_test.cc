// tests/rules/text_util_test.cc
#include "rules/text_util.h"

#include <gtest/gtest.h>

namespace moderated::rules::internal {
namespace {

TEST(TextUtilTest, FoldCase) {
  EXPECT_EQ("casino", FoldCase("CaSiNo"));
  EXPECT_EQ("ставки ёлка", FoldCase("СТАВКИ Ёлка"));
  EXPECT_EQ("éàœ", FoldCase("ÉÀŒ"));
  EXPECT_EQ("αβγ", FoldCase("ΑΒΓ"));
  EXPECT_EQ("كازينو", FoldCase("كازينو"));
  EXPECT_EQ(
      "a\xff"
      "b",
      FoldCase("A\xff"
               "B"));  // invalid bytes are copied
}

TEST(TextUtilTest, Hosts) {
  EXPECT_EQ("www.example.com", HostOfUrl("https://User@Www.Example.com:8080/x?y#z"));
  EXPECT_EQ("example.com", HostOfUrl("example.com/path"));
  EXPECT_EQ("example.com", HostOfUrl("//example.com."));
  EXPECT_EQ("2001:db8::1", HostOfUrl("http://[2001:DB8::1]:80/"));
  EXPECT_EQ("mailinator.com", DomainOfEmail("a@b@Mailinator.com"));
  EXPECT_EQ("", DomainOfEmail("nobody"));
}

TEST(TextUtilTest, IdsAndSuggestions) {
  EXPECT_TRUE(IsValidRuleId("casino.en-1_x"));
  EXPECT_FALSE(IsValidRuleId("Casino"));
  EXPECT_FALSE(IsValidRuleId(""));
  EXPECT_EQ(2, EditDistance("scroe", "score"));
  EXPECT_EQ(" (did you mean 'rules'?)", DidYouMean("rulez", {"version", "rules"}));
  EXPECT_EQ("", DidYouMean("xy", {"ab"}));
}

}  // namespace
}  // namespace moderated::rules::internal

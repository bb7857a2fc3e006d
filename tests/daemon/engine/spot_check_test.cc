// tests/daemon/engine/spot_check_test.cc: which accepted comments are sampled
// as spot checks (daemon/engine/spot_check.h).
#include "daemon/engine/spot_check.h"

#include <gtest/gtest.h>

#include <string>

namespace moderated {
namespace {

CommentInput Comment(const std::string& site, const std::string& id, const std::string& content) {
  CommentInput c;
  c.site = site;
  c.external_id = id;
  c.content = content;
  return c;
}

rules::SitePolicy Share(double share) {
  rules::SitePolicy p;
  p.spot_check = share;
  return p;
}

TEST(SpotCheckTest, ARetryGetsTheSameAnswer) {
  const CommentInput a = Comment("news.example", "c-17", "Nice article");
  CommentInput retry = a;
  retry.author_name = "someone";  // only the key counts
  EXPECT_EQ(SpotCheckPosition(a), SpotCheckPosition(retry));
  EXPECT_EQ(SpotCheck(Share(0.5), a), SpotCheck(Share(0.5), retry));
  // With an id the content is not part of the key (an edit is the same comment)...
  retry.content = "Nice article!";
  EXPECT_EQ(SpotCheckPosition(a), SpotCheckPosition(retry));
  // ...without one, the content is.
  const CommentInput no_id = Comment("news.example", "", "Nice article");
  CommentInput other = no_id;
  other.content = "Nice article!";
  EXPECT_NE(SpotCheckPosition(no_id), SpotCheckPosition(other));
  EXPECT_NE(SpotCheckPosition(a), SpotCheckPosition(Comment("news.example", "", "c-17")));
}

TEST(SpotCheckTest, PositionsAreInTheUnitInterval) {
  for (int i = 0; i < 1000; ++i) {
    const double p = SpotCheckPosition(Comment("s", "id-" + std::to_string(i), ""));
    EXPECT_GE(p, 0.0);
    EXPECT_LT(p, 1.0);
  }
}

TEST(SpotCheckTest, ZeroSamplesNothingAndOneEverything) {
  for (int i = 0; i < 1000; ++i) {
    const CommentInput c = Comment("s", "id-" + std::to_string(i), "text");
    EXPECT_FALSE(SpotCheck(Share(0), c));
    EXPECT_TRUE(SpotCheck(Share(1), c));
  }
}

// Sequential ids (what sites send) are sampled at the configured share, and
// each site independently of the others. The hash is fixed, so these counts
// are exact and the same on every run; the bounds say what a uniform hash
// gives (2 % of 20,000 = 400, a standard deviation of about 20).
TEST(SpotCheckTest, SequentialIdsAreSampledAtTheShare) {
  int a = 0, b = 0, both = 0;
  for (int i = 0; i < 20'000; ++i) {
    const std::string id = "c-" + std::to_string(i);
    const bool in_a = SpotCheck(Share(0.02), Comment("a.example", id, ""));
    const bool in_b = SpotCheck(Share(0.02), Comment("b.example", id, ""));
    a += in_a;
    b += in_b;
    both += in_a && in_b;
  }
  EXPECT_GT(a, 320);
  EXPECT_LT(a, 480);
  EXPECT_GT(b, 320);
  EXPECT_LT(b, 480);
  EXPECT_LT(both, 30);  // independent: about 0.02 × 0.02 × 20,000 = 8
}

}  // namespace
}  // namespace moderated

#include "daemon/engine/velocity.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "daemon/engine/engine.h"
#include "tests/testing/fake_classifier.h"

namespace moderated {
namespace {

constexpr int64_t kWindowMs = 600'000;  // buckets of 37.5 s
constexpr int64_t kT0 = 1'700'000'000'000;

TEST(VelocityTest, CountsIncludeTheCommentAndEachKindIsSeparate) {
  Velocity v(kWindowMs, 1000);
  Velocity::Counts c;
  for (int i = 0; i < 11; ++i) {
    c = v.Observe("s", "203.0.113.7", "a" + std::to_string(i) + "@x.example", "same text",
                  kT0 + i * 1000, true);
  }
  EXPECT_EQ(11, c.ip);
  EXPECT_EQ(1, c.email);
  EXPECT_EQ(11, c.content);
  c = v.Observe("s", "203.0.113.8", "a0@x.example", "other", kT0 + 20'000, true);
  EXPECT_EQ(1, c.ip);
  EXPECT_EQ(2, c.email);
  EXPECT_EQ(1, c.content);
}

TEST(VelocityTest, EachSiteCountsItsOwn) {
  Velocity v(kWindowMs, 1000);
  v.Observe("blog", "203.0.113.7", "a@x.example", "same text", kT0, true);
  v.Observe("blog", "203.0.113.7", "a@x.example", "same text", kT0 + 1, true);
  Velocity::Counts other =
      v.Observe("shop", "203.0.113.7", "a@x.example", "same text", kT0 + 2, true);
  EXPECT_EQ(1, other.ip);
  EXPECT_EQ(1, other.email);
  EXPECT_EQ(1, other.content);
  Velocity::Counts blog =
      v.Observe("blog", "203.0.113.7", "a@x.example", "same text", kT0 + 3, false);
  EXPECT_EQ(3, blog.ip);
  EXPECT_EQ(3, blog.email);
  EXPECT_EQ(3, blog.content);
  EXPECT_EQ(2u, v.content_keys());
}

TEST(VelocityTest, EmptyKeysCountZero) {
  Velocity v(kWindowMs, 1000);
  Velocity::Counts c = v.Observe("s", "", "", "", kT0, true);
  EXPECT_EQ(0, c.ip);
  EXPECT_EQ(0, c.email);
  EXPECT_EQ(0, c.content);
  EXPECT_EQ(0u, v.ip_keys());
}

TEST(VelocityTest, DryRunsSeeTheCountButRecordNothing) {
  Velocity v(kWindowMs, 1000);
  EXPECT_EQ(1, v.Observe("s", "ip", "", "", kT0, false).ip);
  EXPECT_EQ(0u, v.ip_keys());
  v.Observe("s", "ip", "", "", kT0, true);
  v.Observe("s", "ip", "", "", kT0 + 1, true);
  EXPECT_EQ(3, v.Observe("s", "ip", "", "", kT0 + 2, false).ip);
  EXPECT_EQ(3, v.Observe("s", "ip", "", "", kT0 + 3, false).ip);
  EXPECT_EQ(3, v.Observe("s", "ip", "", "", kT0 + 4, true).ip);
}

TEST(VelocityTest, CommentsAreForgottenAfterTheWindow) {
  Velocity v(kWindowMs, 1000);
  v.Observe("s", "ip", "", "", kT0, true);
  v.Observe("s", "ip", "", "", kT0 + 1000, true);
  // Still counted a full window later...
  EXPECT_EQ(3, v.Observe("s", "ip", "", "", kT0 + kWindowMs, false).ip);
  // ...and gone after 17/16 of it.
  EXPECT_EQ(1, v.Observe("s", "ip", "", "", kT0 + kWindowMs * 17 / 16 + 2000, false).ip);
  EXPECT_EQ(1, v.Observe("s", "ip", "", "", kT0 + kWindowMs * 17 / 16 + 2000, true).ip);
  // Long silences clear the whole ring.
  EXPECT_EQ(1, v.Observe("s", "ip", "", "", kT0 + 100 * kWindowMs, true).ip);
  EXPECT_EQ(2, v.Observe("s", "ip", "", "", kT0 + 100 * kWindowMs + 1, true).ip);
}

TEST(VelocityTest, MemoryIsBoundedByEvictingTheLeastRecentlySeen) {
  Velocity v(kWindowMs, 32);  // 2 keys per stripe
  for (int i = 0; i < 1000; ++i) {
    v.Observe("s", "10.0." + std::to_string(i / 256) + "." + std::to_string(i % 256), "", "",
              kT0 + i, true);
  }
  EXPECT_LE(v.ip_keys(), 32u);
  EXPECT_GE(v.ip_keys(), 16u);
  // The most recent key survived with its count.
  EXPECT_EQ(2, v.Observe("s", "10.0.3.231", "", "", kT0 + 1000, false).ip);
}

TEST(VelocityTest, ConcurrentObserversLoseNoCount) {
  Velocity v(kWindowMs, 1000);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&v, t] {
      for (int i = 0; i < 5000; ++i) {
        v.Observe("s", "shared", "e" + std::to_string(t), "", kT0 + i, true);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(20'001, v.Observe("s", "shared", "", "", kT0 + 5000, false).ip);
  EXPECT_EQ(4u, v.email_keys());
}

TEST(VelocityTest, EngineFillsTheFeaturesAndOnlyRecordsWhenAsked) {
  std::vector<std::string> errors;
  auto rules = CompileRules(
      "version: 1\nrules:\n"
      "  - id: flood\n    score: 3\n    match: {feature: velocity_ip, \">\": 2}\n"
      "  - id: same_text\n    score: 1\n    match: {feature: velocity_content, \">=\": 2}\n"
      "  - id: same_email\n    score: 1\n    match: {feature: velocity_email, \">=\": 3}\n",
      "t.yaml", ".", &errors);
  ASSERT_NE(nullptr, rules) << errors[0];
  auto velocity = std::make_shared<Velocity>(kWindowMs, 1000);
  Engine engine(rules, testing::FakeJudge(std::make_shared<testing::FakeClassifier>(0, 0)),
                ClassifierConfig{}, velocity);
  CommentInput c;
  c.site = "s";
  c.author_ip = "198.51.100.9";
  c.author_email = "Spammer@Example.COM";
  auto ids = [](const Verdict& v) {
    std::string out;
    for (const auto& r : v.reasons) out += r.reason.rule_id + " ";
    return out;
  };
  for (int i = 0; i < 2; ++i) {
    c.content = "text " + std::to_string(i);
    EXPECT_EQ("", ids(engine.Evaluate(c, {.record_velocity = true, .now_ms = kT0 + i})));
  }
  // Dry runs see what the count would be, again and again.
  c.content = "text 1";
  c.author_email = "spammer@example.com";  // normalised: the same e-mail
  EXPECT_EQ("flood same_text same_email ", ids(engine.Evaluate(c, {.now_ms = kT0 + 5})));
  EXPECT_EQ("flood same_text same_email ", ids(engine.Evaluate(c, {.now_ms = kT0 + 6})));
  EXPECT_EQ(2u, velocity->content_keys());  // "text 0" and "text 1"
}

}  // namespace
}  // namespace moderated

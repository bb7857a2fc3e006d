#include "daemon/core/engine.h"

#include <gtest/gtest.h>

#include "tests/testing/fake_classifier.h"

namespace moderated {
namespace {

using testing::FakeClassifier;

constexpr std::string_view kRules = R"(
version: 1
defaults: {hold_at: 5, reject_at: 10}
sites:
  ar.example: {languages: [ar]}
rules:
  - id: casino
    description: Casino advertising
    score: 4
    match: {field: content, words: [casino, كازينو]}
  - id: trusted
    description: Trusted author
    action: accept
    match: {field: author.email, ends: "@staff.example"}
  - id: always_reject
    description: Test string
    action: reject
    match: {field: content, contains: REJECT-ME}
  - id: watch
    description: Watch word (shadow)
    score: 50
    mode: shadow
    match: {field: content, words: [watch]}
  - id: caps_name
    description: Name spoof
    score: 1
    match: {field: author.name, words: [admin]}
)";

class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::vector<std::string> errors;
    rules_ = CompileRules(kRules, "t.yaml", ".", &errors);
    ASSERT_NE(nullptr, rules_) << errors[0];
    classifier_ = std::make_shared<FakeClassifier>(0.1, 0.0);
    classifier_->Override("pills", 0.95, 0.0);
    classifier_->Override("idiot", 0.0, 1.0);
  }
  Verdict Eval(const std::string& content, const std::string& site = "s",
               const std::string& email = "", const std::string& name = "") {
    Engine engine(rules_, classifier_, ClassifierConfig{});
    CommentInput in;
    in.site = site;
    in.content = content;
    in.author_email = email;
    in.author_name = name;
    return engine.Evaluate(in);
  }
  static std::string Render(const Verdict& v) {
    std::string out = std::string(rules::ActionName(v.action)) + " " + std::to_string(v.score);
    for (const auto& r : v.reasons) {
      out += " | " + r.reason.rule_id + " " + r.reason.field;
      if (r.reason.begin >= 0)
        out += " [" + std::to_string(r.reason.begin) + "," + std::to_string(r.reason.end) + ")";
      if (r.reason.shadow) out += " shadow";
    }
    return out;
  }
  std::shared_ptr<const rules::RuleSet> rules_;
  std::shared_ptr<FakeClassifier> classifier_;
};

TEST_F(EngineTest, HamIsAccepted) {
  EXPECT_EQ("accept 0.000000", Render(Eval("a calm and ordinary comment")));
}

TEST_F(EngineTest, RuleScoresAndClassifierContributionAddUp) {
  // casino 4 + spam 7 * (0.95 - 0.5) / 0.5 = 6.3 → 10.3 ≥ reject_at 10.
  EXPECT_EQ("reject 10.300000 | casino content [0,6) | classifier.spam content",
            Render(Eval("casino pills")));
  EXPECT_EQ("hold 6.300000 | classifier.spam content", Render(Eval("cheap pills")));
  EXPECT_EQ("hold 7.000000 | classifier.abuse content", Render(Eval("you idiot")));
}

TEST_F(EngineTest, ExplicitActionsWinOverScores) {
  EXPECT_EQ("reject 0.000000 | always_reject content [6,15)", Render(Eval("hello REJECT-ME")));
  EXPECT_EQ("accept 10.300000 | casino content [0,6) | trusted author.email [3,17) | "
            "classifier.spam content",
            Render(Eval("casino pills", "s", "bob@staff.example")));
}

TEST_F(EngineTest, ShadowHitsAreReportedButNeverCount) {
  EXPECT_EQ("accept 0.000000 | watch content [5,10) shadow", Render(Eval("just watch this")));
}

TEST_F(EngineTest, SpansPointIntoTheRawField) {
  // Fullwidth "ｃａｓｉｎｏ" is 18 bytes in the raw text.
  Verdict v = Eval("win \xEF\xBD\x83\xEF\xBD\x81\xEF\xBD\x93\xEF\xBD\x89\xEF\xBD\x8E\xEF\xBD\x8F!");
  EXPECT_EQ("accept 4.000000 | casino content [4,22)", Render(v));
  EXPECT_EQ("\xEF\xBD\x83\xEF\xBD\x81\xEF\xBD\x93\xEF\xBD\x89\xEF\xBD\x8E\xEF\xBD\x8F",
            v.reasons[0].reason.excerpt);
  Verdict n = Eval("hi", "s", "", "the ADMIN");
  EXPECT_EQ("accept 1.000000 | caps_name author.name [4,9)", Render(n));
}

TEST_F(EngineTest, SiteLanguagePolicy) {
  Verdict v = Eval("This is a long enough English sentence for the language detector to be sure.",
                   "ar.example");
  EXPECT_EQ("hold 0.000000 | policy.language content", Render(v));
  EXPECT_EQ("en", v.language.code);
}

TEST_F(EngineTest, VersionsComeFromTheSnapshot) {
  Verdict v = Eval("x");
  EXPECT_EQ(rules_->version(), v.rules_version);
  EXPECT_EQ("ft-fake", v.model_version);
}

TEST(EngineHolderTest, SnapshotsSurviveSwaps) {
  std::vector<std::string> errors;
  auto rules = CompileRules("version: 1\nrules: []\n", "t.yaml", ".", &errors);
  ASSERT_NE(nullptr, rules);
  EngineHolder holder;
  auto first = std::make_shared<const Engine>(
      rules, std::make_shared<FakeClassifier>(0, 0, "ft-1"), ClassifierConfig{});
  holder.Swap(first);
  auto taken = holder.Current();
  holder.Swap(std::make_shared<const Engine>(
      rules, std::make_shared<FakeClassifier>(0, 0, "ft-2"), ClassifierConfig{}));
  EXPECT_EQ("ft-1", taken->classifier().version());
  EXPECT_EQ("ft-2", holder.Current()->classifier().version());
}

}  // namespace
}  // namespace moderated

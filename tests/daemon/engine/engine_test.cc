#include "daemon/engine/engine.h"

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
  eager.example: {sensitivity: high}
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
    classifier_ = std::make_shared<FakeClassifier>(0.0, 0.0);
    classifier_->Override("pills", 0.95, 0.0);
    classifier_->Override("idiot", 0.0, 0.95);
    classifier_->Override("fool", 0.0, 0.4);
  }
  Verdict Eval(const std::string& content, const std::string& site = "s",
               const std::string& email = "", const std::string& name = "",
               ClassifierConfig weights = {}) {
    // Every level and language holds at 0.5 and rejects at 0.99 (points
    // 5 + 5 * logit(q) / logit(0.99)), except that "high" holds at 0.3.
    std::string error;
    auto calibration = classifiers::Calibration::Parse(CalibrationJson(0.3), "c", &error);
    EXPECT_NE(calibration, nullptr) << error;
    Engine engine(rules_, testing::FakeJudge(classifier_, calibration), weights);
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
  static std::string CalibrationJson(double high_hold) {
    auto groups = [](const std::string& v) {
      return "{\"ar\":" + v + ",\"ru\":" + v + ",\"en\":" + v + ",\"other\":" + v + "}";
    };
    auto labels = [&](const std::string& v) {
      return "{\"spam\":" + groups(v) + ",\"abuse\":" + groups(v) + "}";
    };
    const std::string normal = labels(R"({"hold":0.5,"reject":0.99})");
    const std::string high = labels("{\"hold\":" + std::to_string(high_hold) + ",\"reject\":0.99}");
    return R"({"format":2,"scale":{"hold_at":5,"reject_at":10},"platt":)" +
           labels(R"({"slope":1,"intercept":0})") + R"(,"levels":{"low":)" + normal +
           R"(,"normal":)" + normal + R"(,"high":)" + high + "}}";
  }
  std::shared_ptr<const rules::RuleSet> rules_;
  std::shared_ptr<FakeClassifier> classifier_;
};

TEST_F(EngineTest, HamIsAccepted) {
  EXPECT_EQ("accept 0.000000", Render(Eval("a calm and ordinary comment")));
}

TEST_F(EngineTest, RuleScoresAndClassifierContributionAddUp) {
  // casino 4 + spam 5 + 5 * logit(0.95) / logit(0.99) = 8.204 → 12.204 ≥ reject_at 10.
  EXPECT_EQ("reject 12.203876 | casino content [0,6) | classifier.spam content",
            Render(Eval("casino pills")));
  EXPECT_EQ("hold 8.203876 | classifier.spam content", Render(Eval("cheap pills")));
  EXPECT_EQ("hold 8.203876 | classifier.abuse content", Render(Eval("you idiot")));
}

TEST_F(EngineTest, ExplicitActionsWinOverScores) {
  EXPECT_EQ("reject 0.000000 | always_reject content [6,15)", Render(Eval("hello REJECT-ME")));
  EXPECT_EQ(
      "accept 12.203876 | casino content [0,6) | trusted author.email [3,17) | "
      "classifier.spam content",
      Render(Eval("casino pills", "s", "bob@staff.example")));
}

TEST_F(EngineTest, TheSitesSensitivityAndWeightsScaleTheClassifiersPoints) {
  // abuse 0.4: 5 + 5 * logit(0.4) / logit(0.99) = 4.5588 at normal; at high
  // (hold 0.3) 5 + 5 * (logit(0.4) - logit(0.3)) / (logit(0.99) - logit(0.3)) = 5.4059.
  EXPECT_EQ("accept 4.558809 | classifier.abuse content", Render(Eval("what a fool")));
  Verdict eager = Eval("what a fool", "eager.example");
  EXPECT_EQ("hold 5.405916 | classifier.abuse content", Render(eager));
  EXPECT_EQ("high", eager.trace.sensitivity);
  EXPECT_EQ("abuse", eager.trace.primary);
  EXPECT_NEAR(eager.trace.classifier_points[1], 5.405916, 1e-6);
  EXPECT_EQ(0.0, eager.trace.rule_points);
  ClassifierConfig no_abuse;
  no_abuse.sites["eager.example"].abuse_weight = 0;
  EXPECT_EQ("accept 0.000000", Render(Eval("what a fool", "eager.example", "", "", no_abuse)));
  ClassifierConfig doubled;
  doubled.spam_weight = 2;
  EXPECT_EQ("reject 16.407752 | classifier.spam content",
            Render(Eval("cheap pills", "s", "", "", doubled)));
  // Calibrated labels: ham is the chance of neither.
  Verdict v = Eval("cheap pills");
  ASSERT_EQ(3u, v.labels.size());
  EXPECT_EQ("abuse", v.labels[0].label);
  EXPECT_NEAR(0.0, v.labels[0].probability, 1e-9);
  EXPECT_NEAR(0.05, v.labels[1].probability, 1e-12);  // ham
  EXPECT_NEAR(0.95, v.labels[2].probability, 1e-12);  // spam
  EXPECT_EQ("spam", v.trace.primary);
  EXPECT_EQ("", Eval("a calm and ordinary comment").trace.primary);
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
      rules, testing::FakeJudge(std::make_shared<FakeClassifier>(0, 0, "ft-1")),
      ClassifierConfig{});
  holder.Swap(first);
  auto taken = holder.Current();
  holder.Swap(std::make_shared<const Engine>(
      rules, testing::FakeJudge(std::make_shared<FakeClassifier>(0, 0, "ft-2")),
      ClassifierConfig{}));
  EXPECT_EQ("ft-1", taken->running_model().version);
  EXPECT_EQ("ft-2", holder.Current()->running_model().version);
}

}  // namespace
}  // namespace moderated

// tests/training/regression_test.cc
#include "training/regression.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace moderated::training {
namespace {

Example Ex(const std::string& text, const char* label, const char* source, const char* lang) {
  Example e;
  e.text = text;
  e.labels = {label};
  e.source = source;
  e.language = lang;
  e.group = "g";
  e.split = "test";
  return e;
}

TEST(RegressionSetTest, SamplesPerCellDeterministicallyAndRoundTrips) {
  std::vector<Example> test;
  for (int i = 0; i < 10; ++i) test.push_back(Ex("спам " + std::to_string(i), "spam", "tg", "ru"));
  for (int i = 0; i < 3; ++i) test.push_back(Ex("ham \"" + std::to_string(i) + "\"", "ham", "tg", "ru"));
  const std::string jsonl = WriteRegressionSet(test, 4);
  std::vector<Example> reversed(test.rbegin(), test.rend());
  EXPECT_EQ(WriteRegressionSet(reversed, 4), jsonl);
  std::vector<Example> read;
  std::string error;
  ASSERT_TRUE(ParseRegressionSet(jsonl, "regression.jsonl", &read, &error)) << error;
  ASSERT_EQ(read.size(), 7u);  // 4 spam + all 3 ham
  int ham = 0;
  for (const Example& e : read) {
    ham += e.labels[0] == "ham";
    EXPECT_EQ(e.source, "tg");
    EXPECT_EQ(e.language, "ru");
    EXPECT_EQ(e.split, "test");
  }
  EXPECT_EQ(ham, 3);
}

TEST(RegressionSetTest, ParseErrorsNameTheLine) {
  std::vector<Example> out;
  std::string error;
  EXPECT_FALSE(ParseRegressionSet("\n{\"source\":1}\n", "r.jsonl", &out, &error));
  EXPECT_EQ(error, "r.jsonl:2: missing string field 'source'");
  EXPECT_FALSE(ParseRegressionSet(
      R"({"source":"a","group":"","language":"en","label":"odd","text":"x"})", "r.jsonl", &out,
      &error));
  EXPECT_EQ(error, "r.jsonl:1: label must be spam, abuse or ham");
  EXPECT_FALSE(ParseRegressionSet("nope", "r.jsonl", &out, &error));
  EXPECT_EQ(error, "r.jsonl:1: expected a JSON object");
}

Scorecard Card(double ru_spam_f1, double ru_fpr, bool with_ar = true) {
  Scorecard c;
  Metrics m;
  m.f1 = ru_spam_f1;
  m.fpr = ru_fpr;
  c.by_language["ru"]["spam"] = m;
  if (with_ar) {
    Metrics a;
    a.f1 = 0.7;
    a.fpr = 0.01;
    c.by_language["ar"]["abuse"] = a;
  }
  return c;
}

TEST(RegressionGateTest, EveryLanguageAndLabelMustHold) {
  EXPECT_TRUE(CompareOnRegressionSet(Card(0.90, 0.010), Card(0.885, 0.014)).passed);
  RegressionGate g = CompareOnRegressionSet(Card(0.90, 0.010), Card(0.87, 0.020));
  EXPECT_FALSE(g.passed);
  EXPECT_EQ(g.reason,
            "2 regression(s): ru spam: F1 0.870 < 0.900 - 0.020; ru spam: ham held 0.020 > 0.010 "
            "+ 0.005");
  g = CompareOnRegressionSet(Card(0.90, 0.010), Card(0.95, 0.0, /*with_ar=*/false));
  EXPECT_FALSE(g.passed);
  EXPECT_EQ(g.failures, std::vector<std::string>{"ar abuse: not scored for the candidate"});
  EXPECT_EQ(RegressionGateJson(g),
            R"({"passed":false,"failures":["ar abuse: not scored for the candidate"],"reason":"1 regression(s): ar abuse: not scored for the candidate"})");
}

}  // namespace
}  // namespace moderated::training

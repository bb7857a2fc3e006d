// tests/classifiers/evaluation_test.cc
//
// Every expected number below is computed by hand in the comments.
#include "training/evaluation.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

namespace moderated::training {
using namespace ::moderated::classifiers;
namespace {

// 8 examples: positives at 0.9 0.8 0.6 0.2, negatives at 0.7 0.4 0.3 0.1.
const std::vector<double> kScores = {0.9, 0.8, 0.7, 0.6, 0.4, 0.3, 0.2, 0.1};
const std::vector<bool> kPositive = {true, true, false, true, false, false, true, false};

TEST(BinaryMetricsTest, AtThresholdHalf) {
  BinaryCounts c = CountAtThreshold(kScores, kPositive, 0.5);
  // Predicted: 0.9 0.8 0.7 0.6 → tp 3, fp 1; 0.2 missed → fn 1; tn 3.
  EXPECT_EQ(c.tp, 3);
  EXPECT_EQ(c.fp, 1);
  EXPECT_EQ(c.fn, 1);
  EXPECT_EQ(c.tn, 3);
  EXPECT_DOUBLE_EQ(c.Precision(), 0.75);
  EXPECT_DOUBLE_EQ(c.Recall(), 0.75);
  EXPECT_DOUBLE_EQ(c.F1(), 0.75);
  EXPECT_DOUBLE_EQ(c.Accuracy(), 0.75);
  // (3*3 - 1*1) / sqrt(4*4*4*4) = 8/16.
  EXPECT_DOUBLE_EQ(c.Mcc(), 0.5);
}

TEST(BinaryMetricsTest, EmptyDenominatorsAreZero) {
  BinaryCounts c;
  c.tn = 5;
  EXPECT_EQ(c.Precision(), 0.0);
  EXPECT_EQ(c.Recall(), 0.0);
  EXPECT_EQ(c.F1(), 0.0);
  EXPECT_EQ(c.Mcc(), 0.0);
  EXPECT_EQ(c.Accuracy(), 1.0);
}

TEST(RocAucTest, HandComputed) {
  // Pairs (pos > neg): 0.9→4, 0.8→4, 0.6→3, 0.2→1 = 12 of 16.
  EXPECT_DOUBLE_EQ(RocAuc(kScores, kPositive), 0.75);
  EXPECT_DOUBLE_EQ(RocAuc({0.5, 0.5}, {true, false}), 0.5);  // a tie counts 1/2
  EXPECT_DOUBLE_EQ(RocAuc({0.1, 0.9}, {true, false}), 0.0);
  EXPECT_TRUE(std::isnan(RocAuc({0.1, 0.9}, {true, true})));
}

TEST(SelectThresholdTest, SmallestThresholdReachingPrecision) {
  double t = -1;
  // Precision from the top: 1/1 2/2 2/3 3/4 3/5 3/6 4/7 4/8.
  ASSERT_TRUE(SelectThreshold(kScores, kPositive, 1.0, &t));
  EXPECT_DOUBLE_EQ(t, 0.8);
  ASSERT_TRUE(SelectThreshold(kScores, kPositive, 0.75, &t));
  EXPECT_DOUBLE_EQ(t, 0.6);
  ASSERT_TRUE(SelectThreshold(kScores, kPositive, 0.5, &t));
  EXPECT_DOUBLE_EQ(t, 0.1);
  t = -1;
  EXPECT_FALSE(SelectThreshold({0.9, 0.8}, {false, false}, 0.5, &t));
  EXPECT_EQ(t, -1);
}

std::vector<EvalItem> FourItems() {
  return {
      {{"spam"}, {{"spam", 0.9}, {"ham", 0.2}, {"abuse", 0.1}}, "en", "t"},
      {{"ham"}, {{"spam", 0.6}, {"ham", 0.7}, {"abuse", 0.0}}, "en", "t"},
      {{"abuse"}, {{"abuse", 0.4}, {"ham", 0.55}, {"spam", 0.1}}, "ru", "t"},
      {{"ham"}, {{"abuse", 0.0}, {"ham", 0.8}, {"spam", 0.0}}, "ru", "t"},
  };
}

TEST(EvaluateTest, HandComputedReport) {
  EvaluationReport r = Evaluate(FourItems(), {}, {});
  ASSERT_EQ(r.labels, (std::vector<std::string>{"abuse", "ham", "spam"}));
  EXPECT_EQ(r.examples, 4);
  // argmax: spam, ham, ham, ham → 3 of 4 right.
  EXPECT_EQ(r.confusion, (std::vector<std::vector<int64_t>>{{0, 1, 0}, {0, 2, 0}, {0, 0, 1}}));
  EXPECT_DOUBLE_EQ(r.accuracy, 0.75);
  // abuse: nothing predicted → all zero; AUC 0.4 beats 0.1, 0, 0 → 1.
  EXPECT_EQ(r.per_label[0].counts.fn, 1);
  EXPECT_EQ(r.per_label[0].f1, 0.0);
  EXPECT_DOUBLE_EQ(r.per_label[0].roc_auc, 1.0);
  // ham: tp 2, fp 1 (0.55), tn 1 → P 2/3, R 1, F1 4/5, MCC 2/sqrt(12).
  EXPECT_DOUBLE_EQ(r.per_label[1].precision, 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(r.per_label[1].recall, 1.0);
  EXPECT_DOUBLE_EQ(r.per_label[1].f1, 0.8);
  EXPECT_DOUBLE_EQ(r.per_label[1].mcc, 2.0 / std::sqrt(12.0));
  EXPECT_EQ(r.per_label[1].support, 2);
  // spam: tp 1, fp 1 (0.6), tn 2 → F1 2/3, MCC 2/sqrt(12).
  EXPECT_DOUBLE_EQ(r.per_label[2].f1, 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(r.per_label[2].mcc, 2.0 / std::sqrt(12.0));
  EXPECT_DOUBLE_EQ(r.macro_f1, (0.0 + 0.8 + 2.0 / 3.0) / 3.0);
  // Gorodkin: c=3, s=4, t=(1,2,1), p=(0,3,1): (12-7)/sqrt((16-10)(16-6)).
  EXPECT_DOUBLE_EQ(r.mcc, 5.0 / std::sqrt(60.0));
}

TEST(EvaluateTest, ThresholdsAndLanguages) {
  EvaluationReport r = Evaluate(FourItems(), {}, {{"ham", 0.6}});
  // ham at 0.6: 0.55 is no longer predicted → tp 2, fp 0 → P 1.
  EXPECT_DOUBLE_EQ(r.per_label[1].precision, 1.0);
  EXPECT_DOUBLE_EQ(r.per_label[1].threshold, 0.6);
  auto by_language = EvaluateByLanguage(FourItems(), {"abuse", "ham", "spam"}, {});
  ASSERT_EQ(by_language.size(), 2u);
  EXPECT_EQ(by_language.at("en").examples, 2);
  EXPECT_DOUBLE_EQ(by_language.at("en").accuracy, 1.0);
  EXPECT_DOUBLE_EQ(by_language.at("ru").accuracy, 0.5);
}

TEST(RecommendThresholdsTest, PerLabelWithoutHam) {
  // spam: 0.9 (gold) 0.6 0.1 0.0 → precision from the top 1/1 1/2 1/3 1/4.
  // abuse: 0.4 (gold) 0.1 0.0 0.0 → 1/1 1/2 1/4.
  // x: nobody's gold → no threshold reaches any precision.
  RecommendedThresholds r =
      RecommendThresholds(FourItems(), {"spam", "ham", "abuse", "x"}, {1.0, 0.5});
  ASSERT_EQ(3u, r.size());
  EXPECT_EQ(0u, r.count("ham"));
  using Targets = std::vector<std::pair<double, double>>;
  EXPECT_EQ((Targets{{1.0, 0.9}, {0.5, 0.6}}), r["spam"]);
  EXPECT_EQ((Targets{{1.0, 0.4}, {0.5, 0.1}}), r["abuse"]);
  ASSERT_EQ(2u, r["x"].size());
  EXPECT_TRUE(std::isnan(r["x"][0].second));
  EXPECT_TRUE(std::isnan(r["x"][1].second));

  JsonWriter j;
  WriteRecommendedThresholdsJson({{"spam", {{0.9, 0.62}, {0.99, NAN}}}}, j);
  EXPECT_EQ(j.str(),
            "{\n"
            "  \"spam\": [\n"
            "    {\n"
            "      \"precision_target\": 0.9,\n"
            "      \"threshold\": 0.62\n"
            "    },\n"
            "    {\n"
            "      \"precision_target\": 0.99,\n"
            "      \"threshold\": null\n"
            "    }\n"
            "  ]\n"
            "}");
}

TEST(JsonWriterTest, ExactText) {
  JsonWriter j;
  j.BeginObject();
  j.Key("a").Int(1);
  j.Key("s").String("q\"\\\n\x01й");
  j.Key("list").BeginArray().Number(0.5).Number(NAN).Bool(true).Null().String("x").EndArray();
  j.Key("empty").BeginObject().EndObject();
  j.EndObject();
  EXPECT_EQ(j.str(),
            "{\n"
            "  \"a\": 1,\n"
            "  \"s\": \"q\\\"\\\\\\n\\u0001й\",\n"
            "  \"list\": [\n"
            "    0.5,\n"
            "    null,\n"
            "    true,\n"
            "    null,\n"
            "    \"x\"\n"
            "  ],\n"
            "  \"empty\": {}\n"
            "}");
  EXPECT_EQ(FormatNumber(0.123456789), "0.123457");
  EXPECT_EQ(FormatNumber(42), "42");
}

}  // namespace
}  // namespace moderated::training

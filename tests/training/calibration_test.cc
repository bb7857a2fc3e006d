// tests/training/calibration_test.cc
#include "training/calibration.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

namespace moderated::training {
namespace {

namespace cls = ::moderated::classifiers;

TEST(FitLogisticTest, RecoversKnownCoefficients) {
  std::mt19937 rng(7);
  std::normal_distribution<double> normal(0, 1.5);
  std::uniform_real_distribution<double> unit(0, 1);
  std::vector<std::vector<double>> x;
  std::vector<double> y;
  for (int i = 0; i < 20000; ++i) {
    const double v = normal(rng);
    x.push_back({v});
    y.push_back(unit(rng) < cls::Sigmoid(1.7 * v - 0.6) ? 1.0 : 0.0);
  }
  const std::vector<double> w = FitLogistic(x, y, 1e-6);
  ASSERT_EQ(w.size(), 2u);
  EXPECT_NEAR(w[0], 1.7, 0.08);
  EXPECT_NEAR(w[1], -0.6, 0.06);
}

// A synthetic validation set: Russian ham scores low but has a tail; spam
// and abuse score high. The fit must keep every data set's ham held at or
// under the target with the whole decision, rules included.
TEST(FitCalibrationTest, ThresholdsKeepHamHeldUnderTheTargetPerDataSet) {
  std::mt19937 rng(11);
  std::normal_distribution<double> ham(-3, 1.5), bad(2, 1.5);
  std::vector<CalibrationItem> items;
  auto add = [&](const char* gold, const char* source, double spam_logit, double abuse_logit,
                 double rule_points) {
    CalibrationItem it;
    it.raw = {cls::Sigmoid(spam_logit), cls::Sigmoid(abuse_logit)};
    it.group = cls::LanguageGroup::kRussian;
    it.gold = gold;
    it.source = source;
    it.rule_points = rule_points;
    items.push_back(it);
  };
  for (int i = 0; i < 3000; ++i) add("ham", "chat", ham(rng), ham(rng), i % 50 == 0 ? 2.0 : 0.0);
  for (int i = 0; i < 1000; ++i) add("ham", "toxic", ham(rng), ham(rng) + 1.0, 0.0);
  for (int i = 0; i < 800; ++i) add("spam", "spamset", bad(rng), ham(rng), i % 4 == 0 ? 3.0 : 0.0);
  for (int i = 0; i < 800; ++i) add("abuse", "toxic", ham(rng), bad(rng), 0.0);
  // One ham that a rule rejects outright: no threshold can change that.
  add("ham", "chat", -5, -5, 0);
  items.back().rule_action = RuleAction::kReject;

  CalibrationTargets targets;
  targets.ham_held = {0.005, 0.01, 0.03};
  CalibrationFit fit;
  std::string error;
  ASSERT_TRUE(FitCalibration(items, targets, &fit, &error)) << error;
  const GroupFit& ru = fit.groups[static_cast<int>(cls::LanguageGroup::kRussian)];
  EXPECT_EQ(ru.examples, 5601);
  EXPECT_EQ(ru.ham, 4001);
  const LevelFit& normal = ru.levels[1];
  EXPECT_TRUE(normal.feasible);
  EXPECT_LE(normal.ham_held_by_source.at("chat"), 0.01);
  EXPECT_LE(normal.ham_held_by_source.at("toxic"), 0.01);
  EXPECT_GT(normal.recall[0], 0.5);
  EXPECT_GT(normal.recall[1], 0.5);
  for (size_t l = 0; l < 2; ++l) {
    EXPECT_LT(normal.thresholds[l].hold, normal.thresholds[l].reject);
    EXPECT_GE(cls::Logit(normal.thresholds[l].reject) - cls::Logit(normal.thresholds[l].hold),
              1.0 - 1e-9);
  }
  // Higher sensitivity holds more ham and catches more.
  EXPECT_LE(ru.levels[0].ham_held, normal.ham_held);
  EXPECT_LE(normal.ham_held, ru.levels[2].ham_held);
  EXPECT_LE(ru.levels[2].ham_held_by_source.at("chat"), 0.03);
  EXPECT_GE(ru.levels[2].recall[1], normal.recall[1]);
  // The JSON is what the daemon reads, and it reproduces the fitted numbers.
  auto parsed = cls::Calibration::Parse(fit.json, "fit", &error);
  ASSERT_NE(parsed, nullptr) << error;
  EXPECT_DOUBLE_EQ(parsed->Threshold(0, cls::LanguageGroup::kRussian).hold,
                   normal.thresholds[0].hold);
  EXPECT_DOUBLE_EQ(parsed->Threshold(1, cls::LanguageGroup::kRussian, cls::Sensitivity::kHigh).hold,
                   ru.levels[2].thresholds[1].hold);
  EXPECT_DOUBLE_EQ(parsed->Get(1, cls::LanguageGroup::kRussian).slope, ru.labels[1].slope);
  // Groups without data get the pooled fit.
  EXPECT_EQ(fit.groups[static_cast<int>(cls::LanguageGroup::kOther)].examples, 5601);
}

TEST(FitCalibrationTest, ALabelWithoutExamplesIsAnError) {
  std::vector<CalibrationItem> items(3);
  items[0].gold = "ham";
  items[1].gold = "spam";
  items[2].gold = "ham";
  CalibrationFit fit;
  std::string error;
  EXPECT_FALSE(FitCalibration(items, {}, &fit, &error));
  EXPECT_EQ(error, "no validation examples of label abuse");
}

}  // namespace
}  // namespace moderated::training

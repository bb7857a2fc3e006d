// tests/classifiers/calibration_test.cc
#include "classifiers/calibration.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

namespace moderated::classifiers {
namespace {

// A calibration with Arabic spam set to (slope, intercept) and its normal
// level to (hold, reject); everything else identity-like.
std::string Json(double slope, double intercept, double hold, double reject) {
  auto platt = [](double a, double b) {
    return "{\"slope\":" + std::to_string(a) + ",\"intercept\":" + std::to_string(b) + "}";
  };
  auto level = [](double h, double r) {
    return "{\"hold\":" + std::to_string(h) + ",\"reject\":" + std::to_string(r) + "}";
  };
  auto groups = [](const std::string& ar, const std::string& rest) {
    return "{\"ar\":" + ar + ",\"ru\":" + rest + ",\"en\":" + rest + ",\"other\":" + rest + "}";
  };
  const std::string p1 = platt(1, 0), l1 = level(0.5, 0.99);
  const std::string plain_level = "{\"spam\":" + groups(l1, l1) + ",\"abuse\":" + groups(l1, l1) + "}";
  return "{\"format\":2,\"scale\":{\"hold_at\":5,\"reject_at\":10},\"platt\":{\"spam\":" +
         groups(platt(slope, intercept), p1) + ",\"abuse\":" + groups(p1, p1) +
         "},\"levels\":{\"low\":" + plain_level + ",\"normal\":{\"spam\":" +
         groups(level(hold, reject), l1) + ",\"abuse\":" + groups(l1, l1) + "},\"high\":" +
         plain_level + "},\"note\":\"kept\"}";
}

TEST(CalibrationTest, GroupsOfLanguageCodes) {
  EXPECT_EQ(GroupOf("ar"), LanguageGroup::kArabic);
  EXPECT_EQ(GroupOf("ru"), LanguageGroup::kRussian);
  EXPECT_EQ(GroupOf("en"), LanguageGroup::kEnglish);
  EXPECT_EQ(GroupOf("uk"), LanguageGroup::kOther);
  EXPECT_EQ(GroupOf("und"), LanguageGroup::kOther);
  EXPECT_EQ(GroupName(LanguageGroup::kOther), "other");
}

TEST(CalibrationTest, PlattScalingAndPointsHitTheThresholdsExactly) {
  std::string error;
  auto c = Calibration::Parse(Json(2.0, -1.0, 0.8, 0.97), "cal.json", &error);
  ASSERT_NE(c, nullptr) << error;
  const int spam = 0;
  // q = sigmoid(2 * logit(p) - 1)
  EXPECT_NEAR(c->Calibrate(spam, LanguageGroup::kArabic, 0.5), Sigmoid(-1.0), 1e-12);
  EXPECT_NEAR(c->Calibrate(spam, LanguageGroup::kArabic, 0.9), Sigmoid(2 * std::log(9.0) - 1),
              1e-12);
  // The label alone holds at q = hold and rejects at q = reject.
  EXPECT_NEAR(c->Points(spam, LanguageGroup::kArabic, 0.8), 5.0, 1e-9);
  EXPECT_NEAR(c->Points(spam, LanguageGroup::kArabic, 0.96), 5 + 5 * (Logit(0.96) - Logit(0.8)) /
                                                                      (Logit(0.97) - Logit(0.8)),
              1e-9);
  EXPECT_EQ(c->Points(spam, LanguageGroup::kArabic, 0.97), 9.5);
  // Linear in logit(q) between; clamped to [0, reject_at - kRejectMargin]:
  // a label alone never rejects.
  const double mid = Sigmoid((Logit(0.8) + Logit(0.97)) / 2);
  EXPECT_NEAR(c->Points(spam, LanguageGroup::kArabic, mid), 7.5, 1e-9);
  EXPECT_EQ(c->Points(spam, LanguageGroup::kArabic, 0.01), 0.0);
  EXPECT_EQ(c->Points(spam, LanguageGroup::kArabic, 1.0), 10.0 - kRejectMargin);
  // Other groups and levels keep their own setting.
  EXPECT_NEAR(c->Points(spam, LanguageGroup::kRussian, 0.5), 5.0, 1e-9);
  EXPECT_NEAR(c->Points(spam, LanguageGroup::kArabic, 0.5, Sensitivity::kHigh), 5.0, 1e-9);
  EXPECT_EQ(c->text(), Json(2.0, -1.0, 0.8, 0.97));
}

TEST(CalibrationTest, IdentityHoldsAtOneHalf) {
  auto c = Calibration::Identity();
  EXPECT_DOUBLE_EQ(c->Calibrate(1, LanguageGroup::kEnglish, 0.3), 0.3);
  EXPECT_NEAR(c->Points(1, LanguageGroup::kEnglish, 0.5), 5.0, 1e-9);
  EXPECT_NEAR(c->Points(1, LanguageGroup::kEnglish, 0.99), 9.5, 1e-9);
  EXPECT_EQ(c->text(), "");
}

TEST(CalibrationTest, SensitivityNames) {
  Sensitivity s;
  ASSERT_TRUE(ParseSensitivity("high", &s));
  EXPECT_EQ(s, Sensitivity::kHigh);
  EXPECT_EQ(SensitivityName(Sensitivity::kLow), "low");
  EXPECT_FALSE(ParseSensitivity("HIGH", &s));
}

TEST(CalibrationTest, ErrorsNameTheField) {
  std::string error;
  EXPECT_EQ(Calibration::Parse("{", "c.json", &error), nullptr);
  EXPECT_EQ(error.rfind("c.json: not JSON (", 0), 0u) << error;
  EXPECT_EQ(Calibration::Parse("[]", "c.json", &error), nullptr);
  EXPECT_EQ(error, "c.json: expected a JSON object");
  EXPECT_EQ(Calibration::Parse(R"({"format":1})", "c.json", &error), nullptr);
  EXPECT_EQ(error, "c.json: format: expected 2");
  EXPECT_EQ(Calibration::Parse(Json(1, 0, 0.9, 0.8), "c.json", &error), nullptr);
  EXPECT_EQ(error, "c.json: levels.normal.spam.ar.reject: must be a number in (hold, 1)");
  EXPECT_EQ(Calibration::Parse(Json(0, 0, 0.5, 0.8), "c.json", &error), nullptr);
  EXPECT_EQ(error, "c.json: platt.spam.ar.slope: must be a number > 0");
  EXPECT_EQ(Calibration::Parse(Json(1, 0, 1.0, 0.8), "c.json", &error), nullptr);
  EXPECT_EQ(error, "c.json: levels.normal.spam.ar.hold: must be a number in (0, 1)");
  std::string no_high = Json(1, 0, 0.5, 0.9);
  no_high.replace(no_high.find("\"high\""), 6, "\"hugh\"");
  EXPECT_EQ(Calibration::Parse(no_high, "c.json", &error), nullptr);
  EXPECT_EQ(error, "c.json: levels.high: missing object");
}

}  // namespace
}  // namespace moderated::classifiers

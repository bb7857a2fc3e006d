// tests/classifiers/calibration_test.cc
#include "classifiers/calibration.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

namespace moderated::classifiers {
namespace {

std::string Group(double slope, double intercept, double hold, double reject) {
  return "{\"slope\":" + std::to_string(slope) + ",\"intercept\":" + std::to_string(intercept) +
         ",\"hold\":" + std::to_string(hold) + ",\"reject\":" + std::to_string(reject) + "}";
}

std::string Json(const std::string& ar_spam) {
  const std::string g = Group(1, 0, 0.5, 0.99);
  return R"({"format":1,"scale":{"hold_at":5,"reject_at":10},"labels":{"spam":{"ar":)" + ar_spam +
         R"(,"ru":)" + g + R"(,"en":)" + g + R"(,"other":)" + g + R"(},"abuse":{"ar":)" + g +
         R"(,"ru":)" + g + R"(,"en":)" + g + R"(,"other":)" + g + R"(}},"note":"kept"})";
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
  auto c = Calibration::Parse(Json(Group(2.0, -1.0, 0.8, 0.97)), "cal.json", &error);
  ASSERT_NE(c, nullptr) << error;
  const int spam = 0;
  // q = sigmoid(2 * logit(p) - 1)
  EXPECT_NEAR(c->Calibrate(spam, LanguageGroup::kArabic, 0.5), Sigmoid(-1.0), 1e-12);
  EXPECT_NEAR(c->Calibrate(spam, LanguageGroup::kArabic, 0.9), Sigmoid(2 * std::log(9.0) - 1),
              1e-12);
  // The label alone holds at q = hold and rejects at q = reject.
  EXPECT_NEAR(c->Points(spam, LanguageGroup::kArabic, 0.8), 5.0, 1e-9);
  EXPECT_NEAR(c->Points(spam, LanguageGroup::kArabic, 0.97), 10.0, 1e-9);
  // Linear in logit(q) between and beyond; clamped to [0, kMaxPoints].
  const double mid = Sigmoid((Logit(0.8) + Logit(0.97)) / 2);
  EXPECT_NEAR(c->Points(spam, LanguageGroup::kArabic, mid), 7.5, 1e-9);
  EXPECT_EQ(c->Points(spam, LanguageGroup::kArabic, 0.01), 0.0);
  EXPECT_EQ(c->Points(spam, LanguageGroup::kArabic, 1.0), kMaxPoints);
  // Other groups keep their own setting.
  EXPECT_NEAR(c->Points(spam, LanguageGroup::kRussian, 0.5), 5.0, 1e-9);
  EXPECT_EQ(c->text(), Json(Group(2.0, -1.0, 0.8, 0.97)));
}

TEST(CalibrationTest, IdentityHoldsAtOneHalf) {
  auto c = Calibration::Identity();
  EXPECT_DOUBLE_EQ(c->Calibrate(1, LanguageGroup::kEnglish, 0.3), 0.3);
  EXPECT_NEAR(c->Points(1, LanguageGroup::kEnglish, 0.5), 5.0, 1e-9);
  EXPECT_NEAR(c->Points(1, LanguageGroup::kEnglish, 0.99), 10.0, 1e-9);
  EXPECT_EQ(c->text(), "");
}

TEST(CalibrationTest, ErrorsNameTheField) {
  std::string error;
  EXPECT_EQ(Calibration::Parse("{", "c.json", &error), nullptr);
  EXPECT_EQ(error.rfind("c.json: not JSON (", 0), 0u) << error;
  EXPECT_EQ(Calibration::Parse("[]", "c.json", &error), nullptr);
  EXPECT_EQ(error, "c.json: expected a JSON object");
  EXPECT_EQ(Calibration::Parse(R"({"format":2})", "c.json", &error), nullptr);
  EXPECT_EQ(error, "c.json: format: expected 1");
  EXPECT_EQ(Calibration::Parse(Json(Group(1, 0, 0.9, 0.8)), "c.json", &error), nullptr);
  EXPECT_EQ(error, "c.json: labels.spam.ar.reject: must be a number in (hold, 1)");
  EXPECT_EQ(Calibration::Parse(Json(Group(0, 0, 0.5, 0.8)), "c.json", &error), nullptr);
  EXPECT_EQ(error, "c.json: labels.spam.ar.slope: must be a number > 0");
  EXPECT_EQ(Calibration::Parse(Json("{\"slope\":1,\"intercept\":0,\"hold\":1,\"reject\":2}"),
                               "c.json", &error),
            nullptr);
  EXPECT_EQ(error, "c.json: labels.spam.ar.hold: must be a number in (0, 1)");
  std::string no_abuse = Json(Group(1, 0, 0.5, 0.9));
  no_abuse.replace(no_abuse.find("\"abuse\""), 7, "\"abusx\"");
  EXPECT_EQ(Calibration::Parse(no_abuse, "c.json", &error), nullptr);
  EXPECT_EQ(error, "c.json: labels.abuse: missing object");
}

}  // namespace
}  // namespace moderated::classifiers

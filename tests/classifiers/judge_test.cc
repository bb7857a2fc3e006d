// tests/classifiers/judge_test.cc
#include "classifiers/judge.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "classifiers/fasttext_classifier.h"
#include "classifiers/normalizer.h"
#include "tests/testing/temp_dir.h"
#include "training/corpus.h"
#include "training/trainer.h"

namespace moderated::classifiers {
namespace {

// Two tiny models trained from the fixture: one as the base, one (another
// seed) standing in for a site's own model.
std::shared_ptr<const Classifier> Tiny(uint32_t seed) {
  training::ColumnMapping mapping;
  mapping.language_column = "language";
  std::vector<training::Example> examples;
  std::string error;
  EXPECT_TRUE(training::ReadCorpusFile(
      std::string(MODERATED_TESTDATA_DIR) + "/classifiers/tiny_train.tsv",
      training::CorpusFormat::kTsv, mapping, &examples, nullptr, &error))
      << error;
  training::TrainOptions o;
  o.epochs = 30;
  o.dim = 8;
  o.bucket = 5000;
  o.minn = 2;
  o.maxn = 3;
  o.seed = seed;
  testing::TempDir dir;
  EXPECT_TRUE(training::TrainFastTextModel(examples, o, dir.File("m.bin"), nullptr, &error))
      << error;
  return LoadFastTextClassifier(dir.File("m.bin"), &error);
}

TEST(JudgeTest, SitesWithoutAModelAreJudgedExactlyAsBefore) {
  BaseModel base{Tiny(1), Calibration::Identity(), "ft-base", "embedded", 0};
  auto plain = std::make_shared<const Judge>(base);
  SiteModel own{Tiny(2),
                SiteCombiner::Make({LabelCombiner{true, 0.5, 2.0, -0.3, {}}, LabelCombiner{}}),
                "site-abc", 7};
  auto with_site = plain->WithSiteModel("a.example", own);
  const std::string text = Normalize("FREE entry to win a prize! Text WIN to 87121 now").text;

  // The original is untouched; b.example is byte for byte what it was.
  EXPECT_EQ(plain->site_model("a.example"), nullptr);
  const Judgement before = plain->Evaluate(text, "en", "b.example");
  const Judgement after = with_site->Evaluate(text, "en", "b.example");
  EXPECT_EQ(before.version, "ft-base");
  EXPECT_EQ(after.version, "ft-base");
  EXPECT_FALSE(after.site_model);
  for (size_t l = 0; l < 2; ++l) {
    EXPECT_EQ(before.labels[l].q, after.labels[l].q);
    EXPECT_EQ(before.labels[l].points, after.labels[l].points);
  }

  // a.example gets the combination, and says so.
  const Judgement a = with_site->Evaluate(text, "en", "a.example");
  EXPECT_TRUE(a.site_model);
  EXPECT_EQ(a.version, "ft-base+site-abc");
  const double site_p = own.classifier->Predict(text).Get("spam");
  EXPECT_DOUBLE_EQ(a.labels[0].q, Sigmoid(0.5 * Logit(before.labels[0].q) + 2.0 * Logit(site_p) - 0.3));
  EXPECT_EQ(a.labels[1].q, before.labels[1].q);  // the site model does not speak for abuse
  EXPECT_DOUBLE_EQ(a.labels[0].raw, before.labels[0].raw);
  EXPECT_DOUBLE_EQ(a.ham, (1 - a.labels[0].q) * (1 - a.labels[1].q));

  EXPECT_EQ(with_site->WithoutSiteModel("a.example")->site_model("a.example"), nullptr);
}

TEST(JudgeTest, PointsFromStoredProbabilitiesMatchEvaluate) {
  auto judge = std::make_shared<const Judge>(
      BaseModel{Tiny(1), Calibration::Identity(), "ft-x", "embedded", 0});
  const std::string text = Normalize("Subscribe to my channel please, free iphone giveaway").text;
  const Judgement live = judge->Evaluate(text, "en", "s", Sensitivity::kHigh);
  const Judgement stored = judge->FromCalibrated({live.labels[0].q, live.labels[1].q}, "en", "s",
                                                 Sensitivity::kHigh);
  for (size_t l = 0; l < 2; ++l) EXPECT_DOUBLE_EQ(stored.labels[l].points, live.labels[l].points);
}

TEST(JudgeTest, BaseModelVersionCoversTheCalibration) {
  EXPECT_EQ(BaseModelVersion("ft-0123456789ab", ""), "ft-0123456789ab");
  EXPECT_EQ(BaseModelVersion("ft-0123456789ab", "{}"), FastTextModelVersion("ft-0123456789ab\n{}"));
  EXPECT_NE(BaseModelVersion("ft-0123456789ab", "{}"), BaseModelVersion("ft-0123456789ab", "{ }"));
}

}  // namespace
}  // namespace moderated::classifiers

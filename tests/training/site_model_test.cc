// tests/training/site_model_test.cc
#include "training/site_model.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "classifiers/fasttext_classifier.h"
#include "tests/testdata/learning/russian_comments.h"
#include "tests/testing/temp_dir.h"
#include "training/corpus.h"
#include "training/evaluation.h"

namespace moderated::training {
namespace {

namespace cls = ::moderated::classifiers;

// The base model: the tiny en/ar/ru fixture, which has never seen Russian spam.
class SiteModelTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ColumnMapping mapping;
    mapping.language_column = "language";
    std::vector<Example> examples;
    std::string error;
    ASSERT_TRUE(ReadCorpusFile(std::string(MODERATED_TESTDATA_DIR) + "/classifiers/tiny_train.tsv",
                               CorpusFormat::kTsv, mapping, &examples, nullptr, &error))
        << error;
    testing::TempDir dir;
    TrainOptions o;
    o.epochs = 50;
    o.dim = 16;
    o.bucket = 20000;
    o.minn = 2;
    o.maxn = 4;
    o.seed = 7;
    ASSERT_TRUE(TrainFastTextModel(examples, o, dir.File("base.bin"), nullptr, &error)) << error;
    base_ = cls::LoadFastTextClassifier(dir.File("base.bin"), &error).release();
    ASSERT_NE(base_, nullptr) << error;
  }
  static void TearDownTestSuite() { delete base_; }

  static std::vector<SiteExample> Labels(int spam, int ham, uint32_t seed) {
    moderated::testing::RussianComments gen(
        seed, std::string(MODERATED_TESTDATA_DIR) + "/learning/ru_ham.txt");
    std::vector<SiteExample> out;
    int64_t id = 1000;
    for (int i = 0; i < spam; ++i) out.push_back({id++, gen.TrainSpam(), "spam", "ru"});
    for (int i = 0; i < ham; ++i) out.push_back({id++, gen.Ham(false), "ham", "ru"});
    return out;
  }

  BaseModel Base() const { return {base_, cls::Calibration::Identity().get()}; }

  static const cls::Classifier* base_;
};
const cls::Classifier* SiteModelTest::base_ = nullptr;

TEST_F(SiteModelTest, TooFewLabelsGiveNoModelAndSayWhy) {
  SiteModelOutcome out;
  std::string error;
  ASSERT_TRUE(TrainSiteModel(Labels(49, 300, 1), Base(), {}, {}, &out, &error)) << error;
  EXPECT_EQ(out.refusal,
            "too few labels for a site model: 300 ham, 49 spam, 0 abuse; it needs at least 50 "
            "ham and 50 spam or abuse");
  EXPECT_TRUE(out.model_bytes.empty());
}

TEST_F(SiteModelTest, LearnsTheSitesSpamPassesTheGateAndIsDeterministic) {
  const std::vector<SiteExample> labels = Labels(300, 300, 2);
  SiteModelOutcome out;
  std::string error;
  ASSERT_TRUE(TrainSiteModel(labels, Base(), {}, {}, &out, &error)) << error;
  ASSERT_EQ(out.refusal, "");
  EXPECT_EQ(out.counts, (std::map<std::string, int64_t>{{"ham", 300}, {"spam", 300}}));
  EXPECT_TRUE(out.gate.passed) << out.gate.reason;
  EXPECT_EQ(out.gate.labels, std::vector<std::string>{"spam"});
  EXPECT_GT(out.gate.candidate, out.gate.current);
  EXPECT_GT(out.gate.candidate, 0.9);
  EXPECT_EQ(out.version.rfind("site-", 0), 0u);
  // The combiner trusts the site model for spam and leaves abuse alone.
  std::string parse_error;
  auto combiner = cls::SiteCombiner::Parse(out.combiner_json, "combiner", &parse_error);
  ASSERT_NE(combiner, nullptr) << parse_error;
  EXPECT_TRUE(combiner->label(0).active);
  EXPECT_GT(combiner->label(0).beta, 0);
  EXPECT_FALSE(combiner->label(1).active);

  // Unseen spam of other templates is now judged spam for this site only.
  auto site = cls::LoadFastTextClassifierFromMemory(out.model_bytes, "site", &parse_error);
  ASSERT_NE(site, nullptr) << parse_error;
  moderated::testing::RussianComments gen(99, std::string(MODERATED_TESTDATA_DIR) +
                                                  "/learning/ru_ham.txt");
  // F1 at 0.5 on 50 spam and 50 ham the site never labelled.
  BinaryCounts with_site, base_alone;
  for (int i = 0; i < 100; ++i) {
    const bool spam = i % 2 == 0;
    const std::string text = spam ? gen.TestSpam() : gen.Ham(true);
    const bool site_says = JudgeText(text, "ru", Base(), {site.get(), combiner.get()})[0] >= 0.5;
    const bool base_says = JudgeText(text, "ru", Base(), {})[0] >= 0.5;
    (spam ? (site_says ? with_site.tp : with_site.fn) : (site_says ? with_site.fp : with_site.tn))++;
    (spam ? (base_says ? base_alone.tp : base_alone.fn) : (base_says ? base_alone.fp : base_alone.tn))++;
  }
  EXPECT_GE(with_site.F1(), 0.9) << with_site.tp << " " << with_site.fp << " " << with_site.fn;
  EXPECT_GT(with_site.F1(), base_alone.F1()) << base_alone.tp << " " << base_alone.fp;

  SiteModelOutcome again;
  ASSERT_TRUE(TrainSiteModel(labels, Base(), {}, {}, &again, &error)) << error;
  EXPECT_EQ(again.version, out.version);
  EXPECT_EQ(again.model_bytes, out.model_bytes);
}

TEST_F(SiteModelTest, TheGateRefusesAModelWorseThanTheCurrentOne) {
  // The current site model learnt real spam; the candidate learns labels
  // that call the same kind of spam ham.
  SiteModelOutcome good;
  std::string error;
  ASSERT_TRUE(TrainSiteModel(Labels(300, 300, 3), Base(), {}, {}, &good, &error)) << error;
  auto site = cls::LoadFastTextClassifierFromMemory(good.model_bytes, "site", &error);
  auto combiner = cls::SiteCombiner::Parse(good.combiner_json, "combiner", &error);
  ASSERT_TRUE(site && combiner) << error;

  std::vector<SiteExample> noisy = Labels(300, 300, 3);
  moderated::testing::RussianComments gen(4, std::string(MODERATED_TESTDATA_DIR) +
                                                 "/learning/ru_ham.txt");
  int64_t id = 50000;
  // Mislabelled spam: a third of the spam the site sees is labelled ham.
  for (int i = 0; i < 150; ++i) noisy.push_back({id++, gen.TrainSpam(), "ham", "ru"});
  SiteModelOutcome worse;
  ASSERT_TRUE(TrainSiteModel(noisy, Base(), {site.get(), combiner.get()}, {}, &worse, &error))
      << error;
  EXPECT_FALSE(worse.gate.passed) << worse.gate.reason;
  EXPECT_LT(worse.gate.candidate, worse.gate.current);
}

}  // namespace
}  // namespace moderated::training

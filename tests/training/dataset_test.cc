// tests/training/dataset_test.cc
#include "training/dataset.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "training/trainer.h"

namespace moderated::training {
namespace {

Example Ex(std::string text, std::string label, std::string source, std::string split = "") {
  Example e;
  e.text = std::move(text);
  e.labels = {std::move(label)};
  e.language = "en";
  e.source = std::move(source);
  e.split = std::move(split);
  return e;
}

// source|split|text for each kept example.
std::multiset<std::string> Kept(const std::vector<Example>& out) {
  std::multiset<std::string> kept;
  for (const Example& e : out) kept.insert(e.source + "|" + e.split + "|" + e.text);
  return kept;
}

TEST(SplitAndDeduplicateTest, ConflictsAreDroppedEverywhereAndDuplicatesKeptOnce) {
  std::vector<Example> in = {
      Ex("Buy cheap pills now", "spam", "a"),
      Ex("buy CHEAP pills, now.", "spam", "b"),  // same key: a duplicate
      Ex("you are an idiot", "abuse", "a"),
      Ex("You are an IDIOT", "ham", "b"),        // same key, other label
      Ex("...", "ham", "a"),                     // no token at all
  };
  std::vector<Example> out;
  DatasetReport report;
  SplitAndDeduplicate(in, &out, &report);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].text, "Buy cheap pills now");
  EXPECT_EQ(report.presets["a"].conflicting, 1);
  EXPECT_EQ(report.presets["b"].conflicting, 1);
  EXPECT_EQ(report.presets["b"].duplicate, 1);
  EXPECT_EQ(report.presets["a"].empty, 1);
  EXPECT_EQ(report.presets["a"].read, 3);
}

TEST(SplitAndDeduplicateTest, PublishedTestSplitsAreKeptRowForRowAndNeverTrainedOn) {
  std::vector<Example> in = {
      Ex("check out my channel", "spam", "yt", "test"),
      Ex("check out my channel", "spam", "yt", "test"),   // kept: the protocol counts it
      Ex("Check out my CHANNEL.", "spam", "yt", "train"),  // same text as a test row
      Ex("check out my channel", "spam", "sms"),          // another set, unpinned
      Ex("", "ham", "yt", "test"),                        // empty, still a test row
  };
  std::vector<Example> out;
  DatasetReport report;
  SplitAndDeduplicate(in, &out, &report);
  EXPECT_EQ(Kept(out), (std::multiset<std::string>{"yt|test|check out my channel",
                                                   "yt|test|check out my channel",
                                                   "yt|test|", "sms|test|check out my channel"}));
  EXPECT_EQ(report.presets["yt"].test_elsewhere, 1);
  EXPECT_EQ(report.presets["yt"].test.at("spam"), 2);
}

TEST(SplitAndDeduplicateTest, SplitsAreFixedByTextAndNearTheirFractions) {
  std::vector<Example> in;
  for (int i = 0; i < 4000; ++i) in.push_back(Ex("comment number w" + std::to_string(i), "ham", "s"));
  std::vector<Example> first, second;
  DatasetReport r1, r2;
  SplitAndDeduplicate(in, &first, &r1);
  std::vector<Example> reversed(in.rbegin(), in.rend());
  SplitAndDeduplicate(reversed, &second, &r2);
  std::map<std::string, std::string> split_of;
  for (const Example& e : first) split_of[e.text] = e.split;
  for (const Example& e : second) EXPECT_EQ(split_of.at(e.text), e.split) << e.text;
  const double test = r1.presets["s"].test["ham"] / 4000.0;
  const double validation = r1.presets["s"].validation["ham"] / 4000.0;
  EXPECT_NEAR(test, kTestFraction, 0.03);
  EXPECT_NEAR(validation, (1 - kTestFraction) * kValidationFraction, 0.03);
}

TEST(SplitAndDeduplicateTest, PinnedTrainIsNeverTest) {
  std::vector<Example> in;
  for (int i = 0; i < 500; ++i) in.push_back(Ex("tweet w" + std::to_string(i), "ham", "o", "train"));
  std::vector<Example> out;
  DatasetReport report;
  SplitAndDeduplicate(in, &out, &report);
  EXPECT_TRUE(report.presets["o"].test.empty());
  EXPECT_GT(report.presets["o"].validation["ham"], 0);
}

// The real data: every kept test text is absent from train and validation.
TEST(BuildDatasetTest, RealDataNoTextOnBothSides) {
  const std::string data_dir = std::string(MODERATED_SOURCE_DIR) + "/../shared/data";
  if (!std::filesystem::is_directory(data_dir)) {
    GTEST_SKIP() << "../shared/data absent: " << data_dir;
  }
  std::vector<Example> out;
  DatasetReport report;
  std::string error;
  ASSERT_TRUE(BuildDataset({}, data_dir, &out, &report, &error)) << error;
  std::set<std::string> test_keys, train_keys;
  for (const Example& e : out) {
    (e.split == "test" ? test_keys : train_keys).insert(SplitKey(e.text));
  }
  for (const std::string& k : train_keys) EXPECT_EQ(test_keys.count(k), 0u) << k;
  EXPECT_EQ(report.presets.size(), PresetNames().size());
  // The published test splits, row for row.
  EXPECT_EQ(report.presets["osact2020"].test["abuse"] + report.presets["osact2020"].test["ham"], 1000);
  EXPECT_EQ(report.presets["impermium"].test["abuse"] + report.presets["impermium"].test["ham"], 2647);
  EXPECT_EQ(report.presets["youtube"].test["spam"] + report.presets["youtube"].test["ham"], 591);
}

}  // namespace
}  // namespace moderated::training

// tests/classifiers/trainer_test.cc
#include "training/trainer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "classifiers/normalizer.h"
#include "classifiers/tokenizer.h"
#include "tests/testing/temp_dir.h"

namespace moderated::training {
using namespace ::moderated::classifiers;
namespace {

TEST(TrainerTest, TrainingLineUsesTheInferencePath) {
  Example e;
  e.text = "WIN a FREE prize!!! http://x.ru";
  e.labels = {"abuse", "spam"};
  // Same as the classifier: Normalize, then TokenizeForModel.
  EXPECT_EQ(PrepareForModel(e.text), TokenizeForModel(Normalize(e.text).text));
  EXPECT_EQ(TrainingLine(e), "__label__abuse __label__spam " + PrepareForModel(e.text));
}

TEST(TrainerTest, HashTextIsStableAndSeeded) {
  EXPECT_EQ(HashText("abc", 1), HashText("abc", 1));
  EXPECT_NE(HashText("abc", 1), HashText("abc", 2));
  EXPECT_NE(HashText("abc", 1), HashText("abd", 1));
}

TEST(TrainerTest, Errors) {
  testing::TempDir dir;
  std::string error;
  EXPECT_FALSE(TrainFastTextModel({}, TrainOptions(), dir.File("m.bin"), nullptr, &error));
  EXPECT_EQ(error, "no training examples");

  Example unlabelled;
  unlabelled.text = "hello";
  unlabelled.source = "t";
  EXPECT_FALSE(
      TrainFastTextModel({unlabelled}, TrainOptions(), dir.File("m.bin"), nullptr, &error));
  EXPECT_EQ(error, "example 1 (t) has no label");

  Example punctuation;
  punctuation.text = "...";
  punctuation.labels = {"ham"};
  EXPECT_FALSE(
      TrainFastTextModel({punctuation}, TrainOptions(), dir.File("m.bin"), nullptr, &error));
  EXPECT_EQ(error, "no training example has any token");

  Example ok;
  ok.text = "hello there";
  ok.labels = {"ham"};
  TrainOptions small;
  small.bucket = 1000;
  small.dim = 4;
  EXPECT_FALSE(TrainFastTextModel({ok}, small, dir.File("no/such/dir/m.bin"), nullptr, &error));
  EXPECT_EQ(error, "fastText training failed: " + dir.File("no/such/dir/m.bin") +
                       " cannot be opened for saving!");
}

}  // namespace
}  // namespace moderated::training

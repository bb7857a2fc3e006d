// tests/classifiers/fasttext_classifier_test.cc
//
// A real model trained in the fixture from tests/testdata/classifiers/
// tiny_train.tsv (40 lines, en/ar/ru, spam/abuse/ham): loading from file and
// memory, prediction shape, determinism, and the exact errors for bad files.
#include "classifiers/fasttext_classifier.h"

#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "classifiers/classifier.h"
#include "training/corpus.h"
#include "classifiers/normalizer.h"
#include "training/trainer.h"
#include "tests/testing/temp_dir.h"

namespace moderated::classifiers {
namespace {
using namespace ::moderated::training;

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void WriteAll(const std::string& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::vector<Example> TinyCorpus() {
  ColumnMapping mapping;
  mapping.language_column = "language";
  mapping.source = "tiny";
  std::vector<Example> examples;
  std::string error;
  EXPECT_TRUE(ReadCorpusFile(std::string(MODERATED_TESTDATA_DIR) + "/classifiers/tiny_train.tsv",
                             CorpusFormat::kTsv, mapping, &examples, nullptr, &error))
      << error;
  return examples;
}

TrainOptions TinyOptions() {
  TrainOptions o;
  o.epochs = 50;
  o.learning_rate = 0.5;
  o.dim = 16;
  o.bucket = 20000;
  o.minn = 2;
  o.maxn = 4;
  o.seed = 7;
  return o;
}

std::string PredictionString(const Prediction& p) {
  std::string s;
  for (const LabelScore& l : p.labels) s += l.label + " ";
  return s;
}

class FastTextClassifierTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir();
    model_path_ = new std::string(dir_->File("tiny.bin"));
    std::string error;
    TrainStats stats;
    ASSERT_TRUE(TrainFastTextModel(TinyCorpus(), TinyOptions(), *model_path_, &stats, &error))
        << error;
    ASSERT_EQ(stats.examples, 40);
    ASSERT_EQ(stats.labels, 3);
  }
  static void TearDownTestSuite() {
    delete model_path_;
    delete dir_;
  }
  static testing::TempDir* dir_;
  static std::string* model_path_;
};

testing::TempDir* FastTextClassifierTest::dir_ = nullptr;
std::string* FastTextClassifierTest::model_path_ = nullptr;

TEST_F(FastTextClassifierTest, LoadsAndPredictsEveryLabelSortedByName) {
  std::string error;
  std::unique_ptr<const Classifier> c = LoadFastTextClassifier(*model_path_, &error);
  ASSERT_NE(c, nullptr) << error;
  EXPECT_EQ(error, "");
  Prediction p = c->Predict(Normalize("hello").text);
  EXPECT_EQ(PredictionString(p), "abuse ham spam ");
  for (const LabelScore& l : p.labels) {
    EXPECT_GE(l.probability, 0.0);
    EXPECT_LE(l.probability, 1.0);
  }
  EXPECT_EQ(p.Get("unknown"), 0.0);
}

TEST_F(FastTextClassifierTest, SpamScoresHigherThanHam) {
  std::string error;
  auto c = LoadFastTextClassifier(*model_path_, &error);
  ASSERT_NE(c, nullptr) << error;
  Prediction spam =
      c->Predict(Normalize("Subscribe to my channel, win a free prize http://bit.ly/q").text);
  Prediction ham = c->Predict(Normalize("Thanks for the article, I enjoyed this song").text);
  EXPECT_GT(spam.Get("spam"), ham.Get("spam"));
  EXPECT_GT(spam.Get("spam"), 0.5);
  EXPECT_GT(ham.Get("ham"), 0.5);
  Prediction abuse_ru = c->Predict(Normalize("Ты тупой идиот").text);
  EXPECT_GT(abuse_ru.Get("abuse"), abuse_ru.Get("ham"));
  Prediction spam_ar = c->Predict(Normalize("اشترك في قناتي واربح جوائز").text);
  EXPECT_GT(spam_ar.Get("spam"), spam_ar.Get("ham"));
}

TEST_F(FastTextClassifierTest, EmptyAndUnknownTextStillYieldEveryLabel) {
  std::string error;
  auto c = LoadFastTextClassifier(*model_path_, &error);
  ASSERT_NE(c, nullptr) << error;
  EXPECT_EQ(PredictionString(c->Predict("")), "abuse ham spam ");
  EXPECT_EQ(PredictionString(c->Predict("zzzqqq")), "abuse ham spam ");
}

TEST_F(FastTextClassifierTest, MemoryEqualsFile) {
  std::string error;
  auto from_file = LoadFastTextClassifier(*model_path_, &error);
  ASSERT_NE(from_file, nullptr) << error;
  std::string bytes = ReadAll(*model_path_);
  auto from_memory = LoadFastTextClassifierFromMemory(bytes, "embedded", &error);
  ASSERT_NE(from_memory, nullptr) << error;
  EXPECT_EQ(from_file->version(), from_memory->version());
  EXPECT_EQ(from_file->version(), FastTextModelVersion(bytes));
  EXPECT_EQ(from_file->version().size(), 15u);  // "ft-" + 12 hex digits
  EXPECT_EQ(from_file->version().substr(0, 3), "ft-");
  for (const char* text : {"free prize call now", "ты тупой", "شكرا جزيلا", ""}) {
    Prediction a = from_file->Predict(Normalize(text).text);
    Prediction b = from_memory->Predict(Normalize(text).text);
    ASSERT_EQ(a.labels.size(), b.labels.size());
    for (size_t i = 0; i < a.labels.size(); ++i) {
      EXPECT_EQ(a.labels[i].label, b.labels[i].label);
      EXPECT_EQ(a.labels[i].probability, b.labels[i].probability) << text;
    }
  }
}

TEST_F(FastTextClassifierTest, SameSeedGivesByteIdenticalModel) {
  std::string error;
  std::string again = dir_->File("again.bin");
  ASSERT_TRUE(TrainFastTextModel(TinyCorpus(), TinyOptions(), again, nullptr, &error)) << error;
  EXPECT_TRUE(ReadAll(*model_path_) == ReadAll(again));
}

TEST_F(FastTextClassifierTest, QuantizedModelLoadsAndIsDeterministic) {
  TrainOptions o = TinyOptions();
  o.quantize = true;
  o.cutoff = 1000;
  std::string a = dir_->File("a.ftz"), b = dir_->File("b.ftz");
  std::string error;
  ASSERT_TRUE(TrainFastTextModel(TinyCorpus(), o, a, nullptr, &error)) << error;
  ASSERT_TRUE(TrainFastTextModel(TinyCorpus(), o, b, nullptr, &error)) << error;
  EXPECT_TRUE(ReadAll(a) == ReadAll(b));
  FastTextModelInfo info;
  std::string problem;
  ASSERT_TRUE(ValidateFastTextModel(ReadAll(a), &info, &problem)) << problem;
  EXPECT_TRUE(info.quantized);
  EXPECT_EQ(info.labels, 3);
  auto c = LoadFastTextClassifier(a, &error);
  ASSERT_NE(c, nullptr) << error;
  EXPECT_EQ(PredictionString(c->Predict("free prize")), "abuse ham spam ");
}

TEST_F(FastTextClassifierTest, PredictIsSafeFromManyThreads) {
  std::string error;
  auto c = LoadFastTextClassifier(*model_path_, &error);
  ASSERT_NE(c, nullptr) << error;
  const std::string text = Normalize("win a free prize now").text;
  const double expected = c->Predict(text).Get("spam");
  std::vector<std::thread> threads;
  std::vector<int> mismatches(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        if (c->Predict(text).Get("spam") != expected) ++mismatches[t];
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(mismatches, std::vector<int>(4, 0));
}

TEST_F(FastTextClassifierTest, MissingFile) {
  std::string error;
  std::string path = dir_->File("nope.ftz");
  EXPECT_EQ(LoadFastTextClassifier(path, &error), nullptr);
  EXPECT_EQ(error, path + ": cannot open: No such file or directory");
}

TEST_F(FastTextClassifierTest, EmptyFile) {
  std::string error;
  std::string path = dir_->File("empty.ftz");
  WriteAll(path, "");
  EXPECT_EQ(LoadFastTextClassifier(path, &error), nullptr);
  EXPECT_EQ(error, path + ": empty file");
}

TEST_F(FastTextClassifierTest, Directory) {
  std::string error;
  EXPECT_EQ(LoadFastTextClassifier(dir_->path().string(), &error), nullptr);
  EXPECT_EQ(error, dir_->path().string() + ": not a regular file");
}

TEST_F(FastTextClassifierTest, NotAModel) {
  std::string error;
  std::string path = dir_->File("text.ftz");
  WriteAll(path, "this is not a model at all\n");
  EXPECT_EQ(LoadFastTextClassifier(path, &error), nullptr);
  EXPECT_EQ(error, path + ": not a fastText model (bad magic number)");
  EXPECT_EQ(LoadFastTextClassifierFromMemory("ab", "embedded", &error), nullptr);
  EXPECT_EQ(error, "embedded: not a fastText model (bad magic number)");
}

TEST_F(FastTextClassifierTest, WrongVersion) {
  std::string bytes = ReadAll(*model_path_);
  bytes[4] = 13;
  std::string error;
  EXPECT_EQ(LoadFastTextClassifierFromMemory(bytes, "m.bin", &error), nullptr);
  EXPECT_EQ(error, "m.bin: unsupported fastText model version 13 (expected 12)");
}

TEST_F(FastTextClassifierTest, TruncatedFile) {
  std::string bytes = ReadAll(*model_path_);
  std::string error;
  std::string path = dir_->File("truncated.bin");
  WriteAll(path, std::string_view(bytes).substr(0, bytes.size() - 100));
  EXPECT_EQ(LoadFastTextClassifier(path, &error), nullptr);
  EXPECT_EQ(error, path + ": truncated fastText model (ends inside the output matrix)");

  EXPECT_EQ(LoadFastTextClassifierFromMemory(std::string_view(bytes).substr(0, 6), "m", &error),
            nullptr);
  EXPECT_EQ(error, "m: truncated fastText model (ends inside the header)");
  EXPECT_EQ(LoadFastTextClassifierFromMemory(std::string_view(bytes).substr(0, 40), "m", &error),
            nullptr);
  EXPECT_EQ(error, "m: truncated fastText model (ends inside the arguments)");
  EXPECT_EQ(LoadFastTextClassifierFromMemory(std::string_view(bytes).substr(0, 200), "m", &error),
            nullptr);
  EXPECT_EQ(error, "m: truncated fastText model (ends inside the dictionary)");

  // Every prefix is rejected cleanly (never a crash or an exit()).
  for (size_t n = 0; n < bytes.size(); n += 997) {
    EXPECT_EQ(LoadFastTextClassifierFromMemory(std::string_view(bytes).substr(0, n), "m", &error),
              nullptr);
  }
}

TEST_F(FastTextClassifierTest, CorruptFile) {
  std::string bytes = ReadAll(*model_path_);
  std::string error;
  // Args: dim is the first int32 after the 8-byte header.
  std::string bad_dim = bytes;
  bad_dim[8] = static_cast<char>(0xff);
  bad_dim[9] = bad_dim[10] = bad_dim[11] = static_cast<char>(0xff);
  EXPECT_EQ(LoadFastTextClassifierFromMemory(bad_dim, "m", &error), nullptr);
  EXPECT_EQ(error, "m: corrupt fastText model (bad dimension -1)");

  // dim 17 instead of 16: matrices no longer match.
  std::string other_dim = bytes;
  other_dim[8] = 17;
  EXPECT_EQ(LoadFastTextClassifierFromMemory(other_dim, "m", &error), nullptr);
  EXPECT_EQ(error, "m: corrupt fastText model (input matrix shape does not match the dictionary)");

  // Model type (8th int32 of Args) set to skipgram.
  std::string unsupervised = bytes;
  unsupervised[8 + 7 * 4] = 2;
  EXPECT_EQ(LoadFastTextClassifierFromMemory(unsupervised, "m", &error), nullptr);
  EXPECT_EQ(error, "m: not a supervised fastText model");

  std::string trailing = bytes + "xyz";
  EXPECT_EQ(LoadFastTextClassifierFromMemory(trailing, "m", &error), nullptr);
  EXPECT_EQ(error, "m: corrupt fastText model (3 unexpected bytes after the output matrix)");
}

TEST(FastTextModelVersionTest, HashesBytes) {
  // FNV-1a 64 of "" is cbf29ce484222325.
  EXPECT_EQ(FastTextModelVersion(""), "ft-cbf29ce48422");
  EXPECT_EQ(FastTextModelVersion("a"), "ft-af63dc4c8601");
}

}  // namespace
}  // namespace moderated::classifiers

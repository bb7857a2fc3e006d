#include "daemon/jobs/backtest.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "daemon/engine/engine.h"
#include "daemon/http/wire.h"
#include "storage/store.h"
#include "tests/testing/fake_classifier.h"
#include "tests/testing/temp_dir.h"

namespace moderated {
namespace {

using testing::FakeClassifier;
using testing::TempDir;

constexpr int64_t kT0 = 1'700'000'000'000;

const char* kBase =
    "version: 1\nrules:\n"
    "  - id: casino\n    score: 6\n    match: {field: content, words: [casino]}\n";
// The base plus a rule that holds comments mentioning "marker".
const char* kProposal =
    "version: 1\nrules:\n"
    "  - id: casino\n    score: 6\n    match: {field: content, words: [casino]}\n"
    "  - id: marker\n    action: hold\n    match: {field: content, words: [marker]}\n";

std::shared_ptr<const Engine> MakeEngine(const std::string& text,
                                         std::shared_ptr<Velocity> velocity = nullptr) {
  std::vector<std::string> errors;
  auto rules = CompileRules(text, "t.yaml", ".", &errors);
  EXPECT_NE(nullptr, rules) << (errors.empty() ? "" : errors[0]);
  auto classifier = std::make_shared<FakeClassifier>(0.0, 0.0);
  // 5 + 5 * logit(0.9) / logit(0.99) = 7.39 points from the classifier alone.
  classifier->Override("spammy", 0.9, 0.0);
  return std::make_shared<const Engine>(rules, testing::FakeJudge(classifier), ClassifierConfig{},
                                        velocity);
}

// Stores `contents` evaluated with `engine`, one second apart, from `ip`.
void Fill(const std::string& db, const Engine& engine, const std::vector<std::string>& contents,
          const std::string& ip = "192.0.2.1") {
  std::string error;
  auto store = storage::Store::Open(db, storage::Store::OpenMode::kReadWrite, &error);
  ASSERT_NE(nullptr, store) << error;
  int64_t n = 0;
  ASSERT_FALSE(store->Count(&n));
  std::vector<storage::Comment> records;
  for (size_t i = 0; i < contents.size(); ++i) {
    CommentInput in;
    in.site = "news.example";
    in.content = contents[i];
    in.author_ip = ip;
    int64_t now = kT0 + (n + static_cast<int64_t>(i)) * 1000;
    Verdict v = engine.Evaluate(in, {.record_velocity = true, .now_ms = now});
    records.push_back(ToRecord(in, v, now, ToJson(VerdictJson(v, in, std::nullopt))));
  }
  ASSERT_FALSE(store->InsertBatch(records, nullptr));
}

// 30 comments: 7 with "marker", 3 with "casino" (held), 2 "spammy" (the
// classifier holds them), the rest plain.
std::vector<std::string> Thirty() {
  std::vector<std::string> out;
  for (int i = 0; i < 30; ++i) {
    std::string s = "comment number " + std::to_string(i) + " about the weather";
    if (i % 4 == 1 && i < 28) s += " with a marker";  // 1 5 9 13 17 21 25
    if (i == 2 || i == 6 || i == 10) s += " and casino";
    if (i == 3 || i == 7) s += " spammy";
    out.push_back(s);
  }
  return out;
}

std::string Render(const BacktestReport& r) {
  std::string s =
      "compared " + std::to_string(r.compared) + " changed " + std::to_string(r.changed) + " |";
  for (const auto& [k, n] : r.transitions) s += " " + k + "=" + std::to_string(n);
  s += " |";
  for (const auto& [k, h] : r.hits) {
    s += " " + k + ":" + std::to_string(h.before) + "->" + std::to_string(h.after);
  }
  s += " |";
  for (const auto& e : r.examples) s += " " + std::to_string(e.id);
  return s;
}

class BacktestTest : public ::testing::Test {
 protected:
  void SetUp() override { db_ = dir_.File("m.db"); }
  BacktestReport Run(const Engine& proposal, BacktestOptions options) {
    BacktestReport r;
    std::string error;
    EXPECT_TRUE(RunBacktest(db_, proposal, options, &r, &error)) << error;
    return r;
  }
  TempDir dir_;
  std::string db_;
};

TEST_F(BacktestTest, CountsTransitionsHitsAndExamples) {
  Fill(db_, *MakeEngine(kBase), Thirty());
  auto proposal = MakeEngine(kProposal);
  for (int threads : {1, 2, 3}) {
    BacktestOptions o;
    o.threads = threads;
    o.examples = 3;
    BacktestReport r = Run(*proposal, o);
    EXPECT_EQ(
        "compared 30 changed 7 | accept->hold=7 | casino:3->3 classifier.spam:2->2 "
        "marker:0->7 | 2 6 10",
        Render(r))
        << threads;
  }
  BacktestOptions o;
  o.examples = 1;
  BacktestReport r = Run(*proposal, o);
  ASSERT_EQ(1u, r.examples.size());
  EXPECT_EQ("accept", r.examples[0].before);
  EXPECT_EQ("hold", r.examples[0].after);
  EXPECT_EQ("comment number 1 about the weather with a marker", r.examples[0].excerpt);
  EXPECT_EQ(std::vector<std::string>{"marker"}, r.examples[0].rules);
  EXPECT_EQ(
      R"({"compared":30,"changed":7,"transitions":{"accept->hold":7},)"
      R"("hits":{"casino":{"before":3,"after":3},"classifier.spam":{"before":2,"after":2},)"
      R"("marker":{"before":0,"after":7}},"examples":[{"id":2,"before":"accept","after":"hold",)"
      R"("excerpt":"comment number 1 about the weather with a marker","rules":["marker"]}],)"
      R"("elapsed_ms":0})",
      [&] {
        r.elapsed_ms = 0;
        return ToJson(BacktestJson(r));
      }());
}

TEST_F(BacktestTest, RangeAndLimit) {
  Fill(db_, *MakeEngine(kBase), Thirty());
  auto proposal = MakeEngine(kProposal);
  BacktestOptions o;
  o.from_id = 5;
  o.to_id = 14;  // ids 5..14 = comments 4..13: markers 5 9 13
  EXPECT_EQ(
      "compared 10 changed 3 | accept->hold=3 | casino:2->2 classifier.spam:1->1 "
      "marker:0->3 | 6 10 14",
      Render(Run(*proposal, o)));
  o.limit = 4;  // ids 5..8: marker 5, casino 6 (already held), spammy 7
  EXPECT_EQ(
      "compared 4 changed 1 | accept->hold=1 | casino:1->1 classifier.spam:1->1 "
      "marker:0->1 | 6",
      Render(Run(*proposal, o)));
  o.from_id = 100;
  o.to_id = 200;
  EXPECT_EQ("compared 0 changed 0 | | |", Render(Run(*proposal, o)));
}

TEST_F(BacktestTest, NothingChangesWithTheSameRules) {
  Fill(db_, *MakeEngine(kBase), Thirty());
  EXPECT_EQ("compared 30 changed 0 | | casino:3->3 classifier.spam:2->2 |",
            Render(Run(*MakeEngine(kBase), {})));
}

TEST_F(BacktestTest, VelocityIsReplayedAcrossThreadBoundaries) {
  // 40 comments from one IP, one second apart: with "more than 10 in the
  // window" the 11th to the 40th would be held.
  std::vector<std::string> contents;
  for (int i = 0; i < 40; ++i) contents.push_back("hello " + std::to_string(i));
  Fill(db_, *MakeEngine(kBase), contents);
  auto proposal = MakeEngine(std::string(kBase) +
                             "  - id: flood\n    score: 5\n"
                             "    match: {feature: velocity_ip, \">\": 10}\n");
  for (int threads : {1, 2, 4}) {
    BacktestOptions o;
    o.threads = threads;
    o.examples = 2;
    EXPECT_EQ("compared 40 changed 30 | accept->hold=30 | flood:0->30 | 11 12",
              Render(Run(*proposal, o)))
        << threads;
  }
  // A range that starts inside the flood sees the comments before it.
  BacktestOptions o;
  o.from_id = 20;
  o.to_id = 21;
  EXPECT_EQ("compared 2 changed 2 | accept->hold=2 | flood:0->2 | 20 21",
            Render(Run(*proposal, o)));
}

TEST_F(BacktestTest, MissingDatabaseIsAnError) {
  BacktestReport r;
  std::string error;
  EXPECT_FALSE(RunBacktest(dir_.File("none.db"), *MakeEngine(kBase), {}, &r, &error));
  EXPECT_NE(std::string::npos, error.find("none.db")) << error;
}

}  // namespace
}  // namespace moderated

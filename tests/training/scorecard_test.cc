// tests/training/scorecard_test.cc
#include "training/scorecard.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <cmath>
#include <string>
#include <vector>

namespace moderated::training {
namespace {

PipelineItem Item(const char* source, const char* gold, const char* action, const char* primary,
                  double q_spam, double q_abuse, const char* detected = "ru") {
  PipelineItem it;
  it.source = source;
  it.gold = gold;
  it.gold_language = "ru";
  it.language = detected;
  it.text_chars = 30;
  it.action = action;
  it.primary = primary;
  it.q = {q_spam, q_abuse};
  return it;
}

TEST(ScorecardTest, FlaggedPrimaryLabelsAndHamHeld) {
  const std::vector<PipelineItem> items = {
      Item("chat", "spam", "hold", "spam", 0.9, 0.1),
      Item("chat", "spam", "reject", "spam", 0.99, 0.1),
      Item("chat", "spam", "accept", "", 0.3, 0.1),
      Item("chat", "spam", "hold", "abuse", 0.4, 0.8),  // flagged, but as abuse
      Item("chat", "ham", "accept", "", 0.1, 0.1),
      Item("chat", "ham", "accept", "", 0.2, 0.05, "bg"),
      Item("chat", "ham", "hold", "spam", 0.7, 0.1),
      Item("chat", "ham", "accept", "", 0.05, 0.3),
  };
  const Scorecard card = Score(items);
  const Metrics& spam = card.by_language.at("ru").at("spam");
  EXPECT_EQ(spam.positives, 4);
  EXPECT_EQ(spam.tp, 2);
  EXPECT_EQ(spam.fp, 1);   // the held ham, blamed on spam
  EXPECT_EQ(spam.fn, 2);   // accepted, and flagged as abuse
  EXPECT_DOUBLE_EQ(spam.precision, 2.0 / 3);
  EXPECT_DOUBLE_EQ(spam.recall, 0.5);
  EXPECT_DOUBLE_EQ(spam.fpr, 0.25);
  // No gold abuse in Russian: no abuse row.
  EXPECT_EQ(card.by_language.at("ru").count("abuse"), 0u);

  const Metrics& chat = card.by_source.at("chat");
  EXPECT_EQ(card.source_task.at("chat"), "spam");
  EXPECT_EQ(chat.tp, 3);  // flagged at all counts for the data set's task
  EXPECT_EQ(chat.fn, 1);
  EXPECT_EQ(chat.ham_flagged, 1);
  EXPECT_DOUBLE_EQ(chat.accuracy, 6.0 / 8);
  // Spam F1 = 2*(3/4)*(3/4)/(3/2) = 0.75; ham F1 (3 accepted of 4 ham, 1 spam accepted) = 0.75.
  EXPECT_DOUBLE_EQ(chat.f1, 0.75);
  EXPECT_DOUBLE_EQ(chat.macro_f1, 0.75);
  // q_spam ranks: spam 0.9 0.99 0.3 0.4 vs ham 0.1 0.2 0.7 0.05 → 14 of 16 pairs.
  EXPECT_DOUBLE_EQ(chat.roc_auc, 14.0 / 16);
  EXPECT_DOUBLE_EQ(chat.language_accuracy, 7.0 / 8);
  EXPECT_EQ(card.overall_ham.ham, 4);
  EXPECT_EQ(card.overall_ham.ham_flagged, 1);
}

TEST(ScorecardTest, GroupsAndJson) {
  std::vector<PipelineItem> items = {Item("yt", "spam", "hold", "spam", 0.9, 0),
                                     Item("yt", "ham", "accept", "", 0.1, 0)};
  items[0].group = "Psy";
  items[1].group = "Psy";
  const Scorecard card = Score(items);
  EXPECT_DOUBLE_EQ(card.by_group.at("yt").at("Psy").accuracy, 1.0);
  boost::json::value v = boost::json::parse(ScorecardJson(card));
  EXPECT_EQ(v.at("by_source").at("yt").at("task").as_string(), "spam");
  EXPECT_EQ(v.at("by_source").at("yt").at("groups").at("Psy").at("accuracy").as_double(), 1.0);
  EXPECT_EQ(v.at("ham").at("fpr").as_double(), 0.0);
  const std::string table = ScorecardTable(card);
  EXPECT_NE(table.find("yt             spam       2     1.000   1.000   1.000"), std::string::npos)
      << table;
}

}  // namespace
}  // namespace moderated::training

// training/scorecard.h
//
// Scorecard: how the whole pipeline (normalise, language, rules, classifier,
// decision) did on labelled comments. `moderated eval`, the model card, the
// base model's regression gate and the per-site report all use it, so every
// figure the project publishes is computed one way:
//
//   flagged      the verdict is hold or reject (what a moderator sees, or
//                what never appears);
//   predicted L  flagged, and L ("spam" or "abuse") is the verdict's primary
//                label: the one with more points (classifier points of L
//                plus rules of L's family; rules other than "abuse.*" count
//                for spam);
//   per language and label: precision, recall and F1 of "predicted L"
//                against gold L, ROC AUC of the calibrated probability of L
//                (gold L against everything else in that language), and the
//                false-positive rate: the share of that language's ham that
//                is flagged (held or rejected);
//   per data set: its own task (spam or abuse against ham): precision,
//                recall and F1 of "flagged", ham flagged, ROC AUC, accuracy,
//                macro-F1 over the two classes (the OSACT2020 measure), and
//                language accuracy on texts of 20 characters or more.
//   The language of an item is its data set's language when known, else the
//   detected one.
//
// Thread-safety: pure functions.
#ifndef MODERATED_TRAINING_SCORECARD_H_
#define MODERATED_TRAINING_SCORECARD_H_

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace moderated::training {

struct PipelineItem {
  std::string source;         // data set or file name
  std::string group;          // within the set (YouTube video), may be empty
  std::string gold;           // "spam" | "abuse" | "ham"
  std::string gold_language;  // the data's language; "" = unknown
  std::string language;       // what the pipeline detected
  size_t text_chars = 0;      // code points of the text
  std::string action;         // "accept" | "hold" | "reject"
  std::string primary;        // "spam" | "abuse" | "" (nothing flagged it)
  std::array<double, 2> q{};  // calibrated spam, abuse probabilities
  double score = 0;           // the verdict's points
};

struct Metrics {
  int64_t examples = 0, positives = 0, ham = 0;
  int64_t tp = 0, fp = 0, fn = 0;
  int64_t ham_flagged = 0;
  double precision = 0, recall = 0, f1 = 0;
  double fpr = 0;       // ham flagged / ham
  double roc_auc = 0;   // NaN when one class is missing
  double accuracy = 0;  // per data set: flagged == (gold != ham)
  double macro_f1 = 0;  // per data set: mean F1 of the task class and of ham
  double language_accuracy = 0;  // per data set, texts >= 20 code points; NaN if none
  int64_t language_checked = 0;
};

struct Scorecard {
  // language → label ("spam", "abuse") → metrics
  std::map<std::string, std::map<std::string, Metrics>> by_language;
  // data set → metrics of its task; "task" names the label
  std::map<std::string, Metrics> by_source;
  std::map<std::string, std::string> source_task;
  // data set → group → accuracy (YouTube per video)
  std::map<std::string, std::map<std::string, Metrics>> by_group;
  Metrics overall_ham;  // only ham, fpr is the share flagged
};

Scorecard Score(const std::vector<PipelineItem>& items);

// JSON (one object) and a plain-text table for terminals.
std::string ScorecardJson(const Scorecard& card);
std::string ScorecardTable(const Scorecard& card);

}  // namespace moderated::training

#endif  // MODERATED_TRAINING_SCORECARD_H_

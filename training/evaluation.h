// training/evaluation.h
//
// Metrics for a classifier's predictions against gold labels, threshold
// selection, and a small JSON writer for reports.
//
// Conventions:
//   * A label is "predicted" for an example when its probability is >= the
//     label's threshold (default 0.5).
//   * Per-label metrics are binary (label vs. not label), over all examples.
//   * The confusion matrix, accuracy and multi-class MCC use single-label
//     decisions: gold = the example's first gold label, predicted = the
//     label with the highest probability (ties: the first by name).
//   * A ratio whose denominator is 0 is reported as 0 (precision with no
//     positive prediction, F1 when precision + recall = 0, MCC with an empty
//     row or column). ROC AUC with only one class present is NaN, written as
//     null in JSON.
//
// Thread-safety: pure functions; JsonWriter is a plain value type.
#ifndef MODERATED_TRAINING_EVALUATION_H_
#define MODERATED_TRAINING_EVALUATION_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "classifiers/classifier.h"
#include "training/corpus.h"

namespace moderated::training {

// One scored example.
struct EvalItem {
  std::vector<std::string> gold;   // gold labels; gold[0] is the primary one
  std::vector<classifiers::LabelScore> scores;  // the model's probabilities (any order)
  std::string language;
  std::string source;
};

// Scores every example with `model`, its text normalised first as the daemon
// normalises a comment (classifiers::Normalize). Items keep the examples'
// order, gold labels, language and source.
std::vector<EvalItem> ScoreExamples(const classifiers::Classifier& model, const std::vector<Example>& examples);

struct BinaryCounts {
  int64_t tp = 0, fp = 0, fn = 0, tn = 0;

  double Precision() const;
  double Recall() const;
  double F1() const;
  double Accuracy() const;
  double Mcc() const;  // Matthews correlation coefficient
};

// Counts for scores[i] >= threshold vs positive[i].
BinaryCounts CountAtThreshold(const std::vector<double>& scores, const std::vector<bool>& positive,
                              double threshold);

// Area under the ROC curve (probability that a random positive scores above
// a random negative, ties counting 1/2). NaN if either class is absent.
double RocAuc(const std::vector<double>& scores, const std::vector<bool>& positive);

// The smallest threshold t among the distinct scores such that precision at
// t is >= precision_target (with at least one positive prediction). Returns
// false (and leaves *threshold alone) if no threshold reaches it.
bool SelectThreshold(const std::vector<double>& scores, const std::vector<bool>& positive,
                     double precision_target, double* threshold);

struct LabelMetrics {
  std::string label;
  double threshold = 0.5;
  int64_t support = 0;  // examples with this gold label
  BinaryCounts counts;
  double precision = 0, recall = 0, f1 = 0, mcc = 0;
  double roc_auc = 0;  // NaN if undefined
};

struct EvaluationReport {
  int64_t examples = 0;
  std::vector<std::string> labels;              // sorted; rows/columns of `confusion`
  std::vector<LabelMetrics> per_label;          // same order as `labels`
  std::vector<std::vector<int64_t>> confusion;  // [gold][predicted]
  double accuracy = 0;                          // argmax == primary gold label
  double macro_f1 = 0;                          // mean per-label F1 over labels with support > 0
  double mcc = 0;                               // multi-class MCC (Gorodkin) of `confusion`
};

// Evaluates `items`. `labels` lists the labels to report (empty: every label
// seen in gold or scores). `thresholds` maps label → threshold; missing
// labels use 0.5.
EvaluationReport Evaluate(const std::vector<EvalItem>& items, std::vector<std::string> labels,
                          const std::map<std::string, double>& thresholds);

// Evaluate() per EvalItem::language (sorted by language code).
std::map<std::string, EvaluationReport> EvaluateByLanguage(
    const std::vector<EvalItem>& items, const std::vector<std::string>& labels,
    const std::map<std::string, double>& thresholds);

// Minimal streaming JSON writer: the caller provides the structure, the
// writer handles commas, escaping (UTF-8 passes through; control characters,
// '"' and '\\' are escaped) and number formatting (non-finite → null,
// otherwise up to 6 significant decimals, no exponent for usual values).
// Output is indented by two spaces per level.
class JsonWriter {
 public:
  JsonWriter& BeginObject();
  JsonWriter& EndObject();
  JsonWriter& BeginArray();
  JsonWriter& EndArray();
  JsonWriter& Key(std::string_view key);
  JsonWriter& String(std::string_view value);
  JsonWriter& Number(double value);
  JsonWriter& Int(int64_t value);
  JsonWriter& Bool(bool value);
  JsonWriter& Null();

  // The document so far (complete once every Begin has its End).
  const std::string& str() const { return out_; }

 private:
  void BeforeValue();
  void WriteEscaped(std::string_view value);
  void Newline();

  std::string out_;
  std::vector<bool> first_;  // per open container: no element written yet
  bool after_key_ = false;
};

// Writes `report` as a JSON object value into `json` (which must be at a
// value position).
void WriteReportJson(const EvaluationReport& report, JsonWriter& json);

// label → (precision target, threshold), targets in the order given; the
// threshold is NaN when no threshold reaches the target.
using RecommendedThresholds = std::map<std::string, std::vector<std::pair<double, double>>>;

// For each label in `labels` but "ham" (ham is what is left when no other
// label fires), the smallest threshold whose precision on `items` reaches
// each target (SelectThreshold). An item is positive for a label when the
// label is among its gold labels.
RecommendedThresholds RecommendThresholds(const std::vector<EvalItem>& items,
                                          const std::vector<std::string>& labels,
                                          const std::vector<double>& precision_targets);

// {"spam": [{"precision_target": 0.9, "threshold": 0.62}, ...], ...};
// an unreachable target's threshold is written as null.
void WriteRecommendedThresholdsJson(const RecommendedThresholds& recommended, JsonWriter& json);

// Formats a number like JsonWriter::Number does.
std::string FormatNumber(double value);

}  // namespace moderated::training

#endif  // MODERATED_TRAINING_EVALUATION_H_

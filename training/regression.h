// training/regression.h
//
// The regression set and the base model's gate. The regression set is a
// fixed sample of the test split (dataset.h: never trained on by any
// shipped model): up to kRegressionPerCell comments per data set and label,
// in every language we serve. It is committed (classifiers/models/
// regression.jsonl) and embedded in the binary, so a daemon can judge a
// candidate base model without the data sets.
//
// The gate (RegressionGate): run the whole pipeline with the current model
// and with the candidate over the regression set (training/scorecard.h) and
// require, for every language and label the current model is scored on:
//   candidate F1 >= current F1 - kRegressionF1Tolerance, and
//   candidate ham held <= current ham held + kRegressionHamTolerance.
// One failing cell fails the gate; the reason names every failing cell.
//
// Errors are values. Thread-safety: pure functions.
#ifndef MODERATED_TRAINING_REGRESSION_H_
#define MODERATED_TRAINING_REGRESSION_H_

#include <string>
#include <string_view>
#include <vector>

#include "training/corpus.h"
#include "training/scorecard.h"

namespace moderated::training {

inline constexpr size_t kRegressionPerCell = 150;
inline constexpr double kRegressionF1Tolerance = 0.02;
inline constexpr double kRegressionHamTolerance = 0.005;

// One JSON object per line: {"source", "group", "language", "label", "text"}.
// Deterministic: the first `per_cell` test examples of each (source, label)
// by a hash of their text.
std::string WriteRegressionSet(const std::vector<Example>& test, size_t per_cell);

// Reads what WriteRegressionSet() wrote. Errors: "ORIGIN:LINE: message".
bool ParseRegressionSet(std::string_view jsonl, std::string_view origin, std::vector<Example>* out,
                        std::string* error);

struct RegressionGate {
  bool passed = false;
  std::vector<std::string> failures;  // "ru spam: F1 0.812 < 0.900 - 0.020"
  std::string reason;                 // one line
};

RegressionGate CompareOnRegressionSet(const Scorecard& current, const Scorecard& candidate);

// The gate as a JSON object (for reports and the audit log).
std::string RegressionGateJson(const RegressionGate& gate);

}  // namespace moderated::training

#endif  // MODERATED_TRAINING_REGRESSION_H_

// training/base_model.h
//
// The base model every site shares: trained from the labelled data sets
// (dataset.h) and calibrated (calibration.h) on their validation split with
// the rules the daemon runs. `moderated train` and the admin's explicit
// retraining (POST /v1/admin/models/train) both call TrainBaseModel(); it
// changes nothing by itself: the result is a candidate that the regression
// gate (regression.h) must pass before anything activates it.
//
// The daemon owns the rules and language identification, so it passes them
// in as `judge`: for one example it returns what the pipeline sees without
// the classifier (detected language, rule points and explicit rule action).
// That keeps training/ free of the daemon and the calibration true to what
// the daemon will do.
//
// Errors are values: false and one line in *error, e.g. a data directory
// that is missing ("../shared/data: no such directory; base retraining
// needs the labelled data sets: set training.data_dir") — retraining never
// silently drops the base data. Deterministic for the same data, options
// and seed. Thread-safety: may run on any thread.
#ifndef MODERATED_TRAINING_BASE_MODEL_H_
#define MODERATED_TRAINING_BASE_MODEL_H_

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "classifiers/classifier.h"
#include "training/calibration.h"
#include "training/dataset.h"
#include "training/trainer.h"

namespace moderated::training {

// What the daemon's pipeline does with an example before the classifier.
struct RuleJudgement {
  std::string language;  // detected
  double rule_points = 0;
  RuleAction rule_action = RuleAction::kNone;
};
using JudgeFn = std::function<RuleJudgement(const Example&)>;
using ProgressFn = std::function<void(std::string_view phase, double progress)>;

struct BaseModelRequest {
  std::vector<std::string> presets;  // empty: all
  std::string data_dir;
  TrainOptions options = DefaultBaseTrainOptions();
  CalibrationTargets targets;

  static TrainOptions DefaultBaseTrainOptions();
};

struct BaseModelOutcome {
  std::string model_bytes;
  std::string calibration_json;
  DatasetReport dataset;
  CalibrationFit calibration;
  TrainStats stats;
  std::vector<Example> test;  // the fixed test split, for evaluation
  double train_seconds = 0;
};

bool TrainBaseModel(const BaseModelRequest& request, const JudgeFn& judge,
                    const ProgressFn& progress, BaseModelOutcome* out, std::string* error);

// The calibration items for `examples` scored by `model` (raw probabilities)
// and `judge`. Exposed for `moderated train --calibrate-only`.
std::vector<CalibrationItem> CalibrationItems(const std::vector<Example>& examples,
                                              const classifiers::Classifier& model,
                                              const JudgeFn& judge);

}  // namespace moderated::training

#endif  // MODERATED_TRAINING_BASE_MODEL_H_

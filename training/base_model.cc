// training/base_model.cc
#include "training/base_model.h"

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "classifiers/fasttext_classifier.h"
#include "classifiers/normalizer.h"

namespace moderated::training {
namespace {

namespace cls = ::moderated::classifiers;

bool ReadAll(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::stringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return true;
}

// Trains on `train` into a temporary file and reads the model back into
// out->model_bytes, with out->stats and out->train_seconds.
bool TrainAndReadBack(const std::vector<Example>& train, const TrainOptions& options,
                      BaseModelOutcome* out, std::string* error) {
  const auto t0 = std::chrono::steady_clock::now();
  std::error_code ec;
  std::string path = (options.temp_dir.empty() ? std::filesystem::temp_directory_path(ec).string()
                                               : options.temp_dir) +
                     "/moderated-base-XXXXXX";
  const int fd = ::mkstemp(path.data());
  if (fd < 0) {
    *error = path + ": cannot create temporary file";
    return false;
  }
  ::close(fd);
  const bool trained = TrainFastTextModel(train, options, path, &out->stats, error);
  const bool read = trained && ReadAll(path, &out->model_bytes);
  std::filesystem::remove(path, ec);
  if (!trained) return false;
  if (!read) {
    *error = path + ": cannot read the trained model back";
    return false;
  }
  out->train_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return true;
}

}  // namespace

TrainOptions BaseModelRequest::DefaultBaseTrainOptions() {
  TrainOptions o;
  o.epochs = 10;
  o.learning_rate = 0.2;
  o.dim = 50;
  o.word_ngrams = 2;
  o.minn = 3;
  o.maxn = 6;
  o.bucket = 500000;
  o.quantize = true;
  o.cutoff = 100000;
  o.dsub = 2;
  // Radio-T's chat is the only Russian chat ham (453 lines beside thousands
  // of Telegram spam and toxic forum comments): without weight, short
  // ordinary Russian chat reads as spam or abuse (docs/classifier.md).
  o.repeat = {{"radio-t", 10}};
  return o;
}

std::vector<CalibrationItem> CalibrationItems(const std::vector<Example>& examples,
                                              const cls::Classifier& model,
                                              const JudgeFn& judge) {
  std::vector<CalibrationItem> items;
  items.reserve(examples.size());
  for (const Example& e : examples) {
    const RuleJudgement j = judge(e);
    const cls::Prediction p = model.Predict(cls::Normalize(e.text).text);
    CalibrationItem it;
    for (size_t l = 0; l < cls::kDecisionLabels.size(); ++l) {
      it.raw[l] = p.Get(cls::kDecisionLabels[l]);
    }
    it.group = cls::GroupOf(j.language);
    it.gold = e.labels.at(0);
    it.source = e.source;
    it.rule_points = j.rule_points;
    it.rule_action = j.rule_action;
    items.push_back(std::move(it));
  }
  return items;
}

bool TrainBaseModel(const BaseModelRequest& request, const JudgeFn& judge,
                    const ProgressFn& progress, BaseModelOutcome* out, std::string* error) {
  auto report = [&](std::string_view phase, double p) {
    if (progress) progress(phase, p);
  };
  if (request.data_dir.empty() || !std::filesystem::is_directory(request.data_dir)) {
    *error = (request.data_dir.empty() ? std::string("(none)") : request.data_dir) +
             ": no such directory; base retraining needs the labelled data sets "
             "(set training.data_dir or --data-dir)";
    return false;
  }
  report("reading data sets", 0.02);
  std::vector<Example> all;
  if (!BuildDataset(request.presets, request.data_dir, &all, &out->dataset, error)) return false;
  std::vector<Example> train, validation;
  for (Example& e : all) {
    if (e.split == "train") {
      train.push_back(std::move(e));
    } else if (e.split == "validation") {
      validation.push_back(std::move(e));
    } else {
      out->test.push_back(std::move(e));
    }
  }
  if (train.empty() || validation.empty()) {
    *error = request.data_dir + ": the data sets gave no training or no validation examples";
    return false;
  }

  report("training", 0.1);
  if (!TrainAndReadBack(train, request.options, out, error)) return false;

  report("calibrating", 0.8);
  auto model = cls::LoadFastTextClassifierFromMemory(out->model_bytes, "candidate", error);
  if (!model) return false;
  const std::vector<CalibrationItem> items = CalibrationItems(validation, *model, judge);
  if (!FitCalibration(items, request.targets, &out->calibration, error)) return false;
  out->calibration_json = out->calibration.json;
  report("done", 1.0);
  return true;
}

}  // namespace moderated::training

// training/site_model.h
//
// TrainSiteModel(): a site's own model, learnt from that site's labels only
// (moderator decisions, Akismet submit-spam/ham, spamc TELL), to be combined
// with the base model for that site's comments and no other site's
// (classifiers/site_combiner.h). The base model never changes here.
//
//   1. Labels. Every label ("ham", "spam", "abuse") with at least
//      `min_per_class` examples qualifies; a site model needs ham and at
//      least one of spam or abuse to qualify, otherwise there is no model and
//      `refusal` says why in one line, with the counts. Examples of labels
//      that do not qualify are left out.
//   2. Held out: a share of the labelled comments, by a hash of the comment
//      id and seed (a comment stays on its side as labels accumulate), is
//      never trained on; the gate compares models on it.
//   3. The site model: a small dense fastText model (same normaliser and
//      tokeniser as the base model) on the rest.
//   4. The combiner: per qualifying label, a logistic regression of the gold
//      label on logit(q_base) and logit(p_site), where p_site comes from
//      models trained on the other folds (out-of-fold), so the weights
//      reflect how the site model does on comments it has not seen.
//   5. The gate: over the held-out comments, the candidate (base + this site
//      model) against the current judgement for the site (the base alone, or
//      base + the site's active model), each label predicted when its
//      probability reaches the base calibration's hold threshold for the
//      comment's language at the site's sensitivity. The candidate passes when its macro-F1 over the
//      labels present is at least the current one minus kSiteGateTolerance,
//      with at least kSiteMinHoldout held-out comments.
//
// Deterministic for the same labels, options and seed. Errors are values:
// false with *error set to one line (a refusal for too few labels is not an
// error: it returns true with outcome->refusal set). Thread-safety: may run
// on any thread; uses only its own temporary files.
#ifndef MODERATED_TRAINING_SITE_MODEL_H_
#define MODERATED_TRAINING_SITE_MODEL_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "classifiers/calibration.h"
#include "classifiers/classifier.h"
#include "classifiers/site_combiner.h"
#include "training/trainer.h"

namespace moderated::training {

inline constexpr int kSiteMinPerClass = 50;
inline constexpr double kSiteGateTolerance = 0.005;
inline constexpr int64_t kSiteMinHoldout = 20;

struct SiteExample {
  int64_t comment_id = 0;
  std::string text;
  std::string label;     // "ham" | "spam" | "abuse"
  std::string language;  // as detected when the comment was stored
};

struct SiteModelOptions {
  double holdout_fraction = 0.3;
  uint32_t seed = 42;
  int min_per_class = kSiteMinPerClass;
  int folds = 5;
  TrainOptions fasttext = DefaultSiteTrainOptions();

  static TrainOptions DefaultSiteTrainOptions();
};

// The base judgement: model plus its calibration.
struct BaseModel {
  const classifiers::Classifier* classifier = nullptr;
  const classifiers::Calibration* calibration = nullptr;
  // The site's sensitivity: which hold thresholds the gate predicts with.
  classifiers::Sensitivity sensitivity = classifiers::Sensitivity::kNormal;
};

// The site's active model, if any (the gate's "current").
struct CurrentSiteModel {
  const classifiers::Classifier* classifier = nullptr;  // null: the base alone
  const classifiers::SiteCombiner* combiner = nullptr;
};

struct SiteGate {
  bool passed = false;
  double candidate = 0, current = 0;  // macro-F1 on the held-out labels
  double tolerance = kSiteGateTolerance;
  int64_t holdout = 0;
  std::vector<std::string> labels;  // labels present in the held-out part
  std::string reason;               // one line
};

struct SiteModelOutcome {
  std::string refusal;                   // non-empty: no model, and why
  std::map<std::string, int64_t> counts; // labels by name, all of the site's
  std::string model_bytes;               // the fastText model
  std::string combiner_json;             // classifiers::SiteCombiner::Parse reads it
  std::string version;                   // "site-" + 12 hex digits of model + combiner
  SiteGate gate;
  std::string report_json;               // counts, combiner, both evaluations, gate
};

bool TrainSiteModel(const std::vector<SiteExample>& examples, const BaseModel& base,
                    const CurrentSiteModel& current, const SiteModelOptions& options,
                    SiteModelOutcome* outcome, std::string* error);

// Calibrated probabilities of kDecisionLabels for one text, base alone or
// combined with a site model (the daemon's Engine does the same).
std::array<double, 2> JudgeText(const std::string& text, const std::string& language,
                                const BaseModel& base, const CurrentSiteModel& site);

}  // namespace moderated::training

#endif  // MODERATED_TRAINING_SITE_MODEL_H_

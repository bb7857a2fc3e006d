// classifiers/judge.h
//
// Judge: the statistical half of a verdict, as one immutable value. It holds
// the base model every site shares with its calibration, and the site models
// of the sites that have one (training/site_model.h). For one comment:
//
//   raw p      the base model's probability of each decision label;
//   q          calibrated (classifiers/calibration.h) for the comment's
//              language group, then, for a site with its own model, combined
//              with that model's probability (classifiers/site_combiner.h);
//   points     what the label adds to the verdict's score at the site's
//              sensitivity level.
//
// A site without a model is judged exactly as it would be if no site had
// one: same numbers, same version string. That is what keeps one site's
// learning from touching another site's verdicts.
//
// Copies are cheap to derive (WithSiteModel, WithoutSiteModel): activation
// builds a new Judge and the engine swaps it in; nothing is mutated.
// Thread-safety: immutable; Evaluate() may run on any number of threads.
#ifndef MODERATED_CLASSIFIERS_JUDGE_H_
#define MODERATED_CLASSIFIERS_JUDGE_H_

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "classifiers/calibration.h"
#include "classifiers/classifier.h"
#include "classifiers/site_combiner.h"

namespace moderated::classifiers {

// A model plus the calibration learnt with it, and where it came from.
struct BaseModel {
  std::shared_ptr<const Classifier> classifier;
  std::shared_ptr<const Calibration> calibration;  // Identity() if it came without
  std::string version;  // BaseModelVersion(): the model and its calibration
  std::string source;   // "embedded", a file path, or "database:ID"
  int64_t model_id = 0; // the stored model; 0 = a file or the embedded one
};

// One site's own model.
struct SiteModel {
  std::shared_ptr<const Classifier> classifier;
  std::shared_ptr<const SiteCombiner> combiner;
  std::string version;  // "site-…"
  int64_t model_id = 0;
};

struct LabelJudgement {
  double raw = 0;     // base model probability
  double q = 0;       // calibrated (and combined, for a site with a model)
  double points = 0;  // on the calibration's scale (hold_at / reject_at)
};

struct Judgement {
  std::array<LabelJudgement, kDecisionLabels.size()> labels{};
  double ham = 1;            // probability of neither label: (1 - q_spam)(1 - q_abuse)
  std::string version;       // base version, "+site-…" when a site model took part
  bool site_model = false;
};

class Judge {
 public:
  explicit Judge(BaseModel base, std::map<std::string, SiteModel, std::less<>> sites = {});

  Judgement Evaluate(std::string_view normalized, std::string_view language,
                     std::string_view site, Sensitivity level = Sensitivity::kNormal) const;

  // The same from calibrated probabilities computed earlier (backtests of
  // stored comments): points only (with the site's own thresholds when it
  // has a model), no model is run.
  Judgement FromCalibrated(const std::array<double, kDecisionLabels.size()>& q,
                           std::string_view language, std::string_view site,
                           Sensitivity level) const;

  std::shared_ptr<const Judge> WithSiteModel(const std::string& site, SiteModel model) const;
  std::shared_ptr<const Judge> WithoutSiteModel(std::string_view site) const;
  std::shared_ptr<const Judge> WithBase(BaseModel base) const;

  const BaseModel& base() const { return base_; }
  const Calibration& calibration() const { return *base_.calibration; }
  const SiteModel* site_model(std::string_view site) const;
  const std::map<std::string, SiteModel, std::less<>>& site_models() const { return sites_; }

 private:
  BaseModel base_;
  std::map<std::string, SiteModel, std::less<>> sites_;
};

// The version of a model with its calibration: the model's own version
// (Classifier::version(), "ft-" + a hash of its bytes) when there is no
// calibration, else "ft-" + 12 hex digits of a hash of both, so the same
// model calibrated differently has another name.
std::string BaseModelVersion(std::string_view model_version, std::string_view calibration_text);

}  // namespace moderated::classifiers

#endif  // MODERATED_CLASSIFIERS_JUDGE_H_

// classifiers/site_combiner.h
//
// SiteCombiner: how a site's own model (trained on that site's labels only,
// training/site_model.h) is combined with the base model for that site's
// comments. Per label the site model knows:
//
//   q = sigmoid(alpha * logit(q_base) + beta * logit(p_site) + gamma)
//
// where q_base is the base model's calibrated probability
// (classifiers/calibration.h) and p_site the site model's raw probability.
// alpha, beta and gamma are fitted on that site's labels (out-of-fold site
// model predictions), so a site model that has learnt nothing useful gets a
// small beta and leaves the base judgement as it was. The combined q is
// read against the site's own hold and reject thresholds per sensitivity
// level, chosen on the same out-of-fold predictions for the share of the
// site's ham each level allows (training/site_model.h). Labels the site
// model does not know keep q_base and the base calibration's thresholds.
//
// Errors are values: Parse() returns nullptr and "ORIGIN: field: message".
// Thread-safety: immutable after Parse().
#ifndef MODERATED_CLASSIFIERS_SITE_COMBINER_H_
#define MODERATED_CLASSIFIERS_SITE_COMBINER_H_

#include <array>
#include <memory>
#include <string>
#include <string_view>

#include "classifiers/calibration.h"

namespace moderated::classifiers {

struct LabelCombiner {
  bool active = false;  // false: the site model does not speak for this label
  double alpha = 1.0, beta = 0.0, gamma = 0.0;
  std::array<Thresholds, kSensitivities> levels{};  // low, normal, high
};

class SiteCombiner {
 public:
  // {"format": 2, "labels": {"spam": {"alpha": a, "beta": b, "gamma": c,
  //  "levels": {"low": {"hold": h, "reject": r}, "normal": {...},
  //  "high": {...}}}, "abuse": null}} — a label that is null or absent is
  //  not combined. 0 < hold < reject < 1.
  static std::shared_ptr<const SiteCombiner> Parse(std::string_view json, std::string_view origin,
                                                   std::string* error);
  // Builds one from fitted numbers; text() is the canonical JSON.
  static std::shared_ptr<const SiteCombiner> Make(
      const std::array<LabelCombiner, kDecisionLabels.size()>& labels);

  // `label_index` indexes kDecisionLabels.
  double Combine(int label_index, double q_base, double p_site) const;
  // The points of a combined q on the scale of `calibration` (hold_at,
  // reject_at), with this site's thresholds; an inactive label's are the
  // base calibration's for `group`.
  double Points(int label_index, double q, Sensitivity level, const Calibration& calibration,
                LanguageGroup group) const;
  const LabelCombiner& label(int label_index) const { return labels_[label_index]; }
  const std::string& text() const { return text_; }

 private:
  SiteCombiner() = default;
  std::array<LabelCombiner, kDecisionLabels.size()> labels_{};
  std::string text_;
};

}  // namespace moderated::classifiers

#endif  // MODERATED_CLASSIFIERS_SITE_COMBINER_H_

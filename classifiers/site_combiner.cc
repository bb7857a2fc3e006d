// classifiers/site_combiner.cc
#include "classifiers/site_combiner.h"

#include <boost/json.hpp>

#include "classifiers/json_file.h"

namespace moderated::classifiers {
namespace {

// A combiner file's numbers are JsonNumber's without uint64 (integers above
// INT64_MAX), which it has never taken.
bool Number(const boost::json::value* v, double* out) {
  return v != nullptr && !v->is_uint64() && JsonNumber(v, out);
}

std::string Serialize(const std::array<LabelCombiner, kDecisionLabels.size()>& labels) {
  boost::json::object by_label;
  for (size_t l = 0; l < labels.size(); ++l) {
    const LabelCombiner& c = labels[l];
    if (!c.active) {
      by_label[std::string(kDecisionLabels[l])] = nullptr;
      continue;
    }
    boost::json::object levels;
    for (int level = 0; level < kSensitivities; ++level) {
      levels[std::string(SensitivityName(static_cast<Sensitivity>(level)))] = {
          {"hold", c.levels[level].hold}, {"reject", c.levels[level].reject}};
    }
    by_label[std::string(kDecisionLabels[l])] = {
        {"alpha", c.alpha}, {"beta", c.beta}, {"gamma", c.gamma}, {"levels", std::move(levels)}};
  }
  return boost::json::serialize(boost::json::object{{"format", 2}, {"labels", by_label}});
}

}  // namespace

std::shared_ptr<const SiteCombiner> SiteCombiner::Make(
    const std::array<LabelCombiner, kDecisionLabels.size()>& labels) {
  std::shared_ptr<SiteCombiner> c(new SiteCombiner());
  c->labels_ = labels;
  c->text_ = Serialize(labels);
  return c;
}

std::shared_ptr<const SiteCombiner> SiteCombiner::Parse(std::string_view json,
                                                        std::string_view origin,
                                                        std::string* error) {
  auto fail = [&](const std::string& where, const std::string& message) {
    *error = JsonFileError(origin, where, message);
    return nullptr;
  };
  boost::json::value root;
  if (!ParseFormat2Object(json, origin, &root, error)) return nullptr;
  const boost::json::value* labels = root.get_object().if_contains("labels");
  if (labels == nullptr || !labels->is_object()) return fail("labels", "missing object");
  std::array<LabelCombiner, kDecisionLabels.size()> parsed{};
  for (size_t l = 0; l < kDecisionLabels.size(); ++l) {
    const std::string name(kDecisionLabels[l]);
    const boost::json::value* v = labels->get_object().if_contains(name);
    if (v == nullptr || v->is_null()) continue;
    if (!v->is_object()) return fail("labels." + name, "expected an object or null");
    LabelCombiner& c = parsed[l];
    c.active = true;
    for (auto [key, field] : {std::pair<const char*, double*>{"alpha", &c.alpha},
                              {"beta", &c.beta},
                              {"gamma", &c.gamma}}) {
      if (!Number(v->get_object().if_contains(key), field)) {
        return fail("labels." + name + "." + key, "must be a number");
      }
    }
    const boost::json::value* levels = v->get_object().if_contains("levels");
    if (levels == nullptr || !levels->is_object()) {
      return fail("labels." + name + ".levels", "missing object");
    }
    for (int level = 0; level < kSensitivities; ++level) {
      const std::string level_name(SensitivityName(static_cast<Sensitivity>(level)));
      const std::string where = "labels." + name + ".levels." + level_name;
      const boost::json::value* t = levels->get_object().if_contains(level_name);
      Thresholds& th = c.levels[level];
      if (t == nullptr || !t->is_object()) return fail(where, "missing object");
      if (!Number(t->get_object().if_contains("hold"), &th.hold) ||
          !(th.hold > 0 && th.hold < 1)) {
        return fail(where + ".hold", "must be a number in (0, 1)");
      }
      if (!Number(t->get_object().if_contains("reject"), &th.reject) ||
          !(th.reject > th.hold && th.reject < 1)) {
        return fail(where + ".reject", "must be a number in (hold, 1)");
      }
    }
  }
  std::shared_ptr<SiteCombiner> c(new SiteCombiner());
  c->labels_ = parsed;
  c->text_ = std::string(json);
  return c;
}

double SiteCombiner::Combine(int label_index, double q_base, double p_site) const {
  const LabelCombiner& c = labels_[label_index];
  if (!c.active) return q_base;
  return Sigmoid(c.alpha * Logit(q_base) + c.beta * Logit(p_site) + c.gamma);
}

double SiteCombiner::Points(int label_index, double q, Sensitivity level,
                            const Calibration& calibration, LanguageGroup group) const {
  const LabelCombiner& c = labels_[label_index];
  if (!c.active) return calibration.Points(label_index, group, q, level);
  const Thresholds& t = c.levels[static_cast<int>(level)];
  return PointsBetween(q, t, calibration.hold_at(), calibration.reject_at());
}

}  // namespace moderated::classifiers

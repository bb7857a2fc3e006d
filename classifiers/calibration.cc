// classifiers/calibration.cc
#include "classifiers/calibration.h"

#include <boost/json.hpp>

#include <algorithm>
#include <cmath>

#include "classifiers/json_file.h"

namespace moderated::classifiers {
LanguageGroup GroupOf(std::string_view code) {
  if (code == "ar") return LanguageGroup::kArabic;
  if (code == "ru") return LanguageGroup::kRussian;
  if (code == "en") return LanguageGroup::kEnglish;
  return LanguageGroup::kOther;
}

std::string_view GroupName(LanguageGroup group) {
  switch (group) {
    case LanguageGroup::kArabic: return "ar";
    case LanguageGroup::kRussian: return "ru";
    case LanguageGroup::kEnglish: return "en";
    default: return "other";
  }
}

double Logit(double p) {
  p = std::clamp(p, 1e-12, 1.0 - 1e-12);
  return std::log(p / (1.0 - p));
}

double Sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

std::shared_ptr<const Calibration> Calibration::Identity() {
  static const std::shared_ptr<const Calibration> identity(new Calibration());
  return identity;
}

std::string_view SensitivityName(Sensitivity s) {
  switch (s) {
    case Sensitivity::kLow: return "low";
    case Sensitivity::kHigh: return "high";
    default: return "normal";
  }
}

bool ParseSensitivity(std::string_view name, Sensitivity* out) {
  for (int i = 0; i < kSensitivities; ++i) {
    if (name == SensitivityName(static_cast<Sensitivity>(i))) {
      *out = static_cast<Sensitivity>(i);
      return true;
    }
  }
  return false;
}

namespace {

using PlattTable = LabelCalibration[kDecisionLabels.size()][kLanguageGroups];
using LevelTables = Thresholds[kSensitivities][kDecisionLabels.size()][kLanguageGroups];

// Where Calibration::Parse's messages go: "ORIGIN: path.to.field: message".
struct ParseErrors {
  std::string_view origin;
  std::string* error;

  bool Fail(const std::string& where, const std::string& message) const {
    *error = JsonFileError(origin, where, message);
    return false;
  }
};

bool ParseScale(const boost::json::object& o, double* hold_at, double* reject_at,
                const ParseErrors& e) {
  const boost::json::value* scale = o.if_contains("scale");
  if (scale == nullptr || !scale->is_object()) return e.Fail("scale", "missing object");
  if (!JsonNumber(scale->get_object().if_contains("hold_at"), hold_at) ||
      !JsonNumber(scale->get_object().if_contains("reject_at"), reject_at) ||
      !(*hold_at > 0 && *hold_at < *reject_at)) {
    return e.Fail("scale", "needs numbers 0 < hold_at < reject_at");
  }
  return true;
}

// Walks path.label.group objects, calling `read` on each.
template <typename Read>
bool EachLabelGroup(const boost::json::value* top, const std::string& path, const ParseErrors& e,
                    Read&& read) {
  if (top == nullptr || !top->is_object()) return e.Fail(path, "missing object");
  for (size_t li = 0; li < kDecisionLabels.size(); ++li) {
    const std::string label(kDecisionLabels[li]);
    const boost::json::value* groups = top->get_object().if_contains(label);
    if (groups == nullptr || !groups->is_object()) {
      return e.Fail(path + "." + label, "missing object");
    }
    for (int g = 0; g < kLanguageGroups; ++g) {
      const std::string where =
          path + "." + label + "." + std::string(GroupName(static_cast<LanguageGroup>(g)));
      const boost::json::value* v =
          groups->get_object().if_contains(GroupName(static_cast<LanguageGroup>(g)));
      if (v == nullptr || !v->is_object()) return e.Fail(where, "missing object");
      if (!read(v->get_object(), where, li, g)) return false;
    }
  }
  return true;
}

bool ParsePlatt(const boost::json::object& o, PlattTable& platt, const ParseErrors& e) {
  return EachLabelGroup(
      o.if_contains("platt"), "platt", e,
      [&](const boost::json::object& lo, const std::string& where, size_t li, int g) {
        LabelCalibration& lc = platt[li][g];
        if (!JsonNumber(lo.if_contains("slope"), &lc.slope) || !(lc.slope > 0)) {
          return e.Fail(where + ".slope", "must be a number > 0");
        }
        if (!JsonNumber(lo.if_contains("intercept"), &lc.intercept)) {
          return e.Fail(where + ".intercept", "must be a number");
        }
        return true;
      });
}

bool ParseLevels(const boost::json::object& o, LevelTables& levels, const ParseErrors& e) {
  const boost::json::value* levels_json = o.if_contains("levels");
  if (levels_json == nullptr || !levels_json->is_object()) {
    return e.Fail("levels", "missing object");
  }
  for (int level = 0; level < kSensitivities; ++level) {
    const std::string name(SensitivityName(static_cast<Sensitivity>(level)));
    const bool ok = EachLabelGroup(
        levels_json->get_object().if_contains(name), "levels." + name, e,
        [&](const boost::json::object& lo, const std::string& where, size_t li, int g) {
          Thresholds& t = levels[level][li][g];
          if (!JsonNumber(lo.if_contains("hold"), &t.hold) || !(t.hold > 0 && t.hold < 1)) {
            return e.Fail(where + ".hold", "must be a number in (0, 1)");
          }
          if (!JsonNumber(lo.if_contains("reject"), &t.reject) ||
              !(t.reject > t.hold && t.reject < 1)) {
            return e.Fail(where + ".reject", "must be a number in (hold, 1)");
          }
          return true;
        });
    if (!ok) return false;
  }
  return true;
}

}  // namespace

std::shared_ptr<const Calibration> Calibration::Parse(std::string_view json,
                                                      std::string_view origin,
                                                      std::string* error) {
  boost::json::value root;
  if (!ParseFormat2Object(json, origin, &root, error)) return nullptr;
  const boost::json::object& o = root.get_object();
  const ParseErrors e{origin, error};
  std::shared_ptr<Calibration> c(new Calibration());
  c->text_ = std::string(json);
  if (!ParseScale(o, &c->hold_at_, &c->reject_at_, e) || !ParsePlatt(o, c->platt_, e) ||
      !ParseLevels(o, c->levels_, e)) {
    return nullptr;
  }
  return c;
}

double Calibration::Calibrate(int label_index, LanguageGroup group, double p) const {
  const LabelCalibration& c = Get(label_index, group);
  return Sigmoid(c.slope * Logit(p) + c.intercept);
}

double PointsBetween(double q, const Thresholds& t, double hold_at, double reject_at) {
  const double lh = Logit(t.hold), lr = Logit(t.reject);
  const double points = hold_at + (reject_at - hold_at) * (Logit(q) - lh) / (lr - lh);
  return std::clamp(points, 0.0, reject_at - kRejectMargin);
}

double Calibration::Points(int label_index, LanguageGroup group, double q,
                           Sensitivity level) const {
  return PointsBetween(q, Threshold(label_index, group, level), hold_at_, reject_at_);
}

}  // namespace moderated::classifiers

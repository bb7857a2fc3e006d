// classifiers/calibration.cc
#include "classifiers/calibration.h"

#include <boost/json.hpp>

#include <algorithm>
#include <cmath>

namespace moderated::classifiers {
namespace {

bool Number(const boost::json::value* v, double* out) {
  if (v == nullptr) return false;
  if (v->is_double()) {
    *out = v->get_double();
  } else if (v->is_int64()) {
    *out = static_cast<double>(v->get_int64());
  } else if (v->is_uint64()) {
    *out = static_cast<double>(v->get_uint64());
  } else {
    return false;
  }
  return std::isfinite(*out);
}

}  // namespace

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
  p = std::clamp(p, 1e-6, 1.0 - 1e-6);
  return std::log(p / (1.0 - p));
}

double Sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

std::shared_ptr<const Calibration> Calibration::Identity() {
  static const std::shared_ptr<const Calibration> identity(new Calibration());
  return identity;
}

std::shared_ptr<const Calibration> Calibration::Parse(std::string_view json,
                                                      std::string_view origin,
                                                      std::string* error) {
  auto fail = [&](const std::string& where, const std::string& message) {
    *error = std::string(origin) + ": " + where + (where.empty() ? "" : ": ") + message;
    return nullptr;
  };
  boost::system::error_code ec;
  boost::json::value root = boost::json::parse(json, ec);
  if (ec) return fail("", "not JSON (" + ec.message() + ")");
  if (!root.is_object()) return fail("", "expected a JSON object");
  const boost::json::object& o = root.get_object();
  double format = 0;
  if (!Number(o.if_contains("format"), &format) || format != 1) {
    return fail("format", "expected 1");
  }
  std::shared_ptr<Calibration> c(new Calibration());
  c->text_ = std::string(json);
  const boost::json::value* scale = o.if_contains("scale");
  if (scale == nullptr || !scale->is_object()) return fail("scale", "missing object");
  if (!Number(scale->get_object().if_contains("hold_at"), &c->hold_at_) ||
      !Number(scale->get_object().if_contains("reject_at"), &c->reject_at_) ||
      !(c->hold_at_ > 0 && c->hold_at_ < c->reject_at_)) {
    return fail("scale", "needs numbers 0 < hold_at < reject_at");
  }
  const boost::json::value* labels = o.if_contains("labels");
  if (labels == nullptr || !labels->is_object()) return fail("labels", "missing object");
  for (size_t li = 0; li < kDecisionLabels.size(); ++li) {
    const std::string label(kDecisionLabels[li]);
    const boost::json::value* groups = labels->get_object().if_contains(label);
    if (groups == nullptr || !groups->is_object()) {
      return fail("labels." + label, "missing object");
    }
    for (int g = 0; g < kLanguageGroups; ++g) {
      const std::string name(GroupName(static_cast<LanguageGroup>(g)));
      const std::string where = "labels." + label + "." + name;
      const boost::json::value* v = groups->get_object().if_contains(name);
      if (v == nullptr || !v->is_object()) return fail(where, "missing object");
      const boost::json::object& lo = v->get_object();
      LabelCalibration& lc = c->labels_[li][g];
      if (!Number(lo.if_contains("slope"), &lc.slope) || !(lc.slope > 0)) {
        return fail(where + ".slope", "must be a number > 0");
      }
      if (!Number(lo.if_contains("intercept"), &lc.intercept)) {
        return fail(where + ".intercept", "must be a number");
      }
      if (!Number(lo.if_contains("hold"), &lc.hold) || !(lc.hold > 0 && lc.hold < 1)) {
        return fail(where + ".hold", "must be a number in (0, 1)");
      }
      if (!Number(lo.if_contains("reject"), &lc.reject) ||
          !(lc.reject > lc.hold && lc.reject < 1)) {
        return fail(where + ".reject", "must be a number in (hold, 1)");
      }
    }
  }
  return c;
}

double Calibration::Calibrate(int label_index, LanguageGroup group, double p) const {
  const LabelCalibration& c = Get(label_index, group);
  return Sigmoid(c.slope * Logit(p) + c.intercept);
}

double Calibration::Points(int label_index, LanguageGroup group, double q) const {
  const LabelCalibration& c = Get(label_index, group);
  const double lh = Logit(c.hold), lr = Logit(c.reject);
  const double points = hold_at_ + (reject_at_ - hold_at_) * (Logit(q) - lh) / (lr - lh);
  return std::clamp(points, 0.0, kMaxPoints);
}

}  // namespace moderated::classifiers

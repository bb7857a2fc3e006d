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
  if (!Number(o.if_contains("format"), &format) || format != 2) {
    return fail("format", "expected 2");
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
  // Walks path.label.group objects, calling `read` on each.
  auto each = [&](const boost::json::value* top, const std::string& path, auto&& read) -> bool {
    if (top == nullptr || !top->is_object()) {
      fail(path, "missing object");
      return false;
    }
    for (size_t li = 0; li < kDecisionLabels.size(); ++li) {
      const std::string label(kDecisionLabels[li]);
      const boost::json::value* groups = top->get_object().if_contains(label);
      if (groups == nullptr || !groups->is_object()) {
        fail(path + "." + label, "missing object");
        return false;
      }
      for (int g = 0; g < kLanguageGroups; ++g) {
        const std::string where = path + "." + label + "." +
                                  std::string(GroupName(static_cast<LanguageGroup>(g)));
        const boost::json::value* v =
            groups->get_object().if_contains(GroupName(static_cast<LanguageGroup>(g)));
        if (v == nullptr || !v->is_object()) {
          fail(where, "missing object");
          return false;
        }
        if (!read(v->get_object(), where, li, g)) return false;
      }
    }
    return true;
  };
  const bool platt_ok = each(
      o.if_contains("platt"), "platt",
      [&](const boost::json::object& lo, const std::string& where, size_t li, int g) {
        LabelCalibration& lc = c->platt_[li][g];
        if (!Number(lo.if_contains("slope"), &lc.slope) || !(lc.slope > 0)) {
          fail(where + ".slope", "must be a number > 0");
          return false;
        }
        if (!Number(lo.if_contains("intercept"), &lc.intercept)) {
          fail(where + ".intercept", "must be a number");
          return false;
        }
        return true;
      });
  if (!platt_ok) return nullptr;
  const boost::json::value* levels = o.if_contains("levels");
  if (levels == nullptr || !levels->is_object()) return fail("levels", "missing object");
  for (int level = 0; level < kSensitivities; ++level) {
    const std::string name(SensitivityName(static_cast<Sensitivity>(level)));
    const bool ok = each(
        levels->get_object().if_contains(name), "levels." + name,
        [&](const boost::json::object& lo, const std::string& where, size_t li, int g) {
          Thresholds& t = c->levels_[level][li][g];
          if (!Number(lo.if_contains("hold"), &t.hold) || !(t.hold > 0 && t.hold < 1)) {
            fail(where + ".hold", "must be a number in (0, 1)");
            return false;
          }
          if (!Number(lo.if_contains("reject"), &t.reject) || !(t.reject > t.hold && t.reject < 1)) {
            fail(where + ".reject", "must be a number in (hold, 1)");
            return false;
          }
          return true;
        });
    if (!ok) return nullptr;
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

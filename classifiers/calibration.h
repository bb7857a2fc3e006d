// classifiers/calibration.h
//
// Calibration: what turns a model's raw label probabilities into the numbers
// the decision uses. It is learned on validation data together with the
// model (training/calibration.h) and travels with it: the default model's is
// classifiers/models/default.calibration.json; a stored model's is stored
// beside its bytes.
//
// For each label ("spam", "abuse") and language group (ar, ru, en, other):
//
//   q      = sigmoid(slope * logit(p) + intercept)        Platt scaling
//   points = hold_at + (reject_at - hold_at)
//                      * (logit(q) - logit(hold)) / (logit(reject) - logit(hold))
//            clamped to [0, reject_at - kRejectMargin]
//
// so that on the default scale (hold at 5 points, reject at 10) the label
// alone holds a comment exactly when q >= hold, and weaker evidence adds
// proportionally fewer points that can add up with rule points. One label
// alone never rejects: its points stop kRejectMargin below reject_at, so a
// rejection takes the classifier plus a rule, spam and abuse together, or a
// rule. (A held comment is seen by a moderator; a rejected one is not, and a
// model is least trustworthy on text unlike its training data.) `reject`
// sets how fast the points climb above `hold`. `hold` and `reject` are chosen per language and
// per sensitivity level on validation data with the default rules applied
// (docs/classifier.md, "Calibration"), which is why a Russian and an English
// comment with the same raw probability can get different points.
//
// Errors are values: Parse() returns nullptr and one line
// "ORIGIN: path.to.field: message". Thread-safety: immutable after Parse();
// share it as std::shared_ptr<const Calibration>.
#ifndef MODERATED_CLASSIFIERS_CALIBRATION_H_
#define MODERATED_CLASSIFIERS_CALIBRATION_H_

#include <array>
#include <memory>
#include <string>
#include <string_view>

namespace moderated::classifiers {

// The language groups calibration distinguishes.
enum class LanguageGroup { kArabic = 0, kRussian = 1, kEnglish = 2, kOther = 3 };
inline constexpr int kLanguageGroups = 4;

// "ar" → kArabic, "ru" → kRussian, "en" → kEnglish, anything else → kOther.
LanguageGroup GroupOf(std::string_view language_code);
// "ar", "ru", "en", "other".
std::string_view GroupName(LanguageGroup group);

// The labels that take part in the decision, in this order.
inline constexpr std::array<std::string_view, 2> kDecisionLabels = {"spam", "abuse"};

// How eagerly a site wants comments held: each level has its own hold and
// reject thresholds, fitted for a share of ham held on validation data
// (docs/classifier.md, "Sensitivity"). kNormal is the default.
enum class Sensitivity { kLow = 0, kNormal = 1, kHigh = 2 };
inline constexpr int kSensitivities = 3;
// "low", "normal", "high".
std::string_view SensitivityName(Sensitivity s);
// Parses a name; false for anything else.
bool ParseSensitivity(std::string_view name, Sensitivity* out);

struct LabelCalibration {
  double slope = 1.0;
  double intercept = 0.0;
};

struct Thresholds {
  double hold = 0.5;     // calibrated probability at which the label alone holds
  double reject = 0.99;  // ... and rejects; hold < reject
};

inline constexpr double kRejectMargin = 0.5;

class Calibration {
 public:
  // Parses the JSON format written by training::FitCalibration():
  //   {"format": 2, "scale": {"hold_at": 5, "reject_at": 10},
  //    "platt": {"spam": {"ar": {"slope": s, "intercept": b}, "ru": ...,
  //              "en": ..., "other": ...}, "abuse": {...}},
  //    "levels": {"low": {"spam": {"ar": {"hold": h, "reject": r}, ...},
  //                       "abuse": {...}}, "normal": {...}, "high": {...}},
  //    ...any other keys (how it was fitted) are kept, not read}
  // Every label, group and level must be present; 0 < hold < reject < 1,
  // slope > 0, 0 < hold_at < reject_at.
  static std::shared_ptr<const Calibration> Parse(std::string_view json, std::string_view origin,
                                                  std::string* error);

  // For a model that comes without calibration: q = p; hold at 0.5 and
  // reject at 0.99 at every level and in every group.
  static std::shared_ptr<const Calibration> Identity();

  // `label_index` indexes kDecisionLabels. `p` is the raw model probability.
  double Calibrate(int label_index, LanguageGroup group, double p) const;
  double Points(int label_index, LanguageGroup group, double q,
                Sensitivity level = Sensitivity::kNormal) const;

  const LabelCalibration& Get(int label_index, LanguageGroup group) const {
    return platt_[label_index][static_cast<int>(group)];
  }
  const Thresholds& Threshold(int label_index, LanguageGroup group,
                              Sensitivity level = Sensitivity::kNormal) const {
    return levels_[static_cast<int>(level)][label_index][static_cast<int>(group)];
  }
  double hold_at() const { return hold_at_; }
  double reject_at() const { return reject_at_; }
  // The text it was parsed from ("" for Identity()).
  const std::string& text() const { return text_; }

 private:
  Calibration() = default;
  double hold_at_ = 5.0;
  double reject_at_ = 10.0;
  LabelCalibration platt_[kDecisionLabels.size()][kLanguageGroups];
  Thresholds levels_[kSensitivities][kDecisionLabels.size()][kLanguageGroups];
  std::string text_;
};

// The points of calibrated probability `q` for thresholds `t` on the scale
// hold_at / reject_at (see the file comment), clamped to
// [0, reject_at - kRejectMargin].
double PointsBetween(double q, const Thresholds& t, double hold_at, double reject_at);

// logit(p) with p clamped to [1e-12, 1 - 1e-12].
double Logit(double p);
double Sigmoid(double x);

}  // namespace moderated::classifiers

#endif  // MODERATED_CLASSIFIERS_CALIBRATION_H_

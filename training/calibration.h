// training/calibration.h
//
// Fits a classifiers::Calibration (classifiers/calibration.h) on validation
// data that the model did not train on, with the rules the daemon will run:
//
//   1. Platt scaling per label (spam, abuse) and language group (ar, ru, en):
//      logistic regression of "gold is this label" on logit(p), over every
//      validation example of the group (other labels and ham are the
//      negatives). "other" has no data set of its own: it gets the fit over
//      all groups pooled.
//   2. Thresholds per group and sensitivity level: `reject` is the lowest
//      calibrated probability at which, on this group's validation ham, at
//      most `ham_rejected` are at or above it (and never below `hold`); then
//      `hold` for spam and abuse is searched jointly over a grid, keeping the
//      share of validation ham that the whole decision (rule points + both
//      labels' points >= hold_at) holds at or under the level's target, both
//      pooled over the group and in every data set with at least
//      kMinConstrainedHam validation ham, and maximising the mean over the
//      group's data sets of each set's F1 on its own task (spam or abuse,
//      "flagged" = held or rejected).
//
// The decision is simulated exactly as daemon/engine.cc makes it: explicit
// rule actions first (reject, accept, hold), then the points total against
// hold_at / reject_at.
//
// Errors are values. Thread-safety: pure functions.
#ifndef MODERATED_TRAINING_CALIBRATION_H_
#define MODERATED_TRAINING_CALIBRATION_H_

#include <array>
#include <map>
#include <string>
#include <vector>

#include "classifiers/calibration.h"

namespace moderated::training {

// What the rules did to one example, without the classifier.
enum class RuleAction { kNone, kHold, kReject, kAccept };

struct CalibrationItem {
  std::array<double, 2> raw{};  // model probability of spam, abuse (kDecisionLabels order)
  classifiers::LanguageGroup group = classifiers::LanguageGroup::kOther;
  std::string gold;    // "spam" | "abuse" | "ham"
  std::string source;  // data set, for the per-set ham constraint
  double rule_points = 0;
  RuleAction rule_action = RuleAction::kNone;
};

struct CalibrationTargets {
  // Share of validation ham held at each sensitivity level (low, normal,
  // high), per data set with at least kMinConstrainedHam validation ham and
  // pooled over the group. At high the limit is loose: the setting with the
  // best F1 is taken as long as no data set's ham is held more than 10 %.
  std::array<double, classifiers::kSensitivities> ham_held = {0.005, 0.01, 0.10};
  double ham_rejected = 0.001;
  double hold_at = 5.0;  // the points scale of the default rules
  double reject_at = 10.0;
};

// Smaller data sets are reported but do not bind: at 41 ham one comment is
// 2.4 %, and the estimate says little.
inline constexpr int64_t kMinConstrainedHam = 200;

// What the fit found at one sensitivity level, for the report.
struct LevelFit {
  std::array<classifiers::Thresholds, 2> thresholds{};
  std::array<double, 2> recall{};  // on validation, whole decision
  double ham_held = 0;             // pooled validation ham held, whole decision
  std::map<std::string, double> ham_held_by_source;
  std::map<std::string, double> f1_by_source;  // each data set's own task, flagged
  double objective = 0;                        // mean of f1_by_source
  bool feasible = true;  // false: no setting met the ham limits; the strictest was taken
};

// What the fit found per group.
struct GroupFit {
  int64_t examples = 0, ham = 0;
  std::array<int64_t, 2> positives{};
  std::array<classifiers::LabelCalibration, 2> labels{};
  std::array<LevelFit, classifiers::kSensitivities> levels{};
};

struct CalibrationFit {
  std::string json;  // classifiers::Calibration::Parse() reads it
  std::array<GroupFit, classifiers::kLanguageGroups> groups{};
};

// Fits on `items`. Fails ("no validation examples of label spam") only when
// a label has no positive example at all.
bool FitCalibration(const std::vector<CalibrationItem>& items, const CalibrationTargets& targets,
                    CalibrationFit* out, std::string* error);

// Logistic regression of y on the columns of x (row-major, n x k) plus an
// intercept (the last weight), L2 penalty `l2` on all but the intercept,
// fitted by Newton's method. Exposed for tests and the per-site combiner.
std::vector<double> FitLogistic(const std::vector<std::vector<double>>& x,
                                const std::vector<double>& y, double l2);

}  // namespace moderated::training

#endif  // MODERATED_TRAINING_CALIBRATION_H_

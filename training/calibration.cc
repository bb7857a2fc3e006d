// training/calibration.cc
#include "training/calibration.h"

#include <algorithm>
#include <cmath>

#include <boost/json.hpp>

namespace moderated::training {
namespace {

namespace cls = ::moderated::classifiers;

constexpr int kGrid = 56;              // hold candidates per label
constexpr double kGridLow = -2.0;      // logit range of the candidates
constexpr double kGridHigh = 9.0;
constexpr double kMinRejectGap = 1.0;  // logit(reject) - logit(hold) at least
constexpr double kL2 = 1e-3;

// Solves a small dense system a * x = b (Gaussian elimination, partial
// pivoting). a is k x k row-major. Returns false if singular.
bool Solve(std::vector<double> a, std::vector<double> b, int k, std::vector<double>* x) {
  for (int c = 0; c < k; ++c) {
    int pivot = c;
    for (int r = c + 1; r < k; ++r) {
      if (std::fabs(a[r * k + c]) > std::fabs(a[pivot * k + c])) pivot = r;
    }
    if (std::fabs(a[pivot * k + c]) < 1e-12) return false;
    for (int j = 0; j < k; ++j) std::swap(a[c * k + j], a[pivot * k + j]);
    std::swap(b[c], b[pivot]);
    for (int r = c + 1; r < k; ++r) {
      const double f = a[r * k + c] / a[c * k + c];
      for (int j = c; j < k; ++j) a[r * k + j] -= f * a[c * k + j];
      b[r] -= f * b[c];
    }
  }
  x->assign(k, 0.0);
  for (int r = k - 1; r >= 0; --r) {
    double s = b[r];
    for (int j = r + 1; j < k; ++j) s -= a[r * k + j] * (*x)[j];
    (*x)[r] = s / a[r * k + r];
  }
  return true;
}

// What one example's decision is, given its two labels' points.
enum class Outcome { kAccept, kHold, kReject };
Outcome Decide(const CalibrationItem& item, double points, const CalibrationTargets& t) {
  if (item.rule_action == RuleAction::kReject) return Outcome::kReject;
  if (item.rule_action == RuleAction::kAccept) return Outcome::kAccept;
  const double total = item.rule_points + points;
  if (total >= t.reject_at) return Outcome::kReject;
  if (item.rule_action == RuleAction::kHold || total >= t.hold_at) return Outcome::kHold;
  return Outcome::kAccept;
}

// Points of one label with hold/reject in logit space (calibration.h).
double PointsFromLogit(double lq, double lh, double lr, const CalibrationTargets& t) {
  const double p = t.hold_at + (t.reject_at - t.hold_at) * (lq - lh) / (lr - lh);
  return std::clamp(p, 0.0, cls::kMaxPoints);
}

// Upper quantile: the value v such that a share `share` of `values` is >= v.
double UpperQuantile(std::vector<double> values, double share) {
  if (values.empty()) return 1.0;
  std::sort(values.begin(), values.end(), std::greater<double>());
  const size_t k = std::min(values.size() - 1, static_cast<size_t>(share * values.size()));
  return values[k];
}

struct Scored {
  const CalibrationItem* item;
  std::array<double, 2> lq;  // logit of the calibrated probabilities
};

// Fits slope and intercept of one label over `items` (all groups if pooled).
cls::LabelCalibration Platt(const std::vector<const CalibrationItem*>& items, size_t label) {
  std::vector<std::vector<double>> x;
  std::vector<double> y;
  for (const CalibrationItem* it : items) {
    x.push_back({cls::Logit(it->raw[label])});
    y.push_back(it->gold == cls::kDecisionLabels[label] ? 1.0 : 0.0);
  }
  cls::LabelCalibration c;
  const std::vector<double> w = FitLogistic(x, y, kL2);
  if (w.size() == 2 && w[0] > 0) {
    c.slope = w[0];
    c.intercept = w[1];
  }
  return c;
}

// Searches hold (and reject) of both labels for one group.
void FitThresholds(const std::vector<Scored>& scored, const CalibrationTargets& t, GroupFit* fit) {
  std::map<std::string, int64_t> ham_by_source;
  std::array<std::vector<double>, 2> ham_lq;
  for (const Scored& s : scored) {
    if (s.item->gold != "ham") continue;
    ham_by_source[s.item->source]++;
    for (size_t l = 0; l < 2; ++l) ham_lq[l].push_back(s.lq[l]);
  }
  std::array<double, 2> reject_floor{};
  for (size_t l = 0; l < 2; ++l) reject_floor[l] = UpperQuantile(ham_lq[l], t.ham_rejected);

  double best = -1;
  std::array<double, 2> best_h{kGridHigh, kGridHigh};
  std::vector<double> grid(kGrid);
  for (int i = 0; i < kGrid; ++i) grid[i] = kGridLow + (kGridHigh - kGridLow) * i / (kGrid - 1);
  std::map<std::string, int64_t> held;
  for (double hs : grid) {
    for (double ha : grid) {
      const std::array<double, 2> lh{hs, ha};
      std::array<double, 2> lr{};
      for (size_t l = 0; l < 2; ++l) lr[l] = std::max(reject_floor[l], lh[l] + kMinRejectGap);
      held.clear();
      int64_t held_total = 0;
      std::array<int64_t, 2> caught{};
      bool ok = true;
      for (const Scored& s : scored) {
        const double points =
            PointsFromLogit(s.lq[0], lh[0], lr[0], t) + PointsFromLogit(s.lq[1], lh[1], lr[1], t);
        const bool flagged = Decide(*s.item, points, t) != Outcome::kAccept;
        if (!flagged) continue;
        if (s.item->gold == "ham") {
          held_total++;
          const int64_t n = ham_by_source[s.item->source];
          const int64_t allowed = std::max<int64_t>(1, static_cast<int64_t>(t.ham_held * n));
          if (++held[s.item->source] > allowed) {
            ok = false;
            break;
          }
        } else {
          for (size_t l = 0; l < 2; ++l) caught[l] += s.item->gold == cls::kDecisionLabels[l];
        }
      }
      if (!ok || held_total > t.ham_held * std::max<int64_t>(fit->ham, 1)) continue;
      double objective = 0;
      int labels = 0;
      for (size_t l = 0; l < 2; ++l) {
        if (fit->positives[l] == 0) continue;
        objective += static_cast<double>(caught[l]) / fit->positives[l];
        ++labels;
      }
      objective = labels ? objective / labels : 0;
      // Ties: the stricter (higher) thresholds.
      if (objective > best + 1e-12 ||
          (std::fabs(objective - best) <= 1e-12 && hs + ha > best_h[0] + best_h[1])) {
        best = objective;
        best_h = lh;
      }
    }
  }
  for (size_t l = 0; l < 2; ++l) {
    fit->labels[l].hold = cls::Sigmoid(best_h[l]);
    fit->labels[l].reject =
        cls::Sigmoid(std::max(reject_floor[l], best_h[l] + kMinRejectGap));
  }
  // The chosen setting's figures, for the report.
  std::array<int64_t, 2> caught{};
  int64_t held_total = 0;
  held.clear();
  for (const Scored& s : scored) {
    double points = 0;
    for (size_t l = 0; l < 2; ++l) {
      points += PointsFromLogit(s.lq[l], best_h[l],
                                cls::Logit(fit->labels[l].reject), t);
    }
    if (Decide(*s.item, points, t) == Outcome::kAccept) continue;
    if (s.item->gold == "ham") {
      held_total++;
      held[s.item->source]++;
    } else {
      for (size_t l = 0; l < 2; ++l) caught[l] += s.item->gold == cls::kDecisionLabels[l];
    }
  }
  for (size_t l = 0; l < 2; ++l) {
    fit->recall[l] = fit->positives[l] ? static_cast<double>(caught[l]) / fit->positives[l] : 0;
  }
  fit->ham_held = fit->ham ? static_cast<double>(held_total) / fit->ham : 0;
  for (const auto& [source, n] : ham_by_source) {
    fit->ham_held_by_source[source] = static_cast<double>(held[source]) / n;
  }
}

}  // namespace

std::vector<double> FitLogistic(const std::vector<std::vector<double>>& x,
                                const std::vector<double>& y, double l2) {
  if (x.empty()) return {};
  const int k = static_cast<int>(x[0].size()) + 1;
  std::vector<double> w(k, 0.0);
  for (int iter = 0; iter < 50; ++iter) {
    std::vector<double> grad(k, 0.0), hess(k * k, 0.0);
    for (size_t i = 0; i < x.size(); ++i) {
      double z = w[k - 1];
      for (int j = 0; j + 1 < k; ++j) z += w[j] * x[i][j];
      const double p = cls::Sigmoid(z);
      const double r = p * (1 - p);
      for (int a = 0; a < k; ++a) {
        const double xa = a + 1 < k ? x[i][a] : 1.0;
        grad[a] += (p - y[i]) * xa;
        for (int b = 0; b < k; ++b) hess[a * k + b] += r * xa * (b + 1 < k ? x[i][b] : 1.0);
      }
    }
    for (int a = 0; a + 1 < k; ++a) {
      grad[a] += l2 * w[a];
      hess[a * k + a] += l2;
    }
    hess[(k - 1) * k + (k - 1)] += 1e-9;
    std::vector<double> step;
    if (!Solve(hess, grad, k, &step)) break;
    double change = 0;
    for (int a = 0; a < k; ++a) {
      w[a] -= step[a];
      change = std::max(change, std::fabs(step[a]));
    }
    if (change < 1e-8) break;
  }
  return w;
}

bool FitCalibration(const std::vector<CalibrationItem>& items, const CalibrationTargets& targets,
                    CalibrationFit* out, std::string* error) {
  std::vector<const CalibrationItem*> all;
  std::array<std::vector<const CalibrationItem*>, cls::kLanguageGroups> by_group;
  for (const CalibrationItem& it : items) {
    all.push_back(&it);
    by_group[static_cast<int>(it.group)].push_back(&it);
  }
  for (size_t l = 0; l < 2; ++l) {
    const bool any = std::any_of(items.begin(), items.end(), [&](const CalibrationItem& it) {
      return it.gold == cls::kDecisionLabels[l];
    });
    if (!any) {
      *error = "no validation examples of label " + std::string(cls::kDecisionLabels[l]);
      return false;
    }
  }
  boost::json::object labels_json;
  for (int g = 0; g < cls::kLanguageGroups; ++g) {
    // "other" (and any group without both classes) is fitted on all groups.
    const bool own = g != static_cast<int>(cls::LanguageGroup::kOther) &&
                     !by_group[g].empty();
    const std::vector<const CalibrationItem*>& group_items = own ? by_group[g] : all;
    GroupFit& fit = out->groups[g];
    for (const CalibrationItem* it : group_items) {
      fit.examples++;
      if (it->gold == "ham") fit.ham++;
      for (size_t l = 0; l < 2; ++l) fit.positives[l] += it->gold == cls::kDecisionLabels[l];
    }
    for (size_t l = 0; l < 2; ++l) {
      const bool has_both = fit.positives[l] > 0 && fit.positives[l] < fit.examples;
      fit.labels[l] = Platt(has_both ? group_items : all, l);
    }
    std::vector<Scored> scored;
    scored.reserve(group_items.size());
    for (const CalibrationItem* it : group_items) {
      Scored s{it, {}};
      for (size_t l = 0; l < 2; ++l) {
        s.lq[l] = fit.labels[l].slope * cls::Logit(it->raw[l]) + fit.labels[l].intercept;
      }
      scored.push_back(s);
    }
    FitThresholds(scored, targets, &fit);
  }
  for (size_t l = 0; l < 2; ++l) {
    boost::json::object by_group_json;
    for (int g = 0; g < cls::kLanguageGroups; ++g) {
      const cls::LabelCalibration& c = out->groups[g].labels[l];
      by_group_json[std::string(cls::GroupName(static_cast<cls::LanguageGroup>(g)))] = {
          {"slope", c.slope}, {"intercept", c.intercept}, {"hold", c.hold}, {"reject", c.reject}};
    }
    labels_json[std::string(cls::kDecisionLabels[l])] = std::move(by_group_json);
  }
  boost::json::object root;
  root["format"] = 1;
  root["scale"] = {{"hold_at", targets.hold_at}, {"reject_at", targets.reject_at}};
  root["labels"] = std::move(labels_json);
  root["targets"] = {{"ham_held", targets.ham_held}, {"ham_rejected", targets.ham_rejected}};
  out->json = boost::json::serialize(root);
  return true;
}

}  // namespace moderated::training

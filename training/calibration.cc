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
  return std::clamp(p, 0.0, t.reject_at - cls::kRejectMargin);
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

// Per data set counts of one candidate setting.
struct SourceCounts {
  int64_t tp = 0, fn = 0, ham_flagged = 0;
};

// F1 of "flagged" for a data set's own task.
double SourceF1(const SourceCounts& c) {
  const int64_t fp = c.ham_flagged;
  if (c.tp == 0) return 0;
  const double p = static_cast<double>(c.tp) / (c.tp + fp);
  const double r = static_cast<double>(c.tp) / (c.tp + c.fn);
  return 2 * p * r / (p + r);
}

// FitThresholds' state: the group's examples indexed by data set, each data
// set's ham limit, and the counts of the setting run last.
struct ThresholdSearch {
  const std::vector<Scored>& scored;
  const CalibrationTargets& t;
  std::vector<std::string> sources;
  std::vector<int> item_source;  // scored[i]'s index in sources
  std::vector<int64_t> ham_n, pos_n, allowed;
  int64_t allowed_total = 0;
  std::array<double, 2> reject_floor{};
  std::vector<SourceCounts> counts;  // per data set, of the last Run

  ThresholdSearch(const std::vector<Scored>& scored_items, const CalibrationTargets& targets,
                  double ham_target)
      : scored(scored_items), t(targets) {
    std::map<std::string, int> source_index;
    for (const Scored& s : scored) source_index.emplace(s.item->source, 0);
    for (auto& [name, index] : source_index) {
      index = static_cast<int>(sources.size());
      sources.push_back(name);
    }
    ham_n.assign(sources.size(), 0);
    pos_n.assign(sources.size(), 0);
    allowed.resize(sources.size());
    item_source.resize(scored.size());
    std::array<std::vector<double>, 2> ham_lq;
    for (size_t i = 0; i < scored.size(); ++i) {
      const CalibrationItem& it = *scored[i].item;
      item_source[i] = source_index.at(it.source);
      if (it.gold == "ham") {
        ham_n[item_source[i]]++;
        for (size_t l = 0; l < 2; ++l) ham_lq[l].push_back(scored[i].lq[l]);
      } else {
        pos_n[item_source[i]]++;
      }
    }
    int64_t ham_total = 0;
    for (size_t k = 0; k < sources.size(); ++k) {
      ham_total += ham_n[k];
      allowed[k] = ham_n[k] >= kMinConstrainedHam
                       ? static_cast<int64_t>(ham_target * static_cast<double>(ham_n[k]))
                       : ham_n[k];
    }
    allowed_total = static_cast<int64_t>(ham_target * static_cast<double>(ham_total));
    for (size_t l = 0; l < 2; ++l) reject_floor[l] = UpperQuantile(ham_lq[l], t.ham_rejected);
    counts.resize(sources.size());
  }

  double RejectFor(size_t l, double lh) const {
    return std::max(reject_floor[l], lh + kMinRejectGap);
  }

  // Counts per data set for one setting; false if a data set's ham limit breaks.
  bool Run(const std::array<double, 2>& lh, bool enforce) {
    std::fill(counts.begin(), counts.end(), SourceCounts{});
    int64_t held = 0;
    const std::array<double, 2> lr{RejectFor(0, lh[0]), RejectFor(1, lh[1])};
    for (size_t i = 0; i < scored.size(); ++i) {
      const Scored& s = scored[i];
      const double points =
          PointsFromLogit(s.lq[0], lh[0], lr[0], t) + PointsFromLogit(s.lq[1], lh[1], lr[1], t);
      const bool flagged = Decide(*s.item, points, t) != Outcome::kAccept;
      SourceCounts& c = counts[item_source[i]];
      if (s.item->gold == "ham") {
        if (flagged) {
          ++held;
          if ((++c.ham_flagged > allowed[item_source[i]] || held > allowed_total) && enforce) {
            return false;
          }
        }
      } else {
        (flagged ? c.tp : c.fn)++;
      }
    }
    return true;
  }

  // The mean F1 of the last Run over the data sets that have positives.
  double MeanF1() const {
    double objective = 0;
    int sets = 0;
    for (size_t k = 0; k < sources.size(); ++k) {
      if (pos_n[k] == 0) continue;
      objective += SourceF1(counts[k]);
      ++sets;
    }
    return sets ? objective / sets : 0;
  }

  // The best holds on the grid into *best_h; returns their objective, -1
  // when no setting keeps the ham limits.
  double Search(std::array<double, 2>* best_h) {
    double best = -1;
    *best_h = {kGridHigh, kGridHigh};
    std::vector<double> grid(kGrid);
    for (int i = 0; i < kGrid; ++i) grid[i] = kGridLow + (kGridHigh - kGridLow) * i / (kGrid - 1);
    for (double hs : grid) {
      for (double ha : grid) {
        if (!Run({hs, ha}, /*enforce=*/true)) continue;
        const double objective = MeanF1();
        // Ties: the stricter (higher) thresholds.
        if (objective > best + 1e-12 ||
            (std::fabs(objective - best) <= 1e-12 && hs + ha > (*best_h)[0] + (*best_h)[1])) {
          best = objective;
          *best_h = {hs, ha};
        }
      }
    }
    return best;
  }

  // The positives of each label caught (not accepted) at holds `h`.
  std::array<int64_t, 2> Caught(const std::array<double, 2>& h) const {
    std::array<int64_t, 2> caught{};
    const std::array<double, 2> lr{RejectFor(0, h[0]), RejectFor(1, h[1])};
    for (const Scored& s : scored) {
      if (s.item->gold == "ham") continue;
      const double points =
          PointsFromLogit(s.lq[0], h[0], lr[0], t) + PointsFromLogit(s.lq[1], h[1], lr[1], t);
      if (Decide(*s.item, points, t) == Outcome::kAccept) continue;
      for (size_t l = 0; l < 2; ++l) caught[l] += s.item->gold == cls::kDecisionLabels[l];
    }
    return caught;
  }

  // The chosen setting and its figures, for the report.
  void Report(const std::array<double, 2>& best_h, double best, const GroupFit& group,
              LevelFit* fit) {
    fit->feasible = best >= 0;
    for (size_t l = 0; l < 2; ++l) {
      fit->thresholds[l].hold = cls::Sigmoid(best_h[l]);
      fit->thresholds[l].reject = cls::Sigmoid(RejectFor(l, best_h[l]));
    }
    Run(best_h, /*enforce=*/false);
    int64_t held_total = 0;
    for (size_t k = 0; k < sources.size(); ++k) {
      held_total += counts[k].ham_flagged;
      if (ham_n[k] > 0) {
        fit->ham_held_by_source[sources[k]] = static_cast<double>(counts[k].ham_flagged) / ham_n[k];
      }
      if (pos_n[k] > 0) fit->f1_by_source[sources[k]] = SourceF1(counts[k]);
    }
    const std::array<int64_t, 2> caught = Caught(best_h);
    for (size_t l = 0; l < 2; ++l) {
      fit->recall[l] = group.positives[l] ? static_cast<double>(caught[l]) / group.positives[l] : 0;
    }
    fit->ham_held = group.ham ? static_cast<double>(held_total) / group.ham : 0;
    fit->objective = std::max(best, 0.0);
  }
};

// Searches hold (and reject) of both labels for one group: the setting with
// the best mean F1 over the group's data sets (each on its own task) whose
// every data set keeps its ham held at or under the target.
void FitThresholds(const std::vector<Scored>& scored, const CalibrationTargets& t,
                   double ham_target, const GroupFit& group, LevelFit* fit) {
  ThresholdSearch search(scored, t, ham_target);
  std::array<double, 2> best_h;
  const double best = search.Search(&best_h);
  search.Report(best_h, best, group, fit);
}

// Fails unless the validation set has examples of both decision labels.
bool HasBothLabels(const std::vector<CalibrationItem>& items, std::string* error) {
  for (size_t l = 0; l < 2; ++l) {
    const bool any = std::any_of(items.begin(), items.end(), [&](const CalibrationItem& it) {
      return it.gold == cls::kDecisionLabels[l];
    });
    if (!any) {
      *error = "no validation examples of label " + std::string(cls::kDecisionLabels[l]);
      return false;
    }
  }
  return true;
}

// Fits one language group on `group_items`: Platt scaling per label (on
// `all` when the group lacks a class), then thresholds per level.
void FitGroup(const std::vector<const CalibrationItem*>& group_items,
              const std::vector<const CalibrationItem*>& all, const CalibrationTargets& targets,
              GroupFit* out) {
  GroupFit& fit = *out;
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
  for (int level = 0; level < cls::kSensitivities; ++level) {
    FitThresholds(scored, targets, targets.ham_held[level], fit, &fit.levels[level]);
  }
}

std::string GroupJsonName(int g) {
  return std::string(cls::GroupName(static_cast<cls::LanguageGroup>(g)));
}

// The calibration file's "platt": label -> group -> slope and intercept.
boost::json::object PlattJson(const CalibrationFit& fit) {
  boost::json::object platt;
  for (size_t l = 0; l < 2; ++l) {
    boost::json::object by_group;
    for (int g = 0; g < cls::kLanguageGroups; ++g) {
      const cls::LabelCalibration& c = fit.groups[g].labels[l];
      by_group[GroupJsonName(g)] = {{"slope", c.slope}, {"intercept", c.intercept}};
    }
    platt[std::string(cls::kDecisionLabels[l])] = std::move(by_group);
  }
  return platt;
}

// The calibration file's "levels" (level -> label -> group -> hold and
// reject) and the ham targets of each level.
void LevelsJson(const CalibrationFit& fit, const CalibrationTargets& targets,
                boost::json::object* levels, boost::json::object* targets_json) {
  for (int level = 0; level < cls::kSensitivities; ++level) {
    boost::json::object by_label;
    for (size_t l = 0; l < 2; ++l) {
      boost::json::object by_group;
      for (int g = 0; g < cls::kLanguageGroups; ++g) {
        const cls::Thresholds& t = fit.groups[g].levels[level].thresholds[l];
        by_group[GroupJsonName(g)] = {{"hold", t.hold}, {"reject", t.reject}};
      }
      by_label[std::string(cls::kDecisionLabels[l])] = std::move(by_group);
    }
    const std::string level_name(cls::SensitivityName(static_cast<cls::Sensitivity>(level)));
    (*levels)[level_name] = std::move(by_label);
    (*targets_json)[level_name] = targets.ham_held[level];
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
  if (!HasBothLabels(items, error)) return false;
  for (int g = 0; g < cls::kLanguageGroups; ++g) {
    // "other" (and any group without both classes) is fitted on all groups.
    const bool own = g != static_cast<int>(cls::LanguageGroup::kOther) && !by_group[g].empty();
    FitGroup(own ? by_group[g] : all, all, targets, &out->groups[g]);
  }
  boost::json::object levels, targets_json;
  LevelsJson(*out, targets, &levels, &targets_json);
  boost::json::object root;
  root["format"] = 2;
  root["scale"] = {{"hold_at", targets.hold_at}, {"reject_at", targets.reject_at}};
  root["platt"] = PlattJson(*out);
  root["levels"] = std::move(levels);
  root["targets"] = {{"ham_held", targets_json}, {"ham_rejected", targets.ham_rejected}};
  out->json = boost::json::serialize(root);
  return true;
}

}  // namespace moderated::training

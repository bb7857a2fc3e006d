// training/site_model.cc
#include "training/site_model.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

#include <boost/json.hpp>

#include "classifiers/fasttext_classifier.h"
#include "classifiers/normalizer.h"
#include "training/calibration.h"
#include <functional>
#include "training/evaluation.h"

namespace moderated::training {
namespace {

namespace cls = ::moderated::classifiers;
constexpr size_t kLabels = cls::kDecisionLabels.size();
// Thresholds sit this far (in log-odds) above the site ham they must not hold.
constexpr double kSiteHoldMargin = 0.05;

uint64_t Hash(int64_t id, uint32_t seed) {
  return SplitMix64(static_cast<uint64_t>(id) ^ SplitMix64(seed));
}

bool HeldOut(int64_t id, const SiteModelOptions& o) {
  return Hash(id, o.seed) % 1000000 < static_cast<uint64_t>(o.holdout_fraction * 1000000.0);
}

int Fold(int64_t id, const SiteModelOptions& o) {
  return static_cast<int>(Hash(id, o.seed + 1) % static_cast<uint64_t>(o.folds));
}

// Trains a fastText model on `examples` and loads it back.
std::shared_ptr<const cls::Classifier> TrainInMemory(const std::vector<Example>& examples,
                                                     const TrainOptions& options,
                                                     std::string* bytes, std::string* error) {
  std::error_code ec;
  const std::string dir = options.temp_dir.empty()
                              ? std::filesystem::temp_directory_path(ec).string()
                              : options.temp_dir;
  std::string path = dir + "/moderated-site-XXXXXX";
  const int fd = ::mkstemp(path.data());
  if (fd < 0) {
    *error = path + ": cannot create temporary file";
    return nullptr;
  }
  ::close(fd);
  TrainStats stats;
  const bool ok = TrainFastTextModel(examples, options, path, &stats, error);
  std::string data;
  if (ok) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    data = ss.str();
  }
  std::filesystem::remove(path, ec);
  if (!ok) return nullptr;
  auto model = cls::LoadFastTextClassifierFromMemory(data, "site model", error);
  if (model && bytes) *bytes = std::move(data);
  return model;
}

Example ToExample(const SiteExample& s) {
  Example e;
  e.text = s.text;
  e.labels = {s.label};
  e.language = s.language;
  e.source = "site";
  return e;
}

std::array<double, kLabels> SiteProbabilities(const cls::Classifier& model,
                                              const std::string& text) {
  const cls::Prediction p = model.Predict(cls::Normalize(text).text);
  std::array<double, kLabels> out{};
  for (size_t l = 0; l < kLabels; ++l) out[l] = p.Get(cls::kDecisionLabels[l]);
  return out;
}

// The hold threshold a judgement uses for label `l` and a comment's group:
// the site model's own when it speaks for the label, else the base's.
double HoldFor(const BaseModel& base, const CurrentSiteModel& site, size_t l,
               cls::LanguageGroup group) {
  if (site.combiner != nullptr && site.combiner->label(static_cast<int>(l)).active) {
    return site.combiner->label(static_cast<int>(l)).levels[static_cast<int>(base.sensitivity)].hold;
  }
  return base.calibration->Threshold(static_cast<int>(l), group, base.sensitivity).hold;
}

// Macro-F1 over `labels` of "q_L >= hold threshold" against the gold label.
double MacroF1(const std::vector<SiteExample>& holdout,
               const std::vector<std::array<double, kLabels>>& q, const BaseModel& base,
               const CurrentSiteModel& site, const std::vector<size_t>& labels) {
  if (labels.empty()) return 0;
  double sum = 0;
  for (size_t l : labels) {
    BinaryCounts c;
    for (size_t i = 0; i < holdout.size(); ++i) {
      const bool gold = holdout[i].label == cls::kDecisionLabels[l];
      const bool pred = q[i][l] >= HoldFor(base, site, l, cls::GroupOf(holdout[i].language));
      (gold ? (pred ? c.tp : c.fn) : (pred ? c.fp : c.tn))++;
    }
    sum += c.F1();
  }
  return sum / static_cast<double>(labels.size());
}

std::string Fixed3(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", v);
  return buf;
}

boost::json::object EvaluationJson(const std::vector<SiteExample>& holdout,
                                   const std::vector<std::array<double, kLabels>>& q,
                                   const BaseModel& base, const CurrentSiteModel& site) {
  boost::json::object out;
  for (size_t l = 0; l < kLabels; ++l) {
    BinaryCounts c;
    std::vector<double> scores;
    std::vector<bool> positive;
    for (size_t i = 0; i < holdout.size(); ++i) {
      const bool gold = holdout[i].label == cls::kDecisionLabels[l];
      const bool pred = q[i][l] >= HoldFor(base, site, l, cls::GroupOf(holdout[i].language));
      (gold ? (pred ? c.tp : c.fn) : (pred ? c.fp : c.tn))++;
      scores.push_back(q[i][l]);
      positive.push_back(gold);
    }
    const double auc = RocAuc(scores, positive);
    out[std::string(cls::kDecisionLabels[l])] = {
        {"support", c.tp + c.fn},       {"precision", c.Precision()}, {"recall", c.Recall()},
        {"f1", c.F1()},                 {"false_positives", c.fp},
        {"roc_auc", std::isnan(auc) ? boost::json::value(nullptr) : boost::json::value(auc)}};
  }
  return out;
}

}  // namespace

TrainOptions SiteModelOptions::DefaultSiteTrainOptions() {
  TrainOptions o;
  o.epochs = 25;
  o.learning_rate = 0.5;
  o.dim = 16;
  o.bucket = 20000;
  o.quantize = false;
  return o;
}

std::array<double, 2> JudgeText(const std::string& text, const std::string& language,
                                const BaseModel& base, const CurrentSiteModel& site) {
  const std::string normalized = cls::Normalize(text).text;
  const cls::Prediction p = base.classifier->Predict(normalized);
  const cls::LanguageGroup group = cls::GroupOf(language);
  std::array<double, kLabels> q{};
  for (size_t l = 0; l < kLabels; ++l) {
    q[l] = base.calibration->Calibrate(static_cast<int>(l), group, p.Get(cls::kDecisionLabels[l]));
  }
  if (site.classifier != nullptr && site.combiner != nullptr) {
    const cls::Prediction s = site.classifier->Predict(normalized);
    for (size_t l = 0; l < kLabels; ++l) {
      q[l] = site.combiner->Combine(static_cast<int>(l), q[l], s.Get(cls::kDecisionLabels[l]));
    }
  }
  return q;
}

namespace {

// 1. Which labels qualify: counts them into out->counts and sets *qualified
// (indexes into kDecisionLabels). Returns false with out->refusal set when
// the site has too few.
bool QualifyLabels(const std::vector<SiteExample>& examples, const SiteModelOptions& options,
                   SiteModelOutcome* out, std::vector<size_t>* qualified) {
  for (const SiteExample& e : examples) out->counts[e.label]++;
  auto count = [&](const char* label) {
    auto it = out->counts.find(label);
    return it == out->counts.end() ? int64_t{0} : it->second;
  };
  for (size_t l = 0; l < kLabels; ++l) {
    if (count(std::string(cls::kDecisionLabels[l]).c_str()) >= options.min_per_class) {
      qualified->push_back(l);
    }
  }
  if (count("ham") < options.min_per_class || qualified->empty()) {
    out->refusal = "too few labels for a site model: " + std::to_string(count("ham")) + " ham, " +
                   std::to_string(count("spam")) + " spam, " + std::to_string(count("abuse")) +
                   " abuse; it needs at least " + std::to_string(options.min_per_class) +
                   " ham and " + std::to_string(options.min_per_class) + " spam or abuse";
    return false;
  }
  return true;
}

// 2. Held out and the training part (of the qualifying labels only).
// Returns false with out->refusal set when too few are held out.
bool SplitHoldout(const std::vector<SiteExample>& examples, const std::vector<size_t>& qualified,
                  const SiteModelOptions& options, std::vector<SiteExample>* train,
                  std::vector<SiteExample>* holdout, SiteModelOutcome* out) {
  auto qualifies = [&](const std::string& label) {
    if (label == "ham") return true;
    for (size_t l : qualified) {
      if (cls::kDecisionLabels[l] == label) return true;
    }
    return false;
  };
  for (const SiteExample& e : examples) {
    if (HeldOut(e.comment_id, options)) {
      holdout->push_back(e);
    } else if (qualifies(e.label)) {
      train->push_back(e);
    }
  }
  if (static_cast<int64_t>(holdout->size()) < kSiteMinHoldout) {
    out->refusal = "too few held-out labels to compare models (" + std::to_string(holdout->size()) +
                   " < " + std::to_string(kSiteMinHoldout) + ")";
    return false;
  }
  return true;
}

// 3. Out-of-fold site probabilities for the combiner.
bool OutOfFold(const std::vector<SiteExample>& train, const SiteModelOptions& options,
               std::vector<std::array<double, kLabels>>* oof, std::string* error) {
  oof->assign(train.size(), {});
  for (int fold = 0; fold < options.folds; ++fold) {
    std::vector<Example> fit;
    std::vector<size_t> scored;
    for (size_t i = 0; i < train.size(); ++i) {
      if (Fold(train[i].comment_id, options) == fold) {
        scored.push_back(i);
      } else {
        fit.push_back(ToExample(train[i]));
      }
    }
    if (scored.empty()) continue;
    auto model = TrainInMemory(fit, options.fasttext, nullptr, error);
    if (!model) return false;
    for (size_t i : scored) (*oof)[i] = SiteProbabilities(*model, train[i].text);
  }
  return true;
}

// The site's own thresholds: at each level, the lowest hold at which the
// site's ham (out of fold, `ham_q` sorted high to low) is held no more than
// that level allows.
void SiteLevels(const std::vector<double>& ham_q, cls::LabelCombiner* combiner) {
  const CalibrationTargets targets;
  for (int level = 0; level < cls::kSensitivities; ++level) {
    const size_t allowed =
        static_cast<size_t>(targets.ham_held[level] * static_cast<double>(ham_q.size()));
    const double edge = allowed < ham_q.size() ? ham_q[allowed] : 0.0;
    double lh = std::clamp(cls::Logit(edge) + kSiteHoldMargin, cls::Logit(0.05), cls::Logit(0.995));
    double lr =
        std::max(cls::Logit(ham_q.empty() ? 0.0 : ham_q.front()) + kSiteHoldMargin, lh + 1.0);
    lr = std::min(lr, cls::Logit(0.9999));
    lh = std::min(lh, lr - 0.1);
    combiner->levels[level] = {cls::Sigmoid(lh), cls::Sigmoid(lr)};
  }
}

// 4. The combiner, per qualifying label: a logistic fit of the label on the
// base's calibrated probability and the site's out-of-fold one.
std::array<cls::LabelCombiner, kLabels> FitCombiners(
    const std::vector<SiteExample>& train, const std::vector<std::array<double, kLabels>>& oof,
    const BaseModel& base, const std::vector<size_t>& qualified) {
  std::array<cls::LabelCombiner, kLabels> combiners{};
  const CurrentSiteModel base_only;
  std::vector<std::array<double, kLabels>> base_q(train.size());
  for (size_t i = 0; i < train.size(); ++i) {
    base_q[i] = JudgeText(train[i].text, train[i].language, base, base_only);
  }
  for (size_t l : qualified) {
    std::vector<std::vector<double>> x;
    std::vector<double> y;
    for (size_t i = 0; i < train.size(); ++i) {
      x.push_back({cls::Logit(base_q[i][l]), cls::Logit(oof[i][l])});
      y.push_back(train[i].label == cls::kDecisionLabels[l] ? 1.0 : 0.0);
    }
    const std::vector<double> w = FitLogistic(x, y, 1.0);
    combiners[l] = {true, w[0], w[1], w[2], {}};
    std::vector<double> ham_q;
    for (size_t i = 0; i < train.size(); ++i) {
      if (train[i].label != "ham") continue;
      ham_q.push_back(cls::Sigmoid(w[0] * x[i][0] + w[1] * x[i][1] + w[2]));
    }
    std::sort(ham_q.begin(), ham_q.end(), std::greater<double>());
    SiteLevels(ham_q, &combiners[l]);
  }
  return combiners;
}

// The gate: macro-F1 of the candidate and the current model on the labels
// present in the held-out part.
void Gate(const std::vector<SiteExample>& holdout,
          const std::vector<std::array<double, kLabels>>& cand_q,
          const std::vector<std::array<double, kLabels>>& cur_q, const BaseModel& base,
          const CurrentSiteModel& candidate, const CurrentSiteModel& current, SiteGate* gate) {
  SiteGate& g = *gate;
  g.holdout = static_cast<int64_t>(holdout.size());
  std::vector<size_t> present;
  for (size_t l = 0; l < kLabels; ++l) {
    const bool any = std::any_of(holdout.begin(), holdout.end(), [&](const SiteExample& e) {
      return e.label == cls::kDecisionLabels[l];
    });
    if (any) {
      present.push_back(l);
      g.labels.emplace_back(cls::kDecisionLabels[l]);
    }
  }
  g.candidate = MacroF1(holdout, cand_q, base, candidate, present);
  g.current = MacroF1(holdout, cur_q, base, current, present);
  g.passed = !present.empty() && g.candidate >= g.current - g.tolerance;
  g.reason = "candidate macro-F1 " + Fixed3(g.candidate) + (g.passed ? " >= " : " < ") +
             "current " + Fixed3(g.current) + " - " + Fixed3(g.tolerance) + " on " +
             std::to_string(g.holdout) + " held-out labels";
  if (present.empty()) g.reason = "no spam or abuse among the held-out labels";
}

boost::json::object CountsJson(const std::map<std::string, int64_t>& counts) {
  boost::json::object out;
  for (const auto& [k, v] : counts) out[k] = v;
  return out;
}

boost::json::object GateJson(const SiteGate& g) {
  boost::json::array labels_json;
  for (const std::string& l : g.labels) labels_json.emplace_back(l);
  return {{"passed", g.passed},    {"metric", "macro_f1"},     {"candidate", g.candidate},
          {"current", g.current},  {"tolerance", g.tolerance}, {"holdout_examples", g.holdout},
          {"labels", labels_json}, {"reason", g.reason}};
}

}  // namespace

bool TrainSiteModel(const std::vector<SiteExample>& examples, const BaseModel& base,
                    const CurrentSiteModel& current, const SiteModelOptions& options,
                    SiteModelOutcome* out, std::string* error) {
  std::vector<size_t> qualified;
  if (!QualifyLabels(examples, options, out, &qualified)) return true;
  std::vector<SiteExample> train, holdout;
  if (!SplitHoldout(examples, qualified, options, &train, &holdout, out)) return true;
  std::vector<std::array<double, kLabels>> oof;
  if (!OutOfFold(train, options, &oof, error)) return false;
  auto combiner = cls::SiteCombiner::Make(FitCombiners(train, oof, base, qualified));
  out->combiner_json = combiner->text();

  // 5. The site model on the whole training part, and the gate.
  std::vector<Example> all;
  for (const SiteExample& e : train) all.push_back(ToExample(e));
  auto model = TrainInMemory(all, options.fasttext, &out->model_bytes, error);
  if (!model) return false;
  out->version =
      "site-" + cls::FastTextModelVersion(out->model_bytes + out->combiner_json).substr(3);

  const CurrentSiteModel candidate{model.get(), combiner.get()};
  std::vector<std::array<double, kLabels>> cand_q, cur_q;
  for (const SiteExample& e : holdout) {
    cand_q.push_back(JudgeText(e.text, e.language, base, candidate));
    cur_q.push_back(JudgeText(e.text, e.language, base, current));
  }
  Gate(holdout, cand_q, cur_q, base, candidate, current, &out->gate);
  boost::json::object report = {{"kind", "site-model"},
                                {"version", out->version},
                                {"labels", CountsJson(out->counts)},
                                {"train", static_cast<int64_t>(train.size())},
                                {"holdout", out->gate.holdout},
                                {"combiner", boost::json::parse(out->combiner_json)},
                                {"candidate", EvaluationJson(holdout, cand_q, base, candidate)},
                                {"current", EvaluationJson(holdout, cur_q, base, current)},
                                {"gate", GateJson(out->gate)}};
  out->report_json = boost::json::serialize(report);
  return true;
}

}  // namespace moderated::training

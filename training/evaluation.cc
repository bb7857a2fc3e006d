// training/evaluation.cc
#include "training/evaluation.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <numeric>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "classifiers/normalizer.h"

namespace moderated::training {

std::vector<EvalItem> ScoreExamples(const classifiers::Classifier& model, const std::vector<Example>& examples) {
  std::vector<EvalItem> items;
  items.reserve(examples.size());
  for (const Example& e : examples) {
    EvalItem item;
    item.gold = e.labels;
    item.scores = model.Predict(classifiers::Normalize(e.text).text).labels;
    item.language = e.language;
    item.source = e.source;
    items.push_back(std::move(item));
  }
  return items;
}
namespace {

double Ratio(double num, double den) { return den == 0 ? 0.0 : num / den; }

double ScoreOf(const EvalItem& item, const std::string& label) {
  for (const classifiers::LabelScore& s : item.scores) {
    if (s.label == label) return s.probability;
  }
  return 0.0;
}

bool HasGold(const EvalItem& item, const std::string& label) {
  return std::find(item.gold.begin(), item.gold.end(), label) != item.gold.end();
}

// One label's binary view of `items`: its probability and whether it is gold.
void LabelColumn(const std::vector<EvalItem>& items, const std::string& label,
                 std::vector<double>* scores, std::vector<bool>* positive) {
  scores->clear();
  positive->clear();
  scores->reserve(items.size());
  positive->reserve(items.size());
  for (const EvalItem& item : items) {
    scores->push_back(ScoreOf(item, label));
    positive->push_back(HasGold(item, label));
  }
}

}  // namespace

double BinaryCounts::Precision() const { return Ratio(tp, tp + fp); }
double BinaryCounts::Recall() const { return Ratio(tp, tp + fn); }
double BinaryCounts::F1() const { return Ratio(2.0 * tp, 2.0 * tp + fp + fn); }
double BinaryCounts::Accuracy() const { return Ratio(tp + tn, tp + tn + fp + fn); }
double BinaryCounts::Mcc() const {
  double den = std::sqrt(static_cast<double>(tp + fp) * (tp + fn) * (tn + fp) * (tn + fn));
  return Ratio(static_cast<double>(tp) * tn - static_cast<double>(fp) * fn, den);
}

BinaryCounts CountAtThreshold(const std::vector<double>& scores, const std::vector<bool>& positive,
                              double threshold) {
  BinaryCounts c;
  for (size_t i = 0; i < scores.size(); ++i) {
    bool predicted = scores[i] >= threshold;
    if (predicted && positive[i])
      ++c.tp;
    else if (predicted)
      ++c.fp;
    else if (positive[i])
      ++c.fn;
    else
      ++c.tn;
  }
  return c;
}

double RocAuc(const std::vector<double>& scores, const std::vector<bool>& positive) {
  // Mann-Whitney U with average ranks for ties.
  std::vector<size_t> order(scores.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return scores[a] < scores[b]; });
  double rank_sum = 0;
  int64_t npos = 0;
  for (size_t i = 0; i < order.size();) {
    size_t j = i;
    while (j < order.size() && scores[order[j]] == scores[order[i]]) ++j;
    double avg_rank = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2.0;
    for (size_t k = i; k < j; ++k) {
      if (positive[order[k]]) {
        rank_sum += avg_rank;
        ++npos;
      }
    }
    i = j;
  }
  int64_t nneg = static_cast<int64_t>(scores.size()) - npos;
  if (npos == 0 || nneg == 0) return std::numeric_limits<double>::quiet_NaN();
  double u = rank_sum - static_cast<double>(npos) * (npos + 1) / 2.0;
  return u / (static_cast<double>(npos) * nneg);
}

bool SelectThreshold(const std::vector<double>& scores, const std::vector<bool>& positive,
                     double precision_target, double* threshold) {
  // Walk thresholds from high to low, keeping running counts; remember the
  // lowest one that still meets the target.
  std::vector<size_t> order(scores.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return scores[a] > scores[b]; });
  int64_t tp = 0, fp = 0;
  bool found = false;
  double best = 0;
  for (size_t i = 0; i < order.size();) {
    size_t j = i;
    while (j < order.size() && scores[order[j]] == scores[order[i]]) {
      if (positive[order[j]])
        ++tp;
      else
        ++fp;
      ++j;
    }
    if (tp > 0 && static_cast<double>(tp) / (tp + fp) >= precision_target) {
      found = true;
      best = scores[order[i]];
    }
    i = j;
  }
  if (found) *threshold = best;
  return found;
}

namespace {

// The labels to report: the given ones, or all seen in gold and scores;
// sorted, each once.
std::vector<std::string> ReportLabels(const std::vector<EvalItem>& items,
                                      std::vector<std::string> labels) {
  if (labels.empty()) {
    std::set<std::string> seen;
    for (const EvalItem& item : items) {
      for (const std::string& g : item.gold) seen.insert(g);
      for (const classifiers::LabelScore& s : item.scores) seen.insert(s.label);
    }
    labels.assign(seen.begin(), seen.end());
  }
  std::sort(labels.begin(), labels.end());
  labels.erase(std::unique(labels.begin(), labels.end()), labels.end());
  return labels;
}

LabelMetrics MetricsOf(const std::vector<EvalItem>& items, const std::string& label,
                       const std::map<std::string, double>& thresholds) {
  std::vector<double> scores;
  std::vector<bool> positive;
  LabelColumn(items, label, &scores, &positive);
  LabelMetrics m;
  m.label = label;
  auto it = thresholds.find(label);
  m.threshold = it == thresholds.end() ? 0.5 : it->second;
  m.counts = CountAtThreshold(scores, positive, m.threshold);
  m.support = m.counts.tp + m.counts.fn;
  m.precision = m.counts.Precision();
  m.recall = m.counts.Recall();
  m.f1 = m.counts.F1();
  m.mcc = m.counts.Mcc();
  m.roc_auc = RocAuc(scores, positive);
  return m;
}

// Single-label view: each item's top-scored label against its first gold
// label, into report->confusion, accuracy and mcc.
void SingleLabelView(const std::vector<EvalItem>& items, EvaluationReport* report) {
  const std::vector<std::string>& labels = report->labels;
  size_t n = labels.size();
  report->confusion.assign(n, std::vector<int64_t>(n, 0));
  int64_t correct = 0, counted = 0;
  for (const EvalItem& item : items) {
    if (item.gold.empty()) continue;
    auto g = std::find(labels.begin(), labels.end(), item.gold[0]);
    if (g == labels.end()) continue;
    size_t best = 0;
    double best_score = -1;
    for (size_t k = 0; k < n; ++k) {
      double s = ScoreOf(item, labels[k]);
      if (s > best_score) {
        best_score = s;
        best = k;
      }
    }
    size_t gi = static_cast<size_t>(g - labels.begin());
    ++report->confusion[gi][best];
    ++counted;
    if (gi == best) ++correct;
  }
  report->accuracy = Ratio(correct, counted);

  // Gorodkin's R_K: (c*s - sum p_k t_k) / sqrt((s^2 - sum p_k^2)(s^2 - sum t_k^2)).
  double c = static_cast<double>(correct), s = static_cast<double>(counted);
  double sum_pt = 0, sum_pp = 0, sum_tt = 0;
  for (size_t k = 0; k < n; ++k) {
    double t = 0, p = 0;
    for (size_t j = 0; j < n; ++j) {
      t += report->confusion[k][j];
      p += report->confusion[j][k];
    }
    sum_pt += p * t;
    sum_pp += p * p;
    sum_tt += t * t;
  }
  report->mcc = Ratio(c * s - sum_pt, std::sqrt((s * s - sum_pp) * (s * s - sum_tt)));
}

}  // namespace

EvaluationReport Evaluate(const std::vector<EvalItem>& items, std::vector<std::string> labels,
                          const std::map<std::string, double>& thresholds) {
  EvaluationReport report;
  report.examples = static_cast<int64_t>(items.size());
  report.labels = ReportLabels(items, std::move(labels));

  double f1_sum = 0;
  int supported = 0;
  for (const std::string& label : report.labels) {
    LabelMetrics m = MetricsOf(items, label, thresholds);
    if (m.support > 0) {
      f1_sum += m.f1;
      ++supported;
    }
    report.per_label.push_back(m);
  }
  report.macro_f1 = supported == 0 ? 0 : f1_sum / supported;
  SingleLabelView(items, &report);
  return report;
}

std::map<std::string, EvaluationReport> EvaluateByLanguage(
    const std::vector<EvalItem>& items, const std::vector<std::string>& labels,
    const std::map<std::string, double>& thresholds) {
  std::map<std::string, std::vector<EvalItem>> by_language;
  for (const EvalItem& item : items) by_language[item.language].push_back(item);
  std::map<std::string, EvaluationReport> out;
  for (const auto& [language, subset] : by_language)
    out[language] = Evaluate(subset, labels, thresholds);
  return out;
}

// ---- JSON -----------------------------------------------------------------------

std::string FormatNumber(double value) {
  if (!std::isfinite(value)) return "null";
  if (value == std::floor(value) && std::fabs(value) < 1e15) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%.0f", value);
    return buf;
  }
  char buf[48];
  std::snprintf(buf, sizeof(buf), "%.6g", value);
  return buf;
}

void JsonWriter::Newline() {
  out_.push_back('\n');
  out_.append(2 * first_.size(), ' ');
}

void JsonWriter::BeforeValue() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (!first_.empty()) {
    if (!first_.back()) out_.push_back(',');
    first_.back() = false;
    Newline();
  }
}

JsonWriter& JsonWriter::BeginObject() {
  BeforeValue();
  out_.push_back('{');
  first_.push_back(true);
  return *this;
}

JsonWriter& JsonWriter::EndObject() {
  bool empty = first_.back();
  first_.pop_back();
  if (!empty) Newline();
  out_.push_back('}');
  return *this;
}

JsonWriter& JsonWriter::BeginArray() {
  BeforeValue();
  out_.push_back('[');
  first_.push_back(true);
  return *this;
}

JsonWriter& JsonWriter::EndArray() {
  bool empty = first_.back();
  first_.pop_back();
  if (!empty) Newline();
  out_.push_back(']');
  return *this;
}

JsonWriter& JsonWriter::Key(std::string_view key) {
  BeforeValue();
  WriteEscaped(key);
  out_ += ": ";
  after_key_ = true;
  return *this;
}

JsonWriter& JsonWriter::String(std::string_view value) {
  BeforeValue();
  WriteEscaped(value);
  return *this;
}

void JsonWriter::WriteEscaped(std::string_view value) {
  out_.push_back('"');
  for (unsigned char c : value) {
    switch (c) {
      case '"':
        out_ += "\\\"";
        break;
      case '\\':
        out_ += "\\\\";
        break;
      case '\n':
        out_ += "\\n";
        break;
      case '\r':
        out_ += "\\r";
        break;
      case '\t':
        out_ += "\\t";
        break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", c);
          out_ += buf;
        } else {
          out_.push_back(static_cast<char>(c));
        }
    }
  }
  out_.push_back('"');
}

JsonWriter& JsonWriter::Number(double value) {
  BeforeValue();
  out_ += FormatNumber(value);
  return *this;
}

JsonWriter& JsonWriter::Int(int64_t value) {
  BeforeValue();
  out_ += std::to_string(value);
  return *this;
}

JsonWriter& JsonWriter::Bool(bool value) {
  BeforeValue();
  out_ += value ? "true" : "false";
  return *this;
}

JsonWriter& JsonWriter::Null() {
  BeforeValue();
  out_ += "null";
  return *this;
}

void WriteReportJson(const EvaluationReport& report, JsonWriter& json) {
  json.BeginObject();
  json.Key("examples").Int(report.examples);
  json.Key("accuracy").Number(report.accuracy);
  json.Key("macro_f1").Number(report.macro_f1);
  json.Key("mcc").Number(report.mcc);
  json.Key("labels").BeginObject();
  for (const LabelMetrics& m : report.per_label) {
    json.Key(m.label).BeginObject();
    json.Key("threshold").Number(m.threshold);
    json.Key("support").Int(m.support);
    json.Key("precision").Number(m.precision);
    json.Key("recall").Number(m.recall);
    json.Key("f1").Number(m.f1);
    json.Key("mcc").Number(m.mcc);
    json.Key("roc_auc").Number(m.roc_auc);
    json.Key("tp").Int(m.counts.tp);
    json.Key("fp").Int(m.counts.fp);
    json.Key("fn").Int(m.counts.fn);
    json.Key("tn").Int(m.counts.tn);
    json.EndObject();
  }
  json.EndObject();
  json.Key("confusion").BeginObject();
  json.Key("order").BeginArray();
  for (const std::string& l : report.labels) json.String(l);
  json.EndArray();
  json.Key("gold_by_predicted").BeginArray();
  for (const auto& row : report.confusion) {
    json.BeginArray();
    for (int64_t v : row) json.Int(v);
    json.EndArray();
  }
  json.EndArray();
  json.EndObject();
  json.EndObject();
}

}  // namespace moderated::training

namespace moderated::training {

RecommendedThresholds RecommendThresholds(const std::vector<EvalItem>& items,
                                          const std::vector<std::string>& labels,
                                          const std::vector<double>& precision_targets) {
  RecommendedThresholds recommended;
  for (const std::string& label : labels) {
    if (label == "ham") continue;
    std::vector<double> scores;
    std::vector<bool> positive;
    LabelColumn(items, label, &scores, &positive);
    for (double target : precision_targets) {
      double t = std::nan("");
      SelectThreshold(scores, positive, target, &t);
      recommended[label].push_back({target, t});
    }
  }
  return recommended;
}

void WriteRecommendedThresholdsJson(const RecommendedThresholds& recommended, JsonWriter& json) {
  json.BeginObject();
  for (const auto& [label, targets] : recommended) {
    json.Key(label).BeginArray();
    for (const auto& [target, threshold] : targets) {
      json.BeginObject();
      json.Key("precision_target").Number(target);
      json.Key("threshold").Number(threshold);
      json.EndObject();
    }
    json.EndArray();
  }
  json.EndObject();
}

}  // namespace moderated::training

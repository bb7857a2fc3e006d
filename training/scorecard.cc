// training/scorecard.cc
#include "training/scorecard.h"

#include <boost/json.hpp>

#include <cmath>
#include <cstdio>
#include <limits>
#include <set>

#include "training/evaluation.h"

namespace moderated::training {
namespace {

constexpr const char* kLabels[] = {"spam", "abuse"};
constexpr size_t kMinLanguageChars = 20;

bool Flagged(const PipelineItem& it) { return it.action == "hold" || it.action == "reject"; }

double Ratio(int64_t a, int64_t b) { return b > 0 ? static_cast<double>(a) / b : 0.0; }

double F1(int64_t tp, int64_t fp, int64_t fn) {
  const double p = Ratio(tp, tp + fp), r = Ratio(tp, tp + fn);
  return p + r > 0 ? 2 * p * r / (p + r) : 0.0;
}

void Finish(Metrics* m) {
  m->precision = Ratio(m->tp, m->tp + m->fp);
  m->recall = Ratio(m->tp, m->tp + m->fn);
  m->f1 = F1(m->tp, m->fp, m->fn);
  m->fpr = Ratio(m->ham_flagged, m->ham);
}

std::string Language(const PipelineItem& it) {
  return it.gold_language.empty() ? it.language : it.gold_language;
}

// The label a data set is about: the non-ham label of its items.
std::string TaskOf(const std::vector<const PipelineItem*>& items) {
  std::map<std::string, int64_t> counts;
  for (const PipelineItem* it : items) {
    if (it->gold != "ham") counts[it->gold]++;
  }
  std::string best = "spam";
  int64_t n = -1;
  for (const auto& [label, c] : counts) {
    if (c > n) {
      best = label;
      n = c;
    }
  }
  return best;
}

Metrics SourceMetrics(const std::vector<const PipelineItem*>& items, const std::string& task) {
  Metrics m;
  const size_t li = task == "abuse" ? 1 : 0;
  std::vector<double> scores;
  std::vector<bool> positive;
  int64_t correct = 0, ham_tn = 0, ham_fn = 0;
  for (const PipelineItem* it : items) {
    const bool pos = it->gold == task;
    const bool ham = it->gold == "ham";
    if (!pos && !ham) continue;  // another label in a mixed file: not this task
    m.examples++;
    const bool flagged = Flagged(*it);
    if (pos) {
      m.positives++;
      (flagged ? m.tp : m.fn)++;
      correct += flagged;
    } else {
      m.ham++;
      if (flagged) {
        m.fp++;
        m.ham_flagged++;
      } else {
        correct++;
      }
    }
    scores.push_back(it->q[li]);
    positive.push_back(pos);
    if (it->text_chars >= kMinLanguageChars && !it->gold_language.empty()) {
      m.language_checked++;
      m.language_accuracy += it->language == it->gold_language;
    }
  }
  Finish(&m);
  m.roc_auc = RocAuc(scores, positive);
  m.accuracy = Ratio(correct, m.examples);
  // Ham as the positive class: tp = ham accepted, fp = task accepted, fn = ham flagged.
  ham_tn = m.ham - m.ham_flagged;
  ham_fn = m.fn;
  m.macro_f1 = (m.f1 + F1(ham_tn, ham_fn, m.ham_flagged)) / 2;
  m.language_accuracy = m.language_checked
                            ? m.language_accuracy / static_cast<double>(m.language_checked)
                            : std::numeric_limits<double>::quiet_NaN();
  return m;
}

boost::json::value Num(double v) {
  if (!std::isfinite(v)) return nullptr;
  return std::round(v * 10000) / 10000;
}

boost::json::object MetricsJson(const Metrics& m) {
  return {{"examples", m.examples},   {"positives", m.positives}, {"ham", m.ham},
          {"tp", m.tp},               {"fp", m.fp},               {"fn", m.fn},
          {"precision", Num(m.precision)}, {"recall", Num(m.recall)}, {"f1", Num(m.f1)},
          {"ham_flagged", m.ham_flagged},  {"fpr", Num(m.fpr)},       {"roc_auc", Num(m.roc_auc)},
          {"accuracy", Num(m.accuracy)},   {"macro_f1", Num(m.macro_f1)},
          {"language_accuracy", Num(m.language_accuracy)},
          {"language_checked", m.language_checked}};
}

std::string Cell(double v, int width = 7) {
  char buf[32];
  if (!std::isfinite(v)) {
    std::snprintf(buf, sizeof buf, "%*s", width, "-");
  } else {
    std::snprintf(buf, sizeof buf, "%*.3f", width, v);
  }
  return buf;
}

}  // namespace

Scorecard Score(const std::vector<PipelineItem>& items) {
  Scorecard card;
  // By language and label.
  std::map<std::string, std::vector<const PipelineItem*>> by_language, by_source;
  for (const PipelineItem& it : items) {
    by_language[Language(it)].push_back(&it);
    by_source[it.source].push_back(&it);
    if (it.gold == "ham") {
      card.overall_ham.ham++;
      card.overall_ham.ham_flagged += Flagged(it);
    }
  }
  card.overall_ham.fpr = Ratio(card.overall_ham.ham_flagged, card.overall_ham.ham);
  for (const auto& [language, group] : by_language) {
    for (size_t li = 0; li < 2; ++li) {
      const std::string label = kLabels[li];
      Metrics m;
      std::vector<double> scores;
      std::vector<bool> positive;
      for (const PipelineItem* it : group) {
        m.examples++;
        const bool gold = it->gold == label;
        const bool predicted = Flagged(*it) && it->primary == label;
        if (gold) m.positives++;
        if (gold && predicted) m.tp++;
        if (!gold && predicted) m.fp++;
        if (gold && !predicted) m.fn++;
        if (it->gold == "ham") {
          m.ham++;
          m.ham_flagged += Flagged(*it);
        }
        scores.push_back(it->q[li]);
        positive.push_back(gold);
      }
      if (m.positives == 0) continue;
      Finish(&m);
      m.roc_auc = RocAuc(scores, positive);
      card.by_language[language][label] = m;
    }
  }
  for (const auto& [source, group] : by_source) {
    const std::string task = TaskOf(group);
    card.source_task[source] = task;
    card.by_source[source] = SourceMetrics(group, task);
    std::map<std::string, std::vector<const PipelineItem*>> by_group;
    for (const PipelineItem* it : group) {
      if (!it->group.empty()) by_group[it->group].push_back(it);
    }
    for (const auto& [name, members] : by_group) {
      card.by_group[source][name] = SourceMetrics(members, task);
    }
  }
  return card;
}

std::string ScorecardJson(const Scorecard& card) {
  boost::json::object languages;
  for (const auto& [language, labels] : card.by_language) {
    boost::json::object l;
    for (const auto& [label, m] : labels) l[label] = MetricsJson(m);
    languages[language] = std::move(l);
  }
  boost::json::object sources;
  for (const auto& [source, m] : card.by_source) {
    boost::json::object s = MetricsJson(m);
    s["task"] = card.source_task.at(source);
    if (auto it = card.by_group.find(source); it != card.by_group.end()) {
      boost::json::object groups;
      for (const auto& [name, gm] : it->second) groups[name] = MetricsJson(gm);
      s["groups"] = std::move(groups);
    }
    sources[source] = std::move(s);
  }
  boost::json::object root = {
      {"by_language", std::move(languages)},
      {"by_source", std::move(sources)},
      {"ham", {{"examples", card.overall_ham.ham},
               {"flagged", card.overall_ham.ham_flagged},
               {"fpr", Num(card.overall_ham.fpr)}}}};
  return boost::json::serialize(root);
}

std::string ScorecardTable(const Scorecard& card) {
  std::string out;
  out += "language label     n   pos precision recall     f1   ham_fpr  roc_auc\n";
  for (const auto& [language, labels] : card.by_language) {
    for (const auto& [label, m] : labels) {
      char line[256];
      std::snprintf(line, sizeof line, "%-8s %-5s %6lld %5lld   %s %s %s %s %s\n",
                    language.c_str(), label.c_str(), static_cast<long long>(m.examples),
                    static_cast<long long>(m.positives), Cell(m.precision).c_str(),
                    Cell(m.recall).c_str(), Cell(m.f1).c_str(), Cell(m.fpr, 9).c_str(),
                    Cell(m.roc_auc, 8).c_str());
      out += line;
    }
  }
  out += "\ndata set       task    n   precision recall     f1 macro_f1 accuracy  ham_held "
         "roc_auc lang_acc\n";
  for (const auto& [source, m] : card.by_source) {
    auto row = [&out](const std::string& name, const std::string& task, const Metrics& m) {
      char line[320];
      std::snprintf(line, sizeof line, "%-14s %-5s %6lld   %s %s %s %s %s %s %s %s\n",
                    name.c_str(), task.c_str(), static_cast<long long>(m.examples),
                    Cell(m.precision).c_str(), Cell(m.recall).c_str(), Cell(m.f1).c_str(),
                    Cell(m.macro_f1, 8).c_str(), Cell(m.accuracy, 8).c_str(),
                    Cell(m.fpr, 9).c_str(), Cell(m.roc_auc, 7).c_str(),
                    Cell(m.language_accuracy, 8).c_str());
      out += line;
    };
    row(source, card.source_task.at(source), m);
    if (auto it = card.by_group.find(source); it != card.by_group.end()) {
      for (const auto& [name, gm] : it->second) row("  " + name, "", gm);
    }
  }
  char tail[128];
  std::snprintf(tail, sizeof tail, "\nall ham: %lld, held or rejected %lld (%.2f%%)\n",
                static_cast<long long>(card.overall_ham.ham),
                static_cast<long long>(card.overall_ham.ham_flagged), 100 * card.overall_ham.fpr);
  out += tail;
  return out;
}

}  // namespace moderated::training

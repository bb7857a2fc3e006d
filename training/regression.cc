// training/regression.cc
#include "training/regression.h"

#include <boost/json.hpp>

#include <algorithm>
#include <cstdio>
#include <map>
#include <utility>

#include "training/trainer.h"

namespace moderated::training {
namespace {

std::string Fixed3(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", v);
  return buf;
}

}  // namespace

std::string WriteRegressionSet(const std::vector<Example>& test, size_t per_cell) {
  std::map<std::pair<std::string, std::string>, std::vector<std::pair<uint64_t, const Example*>>>
      cells;
  for (const Example& e : test) {
    cells[{e.source, e.labels.at(0)}].push_back({HashText(e.text, 7), &e});
  }
  std::string out;
  for (auto& [cell, members] : cells) {
    std::sort(members.begin(), members.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    if (members.size() > per_cell) members.resize(per_cell);
    for (const auto& [hash, e] : members) {
      boost::json::object o = {{"source", e->source},
                               {"group", e->group},
                               {"language", e->language},
                               {"label", e->labels.at(0)},
                               {"text", e->text}};
      out += boost::json::serialize(o);
      out += '\n';
    }
  }
  return out;
}

bool ParseRegressionSet(std::string_view jsonl, std::string_view origin, std::vector<Example>* out,
                        std::string* error) {
  int line_no = 0;
  size_t pos = 0;
  while (pos < jsonl.size()) {
    size_t end = jsonl.find('\n', pos);
    if (end == std::string_view::npos) end = jsonl.size();
    const std::string_view line = jsonl.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (line.empty()) continue;
    const std::string where = std::string(origin) + ":" + std::to_string(line_no) + ": ";
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(line, ec);
    if (ec || !v.is_object()) {
      *error = where + "expected a JSON object";
      return false;
    }
    Example e;
    const boost::json::object& o = v.get_object();
    for (auto [key, field] : {std::pair<const char*, std::string*>{"source", &e.source},
                              {"group", &e.group},
                              {"language", &e.language},
                              {"text", &e.text}}) {
      const boost::json::value* f = o.if_contains(key);
      if (f == nullptr || !f->is_string()) {
        *error = where + "missing string field '" + key + "'";
        return false;
      }
      *field = std::string(f->get_string());
    }
    const boost::json::value* label = o.if_contains("label");
    if (label == nullptr || !label->is_string() ||
        (label->get_string() != "spam" && label->get_string() != "abuse" &&
         label->get_string() != "ham")) {
      *error = where + "label must be spam, abuse or ham";
      return false;
    }
    e.labels = {std::string(label->get_string())};
    e.split = "test";
    out->push_back(std::move(e));
  }
  return true;
}

RegressionGate CompareOnRegressionSet(const Scorecard& current, const Scorecard& candidate) {
  RegressionGate gate;
  for (const auto& [language, labels] : current.by_language) {
    for (const auto& [label, cur] : labels) {
      const std::string cell = language + " " + label;
      auto lang = candidate.by_language.find(language);
      if (lang == candidate.by_language.end() || lang->second.count(label) == 0) {
        gate.failures.push_back(cell + ": not scored for the candidate");
        continue;
      }
      const Metrics& cand = lang->second.at(label);
      if (cand.f1 < cur.f1 - kRegressionF1Tolerance) {
        gate.failures.push_back(cell + ": F1 " + Fixed3(cand.f1) + " < " + Fixed3(cur.f1) +
                                " - " + Fixed3(kRegressionF1Tolerance));
      }
      if (cand.fpr > cur.fpr + kRegressionHamTolerance) {
        gate.failures.push_back(cell + ": ham held " + Fixed3(cand.fpr) + " > " +
                                Fixed3(cur.fpr) + " + " + Fixed3(kRegressionHamTolerance));
      }
    }
  }
  gate.passed = gate.failures.empty() && !current.by_language.empty();
  if (current.by_language.empty()) {
    gate.reason = "the regression set scored nothing";
  } else if (gate.passed) {
    gate.reason = "every language and label holds on the regression set";
  } else {
    gate.reason = std::to_string(gate.failures.size()) + " regression(s): " + gate.failures[0];
    for (size_t i = 1; i < gate.failures.size(); ++i) gate.reason += "; " + gate.failures[i];
  }
  return gate;
}

std::string RegressionGateJson(const RegressionGate& gate) {
  boost::json::array failures;
  for (const std::string& f : gate.failures) failures.emplace_back(f);
  return boost::json::serialize(boost::json::object{{"passed", gate.passed},
                                                    {"failures", std::move(failures)},
                                                    {"reason", gate.reason}});
}

}  // namespace moderated::training

// daemon/jobs/evaluate.cc
#include "daemon/jobs/evaluate.h"

#include "base/strings.h"
#include "classifiers/calibration.h"

namespace moderated {
namespace {

// Code points of valid UTF-8 (continuation bytes are not counted).
size_t CodePoints(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}


}  // namespace

CommentInput ExampleComment(const training::Example& e, const std::string& site,
                            bool hint_language) {
  CommentInput c;
  c.site = site;
  c.content = e.text;
  if (hint_language && e.language != "und") c.lang_hint = e.language;
  return c;
}

training::PipelineItem JudgeExample(const Engine& engine, const training::Example& e,
                                    const std::string& site, bool hint_language,
                                    const rules::SitePolicy* policy) {
  EvaluateOptions options;
  options.policy = policy;
  const Verdict v = engine.Evaluate(ExampleComment(e, site, hint_language), options);
  training::PipelineItem it;
  it.source = e.source;
  it.group = e.group;
  it.gold = e.labels.empty() ? "ham" : e.labels[0];
  it.gold_language = e.language == "und" ? "" : e.language;
  it.language = v.language.code;
  it.text_chars = CodePoints(e.text);
  it.action = std::string(rules::ActionName(v.action));
  it.primary = v.trace.primary;
  for (const classifiers::LabelScore& l : v.labels) {
    if (l.label == "spam") it.q[0] = l.probability;
    if (l.label == "abuse") it.q[1] = l.probability;
  }
  it.score = v.score;
  return it;
}

std::vector<training::PipelineItem> JudgeExamples(
    const Engine& engine, const std::vector<training::Example>& examples, const std::string& site,
    bool hint_language, const std::function<void(size_t, size_t)>& progress,
    const rules::SitePolicy* policy) {
  std::vector<training::PipelineItem> items;
  items.reserve(examples.size());
  for (size_t i = 0; i < examples.size(); ++i) {
    items.push_back(JudgeExample(engine, examples[i], site, hint_language, policy));
    if (progress && (i + 1) % 1000 == 0) progress(i + 1, examples.size());
  }
  if (progress) progress(examples.size(), examples.size());
  return items;
}

training::JudgeFn RulesJudge(const Engine& engine, const std::string& site) {
  return [&engine, site](const training::Example& e) {
    const Verdict v = engine.Evaluate(ExampleComment(e, site, false));
    training::RuleJudgement j;
    j.language = v.language.code;
    j.rule_points = v.trace.rule_points;
    if (v.trace.forced) {
      switch (v.trace.forced_action) {
        case rules::Action::kReject: j.rule_action = training::RuleAction::kReject; break;
        case rules::Action::kAccept: j.rule_action = training::RuleAction::kAccept; break;
        default: j.rule_action = training::RuleAction::kHold;
      }
    }
    return j;
  };
}

}  // namespace moderated

// daemon/jobs/evaluate.h
//
// Labelled comments through the real pipeline (Engine::Evaluate, the same
// call a POST /v1/comments makes, nothing stored, no velocity counted), for
// everything that measures the judgement: `moderated eval`, the base model's
// calibration (`moderated train`, base retraining jobs) and its regression
// gate. One place turns a verdict into a training::PipelineItem, so every
// published figure is counted the same way (training/scorecard.h).
//
// Thread-safety: Engine is immutable; these may run on any thread.
#ifndef MODERATED_DAEMON_JOBS_EVALUATE_H_
#define MODERATED_DAEMON_JOBS_EVALUATE_H_

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/engine/engine.h"
#include "training/base_model.h"
#include "training/corpus.h"
#include "training/scorecard.h"

namespace moderated {

// The comment the pipeline sees for an example: its text as content, the
// site, and (if `hint_language`) the example's language as the client's hint.
CommentInput ExampleComment(const training::Example& e, const std::string& site,
                            bool hint_language);

// One example's verdict as a scorecard item. `policy`, if not null, replaces
// the site's policy (EvaluateOptions::policy).
training::PipelineItem JudgeExample(const Engine& engine, const training::Example& e,
                                    const std::string& site, bool hint_language = false,
                                    const rules::SitePolicy* policy = nullptr);

// Every example, with a progress callback every 1,000 (may be empty).
std::vector<training::PipelineItem> JudgeExamples(
    const Engine& engine, const std::vector<training::Example>& examples, const std::string& site,
    bool hint_language, const std::function<void(size_t done, size_t total)>& progress,
    const rules::SitePolicy* policy = nullptr);

// What the rules alone do to an example (the calibration's view): the
// engine's language, the enforced rules' points and any forced action.
training::JudgeFn RulesJudge(const Engine& engine, const std::string& site);

}  // namespace moderated

#endif  // MODERATED_DAEMON_JOBS_EVALUATE_H_

// daemon/engine/engine.h
//
// Engine: one immutable snapshot of everything that decides a verdict — the
// compiled rules, the models (classifiers::Judge: base model, calibration,
// site models) and the classifier weights. Evaluate() runs the whole
// pipeline for one comment:
//   site policy → normalise (classifiers::Normalize) → language (script,
//   hint, site languages, CLD2) → links and features → rules (one RE2::Set
//   per field) → models (fastText, calibrated per language; a site's own
//   model for that site only) → decision.
//
// Engines are built once (start-up, reload) and shared as
// std::shared_ptr<const Engine>; Evaluate() is const and thread-safe. A request
// takes the current snapshot once (EngineHolder) and uses it to the end, so a
// reload never changes the rules under a request in flight. The snapshot also
// says where its rules and model came from (running_rules(),
// running_model()), so what the admin API reports always matches what runs.
#ifndef MODERATED_DAEMON_ENGINE_ENGINE_H_
#define MODERATED_DAEMON_ENGINE_ENGINE_H_

#include <array>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "classifiers/classifier.h"
#include "classifiers/judge.h"
#include "classifiers/language.h"
#include "daemon/core/config.h"
#include "daemon/engine/sites.h"
#include "rules/rule_set.h"
#include "storage/store.h"

namespace moderated {

// A comment as the site sent it, after validation (daemon/http/wire.h).
struct CommentInput {
  std::string site;
  std::string external_id;
  std::string thread;
  std::string parent;
  std::string author_name;
  std::string author_email;
  std::string author_url;
  std::string author_ip;
  std::string author_user_agent;
  std::string content;
  std::string created_at;
  std::string lang_hint;
  std::string meta_json = "{}";
};

// One reason with every span it matched (Reason carries the first).
struct VerdictReason {
  storage::Reason reason;
  std::vector<std::pair<size_t, size_t>> spans;  // raw byte spans in `reason.field`
};

// How the decision was reached, beyond the reasons: what a moderator (and
// `moderated eval`) needs to see why a comment was held.
struct DecisionTrace {
  double hold_at = 5, reject_at = 10;  // the site's thresholds
  std::string sensitivity = "normal";  // the site's classifier level
  double rule_points = 0;              // enforced rules' scores
  // An explicit action forced by a rule (or policy.language, engine.incomplete
  // for kHold); kAccept with `forced` false means none.
  rules::Action forced_action = rules::Action::kAccept;
  bool forced = false;
  std::array<double, 2> classifier_points{};  // spam, abuse (kDecisionLabels order)
  bool site_model = false;                    // the site's own model took part
  // The label the verdict mostly blames ("spam" | "abuse"), or "" when
  // accepted: the one with more points, counting rules other than "abuse.*"
  // for spam.
  std::string primary;
};

struct Verdict {
  rules::Action action = rules::Action::kAccept;  // accept | hold | reject
  double score = 0;
  // Calibrated probabilities of spam and abuse (and ham = neither), for the
  // comment's language and site (classifiers/judge.h).
  std::vector<classifiers::LabelScore> labels;
  classifiers::Language language;
  std::vector<VerdictReason> reasons;  // enforce hits, then shadow hits
  std::string rules_version;
  std::string model_version;
  bool complete = true;  // false: a rule could not be evaluated (held for review)
  DecisionTrace trace;
};

// Where the running rules came from (GET /v1/admin/rules).
struct RunningRules {
  std::string text;        // the source text of the running ruleset
  int64_t version_id = 0;  // the stored version it came from; 0 = a file or the embedded default
  std::string source;      // "embedded", a file path, or "database:ID"
};

class Velocity;  // daemon/engine/velocity.h

// How Evaluate() treats one comment beyond its content.
struct EvaluateOptions {
  // Count this comment in the velocity tracker (comments being stored). When
  // false the velocity features still say what the counts would be with it.
  bool record_velocity = false;
  int64_t now_ms = 0;            // the time velocity is counted at; 0 = now
  Velocity* velocity = nullptr;  // a tracker instead of the engine's (backtests)
  // Backtests: what was computed when the comment was stored (its language
  // and calibrated labels), instead of running language identification and
  // the models again. Null = compute.
  const classifiers::Language* language = nullptr;
  const std::vector<classifiers::LabelScore>* labels = nullptr;
  // The author's stored comments by status (by e-mail, else by IP), for the
  // author_approved / author_rejected features. Null = 0.
  const storage::Reputation* reputation = nullptr;
  // Judge with this policy instead of the site's (`moderated eval
  // --sensitivity`). Null = the site's.
  const rules::SitePolicy* policy = nullptr;
};

class Engine {
 public:
  // `judge` is the models (base, calibration, site models). `weights`
  // scales the classifier's points per label and site (0 turns a label
  // off). `velocity` is the daemon's one tracker (may be null: velocity
  // features are then 0). Whoever builds a new Engine to swap in passes the
  // current one's velocity_ptr(), so counts survive reloads. `sites` is the
  // site registry (may be null: the rule file's per-site policy only), read
  // at every Evaluate(); pass the current one's sites_ptr() likewise.
  // `running_rules` says where the rules came from; the judge says where
  // the models came from.
  Engine(std::shared_ptr<const rules::RuleSet> rules,
         std::shared_ptr<const classifiers::Judge> judge, ClassifierConfig weights,
         std::shared_ptr<Velocity> velocity = nullptr, std::shared_ptr<Sites> sites = nullptr,
         RunningRules running_rules = {});

  // This engine with other rules, or other models; everything else (the
  // weights, the velocity tracker, the site registry) is shared.
  std::shared_ptr<const Engine> WithRules(std::shared_ptr<const rules::RuleSet> rules,
                                          RunningRules running) const;
  std::shared_ptr<const Engine> WithJudge(std::shared_ptr<const classifiers::Judge> judge) const;

  Verdict Evaluate(const CommentInput& comment, const EvaluateOptions& options = {}) const;

  // The policy for `site`: the rule file's, with the site registry's fields
  // over it (docs/api.md, "Precedence").
  rules::SitePolicy PolicyFor(std::string_view site) const;
  // True if the site registry or the rule file's `sites:` names `site`.
  bool KnowsSite(std::string_view site) const;

  const rules::RuleSet& rules() const { return *rules_; }
  const classifiers::Judge& judge() const { return *judge_; }
  std::shared_ptr<const rules::RuleSet> rules_ptr() const { return rules_; }
  std::shared_ptr<const classifiers::Judge> judge_ptr() const { return judge_; }
  const ClassifierConfig& weights() const { return weights_; }
  std::shared_ptr<Velocity> velocity_ptr() const { return velocity_; }
  std::shared_ptr<Sites> sites_ptr() const { return sites_; }
  const RunningRules& running_rules() const { return running_rules_; }
  const classifiers::BaseModel& running_model() const { return judge_->base(); }

 private:
  double AddModelReasons(const CommentInput& comment, const std::string& normalized,
                         const rules::SitePolicy& policy, const EvaluateOptions& options,
                         Verdict* v) const;

  std::shared_ptr<const rules::RuleSet> rules_;
  std::shared_ptr<const classifiers::Judge> judge_;
  ClassifierConfig weights_;
  std::shared_ptr<Velocity> velocity_;  // thread-safe; shared across engines
  std::shared_ptr<Sites> sites_;        // thread-safe; shared across engines
  RunningRules running_rules_;
};

// Holds the current Engine. Current(), Swap() and Update() may be called
// from any thread; the mutex is held only to copy or build one shared_ptr.
class EngineHolder {
 public:
  std::shared_ptr<const Engine> Current() const {
    std::lock_guard lock(mu_);
    return current_;
  }
  void Swap(std::shared_ptr<const Engine> next) {
    std::lock_guard lock(mu_);
    current_.swap(next);
    // `next` (the old engine) is released outside the lock, when this scope ends
    // or later when its last request finishes.
  }
  // Replaces the current engine by next(current) in one step, so that two
  // updates (a model activation and a rules activation) cannot undo each
  // other. `next` runs under the lock: build from parts already loaded
  // (Engine::WithRules, WithJudge), never load files in it.
  void Update(const std::function<std::shared_ptr<const Engine>(const Engine&)>& next) {
    std::shared_ptr<const Engine> old;
    std::lock_guard lock(mu_);
    old = current_;
    current_ = next(*old);
  }

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const Engine> current_;
};

// Compiles rules text with the daemon's literal normalisation. On failure
// returns nullptr and fills *errors ("ORIGIN:LINE:COL: message"). Relative
// list files resolve against `base_dir`; with `confine_list_files` (rules
// that came over the API) only files inside it may be read, none if empty.
std::shared_ptr<const rules::RuleSet> CompileRules(std::string_view text, std::string_view origin,
                                                   const std::string& base_dir,
                                                   std::vector<std::string>* errors,
                                                   bool confine_list_files = false);

}  // namespace moderated

#endif  // MODERATED_DAEMON_ENGINE_ENGINE_H_

#include "daemon/engine/engine.h"

#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <set>

#include "base/strings.h"
#include "base/time.h"
#include "classifiers/normalizer.h"
#include "classifiers/text_features.h"
#include "daemon/core/metrics.h"
#include "daemon/engine/links.h"
#include "daemon/engine/velocity.h"

namespace moderated {
namespace {

constexpr size_t kMaxExcerptBytes = 200;

std::string FormatProbability(double p) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", p);
  return buf;
}

classifiers::Sensitivity LevelOf(const std::string& name) {
  classifiers::Sensitivity level = classifiers::Sensitivity::kNormal;
  classifiers::ParseSensitivity(name, &level);
  return level;
}

// Rules of the "abuse." family count for abuse, every other rule for spam.
bool IsAbuseRule(std::string_view id) { return id.substr(0, 6) == "abuse."; }

}  // namespace

std::shared_ptr<const rules::RuleSet> CompileRules(std::string_view text, std::string_view origin,
                                                   const std::string& base_dir,
                                                   std::vector<std::string>* errors,
                                                   bool confine_list_files) {
  rules::CompileOptions options;
  options.normalize_literal = [](std::string_view s) { return classifiers::Normalize(s).text; };
  options.base_dir = base_dir;
  options.confine_list_files = confine_list_files;
  auto compiled = rules::RuleSet::Compile(text, origin, options, errors);
  if (!compiled) return nullptr;
  // A large rule set is hundreds of MB of small RE2 and index allocations.
  // When the last engine using it lets go (a reload replaced it), glibc
  // keeps the freed pages in its arenas, so RSS stayed at the old peak and
  // grew with every load-and-revert cycle: hand them back to the kernel.
  return std::shared_ptr<const rules::RuleSet>(compiled.release(), [](const rules::RuleSet* r) {
    delete r;
    malloc_trim(0);
  });
}

Engine::Engine(std::shared_ptr<const rules::RuleSet> rules,
               std::shared_ptr<const classifiers::Judge> judge, ClassifierConfig weights,
               std::shared_ptr<Velocity> velocity, std::shared_ptr<Sites> sites,
               RunningRules running_rules)
    : rules_(std::move(rules)),
      judge_(std::move(judge)),
      weights_(std::move(weights)),
      velocity_(std::move(velocity)),
      sites_(std::move(sites)),
      running_rules_(std::move(running_rules)) {}

std::shared_ptr<const Engine> Engine::WithRules(std::shared_ptr<const rules::RuleSet> rules,
                                                RunningRules running) const {
  return std::make_shared<const Engine>(std::move(rules), judge_, weights_, velocity_, sites_,
                                        std::move(running));
}

std::shared_ptr<const Engine> Engine::WithJudge(
    std::shared_ptr<const classifiers::Judge> judge) const {
  return std::make_shared<const Engine>(rules_, std::move(judge), weights_, velocity_, sites_,
                                        running_rules_);
}

rules::SitePolicy Engine::PolicyFor(std::string_view site) const {
  rules::SitePolicy registry_policy;
  const rules::SitePolicy& file_policy = rules_->policy(site);
  if (sites_ != nullptr && sites_->Current()->Apply(site, file_policy, &registry_policy)) {
    return registry_policy;
  }
  return file_policy;
}

bool Engine::KnowsSite(std::string_view site) const {
  if (sites_ != nullptr && sites_->Current()->Find(site) != nullptr) return true;
  return rules_->HasSite(site);
}

namespace {

// Every text field normalised once; rules and classifier share the result.
struct NormalizedFields {
  explicit NormalizedFields(const CommentInput& c)
      : content(classifiers::Normalize(c.content)),
        name(classifiers::Normalize(c.author_name)),
        email(classifiers::Normalize(c.author_email)),
        url(classifiers::Normalize(c.author_url)),
        thread(classifiers::Normalize(c.thread)) {}

  // The normalised and the raw text of a field a rule can match.
  std::pair<const classifiers::NormalizedText*, std::string_view> Texts(
      rules::Field field, const CommentInput& c) const {
    switch (field) {
      case rules::Field::kContent:
      case rules::Field::kLinks:
        return {&content, c.content};
      case rules::Field::kAuthorName:
        return {&name, c.author_name};
      case rules::Field::kAuthorEmail:
        return {&email, c.author_email};
      case rules::Field::kAuthorUrl:
        return {&url, c.author_url};
      case rules::Field::kThread:
        return {&thread, c.thread};
      default:
        return {nullptr, {}};
    }
  }

  classifiers::NormalizedText content, name, email, url, thread;
};

// Step 3: what the rules see (fields, links, features, velocity). The view
// points into `c`, `n` and `links`, which must outlive it.
rules::CommentView BuildView(const CommentInput& c, const NormalizedFields& n,
                             const std::vector<Link>& links, const std::string& language,
                             Velocity* velocity, const EvaluateOptions& options) {
  rules::CommentView view;
  view.site = c.site;
  view.language = language;
  view.content = {n.content.text, c.content};
  view.author_name = {n.name.text, c.author_name};
  view.author_email = {n.email.text, c.author_email};
  view.author_url = {n.url.text, c.author_url};
  view.thread = {n.thread.text, c.thread};
  view.author_ip = c.author_ip;
  std::set<std::string_view> domains;
  view.links.reserve(links.size());
  for (const Link& l : links) {
    view.links.push_back({l.url, l.host, l.domain, l.path, l.raw_begin, l.raw_end});
    domains.insert(l.domain);
  }
  const classifiers::TextFeatures tf = classifiers::ComputeTextFeatures(c.content);
  rules::Features& f = view.features;
  f.length = tf.length;
  f.link_count = static_cast<double>(links.size());
  f.distinct_domains = static_cast<double>(domains.size());
  f.uppercase_ratio = tf.uppercase_ratio;
  f.max_repeat_run = tf.max_repeat_run;
  f.invisible_count = n.content.invisible_count + n.name.invisible_count;
  f.bidi_count = n.content.bidi_control_count + n.name.bidi_control_count;
  f.mixed_script_words = n.content.mixed_script_words + n.name.mixed_script_words;
  f.emoji_count = tf.emoji_count;
  if (velocity != nullptr) {
    Velocity::Counts vc =
        velocity->Observe(c.site, c.author_ip, n.email.text, n.content.text,
                          options.now_ms ? options.now_ms : base::NowMs(), options.record_velocity);
    f.velocity_ip = vc.ip;
    f.velocity_email = vc.email;
    f.velocity_content = vc.content;
  }
  if (options.reputation != nullptr) {
    f.author_approved = static_cast<double>(options.reputation->approved);
    f.author_rejected = static_cast<double>(options.reputation->rejected);
  }
  return view;
}

// One rule hit as a reason, its spans mapped back to the bytes the user sent.
VerdictReason ReasonFor(const rules::RuleInfo& info, const rules::Hit& hit, const CommentInput& c,
                        const NormalizedFields& n, const rules::CommentView& view) {
  VerdictReason r;
  r.reason.rule_id = info.id;
  r.reason.description = info.description;
  r.reason.score = info.score;
  r.reason.shadow = info.mode == rules::Mode::kShadow;
  for (const rules::MatchSpan& s : hit.spans) {
    auto [norm, raw] = n.Texts(s.field, c);
    size_t b = s.begin, e = s.end;
    if (s.field == rules::Field::kLinks && s.link >= 0 &&
        static_cast<size_t>(s.link) < view.links.size()) {
      b = view.links[s.link].raw_begin;
      e = view.links[s.link].raw_end;
    } else if (norm != nullptr && !s.raw) {
      auto span = norm->ToInput(std::min(b, norm->text.size()), std::min(e, norm->text.size()));
      b = span.begin;
      e = span.end;
    }
    if (norm == nullptr || e > raw.size() || b > e) continue;
    if (r.spans.empty()) {
      r.reason.field =
          s.field == rules::Field::kLinks ? "content" : std::string(rules::FieldName(s.field));
      r.reason.begin = static_cast<int64_t>(b);
      r.reason.end = static_cast<int64_t>(e);
      r.reason.excerpt = std::string(base::Utf8Prefix(raw.substr(b, e - b), kMaxExcerptBytes));
    }
    r.spans.emplace_back(b, e);
  }
  if (r.spans.empty() && !hit.spans.empty()) {
    r.reason.field = std::string(rules::FieldName(hit.spans.front().field));
  }
  return r;
}

// What the reasons add up to before the thresholds.
struct Tally {
  double total = 0;
  bool reject = false, accept = false, hold = false;
  std::vector<VerdictReason> shadow;  // reported after the others, never counted
};

VerdictReason PolicyReason(std::string id, std::string description, const char* field) {
  VerdictReason r;
  r.reason.rule_id = std::move(id);
  r.reason.description = std::move(description);
  if (field != nullptr) r.reason.field = field;
  return r;
}

// Step 7: an explicit reject wins, then an explicit accept (allow-list
// rules), then holds and the score thresholds; and which label to blame.
void Decide(const Tally& t, const rules::SitePolicy& policy, Verdict* v) {
  v->score = t.total;
  v->trace.forced = t.reject || t.accept || t.hold;
  v->trace.forced_action = t.reject   ? rules::Action::kReject
                           : t.accept ? rules::Action::kAccept
                           : t.hold   ? rules::Action::kHold
                                      : rules::Action::kAccept;
  if (t.reject) {
    v->action = rules::Action::kReject;
  } else if (t.accept) {
    v->action = rules::Action::kAccept;
  } else if (t.total >= policy.reject_at) {
    v->action = rules::Action::kReject;
  } else if (t.hold || t.total >= policy.hold_at) {
    v->action = rules::Action::kHold;
  } else {
    v->action = rules::Action::kAccept;
  }
  if (v->action == rules::Action::kAccept) return;
  double spam_side = v->trace.classifier_points[0], abuse_side = v->trace.classifier_points[1];
  for (const VerdictReason& r : v->reasons) {
    if (r.reason.rule_id.rfind("classifier.", 0) == 0) continue;
    (IsAbuseRule(r.reason.rule_id) ? abuse_side : spam_side) += r.reason.score;
  }
  v->trace.primary = abuse_side > spam_side ? "abuse" : "spam";
}

}  // namespace

Verdict Engine::Evaluate(const CommentInput& c, const EvaluateOptions& options) const {
  // Backtests (precomputed labels) are not live traffic: not timed.
  metrics::ScopedTimer timer(metrics::Metrics().engine_duration.With(), !options.labels);
  Verdict v;
  v.rules_version = rules_->version();

  // 0. The site's policy: thresholds, languages, sensitivity.
  const rules::SitePolicy policy = options.policy ? *options.policy : PolicyFor(c.site);
  v.trace.hold_at = policy.hold_at;
  v.trace.reject_at = policy.reject_at;
  v.trace.sensitivity = policy.sensitivity;

  // 1. Normalise; 2. language, on the text as sent; 3. links and features.
  const NormalizedFields n(c);
  v.language = options.language
                   ? *options.language
                   : classifiers::DetectLanguage(c.content, c.lang_hint, policy.languages);
  const std::vector<Link> links = ExtractLinks(n.content, c.content);
  const rules::CommentView view = BuildView(
      c, n, links, v.language.code, options.velocity ? options.velocity : velocity_.get(), options);

  // 4. Rules.
  Tally t;
  const rules::Matches matches = rules_->Match(view);
  v.complete = matches.complete;
  for (const rules::Hit& hit : matches.hits) {
    const rules::RuleInfo& info = rules_->rule(hit.rule);
    VerdictReason r = ReasonFor(info, hit, c, n, view);
    if (r.reason.shadow) {
      t.shadow.push_back(std::move(r));
      continue;
    }
    t.total += info.score;
    v.trace.rule_points += info.score;
    t.reject = t.reject || info.action == rules::Action::kReject;
    t.accept = t.accept || info.action == rules::Action::kAccept;
    t.hold = t.hold || info.action == rules::Action::kHold;
    v.reasons.push_back(std::move(r));
  }

  // 5. Models.
  t.total += AddModelReasons(c, n.content.text, policy, options, &v);

  // 6. Policy: languages the site allows, and rules that could not finish.
  if (!policy.languages.empty() && v.language.reliable &&
      std::find(policy.languages.begin(), policy.languages.end(), v.language.code) ==
          policy.languages.end()) {
    t.hold = true;
    v.reasons.push_back(
        PolicyReason("policy.language",
                     "language '" + v.language.code + "' is not allowed on this site", "content"));
  }
  if (!v.complete) {
    t.hold = true;
    v.reasons.push_back(PolicyReason(
        "engine.incomplete", "a rule could not be evaluated within its memory budget", nullptr));
  }

  Decide(t, policy, &v);
  for (auto& r : t.shadow) v.reasons.push_back(std::move(r));
  return v;
}

// Step 5: calibrated for the language, the site's own model for its comments
// only, points at the site's sensitivity, scaled by the weights. Returns the
// points added.
double Engine::AddModelReasons(const CommentInput& c, const std::string& normalized,
                               const rules::SitePolicy& policy, const EvaluateOptions& options,
                               Verdict* v) const {
  const classifiers::Sensitivity level = LevelOf(policy.sensitivity);
  classifiers::Judgement judged;
  if (options.labels != nullptr) {
    const classifiers::Prediction stored{*options.labels};
    judged = judge_->FromCalibrated({stored.Get("spam"), stored.Get("abuse")}, v->language.code,
                                    c.site, level);
  } else {
    judged = metrics::Timed(metrics::Metrics().classifier_duration.With(), [&] {
      return judge_->Evaluate(normalized, v->language.code, c.site, level);
    });
  }
  v->model_version = judged.version;
  v->trace.site_model = judged.site_model;
  v->labels = {{"abuse", judged.labels[1].q}, {"ham", judged.ham}, {"spam", judged.labels[0].q}};
  const ClassifierConfig::Weights weights = weights_.For(c.site);  // classifier.sites
  const double scale[2] = {weights.spam_weight, weights.abuse_weight};
  const classifiers::LanguageGroup group = classifiers::GroupOf(v->language.code);
  double total = 0;
  for (size_t l = 0; l < classifiers::kDecisionLabels.size(); ++l) {
    const double add = scale[l] * judged.labels[l].points;
    v->trace.classifier_points[l] = add;
    if (add < 0.005) continue;
    total += add;
    const std::string label(classifiers::kDecisionLabels[l]);
    VerdictReason r = PolicyReason(
        "classifier." + label,
        "classifier: " + label + " probability " + FormatProbability(judged.labels[l].q) + " (" +
            std::string(classifiers::GroupName(group)) + ", " + policy.sensitivity +
            " sensitivity" + (judged.site_model ? ", with the site's own model" : "") + ")",
        "content");
    r.reason.score = add;
    v->reasons.push_back(std::move(r));
  }
  return total;
}

}  // namespace moderated

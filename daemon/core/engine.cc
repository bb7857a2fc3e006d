#include "daemon/core/engine.h"

#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <set>

#include "base/strings.h"
#include "base/time.h"
#include "classifiers/normalizer.h"
#include "classifiers/text_features.h"
#include "daemon/core/links.h"
#include "daemon/core/metrics.h"
#include "daemon/core/velocity.h"

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

std::string_view StatusFor(rules::Action action) {
  switch (action) {
    case rules::Action::kReject: return "rejected";
    case rules::Action::kHold: return "pending";
    default: return "approved";
  }
}

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

Verdict Engine::Evaluate(const CommentInput& c, const EvaluateOptions& options) const {
  using classifiers::Normalize;
  using classifiers::NormalizedText;
  // Backtests (precomputed labels) are not live traffic: not timed.
  metrics::ScopedTimer timer(metrics::Metrics().engine_duration.With(), !options.labels);
  Verdict v;
  v.rules_version = rules_->version();

  // 0. The site's policy: thresholds, languages, sensitivity.
  const rules::SitePolicy policy = options.policy ? *options.policy : PolicyFor(c.site);
  v.trace.hold_at = policy.hold_at;
  v.trace.reject_at = policy.reject_at;
  v.trace.sensitivity = policy.sensitivity;

  // 1. Normalise every text field once; rules and classifier share the result.
  const NormalizedText content = Normalize(c.content);
  const NormalizedText name = Normalize(c.author_name);
  const NormalizedText email = Normalize(c.author_email);
  const NormalizedText url = Normalize(c.author_url);
  const NormalizedText thread = Normalize(c.thread);

  // 2. Language, on the text as sent.
  v.language = options.language
                   ? *options.language
                   : classifiers::DetectLanguage(c.content, c.lang_hint, policy.languages);

  // 3. Links and features.
  std::vector<Link> links = ExtractLinks(content, c.content);
  classifiers::TextFeatures tf = classifiers::ComputeTextFeatures(c.content);
  rules::CommentView view;
  view.site = c.site;
  view.language = v.language.code;
  view.content = {content.text, c.content};
  view.author_name = {name.text, c.author_name};
  view.author_email = {email.text, c.author_email};
  view.author_url = {url.text, c.author_url};
  view.thread = {thread.text, c.thread};
  view.author_ip = c.author_ip;
  std::set<std::string_view> domains;
  view.links.reserve(links.size());
  for (const Link& l : links) {
    view.links.push_back({l.url, l.host, l.domain, l.path, l.raw_begin, l.raw_end});
    domains.insert(l.domain);
  }
  rules::Features& f = view.features;
  f.length = tf.length;
  f.link_count = static_cast<double>(links.size());
  f.distinct_domains = static_cast<double>(domains.size());
  f.uppercase_ratio = tf.uppercase_ratio;
  f.max_repeat_run = tf.max_repeat_run;
  f.invisible_count = content.invisible_count + name.invisible_count;
  f.bidi_count = content.bidi_control_count + name.bidi_control_count;
  f.mixed_script_words = content.mixed_script_words + name.mixed_script_words;
  f.emoji_count = tf.emoji_count;
  if (Velocity* vel = options.velocity ? options.velocity : velocity_.get()) {
    Velocity::Counts vc = vel->Observe(c.site, c.author_ip, email.text, content.text,
                                       options.now_ms ? options.now_ms : base::NowMs(),
                                       options.record_velocity);
    f.velocity_ip = vc.ip;
    f.velocity_email = vc.email;
    f.velocity_content = vc.content;
  }
  if (options.reputation != nullptr) {
    f.author_approved = static_cast<double>(options.reputation->approved);
    f.author_rejected = static_cast<double>(options.reputation->rejected);
  }

  // 4. Rules.
  rules::Matches matches = rules_->Match(view);
  v.complete = matches.complete;

  auto field_texts = [&](rules::Field field) -> std::pair<const NormalizedText*, std::string_view> {
    switch (field) {
      case rules::Field::kContent:
      case rules::Field::kLinks: return {&content, c.content};
      case rules::Field::kAuthorName: return {&name, c.author_name};
      case rules::Field::kAuthorEmail: return {&email, c.author_email};
      case rules::Field::kAuthorUrl: return {&url, c.author_url};
      case rules::Field::kThread: return {&thread, c.thread};
      default: return {nullptr, {}};
    }
  };

  double total = 0;
  bool reject = false, accept = false, hold = false;
  std::vector<VerdictReason> shadow;
  for (const rules::Hit& hit : matches.hits) {
    const rules::RuleInfo& info = rules_->rule(hit.rule);
    VerdictReason r;
    r.reason.rule_id = info.id;
    r.reason.description = info.description;
    r.reason.score = info.score;
    r.reason.shadow = info.mode == rules::Mode::kShadow;
    for (const rules::MatchSpan& s : hit.spans) {
      auto [norm, raw] = field_texts(s.field);
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
        r.reason.field = s.field == rules::Field::kLinks ? "content"
                                                          : std::string(rules::FieldName(s.field));
        r.reason.begin = static_cast<int64_t>(b);
        r.reason.end = static_cast<int64_t>(e);
        r.reason.excerpt = std::string(base::Utf8Prefix(raw.substr(b, e - b), kMaxExcerptBytes));
      }
      r.spans.emplace_back(b, e);
    }
    if (r.spans.empty() && !hit.spans.empty()) {
      r.reason.field = std::string(rules::FieldName(hit.spans.front().field));
    }
    if (r.reason.shadow) {
      shadow.push_back(std::move(r));
      continue;
    }
    total += info.score;
    v.trace.rule_points += info.score;
    if (info.action == rules::Action::kReject) reject = true;
    if (info.action == rules::Action::kAccept) accept = true;
    if (info.action == rules::Action::kHold) hold = true;
    v.reasons.push_back(std::move(r));
  }

  // 5. Models: calibrated for the language, the site's own model for its
  // comments only, points at the site's sensitivity, scaled by the weights.
  const classifiers::Sensitivity level = LevelOf(policy.sensitivity);
  classifiers::Judgement judged;
  if (options.labels != nullptr) {
    const classifiers::Prediction stored{*options.labels};
    judged = judge_->FromCalibrated({stored.Get("spam"), stored.Get("abuse")}, v.language.code,
                                    c.site, level);
  } else {
    judged = metrics::Timed(metrics::Metrics().classifier_duration.With(), [&] {
      return judge_->Evaluate(content.text, v.language.code, c.site, level);
    });
  }
  v.model_version = judged.version;
  v.trace.site_model = judged.site_model;
  v.labels = {{"abuse", judged.labels[1].q}, {"ham", judged.ham}, {"spam", judged.labels[0].q}};
  const ClassifierConfig::Weights weights = weights_.For(c.site);  // classifier.sites
  const double scale[2] = {weights.spam_weight, weights.abuse_weight};
  const classifiers::LanguageGroup group = classifiers::GroupOf(v.language.code);
  for (size_t l = 0; l < classifiers::kDecisionLabels.size(); ++l) {
    const double add = scale[l] * judged.labels[l].points;
    v.trace.classifier_points[l] = add;
    if (add < 0.005) continue;
    total += add;
    const std::string label(classifiers::kDecisionLabels[l]);
    VerdictReason r;
    r.reason.rule_id = "classifier." + label;
    r.reason.description = "classifier: " + label + " probability " +
                           FormatProbability(judged.labels[l].q) + " (" +
                           std::string(classifiers::GroupName(group)) + ", " +
                           policy.sensitivity + " sensitivity" +
                           (judged.site_model ? ", with the site's own model" : "") + ")";
    r.reason.field = "content";
    r.reason.score = add;
    v.reasons.push_back(std::move(r));
  }

  // 6. Policy: languages the site allows.
  if (!policy.languages.empty() && v.language.reliable &&
      std::find(policy.languages.begin(), policy.languages.end(), v.language.code) ==
          policy.languages.end()) {
    hold = true;
    VerdictReason r;
    r.reason.rule_id = "policy.language";
    r.reason.description = "language '" + v.language.code + "' is not allowed on this site";
    r.reason.field = "content";
    v.reasons.push_back(std::move(r));
  }
  if (!v.complete) {
    hold = true;
    VerdictReason r;
    r.reason.rule_id = "engine.incomplete";
    r.reason.description = "a rule could not be evaluated within its memory budget";
    v.reasons.push_back(std::move(r));
  }

  // 7. Decision: an explicit reject wins, then an explicit accept (allow-list
  // rules), then holds and the score thresholds.
  v.score = total;
  v.trace.forced = reject || accept || hold;
  v.trace.forced_action = reject   ? rules::Action::kReject
                          : accept ? rules::Action::kAccept
                          : hold   ? rules::Action::kHold
                                   : rules::Action::kAccept;
  if (reject) {
    v.action = rules::Action::kReject;
  } else if (accept) {
    v.action = rules::Action::kAccept;
  } else if (total >= policy.reject_at) {
    v.action = rules::Action::kReject;
  } else if (hold || total >= policy.hold_at) {
    v.action = rules::Action::kHold;
  } else {
    v.action = rules::Action::kAccept;
  }
  if (v.action != rules::Action::kAccept) {
    double spam_side = v.trace.classifier_points[0], abuse_side = v.trace.classifier_points[1];
    for (const VerdictReason& r : v.reasons) {
      if (r.reason.rule_id.rfind("classifier.", 0) == 0) continue;
      (IsAbuseRule(r.reason.rule_id) ? abuse_side : spam_side) += r.reason.score;
    }
    v.trace.primary = abuse_side > spam_side ? "abuse" : "spam";
  }
  for (auto& r : shadow) v.reasons.push_back(std::move(r));
  return v;
}

}  // namespace moderated

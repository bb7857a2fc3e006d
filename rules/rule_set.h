// rules/rule_set.h
//
// RuleSet: a compiled, immutable set of moderation rules written in the YAML
// rule language (docs/rules.md).
//
// Build one with Compile() at start-up or on reload, then share it freely:
// Match() is const and may be called from any number of threads at once. To
// change rules, compile a new RuleSet and swap the shared_ptr that holds it;
// requests in flight keep the one they started with.
//
// RE2 never appears in this header. Internally there is one RE2::Set per
// field; the individual RE2 of a rule runs only when the set reports it, to
// extract the matched span.
#ifndef MODERATED_RULES_RULE_SET_H_
#define MODERATED_RULES_RULE_SET_H_

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace moderated::rules {

// Every field a rule can look at. FieldName() gives the spelling used in rule
// files and in API responses ("content", "author.name", ...).
enum class Field {
  kContent,
  kAuthorName,
  kAuthorEmail,
  kAuthorUrl,
  kAuthorIp,
  kThread,
  kLinks,  // every URL found in the content (see LinkView)
  kLanguage,
  kSite,
};
std::string_view FieldName(Field field);

enum class Action { kNone, kAccept, kHold, kReject };
std::string_view ActionName(Action action);  // "none", "accept", "hold", "reject"

// A text field as the rules see it: the normalised text (classifiers::
// Normalize) that rules match by default, and the text as the user sent it
// for rules with `raw: true`.
struct TextField {
  std::string_view normalized;
  std::string_view raw;
};

// One link found in the content. Views into strings the caller owns.
struct LinkView {
  std::string_view url;     // as written in the content
  std::string_view host;    // lower-case host name or IP literal
  std::string_view domain;  // registrable domain ("example.co.uk"), or host if unknown
  std::string_view path;
  size_t raw_begin = 0;  // span of the URL in the raw content, [raw_begin, raw_end)
  size_t raw_end = 0;
};

// Numeric features of a comment, computed by the daemon before matching.
// Rules compare them with `feature:` conditions; names as in FeatureNames().
//
// Features may grow: this is the hook for signals the rules cannot compute
// from one comment, e.g. velocity ("same IP / e-mail / content seen N times
// in the last S seconds"), which the daemon will count itself. To add one,
// append a member here and its name to the table behind FeatureNames() in
// rule_set.cc; existing rule files keep working, and rules can then say
// `{feature: same_ip_10m, ">=": 5}`.
struct Features {
  double length = 0;              // content length in code points
  double link_count = 0;          // number of links
  double distinct_domains = 0;    // number of distinct registrable domains
  double uppercase_ratio = 0;     // uppercase letters / letters, 0 if no letters
  double max_repeat_run = 0;      // longest run of one repeated character
  double invisible_count = 0;     // invisible characters removed by normalisation
  double bidi_count = 0;          // bidi control characters among them
  double mixed_script_words = 0;  // words mixing Latin with Cyrillic/Greek
  double emoji_count = 0;         // emoji code points
  // Velocity (daemon/engine/velocity.h): comments seen in the last velocity window,
  // this one included, with the same author IP / e-mail / normalised content.
  double velocity_ip = 0;
  double velocity_email = 0;
  double velocity_content = 0;
  // Author reputation (docs/review.md): the author's comments approved /
  // rejected so far, by e-mail, else by IP. The daemon fills them only when
  // some rule reads them (RuleSet::UsesFeature): they cost a database read.
  double author_approved = 0;
  double author_rejected = 0;
};

// The names of the Features members, in declaration order ("length",
// "link_count", ...): what `feature:` conditions may name.
const std::vector<std::string_view>& FeatureNames();

// What a rule may look at. Views only: the caller keeps everything alive for
// the duration of Match().
struct CommentView {
  std::string_view site;
  std::string_view language;  // detected language code ("ar", "ru", "en", "und")
  TextField content;
  TextField author_name;
  TextField author_email;
  TextField author_url;
  TextField thread;
  std::string_view author_ip;  // textual IPv4 or IPv6 address, may be empty
  std::vector<LinkView> links;
  Features features;
};

// Where a rule matched. For text fields, [begin, end) are byte offsets into
// TextField::normalized, or into TextField::raw when `raw` is true; the
// daemon maps normalised offsets back to what the user sent. For kLinks,
// `link` is the index into CommentView::links and [begin, end) is that
// link's [raw_begin, raw_end) in the raw content (`raw` is true), whichever
// part of the link matched. Conditions that compare a whole text field
// (equals, in_list, domain_in) report the whole field. Feature, IP, site and
// language conditions report no span. At most 8 spans per condition and 32
// per hit are reported, sorted and without duplicates.
struct MatchSpan {
  Field field = Field::kContent;
  bool raw = false;
  size_t begin = 0;
  size_t end = 0;
  int link = -1;
};

struct Hit {
  int rule = 0;  // index into the rule table (rule(i)), stable for this RuleSet
  std::vector<MatchSpan> spans;
};

struct Matches {
  std::vector<Hit> hits;  // in rule-file order; shadow rules included
  bool complete = true;   // false if RE2 ran out of memory on some field:
                          // "could not decide", not "no match"
};

// kShadow rules are matched and reported (so their hit rate can be watched
// before they are enforced) but must never change the verdict; the daemon's
// policy ignores their score and action.
enum class Mode { kEnforce, kShadow };
std::string_view ModeName(Mode mode);  // "enforce", "shadow"

// A rule as written, after validation.
struct RuleInfo {
  std::string id;
  std::string description;
  double score = 0;
  Action action = Action::kNone;
  Mode mode = Mode::kEnforce;
  bool enabled = true;                 // disabled rules are listed but never hit
  std::vector<std::string> sites;      // scope, lower-case; empty = every site
  std::vector<std::string> languages;  // scope, lower-case; empty = every language
  int line = 0;                        // 1-based line of the rule in the source
};

// Per-site policy from the rule file; sites without an entry get the defaults.
struct SitePolicy {
  double hold_at = 5.0;                // total score >= hold_at → hold
  double reject_at = 10.0;             // total score >= reject_at → reject
  std::vector<std::string> languages;  // allowed languages; empty = all
  // How eagerly the classifier's points hold comments: "low", "normal" or
  // "high", one of the calibrated levels of the model (docs/classifier.md).
  std::string sensitivity = "normal";
  // Share of accepted comments sampled into the review queue as spot checks
  // (still published; a moderator's decision becomes a label), in [0, 1].
  double spot_check = 0.02;
};

struct CompileOptions {
  // Applied to every literal a rule compares normalised text with (words,
  // phrases, contains/starts/ends), so that rules are written in plain text
  // and still match normalised input. The daemon passes classifiers::
  // Normalize. Identity (default) is for tests that do not care.
  std::function<std::string(std::string_view)> normalize_literal;
  // Directory that relative list file paths are resolved against.
  std::string base_dir;
  // true: a list file must lie inside base_dir (after following symbolic
  // links and ".."), and with base_dir empty no list file may be read at
  // all. For rules that arrive over the API: an admin token must not read
  // the daemon's files. false: any path (the operator's own rule file).
  bool confine_list_files = false;
  // The largest list file read, in bytes. Whatever the setting, only
  // regular files are read (not /dev/zero, FIFOs or directories).
  int64_t max_list_file_bytes = 16 << 20;
  // RE2 memory budget per compiled set, in bytes.
  int64_t re2_max_mem = 64 << 20;
};

class RuleSet {
 public:
  // Parses and compiles `source`. On failure returns nullptr and fills
  // *errors with one line per problem, each "ORIGIN:LINE:COL: message",
  // e.g. "rules.yaml:12:5: unknown field 'bdy'". `origin` is the name used
  // in messages (usually the file path).
  static std::unique_ptr<const RuleSet> Compile(std::string_view source, std::string_view origin,
                                                const CompileOptions& options,
                                                std::vector<std::string>* errors);
  ~RuleSet();
  RuleSet(const RuleSet&) = delete;
  RuleSet& operator=(const RuleSet&) = delete;

  // Returns the rules that fire. Does not throw. Time and memory per call are
  // bounded by limits fixed at Compile().
  Matches Match(const CommentView& comment) const;

  // The rule table, in file order, disabled rules included. `index` must be
  // in [0, size()).
  int size() const;
  const RuleInfo& rule(int index) const;
  // The index of the rule with `id`, or -1.
  int Find(std::string_view id) const;

  // The policy for `site` (its own entry, else the defaults).
  const SitePolicy& policy(std::string_view site) const;
  // True if the file has an entry for `site` under `sites:`.
  bool HasSite(std::string_view site) const;

  // A short, stable identifier of the source text, e.g. "r-5d41402abc4b".
  const std::string& version() const;

  // True if an enabled rule (enforced or shadow) compares feature `name`
  // (one of FeatureNames()). Lets the caller skip computing features no rule
  // reads, e.g. the database lookups behind author_approved/author_rejected.
  bool UsesFeature(std::string_view name) const;

 private:
  struct Impl;
  explicit RuleSet(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace moderated::rules

#endif  // MODERATED_RULES_RULE_SET_H_

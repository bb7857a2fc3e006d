// rules/rule_set.cc
//
// Compilation: rule_parser.cc turns YAML into a RuleFileSpec; this file turns
// each text condition into a "leaf" served by the per-field matcher of the
// text it reads (field, link part, raw or normalised):
//   * regex / contains / starts / ends / equals / multi-word phrases: one
//     pattern in the field's RE2::Set (UNANCHORED), plus an individual RE2
//     that runs only for leaves the set reported, to extract spans;
//   * single words (the bulk of big word lists): a hash index token → leaves,
//     probed once per token of the text (tokens are runs of \pL\pM\pN_, the
//     same Unicode word boundary the phrase patterns use);
//   * in_list / domain_in / cidr: hash sets and sorted CIDR ranges, one
//     lookup per field value.
// Matching therefore costs one set scan and one tokenisation per field, not
// one scan per rule. Each rule's condition tree is then evaluated over the
// leaf results; spans are extracted only for rules that fire.
#include "rules/rule_set.h"

#include <re2/re2.h>
#include <re2/set.h>

#include <algorithm>
#include <atomic>
#include <iterator>
#include <map>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

#include "base/encoding.h"
#include "base/hash.h"
#include "base/strings.h"
#include "rules/cidr.h"
#include "rules/rule_parser.h"
#include "rules/rule_spec.h"
#include "rules/text_util.h"

namespace moderated::rules {

using internal::CidrTable;
using internal::CompareOp;
using internal::Condition;
using internal::FieldRef;
using internal::LinkPart;
using internal::MatchKind;
using internal::SourcePos;
using re2::StringPiece;

namespace {

constexpr int kMaxSpansPerCondition = 8;
constexpr int kMaxCandidateSpans = 32;  // before overlaps are removed
constexpr size_t kMaxSpansPerHit = 32;
// Unicode word boundary: RE2's \b is ASCII-only, so words are delimited by
// anything that is not a letter, mark, digit or underscore. Phrase patterns
// do not spell the boundary out as (?:^|[^\pL\pM\pN_])...: each Unicode
// class compiles to ~1,400 RE2 instructions, which made 1,000 phrase rules
// cost seconds and blow the set's memory budget. Instead the set and the
// phrase RE2 match the bare alternation, and FindWords() checks the code
// points on either side of each candidate with one shared RE2.
constexpr std::string_view kTokenPattern = "([\\pL\\pM\\pN_]+)";
constexpr std::string_view kWordCharPattern = "[\\pL\\pM\\pN_]";

// Whether code point `cp` (-1: a malformed byte) matches kWordCharPattern
// (`word_char`, compiled from it). Each code point is asked of RE2 once per
// process and remembered (a byte per code point, 1.1 MB, filled as text
// shows them): the tokeniser and the word-boundary checks classify every
// character of every comment. Relaxed atomics: racing threads store the
// same answer.
bool IsWordCodePoint(int32_t cp, const RE2& word_char) {
  if (cp < 0) return false;
  if (cp < 0x80) {
    return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9') ||
           cp == '_';
  }
  static std::vector<std::atomic<uint8_t>> known(0x110000);
  std::atomic<uint8_t>& slot = known[static_cast<size_t>(cp)];
  uint8_t v = slot.load(std::memory_order_relaxed);
  if (v == 0) {
    std::string utf8;
    base::AppendUtf8(static_cast<uint32_t>(cp), &utf8);
    v = RE2::FullMatch(utf8, word_char) ? 1 : 2;
    slot.store(v, std::memory_order_relaxed);
  }
  return v == 1;
}

// Features, in declaration order. Adding a feature: a member in
// rule_set.h, a row here.
struct FeatureEntry {
  std::string_view name;
  double Features::*member;
};
constexpr FeatureEntry kFeatures[] = {
    {"length", &Features::length},
    {"link_count", &Features::link_count},
    {"distinct_domains", &Features::distinct_domains},
    {"uppercase_ratio", &Features::uppercase_ratio},
    {"max_repeat_run", &Features::max_repeat_run},
    {"invisible_count", &Features::invisible_count},
    {"bidi_count", &Features::bidi_count},
    {"mixed_script_words", &Features::mixed_script_words},
    {"emoji_count", &Features::emoji_count},
    {"velocity_ip", &Features::velocity_ip},
    {"velocity_email", &Features::velocity_email},
    {"velocity_content", &Features::velocity_content},
    {"author_approved", &Features::author_approved},
    {"author_rejected", &Features::author_rejected},
};

bool IsTextField(Field f) {
  return f == Field::kContent || f == Field::kAuthorName || f == Field::kAuthorEmail ||
         f == Field::kAuthorUrl || f == Field::kThread;
}

std::string FieldRefName(const FieldRef& ref) {
  if (ref.field != Field::kLinks) return std::string(FieldName(ref.field));
  switch (ref.part) {
    case LinkPart::kHost:
      return "links.host";
    case LinkPart::kDomain:
      return "links.domain";
    case LinkPart::kPath:
      return "links.path";
    default:
      return "links.url";
  }
}

bool Compare(double a, CompareOp op, double b) {
  switch (op) {
    case CompareOp::kGt:
      return a > b;
    case CompareOp::kGe:
      return a >= b;
    case CompareOp::kLt:
      return a < b;
    case CompareOp::kLe:
      return a <= b;
    case CompareOp::kEq:
      return a == b;
    case CompareOp::kNe:
      return a != b;
  }
  return false;
}

std::string JoinAlternatives(const std::vector<std::string>& parts) {
  std::string out;
  for (const std::string& p : parts) {
    if (!out.empty()) out += '|';
    out += p;
  }
  return out;
}

// A phrase, or a word with non-word characters ("t.me", "c++"), as a
// pattern: the literal quoted, any run of white space separating words.
std::string PhrasePattern(std::string_view sv) {
  std::string quoted;
  size_t start = 0;
  while (start < sv.size()) {
    size_t sp = sv.find_first_of(" \t\n\r", start);
    std::string_view piece = sv.substr(start, sp == sv.npos ? sv.npos : sp - start);
    if (!piece.empty()) {
      if (!quoted.empty()) quoted += "\\s+";
      quoted += RE2::QuoteMeta(StringPiece(piece.data(), piece.size()));
    }
    if (sp == sv.npos) break;
    start = sp + 1;
  }
  return quoted;
}

using StringSet = std::unordered_set<std::string>;

// A compiled text condition.
struct Leaf {
  int matcher = -1;  // index into Impl::matchers
  MatchKind kind = MatchKind::kRegex;
  bool fold = false;  // case-insensitive
  SourcePos pos;
  std::unique_ptr<RE2> re;                  // span extraction for set-based leaves
  int group = 0;                            // submatch holding the span
  bool words = false;                       // phrase alternation: check word boundaries
  std::shared_ptr<const StringSet> values;  // kInList, kDomainIn
  std::shared_ptr<const CidrTable> cidrs;   // kCidr
};

// Everything that reads one text (field + link part + raw).
struct FieldMatcher {
  FieldRef ref;
  struct Pending {
    std::string pattern;
    int leaf;
  };
  std::vector<Pending> pending;  // set patterns, until the set is compiled
  std::unique_ptr<RE2::Set> set;
  std::vector<int> set_leaves;                                      // set index → leaf
  std::unordered_map<std::string, std::vector<int>> tokens;         // case-sensitive
  std::unordered_map<std::string, std::vector<int>> folded_tokens;  // keys FoldCase()d
  std::vector<int> lookup_leaves;                                   // kInList, kDomainIn, kCidr
};

struct Node {
  Condition::Type type = Condition::Type::kAll;
  int leaf = -1;
  int feature = -1;
  std::vector<std::pair<CompareOp, double>> comparisons;
  std::vector<Node> children;
};

}  // namespace

struct RuleSet::Impl {
  class Compiler;

  std::vector<RuleInfo> infos;
  std::vector<Node> roots;  // parallel to infos
  std::unordered_map<std::string, int> ids;
  SitePolicy defaults;
  std::unordered_map<std::string, SitePolicy> sites;
  std::vector<Leaf> leaves;
  std::vector<FieldMatcher> matchers;
  std::unique_ptr<RE2> tokenizer;
  std::unique_ptr<RE2> word_char;
  std::string version;
  std::vector<char> features_used;  // by FeatureNames() index, enabled rules only
  // Which rules Match() evaluates: a rule that can only hold when one of
  // its text conditions matched is listed under each of those leaves (so a
  // comment costs the rules it could satisfy, not all of them); the others
  // (features, negations) are evaluated for every comment.
  std::vector<std::vector<int>> rules_by_leaf;
  std::vector<int> unconditional_rules;

  // Per-Match scratch: which leaves matched and where.
  struct Record {
    int leaf;
    int unit;  // link index for links.*, else 0
    size_t begin;
    size_t end;
    std::string_view text;  // the unit's text, for set leaves (spans found later)
    bool needs_regex;
  };
  struct State {
    std::vector<char> hit;
    std::vector<Record> records;  // sorted by leaf before span collection
  };

  static std::vector<std::string_view> Units(const CommentView& c, const FieldRef& ref);
  bool Eval(const Node& node, const CommentView& c, const State& st) const;
  void Collect(const Node& node, const CommentView& c, const State& st,
               std::vector<MatchSpan>* spans) const;
  void LeafSpans(int leaf, const CommentView& c, const State& st,
                 std::vector<MatchSpan>* spans) const;
  void LeafSpansUnfiltered(int leaf, const CommentView& c, const State& st,
                           std::vector<MatchSpan>* spans) const;
  bool Lookup(const Leaf& leaf, const FieldRef& ref, std::string_view value) const;
  bool IsWordChar(std::string_view text, size_t pos) const;
  void FindWords(int leaf, int unit, std::string_view text, State* st) const;
  // Match(), step by step: one unit of a field against the set, the token
  // tables and the lookups; whether a rule applies to the site and
  // language; a hit's spans.
  void MatchUnit(const FieldMatcher& m, std::string_view text, int unit, State* st,
                 bool* complete) const;
  void MatchTokens(const FieldMatcher& m, std::string_view text, int unit, State* st) const;
  static bool Applies(const RuleInfo& info, const std::string& site, const std::string& language);
  Hit MakeHit(int rule, const CommentView& c, const State& st) const;
};

// Builds an Impl from a spec; collects errors that only RE2 can find.
class RuleSet::Impl::Compiler {
 public:
  Compiler(std::string_view origin, const CompileOptions& options, RuleSet::Impl* impl,
           std::vector<std::string>* errors)
      : origin_(origin), options_(options), impl_(impl), errors_(errors) {}

  void Run(internal::RuleFileSpec& spec) {
    spec_ = &spec;
    RE2::Options topts;
    topts.set_log_errors(false);
    impl_->tokenizer = std::make_unique<RE2>(kTokenPattern, topts);
    impl_->word_char = std::make_unique<RE2>(kWordCharPattern, topts);
    impl_->defaults = spec.defaults;
    for (auto& [name, policy] : spec.sites) impl_->sites[name] = policy;
    impl_->features_used.assign(FeatureNames().size(), 0);
    for (internal::RuleSpec& rule : spec.rules) {
      impl_->ids.emplace(rule.info.id, static_cast<int>(impl_->infos.size()));
      impl_->roots.push_back(CompileNode(rule.match));
      if (rule.info.enabled) MarkFeatures(impl_->roots.back());
      impl_->infos.push_back(std::move(rule.info));
    }
    CompileSets();
    IndexRulesByLeaf();
  }

 private:
  // Leaves one of which must have matched for `node` to hold, into *out;
  // false if it can hold without any (a feature, a negation).
  static bool RequiredLeaves(const Node& node, std::vector<int>* out) {
    switch (node.type) {
      case Condition::Type::kText:
        out->push_back(node.leaf);
        return true;
      case Condition::Type::kAny: {
        for (const Node& child : node.children) {
          if (!RequiredLeaves(child, out)) return false;
        }
        return !node.children.empty();
      }
      case Condition::Type::kAll: {
        // Any one child's requirement is the whole condition's; take the
        // narrowest.
        std::vector<int> best, candidate;
        bool found = false;
        for (const Node& child : node.children) {
          candidate.clear();
          if (RequiredLeaves(child, &candidate) && (!found || candidate.size() < best.size())) {
            best.swap(candidate);
            found = true;
          }
        }
        out->insert(out->end(), best.begin(), best.end());
        return found;
      }
      default:
        return false;
    }
  }

  void IndexRulesByLeaf() {
    impl_->rules_by_leaf.assign(impl_->leaves.size(), {});
    std::vector<int> leaves;
    for (size_t i = 0; i < impl_->roots.size(); ++i) {
      leaves.clear();
      if (!RequiredLeaves(impl_->roots[i], &leaves)) {
        impl_->unconditional_rules.push_back(static_cast<int>(i));
        continue;
      }
      std::sort(leaves.begin(), leaves.end());
      leaves.erase(std::unique(leaves.begin(), leaves.end()), leaves.end());
      for (int leaf : leaves) impl_->rules_by_leaf[leaf].push_back(static_cast<int>(i));
    }
  }

  void Error(SourcePos pos, std::string_view msg) {
    errors_->push_back(internal::FormatError(origin_, pos, msg));
  }

  RE2::Options RegexOptions(bool fold, bool capture) const {
    RE2::Options o;
    o.set_encoding(RE2::Options::EncodingUTF8);
    o.set_log_errors(false);
    o.set_case_sensitive(!fold);
    o.set_never_capture(!capture);
    // Per-regex budget: a quarter of the per-set budget.
    o.set_max_mem(std::max<int64_t>(options_.re2_max_mem / 4, 1 << 20));
    return o;
  }

  int MatcherFor(const FieldRef& ref) {
    for (size_t i = 0; i < impl_->matchers.size(); ++i) {
      if (impl_->matchers[i].ref == ref) return static_cast<int>(i);
    }
    impl_->matchers.emplace_back();
    impl_->matchers.back().ref = ref;
    return static_cast<int>(impl_->matchers.size() - 1);
  }

  // The literals of `c` as the text will look: normalised when the condition
  // reads normalised text, and case-folded when it is case-insensitive.
  std::vector<std::string> Literals(const Condition& c, bool fold) {
    const std::vector<std::string>& raw = c.list >= 0 ? spec_->lists[c.list].entries : c.values;
    bool normalize = IsTextField(c.field.field) && !c.field.raw && options_.normalize_literal;
    std::vector<std::string> out;
    out.reserve(raw.size());
    for (const std::string& v : raw) {
      std::string s = normalize ? options_.normalize_literal(v) : v;
      out.push_back(fold ? internal::FoldCase(s) : std::move(s));
    }
    return out;
  }

  void MarkFeatures(const Node& node) {
    if (node.type == Condition::Type::kFeature) impl_->features_used[node.feature] = 1;
    for (const Node& child : node.children) MarkFeatures(child);
  }

  Node CompileNode(const Condition& c) {
    Node node;
    node.type = c.type;
    node.feature = c.feature;
    node.comparisons = c.comparisons;
    for (const Condition& child : c.children) node.children.push_back(CompileNode(child));
    if (c.type == Condition::Type::kText) node.leaf = CompileLeaf(c);
    return node;
  }

  int CompileLeaf(const Condition& c) {
    int id = static_cast<int>(impl_->leaves.size());
    impl_->leaves.emplace_back();
    Leaf& leaf = impl_->leaves.back();
    leaf.matcher = MatcherFor(c.field);
    leaf.kind = c.kind;
    leaf.fold = !c.case_sensitive;
    leaf.pos = c.pos;
    FieldMatcher& m = impl_->matchers[leaf.matcher];
    std::string pattern;  // for the set and the span RE2, if any
    switch (c.kind) {
      case MatchKind::kRegex:
        pattern = RegexPattern(c, leaf.fold);
        break;
      case MatchKind::kWords:
        pattern = WordsPattern(c, id, &leaf, &m);
        break;
      case MatchKind::kContains:
      case MatchKind::kStarts:
      case MatchKind::kEnds:
      case MatchKind::kEquals: {
        std::vector<std::string> parts;
        for (const std::string& v : Literals(c, leaf.fold)) parts.push_back(RE2::QuoteMeta(v));
        pattern = "(?:" + JoinAlternatives(parts) + ")";
        if (c.kind == MatchKind::kStarts || c.kind == MatchKind::kEquals) pattern = "^" + pattern;
        if (c.kind == MatchKind::kEnds || c.kind == MatchKind::kEquals) pattern += "$";
        break;
      }
      case MatchKind::kInList:
        leaf.values = ValueSet(c, leaf.fold, false);
        m.lookup_leaves.push_back(id);
        break;
      case MatchKind::kDomainIn:
        leaf.values = ValueSet(c, true, true);
        m.lookup_leaves.push_back(id);
        break;
      case MatchKind::kCidr:
        leaf.cidrs = CidrSet(c);
        m.lookup_leaves.push_back(id);
        break;
    }
    if (!pattern.empty()) AddPattern(c, id, pattern, &leaf, &m);
    return id;
  }

  // A regex condition's values as one alternation; an invalid one is an error.
  std::string RegexPattern(const Condition& c, bool fold) {
    std::vector<std::string> parts;
    for (size_t i = 0; i < c.values.size(); ++i) {
      RE2 re(c.values[i], RegexOptions(fold, false));
      if (!re.ok()) {
        Error(c.value_pos[i], "invalid regex '" + c.values[i] + "': " + re.error());
      }
      parts.push_back(c.values.size() == 1 ? c.values[i] : "(?:" + c.values[i] + ")");
    }
    return JoinAlternatives(parts);
  }

  // Single words go to the matcher's token index; phrases become the pattern
  // (empty when there are none).
  std::string WordsPattern(const Condition& c, int id, Leaf* leaf, FieldMatcher* m) {
    std::vector<std::string> phrases;
    for (std::string& w : Literals(c, leaf->fold)) {
      std::vector<std::string> tokens;
      StringPiece in(w), tok;
      while (RE2::FindAndConsume(&in, *impl_->tokenizer, &tok)) tokens.emplace_back(tok);
      if (tokens.empty()) continue;  // nothing wordlike: cannot match as a word
      if (tokens.size() == 1 && tokens[0].size() == w.size()) {
        auto& index = leaf->fold ? m->folded_tokens : m->tokens;
        std::vector<int>& ids = index[w];
        if (ids.empty() || ids.back() != id) ids.push_back(id);
        continue;
      }
      phrases.push_back(PhrasePattern(w));
    }
    if (phrases.empty()) return "";
    // Longest first: at one position RE2 prefers earlier alternatives.
    std::stable_sort(
        phrases.begin(), phrases.end(),
        [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
    leaf->words = true;
    return "(?:" + JoinAlternatives(phrases) + ")";
  }

  // The leaf's span RE2 and its entry in the matcher's set.
  void AddPattern(const Condition& c, int id, const std::string& pattern, Leaf* leaf,
                  FieldMatcher* m) {
    bool capture = leaf->group > 0;
    leaf->re = std::make_unique<RE2>(pattern, RegexOptions(leaf->fold, capture));
    if (leaf->re->ok()) {
      m->pending.push_back({(leaf->fold ? "(?i)" : "") + pattern, id});
    } else if (c.kind != MatchKind::kRegex) {
      // Generated patterns are valid; this is a budget problem.
      Error(c.pos, "condition on field '" + FieldRefName(c.field) +
                       "' is too large for RE2: " + leaf->re->error());
    }
  }

  // Hash sets are shared by every condition that uses the same list the same way.
  std::shared_ptr<const StringSet> ValueSet(const Condition& c, bool fold, bool domains) {
    auto key = std::make_tuple(c.list, fold, domains, IsTextField(c.field.field) && !c.field.raw);
    if (c.list >= 0) {
      if (auto it = value_sets_.find(key); it != value_sets_.end()) return it->second;
    }
    auto set = std::make_shared<StringSet>();
    std::vector<std::string> literals =
        domains ? (c.list >= 0 ? spec_->lists[c.list].entries : c.values) : Literals(c, fold);
    set->reserve(literals.size());
    for (std::string& v : literals) {
      if (domains) {
        // "*.example.com", ".example.com" and "example.com." all mean example.com.
        std::string_view d(v);
        while (!d.empty() && (d.front() == '*' || d.front() == '.')) d.remove_prefix(1);
        while (!d.empty() && d.back() == '.') d.remove_suffix(1);
        set->insert(base::AsciiLower(d));
      } else {
        set->insert(std::move(v));
      }
    }
    if (c.list >= 0) value_sets_[key] = set;
    return set;
  }

  std::shared_ptr<const CidrTable> CidrSet(const Condition& c) {
    if (c.list >= 0) {
      if (auto it = cidr_sets_.find(c.list); it != cidr_sets_.end()) return it->second;
    }
    std::vector<internal::IpRange> ranges;
    for (const std::string& v : c.list >= 0 ? spec_->lists[c.list].entries : c.values) {
      if (auto r = internal::ParseCidr(v)) ranges.push_back(*r);  // validated by the parser
    }
    auto table = std::make_shared<const CidrTable>(std::move(ranges));
    if (c.list >= 0) cidr_sets_[c.list] = table;
    return table;
  }

  void CompileSets() {
    for (FieldMatcher& m : impl_->matchers) {
      if (m.pending.empty()) continue;
      RE2::Options o;
      o.set_encoding(RE2::Options::EncodingUTF8);
      o.set_log_errors(false);
      o.set_never_capture(true);
      o.set_max_mem(options_.re2_max_mem);
      m.set = std::make_unique<RE2::Set>(o, RE2::UNANCHORED);
      for (FieldMatcher::Pending& p : m.pending) {
        std::string error;
        if (m.set->Add(p.pattern, &error) < 0) {
          // Only reachable for user regexes whose meaning changes when
          // wrapped (an unterminated \Q...).
          Error(impl_->leaves[p.leaf].pos, "invalid regex '" + p.pattern + "': " + error);
          continue;
        }
        m.set_leaves.push_back(p.leaf);
      }
      if (!m.set->Compile()) {
        Error(impl_->leaves[m.pending.front().leaf].pos,
              "the rules on field '" + FieldRefName(m.ref) +
                  "' need more RE2 memory than re2_max_mem (" +
                  std::to_string(options_.re2_max_mem) + " bytes)");
      }
      m.pending.clear();
      m.pending.shrink_to_fit();
    }
  }

  std::string origin_;
  const CompileOptions& options_;
  RuleSet::Impl* impl_;
  std::vector<std::string>* errors_;
  internal::RuleFileSpec* spec_ = nullptr;
  std::map<std::tuple<int, bool, bool, bool>, std::shared_ptr<const StringSet>> value_sets_;
  std::map<int, std::shared_ptr<const CidrTable>> cidr_sets_;
};

std::string_view FieldName(Field field) {
  switch (field) {
    case Field::kContent:
      return "content";
    case Field::kAuthorName:
      return "author.name";
    case Field::kAuthorEmail:
      return "author.email";
    case Field::kAuthorUrl:
      return "author.url";
    case Field::kAuthorIp:
      return "author.ip";
    case Field::kThread:
      return "thread";
    case Field::kLinks:
      return "links";
    case Field::kLanguage:
      return "language";
    case Field::kSite:
      return "site";
  }
  return "?";
}

std::string_view ActionName(Action action) {
  switch (action) {
    case Action::kNone:
      return "none";
    case Action::kAccept:
      return "accept";
    case Action::kHold:
      return "hold";
    case Action::kReject:
      return "reject";
  }
  return "?";
}

std::string_view ModeName(Mode mode) { return mode == Mode::kShadow ? "shadow" : "enforce"; }

const std::vector<std::string_view>& FeatureNames() {
  static const std::vector<std::string_view> names = [] {
    std::vector<std::string_view> v;
    for (const FeatureEntry& f : kFeatures) v.push_back(f.name);
    return v;
  }();
  return names;
}

double internal::FeatureValue(const Features& features, int index) {
  return features.*(kFeatures[index].member);
}

std::vector<std::string_view> RuleSet::Impl::Units(const CommentView& c, const FieldRef& ref) {
  auto text = [&](const TextField& t) { return ref.raw ? t.raw : t.normalized; };
  switch (ref.field) {
    case Field::kContent:
      return {text(c.content)};
    case Field::kAuthorName:
      return {text(c.author_name)};
    case Field::kAuthorEmail:
      return {text(c.author_email)};
    case Field::kAuthorUrl:
      return {text(c.author_url)};
    case Field::kThread:
      return {text(c.thread)};
    case Field::kAuthorIp:
      return {c.author_ip};
    case Field::kLanguage:
      return {c.language};
    case Field::kSite:
      return {c.site};
    case Field::kLinks: {
      std::vector<std::string_view> out;
      out.reserve(c.links.size());
      for (const LinkView& l : c.links) {
        out.push_back(ref.part == LinkPart::kHost     ? l.host
                      : ref.part == LinkPart::kDomain ? l.domain
                      : ref.part == LinkPart::kPath   ? l.path
                                                      : l.url);
      }
      return out;
    }
  }
  return {};
}

bool RuleSet::Impl::Lookup(const Leaf& leaf, const FieldRef& ref, std::string_view value) const {
  if (leaf.kind == MatchKind::kCidr) {
    auto ip = internal::ParseIp(value);
    return ip && leaf.cidrs->Contains(*ip);
  }
  if (leaf.kind == MatchKind::kInList) {
    return leaf.values->count(leaf.fold ? internal::FoldCase(value) : std::string(value)) > 0;
  }
  // kDomainIn: the host itself, then each parent domain.
  std::string host = ref.field == Field::kAuthorEmail ? internal::DomainOfEmail(value)
                     : (ref.field == Field::kAuthorUrl ||
                        (ref.field == Field::kLinks && ref.part != LinkPart::kHost &&
                         ref.part != LinkPart::kDomain))
                         ? internal::HostOfUrl(value)
                         : base::AsciiLower(value);
  std::string_view h(host);
  while (!h.empty()) {
    if (leaf.values->count(std::string(h))) return true;
    size_t dot = h.find('.');
    if (dot == std::string_view::npos) break;
    h.remove_prefix(dot + 1);
  }
  return false;
}

// True if the code point starting at byte `pos` is a letter, mark, digit or
// '_'. `pos` must be < text.size().
bool RuleSet::Impl::IsWordChar(std::string_view text, size_t pos) const {
  size_t next = pos;
  return IsWordCodePoint(base::DecodeUtf8(text, &next), *word_char);
}

// Finds the whole-word matches of a phrase leaf in `text` (up to the span
// cap), recording each; the leaf hits if there is at least one.
void RuleSet::Impl::FindWords(int leaf_id, int unit, std::string_view text, State* st) const {
  const Leaf& leaf = leaves[leaf_id];
  StringPiece sp(text.data(), text.size());
  StringPiece m;
  size_t pos = 0;
  int found = 0;
  auto next_char = [&](size_t p) {
    ++p;
    while (p < text.size() && (static_cast<unsigned char>(text[p]) & 0xC0) == 0x80) ++p;
    return p;
  };
  while (pos < text.size() && found < kMaxCandidateSpans) {
    if (!leaf.re->Match(sp, pos, sp.size(), RE2::UNANCHORED, &m, 1)) break;
    size_t b = static_cast<size_t>(m.data() - sp.data());
    size_t e = b + m.size();
    bool start_ok = true;
    if (b > 0) {
      size_t prev = b - 1;
      while (prev > 0 && (static_cast<unsigned char>(text[prev]) & 0xC0) == 0x80) --prev;
      start_ok = !IsWordChar(text, prev);
    }
    bool matched = false;
    while (start_ok && e > b) {
      if (e == text.size() || !IsWordChar(text, e)) {
        matched = true;
        break;
      }
      // The longest alternative runs into a word; try shorter ones here.
      if (!leaf.re->Match(sp, b, e - 1, RE2::ANCHOR_START, &m, 1)) break;
      e = b + m.size();
    }
    if (matched) {
      st->hit[leaf_id] = 1;
      st->records.push_back({leaf_id, unit, b, e, text, false});
      ++found;
      pos = e;
    } else {
      pos = next_char(b);
    }
  }
}

bool RuleSet::Impl::Eval(const Node& node, const CommentView& c, const State& st) const {
  switch (node.type) {
    case Condition::Type::kAll:
      for (const Node& child : node.children) {
        if (!Eval(child, c, st)) return false;
      }
      return true;
    case Condition::Type::kAny:
      for (const Node& child : node.children) {
        if (Eval(child, c, st)) return true;
      }
      return false;
    case Condition::Type::kNot:
      return !Eval(node.children[0], c, st);
    case Condition::Type::kText:
      return st.hit[node.leaf] != 0;
    case Condition::Type::kFeature: {
      double v = internal::FeatureValue(c.features, node.feature);
      for (const auto& [op, x] : node.comparisons) {
        if (!Compare(v, op, x)) return false;
      }
      return true;
    }
  }
  return false;
}

void RuleSet::Impl::Collect(const Node& node, const CommentView& c, const State& st,
                            std::vector<MatchSpan>* spans) const {
  switch (node.type) {
    case Condition::Type::kAll:
    case Condition::Type::kAny:
      for (const Node& child : node.children) {
        if (Eval(child, c, st)) Collect(child, c, st, spans);
      }
      break;
    case Condition::Type::kText:
      LeafSpans(node.leaf, c, st, spans);
      break;
    default:  // negations and features have no span
      break;
  }
}

void RuleSet::Impl::LeafSpans(int leaf_id, const CommentView& c, const State& st,
                              std::vector<MatchSpan>* out) const {
  // A condition's spans come from the token index and from its regex (a list
  // can hold both "casino" and "online casino"); keep them disjoint,
  // preferring the leftmost, then the longest.
  std::vector<MatchSpan> found;
  LeafSpansUnfiltered(leaf_id, c, st, &found);
  std::sort(found.begin(), found.end(), [](const MatchSpan& a, const MatchSpan& b) {
    return std::tie(a.link, a.begin, b.end) < std::tie(b.link, b.begin, a.end);
  });
  int kept = 0;
  for (const MatchSpan& s : found) {
    if (kept > 0 && out->back().link == s.link && s.begin < out->back().end) continue;
    out->push_back(s);
    if (++kept == kMaxSpansPerCondition) break;
  }
}

void RuleSet::Impl::LeafSpansUnfiltered(int leaf_id, const CommentView& c, const State& st,
                                        std::vector<MatchSpan>* spans) const {
  const Leaf& leaf = leaves[leaf_id];
  const FieldRef& ref = matchers[leaf.matcher].ref;
  if (ref.field == Field::kAuthorIp || ref.field == Field::kSite || ref.field == Field::kLanguage) {
    return;
  }
  auto first = std::lower_bound(st.records.begin(), st.records.end(), leaf_id,
                                [](const Record& r, int id) { return r.leaf < id; });
  auto last = std::upper_bound(first, st.records.end(), leaf_id,
                               [](int id, const Record& r) { return id < r.leaf; });
  int count = 0;
  for (auto it = first; it != last && count < kMaxCandidateSpans; ++it) {
    MatchSpan span;
    span.field = ref.field;
    span.raw = ref.raw;
    if (ref.field == Field::kLinks) {
      span.link = it->unit;
      span.raw = true;
      span.begin = c.links[it->unit].raw_begin;
      span.end = c.links[it->unit].raw_end;
      spans->push_back(span);
      ++count;
      continue;
    }
    if (!it->needs_regex) {
      span.begin = it->begin;
      span.end = it->end;
      spans->push_back(span);
      ++count;
      continue;
    }
    // Set-reported leaf: find its leftmost disjoint matches.
    StringPiece text(it->text.data(), it->text.size());
    StringPiece sub[2];
    size_t pos = 0;
    while (pos <= text.size() && count < kMaxCandidateSpans) {
      if (!leaf.re->Match(text, pos, text.size(), RE2::UNANCHORED, sub, leaf.group + 1)) break;
      const StringPiece& g = sub[leaf.group];
      span.begin = static_cast<size_t>(g.data() - text.data());
      span.end = span.begin + g.size();
      spans->push_back(span);
      ++count;
      size_t next = span.end;
      if (next <= pos) {  // empty match: step over one UTF-8 character
        next = pos + 1;
        while (next < text.size() && (static_cast<unsigned char>(text[next]) & 0xC0) == 0x80) {
          ++next;
        }
      }
      pos = next;
    }
  }
}

RuleSet::RuleSet(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RuleSet::~RuleSet() = default;

std::unique_ptr<const RuleSet> RuleSet::Compile(std::string_view source, std::string_view origin,
                                                const CompileOptions& options,
                                                std::vector<std::string>* errors) {
  std::vector<std::string> local;
  std::vector<std::string>* errs = errors ? errors : &local;
  size_t before = errs->size();
  internal::RuleFileSpec spec = internal::ParseRuleFile(
      source, origin,
      internal::ListFilePolicy{options.base_dir, options.confine_list_files,
                               options.max_list_file_bytes},
      errs);
  if (errs->size() != before) return nullptr;
  auto impl = std::make_unique<Impl>();
  Impl::Compiler(origin, options, impl.get(), errs).Run(spec);
  if (errs->size() != before) return nullptr;
  impl->version = "r-" + base::ShortFingerprint(source);
  return std::unique_ptr<const RuleSet>(new RuleSet(std::move(impl)));
}

void RuleSet::Impl::MatchUnit(const FieldMatcher& m, std::string_view text, int unit, State* st,
                              bool* complete) const {
  if (m.set) {
    thread_local std::vector<int> set_hits;
    set_hits.clear();
    RE2::Set::ErrorInfo info{RE2::Set::kNoError};
    if (!m.set->Match(StringPiece(text.data(), text.size()), &set_hits, &info) &&
        info.kind != RE2::Set::kNoError) {
      *complete = false;  // the DFA ran out of memory: undecided
    }
    for (int i : set_hits) {
      int leaf = m.set_leaves[i];
      if (leaves[leaf].words) {  // a candidate: check word boundaries
        FindWords(leaf, unit, text, st);
        continue;
      }
      st->hit[leaf] = 1;
      st->records.push_back({leaf, unit, 0, 0, text, true});
    }
  }
  if (!m.tokens.empty() || !m.folded_tokens.empty()) MatchTokens(m, text, unit, st);
  for (int leaf : m.lookup_leaves) {
    if (Lookup(leaves[leaf], m.ref, text)) {
      st->hit[leaf] = 1;
      st->records.push_back({leaf, unit, 0, text.size(), text, false});
    }
  }
}

void RuleSet::Impl::MatchTokens(const FieldMatcher& m, std::string_view text, int unit,
                                State* st) const {
  std::string folded;
  // The runs of kTokenPattern, without a regex search per token (each takes
  // RE2's locks): code points classified once (IsWordCodePoint).
  size_t i = 0;
  while (i < text.size()) {
    size_t b = i;
    while (b < text.size()) {
      size_t next = b;
      if (IsWordCodePoint(base::DecodeUtf8(text, &next), *word_char)) break;
      b = next;
    }
    if (b == text.size()) break;
    size_t e = b;
    while (e < text.size()) {
      size_t next = e;
      if (!IsWordCodePoint(base::DecodeUtf8(text, &next), *word_char)) break;
      e = next;
    }
    i = e;
    std::string_view t = text.substr(b, e - b);
    auto add = [&](const std::vector<int>& found) {
      for (int leaf : found) {
        st->hit[leaf] = 1;
        st->records.push_back({leaf, unit, b, b + t.size(), text, false});
      }
    };
    if (!m.tokens.empty()) {
      if (auto it = m.tokens.find(std::string(t)); it != m.tokens.end()) add(it->second);
    }
    if (!m.folded_tokens.empty()) {
      folded = internal::FoldCase(t);
      if (auto it = m.folded_tokens.find(folded); it != m.folded_tokens.end()) add(it->second);
    }
  }
}

bool RuleSet::Impl::Applies(const RuleInfo& info, const std::string& site,
                            const std::string& language) {
  if (!info.enabled) return false;
  if (!info.sites.empty() &&
      std::find(info.sites.begin(), info.sites.end(), site) == info.sites.end()) {
    return false;
  }
  return info.languages.empty() ||
         std::find(info.languages.begin(), info.languages.end(), language) !=
             info.languages.end();
}

Hit RuleSet::Impl::MakeHit(int rule, const CommentView& c, const State& st) const {
  Hit hit;
  hit.rule = rule;
  Collect(roots[rule], c, st, &hit.spans);
  auto key = [](const MatchSpan& s) { return std::tie(s.field, s.raw, s.link, s.begin, s.end); };
  std::sort(hit.spans.begin(), hit.spans.end(),
            [&](const MatchSpan& a, const MatchSpan& b) { return key(a) < key(b); });
  hit.spans.erase(std::unique(hit.spans.begin(), hit.spans.end(),
                              [&](const MatchSpan& a, const MatchSpan& b) {
                                return key(a) == key(b);
                              }),
                  hit.spans.end());
  if (hit.spans.size() > kMaxSpansPerHit) hit.spans.resize(kMaxSpansPerHit);
  return hit;
}

Matches RuleSet::Match(const CommentView& comment) const {
  const Impl& im = *impl_;
  Matches result;
  Impl::State st;
  st.hit.assign(im.leaves.size(), 0);
  for (const FieldMatcher& m : im.matchers) {
    std::vector<std::string_view> units = Impl::Units(comment, m.ref);
    for (size_t u = 0; u < units.size(); ++u) {
      im.MatchUnit(m, units[u], static_cast<int>(u), &st, &result.complete);
    }
  }
  std::stable_sort(st.records.begin(), st.records.end(),
                   [](const Impl::Record& a, const Impl::Record& b) { return a.leaf < b.leaf; });

  // The rules that could hold (see rules_by_leaf), in rule order.
  std::vector<int> triggered;
  for (size_t leaf = 0; leaf < st.hit.size(); ++leaf) {
    if (st.hit[leaf] == 0) continue;
    const std::vector<int>& rules = im.rules_by_leaf[leaf];
    triggered.insert(triggered.end(), rules.begin(), rules.end());
  }
  std::sort(triggered.begin(), triggered.end());
  std::vector<int> candidates;
  candidates.reserve(im.unconditional_rules.size() + triggered.size());
  std::merge(im.unconditional_rules.begin(), im.unconditional_rules.end(), triggered.begin(),
             triggered.end(), std::back_inserter(candidates));
  candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());

  const std::string site = base::AsciiLower(comment.site);
  const std::string language = base::AsciiLower(comment.language);
  for (int i : candidates) {
    if (!Impl::Applies(im.infos[i], site, language)) continue;
    if (!im.Eval(im.roots[i], comment, st)) continue;
    result.hits.push_back(im.MakeHit(i, comment, st));
  }
  return result;
}

int RuleSet::size() const { return static_cast<int>(impl_->infos.size()); }

const RuleInfo& RuleSet::rule(int index) const { return impl_->infos[index]; }

int RuleSet::Find(std::string_view id) const {
  auto it = impl_->ids.find(std::string(id));
  return it == impl_->ids.end() ? -1 : it->second;
}

const SitePolicy& RuleSet::policy(std::string_view site) const {
  auto it = impl_->sites.find(base::AsciiLower(site));
  return it == impl_->sites.end() ? impl_->defaults : it->second;
}

bool RuleSet::HasSite(std::string_view site) const {
  return impl_->sites.count(base::AsciiLower(site)) != 0;
}

const std::string& RuleSet::version() const { return impl_->version; }

bool RuleSet::UsesFeature(std::string_view name) const {
  const auto& names = FeatureNames();
  auto it = std::find(names.begin(), names.end(), name);
  if (it == names.end()) return false;
  const size_t index = static_cast<size_t>(it - names.begin());
  return index < impl_->features_used.size() && impl_->features_used[index] != 0;
}

}  // namespace moderated::rules

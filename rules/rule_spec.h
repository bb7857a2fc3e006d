// rules/rule_spec.h (internal to rules/)
//
// Plain data between the parser (rule_parser.cc: YAML → RuleFileSpec, all
// checks that need no RE2) and the compiler (rule_set.cc: RuleFileSpec → RE2
// sets, hash indices and CIDR tables). Source positions are kept so that the
// compiler can still report "ORIGIN:LINE:COL: ..." (invalid regexes).
#ifndef MODERATED_RULES_RULE_SPEC_H_
#define MODERATED_RULES_RULE_SPEC_H_

#include <string>
#include <utility>
#include <vector>

#include "rules/rule_set.h"

namespace moderated::rules::internal {

// 1-based position in a source file; `origin` is the rule file unless an
// entry came from a list file.
struct SourcePos {
  int line = 1;
  int column = 1;
};

// Which part of a link a links.* condition looks at.
enum class LinkPart { kNone, kUrl, kHost, kDomain, kPath };

// The text a condition reads: a field, the link part for kLinks, and whether
// it reads TextField::raw instead of TextField::normalized.
struct FieldRef {
  Field field = Field::kContent;
  LinkPart part = LinkPart::kNone;
  bool raw = false;
  bool operator==(const FieldRef&) const = default;
};

enum class MatchKind {
  kRegex,     // RE2 pattern
  kWords,     // words / phrases / list: whole words, Unicode boundaries
  kContains,  // substring
  kStarts,    // prefix of the whole field
  kEnds,      // suffix of the whole field
  kEquals,    // the whole field
  kInList,    // the whole field is an entry of a (large) list: hash lookup
  kDomainIn,  // the field's host/domain is an entry or a subdomain of one
  kCidr,      // the field is an IP inside one of the networks
};

enum class CompareOp { kGt, kGe, kLt, kLe, kEq, kNe };

struct Condition {
  enum class Type { kAll, kAny, kNot, kText, kFeature };
  Type type = Type::kAll;
  SourcePos pos;
  std::vector<Condition> children;  // kAll, kAny; kNot has exactly one

  // kText.
  FieldRef field;
  MatchKind kind = MatchKind::kRegex;
  bool case_sensitive = false;
  std::vector<std::string> values;  // inline literals, patterns or CIDRs
  std::vector<SourcePos> value_pos;
  int list = -1;  // index into RuleFileSpec::lists, instead of `values`

  // kFeature: every comparison must hold.
  int feature = -1;  // index into FeatureNames()
  std::vector<std::pair<CompareOp, double>> comparisons;
};

struct ListSpec {
  std::string name;
  SourcePos pos;
  std::vector<std::string> entries;
  std::string entry_origin;          // file path for file lists, else the rule file
  std::vector<SourcePos> entry_pos;  // parallel to entries
};

struct RuleSpec {
  RuleInfo info;
  SourcePos pos;
  Condition match;
};

struct RuleFileSpec {
  SitePolicy defaults;
  std::vector<std::pair<std::string, SitePolicy>> sites;  // names lower-cased
  std::vector<ListSpec> lists;
  std::vector<RuleSpec> rules;
};

// Reads the member of `features` called FeatureNames()[index].
double FeatureValue(const Features& features, int index);

}  // namespace moderated::rules::internal

#endif  // MODERATED_RULES_RULE_SPEC_H_

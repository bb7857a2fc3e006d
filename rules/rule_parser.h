// rules/rule_parser.h (internal to rules/)
//
// ParseRuleFile(): YAML rule text → RuleFileSpec. Does every check that needs
// no RE2: YAML syntax, keys, types, ids, fields, features, operators, list
// references and list files, CIDRs. Regex syntax and RE2 memory are checked
// by the compiler (rule_set.cc).
//
// Every problem is appended to *errors as "ORIGIN:LINE:COL: message" (1-based
// line and column; entries read from a list file use that file's path and
// line). Parsing continues after an error so that one run reports them all;
// the returned spec is meaningful only if no error was appended.
//
// Pure apart from reading list files; thread-safe.
#ifndef MODERATED_RULES_RULE_PARSER_H_
#define MODERATED_RULES_RULE_PARSER_H_

#include <string>
#include <string_view>
#include <vector>

#include "rules/rule_spec.h"

namespace moderated::rules::internal {

// Where list files may come from (see CompileOptions in rule_set.h).
struct ListFilePolicy {
  std::string base_dir;  // relative paths resolve here ("" = current directory)
  bool confined = false;  // only files inside base_dir; none if base_dir is ""
  int64_t max_bytes = 16 << 20;
};

RuleFileSpec ParseRuleFile(std::string_view source, std::string_view origin,
                           const ListFilePolicy& lists, std::vector<std::string>* errors);

// The same with any list file allowed, relative to `base_dir`.
inline RuleFileSpec ParseRuleFile(std::string_view source, std::string_view origin,
                                  const std::string& base_dir, std::vector<std::string>* errors) {
  return ParseRuleFile(source, origin, ListFilePolicy{base_dir}, errors);
}

// "ORIGIN:LINE:COL: message".
std::string FormatError(std::string_view origin, SourcePos pos, std::string_view message);

}  // namespace moderated::rules::internal

#endif  // MODERATED_RULES_RULE_PARSER_H_

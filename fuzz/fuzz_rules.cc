// fuzz/fuzz_rules.cc: a rules text as PUT /v1/admin/rules receives it →
// the rule compiler (rules/), with list files confined as for the API. Must
// hold: either a rule set or at least one "ORIGIN:LINE:COL: message" error,
// and a compiled set matches a comment without crashing.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "rules/rule_set.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 64 * 1024) return 0;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  moderated::rules::CompileOptions options;
  options.confine_list_files = true;  // no rules_list_dir: no file is read
  options.re2_max_mem = 8 << 20;
  std::vector<std::string> errors;
  auto rules = moderated::rules::RuleSet::Compile(text, "fuzz", options, &errors);
  if (!rules) {
    if (errors.empty()) abort();  // a failure must say why
    for (const std::string& e : errors) {
      if (e.rfind("fuzz:", 0) != 0) abort();  // and where
    }
    return 0;
  }
  moderated::rules::CommentView comment;
  const std::string_view sample = "Казино онлайн بث مباشر http://spam.example free";
  comment.content = {sample, sample};
  comment.language = "ru";
  comment.author_ip = "198.51.100.7";
  (void)rules->Match(comment);
  return 0;
}

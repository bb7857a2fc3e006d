// bench/generated_rules.h
//
// `n` generated rules, one YAML flow mapping per line ("  - {id: ...}"), for
// appending under a rule file's `rules:`. The mix is roughly what a large
// site's rule file looks like: 40 % word lists (en and ru), 20 % phrases,
// 20 % regexes, 10 % author e-mail substrings, 10 % features. Rule ids are
// `prefix` followed by the index. Shared by rules_bench and engine_bench.
#ifndef MODERATED_BENCH_GENERATED_RULES_H_
#define MODERATED_BENCH_GENERATED_RULES_H_

#include <string>

namespace moderated::bench {

inline std::string GeneratedRules(int n, const std::string& prefix) {
  std::string src;
  for (int i = 0; i < n; ++i) {
    const std::string num = std::to_string(i);
    const std::string w = "spamword" + num;
    std::string match;
    switch (i % 10) {
      case 0:
      case 1:
      case 2:
      case 3:
        match = "{field: content, words: [" + w + ", \"" + w + " now\", казино" + num + "]}";
        break;
      case 4:
      case 5:
        match = "{field: content, phrases: [\"earn " + num + " from home\"]}";
        break;
      case 6:
      case 7:
        match = "{field: content, regex: 'free\\s+spins?\\s+" + num + "'}";
        break;
      case 8:
        match = "{field: author.email, contains: \"@spam" + num + ".\"}";
        break;
      default:
        match = "{feature: link_count, \">=\": " + std::to_string(3 + i % 7) + "}";
        break;
    }
    src += "  - {id: " + prefix + num + ", score: 1, match: " + match + "}\n";
  }
  return src;
}

}  // namespace moderated::bench

#endif  // MODERATED_BENCH_GENERATED_RULES_H_

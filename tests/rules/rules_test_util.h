// tests/rules/rules_test_util.h
//
// Helpers for the rules tests: compile from a string, render hits as one
// comparable line, and a stand-in for classifiers::Normalize (the rules
// tests may not depend on classifiers/).
#ifndef MODERATED_TESTS_RULES_RULES_TEST_UTIL_H_
#define MODERATED_TESTS_RULES_RULES_TEST_UTIL_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "rules/rule_set.h"
#include "rules/text_util.h"

namespace moderated::rules::testing {

// Lower-case (simple case folding) + the Arabic and Russian letter folding
// the daemon's normaliser does (alef forms → ا, ى → ي, ة → ه, ё → е).
inline std::string TestNormalize(std::string_view s) {
  std::string out = internal::FoldCase(s);
  struct Pair {
    std::string_view from, to;
  };
  static const Pair kPairs[] = {{"أ", "ا"}, {"إ", "ا"}, {"آ", "ا"}, {"ى", "ي"},
                                {"ة", "ه"}, {"ё", "е"}, {"ـ", ""}};
  for (const Pair& p : kPairs) {
    size_t pos = 0;
    while ((pos = out.find(p.from, pos)) != std::string::npos) {
      out.replace(pos, p.from.size(), p.to);
      pos += p.to.size();
    }
  }
  return out;
}

// Compiles `source` as "t.yaml"; returns nullptr and fills *errors on failure.
inline std::unique_ptr<const RuleSet> CompileOrErrors(std::string_view source,
                                                      std::vector<std::string>* errors,
                                                      CompileOptions options = {}) {
  return RuleSet::Compile(source, "t.yaml", options, errors);
}

// The errors of compiling `source` (empty if it compiled).
inline std::vector<std::string> Errors(std::string_view source, CompileOptions options = {}) {
  std::vector<std::string> errors;
  auto rs = RuleSet::Compile(source, "t.yaml", options, &errors);
  if (rs && !errors.empty()) errors.push_back("<compiled despite errors>");
  return errors;
}

// "id{content:0-6,links#1:10-30}" per hit, space-separated; "!" marks an
// incomplete match.
inline std::string Render(const RuleSet& rs, const Matches& m) {
  std::string out;
  for (const Hit& h : m.hits) {
    if (!out.empty()) out += ' ';
    out += rs.rule(h.rule).id;
    out += '{';
    for (size_t i = 0; i < h.spans.size(); ++i) {
      const MatchSpan& s = h.spans[i];
      if (i) out += ',';
      out += std::string(FieldName(s.field));
      if (s.link >= 0) out += '#' + std::to_string(s.link);
      if (s.raw && s.field != Field::kLinks) out += ".raw";
      out += ':' + std::to_string(s.begin) + '-' + std::to_string(s.end);
    }
    out += '}';
  }
  if (!m.complete) out += " !";
  return out;
}

// A comment whose content is `text` (normalised = TestNormalize(text) when
// `normalize`, else the text itself).
struct TestComment {
  std::string raw;
  std::string normalized;
  CommentView view;
  TestComment(const TestComment&) = delete;
  TestComment& operator=(const TestComment&) = delete;
  explicit TestComment(std::string text, bool normalize = false) : raw(std::move(text)) {
    normalized = normalize ? TestNormalize(raw) : raw;
    view.content = {normalized, raw};
  }
};

}  // namespace moderated::rules::testing

#endif  // MODERATED_TESTS_RULES_RULES_TEST_UTIL_H_

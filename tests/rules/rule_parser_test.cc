// tests/rules/rule_parser_test.cc
//
// Every kind of rule-file error, with the exact "ORIGIN:LINE:COL: message"
// line an admin sees. Compiled through the public RuleSet::Compile, plus a
// few checks of the parsed RuleFileSpec.
#include "rules/rule_parser.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tests/rules/rules_test_util.h"
#include "tests/testing/temp_dir.h"

namespace moderated::rules {
namespace {

using ::moderated::rules::testing::Errors;
using Lines = std::vector<std::string>;

TEST(RuleParserTest, YamlSyntaxError) {
  // An unclosed flow collection is reported at its bracket, not where
  // yaml-cpp gave up (the end of the file).
  EXPECT_EQ(Lines({"t.yaml:2:8: YAML syntax error: end of sequence flow not found (the '[' here is "
                   "never closed)"}),
            Errors("version: 1\nrules: [\n"));
  EXPECT_EQ(Lines({"t.yaml:2:9: YAML syntax error: illegal map value"}),
            Errors("version: 1\nrules: a: b\n"));
}

// Issue 17: a mistake on line 2 of a 16-line file was reported at 16:1.
TEST(RuleParserTest, UnclosedFlowIsReportedAtItsBracket) {
  const std::string tail =
      "rules:\n"
      "  - id: casino   # a [comment] and a quote's bracket do not count\n"
      "    description: 'Casino [ads]'\n"
      "    score: 4\n"
      "    match: {field: content, words: [casino, \"{x\"]}\n"
      "  - id: links\n"
      "    score: 1\n"
      "    match: {feature: link_count, \">\": 2}\n"
      "  - id: regex\n"
      "    score: 1\n"
      "    match: {field: content, regex: 'a[bc]'}\n"
      "  - id: last\n"
      "    score: 1\n"
      "    match: {field: thread, contains: [x]}\n";
  EXPECT_EQ(Lines({"t.yaml:2:11: YAML syntax error: end of map flow not found (the '{' here is "
                   "never closed)"}),
            Errors("version: 1\ndefaults: {hold_at: 1, reject_at: 1000\n" + tail));
  // A wrong closing bracket is already reported where it is.
  EXPECT_EQ(Lines({"t.yaml:2:24: YAML syntax error: illegal flow end"}),
            Errors("version: 1\ndefaults: {sites: [a, b}\n" + tail));
}

TEST(RuleParserTest, TopLevelMustBeAMapping) {
  EXPECT_EQ(Lines({"t.yaml:1:1: expected a mapping with 'version' and 'rules' at the top level"}),
            Errors("- a\n"));
  EXPECT_EQ(Lines({"t.yaml:1:1: expected a mapping with 'version' and 'rules' at the top level"}),
            Errors(""));
}

TEST(RuleParserTest, Version) {
  EXPECT_EQ(Lines({"t.yaml:1:1: missing 'version' (write 'version: 1')"}), Errors("rules: []\n"));
  EXPECT_EQ(Lines({"t.yaml:1:10: unsupported version '2' (expected 1)"}),
            Errors("version: 2\nrules: []\n"));
  EXPECT_EQ(Lines({"t.yaml:1:1: missing 'rules'"}), Errors("version: 1\n"));
  EXPECT_EQ(Lines({"t.yaml:2:8: 'rules' must be a list of rules"}),
            Errors("version: 1\nrules: {a: 1}\n"));
  EXPECT_EQ(Lines{}, Errors("version: 1\nrules:\n"));
}

TEST(RuleParserTest, UnknownKeysWithSuggestions) {
  EXPECT_EQ(Lines({"t.yaml:2:1: unknown key 'rulez' (did you mean 'rules'?)",
                   "t.yaml:1:1: missing 'rules'"}),
            Errors("version: 1\nrulez: []\n"));
  EXPECT_EQ(Lines({"t.yaml:4:5: unknown key 'scroe' (did you mean 'score'?)",
                   "t.yaml:5:5: unknown key 'colour'",
                   "t.yaml:3:5: rule 'a' needs a score or an action"}),
            Errors("version: 1\nrules:\n  - id: a\n    scroe: 1\n    colour: red\n"
                   "    match: {field: content, words: [x]}\n"));
  EXPECT_EQ(Lines({"t.yaml:3:47: unknown key 'case_sensitiv' (did you mean 'case_sensitive'?)"}),
            Errors("version: 1\nrules:\n  - {id: a, score: 1, match: {field: content, "
                   "case_sensitiv: true, words: [x]}}\n"));
}

TEST(RuleParserTest, RuleIds) {
  EXPECT_EQ(Lines({"t.yaml:3:5: rule has no 'id'"}),
            Errors("version: 1\nrules:\n  - score: 1\n    match: {field: content, words: [x]}\n"));
  EXPECT_EQ(Lines({"t.yaml:3:9: invalid rule id 'Casino Ads' (use a-z, 0-9, '_', '.', '-')"}),
            Errors("version: 1\nrules:\n  - id: Casino Ads\n    score: 1\n"
                   "    match: {field: content, words: [x]}\n"));
  EXPECT_EQ(Lines({"t.yaml:4:10: duplicate rule id 'a' (first defined at line 3)"}),
            Errors("version: 1\nrules:\n"
                   "  - {id: a, score: 1, match: {field: content, words: [x]}}\n"
                   "  - {id: a, score: 1, match: {field: content, words: [y]}}\n"));
}

TEST(RuleParserTest, UnknownField) {
  EXPECT_EQ(Lines({"t.yaml:3:38: unknown field 'bdy'"}),
            Errors("version: 1\nrules:\n"
                   "  - {id: a, score: 1, match: {field: bdy, words: [x]}}\n"));
  EXPECT_EQ(Lines({"t.yaml:3:38: unknown field 'contnet' (did you mean 'content'?)"}),
            Errors("version: 1\nrules:\n"
                   "  - {id: a, score: 1, match: {field: contnet, words: [x]}}\n"));
  EXPECT_EQ(Lines({"t.yaml:3:38: field 'links' needs a part: links.url, links.host, "
                   "links.domain or links.path"}),
            Errors("version: 1\nrules:\n"
                   "  - {id: a, score: 1, match: {field: links, words: [x]}}\n"));
}

TEST(RuleParserTest, ActionModeScoreEnabled) {
  EXPECT_EQ(Lines({"t.yaml:3:21: invalid action 'block' (expected accept, hold or reject)"}),
            Errors("version: 1\nrules:\n"
                   "  - {id: a, action: block, match: {field: content, words: [x]}}\n"));
  EXPECT_EQ(Lines({"t.yaml:3:29: invalid mode 'test' (expected enforce or shadow)"}),
            Errors("version: 1\nrules:\n"
                   "  - {id: a, score: 1, mode: test, match: {field: content, words: [x]}}\n"));
  EXPECT_EQ(Lines({"t.yaml:3:20: 'score' must be a number, got 'high'"}),
            Errors("version: 1\nrules:\n"
                   "  - {id: a, score: high, match: {field: content, words: [x]}}\n"));
  EXPECT_EQ(Lines({"t.yaml:3:20: 'score' must be a number, got '[...]'"}),
            Errors("version: 1\nrules:\n"
                   "  - {id: a, score: [1], match: {field: content, words: [x]}}\n"));
  EXPECT_EQ(Lines({"t.yaml:3:32: 'enabled' must be true or false, got 'maybe'"}),
            Errors("version: 1\nrules:\n"
                   "  - {id: a, score: 1, enabled: maybe, match: {field: content, words: [x]}}\n"));
  EXPECT_EQ(Lines({"t.yaml:3:5: rule 'a' needs a score or an action"}),
            Errors("version: 1\nrules:\n  - {id: a, match: {field: content, words: [x]}}\n"));
  EXPECT_EQ(Lines({"t.yaml:3:5: rule 'a' has no 'match'"}),
            Errors("version: 1\nrules:\n  - {id: a, score: 1}\n"));
  EXPECT_EQ(Lines({"t.yaml:3:5: a rule must be a mapping"}), Errors("version: 1\nrules:\n  - a\n"));
}

TEST(RuleParserTest, ConditionShape) {
  EXPECT_EQ(Lines({"t.yaml:3:30: condition on field 'content' needs one of regex, words, "
                   "phrases, list, contains, starts, ends, equals, in_list, domain_in, "
                   "domain_in_list or cidr"}),
            Errors("version: 1\nrules:\n  - {id: a, score: 1, match: {field: content}}\n"));
  EXPECT_EQ(Lines({"t.yaml:3:30: condition has both 'regex' and 'words'; combine them with "
                   "any/all"}),
            Errors("version: 1\nrules:\n"
                   "  - {id: a, score: 1, match: {field: content, words: [x], regex: y}}\n"));
  EXPECT_EQ(
      Lines({"t.yaml:3:30: a condition has both 'any' and 'field'; nest them with all/any"}),
      Errors("version: 1\nrules:\n  - {id: a, score: 1, match: {field: content, any: []}}\n"));
  EXPECT_EQ(Lines({"t.yaml:3:31: unknown key 'feild' (did you mean 'field'?)",
                   "t.yaml:3:30: a condition needs one of field, feature, all, any or not"}),
            Errors("version: 1\nrules:\n"
                   "  - {id: a, score: 1, match: {feild: content, words: [x]}}\n"));
  EXPECT_EQ(Lines({"t.yaml:3:36: 'any' must be a non-empty list of conditions"}),
            Errors("version: 1\nrules:\n  - {id: a, score: 1, match: {any: []}}\n"));
  EXPECT_EQ(Lines({"t.yaml:3:36: a condition must be a mapping (field, feature, all, any or not)"}),
            Errors("version: 1\nrules:\n  - {id: a, score: 1, match: {not: content}}\n"));
  EXPECT_EQ(Lines({"t.yaml:3:54: 'words' must be a string or a list of strings"}),
            Errors("version: 1\nrules:\n"
                   "  - {id: a, score: 1, match: {field: content, words: {a: b}}}\n"));
  EXPECT_EQ(
      Lines({"t.yaml:3:54: 'words' must not be empty"}),
      Errors("version: 1\nrules:\n  - {id: a, score: 1, match: {field: content, words: []}}\n"));
  EXPECT_EQ(Lines({"t.yaml:3:49: 'raw' applies only to content, author.name, author.email, "
                   "author.url and thread"}),
            Errors("version: 1\nrules:\n"
                   "  - {id: a, score: 1, match: {field: site, raw: true, equals: x}}\n"));
  EXPECT_EQ(Lines({"t.yaml:3:58: 'domain_in' applies only to author.email, author.url, links.* "
                   "and site"}),
            Errors("version: 1\nrules:\n"
                   "  - {id: a, score: 1, match: {field: content, domain_in: [x.com]}}\n"));
  EXPECT_EQ(Lines({"t.yaml:3:53: 'cidr' applies only to author.ip and links.host"}),
            Errors("version: 1\nrules:\n"
                   "  - {id: a, score: 1, match: {field: content, cidr: [10.0.0.0/8]}}\n"));
}

TEST(RuleParserTest, Features) {
  EXPECT_EQ(Lines({"t.yaml:3:40: unknown feature 'link_cnt' (did you mean 'link_count'?)"}),
            Errors("version: 1\nrules:\n"
                   "  - {id: a, score: 1, match: {feature: link_cnt, \">=\": 3}}\n"));
  EXPECT_EQ(Lines({"t.yaml:3:52: unknown operator '=>' (expected >, >=, <, <=, == or != "
                   "(or gt, ge, lt, le, eq, ne))"}),
            Errors("version: 1\nrules:\n"
                   "  - {id: a, score: 1, match: {feature: link_count, \"=>\": 3}}\n"));
  EXPECT_EQ(Lines({"t.yaml:3:30: feature 'link_count' needs an operator: >, >=, <, <=, == or != "
                   "(or gt, ge, lt, le, eq, ne)"}),
            Errors("version: 1\nrules:\n  - {id: a, score: 1, match: {feature: link_count}}\n"));
  EXPECT_EQ(Lines({"t.yaml:3:58: '>=' must be a number, got 'many'"}),
            Errors("version: 1\nrules:\n"
                   "  - {id: a, score: 1, match: {feature: link_count, \">=\": many}}\n"));
}

TEST(RuleParserTest, Lists) {
  EXPECT_EQ(Lines({"t.yaml:5:53: unknown list 'casino_wrds' (did you mean 'casino_words'?)"}),
            Errors("version: 1\nlists:\n  casino_words: {words: [casino]}\nrules:\n"
                   "  - {id: a, score: 1, match: {field: content, list: casino_wrds}}\n"));
  EXPECT_EQ(Lines({"t.yaml:3:6: list 'x' needs exactly one of words, domains, entries, cidrs or "
                   "file"}),
            Errors("version: 1\nlists:\n  x: {words: [a], file: b.txt}\nrules: []\n"));
  EXPECT_EQ(Lines({"t.yaml:3:3: invalid list name 'Bad List' (use a-z, 0-9, '_', '.', '-')"}),
            Errors("version: 1\nlists:\n  Bad List: {words: [a]}\nrules: []\n"));
  EXPECT_EQ(Lines({"t.yaml:3:15: invalid CIDR '300.1.1.0/24'",
                   "t.yaml:3:29: invalid CIDR '10.0.0.0/33'"}),
            Errors("version: 1\nlists:\n  n: {cidrs: [300.1.1.0/24, 10.0.0.0/33, "
                   "\"2001:db8::/32\"]}\nrules: []\n"));
}

TEST(RuleParserTest, ListFiles) {
  moderated::testing::TempDir dir;
  CompileOptions options;
  options.base_dir = dir.path().string();
  std::string missing = dir.File("nope.txt");
  EXPECT_EQ(
      Lines({"t.yaml:3:13: cannot read list file '" + missing + "': No such file or directory"}),
      Errors("version: 1\nlists:\n  x: {file: nope.txt}\nrules: []\n", options));
  // A file list used for CIDR matching is checked line by line.
  options.base_dir = MODERATED_TESTDATA_DIR "/rules";
  EXPECT_EQ(Lines({std::string(MODERATED_TESTDATA_DIR) +
                   "/rules/lists/bad_cidr.txt:3:1: invalid CIDR '10.0.0.0/33'"}),
            Errors("version: 1\nlists:\n  nets: {file: lists/bad_cidr.txt}\nrules:\n"
                   "  - {id: a, score: 1, match: {field: author.ip, in_list: nets}}\n",
                   options));
}

TEST(RuleParserTest, ListFilesAreRegularBoundedAndConfinedWhereAsked) {
  moderated::testing::TempDir dir;
  std::filesystem::create_directory(dir.File("lists"));
  std::ofstream(dir.File("lists/ok.txt")) << "casino\n";
  std::ofstream(dir.File("secret.txt")) << "x\n";
  std::filesystem::create_symlink(dir.File("secret.txt"), dir.File("lists/link.txt"));
  auto text = [](const std::string& file) {
    return "version: 1\nlists:\n  x: {file: \"" + file + "\"}\nrules: []\n";
  };
  CompileOptions options;
  options.base_dir = dir.File("lists");
  // Only regular files, whoever sent the rules.
  EXPECT_EQ(Lines({"t.yaml:3:13: list file '/dev/zero' is not a regular file"}),
            Errors(text("/dev/zero"), options));
  EXPECT_EQ(Lines({"t.yaml:3:13: list file '" + dir.File("lists") + "' is not a regular file"}),
            Errors(text(dir.File("lists")), options));
  options.max_list_file_bytes = 3;
  EXPECT_EQ(Lines({"t.yaml:3:13: list file '" + dir.File("lists/ok.txt") +
                   "' is larger than 3 bytes"}),
            Errors(text("ok.txt"), options));
  options.max_list_file_bytes = 16 << 20;
  EXPECT_EQ(Lines{}, Errors(text(dir.File("secret.txt")), options));  // the operator's file

  // Confined (rules sent over the API): inside base_dir only, after links and "..".
  options.confine_list_files = true;
  EXPECT_EQ(Lines{}, Errors(text("ok.txt"), options));
  const std::string outside = "' refused: it is outside rules_list_dir '" + dir.File("lists") + "'";
  EXPECT_EQ(Lines({"t.yaml:3:13: list file '/etc/passwd" + outside}),
            Errors(text("/etc/passwd"), options));
  EXPECT_EQ(Lines({"t.yaml:3:13: list file '../secret.txt" + outside}),
            Errors(text("../secret.txt"), options));
  EXPECT_EQ(Lines({"t.yaml:3:13: list file 'link.txt" + outside}),
            Errors(text("link.txt"), options));
  options.base_dir = "";
  EXPECT_EQ(Lines({"t.yaml:3:13: list file 'ok.txt' refused: rules sent over the API may read "
                   "list files only from the directory set by rules_list_dir, and none is set"}),
            Errors(text("ok.txt"), options));
}

TEST(RuleParserTest, InlineCidrAndPolicy) {
  EXPECT_EQ(Lines({"t.yaml:3:56: invalid CIDR '1.2.3'"}),
            Errors("version: 1\nrules:\n"
                   "  - {id: a, score: 1, match: {field: author.ip, cidr: [1.2.3, \"::1\"]}}\n"));
  EXPECT_EQ(Lines({"t.yaml:2:11: hold_at (12) is above reject_at (10)"}),
            Errors("version: 1\ndefaults: {hold_at: 12}\nrules: []\n"));
  EXPECT_EQ(Lines({"t.yaml:2:35: unknown key 'language' (did you mean 'languages'?)",
                   "t.yaml:2:32: 'reject_at' must be a number, got 'x'"}),
            Errors("version: 1\nsites: {a.example: {reject_at: x, language: [ar]}}\nrules: []\n"));
}

TEST(RuleParserTest, SensitivityAndSpotChecks) {
  EXPECT_EQ(Lines({"t.yaml:2:25: sensitivity must be low, normal or high",
                   "t.yaml:3:33: spot_check must be a share between 0 and 1"}),
            Errors("version: 1\ndefaults: {sensitivity: loud, spot_check: 0.1}\n"
                   "sites: {a.example: {spot_check: 1.5}}\nrules: []\n"));
  std::vector<std::string> errors;
  internal::RuleFileSpec spec = internal::ParseRuleFile(
      "version: 1\ndefaults: {sensitivity: high, spot_check: 0.1}\n"
      "sites: {a.example: {spot_check: 0}, b.example: {sensitivity: low}}\nrules: []\n",
      "t.yaml", "", &errors);
  ASSERT_EQ(Lines{}, errors);
  EXPECT_EQ("high", spec.defaults.sensitivity);
  EXPECT_EQ(0.1, spec.defaults.spot_check);
  ASSERT_EQ(2u, spec.sites.size());
  EXPECT_EQ("high", spec.sites[0].second.sensitivity);  // inherited
  EXPECT_EQ(0.0, spec.sites[0].second.spot_check);
  EXPECT_EQ("low", spec.sites[1].second.sensitivity);
  EXPECT_EQ(0.1, spec.sites[1].second.spot_check);
  internal::RuleFileSpec plain =
      internal::ParseRuleFile("version: 1\nrules: []\n", "t.yaml", "", &errors);
  EXPECT_EQ("normal", plain.defaults.sensitivity);
  EXPECT_EQ(0.02, plain.defaults.spot_check);
}

TEST(RuleParserTest, AllErrorsAreCollected) {
  EXPECT_EQ(Lines({"t.yaml:4:13: invalid action 'nuke' (expected accept, hold or reject)",
                   "t.yaml:5:20: unknown field 'bdy'", "t.yaml:8:22: unknown feature 'shouting'",
                   "t.yaml:10:9: duplicate rule id 'a' (first defined at line 3)"}),
            Errors("version: 1\nrules:\n"
                   "  - id: a\n"
                   "    action: nuke\n"
                   "    match: {field: bdy, words: [x]}\n"
                   "  - id: b\n"
                   "    score: 1\n"
                   "    match: {feature: shouting, \">\": 0.5}\n"
                   "  - score: 1\n"
                   "    id: a\n"
                   "    match: {field: content, words: [x]}\n"));
}

TEST(RuleParserTest, SpecContents) {
  std::vector<std::string> errors;
  internal::RuleFileSpec spec = internal::ParseRuleFile(
      "version: 1\n"
      "defaults: {hold_at: 4}\n"
      "sites: {News.Example: {reject_at: 8, languages: [AR, ru]}}\n"
      "lists: {w: {words: [a, b]}}\n"
      "rules:\n"
      "  - id: r1\n"
      "    description: Demo\n"
      "    score: 2.5\n"
      "    action: hold\n"
      "    mode: shadow\n"
      "    enabled: false\n"
      "    sites: [News.Example]\n"
      "    languages: [ar]\n"
      "    match:\n"
      "      all:\n"
      "        - {field: content, list: w}\n"
      "        - not: {feature: length, lt: 10, \">\": 1}\n",
      "t.yaml", "", &errors);
  ASSERT_EQ(Lines{}, errors);
  EXPECT_EQ(4, spec.defaults.hold_at);
  ASSERT_EQ(1u, spec.sites.size());
  EXPECT_EQ("news.example", spec.sites[0].first);
  EXPECT_EQ(4, spec.sites[0].second.hold_at);  // inherited from defaults
  EXPECT_EQ(8, spec.sites[0].second.reject_at);
  EXPECT_EQ(Lines({"ar", "ru"}), spec.sites[0].second.languages);
  ASSERT_EQ(1u, spec.rules.size());
  const internal::RuleSpec& r = spec.rules[0];
  EXPECT_EQ("r1", r.info.id);
  EXPECT_EQ("Demo", r.info.description);
  EXPECT_EQ(2.5, r.info.score);
  EXPECT_EQ(Action::kHold, r.info.action);
  EXPECT_EQ(Mode::kShadow, r.info.mode);
  EXPECT_FALSE(r.info.enabled);
  EXPECT_EQ(Lines({"news.example"}), r.info.sites);
  EXPECT_EQ(6, r.info.line);
  ASSERT_EQ(2u, r.match.children.size());
  EXPECT_EQ(0, r.match.children[0].list);
  const internal::Condition& f = r.match.children[1].children[0];
  EXPECT_EQ(internal::Condition::Type::kFeature, f.type);
  EXPECT_EQ(2u, f.comparisons.size());
}

}  // namespace
}  // namespace moderated::rules

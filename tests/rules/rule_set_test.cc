// tests/rules/rule_set_test.cc
//
// Matching: every matcher and feature operator, Unicode word boundaries in
// Arabic and Cyrillic, exact byte spans, shadow mode, scoping, policies,
// lists (inline, file, 100,000 entries) and CIDRs.
#include "rules/rule_set.h"

#include <gtest/gtest.h>

#include <chrono>

#include "tests/rules/rules_test_util.h"

namespace moderated::rules {
namespace {

using ::moderated::rules::testing::CompileOrErrors;
using ::moderated::rules::testing::Render;
using ::moderated::rules::testing::TestComment;
using ::moderated::rules::testing::TestNormalize;
using Lines = std::vector<std::string>;

// Compiles or fails the test with the errors.
std::unique_ptr<const RuleSet> MustCompile(std::string_view source, CompileOptions options = {}) {
  std::vector<std::string> errors;
  auto rs = CompileOrErrors(source, &errors, std::move(options));
  EXPECT_EQ(Lines{}, errors);
  return rs;
}

CompileOptions Normalizing() {
  CompileOptions o;
  o.normalize_literal = TestNormalize;
  return o;
}

// Renders the hits of `rs` on a comment whose content is `text`.
std::string MatchText(const RuleSet& rs, std::string text, bool normalize = true) {
  TestComment c(std::move(text), normalize);
  return Render(rs, rs.Match(c.view));
}

TEST(RuleSetTest, WordsRespectUnicodeWordBoundaries) {
  auto rs = MustCompile(
      "version: 1\n"
      "rules:\n"
      "  - {id: casino, score: 4, match: {field: content, words: [كازينو, casino]}}\n"
      "  - {id: bet, score: 1, match: {field: content, words: [bet]}}\n"
      "  - {id: stavki, score: 1, match: {field: content, words: [СТАВКИ]}}\n",
      Normalizing());
  ASSERT_NE(nullptr, rs);
  // Arabic: whole word next to the Arabic comma "،" (U+060C) and at the end.
  // "العب " is 9 bytes, "كازينو" 12.
  EXPECT_EQ("casino{content:9-21}", MatchText(*rs, "العب كازينو، الآن"));
  EXPECT_EQ("casino{content:0-12}", MatchText(*rs, "كازينو"));
  // ...but not inside a longer word (plural, prefixed article).
  EXPECT_EQ("", MatchText(*rs, "الكازينو كازينوهات"));
  // Latin: "bet" is not in "alphabet" or "betting", but is in "bet!".
  EXPECT_EQ("", MatchText(*rs, "alphabet betting"));
  EXPECT_EQ("bet{content:4-7}", MatchText(*rs, "lol bet!"));
  // Cyrillic: folding makes "Ставки!" match; "заставки" does not.
  // "Ставки" is 12 bytes.
  EXPECT_EQ("stavki{content:0-12}", MatchText(*rs, "Ставки!"));
  EXPECT_EQ("", MatchText(*rs, "заставки"));
  // Digits are word characters too: "casino1" is another word.
  EXPECT_EQ("", MatchText(*rs, "casino1 casino_x"));
  // Several occurrences: every disjoint span.
  EXPECT_EQ("casino{content:0-6,content:7-13}", MatchText(*rs, "CASINO casino"));
}

TEST(RuleSetTest, WordsWithoutNormalizeLiteralAreStillCaseInsensitive) {
  auto rs = MustCompile(
      "version: 1\n"
      "rules:\n"
      "  - {id: a, score: 1, match: {field: content, words: [Казино]}}\n"
      "  - {id: b, score: 1, match: {field: content, case_sensitive: true, words: [Казино]}}\n");
  EXPECT_EQ("a{content:0-12}", MatchText(*rs, "КАЗИНО", false));
  EXPECT_EQ("a{content:0-12} b{content:0-12}", MatchText(*rs, "Казино", false));
}

TEST(RuleSetTest, PhrasesAllowAnyWhitespace) {
  auto rs = MustCompile(
      "version: 1\n"
      "rules:\n"
      "  - {id: p, score: 1, match: {field: content, phrases: [\"earn from home\", "
      "\"ربح من المنزل\", \"t.me\"]}}\n",
      Normalizing());
  EXPECT_EQ("p{content:4-19}", MatchText(*rs, "Now Earn  from\nhome!"));
  EXPECT_EQ("", MatchText(*rs, "learn from home"));
  // "ربح من المنزل" = 6 + 1 + 4 + 1 + 12 bytes.
  EXPECT_EQ("p{content:0-24}", MatchText(*rs, "ربح من المنزل"));
  EXPECT_EQ("p{content:5-9}", MatchText(*rs, "join t.me/casino"));
  EXPECT_EQ("", MatchText(*rs, "at.me"));
}

TEST(RuleSetTest, Regex) {
  auto rs = MustCompile(
      "version: 1\n"
      "rules:\n"
      "  - {id: spins, score: 1, match: {field: content, regex: 'free\\s+spins?'}}\n"
      "  - {id: cs, score: 1, match: {field: content, regex: 'ABC', case_sensitive: true}}\n"
      "  - {id: two, score: 1, match: {field: content, regex: ['x{3}', 'y{3}']}}\n");
  EXPECT_EQ("spins{content:4-14}", MatchText(*rs, "get FREE spins", false));
  EXPECT_EQ("cs{content:0-3}", MatchText(*rs, "ABC abc", false));
  EXPECT_EQ("two{content:0-3,content:4-7}", MatchText(*rs, "xxx yyy", false));
}

TEST(RuleSetTest, InvalidRegexIsACompileError) {
  std::vector<std::string> errors;
  EXPECT_EQ(nullptr,
            CompileOrErrors("version: 1\nrules:\n"
                            "  - {id: a, score: 1, match: {field: content, regex: 'free('}}\n"
                            "  - {id: b, score: 1, match: {field: content, regex: ['ok', "
                            "'a**']}}\n",
                            &errors));
  EXPECT_EQ(Lines({"t.yaml:3:54: invalid regex 'free(': missing ): free(",
                   "t.yaml:4:61: invalid regex 'a**': bad repetition operator: **"}),
            errors);
}

TEST(RuleSetTest, RegexMemoryBudgetIsACompileError) {
  CompileOptions options;
  options.re2_max_mem = 100;
  std::vector<std::string> errors;
  EXPECT_EQ(nullptr, CompileOrErrors("version: 1\nrules:\n"
                                     "  - {id: a, score: 1, match: {field: content, "
                                     "regex: 'casino'}}\n",
                                     &errors, options));
  EXPECT_EQ(Lines({"t.yaml:3:30: the rules on field 'content' need more RE2 memory than "
                   "re2_max_mem (100 bytes)"}),
            errors);
}

TEST(RuleSetTest, ContainsStartsEndsEquals) {
  auto rs = MustCompile(
      "version: 1\n"
      "rules:\n"
      "  - {id: c, score: 1, match: {field: author.email, contains: \"@mailinator.\"}}\n"
      "  - {id: s, score: 1, match: {field: author.name, starts: [\"Cheap\", \"Best\"]}}\n"
      "  - {id: e, score: 1, match: {field: author.url, ends: \".xyz\"}}\n"
      "  - {id: q, score: 1, match: {field: thread, equals: \"Spam (test)\"}}\n"
      "  - {id: l, score: 1, match: {field: language, equals: ar}}\n"
      "  - {id: t, score: 1, match: {field: site, equals: news.example}}\n");
  CommentView c;
  c.author_email = {"bob@Mailinator.com", "bob@Mailinator.com"};
  c.author_name = {"cheap pills", "cheap pills"};
  c.author_url = {"http://x.XYZ", "http://x.XYZ"};
  c.thread = {"spam (TEST)", "spam (TEST)"};
  c.language = "AR";
  c.site = "News.Example";
  EXPECT_EQ("c{author.email:3-15} s{author.name:0-5} e{author.url:8-12} q{thread:0-11} l{} t{}",
            Render(*rs, rs->Match(c)));
  c.author_name = {"the cheap", "the cheap"};
  c.thread = {"spam (test) 2", "spam (test) 2"};
  c.language = "arz";
  EXPECT_EQ("c{author.email:3-15} e{author.url:8-12} t{}", Render(*rs, rs->Match(c)));
}

TEST(RuleSetTest, RawMatchesTheTextAsSent) {
  auto rs = MustCompile(
      "version: 1\n"
      "rules:\n"
      "  - {id: raw, score: 1, match: {field: content, raw: true, contains: \"Ca\\u200Bsino\"}}\n"
      "  - {id: norm, score: 1, match: {field: content, contains: casino}}\n");
  TestComment c("Ca\u200Bsino");
  c.normalized = "casino";
  c.view.content.normalized = c.normalized;
  EXPECT_EQ("raw{content.raw:0-9} norm{content:0-6}", Render(*rs, rs->Match(c.view)));
}

TEST(RuleSetTest, NormalizeLiteralIsAppliedToLiteralsNotToRaw) {
  CompileOptions options;
  options.normalize_literal = [](std::string_view s) { return "<" + std::string(s) + ">"; };
  auto rs = MustCompile(
      "version: 1\n"
      "rules:\n"
      "  - {id: n, score: 1, match: {field: content, contains: x}}\n"
      "  - {id: r, score: 1, match: {field: content, raw: true, contains: x}}\n",
      options);
  TestComment c("x");
  c.normalized = "<x>";
  c.view.content.normalized = c.normalized;
  EXPECT_EQ("n{content:0-3} r{content.raw:0-1}", Render(*rs, rs->Match(c.view)));
}

CommentView LinkComment(const std::string& content) {
  CommentView c;
  c.content = {content, content};
  return c;
}

TEST(RuleSetTest, Links) {
  auto rs = MustCompile(
      "version: 1\n"
      "lists:\n"
      "  bad_domains: {domains: [spam.example, \"*.evil.example\"]}\n"
      "rules:\n"
      "  - {id: d, score: 1, match: {field: links.domain, in_list: bad_domains}}\n"
      "  - {id: h, score: 1, match: {field: links.host, domain_in_list: bad_domains}}\n"
      "  - {id: u, score: 1, match: {field: links.url, contains: \"/promo\"}}\n"
      "  - {id: p, score: 1, match: {field: links.path, starts: \"/ref\"}}\n"
      "  - {id: ip, score: 1, match: {field: links.host, cidr: [192.0.2.0/24]}}\n");
  std::string text =
      "see https://a.spam.example/promo and http://cdn.evil.example/ref?x "
      "http://192.0.2.7/";
  CommentView c = LinkComment(text);
  c.links.push_back(
      {"https://a.spam.example/promo", "a.spam.example", "spam.example", "/promo", 4, 32});
  c.links.push_back(
      {"http://cdn.evil.example/ref?x", "cdn.evil.example", "evil.example", "/ref", 37, 66});
  c.links.push_back({"http://192.0.2.7/", "192.0.2.7", "192.0.2.7", "/", 67, 84});
  EXPECT_EQ(
      "d{links#0:4-32} h{links#0:4-32,links#1:37-66} u{links#0:4-32} p{links#1:37-66} "
      "ip{links#2:67-84}",
      Render(*rs, rs->Match(c)));
  // "evil.example" itself is in no list: only "*.evil.example" subdomains are
  // listed, which is the same as the domain itself for domain_in.
  c.links.clear();
  EXPECT_EQ("", Render(*rs, rs->Match(c)));
}

TEST(RuleSetTest, AuthorIpCidrV4AndV6) {
  auto rs = MustCompile(
      "version: 1\n"
      "lists:\n"
      "  bad_nets: {cidrs: [203.0.113.0/24, \"2001:db8::/32\"]}\n"
      "rules:\n"
      "  - {id: inline, score: 1, match: {field: author.ip, cidr: [10.0.0.0/8, \"fd00::/8\"]}}\n"
      "  - {id: listed, score: 1, match: {field: author.ip, in_list: bad_nets}}\n");
  auto match_ip = [&](std::string ip) {
    CommentView c;
    c.author_ip = ip;
    return Render(*rs, rs->Match(c));
  };
  EXPECT_EQ("inline{}", match_ip("10.200.3.4"));
  EXPECT_EQ("", match_ip("11.0.0.1"));
  EXPECT_EQ("listed{}", match_ip("203.0.113.255"));
  EXPECT_EQ("", match_ip("203.0.114.0"));
  EXPECT_EQ("listed{}", match_ip("2001:db8:1::5"));
  EXPECT_EQ("", match_ip("2001:db9::1"));
  EXPECT_EQ("inline{}", match_ip("fd12::1"));
  EXPECT_EQ("listed{}", match_ip("::ffff:203.0.113.9"));  // IPv4-mapped
  EXPECT_EQ("", match_ip(""));
  EXPECT_EQ("", match_ip("not-an-ip"));
}

TEST(RuleSetTest, EmailDomainIn) {
  auto rs = MustCompile(
      "version: 1\n"
      "rules:\n"
      "  - {id: m, score: 1, match: {field: author.email, domain_in: [mailinator.com]}}\n"
      "  - {id: u, score: 1, match: {field: author.url, domain_in: [spam.example]}}\n");
  auto match = [&](std::string email, std::string url) {
    CommentView c;
    c.author_email = {email, email};
    c.author_url = {url, url};
    return Render(*rs, rs->Match(c));
  };
  EXPECT_EQ("m{author.email:0-16}", match("a@Mailinator.COM", ""));
  EXPECT_EQ("m{author.email:0-19}", match("a@eu.mailinator.com", ""));
  EXPECT_EQ("", match("a@notmailinator.com", ""));
  EXPECT_EQ("u{author.url:0-33}", match("", "https://user@www.spam.example:80/"));
  EXPECT_EQ("", match("", "https://spam.example.org/"));
}

TEST(RuleSetTest, FeatureOperators) {
  auto rs = MustCompile(
      "version: 1\n"
      "rules:\n"
      "  - {id: gt, score: 1, match: {feature: link_count, \">\": 2}}\n"
      "  - {id: ge, score: 1, match: {feature: link_count, \">=\": 3}}\n"
      "  - {id: lt, score: 1, match: {feature: link_count, \"<\": 3}}\n"
      "  - {id: le, score: 1, match: {feature: link_count, \"<=\": 3}}\n"
      "  - {id: eq, score: 1, match: {feature: link_count, \"==\": 3}}\n"
      "  - {id: ne, score: 1, match: {feature: link_count, \"!=\": 3}}\n"
      "  - {id: range, score: 1, match: {feature: uppercase_ratio, ge: 0.7, lt: 1}}\n");
  CommentView c;
  c.features.link_count = 3;
  EXPECT_EQ("gt{} ge{} le{} eq{}", Render(*rs, rs->Match(c)));
  c.features.link_count = 4;
  c.features.uppercase_ratio = 0.7;
  EXPECT_EQ("gt{} ge{} ne{} range{}", Render(*rs, rs->Match(c)));
  c.features.link_count = 0;
  c.features.uppercase_ratio = 1;
  EXPECT_EQ("lt{} le{} ne{}", Render(*rs, rs->Match(c)));
  // Every feature can be named.
  for (std::string_view name : FeatureNames()) {
    std::string src =
        "version: 1\nrules:\n  - {id: f, score: 1, match: {feature: " + std::string(name) +
        ", \">\": 0}}\n";
    EXPECT_NE(nullptr, MustCompile(src)) << name;
  }
  EXPECT_EQ(14u, FeatureNames().size());
}

TEST(RuleSetTest, CombinatorsAndSpans) {
  auto rs = MustCompile(
      "version: 1\n"
      "rules:\n"
      "  - id: combo\n"
      "    score: 3\n"
      "    match:\n"
      "      all:\n"
      "        - any:\n"
      "            - {field: content, words: [casino]}\n"
      "            - {field: content, words: [slots]}\n"
      "            - {field: content, words: [poker]}\n"
      "        - not: {field: language, equals: ar}\n"
      "        - not: {field: content, words: [news]}\n");
  TestComment c("casino and slots");
  c.view.language = "en";
  // Spans of every true child of `any`; negations contribute none.
  EXPECT_EQ("combo{content:0-6,content:11-16}", Render(*rs, rs->Match(c.view)));
  c.view.language = "ar";
  EXPECT_EQ("", Render(*rs, rs->Match(c.view)));
  c.view.language = "en";
  TestComment n("casino news");
  EXPECT_EQ("", Render(*rs, rs->Match(n.view)));
}

TEST(RuleSetTest, ShadowDisabledAndScoping) {
  auto rs = MustCompile(
      "version: 1\n"
      "rules:\n"
      "  - {id: shadow, score: 2, mode: shadow, match: {field: content, words: [x]}}\n"
      "  - {id: off, score: 2, enabled: false, match: {field: content, words: [x]}}\n"
      "  - {id: news, score: 2, sites: [News.Example], match: {field: content, words: [x]}}\n"
      "  - {id: arabic, score: 2, languages: [ar, fa], match: {field: content, words: [x]}}\n");
  TestComment c("x");
  c.view.site = "other.example";
  c.view.language = "en";
  EXPECT_EQ("shadow{content:0-1}", Render(*rs, rs->Match(c.view)));
  c.view.site = "news.example";
  c.view.language = "AR";
  EXPECT_EQ("shadow{content:0-1} news{content:0-1} arabic{content:0-1}",
            Render(*rs, rs->Match(c.view)));
  EXPECT_EQ(4, rs->size());
  EXPECT_EQ(Mode::kShadow, rs->rule(0).mode);
  EXPECT_FALSE(rs->rule(1).enabled);
  EXPECT_EQ(Lines({"news.example"}), rs->rule(2).sites);
  EXPECT_EQ(3, rs->Find("arabic"));
  EXPECT_EQ(-1, rs->Find("nope"));
  EXPECT_EQ(6, rs->rule(3).line);
}

TEST(RuleSetTest, PolicyVersionAndNames) {
  const char* src =
      "version: 1\n"
      "defaults: {hold_at: 5, reject_at: 10}\n"
      "sites:\n"
      "  news.example: {hold_at: 4, reject_at: 9, languages: [ar, ru, en]}\n"
      "  quiet.example: {reject_at: 20}\n"
      "rules: []\n";
  auto rs = MustCompile(src);
  EXPECT_EQ(4, rs->policy("News.Example").hold_at);
  EXPECT_EQ(9, rs->policy("news.example").reject_at);
  EXPECT_EQ(Lines({"ar", "ru", "en"}), rs->policy("news.example").languages);
  EXPECT_EQ(5, rs->policy("quiet.example").hold_at);
  EXPECT_EQ(20, rs->policy("quiet.example").reject_at);
  EXPECT_EQ(5, rs->policy("unknown.example").hold_at);
  EXPECT_EQ(10, rs->policy("").reject_at);
  EXPECT_TRUE(rs->policy("x").languages.empty());
  // FNV-1a 64 of the source, first 12 hex digits; same text, same version.
  EXPECT_EQ(14u, rs->version().size());
  EXPECT_EQ("r-", rs->version().substr(0, 2));
  EXPECT_EQ(rs->version(), MustCompile(src)->version());
  EXPECT_NE(rs->version(), MustCompile(std::string(src) + "\n")->version());
  EXPECT_EQ("r-e0fb88427990", MustCompile("version: 1\nrules: []\n")->version());
  EXPECT_EQ("content", FieldName(Field::kContent));
  EXPECT_EQ("author.ip", FieldName(Field::kAuthorIp));
  EXPECT_EQ("reject", ActionName(Action::kReject));
  EXPECT_EQ("shadow", ModeName(Mode::kShadow));
}

TEST(RuleSetTest, ListsFromFiles) {
  CompileOptions options = Normalizing();
  options.base_dir = MODERATED_TESTDATA_DIR "/rules";
  auto rs = MustCompile(
      "version: 1\n"
      "lists:\n"
      "  words: {file: lists/casino_words.txt}\n"
      "  domains: {file: lists/bad_domains.txt}\n"
      "  nets: {file: lists/bad_nets.txt}\n"
      "rules:\n"
      "  - {id: w, score: 1, match: {field: content, list: words}}\n"
      "  - {id: d, score: 1, match: {field: author.email, domain_in_list: domains}}\n"
      "  - {id: n, score: 1, match: {field: author.ip, in_list: nets}}\n",
      options);
  ASSERT_NE(nullptr, rs);
  EXPECT_EQ("w{content:0-14}", MatchText(*rs, "online  casino"));
  EXPECT_EQ("w{content:0-12}", MatchText(*rs, "КАЗИНО"));
  auto email = [&](std::string e) {
    CommentView c;
    c.author_email = {e, e};
    c.author_ip = "2001:db8:bad:1::1";
    return Render(*rs, rs->Match(c));
  };
  EXPECT_EQ("d{author.email:0-21} n{}", email("x@cheap-pills.example"));
  EXPECT_EQ("d{author.email:0-16} n{}", email("x@padded.example"));
  // "bet#hash.example": '#' inside a word is not a comment.
  EXPECT_EQ("d{author.email:0-18} n{}", email("x@bet#hash.example"));
  EXPECT_EQ("n{}", email("x@ok.example"));
}

// Speed is the benchmarks' business (bench/rules_bench.cc); this checks that
// 100,000-entry lists compile and match exactly.
TEST(RuleSetTest, LargeListsCompileAndMatch) {
  std::string words = "version: 1\nlists:\n  w: {words: [";
  std::string domains;
  for (int i = 0; i < 100000; ++i) {
    if (i) words += ", ";
    words += "spamword" + std::to_string(i);
  }
  words += ", \"two words\"]}\n  d: {domains: [";
  for (int i = 0; i < 100000; ++i) {
    if (i) words += ", ";
    words += "host" + std::to_string(i) + ".example";
  }
  words +=
      "]}\nrules:\n"
      "  - {id: w, score: 1, match: {field: content, list: w}}\n"
      "  - {id: d, score: 1, match: {field: links.domain, in_list: d}}\n"
      "  - {id: h, score: 1, match: {field: links.host, domain_in_list: d}}\n";
  auto rs = MustCompile(words);
  ASSERT_NE(nullptr, rs);
  std::string text = "buy spamword99999 now, two  words";
  CommentView c = LinkComment(text);
  c.links.push_back({"http://a.host77.example/", "a.host77.example", "host77.example", "/", 0, 1});
  EXPECT_EQ("w{content:4-17,content:23-33} d{links#0:0-1} h{links#0:0-1}",
            Render(*rs, rs->Match(c)));
  TestComment miss("spamword100000 host5.example");
  EXPECT_EQ("", Render(*rs, rs->Match(miss.view)));
}

TEST(RuleSetTest, SpansAreCappedPerCondition) {
  auto rs = MustCompile(
      "version: 1\nrules:\n"
      "  - {id: w, score: 1, match: {field: content, words: [a]}}\n"
      "  - {id: r, score: 1, match: {field: content, regex: 'b'}}\n");
  std::string text;
  for (int i = 0; i < 20; ++i) text += "a b ";
  TestComment c(text);
  Matches m = rs->Match(c.view);
  ASSERT_EQ(2u, m.hits.size());
  EXPECT_EQ(8u, m.hits[0].spans.size());
  EXPECT_EQ(8u, m.hits[1].spans.size());
  EXPECT_EQ(2u, m.hits[1].spans[0].begin);
  EXPECT_EQ(30u, m.hits[1].spans[7].begin);
}

TEST(RuleSetTest, UsesFeatureSeesEnabledAndShadowRulesOnly) {
  auto rs = MustCompile(
      "version: 1\n"
      "rules:\n"
      "  - {id: nested, score: 1, match: {all: [{field: content, words: [x]}, {not: {feature: author_rejected, "
      "\">=\": 1}}]}}\n"
      "  - {id: watch, score: 1, mode: shadow, match: {feature: velocity_ip, \">\": 5}}\n"
      "  - {id: off, score: 1, enabled: false, match: {feature: author_approved, \">\": 0}}\n");
  ASSERT_NE(nullptr, rs);
  EXPECT_TRUE(rs->UsesFeature("author_rejected"));
  EXPECT_TRUE(rs->UsesFeature("velocity_ip"));
  EXPECT_FALSE(rs->UsesFeature("author_approved"));  // only a disabled rule reads it
  EXPECT_FALSE(rs->UsesFeature("link_count"));
  EXPECT_FALSE(rs->UsesFeature("no_such_feature"));
}

}  // namespace
}  // namespace moderated::rules

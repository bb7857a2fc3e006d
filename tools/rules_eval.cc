// tools/rules_eval.cc
//
// Measures a rule file (default: rules/default.yaml) on the labelled data in
// ../shared/data (relative to the repository root): per data set, the false-positive rate (ham whose score
// reaches hold_at, or that a rule rejects) and the spam recall.
//
// Standalone; not built by CMake. Build by hand from the repository root:
//   g++ -std=c++20 -O2 -I. tools/rules_eval.cc build/rules/libmoderated_rules.a
//       build/base/libmoderated_base.a $(pkg-config --libs re2 yaml-cpp libcrypto)
//       -o build/rules_eval
//   build/rules_eval [rules.yaml] [data_dir]
//
// Approximations (the daemon does better): text is normalised by simple case
// folding plus Arabic/Russian letter folding (rules/text_util FoldCase, alef
// forms, ya, ta marbuta, ё), not NFKC + ICU confusables; links and features
// are computed here with simple scans (URLs start with http://, https:// or
// www.; mixed-script words are Latin+Cyrillic only).
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "base/files.h"
#include "base/strings.h"
#include "rules/rule_set.h"
#include "rules/text_util.h"

namespace {

using moderated::rules::CommentView;
using moderated::rules::CompileOptions;
using moderated::rules::Features;
using moderated::rules::LinkView;
using moderated::rules::RuleSet;

// The file's bytes; a missing file reads as empty (its data set then counts 0).
std::string ReadFile(const std::string& path) {
  std::string text, error;
  if (!moderated::base::ReadFile(path, &text, &error)) std::fprintf(stderr, "%s\n", error.c_str());
  return text;
}

// RFC 4180-style records with `sep` as the delimiter ("" quotes, newlines
// inside quotes).
std::vector<std::vector<std::string>> ParseDelimited(const std::string& data, char sep) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false, at_start = true;
  for (size_t i = 0; i < data.size(); ++i) {
    char c = data[i];
    if (quoted) {
      if (c == '"' && i + 1 < data.size() && data[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
      continue;
    }
    if (c == '"' && at_start) {
      quoted = true;
      at_start = false;
    } else if (c == sep) {
      row.push_back(std::move(field));
      field.clear();
      at_start = true;
    } else if (c == '\n') {
      if (!field.empty() && field.back() == '\r') field.pop_back();
      row.push_back(std::move(field));
      field.clear();
      rows.push_back(std::move(row));
      row.clear();
      at_start = true;
    } else {
      field += c;
      at_start = false;
    }
  }
  if (!field.empty() || !row.empty()) {
    row.push_back(field);
    rows.push_back(row);
  }
  return rows;
}

std::string Normalize(std::string_view s) {
  std::string out = moderated::rules::internal::FoldCase(s);
  static const std::pair<std::string_view, std::string_view> kPairs[] = {
      {"أ", "ا"}, {"إ", "ا"}, {"آ", "ا"}, {"ى", "ي"}, {"ة", "ه"}, {"ё", "е"}, {"ـ", ""}};
  for (const auto& [from, to] : kPairs) {
    size_t pos = 0;
    while ((pos = out.find(from, pos)) != std::string::npos) {
      out.replace(pos, from.size(), to);
      pos += to.size();
    }
  }
  return out;
}

// Decodes UTF-8 leniently into code points.
std::vector<uint32_t> CodePoints(std::string_view s) {
  std::vector<uint32_t> out;
  for (size_t i = 0; i < s.size();) {
    unsigned char c = s[i];
    int len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
    uint32_t cp = len == 1 ? c : len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
    for (int k = 1; k < len && i + k < s.size(); ++k) cp = (cp << 6) | (s[i + k] & 0x3F);
    out.push_back(cp);
    i += len;
  }
  return out;
}

bool IsLatin(uint32_t c) { return (c | 32) >= 'a' && (c | 32) <= 'z'; }
bool IsCyrillic(uint32_t c) { return c >= 0x400 && c <= 0x4FF; }
bool IsUpper(uint32_t c) {
  return (c >= 'A' && c <= 'Z') || (c >= 0x410 && c <= 0x42F) || (c >= 0xC0 && c <= 0xDE);
}
bool IsLetter(uint32_t c) {
  return IsLatin(c) || IsCyrillic(c) || (c >= 0xC0 && c <= 0x24F) || (c >= 0x600 && c <= 0x6FF);
}

struct Comment {
  std::string raw, normalized;
  std::vector<std::string> urls, hosts, domains, paths;
  CommentView view;
};

void Prepare(Comment* c) {
  c->normalized = Normalize(c->raw);
  CommentView& v = c->view;
  v.content = {c->normalized, c->raw};
  // Links: http(s):// or www. up to white space.
  std::vector<std::pair<size_t, size_t>> spans;
  std::string lower = moderated::base::AsciiLower(c->raw);
  for (size_t i = 0; i < lower.size();) {
    size_t p =
        std::min({lower.find("http://", i), lower.find("https://", i), lower.find("www.", i)});
    if (p == std::string::npos) break;
    size_t e = lower.find_first_of(" \t\n\"'<>", p);
    if (e == std::string::npos) e = lower.size();
    spans.emplace_back(p, e);
    i = e;
  }
  std::set<std::string> distinct;
  for (auto [b, e] : spans) {
    c->urls.push_back(c->raw.substr(b, e - b));
    std::string host = moderated::rules::internal::HostOfUrl(c->urls.back());
    c->hosts.push_back(host);
    // Registrable domain, roughly: the last two labels (three for *.co.uk etc.).
    size_t dot = host.rfind('.');
    size_t dot2 =
        dot == std::string::npos || dot == 0 ? std::string::npos : host.rfind('.', dot - 1);
    if (dot2 != std::string::npos && host.size() - dot <= 3 && dot - dot2 <= 4 && dot2 > 0) {
      dot2 = host.rfind('.', dot2 - 1);
    }
    c->domains.push_back(dot2 == std::string::npos ? host : host.substr(dot2 + 1));
    distinct.insert(c->domains.back());
    size_t slash = c->urls.back().find(
        '/', c->urls.back().find("//") == std::string::npos ? 0 : c->urls.back().find("//") + 2);
    c->paths.push_back(slash == std::string::npos ? "/" : c->urls.back().substr(slash));
  }
  for (size_t i = 0; i < spans.size(); ++i) {
    v.links.push_back(LinkView{c->urls[i], c->hosts[i], c->domains[i], c->paths[i], spans[i].first,
                               spans[i].second});
  }
  Features& f = v.features;
  std::vector<uint32_t> cps = CodePoints(c->raw);
  f.length = cps.size();
  f.link_count = spans.size();
  f.distinct_domains = distinct.size();
  double letters = 0, upper = 0, run = 0, best = 0;
  uint32_t prev = 0;
  bool latin = false, cyr = false;
  for (uint32_t cp : cps) {
    if (IsLetter(cp)) {
      ++letters;
      if (IsUpper(cp)) ++upper;
    }
    run = cp == prev ? run + 1 : 1;
    best = std::max(best, run);
    prev = cp;
    if (cp == 0x200B || cp == 0x200C || cp == 0x200D || cp == 0x2060 || cp == 0xFEFF ||
        cp == 0xAD) {
      ++f.invisible_count;
    }
    if (cp == 0x200E || cp == 0x200F || cp == 0x61C || (cp >= 0x202A && cp <= 0x202E) ||
        (cp >= 0x2066 && cp <= 0x2069)) {
      ++f.invisible_count;
      ++f.bidi_count;
    }
    if (IsLatin(cp)) latin = true;
    if (IsCyrillic(cp)) cyr = true;
    if (!IsLetter(cp)) {
      if (latin && cyr) ++f.mixed_script_words;
      latin = cyr = false;
    }
    if (cp >= 0x1F300 && cp <= 0x1FAFF) ++f.emoji_count;
  }
  if (latin && cyr) ++f.mixed_script_words;
  f.uppercase_ratio = letters > 0 ? upper / letters : 0;
  f.max_repeat_run = best;
}

struct Tally {
  int ham = 0, fp = 0, spam = 0, caught = 0;
  std::map<std::string, int> ham_rules;  // rule id → ham comments it fired on
};

bool Held(const RuleSet& rs, Comment* c, std::map<std::string, int>* fired) {
  Prepare(c);
  auto m = rs.Match(c->view);
  double score = 0;
  bool reject = false;
  for (const auto& h : m.hits) {
    const auto& info = rs.rule(h.rule);
    if (fired) ++(*fired)[info.id];
    if (info.mode == moderated::rules::Mode::kShadow) continue;
    score += info.score;
    reject = reject || info.action == moderated::rules::Action::kReject;
  }
  return reject || score >= rs.policy("").hold_at;
}

void Add(const RuleSet& rs, Tally* t, const std::string& text, bool spam) {
  Comment c;
  c.raw = text;
  if (spam) {
    ++t->spam;
    t->caught += Held(rs, &c, nullptr);
  } else {
    ++t->ham;
    bool held = Held(rs, &c, &t->ham_rules);
    t->fp += held;
    if (held && std::getenv("SHOW_FP")) std::printf("  FP: %s\n", text.substr(0, 200).c_str());
  }
}

void Report(const char* name, const Tally& t) {
  std::printf("%-34s ham %6d  FP %4d (%5.2f%%)", name, t.ham, t.fp,
              t.ham ? 100.0 * t.fp / t.ham : 0.0);
  if (t.spam) {
    std::printf("  spam %5d  recall %5.1f%%", t.spam, 100.0 * t.caught / t.spam);
  } else {
    std::printf("  spam     -  recall     -");
  }
  std::printf("\n");
  if (std::getenv("SHOW_RULES")) {
    for (const auto& [id, n] : t.ham_rules) std::printf("    ham hits %-28s %d\n", id.c_str(), n);
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string rules_path = argc > 1 ? argv[1] : "rules/default.yaml";
  std::string data = argc > 2 ? argv[2] : "../shared/data";
  CompileOptions options;
  options.normalize_literal = Normalize;
  std::vector<std::string> errors;
  auto rs = RuleSet::Compile(ReadFile(rules_path), rules_path, options, &errors);
  if (!rs) {
    for (const auto& e : errors) std::fprintf(stderr, "%s\n", e.c_str());
    return 1;
  }
  std::printf("rules %s (%d rules, version %s), hold_at %.1f\n", rules_path.c_str(), rs->size(),
              rs->version().c_str(), rs->policy("").hold_at);

  Tally sms;
  for (const auto& r :
       ParseDelimited(ReadFile(data + "/sms-spam-collection/SMSSpamCollection"), '\t')) {
    if (r.size() >= 2) Add(*rs, &sms, r[1], r[0] == "spam");
  }
  Report("sms-spam-collection (en)", sms);

  Tally yt;
  for (const char* f : {"Youtube01-Psy.csv", "Youtube02-KatyPerry.csv", "Youtube03-LMFAO.csv",
                        "Youtube04-Eminem.csv", "Youtube05-Shakira.csv"}) {
    auto rows = ParseDelimited(ReadFile(data + "/youtube-spam-collection/" + f), ',');
    for (size_t i = 1; i < rows.size(); ++i) {
      if (rows[i].size() >= 5) Add(*rs, &yt, rows[i][3], rows[i][4] == "1");
    }
  }
  Report("youtube-spam-collection (en)", yt);

  Tally ar;
  {
    auto rows =
        ParseDelimited(ReadFile(data + "/arabic-spam-ham-tweets/arabic_spam_ham_tweets.tsv"), '\t');
    for (size_t i = 1; i < rows.size(); ++i) {
      if (rows[i].size() >= 16) Add(*rs, &ar, rows[i][4], rows[i][15] == "Spam");
    }
  }
  Report("arabic-spam-ham-tweets (ar)*", ar);

  Tally mp;
  {
    auto rows = ParseDelimited(ReadFile(data + "/mpold-arabic-news-comments/mpold.tsv"), '\t');
    for (size_t i = 1; i < rows.size(); ++i) {
      if (rows[i].size() >= 4 && rows[i][3] == "Non-Offensive") Add(*rs, &mp, rows[i][2], false);
    }
  }
  Report("mpold news comments (ar)", mp);

  Tally os;
  for (const char* f : {"OSACT2020-sharedTask-train.txt", "OSACT2020-sharedTask-dev.txt"}) {
    std::stringstream in(ReadFile(data + "/osact2020-arabic-offensive/" + f));
    std::string line;
    while (std::getline(in, line)) {
      size_t t1 = line.find('\t');
      if (t1 == std::string::npos) continue;
      size_t t2 = line.find('\t', t1 + 1);
      std::string text = line.substr(0, t1);
      for (size_t p; (p = text.find("<LF>")) != std::string::npos;) text.replace(p, 4, "\n");
      if (line.substr(t1 + 1, t2 - t1 - 1) == "NOT_OFF") Add(*rs, &os, text, false);
    }
  }
  Report("osact2020 NOT_OFF tweets (ar)", os);

  Tally ru;
  {
    auto rows =
        ParseDelimited(ReadFile(data + "/russian-language-toxic-comments/labeled.csv"), ',');
    for (size_t i = 1; i < rows.size(); ++i) {
      if (rows[i].size() >= 2 && rows[i][1] == "0.0") Add(*rs, &ru, rows[i][0], false);
    }
  }
  Report("russian toxic comments, non-toxic (ru)", ru);
  std::printf("* ham there is news-agency headlines, not comments (see its SOURCE.md)\n");
  return 0;
}

// rules/rule_parser.cc
//
// yaml-cpp is used only here. Its exceptions (ParserException for syntax,
// BadConversion for types) are caught in this file and turned into error
// lines; none escapes.
#include "rules/rule_parser.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <unordered_map>

#include "base/strings.h"
#include "rules/cidr.h"
#include "rules/text_util.h"

namespace moderated::rules::internal {
namespace {

using Keys = std::vector<std::string_view>;

const Keys kTopKeys = {"version", "defaults", "sites", "lists", "rules"};
const Keys kPolicyKeys = {"hold_at", "reject_at", "sensitivity", "spot_check"};
const Keys kSiteKeys = {"hold_at", "reject_at", "languages", "sensitivity", "spot_check"};
const Keys kListKeys = {"words", "domains", "entries", "cidrs", "file"};
const Keys kRuleKeys = {"id",      "description", "score",     "action", "mode",
                        "enabled", "sites",       "languages", "match"};
const Keys kMatcherKeys = {"regex", "words",  "phrases", "list",      "contains",       "starts",
                           "ends",  "equals", "in_list", "domain_in", "domain_in_list", "cidr"};
const Keys kFieldNames = {"content",      "author.name", "author.email", "author.url",
                          "author.ip",    "thread",      "links.url",    "links.host",
                          "links.domain", "links.path",  "language",     "site"};
// Symbolic operators and their YAML-friendly word aliases (">=" must be
// quoted in YAML; "ge" need not be).
const std::array<std::pair<std::string_view, CompareOp>, 12> kOps = {{
    {">", CompareOp::kGt},
    {">=", CompareOp::kGe},
    {"<", CompareOp::kLt},
    {"<=", CompareOp::kLe},
    {"==", CompareOp::kEq},
    {"!=", CompareOp::kNe},
    {"gt", CompareOp::kGt},
    {"ge", CompareOp::kGe},
    {"lt", CompareOp::kLt},
    {"le", CompareOp::kLe},
    {"eq", CompareOp::kEq},
    {"ne", CompareOp::kNe},
}};
constexpr std::string_view kOpList = ">, >=, <, <=, == or != (or gt, ge, lt, le, eq, ne)";

bool Contains(const Keys& keys, std::string_view k) {
  return std::find(keys.begin(), keys.end(), k) != keys.end();
}

std::string FormatNumber(double v) {
  char buf[32];
  auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, ptr);
}

std::string JoinOr(const Keys& keys) {
  std::string out;
  for (size_t i = 0; i < keys.size(); ++i) {
    if (i > 0) out += i + 1 == keys.size() ? " or " : ", ";
    out += keys[i];
  }
  return out;
}

// yaml-cpp reports an unclosed flow collection ("rules: [" ...) where it
// gave up, often the end of the file; the mistake is at the bracket. This
// finds the innermost '[' or '{' still open at byte `stop` of `text`:
// brackets inside quoted scalars and comments do not count, and in block
// context a bracket opens a collection only where a value starts (after
// "key: ", "- ", "? " or at the start of a line), as in YAML.
std::optional<SourcePos> UnclosedFlow(std::string_view text, size_t stop) {
  std::vector<SourcePos> open;
  SourcePos pos;
  bool value_start = true;  // only spaces since a line start, ": ", "- " or "? "
  const size_t end = std::min(stop, text.size());
  for (size_t i = 0; i < end; ++i) {
    const char c = text[i];
    if (c == '\n') {
      ++pos.line;
      pos.column = 1;
      value_start = true;
      continue;
    }
    const bool after_space = i == 0 || text[i - 1] == ' ' || text[i - 1] == '\t' || text[i - 1] == '\n';
    if (c == '#' && after_space) {
      while (i + 1 < end && text[i + 1] != '\n') ++i;
      continue;
    }
    if ((c == '"' || c == '\'') && (value_start || !open.empty())) {
      // A quoted scalar: skip to its closing quote ('' and \" escape).
      for (++i, ++pos.column; i < end; ++i, ++pos.column) {
        if (text[i] == '\n') {
          ++pos.line;
          pos.column = 0;
        } else if (c == '"' && text[i] == '\\') {
          ++i;
          ++pos.column;
        } else if (text[i] == c) {
          if (c == '\'' && i + 1 < end && text[i + 1] == '\'') {
            ++i;
            ++pos.column;
          } else {
            break;
          }
        }
      }
      ++pos.column;
      value_start = false;
      continue;
    }
    if ((c == '[' || c == '{') && (value_start || !open.empty())) {
      open.push_back(pos);
    } else if ((c == ']' || c == '}') && !open.empty()) {
      open.pop_back();
    }
    const bool next_is_space = i + 1 >= text.size() || text[i + 1] == ' ' || text[i + 1] == '\n';
    if (c == ' ' || c == '\t') {
      // keeps value_start as it is
    } else if ((c == ':' || c == '-' || c == '?') && next_is_space) {
      value_start = true;
    } else if (c == ',' && !open.empty()) {
      value_start = true;
    } else {
      value_start = c == '[' || c == '{';
    }
    ++pos.column;
  }
  if (open.empty()) return std::nullopt;
  return open.back();
}

// The byte offset of a 0-based (line, column) mark in `text`.
size_t OffsetOf(std::string_view text, int line, int column) {
  size_t offset = 0;
  for (int l = 0; l < line && offset < text.size(); ++offset) {
    if (text[offset] == '\n') ++l;
  }
  return std::min(text.size(), offset + static_cast<size_t>(std::max(0, column)));
}

bool IsTextField(Field f) {
  return f == Field::kContent || f == Field::kAuthorName || f == Field::kAuthorEmail ||
         f == Field::kAuthorUrl || f == Field::kThread;
}

// One line of a list file as an entry: without a BOM (on the first line),
// a comment ('#' at the start of the line or after white space) and the
// white space around it. Empty: no entry.
std::string_view ListEntry(std::string_view v, bool first_line) {
  if (first_line && v.substr(0, 3) == "\xEF\xBB\xBF") v.remove_prefix(3);  // BOM
  size_t hash = v.find('#');
  // '#' starts a comment at the start of a line or after white space.
  while (hash != std::string_view::npos && hash > 0 && v[hash - 1] != ' ' && v[hash - 1] != '\t') {
    hash = v.find('#', hash + 1);
  }
  v = v.substr(0, hash);
  while (!v.empty() && std::isspace(static_cast<unsigned char>(v.front()))) v.remove_prefix(1);
  while (!v.empty() && std::isspace(static_cast<unsigned char>(v.back()))) v.remove_suffix(1);
  return v;
}

class Parser {
 public:
  Parser(std::string_view origin, const ListFilePolicy& lists, std::vector<std::string>* errors)
      : origin_(origin), lists_(lists), errors_(errors) {}

  RuleFileSpec Run(std::string_view source) {
    YAML::Node root;
    if (!Load(source, &root)) return std::move(spec_);
    if (!root.IsMap()) {
      Error(SourcePos{}, "expected a mapping with 'version' and 'rules' at the top level");
      return std::move(spec_);
    }
    CheckKeys(root, kTopKeys);
    const YAML::Node version = root["version"];
    if (!version.IsDefined()) {
      Error(SourcePos{}, "missing 'version' (write 'version: 1')");
    } else if (!version.IsScalar() || version.Scalar() != "1") {
      Error(version, "unsupported version '" + ScalarOr(version) + "' (expected 1)");
    }
    if (const YAML::Node d = root["defaults"]; d.IsDefined()) {
      if (ExpectMap(d, "defaults")) {
        CheckKeys(d, kPolicyKeys);
        ParsePolicy(d, &spec_.defaults);
      }
    }
    if (const YAML::Node s = root["sites"]; s.IsDefined() && ExpectMap(s, "sites")) ParseSites(s);
    if (const YAML::Node l = root["lists"]; l.IsDefined() && ExpectMap(l, "lists")) {
      for (const auto& kv : l) ParseList(kv.first, kv.second);
    }
    const YAML::Node rules = root["rules"];
    if (!rules.IsDefined()) {
      Error(SourcePos{}, "missing 'rules'");
    } else if (rules.IsSequence()) {
      for (const YAML::Node& r : rules) ParseRule(r);
    } else if (!rules.IsNull()) {
      Error(rules, "'rules' must be a list of rules");
    }
    return std::move(spec_);
  }

 private:
  // The YAML document into *root; false after reporting a syntax error.
  bool Load(std::string_view source, YAML::Node* root) {
    try {
      *root = YAML::Load(std::string(source));
    } catch (const YAML::ParserException& e) {
      SourcePos at{e.mark.line + 1, e.mark.column + 1};
      std::string msg = "YAML syntax error: " + e.msg;
      if (e.msg == YAML::ErrorMsg::END_OF_SEQ_FLOW || e.msg == YAML::ErrorMsg::END_OF_MAP_FLOW) {
        if (auto bracket = UnclosedFlow(source, OffsetOf(source, e.mark.line, e.mark.column))) {
          const char bracket_char =
              source[OffsetOf(source, bracket->line - 1, bracket->column - 1)];
          msg += " (the '" + std::string(1, bracket_char) + "' here is never closed)";
          at = *bracket;
        }
      }
      Error(at, msg);
      return false;
    } catch (const YAML::Exception& e) {
      Error(SourcePos{}, std::string("YAML error: ") + e.what());
      return false;
    }
    return true;
  }

  void ParseSites(const YAML::Node& s) {
    for (const auto& kv : s) {
      std::string name = base::AsciiLower(kv.first.Scalar());
      SitePolicy policy = spec_.defaults;
      if (kv.second.IsMap()) {
        CheckKeys(kv.second, kSiteKeys);
        ParsePolicy(kv.second, &policy);
        if (const YAML::Node l = kv.second["languages"]; l.IsDefined()) {
          std::vector<SourcePos> unused;
          if (GetStrings(l, "languages", &policy.languages, &unused)) {
            for (std::string& lang : policy.languages) lang = base::AsciiLower(lang);
          }
        }
      } else if (!kv.second.IsNull()) {
        Error(kv.second, "site '" + name + "' must be a mapping");
      }
      spec_.sites.emplace_back(std::move(name), std::move(policy));
    }
  }

  SourcePos Pos(const YAML::Node& n) const {
    YAML::Mark m = n.Mark();
    if (m.is_null()) return SourcePos{};
    return SourcePos{m.line + 1, m.column + 1};
  }
  void Error(SourcePos pos, std::string_view msg) {
    errors_->push_back(FormatError(origin_, pos, msg));
  }
  void Error(const YAML::Node& n, std::string_view msg) { Error(Pos(n), msg); }

  static std::string ScalarOr(const YAML::Node& n) {
    if (n.IsScalar()) return n.Scalar();
    if (n.IsSequence()) return "[...]";
    if (n.IsMap()) return "{...}";
    return "";
  }

  bool ExpectMap(const YAML::Node& n, std::string_view what) {
    if (n.IsMap()) return true;
    Error(n, "'" + std::string(what) + "' must be a mapping");
    return false;
  }

  // Reports every key of `map` not in `allowed`.
  void CheckKeys(const YAML::Node& map, const Keys& allowed) {
    for (const auto& kv : map) {
      if (!kv.first.IsScalar()) {
        Error(kv.first, "keys must be strings");
        continue;
      }
      const std::string& k = kv.first.Scalar();
      if (!Contains(allowed, k)) {
        Error(kv.first, "unknown key '" + k + "'" + DidYouMean(k, allowed));
      }
    }
  }

  bool GetNumber(const YAML::Node& n, std::string_view what, double* out) {
    bool ok = n.IsScalar();
    if (ok) {
      try {
        *out = n.as<double>();
      } catch (const YAML::Exception&) {
        ok = false;
      }
    }
    if (!ok || !std::isfinite(*out)) {
      Error(n, "'" + std::string(what) + "' must be a number, got '" + ScalarOr(n) + "'");
      return false;
    }
    return true;
  }

  bool GetBool(const YAML::Node& n, std::string_view what, bool* out) {
    try {
      if (n.IsScalar()) {
        *out = n.as<bool>();
        return true;
      }
    } catch (const YAML::Exception&) {
    }
    Error(n, "'" + std::string(what) + "' must be true or false, got '" + ScalarOr(n) + "'");
    return false;
  }

  bool GetString(const YAML::Node& n, std::string_view what, std::string* out) {
    if (!n.IsScalar()) {
      Error(n, "'" + std::string(what) + "' must be a string");
      return false;
    }
    *out = n.Scalar();
    return true;
  }

  // A string or a list of strings; not empty.
  bool GetStrings(const YAML::Node& n, std::string_view what, std::vector<std::string>* out,
                  std::vector<SourcePos>* pos) {
    std::string bad = "'" + std::string(what) + "' must be a string or a list of strings";
    if (n.IsScalar()) {
      out->push_back(n.Scalar());
      pos->push_back(Pos(n));
      return true;
    }
    if (!n.IsSequence()) {
      Error(n, bad);
      return false;
    }
    if (n.size() == 0) {
      Error(n, "'" + std::string(what) + "' must not be empty");
      return false;
    }
    bool ok = true;
    for (const YAML::Node& e : n) {
      if (!e.IsScalar()) {
        Error(e, bad);
        ok = false;
        continue;
      }
      out->push_back(e.Scalar());
      pos->push_back(Pos(e));
    }
    return ok;
  }

  void ParsePolicy(const YAML::Node& n, SitePolicy* policy) {
    if (const YAML::Node h = n["hold_at"]; h.IsDefined()) GetNumber(h, "hold_at", &policy->hold_at);
    if (const YAML::Node r = n["reject_at"]; r.IsDefined()) {
      GetNumber(r, "reject_at", &policy->reject_at);
    }
    if (policy->hold_at > policy->reject_at) {
      Error(n, "hold_at (" + FormatNumber(policy->hold_at) + ") is above reject_at (" +
                   FormatNumber(policy->reject_at) + ")");
    }
    if (const YAML::Node v = n["sensitivity"]; v.IsDefined()) {
      const std::string level = v.IsScalar() ? v.Scalar() : "";
      if (level != "low" && level != "normal" && level != "high") {
        Error(v, "sensitivity must be low, normal or high");
      } else {
        policy->sensitivity = level;
      }
    }
    if (const YAML::Node v = n["spot_check"]; v.IsDefined()) {
      double share = 0;
      if (GetNumber(v, "spot_check", &share)) {
        if (share < 0 || share > 1) {
          Error(v, "spot_check must be a share between 0 and 1");
        } else {
          policy->spot_check = share;
        }
      }
    }
  }

  void ParseList(const YAML::Node& key, const YAML::Node& body) {
    ListSpec list;
    list.name = key.Scalar();
    list.pos = Pos(key);
    list.entry_origin = origin_;
    if (!IsValidRuleId(list.name)) {
      Error(key, "invalid list name '" + list.name + "' (use a-z, 0-9, '_', '.', '-')");
    }
    if (list_index_.count(list.name)) Error(key, "duplicate list '" + list.name + "'");
    if (!body.IsMap()) {
      Error(body, "list '" + list.name + "' must be a mapping with one of " + JoinOr(kListKeys));
      AddList(std::move(list));
      return;
    }
    CheckKeys(body, kListKeys);
    std::vector<std::string_view> present;
    for (std::string_view k : kListKeys) {
      if (body[std::string(k)].IsDefined()) present.push_back(k);
    }
    if (present.size() != 1) {
      Error(body, "list '" + list.name + "' needs exactly one of " + JoinOr(kListKeys));
    } else if (present[0] == "file") {
      std::string file;
      if (GetString(body["file"], "file", &file)) ReadListFile(body["file"], file, &list);
    } else {
      std::string k(present[0]);
      GetStrings(body[k], k, &list.entries, &list.entry_pos);
      if (k == "cidrs") {
        for (size_t i = 0; i < list.entries.size(); ++i) {
          if (!ParseCidr(list.entries[i])) {
            Error(list.entry_pos[i], "invalid CIDR '" + list.entries[i] + "'");
          }
        }
        cidr_checked_.insert(list.name);
      }
    }
    AddList(std::move(list));
  }

  void AddList(ListSpec list) {
    list_index_.emplace(list.name, static_cast<int>(spec_.lists.size()));
    spec_.lists.push_back(std::move(list));
  }

  void ReadListFile(const YAML::Node& at, const std::string& file, ListSpec* list) {
    namespace fs = std::filesystem;
    fs::path path(file);
    if (path.is_relative() && !lists_.base_dir.empty()) path = fs::path(lists_.base_dir) / path;
    if (lists_.confined && !InsideListDir(at, file, path)) return;
    std::error_code ec;
    const fs::file_status status = fs::status(path, ec);
    if (ec || !fs::exists(status)) {
      Error(at, "cannot read list file '" + path.string() + "': " +
                    (ec ? ec.message() : std::string(std::strerror(ENOENT))));
      return;
    }
    if (!fs::is_regular_file(status)) {
      Error(at, "list file '" + path.string() + "' is not a regular file");
      return;
    }
    const uintmax_t size = fs::file_size(path, ec);
    if (ec || size > static_cast<uintmax_t>(lists_.max_bytes)) {
      Error(at, "list file '" + path.string() + "' is larger than " +
                    std::to_string(lists_.max_bytes) + " bytes");
      return;
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      Error(at, "cannot read list file '" + path.string() + "': " + std::strerror(errno));
      return;
    }
    list->entry_origin = path.string();
    std::string line;
    int number = 0;
    uintmax_t read = 0;
    while (std::getline(in, line)) {
      ++number;
      read += line.size() + 1;
      if (read > static_cast<uintmax_t>(lists_.max_bytes) + 1) {  // it grew while read
        Error(at, "list file '" + path.string() + "' is larger than " +
                      std::to_string(lists_.max_bytes) + " bytes");
        return;
      }
      const std::string_view v = ListEntry(line, number == 1);
      if (v.empty()) continue;
      list->entries.emplace_back(v);
      list->entry_pos.push_back(SourcePos{number, 1});
    }
  }

  // Confined list files (rules sent over the API) must resolve to a file
  // inside rules_list_dir; false after reporting one that does not.
  bool InsideListDir(const YAML::Node& at, const std::string& file,
                     const std::filesystem::path& path) {
    namespace fs = std::filesystem;
    if (lists_.base_dir.empty()) {
      Error(at, "list file '" + file +
                    "' refused: rules sent over the API may read list files only from the "
                    "directory set by rules_list_dir, and none is set");
      return false;
    }
    // Both resolved (symbolic links, "..") before comparing.
    std::error_code ec;
    const fs::path base = fs::weakly_canonical(lists_.base_dir, ec);
    const fs::path real = ec ? fs::path() : fs::weakly_canonical(path, ec);
    auto [b, r] = std::mismatch(base.begin(), base.end(), real.begin(), real.end());
    if (ec || b != base.end() || r == real.end()) {
      Error(at, "list file '" + file + "' refused: it is outside rules_list_dir '" +
                    lists_.base_dir + "'");
      return false;
    }
    return true;
  }

  // The list called `name`, or -1 after reporting it.
  int FindList(const YAML::Node& n) {
    std::string name;
    if (!GetString(n, "list", &name)) return -1;
    auto it = list_index_.find(name);
    if (it != list_index_.end()) return it->second;
    Keys names;
    for (const ListSpec& l : spec_.lists) names.push_back(l.name);
    Error(n, "unknown list '" + name + "'" + DidYouMean(name, names));
    return -1;
  }

  // Entries of a list used for CIDR matching must all be networks.
  void CheckCidrList(int index) {
    ListSpec& list = spec_.lists[index];
    if (!cidr_checked_.insert(list.name).second) return;
    for (size_t i = 0; i < list.entries.size(); ++i) {
      if (!ParseCidr(list.entries[i])) {
        errors_->push_back(FormatError(list.entry_origin, list.entry_pos[i],
                                       "invalid CIDR '" + list.entries[i] + "'"));
      }
    }
  }

  void ParseRule(const YAML::Node& n) {
    if (!n.IsMap()) {
      Error(n, "a rule must be a mapping");
      return;
    }
    CheckKeys(n, kRuleKeys);
    RuleSpec rule;
    rule.pos = Pos(n);
    rule.info.line = rule.pos.line;
    ParseRuleId(n, &rule.info);
    std::string name = rule.info.id.empty() ? "rule" : "rule '" + rule.info.id + "'";
    if (const YAML::Node d = n["description"]; d.IsDefined()) {
      GetString(d, "description", &rule.info.description);
    }
    const YAML::Node score = n["score"];
    const YAML::Node action = n["action"];
    if (score.IsDefined()) GetNumber(score, "score", &rule.info.score);
    if (action.IsDefined()) ParseAction(action, &rule.info.action);
    if (!score.IsDefined() && !action.IsDefined()) Error(n, name + " needs a score or an action");
    if (const YAML::Node m = n["mode"]; m.IsDefined()) ParseMode(m, &rule.info.mode);
    if (const YAML::Node e = n["enabled"]; e.IsDefined()) GetBool(e, "enabled", &rule.info.enabled);
    std::vector<SourcePos> unused;
    if (const YAML::Node s = n["sites"]; s.IsDefined()) {
      GetStrings(s, "sites", &rule.info.sites, &unused);
      for (std::string& site : rule.info.sites) site = base::AsciiLower(site);
    }
    if (const YAML::Node l = n["languages"]; l.IsDefined()) {
      GetStrings(l, "languages", &rule.info.languages, &unused);
      for (std::string& lang : rule.info.languages) lang = base::AsciiLower(lang);
    }
    const YAML::Node match = n["match"];
    if (!match.IsDefined()) {
      Error(n, name + " has no 'match'");
    } else {
      ParseCondition(match, &rule.match);
    }
    spec_.rules.push_back(std::move(rule));
  }

  // The rule's id, checked for its form and for duplicates.
  void ParseRuleId(const YAML::Node& n, RuleInfo* info) {
    const YAML::Node id = n["id"];
    if (!id.IsDefined()) {
      Error(n, "rule has no 'id'");
    } else if (GetString(id, "id", &info->id)) {
      if (!IsValidRuleId(info->id)) {
        Error(id, "invalid rule id '" + info->id + "' (use a-z, 0-9, '_', '.', '-')");
      } else if (auto [it, inserted] = rule_lines_.emplace(info->id, Pos(id)); !inserted) {
        Error(id, "duplicate rule id '" + info->id + "' (first defined at line " +
                      std::to_string(it->second.line) + ")");
      }
    }
  }

  void ParseAction(const YAML::Node& action, Action* out) {
    std::string a;
    if (!GetString(action, "action", &a)) return;
    if (a == "accept") {
      *out = Action::kAccept;
    } else if (a == "hold") {
      *out = Action::kHold;
    } else if (a == "reject") {
      *out = Action::kReject;
    } else {
      Error(action, "invalid action '" + a + "' (expected accept, hold or reject)");
    }
  }

  void ParseMode(const YAML::Node& m, Mode* out) {
    std::string mode;
    if (!GetString(m, "mode", &mode)) return;
    if (mode == "enforce") {
      *out = Mode::kEnforce;
    } else if (mode == "shadow") {
      *out = Mode::kShadow;
    } else {
      Error(m, "invalid mode '" + mode + "' (expected enforce or shadow)");
    }
  }

  bool ParseCondition(const YAML::Node& n, Condition* c) {
    c->pos = Pos(n);
    if (!n.IsMap()) {
      Error(n, "a condition must be a mapping (field, feature, all, any or not)");
      return false;
    }
    Keys kinds;
    for (std::string_view k : {"all", "any", "not", "field", "feature"}) {
      if (n[std::string(k)].IsDefined()) kinds.push_back(k);
    }
    if (kinds.size() != 1) {
      if (kinds.empty()) {
        Keys allowed = {"field", "feature", "all", "any", "not", "raw", "case_sensitive"};
        allowed.insert(allowed.end(), kMatcherKeys.begin(), kMatcherKeys.end());
        for (const auto& op : kOps) allowed.push_back(op.first);
        CheckKeys(n, allowed);
        Error(n, "a condition needs one of field, feature, all, any or not");
      } else {
        Error(n, "a condition has both '" + std::string(kinds[0]) + "' and '" +
                     std::string(kinds[1]) + "'; nest them with all/any");
      }
      return false;
    }
    std::string_view kind = kinds[0];
    if (kind == "all" || kind == "any") {
      c->type = kind == "all" ? Condition::Type::kAll : Condition::Type::kAny;
      CheckKeys(n, Keys{kind});
      const YAML::Node list = n[std::string(kind)];
      if (!list.IsSequence() || list.size() == 0) {
        Error(list, "'" + std::string(kind) + "' must be a non-empty list of conditions");
        return false;
      }
      bool ok = true;
      for (const YAML::Node& child : list) {
        c->children.emplace_back();
        ok = ParseCondition(child, &c->children.back()) && ok;
      }
      return ok;
    }
    if (kind == "not") {
      c->type = Condition::Type::kNot;
      CheckKeys(n, Keys{"not"});
      c->children.emplace_back();
      return ParseCondition(n["not"], &c->children.back());
    }
    if (kind == "feature") return ParseFeature(n, c);
    return ParseText(n, c);
  }

  bool ParseFeature(const YAML::Node& n, Condition* c) {
    c->type = Condition::Type::kFeature;
    std::string name;
    if (!GetString(n["feature"], "feature", &name)) return false;
    const std::vector<std::string_view>& names = FeatureNames();
    auto it = std::find(names.begin(), names.end(), name);
    bool ok = true;
    if (it == names.end()) {
      Error(n["feature"], "unknown feature '" + name + "'" + DidYouMean(name, names));
      ok = false;
    } else {
      c->feature = static_cast<int>(it - names.begin());
    }
    for (const auto& kv : n) {
      const std::string& k = kv.first.Scalar();
      if (k == "feature") continue;
      auto op = std::find_if(kOps.begin(), kOps.end(), [&](const auto& p) { return p.first == k; });
      if (op == kOps.end()) {
        Error(kv.first, "unknown operator '" + k + "' (expected " + std::string(kOpList) + ")");
        ok = false;
        continue;
      }
      double v = 0;
      if (GetNumber(kv.second, k, &v)) {
        c->comparisons.emplace_back(op->second, v);
      } else {
        ok = false;
      }
    }
    if (ok && c->comparisons.empty()) {
      Error(n, "feature '" + name + "' needs an operator: " + std::string(kOpList));
      ok = false;
    }
    return ok;
  }

  // `field:` of a text condition, already read as `name`: the field and,
  // for links.*, the part.
  bool ParseTextField(const YAML::Node& field, const std::string& name, Condition* c) {
    auto it = std::find(kFieldNames.begin(), kFieldNames.end(), name);
    if (it == kFieldNames.end()) {
      if (name == "links") {
        Error(field,
              "field 'links' needs a part: links.url, links.host, links.domain or links.path");
      } else {
        Error(field, "unknown field '" + name + "'" + DidYouMean(name, kFieldNames));
      }
      return false;
    }
    static const std::pair<Field, LinkPart> kMap[] = {
        {Field::kContent, LinkPart::kNone},     {Field::kAuthorName, LinkPart::kNone},
        {Field::kAuthorEmail, LinkPart::kNone}, {Field::kAuthorUrl, LinkPart::kNone},
        {Field::kAuthorIp, LinkPart::kNone},    {Field::kThread, LinkPart::kNone},
        {Field::kLinks, LinkPart::kUrl},        {Field::kLinks, LinkPart::kHost},
        {Field::kLinks, LinkPart::kDomain},     {Field::kLinks, LinkPart::kPath},
        {Field::kLanguage, LinkPart::kNone},    {Field::kSite, LinkPart::kNone},
    };
    c->field.field = kMap[it - kFieldNames.begin()].first;
    c->field.part = kMap[it - kFieldNames.begin()].second;
    return true;
  }

  // The one matcher key of a text condition ("words", "regex", ...), or ""
  // after reporting none or several.
  std::string MatcherKey(const YAML::Node& n, const std::string& name) {
    Keys matchers;
    for (std::string_view k : kMatcherKeys) {
      if (n[std::string(k)].IsDefined()) matchers.push_back(k);
    }
    if (matchers.size() == 1) return std::string(matchers[0]);
    if (matchers.empty()) {
      Error(n, "condition on field '" + name + "' needs one of " + JoinOr(kMatcherKeys));
    } else {
      Error(n, "condition has both '" + std::string(matchers[0]) + "' and '" +
                   std::string(matchers[1]) + "'; combine them with any/all");
    }
    return "";
  }

  static MatchKind KindOf(const std::string& m, Field field) {
    if (m == "regex") return MatchKind::kRegex;
    if (m == "words" || m == "phrases" || m == "list") return MatchKind::kWords;
    if (m == "contains") return MatchKind::kContains;
    if (m == "starts") return MatchKind::kStarts;
    if (m == "ends") return MatchKind::kEnds;
    if (m == "equals") return MatchKind::kEquals;
    if (m == "in_list") return field == Field::kAuthorIp ? MatchKind::kCidr : MatchKind::kInList;
    if (m == "domain_in" || m == "domain_in_list") return MatchKind::kDomainIn;
    return MatchKind::kCidr;
  }

  // Domain and CIDR matchers apply to some fields only; CIDRs must parse.
  bool CheckMatcherFits(const YAML::Node& v, const std::string& m, Condition* c) {
    const Field f = c->field.field;
    if (c->kind == MatchKind::kDomainIn && !(f == Field::kAuthorEmail || f == Field::kAuthorUrl ||
                                             f == Field::kLinks || f == Field::kSite)) {
      Error(v, "'" + m + "' applies only to author.email, author.url, links.* and site");
      return false;
    }
    if (c->kind != MatchKind::kCidr) return true;
    if (!(f == Field::kAuthorIp || (f == Field::kLinks && c->field.part == LinkPart::kHost))) {
      Error(v, "'cidr' applies only to author.ip and links.host");
      return false;
    }
    if (c->list >= 0) {
      CheckCidrList(c->list);
      return true;
    }
    bool ok = true;
    for (size_t i = 0; i < c->values.size(); ++i) {
      if (!ParseCidr(c->values[i])) {
        Error(c->value_pos[i], "invalid CIDR '" + c->values[i] + "'");
        ok = false;
      }
    }
    return ok;
  }

  bool ParseText(const YAML::Node& n, Condition* c) {
    c->type = Condition::Type::kText;
    Keys allowed = {"field", "raw", "case_sensitive"};
    allowed.insert(allowed.end(), kMatcherKeys.begin(), kMatcherKeys.end());
    CheckKeys(n, allowed);
    std::string name;
    const YAML::Node field = n["field"];
    if (!GetString(field, "field", &name)) return false;
    bool ok = ParseTextField(field, name, c);
    if (const YAML::Node r = n["raw"]; r.IsDefined()) {
      ok = GetBool(r, "raw", &c->field.raw) && ok;
      if (ok && c->field.raw && !IsTextField(c->field.field)) {
        Error(r, "'raw' applies only to content, author.name, author.email, author.url and thread");
        ok = false;
      }
    }
    if (const YAML::Node cs = n["case_sensitive"]; cs.IsDefined()) {
      ok = GetBool(cs, "case_sensitive", &c->case_sensitive) && ok;
    }
    const std::string m = MatcherKey(n, name);
    if (m.empty()) return false;
    const YAML::Node v = n[m];
    if (m == "list" || m == "in_list" || m == "domain_in_list") {
      c->list = FindList(v);
      ok = c->list >= 0 && ok;
    } else {
      ok = GetStrings(v, m, &c->values, &c->value_pos) && ok;
    }
    c->kind = KindOf(m, c->field.field);
    return ok && CheckMatcherFits(v, m, c);
  }

  std::string origin_;
  const ListFilePolicy& lists_;
  std::vector<std::string>* errors_;
  RuleFileSpec spec_;
  std::unordered_map<std::string, int> list_index_;
  std::unordered_map<std::string, SourcePos> rule_lines_;
  std::set<std::string> cidr_checked_;
};

}  // namespace

std::string FormatError(std::string_view origin, SourcePos pos, std::string_view message) {
  std::string out(origin);
  out += ':' + std::to_string(pos.line) + ':' + std::to_string(pos.column) + ": ";
  out += message;
  return out;
}

RuleFileSpec ParseRuleFile(std::string_view source, std::string_view origin,
                           const ListFilePolicy& lists, std::vector<std::string>* errors) {
  return Parser(origin, lists, errors).Run(source);
}

}  // namespace moderated::rules::internal

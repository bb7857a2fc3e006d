#include "daemon/http/wire.h"

#include <algorithm>
#include <boost/asio/ip/address.hpp>
#include <charconv>
#include <cmath>
#include <ctime>

#include "base/encoding.h"
#include "base/strings.h"
#include "base/time.h"
#include "classifiers/normalizer.h"

namespace moderated {
namespace json = boost::json;
namespace {

constexpr size_t kMaxSiteBytes = 255;
constexpr size_t kMaxIdBytes = 255;
constexpr size_t kMaxNameBytes = 1024;
constexpr size_t kMaxEmailBytes = 320;
constexpr size_t kMaxUrlBytes = 4096;
constexpr size_t kMaxUserAgentBytes = 2048;
constexpr size_t kMaxLangBytes = 35;

double Round(double v, double scale) { return std::round(v * scale) / scale; }

// BCP 47-ish: 2-3 letters, then subtags of 1-8 alphanumerics.
bool IsLanguageTag(std::string_view s) {
  if (s.empty() || s.size() > kMaxLangBytes) return false;
  size_t i = 0;
  while (i < s.size() && ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z'))) ++i;
  if (i < 2 || i > 3) return false;
  while (i < s.size()) {
    if (s[i] != '-' && s[i] != '_') return false;
    size_t start = ++i;
    while (i < s.size() && std::isalnum(static_cast<unsigned char>(s[i]))) ++i;
    if (i == start || i - start > 8) return false;
  }
  return true;
}

class Validator {
 public:
  Validator(const std::string& base, std::vector<FieldError>* errors)
      : base_(base), errors_(errors) {}

  void Error(const std::string& pointer, std::string detail) {
    errors_->push_back({base_ + pointer, std::move(detail)});
  }

  // Reads an optional string (null = absent). Integers are accepted for ids
  // because many CMSs number their comments.
  bool String(const json::value* v, const std::string& pointer, size_t max_bytes, std::string* out,
              bool allow_integer = false) {
    if (v == nullptr || v->is_null()) return true;
    if (allow_integer && (v->is_int64() || v->is_uint64())) {
      *out = v->is_int64() ? std::to_string(v->get_int64()) : std::to_string(v->get_uint64());
      return true;
    }
    if (!v->is_string()) {
      Error(pointer, allow_integer ? "must be a string or an integer" : "must be a string");
      return false;
    }
    const json::string& s = v->get_string();
    if (s.size() > max_bytes) {
      Error(pointer, "must be at most " + std::to_string(max_bytes) + " bytes");
      return false;
    }
    if (s.find('\0') != json::string::npos) {
      Error(pointer, "must not contain NUL characters");
      return false;
    }
    *out = std::string(s.data(), s.size());
    return true;
  }

 private:
  const std::string& base_;
  std::vector<FieldError>* errors_;
};

const json::value* Find(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  return it == o.end() ? nullptr : &it->value();
}

}  // namespace

namespace {

// Site names are host-like: compare them case-insensitively everywhere
// (policy, scope, idempotency) by storing them in lower case.
void ParseSite(const json::object& o, Validator& check, CommentInput* out) {
  const json::value* site = Find(o, "site");
  if (site == nullptr || site->is_null()) {
    check.Error("/site", "is required");
  } else if (check.String(site, "/site", kMaxSiteBytes, &out->site)) {
    out->site = base::AsciiLower(out->site);
    if (out->site.empty()) check.Error("/site", "must not be empty");
  }
}

void ParseContent(const json::object& o, const Limits& limits, Validator& check,
                  CommentInput* out) {
  const json::value* content = Find(o, "content");
  if (content == nullptr || content->is_null()) {
    check.Error("/content", "is required");
  } else if (check.String(content, "/content", limits.max_body_bytes, &out->content)) {
    // Blank after normalisation: white space and invisible characters only.
    // Normalisation keeps every ASCII letter and digit (folded, perhaps
    // composed with a mark), so content holding one is not blank and needs
    // no normalising here; the engine normalises it anyway.
    const bool has_ascii_alnum =
        std::any_of(out->content.begin(), out->content.end(), [](char ch) {
          return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
        });
    if (!has_ascii_alnum && classifiers::Normalize(out->content).text.empty()) {
      check.Error("/content", "must not be empty");
    }
  }
}

void ParseAuthorEmailAndIp(const json::object& a, Validator& check, CommentInput* out) {
  if (check.String(Find(a, "email"), "/author/email", kMaxEmailBytes, &out->author_email) &&
      !out->author_email.empty()) {
    auto at = out->author_email.find('@');
    if (at == std::string::npos || at == 0 || at + 1 == out->author_email.size() ||
        out->author_email.find_first_of(" \t\r\n") != std::string::npos) {
      check.Error("/author/email", "must be an e-mail address");
    }
  }
  check.String(Find(a, "url"), "/author/url", kMaxUrlBytes, &out->author_url);
  if (check.String(Find(a, "ip"), "/author/ip", 64, &out->author_ip) && !out->author_ip.empty()) {
    boost::system::error_code ec;
    auto addr = boost::asio::ip::make_address(out->author_ip, ec);
    if (ec) {
      check.Error("/author/ip", "must be an IPv4 or IPv6 address");
    } else {
      out->author_ip = addr.to_string();  // canonical form for CIDR and velocity keys
    }
  }
}

void ParseAuthor(const json::object& o, Validator& check, CommentInput* out) {
  const json::value* author = Find(o, "author");
  if (author == nullptr || author->is_null()) return;
  if (!author->is_object()) {
    check.Error("/author", "must be an object");
    return;
  }
  const json::object& a = author->get_object();
  for (const auto& kv : a) {
    std::string_view k = kv.key();
    if (k != "name" && k != "email" && k != "url" && k != "ip" && k != "user_agent") {
      check.Error("/author/" + std::string(k), "unknown field");
    }
  }
  check.String(Find(a, "name"), "/author/name", kMaxNameBytes, &out->author_name);
  ParseAuthorEmailAndIp(a, check, out);
  check.String(Find(a, "user_agent"), "/author/user_agent", kMaxUserAgentBytes,
               &out->author_user_agent);
}

void ParseMeta(const json::object& o, const Limits& limits, Validator& check, CommentInput* out) {
  const json::value* meta = Find(o, "meta");
  if (meta == nullptr || meta->is_null()) return;
  if (!meta->is_object()) {
    check.Error("/meta", "must be an object");
    return;
  }
  std::string text = json::serialize(*meta);
  if (text.size() > limits.max_meta_bytes) {
    check.Error("/meta", "must be at most " + std::to_string(limits.max_meta_bytes) +
                             " bytes when serialised");
  } else {
    out->meta_json = std::move(text);
  }
}

}  // namespace

std::string_view StatusFor(rules::Action action) {
  switch (action) {
    case rules::Action::kReject: return "rejected";
    case rules::Action::kHold: return "pending";
    default: return "approved";
  }
}

bool ParseComment(const json::value& value, const std::string& pointer, const Limits& limits,
                  CommentInput* out, std::vector<FieldError>* errors) {
  size_t before = errors->size();
  Validator check(pointer, errors);
  if (!value.is_object()) {
    check.Error("", "must be a JSON object");
    return false;
  }
  const json::object& o = value.get_object();
  static const char* kKnown[] = {"site",    "id",         "thread", "parent", "author",
                                 "content", "created_at", "lang",   "meta"};
  for (const auto& kv : o) {
    bool known = false;
    for (const char* k : kKnown) known = known || kv.key() == k;
    if (!known) check.Error("/" + std::string(kv.key()), "unknown field");
  }
  ParseSite(o, check, out);
  check.String(Find(o, "id"), "/id", kMaxIdBytes, &out->external_id, /*allow_integer=*/true);
  check.String(Find(o, "thread"), "/thread", kMaxUrlBytes, &out->thread);
  check.String(Find(o, "parent"), "/parent", kMaxIdBytes, &out->parent, /*allow_integer=*/true);
  ParseContent(o, limits, check, out);
  ParseAuthor(o, check, out);
  int64_t created_ms = 0;  // validated only; stored as the site sent it
  if (check.String(Find(o, "created_at"), "/created_at", 64, &out->created_at) &&
      !out->created_at.empty() && !base::ParseRfc3339(out->created_at, &created_ms)) {
    check.Error("/created_at", "must be an RFC 3339 date-time, e.g. 2026-11-29T10:00:00Z");
  }
  if (check.String(Find(o, "lang"), "/lang", kMaxLangBytes, &out->lang_hint) &&
      !out->lang_hint.empty() && !IsLanguageTag(out->lang_hint)) {
    check.Error("/lang", "must be a language tag such as \"ar\" or \"ru-RU\"");
  }
  ParseMeta(o, limits, check, out);
  return errors->size() == before;
}

json::object VerdictJson(const Verdict& v, const CommentInput& c, std::optional<int64_t> id) {
  json::object o;
  if (id) o["id"] = *id;
  o["site"] = c.site;
  if (!c.external_id.empty()) o["external_id"] = c.external_id;
  o["status"] = std::string(StatusFor(v.action));
  o["action"] = std::string(rules::ActionName(v.action));
  o["score"] = Round(v.score, 1e4);
  json::object labels;
  for (const auto& l : v.labels) labels[l.label] = Round(l.probability, 1e4);
  o["labels"] = std::move(labels);
  o["language"] = {{"code", v.language.code}, {"reliable", v.language.reliable}};
  json::array reasons;
  for (const VerdictReason& vr : v.reasons) {
    const storage::Reason& r = vr.reason;
    json::object jr;
    jr["rule"] = r.rule_id;
    jr["description"] = r.description;
    jr["score"] = Round(r.score, 1e4);
    jr["field"] = r.field;
    if (r.begin >= 0) {
      jr["span"] = json::array{r.begin, r.end};
      jr["excerpt"] = r.excerpt;
      if (vr.spans.size() > 1) {
        json::array all;
        for (auto [b, e] : vr.spans) all.push_back(json::array{b, e});
        jr["spans"] = std::move(all);
      }
    }
    jr["shadow"] = r.shadow;
    reasons.push_back(std::move(jr));
  }
  o["reasons"] = std::move(reasons);
  const DecisionTrace& t = v.trace;
  o["decision"] = {
      {"hold_at", Round(t.hold_at, 1e4)},
      {"reject_at", Round(t.reject_at, 1e4)},
      {"sensitivity", t.sensitivity},
      {"rule_points", Round(t.rule_points, 1e4)},
      {"classifier_points",
       {{"spam", Round(t.classifier_points[0], 1e4)}, {"abuse", Round(t.classifier_points[1], 1e4)}}},
      {"site_model", t.site_model},
      {"primary", t.primary.empty() ? json::value(nullptr) : json::value(t.primary)}};
  o["complete"] = v.complete;
  o["versions"] = {{"rules", v.rules_version},
                   {"model", v.model_version},
                   {"normalizer", classifiers::kNormalizerVersion}};
  return o;
}

storage::Comment ToRecord(const CommentInput& c, const Verdict& v, int64_t received_at_ms,
                          std::string verdict_json) {
  storage::Comment r;
  r.site = c.site;
  r.external_id = c.external_id;
  r.thread = c.thread;
  r.parent = c.parent;
  r.author_name = c.author_name;
  r.author_email = c.author_email;
  r.author_url = c.author_url;
  r.author_ip = c.author_ip;
  r.author_user_agent = c.author_user_agent;
  r.content = c.content;
  r.created_at = c.created_at;
  r.lang_hint = c.lang_hint;
  r.meta_json = c.meta_json;
  r.received_at_ms = received_at_ms;
  r.status = std::string(StatusFor(v.action));
  r.action = std::string(rules::ActionName(v.action));
  r.score = v.score;
  json::object labels;
  for (const auto& l : v.labels) labels[l.label] = Round(l.probability, 1e4);
  r.labels_json = ToJson(labels);
  r.language = v.language.code;
  r.language_reliable = v.language.reliable;
  r.rules_version = v.rules_version;
  r.model_version = v.model_version;
  r.reasons.reserve(v.reasons.size());
  for (const auto& vr : v.reasons) r.reasons.push_back(vr.reason);
  r.verdict_json = std::move(verdict_json);
  r.updated_at_ms = received_at_ms;
  return r;
}

void FindNonFiniteNumbers(const json::value& value, const std::string& pointer,
                          std::vector<FieldError>* errors) {
  switch (value.kind()) {
    case json::kind::double_:
      if (!std::isfinite(value.get_double())) {
        errors->push_back({pointer, "is not a finite number"});
      }
      return;
    case json::kind::object:
      for (const auto& kv : value.get_object()) {
        std::string key;
        for (char ch : kv.key()) {  // RFC 6901 escaping
          if (ch == '~') key += "~0";
          else if (ch == '/') key += "~1";
          else key += ch;
        }
        FindNonFiniteNumbers(kv.value(), pointer + "/" + key, errors);
      }
      return;
    case json::kind::array: {
      const auto& a = value.get_array();
      for (size_t i = 0; i < a.size(); ++i) {
        FindNonFiniteNumbers(a[i], pointer + "/" + std::to_string(i), errors);
      }
      return;
    }
    default:
      return;
  }
}

json::value ParseJsonOr(std::string_view text, json::value fallback) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  return ec ? fallback : v;
}

json::value TimeOrNull(int64_t ms) {
  return ms == 0 ? json::value(nullptr) : json::value(base::FormatTimeMs(ms));
}

json::object StoredVerdictJson(const std::string& verdict_json, int64_t id) {
  boost::system::error_code ec;
  json::value v = json::parse(verdict_json, ec);
  json::object out;
  out["id"] = id;
  if (!ec && v.is_object()) {
    for (auto& kv : v.get_object()) out[kv.key()] = kv.value();
  }
  return out;
}

namespace {

void AppendString(std::string_view s, std::string* out) {
  out->push_back('"');
  size_t plain = 0;  // start of the run of bytes that need no escaping
  for (size_t i = 0; i < s.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out->append(s.data() + plain, i - plain);
    plain = i + 1;
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      case '\b':
        out->append("\\b");
        break;
      case '\f':
        out->append("\\f");
        break;
      default:  // the other control characters
        out->append("\\u00");
        base::AppendHexByte(c, out);
    }
  }
  out->append(s.data() + plain, s.size() - plain);  // UTF-8 passes through (validated on input)
  out->push_back('"');
}

void AppendJson(const json::value& v, std::string* out) {
  switch (v.kind()) {
    case json::kind::object: {
      out->push_back('{');
      bool first = true;
      for (const auto& kv : v.get_object()) {
        if (!first) out->push_back(',');
        first = false;
        AppendString(kv.key(), out);
        out->push_back(':');
        AppendJson(kv.value(), out);
      }
      out->push_back('}');
      return;
    }
    case json::kind::array: {
      out->push_back('[');
      bool first = true;
      for (const auto& item : v.get_array()) {
        if (!first) out->push_back(',');
        first = false;
        AppendJson(item, out);
      }
      out->push_back(']');
      return;
    }
    case json::kind::double_: {
      double d = v.get_double();
      if (!std::isfinite(d)) {
        out->append("null");
        return;
      }
      // Plain decimal in JavaScript's range for it (scores, probabilities,
      // thresholds); beyond it the shortest exact form ("1e+61", "5e-324"),
      // which always fits the buffer. Either is a JSON number.
      const double magnitude = std::fabs(d);
      const bool plain = magnitude == 0 || (magnitude >= 1e-7 && magnitude < 1e21);
      char buf[64];
      auto result = plain ? std::to_chars(buf, buf + sizeof buf, d, std::chars_format::fixed)
                          : std::to_chars(buf, buf + sizeof buf, d);
      out->append(buf, result.ec == std::errc() ? result.ptr : buf);
      return;
    }
    case json::kind::string:
      AppendString(v.get_string(), out);
      return;
    case json::kind::int64:
      out->append(std::to_string(v.get_int64()));
      return;
    case json::kind::uint64:
      out->append(std::to_string(v.get_uint64()));
      return;
    case json::kind::bool_:
      out->append(v.get_bool() ? "true" : "false");
      return;
    case json::kind::null:
      out->append("null");
      return;
  }
}

}  // namespace

std::string ToJson(const json::value& value) {
  std::string out;
  out.reserve(512);
  AppendJson(value, &out);
  return out;
}

json::object CommentJson(const storage::Comment& c) {
  json::object o;
  o["id"] = c.id;
  o["site"] = c.site;
  if (!c.external_id.empty()) o["external_id"] = c.external_id;
  o["thread"] = c.thread;
  o["parent"] = c.parent;
  o["author"] = {{"name", c.author_name},
                 {"email", c.author_email},
                 {"url", c.author_url},
                 {"ip", c.author_ip},
                 {"user_agent", c.author_user_agent}};
  o["content"] = c.content;
  o["created_at"] = c.created_at;
  o["lang"] = c.lang_hint;
  boost::system::error_code ec;
  json::value meta = json::parse(c.meta_json, ec);
  o["meta"] = ec ? json::value(json::object()) : meta;
  o["received_at"] = base::FormatTimeMs(c.received_at_ms);
  o["updated_at"] = base::FormatTimeMs(c.updated_at_ms);
  o["status"] = c.status;
  o["verdict"] = StoredVerdictJson(c.verdict_json, c.id);
  return o;
}

}  // namespace moderated

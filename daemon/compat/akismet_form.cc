// Akismet forms: see daemon/compat/akismet_form.h.
#include "daemon/compat/akismet_form.h"

#include <algorithm>
#include <boost/asio/ip/address.hpp>
#include <boost/json.hpp>
#include <boost/url.hpp>
#include <cctype>
#include <functional>
#include <map>

#include "base/encoding.h"
#include "base/strings.h"
#include "classifiers/charset.h"
#include "daemon/http/wire.h"

namespace moderated {
namespace json = boost::json;

namespace {

// Browsers and HTTP libraries escape everything a query may not hold, but
// hand-written clients send "comment_context[]=" or raw UTF-8 as is. Escape
// those bytes (and a '%' that starts no escape) so the strict RFC 3986 parser
// takes them; valid input is unchanged.
std::string EscapeStrayBytes(std::string_view body) {
  auto is_hex = [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; };
  std::string out;
  out.reserve(body.size());
  for (size_t i = 0; i < body.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(body[i]);
    const bool allowed =
        std::isalnum(c) || std::string_view("-._~!$&'()*+,;=:@/?").find(static_cast<char>(c)) !=
                               std::string_view::npos;
    if (allowed ||
        (c == '%' && i + 2 < body.size() && is_hex(body[i + 1]) && is_hex(body[i + 2]))) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      base::AppendHexByte(c, &out, /*upper=*/true);
    }
  }
  return out;
}

}  // namespace

std::string AkismetForm::Get(std::string_view name) const {
  for (auto it = fields_.rbegin(); it != fields_.rend(); ++it) {
    if (it->first == name) return it->second;
  }
  return "";
}

bool AkismetForm::Has(std::string_view name) const {
  for (const auto& f : fields_) {
    if (f.first == name) return true;
  }
  return false;
}

bool ParseAkismetFields(std::string_view raw_body, FormFields* out, std::string* error) {
  if (raw_body.empty()) return true;
  const std::string escaped = EscapeStrayBytes(raw_body);
  const std::string_view body = escaped;
  auto parsed = boost::urls::parse_query(body);
  if (!parsed) {
    *error = "the body is not application/x-www-form-urlencoded (" + parsed.error().message() + ")";
    return false;
  }
  // Valid (checked above), so this constructor does not throw.
  boost::urls::params_view params(body, boost::urls::encoding_opts(/*space_as_plus=*/true));
  for (auto param : params) {
    if (out->size() >= kMaxAkismetFormFields) {
      *error = "more than " + std::to_string(kMaxAkismetFormFields) + " form fields";
      return false;
    }
    out->emplace_back(std::string(param.key), param.has_value ? std::string(param.value) : "");
  }
  return true;
}

bool ConvertAkismetForm(AkismetForm* form, std::string* error) {
  const std::string charset = form->Get("blog_charset");
  for (auto& [name, value] : form->fields()) {
    std::string n, v;
    if (!classifiers::ConvertToUtf8(name, charset, &n, error) ||
        !classifiers::ConvertToUtf8(value, charset, &v, error)) {
      return false;
    }
    name = std::move(n);
    value = std::move(v);
  }
  return true;
}

bool ParseAkismetForm(std::string_view body, FormFields* out, std::string* error) {
  FormFields fields;
  if (!ParseAkismetFields(body, &fields, error)) return false;
  AkismetForm form(std::move(fields));
  if (!ConvertAkismetForm(&form, error)) return false;
  *out = std::move(form.fields());
  return true;
}

// ---- Form → comment ----------------------------------------------------------

namespace {

constexpr size_t kMaxNameBytes = 1024;
constexpr size_t kMaxEmailBytes = 320;
constexpr size_t kMaxUrlBytes = 4096;
constexpr size_t kMaxUserAgentBytes = 2048;

// At most `max` bytes of `s`, not splitting a UTF-8 sequence.
std::string Utf8Prefix(std::string_view s, size_t max) {
  return std::string(base::Utf8Prefix(s, max));
}

// Fields that become columns of the comment; everything else goes to meta.
constexpr std::string_view kMapped[] = {"api_key",
                                        "key",
                                        "blog",
                                        "user_ip",
                                        "user_agent",
                                        "permalink",
                                        "comment_author",
                                        "comment_author_email",
                                        "comment_author_url",
                                        "comment_content",
                                        "comment_date_gmt",
                                        "blog_charset"};

bool IsMapped(std::string_view name) {
  return std::find(std::begin(kMapped), std::end(kMapped), name) != std::end(kMapped);
}

// "2024-05-01 12:00:00" (WordPress) or RFC 3339 → RFC 3339; "" if neither.
std::string NormalizeDate(std::string_view d) {
  if (d.size() == 19 && d[10] == ' ') {
    std::string out(d);
    out[10] = 'T';
    return out + "Z";
  }
  if (d.size() >= 20 && d[4] == '-' && (d[10] == 'T' || d[10] == 't')) return std::string(d);
  return "";
}

// First language tag of a list ("en_US", "ar, en") if it looks like one.
std::string LangHint(std::string_view v) {
  v = v.substr(0, v.find(','));
  while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
  size_t letters = 0;
  while (letters < v.size() && std::isalpha(static_cast<unsigned char>(v[letters]))) ++letters;
  if (letters < 2 || letters > 3 || v.size() > 35) return "";
  for (char c : v) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return "";
  }
  return std::string(v);
}

// The serialised length of the member `"name":value` of an object.
size_t MemberBytes(const std::string& name, const json::value& value) {
  return ToJson(json::value(json::string(name))).size() + 1 + ToJson(value).size();
}

// meta: {"source": "akismet", "guid": ..., "fields": {unmapped fields}}, at
// most `max_bytes` serialised. Fields named "x[...]" are gathered into an
// array "x" (PHP's comment_context[] and the like). When too large, the
// largest fields are dropped first and named in "dropped".
std::string BuildMeta(const AkismetForm& form, const std::string& guid, const std::string& source,
                      std::map<std::string, std::string> extra, size_t max_bytes) {
  json::object fields;
  for (const auto& [name, value] : form.fields()) {
    if (IsMapped(name)) continue;
    auto bracket = name.find('[');
    if (bracket != std::string::npos && bracket > 0 && name.back() == ']') {
      json::value& slot = fields[name.substr(0, bracket)];
      if (!slot.is_array()) slot = json::array();
      slot.get_array().push_back(json::string(value));
    } else {
      fields[name] = value;
    }
  }
  for (auto& [k, v] : extra) fields[k] = v;
  json::object meta{{"source", source}, {"guid", guid}, {"fields", fields}};
  std::string text = ToJson(meta);
  if (text.size() <= max_bytes) return text;
  // Drop the largest until it fits (bounded: at most every field once).
  // "dropped" and "dropped_reason" are added before `f` is taken: adding a
  // key to `meta` may move its members, and `f` must stay valid. The size
  // is kept by arithmetic (each member's exact serialised length and its
  // comma) and checked by serialising only when it says it fits, so a
  // form of 1,000 small fields costs a few serialisations, not 1,000.
  std::vector<std::pair<size_t, std::string>> sizes;
  for (const auto& kv : fields) {
    sizes.emplace_back(ToJson(kv.value()).size() + kv.key().size(), std::string(kv.key()));
  }
  std::sort(sizes.begin(), sizes.end(), std::greater<>());
  meta["dropped"] = json::array();
  meta["dropped_reason"] =
      "meta larger than limits.max_meta_bytes (" + std::to_string(max_bytes) + ")";
  json::object& f = meta.at("fields").as_object();
  json::array& dropped = meta.at("dropped").as_array();
  size_t estimate = ToJson(meta).size();
  for (const auto& [size, name] : sizes) {
    estimate -= std::min(estimate, MemberBytes(name, f.at(name)) + (f.size() > 1 ? 1 : 0));
    f.erase(name);
    dropped.push_back(json::string(Utf8Prefix(name, 64)));
    estimate += ToJson(dropped.back()).size() + (dropped.size() > 1 ? 1 : 0);
    if (estimate > max_bytes) continue;
    text = ToJson(meta);
    if (text.size() <= max_bytes) return text;
    estimate = text.size();
  }
  // Even the names do not fit: say only how many were dropped.
  json::object minimal{{"source", source}, {"guid", guid}, {"dropped_count", sizes.size()}};
  return ToJson(minimal);
}

}  // namespace

CommentInput AkismetComment(const AkismetForm& form, const std::string& site, const Limits& limits,
                            const std::string& guid) {
  CommentInput c;
  std::map<std::string, std::string> extra;
  c.site = site;
  c.thread = Utf8Prefix(form.Get("permalink"), kMaxUrlBytes);
  c.author_name = Utf8Prefix(form.Get("comment_author"), kMaxNameBytes);
  c.author_email = Utf8Prefix(form.Get("comment_author_email"), kMaxEmailBytes);
  c.author_url = Utf8Prefix(form.Get("comment_author_url"), kMaxUrlBytes);
  c.author_user_agent = Utf8Prefix(form.Get("user_agent"), kMaxUserAgentBytes);
  c.content = Utf8Prefix(form.Get("comment_content"), limits.max_body_bytes);
  if (std::string ip = form.Get("user_ip"); !ip.empty()) {
    boost::system::error_code ec;
    auto addr = boost::asio::ip::make_address(ip, ec);
    if (ec)
      extra["user_ip"] = Utf8Prefix(ip, 64);  // kept, but not as an address
    else
      c.author_ip = addr.to_string();
  }
  if (std::string d = form.Get("comment_date_gmt"); !d.empty()) {
    c.created_at = NormalizeDate(d);
    if (c.created_at.empty()) extra["comment_date_gmt"] = Utf8Prefix(d, 64);
  }
  c.lang_hint = LangHint(form.Get("blog_lang"));
  c.meta_json = BuildMeta(form, guid, "akismet", std::move(extra), limits.max_meta_bytes);
  return c;
}

}  // namespace moderated

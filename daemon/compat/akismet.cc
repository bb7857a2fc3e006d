// The Akismet-compatible API: /1.1/verify-key, /1.1/comment-check,
// /1.1/submit-spam, /1.1/submit-ham, /1.2/key-sites and /1.2/usage-limit,
// forms (POST body or GET query) answered byte for byte like Akismet
// (docs/akismet.md). The routes are public: they authenticate by Akismet key
// (or site token) themselves.
#include "daemon/compat/akismet.h"

#include <algorithm>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <boost/url.hpp>
#include <cstdio>
#include <ctime>

#include "base/encoding.h"
#include "base/random.h"
#include "base/strings.h"
#include "daemon/api/comments.h"
#include "daemon/compat/akismet_form.h"
#include "daemon/core/log.h"
#include "daemon/db/async.h"
#include "daemon/http/wire.h"

namespace moderated {
namespace json = boost::json;
namespace net = boost::asio;

namespace {

constexpr std::string_view kThanks = "Thanks for making the web a better place.";
constexpr int64_t kResubmitWindowMs = 30LL * 24 * 3600 * 1000;

std::string NewGuid() {
  std::string b = base::RandomBytes(16);
  b[6] = static_cast<char>((b[6] & 0x0F) | 0x40);  // version 4
  b[8] = static_cast<char>((b[8] & 0x3F) | 0x80);  // RFC 4122 variant
  std::string out;
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    base::AppendHexByte(static_cast<unsigned char>(b[i]), &out);
  }
  return out;
}

// ---- Replies -----------------------------------------------------------------

Response Plain(const Request& req, std::string body, http::status status = http::status::ok) {
  return TextResponse(req, status, "text/plain; charset=utf-8", std::move(body));
}

Response Invalid(const Request& req, std::string_view help) {
  Response res = Plain(req, "invalid");
  res.set("X-akismet-debug-help", help);
  return res;
}

// A required field is missing or empty: Akismet's answer, e.g. body
// "Missing required field: user_ip." and X-akismet-debug-help
// 'Empty "user_ip" value'.
Response MissingField(const Request& req, std::string_view name) {
  Response res = Plain(req, "Missing required field: " + std::string(name) + ".");
  res.set("X-akismet-debug-help", "Empty \"" + std::string(name) + "\" value");
  return res;
}

Response Unavailable(const Request& req, std::string_view help) {
  Response res = Plain(req, "", http::status::service_unavailable);
  res.set("X-akismet-debug-help", help);
  res.set(http::field::retry_after, "1");
  return res;
}

bool Truthy(std::string_view v) { return v == "1" || v == "true" || v == "TRUE" || v == "yes"; }

// ---- Keys ------------------------------------------------------------------------

// The key of a request: form `api_key`, else `key`, else the first label of
// the Host header when it is shaped like a key (so "rest.akismet.com" is a
// host, not the key "rest").
std::string KeyOf(const Request& req, const AkismetForm& form) {
  if (std::string k = form.Get("api_key"); !k.empty()) return k;
  if (std::string k = form.Get("key"); !k.empty()) return k;
  std::string_view host = req[http::field::host];
  auto dot = host.find('.');
  if (dot == std::string_view::npos || dot == 0) return "";
  std::string label(host.substr(0, dot));
  if (IsAkismetKeyFormat(base::AsciiLower(label)) || label.rfind("mdr_", 0) == 0) return label;
  return "";
}

// The principal an Akismet key (or a site/admin token) stands for.
std::optional<Principal> ResolveKey(Services& s, const std::string& key) {
  if (key.empty() || key.size() > 256) return std::nullopt;
  if (key.rfind("mdr_", 0) == 0) {
    auto p = s.auth.Authenticate("Bearer " + key);
    if (p && p->role == Role::kModerator) return std::nullopt;  // reviewers do not submit
    return p;
  }
  const std::string lower = base::AsciiLower(key);
  if (!IsAkismetKeyFormat(lower)) return std::nullopt;
  std::string error;
  auto lease = s.readers.Acquire(&error);
  if (!lease) return std::nullopt;
  storage::Token t;
  if (lease->FindTokenByHash(HashAkismetKey(lower), &t) || t.revoked_at_ms != 0 ||
      t.role != "site") {
    return std::nullopt;
  }
  return PrincipalOf(t);  // role "site", checked above
}

// `blog` (a URL, or a bare host) → the site name: its host, lower-cased.
std::string SiteOfBlog(std::string_view blog) {
  auto uri = boost::urls::parse_uri(blog);
  std::string host;
  if (uri && uri->has_authority()) {
    host = uri->host();  // decoded
  } else {
    // "blog.example" or "blog.example/path"
    std::string_view b = blog.substr(0, blog.find_first_of("/?#"));
    auto colon = b.rfind(':');
    if (colon != std::string_view::npos && b.find(']') == std::string_view::npos)
      b = b.substr(0, colon);
    host = std::string(b);
  }
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  while (!host.empty() && host.back() == '.') host.pop_back();
  return base::AsciiLower(host);
}

std::string SitesList(const Principal& p) {
  if (p.role == Role::kAdmin) return "any site";
  std::string out;
  for (const auto& s : p.sites) out += (out.empty() ? "" : ", ") + s;
  return out;
}

// The common first steps of every route: form, charset, key (the router
// has checked the method).
struct Prepared {
  std::optional<Response> reply;  // set: answer this and stop
  AkismetForm form{{}};
  Principal principal;
  std::string site;
};

// The form of a request: the query of a GET, the body of anything else.
std::string_view FormText(const Request& req) {
  if (req.method() != http::verb::get) return req.body();
  const std::string_view target = req.target();
  const size_t q = target.find('?');
  return q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
}

Prepared Prepare(Services& s, const Request& req, bool need_blog) {
  Prepared out;
  std::vector<std::pair<std::string, std::string>> fields;
  std::string error;
  if (!ParseAkismetFields(FormText(req), &fields, &error)) {
    out.reply = Invalid(req, "Malformed request: " + error + ".");
    return out;
  }
  out.form = AkismetForm(std::move(fields));
  if (!ConvertAkismetForm(&out.form, &error)) {
    out.reply = Invalid(req, "Unsupported blog_charset: " + error + ".");
    return out;
  }
  const std::string key = KeyOf(req, out.form);
  if (key.empty()) {
    out.reply = Invalid(req,
                        "Empty \"api_key\" value: send the Akismet key as the first label of the "
                        "host name (KEY.host) or in the api_key form field.");
    return out;
  }
  auto principal = ResolveKey(s, key);
  if (!principal) {
    out.reply = Invalid(req,
                        "Invalid API key: this key is unknown or revoked. Create one with "
                        "`moderated token create --role site --site SITE --akismet`.");
    return out;
  }
  out.principal = std::move(*principal);
  const std::string blog = out.form.Get("blog");
  if (blog.empty()) {
    if (need_blog) {
      out.reply = Invalid(req, "Empty \"blog\" value: send the site's URL in the blog field.");
    }
    return out;
  }
  out.site = SiteOfBlog(blog);
  if (out.site.empty() || out.site.size() > 255) {
    out.reply = Invalid(req, "Invalid \"blog\" value: it must be the site's URL.");
    return out;
  }
  if (!out.principal.CanAccessSite(out.site)) {
    out.reply = Invalid(req, "This key may not act for site '" + out.site + "' (from blog '" +
                                 std::string(base::Utf8Prefix(blog, 200)) +
                                 "'); its sites: " + SitesList(out.principal) + ".");
  }
  return out;
}

// Akismet's documented spam triggers: the author "viagra-test-123" (or
// "akismet-guaranteed-spam") or the e-mail akismet-guaranteed-spam@example.com.
bool IsGuaranteedSpam(const AkismetForm& form) {
  const std::string author = form.Get("comment_author");
  return author == "viagra-test-123" || author == "akismet-guaranteed-spam" ||
         base::AsciiLower(form.Get("comment_author_email")) ==
             "akismet-guaranteed-spam@example.com";
}

// The honeypot field a form names is filled in: a bot filled every field.
bool HoneypotFilled(const AkismetForm& form) {
  std::string name = form.Get("honeypot_field_name");
  return !name.empty() && !form.Get(name).empty();
}

// ---- Routes ------------------------------------------------------------------------

}  // namespace

net::awaitable<Response> AkismetVerifyKey(Services& s, const Call& call) {
  const Request& req = call.request;
  Prepared p = Prepare(s, req, /*need_blog=*/false);
  if (p.reply) co_return std::move(*p.reply);
  co_return Plain(req, "valid");
}

net::awaitable<Response> AkismetCommentCheck(Services& s, const Call& call) {
  const Request& req = call.request;
  Prepared p = Prepare(s, req, /*need_blog=*/true);
  if (p.reply) co_return std::move(*p.reply);
  if (p.form.Get("user_ip").empty()) co_return MissingField(req, "user_ip");
  const std::string guid = NewGuid();
  auto answer = [&](bool spam, bool discard) {
    Response res = Plain(req, spam ? "true" : "false");
    res.set("X-akismet-guid", guid);
    if (discard) res.set("X-akismet-pro-tip", "discard");
    return res;
  };
  // Akismet's test conventions.
  if (IsGuaranteedSpam(p.form)) co_return answer(true, false);
  const bool is_test = Truthy(p.form.Get("is_test"));
  const bool administrator = p.form.Get("user_role") == "administrator";
  const bool honeypot = HoneypotFilled(p.form);

  CommentInput input = AkismetComment(p.form, p.site, s.config.limits, guid);
  const std::string site = input.site;
  std::vector<CommentInput> inputs;
  inputs.push_back(std::move(input));
  // Named, not a temporary in the co_await expression: GCC 12 destroys such
  // temporaries twice (a lambda or std::function with captures → double free).
  std::function<void(size_t, storage::Comment&)> customize = [administrator, honeypot](
                                                                 size_t, storage::Comment& record) {
    if (administrator)
      record.status = "approved";
    else if (honeypot)
      record.status = "rejected";
  };
  std::vector<StoredVerdict> results =
      co_await EvaluateAndStore(s, std::move(inputs), /*store=*/!is_test, std::move(customize),
                                /*vouched=*/p.principal.role != Role::kAdmin);
  const StoredVerdict& r = results.front();
  if (!is_test && (r.overloaded || r.ec)) {
    if (r.ec) Log(LogLevel::kError, "store_failed", {{"error", r.ec.message()}});
    co_return Unavailable(req, r.overloaded ? "The storage queue is full; retry shortly."
                                            : "Storage error: " + r.ec.message() + ".");
  }
  if (administrator) co_return answer(false, false);
  if (honeypot) co_return answer(true, false);
  const bool spam = IsSpamVerdict(r.verdict, HoldAtFor(s, site));
  co_return answer(spam, r.verdict.action == rules::Action::kReject);
}

namespace {

net::awaitable<Response> Submit(Services& s, const Request& req, bool spam) {
  Prepared p = Prepare(s, req, /*need_blog=*/true);
  if (p.reply) co_return std::move(*p.reply);
  if (p.form.Get("user_ip").empty()) co_return MissingField(req, "user_ip");
  // Test submissions and the guaranteed-spam convention teach nothing.
  if (Truthy(p.form.Get("is_test")) || IsGuaranteedSpam(p.form))
    co_return Plain(req, std::string(kThanks));
  CommentInput input = AkismetComment(p.form, p.site, s.config.limits, NewGuid());
  std::string label = spam ? "spam" : "ham";
  std::string source = "akismet";
  std::string actor = p.principal.Actor();
  ResubmitOutcome o = co_await LabelResubmitted(s, std::move(input), std::move(label),
                                                std::move(source), std::move(actor));
  if (!o.ok) {
    co_return Unavailable(req, o.overloaded ? "The storage queue is full; retry shortly."
                                            : "Storage error: " + o.error + ".");
  }
  Log(LogLevel::kInfo, "akismet_label",
      {{"label", spam ? "spam" : "ham"},
       {"comment", std::to_string(o.comment_id)},
       {"matched", o.found ? "true" : "false"}});
  co_return Plain(req, std::string(kThanks));
}

}  // namespace

net::awaitable<Response> AkismetSubmitSpam(Services& s, const Call& call) {
  co_return co_await Submit(s, call.request, /*spam=*/true);
}

net::awaitable<Response> AkismetSubmitHam(Services& s, const Call& call) {
  co_return co_await Submit(s, call.request, /*spam=*/false);
}

net::awaitable<Response> AkismetUsageLimit(Services& s, const Call& call) {
  const Request& req = call.request;
  Prepared p = Prepare(s, req, /*need_blog=*/false);
  if (p.reply) co_return std::move(*p.reply);
  // Comments of the key's sites since the start of this month (UTC).
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  tm.tm_mday = 1;
  tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
  const int64_t month_start_ms = static_cast<int64_t>(timegm(&tm)) * 1000;
  std::vector<std::string> sites = p.principal.sites;
  if (!p.site.empty()) sites = {p.site};
  int64_t usage = 0;
  std::string error;
  auto lease = s.readers.Acquire(&error);
  if (!lease) co_return Unavailable(req, "Database unavailable: " + error + ".");
  for (const auto& site : sites) {
    int64_t n = 0;
    if (!lease->CountReceivedSince(site, month_start_ms, &n)) usage += n;
  }
  co_return JsonResponse(
      req, http::status::ok,
      {{"limit", "none"}, {"usage", usage}, {"percentage", "0.00"}, {"throttled", false}});
}

namespace {

// [start, end) of the UTC month "YYYY-MM" in Unix ms; "" is this month.
bool MonthRange(std::string_view month, std::string* name, int64_t* from_ms, int64_t* to_ms) {
  std::tm tm{};
  if (month.empty()) {
    std::time_t now = std::time(nullptr);
    gmtime_r(&now, &tm);
  } else {
    int64_t year = 0, mon = 0;
    if (month.size() != 7 || month[4] != '-' || !base::ParseInt64(month.substr(0, 4), &year) ||
        !base::ParseInt64(month.substr(5), &mon) || year < 1970 || mon < 1 || mon > 12) {
      return false;
    }
    tm.tm_year = static_cast<int>(year) - 1900;
    tm.tm_mon = static_cast<int>(mon) - 1;
  }
  tm.tm_mday = 1;
  tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
  char text[24];  // "YYYY-MM"; room for what GCC cannot rule out (-Wformat-truncation)
  std::snprintf(text, sizeof text, "%04d-%02d", (tm.tm_year + 1900) % 10000, tm.tm_mon + 1);
  *name = text;
  *from_ms = static_cast<int64_t>(timegm(&tm)) * 1000;
  tm.tm_mon += 1;  // timegm normalises December + 1
  *to_ms = static_cast<int64_t>(timegm(&tm)) * 1000;
  return true;
}

// One line of key-sites. (At namespace scope: GCC 12 miscompiles the
// destructor of a class defined inside a coroutine.)
struct SiteRow {
  std::string site;
  storage::Store::SiteActivity a;
};

// What a key-sites request asks for.
struct KeySitesQuery {
  std::string month;  // "YYYY-MM"
  int64_t from_ms = 0, to_ms = 0;
  std::string format = "json", order = "total", filter;
  int64_t limit = 500, offset = 0;
};

// Reads and checks the form; "" or the error message Akismet would give.
std::string ParseKeySitesQuery(const AkismetForm& form, KeySitesQuery* q) {
  if (!MonthRange(form.Get("month"), &q->month, &q->from_ms, &q->to_ms)) {
    return "Invalid \"month\" value: expected YYYY-MM.";
  }
  if (!form.Get("format").empty()) q->format = form.Get("format");
  if (q->format != "json" && q->format != "csv") {
    return "Invalid \"format\" value: expected json or csv.";
  }
  if (!form.Get("order").empty()) q->order = form.Get("order");
  static constexpr std::string_view kOrders[] = {"total", "spam", "ham", "missed_spam",
                                                 "false_positives"};
  if (std::find(std::begin(kOrders), std::end(kOrders), q->order) == std::end(kOrders)) {
    return "Invalid \"order\" value: expected total, spam, ham, missed_spam or "
           "false_positives.";
  }
  if (!form.Get("limit").empty() &&
      (!base::ParseInt64(form.Get("limit"), &q->limit) || q->limit < 1 || q->limit > 5000)) {
    return "Invalid \"limit\" value: expected 1 to 5000.";
  }
  if (!form.Get("offset").empty() &&
      (!base::ParseInt64(form.Get("offset"), &q->offset) || q->offset < 0)) {
    return "Invalid \"offset\" value: expected 0 or more.";
  }
  q->filter = base::AsciiLower(form.Get("filter"));
  return "";
}

// Descending by the asked count, then by name.
void SortSiteRows(const std::string& order, std::vector<SiteRow>* rows) {
  auto key = [&order](const SiteRow& r) {
    if (order == "spam") return r.a.rejected;
    if (order == "ham") return r.a.approved;
    if (order == "missed_spam") return r.a.reported_spam;
    if (order == "false_positives") return r.a.reported_ham;
    return r.a.received;
  };
  std::stable_sort(rows->begin(), rows->end(), [&](const SiteRow& a, const SiteRow& b) {
    return key(a) != key(b) ? key(a) > key(b) : a.site < b.site;
  });
}

// The page [offset, offset + limit) of `rows` in Akismet's CSV.
std::string KeySitesCsv(const std::vector<SiteRow>& rows, const KeySitesQuery& q,
                        const std::string& key) {
  const int64_t total = static_cast<int64_t>(rows.size());
  std::string csv = "Active sites for " + key + " during " + q.month +
                    " (limit:" + std::to_string(q.limit) + ", offset: " + std::to_string(q.offset) +
                    ", total: " + std::to_string(total) + ")\n" +
                    "Site,Total API Calls,Spam,Ham,Missed Spam,False Positives,Is Revoked\n";
  const size_t last = static_cast<size_t>(std::min(q.offset + q.limit, total));
  for (size_t i = static_cast<size_t>(std::min(q.offset, total)); i < last; ++i) {
    const SiteRow& r = rows[i];
    csv += r.site + "," + std::to_string(r.a.received) + "," + std::to_string(r.a.rejected) + "," +
           std::to_string(r.a.approved) + "," + std::to_string(r.a.reported_spam) + "," +
           std::to_string(r.a.reported_ham) + ",false\n";
  }
  return csv;
}

// The same page as Akismet's JSON (counts as strings, as Akismet sends them).
json::object KeySitesJson(const std::vector<SiteRow>& rows, const KeySitesQuery& q) {
  const int64_t total = static_cast<int64_t>(rows.size());
  json::array items;
  const size_t last = static_cast<size_t>(std::min(q.offset + q.limit, total));
  for (size_t i = static_cast<size_t>(std::min(q.offset, total)); i < last; ++i) {
    const SiteRow& r = rows[i];
    items.push_back(json::object{{"site", r.site},
                                 {"api_calls", std::to_string(r.a.received)},
                                 {"spam", std::to_string(r.a.rejected)},
                                 {"ham", std::to_string(r.a.approved)},
                                 {"missed_spam", std::to_string(r.a.reported_spam)},
                                 {"false_positives", std::to_string(r.a.reported_ham)},
                                 {"is_revoked", false}});
  }
  json::object body;
  body[q.month] = std::move(items);
  body["limit"] = q.limit;
  body["offset"] = q.offset;
  body["total"] = total;
  return body;
}

}  // namespace

// key-sites: the key's sites with their activity in a month, as JSON or CSV
// (Akismet's key-sites-activity). Query/form: month=YYYY-MM (default this
// month), filter (part of the site name), format=json|csv, order (total,
// spam, ham, missed_spam, false_positives; descending), limit (default 500),
// offset.
net::awaitable<Response> AkismetKeySites(Services& s, const Call& call) {
  const Request& req = call.request;
  Prepared p = Prepare(s, req, /*need_blog=*/false);
  if (p.reply) co_return std::move(*p.reply);
  KeySitesQuery q;
  if (std::string problem = ParseKeySitesQuery(p.form, &q); !problem.empty()) {
    co_return Invalid(req, problem);
  }
  std::string error;
  auto lease = s.readers.Acquire(&error);
  if (!lease) co_return Unavailable(req, "Database unavailable: " + error + ".");
  std::vector<std::string> sites = p.principal.sites;
  if (p.principal.role == Role::kAdmin) {  // an admin token: every registered site
    std::vector<storage::Site> registered;
    if (lease->ListSites(&registered)) {
      co_return Unavailable(req, "Database error: " + lease->LastErrorMessage() + ".");
    }
    for (const auto& site : registered) sites.push_back(site.name);
  }
  std::vector<SiteRow> rows;
  for (const std::string& site : sites) {
    if (!q.filter.empty() && site.find(q.filter) == std::string::npos) continue;
    SiteRow row{site, {}};
    if (lease->CountSiteActivity(site, q.from_ms, q.to_ms, &row.a)) {
      co_return Unavailable(req, "Database error: " + lease->LastErrorMessage() + ".");
    }
    rows.push_back(std::move(row));
  }
  SortSiteRows(q.order, &rows);
  if (q.format == "csv") {
    co_return TextResponse(req, http::status::ok, "text/csv; charset=utf-8",
                           KeySitesCsv(rows, q, KeyOf(req, p.form)));
  }
  co_return JsonResponse(req, http::status::ok, KeySitesJson(rows, q));
}

namespace {

// What the writer found for LabelResubmitted. (At namespace scope: GCC 12
// miscompiles the destructor of a class defined inside a coroutine.)
struct Found {
  bool found = false;
  int64_t id = 0;
  std::string error;
};

}  // namespace

std::string GenerateAkismetKey() { return base::RandomHex128(); }

std::string HashAkismetKey(std::string_view key) {
  return HashToken("akismet:" + std::string(key));
}

bool IsAkismetKeyFormat(std::string_view key) {
  return key.size() == 32 && std::all_of(key.begin(), key.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

bool CreateAkismetKey(storage::Store& store, const std::string& name,
                      const std::vector<std::string>& sites, const std::string& created_by,
                      std::string* key, int64_t* id, std::string* error) {
  if (sites.empty()) {
    *error = "an Akismet key needs at least one --site";
    return false;
  }
  *key = GenerateAkismetKey();
  storage::Token t;
  t.name = name;
  t.role = "site";
  t.hash = HashAkismetKey(*key);
  t.prefix = "akismet:" + key->substr(0, 6);
  t.created_by = created_by;
  std::vector<std::string> lower;
  for (const auto& s : sites) lower.push_back(base::AsciiLower(s));
  return AddTokenAudited(store, std::move(t), lower, "akismet", id, error);
}

double HoldAtFor(Services& s, const std::string& site) {
  auto engine = s.engines.Current();
  return engine->PolicyFor(site).hold_at;
}

bool IsSpamVerdict(const Verdict& verdict, double hold_at) {
  if (verdict.action == rules::Action::kReject) return true;
  return verdict.action == rules::Action::kHold && verdict.score >= hold_at;
}

namespace {

storage::Label MakeLabel(int64_t comment_id, const std::string& label, const std::string& source,
                         const std::string& actor, int64_t now) {
  storage::Label l;
  l.comment_id = comment_id;
  l.label = label;
  l.source = source;
  l.author = actor;
  l.created_at_ms = now;
  return l;
}

// On the writer thread: the newest comment of the same site with the same
// content and author, corrected to `status` and labelled — nothing else
// writes in between.
std::function<Found(storage::Store&)> FindAndLabelTask(const CommentInput& input,
                                                       storage::Label label, std::string status) {
  return [site = input.site, content = input.content, email = input.author_email,
          ip = input.author_ip, label, status](storage::Store& store) mutable {
    Found f;
    int64_t id = 0;
    std::error_code ec = store.FindResubmitted(site, content, email, ip,
                                               label.created_at_ms - kResubmitWindowMs, &id);
    if (ec == storage::Errc::not_found) return f;
    if (ec) {
      f.error = store.LastErrorMessage();
      return f;
    }
    f.found = true;
    f.id = id;
    label.comment_id = id;
    int64_t label_id = 0;
    if (store.UpdateStatus(id, status, label.created_at_ms) || store.AddLabel(label, &label_id)) {
      f.error = store.LastErrorMessage();
    }
    return f;
  };
}

// Stores `input` with `status` (evaluated first) and labels it. The site's
// label answers what a spot check would ask, so it is never one.
net::awaitable<ResubmitOutcome> StoreAndLabel(Services& s, CommentInput& input,
                                              storage::Label& label, const std::string& status) {
  ResubmitOutcome out;
  std::vector<CommentInput> inputs;
  inputs.push_back(std::move(input));
  std::function<void(size_t, storage::Comment&)> customize = [status](size_t,
                                                                      storage::Comment& record) {
    record.status = status;
    record.spot_check = false;
  };
  std::vector<StoredVerdict> stored =
      co_await EvaluateAndStore(s, std::move(inputs), true, std::move(customize));
  const StoredVerdict& r = stored.front();
  if (r.overloaded || r.ec) {
    out.overloaded = r.overloaded;
    out.error = r.ec ? r.ec.message() : "the storage queue is full";
    co_return out;
  }
  label.comment_id = r.id;
  std::function<std::string(storage::Store&)> label_task = [label](storage::Store& store) {
    int64_t label_id = 0;
    return store.AddLabel(label, &label_id) ? store.LastErrorMessage() : std::string();
  };
  std::optional<std::string> labelled =
      co_await AsyncOnWriter<std::string>(s.writer, std::move(label_task), net::use_awaitable);
  if (!labelled || !labelled->empty()) {
    out.overloaded = !labelled;
    out.error = labelled ? *labelled : "the writer is stopping";
    co_return out;
  }
  out.ok = true;
  out.comment_id = r.id;
  co_return out;
}

}  // namespace

net::awaitable<ResubmitOutcome> LabelResubmitted(Services& s, CommentInput input, std::string label,
                                                 std::string source, std::string actor) {
  ResubmitOutcome out;
  const std::string status = label == "spam" ? "rejected" : "approved";
  storage::Label l = MakeLabel(0, label, source, actor, base::NowMs());
  // (Tasks are named locals, not temporaries in the co_await expression: see
  // CommentCheck.)
  std::function<Found(storage::Store&)> find_task = FindAndLabelTask(input, l, status);
  std::optional<Found> found =
      co_await AsyncOnWriter<Found>(s.writer, std::move(find_task), net::use_awaitable);
  if (!found) {
    out.overloaded = true;
    out.error = "the writer is stopping";
    co_return out;
  }
  if (!found->error.empty()) {
    out.error = found->error;
    co_return out;
  }
  if (found->found) {
    out.ok = true;
    out.found = true;
    out.comment_id = found->id;
    co_return out;
  }
  // Not seen before: store it now with the corrected status, then label it.
  co_return co_await StoreAndLabel(s, input, l, status);
}

}  // namespace moderated

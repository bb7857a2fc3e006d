// Admin API (admin tokens only): API tokens, the site registry and the audit
// log. docs/api.md, "Admin API".
//
// Every write runs on the writer thread (AsyncOnWriter) and appends its audit
// entry there; site changes and their audit entry are one transaction.
// Reads use a ReaderPool lease.
#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/pct_string_view.hpp>
#include <charconv>
#include <cmath>
#include <ctime>

#include "daemon/http/api.h"
#include "base/strings.h"
#include "base/time.h"
#include "daemon/core/log.h"
#include "daemon/api/routes.h"
#include "daemon/core/sites.h"
#include "daemon/http/wire.h"

namespace moderated {
namespace json = boost::json;
namespace net = boost::asio;

namespace {

constexpr size_t kMaxNameBytes = 255;
constexpr size_t kMaxSecretBytes = 1024;
constexpr size_t kMaxUrlBytes = 4096;
constexpr int64_t kMaxAuditLimit = 1000;
constexpr int64_t kDefaultAuditLimit = 100;

// ---------------------------------------------------------------- helpers

json::value ParseOrNull(const std::string& text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  return ec ? json::value(nullptr) : v;
}

json::value TimeOrNull(int64_t ms) {
  return ms == 0 ? json::value(nullptr) : json::value(base::FormatTimeMs(ms));
}

Response BadQuery(const Request& req, std::string_view name, std::string_view detail) {
  return Problem(req, http::status::bad_request,
                 "query parameter '" + std::string(name) + "' " + std::string(detail));
}

Response StorageError(const Request& req, std::string_view what) {
  return Overloaded(req, std::string(what));
}

// The segment after `prefix` in the path, percent-decoded; false if it is
// empty or has a '/'.
bool PathTail(std::string_view path, std::string_view prefix, std::string* out) {
  std::string_view raw = path.substr(prefix.size());
  if (raw.empty() || raw.find('/') != std::string_view::npos) return false;
  auto pct = boost::urls::make_pct_string_view(raw);
  if (!pct) return false;
  *out = pct->decode();
  return !out->empty();
}

// ---------------------------------------------------------------- tokens

json::object TokenJson(const storage::Token& t) {
  json::value sites = ParseOrNull(t.sites_json);
  return {{"id", t.id},
          {"name", t.name},
          {"role", t.role},
          {"sites", sites.is_array() ? sites : json::value(json::array())},
          {"prefix", t.prefix},
          {"created_at", base::FormatTimeMs(t.created_at_ms)},
          {"created_by", t.created_by},
          {"revoked_at", TimeOrNull(t.revoked_at_ms)},
          {"last_used_at", TimeOrNull(t.last_used_at_ms)}};
}

net::awaitable<Response> ListTokens(Services& s, const Request& req) {
  std::string error;
  auto lease = s.readers.Acquire(&error);
  if (!lease) co_return StorageError(req, "database unavailable: " + error);
  std::vector<storage::Token> tokens;
  if (auto ec = lease->ListTokens(&tokens)) {
    co_return StorageError(req, "database error: " + lease->LastErrorMessage());
  }
  json::array list;
  for (const auto& t : tokens) list.push_back(TokenJson(t));
  co_return JsonResponse(req, http::status::ok, {{"tokens", std::move(list)}});
}

// Validates a POST /v1/admin/tokens body.
bool ParseNewToken(const json::value& body, std::string* name, Role* role,
                   std::vector<std::string>* sites, std::vector<FieldError>* errors) {
  if (!body.is_object()) {
    errors->push_back({"", "must be a JSON object"});
    return false;
  }
  const json::object& o = body.get_object();
  for (const auto& kv : o) {
    if (kv.key() != "name" && kv.key() != "role" && kv.key() != "sites") {
      errors->push_back({"/" + std::string(kv.key()), "unknown field"});
    }
  }
  const json::value* n = o.if_contains("name");
  if (n == nullptr || n->is_null()) {
    errors->push_back({"/name", "is required"});
  } else if (!n->is_string() || n->get_string().empty() || n->get_string().size() > kMaxNameBytes) {
    errors->push_back({"/name", "must be a string of 1 to 255 bytes"});
  } else {
    *name = std::string(n->get_string());
  }
  const json::value* r = o.if_contains("role");
  bool role_ok = false;
  if (r == nullptr || r->is_null()) {
    errors->push_back({"/role", "is required"});
  } else if (!r->is_string() || !ParseRole(r->get_string(), role)) {
    errors->push_back({"/role", "must be \"site\", \"moderator\" or \"admin\""});
  } else {
    role_ok = true;
  }
  const json::value* list = o.if_contains("sites");
  if (list != nullptr && !list->is_null()) {
    if (!list->is_array()) {
      errors->push_back({"/sites", "must be an array of site names"});
    } else {
      const json::array& a = list->get_array();
      for (size_t i = 0; i < a.size(); ++i) {
        if (!a[i].is_string() || a[i].get_string().empty() ||
            a[i].get_string().size() > kMaxNameBytes) {
          errors->push_back({"/sites/" + std::to_string(i), "must be a string of 1 to 255 bytes"});
        } else {
          sites->emplace_back(a[i].get_string());
        }
      }
    }
  }
  if (role_ok && *role == Role::kSite && sites->empty() &&
      (list == nullptr || (list->is_array() && list->get_array().empty()) || list->is_null())) {
    errors->push_back({"/sites", "a site token needs at least one site"});
  }
  return errors->empty();
}

net::awaitable<Response> CreateTokenHandler(Services& s, const Request& req,
                                            const RequestContext& ctx) {
  json::value body;
  if (auto problem = ParseJsonBody(req, &body)) co_return std::move(*problem);
  std::string name;
  Role role = Role::kSite;
  std::vector<std::string> sites;
  std::vector<FieldError> errors;
  if (!ParseNewToken(body, &name, &role, &sites, &errors)) co_return ValidationProblem(req, errors);

  struct Created {
    bool ok = false;
    std::string token;
    storage::Token record;
    std::string error;
  };
  const std::string actor = ctx.principal->Actor();
  // Named, not inline in co_await: GCC 12 destroys such a temporary twice
  // (daemon/http/response.h).
  std::function<Created(storage::Store&)> task = [name, role, sites, actor](storage::Store& store) {
    Created c;
    int64_t id = 0;
    if (!CreateToken(store, name, role, sites, actor, &c.token, &id, &c.error)) return c;
    std::vector<storage::Token> all;
    if (store.ListTokens(&all)) {
      c.error = "cannot read the new token: " + store.LastErrorMessage();
      return c;
    }
    for (auto& t : all) {
      if (t.id == id) c.record = std::move(t);
    }
    c.ok = true;
    return c;
  };
  std::optional<Created> result =
      co_await AsyncOnWriter<Created>(s.writer, std::move(task), net::use_awaitable);
  if (!result) co_return Overloaded(req, "the daemon is stopping");
  if (!result->ok) {
    Log(LogLevel::kError, "token_create_failed", {{"error", result->error}});
    co_return StorageError(req, result->error);
  }
  Log(LogLevel::kInfo, "token_created",
      {{"id", std::to_string(result->record.id)}, {"role", result->record.role}, {"by", actor}});
  json::object out = TokenJson(result->record);
  json::object with_token;
  with_token["token"] = result->token;  // first, as the one thing to copy
  for (auto& kv : out) with_token[kv.key()] = kv.value();
  co_return JsonResponse(req, http::status::created, with_token);
}

net::awaitable<Response> RevokeTokenHandler(Services& s, const Request& req,
                                            const RequestContext& ctx) {
  std::string_view id_text = ctx.path.substr(std::string_view("/v1/admin/tokens/").size());
  int64_t id = 0;
  if (!base::ParseInt64(id_text, &id) || id <= 0) {
    co_return Problem(req, http::status::not_found,
                      "no token with id '" + std::string(id_text) + "'");
  }
  struct Revoked {
    int status = 204;  // 204 | 404 | 503
    std::string error;
  };
  const std::string actor = ctx.principal->Actor();
  // Named, not inline in co_await: GCC 12 destroys such a temporary twice
  // (daemon/http/response.h).
  std::function<Revoked(storage::Store&)> task = [id, actor](storage::Store& store) {
    Revoked r;
    std::vector<storage::Token> all;
    if (store.ListTokens(&all)) {
      r.status = 503;
      r.error = "database error: " + store.LastErrorMessage();
      return r;
    }
    const storage::Token* before = nullptr;
    for (const auto& t : all) {
      if (t.id == id && t.revoked_at_ms == 0) before = &t;
    }
    if (before == nullptr) {
      r.status = 404;
      r.error = "no active token with id " + std::to_string(id);
      return r;
    }
    int64_t now = base::NowMs();
    if (store.RevokeToken(id, now)) {
      r.status = 503;
      r.error = "cannot revoke token: " + store.LastErrorMessage();
      return r;
    }
    storage::Token after = *before;
    after.revoked_at_ms = now;
    storage::AuditEntry audit;
    audit.at_ms = now;
    audit.actor = actor;
    audit.action = "token.revoke";
    audit.target = "token:" + std::to_string(id);
    audit.before_json = json::serialize(TokenJson(*before));
    audit.after_json = json::serialize(TokenJson(after));
    if (store.AppendAudit(audit)) {
      Log(LogLevel::kError, "audit_failed", {{"error", store.LastErrorMessage()}});
    }
    return r;
  };
  std::optional<Revoked> result =
      co_await AsyncOnWriter<Revoked>(s.writer, std::move(task), net::use_awaitable);
  if (!result) co_return Overloaded(req, "the daemon is stopping");
  if (result->status == 404) co_return Problem(req, http::status::not_found, result->error);
  if (result->status != 204) co_return StorageError(req, result->error);
  // The revoked token must stop working with the very next request.
  s.auth.ForgetAll();
  Log(LogLevel::kInfo, "token_revoked", {{"id", std::to_string(id)}, {"by", actor}});
  Response res{http::status::no_content, req.version()};
  res.set(http::field::server, kServerName);
  res.keep_alive(req.keep_alive());
  res.prepare_payload();
  co_return res;
}

net::awaitable<Response> TokensRoot(Services& s, const Request& req, const RequestContext& ctx) {
  if (auto r = RequireRole(req, ctx, {Role::kAdmin})) co_return std::move(*r);
  if (req.method() == http::verb::get) co_return co_await ListTokens(s, req);
  if (auto r = RequireMethod(req, http::verb::post, "GET, POST")) co_return std::move(*r);
  co_return co_await CreateTokenHandler(s, req, ctx);
}

net::awaitable<Response> TokenItem(Services& s, const Request& req, const RequestContext& ctx) {
  if (auto r = RequireRole(req, ctx, {Role::kAdmin})) co_return std::move(*r);
  if (auto r = RequireMethod(req, http::verb::delete_, "DELETE")) co_return std::move(*r);
  co_return co_await RevokeTokenHandler(s, req, ctx);
}

// ---------------------------------------------------------------- sites

json::object SiteJson(const storage::Site& site) {
  json::value langs = ParseOrNull(site.languages_json);
  return {{"name", site.name},
          {"hold_at", site.hold_at ? json::value(*site.hold_at) : json::value(nullptr)},
          {"reject_at", site.reject_at ? json::value(*site.reject_at) : json::value(nullptr)},
          {"languages", langs.is_array() ? langs : json::value(nullptr)},
          {"webhook_url", site.webhook_url},
          {"webhook_secret_set", !site.webhook_secret.empty()},
          {"retention_days", site.retention_days},
          {"created_at", base::FormatTimeMs(site.created_at_ms)},
          {"updated_at", base::FormatTimeMs(site.updated_at_ms)}};
}

// 2–3 letters, then optional subtags of 2–8 letters or digits ("ar",
// "zh-hant"); compared lower-case with the detected language.
bool IsLanguageCode(std::string_view s) {
  size_t i = 0;
  auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  auto alnum = [&](char c) { return alpha(c) || (c >= '0' && c <= '9'); };
  while (i < s.size() && alpha(s[i])) ++i;
  if (i < 2 || i > 3) return false;
  while (i < s.size()) {
    if (s[i] != '-') return false;
    size_t start = ++i;
    while (i < s.size() && alnum(s[i])) ++i;
    if (i - start < 2 || i - start > 8) return false;
  }
  return true;
}

// An absolute http(s) URL with a host (Boost.URL, RFC 3986).
bool IsWebhookUrl(std::string_view s) {
  auto u = boost::urls::parse_absolute_uri(s);
  if (!u) return false;
  std::string scheme(u->scheme());
  for (char& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return (scheme == "http" || scheme == "https") && u->has_authority() && !u->host().empty() &&
         !u->has_userinfo();
}

// Validates a PUT /v1/admin/sites/{name} body into *site. *secret_given is
// false when the body has no webhook_secret: the stored one is then kept
// (the secret is write-only, so clients cannot send it back).
bool ParseSite(const json::value& body, storage::Site* site, bool* secret_given,
               std::vector<FieldError>* errors) {
  if (!body.is_object()) {
    errors->push_back({"", "must be a JSON object"});
    return false;
  }
  static const char* const kKeys[] = {"hold_at",     "reject_at",      "languages",
                                      "webhook_url", "webhook_secret", "retention_days"};
  const json::object& o = body.get_object();
  for (const auto& kv : o) {
    bool known = false;
    for (const char* k : kKeys) known = known || kv.key() == k;
    if (!known) errors->push_back({"/" + std::string(kv.key()), "unknown field"});
  }
  auto threshold = [&](const char* key, std::optional<double>* out) {
    const json::value* v = o.if_contains(key);
    if (v == nullptr || v->is_null()) return;
    if (!v->is_number() || !std::isfinite(v->to_number<double>())) {
      errors->push_back({std::string("/") + key, "must be a number or null"});
      return;
    }
    *out = v->to_number<double>();
  };
  threshold("hold_at", &site->hold_at);
  threshold("reject_at", &site->reject_at);
  if (site->hold_at && site->reject_at && !(*site->hold_at < *site->reject_at)) {
    errors->push_back({"/hold_at", "must be less than reject_at"});
  }
  site->languages_json = "null";
  if (const json::value* v = o.if_contains("languages"); v != nullptr && !v->is_null()) {
    if (!v->is_array()) {
      errors->push_back({"/languages", "must be an array of language codes or null"});
    } else {
      json::array codes;
      const json::array& a = v->get_array();
      for (size_t i = 0; i < a.size(); ++i) {
        if (!a[i].is_string() || !IsLanguageCode(a[i].get_string())) {
          errors->push_back({"/languages/" + std::to_string(i),
                             "must be a language code such as \"ar\" or \"ru\""});
          continue;
        }
        std::string code(a[i].get_string());
        for (char& c : code) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        codes.push_back(json::string(code));
      }
      site->languages_json = json::serialize(codes);
    }
  }
  site->webhook_url.clear();
  if (const json::value* v = o.if_contains("webhook_url"); v != nullptr && !v->is_null()) {
    if (!v->is_string()) {
      errors->push_back({"/webhook_url", "must be a string"});
    } else if (v->get_string().size() > kMaxUrlBytes) {
      errors->push_back({"/webhook_url", "must be at most 4096 bytes"});
    } else if (!v->get_string().empty() && !IsWebhookUrl(v->get_string())) {
      errors->push_back({"/webhook_url", "must be an absolute http:// or https:// URL"});
    } else {
      site->webhook_url = std::string(v->get_string());
    }
  }
  *secret_given = false;
  if (const json::value* v = o.if_contains("webhook_secret"); v != nullptr) {
    if (v->is_null()) {
      site->webhook_secret.clear();
      *secret_given = true;
    } else if (!v->is_string()) {
      errors->push_back({"/webhook_secret", "must be a string"});
    } else if (v->get_string().size() > kMaxSecretBytes) {
      errors->push_back({"/webhook_secret", "must be at most 1024 bytes"});
    } else {
      site->webhook_secret = std::string(v->get_string());
      *secret_given = true;
    }
  }
  site->retention_days = 0;
  if (const json::value* v = o.if_contains("retention_days"); v != nullptr && !v->is_null()) {
    if (!v->is_int64() || v->get_int64() < 0) {
      errors->push_back({"/retention_days", "must be an integer >= 0"});
    } else {
      site->retention_days = v->get_int64();
    }
  }
  return errors->empty();
}

// The table the Engine reads, rebuilt from `store` after a change.
void RefreshSites(Services& s, storage::Store& store) {
  auto engine = s.engines.Current();
  std::shared_ptr<Sites> sites = engine ? engine->sites_ptr() : nullptr;
  if (sites == nullptr) return;
  if (auto ec = sites->Load(store)) {
    Log(LogLevel::kError, "sites_reload_failed", {{"error", store.LastErrorMessage()}});
  }
}

net::awaitable<Response> ListSitesHandler(Services& s, const Request& req) {
  std::string error;
  auto lease = s.readers.Acquire(&error);
  if (!lease) co_return StorageError(req, "database unavailable: " + error);
  std::vector<storage::Site> sites;
  if (lease->ListSites(&sites)) {
    co_return StorageError(req, "database error: " + lease->LastErrorMessage());
  }
  json::array list;
  for (const auto& site : sites) list.push_back(SiteJson(site));
  co_return JsonResponse(req, http::status::ok, {{"sites", std::move(list)}});
}

net::awaitable<Response> GetSiteHandler(Services& s, const Request& req, const std::string& name) {
  std::string error;
  auto lease = s.readers.Acquire(&error);
  if (!lease) co_return StorageError(req, "database unavailable: " + error);
  storage::Site site;
  std::error_code ec = lease->GetSite(name, &site);
  if (ec == storage::Errc::not_found) {
    co_return Problem(req, http::status::not_found, "no site '" + name + "'");
  }
  if (ec) co_return StorageError(req, "database error: " + lease->LastErrorMessage());
  co_return JsonResponse(req, http::status::ok, SiteJson(site));
}

struct SiteWrite {
  int status = 200;  // 200 | 204 | 404 | 422 | 503
  std::string error;
  storage::Site site;
};

net::awaitable<Response> PutSiteHandler(Services& s, const Request& req, const RequestContext& ctx,
                                        const std::string& name) {
  json::value body;
  if (auto problem = ParseJsonBody(req, &body)) co_return std::move(*problem);
  storage::Site site;
  bool secret_given = false;
  std::vector<FieldError> errors;
  if (!ParseSite(body, &site, &secret_given, &errors)) co_return ValidationProblem(req, errors);
  site.name = name;
  const std::string actor = ctx.principal->Actor();
  // Named, not inline in co_await: GCC 12 destroys such a temporary twice
  // (daemon/http/response.h).
  std::function<SiteWrite(storage::Store&)> task = [&s, site, secret_given,
                                                    actor](storage::Store& store) mutable {
    SiteWrite w;
    storage::Site before;
    std::error_code ec = store.GetSite(site.name, &before);
    bool existed = !ec;
    if (ec && ec != storage::Errc::not_found) {
      w.status = 503;
      w.error = "database error: " + store.LastErrorMessage();
      return w;
    }
    if (!secret_given) site.webhook_secret = existed ? before.webhook_secret : "";
    if (!site.webhook_url.empty() && site.webhook_secret.empty()) {
      w.status = 422;
      w.error = "is required when webhook_url is set";
      return w;
    }
    int64_t now = base::NowMs();
    site.created_at_ms = existed ? before.created_at_ms : now;
    site.updated_at_ms = now;
    storage::AuditEntry audit;
    audit.at_ms = now;
    audit.actor = actor;
    audit.action = "site.update";
    audit.target = "site:" + site.name;
    audit.before_json = existed ? json::serialize(SiteJson(before)) : "null";
    json::object after = SiteJson(site);
    // The secret itself never reaches the audit log; only whether it changed.
    after["webhook_secret_changed"] =
        existed ? before.webhook_secret != site.webhook_secret : !site.webhook_secret.empty();
    audit.after_json = json::serialize(after);
    if (store.PutSite(site, audit, nullptr)) {
      w.status = 503;
      w.error = "cannot store site: " + store.LastErrorMessage();
      return w;
    }
    RefreshSites(s, store);
    w.site = site;
    return w;
  };
  std::optional<SiteWrite> result =
      co_await AsyncOnWriter<SiteWrite>(s.writer, std::move(task), net::use_awaitable);
  if (!result) co_return Overloaded(req, "the daemon is stopping");
  if (result->status == 422) {
    co_return ValidationProblem(req, {{"/webhook_secret", result->error}});
  }
  if (result->status != 200) co_return StorageError(req, result->error);
  Log(LogLevel::kInfo, "site_updated", {{"site", name}, {"by", actor}});
  co_return JsonResponse(req, http::status::ok, SiteJson(result->site));
}

net::awaitable<Response> DeleteSiteHandler(Services& s, const Request& req,
                                           const RequestContext& ctx, const std::string& name) {
  const std::string actor = ctx.principal->Actor();
  // Named, not inline in co_await: GCC 12 destroys such a temporary twice
  // (daemon/http/response.h).
  std::function<SiteWrite(storage::Store&)> task = [&s, name, actor](storage::Store& store) {
    SiteWrite w;
    storage::Site before;
    std::error_code ec = store.GetSite(name, &before);
    if (ec == storage::Errc::not_found) {
      w.status = 404;
      return w;
    }
    if (ec) {
      w.status = 503;
      w.error = "database error: " + store.LastErrorMessage();
      return w;
    }
    storage::AuditEntry audit;
    audit.at_ms = base::NowMs();
    audit.actor = actor;
    audit.action = "site.delete";
    audit.target = "site:" + name;
    audit.before_json = json::serialize(SiteJson(before));
    ec = store.DeleteSite(name, audit);
    if (ec == storage::Errc::not_found) {
      w.status = 404;
      return w;
    }
    if (ec) {
      w.status = 503;
      w.error = "cannot delete site: " + store.LastErrorMessage();
      return w;
    }
    RefreshSites(s, store);
    w.status = 204;
    return w;
  };
  std::optional<SiteWrite> result =
      co_await AsyncOnWriter<SiteWrite>(s.writer, std::move(task), net::use_awaitable);
  if (!result) co_return Overloaded(req, "the daemon is stopping");
  if (result->status == 404) {
    co_return Problem(req, http::status::not_found, "no site '" + name + "'");
  }
  if (result->status != 204) co_return StorageError(req, result->error);
  Log(LogLevel::kInfo, "site_deleted", {{"site", name}, {"by", actor}});
  Response res{http::status::no_content, req.version()};
  res.set(http::field::server, kServerName);
  res.keep_alive(req.keep_alive());
  res.prepare_payload();
  co_return res;
}

net::awaitable<Response> SitesRoot(Services& s, const Request& req, const RequestContext& ctx) {
  if (auto r = RequireRole(req, ctx, {Role::kAdmin})) co_return std::move(*r);
  if (auto r = RequireMethod(req, http::verb::get, "GET")) co_return std::move(*r);
  co_return co_await ListSitesHandler(s, req);
}

net::awaitable<Response> SiteItem(Services& s, const Request& req, const RequestContext& ctx) {
  if (auto r = RequireRole(req, ctx, {Role::kAdmin})) co_return std::move(*r);
  std::string name;
  if (!PathTail(ctx.path, "/v1/admin/sites/", &name) || name.size() > kMaxNameBytes) {
    co_return Problem(req, http::status::not_found, "no such endpoint: " + std::string(ctx.path));
  }
  // Site names are stored and compared in ASCII lower case, as comments'
  // `site` is (daemon/http/wire.cc).
  name = base::AsciiLower(name);
  switch (req.method()) {
    case http::verb::get:
      co_return co_await GetSiteHandler(s, req, name);
    case http::verb::put:
      co_return co_await PutSiteHandler(s, req, ctx, name);
    case http::verb::delete_:
      co_return co_await DeleteSiteHandler(s, req, ctx, name);
    default:
      break;
  }
  co_return std::move(*RequireMethod(req, http::verb::get, "GET, PUT, DELETE"));
}

// ---------------------------------------------------------------- audit

json::object AuditJson(const storage::AuditEntry& e) {
  return {{"id", e.id},
          {"at", base::FormatTimeMs(e.at_ms)},
          {"actor", e.actor},
          {"action", e.action},
          {"target", e.target},
          {"before", ParseOrNull(e.before_json)},
          {"after", ParseOrNull(e.after_json)}};
}

net::awaitable<Response> AuditHandler(Services& s, const Request& req, const RequestContext& ctx) {
  if (auto r = RequireRole(req, ctx, {Role::kAdmin})) co_return std::move(*r);
  if (auto r = RequireMethod(req, http::verb::get, "GET")) co_return std::move(*r);
  storage::AuditQuery q;
  q.limit = kDefaultAuditLimit;
  for (const auto& [key, value] : QueryParams(req.target())) {
    if (key == "action") {
      q.action = value;
    } else if (key == "actor") {
      q.actor = value;
    } else if (key == "target") {
      q.target = value;
    } else if (key == "since" || key == "until") {
      int64_t ms = 0;
      if (!base::ParseTimeParam(value, &ms)) {
        co_return BadQuery(req, key, "must be an RFC 3339 date-time or Unix milliseconds");
      }
      (key == "since" ? q.since_ms : q.until_ms) = ms;
    } else if (key == "limit") {
      if (!base::ParseInt64(value, &q.limit) || q.limit < 1 || q.limit > kMaxAuditLimit) {
        co_return BadQuery(req, key, "must be an integer from 1 to 1000");
      }
    } else if (key == "cursor") {
      if (!value.empty() && (!base::ParseInt64(value, &q.before_id) || q.before_id <= 0)) {
        co_return BadQuery(req, key, "is not a cursor from a previous page");
      }
    } else {
      co_return BadQuery(req, key, "is unknown");
    }
  }
  std::string error;
  auto lease = s.readers.Acquire(&error);
  if (!lease) co_return StorageError(req, "database unavailable: " + error);
  const int64_t limit = q.limit;
  q.limit = limit + 1;  // one more tells whether another page exists
  std::vector<storage::AuditEntry> entries;
  if (lease->QueryAudit(q, &entries)) {
    co_return StorageError(req, "database error: " + lease->LastErrorMessage());
  }
  json::value next = nullptr;
  if (static_cast<int64_t>(entries.size()) > limit) {
    entries.resize(static_cast<size_t>(limit));
    next = json::string(std::to_string(entries.back().id));
  }
  json::array list;
  for (const auto& e : entries) list.push_back(AuditJson(e));
  co_return JsonResponse(req, http::status::ok,
                         {{"entries", std::move(list)}, {"next_cursor", std::move(next)}});
}

}  // namespace

void RegisterAdminRoutes(Router& router, const Config&) {
  using A = Router::Access;
  router.Add("/v1/admin/tokens", A::kAuthenticated, TokensRoot);
  router.Add("/v1/admin/tokens/", A::kAuthenticated, TokenItem);
  router.Add("/v1/admin/sites", A::kAuthenticated, SitesRoot);
  router.Add("/v1/admin/sites/", A::kAuthenticated, SiteItem);
  router.Add("/v1/admin/audit", A::kAuthenticated, AuditHandler);
}

}  // namespace moderated

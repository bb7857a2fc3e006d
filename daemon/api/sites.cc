// The site registry, admin tokens only (docs/api.md, "Sites"):
//   GET    /v1/admin/sites          every registered site
//   GET    /v1/admin/sites/{name}   one site
//   PUT    /v1/admin/sites/{name}   create or replace: thresholds, languages, sensitivity,
//                                    spot-check share, webhook, retention
//   DELETE /v1/admin/sites/{name}   remove it (the rule file's policy applies again)
//
// A change and its audit entry are one transaction on the writer thread,
// which then reloads the table the engine reads (daemon/engine/sites.h). Site
// names are stored and compared in ASCII lower case, as comments' `site` is
// (daemon/http/wire.cc).
#include "daemon/engine/sites.h"

#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <cmath>

#include "base/strings.h"
#include "base/time.h"
#include "daemon/api/handlers.h"
#include "daemon/core/log.h"
#include "daemon/db/async.h"
#include "daemon/http/wire.h"

namespace moderated::api {
namespace json = boost::json;
namespace net = boost::asio;

namespace {

constexpr size_t kMaxSecretBytes = 1024;
constexpr size_t kMaxUrlBytes = 4096;

json::object SiteJson(const storage::Site& site) {
  json::value langs = ParseJsonOr(site.languages_json, nullptr);
  return {{"name", site.name},
          {"hold_at", site.hold_at ? json::value(*site.hold_at) : json::value(nullptr)},
          {"reject_at", site.reject_at ? json::value(*site.reject_at) : json::value(nullptr)},
          {"languages", langs.is_array() ? langs : json::value(nullptr)},
          {"sensitivity",
           site.sensitivity ? json::value(json::string(*site.sensitivity)) : json::value(nullptr)},
          {"spot_check", site.spot_check ? json::value(*site.spot_check) : json::value(nullptr)},
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
  const std::string scheme = base::AsciiLower(u->scheme());
  return (scheme == "http" || scheme == "https") && u->has_authority() && !u->host().empty() &&
         !u->has_userinfo();
}

// Reads the fields of a PUT body, each into *site; appends what is invalid.
class SiteReader {
 public:
  SiteReader(const json::object& o, storage::Site* site, std::vector<FieldError>* errors)
      : o_(o), site_(site), errors_(errors) {}

  void Thresholds() {
    Threshold("hold_at", &site_->hold_at);
    Threshold("reject_at", &site_->reject_at);
    if (site_->hold_at && site_->reject_at && !(*site_->hold_at < *site_->reject_at)) {
      errors_->push_back({"/hold_at", "must be less than reject_at"});
    }
  }

  void Languages() {
    site_->languages_json = "null";
    const json::value* v = o_.if_contains("languages");
    if (v == nullptr || v->is_null()) return;
    if (!v->is_array()) {
      errors_->push_back({"/languages", "must be an array of language codes or null"});
      return;
    }
    json::array codes;
    const json::array& a = v->get_array();
    for (size_t i = 0; i < a.size(); ++i) {
      if (!a[i].is_string() || !IsLanguageCode(a[i].get_string())) {
        errors_->push_back({"/languages/" + std::to_string(i),
                            "must be a language code such as \"ar\" or \"ru\""});
        continue;
      }
      codes.push_back(json::string(base::AsciiLower(a[i].get_string())));
    }
    site_->languages_json = json::serialize(codes);
  }

  // Which calibrated level of the classifier holds comments.
  void Sensitivity() {
    const json::value* v = o_.if_contains("sensitivity");
    if (v == nullptr || v->is_null()) return;
    if (!v->is_string() ||
        (v->get_string() != "low" && v->get_string() != "normal" && v->get_string() != "high")) {
      errors_->push_back({"/sensitivity", "must be low, normal or high"});
      return;
    }
    site_->sensitivity = std::string(v->get_string());
  }

  // The share of accepted comments sampled as spot checks.
  void SpotCheck() {
    const json::value* v = o_.if_contains("spot_check");
    if (v == nullptr || v->is_null()) return;
    const double share = v->is_number() ? v->to_number<double>() : -1;
    if (!v->is_number() || !(share >= 0 && share <= 1)) {
      errors_->push_back({"/spot_check", "must be a number between 0 and 1"});
      return;
    }
    site_->spot_check = share;
  }

  void WebhookUrl() {
    site_->webhook_url.clear();
    const json::value* v = o_.if_contains("webhook_url");
    if (v == nullptr || v->is_null()) return;
    if (!v->is_string()) {
      errors_->push_back({"/webhook_url", "must be a string"});
    } else if (v->get_string().size() > kMaxUrlBytes) {
      errors_->push_back({"/webhook_url", "must be at most 4096 bytes"});
    } else if (!v->get_string().empty() && !IsWebhookUrl(v->get_string())) {
      errors_->push_back({"/webhook_url", "must be an absolute http:// or https:// URL"});
    } else {
      site_->webhook_url = std::string(v->get_string());
    }
  }

  // False when the body has no webhook_secret: the stored one is then kept
  // (the secret is write-only, so clients cannot send it back).
  bool WebhookSecret() {
    const json::value* v = o_.if_contains("webhook_secret");
    if (v == nullptr) return false;
    if (v->is_null()) {
      site_->webhook_secret.clear();
      return true;
    }
    if (!v->is_string()) {
      errors_->push_back({"/webhook_secret", "must be a string"});
    } else if (v->get_string().size() > kMaxSecretBytes) {
      errors_->push_back({"/webhook_secret", "must be at most 1024 bytes"});
    } else {
      site_->webhook_secret = std::string(v->get_string());
      return true;
    }
    return false;
  }

  void RetentionDays() {
    site_->retention_days = 0;
    const json::value* v = o_.if_contains("retention_days");
    if (v == nullptr || v->is_null()) return;
    if (!v->is_int64() || v->get_int64() < 0) {
      errors_->push_back({"/retention_days", "must be an integer >= 0"});
    } else {
      site_->retention_days = v->get_int64();
    }
  }

 private:
  void Threshold(const char* key, std::optional<double>* out) {
    const json::value* v = o_.if_contains(key);
    if (v == nullptr || v->is_null()) return;
    if (!v->is_number() || !std::isfinite(v->to_number<double>())) {
      errors_->push_back({std::string("/") + key, "must be a number or null"});
      return;
    }
    *out = v->to_number<double>();
  }

  const json::object& o_;
  storage::Site* site_;
  std::vector<FieldError>* errors_;
};

// Validates a PUT /v1/admin/sites/{name} body into *site (see SiteReader).
bool ParseSite(const json::value& body, storage::Site* site, bool* secret_given,
               std::vector<FieldError>* errors) {
  if (!body.is_object()) {
    errors->push_back({"", "must be a JSON object"});
    return false;
  }
  static const char* const kKeys[] = {"hold_at",        "reject_at",     "languages",
                                      "sensitivity",    "spot_check",    "webhook_url",
                                      "webhook_secret", "retention_days"};
  const json::object& o = body.get_object();
  for (const auto& kv : o) {
    bool known = false;
    for (const char* k : kKeys) known = known || kv.key() == k;
    if (!known) errors->push_back({"/" + std::string(kv.key()), "unknown field"});
  }
  SiteReader read(o, site, errors);
  read.Thresholds();
  read.Languages();
  read.Sensitivity();
  read.SpotCheck();
  read.WebhookUrl();
  *secret_given = read.WebhookSecret();
  read.RetentionDays();
  return errors->empty();
}

// The table the Engine reads, rebuilt from `store` after a change.
void RefreshSites(Services& s, storage::Store& store) {
  auto engine = s.engines.Current();
  std::shared_ptr<Sites> sites = engine ? engine->sites_ptr() : nullptr;
  if (sites == nullptr) return;
  if (sites->Load(store)) {
    Log(LogLevel::kError, "sites_reload_failed", {{"error", store.LastErrorMessage()}});
  }
}

struct SiteWrite {
  int status = 200;  // 200 | 204 | 404 | 422 | 503
  std::string error;
  storage::Site site;
};

SiteWrite StorageFailed(std::string what, storage::Store& store) {
  return {503, what + store.LastErrorMessage(), {}};
}

// The audit entry of a PUT: the site before (null if new) and after, where
// the secret itself never appears, only whether it changed.
storage::AuditEntry PutAudit(const std::string& actor, int64_t now, const storage::Site* before,
                             const storage::Site& site) {
  storage::AuditEntry audit;
  audit.at_ms = now;
  audit.actor = actor;
  audit.action = "site.update";
  audit.target = "site:" + site.name;
  audit.before_json = before ? json::serialize(SiteJson(*before)) : "null";
  json::object after = SiteJson(site);
  after["webhook_secret_changed"] =
      before ? before->webhook_secret != site.webhook_secret : !site.webhook_secret.empty();
  audit.after_json = json::serialize(after);
  return audit;
}

std::function<SiteWrite(storage::Store&)> PutTask(Services& s, storage::Site site,
                                                  bool secret_given, std::string actor) {
  return [&s, site, secret_given, actor](storage::Store& store) mutable {
    storage::Site before;
    std::error_code ec = store.GetSite(site.name, &before);
    const bool existed = !ec;
    if (ec && ec != storage::Errc::not_found) return StorageFailed("database error: ", store);
    if (!secret_given) site.webhook_secret = existed ? before.webhook_secret : "";
    if (!site.webhook_url.empty() && site.webhook_secret.empty()) {
      return SiteWrite{422, "is required when webhook_url is set", {}};
    }
    const int64_t now = base::NowMs();
    site.created_at_ms = existed ? before.created_at_ms : now;
    site.updated_at_ms = now;
    if (store.PutSite(site, PutAudit(actor, now, existed ? &before : nullptr, site), nullptr)) {
      return StorageFailed("cannot store site: ", store);
    }
    RefreshSites(s, store);
    return SiteWrite{200, "", site};
  };
}

std::function<SiteWrite(storage::Store&)> DeleteTask(Services& s, std::string name,
                                                     std::string actor) {
  return [&s, name, actor](storage::Store& store) {
    storage::Site before;
    std::error_code ec = store.GetSite(name, &before);
    if (ec == storage::Errc::not_found) return SiteWrite{404, "", {}};
    if (ec) return StorageFailed("database error: ", store);
    storage::AuditEntry audit;
    audit.at_ms = base::NowMs();
    audit.actor = actor;
    audit.action = "site.delete";
    audit.target = "site:" + name;
    audit.before_json = json::serialize(SiteJson(before));
    ec = store.DeleteSite(name, audit);
    if (ec == storage::Errc::not_found) return SiteWrite{404, "", {}};
    if (ec) return StorageFailed("cannot delete site: ", store);
    RefreshSites(s, store);
    return SiteWrite{204, "", {}};
  };
}

Response NoSite(const Call& call, const std::string& name) {
  return Problem(call.request, http::status::not_found, "no site '" + name + "'");
}

}  // namespace

awaitable<Response> ListSites(Services& s, const Call& call) {
  std::string error;
  auto lease = s.readers.Acquire(&error);
  if (!lease) co_return Overloaded(call.request, "database unavailable: " + error);
  std::vector<storage::Site> sites;
  if (lease->ListSites(&sites)) {
    co_return Overloaded(call.request, "database error: " + lease->LastErrorMessage());
  }
  json::array list;
  for (const auto& site : sites) list.push_back(SiteJson(site));
  co_return JsonResponse(call.request, http::status::ok, {{"sites", std::move(list)}});
}

awaitable<Response> GetSite(Services& s, const Call& call) {
  const std::string name = base::AsciiLower(call.name);
  std::string error;
  auto lease = s.readers.Acquire(&error);
  if (!lease) co_return Overloaded(call.request, "database unavailable: " + error);
  storage::Site site;
  std::error_code ec = lease->GetSite(name, &site);
  if (ec == storage::Errc::not_found) co_return NoSite(call, name);
  if (ec) co_return Overloaded(call.request, "database error: " + lease->LastErrorMessage());
  co_return JsonResponse(call.request, http::status::ok, SiteJson(site));
}

awaitable<Response> PutSite(Services& s, const Call& call) {
  storage::Site site;
  bool secret_given = false;
  std::vector<FieldError> errors;
  if (!ParseSite(call.body, &site, &secret_given, &errors)) {
    co_return ValidationProblem(call.request, errors);
  }
  site.name = base::AsciiLower(call.name);
  // Named, not inline in co_await: GCC 12 destroys such a temporary twice
  // (daemon/db/async.h).
  std::function<SiteWrite(storage::Store&)> task = PutTask(s, site, secret_given, call.Actor());
  std::optional<SiteWrite> result =
      co_await AsyncOnWriter<SiteWrite>(s.writer, std::move(task), net::use_awaitable);
  if (!result) co_return WriterStopping(call.request);
  if (result->status == 422) {
    co_return ValidationProblem(call.request, {{"/webhook_secret", result->error}});
  }
  if (result->status != 200) co_return Overloaded(call.request, result->error);
  Log(LogLevel::kInfo, "site_updated", {{"site", site.name}, {"by", call.Actor()}});
  co_return JsonResponse(call.request, http::status::ok, SiteJson(result->site));
}

awaitable<Response> DeleteSite(Services& s, const Call& call) {
  const std::string name = base::AsciiLower(call.name);
  std::function<SiteWrite(storage::Store&)> task = DeleteTask(s, name, call.Actor());
  std::optional<SiteWrite> result =
      co_await AsyncOnWriter<SiteWrite>(s.writer, std::move(task), net::use_awaitable);
  if (!result) co_return WriterStopping(call.request);
  if (result->status == 404) co_return NoSite(call, name);
  if (result->status != 204) co_return Overloaded(call.request, result->error);
  Log(LogLevel::kInfo, "site_deleted", {{"site", name}, {"by", call.Actor()}});
  co_return NoContent(call.request);
}

}  // namespace moderated::api

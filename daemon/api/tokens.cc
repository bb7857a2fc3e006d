// API tokens, admin tokens only (docs/api.md, "Admin API"):
//   GET    /v1/admin/tokens        every token (never the token itself)
//   POST   /v1/admin/tokens        create one → 201 with the token, shown once
//   DELETE /v1/admin/tokens/{id}   revoke: it stops working with the next request
//
// Writes run on the writer thread (AsyncOnWriter) with their audit entry.
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include "base/time.h"
#include "daemon/api/handlers.h"
#include "daemon/core/log.h"
#include "daemon/db/async.h"
#include "daemon/http/wire.h"

namespace moderated::api {
namespace json = boost::json;
namespace net = boost::asio;

namespace {

constexpr size_t kMaxNameBytes = 255;

json::object TokenJson(const storage::Token& t) {
  json::value sites = ParseJsonOr(t.sites_json, nullptr);
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

struct NewToken {
  std::string name;
  Role role = Role::kSite;
  std::vector<std::string> sites;
};

void ParseSites(const json::value* list, NewToken* out, std::vector<FieldError>* errors) {
  if (list == nullptr || list->is_null()) return;
  if (!list->is_array()) {
    errors->push_back({"/sites", "must be an array of site names"});
    return;
  }
  const json::array& a = list->get_array();
  for (size_t i = 0; i < a.size(); ++i) {
    if (!a[i].is_string() || a[i].get_string().empty() ||
        a[i].get_string().size() > kMaxNameBytes) {
      errors->push_back({"/sites/" + std::to_string(i), "must be a string of 1 to 255 bytes"});
    } else {
      out->sites.emplace_back(a[i].get_string());
    }
  }
}

// Validates a POST /v1/admin/tokens body.
bool ParseNewToken(const json::value& body, NewToken* out, std::vector<FieldError>* errors) {
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
    out->name = std::string(n->get_string());
  }
  const json::value* r = o.if_contains("role");
  bool role_ok = false;
  if (r == nullptr || r->is_null()) {
    errors->push_back({"/role", "is required"});
  } else if (!r->is_string() || !ParseRole(r->get_string(), &out->role)) {
    errors->push_back({"/role", "must be \"site\", \"moderator\" or \"admin\""});
  } else {
    role_ok = true;
  }
  const json::value* list = o.if_contains("sites");
  ParseSites(list, out, errors);
  if (role_ok && out->role == Role::kSite && out->sites.empty() &&
      (list == nullptr || (list->is_array() && list->get_array().empty()) || list->is_null())) {
    errors->push_back({"/sites", "a site token needs at least one site"});
  }
  return errors->empty();
}

struct Created {
  bool ok = false;
  std::string token;
  storage::Token record;
  std::string error;
};

std::function<Created(storage::Store&)> CreateTask(NewToken t, std::string actor) {
  return [t, actor](storage::Store& store) {
    Created c;
    int64_t id = 0;
    if (!moderated::CreateToken(store, t.name, t.role, t.sites, actor, &c.token, &id, &c.error)) {
      return c;
    }
    std::vector<storage::Token> all;
    if (store.ListTokens(&all)) {
      c.error = "cannot read the new token: " + store.LastErrorMessage();
      return c;
    }
    for (auto& record : all) {
      if (record.id == id) c.record = std::move(record);
    }
    c.ok = true;
    return c;
  };
}

struct Revoked {
  int status = 204;  // 204 | 404 | 503
  std::string error;
};

std::function<Revoked(storage::Store&)> RevokeTask(int64_t id, std::string actor) {
  return [id, actor](storage::Store& store) {
    Revoked r;
    std::vector<storage::Token> all;
    if (store.ListTokens(&all)) return Revoked{503, "database error: " + store.LastErrorMessage()};
    const storage::Token* before = nullptr;
    for (const auto& t : all) {
      if (t.id == id && t.revoked_at_ms == 0) before = &t;
    }
    if (before == nullptr) return Revoked{404, "no active token with id " + std::to_string(id)};
    const int64_t now = base::NowMs();
    if (store.RevokeToken(id, now)) {
      return Revoked{503, "cannot revoke token: " + store.LastErrorMessage()};
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
}

}  // namespace

awaitable<Response> ListTokens(Services& s, const Call& call) {
  std::string error;
  auto lease = s.readers.Acquire(&error);
  if (!lease) co_return Overloaded(call.request, "database unavailable: " + error);
  std::vector<storage::Token> tokens;
  if (lease->ListTokens(&tokens)) {
    co_return Overloaded(call.request, "database error: " + lease->LastErrorMessage());
  }
  json::array list;
  for (const auto& t : tokens) list.push_back(TokenJson(t));
  co_return JsonResponse(call.request, http::status::ok, {{"tokens", std::move(list)}});
}

awaitable<Response> CreateToken(Services& s, const Call& call) {
  NewToken t;
  std::vector<FieldError> errors;
  if (!ParseNewToken(call.body, &t, &errors)) co_return ValidationProblem(call.request, errors);
  const std::string actor = call.Actor();
  // Named, not inline in co_await: GCC 12 destroys such a temporary twice
  // (daemon/db/async.h).
  std::function<Created(storage::Store&)> task = CreateTask(std::move(t), actor);
  std::optional<Created> result =
      co_await AsyncOnWriter<Created>(s.writer, std::move(task), net::use_awaitable);
  if (!result) co_return WriterStopping(call.request);
  if (!result->ok) {
    Log(LogLevel::kError, "token_create_failed", {{"error", result->error}});
    co_return Overloaded(call.request, result->error);
  }
  Log(LogLevel::kInfo, "token_created",
      {{"id", std::to_string(result->record.id)}, {"role", result->record.role}, {"by", actor}});
  json::object with_token;
  with_token["token"] = result->token;  // first, as the one thing to copy
  for (auto& kv : TokenJson(result->record)) with_token[kv.key()] = kv.value();
  co_return JsonResponse(call.request, http::status::created, with_token);
}

awaitable<Response> RevokeToken(Services& s, const Call& call) {
  const std::string actor = call.Actor();
  std::function<Revoked(storage::Store&)> task = RevokeTask(call.id, actor);
  std::optional<Revoked> result =
      co_await AsyncOnWriter<Revoked>(s.writer, std::move(task), net::use_awaitable);
  if (!result) co_return WriterStopping(call.request);
  if (result->status == 404)
    co_return Problem(call.request, http::status::not_found, result->error);
  if (result->status != 204) co_return Overloaded(call.request, result->error);
  // The revoked token must stop working with the very next request.
  s.auth.ForgetAll();
  Log(LogLevel::kInfo, "token_revoked", {{"id", std::to_string(call.id)}, {"by", actor}});
  co_return NoContent(call.request);
}

}  // namespace moderated::api

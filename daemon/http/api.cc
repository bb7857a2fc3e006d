#include "daemon/http/api.h"

#include <boost/json.hpp>

#include "daemon/core/log.h"
#include "daemon/core/metrics.h"
#include "daemon/api/routes.h"

namespace moderated {
namespace json = boost::json;
namespace net = boost::asio;

ReaderPool::Lease ReaderPool::Acquire(std::string* error) {
  {
    std::lock_guard lock(mu_);
    if (!idle_.empty()) {
      auto store = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(store));
    }
  }
  auto store = storage::Store::Open(path_, storage::Store::OpenMode::kReadOnly, error);
  return Lease(this, std::move(store));
}

void ReaderPool::Return(std::unique_ptr<storage::Store> store) {
  std::lock_guard lock(mu_);
  idle_.push_back(std::move(store));
}

void Router::Add(std::string path, Access access, Handler handler, uint64_t body_limit) {
  routes_.push_back({std::move(path), access, std::move(handler), body_limit});
}

const Router::Route* Router::Find(std::string_view path) const {
  const Route* best = nullptr;
  for (const Route& r : routes_) {
    if (r.path == path) return &r;
    if (!r.path.empty() && r.path.back() == '/' && path.substr(0, r.path.size()) == r.path &&
        (best == nullptr || r.path.size() > best->path.size())) {
      best = &r;
    }
  }
  return best;
}

bool Router::Wrap(std::string_view path, const std::function<Handler(Handler)>& wrap) {
  for (Route& r : routes_) {
    if (r.path == path) {
      r.handler = wrap(std::move(r.handler));
      return true;
    }
  }
  return false;
}

std::optional<Response> RequireRole(const Request& req, const RequestContext& ctx,
                                    std::initializer_list<Role> roles) {
  for (Role r : roles) {
    if (ctx.principal && ctx.principal->role == r) return std::nullopt;
  }
  std::string names;
  for (Role r : roles) names += (names.empty() ? "" : " or ") + std::string(RoleName(r));
  const char* article = names[0] == 'a' ? "an " : "a ";
  return Problem(req, http::status::forbidden,
                 "this endpoint needs " + std::string(article) + names + " token, not " +
                     std::string(ctx.principal ? RoleName(ctx.principal->role) : "none"));
}

std::optional<Response> RequireSite(const Request& req, const RequestContext& ctx,
                                    std::string_view site) {
  if (ctx.principal && ctx.principal->CanAccessSite(site)) return std::nullopt;
  return Problem(req, http::status::forbidden,
                 "this token may not act for site '" + std::string(site) + "'");
}

namespace {

net::awaitable<Response> Healthz(Services& s, const Request& req, const RequestContext&) {
  if (auto r = RequireMethod(req, http::verb::get, "GET")) co_return std::move(*r);
  if (!s.writer.healthy()) {
    co_return Problem(req, http::status::service_unavailable,
                      "storage failed: " + s.writer.sticky_error().message());
  }
  co_return JsonResponse(req, http::status::ok, {{"status", "ok"}});
}

net::awaitable<Response> Readyz(Services& s, const Request& req, const RequestContext&) {
  if (auto r = RequireMethod(req, http::verb::get, "GET")) co_return std::move(*r);
  json::object checks;
  auto engine = s.engines.Current();
  bool ok = engine != nullptr;
  checks["rules"] = engine ? json::value(engine->rules().version()) : json::value(nullptr);
  checks["model"] = engine ? json::value(engine->classifier().version()) : json::value(nullptr);
  std::string error;
  auto lease = s.readers.Acquire(&error);
  storage::Comment probe;
  // A point lookup proves the file is readable without scanning anything.
  if (!lease || (lease->Get(0, &probe) != storage::Errc::not_found)) {
    ok = false;
    checks["database"] = error.empty() ? "unreadable" : error;
  } else {
    checks["database"] = "ok";
  }
  if (!s.writer.healthy()) {
    ok = false;
    checks["writer"] = s.writer.sticky_error().message();
  } else {
    checks["writer"] = "ok";
  }
  json::object body{{"status", ok ? "ready" : "not ready"}, {"checks", std::move(checks)}};
  co_return JsonResponse(req, ok ? http::status::ok : http::status::service_unavailable, body);
}

}  // namespace

void RegisterHealthRoutes(Router& router, const Config&) {
  router.Add("/healthz", Router::Access::kPublic, Healthz);
  router.Add("/readyz", Router::Access::kPublic, Readyz);
}

Api::Api(Services& services) : services_(services) {
  RegisterHealthRoutes(router_, services.config);
  RegisterCommentRoutes(router_, services.config);
  RegisterAdminRulesRoutes(router_, services.config);
  RegisterConsoleRoutes(router_, services.config);
  RegisterAdminRoutes(router_, services.config);
  // After RegisterCommentRoutes: wraps its /v1/comments routes.
  RegisterQueueRoutes(router_, services.config);
  RegisterAkismetRoutes(router_, services.config);
  RegisterMetricsRoutes(router_, services.config);
  RegisterPrivacyRoutes(router_, services.config);
  RegisterAdminModelsRoutes(router_, services.config);
}

uint64_t Api::BodyLimitFor(std::string_view target) const {
  const Router::Route* route = router_.Find(TargetPath(target));
  if (route != nullptr && route->body_limit != 0) return route->body_limit;
  return services_.config.limits.max_body_bytes;
}

net::awaitable<Response> Api::Handle(Request req, Peer peer) {
  ++requests_;
  metrics::HttpObservation observed(http::to_string(req.method()));  // route, status, duration
  RequestContext ctx;
  ctx.peer = std::move(peer);
  ctx.path = TargetPath(req.target());
  const Router::Route* route = router_.Find(ctx.path);
  if (route != nullptr) observed.route = route->path;
  if (route == nullptr) {
    co_return observed.Done(
        Problem(req, http::status::not_found, "no such endpoint: " + std::string(ctx.path)));
  }
  if (route->access == Router::Access::kAuthenticated) {
    auto header = req[http::field::authorization];
    ctx.principal = services_.auth.Authenticate(header);
    if (!ctx.principal) {
      Response res = Problem(req, http::status::unauthorized,
                             header.empty() ? "missing Authorization: Bearer token"
                                            : "invalid or revoked token");
      res.set(http::field::www_authenticate, "Bearer realm=\"moderated\"");
      co_return observed.Done(std::move(res));
    }
  }
  Response res = co_await route->handler(services_, req, ctx);
  co_return observed.Done(std::move(res));
}

}  // namespace moderated

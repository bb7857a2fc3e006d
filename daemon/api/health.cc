// GET /healthz and /readyz (docs/operations.md, "Health checks"): liveness
// (the writer has no sticky storage error) and readiness (rules and model
// loaded, the database readable, the writer healthy).
#include <boost/json.hpp>

#include "daemon/api/handlers.h"

namespace moderated::api {
namespace json = boost::json;

awaitable<Response> Healthz(Services& s, const Call& call) {
  if (!s.writer.healthy()) {
    co_return Problem(call.request, http::status::service_unavailable,
                      "storage failed: " + s.writer.error().message());
  }
  co_return JsonResponse(call.request, http::status::ok, {{"status", "ok"}});
}

awaitable<Response> Readyz(Services& s, const Call& call) {
  json::object checks;
  auto engine = s.engines.Current();
  bool ok = engine != nullptr;
  checks["rules"] = engine ? json::value(engine->rules().version()) : json::value(nullptr);
  checks["model"] = engine ? json::value(engine->running_model().version) : json::value(nullptr);
  std::string error;
  auto lease = s.readers.Acquire(&error);
  storage::Comment probe;
  // A point lookup proves the file is readable without scanning anything.
  if (!lease || (lease->Get(0, &probe) != storage::Errc::not_found)) {
    ok = false;
    // Why, e.g. "connection lost: ..." while PostgreSQL restarts.
    const std::string why = lease ? lease->LastErrorMessage() : error;
    checks["database"] = why.empty() ? "unreadable" : why;
  } else {
    checks["database"] = "ok";
  }
  if (auto ec = s.writer.error()) {
    ok = false;
    checks["writer"] = s.writer.healthy() ? "failing, retrying: " + ec.message()
                                          : "failed, needs a restart: " + ec.message();
  } else {
    checks["writer"] = "ok";
  }
  json::object body{{"status", ok ? "ready" : "not ready"}, {"checks", std::move(checks)}};
  co_return JsonResponse(call.request, ok ? http::status::ok : http::status::service_unavailable,
                         body);
}

}  // namespace moderated::api

// GET /metrics: the Prometheus text exposition of daemon/core/metrics.h.
//
// Access: without a token on the Unix socket and from loopback peers (unless
// metrics.public is false); otherwise an admin token. Before rendering, the
// gauges that are read rather than counted are refreshed: the writer queue,
// process_* from /proc, and the review queue per site from the database (at
// most every 5 s, so frequent scrapes do not scan the queue each time).
#include <chrono>
#include <map>
#include <mutex>

#include "daemon/http/api.h"
#include "daemon/core/log.h"
#include "daemon/core/metrics.h"
#include "daemon/api/routes.h"

namespace moderated {
namespace net = boost::asio;

namespace {

constexpr auto kQueueRefresh = std::chrono::seconds(5);
constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

void RefreshReviewQueue(Services& s) {
  static std::mutex mu;
  static std::chrono::steady_clock::time_point last{};
  static bool ever = false;
  std::lock_guard lock(mu);
  auto now = std::chrono::steady_clock::now();
  if (ever && now - last < kQueueRefresh) return;
  std::string error;
  auto lease = s.readers.Acquire(&error);
  std::map<std::string, int64_t> pending;
  if (!lease || lease->CountPendingBySite(&pending)) {
    Log(LogLevel::kWarn, "metrics_queue_failed",
        {{"error", lease ? lease->LastErrorMessage() : error}});
    return;
  }
  ever = true;
  last = now;
  metrics::GaugeFamily& g = metrics::Metrics().review_queue_depth;
  // Sites whose queue emptied must read 0, not their last value.
  g.Clear();
  for (const auto& [site, n] : pending) g.With({site}).Set(static_cast<double>(n));
}

net::awaitable<Response> GetMetrics(Services& s, const Request& req, const RequestContext& ctx) {
  if (auto r = RequireMethod(req, http::verb::get, "GET")) co_return std::move(*r);
  if (!(s.config.metrics.public_local && ctx.peer.local)) {
    auto header = req[http::field::authorization];
    RequestContext authed = ctx;
    authed.principal = s.auth.Authenticate(header);
    if (!authed.principal) {
      Response res = Problem(req, http::status::unauthorized,
                             header.empty() ? "missing Authorization: Bearer token"
                                            : "invalid or revoked token");
      res.set(http::field::www_authenticate, "Bearer realm=\"moderated\"");
      co_return res;
    }
    if (auto r = RequireRole(req, authed, {Role::kAdmin})) co_return std::move(*r);
  }
  metrics::DaemonMetrics& m = metrics::Metrics();
  m.writer_queue_depth.With().Set(static_cast<double>(s.writer.queue_depth()));
  metrics::UpdateProcessMetrics();
  RefreshReviewQueue(s);
  co_return TextResponse(req, http::status::ok, kContentType, m.registry.Render());
}

}  // namespace

void RegisterMetricsRoutes(Router& router, const Config&) {
  // kPublic: the handler itself decides between "local is enough" and a token.
  router.Add("/metrics", Router::Access::kPublic, GetMetrics);
}

}  // namespace moderated

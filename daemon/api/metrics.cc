// GET /metrics: the Prometheus text exposition of daemon/core/metrics.h.
//
// Access (the route table): without a token on the Unix socket and from
// loopback peers (unless metrics.public is false); otherwise an admin token.
// Before rendering, the gauges that are read rather than counted are
// refreshed: the writer queue, process_* from /proc, and the review queue per
// site and the webhook outbox from the database (at most every 5 s, so
// frequent scrapes do not scan the queue each time).
#include "daemon/core/metrics.h"

#include <chrono>
#include <map>
#include <memory>
#include <mutex>

#include "daemon/api/handlers.h"
#include "daemon/core/log.h"
#include "daemon/jobs/webhooks.h"

namespace moderated::api {

namespace {

constexpr auto kQueueRefresh = std::chrono::seconds(5);
constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

// The review-queue gauge, recounted at most every kQueueRefresh.
class ReviewQueueGauge {
 public:
  void Refresh(ReaderPool& readers) {
    std::lock_guard lock(mu_);
    const auto now = std::chrono::steady_clock::now();
    if (ever_ && now - last_ < kQueueRefresh) return;
    std::string error;
    auto lease = readers.Acquire(&error);
    std::map<std::string, int64_t> pending;
    if (!lease || lease->CountPendingBySite(&pending)) {
      Log(LogLevel::kWarn, "metrics_queue_failed",
          {{"error", lease ? lease->LastErrorMessage() : error}});
      return;
    }
    int64_t outbox_pending = 0, outbox_gave_up = 0;
    if (lease->CountUndelivered(kGaveUpAtMs, &outbox_pending, &outbox_gave_up)) {
      Log(LogLevel::kWarn, "metrics_outbox_failed", {{"error", lease->LastErrorMessage()}});
      return;
    }
    ever_ = true;
    last_ = now;
    metrics::DaemonMetrics& m = metrics::Metrics();
    metrics::GaugeFamily& g = m.review_queue_depth;
    // Sites whose queue emptied must read 0, not their last value.
    g.Clear();
    for (const auto& [site, n] : pending) g.With({site}).Set(static_cast<double>(n));
    m.webhook_outbox_depth.With({"pending"}).Set(static_cast<double>(outbox_pending));
    m.webhook_outbox_depth.With({"gave_up"}).Set(static_cast<double>(outbox_gave_up));
  }

 private:
  std::mutex mu_;
  std::chrono::steady_clock::time_point last_;  // guarded by mu_
  bool ever_ = false;                           // guarded by mu_
};

awaitable<Response> GetMetrics(Services& s, const Call& call, ReviewQueueGauge& queue) {
  metrics::DaemonMetrics& m = metrics::Metrics();
  m.writer_queue_depth.With().Set(static_cast<double>(s.writer.queue_depth()));
  metrics::UpdateProcessMetrics();
  queue.Refresh(s.readers);
  co_return TextResponse(call.request, http::status::ok, kContentType, m.registry.Render());
}

}  // namespace

Handler MetricsHandler() {
  auto queue = std::make_shared<ReviewQueueGauge>();
  return [queue](Services& s, const Call& call) { return GetMetrics(s, call, *queue); };
}

}  // namespace moderated::api

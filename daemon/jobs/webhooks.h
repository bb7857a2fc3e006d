// daemon/jobs/webhooks.h
//
// WebhookWorker: delivers the webhook outbox. Decisions on held comments
// write an `outbox` row in their own transaction (daemon/api/review/); this
// worker POSTs each row's payload to its URL, signed with the site's secret,
// and records the outcome through the writer thread:
//   2xx           → delivered_at_ms (never sent again)
//   anything else → attempts + 1, next_attempt_at_ms = now + backoff, last_error
//   max_attempts  → given up: next_attempt_at_ms = kGaveUpAtMs, logged
// The table is the only state, so deliveries survive receiver downtime and
// daemon restarts. A delivery may be repeated (e.g. the daemon dies between
// the receiver's 2xx and the write), so receivers dedupe by event id.
//
// Wire format (docs/review.md, "Webhooks"):
//   POST <url>
//   Content-Type: application/json
//   X-Moderated-Event-Id: <event_id>
//   X-Moderated-Timestamp: <unix seconds>
//   X-Moderated-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>
//
// Threading: the worker runs on its own thread with its own io_context (one
// coroutine polls every poll_interval_ms; up to max_concurrency delivery
// coroutines). Due rows are read through a ReaderPool lease; writes go
// through DecisionWriter::Post. Start() and Stop() are called from the thread
// that owns the worker; Stop() must run before the writer stops.
#ifndef MODERATED_DAEMON_JOBS_WEBHOOKS_H_
#define MODERATED_DAEMON_JOBS_WEBHOOKS_H_

#include <boost/asio/ip/address.hpp>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/core/config.h"
#include "daemon/db/decision_writer.h"

namespace moderated {

class ReaderPool;

// next_attempt_at_ms of an event that was given up.
inline constexpr int64_t kGaveUpAtMs = std::numeric_limits<int64_t>::max();

// "sha256=" + lower-case hex HMAC-SHA256(secret, timestamp + "." + body).
std::string WebhookSignature(std::string_view secret, std::string_view timestamp,
                             std::string_view body);

// The delay before the next attempt after `attempts` failed ones (>= 1):
// d = min(max_backoff_ms, initial_backoff_ms * 2^(attempts-1)), then "equal
// jitter": d/2 + jitter01 * d/2, with jitter01 in [0, 1).
int64_t WebhookBackoffMs(const WebhooksConfig& config, int64_t attempts, double jitter01);

// Egress policy: true if a webhook may not go to `address` unless it is in
// webhooks.allow_networks: loopback, unspecified, private (RFC 1918,
// fc00::/7), link-local (169.254.0.0/16 with the cloud metadata service,
// fe80::/10), CGNAT (100.64.0.0/10), multicast, reserved (0/8, 240/4,
// benchmarking 198.18/15, 192.0.0/24), and IPv4 mapped into IPv6 or NAT64.
bool IsInternalAddress(const boost::asio::ip::address& address);

// True if `address` lies in one of `networks` (CIDR strings that passed
// IsNetwork; a bare address is one host).
bool InNetworks(const boost::asio::ip::address& address, const std::vector<std::string>& networks);

class WebhookWorker {
 public:
  WebhookWorker(const WebhooksConfig& config, ReaderPool& readers, DecisionWriter& writer);
  ~WebhookWorker();  // Stop()
  WebhookWorker(const WebhookWorker&) = delete;
  WebhookWorker& operator=(const WebhookWorker&) = delete;

  // Sets up TLS (the system CA store, or config.ca_file) and starts the
  // thread. On failure returns false with *error set.
  bool Start(std::string* error);

  // Cancels deliveries in flight (they are not counted as attempts and are
  // retried at the next start), waits for outcomes already being written,
  // and joins the thread. Idempotent.
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace moderated

#endif  // MODERATED_DAEMON_JOBS_WEBHOOKS_H_

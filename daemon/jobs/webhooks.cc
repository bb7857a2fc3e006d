#include "daemon/jobs/webhooks.h"

#include <openssl/ssl.h>

#include <algorithm>
#include <array>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/network_v4.hpp>
#include <boost/asio/ip/network_v6.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url/parse.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <thread>
#include <vector>

#include "base/encoding.h"
#include "base/hash.h"
#include "base/strings.h"
#include "base/time.h"
#include "daemon/core/log.h"
#include "daemon/core/metrics.h"
#include "daemon/db/async.h"
#include "daemon/db/reader_pool.h"
#include "daemon/http/response.h"

namespace moderated {
namespace net = boost::asio;
namespace beast = boost::beast;
namespace ssl = boost::asio::ssl;
using tcp = net::ip::tcp;
using boost::system::error_code;

std::string WebhookSignature(std::string_view secret, std::string_view timestamp,
                             std::string_view body) {
  std::string message;
  message.reserve(timestamp.size() + 1 + body.size());
  message.append(timestamp).append(".").append(body);
  return "sha256=" + base::HexEncode(base::HmacSha256(secret, message));
}

int64_t WebhookBackoffMs(const WebhooksConfig& config, int64_t attempts, double jitter01) {
  const int64_t cap = std::max<int64_t>(config.max_backoff_ms, 1);
  int64_t delay = std::max<int64_t>(config.initial_backoff_ms, 1);
  for (int64_t i = 1; i < attempts && delay < cap; ++i) delay *= 2;
  delay = std::min(delay, cap);
  jitter01 = std::clamp(jitter01, 0.0, 1.0);
  return delay / 2 + static_cast<int64_t>(jitter01 * static_cast<double>(delay - delay / 2));
}

namespace {

constexpr size_t kMaxErrorBytes = 500;

// One delivery's sockets, shared with Stop() so it can cancel them.
struct Connection {
  explicit Connection(net::any_io_executor ex) : resolver(ex), timer(ex) {}
  void Cancel() {
    resolver.cancel();
    timer.cancel();
    if (plain) plain->cancel();
    if (tls) beast::get_lowest_layer(*tls).cancel();
  }
  tcp::resolver resolver;
  net::steady_timer timer;
  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls;
};

struct Attempt {
  bool delivered = false;
  bool cancelled = false;  // by Stop(): not an attempt
  unsigned status = 0;     // HTTP status, 0 if none
  std::string error;       // why it failed
};

std::string Truncate(std::string s) {
  if (s.size() > kMaxErrorBytes) s.resize(kMaxErrorBytes);
  return s;
}

// Where a delivery goes, from the event's URL.
struct Destination {
  bool https = false;
  bool host_is_name = false;  // not an IP literal: SNI and name verification apply
  std::string host;           // for resolving and certificate checks
  std::string port;
  std::string host_and_port;  // as in the URL: the Host header
  std::string target;         // path and query
};

}  // namespace

bool IsInternalAddress(const net::ip::address& address) {
  if (address.is_v6()) {
    const net::ip::address_v6 v6 = address.to_v6();
    if (v6.is_v4_mapped()) {
      return IsInternalAddress(net::ip::make_address_v4(net::ip::v4_mapped, v6));
    }
    const auto b = v6.to_bytes();
    // NAT64 (64:ff9b::/96) reaches the IPv4 address in its last 4 bytes.
    static constexpr std::array<unsigned char, 12> kNat64 = {0, 0x64, 0xff, 0x9b};
    if (std::equal(kNat64.begin(), kNat64.end(), b.begin())) {
      return IsInternalAddress(net::ip::address_v4({b[12], b[13], b[14], b[15]}));
    }
    return v6.is_loopback() || v6.is_unspecified() || v6.is_link_local() || v6.is_site_local() ||
           v6.is_multicast() || (b[0] & 0xfe) == 0xfc;  // fc00::/7
  }
  const uint32_t a = address.to_v4().to_uint();
  auto in = [a](uint32_t net, int bits) { return (a >> (32 - bits)) == (net >> (32 - bits)); };
  return in(0x00000000, 8) ||   // 0.0.0.0/8 "this network"
         in(0x0a000000, 8) ||   // 10.0.0.0/8
         in(0x64400000, 10) ||  // 100.64.0.0/10 CGNAT
         in(0x7f000000, 8) ||   // 127.0.0.0/8 loopback
         in(0xa9fe0000, 16) ||  // 169.254.0.0/16 link-local, cloud metadata
         in(0xac100000, 12) ||  // 172.16.0.0/12
         in(0xc0000000, 24) ||  // 192.0.0.0/24 IETF protocol assignments
         in(0xc0a80000, 16) ||  // 192.168.0.0/16
         in(0xc6120000, 15) ||  // 198.18.0.0/15 benchmarking
         in(0xe0000000, 4) ||   // 224.0.0.0/4 multicast
         in(0xf0000000, 4);     // 240.0.0.0/4 reserved, broadcast
}

bool InNetworks(const net::ip::address& address, const std::vector<std::string>& networks) {
  for (const std::string& cidr : networks) {
    boost::system::error_code ec;
    if (cidr.find('/') == std::string::npos) {
      const net::ip::address host = net::ip::make_address(cidr, ec);
      if (!ec && host == address) return true;
    } else if (address.is_v4() && cidr.find(':') == std::string::npos) {
      const auto network = net::ip::make_network_v4(cidr, ec);
      if (!ec && net::ip::make_network_v4(address.to_v4(), network.prefix_length()).canonical() ==
                     network.canonical()) {
        return true;
      }
    } else if (address.is_v6() && cidr.find(':') != std::string::npos) {
      const auto network = net::ip::make_network_v6(cidr, ec);
      if (!ec && net::ip::make_network_v6(address.to_v6(), network.prefix_length()).canonical() ==
                     network.canonical()) {
        return true;
      }
    }
  }
  return false;
}

namespace {

// False for anything but an absolute http(s) URL with a host.
bool ParseDestination(const std::string& text, Destination* d) {
  auto url = boost::urls::parse_absolute_uri(text);
  const std::string scheme = url ? base::AsciiLower(url->scheme()) : "";
  if (!url || (scheme != "http" && scheme != "https") || url->host().empty()) return false;
  d->https = scheme == "https";
  d->host_is_name = url->host_type() == boost::urls::host_type::name;
  d->host = url->host_type() == boost::urls::host_type::ipv6
                ? std::string(url->host_ipv6_address().to_string())
                : std::string(url->host());
  d->port = url->has_port() ? std::string(url->port()) : (d->https ? "443" : "80");
  d->host_and_port = std::string(url->encoded_host_and_port());
  d->target = std::string(url->encoded_path());
  if (d->target.empty()) d->target = "/";
  if (url->has_query()) d->target += "?" + std::string(url->encoded_query());
  return true;
}

// The POST of one event, signed (the wire format in webhooks.h).
http::request<http::string_body> SignedRequest(const storage::OutboxEvent& e,
                                               const std::string& secret, const Destination& d) {
  http::request<http::string_body> req{http::verb::post, d.target, 11};
  req.set(http::field::host, d.host_and_port);
  req.set(http::field::user_agent, std::string(kServerName));
  req.set(http::field::content_type, "application/json");
  const std::string timestamp = std::to_string(base::NowMs() / 1000);
  req.set("X-Moderated-Event-Id", e.event_id);
  req.set("X-Moderated-Timestamp", timestamp);
  req.set("X-Moderated-Signature", WebhookSignature(secret, timestamp, e.payload));
  req.keep_alive(false);
  req.body() = e.payload;
  req.prepare_payload();
  return req;
}

// Egress policy, on the resolved addresses (so "2130706433", "0x7f.1" and
// names pointing inside are caught too): only those allowed are tried. None
// allowed: empty, with *error naming the first refused address.
std::vector<tcp::endpoint> AllowedEndpoints(const tcp::resolver::results_type& endpoints,
                                            const std::string& host,
                                            const std::vector<std::string>& allow_networks,
                                            std::string* error) {
  std::vector<tcp::endpoint> allowed;
  std::string refused;
  for (const auto& entry : endpoints) {
    const net::ip::address address = entry.endpoint().address();
    if (IsInternalAddress(address) && !InNetworks(address, allow_networks)) {
      if (refused.empty()) refused = address.to_string();
    } else {
      allowed.push_back(entry.endpoint());
    }
  }
  if (allowed.empty()) {
    *error = "refused: " + host + " resolves to " + refused +
             ", an internal address (allow it with webhooks.allow_networks)";
  }
  return allowed;
}

// The connection's stream (TLS over TCP for https) and its TCP layer.
beast::tcp_stream* OpenStream(Connection* conn, bool https, net::io_context& ioc,
                              ssl::context& tls_context) {
  if (https) {
    conn->tls.emplace(ioc.get_executor(), tls_context);
    return &beast::get_lowest_layer(*conn->tls);
  }
  conn->plain.emplace(ioc.get_executor());
  return &*conn->plain;
}

// One line in the log for an attempt that was recorded.
void LogAttempt(const storage::OutboxEvent& e, unsigned status, bool delivered, bool gave_up,
                int64_t attempts, int64_t now, int64_t next, const std::string& error) {
  if (delivered) {
    Log(LogLevel::kInfo, "webhook_delivered",
        {{"event_id", e.event_id},
         {"site", e.site},
         {"status", std::to_string(status)},
         {"attempt", std::to_string(attempts)}});
  } else if (gave_up) {
    Log(LogLevel::kError, "webhook_gave_up",
        {{"event_id", e.event_id},
         {"site", e.site},
         {"attempts", std::to_string(attempts)},
         {"error", error}});
  } else {
    Log(LogLevel::kWarn, "webhook_failed",
        {{"event_id", e.event_id},
         {"site", e.site},
         {"attempt", std::to_string(attempts)},
         {"retry_in_ms", std::to_string(next - now)},
         {"error", error}});
  }
}

}  // namespace

struct WebhookWorker::Impl {
  Impl(const WebhooksConfig& c, ReaderPool& r, DecisionWriter& w)
      : config(c),
        readers(r),
        writer(w),
        tls_context(ssl::context::tls_client),
        timer(ioc),
        rng(std::random_device{}()) {}

  net::awaitable<void> Loop();
  void Poll();
  net::awaitable<void> Handle(storage::OutboxEvent event, std::optional<std::string> secret);
  net::awaitable<Attempt> Send(const storage::OutboxEvent& event, const std::string& secret,
                               std::shared_ptr<Connection> conn);
  net::awaitable<bool> Handshake(Connection& conn, const Destination& d, Attempt* a);
  template <typename Stream>
  net::awaitable<Attempt> Exchange(Stream& stream, beast::tcp_stream& lowest,
                                   http::request<http::string_body>& req);

  const WebhooksConfig config;
  ReaderPool& readers;
  DecisionWriter& writer;
  ssl::context tls_context;
  net::io_context ioc{1};
  net::steady_timer timer;
  std::thread thread;
  std::mt19937_64 rng;

  // Owned by the worker thread.
  bool stopping = false;
  std::set<int64_t> in_flight;  // outbox ids being delivered or recorded
  std::map<int64_t, std::shared_ptr<Connection>> connections;
  bool read_failed = false;  // last poll could not read (logged once)
  // PostgreSQL: the connection holding the delivery lock, and whether it does.
  std::unique_ptr<storage::Store> lock_store;
  bool leader = false;
  bool Leader();
};

net::awaitable<void> WebhookWorker::Impl::Loop() {
  while (!stopping) {
    Poll();
    timer.expires_after(std::chrono::milliseconds(config.poll_interval_ms));
    error_code ec;
    co_await timer.async_wait(net::redirect_error(net::use_awaitable, ec));
  }
}

// Several daemons on one PostgreSQL: only the daemon holding this advisory
// lock (on a connection of its own) delivers, so each event goes out once
// across the cluster. When that daemon dies its connection ends, the lock is
// free, and another daemon's next poll takes over.
constexpr int64_t kWebhookLockKey = 0x6d6f642d776862;  // "mod-whb"

bool WebhookWorker::Impl::Leader() {
  if (storage::ParseDatabaseUrl(readers.path(), nullptr) != storage::Backend::kPostgres) {
    return true;  // SQLite: one daemon per database
  }
  std::string error;
  if (lock_store == nullptr) {
    lock_store = storage::Store::Open(readers.path(), storage::Store::OpenMode::kReadOnly, &error);
    if (lock_store == nullptr) return false;
  }
  if (leader && !lock_store->Ping()) return true;
  // Not leader yet, or the connection (and with it the lock) was lost.
  leader = false;
  bool acquired = false;
  if (!lock_store->TryLock(kWebhookLockKey, &acquired) && acquired) {
    leader = true;
    Log(LogLevel::kInfo, "webhook_leader", {});
  }
  return leader;
}

void WebhookWorker::Impl::Poll() {
  if (in_flight.size() >= config.max_concurrency) return;
  if (!Leader()) return;
  std::string error;
  auto lease = readers.Acquire(&error);
  std::vector<storage::OutboxEvent> due;
  // In-flight rows are still due in the table; read enough to skip them.
  if (!lease ||
      lease->DueOutboxEvents(base::NowMs(), config.max_concurrency + in_flight.size(), &due)) {
    if (!read_failed) {
      Log(LogLevel::kError, "webhook_poll_failed",
          {{"error", lease ? lease->LastErrorMessage() : error}});
    }
    read_failed = true;
    return;
  }
  read_failed = false;
  std::map<std::string, std::optional<std::string>> secrets;  // by site, for this poll
  for (storage::OutboxEvent& e : due) {
    if (in_flight.size() >= config.max_concurrency) break;
    if (in_flight.count(e.id)) continue;
    auto it = secrets.find(e.site);
    if (it == secrets.end()) {
      storage::Site site;
      std::optional<std::string> secret;
      if (!lease->GetSite(e.site, &site) && !site.webhook_secret.empty()) {
        secret = site.webhook_secret;
      }
      it = secrets.emplace(e.site, std::move(secret)).first;
    }
    in_flight.insert(e.id);
    net::co_spawn(ioc, Handle(std::move(e), it->second), [](std::exception_ptr p) {
      if (!p) return;
      try {
        std::rethrow_exception(p);
      } catch (const std::exception& ex) {
        Log(LogLevel::kError, "webhook_internal_error", {{"error", ex.what()}});
      }
    });
  }
}

net::awaitable<void> WebhookWorker::Impl::Handle(storage::OutboxEvent e,
                                                 std::optional<std::string> secret) {
  Attempt a;
  if (!secret) {
    a.error = "site '" + e.site + "' has no webhook secret in the registry";
  } else {
    auto conn = std::make_shared<Connection>(ioc.get_executor());
    connections[e.id] = conn;
    a = co_await Send(e, *secret, conn);
    connections.erase(e.id);
  }
  if (a.cancelled) {
    in_flight.erase(e.id);
    co_return;
  }
  const int64_t now = base::NowMs();
  const int64_t attempts = e.attempts + 1;
  int64_t next = now;
  bool gave_up = false;
  if (!a.delivered) {
    if (attempts >= config.max_attempts) {
      next = kGaveUpAtMs;
      gave_up = true;
    } else {
      std::uniform_real_distribution<double> jitter(0.0, 1.0);
      next = now + WebhookBackoffMs(config, attempts, jitter(rng));
    }
  }
  metrics::ObserveWebhookAttempt(a.delivered, gave_up);
  const int64_t id = e.id;
  const bool delivered = a.delivered;
  const std::string error = Truncate(a.error);
  // Named, not inline in co_await: GCC 12 destroys such a temporary twice
  // (daemon/http/response.h).
  std::function<std::string(storage::Store&)> task = [id, delivered, now, next,
                                                      error](storage::Store& store) {
    std::error_code ec =
        delivered ? store.MarkOutboxDelivered(id, now) : store.MarkOutboxFailed(id, next, error);
    return ec ? store.LastErrorMessage() : std::string();
  };
  std::optional<std::string> recorded =
      co_await AsyncOnWriter<std::string>(writer, std::move(task), net::use_awaitable);
  in_flight.erase(id);
  if (!recorded || !recorded->empty()) {
    Log(LogLevel::kError, "webhook_record_failed",
        {{"event_id", e.event_id}, {"error", recorded ? *recorded : "writer stopped"}});
  }
  LogAttempt(e, a.status, delivered, gave_up, attempts, now, next, error);
}

template <typename Stream>
net::awaitable<Attempt> WebhookWorker::Impl::Exchange(Stream& stream, beast::tcp_stream& lowest,
                                                      http::request<http::string_body>& req) {
  Attempt a;
  error_code ec;
  lowest.expires_after(std::chrono::milliseconds(config.response_timeout_ms));
  co_await http::async_write(stream, req, net::redirect_error(net::use_awaitable, ec));
  if (ec) {
    a.error = "send: " + ec.message();
    co_return a;
  }
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  // Only the status line and headers matter; the connection closes after.
  co_await http::async_read_header(stream, buffer, parser,
                                   net::redirect_error(net::use_awaitable, ec));
  if (ec) {
    a.error = "response: " + ec.message();
    co_return a;
  }
  a.status = parser.get().result_int();
  a.delivered = a.status >= 200 && a.status < 300;
  if (!a.delivered) a.error = "HTTP " + std::to_string(a.status);
  co_return a;
}

net::awaitable<Attempt> WebhookWorker::Impl::Send(const storage::OutboxEvent& e,
                                                  const std::string& secret,
                                                  std::shared_ptr<Connection> conn) {
  Attempt a;
  Destination d;
  if (!ParseDestination(e.url, &d)) {
    a.error = "invalid webhook URL";
    co_return a;
  }
  // Resolve, connect and (https) handshake share connect_timeout_ms.
  const auto connect_deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(config.connect_timeout_ms);
  error_code ec;
  conn->timer.expires_at(connect_deadline);
  conn->timer.async_wait([conn](error_code wait_ec) {
    if (!wait_ec) conn->resolver.cancel();
  });
  auto endpoints = co_await conn->resolver.async_resolve(
      d.host, d.port, net::redirect_error(net::use_awaitable, ec));
  conn->timer.cancel();
  if (stopping) {
    a.cancelled = true;
    co_return a;
  }
  if (ec) {
    a.error = "resolve " + d.host + ": " +
              (ec == net::error::operation_aborted ? std::string("timed out") : ec.message());
    co_return a;
  }
  const std::vector<tcp::endpoint> allowed =
      AllowedEndpoints(endpoints, d.host, config.allow_networks, &a.error);
  if (allowed.empty()) co_return a;
  http::request<http::string_body> req = SignedRequest(e, secret, d);
  beast::tcp_stream* lowest = OpenStream(conn.get(), d.https, ioc, tls_context);
  lowest->expires_at(connect_deadline);
  co_await lowest->async_connect(allowed, net::redirect_error(net::use_awaitable, ec));
  if (stopping) {
    a.cancelled = true;
    co_return a;
  }
  if (ec) {
    a.error = "connect " + d.host_and_port + ": " + ec.message();
    co_return a;
  }
  // (co_await stays out of conditions and ?: — GCC 12 miscompiles those.)
  if (d.https) {
    const bool secured = co_await Handshake(*conn, d, &a);
    if (!secured) co_return a;
    a = co_await Exchange(*conn->tls, *lowest, req);
  } else {
    a = co_await Exchange(*conn->plain, *lowest, req);
  }
  if (stopping && !a.delivered) a.cancelled = true;
  error_code ignored;
  lowest->socket().shutdown(tcp::socket::shutdown_both, ignored);
  lowest->close();
  co_return a;
}

// TLS: SNI for names (not for IP literals), and the certificate must name
// the host. False with *a filled when the delivery ends here.
net::awaitable<bool> WebhookWorker::Impl::Handshake(Connection& conn, const Destination& d,
                                                    Attempt* a) {
  if (d.host_is_name && !SSL_set_tlsext_host_name(conn.tls->native_handle(), d.host.c_str())) {
    a->error = "TLS: cannot set SNI";
    co_return false;
  }
  conn.tls->set_verify_mode(ssl::verify_peer);
  conn.tls->set_verify_callback(ssl::host_name_verification(d.host));
  error_code ec;
  co_await conn.tls->async_handshake(ssl::stream_base::client,
                                     net::redirect_error(net::use_awaitable, ec));
  if (stopping) {
    a->cancelled = true;
    co_return false;
  }
  if (ec) {
    a->error = "TLS handshake: " + ec.message();
    co_return false;
  }
  co_return true;
}

WebhookWorker::WebhookWorker(const WebhooksConfig& config, ReaderPool& readers,
                             DecisionWriter& writer)
    : impl_(std::make_unique<Impl>(config, readers, writer)) {}

WebhookWorker::~WebhookWorker() { Stop(); }

bool WebhookWorker::Start(std::string* error) {
  Impl& m = *impl_;
  error_code ec;
  m.tls_context.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                                ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                                ssl::context::no_tlsv1_1,
                            ec);
  if (m.config.ca_file.empty()) {
    m.tls_context.set_default_verify_paths(ec);
  } else {
    m.tls_context.load_verify_file(m.config.ca_file, ec);
  }
  if (ec) {
    *error = "webhooks: cannot load CA certificates" +
             (m.config.ca_file.empty() ? std::string() : " from " + m.config.ca_file) + ": " +
             ec.message();
    return false;
  }
  m.tls_context.set_verify_mode(ssl::verify_peer);
  net::co_spawn(m.ioc, m.Loop(), [](std::exception_ptr p) {
    if (!p) return;
    try {
      std::rethrow_exception(p);
    } catch (const std::exception& ex) {
      Log(LogLevel::kError, "webhook_internal_error", {{"error", ex.what()}});
    }
  });
  m.thread = std::thread([&m] { m.ioc.run(); });
  Log(LogLevel::kInfo, "webhooks_started",
      {{"poll_interval_ms", std::to_string(m.config.poll_interval_ms)},
       {"max_concurrency", std::to_string(m.config.max_concurrency)}});
  return true;
}

void WebhookWorker::Stop() {
  Impl& m = *impl_;
  if (!m.thread.joinable()) return;
  net::post(m.ioc, [&m] {
    m.stopping = true;
    m.timer.cancel();
    for (auto& [id, conn] : m.connections) conn->Cancel();
  });
  m.thread.join();
  Log(LogLevel::kInfo, "webhooks_stopped");
}

}  // namespace moderated

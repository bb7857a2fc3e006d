#include "daemon/http/server.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast.hpp>
#include <cstdlib>
#include <cstring>
#include <algorithm>
#include <list>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "base/strings.h"
#include "daemon/core/log.h"
#include "daemon/core/metrics.h"
#include "daemon/http/listeners.h"

namespace moderated {

namespace net = boost::asio;
namespace beast = boost::beast;
using tcp = net::ip::tcp;
using unix_socket = net::local::stream_protocol;
constexpr auto kTuple = net::as_tuple(net::use_awaitable);

namespace {

// Takes the listening sockets passed by systemd (socket activation,
// sd_listen_fds(3)) and sorts them by family; names (FileDescriptorName=) are
// only logged. At most one TCP and one Unix socket. No fds: both stay -1.
bool TakeInheritedSockets(int* tcp_fd, std::string* tcp_name, int* unix_fd, std::string* unix_name,
                          std::string* error) {
  char** names = nullptr;
  int n = sd_listen_fds_with_names(1, &names);
  if (n < 0) {
    *error = std::string("socket activation: ") + std::strerror(-n);
    return false;
  }
  bool ok = true;
  for (int i = 0; i < n; ++i) {
    int fd = SD_LISTEN_FDS_START + i;
    std::string name = names && names[i] ? names[i] : "unknown";
    ::fcntl(fd, F_SETFD, FD_CLOEXEC);  // not for the processes we might start
    int* slot = nullptr;
    std::string* slot_name = nullptr;
    if (sd_is_socket(fd, AF_UNIX, SOCK_STREAM, 1) > 0) {
      slot = unix_fd;
      slot_name = unix_name;
    } else if (sd_is_socket_inet(fd, 0, SOCK_STREAM, 1, 0) > 0) {
      slot = tcp_fd;
      slot_name = tcp_name;
    }
    if (slot == nullptr) {
      *error = "socket activation: fd " + std::to_string(fd) + " (" + name +
               ") is not a listening stream socket";
      ok = false;
    } else if (*slot >= 0) {
      *error = "socket activation: more than one " + std::string(slot == unix_fd ? "Unix" : "TCP") +
               " socket (" + *slot_name + ", " + name + ")";
      ok = false;
    } else {
      *slot = fd;
      *slot_name = name;
    }
  }
  if (names) {
    for (int i = 0; i < n; ++i) std::free(names[i]);
    std::free(names);
  }
  return ok;
}

// Errors that mean the peer went away or timed out: nothing to answer.
bool IsDisconnect(const beast::error_code& ec) {
  return ec == http::error::end_of_stream || ec == net::error::eof ||
         ec == net::error::operation_aborted || ec == beast::error::timeout ||
         ec == net::error::connection_reset;
}

Response Malformed(const beast::error_code& ec) {
  return Problem(11, false, http::status::bad_request, "malformed HTTP request: " + ec.message());
}

// "Expect: 100-continue": tell the client to send the body. False if the
// connection failed.
template <class Stream>
net::awaitable<bool> Continue(Stream& stream, const http::request_header<>& header) {
  if (!beast::iequals(header[http::field::expect], "100-continue")) co_return true;
  http::response<http::empty_body> cont{http::status::continue_, header.version()};
  auto [ec, n] = co_await http::async_write(stream, cont, kTuple);
  co_return !ec;
}

Response TooLarge(unsigned version, uint64_t limit) {
  return Problem(version, false, http::status::payload_too_large,
                 "request body exceeds " + std::to_string(limit) + " bytes");
}

}  // namespace

struct Server::Impl {
  Impl(const Config& c, Router& r)
      : config(c), router(r), ioc(static_cast<int>(Threads(c))), signals(ioc) {}

  static unsigned Threads(const Config& c) {
    unsigned n = c.threads ? c.threads : std::thread::hardware_concurrency();
    return n == 0 ? 1 : n;
  }

  const Config& config;
  Router& router;
  net::io_context ioc;
  // The acceptors are used from here only: their accept loops run on this
  // strand and BeginDrain closes them on it. An Asio socket is not safe for
  // concurrent use, and ThreadSanitizer caught close() racing a new
  // async_accept on another I/O thread at shutdown.
  net::strand<net::io_context::executor_type> acceptors{net::make_strand(ioc)};
  net::signal_set signals;
  std::unique_ptr<tcp::acceptor> tcp_acceptor;
  std::unique_ptr<unix_socket::acceptor> unix_acceptor;
  std::string unix_path;
  std::function<void()> reload_hook;
  struct Periodic {
    std::chrono::milliseconds period;
    std::function<void()> hook;
  };
  std::vector<Periodic> periodic;

  std::atomic<bool> draining{false};
  std::atomic<int64_t> lag_ms{0};  // the event loop's lag, last measured
  std::atomic<int> connections{0};  // open, TCP and Unix

  // Open connections, oldest first, and the budgets they count against.
  struct Connection {
    bool is_unix = false;
    std::string client;        // TCP peer address
    bool shedding = false;     // asked to close to make room
    std::shared_ptr<std::atomic<bool>> idle;  // waiting for a next request
    std::shared_ptr<std::atomic<bool>> shed;  // close when idle (the session reads it)
    std::function<void()> close_if_idle;      // posts to the session's strand
  };
  std::mutex closers_mu;
  std::list<Connection> open;                     // guarded by closers_mu
  std::unordered_map<std::string, uint32_t> per_client;  // guarded by closers_mu
  uint32_t tcp_open = 0;                           // guarded by closers_mu
  uint32_t unix_open = 0;                          // guarded by closers_mu

  // Counts a new connection against its budgets; returns why it is refused
  // ("" = admitted). When TCP is full, the oldest idle keep-alive
  // connection is closed to make room.
  std::string Admit(bool is_unix, const std::string& client);
  void CloseIdle();  // every idle connection (draining)

  template <class Protocol>
  net::awaitable<void> Session(beast::basic_stream<Protocol, net::any_io_executor> stream,
                               Peer peer);
  template <class Stream>
  net::awaitable<std::optional<Request>> ReadRequest(Stream& stream, beast::flat_buffer& buffer);
  net::awaitable<Response> Respond(Request& req, const Peer& peer, bool* keep_alive);
  template <class Acceptor>
  net::awaitable<void> Listen(Acceptor& acceptor, bool is_unix);
  net::awaitable<void> Drain();
  // Adopt a listening socket passed by systemd (socket activation).
  bool AdoptTcp(int fd, const std::string& name, std::string* error);
  bool AdoptUnix(int fd, const std::string& name, std::string* error);
  net::awaitable<void> Tick(const Periodic& p);
  net::awaitable<void> MeasureLag();
  void BeginDrain();
};

template <class Protocol>
net::awaitable<void> Server::Impl::Session(
    beast::basic_stream<Protocol, net::any_io_executor> stream, Peer peer) {
  const Limits& limits = config.limits;
  beast::flat_buffer buffer;
  // `idle` is touched only on this session's strand (here and in the closer,
  // which is posted to the same strand).
  constexpr bool kUnix = !std::is_same_v<Protocol, tcp>;
  auto idle = std::make_shared<std::atomic<bool>>(false);
  auto set_idle = [&idle](bool now) {
    if (idle->exchange(now) != now) metrics::Metrics().connections_idle.With().Add(now ? 1 : -1);
  };
  auto shed = std::make_shared<std::atomic<bool>>(false);
  std::list<Connection>::iterator self;
  {
    std::lock_guard lock(closers_mu);
    auto ex = stream.get_executor();
    self = open.insert(open.end(), Connection{kUnix, peer.address, false, idle, shed,
                                              [idle, &stream, ex]() {
                                                net::post(ex, [idle, &stream]() {
                                                  if (*idle) stream.socket().cancel();
                                                });
                                              }});
  }
  struct Unregister {
    Impl* impl;
    std::list<Connection>::iterator it;
    std::shared_ptr<std::atomic<bool>> idle;
    ~Unregister() {
      // A closer already posted may run after this frame is gone: it checks
      // `idle` first (on this strand), so it must read false from now on.
      if (idle->exchange(false)) metrics::Metrics().connections_idle.With().Add(-1);
      std::lock_guard lock(impl->closers_mu);
      if (it->is_unix) {
        --impl->unix_open;
      } else {
        --impl->tcp_open;
        auto pc = impl->per_client.find(it->client);
        if (pc != impl->per_client.end() && --pc->second == 0) impl->per_client.erase(pc);
      }
      impl->open.erase(it);
      --impl->connections;
      metrics::Metrics().connections.With().Add(-1);
    }
  } unregister{this, self, idle};
  metrics::Metrics().connections.With().Add(1);

  // Bytes of a next request already received (draining must answer them).
  auto bytes_waiting = [&stream] {
    beast::error_code ec;
    return stream.socket().available(ec) > 0 && !ec;
  };
  for (;;) {
    // Idle timeout until the next request's first byte; from then on the
    // whole request (header and body) must arrive within read_timeout_ms, so
    // a client cannot trickle its headers.
    if (buffer.size() == 0) {
      const bool waiting = bytes_waiting();
      // Draining: a request whose bytes have arrived is still answered.
      // Shed to make room: close now, unless a request has arrived.
      if ((draining || *shed) && !waiting) break;
      set_idle(!waiting);
      stream.expires_after(std::chrono::milliseconds(limits.idle_timeout_ms));
      auto [wec, wn] = co_await stream.async_read_some(buffer.prepare(4096), kTuple);
      set_idle(false);
      if (wec) {
        // Cancelled by draining (or shedding) just as a request arrived.
        if (wec == net::error::operation_aborted && (draining || *shed) && bytes_waiting()) {
          continue;
        }
        break;
      }
      buffer.commit(wn);
    }
    std::optional<Request> req = co_await ReadRequest(stream, buffer);
    if (!req) break;
    bool keep_alive = req->keep_alive();
    Response res = co_await Respond(*req, peer, &keep_alive);
    res.keep_alive(keep_alive && !draining && !*shed);
    stream.expires_after(std::chrono::milliseconds(limits.read_timeout_ms));
    auto [wec, wn] = co_await http::async_write(stream, res, kTuple);
    if (wec || !res.keep_alive()) break;
  }
  beast::error_code ignored;
  if constexpr (std::is_same_v<Protocol, tcp>) {
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  } else {
    stream.socket().shutdown(unix_socket::socket::shutdown_send, ignored);
  }
}

// Reads one request (the first bytes are in `buffer`). What it cannot read
// it answers itself (431, 413 with the route's limit, 400) and returns
// nullopt: the connection then closes.
//
// Responses are named locals passed by reference: GCC 12 may destroy class
// temporaries and by-value class arguments of a co_await expression twice.
template <class Stream>
net::awaitable<std::optional<Request>> Server::Impl::ReadRequest(Stream& stream,
                                                                 beast::flat_buffer& buffer) {
  const Limits& limits = config.limits;
  http::request_parser<http::string_body> parser;
  parser.header_limit(limits.max_header_bytes);
  // Beast checks Content-Length against body_limit while parsing the
  // header, before the target is known; start with the largest limit and
  // apply the route's own once the header is in.
  parser.body_limit(std::max(limits.max_body_bytes, limits.max_batch_body_bytes));
  std::optional<Response> refusal;
  stream.expires_after(std::chrono::milliseconds(limits.read_timeout_ms));
  auto [ec, n] = co_await http::async_read_header(stream, buffer, parser, kTuple);
  if (ec == http::error::header_limit) {
    refusal =
        Problem(11, false, http::status::request_header_fields_too_large,
                "request headers exceed " + std::to_string(limits.max_header_bytes) + " bytes");
  } else if (ec == http::error::body_limit) {
    refusal = TooLarge(11, router.BodyLimitFor(parser.get().method(), parser.get().target()));
  } else if (ec && !IsDisconnect(ec)) {
    refusal = Malformed(ec);
  }
  if (!ec) {
    const auto coding = base::TrimAscii(parser.get()[http::field::transfer_encoding]);
    if (!coding.empty() && !beast::iequals(coding, "chunked")) {
      // Beast would read "gzip, chunked" as plain chunked text.
      refusal = Problem(parser.get().version(), false, http::status::not_implemented,
                        "Transfer-Encoding '" + std::string(coding) +
                            "' is not supported; send the body plain or chunked");
      ec = http::error::bad_transfer_encoding;
    }
  }
  if (!ec) {
    auto& header = parser.get();
    const uint64_t body_limit = router.BodyLimitFor(header.method(), header.target());
    if (auto length = parser.content_length(); length && *length > body_limit) {
      refusal = TooLarge(header.version(), body_limit);
    } else {
      parser.body_limit(body_limit);                         // still applies to chunked bodies
      const bool go_on = co_await Continue(stream, header);  // not inside the if: GCC 12
      if (!go_on) co_return std::nullopt;
      std::tie(ec, n) = co_await http::async_read(stream, buffer, parser, kTuple);
      if (!ec) co_return parser.release();
      if (ec == http::error::body_limit)
        refusal = TooLarge(header.version(), body_limit);
      else if (!IsDisconnect(ec))
        refusal = Malformed(ec);
    }
  }
  if (refusal) {
    stream.expires_after(std::chrono::milliseconds(limits.read_timeout_ms));
    co_await http::async_write(stream, *refusal, kTuple);
  }
  co_return std::nullopt;
}

// The router's response. A handler bug must cost one request, not the daemon.
net::awaitable<Response> Server::Impl::Respond(Request& req, const Peer& peer, bool* keep_alive) {
  // Shed load by waiting time: while the I/O threads run far behind, every
  // request would wait that long; answering 503 at once drains the backlog.
  // The checks an operator needs to see what is going on are never shed.
  const int64_t bound = config.limits.max_queue_wait_ms;
  const int64_t lag = lag_ms.load(std::memory_order_relaxed);
  if (bound > 0 && lag > bound) {
    const std::string_view path = req.target().substr(0, req.target().find('?'));
    if (path != "/healthz" && path != "/readyz" && path != "/metrics") {
      metrics::Metrics().requests_shed.With().Inc();
      Response res = Problem(req.version(), req.keep_alive(), http::status::service_unavailable,
                             "overloaded: requests wait " + std::to_string(lag) +
                                 " ms, more than limits.max_queue_wait_ms (" +
                                 std::to_string(bound) + ")");
      res.set(http::field::retry_after, "1");
      co_return res;
    }
  }
  try {
    co_return co_await router.Handle(std::move(req), peer);
  } catch (const std::exception& e) {
    Log(LogLevel::kError, "handler_exception", {{"what", e.what()}});
    *keep_alive = false;
  }
  co_return Problem(11, false, http::status::internal_server_error, "internal error");
}

template <class Acceptor>
net::awaitable<void> Server::Impl::Listen(Acceptor& acceptor, bool is_unix) {
  using Protocol = typename Acceptor::protocol_type;
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(net::make_strand(ioc), kTuple);
    if (ec) {
      if (ec == net::error::operation_aborted || draining) co_return;
      Log(LogLevel::kWarn, "accept_failed", {{"error", ec.message()}});
      // Out of descriptors and the like: back off instead of spinning.
      net::steady_timer t(ioc, std::chrono::milliseconds(50));
      co_await t.async_wait(kTuple);
      continue;
    }
    Peer peer;
    if constexpr (std::is_same_v<Protocol, tcp>) {
      beast::error_code pec;
      auto ep = socket.remote_endpoint(pec);
      if (!pec) {
        peer.address = ep.address().to_string();
        peer.local =
            ep.address().is_loopback() ||
            (ep.address().is_v6() && ep.address().to_v6().is_v4_mapped() &&
             net::ip::make_address_v4(net::ip::v4_mapped, ep.address().to_v6()).is_loopback());
      }
    } else {
      peer.address = "unix";
      peer.local = true;
    }
    beast::basic_stream<Protocol, net::any_io_executor> stream(std::move(socket));
    if (std::string refused = Admit(is_unix, peer.address); !refused.empty()) {
      metrics::Metrics().connections_refused.With().Inc();
      // Refuse politely with 503 rather than letting clients hang.
      auto ex = stream.get_executor();
      net::co_spawn(
          ex,
          [s = std::move(stream), refused]() mutable -> net::awaitable<void> {
            Response res = Problem(11, false, http::status::service_unavailable, refused);
            res.set(http::field::retry_after, "1");
            s.expires_after(std::chrono::seconds(2));
            co_await http::async_write(s, res, kTuple);
          },
          net::detached);
      continue;
    }
    auto ex = stream.get_executor();
    net::co_spawn(ex, Session<Protocol>(std::move(stream), std::move(peer)),
                  [](std::exception_ptr e) {
                    if (!e) return;
                    try {
                      std::rethrow_exception(e);
                    } catch (const std::exception& ex) {
                      Log(LogLevel::kWarn, "session_exception", {{"what", ex.what()}});
                    }
                  });
  }
}

std::string Server::Impl::Admit(bool is_unix, const std::string& client) {
  const Limits& limits = config.limits;
  std::lock_guard lock(closers_mu);
  if (is_unix) {
    if (unix_open >= limits.max_unix_connections) return "too many connections";
    ++unix_open;
  } else {
    uint32_t& mine = per_client[client];
    if (mine >= limits.max_connections_per_client) {
      if (mine == 0) per_client.erase(client);
      return "too many connections from this address";
    }
    if (tcp_open >= limits.max_connections) {
      // Make room by closing the oldest idle connection (the list is oldest
      // first): it only waits for a next request, so nothing is lost. If
      // none is idle, the oldest one closes after its current response
      // (Connection: close) instead of taking another request.
      auto victim = std::find_if(open.begin(), open.end(), [](const Connection& c) {
        return !c.is_unix && !c.shedding && c.idle->load();
      });
      if (victim == open.end()) {
        victim = std::find_if(open.begin(), open.end(),
                              [](const Connection& c) { return !c.is_unix && !c.shedding; });
      }
      if (victim == open.end()) {
        if (mine == 0) per_client.erase(client);
        return "too many connections";
      }
      victim->shedding = true;
      victim->shed->store(true);
      victim->close_if_idle();
      Log(LogLevel::kInfo, "connection_shed",
          {{"client", victim->client}, {"open", std::to_string(tcp_open)}});
      metrics::Metrics().connections_shed.With().Inc();
    }
    ++mine;
    ++tcp_open;
  }
  ++connections;
  return "";
}

void Server::Impl::CloseIdle() {
  std::lock_guard lock(closers_mu);
  for (auto& c : open) c.close_if_idle();
}

void Server::Impl::BeginDrain() {
  if (draining.exchange(true)) return;
  Log(LogLevel::kInfo, "draining", {{"connections", std::to_string(connections.load())}});
  beast::error_code ec;
  if (tcp_acceptor) tcp_acceptor->close(ec);
  if (unix_acceptor) unix_acceptor->close(ec);
  CloseIdle();
}

net::awaitable<void> Server::Impl::Drain() {
  auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(config.shutdown_timeout_ms);
  net::steady_timer timer(ioc);
  while (connections.load() > 0 && std::chrono::steady_clock::now() < deadline) {
    CloseIdle();  // connections that went idle after draining began, too
    timer.expires_after(std::chrono::milliseconds(10));
    co_await timer.async_wait(kTuple);
  }
  if (connections.load() > 0) {
    Log(LogLevel::kWarn, "drain_timeout", {{"connections", std::to_string(connections.load())}});
  }
  if (!unix_path.empty()) ::unlink(unix_path.c_str());
  ioc.stop();
}

net::awaitable<void> Server::Impl::Tick(const Periodic& p) {
  net::steady_timer timer(ioc);
  for (;;) {
    p.hook();
    timer.expires_after(p.period);
    auto [ec] = co_await timer.async_wait(kTuple);
    if (ec) co_return;
  }
}

net::awaitable<void> Server::Impl::MeasureLag() {
  constexpr auto kPeriod = std::chrono::milliseconds(20);
  net::steady_timer timer(ioc);
  for (;;) {
    const auto due = std::chrono::steady_clock::now() + kPeriod;
    timer.expires_at(due);
    auto [ec] = co_await timer.async_wait(kTuple);
    if (ec) co_return;
    const auto late = std::chrono::steady_clock::now() - due;
    const int64_t ms = std::chrono::duration_cast<std::chrono::milliseconds>(late).count();
    lag_ms.store(ms, std::memory_order_relaxed);
    metrics::Metrics().event_loop_lag.With().Set(std::chrono::duration<double>(late).count());
  }
}

Server::Server(const Config& config, Router& router)
    : impl_(std::make_unique<Impl>(config, router)) {}
Server::~Server() = default;

void Server::set_reload_hook(std::function<void()> hook) { impl_->reload_hook = std::move(hook); }

void Server::add_periodic(std::chrono::milliseconds period, std::function<void()> hook) {
  impl_->periodic.push_back({period, std::move(hook)});
}

// Adopts a listening TCP socket passed by systemd (fd `fd`, named `name`).
bool Server::Impl::AdoptTcp(int fd, const std::string& name, std::string* error) {
  boost::system::error_code ec;
  bool v6 = sd_is_socket_inet(fd, AF_INET6, SOCK_STREAM, 1, 0) > 0;
  tcp_acceptor = std::make_unique<tcp::acceptor>(ioc);
  tcp_acceptor->assign(v6 ? tcp::v6() : tcp::v4(), fd, ec);
  tcp::endpoint bound;
  if (!ec) bound = tcp_acceptor->local_endpoint(ec);
  if (ec) {
    *error = "socket activation: TCP socket " + name + ": " + ec.message();
    return false;
  }
  Log(LogLevel::kInfo, "listening",
      {{"transport", "tcp"},
       {"addr", EndpointText(bound)},
       {"activation", "systemd"},
       {"fd_name", name}});
  return true;
}

// Adopts a listening Unix socket passed by systemd.
bool Server::Impl::AdoptUnix(int fd, const std::string& name, std::string* error) {
  boost::system::error_code ec;
  unix_acceptor = std::make_unique<unix_socket::acceptor>(ioc);
  unix_acceptor->assign(unix_socket(), fd, ec);
  unix_socket::endpoint bound;
  if (!ec) bound = unix_acceptor->local_endpoint(ec);
  if (ec) {
    *error = "socket activation: Unix socket " + name + ": " + ec.message();
    return false;
  }
  Log(LogLevel::kInfo, "listening",
      {{"transport", "unix"},
       {"path", bound.path()},
       {"activation", "systemd"},
       {"fd_name", name}});
  return true;
}

bool Server::Start(std::string* error) {
  Impl& s = *impl_;
  const Config& c = s.config;
  // Socket activation: an inherited TCP socket replaces `listen`, an
  // inherited Unix socket replaces `socket`; a transport without one is set
  // up from the config as usual. Inherited sockets belong to systemd: they are
  // adopted, never bound, and never unlinked (unix_path stays empty).
  int inherited_tcp = -1, inherited_unix = -1;
  std::string tcp_name, unix_name;
  if (!TakeInheritedSockets(&inherited_tcp, &tcp_name, &inherited_unix, &unix_name, error)) {
    return false;
  }
  if (inherited_tcp >= 0 && !s.AdoptTcp(inherited_tcp, tcp_name, error)) return false;
  if (inherited_unix >= 0 && !s.AdoptUnix(inherited_unix, unix_name, error)) return false;
  if (inherited_tcp < 0 && !c.listen.empty()) {
    s.tcp_acceptor = OpenTcpAcceptor(s.ioc, c.listen, "--listen", error);
    if (!s.tcp_acceptor) return false;
    Log(LogLevel::kInfo, "listening",
        {{"transport", "tcp"}, {"addr", EndpointText(s.tcp_acceptor->local_endpoint())}});
  }
  if (inherited_unix < 0 && !c.socket.empty()) {
    s.unix_acceptor = OpenUnixAcceptor(s.ioc, c.socket, "--socket", error);
    if (!s.unix_acceptor) return false;
    s.unix_path = c.socket;
    Log(LogLevel::kInfo, "listening", {{"transport", "unix"}, {"path", c.socket}});
  }
  if (!s.tcp_acceptor && !s.unix_acceptor) {
    *error = "nothing to listen on: both --listen and --socket are empty";
    return false;
  }
  // Catch the signals from now on (asio queues them until Run() waits), so a
  // SIGTERM right after READY=1, before Run(), still drains instead of
  // killing the process.
  s.signals.add(SIGINT);
  s.signals.add(SIGTERM);
  s.signals.add(SIGHUP);
  return true;
}

void Server::Shutdown() {
  Impl* s = impl_.get();
  net::post(s->acceptors, [s] {
    s->BeginDrain();
    net::co_spawn(s->ioc, s->Drain(), net::detached);
  });
}

void Server::Run() {
  Impl& s = *impl_;
  if (s.tcp_acceptor) {
    net::co_spawn(s.acceptors, s.Listen(*s.tcp_acceptor, false), net::detached);
  }
  if (s.unix_acceptor) {
    net::co_spawn(s.acceptors, s.Listen(*s.unix_acceptor, true), net::detached);
  }
  for (const Impl::Periodic& p : s.periodic) {
    if (p.hook && p.period.count() > 0) net::co_spawn(s.ioc, s.Tick(p), net::detached);
  }
  net::co_spawn(s.ioc, s.MeasureLag(), net::detached);
  std::function<void(boost::system::error_code, int)> on_signal =
      [this, &s, &on_signal](boost::system::error_code ec, int sig) {
        if (ec) return;
        if (sig == SIGHUP) {
          Log(LogLevel::kInfo, "signal", {{"signal", "SIGHUP"}});
          if (s.reload_hook) s.reload_hook();
          s.signals.async_wait(on_signal);
          return;
        }
        Log(LogLevel::kInfo, "signal", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
        Shutdown();
      };
  s.signals.async_wait(on_signal);
  auto guard = net::make_work_guard(s.ioc);
  unsigned n = Impl::Threads(s.config);
  std::vector<std::thread> threads;
  for (unsigned i = 1; i < n; ++i) threads.emplace_back([&s] { s.ioc.run(); });
  s.ioc.run();
  for (auto& t : threads) t.join();
}

}  // namespace moderated

// daemon/http/server.h
//
// Server: the network side of `moderated serve`. One io_context run by N
// threads; a TCP listener and a Unix-socket listener; one coroutine per
// connection on its own strand (HTTP/1.1 with keep-alive, Boost.Beast);
// signals: SIGTERM/SIGINT drain and stop, SIGHUP calls the reload hook.
// Under systemd socket activation (LISTEN_FDS, sd_listen_fds(3)) it adopts the
// inherited TCP and/or Unix listening socket instead of binding its own.
//
// Shutdown order (SIGTERM): stop accepting; close idle keep-alive
// connections; let requests in flight finish (up to shutdown_timeout_ms);
// then the caller flushes the writer. Run() returns only after that.
//
// Thread-safety: construct, Start() and Run() from one thread. The reload
// hook runs on an I/O thread; it must not block for long.
#ifndef MODERATED_DAEMON_HTTP_SERVER_H_
#define MODERATED_DAEMON_HTTP_SERVER_H_

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "daemon/http/router.h"
#include "daemon/core/config.h"

namespace moderated {

class Server {
 public:
  Server(const Config& config, Router& router);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Called on SIGHUP (on an I/O thread).
  void set_reload_hook(std::function<void()> hook);

  // Calls `hook` on an I/O thread when Run() starts and then every `period`
  // (a timer on the io_context, so it stops ticking when the I/O threads are
  // stuck). Used for the systemd watchdog and the bulk-action sweep. Add
  // before Run(); each hook has its own timer.
  void add_periodic(std::chrono::milliseconds period, std::function<void()> hook);

  // Binds the listeners, or adopts the sockets passed by systemd (an inherited
  // TCP socket replaces config.listen, an inherited Unix socket replaces
  // config.socket and is not unlinked at shutdown). Logs "listening" with the
  // bound address (so port 0 can be discovered). On failure returns false
  // with *error set.
  bool Start(std::string* error);

  // Serves until SIGTERM/SIGINT (or Shutdown()), drains, and returns.
  void Run();

  // Starts the same drain as SIGTERM. Thread-safe.
  void Shutdown();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace moderated

#endif  // MODERATED_DAEMON_HTTP_SERVER_H_

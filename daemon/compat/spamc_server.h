// daemon/compat/spamc_server.h
//
// SpamcServer: the optional spamc/spamd protocol listener (SPAMC/1.5, see
// daemon/compat/spamc.h and docs/spamc.md) on TCP (`spamc.listen`) and/or a Unix
// socket (`spamc.socket`). Each connection carries one request: the head,
// then the message until Content-length bytes or EOF (spamc half-closes its
// side after the body); the reply; close. Messages are evaluated and stored
// like POST /v1/comments under the site `spamc.site`; TELL labels them.
//
// There is no authentication, as with spamd: bind it to loopback or a Unix
// socket whose permissions (0660) restrict who may connect.
//
// It runs its own io_context on one thread, so `moderated serve` starts and
// stops it beside the HTTP server without sharing an event loop.
//
// Thread-safety: construct, Start() and Stop() from one thread.
#ifndef MODERATED_DAEMON_COMPAT_SPAMC_SERVER_H_
#define MODERATED_DAEMON_COMPAT_SPAMC_SERVER_H_

#include <memory>
#include <string>

#include "daemon/core/services.h"

namespace moderated {

class SpamcServer {
 public:
  explicit SpamcServer(Services& services);
  ~SpamcServer();  // Stop()s if needed
  SpamcServer(const SpamcServer&) = delete;
  SpamcServer& operator=(const SpamcServer&) = delete;

  // True if the config asks for a listener at all.
  static bool Enabled(const Config& config);

  // Binds the listeners and starts serving on a thread of its own. Logs
  // "listening transport=spamc-tcp addr=HOST:PORT" and/or "transport=spamc-unix
  // path=PATH". On failure returns false with *error set.
  bool Start(std::string* error);

  // Stops accepting, lets requests in flight finish (up to
  // shutdown_timeout_ms), and joins the thread. Call before the writer stops.
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace moderated

#endif  // MODERATED_DAEMON_COMPAT_SPAMC_SERVER_H_

// daemon/http/api.h
//
// Api: HTTP request → HTTP response. It knows nothing about sockets: the
// server reads a request, awaits Handle() and writes what it returns.
//
// Endpoints live in modules (daemon/api/comments.cc, admin_*.cc, ...). Each module
// registers its routes with the Router (daemon/api/routes.h lists the
// registration functions); Api authenticates the caller (Bearer token) and
// dispatches. Handlers suspend only while waiting for the writer thread.
//
// Thread-safety: one Api is shared by all sessions; Handle() runs on many
// threads at once. Services are thread-safe; the route table is built before
// serving and never changes.
#ifndef MODERATED_DAEMON_HTTP_API_H_
#define MODERATED_DAEMON_HTTP_API_H_

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "daemon/http/auth.h"
#include "daemon/core/config.h"
#include "daemon/core/decision_writer.h"
#include "daemon/core/engine.h"
#include "daemon/http/response.h"
#include "storage/store.h"

namespace moderated {

// Read-only Stores for request handlers: each is used by one thread at a time
// and returned to the pool afterwards. WAL lets them read while the writer
// writes.
class ReaderPool {
 public:
  explicit ReaderPool(std::string path) : path_(std::move(path)) {}

  class Lease {
   public:
    Lease(ReaderPool* pool, std::unique_ptr<storage::Store> store)
        : pool_(pool), store_(std::move(store)) {}
    Lease(Lease&&) = default;
    ~Lease() {
      if (store_) pool_->Return(std::move(store_));
    }
    storage::Store* get() const { return store_.get(); }
    storage::Store* operator->() const { return store_.get(); }
    explicit operator bool() const { return store_ != nullptr; }

   private:
    ReaderPool* pool_;
    std::unique_ptr<storage::Store> store_;
  };

  // A store for this thread's exclusive use until the Lease is destroyed. On
  // failure the Lease is empty and *error says why.
  Lease Acquire(std::string* error);

 private:
  void Return(std::unique_ptr<storage::Store> store);
  const std::string path_;
  std::mutex mu_;
  std::vector<std::unique_ptr<storage::Store>> idle_;  // guarded by mu_
};

// Where a request came from.
struct Peer {
  bool local = false;  // Unix socket or loopback address
  std::string address;
};

// Everything a handler may use. Owned by `moderated serve`; outlives the Api.
struct Services {
  const Config& config;
  EngineHolder& engines;
  DecisionWriter& writer;
  ReaderPool& readers;
  Auth& auth;
  // Reloads rules and model from their configured sources; false + *error on
  // failure (the running engine stays). Set by `moderated serve`.
  std::function<bool(std::string* error)> reload;
  // A thread for CPU-heavy admin work (compiling a rules text), so the I/O
  // threads keep answering meanwhile (AsyncInBackground). Null: run inline.
  boost::asio::thread_pool* background = nullptr;
};

struct RequestContext {
  Peer peer;
  std::optional<Principal> principal;  // set when the route needs auth
  std::string_view path;               // target without the query
};

using Handler =
    std::function<boost::asio::awaitable<Response>(Services&, const Request&, const RequestContext&)>;

class Router {
 public:
  enum class Access {
    kPublic,         // no token (health checks, the console's static files)
    kAuthenticated,  // any valid token; the handler checks role and site
  };
  // `path` matches exactly, or as a prefix when it ends with '/'.
  void Add(std::string path, Access access, Handler handler,
           uint64_t body_limit = 0 /* 0: limits.max_body_bytes */);

  struct Route {
    std::string path;
    Access access;
    Handler handler;
    uint64_t body_limit;
  };
  // The route for `path`: exact match first, then the longest prefix.
  const Route* Find(std::string_view path) const;
  // Replaces the handler of the route registered for exactly `path` by
  // wrap(that handler), so a module can serve more methods or sub-paths on
  // another module's route (daemon/api/queue.cc: GET /v1/comments and
  // /v1/comments/{id}/decision|undo|history). False if there is no such route.
  bool Wrap(std::string_view path, const std::function<Handler(Handler)>& wrap);

 private:
  std::vector<Route> routes_;
};

class Api {
 public:
  explicit Api(Services& services);

  boost::asio::awaitable<Response> Handle(Request request, Peer peer);

  // Body limit for a request to `target` (batches may be larger).
  uint64_t BodyLimitFor(std::string_view target) const;

  uint64_t requests() const { return requests_.load(); }

 private:
  Services& services_;
  Router router_;
  std::atomic<uint64_t> requests_{0};
};

// Role checks for handlers: nullopt if allowed, else the 403 to send.
std::optional<Response> RequireRole(const Request& req, const RequestContext& ctx,
                                    std::initializer_list<Role> roles);
std::optional<Response> RequireSite(const Request& req, const RequestContext& ctx,
                                    std::string_view site);

}  // namespace moderated

#endif  // MODERATED_DAEMON_HTTP_API_H_

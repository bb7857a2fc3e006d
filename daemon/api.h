// daemon/api.h
//
// Api: HTTP request → HTTP response for API v1 (docs/api.md). It knows
// nothing about sockets: the server reads a request, awaits Handle() and
// writes what it returns. Handle() suspends only while a comment waits for
// its transaction to commit (DecisionWriter); everything else runs inline.
//
// Thread-safety: one Api is shared by all sessions; Handle() may run on many
// threads at once. Its collaborators are thread-safe (EngineHolder,
// DecisionWriter, ReaderPool).
#ifndef MODERATED_DAEMON_API_H_
#define MODERATED_DAEMON_API_H_

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/beast/http.hpp>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "daemon/config.h"
#include "daemon/decision_writer.h"
#include "daemon/engine.h"
#include "storage/store.h"

namespace moderated {

namespace http = boost::beast::http;
using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

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

// Where a request came from. Admin endpoints answer only to local peers until
// token auth exists.
struct Peer {
  bool local = false;  // Unix socket or loopback address
  std::string address;
};

class Api {
 public:
  Api(const Config& config, EngineHolder& engines, DecisionWriter& writer, ReaderPool& readers);

  boost::asio::awaitable<Response> Handle(Request request, Peer peer);

  // Body limit for a request to `target` (batches may be larger).
  uint64_t BodyLimitFor(std::string_view target) const;

  // Counters, exposed for tests and later /metrics.
  uint64_t requests() const { return requests_.load(); }

 private:
  boost::asio::awaitable<Response> PostComments(const Request& req, bool store);
  boost::asio::awaitable<Response> PostBatch(const Request& req);
  Response GetComment(const Request& req, std::string_view id_text);
  Response Ready(const Request& req);

  const Config& config_;
  EngineHolder& engines_;
  DecisionWriter& writer_;
  ReaderPool& readers_;
  std::atomic<uint64_t> requests_{0};
};

// application/problem+json response (RFC 9457). `errors` lists invalid fields
// for 422s as {"pointer": "/author/ip", "detail": "..."}.
Response Problem(unsigned version, bool keep_alive, http::status status, std::string_view detail,
                 const std::vector<std::pair<std::string, std::string>>& errors = {});

}  // namespace moderated

#endif  // MODERATED_DAEMON_API_H_

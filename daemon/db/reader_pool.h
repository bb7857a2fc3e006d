// daemon/db/reader_pool.h
//
// ReaderPool: read-only Stores for request handlers and background jobs. A
// Lease gives one Store to one thread until the Lease is destroyed, when the
// Store goes back to the pool for the next reader. WAL lets them read while
// the writer thread writes.
//
// Thread-safety: Acquire() may be called from any thread; a Lease and its
// Store belong to the thread that acquired it.
#ifndef MODERATED_DAEMON_DB_READER_POOL_H_
#define MODERATED_DAEMON_DB_READER_POOL_H_

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "storage/store.h"

namespace moderated {

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

  // The database URL the stores are opened on.
  const std::string& path() const { return path_; }

 private:
  void Return(std::unique_ptr<storage::Store> store);

  const std::string path_;
  std::mutex mu_;
  std::vector<std::unique_ptr<storage::Store>> idle_;  // guarded by mu_
};

}  // namespace moderated

#endif  // MODERATED_DAEMON_DB_READER_POOL_H_

#include "daemon/db/reader_pool.h"

namespace moderated {

ReaderPool::Lease ReaderPool::Acquire(std::string* error) {
  {
    std::lock_guard lock(mu_);
    if (!idle_.empty()) {
      auto store = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(store));
    }
  }
  auto store = storage::Store::Open(path_, storage::Store::OpenMode::kReadOnly, error);
  return Lease(this, std::move(store));
}

void ReaderPool::Return(std::unique_ptr<storage::Store> store) {
  std::lock_guard lock(mu_);
  idle_.push_back(std::move(store));
}

}  // namespace moderated

// daemon/db/cluster_watcher.cc
#include "daemon/db/cluster_watcher.h"

#include <chrono>

#include "daemon/core/log.h"

namespace moderated {

bool ClusterWatcher::Start(std::string* error) {
  store_ = storage::Store::Open(database_, storage::Store::OpenMode::kReadOnly, error);
  if (store_ == nullptr) return false;
  if (store_->ChangeStamp(&stamp_)) {
    *error = "cannot read the change stamp: " + store_->LastErrorMessage();
    return false;
  }
  thread_ = std::thread([this] { Run(); });
  return true;
}

void ClusterWatcher::Stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void ClusterWatcher::Run() {
  bool was_failing = false;
  // After a failure the next round compares the stamps before it waits: a
  // change whose notification went with the dropped connection is seen as
  // soon as the store has reconnected, not a wait later.
  bool compare_first = false;
  while (!stop_) {
    bool notified = false;
    // Waits at most recheck_ms: also how long Stop() may wait.
    std::error_code ec;
    if (!compare_first) ec = store_->WaitForChange(recheck_ms_, &notified);
    compare_first = false;
    std::string stamp;
    if (!ec) ec = store_->ChangeStamp(&stamp);
    if (ec) {
      // The server is restarting or unreachable, or dropped the connection:
      // the store reconnects by itself on the next call. The first failure
      // of an outage is retried at once (a dropped connection alone needs
      // no wait); later ones every recheck_ms. Log once per outage.
      compare_first = true;
      if (!was_failing) {
        Log(LogLevel::kWarn, "cluster_watch_failed", {{"error", store_->LastErrorMessage()}});
        was_failing = true;
        continue;
      }
      for (int waited = 0; waited < recheck_ms_ && !stop_; waited += 100) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
      continue;
    }
    if (was_failing) Log(LogLevel::kInfo, "cluster_watch_resumed", {});
    was_failing = false;
    if (stamp == stamp_) continue;
    Log(LogLevel::kInfo, "cluster_change", {{"from", stamp_}, {"to", stamp}});
    stamp_ = stamp;
    ++changes_;
    on_change_();
  }
}

}  // namespace moderated

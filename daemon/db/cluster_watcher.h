// daemon/db/cluster_watcher.h
//
// ClusterWatcher: with several daemons on one PostgreSQL database, a rule,
// model, site, threshold or token change made through any daemon must reach
// this one within a second, without a restart. The watcher's thread waits on
// its own Store for a change notification (LISTEN moderated_changes) for at
// most one second, then compares the store's ChangeStamp with the last one it
// saw; when it differs it calls `on_change` (which reloads the engine, the
// site registry and the token cache). The periodic comparison means a lost
// notification delays a change by at most a second, never forever; when the
// watcher's connection dropped, it compares as soon as it has reconnected.
//
// Thread-safety: Start and Stop from one thread; `on_change` runs on the
// watcher's thread.
#ifndef MODERATED_DAEMON_DB_CLUSTER_WATCHER_H_
#define MODERATED_DAEMON_DB_CLUSTER_WATCHER_H_

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "storage/store.h"

namespace moderated {

class ClusterWatcher {
 public:
  ClusterWatcher(std::string database, std::function<void()> on_change, int recheck_ms = 1000)
      : database_(std::move(database)), on_change_(std::move(on_change)), recheck_ms_(recheck_ms) {}
  ~ClusterWatcher() { Stop(); }
  ClusterWatcher(const ClusterWatcher&) = delete;
  ClusterWatcher& operator=(const ClusterWatcher&) = delete;

  // Opens the watcher's store and reads the first stamp. False with *error.
  bool Start(std::string* error);
  void Stop();

  // Changes seen since Start (tests, metrics).
  int64_t changes() const { return changes_.load(); }

 private:
  void Run();

  const std::string database_;
  const std::function<void()> on_change_;
  const int recheck_ms_;
  std::unique_ptr<storage::Store> store_;
  std::string stamp_;
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> changes_{0};
  std::thread thread_;
};

}  // namespace moderated

#endif  // MODERATED_DAEMON_DB_CLUSTER_WATCHER_H_

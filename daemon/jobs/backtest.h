// daemon/jobs/backtest.h
//
// Backtest: re-scores stored comments with a proposed ruleset and reports how
// the verdicts would change. Shared by POST /v1/admin/rules/backtest
// (daemon/api/rules.cc) and `moderated rules backtest` (daemon/cli/rules.cc).
//
// For each stored comment in [from_id, to_id] (id order, at most `limit`):
//   before = the stored verdict's action and the rules in its stored reasons;
//   after  = the proposal's verdict: normalisation, links, features, rules and
//            the decision run again, with the classifier probabilities and the
//            language stored with the comment (so no fastText or CLD2 work —
//            that is what makes 1,000,000 comments fit in a minute), and
//            velocity replayed from the stored comments' received_at times.
//
// The id range is split between `threads` workers, each with its own
// read-only Store and its own velocity tracker, warmed up with the comments
// of the velocity window before its first id.
//
// In the daemon a backtest runs as a job (AsyncBacktest) on a thread of its
// own, at most one at a time (BacktestSlot): it takes `threads` cores for up
// to a minute.
//
// Thread-safety: RunBacktest() blocks the calling thread until done; call it
// off the I/O threads. Any number may run at once (each opens its own
// Stores). BacktestSlot may be used from any thread.
#ifndef MODERATED_DAEMON_JOBS_BACKTEST_H_
#define MODERATED_DAEMON_JOBS_BACKTEST_H_

#include <atomic>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/json.hpp>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "daemon/core/config.h"
#include "daemon/engine/engine.h"

namespace moderated {

struct BacktestOptions {
  int64_t from_id = 1;
  int64_t to_id = std::numeric_limits<int64_t>::max();
  int64_t limit = 1'000'000;  // comments compared at most (the first by id)
  int examples = 20;          // changed comments reported, lowest ids first
  int threads = 2;
  VelocityConfig velocity;
  // Called on the calling thread about every 200 ms with the comments done
  // so far and the number expected (an upper bound). May be empty.
  std::function<void(int64_t done, int64_t total)> progress;
  // Set to true to stop early (the report then covers what was done).
  const std::atomic<bool>* cancel = nullptr;
};

struct BacktestExample {
  int64_t id = 0;
  std::string before;  // "accept" | "hold" | "reject"
  std::string after;
  std::string excerpt;             // the start of the content (≤ 200 bytes)
  std::vector<std::string> rules;  // the proposal's enforced reasons
};

struct BacktestReport {
  int64_t compared = 0;
  int64_t changed = 0;
  std::map<std::string, int64_t> transitions;  // "accept->hold" → n; changed pairs only
  struct Hits {
    int64_t before = 0;
    int64_t after = 0;
  };
  std::map<std::string, Hits> hits;  // rule id (and classifier.*, policy.*) → hits
  std::vector<BacktestExample> examples;
  int64_t elapsed_ms = 0;
};

// Runs the backtest of `proposal` (an Engine with the proposed rules and the
// current weights) over the database at `database`. On failure (the database
// cannot be opened or read) returns false and sets *error.
bool RunBacktest(const std::string& database, const Engine& proposal,
                 const BacktestOptions& options, BacktestReport* report, std::string* error);

// The report as the API answers it (docs/api.md).
boost::json::object BacktestJson(const BacktestReport& report);

// The daemon's one backtest at a time. TryAcquire() before starting one;
// AsyncBacktest releases the slot when the backtest ends. The destructor
// waits for a backtest still running, so destroy the slot before the
// io_context its result is posted to.
class BacktestSlot {
 public:
  BacktestSlot() = default;
  ~BacktestSlot() {
    std::unique_lock lock(mu_);
    idle_.wait(lock, [this] { return !busy_; });
  }
  BacktestSlot(const BacktestSlot&) = delete;
  BacktestSlot& operator=(const BacktestSlot&) = delete;

  bool TryAcquire() {
    std::lock_guard lock(mu_);
    if (busy_) return false;
    busy_ = true;
    return true;
  }
  void Release() {
    std::lock_guard lock(mu_);
    busy_ = false;
    idle_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable idle_;
  bool busy_ = false;  // guarded by mu_
};

struct BacktestResult {
  bool ok = false;
  BacktestReport report;
  std::string error;
};

// Runs RunBacktest() on a thread of its own and completes, on the caller's
// executor, with the result; the I/O threads keep serving meanwhile. `slot`
// (acquired by the caller) is released when the backtest ends.
template <typename CompletionToken>
auto AsyncBacktest(BacktestSlot& slot, std::string database, std::shared_ptr<const Engine> engine,
                   BacktestOptions options, CompletionToken&& token) {
  namespace net = boost::asio;
  return net::async_initiate<CompletionToken, void(std::shared_ptr<BacktestResult>)>(
      [&slot](auto handler, std::string database, std::shared_ptr<const Engine> engine,
              BacktestOptions options) {
        auto executor = net::get_associated_executor(handler);
        auto h = std::make_shared<decltype(handler)>(std::move(handler));
        std::thread([&slot, h, executor, database = std::move(database), engine = std::move(engine),
                     options = std::move(options)]() mutable {
          auto r = std::make_shared<BacktestResult>();
          r->ok = RunBacktest(database, *engine, options, &r->report, &r->error);
          net::post(executor, [h, r]() mutable { std::move (*h)(r); });
          slot.Release();  // last: the slot may be destroyed right after
        }).detach();
      },
      token, std::move(database), std::move(engine), std::move(options));
}

}  // namespace moderated

#endif  // MODERATED_DAEMON_JOBS_BACKTEST_H_

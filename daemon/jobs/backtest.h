// daemon/jobs/backtest.h
//
// Backtest: re-scores stored comments with a proposed ruleset and reports how
// the verdicts would change. Shared by POST /v1/admin/rules/backtest
// (daemon/api/rules.cc) and `moderated rules backtest` (the CLI).
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
// Thread-safety: RunBacktest() blocks the calling thread until done; call it
// off the I/O threads. Any number may run at once (each opens its own Stores).
#ifndef MODERATED_DAEMON_JOBS_BACKTEST_H_
#define MODERATED_DAEMON_JOBS_BACKTEST_H_

#include <atomic>
#include <boost/json.hpp>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "daemon/core/config.h"
#include "daemon/core/engine.h"

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
  std::string before;   // "accept" | "hold" | "reject"
  std::string after;
  std::string excerpt;  // the start of the content (≤ 200 bytes)
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

// `moderated rules backtest ...` (argv[0] is "backtest").
int RunRulesBacktestCommand(int argc, char** argv);

}  // namespace moderated

#endif  // MODERATED_DAEMON_JOBS_BACKTEST_H_

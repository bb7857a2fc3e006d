// daemon/core/services.h
//
// Services: the long-lived objects a request handler, an adapter (Akismet,
// spamc) or a job may use. `moderated serve` (daemon/cli/serve.cc), the
// composition root, builds each of them once, fills this struct and keeps
// everything alive until the server, the adapters and the jobs have stopped.
// There are no process-wide globals besides it: what describes the running
// rules and model is in the engine snapshot (EngineHolder).
//
// Thread-safety: every member is thread-safe (see each class); the struct
// itself is filled before serving and not changed afterwards.
#ifndef MODERATED_DAEMON_CORE_SERVICES_H_
#define MODERATED_DAEMON_CORE_SERVICES_H_

#include <boost/asio/thread_pool.hpp>

#include "daemon/core/config.h"
#include "daemon/db/decision_writer.h"
#include "daemon/db/reader_pool.h"
#include "daemon/engine/engine.h"

namespace moderated {

class Auth;          // daemon/http/auth.h
class ModelJobs;     // daemon/jobs/model_jobs.h
class BacktestSlot;  // daemon/jobs/backtest.h

struct Services {
  const Config& config;
  EngineHolder& engines;
  DecisionWriter& writer;
  ReaderPool& readers;
  Auth& auth;
  // A thread for CPU-heavy admin work (compiling a rules text), so the I/O
  // threads keep answering meanwhile (AsyncInBackground). Null: run inline.
  boost::asio::thread_pool* background = nullptr;
  // The background training job (POST /v1/admin/models/train). Null: training
  // is not available.
  ModelJobs* model_jobs = nullptr;
  // The one backtest a daemon runs at a time (POST /v1/admin/rules/backtest).
  // Null: backtests are not available.
  BacktestSlot* backtests = nullptr;
};

}  // namespace moderated

#endif  // MODERATED_DAEMON_CORE_SERVICES_H_

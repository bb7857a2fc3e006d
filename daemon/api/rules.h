// daemon/api/rules.h
//
// Live rule administration (daemon/api/rules.cc; rows of the route table in
// daemon/api/routes.cc): GET/PUT /v1/admin/rules, versions, rollback and
// backtest. This header is for `moderated serve`, which tells the
// module which rules text it runs after start-up and every SIGHUP reload, so
// that GET /v1/admin/rules can return it.
//
// Thread-safety: SetRunningRules / GetRunningRules may be called from any
// thread (a mutex guards one record per process).
#ifndef MODERATED_DAEMON_API_RULES_H_
#define MODERATED_DAEMON_API_RULES_H_

#include <cstdint>
#include <string>

namespace moderated {

struct RunningRules {
  std::string text;        // the source text of the running ruleset
  int64_t version_id = 0;  // the stored version it came from; 0 = a file or the embedded default
  std::string source;      // "embedded", a file path, or "database:ID"
};

void SetRunningRules(RunningRules rules);
RunningRules GetRunningRules();

}  // namespace moderated

#endif  // MODERATED_DAEMON_API_RULES_H_

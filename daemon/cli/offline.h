// daemon/cli/offline.h
//
// The judgement pipeline for commands that judge comments without serving
// (`moderated train`, `moderated eval`): the same configuration, rules,
// models and site registry `moderated serve` would run, loaded the same way
// (daemon/core/sources.h), with nothing listening and nothing written.
//
// Thread-safety: used by one command thread.
#ifndef MODERATED_DAEMON_CLI_OFFLINE_H_
#define MODERATED_DAEMON_CLI_OFFLINE_H_

#include <memory>
#include <string>
#include <vector>

#include "base/flags.h"
#include "daemon/core/config.h"
#include "daemon/engine/engine.h"

namespace moderated {

// The flags every offline command shares: --config, --rules, --model,
// --database.
struct OfflineFlags {
  std::string config_path;
  std::string rules;
  std::string model;
  std::string database;
  bool rules_given = false, model_given = false, database_given = false;

  void Declare(base::FlagParser& flags);
};

// Loads the config file (if given), the environment and the flags into
// *config. False with messages in *errors ("FILE:LINE:COL: ...").
bool LoadOfflineConfig(const OfflineFlags& flags, Config* config, std::vector<std::string>* errors);

// Rules, models and (with `use_database` and a database file that exists)
// the stored rules, models and site registry, as `serve` would run them.
// Messages go to *messages: the errors when it returns nullptr, otherwise
// warnings (a stored site model that does not load).
std::shared_ptr<const Engine> LoadOfflineEngine(const Config& config, bool use_database,
                                                std::vector<std::string>* messages);

}  // namespace moderated

#endif  // MODERATED_DAEMON_CLI_OFFLINE_H_

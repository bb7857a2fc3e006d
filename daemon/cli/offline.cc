// daemon/cli/offline.cc
#include "daemon/cli/offline.h"

#include <filesystem>

#include "daemon/core/sources.h"
#include "daemon/engine/sites.h"
#include "storage/store.h"

namespace moderated {

void OfflineFlags::Declare(base::FlagParser& flags) {
  flags.Value("--config", &config_path)
      .Value("--rules", &rules, &rules_given)
      .Value("--model", &model, &model_given)
      .Value("--database", &database, &database_given);
}

bool LoadOfflineConfig(const OfflineFlags& flags, Config* config,
                       std::vector<std::string>* errors) {
  if (!flags.config_path.empty() && !LoadConfigFile(flags.config_path, config, errors)) {
    return false;
  }
  if (!ApplyEnvironment(config, errors)) return false;
  if (flags.rules_given) config->rules = flags.rules;
  if (flags.model_given) config->model = flags.model;
  if (flags.database_given) config->database = flags.database;
  config->socket_set = true;  // nothing listens
  config->Resolve();
  return true;
}

std::shared_ptr<const Engine> LoadOfflineEngine(const Config& config, bool use_database,
                                                std::vector<std::string>* messages) {
  std::unique_ptr<storage::Store> store;
  std::error_code ec;
  if (use_database && std::filesystem::exists(config.database, ec)) {
    std::string error;
    store = storage::Store::Open(config.database, storage::Store::OpenMode::kReadOnly, &error);
    if (!store) {
      messages->push_back(error);
      return nullptr;
    }
  }
  RunningRules running;
  std::vector<std::string> errors;
  std::shared_ptr<const rules::RuleSet> rules;
  if (store) rules = LoadStoredRules(config, *store, &errors, &running);
  if (!rules && errors.empty()) rules = LoadConfiguredRules(config, &errors, &running);
  if (!rules) {
    messages->insert(messages->end(), errors.begin(), errors.end());
    return nullptr;
  }
  std::string error;
  auto judge = LoadJudge(config, store.get(), messages, &error);
  if (!judge) {
    messages->push_back(error);
    return nullptr;
  }
  auto sites = std::make_shared<Sites>();
  if (store && sites->Load(*store)) {
    messages->push_back(config.database +
                        ": cannot read the site registry: " + store->LastErrorMessage());
    return nullptr;
  }
  return std::make_shared<const Engine>(rules, judge, config.classifier, nullptr, sites, running);
}

}  // namespace moderated

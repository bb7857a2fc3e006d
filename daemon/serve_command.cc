#include "daemon/serve_command.h"

#include <systemd/sd-daemon.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "classifiers/classifier.h"
#include "daemon/api.h"
#include "daemon/auth.h"
#include "daemon/config.h"
#include "daemon/decision_writer.h"
#include "daemon/embedded.h"
#include "daemon/engine.h"
#include "daemon/log.h"
#include "daemon/server.h"
#include "storage/store.h"

namespace moderated {
namespace {

constexpr const char* kServeHelp = R"(Usage: moderated serve [OPTIONS]

Runs the moderation daemon: HTTP/1.1 API v1 on a TCP port and a Unix socket.

Options (flags override the environment, which overrides the config file):
  --config FILE      YAML config file (docs/configuration.md)
  --listen HOST:PORT TCP address (default 127.0.0.1:8080; port 0 picks a free
                     port and logs it; "" disables TCP)
  --socket PATH      Unix socket (default <data-dir>/moderated.sock, or
                     $RUNTIME_DIRECTORY/moderated.sock; "" disables it)
  --data-dir DIR     database and default socket directory (default ./var)
  --database FILE    SQLite database (default <data-dir>/moderated.db)
  --rules FILE       rule file (default: the ruleset built into the binary)
  --model FILE       fastText model (default: the model built into the binary)
  --threads N        I/O threads (default: number of cores)
  --log-level LEVEL  debug | info | warn | error (default info)
  --help             this text

Signals: SIGTERM/SIGINT drain requests in flight and exit 0; SIGHUP reloads
the rule file and model (a failed reload keeps the running ones).
)";

constexpr const char* kRulesHelp = R"(Usage: moderated rules check FILE...

Compiles each rule file and prints every error as FILE:LINE:COL: message.
Exits 0 if all files are valid, 1 otherwise.
)";

bool ReadFile(const std::string& path, std::string* out, std::string* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = path + ": " + std::strerror(errno);
    return false;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return true;
}

std::string DirOf(const std::string& path) {
  auto parent = std::filesystem::path(path).parent_path();
  return parent.empty() ? "." : parent.string();
}

// Loads the rules named by the config (or the embedded default).
std::shared_ptr<const rules::RuleSet> LoadRules(const Config& config,
                                                std::vector<std::string>* errors) {
  if (config.rules.empty()) {
    return CompileRules(EmbeddedDefaultRules(), "<embedded>/rules/default.yaml", ".", errors);
  }
  std::string text, error;
  if (!ReadFile(config.rules, &text, &error)) {
    errors->push_back(error);
    return nullptr;
  }
  return CompileRules(text, config.rules, DirOf(config.rules), errors);
}

std::shared_ptr<const classifiers::Classifier> LoadModel(const Config& config,
                                                         std::string* error) {
  if (config.model.empty()) {
    return classifiers::LoadFastTextClassifierFromMemory(
        EmbeddedDefaultModel(), "<embedded>/classifiers/models/default.ftz", error);
  }
  return classifiers::LoadFastTextClassifier(config.model, error);
}

// Parses `--name value` and `--name=value`. Returns false on a usage error.
bool TakeValue(int argc, char** argv, int* i, std::string_view name, std::string* value,
               bool* matched) {
  std::string_view arg = argv[*i];
  *matched = false;
  if (arg.substr(0, name.size()) != name) return true;
  if (arg.size() == name.size()) {
    if (*i + 1 >= argc) {
      std::cerr << "moderated: " << name << " needs a value\n";
      return false;
    }
    *value = argv[++*i];
    *matched = true;
  } else if (arg[name.size()] == '=') {
    *value = std::string(arg.substr(name.size() + 1));
    *matched = true;
  }
  return true;
}

}  // namespace

int RunServeCommand(int argc, char** argv) {
  struct Flag {
    explicit Flag(const char* n) : name(n) {}
    const char* name;
    std::string value;
    bool set = false;
  };
  Flag flags[] = {Flag("--config"), Flag("--listen"),  Flag("--socket"),
                  Flag("--data-dir"), Flag("--database"), Flag("--rules"),
                  Flag("--model"),  Flag("--threads"), Flag("--log-level")};
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::cout << kServeHelp;
      return 0;
    }
    bool matched = false;
    for (Flag& f : flags) {
      if (!TakeValue(argc, argv, &i, f.name, &f.value, &matched)) return 2;
      if (matched) {
        f.set = true;
        break;
      }
    }
    if (!matched) {
      std::cerr << "moderated serve: unknown option '" << arg << "' (see --help)\n";
      return 2;
    }
  }
  auto flag = [&](std::string_view name) -> Flag& {
    for (Flag& f : flags)
      if (name == f.name) return f;
    std::abort();
  };

  Config config;
  std::vector<std::string> errors;
  if (flag("--config").set && !LoadConfigFile(flag("--config").value, &config, &errors)) {
    for (const auto& e : errors) std::cerr << e << "\n";
    return 2;
  }
  if (!ApplyEnvironment(&config, &errors)) {
    for (const auto& e : errors) std::cerr << e << "\n";
    return 2;
  }
  if (flag("--listen").set) config.listen = flag("--listen").value;
  if (flag("--socket").set) {
    config.socket = flag("--socket").value;
    config.socket_set = true;
  }
  if (flag("--data-dir").set) config.data_dir = flag("--data-dir").value;
  if (flag("--database").set) config.database = flag("--database").value;
  if (flag("--rules").set) config.rules = flag("--rules").value;
  if (flag("--model").set) config.model = flag("--model").value;
  if (flag("--log-level").set) config.log_level = flag("--log-level").value;
  if (flag("--threads").set) {
    std::vector<std::string> e;
    if (!LoadConfigText("threads: " + flag("--threads").value, "--threads", &config, &e)) {
      std::cerr << "moderated serve: --threads: expected a non-negative integer\n";
      return 2;
    }
  }
  config.Resolve();
  LogLevel level;
  if (!ParseLogLevel(config.log_level, &level)) {
    std::cerr << "moderated serve: log level must be debug, info, warn or error, not '"
              << config.log_level << "'\n";
    return 2;
  }
  SetLogLevel(level);

  std::error_code fec;
  std::filesystem::create_directories(config.data_dir, fec);
  if (fec) {
    std::cerr << config.data_dir << ": cannot create data directory: " << fec.message() << "\n";
    return 1;
  }

  auto rules = LoadRules(config, &errors);
  if (!rules) {
    for (const auto& e : errors) std::cerr << e << "\n";
    Log(LogLevel::kError, "rules_invalid", {{"errors", std::to_string(errors.size())}});
    return 2;
  }
  std::string error;
  auto model = LoadModel(config, &error);
  if (!model) {
    std::cerr << error << "\n";
    return 2;
  }
  storage::StoreOptions store_options;
  store_options.synchronous_full = config.writer.synchronous_full;
  auto store =
      storage::Store::Open(config.database, storage::Store::OpenMode::kReadWrite, store_options,
                           &error);
  if (!store) {
    std::cerr << error << "\n";
    return 1;
  }
  DecisionWriter writer(std::move(store), config.writer);
  ReaderPool readers(config.database);
  EngineHolder engines;
  engines.Swap(std::make_shared<const Engine>(rules, model, config.classifier));
  Log(LogLevel::kInfo, "loaded",
      {{"rules", rules->version()},
       {"rule_count", std::to_string(rules->size())},
       {"rules_source", config.rules.empty() ? "embedded" : config.rules},
       {"model", model->version()},
       {"model_source", config.model.empty() ? "embedded" : config.model},
       {"database", config.database}});

  Auth auth(readers);
  Services services{config, engines, writer, readers, auth, nullptr};
  services.reload = [&config, &engines](std::string* error) {
    std::vector<std::string> errs;
    auto next_rules = LoadRules(config, &errs);
    std::string err;
    auto next_model = LoadModel(config, &err);
    if (!next_rules || !next_model) {
      for (const auto& e : errs) Log(LogLevel::kError, "reload_failed", {{"error", e}});
      if (!err.empty()) Log(LogLevel::kError, "reload_failed", {{"error", err}});
      if (error != nullptr) *error = errs.empty() ? err : errs.front();
      return false;  // keep serving the old engine
    }
    engines.Swap(std::make_shared<const Engine>(next_rules, next_model, config.classifier));
    Log(LogLevel::kInfo, "reloaded",
        {{"rules", next_rules->version()}, {"model", next_model->version()}});
    return true;
  };
  Api api(services);
  Server server(config, api);
  server.set_reload_hook([&services] { services.reload(nullptr); });
  if (!server.Start(&error)) {
    std::cerr << "moderated serve: " << error << "\n";
    return 1;
  }
  sd_notify(0, "READY=1\nSTATUS=serving");
  server.Run();
  sd_notify(0, "STOPPING=1");
  writer.Stop();  // commits everything still queued
  Log(LogLevel::kInfo, "stopped", {{"committed", std::to_string(writer.committed_comments())}});
  return 0;
}

int RunRulesCommand(int argc, char** argv) {
  if (argc < 2 || std::string_view(argv[1]) == "--help" || std::string_view(argv[1]) == "-h") {
    std::cout << kRulesHelp;
    return argc < 2 ? 2 : 0;
  }
  if (std::string_view(argv[1]) != "check") {
    std::cerr << "moderated rules: unknown subcommand '" << argv[1] << "' (see --help)\n";
    return 2;
  }
  if (argc < 3) {
    std::cerr << kRulesHelp;
    return 2;
  }
  int failed = 0;
  for (int i = 2; i < argc; ++i) {
    std::string text, error;
    if (!ReadFile(argv[i], &text, &error)) {
      std::cerr << error << "\n";
      ++failed;
      continue;
    }
    std::vector<std::string> errors;
    auto rules = CompileRules(text, argv[i], DirOf(argv[i]), &errors);
    if (!rules) {
      for (const auto& e : errors) std::cout << e << "\n";
      ++failed;
    } else {
      std::cout << argv[i] << ": ok, " << rules->size() << " rules, version " << rules->version()
                << "\n";
    }
  }
  return failed ? 1 : 0;
}

}  // namespace moderated

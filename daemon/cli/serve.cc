#include "daemon/cli/commands.h"

#include <systemd/sd-daemon.h>

#include <time.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "base/files.h"
#include "classifiers/classifier.h"
#include "daemon/api/rules.h"
#include "daemon/api/routes.h"
#include "daemon/http/router.h"
#include "daemon/jobs/backtest.h"
#include "daemon/http/auth.h"
#include "daemon/core/config.h"
#include "daemon/core/decision_writer.h"
#include "daemon/core/embedded.h"
#include "daemon/core/engine.h"
#include "daemon/core/log.h"
#include "daemon/core/metrics.h"
#include "daemon/jobs/model_jobs.h"
#include "daemon/core/privacy.h"
#include "daemon/jobs/retention.h"
#include "daemon/http/server.h"
#include "daemon/compat/spamc_server.h"
#include "daemon/core/sites.h"
#include "daemon/core/velocity.h"
#include "daemon/jobs/webhooks.h"
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
  --spamc-listen HOST:PORT  spamc/spamd protocol on TCP (default off;
                     docs/spamc.md; no authentication: bind to loopback)
  --spamc-socket PATH       spamc/spamd protocol on a Unix socket (default off)
  --help             this text

Signals: SIGTERM/SIGINT drain requests in flight and exit 0; SIGHUP reloads
the rule file and model (a failed reload keeps the running ones).
)";

constexpr const char* kRulesHelp = R"(Usage: moderated rules check FILE...
       moderated rules backtest --rules PROPOSED.yaml [OPTIONS] (see backtest --help)

check: compiles each rule file and prints every error as FILE:LINE:COL:
message. Exits 0 if all files are valid, 1 otherwise.
backtest: re-scores stored comments with proposed rules and reports how
verdicts would change.
)";

// Loads the rules named by the config (or the embedded default); *running
// says which text it was (for GET /v1/admin/rules).
std::shared_ptr<const rules::RuleSet> LoadRules(const Config& config,
                                                std::vector<std::string>* errors,
                                                RunningRules* running) {
  if (config.rules.empty()) {
    *running = {std::string(EmbeddedDefaultRules()), 0, "embedded"};
    return CompileRules(EmbeddedDefaultRules(), "<embedded>/rules/default.yaml", ".", errors);
  }
  std::string text, error;
  if (!base::ReadFile(config.rules, &text, &error)) {
    errors->push_back(error);
    return nullptr;
  }
  *running = {text, 0, config.rules};
  return CompileRules(text, config.rules, base::DirOf(config.rules), errors);
}

// Source of truth for the rules: a configured file wins (LoadRules); with
// none, the active version stored by PUT /v1/admin/rules; with none stored,
// the embedded default. Returns the stored version compiled, or nullptr
// with *errors untouched if none is stored.
std::shared_ptr<const rules::RuleSet> LoadStoredRules(const Config& config, storage::Store& store,
                                                      std::vector<std::string>* errors,
                                                      RunningRules* running) {
  storage::RulesVersion v;
  if (!config.rules.empty() || store.ActiveRulesVersion(&v)) return nullptr;
  *running = {v.text, v.id, "database:" + std::to_string(v.id)};
  return CompileRules(v.text, "rules version " + std::to_string(v.id), config.data_dir, errors);
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

// systemd's STATUS= line while serving (`systemctl status moderated`).
std::string ServingStatus(const Engine& engine) {
  return "serving: " + std::to_string(engine.rules().size()) + " rules, model " +
         engine.classifier().version();
}

void NotifyStatus(const std::string& status) {
  sd_notify(0, ("STATUS=" + status).c_str());
}

// The systemd watchdog (WatchdogSec=): when enabled, the server's heartbeat
// ticks on an I/O thread at half the interval and sends WATCHDOG=1 only if
// the writer is healthy and has run the probe posted at the previous tick.
// So a stuck I/O loop, a stuck writer thread or a sticky storage error all
// stop the pings, and systemd restarts the daemon.
void SetUpWatchdog(Server& server, DecisionWriter& writer) {
  uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0) return;
  auto probe_done = std::make_shared<std::atomic<bool>>(true);
  auto was_ok = std::make_shared<std::atomic<bool>>(true);
  auto period = std::chrono::milliseconds(std::max<uint64_t>(1, usec / 2000));
  server.set_heartbeat(period, [&writer, probe_done, was_ok] {
    bool responding = probe_done->exchange(false);
    bool healthy = writer.healthy();
    if (responding && healthy) sd_notify(0, "WATCHDOG=1");
    if (was_ok->exchange(responding && healthy) != (responding && healthy)) {
      Log(responding && healthy ? LogLevel::kInfo : LogLevel::kWarn, "watchdog",
          {{"pinging", responding && healthy ? "yes" : "no"},
           {"writer_healthy", healthy ? "yes" : "no"},
           {"writer_responding", responding ? "yes" : "no"}});
    }
    // One probe in flight at a time: a stuck writer must not fill its queue.
    if (responding) {
      if (!writer.Post([probe_done](storage::Store&) { probe_done->store(true); })) {
        probe_done->store(false);
      }
    } else {
      probe_done->store(false);
    }
  });
  Log(LogLevel::kInfo, "watchdog_enabled", {{"interval_ms", std::to_string(usec / 1000)}});
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
                  Flag("--model"),  Flag("--threads"), Flag("--log-level"),
                  Flag("--spamc-listen"), Flag("--spamc-socket")};
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
  if (flag("--spamc-listen").set) config.spamc.listen = flag("--spamc-listen").value;
  if (flag("--spamc-socket").set) config.spamc.socket = flag("--spamc-socket").value;
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

  NotifyStatus("loading rules");
  RunningRules running;
  auto rules = LoadRules(config, &errors, &running);
  if (!rules) {
    for (const auto& e : errors) std::cerr << e << "\n";
    Log(LogLevel::kError, "rules_invalid", {{"errors", std::to_string(errors.size())}});
    return 2;
  }
  std::string error;
  NotifyStatus("loading model");
  auto model = LoadModel(config, &error);
  if (!model) {
    std::cerr << error << "\n";
    return 2;
  }
  NotifyStatus("opening database");
  {
    // Migrations may rebuild indexes: minutes on a large database, longer
    // than TimeoutStartSec. Tell systemd, or it would kill the daemon
    // mid-migration (rolled back) and start it again, for ever.
    int on_disk = 0;
    const int current = storage::Store::CurrentSchemaVersion();
    if (!storage::Store::FileSchemaVersion(config.database, &on_disk) && on_disk > 0 &&
        on_disk < current) {
      const std::string status = "migrating the database schema from version " +
                                 std::to_string(on_disk) + " to " + std::to_string(current);
      sd_notify(0, ("EXTEND_TIMEOUT_USEC=3600000000\nSTATUS=" + status).c_str());
      Log(LogLevel::kInfo, "schema_migration",
          {{"database", config.database},
           {"from", std::to_string(on_disk)},
           {"to", std::to_string(current)}});
    }
  }
  storage::StoreOptions store_options;
  store_options.synchronous_full = config.writer.synchronous_full;
  // checkpoint_pages > 0: the writer's connection never checkpoints inside a
  // commit; DecisionWriter's own thread does it (decision_writer.h).
  store_options.auto_checkpoint = config.writer.checkpoint_pages == 0;
  auto store =
      storage::Store::Open(config.database, storage::Store::OpenMode::kReadWrite, store_options,
                           &error);
  if (!store) {
    std::cerr << error << "\n";
    return 1;
  }
  if (auto stored = LoadStoredRules(config, *store, &errors, &running)) {
    rules = stored;
  } else if (!errors.empty()) {
    for (const auto& e : errors) std::cerr << e << "\n";
    Log(LogLevel::kError, "rules_invalid", {{"errors", std::to_string(errors.size())}});
    return 2;
  }
  SetRunningRules(running);
  // The model: a configured file wins; else the active stored model
  // (POST /v1/admin/models/...); else the embedded one (daemon/jobs/model_jobs.h).
  RunningModel running_model{model->version(), config.model.empty() ? "embedded" : config.model,
                             0};
  if (auto stored = LoadStoredModel(config, *store, &running_model, &error)) {
    model = stored;
  } else if (!error.empty()) {
    std::cerr << error << "\n";
    Log(LogLevel::kError, "model_invalid", {{"error", error}});
    return 2;
  }
  SetRunningModel(running_model);
  // One velocity tracker for the life of the process; every Engine shares it.
  auto velocity = std::make_shared<Velocity>(
      static_cast<int64_t>(config.velocity.window_seconds) * 1000, config.velocity.max_keys);
  // The site registry (PUT /v1/admin/sites) overrides the rule file's
  // per-site policy; the admin API reloads it after each change.
  auto sites = std::make_shared<Sites>();
  if (sites->Load(*store)) {
    std::cerr << config.database << ": cannot read the site registry: "
              << store->LastErrorMessage() << "\n";
    return 1;
  }
  if (config.privacy.hash_ips && !LoadOrCreateIpHashKey(config.data_dir + "/ip-hash.key",
                                                        &config.privacy.ip_hash_key, &error)) {
    std::cerr << error << "\n";
    return 1;
  }
  std::unique_ptr<storage::Store> checkpoint_store;
  if (!store_options.auto_checkpoint) {
    checkpoint_store = storage::Store::Open(
        config.database, storage::Store::OpenMode::kReadWrite, store_options, &error);
    if (!checkpoint_store) {
      std::cerr << error << "\n";
      return 1;
    }
  }
  DecisionWriter writer(std::move(store), std::move(checkpoint_store), config.writer);
  ReaderPool readers(config.database);
  EngineHolder engines;
  engines.Swap(
      std::make_shared<const Engine>(rules, model, config.classifier, velocity, sites));
  Log(LogLevel::kInfo, "loaded",
      {{"rules", rules->version()},
       {"rule_count", std::to_string(rules->size())},
       {"rules_source", running.source},
       {"model", model->version()},
       {"model_source", running_model.source},
       {"database", config.database}});
  metrics::SetBuildInfo(rules->version(), model->version());

  Auth auth(readers);
  Services services{config, engines, writer, readers, auth};
  // Background model training (POST /v1/admin/models/train); stopped before
  // the writer, which stores its result.
  ModelJobs model_jobs(config, engines, writer);
  services.model_jobs = &model_jobs;
  std::function<bool(std::string*)> reload = [&config, &engines, &readers](std::string* error) {
    std::vector<std::string> errs;
    RunningRules next_running;
    std::shared_ptr<const rules::RuleSet> next_rules;
    if (config.rules.empty()) {  // no file: re-read the active stored version
      std::string lease_error;
      auto lease = readers.Acquire(&lease_error);
      if (!lease) errs.push_back(lease_error);
      else next_rules = LoadStoredRules(config, *lease.get(), &errs, &next_running);
    }
    if (!next_rules && errs.empty()) next_rules = LoadRules(config, &errs, &next_running);
    std::string err;
    RunningModel next_running_model;
    std::shared_ptr<const classifiers::Classifier> next_model;
    if (config.model.empty()) {  // no file: the active stored model, if any
      std::string lease_error;
      auto lease = readers.Acquire(&lease_error);
      if (!lease) err = lease_error;
      else next_model = LoadStoredModel(config, *lease.get(), &next_running_model, &err);
    }
    if (!next_model && err.empty()) next_model = LoadBaseModel(config, &next_running_model, &err);
    if (!next_rules || !next_model) {
      for (const auto& e : errs) Log(LogLevel::kError, "reload_failed", {{"error", e}});
      if (!err.empty()) Log(LogLevel::kError, "reload_failed", {{"error", err}});
      if (error != nullptr) *error = errs.empty() ? err : errs.front();
      metrics::ObserveReload(false);
      return false;  // keep serving the old engine
    }
    engines.Swap(std::make_shared<const Engine>(next_rules, next_model, config.classifier,
                                                engines.Current()->velocity_ptr(),
                                                engines.Current()->sites_ptr()));
    SetRunningRules(next_running);
    SetRunningModel(next_running_model);
    Log(LogLevel::kInfo, "reloaded",
        {{"rules", next_rules->version()},
         {"rules_source", next_running.source},
         {"model", next_model->version()},
         {"model_source", next_running_model.source}});
    metrics::ObserveReload(true);
    metrics::SetBuildInfo(next_rules->version(), next_model->version());
    return true;
  };
  Router router(services, ApiRoutes(config));
  Server server(config, router);
  // Declared after the server: destroyed (and joined) first, so a compile or
  // a backtest still running at exit posts its result to a live io_context.
  boost::asio::thread_pool background(1);
  services.background = &background;
  BacktestSlot backtests;
  services.backtests = &backtests;
  server.set_reload_hook([&reload, &engines, &background] {
    // Compiling rules and loading a model take a while: on the background
    // thread, so the I/O thread that caught SIGHUP keeps serving.
    boost::asio::post(background, [&reload, &engines] {
      // Type=notify: systemd shows "reloading" until READY=1 comes back.
      timespec now{};
      clock_gettime(CLOCK_MONOTONIC, &now);
      sd_notifyf(0, "RELOADING=1\nSTATUS=reloading rules and model\nMONOTONIC_USEC=%llu",
                 static_cast<unsigned long long>(now.tv_sec) * 1'000'000ull +
                     static_cast<unsigned long long>(now.tv_nsec) / 1000);
      reload(nullptr);  // a failure keeps the running engine
      sd_notify(0, ("READY=1\nSTATUS=" + ServingStatus(*engines.Current())).c_str());
    });
  });
  SetUpWatchdog(server, writer);
  if (!server.Start(&error)) {
    std::cerr << "moderated serve: " << error << "\n";
    return 1;
  }
  // The optional spamc/spamd listener; stopped before the writer.
  SpamcServer spamc(services);
  if (SpamcServer::Enabled(config) && !spamc.Start(&error)) {
    std::cerr << "moderated serve: " << error << "\n";
    return 1;
  }
  // Webhook deliveries from the outbox; stopped before the writer, which
  // records their outcomes.
  WebhookWorker webhooks(config.webhooks, readers, writer);
  if (!webhooks.Start(&error)) {
    std::cerr << "moderated serve: " << error << "\n";
    return 1;
  }
  // Retention purges on the writer thread: once now, then every interval.
  RetentionScheduler retention(config.retention, writer);
  // Rules, model and database are loaded, the listeners are up and SIGTERM
  // is handled (Start() installed the handlers): tell systemd.
  sd_notify(0, ("READY=1\nSTATUS=" + ServingStatus(*engines.Current())).c_str());
  server.Run();
  model_jobs.Stop();
  spamc.Stop();
  webhooks.Stop();
  retention.Stop();
  sd_notify(0, "STOPPING=1\nSTATUS=stopping: committing queued comments");
  writer.Stop();  // commits everything still queued
  Log(LogLevel::kInfo, "stopped", {{"committed", std::to_string(writer.committed_comments())}});
  return 0;
}

int RunRulesCommand(int argc, char** argv) {
  if (argc < 2 || std::string_view(argv[1]) == "--help" || std::string_view(argv[1]) == "-h") {
    std::cout << kRulesHelp;
    return argc < 2 ? 2 : 0;
  }
  if (std::string_view(argv[1]) == "backtest") return RunRulesBacktestCommand(argc - 1, argv + 1);
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
    if (!base::ReadFile(argv[i], &text, &error)) {
      std::cerr << error << "\n";
      ++failed;
      continue;
    }
    std::vector<std::string> errors;
    auto rules = CompileRules(text, argv[i], base::DirOf(argv[i]), &errors);
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

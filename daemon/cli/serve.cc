// `moderated serve`: the composition root. It reads the configuration, loads
// the rules and the model, opens the database, builds every long-lived
// object of the daemon once (Services: writer, readers, engine, auth, jobs),
// serves until SIGTERM and then stops them in order (docs/architecture.md,
// "Threads").
#include <systemd/sd-daemon.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <filesystem>
#include <functional>
#include <iostream>
#include <memory>

#include "base/files.h"
#include "base/flags.h"
#include "base/time.h"
#include "classifiers/classifier.h"
#include "daemon/api/review/bulk.h"
#include "daemon/api/routes.h"
#include "daemon/cli/commands.h"
#include "daemon/compat/spamc_server.h"
#include "daemon/core/config.h"
#include "daemon/core/embedded.h"
#include "daemon/core/log.h"
#include "daemon/core/metrics.h"
#include "daemon/core/privacy.h"
#include "daemon/core/services.h"
#include "daemon/core/sources.h"
#include "daemon/db/cluster_watcher.h"
#include "daemon/db/decision_writer.h"
#include "daemon/db/reader_pool.h"
#include "daemon/engine/engine.h"
#include "daemon/engine/sites.h"
#include "daemon/engine/velocity.h"
#include "daemon/http/auth.h"
#include "daemon/http/router.h"
#include "daemon/http/server.h"
#include "daemon/jobs/backtest.h"
#include "daemon/jobs/model_jobs.h"
#include "daemon/jobs/retention.h"
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
  --database URL     SQLite file or PostgreSQL URL (default <data-dir>/moderated.db)
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

// Exit codes: 0 success, 1 runtime failure, 2 usage or configuration error.
constexpr int kContinue = -1;

int PrintErrors(const std::vector<std::string>& errors, int code) {
  for (const auto& e : errors) std::cerr << e << "\n";
  return code;
}

// ---- configuration --------------------------------------------------------------

// A flag of `moderated serve` and the Config field it sets.
struct ServeFlag {
  ServeFlag(const char* n, std::function<void(Config&, const std::string&)> a)
      : name(n), apply(std::move(a)) {}
  const char* name;
  std::function<void(Config&, const std::string&)> apply;
  std::string value;
  bool given = false;
};

std::vector<ServeFlag> ServeFlags() {
  return {
      {"--listen", [](Config& c, const std::string& v) { c.listen = v; }},
      {"--socket",
       [](Config& c, const std::string& v) {
         c.socket = v;
         c.socket_set = true;
       }},
      {"--data-dir", [](Config& c, const std::string& v) { c.data_dir = v; }},
      {"--database", [](Config& c, const std::string& v) { c.database = v; }},
      {"--rules", [](Config& c, const std::string& v) { c.rules = v; }},
      {"--model", [](Config& c, const std::string& v) { c.model = v; }},
      {"--log-level", [](Config& c, const std::string& v) { c.log_level = v; }},
      {"--spamc-listen", [](Config& c, const std::string& v) { c.spamc.listen = v; }},
      {"--spamc-socket", [](Config& c, const std::string& v) { c.spamc.socket = v; }},
  };
}

const ServeFlag* FindDatabaseFlag(const std::vector<ServeFlag>& flags) {
  for (const ServeFlag& f : flags) {
    if (f.given && f.name == std::string("--database")) return &f;
  }
  return nullptr;
}

// postgresql://user:password@host/... or ...?password=...
bool HasPassword(const std::string& url) {
  if (storage::ParseDatabaseUrl(url, nullptr) != storage::Backend::kPostgres) return false;
  if (url.find("password=") != std::string::npos) return true;
  const size_t authority = url.find("://") + 3;
  const size_t at = url.find('@', authority);
  const size_t end = url.find_first_of("/?", authority);
  if (at == std::string::npos || (end != std::string::npos && end < at)) return false;
  return url.substr(authority, at - authority).find(':') != std::string::npos;
}

// Flags, then the config file, the environment and the flags' values over
// them; then the log level and the data directory. kContinue, or the exit
// code to return.
int Configure(int argc, char** argv, Config* config) {
  std::vector<ServeFlag> flags = ServeFlags();
  std::string config_path, threads;
  bool threads_given = false;
  base::FlagParser parser("moderated serve");
  parser.Value("--config", &config_path).Value("--threads", &threads, &threads_given);
  for (ServeFlag& f : flags) parser.Value(f.name, &f.value, &f.given);
  if (int rc = parser.ParseForCommand(argc, argv, 1, kServeHelp); rc >= 0) return rc;
  std::vector<std::string> errors;
  if (!config_path.empty() && !LoadConfigFile(config_path, config, &errors)) {
    return PrintErrors(errors, 2);
  }
  if (!ApplyEnvironment(config, &errors)) return PrintErrors(errors, 2);
  for (const ServeFlag& f : flags) {
    if (f.given) f.apply(*config, f.value);
  }
  if (const ServeFlag* db = FindDatabaseFlag(flags); db != nullptr && HasPassword(db->value)) {
    // Anyone on the machine can read a command line (ps, /proc).
    std::cerr << "moderated serve: --database: put the password in a password file "
                 "(postgres.password_file or PGPASSFILE), not on the command line\n";
    return 2;
  }
  if (threads_given && !LoadConfigText("threads: " + threads, "--threads", config, &errors)) {
    std::cerr << "moderated serve: --threads: expected a non-negative integer\n";
    return 2;
  }
  config->Resolve();
  LogLevel level;
  if (!ParseLogLevel(config->log_level, &level)) {
    std::cerr << "moderated serve: log level must be debug, info, warn or error, not '"
              << config->log_level << "'\n";
    return 2;
  }
  SetLogLevel(level);
  std::error_code fec;
  std::filesystem::create_directories(config->data_dir, fec);
  if (fec) {
    std::cerr << config->data_dir << ": cannot create data directory: " << fec.message() << "\n";
    return 1;
  }
  return kContinue;
}

// ---- rules and model --------------------------------------------------------------

// What an engine is built from, and where each part came from.
struct EngineParts {
  std::shared_ptr<const rules::RuleSet> rules;
  RunningRules running_rules;
  std::shared_ptr<const classifiers::Judge> judge;  // base model and site models
};

void LogWarnings(const std::vector<std::string>& warnings) {
  for (const std::string& w : warnings) Log(LogLevel::kWarn, "site_model_invalid", {{"error", w}});
}

// The stored rules and model where no file is configured, else the files or
// the embedded defaults (as at start-up). On failure returns false and fills
// *errors.
bool LoadEngineParts(const Config& config, storage::Store& store, EngineParts* parts,
                     std::vector<std::string>* errors) {
  parts->rules = LoadStoredRules(config, store, errors, &parts->running_rules);
  if (!parts->rules && errors->empty()) {
    parts->rules = LoadConfiguredRules(config, errors, &parts->running_rules);
  }
  std::string error;
  std::vector<std::string> warnings;
  parts->judge = LoadJudge(config, &store, &warnings, &error);
  LogWarnings(warnings);
  if (!parts->judge) errors->push_back(error);
  return parts->rules && parts->judge;
}

// SIGHUP: the rules and model from their sources, swapped in one step. A
// failure keeps the running engine.
bool Reload(const Config& config, EngineHolder& engines, ReaderPool& readers) {
  std::vector<std::string> errors;
  EngineParts next;
  std::string lease_error;
  auto lease = readers.Acquire(&lease_error);
  if (!lease) errors.push_back(lease_error);
  if (!lease || !LoadEngineParts(config, *lease.get(), &next, &errors)) {
    for (const auto& e : errors) Log(LogLevel::kError, "reload_failed", {{"error", e}});
    metrics::ObserveReload(false);
    return false;
  }
  engines.Update([&](const Engine& current) {
    return std::make_shared<const Engine>(next.rules, next.judge, config.classifier,
                                          current.velocity_ptr(), current.sites_ptr(),
                                          next.running_rules);
  });
  Log(LogLevel::kInfo, "reloaded",
      {{"rules", next.rules->version()},
       {"rules_source", next.running_rules.source},
       {"model", next.judge->base().version},
       {"model_source", next.judge->base().source},
       {"site_models", std::to_string(next.judge->site_models().size())}});
  metrics::ObserveReload(true);
  metrics::SetBuildInfo(next.rules->version(), next.judge->base().version);
  return true;
}

// ---- the database --------------------------------------------------------------

// Migrations may rebuild indexes: minutes on a large database, longer than
// TimeoutStartSec. Tell systemd, or it would kill the daemon mid-migration
// (rolled back) and start it again, for ever.
void AnnounceMigration(const Config& config) {
  int on_disk = 0;
  const int current = storage::Store::CurrentSchemaVersion();
  if (storage::Store::FileSchemaVersion(config.database, &on_disk) || on_disk <= 0 ||
      on_disk >= current) {
    return;
  }
  const std::string status = "migrating the database schema from version " +
                             std::to_string(on_disk) + " to " + std::to_string(current);
  sd_notify(0, ("EXTEND_TIMEOUT_USEC=3600000000\nSTATUS=" + status).c_str());
  Log(LogLevel::kInfo, "schema_migration",
      {{"database", storage::RedactDatabaseUrl(config.database)},
       {"from", std::to_string(on_disk)},
       {"to", std::to_string(current)}});
}

// The writer's read-write store and, when checkpoints run off the commit
// path, the checkpoint thread's. False with *error on failure.
bool OpenStores(const Config& config, std::unique_ptr<storage::Store>* store,
                std::unique_ptr<storage::Store>* checkpoint_store, std::string* error) {
  storage::StoreOptions options;
  options.synchronous_full = config.writer.synchronous_full;
  // checkpoint_pages > 0: the writer's connection never checkpoints inside a
  // commit; DecisionWriter's own thread does it (daemon/db/decision_writer.h).
  options.auto_checkpoint = config.writer.checkpoint_pages == 0;
  options.statement_timeout_ms = static_cast<int>(config.postgres.statement_timeout_ms);
  const auto mode = storage::Store::OpenMode::kReadWrite;
  *store = storage::Store::Open(config.database, mode, options, error);
  if (*store == nullptr) return false;
  if (!options.auto_checkpoint) {
    *checkpoint_store = storage::Store::Open(config.database, mode, options, error);
    if (*checkpoint_store == nullptr) return false;
  }
  return true;
}

// ---- systemd --------------------------------------------------------------------

// systemd's STATUS= line while serving (`systemctl status moderated`).
std::string ServingStatus(const Engine& engine) {
  return "serving: " + std::to_string(engine.rules().size()) + " rules, model " +
         engine.running_model().version;
}

void NotifyStatus(const std::string& status) { sd_notify(0, ("STATUS=" + status).c_str()); }

void NotifyReloading() {
  // Type=notify: systemd shows "reloading" until READY=1 comes back.
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  sd_notifyf(0, "RELOADING=1\nSTATUS=reloading rules and model\nMONOTONIC_USEC=%llu",
             static_cast<unsigned long long>(now.tv_sec) * 1'000'000ull +
                 static_cast<unsigned long long>(now.tv_nsec) / 1000);
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
  server.add_periodic(period, [&writer, probe_done, was_ok] {
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

// ---- serving --------------------------------------------------------------------

// Everything loaded before serving starts.
struct Loaded {
  EngineParts parts;
  std::shared_ptr<Sites> sites;
  std::unique_ptr<storage::Store> store, checkpoint_store;
};

// The configured rules and model: files or the embedded defaults. A broken
// file is a configuration error even when the database holds others.
// kContinue or the exit code to return.
int LoadConfigured(const Config& config, EngineParts* parts) {
  std::vector<std::string> errors;
  std::string error;
  NotifyStatus("loading rules");
  parts->rules = LoadConfiguredRules(config, &errors, &parts->running_rules);
  if (!parts->rules) {
    Log(LogLevel::kError, "rules_invalid", {{"errors", std::to_string(errors.size())}});
    return PrintErrors(errors, 2);
  }
  NotifyStatus("loading model");
  std::vector<std::string> warnings;
  parts->judge = LoadJudge(config, nullptr, &warnings, &error);
  if (!parts->judge) return PrintErrors({error}, 2);
  return kContinue;
}

// The active stored rules and model replace the defaults where no file is
// configured (LoadEngineParts' order). kContinue or the exit code to return.
int LoadStored(const Config& config, storage::Store& store, EngineParts* parts) {
  std::vector<std::string> errors;
  std::string error;
  if (auto stored = LoadStoredRules(config, store, &errors, &parts->running_rules)) {
    parts->rules = stored;
  } else if (!errors.empty()) {
    Log(LogLevel::kError, "rules_invalid", {{"errors", std::to_string(errors.size())}});
    return PrintErrors(errors, 2);
  }
  std::vector<std::string> warnings;
  if (auto judge = LoadJudge(config, &store, &warnings, &error)) {
    parts->judge = judge;
    LogWarnings(warnings);
  } else {
    Log(LogLevel::kError, "model_invalid", {{"error", error}});
    return PrintErrors({error}, 2);
  }
  return kContinue;
}

// Rules, model, the database, the site registry and the IP hash key, in
// that order; kContinue or the exit code to return.
// Another daemon on the same PostgreSQL changed shared state: apply it here
// as its API call did there: the active stored rules version (as PUT
// /v1/admin/rules swaps it in, whatever the rule file), the stored models,
// the site registry and the token cache. A failure keeps what runs.
void ApplyClusterChange(const Config& config, EngineHolder& engines, ReaderPool& readers,
                        Sites& sites, Auth& auth) {
  std::string error;
  auto lease = readers.Acquire(&error);
  if (!lease) {
    Log(LogLevel::kError, "cluster_reload_failed", {{"error", error}});
    return;
  }
  storage::RulesVersion v;
  if (!lease->ActiveRulesVersion(&v) && v.id != engines.Current()->running_rules().version_id) {
    std::vector<std::string> errors;
    auto rules =
        CompileRules(v.text, "rules version " + std::to_string(v.id), config.data_dir, &errors);
    if (rules) {
      const RunningRules running{v.text, v.id, "database:" + std::to_string(v.id)};
      engines.Update([&](const Engine& engine) { return engine.WithRules(rules, running); });
      Log(LogLevel::kInfo, "rules_updated", {{"rules", rules->version()}, {"by", "cluster"}});
    }
    for (const auto& e : errors) Log(LogLevel::kError, "cluster_reload_failed", {{"error", e}});
  }
  std::vector<std::string> warnings;
  if (auto judge = LoadJudge(config, lease.get(), &warnings, &error)) {
    engines.Update([&](const Engine& engine) { return engine.WithJudge(judge); });
  } else {
    Log(LogLevel::kError, "cluster_reload_failed", {{"error", error}});
  }
  if (sites.Load(*lease.get())) {
    Log(LogLevel::kError, "cluster_reload_failed", {{"error", lease->LastErrorMessage()}});
  }
  auth.ForgetAll();
  metrics::ObserveReload(true);
}

int Load(Config* config, Loaded* out) {
  if (int rc = LoadConfigured(*config, &out->parts); rc != kContinue) return rc;
  std::string error;
  NotifyStatus("opening database");
  AnnounceMigration(*config);
  if (!OpenStores(*config, &out->store, &out->checkpoint_store, &error)) {
    return PrintErrors({error}, 1);
  }
  if (int rc = LoadStored(*config, *out->store, &out->parts); rc != kContinue) return rc;
  // The site registry (PUT /v1/admin/sites) overrides the rule file's
  // per-site policy; the admin API reloads it after each change.
  out->sites = std::make_shared<Sites>();
  if (out->sites->Load(*out->store)) {
    return PrintErrors(
        {config->database + ": cannot read the site registry: " + out->store->LastErrorMessage()},
        1);
  }
  if (config->privacy.hash_ips && !LoadOrCreateIpHashKey(config->data_dir + "/ip-hash.key",
                                                         &config->privacy.ip_hash_key, &error)) {
    return PrintErrors({error}, 1);
  }
  return kContinue;
}

std::shared_ptr<const Engine> FirstEngine(const Config& config, const Loaded& loaded) {
  const EngineParts& p = loaded.parts;
  // One velocity tracker for the life of the process; every Engine shares it.
  auto velocity = std::make_shared<Velocity>(
      static_cast<int64_t>(config.velocity.window_seconds) * 1000, config.velocity.max_keys);
  // Several daemons on one PostgreSQL count together (the velocity table);
  // one connection per I/O thread at most, opened when first needed.
  if (storage::ParseDatabaseUrl(config.database, nullptr) == storage::Backend::kPostgres) {
    const size_t threads = config.threads ? config.threads : std::thread::hardware_concurrency();
    auto cluster = std::make_shared<ClusterVelocity>(config.database, std::max<size_t>(threads, 1));
    velocity->SetShared([cluster](const std::array<std::string, 3>& keys, int64_t now_ms,
                                  int64_t window_ms, bool record, std::array<int64_t, 3>* counts) {
      const bool ok = cluster->Observe(keys, now_ms, window_ms, record, counts);
      if (!ok) metrics::Metrics().velocity_shared_failures.With().Inc();
      return ok;
    });
  }
  Log(LogLevel::kInfo, "loaded",
      {{"rules", p.rules->version()},
       {"rule_count", std::to_string(p.rules->size())},
       {"rules_source", p.running_rules.source},
       {"model", p.judge->base().version},
       {"model_source", p.judge->base().source},
       {"site_models", std::to_string(p.judge->site_models().size())},
       {"database", storage::RedactDatabaseUrl(config.database)}});
  metrics::SetBuildInfo(p.rules->version(), p.judge->base().version);
  return std::make_shared<const Engine>(p.rules, p.judge, config.classifier, std::move(velocity),
                                        loaded.sites, p.running_rules);
}

// The listeners and background workers around a running Server; each one
// stops before the writer, which records their outcomes.
int Serve(const Config& config, Services& services, Server& server) {
  std::string error;
  if (!server.Start(&error)) {
    std::cerr << "moderated serve: " << error << "\n";
    return 1;
  }
  // The optional spamc/spamd listener.
  SpamcServer spamc(services);
  if (SpamcServer::Enabled(config) && !spamc.Start(&error)) {
    std::cerr << "moderated serve: " << error << "\n";
    return 1;
  }
  // Webhook deliveries from the outbox.
  WebhookWorker webhooks(config.webhooks, services.readers, services.writer);
  if (!webhooks.Start(&error)) {
    std::cerr << "moderated serve: " << error << "\n";
    return 1;
  }
  // Retention purges on the writer thread: once now, then every interval.
  RetentionScheduler retention(config.retention, services.writer);
  // Bulk actions whose run was cut off (a stop or crash mid-run) are closed
  // as failed, here or on any daemon of a cluster (api/review/bulk.h).
  server.add_periodic(api::kBulkSweepPeriod, [&writer = services.writer] {
    writer.Post([](storage::Store& store) { api::FailStalledBulkActions(store, base::NowMs()); });
  });
  // Rules, model and database are loaded, the listeners are up and SIGTERM
  // is handled (Start() installed the handlers): tell systemd.
  sd_notify(0, ("READY=1\nSTATUS=" + ServingStatus(*services.engines.Current())).c_str());
  server.Run();
  if (services.model_jobs != nullptr) services.model_jobs->Stop();
  spamc.Stop();
  webhooks.Stop();
  retention.Stop();
  return 0;
}

}  // namespace

int RunServeCommand(int argc, char** argv) {
  Config config;
  if (int rc = Configure(argc, argv, &config); rc != kContinue) return rc;
  Loaded loaded;
  if (int rc = Load(&config, &loaded); rc != kContinue) return rc;
  DecisionWriter writer(std::move(loaded.store), std::move(loaded.checkpoint_store), config.writer);
  ReaderPool readers(config.database);
  EngineHolder engines;
  engines.Swap(FirstEngine(config, loaded));
  Auth auth(readers, &writer);
  Services services{config, engines, writer, readers, auth};
  // Background model training (POST /v1/admin/models/train).
  ModelJobs model_jobs(config, engines, writer);
  services.model_jobs = &model_jobs;
  Router router(services, ApiRoutes(config));
  Server server(config, router);
  // Declared after the server: destroyed (and joined) first, so a compile or
  // a backtest still running at exit posts its result to a live io_context.
  boost::asio::thread_pool background(1);
  services.background = &background;
  BacktestSlot backtests;
  services.backtests = &backtests;
  server.set_reload_hook([&config, &engines, &readers, &background] {
    // Compiling rules and loading a model take a while: on the background
    // thread, so the I/O thread that caught SIGHUP keeps serving.
    boost::asio::post(background, [&config, &engines, &readers] {
      NotifyReloading();
      Reload(config, engines, readers);  // a failure keeps the running engine
      sd_notify(0, ("READY=1\nSTATUS=" + ServingStatus(*engines.Current())).c_str());
    });
  });
  SetUpWatchdog(server, writer);
  // Several daemons on one PostgreSQL: changes made through the others
  // (rules, models, sites, thresholds, tokens) are reloaded within a second.
  std::unique_ptr<ClusterWatcher> watcher;
  if (storage::ParseDatabaseUrl(config.database, nullptr) == storage::Backend::kPostgres) {
    std::shared_ptr<Sites> sites = loaded.sites;
    watcher = std::make_unique<ClusterWatcher>(
        config.database,
        [&config, &engines, &readers, &auth, &background, sites] {
          boost::asio::post(background, [&config, &engines, &readers, &auth, sites] {
            ApplyClusterChange(config, engines, readers, *sites, auth);
          });
        },
        static_cast<int>(config.postgres.recheck_ms));
    std::string error;
    if (!watcher->Start(&error)) {
      std::cerr << "moderated serve: " << error << "\n";
      return 1;
    }
  }
  if (int rc = Serve(config, services, server); rc != 0) return rc;
  if (watcher != nullptr) watcher->Stop();
  sd_notify(0, "STOPPING=1\nSTATUS=stopping: committing queued comments");
  writer.Stop();  // commits everything still queued
  Log(LogLevel::kInfo, "stopped", {{"committed", std::to_string(writer.committed_comments())}});
  return 0;
}

}  // namespace moderated

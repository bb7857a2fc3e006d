// `moderated rules check FILE...` and `moderated rules backtest`: rule files
// checked and tried on stored comments without a running daemon.
#include <cstdio>
#include <iostream>

#include "base/files.h"
#include "base/flags.h"
#include "base/progress.h"
#include "base/strings.h"
#include "daemon/cli/commands.h"
#include "daemon/core/config.h"
#include "daemon/core/sources.h"
#include "daemon/engine/engine.h"
#include "daemon/http/wire.h"
#include "daemon/jobs/backtest.h"

namespace moderated {
namespace {

constexpr const char* kRulesHelp = R"(Usage: moderated rules check FILE...
       moderated rules backtest --rules PROPOSED.yaml [OPTIONS] (see backtest --help)

check: compiles each rule file and prints every error as FILE:LINE:COL:
message. Exits 0 if all files are valid, 1 otherwise.
backtest: re-scores stored comments with proposed rules and reports how
verdicts would change.
)";

constexpr const char* kBacktestHelp =
    R"(Usage: moderated rules backtest --rules PROPOSED.yaml [OPTIONS]

Re-scores stored comments with the proposed rules and reports how verdicts
would change (docs/rules.md, "Live administration, backtests and velocity").
The classifier probabilities and languages stored with each comment are
re-used; rules, features, velocity and the decision run again.

Options:
  --rules FILE      the proposed rule file (required)
  --config FILE     daemon config (classifier weights, velocity, paths)
  --data-dir DIR    data directory (default ./var)
  --database FILE   SQLite database (default <data-dir>/moderated.db)
  --from ID         first comment id (default 1)
  --to ID           last comment id (default: the last)
  --limit N         compare at most N comments (default 1000000)
  --examples N      changed comments to list (default 20)
  --threads N       worker threads (default 2)
  --json            print the report as JSON (as POST /v1/admin/rules/backtest)
  --help            this text

A progress bar is drawn on standard error when it is a terminal.
)";

// Compiles `path`; false (having printed why) if it does not.
std::shared_ptr<const rules::RuleSet> CompileFile(const std::string& path,
                                                  std::ostream& diagnostics) {
  std::string text, error;
  if (!base::ReadFile(path, &text, &error)) {
    std::cerr << error << "\n";
    return nullptr;
  }
  std::vector<std::string> errors;
  auto rules = CompileRules(text, path, base::DirOf(path), &errors);
  for (const auto& e : errors) diagnostics << e << "\n";
  return rules;
}

int RunCheck(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << kRulesHelp;
    return 2;
  }
  int failed = 0;
  for (int i = 2; i < argc; ++i) {
    auto rules = CompileFile(argv[i], std::cout);
    if (!rules) {
      ++failed;
      continue;
    }
    std::cout << argv[i] << ": ok, " << rules->size() << " rules, version " << rules->version()
              << "\n";
  }
  return failed ? 1 : 0;
}

// ---- backtest ----------------------------------------------------------------------

struct BacktestFlags {
  std::string rules_path, config_path, data_dir, database;
  bool data_dir_given = false, database_given = false, as_json = false;
  BacktestOptions options;
};

// A non-negative integer flag, stored through `store`.
base::FlagParser::Setter NonNegative(std::function<void(int64_t)> store) {
  return [store](const std::string& value, std::string* error) {
    int64_t n = 0;
    if (!base::ParseInt64(value, &n) || n < 0) {
      *error = "expected a non-negative integer, got '" + value + "'";
      return false;
    }
    store(n);
    return true;
  };
}

// kContinue (-1) or the exit code to return.
int ParseBacktestFlags(int argc, char** argv, BacktestFlags* f) {
  BacktestOptions& o = f->options;
  base::FlagParser parser("moderated rules backtest");
  parser.Value("--rules", &f->rules_path)
      .Value("--config", &f->config_path)
      .Value("--data-dir", &f->data_dir, &f->data_dir_given)
      .Value("--database", &f->database, &f->database_given)
      .Switch("--json", &f->as_json)
      .Custom("--from", NonNegative([&o](int64_t n) { o.from_id = n; }))
      .Custom("--to", NonNegative([&o](int64_t n) { o.to_id = n; }))
      .Custom("--limit", NonNegative([&o](int64_t n) { o.limit = n; }))
      .Custom("--examples", NonNegative([&o](int64_t n) {
                o.examples = static_cast<int>(std::min<int64_t>(n, 10'000));
              }))
      .Custom("--threads", NonNegative([&o](int64_t n) {
                o.threads = static_cast<int>(std::clamp<int64_t>(n, 1, 64));
              }));
  if (int rc = parser.ParseForCommand(argc, argv, 1, kBacktestHelp); rc >= 0) return rc;
  if (f->rules_path.empty()) {
    std::cerr << "moderated rules backtest: --rules FILE is required (see --help)\n";
    return 2;
  }
  return -1;
}

void PrintReport(const BacktestReport& report) {
  std::cout << "compared " << report.compared << " comments in " << report.elapsed_ms
            << " ms: " << report.changed << " verdicts change\n";
  if (!report.transitions.empty()) {
    std::cout << "transitions:\n";
    for (const auto& [k, n] : report.transitions) {
      std::printf("  %-16s %lld\n", k.c_str(), static_cast<long long>(n));
    }
  }
  std::cout << std::flush;
  if (!report.hits.empty()) {
    std::cout << "rule hits (before -> after):\n";
    for (const auto& [k, h] : report.hits) {
      if (h.before == h.after) continue;
      std::cout << "  " << k << ": " << h.before << " -> " << h.after << "\n";
    }
    std::cout << "  (unchanged rules not listed)\n";
  }
  if (report.examples.empty()) return;
  std::cout << "examples:\n";
  for (const auto& e : report.examples) {
    std::string rules;
    for (const auto& r : e.rules) rules += (rules.empty() ? "" : ",") + r;
    std::cout << "  #" << e.id << " " << e.before << "->" << e.after << " [" << rules << "] "
              << base::Utf8Prefix(e.excerpt, 80) << "\n";
  }
}

int RunBacktestCommand(int argc, char** argv) {
  BacktestFlags f;
  if (int rc = ParseBacktestFlags(argc, argv, &f); rc >= 0) return rc;
  Config config;
  std::vector<std::string> errors;
  if (!f.config_path.empty() && !LoadConfigFile(f.config_path, &config, &errors)) {
    for (const auto& e : errors) std::cerr << e << "\n";
    return 2;
  }
  if (f.data_dir_given) config.data_dir = f.data_dir;
  if (f.database_given) config.database = f.database;
  config.socket_set = true;  // not used here
  config.Resolve();
  f.options.velocity = config.velocity;
  auto ruleset = CompileFile(f.rules_path, std::cerr);
  if (!ruleset) return 1;
  // The models are not run (stored probabilities are re-used), but their
  // calibration turns those into points: load what the daemon would run.
  std::string error;
  std::unique_ptr<storage::Store> store =
      storage::Store::Open(config.database, storage::Store::OpenMode::kReadOnly, &error);
  std::vector<std::string> warnings;
  auto judge = LoadJudge(config, store.get(), &warnings, &error);
  store.reset();
  if (!judge) {
    std::cerr << error << "\n";
    return 1;
  }
  for (const std::string& w : warnings) std::cerr << w << "\n";
  Engine proposal(ruleset, judge, config.classifier);
  base::Progress progress(stderr);
  if (progress.enabled()) {
    f.options.progress = [&progress](int64_t done, int64_t total) {
      progress.Bar("backtest", done, total);
    };
  }
  BacktestReport report;
  const bool ok = RunBacktest(config.database, proposal, f.options, &report, &error);
  progress.EndBar();
  if (!ok) {
    std::cerr << error << "\n";
    return 1;
  }
  if (f.as_json) {
    std::cout << ToJson(BacktestJson(report)) << "\n";
    return 0;
  }
  PrintReport(report);
  return 0;
}

}  // namespace

int RunRulesCommand(int argc, char** argv) {
  if (argc < 2 || std::string_view(argv[1]) == "--help" || std::string_view(argv[1]) == "-h") {
    std::cout << kRulesHelp;
    return argc < 2 ? 2 : 0;
  }
  if (std::string_view(argv[1]) == "backtest") return RunBacktestCommand(argc - 1, argv + 1);
  if (std::string_view(argv[1]) != "check") {
    std::cerr << "moderated rules: unknown subcommand '" << argv[1] << "' (see --help)\n";
    return 2;
  }
  return RunCheck(argc, argv);
}

}  // namespace moderated

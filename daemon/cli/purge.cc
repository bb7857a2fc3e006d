// `moderated purge` and `moderated forget-author`: retention and erasure on
// the database file (see daemon/jobs/retention.h for the policy).
#include <boost/json.hpp>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "base/flags.h"
#include "base/time.h"
#include "daemon/cli/commands.h"
#include "daemon/core/config.h"
#include "daemon/jobs/retention.h"
#include "storage/store.h"

namespace moderated {
namespace {

constexpr const char* kPurgeHelp =
    R"(Usage: moderated purge [--days N] [--site NAME] [--dry-run] [OPTIONS]

Deletes decided (approved or rejected) comments older than the retention
period, with their reasons, labels, decisions and claims. Pending comments
are never deleted. Without --days the configured policy applies: a site's
own retention_days, else retention.days from --config (0 = keep forever).
--days N applies N days to every site (or to --site NAME), overriding both.

Options:
  --days N           keep decided comments N days (N > 0)
  --site NAME        only this site
  --dry-run          print what would be deleted, delete nothing
  --config FILE      YAML config file (for retention.* and data_dir)
  --data-dir DIR     database directory (default ./var)
  --database FILE    database file (default <data-dir>/moderated.db)
)";

constexpr const char* kForgetHelp = R"(Usage: moderated forget-author EMAIL [OPTIONS]

Deletes every comment whose author e-mail is EMAIL (ASCII case-insensitive),
with everything attached to it, and the webhook events that mention them;
replaces EMAIL by "[forgotten]" in audit entries; appends an "author.forget"
audit entry with the counts and the SHA-256 of the e-mail (not the e-mail).
Prints {"deleted":N,"outbox":M,"audit_redacted":K}.

Options:
  --config FILE      YAML config file (for data_dir)
  --data-dir DIR     database directory (default ./var)
  --database FILE    database file (default <data-dir>/moderated.db)
)";

struct CommonArgs {
  Config config;
  std::vector<std::string> positional;
};

// Adds the options shared by both commands to `parser` (which holds a
// command's own), parses argv and loads the config. Returns an exit code
// >= 0 to stop with, or -1 to go on.
int ParseArgs(int argc, char** argv, base::FlagParser& parser, const char* help, CommonArgs* out) {
  std::string config_path, data_dir, database;
  bool data_dir_set = false, database_set = false;
  parser.Value("--config", &config_path)
      .Value("--data-dir", &data_dir, &data_dir_set)
      .Value("--database", &database, &database_set)
      .Positional(&out->positional);
  if (int rc = parser.ParseForCommand(argc, argv, 1, help); rc >= 0) return rc;
  std::vector<std::string> errors;
  if (!config_path.empty() && !LoadConfigFile(config_path, &out->config, &errors)) {
    for (const auto& e : errors) std::cerr << e << "\n";
    return 2;
  }
  if (data_dir_set) out->config.data_dir = data_dir;
  if (database_set) out->config.database = database;
  out->config.socket_set = true;  // no socket here; keeps Resolve() from reading the env
  out->config.Resolve();
  return -1;
}

std::unique_ptr<storage::Store> OpenStore(const Config& config) {
  std::string error;
  auto store = storage::Store::Open(config.database, storage::Store::OpenMode::kReadWrite, &error);
  if (!store) std::cerr << error << "\n";
  return store;
}

// The scopes to purge: `days` for `site` (or every site) when given, else
// the configured policy, narrowed to the scope that governs `site`. False
// (having printed why) if the policy cannot be read.
bool Plan(storage::Store& store, const Config& config, const std::string& site, int64_t days,
          int64_t now, std::vector<PurgeScope>* plan) {
  if (days > 0) {
    plan->push_back({{site, false, CutoffMs(now, days)}, days});
    return true;
  }
  std::map<std::string, int64_t> site_days;
  if (store.SiteRetentionDays(&site_days)) {
    std::cerr << "moderated purge: " << store.LastErrorMessage() << "\n";
    return false;
  }
  *plan = RetentionPlan(site_days, config.retention.days, now);
  if (site.empty()) return true;
  // Only the scope that governs this site, narrowed to it.
  std::vector<PurgeScope> one;
  for (PurgeScope& s : *plan) {
    if (s.filter.site == site || (s.filter.site.empty() && !site_days.count(site))) {
      s.filter.site = site;
      s.filter.skip_sites_with_retention = false;
      one.push_back(s);
      break;
    }
  }
  *plan = std::move(one);
  return true;
}

std::string ScopeName(const storage::PurgeFilter& f) {
  if (!f.site.empty()) return "site " + f.site;
  return f.skip_sites_with_retention ? "sites without their own retention" : "all sites";
}

// Counts (dry run) or deletes, chunk by chunk, the comments of one scope.
bool PurgeScopeRows(storage::Store& store, const storage::PurgeFilter& f, uint32_t chunk_rows,
                    bool dry_run, int64_t* count) {
  if (dry_run) return !store.CountPurgeable(f, count);
  for (;;) {
    int64_t n = 0;
    if (store.PurgeDecided(f, chunk_rows, &n)) return false;
    *count += n;
    if (n < static_cast<int64_t>(chunk_rows)) return true;
  }
}

}  // namespace

int RunPurgeCommand(int argc, char** argv) {
  std::string site;
  int64_t days = 0;
  bool dry_run = false;
  base::FlagParser parser("moderated purge");
  parser.Value("--site", &site).Switch("--dry-run", &dry_run).Int("--days", 1, 36'500, &days);
  CommonArgs args;
  if (int rc = ParseArgs(argc, argv, parser, kPurgeHelp, &args); rc >= 0) return rc;
  if (!args.positional.empty()) {
    std::cerr << "moderated purge: unexpected argument '" << args.positional[0] << "'\n";
    return 2;
  }
  auto store = OpenStore(args.config);
  if (!store) return 1;
  const int64_t now = base::NowMs();
  std::vector<PurgeScope> plan;
  if (!Plan(*store, args.config, site, days, now, &plan)) return 1;
  if (plan.empty()) {
    std::cout << "nothing to purge: no retention period is configured"
              << (site.empty() ? "" : " for site " + site) << "\n";
    return 0;
  }
  std::vector<int64_t> counts(plan.size(), 0);
  int64_t total = 0;
  for (size_t i = 0; i < plan.size(); ++i) {
    if (!PurgeScopeRows(*store, plan[i].filter, args.config.retention.chunk_rows, dry_run,
                        &counts[i])) {
      std::cerr << "moderated purge: " << store->LastErrorMessage() << "\n";
      return 1;
    }
    total += counts[i];
    std::cout << ScopeName(plan[i].filter) << ": " << counts[i] << " decided comments older than "
              << plan[i].days << " days\n";
  }
  if (dry_run) {
    std::cout << "dry run: " << total << " comments would be deleted\n";
    return 0;
  }
  store->AppendAudit(PurgeAudit("cli", now, plan, counts));
  std::cout << "deleted " << total << " comments\n";
  return 0;
}

int RunForgetAuthorCommand(int argc, char** argv) {
  base::FlagParser parser("moderated forget-author");
  CommonArgs args;
  if (int rc = ParseArgs(argc, argv, parser, kForgetHelp, &args); rc >= 0) return rc;
  if (args.positional.size() != 1 || args.positional[0].empty()) {
    std::cerr << "moderated forget-author: expected one EMAIL (see --help)\n";
    return 2;
  }
  auto store = OpenStore(args.config);
  if (!store) return 1;
  const std::string& email = args.positional[0];
  storage::ForgetResult r;
  if (store->ForgetAuthor(email, ForgetAudit("cli", base::NowMs(), email), &r)) {
    std::cerr << "moderated forget-author: " << store->LastErrorMessage() << "\n";
    return 1;
  }
  std::cout << boost::json::serialize(boost::json::object{{"deleted", r.comments},
                                                          {"outbox", r.outbox},
                                                          {"audit_redacted", r.audit_redacted}})
            << "\n";
  return 0;
}

}  // namespace moderated

// `moderated purge` and `moderated forget-author`: retention and erasure on
// the database file (see daemon/jobs/retention.h for the policy).
#include "daemon/cli/purge.h"

#include <charconv>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "daemon/core/config.h"
#include "daemon/http/response.h"
#include "daemon/jobs/retention.h"
#include "storage/store.h"

namespace moderated {
namespace {

constexpr const char* kPurgeHelp = R"(Usage: moderated purge [--days N] [--site NAME] [--dry-run] [OPTIONS]

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
  std::string data_dir, database;
  bool data_dir_set = false, database_set = false;
  std::vector<std::string> positional;
};

// Parses the options shared by both commands plus `extra` ones. Returns an
// exit code >= 0 to stop with, or -1 to go on.
int ParseArgs(int argc, char** argv, const char* name, const char* help,
              const std::map<std::string, std::string*>& values,
              const std::map<std::string, bool*>& switches, CommonArgs* out) {
  std::string config_path;
  std::map<std::string, std::string*> all = values;
  all["--config"] = &config_path;
  all["--data-dir"] = &out->data_dir;
  all["--database"] = &out->database;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::cout << help;
      return 0;
    }
    if (auto it = switches.find(arg); it != switches.end()) {
      *it->second = true;
      continue;
    }
    std::string key = arg, value;
    bool inline_value = false;
    if (auto eq = arg.find('='); arg.rfind("--", 0) == 0 && eq != std::string::npos) {
      key = arg.substr(0, eq);
      value = arg.substr(eq + 1);
      inline_value = true;
    }
    if (auto it = all.find(key); it != all.end()) {
      if (!inline_value) {
        if (i + 1 >= argc) {
          std::cerr << "moderated " << name << ": " << key << " needs a value\n";
          return 2;
        }
        value = argv[++i];
      }
      *it->second = value;
      if (key == "--data-dir") out->data_dir_set = true;
      if (key == "--database") out->database_set = true;
      continue;
    }
    if (arg.size() > 1 && arg[0] == '-') {
      std::cerr << "moderated " << name << ": unknown option '" << arg << "' (see --help)\n";
      return 2;
    }
    out->positional.push_back(arg);
  }
  std::vector<std::string> errors;
  if (!config_path.empty() && !LoadConfigFile(config_path, &out->config, &errors)) {
    for (const auto& e : errors) std::cerr << e << "\n";
    return 2;
  }
  if (out->data_dir_set) out->config.data_dir = out->data_dir;
  if (out->database_set) out->config.database = out->database;
  out->config.socket_set = true;  // no socket here; keeps Resolve() from reading the env
  out->config.Resolve();
  return -1;
}

}  // namespace

int RunPurgeCommand(int argc, char** argv) {
  std::string days_text, site;
  bool dry_run = false;
  CommonArgs args;
  int rc = ParseArgs(argc, argv, "purge", kPurgeHelp, {{"--days", &days_text}, {"--site", &site}},
                     {{"--dry-run", &dry_run}}, &args);
  if (rc >= 0) return rc;
  if (!args.positional.empty()) {
    std::cerr << "moderated purge: unexpected argument '" << args.positional[0] << "'\n";
    return 2;
  }
  int64_t days = 0;
  if (!days_text.empty()) {
    auto [p, ec] = std::from_chars(days_text.data(), days_text.data() + days_text.size(), days);
    if (ec != std::errc() || p != days_text.data() + days_text.size() || days <= 0 ||
        days > 36'500) {
      std::cerr << "moderated purge: --days must be an integer from 1 to 36500, not '"
                << days_text << "'\n";
      return 2;
    }
  }
  std::string error;
  auto store = storage::Store::Open(args.config.database, storage::Store::OpenMode::kReadWrite,
                                    &error);
  if (!store) {
    std::cerr << error << "\n";
    return 1;
  }
  const int64_t now = base::NowMs();
  std::vector<PurgeScope> plan;
  if (days > 0) {
    plan.push_back({{site, false, CutoffMs(now, days)}, days});
  } else {
    std::map<std::string, int64_t> site_days;
    if (store->SiteRetentionDays(&site_days)) {
      std::cerr << "moderated purge: " << store->LastErrorMessage() << "\n";
      return 1;
    }
    plan = RetentionPlan(site_days, args.config.retention.days, now);
    if (!site.empty()) {
      // Only the scope that governs this site, narrowed to it.
      std::vector<PurgeScope> one;
      for (PurgeScope& s : plan) {
        if (s.filter.site == site || (s.filter.site.empty() && !site_days.count(site))) {
          s.filter.site = site;
          s.filter.skip_sites_with_retention = false;
          one.push_back(s);
          break;
        }
      }
      plan = std::move(one);
    }
  }
  if (plan.empty()) {
    std::cout << "nothing to purge: no retention period is configured"
              << (site.empty() ? "" : " for site " + site) << "\n";
    return 0;
  }
  std::vector<int64_t> counts(plan.size(), 0);
  int64_t total = 0;
  for (size_t i = 0; i < plan.size(); ++i) {
    const storage::PurgeFilter& f = plan[i].filter;
    std::string scope = f.site.empty() ? (f.skip_sites_with_retention ? "sites without their own "
                                                                         "retention"
                                                                       : "all sites")
                                       : "site " + f.site;
    if (dry_run) {
      if (store->CountPurgeable(f, &counts[i])) {
        std::cerr << "moderated purge: " << store->LastErrorMessage() << "\n";
        return 1;
      }
    } else {
      for (;;) {
        int64_t n = 0;
        if (store->PurgeDecided(f, args.config.retention.chunk_rows, &n)) {
          std::cerr << "moderated purge: " << store->LastErrorMessage() << "\n";
          return 1;
        }
        counts[i] += n;
        if (n < static_cast<int64_t>(args.config.retention.chunk_rows)) break;
      }
    }
    total += counts[i];
    std::cout << scope << ": " << counts[i] << " decided comments older than " << plan[i].days
              << " days\n";
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
  CommonArgs args;
  int rc = ParseArgs(argc, argv, "forget-author", kForgetHelp, {}, {}, &args);
  if (rc >= 0) return rc;
  if (args.positional.size() != 1 || args.positional[0].empty()) {
    std::cerr << "moderated forget-author: expected one EMAIL (see --help)\n";
    return 2;
  }
  std::string error;
  auto store = storage::Store::Open(args.config.database, storage::Store::OpenMode::kReadWrite,
                                    &error);
  if (!store) {
    std::cerr << error << "\n";
    return 1;
  }
  const std::string& email = args.positional[0];
  storage::ForgetResult r;
  if (store->ForgetAuthor(email, ForgetAudit("cli", base::NowMs(), email), &r)) {
    std::cerr << "moderated forget-author: " << store->LastErrorMessage() << "\n";
    return 1;
  }
  std::cout << "{\"deleted\":" << r.comments << ",\"outbox\":" << r.outbox
            << ",\"audit_redacted\":" << r.audit_redacted << "}\n";
  return 0;
}

}  // namespace moderated

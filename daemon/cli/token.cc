// `moderated token`: API tokens, managed directly on the database file (the
// daemon may be running: SQLite WAL lets both write). The first admin token
// is made this way.
#include <boost/json.hpp>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "base/flags.h"
#include "base/strings.h"
#include "base/time.h"
#include "daemon/cli/commands.h"
#include "daemon/compat/akismet.h"
#include "daemon/http/auth.h"
#include "storage/store.h"

namespace moderated {
namespace {

constexpr const char* kTokenHelp = R"(Usage:
  moderated token create --role site|moderator|admin [--site NAME]... [--name NAME]
  moderated token create --role site --site NAME... --akismet [--name NAME]
  moderated token list
  moderated token revoke ID

Options for every subcommand:
  --data-dir DIR     database directory (default ./var)
  --database FILE    database file (default <data-dir>/moderated.db)

`create` prints the new token once; only its SHA-256 is stored. A site token
needs at least one --site; a moderator token without --site reviews all sites.
Revocation reaches a running daemon within 30 seconds (at once when revoked
through the admin API).

--akismet makes an Akismet key instead: 32 hex characters for the Akismet
API (docs/akismet.md), valid for its sites only and not as a Bearer token.
)";

struct TokenFlags {
  std::string data_dir = "./var", database, role_name, name;
  bool akismet = false;
  std::vector<std::string> sites, positional;
};

int Create(storage::Store& store, const TokenFlags& f) {
  Role role;
  if (!ParseRole(f.role_name, &role)) {
    std::cerr << "moderated token create: --role must be site, moderator or admin\n";
    return 2;
  }
  std::string token, error;
  int64_t id = 0;
  if (f.akismet) {
    if (role != Role::kSite) {
      std::cerr << "moderated token create: --akismet needs --role site\n";
      return 2;
    }
    if (!CreateAkismetKey(store, f.name.empty() ? "akismet" : f.name, f.sites, "cli", &token, &id,
                          &error)) {
      std::cerr << "moderated token create: " << error << "\n";
      return 2;
    }
    std::cout << token << "\n";
    std::cerr << "Akismet key " << id << " created; it is shown only this once\n";
    return 0;
  }
  if (!CreateToken(store, f.name.empty() ? std::string(RoleName(role)) : f.name, role, f.sites,
                   "cli", &token, &id, &error)) {
    std::cerr << "moderated token create: " << error << "\n";
    return 2;
  }
  std::cout << token << "\n";
  std::cerr << "token " << id << " (" << RoleName(role)
            << ") created; it is shown only this once\n";
  return 0;
}

int List(storage::Store& store) {
  std::vector<storage::Token> tokens;
  if (store.ListTokens(&tokens)) {
    std::cerr << store.LastErrorMessage() << "\n";
    return 1;
  }
  std::cout << "ID\tROLE\tNAME\tPREFIX\tSITES\tCREATED\tSTATUS\n";
  for (const auto& t : tokens) {
    std::cout << t.id << "\t" << t.role << "\t" << t.name << "\t" << t.prefix << "...\t"
              << t.sites_json << "\t" << base::FormatTimeMs(t.created_at_ms) << "\t"
              << (t.revoked_at_ms ? "revoked " + base::FormatTimeMs(t.revoked_at_ms) : "active")
              << "\n";
  }
  return 0;
}

int Revoke(storage::Store& store, const std::vector<std::string>& args) {
  if (args.size() != 1) {
    std::cerr << "moderated token revoke: expected one token ID\n";
    return 2;
  }
  int64_t id = 0;
  if (!base::ParseInt64(args[0], &id)) {
    std::cerr << "moderated token revoke: '" << args[0] << "' is not a token ID\n";
    return 2;
  }
  const int64_t now = base::NowMs();
  if (store.RevokeToken(id, now)) {
    std::cerr << "moderated token revoke: " << store.LastErrorMessage() << "\n";
    return 1;
  }
  storage::AuditEntry audit;
  audit.at_ms = now;
  audit.actor = "cli";
  audit.action = "token.revoke";
  audit.target = "token:" + std::to_string(id);
  store.AppendAudit(audit);
  std::cout << "token " << id << " revoked\n";
  return 0;
}

}  // namespace

int RunTokenCommand(int argc, char** argv) {
  if (argc < 2 || std::string_view(argv[1]) == "--help" || std::string_view(argv[1]) == "-h") {
    std::cout << kTokenHelp;
    return argc < 2 ? 2 : 0;
  }
  const std::string sub = argv[1];
  TokenFlags f;
  base::FlagParser parser("moderated token");
  parser.Value("--data-dir", &f.data_dir)
      .Value("--database", &f.database)
      .Value("--role", &f.role_name)
      .Value("--name", &f.name)
      .Values("--site", &f.sites)
      .Switch("--akismet", &f.akismet)
      .Positional(&f.positional);
  if (int rc = parser.ParseForCommand(argc, argv, 2, kTokenHelp); rc >= 0) return rc;
  if (f.database.empty()) f.database = f.data_dir + "/moderated.db";
  // The first token is made before the daemon ever ran (README, "Try it"):
  // create makes the data directory, as `serve` would.
  const std::filesystem::path dir = std::filesystem::path(f.database).parent_path();
  if (sub == "create" && !dir.empty()) {
    std::error_code fec;
    std::filesystem::create_directories(dir, fec);
    if (fec) {
      std::cerr << dir.string() << ": cannot create data directory: " << fec.message() << "\n";
      return 1;
    }
  }
  std::string error;
  auto store = storage::Store::Open(f.database, storage::Store::OpenMode::kReadWrite, &error);
  if (!store) {
    std::cerr << error << "\n";
    return 1;
  }
  if (sub == "create") return Create(*store, f);
  if (sub == "list") return List(*store);
  if (sub == "revoke") return Revoke(*store, f.positional);
  std::cerr << "moderated token: unknown subcommand '" << sub << "' (see --help)\n";
  return 2;
}

}  // namespace moderated

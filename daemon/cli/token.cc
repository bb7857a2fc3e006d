// `moderated token`: API tokens, managed directly on the database file (the
// daemon may be running: SQLite WAL lets both write). The first admin token
// is made this way.
#include <boost/json.hpp>
#include <iostream>
#include <string>
#include <vector>

#include "daemon/compat/akismet.h"
#include "daemon/http/auth.h"
#include "daemon/http/response.h"
#include "daemon/cli/commands.h"
#include "daemon/http/wire.h"
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

}  // namespace

int RunTokenCommand(int argc, char** argv) {
  if (argc < 2 || std::string_view(argv[1]) == "--help" || std::string_view(argv[1]) == "-h") {
    std::cout << kTokenHelp;
    return argc < 2 ? 2 : 0;
  }
  std::string sub = argv[1];
  std::string data_dir = "./var", database, role_name, name;
  bool akismet = false;
  std::vector<std::string> sites, positional;
  for (int i = 2; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&](std::string* out) {
      if (i + 1 >= argc) {
        std::cerr << "moderated token: " << arg << " needs a value\n";
        return false;
      }
      *out = argv[++i];
      return true;
    };
    std::string v;
    if (arg == "--help" || arg == "-h") {
      std::cout << kTokenHelp;
      return 0;
    } else if (arg == "--data-dir") {
      if (!value(&data_dir)) return 2;
    } else if (arg == "--database") {
      if (!value(&database)) return 2;
    } else if (arg == "--role") {
      if (!value(&role_name)) return 2;
    } else if (arg == "--name") {
      if (!value(&name)) return 2;
    } else if (arg == "--akismet") {
      akismet = true;
    } else if (arg == "--site") {
      if (!value(&v)) return 2;
      sites.push_back(v);
    } else if (!arg.empty() && arg[0] == '-') {
      std::cerr << "moderated token: unknown option '" << arg << "' (see --help)\n";
      return 2;
    } else {
      positional.push_back(arg);
    }
  }
  if (database.empty()) database = data_dir + "/moderated.db";
  std::string error;
  auto store = storage::Store::Open(database, storage::Store::OpenMode::kReadWrite, &error);
  if (!store) {
    std::cerr << error << "\n";
    return 1;
  }
  if (sub == "create") {
    Role role;
    if (!ParseRole(role_name, &role)) {
      std::cerr << "moderated token create: --role must be site, moderator or admin\n";
      return 2;
    }
    std::string token;
    int64_t id = 0;
    if (akismet) {
      if (role != Role::kSite) {
        std::cerr << "moderated token create: --akismet needs --role site\n";
        return 2;
      }
      if (!CreateAkismetKey(*store, name.empty() ? "akismet" : name, sites, "cli", &token, &id,
                            &error)) {
        std::cerr << "moderated token create: " << error << "\n";
        return 2;
      }
      std::cout << token << "\n";
      std::cerr << "Akismet key " << id << " created; it is shown only this once\n";
      return 0;
    }
    if (!CreateToken(*store, name.empty() ? std::string(RoleName(role)) : name, role, sites,
                     "cli", &token, &id, &error)) {
      std::cerr << "moderated token create: " << error << "\n";
      return 2;
    }
    std::cout << token << "\n";
    std::cerr << "token " << id << " (" << RoleName(role)
              << ") created; it is shown only this once\n";
    return 0;
  }
  if (sub == "list") {
    std::vector<storage::Token> tokens;
    if (store->ListTokens(&tokens)) {
      std::cerr << store->LastErrorMessage() << "\n";
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
  if (sub == "revoke") {
    if (positional.size() != 1) {
      std::cerr << "moderated token revoke: expected one token ID\n";
      return 2;
    }
    int64_t id = 0;
    try {
      id = std::stoll(positional[0]);
    } catch (...) {
      std::cerr << "moderated token revoke: '" << positional[0] << "' is not a token ID\n";
      return 2;
    }
    int64_t now = base::NowMs();
    if (store->RevokeToken(id, now)) {
      std::cerr << "moderated token revoke: " << store->LastErrorMessage() << "\n";
      return 1;
    }
    storage::AuditEntry audit;
    audit.at_ms = now;
    audit.actor = "cli";
    audit.action = "token.revoke";
    audit.target = "token:" + std::to_string(id);
    store->AppendAudit(audit);
    std::cout << "token " << id << " revoked\n";
    return 0;
  }
  std::cerr << "moderated token: unknown subcommand '" << sub << "' (see --help)\n";
  return 2;
}

}  // namespace moderated

// moderated: the comment moderation daemon and its admin commands.
#include <cstring>
#include <iostream>
#include <string_view>

#include "daemon/cli/commands.h"

namespace {

constexpr const char* kHelp = R"(Usage: moderated COMMAND [OPTIONS]

Commands:
  serve          run the daemon (HTTP API on TCP and a Unix socket)
  rules check    validate rule files (FILE:LINE:COL: message)
  token          create, list and revoke API tokens
  train          train the base model, or a site's own model
  eval           measure the whole pipeline on labelled comments
  purge          delete decided comments past their retention period
  forget-author  delete everything stored about one author e-mail
  migrate-db     copy a database (SQLite to PostgreSQL) and verify the counts
  version        print the version

Run 'moderated COMMAND --help' for the options of each command.
)";

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << kHelp;
    return 2;
  }
  std::string_view command = argv[1];
  if (command == "--help" || command == "-h" || command == "help") {
    std::cout << kHelp;
    return 0;
  }
  if (command == "version" || command == "--version") {
    std::cout << "moderated 0.1.0\n";
    return 0;
  }
  if (command == "serve") return moderated::RunServeCommand(argc - 1, argv + 1);
  if (command == "rules") return moderated::RunRulesCommand(argc - 1, argv + 1);
  if (command == "token") return moderated::RunTokenCommand(argc - 1, argv + 1);
  if (command == "train") return moderated::RunTrainCommand(argc - 1, argv + 1);
  if (command == "eval") return moderated::RunEvalCommand(argc - 1, argv + 1);
  if (command == "purge") return moderated::RunPurgeCommand(argc - 1, argv + 1);
  if (command == "forget-author") return moderated::RunForgetAuthorCommand(argc - 1, argv + 1);
  if (command == "migrate-db") return moderated::RunMigrateDbCommand(argc - 1, argv + 1);
  std::cerr << "moderated: unknown command '" << command << "'\n" << kHelp;
  return 2;
}

// daemon/cli/commands.h
//
// The commands of the `moderated` binary, one file each in daemon/cli/
// (daemon/main.cc dispatches on argv[1]). Each takes argv with argv[0] = the
// command's name, prints its own --help, parses its flags with
// base::FlagParser and returns the process exit code: 0 success, 1 runtime
// failure, 2 usage or configuration error.
#ifndef MODERATED_DAEMON_CLI_COMMANDS_H_
#define MODERATED_DAEMON_CLI_COMMANDS_H_

namespace moderated {

// `moderated serve`: the daemon (serve.cc).
int RunServeCommand(int argc, char** argv);
// `moderated rules check|backtest` (rules.cc).
int RunRulesCommand(int argc, char** argv);
// `moderated token create|list|revoke` on the database file (token.cc).
int RunTokenCommand(int argc, char** argv);
// `moderated train`: the base model from the data sets, or a site's own
// model from its labels (train.cc).
int RunTrainCommand(int argc, char** argv);
// `moderated eval`: labelled comments through the whole pipeline (eval.cc).
int RunEvalCommand(int argc, char** argv);
// `moderated purge` and `moderated forget-author` (purge.cc).
int RunPurgeCommand(int argc, char** argv);
int RunForgetAuthorCommand(int argc, char** argv);
// `moderated migrate-db`: copies a database (SQLite to PostgreSQL) and verifies counts.
int RunMigrateDbCommand(int argc, char** argv);

}  // namespace moderated

#endif  // MODERATED_DAEMON_CLI_COMMANDS_H_

// daemon/cli/commands.h
//
// The subcommands of the `moderated` binary that live in daemon/: `serve`
// (the daemon), `rules check` and `token`. Each takes argv with argv[0] = the
// subcommand name, prints its own --help, and returns the process exit code:
// 0 success, 1 runtime failure, 2 usage or configuration error.
#ifndef MODERATED_DAEMON_CLI_COMMANDS_H_
#define MODERATED_DAEMON_CLI_COMMANDS_H_

namespace moderated {

int RunServeCommand(int argc, char** argv);
int RunRulesCommand(int argc, char** argv);
// `moderated token create|list|revoke` on the database file (daemon/cli/token.cc).
int RunTokenCommand(int argc, char** argv);

}  // namespace moderated

#endif  // MODERATED_DAEMON_CLI_COMMANDS_H_

// daemon/cli/purge.h
//
// `moderated purge` (retention, on demand) and `moderated forget-author`
// (erasure of one author's data), run on the database file directly; the
// daemon may be running (SQLite WAL lets both write). argv[0] is the
// subcommand name; the return value is the exit code: 0 success, 1 runtime
// failure, 2 usage or configuration error.
#ifndef MODERATED_DAEMON_CLI_PURGE_H_
#define MODERATED_DAEMON_CLI_PURGE_H_

namespace moderated {

int RunPurgeCommand(int argc, char** argv);
int RunForgetAuthorCommand(int argc, char** argv);

}  // namespace moderated

#endif  // MODERATED_DAEMON_CLI_PURGE_H_

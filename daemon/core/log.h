// daemon/core/log.h
//
// Structured logging: one event per line, as key=value pairs
// ("ts=2026-11-29T04:10:00.123Z level=info event=listening addr=127.0.0.1:8080").
// Values with spaces, quotes, '=' or control characters are quoted and
// escaped, so an event is always exactly one line.
//
// Where lines go: when the process runs under systemd with stderr connected
// to the journal (sd_booted() and $JOURNAL_STREAM naming stderr's device and
// inode, as systemd.exec(5) describes), each event is sent to journald with
// sd_journal_send: MESSAGE is the line without ts/level, PRIORITY the level,
// EVENT the event and one upper-cased field per key (TRANSPORT=tcp ...), so
// `journalctl -u moderated EVENT=reload_failed` finds them. Otherwise, and if
// the journal refuses a message, the line goes to stderr. The choice is made
// once, at the first Log() call.
//
// Comment text (content, excerpts, author names) is never logged at info
// level or above; callers log sizes and ids instead.
//
// Thread-safety: every function may be called from any thread; each stderr
// line is written with a single write(2), so lines never interleave.
#ifndef MODERATED_DAEMON_CORE_LOG_H_
#define MODERATED_DAEMON_CORE_LOG_H_

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace moderated {

enum class LogLevel { kDebug, kInfo, kWarn, kError };

// Parses "debug" | "info" | "warn" | "error". Returns false if unknown.
bool ParseLogLevel(std::string_view name, LogLevel* level);
void SetLogLevel(LogLevel level);
bool LogEnabled(LogLevel level);

using LogField = std::pair<std::string_view, std::string>;

void Log(LogLevel level, std::string_view event, std::initializer_list<LogField> fields = {});

// True if events go to journald (see above).
bool LogToJournal();

// ---- Exposed for tests; Log() is built from these. ----

// "event=NAME key=value ..." (no timestamp, no level).
std::string FormatLogFields(std::string_view event, std::initializer_list<LogField> fields = {});

// The journal fields of one event, each "NAME=value": MESSAGE, PRIORITY
// (debug 7, info 6, warn 4, error 3), SYSLOG_IDENTIFIER=moderated, EVENT, then
// one per key: upper-cased, characters other than [A-Z0-9_] turned into '_',
// and prefixed with "M_" if the result would be a journal's own field name
// (MESSAGE, PRIORITY, CODE_FILE, ...) or start with a digit or '_'.
std::vector<std::string> JournalFields(LogLevel level, std::string_view event,
                                       std::initializer_list<LogField> fields = {});

// True if `journal_stream` ($JOURNAL_STREAM, "DEVICE:INODE" in decimal) names
// the file open on `fd`. False for nullptr or a malformed value.
bool StreamIsJournal(const char* journal_stream, int fd);

}  // namespace moderated

#endif  // MODERATED_DAEMON_CORE_LOG_H_

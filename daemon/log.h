// daemon/log.h
//
// Structured logging: one event per line on stderr, as key=value pairs
// ("ts=2026-11-29T04:10:00.123Z level=info event=listening addr=127.0.0.1:8080").
// Values with spaces, quotes or '=' are quoted. Comment text is never logged at
// info level or above.
//
// Thread-safety: Log() may be called from any thread; each line is written
// with a single write(2) so lines never interleave.
#ifndef MODERATED_DAEMON_LOG_H_
#define MODERATED_DAEMON_LOG_H_

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace moderated {

enum class LogLevel { kDebug, kInfo, kWarn, kError };

// Parses "debug" | "info" | "warn" | "error". Returns false if unknown.
bool ParseLogLevel(std::string_view name, LogLevel* level);
void SetLogLevel(LogLevel level);
bool LogEnabled(LogLevel level);

using LogField = std::pair<std::string_view, std::string>;

void Log(LogLevel level, std::string_view event, std::initializer_list<LogField> fields = {});

}  // namespace moderated

#endif  // MODERATED_DAEMON_LOG_H_

#include "daemon/core/log.h"

#include <sys/stat.h>
#include <sys/uio.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-journal.h>
#include <unistd.h>

#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>

#include "base/time.h"

namespace moderated {
namespace {

std::atomic<int> g_level{static_cast<int>(LogLevel::kInfo)};

std::string_view LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug: return "debug";
    case LogLevel::kInfo: return "info";
    case LogLevel::kWarn: return "warn";
    case LogLevel::kError: return "error";
  }
  return "info";
}

// syslog(3) priorities, which journald uses.
const char* Priority(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug: return "PRIORITY=7";
    case LogLevel::kInfo: return "PRIORITY=6";
    case LogLevel::kWarn: return "PRIORITY=4";
    case LogLevel::kError: return "PRIORITY=3";
  }
  return "PRIORITY=6";
}

void AppendValue(std::string* out, std::string_view v) {
  bool quote = v.empty();
  for (char c : v) {
    if (c == ' ' || c == '"' || c == '=' || c == '\\' || static_cast<unsigned char>(c) < 0x20) {
      quote = true;
      break;
    }
  }
  if (!quote) {
    out->append(v);
    return;
  }
  out->push_back('"');
  for (char c : v) {
    switch (c) {
      case '"': out->append("\\\""); break;
      case '\\': out->append("\\\\"); break;
      case '\n': out->append("\\n"); break;
      case '\r': out->append("\\r"); break;
      case '\t': out->append("\\t"); break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned char>(c));
          out->append(buf);
        } else {
          out->push_back(c);
        }
    }
  }
  out->push_back('"');
}

// Field names journald (or the journal's readers) give a meaning of their own.
bool IsJournalOwnField(std::string_view name) {
  static constexpr std::string_view kOwn[] = {
      "MESSAGE",         "MESSAGE_ID",        "PRIORITY",         "CODE_FILE",
      "CODE_LINE",       "CODE_FUNC",         "ERRNO",            "INVOCATION_ID",
      "USER_INVOCATION_ID", "SYSLOG_FACILITY", "SYSLOG_IDENTIFIER", "SYSLOG_PID",
      "SYSLOG_TIMESTAMP", "SYSLOG_RAW",       "DOCUMENTATION",    "TID",
      "UNIT",            "USER_UNIT",         "EVENT"};
  for (auto own : kOwn)
    if (name == own) return true;
  return name.substr(0, 7) == "OBJECT_" || name.substr(0, 9) == "COREDUMP_";
}

std::string JournalName(std::string_view key) {
  std::string name;
  name.reserve(key.size() + 2);
  for (char c : key) {
    if (c >= 'a' && c <= 'z') name.push_back(static_cast<char>(c - 'a' + 'A'));
    else if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) name.push_back(c);
    else name.push_back('_');
  }
  if (name.empty() || name[0] == '_' || (name[0] >= '0' && name[0] <= '9') ||
      IsJournalOwnField(name)) {
    name.insert(0, "M_");
  }
  return name;
}

void WriteStderr(const std::string& line) {
  // One write(2) per line: lines from different threads never interleave.
  size_t off = 0;
  while (off < line.size()) {
    ssize_t n = ::write(STDERR_FILENO, line.data() + off, line.size() - off);
    if (n <= 0) break;
    off += static_cast<size_t>(n);
  }
}

bool DetectJournal() {
  return sd_booted() > 0 && StreamIsJournal(std::getenv("JOURNAL_STREAM"), STDERR_FILENO);
}

}  // namespace

bool ParseLogLevel(std::string_view name, LogLevel* level) {
  if (name == "debug") *level = LogLevel::kDebug;
  else if (name == "info") *level = LogLevel::kInfo;
  else if (name == "warn") *level = LogLevel::kWarn;
  else if (name == "error") *level = LogLevel::kError;
  else return false;
  return true;
}

void SetLogLevel(LogLevel level) { g_level.store(static_cast<int>(level)); }

bool LogEnabled(LogLevel level) { return static_cast<int>(level) >= g_level.load(); }

bool LogToJournal() {
  static const bool journal = DetectJournal();
  return journal;
}

bool StreamIsJournal(const char* journal_stream, int fd) {
  if (journal_stream == nullptr) return false;
  std::string_view s(journal_stream);
  auto colon = s.find(':');
  if (colon == std::string_view::npos) return false;
  unsigned long long dev = 0, ino = 0;
  auto [p1, e1] = std::from_chars(s.data(), s.data() + colon, dev);
  auto [p2, e2] = std::from_chars(s.data() + colon + 1, s.data() + s.size(), ino);
  if (e1 != std::errc() || p1 != s.data() + colon || e2 != std::errc() ||
      p2 != s.data() + s.size()) {
    return false;
  }
  struct stat st;
  if (::fstat(fd, &st) != 0) return false;
  return static_cast<unsigned long long>(st.st_dev) == dev &&
         static_cast<unsigned long long>(st.st_ino) == ino;
}

std::string FormatLogFields(std::string_view event, std::initializer_list<LogField> fields) {
  std::string line;
  line.reserve(96);
  line.append("event=");
  AppendValue(&line, event);
  for (const auto& [key, value] : fields) {
    line.push_back(' ');
    line.append(key).push_back('=');
    AppendValue(&line, value);
  }
  return line;
}

std::vector<std::string> JournalFields(LogLevel level, std::string_view event,
                                       std::initializer_list<LogField> fields) {
  std::vector<std::string> out;
  out.reserve(4 + fields.size());
  out.push_back("MESSAGE=" + FormatLogFields(event, fields));
  out.emplace_back(Priority(level));
  out.emplace_back("SYSLOG_IDENTIFIER=moderated");
  out.push_back("EVENT=" + std::string(event));
  for (const auto& [key, value] : fields) out.push_back(JournalName(key) + "=" + value);
  return out;
}

void Log(LogLevel level, std::string_view event, std::initializer_list<LogField> fields) {
  if (!LogEnabled(level)) return;
  if (LogToJournal()) {
    std::vector<std::string> journal = JournalFields(level, event, fields);
    std::vector<struct iovec> iov(journal.size());
    for (size_t i = 0; i < journal.size(); ++i) {
      iov[i].iov_base = journal[i].data();
      iov[i].iov_len = journal[i].size();
    }
    // The parentheses call the function, not the macro that would add this
    // file's CODE_FILE/CODE_LINE to every event.
    if ((sd_journal_sendv)(iov.data(), static_cast<int>(iov.size())) >= 0) return;
    // The journal refused (socket gone, message too large): fall back.
  }
  using namespace std::chrono;
  const std::string ts = base::FormatTimeMs(
      duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count());
  std::string line;
  line.reserve(128);
  line.append("ts=").append(ts).append(" level=").append(LevelName(level)).push_back(' ');
  line.append(FormatLogFields(event, fields)).push_back('\n');
  WriteStderr(line);
}

}  // namespace moderated

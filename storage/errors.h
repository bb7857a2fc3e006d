// storage/errors.h
//
// Storage errors as std::error_code values (the Beast http::error pattern), so
// the daemon maps them to HTTP statuses in one place.
#ifndef MODERATED_STORAGE_ERRORS_H_
#define MODERATED_STORAGE_ERRORS_H_

#include <system_error>
#include <type_traits>

namespace moderated::storage {

enum class Errc {
  busy = 1,        // SQLITE_BUSY / SQLITE_LOCKED: retry later
  io_error,        // SQLITE_IOERR and friends
  disk_full,       // SQLITE_FULL
  corrupt,         // SQLITE_CORRUPT / SQLITE_NOTADB
  schema_too_new,  // the file was written by a newer build
  not_found,       // no such row
  constraint,      // a constraint failed (a bug or bad input)
  internal,        // anything else SQLite reports
  read_only,       // a write on a Store opened kReadOnly (or SQLITE_READONLY)
};

const std::error_category& category() noexcept;

inline std::error_code make_error_code(Errc e) noexcept {
  return {static_cast<int>(e), category()};
}

// The category's name() is "moderated.storage"; message(int) is one short
// English line per Errc, e.g. "database is busy; retry later".
//
// busy → true; everything else → false. Non-retryable errors on the writer
// are sticky: the daemon stops accepting durable writes (503) until restart.
bool IsRetryable(std::error_code ec) noexcept;

}  // namespace moderated::storage

template <>
struct std::is_error_code_enum<moderated::storage::Errc> : std::true_type {};

#endif  // MODERATED_STORAGE_ERRORS_H_

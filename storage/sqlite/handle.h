// storage/sqlite/handle.h  (internal to storage/; not included by daemon/)
//
// RAII owners for the two SQLite objects we hold, plus a guard that resets a
// prepared statement when a scope ends so it can be reused.
#ifndef MODERATED_STORAGE_SQLITE_HANDLE_H_
#define MODERATED_STORAGE_SQLITE_HANDLE_H_

#include <sqlite3.h>

#include <memory>
#include <system_error>

#include "storage/errors.h"

namespace moderated::storage::internal {

struct DbCloser {
  // sqlite3_close_v2 defers the close until every statement is finalized,
  // so destruction order never leaks a connection.
  void operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }
};
using DbHandle = std::unique_ptr<sqlite3, DbCloser>;

struct StmtFinalizer {
  void operator()(sqlite3_stmt* stmt) const noexcept { sqlite3_finalize(stmt); }
};
using StmtHandle = std::unique_ptr<sqlite3_stmt, StmtFinalizer>;

// Resets `stmt` and clears its bindings when the scope ends, so a prepared
// statement never stays "busy" (holding a read transaction open) after a
// call returns, whatever path it returned by.
class ScopedReset {
 public:
  explicit ScopedReset(sqlite3_stmt* stmt) noexcept : stmt_(stmt) {}
  ~ScopedReset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  ScopedReset(const ScopedReset&) = delete;
  ScopedReset& operator=(const ScopedReset&) = delete;

 private:
  sqlite3_stmt* stmt_;
};

// Maps a SQLite result code (primary or extended) to storage::Errc.
// SQLITE_OK, SQLITE_ROW and SQLITE_DONE map to no error.
inline std::error_code ErrorFromSqlite(int rc) noexcept {
  switch (rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_ROW:
    case SQLITE_DONE:
      return {};
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_PROTOCOL:  // WAL lock race; transient like BUSY
      return Errc::busy;
    case SQLITE_FULL:
      return Errc::disk_full;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return Errc::corrupt;
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
      return Errc::io_error;
    case SQLITE_CONSTRAINT:
      return Errc::constraint;
    case SQLITE_READONLY:
      return Errc::read_only;
    default:
      return Errc::internal;
  }
}

}  // namespace moderated::storage::internal

#endif  // MODERATED_STORAGE_SQLITE_HANDLE_H_

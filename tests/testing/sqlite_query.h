// tests/testing/sqlite_query.h
//
// Reading and writing the daemon's SQLite file from a test, on a connection
// of the test's own (read-only for queries), waiting up to 5 s for the
// daemon's writer. For tests only.
#ifndef MODERATED_TESTS_TESTING_SQLITE_QUERY_H_
#define MODERATED_TESTS_TESTING_SQLITE_QUERY_H_

#include <sqlite3.h>

#include <string>
#include <vector>

namespace moderated::testing {

// Steps `stmt` to the end: "a|b\n" per row, NULL as "NULL".
inline std::string SqliteRowsText(sqlite3_stmt* stmt) {
  std::string out;
  while (stmt != nullptr && sqlite3_step(stmt) == SQLITE_ROW) {
    for (int i = 0; i < sqlite3_column_count(stmt); ++i) {
      if (i > 0) out += '|';
      const unsigned char* t = sqlite3_column_text(stmt, i);
      out += t ? reinterpret_cast<const char*>(t) : "NULL";
    }
    out += '\n';
  }
  return out;
}

// The rows of `sql`, "a|b\n" per row (NULL as "NULL"), or "error: MESSAGE"
// when the statement cannot be prepared.
inline std::string QuerySqlite(const std::string& db, const std::string& sql) {
  sqlite3* conn = nullptr;
  std::string out;
  if (sqlite3_open_v2(db.c_str(), &conn, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    out = std::string("error: ") + sqlite3_errmsg(conn);
    sqlite3_close(conn);
    return out;
  }
  sqlite3_busy_timeout(conn, 5000);
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(conn, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
    out = std::string("error: ") + sqlite3_errmsg(conn);
  }
  out += SqliteRowsText(stmt);
  sqlite3_finalize(stmt);
  sqlite3_close(conn);
  return out;
}

// The first row of `sql`, a string per column (NULL as ""); empty when there
// is no row or the statement cannot be prepared.
inline std::vector<std::string> FirstRowSqlite(const std::string& db, const std::string& sql) {
  sqlite3* conn = nullptr;
  std::vector<std::string> out;
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_open_v2(db.c_str(), &conn, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_busy_timeout(conn, 5000);
    sqlite3_prepare_v2(conn, sql.c_str(), -1, &stmt, nullptr);
  }
  if (stmt != nullptr && sqlite3_step(stmt) == SQLITE_ROW) {
    for (int i = 0; i < sqlite3_column_count(stmt); ++i) {
      const unsigned char* t = sqlite3_column_text(stmt, i);
      out.emplace_back(t ? reinterpret_cast<const char*>(t) : "");
    }
  }
  sqlite3_finalize(stmt);
  sqlite3_close(conn);
  return out;
}

// Runs `sql` (one or more statements); "" on success, else SQLite's message.
inline std::string ExecSqlite(const std::string& db, const std::string& sql) {
  sqlite3* conn = nullptr;
  std::string error;
  if (sqlite3_open(db.c_str(), &conn) == SQLITE_OK) {
    sqlite3_busy_timeout(conn, 5000);
    char* message = nullptr;
    if (sqlite3_exec(conn, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
      error = message != nullptr ? message : "unknown error";
    }
    sqlite3_free(message);
  } else {
    error = sqlite3_errmsg(conn);
  }
  sqlite3_close(conn);
  return error;
}

}  // namespace moderated::testing

#endif  // MODERATED_TESTS_TESTING_SQLITE_QUERY_H_

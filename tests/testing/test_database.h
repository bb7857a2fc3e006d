// tests/testing/test_database.h
//
// Fresh databases for tests that run on both storage backends.
//
// PostgreSQL tests use the private server that scripts/pg_test_server.sh
// starts (the CTest fixture pg_server_start): its URL comes from
// $MODERATED_TEST_PG_URL or, as CTest sets it, from the file named by
// $MODERATED_TEST_PG_URL_FILE. Each FreshPgUrl() is a new schema on that
// server, reached through search_path, so tests never see each other's rows.
// Without a server the helpers return "" and set *error; tests then FAIL
// (never skip) with that message.
#ifndef MODERATED_TESTS_TESTING_TEST_DATABASE_H_
#define MODERATED_TESTS_TESTING_TEST_DATABASE_H_

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <random>
#include <string>

#include "tests/testing/temp_dir.h"

namespace moderated::testing {

enum class DbBackend { kSqlite, kPostgres };

inline std::string BackendName(DbBackend b) { return b == DbBackend::kSqlite ? "Sqlite" : "Postgres"; }

// The test server's base URL, or "" with *error set.
inline std::string PgServerUrl(std::string* error) {
  if (const char* url = std::getenv("MODERATED_TEST_PG_URL"); url != nullptr && *url) return url;
  const char* file = std::getenv("MODERATED_TEST_PG_URL_FILE");
  if (file == nullptr || !*file) {
    *error = "no PostgreSQL test server: set MODERATED_TEST_PG_URL or run the tests with ctest "
             "(fixture pg_server_start, scripts/pg_test_server.sh)";
    return "";
  }
  std::ifstream in(file);
  std::string url;
  std::getline(in, url);
  if (url.empty()) {
    *error = std::string("no PostgreSQL test server: ") + file +
             " is missing or empty (did pg_server_start fail? see its output)";
  }
  return url;
}

// Runs one SQL statement on the test server with psql. False with *error.
inline bool PgExec(const std::string& url, const std::string& sql, std::string* error) {
  const std::string cmd = "psql -X -q -v ON_ERROR_STOP=1 '" + url + "' -c '" + sql + "' 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) {
    *error = "cannot run psql";
    return false;
  }
  std::string out;
  char buf[256];
  while (fgets(buf, sizeof buf, p) != nullptr) out += buf;
  if (pclose(p) != 0) {
    *error = "psql: " + sql + ": " + out;
    return false;
  }
  return true;
}

// `url` with one more query parameter.
inline std::string WithParam(const std::string& url, const std::string& param) {
  return url + (url.find('?') == std::string::npos ? "?" : "&") + param;
}

// A URL naming a new, empty schema on the test server; "" with *error set.
inline std::string FreshPgUrl(std::string* error) {
  const std::string base = PgServerUrl(error);
  if (base.empty()) return "";
  static std::atomic<int> counter{0};
  std::random_device rd;
  const std::string schema = "t_" + std::to_string(getpid()) + "_" + std::to_string(counter++) +
                             "_" + std::to_string(rd() % 1000000);
  if (!PgExec(base, "CREATE SCHEMA " + schema, error)) return "";
  return WithParam(base, "options=-csearch_path%3D" + schema);
}

// A fresh database of `backend`: a file in `dir` for SQLite, a new schema
// for PostgreSQL. "" with *error set.
inline std::string FreshDatabaseUrl(DbBackend backend, const TempDir& dir, std::string* error) {
  if (backend == DbBackend::kSqlite) return dir.File("moderated.db");
  return FreshPgUrl(error);
}

// gtest parameter names: "Sqlite", "Postgres".
inline std::string BackendParamName(const ::testing::TestParamInfo<DbBackend>& info) {
  return BackendName(info.param);
}

// A test suite parameterised by backend: its cases run once per backend from
// one set of TEST_P cases.
#define MODERATED_INSTANTIATE_FOR_BOTH_BACKENDS(Suite)                                \
  INSTANTIATE_TEST_SUITE_P(Db, Suite,                                                 \
                           ::testing::Values(::moderated::testing::DbBackend::kSqlite, \
                                             ::moderated::testing::DbBackend::kPostgres), \
                           ::moderated::testing::BackendParamName)
#define MODERATED_INSTANTIATE_FOR_SQLITE_ONLY(Suite)                                  \
  INSTANTIATE_TEST_SUITE_P(Db, Suite,                                                 \
                           ::testing::Values(::moderated::testing::DbBackend::kSqlite), \
                           ::moderated::testing::BackendParamName)

}  // namespace moderated::testing

#endif  // MODERATED_TESTS_TESTING_TEST_DATABASE_H_

// tests/storage/raw_db.h
//
// RawDb: a second connection to a test database, SQLite file or PostgreSQL
// URL, for checking rows as text ("a|b|c\n" per row, NULL as "NULL") and for
// preparing rows by hand. PostgreSQL goes through psql; json_extract(x, '$.a.b')
// is rewritten to PostgreSQL's x::json #>> '{a,b}' and json_object() to
// json_build_object(), so one query text serves both backends.
#ifndef MODERATED_TESTS_STORAGE_RAW_DB_H_
#define MODERATED_TESTS_STORAGE_RAW_DB_H_

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cstdio>
#include <regex>
#include <string>

#include "tests/testing/sqlite_query.h"

namespace moderated::storage {

class RawDb {
 public:
  explicit RawDb(const std::string& url) : url_(url) {
    pg_ = url.starts_with("postgresql://") || url.starts_with("postgres://");
    if (!pg_) {
      sqlite3_open(url.c_str(), &db_);
      sqlite3_exec(db_, "PRAGMA foreign_keys = ON", nullptr, nullptr, nullptr);
    }
  }
  ~RawDb() {
    if (db_ != nullptr) sqlite3_close(db_);
  }
  RawDb(const RawDb&) = delete;
  RawDb& operator=(const RawDb&) = delete;

  std::string Query(const std::string& sql) {
    if (pg_) return Psql(Translate(sql), /*rows=*/true);
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &s, nullptr) != SQLITE_OK) {
      return std::string("error: ") + sqlite3_errmsg(db_);
    }
    std::string out = testing::SqliteRowsText(s);
    sqlite3_finalize(s);
    return out;
  }

  void Exec(const std::string& sql) {
    if (pg_) {
      const std::string out = Psql(Translate(sql), /*rows=*/false);
      ASSERT_EQ(out.find("error: "), std::string::npos) << sql << ": " << out;
      return;
    }
    char* err = nullptr;
    ASSERT_EQ(SQLITE_OK, sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err))
        << sql << ": " << (err ? err : "");
  }

 private:
  static std::string Translate(const std::string& sql) {
    static const std::regex kJsonExtract(R"(json_extract\(([a-z_.]+), '\$\.([a-z_.]+)'\))");
    std::string out;
    auto begin = std::sregex_iterator(sql.begin(), sql.end(), kJsonExtract);
    size_t last = 0;
    for (auto it = begin; it != std::sregex_iterator(); ++it) {
      out += sql.substr(last, it->position() - last);
      std::string path = (*it)[2];
      for (char& c : path) {
        if (c == '.') c = ',';
      }
      out += "(" + (*it)[1].str() + "::json #>> '{" + path + "}')";
      last = it->position() + it->length();
    }
    out += sql.substr(last);
    static const std::regex kJsonObject(R"(\bjson_object\()");
    return std::regex_replace(out, kJsonObject, "json_build_object(");
  }

  // psql's unaligned output: fields joined by '|', one row a line.
  std::string Psql(const std::string& sql, bool rows) {
    std::string quoted;
    for (char c : sql) {
      if (c == '\'') {
        quoted += "'\\''";
      } else {
        quoted += c;
      }
    }
    const std::string cmd = std::string("psql -X -q -A -t -v ON_ERROR_STOP=1 -P null=NULL ") +
                            "'" + url_ + "' -c '" + quoted + "' 2>&1";
    FILE* p = popen(cmd.c_str(), "r");
    if (p == nullptr) return "error: cannot run psql";
    std::string out;
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    if (pclose(p) != 0) return "error: " + out;
    if (!rows) return "";
    return out;
  }

  std::string url_;
  bool pg_ = false;
  sqlite3* db_ = nullptr;
};

}  // namespace moderated::storage

#endif  // MODERATED_TESTS_STORAGE_RAW_DB_H_

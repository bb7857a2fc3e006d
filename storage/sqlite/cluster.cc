// storage/sqlite/cluster.cc
//
// SqliteStore: the cluster calls (one daemon owns a SQLite file, so they are
// trivial) and reading tables for `moderated migrate-db`.
#include <sqlite3.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include "storage/sqlite/store.h"
#include "storage/sqlite/impl.h"

namespace moderated::storage {

std::error_code SqliteStore::Ping() {
  Impl& m = *impl_;
  int rc = SQLITE_OK;
  sqlite3_stmt* s = m.Cached("SELECT 1", &rc);
  if (s == nullptr) return m.Fail(rc);
  internal::ScopedReset reset(s);
  rc = sqlite3_step(s);
  return rc == SQLITE_ROW ? std::error_code() : m.Fail(rc);
}

std::error_code SqliteStore::ChangeStamp(std::string* out) {
  out->clear();
  return {};
}

std::error_code SqliteStore::WaitForChange(int timeout_ms, bool* notified) {
  *notified = false;
  std::this_thread::sleep_for(std::chrono::milliseconds(timeout_ms));
  return {};
}

std::error_code SqliteStore::TryLock(int64_t /*key*/, bool* acquired) {
  *acquired = true;
  return {};
}

std::error_code SqliteStore::Unlock(int64_t /*key*/) { return {}; }

std::error_code SqliteStore::ObserveVelocity(const std::array<std::string, 3>& /*keys*/,
                                             int64_t /*now_ms*/, int64_t /*window_ms*/,
                                             bool /*record*/, std::array<int64_t, 3>* counts) {
  *counts = {};
  return impl_->Fail(Errc::internal, "velocity is counted in memory on SQLite");
}

std::error_code SqliteStore::ReadTable(const std::string& table,
                                       const std::function<bool(const TextRow&)>& fn) {
  Impl& m = *impl_;
  const auto columns = CopiedColumns(table);
  if (columns.empty()) return m.Fail(Errc::not_found, "no table '" + table + "' to copy");
  std::string sql = "SELECT ";
  for (size_t i = 0; i < columns.size(); ++i) sql += (i ? ", " : "") + std::string(columns[i]);
  sql += " FROM " + table + (table == "reasons" ? " ORDER BY 1, 2" : " ORDER BY 1");
  sqlite3_stmt* raw = nullptr;
  int rc = sqlite3_prepare_v2(m.db.get(), sql.c_str(), -1, &raw, nullptr);
  internal::StmtHandle stmt(raw);
  if (rc != SQLITE_OK) return m.Fail(rc);
  TextRow row(columns.size());
  static const char* kHex = "0123456789abcdef";
  while ((rc = sqlite3_step(raw)) == SQLITE_ROW) {
    for (size_t i = 0; i < columns.size(); ++i) {
      const int c = static_cast<int>(i);
      switch (sqlite3_column_type(raw, c)) {
        case SQLITE_NULL:
          row[i].reset();
          break;
        case SQLITE_INTEGER:
          row[i] = std::to_string(sqlite3_column_int64(raw, c));
          break;
        case SQLITE_FLOAT: {
          char buf[40];
          std::snprintf(buf, sizeof buf, "%.17g", sqlite3_column_double(raw, c));
          row[i] = buf;
          break;
        }
        case SQLITE_BLOB: {
          const auto* p = static_cast<const unsigned char*>(sqlite3_column_blob(raw, c));
          const int n = sqlite3_column_bytes(raw, c);
          std::string hex;
          hex.reserve(static_cast<size_t>(n) * 2);
          for (int k = 0; k < n; ++k) {
            hex += kHex[p[k] >> 4];
            hex += kHex[p[k] & 15];
          }
          row[i] = std::move(hex);
          break;
        }
        default: {
          const unsigned char* t = sqlite3_column_text(raw, c);
          const int n = sqlite3_column_bytes(raw, c);
          row[i] = std::string(reinterpret_cast<const char*>(t), static_cast<size_t>(n));
          if (IsBlobColumn(table, columns[i])) {
            // A BLOB column holding text: copy its bytes.
            std::string hex;
            for (unsigned char ch : *row[i]) {
              hex += kHex[ch >> 4];
              hex += kHex[ch & 15];
            }
            row[i] = std::move(hex);
          }
        }
      }
    }
    if (!fn(row)) return {};
  }
  return rc == SQLITE_DONE ? std::error_code() : m.Fail(rc);
}

std::error_code SqliteStore::WriteRows(const std::string& /*table*/,
                                       std::span<const TextRow> /*rows*/) {
  return impl_->Fail(Errc::internal, "copying into SQLite is not supported");
}

std::error_code SqliteStore::FinishCopy() { return {}; }

}  // namespace moderated::storage

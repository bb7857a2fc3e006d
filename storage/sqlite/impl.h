// storage/sqlite/impl.h  (internal to storage/)
//
// SqliteStore::Impl and the small helpers every storage/*.cc file shares. Store's
// methods are split by area (store.cc: comments and rules versions;
// sqlite/tokens.cc: API tokens; ...), all on the one connection in Impl.
// Statements of store.cc are prepared at Open() into an enum-indexed table;
// other files use Impl::Cached(), which prepares a statement on first use and
// keeps it for the connection's lifetime.
#ifndef MODERATED_STORAGE_SQLITE_IMPL_H_
#define MODERATED_STORAGE_SQLITE_IMPL_H_

#include <sqlite3.h>

#include <array>
#include <atomic>
#include <map>
#include <span>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "storage/sqlite/handle.h"
#include "storage/sqlite/store.h"

namespace moderated::storage {
namespace internal {

enum StmtId : int {
  kBegin,
  kCommit,
  kRollback,
  kInsertComment,
  kInsertReason,
  kFindByExternalId,
  kGetComment,
  kGetReasons,
  kScan,
  kCount,
  kUpdateStatus,
  kInsertRules,
  kDeactivateRules,
  kActivateRules,
  kListRules,
  kGetRules,
  kActiveRules,
  kInsertLabel,
  kListLabels,
  kNumStmts,
};

// Binds parameters 1, 2, 3, ... in call order and keeps the first error.
class Binder {
 public:
  explicit Binder(sqlite3_stmt* stmt) : stmt_(stmt) {}
  Binder& Text(const std::string& value) {
    return Check(sqlite3_bind_text64(stmt_, ++index_, value.data(), value.size(), SQLITE_STATIC,
                                     SQLITE_UTF8));
  }
  Binder& Int(int64_t value) { return Check(sqlite3_bind_int64(stmt_, ++index_, value)); }
  Binder& Double(double value) { return Check(sqlite3_bind_double(stmt_, ++index_, value)); }
  // An optional value: NULL when absent.
  Binder& Double(const std::optional<double>& value) {
    return value ? Double(*value) : Check(sqlite3_bind_null(stmt_, ++index_));
  }
  Binder& Text(const std::optional<std::string>& value) {
    return value ? Text(*value) : Check(sqlite3_bind_null(stmt_, ++index_));
  }
  int rc() const { return rc_; }

 private:
  Binder& Check(int rc) {
    if (rc_ == SQLITE_OK) rc_ = rc;
    return *this;
  }
  sqlite3_stmt* stmt_;
  int index_ = 0;
  int rc_ = SQLITE_OK;
};

// Reads columns 0, 1, 2, ... of the current row in call order.
class Reader {
 public:
  explicit Reader(sqlite3_stmt* stmt) : stmt_(stmt) {}
  void Text(std::string* out) {
    // column_text before column_bytes: bytes then counts the UTF-8 form.
    const unsigned char* text = sqlite3_column_text(stmt_, index_);
    const int size = sqlite3_column_bytes(stmt_, index_++);
    if (text == nullptr) {
      out->clear();
    } else {
      out->assign(reinterpret_cast<const char*>(text), static_cast<size_t>(size));
    }
  }
  void Blob(std::string* out) {
    const void* blob = sqlite3_column_blob(stmt_, index_);
    const int size = sqlite3_column_bytes(stmt_, index_++);
    if (blob == nullptr) {
      out->clear();
    } else {
      out->assign(static_cast<const char*>(blob), static_cast<size_t>(size));
    }
  }
  void Int(int64_t* out) { *out = sqlite3_column_int64(stmt_, index_++); }
  void Double(double* out) { *out = sqlite3_column_double(stmt_, index_++); }
  void Bool(bool* out) { *out = sqlite3_column_int64(stmt_, index_++) != 0; }

 private:
  sqlite3_stmt* stmt_;
  int index_ = 0;
};

// The review queue's listing and count statements (sqlite/queue.cc), for the
// test that checks their query plans use indexes, never a table scan.
std::vector<std::string> QueueStatements();
// The same for the search over every comment (sqlite/search.cc).
std::vector<std::string> SearchStatements();

// `text` as one FTS5 phrase ("…" with quotes doubled) for MATCH on
// comments_fts: with its trigram tokenizer a phrase matches the comments
// whose content holds `text` as a substring, case folded; a text of fewer
// than 3 characters matches nothing. "" stays "" (no filter).
inline std::string FtsPhrase(const std::string& text) {
  if (text.empty()) return "";
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

// Registers moderated_contains(content, text) on `db` (text_match.cc): 1
// when `content` holds `text` as the text index would find it (a substring
// of 3 or more characters, case folded), for the rows the index does not
// hold yet. Every connection that runs the search statements needs it.
// Returns SQLite's result code.
int RegisterTextFunctions(sqlite3* db);

}  // namespace internal

struct SqliteStore::Impl {
  class Transaction;

  std::string path;
  bool read_only = false;
  internal::DbHandle db;  // declared before stmts: statements are finalized first
  std::array<internal::StmtHandle, internal::kNumStmts> stmts;
  // Statements prepared on first use by Cached(), keyed by their SQL text
  // (a string literal: its address is stable).
  std::map<const char*, internal::StmtHandle> cached;
  std::string last_error;
  // Frames in the WAL after the last commit, set by the WAL hook (installed
  // only without auto_checkpoint). Read by other threads: atomic.
  std::atomic<int64_t> wal_frames{0};
  int busy_timeout_ms = 0;  // StoreOptions::busy_timeout_ms, restored after Checkpoint()

  sqlite3_stmt* stmt(internal::StmtId id) const { return stmts[id].get(); }

  // Records SQLite's message for `rc` and returns it as an Errc.
  std::error_code Fail(int rc) {
    last_error = sqlite3_errmsg(db.get());
    return internal::ErrorFromSqlite(rc);
  }
  std::error_code Fail(Errc errc, std::string message) {
    last_error = std::move(message);
    return errc;
  }
  std::error_code CheckWritable() {
    if (!read_only) return {};
    return Fail(Errc::read_only, "store is open read-only");
  }

  // Runs a statement that returns no rows (BEGIN, COMMIT, ...).
  std::error_code Run(internal::StmtId id) {
    sqlite3_stmt* s = stmt(id);
    internal::ScopedReset reset(s);
    const int rc = sqlite3_step(s);
    return rc == SQLITE_DONE ? std::error_code() : Fail(rc);
  }

  // The statement for `sql` (a string literal), prepared on first use. On
  // failure returns nullptr and records SQLite's message; *rc gets the code.
  sqlite3_stmt* Cached(const char* sql, int* rc) {
    auto it = cached.find(sql);
    if (it != cached.end()) return it->second.get();
    sqlite3_stmt* stmt = nullptr;
    *rc = sqlite3_prepare_v3(db.get(), sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (*rc != SQLITE_OK) {
      last_error = sqlite3_errmsg(db.get());
      sqlite3_finalize(stmt);
      return nullptr;
    }
    return cached.emplace(sql, internal::StmtHandle(stmt)).first->second.get();
  }
};

// BEGIN IMMEDIATE on Begin(); ROLLBACK on destruction unless Commit()
// succeeded. Takes the write lock up front, so a busy database fails at
// BEGIN (after busy_timeout) and never half-way through a write.
class SqliteStore::Impl::Transaction {
 public:
  explicit Transaction(Impl* impl) : impl_(impl) {}
  ~Transaction() {
    // Some errors (SQLITE_FULL, IOERR, ...) already rolled back; then
    // ROLLBACK would only fail with "no transaction is active".
    if (open_ && !sqlite3_get_autocommit(impl_->db.get())) {
      sqlite3_stmt* s = impl_->stmt(internal::kRollback);
      internal::ScopedReset reset(s);
      sqlite3_step(s);
    }
  }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  std::error_code Begin() {
    auto ec = impl_->Run(internal::kBegin);
    open_ = !ec;
    return ec;
  }
  std::error_code Commit() {
    auto ec = impl_->Run(internal::kCommit);
    if (!ec) open_ = false;
    return ec;
  }

 private:
  Impl* impl_;
  bool open_ = false;
};

}  // namespace moderated::storage

#endif  // MODERATED_STORAGE_SQLITE_IMPL_H_

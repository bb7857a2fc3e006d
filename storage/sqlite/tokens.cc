// storage/sqlite/tokens.cc
//
// Store: API tokens and the audit log.
#include <sqlite3.h>

#include "storage/store.h"
#include "storage/sqlite/store.h"
#include "storage/sqlite/impl.h"

namespace moderated::storage {

using internal::Binder;
using internal::Reader;
using internal::ScopedReset;

namespace {

constexpr const char* kInsertToken =
    "INSERT INTO tokens (name, role, sites_json, hash, prefix, created_at_ms, created_by) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
constexpr const char* kFindToken =
    "SELECT id, name, role, sites_json, hash, prefix, created_at_ms, created_by, revoked_at_ms, "
    "last_used_at_ms FROM tokens WHERE hash = ?1";
constexpr const char* kListTokens =
    "SELECT id, name, role, sites_json, '', prefix, created_at_ms, created_by, revoked_at_ms, "
    "last_used_at_ms FROM tokens ORDER BY id";
constexpr const char* kRevokeToken =
    "UPDATE tokens SET revoked_at_ms = ?2 WHERE id = ?1 AND revoked_at_ms = 0";
constexpr const char* kTouchToken = "UPDATE tokens SET last_used_at_ms = ?2 WHERE id = ?1";
constexpr const char* kInsertAudit =
    "INSERT INTO audit_log (at_ms, actor, action, target, before_json, after_json) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6)";

void ReadToken(sqlite3_stmt* s, Token* t) {
  Reader r(s);
  r.Int(&t->id);
  r.Text(&t->name);
  r.Text(&t->role);
  r.Text(&t->sites_json);
  r.Blob(&t->hash);
  r.Text(&t->prefix);
  r.Int(&t->created_at_ms);
  r.Text(&t->created_by);
  r.Int(&t->revoked_at_ms);
  r.Int(&t->last_used_at_ms);
}

}  // namespace

std::error_code SqliteStore::AddToken(const Token& token, int64_t* id) {
  Impl& m = *impl_;
  if (auto ec = m.CheckWritable()) return ec;
  int rc = SQLITE_OK;
  sqlite3_stmt* s = m.Cached(kInsertToken, &rc);
  if (s == nullptr) return m.Fail(rc);
  ScopedReset reset(s);
  Binder b(s);
  b.Text(token.name).Text(token.role).Text(token.sites_json);
  sqlite3_bind_blob(s, 4, token.hash.data(), static_cast<int>(token.hash.size()), SQLITE_STATIC);
  sqlite3_bind_text(s, 5, token.prefix.c_str(), -1, SQLITE_STATIC);
  sqlite3_bind_int64(s, 6, token.created_at_ms);
  sqlite3_bind_text(s, 7, token.created_by.c_str(), -1, SQLITE_STATIC);
  if (b.rc() != SQLITE_OK) return m.Fail(b.rc());
  rc = sqlite3_step(s);
  if (rc != SQLITE_DONE) return m.Fail(rc);
  if (id != nullptr) *id = sqlite3_last_insert_rowid(m.db.get());
  return {};
}

std::error_code SqliteStore::FindTokenByHash(const std::string& hash, Token* out) {
  Impl& m = *impl_;
  int rc = SQLITE_OK;
  sqlite3_stmt* s = m.Cached(kFindToken, &rc);
  if (s == nullptr) return m.Fail(rc);
  ScopedReset reset(s);
  sqlite3_bind_blob(s, 1, hash.data(), static_cast<int>(hash.size()), SQLITE_STATIC);
  rc = sqlite3_step(s);
  if (rc == SQLITE_DONE) return m.Fail(Errc::not_found, "no such token");
  if (rc != SQLITE_ROW) return m.Fail(rc);
  ReadToken(s, out);
  return {};
}

std::error_code SqliteStore::ListTokens(std::vector<Token>* out) {
  Impl& m = *impl_;
  out->clear();
  int rc = SQLITE_OK;
  sqlite3_stmt* s = m.Cached(kListTokens, &rc);
  if (s == nullptr) return m.Fail(rc);
  ScopedReset reset(s);
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) ReadToken(s, &out->emplace_back());
  return rc == SQLITE_DONE ? std::error_code() : m.Fail(rc);
}

std::error_code SqliteStore::RevokeToken(int64_t id, int64_t at_ms) {
  Impl& m = *impl_;
  if (auto ec = m.CheckWritable()) return ec;
  int rc = SQLITE_OK;
  sqlite3_stmt* s = m.Cached(kRevokeToken, &rc);
  if (s == nullptr) return m.Fail(rc);
  ScopedReset reset(s);
  sqlite3_bind_int64(s, 1, id);
  sqlite3_bind_int64(s, 2, at_ms);
  rc = sqlite3_step(s);
  if (rc != SQLITE_DONE) return m.Fail(rc);
  if (sqlite3_changes(m.db.get()) == 0) {
    return m.Fail(Errc::not_found, "no active token " + std::to_string(id));
  }
  return {};
}

std::error_code SqliteStore::TouchToken(int64_t id, int64_t at_ms) {
  Impl& m = *impl_;
  if (auto ec = m.CheckWritable()) return ec;
  int rc = SQLITE_OK;
  sqlite3_stmt* s = m.Cached(kTouchToken, &rc);
  if (s == nullptr) return m.Fail(rc);
  ScopedReset reset(s);
  sqlite3_bind_int64(s, 1, id);
  sqlite3_bind_int64(s, 2, at_ms);
  rc = sqlite3_step(s);
  return rc == SQLITE_DONE ? std::error_code() : m.Fail(rc);
}

std::error_code SqliteStore::AppendAudit(const AuditEntry& e, int64_t* id) {
  Impl& m = *impl_;
  if (auto ec = m.CheckWritable()) return ec;
  int rc = SQLITE_OK;
  sqlite3_stmt* s = m.Cached(kInsertAudit, &rc);
  if (s == nullptr) return m.Fail(rc);
  ScopedReset reset(s);
  Binder b(s);
  b.Int(e.at_ms).Text(e.actor).Text(e.action).Text(e.target).Text(e.before_json).Text(
      e.after_json);
  if (b.rc() != SQLITE_OK) return m.Fail(b.rc());
  rc = sqlite3_step(s);
  if (rc != SQLITE_DONE) return m.Fail(rc);
  if (id != nullptr) *id = sqlite3_last_insert_rowid(m.db.get());
  return {};
}

}  // namespace moderated::storage

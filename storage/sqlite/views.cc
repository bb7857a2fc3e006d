// storage/sqlite/views.cc
//
// Store: the saved views of the queue and the search (a moderator's named
// filter sets, table saved_views, schema.cc migration 13).
#include <sqlite3.h>

#include "storage/sqlite/impl.h"
#include "storage/sqlite/store.h"
#include "storage/store.h"

namespace moderated::storage {

using internal::Binder;
using internal::Reader;
using internal::ScopedReset;

namespace {

#define MODERATED_VIEW_COLUMNS "id, token_id, kind, name, filter_json, created_at_ms, updated_at_ms"
// A new view, or the new filter of the one of that name (kExistingView tells
// which, in the same transaction); RETURNING gives the row as stored.
constexpr const char* kPutView =
    "INSERT INTO saved_views (token_id, kind, name, filter_json, created_at_ms, updated_at_ms)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?5) ON CONFLICT (token_id, kind, name) DO UPDATE SET"
    " filter_json = excluded.filter_json, updated_at_ms = excluded.updated_at_ms"
    " RETURNING " MODERATED_VIEW_COLUMNS;
constexpr const char* kExistingView =
    "SELECT 1 FROM saved_views WHERE token_id = ?1 AND kind = ?2 AND name = ?3";
constexpr const char* kListViews = "SELECT " MODERATED_VIEW_COLUMNS
                                   " FROM saved_views WHERE token_id = ?1"
                                   " AND (?2 IS NULL OR kind = ?2) ORDER BY kind, name";
constexpr const char* kDeleteView = "DELETE FROM saved_views WHERE token_id = ?1 AND id = ?2";
#undef MODERATED_VIEW_COLUMNS

void ReadView(sqlite3_stmt* s, SavedView* v) {
  Reader r(s);
  r.Int(&v->id);
  r.Int(&v->token_id);
  r.Text(&v->kind);
  r.Text(&v->name);
  r.Text(&v->filter_json);
  r.Int(&v->created_at_ms);
  r.Int(&v->updated_at_ms);
}

}  // namespace

std::error_code SqliteStore::PutSavedView(const SavedView& view, SavedView* stored, bool* created) {
  Impl& m = *impl_;
  if (auto ec = m.CheckWritable()) return ec;
  Impl::Transaction txn(&m);
  if (auto ec = txn.Begin()) return ec;
  int rc = SQLITE_OK;
  bool existed = false;
  {
    sqlite3_stmt* s = m.Cached(kExistingView, &rc);
    if (s == nullptr) return m.Fail(rc);
    ScopedReset reset(s);
    Binder b(s);
    b.Int(view.token_id).Text(view.kind).Text(view.name);
    if (b.rc() != SQLITE_OK) return m.Fail(b.rc());
    rc = sqlite3_step(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return m.Fail(rc);
    existed = rc == SQLITE_ROW;
  }
  {
    sqlite3_stmt* s = m.Cached(kPutView, &rc);
    if (s == nullptr) return m.Fail(rc);
    ScopedReset reset(s);
    Binder b(s);
    b.Int(view.token_id)
        .Text(view.kind)
        .Text(view.name)
        .Text(view.filter_json)
        .Int(view.updated_at_ms);
    if (b.rc() != SQLITE_OK) return m.Fail(b.rc());
    rc = sqlite3_step(s);
    if (rc != SQLITE_ROW) return m.Fail(rc);
    ReadView(s, stored);
    rc = sqlite3_step(s);
    if (rc != SQLITE_DONE) return m.Fail(rc);
  }
  if (auto ec = txn.Commit()) return ec;
  if (created != nullptr) *created = !existed;
  return {};
}

std::error_code SqliteStore::ListSavedViews(int64_t token_id, const std::string& kind,
                                            std::vector<SavedView>* out) {
  Impl& m = *impl_;
  out->clear();
  int rc = SQLITE_OK;
  sqlite3_stmt* s = m.Cached(kListViews, &rc);
  if (s == nullptr) return m.Fail(rc);
  ScopedReset reset(s);
  sqlite3_bind_int64(s, 1, token_id);
  if (!kind.empty()) sqlite3_bind_text(s, 2, kind.c_str(), -1, SQLITE_STATIC);
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) ReadView(s, &out->emplace_back());
  return rc == SQLITE_DONE ? std::error_code() : m.Fail(rc);
}

std::error_code SqliteStore::DeleteSavedView(int64_t token_id, int64_t id) {
  Impl& m = *impl_;
  if (auto ec = m.CheckWritable()) return ec;
  int rc = SQLITE_OK;
  sqlite3_stmt* s = m.Cached(kDeleteView, &rc);
  if (s == nullptr) return m.Fail(rc);
  ScopedReset reset(s);
  sqlite3_bind_int64(s, 1, token_id);
  sqlite3_bind_int64(s, 2, id);
  rc = sqlite3_step(s);
  if (rc != SQLITE_DONE) return m.Fail(rc);
  if (sqlite3_changes(m.db.get()) == 0) {
    return m.Fail(Errc::not_found, "no saved view " + std::to_string(id));
  }
  return {};
}

}  // namespace moderated::storage

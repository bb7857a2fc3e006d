// storage/sqlite/models.cc
//
// Store: classifier model versions (table models) and the labelled comments
// the learning loop trains on (tables comments and labels).
#include <sqlite3.h>

#include "storage/store.h"
#include "storage/sqlite/store.h"
#include "storage/sqlite/impl.h"
#include "storage/sql_terms.h"

namespace moderated::storage {

using internal::Binder;
using internal::Reader;
using internal::ScopedReset;

namespace {

constexpr const char* kInsertModel =
    "INSERT INTO models (version, bytes, report_json, author, note, created_at_ms, active, site, "
    "calibration) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, ?7, ?8)";
constexpr const char* kDeactivateSite =
    "UPDATE models SET active = 0 WHERE active = 1 AND site = ?1";
constexpr const char* kSiteOfModel = "SELECT site FROM models WHERE id = ?1";
constexpr const char* kActivateModel = "UPDATE models SET active = 1 WHERE id = ?1";
#define MODEL_COLUMNS \
  "id, version, length(bytes), report_json, author, note, created_at_ms, active, site, calibration"
constexpr const char* kListModels = "SELECT " MODEL_COLUMNS " FROM models ORDER BY id DESC";
constexpr const char* kGetModel = "SELECT " MODEL_COLUMNS ", bytes FROM models WHERE id = ?1";
constexpr const char* kActiveModel =
    "SELECT " MODEL_COLUMNS ", bytes FROM models WHERE active = 1 AND site = ''";
constexpr const char* kActiveSiteModels =
    "SELECT " MODEL_COLUMNS ", bytes FROM models WHERE active = 1 AND site <> '' ORDER BY site";
#undef MODEL_COLUMNS
// Starts from the labels (index labels_comment): one row per labelled
// comment, its newest usable label. Undone labels and "rejected"/"undo"
// rows never count.
constexpr const char* kScanLabelled =
    "SELECT c.id, c.content, l.label, c.site, c.language "
    "FROM labels l JOIN comments c ON c.id = l.comment_id "
    "WHERE l.comment_id > ?1 AND " MODERATED_EFFECTIVE_LABEL("l") " ORDER BY l.comment_id";

void ReadModel(sqlite3_stmt* s, ModelVersion* m, bool with_bytes) {
  Reader r(s);
  r.Int(&m->id);
  r.Text(&m->version);
  r.Int(&m->size_bytes);
  r.Text(&m->report_json);
  r.Text(&m->author);
  r.Text(&m->note);
  r.Int(&m->created_at_ms);
  r.Bool(&m->active);
  r.Text(&m->site);
  r.Text(&m->calibration);
  if (with_bytes) {
    r.Blob(&m->bytes);
  } else {
    m->bytes.clear();
  }
}

}  // namespace

std::error_code SqliteStore::AddModel(const ModelVersion& model, int64_t* id) {
  Impl& m = *impl_;
  if (auto ec = m.CheckWritable()) return ec;
  if (model.bytes.empty()) return m.Fail(Errc::constraint, "model bytes are empty");
  int rc = SQLITE_OK;
  sqlite3_stmt* s = m.Cached(kInsertModel, &rc);
  if (s == nullptr) return m.Fail(rc);
  ScopedReset reset(s);
  Binder b(s);
  b.Text(model.version);
  if (b.rc() != SQLITE_OK) return m.Fail(b.rc());
  rc = sqlite3_bind_blob64(s, 2, model.bytes.data(), model.bytes.size(), SQLITE_STATIC);
  if (rc != SQLITE_OK) return m.Fail(rc);
  rc = sqlite3_bind_text64(s, 3, model.report_json.data(), model.report_json.size(),
                           SQLITE_STATIC, SQLITE_UTF8);
  if (rc == SQLITE_OK)
    rc = sqlite3_bind_text64(s, 4, model.author.data(), model.author.size(), SQLITE_STATIC,
                             SQLITE_UTF8);
  if (rc == SQLITE_OK)
    rc = sqlite3_bind_text64(s, 5, model.note.data(), model.note.size(), SQLITE_STATIC,
                             SQLITE_UTF8);
  if (rc == SQLITE_OK) rc = sqlite3_bind_int64(s, 6, model.created_at_ms);
  if (rc == SQLITE_OK)
    rc = sqlite3_bind_text64(s, 7, model.site.data(), model.site.size(), SQLITE_STATIC,
                             SQLITE_UTF8);
  if (rc == SQLITE_OK)
    rc = sqlite3_bind_text64(s, 8, model.calibration.data(), model.calibration.size(),
                             SQLITE_STATIC, SQLITE_UTF8);
  if (rc != SQLITE_OK) return m.Fail(rc);
  rc = sqlite3_step(s);
  if (rc != SQLITE_DONE) return m.Fail(rc);
  if (id != nullptr) *id = sqlite3_last_insert_rowid(m.db.get());
  return {};
}

std::error_code SqliteStore::ActivateModel(int64_t id, const AuditEntry* audit) {
  Impl& m = *impl_;
  if (auto ec = m.CheckWritable()) return ec;
  int rc = SQLITE_OK;
  sqlite3_stmt* site_of = m.Cached(kSiteOfModel, &rc);
  if (site_of == nullptr) return m.Fail(rc);
  sqlite3_stmt* deactivate = m.Cached(kDeactivateSite, &rc);
  if (deactivate == nullptr) return m.Fail(rc);
  sqlite3_stmt* activate = m.Cached(kActivateModel, &rc);
  if (activate == nullptr) return m.Fail(rc);
  Impl::Transaction txn(&m);
  if (auto ec = txn.Begin()) return ec;
  std::string site;  // id 0: the base model
  if (id != 0) {
    ScopedReset reset(site_of);
    sqlite3_bind_int64(site_of, 1, id);
    rc = sqlite3_step(site_of);
    // Unknown id: the transaction rolls back, the old model stays active.
    if (rc == SQLITE_DONE) return m.Fail(Errc::not_found, "no model " + std::to_string(id));
    if (rc != SQLITE_ROW) return m.Fail(rc);
    Reader(site_of).Text(&site);
  }
  {
    ScopedReset reset(deactivate);
    Binder(deactivate).Text(site);
    rc = sqlite3_step(deactivate);
    if (rc != SQLITE_DONE) return m.Fail(rc);
  }
  if (id != 0) {
    ScopedReset reset(activate);
    sqlite3_bind_int64(activate, 1, id);
    rc = sqlite3_step(activate);
    if (rc != SQLITE_DONE) return m.Fail(rc);
  }
  if (audit != nullptr) {
    if (auto ec = AppendAudit(*audit)) return ec;
  }
  return txn.Commit();
}

std::error_code SqliteStore::DeactivateModels(const std::string& site, const AuditEntry* audit) {
  Impl& m = *impl_;
  if (auto ec = m.CheckWritable()) return ec;
  int rc = SQLITE_OK;
  sqlite3_stmt* deactivate = m.Cached(kDeactivateSite, &rc);
  if (deactivate == nullptr) return m.Fail(rc);
  Impl::Transaction txn(&m);
  if (auto ec = txn.Begin()) return ec;
  {
    ScopedReset reset(deactivate);
    Binder(deactivate).Text(site);
    rc = sqlite3_step(deactivate);
    if (rc != SQLITE_DONE) return m.Fail(rc);
  }
  if (audit != nullptr) {
    if (auto ec = AppendAudit(*audit)) return ec;
  }
  return txn.Commit();
}

std::error_code SqliteStore::ListModels(std::vector<ModelVersion>* out) {
  Impl& m = *impl_;
  out->clear();
  int rc = SQLITE_OK;
  sqlite3_stmt* s = m.Cached(kListModels, &rc);
  if (s == nullptr) return m.Fail(rc);
  ScopedReset reset(s);
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) ReadModel(s, &out->emplace_back(), false);
  if (rc != SQLITE_DONE) {
    out->clear();
    return m.Fail(rc);
  }
  return {};
}

std::error_code SqliteStore::GetModel(int64_t id, ModelVersion* out) {
  Impl& m = *impl_;
  int rc = SQLITE_OK;
  sqlite3_stmt* s = m.Cached(kGetModel, &rc);
  if (s == nullptr) return m.Fail(rc);
  ScopedReset reset(s);
  sqlite3_bind_int64(s, 1, id);
  rc = sqlite3_step(s);
  if (rc == SQLITE_DONE) return m.Fail(Errc::not_found, "no model " + std::to_string(id));
  if (rc != SQLITE_ROW) return m.Fail(rc);
  ReadModel(s, out, true);
  return {};
}

std::error_code SqliteStore::ActiveModel(ModelVersion* out) {
  Impl& m = *impl_;
  int rc = SQLITE_OK;
  sqlite3_stmt* s = m.Cached(kActiveModel, &rc);
  if (s == nullptr) return m.Fail(rc);
  ScopedReset reset(s);
  rc = sqlite3_step(s);
  if (rc == SQLITE_DONE) return m.Fail(Errc::not_found, "no active model");
  if (rc != SQLITE_ROW) return m.Fail(rc);
  ReadModel(s, out, true);
  return {};
}

std::error_code SqliteStore::ActiveSiteModels(std::vector<ModelVersion>* out) {
  Impl& m = *impl_;
  out->clear();
  int rc = SQLITE_OK;
  sqlite3_stmt* s = m.Cached(kActiveSiteModels, &rc);
  if (s == nullptr) return m.Fail(rc);
  ScopedReset reset(s);
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) ReadModel(s, &out->emplace_back(), true);
  if (rc != SQLITE_DONE) {
    out->clear();
    return m.Fail(rc);
  }
  return {};
}

std::error_code SqliteStore::ScanLabelledComments(
    int64_t since_id, const std::function<bool(const LabelledComment&)>& fn) {
  Impl& m = *impl_;
  int rc = SQLITE_OK;
  sqlite3_stmt* s = m.Cached(kScanLabelled, &rc);
  if (s == nullptr) return m.Fail(rc);
  ScopedReset reset(s);
  sqlite3_bind_int64(s, 1, since_id);
  LabelledComment row;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    Reader r(s);
    r.Int(&row.comment_id);
    r.Text(&row.content);
    r.Text(&row.label);
    r.Text(&row.site);
    r.Text(&row.language);
    if (!fn(row)) return {};
  }
  return rc == SQLITE_DONE ? std::error_code() : m.Fail(rc);
}

}  // namespace moderated::storage

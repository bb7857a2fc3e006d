// storage/sqlite/admin.cc
//
// Store: the site registry, audit-log queries and the webhook outbox.
#include <sqlite3.h>

#include <string>
#include <utility>

#include "storage/store.h"
#include "storage/sqlite/store.h"
#include "storage/sqlite/impl.h"

namespace moderated::storage {

using internal::Binder;
using internal::Reader;
using internal::ScopedReset;

namespace {

// Column order read by ReadSite(); keep the two in step.
#define MODERATED_SITE_COLUMNS                                                              \
  "name, hold_at, reject_at, languages_json, webhook_url, webhook_secret, retention_days, " \
  "created_at_ms, updated_at_ms, sensitivity, spot_check"

constexpr const char* kListSites = "SELECT " MODERATED_SITE_COLUMNS " FROM sites ORDER BY name";
constexpr const char* kGetSite = "SELECT " MODERATED_SITE_COLUMNS " FROM sites WHERE name = ?1";
// created_at_ms survives a replacement: it is when the site was first put.
constexpr const char* kPutSite =
    "INSERT INTO sites (" MODERATED_SITE_COLUMNS
    ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) "
    "ON CONFLICT (name) DO UPDATE SET hold_at = excluded.hold_at, "
    "reject_at = excluded.reject_at, languages_json = excluded.languages_json, "
    "webhook_url = excluded.webhook_url, webhook_secret = excluded.webhook_secret, "
    "retention_days = excluded.retention_days, updated_at_ms = excluded.updated_at_ms, "
    "sensitivity = excluded.sensitivity, spot_check = excluded.spot_check";
constexpr const char* kSiteExists = "SELECT 1 FROM sites WHERE name = ?1";
constexpr const char* kDeleteSite = "DELETE FROM sites WHERE name = ?1";

// One statement for every filter combination: an unused filter is bound to
// its neutral value. The cursor and the order use the primary key, so pages
// never skip or repeat an entry even when several share a timestamp.
constexpr const char* kQueryAudit =
    "SELECT id, at_ms, actor, action, target, before_json, after_json FROM audit_log "
    "WHERE (?1 = '' OR action = ?1 OR (substr(?1, -1) = '.' AND substr(action, 1, length(?1)) = "
    "?1)) "
    "AND (?2 = '' OR actor = ?2) AND (?3 = '' OR target = ?3) "
    "AND at_ms >= ?4 AND (?5 = 0 OR at_ms < ?5) AND (?6 = 0 OR id < ?6) "
    "ORDER BY id DESC LIMIT ?7";

constexpr const char* kInsertOutbox =
    "INSERT INTO outbox (event_id, site, url, payload, attempts, next_attempt_at_ms, "
    "delivered_at_ms, last_error, created_at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
// Uses index outbox_due (delivered_at_ms, next_attempt_at_ms).
constexpr const char* kDueOutbox =
    "SELECT id, event_id, site, url, payload, attempts, next_attempt_at_ms, delivered_at_ms, "
    "last_error, created_at_ms FROM outbox WHERE delivered_at_ms = 0 AND next_attempt_at_ms <= ?1 "
    "ORDER BY next_attempt_at_ms, id LIMIT ?2";
constexpr const char* kCountUndelivered =
    "SELECT coalesce(sum(next_attempt_at_ms < ?1), 0), coalesce(sum(next_attempt_at_ms >= ?1), 0) "
    "FROM outbox WHERE delivered_at_ms = 0";
constexpr const char* kGetOutbox =
    "SELECT id, event_id, site, url, payload, attempts, next_attempt_at_ms, delivered_at_ms, "
    "last_error, created_at_ms FROM outbox WHERE event_id = ?1";
constexpr const char* kOutboxDelivered =
    "UPDATE outbox SET delivered_at_ms = ?2, attempts = attempts + 1, last_error = '' "
    "WHERE id = ?1 AND delivered_at_ms = 0";
constexpr const char* kOutboxFailed =
    "UPDATE outbox SET attempts = attempts + 1, next_attempt_at_ms = ?2, last_error = ?3 "
    "WHERE id = ?1 AND delivered_at_ms = 0";

void ReadSite(sqlite3_stmt* s, Site* site) {
  Reader r(s);
  r.Text(&site->name);
  site->hold_at.reset();
  site->reject_at.reset();
  if (sqlite3_column_type(s, 1) != SQLITE_NULL) site->hold_at = sqlite3_column_double(s, 1);
  if (sqlite3_column_type(s, 2) != SQLITE_NULL) site->reject_at = sqlite3_column_double(s, 2);
  double ignored;
  r.Double(&ignored);
  r.Double(&ignored);
  r.Text(&site->languages_json);
  r.Text(&site->webhook_url);
  r.Text(&site->webhook_secret);
  r.Int(&site->retention_days);
  r.Int(&site->created_at_ms);
  r.Int(&site->updated_at_ms);
  std::string sensitivity;
  double spot_check = 0;
  r.Text(&sensitivity);
  r.Double(&spot_check);
  site->sensitivity.reset();
  site->spot_check.reset();
  if (sqlite3_column_type(s, 9) != SQLITE_NULL) site->sensitivity = std::move(sensitivity);
  if (sqlite3_column_type(s, 10) != SQLITE_NULL) site->spot_check = spot_check;
}

void ReadAudit(sqlite3_stmt* s, AuditEntry* e) {
  Reader r(s);
  r.Int(&e->id);
  r.Int(&e->at_ms);
  r.Text(&e->actor);
  r.Text(&e->action);
  r.Text(&e->target);
  r.Text(&e->before_json);
  r.Text(&e->after_json);
}

void ReadOutbox(sqlite3_stmt* s, OutboxEvent* e) {
  Reader r(s);
  r.Int(&e->id);
  r.Text(&e->event_id);
  r.Text(&e->site);
  r.Text(&e->url);
  r.Text(&e->payload);
  r.Int(&e->attempts);
  r.Int(&e->next_attempt_at_ms);
  r.Int(&e->delivered_at_ms);
  r.Text(&e->last_error);
  r.Int(&e->created_at_ms);
}

}  // namespace

std::error_code SqliteStore::ListSites(std::vector<Site>* out) {
  Impl& m = *impl_;
  out->clear();
  int rc = SQLITE_OK;
  sqlite3_stmt* s = m.Cached(kListSites, &rc);
  if (s == nullptr) return m.Fail(rc);
  ScopedReset reset(s);
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) ReadSite(s, &out->emplace_back());
  return rc == SQLITE_DONE ? std::error_code() : m.Fail(rc);
}

std::error_code SqliteStore::GetSite(const std::string& name, Site* out) {
  Impl& m = *impl_;
  int rc = SQLITE_OK;
  sqlite3_stmt* s = m.Cached(kGetSite, &rc);
  if (s == nullptr) return m.Fail(rc);
  ScopedReset reset(s);
  Binder b(s);
  b.Text(name);
  if (b.rc() != SQLITE_OK) return m.Fail(b.rc());
  rc = sqlite3_step(s);
  if (rc == SQLITE_DONE) return m.Fail(Errc::not_found, "no site '" + name + "'");
  if (rc != SQLITE_ROW) return m.Fail(rc);
  ReadSite(s, out);
  return {};
}

std::error_code SqliteStore::PutSite(const Site& site, const AuditEntry& audit, bool* created) {
  Impl& m = *impl_;
  if (auto ec = m.CheckWritable()) return ec;
  int rc = SQLITE_OK;
  sqlite3_stmt* exists = m.Cached(kSiteExists, &rc);
  if (exists == nullptr) return m.Fail(rc);
  sqlite3_stmt* put = m.Cached(kPutSite, &rc);
  if (put == nullptr) return m.Fail(rc);
  Impl::Transaction txn(&m);
  if (auto ec = txn.Begin()) return ec;
  bool existed = false;
  {
    ScopedReset reset(exists);
    Binder b(exists);
    b.Text(site.name);
    if (b.rc() != SQLITE_OK) return m.Fail(b.rc());
    rc = sqlite3_step(exists);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return m.Fail(rc);
    existed = rc == SQLITE_ROW;
  }
  {
    ScopedReset reset(put);
    Binder b(put);
    b.Text(site.name)
        .Double(site.hold_at)
        .Double(site.reject_at)
        .Text(site.languages_json)
        .Text(site.webhook_url)
        .Text(site.webhook_secret)
        .Int(site.retention_days)
        .Int(site.created_at_ms)
        .Int(site.updated_at_ms)
        .Text(site.sensitivity)
        .Double(site.spot_check);
    rc = b.rc();
    if (rc != SQLITE_OK) return m.Fail(rc);
    rc = sqlite3_step(put);
    if (rc != SQLITE_DONE) return m.Fail(rc);
  }
  if (auto ec = AppendAudit(audit)) return ec;
  if (auto ec = txn.Commit()) return ec;
  if (created != nullptr) *created = !existed;
  return {};
}

std::error_code SqliteStore::DeleteSite(const std::string& name, const AuditEntry& audit) {
  Impl& m = *impl_;
  if (auto ec = m.CheckWritable()) return ec;
  int rc = SQLITE_OK;
  sqlite3_stmt* s = m.Cached(kDeleteSite, &rc);
  if (s == nullptr) return m.Fail(rc);
  Impl::Transaction txn(&m);
  if (auto ec = txn.Begin()) return ec;
  {
    ScopedReset reset(s);
    Binder b(s);
    b.Text(name);
    if (b.rc() != SQLITE_OK) return m.Fail(b.rc());
    rc = sqlite3_step(s);
    if (rc != SQLITE_DONE) return m.Fail(rc);
    if (sqlite3_changes(m.db.get()) == 0) return m.Fail(Errc::not_found, "no site '" + name + "'");
  }
  if (auto ec = AppendAudit(audit)) return ec;
  return txn.Commit();
}

std::error_code SqliteStore::QueryAudit(const AuditQuery& q, std::vector<AuditEntry>* out) {
  Impl& m = *impl_;
  out->clear();
  int rc = SQLITE_OK;
  sqlite3_stmt* s = m.Cached(kQueryAudit, &rc);
  if (s == nullptr) return m.Fail(rc);
  ScopedReset reset(s);
  Binder b(s);
  b.Text(q.action)
      .Text(q.actor)
      .Text(q.target)
      .Int(q.since_ms)
      .Int(q.until_ms)
      .Int(q.before_id)
      .Int(q.limit);
  if (b.rc() != SQLITE_OK) return m.Fail(b.rc());
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) ReadAudit(s, &out->emplace_back());
  return rc == SQLITE_DONE ? std::error_code() : m.Fail(rc);
}

std::error_code SqliteStore::AddOutboxEvent(const OutboxEvent& e, int64_t* id) {
  Impl& m = *impl_;
  if (auto ec = m.CheckWritable()) return ec;
  int rc = SQLITE_OK;
  sqlite3_stmt* s = m.Cached(kInsertOutbox, &rc);
  if (s == nullptr) return m.Fail(rc);
  ScopedReset reset(s);
  Binder b(s);
  b.Text(e.event_id)
      .Text(e.site)
      .Text(e.url)
      .Text(e.payload)
      .Int(e.attempts)
      .Int(e.next_attempt_at_ms)
      .Int(e.delivered_at_ms)
      .Text(e.last_error)
      .Int(e.created_at_ms);
  if (b.rc() != SQLITE_OK) return m.Fail(b.rc());
  rc = sqlite3_step(s);
  if (rc != SQLITE_DONE) return m.Fail(rc);
  if (id != nullptr) *id = sqlite3_last_insert_rowid(m.db.get());
  return {};
}

std::error_code SqliteStore::CountUndelivered(int64_t gave_up_at_ms, int64_t* pending,
                                        int64_t* gave_up) {
  Impl& m = *impl_;
  int rc = SQLITE_OK;
  sqlite3_stmt* s = m.Cached(kCountUndelivered, &rc);
  if (s == nullptr) return m.Fail(rc);
  ScopedReset reset(s);
  Binder b(s);
  b.Int(gave_up_at_ms);
  if (b.rc() != SQLITE_OK) return m.Fail(b.rc());
  rc = sqlite3_step(s);
  if (rc != SQLITE_ROW) return m.Fail(rc);
  *pending = sqlite3_column_int64(s, 0);
  *gave_up = sqlite3_column_int64(s, 1);
  return {};
}

std::error_code SqliteStore::DueOutboxEvents(int64_t now_ms, int64_t limit,
                                       std::vector<OutboxEvent>* out) {
  Impl& m = *impl_;
  out->clear();
  int rc = SQLITE_OK;
  sqlite3_stmt* s = m.Cached(kDueOutbox, &rc);
  if (s == nullptr) return m.Fail(rc);
  ScopedReset reset(s);
  Binder b(s);
  b.Int(now_ms).Int(limit);
  if (b.rc() != SQLITE_OK) return m.Fail(b.rc());
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) ReadOutbox(s, &out->emplace_back());
  return rc == SQLITE_DONE ? std::error_code() : m.Fail(rc);
}

std::error_code SqliteStore::GetOutboxEvent(const std::string& event_id, OutboxEvent* out) {
  Impl& m = *impl_;
  int rc = SQLITE_OK;
  sqlite3_stmt* s = m.Cached(kGetOutbox, &rc);
  if (s == nullptr) return m.Fail(rc);
  ScopedReset reset(s);
  Binder b(s);
  b.Text(event_id);
  if (b.rc() != SQLITE_OK) return m.Fail(b.rc());
  rc = sqlite3_step(s);
  if (rc == SQLITE_DONE) return m.Fail(Errc::not_found, "no outbox event '" + event_id + "'");
  if (rc != SQLITE_ROW) return m.Fail(rc);
  ReadOutbox(s, out);
  return {};
}

namespace {

// Runs an UPDATE of one outbox row; not_found when it changed nothing.
template <typename StoreImpl, typename Bind>
std::error_code UpdateOutbox(StoreImpl& m, const char* sql, int64_t id, Bind bind) {
  if (auto ec = m.CheckWritable()) return ec;
  int rc = SQLITE_OK;
  sqlite3_stmt* s = m.Cached(sql, &rc);
  if (s == nullptr) return m.Fail(rc);
  ScopedReset reset(s);
  Binder b(s);
  b.Int(id);
  bind(b);
  if (b.rc() != SQLITE_OK) return m.Fail(b.rc());
  rc = sqlite3_step(s);
  if (rc != SQLITE_DONE) return m.Fail(rc);
  if (sqlite3_changes(m.db.get()) == 0) {
    return m.Fail(Errc::not_found, "no undelivered outbox event " + std::to_string(id));
  }
  return {};
}

}  // namespace

std::error_code SqliteStore::MarkOutboxDelivered(int64_t id, int64_t at_ms) {
  return UpdateOutbox(*impl_, kOutboxDelivered, id, [&](Binder& b) { b.Int(at_ms); });
}

std::error_code SqliteStore::MarkOutboxFailed(int64_t id, int64_t next_attempt_at_ms,
                                        const std::string& error) {
  return UpdateOutbox(*impl_, kOutboxFailed, id,
                      [&](Binder& b) { b.Int(next_attempt_at_ms).Text(error); });
}

}  // namespace moderated::storage

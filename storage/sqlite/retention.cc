// storage/sqlite/retention.cc
//
// Store: retention purges, erasure of one author's data (ForgetAuthor), and
// the pending-per-site count behind the review-queue gauge.
//
// Comments are deleted by id; reasons, labels, decisions and claims go with
// them through ON DELETE CASCADE (foreign_keys is ON for every connection).
#include <sqlite3.h>

#include <vector>

#include "storage/store.h"
#include "storage/sqlite/store.h"
#include "storage/sqlite/impl.h"

namespace moderated::storage {

using internal::Binder;
using internal::ScopedReset;

namespace {

// ?1 site ("" = all), ?2 skip sites with their own retention, ?3 cutoff.
// The (site, received_at_ms) index serves the per-site form.
#define MODERATED_PURGE_WHERE                                                              \
  "status IN ('approved', 'rejected') AND received_at_ms < ?3 AND updated_at_ms < ?3 "    \
  "AND (?1 = '' OR site = ?1) "                                                            \
  "AND NOT (?2 AND site IN (SELECT name FROM sites WHERE retention_days > 0))"

constexpr const char* kCountPurgeable =
    "SELECT count(*) FROM comments WHERE " MODERATED_PURGE_WHERE;
constexpr const char* kPurge =
    "DELETE FROM comments WHERE id IN (SELECT id FROM comments WHERE " MODERATED_PURGE_WHERE
    " ORDER BY id LIMIT ?4)";
#undef MODERATED_PURGE_WHERE

constexpr const char* kSiteRetention =
    "SELECT name, retention_days FROM sites WHERE retention_days > 0 ORDER BY name";
constexpr const char* kPendingBySite =
    "SELECT site, count(*) FROM comments WHERE status = 'pending' GROUP BY site";

// ASCII case-insensitive: an erasure request should not miss "Bob@Example.com".
constexpr const char* kAuthorComments =
    "SELECT id FROM comments WHERE author_email = ?1 COLLATE NOCASE";
constexpr const char* kDeleteComments =
    "DELETE FROM comments WHERE id IN (SELECT value FROM json_each(?1))";
// Webhook payloads written by the review transaction carry the comment as
// {"comment": {"id": N, ...}}; other writers may use "comment_id".
constexpr const char* kDeleteOutbox =
    "DELETE FROM outbox WHERE instr(lower(payload), lower(?1)) > 0 OR "
    "(CASE WHEN json_valid(payload) THEN coalesce(json_extract(payload, '$.comment.id'), "
    "json_extract(payload, '$.comment_id')) END) IN (SELECT value FROM json_each(?2))";
// Replace only where the result is still valid JSON (the CHECKs demand it).
constexpr const char* kRedactAudit =
    "UPDATE audit_log SET before_json = replace(before_json, ?1, '[forgotten]'), "
    "after_json = replace(after_json, ?1, '[forgotten]') "
    "WHERE (instr(before_json, ?1) > 0 OR instr(after_json, ?1) > 0) "
    "AND json_valid(replace(before_json, ?1, '[forgotten]')) "
    "AND json_valid(replace(after_json, ?1, '[forgotten]'))";
constexpr const char* kInsertForgetAudit =
    "INSERT INTO audit_log (at_ms, actor, action, target, before_json, after_json) "
    "VALUES (?1, ?2, ?3, ?4, ?5, json_set(?6, '$.comments', ?7, '$.outbox', ?8, "
    "'$.audit_redacted', ?9))";

void BindFilter(Binder& b, const PurgeFilter& f) {
  b.Text(f.site).Int(f.skip_sites_with_retention ? 1 : 0).Int(f.cutoff_ms);
}

}  // namespace

std::error_code SqliteStore::CountPurgeable(const PurgeFilter& filter, int64_t* count) {
  Impl& m = *impl_;
  int rc = SQLITE_OK;
  sqlite3_stmt* s = m.Cached(kCountPurgeable, &rc);
  if (s == nullptr) return m.Fail(rc);
  ScopedReset reset(s);
  Binder b(s);
  BindFilter(b, filter);
  if (b.rc() != SQLITE_OK) return m.Fail(b.rc());
  rc = sqlite3_step(s);
  if (rc != SQLITE_ROW) return m.Fail(rc);
  *count = sqlite3_column_int64(s, 0);
  return {};
}

std::error_code SqliteStore::PurgeDecided(const PurgeFilter& filter, int64_t limit, int64_t* deleted) {
  Impl& m = *impl_;
  *deleted = 0;
  if (auto ec = m.CheckWritable()) return ec;
  if (limit <= 0) return m.Fail(Errc::constraint, "purge limit must be positive");
  int rc = SQLITE_OK;
  sqlite3_stmt* s = m.Cached(kPurge, &rc);
  if (s == nullptr) return m.Fail(rc);
  Impl::Transaction txn(&m);
  if (auto ec = txn.Begin()) return ec;
  {
    ScopedReset reset(s);
    Binder b(s);
    BindFilter(b, filter);
    b.Int(limit);
    if (b.rc() != SQLITE_OK) return m.Fail(b.rc());
    rc = sqlite3_step(s);
    if (rc != SQLITE_DONE) return m.Fail(rc);
  }
  int64_t n = sqlite3_changes64(m.db.get());
  if (auto ec = txn.Commit()) return ec;
  *deleted = n;
  return {};
}

std::error_code SqliteStore::SiteRetentionDays(std::map<std::string, int64_t>* out) {
  Impl& m = *impl_;
  out->clear();
  int rc = SQLITE_OK;
  sqlite3_stmt* s = m.Cached(kSiteRetention, &rc);
  if (s == nullptr) return m.Fail(rc);
  ScopedReset reset(s);
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    (*out)[reinterpret_cast<const char*>(sqlite3_column_text(s, 0))] =
        sqlite3_column_int64(s, 1);
  }
  return rc == SQLITE_DONE ? std::error_code() : m.Fail(rc);
}

std::error_code SqliteStore::CountPendingBySite(std::map<std::string, int64_t>* out) {
  Impl& m = *impl_;
  out->clear();
  int rc = SQLITE_OK;
  sqlite3_stmt* s = m.Cached(kPendingBySite, &rc);
  if (s == nullptr) return m.Fail(rc);
  ScopedReset reset(s);
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    (*out)[reinterpret_cast<const char*>(sqlite3_column_text(s, 0))] =
        sqlite3_column_int64(s, 1);
  }
  return rc == SQLITE_DONE ? std::error_code() : m.Fail(rc);
}

std::error_code SqliteStore::ForgetAuthor(const std::string& email, const AuditEntry& audit,
                                    ForgetResult* result) {
  Impl& m = *impl_;
  *result = {};
  if (auto ec = m.CheckWritable()) return ec;
  if (email.empty()) return m.Fail(Errc::constraint, "empty e-mail");
  int rc = SQLITE_OK;
  sqlite3_stmt* find = m.Cached(kAuthorComments, &rc);
  sqlite3_stmt* del = find ? m.Cached(kDeleteComments, &rc) : nullptr;
  sqlite3_stmt* outbox = del ? m.Cached(kDeleteOutbox, &rc) : nullptr;
  sqlite3_stmt* redact = outbox ? m.Cached(kRedactAudit, &rc) : nullptr;
  sqlite3_stmt* log = redact ? m.Cached(kInsertForgetAudit, &rc) : nullptr;
  if (log == nullptr) return m.Fail(rc);

  Impl::Transaction txn(&m);
  if (auto ec = txn.Begin()) return ec;
  ForgetResult r;
  std::string ids = "[";
  {
    ScopedReset reset(find);
    Binder b(find);
    b.Text(email);
    if (b.rc() != SQLITE_OK) return m.Fail(b.rc());
    while ((rc = sqlite3_step(find)) == SQLITE_ROW) {
      if (ids.size() > 1) ids += ',';
      ids += std::to_string(sqlite3_column_int64(find, 0));
    }
    if (rc != SQLITE_DONE) return m.Fail(rc);
  }
  ids += ']';
  auto run = [&](sqlite3_stmt* s, auto bind, int64_t* changes) -> std::error_code {
    ScopedReset reset(s);
    Binder b(s);
    bind(b);
    if (b.rc() != SQLITE_OK) return m.Fail(b.rc());
    int step = sqlite3_step(s);
    if (step != SQLITE_DONE) return m.Fail(step);
    if (changes != nullptr) *changes = sqlite3_changes64(m.db.get());
    return {};
  };
  if (auto ec = run(del, [&](Binder& b) { b.Text(ids); }, &r.comments)) return ec;
  if (auto ec = run(outbox, [&](Binder& b) { b.Text(email).Text(ids); }, &r.outbox)) return ec;
  if (auto ec = run(redact, [&](Binder& b) { b.Text(email); }, &r.audit_redacted)) return ec;
  const std::string after = audit.after_json.empty() || audit.after_json == "null"
                                ? std::string("{}")
                                : audit.after_json;
  if (auto ec = run(
          log,
          [&](Binder& b) {
            b.Int(audit.at_ms).Text(audit.actor).Text(audit.action).Text(audit.target);
            b.Text(audit.before_json).Text(after).Int(r.comments).Int(r.outbox).Int(
                r.audit_redacted);
          },
          nullptr)) {
    return ec;
  }
  if (auto ec = txn.Commit()) return ec;
  *result = r;
  return {};
}

}  // namespace moderated::storage

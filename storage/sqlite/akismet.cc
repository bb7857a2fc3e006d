// storage/sqlite/akismet.cc
//
// Store: look-ups for the protocol adapters (Akismet, spamc), which identify
// a comment by sending it again rather than by our id.
#include <sqlite3.h>

#include "storage/store.h"
#include "storage/sqlite/store.h"
#include "storage/sqlite/impl.h"

namespace moderated::storage {

using internal::Binder;
using internal::Reader;
using internal::ScopedReset;

namespace {

// Each form uses an existing index: author e-mail, author IP, or
// (site, received_at_ms); the content comparison filters the few rows left.
constexpr const char* kFindByEmail =
    "SELECT id FROM comments WHERE author_email = ?1 AND site = ?2 AND content = ?3 "
    "AND received_at_ms >= ?4 ORDER BY id DESC LIMIT 1";
constexpr const char* kFindByIp =
    "SELECT id FROM comments WHERE author_ip = ?1 AND site = ?2 AND content = ?3 "
    "AND received_at_ms >= ?4 ORDER BY id DESC LIMIT 1";
constexpr const char* kFindBySite =
    "SELECT id FROM comments WHERE ?1 = '' AND site = ?2 AND content = ?3 "
    "AND received_at_ms >= ?4 ORDER BY received_at_ms DESC, id DESC LIMIT 1";
constexpr const char* kSiteActivity =
    "SELECT count(*), coalesce(sum(c.status = 'rejected'), 0), "
    "coalesce(sum(c.status = 'approved'), 0), "
    "coalesce(sum(EXISTS (SELECT 1 FROM labels l WHERE l.comment_id = c.id "
    "AND l.source = 'akismet' AND l.label = 'spam')), 0), "
    "coalesce(sum(EXISTS (SELECT 1 FROM labels l WHERE l.comment_id = c.id "
    "AND l.source = 'akismet' AND l.label = 'ham')), 0) "
    "FROM comments c WHERE c.site = ?1 AND c.received_at_ms >= ?2 AND c.received_at_ms < ?3";
constexpr const char* kCountSince =
    "SELECT count(*) FROM comments WHERE site = ?1 AND received_at_ms >= ?2";

}  // namespace

std::error_code SqliteStore::FindResubmitted(const std::string& site, const std::string& content,
                                       const std::string& author_email,
                                       const std::string& author_ip, int64_t since_ms,
                                       int64_t* id) {
  Impl& m = *impl_;
  const char* sql = !author_email.empty() ? kFindByEmail
                    : !author_ip.empty()  ? kFindByIp
                                          : kFindBySite;
  const std::string& key = !author_email.empty() ? author_email : author_ip;
  int rc = SQLITE_OK;
  sqlite3_stmt* s = m.Cached(sql, &rc);
  if (s == nullptr) return m.Fail(rc);
  ScopedReset reset(s);
  Binder b(s);
  b.Text(key).Text(site).Text(content).Int(since_ms);
  if (b.rc() != SQLITE_OK) return m.Fail(b.rc());
  rc = sqlite3_step(s);
  if (rc == SQLITE_DONE) return m.Fail(Errc::not_found, "no such comment");
  if (rc != SQLITE_ROW) return m.Fail(rc);
  *id = sqlite3_column_int64(s, 0);
  return {};
}

std::error_code SqliteStore::FindByExternalId(const std::string& site, const std::string& external_id,
                                        int64_t* id, std::string* verdict_json) {
  Impl& m = *impl_;
  if (external_id.empty()) return m.Fail(Errc::not_found, "no such comment");
  sqlite3_stmt* s = m.stmt(internal::kFindByExternalId);
  ScopedReset reset(s);
  Binder b(s);
  b.Text(site).Text(external_id);
  if (b.rc() != SQLITE_OK) return m.Fail(b.rc());
  const int rc = sqlite3_step(s);
  if (rc == SQLITE_DONE) return m.Fail(Errc::not_found, "no such comment");
  if (rc != SQLITE_ROW) return m.Fail(rc);
  Reader r(s);
  r.Int(id);
  r.Text(verdict_json);
  return {};
}

std::error_code SqliteStore::CountSiteActivity(const std::string& site, int64_t from_ms, int64_t to_ms,
                                         SiteActivity* out) {
  Impl& m = *impl_;
  int rc = SQLITE_OK;
  sqlite3_stmt* s = m.Cached(kSiteActivity, &rc);
  if (s == nullptr) return m.Fail(rc);
  ScopedReset reset(s);
  Binder b(s);
  b.Text(site).Int(from_ms).Int(to_ms);
  if (b.rc() != SQLITE_OK) return m.Fail(b.rc());
  rc = sqlite3_step(s);
  if (rc != SQLITE_ROW) return m.Fail(rc);
  out->received = sqlite3_column_int64(s, 0);
  out->rejected = sqlite3_column_int64(s, 1);
  out->approved = sqlite3_column_int64(s, 2);
  out->reported_spam = sqlite3_column_int64(s, 3);
  out->reported_ham = sqlite3_column_int64(s, 4);
  return {};
}

std::error_code SqliteStore::CountReceivedSince(const std::string& site, int64_t since_ms,
                                          int64_t* out) {
  Impl& m = *impl_;
  int rc = SQLITE_OK;
  sqlite3_stmt* s = m.Cached(kCountSince, &rc);
  if (s == nullptr) return m.Fail(rc);
  ScopedReset reset(s);
  Binder b(s);
  b.Text(site).Int(since_ms);
  if (b.rc() != SQLITE_OK) return m.Fail(b.rc());
  rc = sqlite3_step(s);
  if (rc != SQLITE_ROW) return m.Fail(rc);
  *out = sqlite3_column_int64(s, 0);
  return {};
}

}  // namespace moderated::storage

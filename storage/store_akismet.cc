// storage/store_akismet.cc
//
// Store: look-ups for the protocol adapters (Akismet, spamc), which identify
// a comment by sending it again rather than by our id.
#include <sqlite3.h>

#include "storage/store.h"
#include "storage/sqlite_store.h"
#include "storage/store_impl.h"

namespace moderated::storage {

using internal::Binder;
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

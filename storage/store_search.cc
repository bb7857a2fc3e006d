// storage/store_search.cc
//
// Store: search over every stored comment (GET /v1/comments/search), newest
// first, whatever its status — how moderators find and rescue what the
// daemon accepted or rejected on its own.
//
// One statement per access path, each with optional parameters ("?2 IS NULL
// OR ..."), chosen by the most selective filter given: the text walks the
// full-text index comments_fts (schema.cc, migration 10) in descending
// rowid order; an author or thread walks its (key, id) index; a status walks
// comments_status; otherwise the table in id order. Every path reads in id
// order and seeks to the cursor, so a page reads about `limit` matching
// entries (tests/storage/schema_test.cc checks the plans).
#include <sqlite3.h>

#include <cstdint>
#include <limits>
#include <string>

#include "storage/json_text.h"
#include "storage/sqlite_store.h"
#include "storage/store.h"
#include "storage/store_impl.h"

namespace moderated::storage {

using internal::FtsPhrase;
using internal::ScopedReset;

namespace {

// ?1..?6: the SearchFilter (NULL = no filter); ?7: ids below this; ?8: the
// limit; ?9: the text as an FTS5 phrase.
#define MODERATED_SEARCH_WHERE                                         \
  " (?1 IS NULL OR c.site IN (SELECT value FROM json_each(?1)))"      \
  " AND (?2 IS NULL OR c.status = ?2)"                                 \
  " AND (?3 IS NULL OR c.language = ?3)"                               \
  " AND (?4 IS NULL OR lower(c.author_email) = lower(?4))"             \
  " AND (?5 IS NULL OR c.author_ip = ?5)"                              \
  " AND (?6 IS NULL OR c.thread = ?6)"

enum class SearchPath { kText, kEmail, kIp, kThread, kStatus, kAll };
constexpr size_t kSearchPaths = 6;

SearchPath PathFor(const SearchFilter& f) {
  if (!f.text.empty()) return SearchPath::kText;
  if (!f.author_email.empty()) return SearchPath::kEmail;
  if (!f.author_ip.empty()) return SearchPath::kIp;
  if (!f.thread.empty()) return SearchPath::kThread;
  if (!f.status.empty()) return SearchPath::kStatus;
  return SearchPath::kAll;
}

// A path's statement: what it reads from and the terms that make its index
// usable (a partial index's WHERE, the key, the cursor as a range of it).
std::string PathSql(const char* from, const char* terms, const char* order) {
  return std::string("SELECT c.id FROM ") + from + " WHERE" + terms +
         " AND" MODERATED_SEARCH_WHERE " ORDER BY " + order + " DESC LIMIT ?8";
}

const std::string& SqlFor(SearchPath path) {
  static const std::string kSql[kSearchPaths] = {
      PathSql("comments_fts f CROSS JOIN comments c ON c.id = f.rowid",
              " f.comments_fts MATCH ?9 AND f.rowid < ?7", "f.rowid"),
      PathSql("comments c INDEXED BY comments_search_email",
              " lower(c.author_email) = lower(?4) AND c.author_email <> '' AND c.id < ?7",
              "c.id"),
      PathSql("comments c INDEXED BY comments_search_ip",
              " c.author_ip = ?5 AND c.author_ip <> '' AND c.id < ?7", "c.id"),
      PathSql("comments c INDEXED BY comments_search_thread",
              " c.thread = ?6 AND c.thread <> '' AND c.id < ?7", "c.id"),
      PathSql("comments c INDEXED BY comments_status", " c.status = ?2 AND c.id < ?7", "c.id"),
      PathSql("comments c", " c.id < ?7", "c.id"),
  };
  return kSql[static_cast<size_t>(path)];
}

}  // namespace

std::vector<std::string> internal::SearchStatements() {
  std::vector<std::string> out;
  for (size_t i = 0; i < kSearchPaths; ++i) out.push_back(SqlFor(static_cast<SearchPath>(i)));
  return out;
}

std::error_code SqliteStore::SearchComments(const SearchFilter& filter, int64_t before_id,
                                            int64_t limit, std::vector<Comment>* out) {
  Impl& m = *impl_;
  out->clear();
  std::vector<int64_t> ids;
  {
    int rc = SQLITE_OK;
    sqlite3_stmt* s = m.Cached(SqlFor(PathFor(filter)).c_str(), &rc);
    if (s == nullptr) return m.Fail(rc);
    ScopedReset reset(s);
    const std::string sites_json = filter.sites ? JsonArray(*filter.sites) : "";
    const std::string text = FtsPhrase(filter.text);
    auto keep = [&rc](int r) {
      if (rc == SQLITE_OK) rc = r;
    };
    auto text_param = [&](int index, const std::string& value) {
      if (!value.empty()) keep(sqlite3_bind_text(s, index, value.c_str(), -1, SQLITE_STATIC));
    };
    if (filter.sites) keep(sqlite3_bind_text(s, 1, sites_json.c_str(), -1, SQLITE_STATIC));
    text_param(2, filter.status);
    text_param(3, filter.language);
    text_param(4, filter.author_email);
    text_param(5, filter.author_ip);
    text_param(6, filter.thread);
    keep(sqlite3_bind_int64(
        s, 7, before_id > 0 ? before_id : std::numeric_limits<int64_t>::max()));
    keep(sqlite3_bind_int64(s, 8, limit));
    text_param(9, text);
    if (rc != SQLITE_OK) return m.Fail(rc);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) ids.push_back(sqlite3_column_int64(s, 0));
    if (rc != SQLITE_DONE) return m.Fail(rc);
  }
  // Then each comment with its reasons (a point lookup each; pages are small).
  out->reserve(ids.size());
  for (int64_t id : ids) {
    Comment c;
    std::error_code ec = Get(id, &c);
    if (ec == Errc::not_found) continue;  // deleted between the two reads
    if (ec) {
      out->clear();
      return ec;
    }
    out->push_back(std::move(c));
  }
  return {};
}

}  // namespace moderated::storage

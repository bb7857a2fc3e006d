// storage/sqlite/search.cc
//
// Store: search over every stored comment (GET /v1/comments/search), newest
// first, whatever its status — how moderators find and rescue what the
// daemon accepted or rejected on its own.
//
// One statement per access path, each with optional parameters ("?2 IS NULL
// OR ..."), chosen by the most selective filter given: the text walks the
// full-text index comments_fts (schema.cc, migration 10) in descending
// rowid order, after the comments not indexed yet (above
// text_index_state.indexed_through, migration 11), which it scans; an
// author or thread walks its (key, id) index; a rule walks its enforced
// reasons (reasons_search_rule), a label the effective labels
// (labels_search), both in comment id order; a status walks
// comments_status; otherwise the table in id order. These read in id order
// and seek to the cursor, so a page reads about `limit` matching entries. A
// date or score range reads its range of comments_search_received or
// comments_search_score and sorts it by id: bounded by the range, never the
// table (tests/storage/sqlite/schema_test.cc checks the plans).
//
// Also the upkeep of that index (IndexText): the writer adds the comments
// above the mark in chunks, each chunk one FTS5 segment.
#include <sqlite3.h>

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <string>

#include "storage/json_text.h"
#include "storage/sqlite/store.h"
#include "storage/store.h"
#include "storage/sqlite/impl.h"
#include "storage/sql_terms.h"

namespace moderated::storage {

using internal::FtsPhrase;
using internal::ScopedReset;

namespace {

// ?1..?6 and ?11..?16: the SearchFilter (NULL = no filter); ?7: ids below
// this; ?8: the limit; ?9: the text as an FTS5 phrase, ?10 as given.
#define MODERATED_SEARCH_WHERE                                         \
  " (?1 IS NULL OR c.site IN (SELECT value FROM json_each(?1)))"      \
  " AND (?2 IS NULL OR c.status = ?2)"                                 \
  " AND (?3 IS NULL OR c.language = ?3)"                               \
  " AND (?4 IS NULL OR lower(c.author_email) = lower(?4))"             \
  " AND (?5 IS NULL OR c.author_ip = ?5)"                              \
  " AND (?6 IS NULL OR c.thread = ?6)"                                 \
  " AND (?11 IS NULL OR " MODERATED_LABEL_IS("?11") ")"                \
  " AND (?12 IS NULL OR " MODERATED_HAS_RULE("?12") ")"                \
  " AND (?13 IS NULL OR c.score >= ?13)"                               \
  " AND (?14 IS NULL OR c.score <= ?14)"                               \
  " AND (?15 IS NULL OR c.received_at_ms >= ?15)"                      \
  " AND (?16 IS NULL OR c.received_at_ms < ?16)"

// The ranges of the date and score paths: an open end is the whole axis.
#define MODERATED_DATE_RANGE \
  " c.received_at_ms >= coalesce(?15, -9223372036854775807)" \
  " AND c.received_at_ms < coalesce(?16, 9223372036854775807)"
#define MODERATED_SCORE_RANGE " c.score >= coalesce(?13, -9e999) AND c.score <= coalesce(?14, 9e999)"

enum class SearchPath {
  kText, kEmail, kIp, kThread, kStatus, kAll, kRule, kLabel, kDate, kScore
};
constexpr size_t kSearchPaths = 10;

// The narrowest index a filter can read (a status has three values: it
// drives only when nothing else does).
SearchPath PathFor(const SearchFilter& f) {
  if (!f.text.empty()) return SearchPath::kText;
  if (!f.author_email.empty()) return SearchPath::kEmail;
  if (!f.author_ip.empty()) return SearchPath::kIp;
  if (!f.thread.empty()) return SearchPath::kThread;
  if (!f.rule.empty()) return SearchPath::kRule;
  if (!f.label.empty()) return SearchPath::kLabel;
  if (f.received_since_ms || f.received_until_ms) return SearchPath::kDate;
  if (f.min_score || f.max_score) return SearchPath::kScore;
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
  // The text: what the index holds, in rowid order, and the tail above its
  // mark, scanned by rowid and checked by moderated_contains() (NOT INDEXED:
  // the tail is short, any index would read more), merged newest first.
  static const std::string kText =
      "SELECT f.rowid AS id FROM comments_fts f CROSS JOIN comments c ON c.id = f.rowid"
      " WHERE f.comments_fts MATCH ?9 AND f.rowid < ?7 AND" MODERATED_SEARCH_WHERE
      " UNION ALL SELECT c.id FROM comments c NOT INDEXED"
      " WHERE c.id > (SELECT indexed_through FROM text_index_state) AND c.id < ?7"
      " AND moderated_contains(c.content, ?10) AND" MODERATED_SEARCH_WHERE
      " ORDER BY id DESC LIMIT ?8";
  static const std::string kSql[kSearchPaths] = {
      kText,
      PathSql("comments c INDEXED BY comments_search_email",
              " lower(c.author_email) = lower(?4) AND c.author_email <> '' AND c.id < ?7", "c.id"),
      PathSql("comments c INDEXED BY comments_search_ip",
              " c.author_ip = ?5 AND c.author_ip <> '' AND c.id < ?7", "c.id"),
      PathSql("comments c INDEXED BY comments_search_thread",
              " c.thread = ?6 AND c.thread <> '' AND c.id < ?7", "c.id"),
      PathSql("comments c INDEXED BY comments_status", " c.status = ?2 AND c.id < ?7", "c.id"),
      PathSql("comments c", " c.id < ?7", "c.id"),
      // One rule's enforced reasons, in comment id order (a comment may
      // have several reasons of one rule: DISTINCT, on the index's order).
      "SELECT DISTINCT r.comment_id AS id FROM reasons r INDEXED BY reasons_search_rule"
      " CROSS JOIN comments c ON c.id = r.comment_id"
      " WHERE r.rule_id = ?12 AND r.shadow = 0 AND r.rule_id <> '' AND r.comment_id < ?7 AND" MODERATED_SEARCH_WHERE
      " ORDER BY r.comment_id DESC LIMIT ?8",
      // One label's live rows in comment id order; the ?11 term keeps the
      // comments whose effective label it is, DISTINCT those with two such
      // rows. (With that check repeated here, SQLite 3.40 sorts the result.)
      "SELECT DISTINCT l.comment_id AS id FROM labels l INDEXED BY labels_search"
      " CROSS JOIN comments c ON c.id = l.comment_id"
      " WHERE l.label = ?11 AND l.undone = 0 AND l.label <> '' AND l.comment_id < ?7"
      " AND" MODERATED_SEARCH_WHERE " ORDER BY l.comment_id DESC LIMIT ?8",
      PathSql("comments c INDEXED BY comments_search_received",
              MODERATED_DATE_RANGE " AND c.id < ?7", "c.id"),
      PathSql("comments c INDEXED BY comments_search_score",
              MODERATED_SCORE_RANGE " AND c.id < ?7", "c.id"),
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
    text_param(10, filter.text);
    text_param(11, filter.label);
    text_param(12, filter.rule);
    if (filter.min_score) keep(sqlite3_bind_double(s, 13, *filter.min_score));
    if (filter.max_score) keep(sqlite3_bind_double(s, 14, *filter.max_score));
    if (filter.received_since_ms) keep(sqlite3_bind_int64(s, 15, *filter.received_since_ms));
    if (filter.received_until_ms) keep(sqlite3_bind_int64(s, 16, *filter.received_until_ms));
    if (rc != SQLITE_OK) return m.Fail(rc);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) ids.push_back(sqlite3_column_int64(s, 0));
    if (rc != SQLITE_DONE) return m.Fail(rc);
  }
  // Then each comment with its reasons (pages are small).
  return GetEach(ids, out);
}

namespace {

// IndexText's statements: the mark, the last id and the rows of the next
// chunk (?1 = the mark, ?2 = at most this many rows), the chunk into the
// index (rows ?1 < id <= ?2: FTS5 gathers their trigrams in memory and
// writes each term once per chunk, not once per comment), the new mark,
// and what is left above it.
constexpr const char* kIndexedThrough = "SELECT indexed_through FROM text_index_state";
constexpr const char* kChunkEnd =
    "SELECT max(id), count(*) FROM (SELECT id FROM comments WHERE id > ?1 ORDER BY id LIMIT ?2)";
constexpr const char* kIndexChunk =
    "INSERT INTO comments_fts (rowid, content) SELECT id, content FROM comments"
    " WHERE id > ?1 AND id <= ?2";
constexpr const char* kSetIndexedThrough = "UPDATE text_index_state SET indexed_through = ?1";
constexpr const char* kUnindexed = "SELECT count(*) FROM comments WHERE id > ?1";

}  // namespace

std::error_code SqliteStore::IndexText(int64_t max_rows, int64_t* indexed, int64_t* remaining) {
  Impl& m = *impl_;
  *indexed = 0;
  *remaining = 0;
  if (auto ec = m.CheckWritable()) return ec;
  // Runs `sql` with int64 parameters; *out and *out2 = its first two
  // columns (NULL = 0), if it returns a row.
  auto run = [&m](const char* sql, std::initializer_list<int64_t> params, int64_t* out = nullptr,
                  int64_t* out2 = nullptr) -> std::error_code {
    int rc = SQLITE_OK;
    sqlite3_stmt* s = m.Cached(sql, &rc);
    if (s == nullptr) return m.Fail(rc);
    ScopedReset reset(s);
    int i = 0;
    for (int64_t p : params) {
      if ((rc = sqlite3_bind_int64(s, ++i, p)) != SQLITE_OK) return m.Fail(rc);
    }
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW && out != nullptr) *out = sqlite3_column_int64(s, 0);
    if (rc == SQLITE_ROW && out2 != nullptr) *out2 = sqlite3_column_int64(s, 1);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? std::error_code() : m.Fail(rc);
  };
  Impl::Transaction txn(&m);
  if (auto ec = txn.Begin()) return ec;
  int64_t mark = 0;
  int64_t chunk_end = 0;
  int64_t added = 0;
  if (auto ec = run(kIndexedThrough, {}, &mark)) return ec;
  const int64_t rows = std::max<int64_t>(max_rows, 1);
  if (auto ec = run(kChunkEnd, {mark, rows}, &chunk_end, &added)) return ec;
  if (added == 0) return txn.Commit();  // caught up: nothing written
  if (auto ec = run(kIndexChunk, {mark, chunk_end})) return ec;
  if (auto ec = run(kSetIndexedThrough, {chunk_end})) return ec;
  int64_t left = 0;
  if (auto ec = run(kUnindexed, {chunk_end}, &left)) return ec;
  if (auto ec = txn.Commit()) return ec;
  *indexed = added;
  *remaining = left;
  return {};
}

}  // namespace moderated::storage

// storage/sqlite/queue.cc
//
// Store: the review queue — listings and counts of pending comments and spot
// checks, claims, decisions and undo (each one transaction), history, author
// reputation and polling by change time.
//
// The queue filters are fixed SQL with optional parameters ("?2 IS NULL OR
// ..."): unbound parameters are NULL, so one cached statement per order
// serves every combination of filters. Each listing walks a partial index
// that holds only the queue (comments_queue*, in the listing's order) or,
// for a text filter, the full-text index comments_fts in id order and the
// comments above its mark, not indexed yet (tests/storage/sqlite/schema_test.cc
// checks the plans).
#include <sqlite3.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <utility>

#include "storage/store.h"
#include "storage/json_text.h"
#include "storage/sqlite/store.h"
#include "storage/sqlite/impl.h"
#include "storage/sql_terms.h"

namespace moderated::storage {

using internal::Binder;
using internal::FtsPhrase;
using internal::Reader;
using internal::ScopedReset;

namespace {

// The classifier label with the highest probability among ham, spam and
// abuse (missing = 0; ties: ham, then spam).
#define MODERATED_LABEL_EXPR                                                       \
  "(CASE WHEN coalesce(json_extract(c.labels_json, '$.ham'), 0) >= "              \
  "coalesce(json_extract(c.labels_json, '$.spam'), 0) AND "                       \
  "coalesce(json_extract(c.labels_json, '$.ham'), 0) >= "                         \
  "coalesce(json_extract(c.labels_json, '$.abuse'), 0) THEN 'ham' "               \
  "WHEN coalesce(json_extract(c.labels_json, '$.spam'), 0) >= "                   \
  "coalesce(json_extract(c.labels_json, '$.abuse'), 0) THEN 'spam' ELSE 'abuse' END)"

// What a queue item is there for: "pending" (held) or "spot_check" (accepted
// and sampled). A comment that is both is pending.
#define MODERATED_REVIEW_EXPR \
  "(CASE WHEN c.status = 'pending' THEN 'pending' ELSE 'spot_check' END)"

// Parameters ?1..?8, ?12, ?13..?15 and ?18 are the QueueFilter fields (NULL
// = no filter; ?15 is the text as an FTS5 phrase, FtsPhrase(), ?18 the text
// as given). The first term is, word for word, the WHERE of the partial
// indexes comments_queue* (schema.cc, migration 7), which the statements
// name: each order walks its index and stops after `limit` matches. The
// text term is added per path (kTextTerm, or the two arms of TextArms).
#define MODERATED_QUEUE_WHERE                                                          \
  " (c.status = 'pending' OR c.spot_check = 1)"                                        \
  " AND (?12 IS NULL OR " MODERATED_REVIEW_EXPR " = ?12)"                              \
  " AND (?1 IS NULL OR c.site IN (SELECT value FROM json_each(?1)))"                   \
  " AND (?2 IS NULL OR c.language = ?2)"                                               \
  " AND (?3 IS NULL OR " MODERATED_LABEL_EXPR " = ?3)"                                 \
  " AND (?4 IS NULL OR c.score >= ?4)"                                                 \
  " AND (?5 IS NULL OR c.score <= ?5)"                                                 \
  " AND (?6 IS NULL OR " MODERATED_HAS_RULE("?6") ")"                                   \
  " AND (?7 IS NULL OR c.received_at_ms <= ?7)"                                        \
  " AND (?8 IS NULL OR c.received_at_ms >= ?8)"                                        \
  " AND (?13 IS NULL OR lower(c.author_email) = lower(?13))"                           \
  " AND (?14 IS NULL OR c.author_ip = ?14)"

// Comments above the full-text index's mark are not in it yet (the writer
// adds them in chunks, Store::IndexText): a text filter checks them with
// moderated_contains() on ?18, the text as given.
#define MODERATED_TAIL_TERM                                \
  " c.id > (SELECT indexed_through FROM text_index_state)" \
  " AND moderated_contains(c.content, ?18)"

// The text filter where another index drives (one author's items): the
// matching ids, read once from the full-text index, or a match in the tail.
constexpr const char* kTextTerm =
    " AND (?15 IS NULL OR c.id IN (SELECT rowid FROM comments_fts WHERE comments_fts MATCH ?15)"
    " OR (" MODERATED_TAIL_TERM "))";

// The listing statements: for each order, the first page and a cursor page
// (?9 = the cursor's score, ?10 = its id, ?11 = limit). A cursor page seeks
// to its place in the index; in the score orders it reads the rest of the
// cursor's score (by id) and then the scores past it, each a range of the
// index, so that thousands of equal scores cost no more than one page.
//
// A filter of exactly one site (?17) reads that site's part of the queue
// (the comments_queue_site* indexes), so that one site's page costs the same
// while another site's backlog fills the queue. A filter of one author IP
// (?14) or e-mail address (?13) reads only that author's queue items
// (comments_queue_ip, comments_queue_email), whatever else the queue holds;
// the score orders then sort that author's items. A filter of one language
// (?2) reads that language's part (comments_queue_language*). A text filter
// (?15) walks the comments whose content matches in the full-text index, in
// id order, and keeps the queued ones; its score orders sort the matches.
// A rule filter (?6) reads that rule's queue items (queue_rules, kept by
// triggers) in id order; its score orders sort them, so a score order takes
// this path only while that costs less than walking the score index
// (UseRulePath).
enum class QueuePath { kAll, kSite, kIp, kEmail, kLanguage, kText, kRule };
constexpr size_t kQueuePaths = 7;

struct QueueListings {
  std::string first[4];  // by QueueOrder
  std::string cursor[4];
  std::string counts;       // capped counts over a filtered queue (?16 = cap)
  std::string count_exact;  // every match
};

struct QueueSql {
  QueueListings path[kQueuePaths];  // by QueuePath
};

// The narrowest index a filter can read: an author beats a text, a text a
// rule, a rule a language, a language a site. `by_rule` false leaves the
// rule to the WHERE term (UseRulePath).
QueuePath PathFor(const QueueFilter& f, bool by_rule = true) {
  if (!f.author_ip.empty()) return QueuePath::kIp;
  if (!f.author_email.empty()) return QueuePath::kEmail;
  if (!f.text.empty()) return QueuePath::kText;
  if (by_rule && !f.rule.empty()) return QueuePath::kRule;
  if (!f.language.empty()) return QueuePath::kLanguage;
  if (f.sites && f.sites->size() == 1) return QueuePath::kSite;
  return QueuePath::kAll;
}

// The text path reads the full-text index first, in rowid (= id) order, and
// each matching comment by its rowid; FTS5 takes the cursor's rowid bound.
constexpr const char* kTextIndex = "comments_fts";
constexpr const char* kTextFrom = "comments_fts f CROSS JOIN comments c ON c.id = f.rowid";

bool IsText(const char* index) { return std::string_view(index) == kTextIndex; }

// The rule path reads queue_rules (rule, comment id) and each comment by id.
constexpr const char* kRuleIndex = "queue_rules";
constexpr const char* kRuleFrom = "queue_rules qr CROSS JOIN comments c ON c.id = qr.comment_id";

bool IsRule(const char* index) { return std::string_view(index) == kRuleIndex; }

std::string From(const char* index) {
  if (IsText(index)) return kTextFrom;
  if (IsRule(index)) return kRuleFrom;
  return std::string("comments c INDEXED BY ") + index;
}

// The path's own text term: the MATCH where the full-text index drives,
// kTextTerm elsewhere.
std::string TextTerm(const char* index) {
  return IsText(index) ? " AND f.comments_fts MATCH ?15" : kTextTerm;
}

// `where` and `order` name c.id; on the text path f.rowid stands for it, so
// that FTS5 gives the order and takes the cursor's bound, and on the rule
// path qr.comment_id, so that queue_rules' key does.
std::string OnPath(const char* index, std::string sql) {
  const std::string id = IsText(index) ? "f.rowid" : IsRule(index) ? "qr.comment_id" : "";
  if (id.empty()) return sql;
  for (size_t at = 0; (at = sql.find("c.id", at)) != std::string::npos; at += id.size()) {
    sql.replace(at, 4, id);
  }
  return sql;
}

// On the text path a statement is a compound of two arms: the comments the
// full-text index holds (FTS5 gives them in rowid order and takes a
// cursor's rowid bound) and the tail above its mark, scanned by rowid (NOT
// INDEXED: the tail is short, a queue index would read more). `columns`
// name c.* with an AS name each, which a compound's ORDER BY names.
std::string TextArms(const std::string& columns, const std::string& where) {
  return "SELECT " + OnPath(kTextIndex, columns) + " FROM " + kTextFrom +
         " WHERE" MODERATED_QUEUE_WHERE + TextTerm(kTextIndex) + OnPath(kTextIndex, where) +
         " UNION ALL SELECT " + columns +
         " FROM comments c NOT INDEXED WHERE" MODERATED_QUEUE_WHERE " AND" MODERATED_TAIL_TERM +
         where;
}

// `order` ("c.score DESC, c.id") by result names ("score DESC, id").
std::string ByName(std::string order) {
  for (size_t at = 0; (at = order.find("c.", at)) != std::string::npos;) order.erase(at, 2);
  return order;
}

std::string Page(const char* index, const std::string& where, const char* order) {
  if (IsText(index)) {
    return TextArms("c.id AS id, c.score AS score", where) + " ORDER BY " + ByName(order) +
           " LIMIT ?11";
  }
  return "SELECT c.id, c.score FROM " + From(index) + " WHERE" MODERATED_QUEUE_WHERE +
         TextTerm(index) + OnPath(index, where) + " ORDER BY " + OnPath(index, order) +
         " LIMIT ?11";
}

// Two index ranges, merged: ties of the cursor's score after its id, then the
// scores beyond it.
std::string TiesThenBeyond(const char* index, const std::string& site, const char* beyond,
                           const char* order, const char* outer_order) {
  return "SELECT id, score FROM (SELECT * FROM (" +
         Page(index, site + " AND c.score = ?9 AND c.id > ?10", "c.id") +
         ") UNION ALL SELECT * FROM (" + Page(index, site + beyond, order) + ")) ORDER BY " +
         outer_order + " LIMIT ?11";
}

// The eight listings over the indexes named `prefix` + "", "_score_desc",
// "_score"; `site` is a term added to every WHERE ("" or the one-site term).
// With `one_index`, every order reads `prefix` alone (an author's items).
void BuildListings(const std::string& prefix, const std::string& site, std::string* first,
                   std::string* cursor, bool one_index = false) {
  const auto oldest = static_cast<size_t>(QueueOrder::kOldest);
  const auto newest = static_cast<size_t>(QueueOrder::kNewest);
  const auto desc = static_cast<size_t>(QueueOrder::kScoreDesc);
  const auto asc = static_cast<size_t>(QueueOrder::kScoreAsc);
  const std::string by_id = prefix;
  const std::string by_desc = one_index ? prefix : prefix + "_score_desc";
  const std::string by_asc = one_index ? prefix : prefix + "_score";
  first[oldest] = Page(by_id.c_str(), site, "c.id");
  cursor[oldest] = Page(by_id.c_str(), site + " AND c.id > ?10", "c.id");
  first[newest] = Page(by_id.c_str(), site, "c.id DESC");
  cursor[newest] = Page(by_id.c_str(), site + " AND c.id < ?10", "c.id DESC");
  first[desc] = Page(by_desc.c_str(), site, "c.score DESC, c.id");
  cursor[desc] = TiesThenBeyond(by_desc.c_str(), site, " AND c.score < ?9", "c.score DESC, c.id",
                                "score DESC, id");
  first[asc] = Page(by_asc.c_str(), site, "c.score, c.id");
  cursor[asc] = TiesThenBeyond(by_asc.c_str(), site, " AND c.score > ?9", "c.score, c.id",
                               "score, id");
}

// The oldest ?16 matching comments of `index`, counted five ways in one pass.
std::string Counts(const char* index, const std::string& term) {
  const std::string columns =
      "c.id AS id, c.site AS site, c.language AS language, " MODERATED_LABEL_EXPR
      " AS label, " MODERATED_REVIEW_EXPR " AS review";
  const std::string oldest = IsText(index) ? TextArms(columns, term) + " ORDER BY id LIMIT ?16"
                                           : "SELECT " + columns + " FROM " + From(index) +
                                                 " WHERE" MODERATED_QUEUE_WHERE + TextTerm(index) +
                                                 term + " ORDER BY " + OnPath(index, "c.id") +
                                                 " LIMIT ?16";
  return "WITH q AS MATERIALIZED (" + oldest +
         ")"
         " SELECT 'site', site, count(*) FROM q GROUP BY site"
         " UNION ALL SELECT 'review', review, count(*) FROM q GROUP BY review"
         " UNION ALL SELECT 'language', language, count(*) FROM q GROUP BY language"
         " UNION ALL SELECT 'label', label, count(*) FROM q GROUP BY label"
         " UNION ALL SELECT 'rule', rr.rule_id, count(DISTINCT q.id) FROM q JOIN reasons rr"
         " ON rr.comment_id = q.id AND rr.shadow = 0 GROUP BY rr.rule_id";
}

QueueSql BuildQueueSql() {
  struct Path {
    QueuePath path;
    const char* index;
    const char* term;
    bool one_index;
  };
  static constexpr Path kPaths[] = {
      {QueuePath::kAll, "comments_queue", "", false},
      {QueuePath::kSite, "comments_queue_site", " AND c.site = ?17", false},
      {QueuePath::kIp, "comments_queue_ip", " AND c.author_ip = ?14", true},
      {QueuePath::kEmail, "comments_queue_email", " AND lower(c.author_email) = lower(?13)", true},
      {QueuePath::kLanguage, "comments_queue_language", " AND c.language = ?2", false},
      // The comments the text matches, in id order: every order reads them.
      {QueuePath::kText, kTextIndex, "", true},
      // The rule's queue items, in id order: every order reads them.
      {QueuePath::kRule, kRuleIndex, " AND qr.rule_id = ?6", true},
  };
  QueueSql q;
  for (const Path& p : kPaths) {
    QueueListings& l = q.path[static_cast<size_t>(p.path)];
    BuildListings(p.index, p.term, l.first, l.cursor, p.one_index);
    l.counts = Counts(p.index, p.term);
    l.count_exact = IsText(p.index)
                        ? "SELECT sum(n) FROM (" + TextArms("count(*) AS n", p.term) + ")"
                        : "SELECT count(*) FROM " + From(p.index) + " WHERE" MODERATED_QUEUE_WHERE +
                              TextTerm(p.index) + p.term;
  }
  return q;
}

const QueueListings& ListingsFor(const QueueFilter& f, bool by_rule = true) {
  static const QueueSql sql = BuildQueueSql();
  return sql.path[static_cast<size_t>(PathFor(f, by_rule))];
}

// A rule's queue items (?6) and the whole queue, among the sites (?1) and
// review kind (?12), from the kept counts.
constexpr const char* kRuleShare =
    "SELECT coalesce(sum(CASE WHEN dim = 'rule' THEN n END), 0),"
    " coalesce(sum(CASE WHEN dim = 'total' THEN n END), 0) FROM queue_counts"
    " WHERE (dim = 'total' OR (dim = 'rule' AND key = ?6))"
    " AND (?1 IS NULL OR site IN (SELECT value FROM json_each(?1)))"
    " AND (?12 IS NULL OR review = ?12)";

// Binds ?17, the one site, on the statements of QueuePath::kSite.
int BindPath(sqlite3_stmt* s, const QueueFilter& f, bool by_rule = true) {
  if (PathFor(f, by_rule) != QueuePath::kSite) return SQLITE_OK;
  return sqlite3_bind_text(s, 17, f.sites->front().c_str(), -1, SQLITE_STATIC);
}


// The kept counts (queue_counts) of the sites (?1) and review kind (?12).
constexpr const char* kKeptCounts =
    "SELECT site, review, dim, key, n FROM queue_counts WHERE n > 0"
    " AND (?1 IS NULL OR site IN (SELECT value FROM json_each(?1)))"
    " AND (?12 IS NULL OR review = ?12)";

constexpr const char* kGetClaim =
    "SELECT comment_id, actor, expires_at_ms FROM claims "
    "WHERE comment_id = ?1 AND expires_at_ms > ?2";
constexpr const char* kPutClaim =
    "INSERT INTO claims (comment_id, actor, expires_at_ms) VALUES (?1, ?2, ?3) "
    "ON CONFLICT (comment_id) DO UPDATE SET actor = excluded.actor, "
    "expires_at_ms = excluded.expires_at_ms";
constexpr const char* kDeleteClaim = "DELETE FROM claims WHERE comment_id = ?1";

constexpr const char* kCommentState =
    "SELECT status, site, external_id, spot_check FROM comments WHERE id = ?1";
constexpr const char* kInsertDecision =
    "INSERT INTO decisions (comment_id, decision, previous_status, new_status, note, actor, "
    "created_at_ms, spot_check, bulk_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, NULLIF(?9, 0))";
constexpr const char* kSetStatus =
    "UPDATE comments SET status = ?2, updated_at_ms = ?3, spot_check = ?4 WHERE id = ?1";
constexpr const char* kInsertReviewLabel =
    "INSERT INTO labels (comment_id, label, source, author, created_at_ms, decision_id) "
    "VALUES (?1, ?2, 'moderator', ?3, ?4, ?5)";
constexpr const char* kInsertDecisionAudit =
    "INSERT INTO audit_log (at_ms, actor, action, target, before_json, after_json) "
    "VALUES (?1, ?2, ?3, 'comment:' || ?4, json_object('status', ?5), "
    "json_object('status', ?6, 'decision', ?7, 'note', ?8, 'decision_id', ?9))";
// The row exists only if the site is registered with a webhook.
constexpr const char* kInsertOutbox =
    "INSERT INTO outbox (event_id, site, url, payload, next_attempt_at_ms, created_at_ms) "
    "SELECT ?1, s.name, s.webhook_url, json_object('event_id', ?1, 'type', ?2, "
    "'created_at', ?3, 'site', s.name, 'comment', json_object('id', ?4, "
    "'external_id', ?5, 'status', ?6, 'decision', ?7, 'note', ?8)), ?9, ?9 "
    "FROM sites s WHERE s.name = ?10 AND s.webhook_url <> ''";
constexpr const char* kLatestDecision =
    "SELECT id, comment_id, decision, previous_status, new_status, note, actor, "
    "created_at_ms, undone, spot_check FROM decisions WHERE comment_id = ?1 AND actor = ?2 "
    "AND decision <> 'undo' AND undone = 0 ORDER BY id DESC LIMIT 1";
constexpr const char* kLatestOfAnyone =
    "SELECT id, comment_id, decision, previous_status, new_status, note, actor, "
    "created_at_ms, undone, spot_check, coalesce(bulk_id, 0) FROM decisions "
    "WHERE comment_id = ?1 ORDER BY id DESC LIMIT 1";
constexpr const char* kMarkDecisionUndone = "UPDATE decisions SET undone = 1 WHERE id = ?1";
constexpr const char* kMarkLabelsUndone = "UPDATE labels SET undone = 1 WHERE decision_id = ?1";

constexpr const char* kHistoryDecisions =
    "SELECT id, comment_id, decision, previous_status, new_status, note, actor, "
    "created_at_ms, undone, spot_check FROM decisions WHERE comment_id = ?1 ORDER BY id";
constexpr const char* kHistoryLabels =
    "SELECT id, comment_id, label, source, author, created_at_ms, undone, "
    "coalesce(decision_id, 0) FROM labels WHERE comment_id = ?1 ORDER BY id";

// The "<> ''" terms let the planner use the partial indexes.
constexpr const char* kReputationByEmail =
    "SELECT coalesce(sum(status = 'approved'), 0), coalesce(sum(status = 'rejected'), 0), "
    "coalesce(sum(status = 'pending'), 0) FROM comments WHERE author_email = ?1 "
    "AND author_email <> '' AND (?2 IS NULL OR site IN (SELECT value FROM json_each(?2)))";
constexpr const char* kReputationByIp =
    "SELECT coalesce(sum(status = 'approved'), 0), coalesce(sum(status = 'rejected'), 0), "
    "coalesce(sum(status = 'pending'), 0) FROM comments WHERE author_ip = ?1 "
    "AND author_ip <> '' AND (?2 IS NULL OR site IN (SELECT value FROM json_each(?2)))";

// The same, each count stopping at ?3: three bounded range scans of the
// covering (author, status, site) index.
#define MODERATED_CAPPED_COUNT(column, status)                                            \
  "(SELECT count(*) FROM (SELECT 1 FROM comments WHERE " column " = ?1 AND " column      \
  " <> '' AND status = '" status "' AND (?2 IS NULL OR site IN (SELECT value FROM "      \
  "json_each(?2))) LIMIT ?3))"
#define MODERATED_CAPPED_REPUTATION(column)                                               \
  "SELECT " MODERATED_CAPPED_COUNT(column, "approved") ", "                               \
  MODERATED_CAPPED_COUNT(column, "rejected") ", " MODERATED_CAPPED_COUNT(column, "pending")
constexpr const char* kCappedReputationByEmail = MODERATED_CAPPED_REPUTATION("author_email");
constexpr const char* kCappedReputationByIp = MODERATED_CAPPED_REPUTATION("author_ip");
#undef MODERATED_CAPPED_REPUTATION
#undef MODERATED_CAPPED_COUNT

constexpr const char* kChanged =
    "SELECT id, site, external_id, status, updated_at_ms FROM comments "
    "WHERE site = ?1 AND updated_at_ms >= ?2 "
    "AND (?3 IS NULL OR updated_at_ms > ?3 OR (updated_at_ms = ?3 AND id > ?4)) "
    "ORDER BY updated_at_ms, id LIMIT ?5";

// Binds the filter to ?1..?8, ?12..?15 and ?18; `sites_json` and `text` (the
// text as FtsPhrase() gives it) must outlive the statement's use.
int BindFilter(sqlite3_stmt* s, const QueueFilter& f, const std::string& sites_json,
               const std::string& text) {
  int rc = SQLITE_OK;
  auto keep = [&rc](int r) {
    if (rc == SQLITE_OK) rc = r;
  };
  if (f.sites) keep(sqlite3_bind_text(s, 1, sites_json.c_str(), -1, SQLITE_STATIC));
  if (!f.language.empty()) keep(sqlite3_bind_text(s, 2, f.language.c_str(), -1, SQLITE_STATIC));
  if (!f.label.empty()) keep(sqlite3_bind_text(s, 3, f.label.c_str(), -1, SQLITE_STATIC));
  if (f.min_score) keep(sqlite3_bind_double(s, 4, *f.min_score));
  if (f.max_score) keep(sqlite3_bind_double(s, 5, *f.max_score));
  if (!f.rule.empty()) keep(sqlite3_bind_text(s, 6, f.rule.c_str(), -1, SQLITE_STATIC));
  if (f.received_at_most_ms) keep(sqlite3_bind_int64(s, 7, *f.received_at_most_ms));
  if (f.received_at_least_ms) keep(sqlite3_bind_int64(s, 8, *f.received_at_least_ms));
  if (!f.review.empty()) keep(sqlite3_bind_text(s, 12, f.review.c_str(), -1, SQLITE_STATIC));
  if (!f.author_email.empty()) {
    keep(sqlite3_bind_text(s, 13, f.author_email.c_str(), -1, SQLITE_STATIC));
  }
  if (!f.author_ip.empty()) keep(sqlite3_bind_text(s, 14, f.author_ip.c_str(), -1, SQLITE_STATIC));
  if (!f.text.empty()) keep(sqlite3_bind_text(s, 15, text.c_str(), -1, SQLITE_STATIC));
  if (!f.text.empty()) keep(sqlite3_bind_text(s, 18, f.text.c_str(), -1, SQLITE_STATIC));
  return rc;
}

void ReadDecision(sqlite3_stmt* s, Decision* d) {
  Reader r(s);
  r.Int(&d->id);
  r.Int(&d->comment_id);
  r.Text(&d->decision);
  r.Text(&d->previous_status);
  r.Text(&d->new_status);
  r.Text(&d->note);
  r.Text(&d->actor);
  r.Int(&d->created_at_ms);
  r.Bool(&d->undone);
  r.Bool(&d->spot_check);
}

std::string LabelFor(const std::string& decision) {
  if (decision == "approve") return "ham";
  if (decision == "reject") return "rejected";
  return decision;  // spam, abuse, undo
}

// The statements a review write runs, on one connection, inside a
// transaction the caller owns. A template only because SqliteStore::Impl is
// private to Store.
template <typename StoreImpl>
class ReviewWriter {
 public:
  explicit ReviewWriter(StoreImpl* m) : m_(*m) {}

  struct State {
    std::string status, site, external_id;
    bool spot_check = false;
  };

  // kNotFound if there is no comment.
  std::error_code ReadState(int64_t id, bool* found, State* out) {
    return ReadRow(kCommentState, id, found, [out](sqlite3_stmt* s) {
      Reader r(s);
      r.Text(&out->status);
      r.Text(&out->site);
      r.Text(&out->external_id);
      r.Bool(&out->spot_check);
    });
  }

  // Runs `sql` with ?1 = id; *found tells whether it gave a row, which
  // `read` reads.
  template <typename Read>
  std::error_code ReadRow(const char* sql, int64_t id, bool* found, Read read) {
    sqlite3_stmt* s = nullptr;
    if (auto ec = Prepare(sql, &s)) return ec;
    ScopedReset reset(s);
    sqlite3_bind_int64(s, 1, id);
    const int rc = sqlite3_step(s);
    *found = rc == SQLITE_ROW;
    if (rc == SQLITE_DONE) return {};
    if (rc != SQLITE_ROW) return m_.Fail(rc);
    read(s);
    return {};
  }

  std::error_code ReadClaim(int64_t id, int64_t now_ms, std::optional<Claim>* out) {
    out->reset();
    sqlite3_stmt* s = nullptr;
    if (auto ec = Prepare(kGetClaim, &s)) return ec;
    ScopedReset reset(s);
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_int64(s, 2, now_ms);
    const int rc = sqlite3_step(s);
    if (rc == SQLITE_DONE) return {};
    if (rc != SQLITE_ROW) return m_.Fail(rc);
    Claim c;
    Reader r(s);
    r.Int(&c.comment_id);
    r.Text(&c.actor);
    r.Int(&c.expires_at_ms);
    *out = std::move(c);
    return {};
  }

  std::error_code DeleteClaim(int64_t id) {
    sqlite3_stmt* s = nullptr;
    if (auto ec = Prepare(kDeleteClaim, &s)) return ec;
    ScopedReset reset(s);
    sqlite3_bind_int64(s, 1, id);
    return Done(s);
  }

  std::error_code InsertDecision(Decision* d, int64_t bulk_id = 0) {
    sqlite3_stmt* s = nullptr;
    if (auto ec = Prepare(kInsertDecision, &s)) return ec;
    ScopedReset reset(s);
    Binder b(s);
    b.Int(d->comment_id)
        .Text(d->decision)
        .Text(d->previous_status)
        .Text(d->new_status)
        .Text(d->note)
        .Text(d->actor)
        .Int(d->created_at_ms)
        .Int(d->spot_check ? 1 : 0)
        .Int(bulk_id);
    if (b.rc() != SQLITE_OK) return m_.Fail(b.rc());
    if (auto ec = Done(s)) return ec;
    d->id = sqlite3_last_insert_rowid(m_.db.get());
    return {};
  }

  std::error_code SetStatus(int64_t id, const std::string& status, int64_t now_ms,
                            bool spot_check) {
    sqlite3_stmt* s = nullptr;
    if (auto ec = Prepare(kSetStatus, &s)) return ec;
    ScopedReset reset(s);
    Binder b(s);
    b.Int(id).Text(status).Int(now_ms).Int(spot_check ? 1 : 0);
    if (b.rc() != SQLITE_OK) return m_.Fail(b.rc());
    return Done(s);
  }

  std::error_code InsertLabel(const Decision& d) {
    sqlite3_stmt* s = nullptr;
    if (auto ec = Prepare(kInsertReviewLabel, &s)) return ec;
    ScopedReset reset(s);
    const std::string label = LabelFor(d.decision);
    Binder b(s);
    b.Int(d.comment_id).Text(label).Text(d.actor).Int(d.created_at_ms).Int(d.id);
    if (b.rc() != SQLITE_OK) return m_.Fail(b.rc());
    return Done(s);
  }

  std::error_code InsertAudit(const Decision& d, const std::string& action) {
    sqlite3_stmt* s = nullptr;
    if (auto ec = Prepare(kInsertDecisionAudit, &s)) return ec;
    ScopedReset reset(s);
    Binder b(s);
    b.Int(d.created_at_ms)
        .Text(d.actor)
        .Text(action)
        .Int(d.comment_id)
        .Text(d.previous_status)
        .Text(d.new_status)
        .Text(d.decision)
        .Text(d.note)
        .Int(d.id);
    if (b.rc() != SQLITE_OK) return m_.Fail(b.rc());
    return Done(s);
  }

  std::error_code InsertOutbox(const DecideRequest& req, const State& state, const Decision& d,
                               const std::string& type, int64_t* outbox_id) {
    *outbox_id = 0;
    sqlite3_stmt* s = nullptr;
    if (auto ec = Prepare(kInsertOutbox, &s)) return ec;
    ScopedReset reset(s);
    Binder b(s);
    b.Text(req.event_id)
        .Text(type)
        .Text(req.event_time)
        .Int(d.comment_id)
        .Text(state.external_id)
        .Text(d.new_status)
        .Text(d.decision)
        .Text(d.note)
        .Int(req.now_ms)
        .Text(state.site);
    if (b.rc() != SQLITE_OK) return m_.Fail(b.rc());
    if (auto ec = Done(s)) return ec;
    if (sqlite3_changes64(m_.db.get()) > 0) *outbox_id = sqlite3_last_insert_rowid(m_.db.get());
    return {};
  }

  std::error_code Latest(int64_t comment_id, const std::string& actor, bool* found,
                         Decision* out) {
    sqlite3_stmt* s = nullptr;
    if (auto ec = Prepare(kLatestDecision, &s)) return ec;
    ScopedReset reset(s);
    Binder b(s);
    b.Int(comment_id).Text(actor);
    if (b.rc() != SQLITE_OK) return m_.Fail(b.rc());
    const int rc = sqlite3_step(s);
    *found = rc == SQLITE_ROW;
    if (rc == SQLITE_DONE) return {};
    if (rc != SQLITE_ROW) return m_.Fail(rc);
    ReadDecision(s, out);
    return {};
  }

  std::error_code MarkUndone(int64_t decision_id) {
    for (const char* sql : {kMarkDecisionUndone, kMarkLabelsUndone}) {
      sqlite3_stmt* s = nullptr;
      if (auto ec = Prepare(sql, &s)) return ec;
      ScopedReset reset(s);
      sqlite3_bind_int64(s, 1, decision_id);
      if (auto ec = Done(s)) return ec;
    }
    return {};
  }

  // Undoes result->undone (read by the caller) inside the caller's
  // transaction: Undo's writes.
  std::error_code UndoLatest(const DecideRequest& req, const State& state, DecideResult* result) {
    Decision& undone = result->undone;
    if (auto ec = MarkUndone(undone.id)) return ec;
    undone.undone = true;
    Decision& d = result->decision;
    d.comment_id = req.comment_id;
    d.decision = "undo";
    d.previous_status = state.status;
    d.new_status = undone.previous_status;
    d.note = req.note;
    d.actor = req.actor;
    d.created_at_ms = req.now_ms;
    d.spot_check = state.spot_check;
    if (auto ec = InsertDecision(&d)) return ec;
    if (auto ec = SetStatus(req.comment_id, d.new_status, req.now_ms, undone.spot_check)) {
      return ec;
    }
    if (auto ec = InsertLabel(d)) return ec;
    if (auto ec = InsertAudit(d, "comment.undo")) return ec;
    return InsertOutbox(req, state, d, "comment.undone", &result->outbox_id);
  }

  // The comment's latest decision of anyone (undo rows included) and the
  // bulk action it belongs to (0 = none).
  std::error_code LatestOfAnyone(int64_t comment_id, bool* found, Decision* out,
                                 int64_t* bulk_id) {
    return ReadRow(kLatestOfAnyone, comment_id, found, [&](sqlite3_stmt* s) {
      ReadDecision(s, out);
      *bulk_id = sqlite3_column_int64(s, 10);
    });
  }

  // One decision inside the caller's transaction.
  std::error_code Decide(const DecideRequest& req, DecideResult* result) {
    *result = DecideResult();
    bool found = false;
    State state;
    if (auto ec = ReadState(req.comment_id, &found, &state)) return ec;
    if (!found) {
      result->outcome = ReviewOutcome::kNotFound;
      return {};
    }
    std::optional<Claim> claim;
    if (auto ec = ReadClaim(req.comment_id, req.now_ms, &claim)) return ec;
    if (claim && claim->actor != req.actor) {
      result->outcome = ReviewOutcome::kClaimedByOther;
      result->claim = *claim;
      return {};
    }
    Decision& d = result->decision;
    d.comment_id = req.comment_id;
    d.decision = req.decision;
    d.previous_status = state.status;
    d.new_status = req.decision == "approve" ? "approved" : "rejected";
    d.note = req.note;
    d.actor = req.actor;
    d.created_at_ms = req.now_ms;
    d.spot_check = state.spot_check;
    if (auto ec = InsertDecision(&d, req.bulk_id)) return ec;
    // A decision answers a spot check: the flag goes (Undo brings it back).
    if (auto ec = SetStatus(req.comment_id, d.new_status, req.now_ms, false)) return ec;
    if (auto ec = InsertLabel(d)) return ec;
    if (auto ec = InsertAudit(d, "comment.decide")) return ec;
    if (auto ec = DeleteClaim(req.comment_id)) return ec;
    return InsertOutbox(req, state, d, "comment.decided", &result->outbox_id);
  }

 private:
  std::error_code Prepare(const char* sql, sqlite3_stmt** out) {
    int rc = SQLITE_OK;
    *out = m_.Cached(sql, &rc);
    return *out == nullptr ? internal::ErrorFromSqlite(rc == SQLITE_OK ? SQLITE_ERROR : rc)
                           : std::error_code();
  }
  std::error_code Done(sqlite3_stmt* s) {
    const int rc = sqlite3_step(s);
    return rc == SQLITE_DONE ? std::error_code() : m_.Fail(rc);
  }
  StoreImpl& m_;
};

}  // namespace

std::vector<std::string> internal::QueueStatements() {
  // In this order: the listings of every queue and of one site (as before
  // the per-author paths existed), the capped counts and the kept counts,
  // then the listings of one IP and one e-mail address, the other paths'
  // capped counts and every path's exact count.
  QueueFilter all, site, ip, email;
  site.sites = std::vector<std::string>{"s"};
  ip.author_ip = "ip";
  email.author_email = "e";
  std::vector<std::string> out;
  auto listings = [&](const QueueListings& l) {
    out.insert(out.end(), std::begin(l.first), std::end(l.first));
    out.insert(out.end(), std::begin(l.cursor), std::end(l.cursor));
  };
  listings(ListingsFor(all));
  listings(ListingsFor(site));
  out.push_back(ListingsFor(all).counts);
  out.push_back(kKeptCounts);
  listings(ListingsFor(ip));
  listings(ListingsFor(email));
  for (const QueueFilter* f : {&site, &ip, &email}) out.push_back(ListingsFor(*f).counts);
  for (const QueueFilter* f : {&all, &site, &ip, &email}) {
    out.push_back(ListingsFor(*f).count_exact);
  }
  // Then one language's and one text's listings, capped count and exact
  // count (41..50, 51..60).
  QueueFilter language, text;
  language.language = "ru";
  text.text = "casino";
  // Then one rule's (61..70), and the rule's share of the queue that
  // decides whether a score order takes that path (71).
  QueueFilter rule;
  rule.rule = "spam.gambling";
  for (const QueueFilter* f : {&language, &text, &rule}) {
    listings(ListingsFor(*f));
    out.push_back(ListingsFor(*f).counts);
    out.push_back(ListingsFor(*f).count_exact);
  }
  out.push_back(kRuleShare);
  return out;
}

std::error_code SqliteStore::ListQueue(const QueueFilter& filter, QueueOrder order,
                                       const std::optional<QueuePosition>& after, int64_t limit,
                                       std::vector<Comment>* out) {
  Impl& m = *impl_;
  out->clear();
  const auto index = static_cast<size_t>(order);
  const std::string sites_json = filter.sites ? JsonArray(*filter.sites) : "";
  // A score order sorts the rule's queue items on the rule path: take it
  // while they are fewer than the score index's rows a page would walk with
  // the rule as a WHERE term (about limit * queue / items, if they are
  // spread evenly), i.e. items^2 < limit * queue.
  bool by_rule = true;
  if (PathFor(filter) == QueuePath::kRule &&
      (order == QueueOrder::kScoreDesc || order == QueueOrder::kScoreAsc)) {
    int rc = SQLITE_OK;
    sqlite3_stmt* s = m.Cached(kRuleShare, &rc);
    if (s == nullptr) return m.Fail(rc);
    ScopedReset reset(s);
    rc = BindFilter(s, filter, sites_json, "");
    if (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
      const double items = static_cast<double>(sqlite3_column_int64(s, 0));
      const double queue = static_cast<double>(sqlite3_column_int64(s, 1));
      by_rule = items * items < static_cast<double>(std::max<int64_t>(limit, 1)) * queue;
      rc = SQLITE_DONE;
    }
    if (rc != SQLITE_DONE) return m.Fail(rc);
  }
  const QueueListings& listings = ListingsFor(filter, by_rule);
  const std::string& sql = after ? listings.cursor[index] : listings.first[index];
  std::vector<int64_t> ids;
  {
    int rc = SQLITE_OK;
    sqlite3_stmt* s = m.Cached(sql.c_str(), &rc);
    if (s == nullptr) return m.Fail(rc);
    ScopedReset reset(s);
    const std::string text = FtsPhrase(filter.text);
    rc = BindFilter(s, filter, sites_json, text);
    if (after && rc == SQLITE_OK) rc = sqlite3_bind_double(s, 9, after->score);
    if (after && rc == SQLITE_OK) rc = sqlite3_bind_int64(s, 10, after->id);
    if (rc == SQLITE_OK) rc = sqlite3_bind_int64(s, 11, limit);
    if (rc == SQLITE_OK) rc = BindPath(s, filter, by_rule);
    if (rc != SQLITE_OK) return m.Fail(rc);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) ids.push_back(sqlite3_column_int64(s, 0));
    if (rc != SQLITE_DONE) return m.Fail(rc);
  }
  // Then each comment with its reasons (pages are small).
  return GetEach(ids, out);
}

std::error_code SqliteStore::CountQueue(const QueueFilter& filter, QueueCounts* out) {
  Impl& m = *impl_;
  *out = QueueCounts();
  const std::string sites_json = filter.sites ? JsonArray(*filter.sites) : "";
  const bool narrowed = filter.NarrowsBeyondSites();
  int rc = SQLITE_OK;
  sqlite3_stmt* s = m.Cached(narrowed ? ListingsFor(filter).counts.c_str() : kKeptCounts, &rc);
  if (s == nullptr) return m.Fail(rc);
  ScopedReset reset(s);
  const std::string text = FtsPhrase(filter.text);
  rc = BindFilter(s, filter, sites_json, text);
  if (narrowed && rc == SQLITE_OK) rc = BindPath(s, filter);
  // One more than the cap tells whether more match.
  if (narrowed && rc == SQLITE_OK) rc = sqlite3_bind_int64(s, 16, kQueueCountCap + 1);
  if (rc != SQLITE_OK) return m.Fail(rc);
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    Reader r(s);
    if (narrowed) {
      std::string dim, key;
      int64_t n = 0;
      r.Text(&dim);
      r.Text(&key);
      r.Int(&n);
      out->AddMatched(dim, key, n);
    } else {
      std::string site, review, dim, key;
      int64_t n = 0;
      r.Text(&site);
      r.Text(&review);
      r.Text(&dim);
      r.Text(&key);
      r.Int(&n);
      out->AddKept(site, review, dim, key, n);
    }
  }
  if (rc != SQLITE_DONE) return m.Fail(rc);
  out->Finish(narrowed);
  return {};
}

std::error_code SqliteStore::GetClaim(int64_t comment_id, int64_t now_ms, std::optional<Claim>* out) {
  ReviewWriter<Impl> w(impl_.get());
  return w.ReadClaim(comment_id, now_ms, out);
}

std::error_code SqliteStore::ClaimComment(int64_t comment_id, const std::string& actor, int64_t now_ms,
                                    int64_t expires_at_ms, ReviewOutcome* outcome,
                                    Claim* claim) {
  Impl& m = *impl_;
  if (auto ec = m.CheckWritable()) return ec;
  ReviewWriter<Impl> w(&m);
  Impl::Transaction txn(&m);
  if (auto ec = txn.Begin()) return ec;
  bool found = false;
  ReviewWriter<Impl>::State state;
  if (auto ec = w.ReadState(comment_id, &found, &state)) return ec;
  if (!found) {
    *outcome = ReviewOutcome::kNotFound;
    return {};
  }
  std::optional<Claim> held;
  if (auto ec = w.ReadClaim(comment_id, now_ms, &held)) return ec;
  if (held && held->actor != actor) {
    *outcome = ReviewOutcome::kClaimedByOther;
    *claim = *held;
    return {};
  }
  int rc = SQLITE_OK;
  sqlite3_stmt* s = m.Cached(kPutClaim, &rc);
  if (s == nullptr) return m.Fail(rc);
  {
    ScopedReset reset(s);
    Binder b(s);
    b.Int(comment_id).Text(actor).Int(expires_at_ms);
    if (b.rc() != SQLITE_OK) return m.Fail(b.rc());
    rc = sqlite3_step(s);
    if (rc != SQLITE_DONE) return m.Fail(rc);
  }
  if (auto ec = txn.Commit()) return ec;
  *outcome = ReviewOutcome::kDone;
  *claim = Claim{comment_id, actor, expires_at_ms};
  return {};
}

std::error_code SqliteStore::ReleaseClaim(int64_t comment_id, const std::string& actor, int64_t now_ms,
                                    ReviewOutcome* outcome, Claim* holder) {
  Impl& m = *impl_;
  if (auto ec = m.CheckWritable()) return ec;
  ReviewWriter<Impl> w(&m);
  Impl::Transaction txn(&m);
  if (auto ec = txn.Begin()) return ec;
  std::optional<Claim> held;
  if (auto ec = w.ReadClaim(comment_id, now_ms, &held)) return ec;
  if (held && held->actor != actor) {
    *outcome = ReviewOutcome::kClaimedByOther;
    *holder = *held;
    return {};
  }
  if (auto ec = w.DeleteClaim(comment_id)) return ec;
  if (auto ec = txn.Commit()) return ec;
  *outcome = ReviewOutcome::kDone;
  return {};
}

std::error_code SqliteStore::Decide(const DecideRequest& request, DecideResult* result) {
  std::vector<DecideResult> results;
  if (auto ec = DecideMany(std::span<const DecideRequest>(&request, 1), &results)) return ec;
  *result = std::move(results.front());
  return {};
}

std::error_code SqliteStore::DecideMany(std::span<const DecideRequest> requests,
                                  std::vector<DecideResult>* results) {
  Impl& m = *impl_;
  results->clear();
  if (auto ec = m.CheckWritable()) return ec;
  for (const DecideRequest& r : requests) {
    if (r.decision != "approve" && r.decision != "reject" && r.decision != "spam" &&
        r.decision != "abuse") {
      return m.Fail(Errc::constraint, "unknown decision '" + r.decision + "'");
    }
  }
  std::vector<DecideResult> out(requests.size());
  ReviewWriter<Impl> w(&m);
  Impl::Transaction txn(&m);
  if (auto ec = txn.Begin()) return ec;
  for (size_t i = 0; i < requests.size(); ++i) {
    if (auto ec = w.Decide(requests[i], &out[i])) return ec;
  }
  if (auto ec = txn.Commit()) return ec;
  *results = std::move(out);
  return {};
}

std::error_code SqliteStore::Undo(const DecideRequest& req, int64_t window_ms, DecideResult* result) {
  Impl& m = *impl_;
  *result = DecideResult();
  if (auto ec = m.CheckWritable()) return ec;
  ReviewWriter<Impl> w(&m);
  Impl::Transaction txn(&m);
  if (auto ec = txn.Begin()) return ec;
  bool found = false;
  ReviewWriter<Impl>::State state;
  if (auto ec = w.ReadState(req.comment_id, &found, &state)) return ec;
  if (!found) {
    result->outcome = ReviewOutcome::kNotFound;
    return {};
  }
  Decision& undone = result->undone;
  if (auto ec = w.Latest(req.comment_id, req.actor, &found, &undone)) return ec;
  if (!found) {
    result->outcome = ReviewOutcome::kNothingToUndo;
    return {};
  }
  if (undone.created_at_ms < req.now_ms - window_ms) {
    result->outcome = ReviewOutcome::kUndoWindowPassed;
    return {};
  }
  if (auto ec = w.UndoLatest(req, state, result)) return ec;
  return txn.Commit();
}

std::error_code SqliteStore::History(int64_t comment_id, std::vector<Decision>* decisions,
                               std::vector<ReviewLabel>* labels) {
  Impl& m = *impl_;
  decisions->clear();
  labels->clear();
  int rc = SQLITE_OK;
  {
    sqlite3_stmt* s = m.Cached(kHistoryDecisions, &rc);
    if (s == nullptr) return m.Fail(rc);
    ScopedReset reset(s);
    sqlite3_bind_int64(s, 1, comment_id);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) ReadDecision(s, &decisions->emplace_back());
    if (rc != SQLITE_DONE) return m.Fail(rc);
  }
  sqlite3_stmt* s = m.Cached(kHistoryLabels, &rc);
  if (s == nullptr) return m.Fail(rc);
  ScopedReset reset(s);
  sqlite3_bind_int64(s, 1, comment_id);
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    ReviewLabel& l = labels->emplace_back();
    Reader r(s);
    r.Int(&l.label.id);
    r.Int(&l.label.comment_id);
    r.Text(&l.label.label);
    r.Text(&l.label.source);
    r.Text(&l.label.author);
    r.Int(&l.label.created_at_ms);
    r.Bool(&l.undone);
    r.Int(&l.decision_id);
  }
  if (rc != SQLITE_DONE) return m.Fail(rc);
  return {};
}

// In process, a statement per item costs little: one GetClaim per comment
// and one GetReputation per distinct (e-mail, IP) pair.
std::error_code SqliteStore::GetQueueExtras(std::span<const Comment> comments, int64_t now_ms,
                                            const std::optional<std::vector<std::string>>& sites,
                                            int64_t cap, std::vector<QueueExtras>* out) {
  out->clear();
  std::map<std::pair<std::string, std::string>, std::pair<Reputation, Reputation>> authors;
  for (const Comment& c : comments) {
    QueueExtras& x = out->emplace_back();
    if (auto ec = GetClaim(c.id, now_ms, &x.claim)) return ec;
    auto [it, added] = authors.try_emplace({c.author_email, c.author_ip});
    if (added) {
      if (auto ec = GetReputation(c.author_email, c.author_ip, sites, &it->second.first,
                                  &it->second.second, cap)) {
        return ec;
      }
    }
    x.email = it->second.first;
    x.ip = it->second.second;
  }
  return {};
}

std::error_code SqliteStore::GetReputation(const std::string& email, const std::string& ip,
                                     const std::optional<std::vector<std::string>>& sites,
                                     Reputation* by_email, Reputation* by_ip, int64_t cap) {
  Impl& m = *impl_;
  *by_email = Reputation();
  *by_ip = Reputation();
  const std::string sites_json = sites ? JsonArray(*sites) : "";
  const bool capped = cap > 0;
  const std::tuple<const char*, const std::string*, Reputation*> queries[] = {
      {capped ? kCappedReputationByEmail : kReputationByEmail, &email, by_email},
      {capped ? kCappedReputationByIp : kReputationByIp, &ip, by_ip},
  };
  for (const auto& [sql, key, out] : queries) {
    if (key->empty()) continue;
    int rc = SQLITE_OK;
    sqlite3_stmt* s = m.Cached(sql, &rc);
    if (s == nullptr) return m.Fail(rc);
    ScopedReset reset(s);
    sqlite3_bind_text(s, 1, key->c_str(), -1, SQLITE_STATIC);
    if (sites) sqlite3_bind_text(s, 2, sites_json.c_str(), -1, SQLITE_STATIC);
    if (capped) sqlite3_bind_int64(s, 3, cap);
    rc = sqlite3_step(s);
    if (rc != SQLITE_ROW) return m.Fail(rc);
    Reader r(s);
    r.Int(&out->approved);
    r.Int(&out->rejected);
    r.Int(&out->pending);
  }
  return {};
}

std::error_code SqliteStore::ListChanged(const std::string& site, int64_t since_ms,
                                   const std::optional<std::pair<int64_t, int64_t>>& after,
                                   int64_t limit, std::vector<Comment>* out) {
  Impl& m = *impl_;
  out->clear();
  int rc = SQLITE_OK;
  sqlite3_stmt* s = m.Cached(kChanged, &rc);
  if (s == nullptr) return m.Fail(rc);
  ScopedReset reset(s);
  sqlite3_bind_text(s, 1, site.c_str(), -1, SQLITE_STATIC);
  sqlite3_bind_int64(s, 2, since_ms);
  if (after) {
    sqlite3_bind_int64(s, 3, after->first);
    sqlite3_bind_int64(s, 4, after->second);
  }
  sqlite3_bind_int64(s, 5, limit);
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    Comment& c = out->emplace_back();
    Reader r(s);
    r.Int(&c.id);
    r.Text(&c.site);
    r.Text(&c.external_id);
    r.Text(&c.status);
    r.Int(&c.updated_at_ms);
  }
  if (rc != SQLITE_DONE) {
    out->clear();
    return m.Fail(rc);
  }
  return {};
}

// --- Bulk actions ---

namespace {

#define MODERATED_BULK_COLUMNS                                                           \
  "id, actor, decision, note, filter_json, state, matched, decided, skipped, undone, "  \
  "error, undone_by, created_at_ms, updated_at_ms"
// ?1..?8: the fields an update writes (BindProgress), in both statements.
constexpr const char* kInsertBulk =
    "INSERT INTO bulk_actions (state, matched, decided, skipped, undone, error, undone_by, "
    "updated_at_ms, actor, decision, note, filter_json, created_at_ms) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)";
constexpr const char* kUpdateBulk =
    "UPDATE bulk_actions SET state = ?1, matched = ?2, decided = ?3, skipped = ?4, "
    "undone = ?5, error = ?6, undone_by = ?7, updated_at_ms = ?8 WHERE id = ?9 AND state = ?10";
constexpr const char* kGetBulk =
    "SELECT " MODERATED_BULK_COLUMNS " FROM bulk_actions WHERE id = ?1";
constexpr const char* kStalledBulk =
    "SELECT " MODERATED_BULK_COLUMNS " FROM bulk_actions WHERE state IN ('running', 'undoing')"
    " AND updated_at_ms < ?1 ORDER BY id LIMIT ?2";
constexpr const char* kBulkDecisions =
    "SELECT id, comment_id, decision, previous_status, new_status, note, actor, "
    "created_at_ms, undone, spot_check FROM decisions INDEXED BY decisions_bulk "
    "WHERE bulk_id = ?1 AND id > ?2 AND undone = 0 ORDER BY bulk_id, id LIMIT ?3";
#undef MODERATED_BULK_COLUMNS

// A row of MODERATED_BULK_COLUMNS.
void ReadBulk(sqlite3_stmt* s, BulkAction* out) {
  Reader r(s);
  r.Int(&out->id);
  r.Text(&out->actor);
  r.Text(&out->decision);
  r.Text(&out->note);
  r.Text(&out->filter_json);
  r.Text(&out->state);
  r.Int(&out->matched);
  r.Int(&out->decided);
  r.Int(&out->skipped);
  r.Int(&out->undone);
  r.Text(&out->error);
  r.Text(&out->undone_by);
  r.Int(&out->created_at_ms);
  r.Int(&out->updated_at_ms);
}

Binder& BindProgress(Binder& b, const BulkAction& a) {
  return b.Text(a.state)
      .Int(a.matched)
      .Int(a.decided)
      .Int(a.skipped)
      .Int(a.undone)
      .Text(a.error)
      .Text(a.undone_by)
      .Int(a.updated_at_ms);
}

}  // namespace

std::error_code SqliteStore::ListQueueIds(const QueueFilter& filter, int64_t after_id,
                                          int64_t limit, std::vector<int64_t>* out) {
  Impl& m = *impl_;
  out->clear();
  const auto oldest = static_cast<size_t>(QueueOrder::kOldest);
  const QueueListings& listings = ListingsFor(filter);
  const std::string& sql = after_id > 0 ? listings.cursor[oldest] : listings.first[oldest];
  int rc = SQLITE_OK;
  sqlite3_stmt* s = m.Cached(sql.c_str(), &rc);
  if (s == nullptr) return m.Fail(rc);
  ScopedReset reset(s);
  const std::string sites_json = filter.sites ? JsonArray(*filter.sites) : "";
  const std::string text = FtsPhrase(filter.text);
  rc = BindFilter(s, filter, sites_json, text);
  if (rc == SQLITE_OK) rc = BindPath(s, filter);
  if (after_id > 0 && rc == SQLITE_OK) rc = sqlite3_bind_int64(s, 10, after_id);
  if (rc == SQLITE_OK) rc = sqlite3_bind_int64(s, 11, limit);
  if (rc != SQLITE_OK) return m.Fail(rc);
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) out->push_back(sqlite3_column_int64(s, 0));
  if (rc != SQLITE_DONE) {
    out->clear();
    return m.Fail(rc);
  }
  return {};
}

std::error_code SqliteStore::CountQueueExact(const QueueFilter& filter, int64_t* out) {
  Impl& m = *impl_;
  *out = 0;
  int rc = SQLITE_OK;
  sqlite3_stmt* s = m.Cached(ListingsFor(filter).count_exact.c_str(), &rc);
  if (s == nullptr) return m.Fail(rc);
  ScopedReset reset(s);
  const std::string sites_json = filter.sites ? JsonArray(*filter.sites) : "";
  const std::string text = FtsPhrase(filter.text);
  rc = BindFilter(s, filter, sites_json, text);
  if (rc == SQLITE_OK) rc = BindPath(s, filter);
  if (rc != SQLITE_OK) return m.Fail(rc);
  rc = sqlite3_step(s);
  if (rc != SQLITE_ROW) return m.Fail(rc);
  *out = sqlite3_column_int64(s, 0);
  return {};
}

std::error_code SqliteStore::AddBulkAction(const BulkAction& a, int64_t* id) {
  Impl& m = *impl_;
  if (auto ec = m.CheckWritable()) return ec;
  int rc = SQLITE_OK;
  sqlite3_stmt* s = m.Cached(kInsertBulk, &rc);
  if (s == nullptr) return m.Fail(rc);
  ScopedReset reset(s);
  Binder b(s);
  BindProgress(b, a).Text(a.actor).Text(a.decision).Text(a.note).Text(a.filter_json).Int(
      a.created_at_ms);
  if (b.rc() != SQLITE_OK) return m.Fail(b.rc());
  rc = sqlite3_step(s);
  if (rc != SQLITE_DONE) return m.Fail(rc);
  *id = sqlite3_last_insert_rowid(m.db.get());
  return {};
}

std::error_code SqliteStore::UpdateBulkAction(const BulkAction& a,
                                              const std::string& expected_state,
                                              const AuditEntry* audit, bool* updated) {
  Impl& m = *impl_;
  *updated = false;
  if (auto ec = m.CheckWritable()) return ec;
  Impl::Transaction txn(&m);
  if (auto ec = txn.Begin()) return ec;
  int rc = SQLITE_OK;
  sqlite3_stmt* s = m.Cached(kUpdateBulk, &rc);
  if (s == nullptr) return m.Fail(rc);
  {
    ScopedReset reset(s);
    Binder b(s);
    BindProgress(b, a).Int(a.id).Text(expected_state);
    if (b.rc() != SQLITE_OK) return m.Fail(b.rc());
    rc = sqlite3_step(s);
    if (rc != SQLITE_DONE) return m.Fail(rc);
  }
  if (sqlite3_changes64(m.db.get()) == 0) return {};
  if (audit != nullptr) {
    if (auto ec = AppendAudit(*audit)) return ec;
  }
  if (auto ec = txn.Commit()) return ec;
  *updated = true;
  return {};
}

std::error_code SqliteStore::GetBulkAction(int64_t id, BulkAction* out) {
  Impl& m = *impl_;
  int rc = SQLITE_OK;
  sqlite3_stmt* s = m.Cached(kGetBulk, &rc);
  if (s == nullptr) return m.Fail(rc);
  ScopedReset reset(s);
  sqlite3_bind_int64(s, 1, id);
  rc = sqlite3_step(s);
  if (rc == SQLITE_DONE) return m.Fail(Errc::not_found, "no bulk action " + std::to_string(id));
  if (rc != SQLITE_ROW) return m.Fail(rc);
  ReadBulk(s, out);
  return {};
}

std::error_code SqliteStore::ListStalledBulkActions(int64_t updated_before_ms, int64_t limit,
                                                   std::vector<BulkAction>* out) {
  Impl& m = *impl_;
  out->clear();
  int rc = SQLITE_OK;
  sqlite3_stmt* s = m.Cached(kStalledBulk, &rc);
  if (s == nullptr) return m.Fail(rc);
  ScopedReset reset(s);
  Binder b(s);
  b.Int(updated_before_ms).Int(limit);
  if (b.rc() != SQLITE_OK) return m.Fail(b.rc());
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) ReadBulk(s, &out->emplace_back());
  if (rc != SQLITE_DONE) {
    out->clear();
    return m.Fail(rc);
  }
  return {};
}

std::error_code SqliteStore::ListBulkDecisions(int64_t bulk_id, int64_t after_id, int64_t limit,
                                               std::vector<Decision>* out) {
  Impl& m = *impl_;
  out->clear();
  int rc = SQLITE_OK;
  sqlite3_stmt* s = m.Cached(kBulkDecisions, &rc);
  if (s == nullptr) return m.Fail(rc);
  ScopedReset reset(s);
  Binder b(s);
  b.Int(bulk_id).Int(after_id).Int(limit);
  if (b.rc() != SQLITE_OK) return m.Fail(b.rc());
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) ReadDecision(s, &out->emplace_back());
  if (rc != SQLITE_DONE) {
    out->clear();
    return m.Fail(rc);
  }
  return {};
}

std::error_code SqliteStore::UndoBulkDecisions(int64_t bulk_id,
                                               std::span<const DecideRequest> requests,
                                               std::vector<DecideResult>* results) {
  Impl& m = *impl_;
  results->clear();
  if (auto ec = m.CheckWritable()) return ec;
  std::vector<DecideResult> out(requests.size());
  ReviewWriter<Impl> w(&m);
  Impl::Transaction txn(&m);
  if (auto ec = txn.Begin()) return ec;
  for (size_t i = 0; i < requests.size(); ++i) {
    const DecideRequest& req = requests[i];
    DecideResult& result = out[i];
    bool found = false;
    ReviewWriter<Impl>::State state;
    if (auto ec = w.ReadState(req.comment_id, &found, &state)) return ec;
    if (!found) {
      result.outcome = ReviewOutcome::kNotFound;
      continue;
    }
    int64_t latest_bulk = 0;
    if (auto ec = w.LatestOfAnyone(req.comment_id, &found, &result.undone, &latest_bulk)) {
      return ec;
    }
    if (!found || latest_bulk != bulk_id || result.undone.undone ||
        result.undone.decision == "undo") {
      result.outcome = ReviewOutcome::kNothingToUndo;
      continue;
    }
    if (auto ec = w.UndoLatest(req, state, &result)) return ec;
  }
  if (auto ec = txn.Commit()) return ec;
  *results = std::move(out);
  return {};
}

}  // namespace moderated::storage

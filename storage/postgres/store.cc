// storage/postgres/store.cc
//
// Store on PostgreSQL through libpqxx. One connection per Store. Every call
// runs in Call(), which (re)connects when the connection is gone and turns
// libpqxx's exceptions into Errc values, so no exception leaves storage/.
// A lost connection is Errc::busy (retryable): the daemon answers 503 with
// Retry-After and the next call connects again.
//
// Cluster semantics (several daemons on one database):
//  - idempotency: INSERT ... ON CONFLICT (site, external_id) DO NOTHING on a
//    unique index, then the first verdict is read back;
//  - review writes lock the comment's row (SELECT ... FOR UPDATE) before
//    reading its claim, so two daemons cannot both claim or decide it;
//  - writes of rules, models, sites and tokens NOTIFY moderated_changes in
//    their transaction (delivered at COMMIT) for other daemons to reload.
#include "storage/postgres/store.h"

#include <pqxx/pqxx>

#include <algorithm>
#include <array>
#include <cstdio>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "storage/json_text.h"
#include "storage/postgres/array.h"
#include "storage/postgres/schema.h"
#include "storage/sql_terms.h"

namespace moderated::storage::internal {
namespace {

// Serialises migrations of one database across processes.
constexpr int64_t kMigrationLockKey = 0x6d6f64657261;  // "modera"

#define PG_COMMENT_COLUMNS                                                             \
  "id, site, external_id, thread, parent, author_name, author_email, author_url, "    \
  "author_ip, author_user_agent, content, created_at, lang_hint, meta_json, "          \
  "received_at_ms, status, action, score, labels_json, language, language_reliable, " \
  "rules_version, model_version, verdict_json, updated_at_ms, spot_check"

std::string Hex(const std::string& bytes) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

std::string Unhex(const char* hex, size_t n) {
  auto v = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return 0;
  };
  std::string out;
  out.reserve(n / 2);
  for (size_t i = 0; i + 1 < n; i += 2) out += static_cast<char>(v(hex[i]) * 16 + v(hex[i + 1]));
  return out;
}

// Optional parameters: nullptr binds NULL.
const char* OrNull(const std::string& s, bool present) { return present ? s.c_str() : nullptr; }

Errc FromSqlState(const std::string& state) {
  if (state == "23505" || state == "23514" || state == "23502" || state == "23503") {
    return Errc::constraint;
  }
  if (state.starts_with("22")) return Errc::constraint;  // bad JSON text, overflow
  if (state == "40001" || state == "40P01" || state == "55P03" || state == "57014" ||
      state.starts_with("08") || state.starts_with("57P") || state == "53300") {
    return Errc::busy;  // serialization, deadlock, lock/statement timeout, shutdown
  }
  if (state == "25006") return Errc::read_only;
  if (state == "53100") return Errc::disk_full;
  if (state.starts_with("58")) return Errc::io_error;
  if (state.starts_with("XX")) return Errc::corrupt;
  return Errc::internal;
}

void ReadComment(const pqxx::row& row, Comment* c) {
  int i = 0;
  auto text = [&](std::string* out) {
    const pqxx::field f = row[i++];
    out->assign(f.c_str(), f.size());
  };
  c->id = row[i++].as<int64_t>();
  text(&c->site);
  text(&c->external_id);
  text(&c->thread);
  text(&c->parent);
  text(&c->author_name);
  text(&c->author_email);
  text(&c->author_url);
  text(&c->author_ip);
  text(&c->author_user_agent);
  text(&c->content);
  text(&c->created_at);
  text(&c->lang_hint);
  text(&c->meta_json);
  c->received_at_ms = row[i++].as<int64_t>();
  text(&c->status);
  text(&c->action);
  c->score = row[i++].as<double>();
  text(&c->labels_json);
  text(&c->language);
  c->language_reliable = row[i++].as<int>() != 0;
  text(&c->rules_version);
  text(&c->model_version);
  text(&c->verdict_json);
  c->updated_at_ms = row[i++].as<int64_t>();
  c->spot_check = row[i++].as<int>() != 0;
}

std::string Str(const pqxx::field& f) { return std::string(f.c_str(), f.size()); }

// PostgreSQL's primary message alone: "ERROR:  new row ... check constraint
// \"labels_label_check\"\nDETAIL: ..." → "new row ... check constraint ...".
std::string PrimaryMessage(const char* what) {
  std::string m = what;
  if (m.starts_with("ERROR:  ")) m.erase(0, 8);
  if (m.starts_with("FATAL:  ")) m.erase(0, 8);
  const size_t nl = m.find('\n');
  if (nl != std::string::npos) m.resize(nl);
  return m;
}

void ReadRules(const pqxx::row& r, RulesVersion* v) {
  v->id = r[0].as<int64_t>();
  v->text = Str(r[1]);
  v->author = Str(r[2]);
  v->comment = Str(r[3]);
  v->created_at_ms = r[4].as<int64_t>();
  v->active = r[5].as<int>() != 0;
}

void ReadToken(const pqxx::row& r, Token* t) {
  t->id = r[0].as<int64_t>();
  t->name = Str(r[1]);
  t->role = Str(r[2]);
  t->sites_json = Str(r[3]);
  t->hash = Unhex(r[4].c_str(), r[4].size());
  t->prefix = Str(r[5]);
  t->created_at_ms = r[6].as<int64_t>();
  t->created_by = Str(r[7]);
  t->revoked_at_ms = r[8].as<int64_t>();
  t->last_used_at_ms = r[9].as<int64_t>();
}

#define PG_SITE_COLUMNS                                                                    \
  "name, hold_at, reject_at, languages_json, webhook_url, webhook_secret, retention_days, " \
  "created_at_ms, updated_at_ms, sensitivity, spot_check"

void ReadSite(const pqxx::row& r, Site* s) {
  s->name = Str(r[0]);
  s->hold_at = r[1].is_null() ? std::nullopt : std::optional<double>(r[1].as<double>());
  s->reject_at = r[2].is_null() ? std::nullopt : std::optional<double>(r[2].as<double>());
  s->languages_json = Str(r[3]);
  s->webhook_url = Str(r[4]);
  s->webhook_secret = Str(r[5]);
  s->retention_days = r[6].as<int64_t>();
  s->created_at_ms = r[7].as<int64_t>();
  s->updated_at_ms = r[8].as<int64_t>();
  s->sensitivity = r[9].is_null() ? std::nullopt : std::optional<std::string>(Str(r[9]));
  s->spot_check = r[10].is_null() ? std::nullopt : std::optional<double>(r[10].as<double>());
}

#define PG_OUTBOX_COLUMNS                                                                  \
  "id, event_id, site, url, payload, attempts, next_attempt_at_ms, delivered_at_ms, "      \
  "last_error, created_at_ms"

void ReadOutbox(const pqxx::row& r, OutboxEvent* e) {
  e->id = r[0].as<int64_t>();
  e->event_id = Str(r[1]);
  e->site = Str(r[2]);
  e->url = Str(r[3]);
  e->payload = Str(r[4]);
  e->attempts = r[5].as<int64_t>();
  e->next_attempt_at_ms = r[6].as<int64_t>();
  e->delivered_at_ms = r[7].as<int64_t>();
  e->last_error = Str(r[8]);
  e->created_at_ms = r[9].as<int64_t>();
}

#define PG_DECISION_COLUMNS                                                               \
  "id, comment_id, decision, previous_status, new_status, note, actor, created_at_ms, " \
  "undone, spot_check"

void ReadDecision(const pqxx::row& r, Decision* d) {
  d->id = r[0].as<int64_t>();
  d->comment_id = r[1].as<int64_t>();
  d->decision = Str(r[2]);
  d->previous_status = Str(r[3]);
  d->new_status = Str(r[4]);
  d->note = Str(r[5]);
  d->actor = Str(r[6]);
  d->created_at_ms = r[7].as<int64_t>();
  d->undone = r[8].as<int>() != 0;
  d->spot_check = r[9].as<int>() != 0;
}

#define PG_MODEL_COLUMNS                                                                  \
  "id, version, octet_length(bytes), report_json, author, note, created_at_ms, active, " \
  "site, calibration"

void ReadModel(const pqxx::row& r, ModelVersion* m, bool with_bytes) {
  m->id = r[0].as<int64_t>();
  m->version = Str(r[1]);
  m->size_bytes = r[2].as<int64_t>();
  m->report_json = Str(r[3]);
  m->author = Str(r[4]);
  m->note = Str(r[5]);
  m->created_at_ms = r[6].as<int64_t>();
  m->active = r[7].as<int>() != 0;
  m->site = Str(r[8]);
  m->calibration = Str(r[9]);
  m->bytes = with_bytes ? Unhex(r[10].c_str(), r[10].size()) : std::string();
}

// The most probable classifier label among ham, spam and abuse.
#define PG_LABEL(name) "coalesce((moderated_json_or_null(c.labels_json)->>'" name "')::float8, 0)"
#define PG_LABEL_EXPR                                                                  \
  "(CASE WHEN " PG_LABEL("ham") " >= " PG_LABEL("spam") " AND " PG_LABEL("ham")       \
  " >= " PG_LABEL("abuse") " THEN 'ham' WHEN " PG_LABEL("spam") " >= " PG_LABEL("abuse") \
  " THEN 'spam' ELSE 'abuse' END)"
#define PG_REVIEW_EXPR "(CASE WHEN c.status = 'pending' THEN 'pending' ELSE 'spot_check' END)"

// The text filter `param` (QueueFilter::text, SearchFilter::text): a case
// insensitive substring of 3 or more characters, through the pg_trgm index
// comments_content_trgm (postgres/schema.cc, 5). LIKE's wildcards and escape in
// the text are escaped, so it is matched literally; a bound parameter is a
// constant when the statement is planned, so the index serves it.
#define PG_TEXT_MATCH(param)                                                              \
  "(char_length(" param ") >= 3 AND c.content ILIKE '%' || replace(replace(replace(" param \
  ", '\\', '\\\\'), '%', '\\%'), '_', '\\_') || '%')"

// $1..$8 and $12..$15: the QueueFilter (NULL = no filter) but the rule ($6,
// PG_RULE_TERM). The first term is the WHERE of the partial indexes
// comments_queue* (postgres/schema.cc, 2).
#define PG_QUEUE_WHERE_BUT_RULE                                                           \
  " (c.status = 'pending' OR c.spot_check = 1)"                                          \
  " AND ($12::text IS NULL OR " PG_REVIEW_EXPR " = $12::text)"                            \
  " AND ($1::text IS NULL OR c.site IN (SELECT json_array_elements_text($1::json)))"      \
  " AND ($2::text IS NULL OR c.language = $2::text)"                                      \
  " AND ($3::text IS NULL OR " PG_LABEL_EXPR " = $3::text)"                               \
  " AND ($4::float8 IS NULL OR c.score >= $4::float8)"                                    \
  " AND ($5::float8 IS NULL OR c.score <= $5::float8)"                                    \
  " AND ($7::bigint IS NULL OR c.received_at_ms <= $7::bigint)"                           \
  " AND ($8::bigint IS NULL OR c.received_at_ms >= $8::bigint)"                           \
  " AND ($13::text IS NULL OR lower(c.author_email) = lower($13::text))"                  \
  " AND ($14::text IS NULL OR c.author_ip = $14::text)"                                   \
  " AND ($15::text IS NULL OR " PG_TEXT_MATCH("$15::text") ")"
#define PG_RULE_TERM " AND ($6::text IS NULL OR " MODERATED_HAS_RULE("$6::text") ")"
#define PG_QUEUE_WHERE PG_QUEUE_WHERE_BUT_RULE PG_RULE_TERM

// Every listing takes the same fifteen parameters, so the cursor ($9, $10)
// and the limit ($11) are referenced (with casts) even where a page ignores
// one. A cursor page is one row comparison against its index's key.
#define PG_PARAMS_USED " AND ($9::float8 IS NULL OR true) AND ($10::bigint IS NULL OR true)"

// FROM and WHERE of the queued comments a listing reads: with a rule filter
// ($6), that rule's queue items (queue_rules, postgres/schema.cc, 8) joined
// with their comments, so that the planner can read them instead of walking
// the queue with the rule as a term. The join is the rule filter: the term
// stays out, since its selectivity, counted twice, made the planner expect
// 5,000 of 100,000 matches and sort them all for the counts (1.2 s against
// 30 ms at 100,000 pending).
std::string QueueFromWhere(bool by_rule) {
  return by_rule ? " FROM queue_rules qr JOIN comments c ON c.id = qr.comment_id"
                   " WHERE qr.rule_id = $6::text AND" PG_QUEUE_WHERE_BUT_RULE
                 : " FROM comments c WHERE" PG_QUEUE_WHERE;
}

std::string QueueSql(QueueOrder order, bool cursor, bool by_rule) {
  const auto page = [by_rule](const char* where, const char* order) {
    return "SELECT c.id" + QueueFromWhere(by_rule) + PG_PARAMS_USED + where + " ORDER BY " +
           order + " LIMIT $11";
  };
  switch (order) {
    case QueueOrder::kNewest:
      return cursor ? page(" AND c.id < $10::bigint", "c.id DESC") : page("", "c.id DESC");
    case QueueOrder::kScoreDesc:
      return cursor ? page(" AND (-c.score, c.id) > (-$9::float8, $10::bigint)",
                           "-c.score, c.id")
                    : page("", "-c.score, c.id");
    case QueueOrder::kScoreAsc:
      return cursor ? page(" AND (c.score, c.id) > ($9::float8, $10::bigint)", "c.score, c.id")
                    : page("", "c.score, c.id");
    case QueueOrder::kOldest:
    default:
      return cursor ? page(" AND c.id > $10::bigint", "c.id") : page("", "c.id");
  }
}

// Search over every comment, newest first (Store::SearchComments): $1..$6
// and $10..$15 the SearchFilter, $7 ids below this, $8 the limit, $9 the
// text. The "<> ''" terms let the planner use the partial (key, id) indexes
// of one author or thread (postgres/schema.cc, 5); a rule, a label, a date
// or a score range has its own index (postgres/schema.cc, 6).
constexpr const char* kPgSearch =
    "SELECT c.id FROM comments c WHERE"
    " ($1::text IS NULL OR c.site IN (SELECT json_array_elements_text($1::json)))"
    " AND ($2::text IS NULL OR c.status = $2::text)"
    " AND ($3::text IS NULL OR c.language = $3::text)"
    " AND ($4::text IS NULL OR (lower(c.author_email) = lower($4::text)"
    " AND c.author_email <> ''))"
    " AND ($5::text IS NULL OR (c.author_ip = $5::text AND c.author_ip <> ''))"
    " AND ($6::text IS NULL OR (c.thread = $6::text AND c.thread <> ''))"
    " AND ($9::text IS NULL OR " PG_TEXT_MATCH("$9::text") ")"
    " AND ($10::text IS NULL OR " MODERATED_LABEL_IS("$10::text") ")"
    " AND ($11::text IS NULL OR " MODERATED_HAS_RULE("$11::text") ")"
    " AND ($12::float8 IS NULL OR c.score >= $12::float8)"
    " AND ($13::float8 IS NULL OR c.score <= $13::float8)"
    " AND ($14::bigint IS NULL OR c.received_at_ms >= $14::bigint)"
    " AND ($15::bigint IS NULL OR c.received_at_ms < $15::bigint)"
    " AND c.id < $7::bigint ORDER BY c.id DESC LIMIT $8";

// Counts over a narrowed queue: the oldest $16 matching comments, counted
// five ways ($9..$11 are bound NULL and referenced).
std::string MatchedCountsSql(bool by_rule) {
  return std::string("WITH q AS MATERIALIZED (SELECT c.id, c.site, c.language, " PG_LABEL_EXPR
                     " AS label, " PG_REVIEW_EXPR " AS review") +
         QueueFromWhere(by_rule) + PG_PARAMS_USED
         " AND ($11::bigint IS NULL OR true) ORDER BY c.id LIMIT $16)"
         " SELECT 'site', site, count(*) FROM q GROUP BY site"
         " UNION ALL SELECT 'review', review, count(*) FROM q GROUP BY review"
         " UNION ALL SELECT 'language', language, count(*) FROM q GROUP BY language"
         " UNION ALL SELECT 'label', label, count(*) FROM q GROUP BY label"
         " UNION ALL SELECT 'rule', rr.rule_id, count(DISTINCT q.id) FROM q JOIN reasons rr"
         " ON rr.comment_id = q.id AND rr.shadow = 0 GROUP BY rr.rule_id";
}

// The kept counts of the sites ($1) and review kind ($2): compacted rows
// plus the deltas not yet folded in.
constexpr const char* kPgKeptCounts =
    "SELECT site, review, dim, key, sum(n)::bigint FROM (SELECT site, review, dim, key, n "
    "FROM queue_counts UNION ALL SELECT site, review, dim, key, n FROM queue_count_deltas) k "
    "WHERE ($1::text IS NULL OR site IN (SELECT json_array_elements_text($1::json))) "
    "AND ($2::text IS NULL OR review = $2::text) GROUP BY 1, 2, 3, 4 HAVING sum(n) > 0";

// Folds the deltas into queue_counts: one compaction at a time across the
// cluster (the others skip), in key order.
constexpr int64_t kQueueCountsLockKey = 0x6d6f64717565;  // "modque"
constexpr const char* kPgCompactQueueCounts =
    "WITH moved AS (DELETE FROM queue_count_deltas RETURNING site, review, dim, key, n) "
    "INSERT INTO queue_counts (site, review, dim, key, n) SELECT site, review, dim, key, "
    "sum(n) FROM moved GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4 "
    "ON CONFLICT (site, review, dim, key) DO UPDATE SET n = queue_counts.n + excluded.n";

#define PG_INSERTED_COLUMNS                                                              \
  "site, external_id, thread, parent, author_name, author_email, author_url, author_ip, " \
  "author_user_agent, content, created_at, lang_hint, meta_json, received_at_ms, status, " \
  "action, score, labels_json, language, language_reliable, rules_version, model_version, " \
  "verdict_json, updated_at_ms, spot_check"

// What kPgInsertComments says became of a comment.
constexpr int kInserted = 0;      // stored now, with the id given
constexpr int kStoredBefore = 1;  // (site, external_id) was committed before: its id and verdict
constexpr int kLostRace = 2;      // another transaction inserted it during this statement

// A batch of comments, one array per column ($1..$25, in the order of
// PG_INSERTED_COLUMNS), with the first occurrence of each (site, external_id)
// only. Returns one row (ord, id, verdict_json, fate) per comment, ord
// counting from 1. Ids are taken only by comments that were not stored
// before (so a resubmission uses up no id), in batch order; a lost race
// uses up one. ON CONFLICT covers a concurrent insert by another daemon: it
// waits for that transaction and then does nothing.
constexpr const char* kPgInsertComments =
    "WITH input AS (SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], "
    "$5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], "
    "$12::text[], $13::text[], $14::bigint[], $15::text[], $16::text[], $17::float8[], "
    "$18::text[], $19::text[], $20::integer[], $21::text[], $22::text[], $23::text[], "
    "$24::bigint[], $25::integer[]) WITH ORDINALITY AS u(" PG_INSERTED_COLUMNS ", ord)), "
    "existing AS (SELECT i.ord, c.id, c.verdict_json FROM input i JOIN comments c "
    "ON c.site = i.site AND c.external_id = i.external_id AND c.external_id <> ''), "
    "fresh AS (SELECT nextval('comments_id_seq') AS id, i.* FROM input i "
    "WHERE i.ord NOT IN (SELECT ord FROM existing) ORDER BY i.ord), "
    "ins AS (INSERT INTO comments (id, " PG_INSERTED_COLUMNS ") SELECT id, " PG_INSERTED_COLUMNS
    " FROM fresh ORDER BY site, external_id "
    "ON CONFLICT (site, external_id) WHERE external_id <> '' DO NOTHING RETURNING id) "
    "SELECT ord, id, verdict_json, 1 FROM existing UNION ALL "
    "SELECT f.ord, f.id, '', CASE WHEN f.id IN (SELECT id FROM ins) THEN 0 ELSE 2 END "
    "FROM fresh f";

// Every reason of a batch: one array per column.
constexpr const char* kPgInsertReasons =
    "INSERT INTO reasons (comment_id, ordinal, rule_id, description, field, score, span_begin, "
    "span_end, excerpt, shadow) SELECT * FROM unnest($1::bigint[], $2::integer[], $3::text[], "
    "$4::text[], $5::text[], $6::float8[], $7::bigint[], $8::bigint[], $9::text[], "
    "$10::integer[])";

std::string LabelFor(const std::string& decision) {
  if (decision == "approve") return "ham";
  if (decision == "reject") return "rejected";
  return decision;
}

// Counts notifications on one channel (LISTEN is issued when it is made).
class Receiver final : public pqxx::notification_receiver {
 public:
  Receiver(pqxx::connection_base& c, const std::string& channel)
      : pqxx::notification_receiver(c, channel) {}
  void operator()(const std::string& /*payload*/, int /*backend_pid*/) override { ++count; }
  int count = 0;
};

class PgStore final : public Store {
 public:
  PgStore(std::string url, bool read_only, const StoreOptions& options)
      : url_(std::move(url)), display_(RedactUrl(url_)), read_only_(read_only),
        options_(options) {}

  // Connects (and for read-write stores migrates). Empty on success.
  std::string Start() {
    try {
      Connect();
      int version = 0;
      {
        pqxx::nontransaction t(*conn_);
        version = SchemaVersion(t);
      }
      const int current = PgCurrentSchemaVersion();
      if (version > current) {
        return "database schema version " + std::to_string(version) +
               " is newer than this build's " + std::to_string(current);
      }
      if (read_only_) {
        if (version < current) {
          return "database schema version " + std::to_string(version) +
                 " is older than this build's " + std::to_string(current) +
                 "; open it read-write once to migrate";
        }
        return {};
      }
      return Migrate(current);
    } catch (const std::exception& e) {
      std::string message = e.what();
      while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) {
        message.pop_back();
      }
      return message;
    }
  }

  // The whole batch in one transaction of at most four round trips, whatever
  // its size: one statement inserts every comment (ON CONFLICT DO NOTHING)
  // and says what became of each, one inserts all their reasons, and only a
  // comment that lost a race to another daemon's concurrent insert is read
  // back on its own. A bad row fails its statement and so the whole batch
  // (Errc::constraint), as on SQLite; the writer then commits the comments
  // one per transaction so that only the bad one fails
  // (daemon/core/decision_writer.cc).
  std::error_code InsertBatch(std::span<const Comment> comments,
                              std::vector<InsertOutcome>* outcomes) override {
    if (outcomes != nullptr) outcomes->clear();
    if (auto ec = CheckWritable()) return ec;
    if (comments.empty()) return {};
    const std::vector<size_t> first = FirstOfEachExternalId(comments);
    std::vector<InsertOutcome> result;
    auto ec = Write([&](pqxx::work& w) -> std::error_code {
      result.assign(comments.size(), InsertOutcome{});
      if (auto ec = InsertComments(w, comments, first, &result)) return ec;
      InsertReasons(w, comments, first, result);
      // A later copy within the batch gets the first one's verdict.
      for (size_t i = 0; i < comments.size(); ++i) {
        if (first[i] == i) continue;
        const InsertOutcome& of_first = result[first[i]];
        result[i] = of_first;
        result[i].duplicate = true;
        if (!of_first.duplicate) result[i].verdict_json = comments[first[i]].verdict_json;
      }
      return {};
    });
    if (ec) return ec;
    if (outcomes != nullptr) *outcomes = std::move(result);
    MaybeCompactQueueCounts();
    return {};
  }

  std::error_code Get(int64_t id, Comment* out) override {
    std::vector<Comment> one;
    if (auto ec = GetEach({id}, &one)) return ec;
    if (one.empty()) return Fail(Errc::not_found, "no comment " + std::to_string(id));
    *out = std::move(one[0]);
    return {};
  }

  // The listings' second step: the comments `ids` with their reasons, in
  // that order (ids since deleted are left out), with two statements in all
  // instead of two per comment.
  std::error_code GetEach(const std::vector<int64_t>& ids, std::vector<Comment>* out) {
    out->clear();
    if (ids.empty()) return {};
    internal::PgArray array;
    for (int64_t id : ids) array.Int(id);
    const std::string list = array.Done();
    return Read([&](pqxx::nontransaction& t) -> std::error_code {
      std::unordered_map<int64_t, Comment> found;
      for (const auto& row : t.exec_params(
               "SELECT " PG_COMMENT_COLUMNS " FROM comments WHERE id = ANY($1::bigint[])", list)) {
        Comment c;
        ReadComment(row, &c);
        found.emplace(c.id, std::move(c));
      }
      for (const auto& row : t.exec_params(
               "SELECT comment_id, rule_id, description, field, score, span_begin, span_end, "
               "excerpt, shadow FROM reasons WHERE comment_id = ANY($1::bigint[]) "
               "ORDER BY comment_id, ordinal",
               list)) {
        auto it = found.find(row[0].as<int64_t>());
        if (it == found.end()) continue;
        Reason& reason = it->second.reasons.emplace_back();
        reason.rule_id = Str(row[1]);
        reason.description = Str(row[2]);
        reason.field = Str(row[3]);
        reason.score = row[4].as<double>();
        reason.begin = row[5].as<int64_t>();
        reason.end = row[6].as<int64_t>();
        reason.excerpt = Str(row[7]);
        reason.shadow = row[8].as<int>() != 0;
      }
      out->reserve(ids.size());
      for (int64_t id : ids) {
        auto it = found.find(id);
        if (it != found.end()) out->push_back(std::move(it->second));
      }
      return {};
    });
  }

  std::error_code Scan(int64_t from_id, int64_t to_id,
                       const std::function<bool(const Comment&)>& fn) override {
    if (scanning_) return Fail(Errc::internal, "Scan called from inside a Scan callback");
    scanning_ = true;
    struct Reset {
      bool* flag;
      ~Reset() { *flag = false; }
    } reset{&scanning_};
    // Pages by id, so `fn` may use this Store between pages.
    int64_t next = from_id;
    Comment comment;
    while (next <= to_id) {
      pqxx::result page;
      auto ec = Read([&](pqxx::nontransaction& t) -> std::error_code {
        page = t.exec_params("SELECT " PG_COMMENT_COLUMNS
                             " FROM comments WHERE id BETWEEN $1 AND $2 ORDER BY id LIMIT 1000",
                             next, to_id);
        return {};
      });
      if (ec) return ec;
      if (page.empty()) break;
      for (const auto& row : page) {
        ReadComment(row, &comment);
        if (!fn(comment)) return {};
      }
      if (comment.id == to_id) break;
      next = comment.id + 1;
    }
    return {};
  }

  std::error_code Count(int64_t* out) override {
    return ReadInt("SELECT count(*) FROM comments", out);
  }

  std::error_code UpdateStatus(int64_t id, const std::string& status,
                               int64_t updated_at_ms) override {
    if (auto ec = CheckWritable()) return ec;
    return Write([&](pqxx::work& w) -> std::error_code {
      pqxx::result r = w.exec_params(
          "UPDATE comments SET status = $2, updated_at_ms = $3, spot_check = 0 WHERE id = $1",
          id, status, updated_at_ms);
      if (r.affected_rows() == 0) return Fail(Errc::not_found, "no comment " + std::to_string(id));
      return {};
    });
  }

  std::error_code AddLabel(const Label& label, int64_t* id) override {
    if (auto ec = CheckWritable()) return ec;
    auto ec = Write([&](pqxx::work& w) -> std::error_code {
      pqxx::result r = w.exec_params(
          "INSERT INTO labels (comment_id, label, source, author, created_at_ms) "
          "SELECT $1, $2, $3, $4, $5 WHERE EXISTS (SELECT 1 FROM comments WHERE id = $1) "
          "RETURNING id",
          label.comment_id, label.label, label.source, label.author, label.created_at_ms);
      if (r.empty()) {
        return Fail(Errc::not_found, "no comment " + std::to_string(label.comment_id));
      }
      if (id != nullptr) *id = r[0][0].as<int64_t>();
      return {};
    });
    return ec;
  }

  std::error_code ListLabels(int64_t comment_id, std::vector<Label>* out) override {
    out->clear();
    return Read([&](pqxx::nontransaction& t) -> std::error_code {
      pqxx::result r = t.exec_params(
          "SELECT id, comment_id, label, source, author, created_at_ms FROM labels "
          "WHERE comment_id = $1 ORDER BY id",
          comment_id);
      for (const auto& row : r) {
        Label& l = out->emplace_back();
        l.id = row[0].as<int64_t>();
        l.comment_id = row[1].as<int64_t>();
        l.label = Str(row[2]);
        l.source = Str(row[3]);
        l.author = Str(row[4]);
        l.created_at_ms = row[5].as<int64_t>();
      }
      return {};
    });
  }

  // --- tokens and audit ---
  std::error_code AddToken(const Token& token, int64_t* id) override {
    if (auto ec = CheckWritable()) return ec;
    return Write([&](pqxx::work& w) -> std::error_code {
      pqxx::result r = w.exec_params(
          "INSERT INTO tokens (name, role, sites_json, hash, prefix, created_at_ms, created_by) "
          "VALUES ($1, $2, $3, decode($4, 'hex'), $5, $6, $7) RETURNING id",
          token.name, token.role, token.sites_json, Hex(token.hash), token.prefix,
          token.created_at_ms, token.created_by);
      if (id != nullptr) *id = r[0][0].as<int64_t>();
      Notify(w, "tokens");
      return {};
    });
  }

  std::error_code FindTokenByHash(const std::string& hash, Token* out) override {
    return Read([&](pqxx::nontransaction& t) -> std::error_code {
      pqxx::result r = t.exec_params(
          "SELECT id, name, role, sites_json, encode(hash, 'hex'), prefix, created_at_ms, "
          "created_by, revoked_at_ms, last_used_at_ms FROM tokens WHERE hash = decode($1, 'hex')",
          Hex(hash));
      if (r.empty()) return Fail(Errc::not_found, "no such token");
      ReadToken(r[0], out);
      return {};
    });
  }

  std::error_code ListTokens(std::vector<Token>* out) override {
    out->clear();
    return Read([&](pqxx::nontransaction& t) -> std::error_code {
      pqxx::result r = t.exec(
          "SELECT id, name, role, sites_json, '', prefix, created_at_ms, created_by, "
          "revoked_at_ms, last_used_at_ms FROM tokens ORDER BY id");
      for (const auto& row : r) ReadToken(row, &out->emplace_back());
      return {};
    });
  }

  std::error_code RevokeToken(int64_t id, int64_t at_ms) override {
    if (auto ec = CheckWritable()) return ec;
    return Write([&](pqxx::work& w) -> std::error_code {
      pqxx::result r = w.exec_params(
          "UPDATE tokens SET revoked_at_ms = $2 WHERE id = $1 AND revoked_at_ms = 0", id, at_ms);
      if (r.affected_rows() == 0) {
        return Fail(Errc::not_found, "no active token " + std::to_string(id));
      }
      Notify(w, "tokens");
      return {};
    });
  }

  std::error_code TouchToken(int64_t id, int64_t at_ms) override {
    if (auto ec = CheckWritable()) return ec;
    return Write([&](pqxx::work& w) -> std::error_code {
      w.exec_params("UPDATE tokens SET last_used_at_ms = $2 WHERE id = $1", id, at_ms);
      return {};
    });
  }

  std::error_code AppendAudit(const AuditEntry& e, int64_t* id = nullptr) override {
    if (auto ec = CheckWritable()) return ec;
    return Write([&](pqxx::work& w) -> std::error_code { return InsertAudit(w, e, id); });
  }

  // --- rules ---
  std::error_code AddRulesVersion(const RulesVersion& v, int64_t* id) override {
    if (auto ec = CheckWritable()) return ec;
    return Write([&](pqxx::work& w) -> std::error_code {
      w.exec("UPDATE rules_versions SET active = 0 WHERE active = 1");
      pqxx::result r = w.exec_params(
          "INSERT INTO rules_versions (text, author, comment, created_at_ms, active) "
          "VALUES ($1, $2, $3, $4, 1) RETURNING id",
          v.text, v.author, v.comment, v.created_at_ms);
      if (id != nullptr) *id = r[0][0].as<int64_t>();
      Notify(w, "rules");
      return {};
    });
  }

  std::error_code ActivateRulesVersion(int64_t id) override {
    if (auto ec = CheckWritable()) return ec;
    return Write([&](pqxx::work& w) -> std::error_code {
      w.exec("UPDATE rules_versions SET active = 0 WHERE active = 1");
      pqxx::result r =
          w.exec_params("UPDATE rules_versions SET active = 1 WHERE id = $1", id);
      if (r.affected_rows() == 0) {
        return Fail(Errc::not_found, "no rules version " + std::to_string(id));
      }
      Notify(w, "rules");
      return {};
    });
  }

  std::error_code ListRulesVersions(std::vector<RulesVersion>* out) override {
    out->clear();
    return Read([&](pqxx::nontransaction& t) -> std::error_code {
      pqxx::result r = t.exec(
          "SELECT id, '', author, comment, created_at_ms, active FROM rules_versions "
          "ORDER BY id DESC");
      for (const auto& row : r) ReadRules(row, &out->emplace_back());
      return {};
    });
  }

  std::error_code GetRulesVersion(int64_t id, RulesVersion* out) override {
    return Read([&](pqxx::nontransaction& t) -> std::error_code {
      pqxx::result r = t.exec_params(
          "SELECT id, text, author, comment, created_at_ms, active FROM rules_versions "
          "WHERE id = $1",
          id);
      if (r.empty()) return Fail(Errc::not_found, "no rules version " + std::to_string(id));
      ReadRules(r[0], out);
      return {};
    });
  }

  std::error_code ActiveRulesVersion(RulesVersion* out) override {
    return Read([&](pqxx::nontransaction& t) -> std::error_code {
      pqxx::result r = t.exec(
          "SELECT id, text, author, comment, created_at_ms, active FROM rules_versions "
          "WHERE active = 1");
      if (r.empty()) return Fail(Errc::not_found, "no active rules version");
      ReadRules(r[0], out);
      return {};
    });
  }

  // --- sites, audit queries, outbox ---
  std::error_code ListSites(std::vector<Site>* out) override {
    out->clear();
    return Read([&](pqxx::nontransaction& t) -> std::error_code {
      for (const auto& row : t.exec("SELECT " PG_SITE_COLUMNS " FROM sites ORDER BY name")) {
        ReadSite(row, &out->emplace_back());
      }
      return {};
    });
  }

  std::error_code GetSite(const std::string& name, Site* out) override {
    return Read([&](pqxx::nontransaction& t) -> std::error_code {
      pqxx::result r =
          t.exec_params("SELECT " PG_SITE_COLUMNS " FROM sites WHERE name = $1", name);
      if (r.empty()) return Fail(Errc::not_found, "no site '" + name + "'");
      ReadSite(r[0], out);
      return {};
    });
  }

  std::error_code PutSite(const Site& site, const AuditEntry& audit, bool* created) override {
    if (auto ec = CheckWritable()) return ec;
    bool existed = false;
    auto ec = Write([&](pqxx::work& w) -> std::error_code {
      existed = !w.exec_params("SELECT 1 FROM sites WHERE name = $1 FOR UPDATE", site.name)
                     .empty();
      const std::string hold = site.hold_at ? pqxx::to_string(*site.hold_at) : "";
      const std::string reject = site.reject_at ? pqxx::to_string(*site.reject_at) : "";
      const std::string spot = site.spot_check ? pqxx::to_string(*site.spot_check) : "";
      const std::string sens = site.sensitivity.value_or("");
      w.exec_params(
          "INSERT INTO sites (" PG_SITE_COLUMNS
          ") VALUES ($1, $2::float8, $3::float8, $4, $5, $6, $7, $8, $9, $10::text, "
          "$11::float8) ON CONFLICT (name) DO UPDATE SET hold_at = excluded.hold_at, "
          "reject_at = excluded.reject_at, languages_json = excluded.languages_json, "
          "webhook_url = excluded.webhook_url, webhook_secret = excluded.webhook_secret, "
          "retention_days = excluded.retention_days, updated_at_ms = excluded.updated_at_ms, "
          "sensitivity = excluded.sensitivity, spot_check = excluded.spot_check",
          site.name, OrNull(hold, site.hold_at.has_value()),
          OrNull(reject, site.reject_at.has_value()), site.languages_json, site.webhook_url,
          site.webhook_secret, site.retention_days, site.created_at_ms, site.updated_at_ms,
          OrNull(sens, site.sensitivity.has_value()), OrNull(spot, site.spot_check.has_value()));
      if (auto ec = InsertAudit(w, audit, nullptr)) return ec;
      Notify(w, "sites");
      return {};
    });
    if (ec) return ec;
    if (created != nullptr) *created = !existed;
    return {};
  }

  std::error_code DeleteSite(const std::string& name, const AuditEntry& audit) override {
    if (auto ec = CheckWritable()) return ec;
    return Write([&](pqxx::work& w) -> std::error_code {
      pqxx::result r = w.exec_params("DELETE FROM sites WHERE name = $1", name);
      if (r.affected_rows() == 0) return Fail(Errc::not_found, "no site '" + name + "'");
      if (auto ec = InsertAudit(w, audit, nullptr)) return ec;
      Notify(w, "sites");
      return {};
    });
  }

  std::error_code QueryAudit(const AuditQuery& q, std::vector<AuditEntry>* out) override {
    out->clear();
    return Read([&](pqxx::nontransaction& t) -> std::error_code {
      pqxx::result r = t.exec_params(
          "SELECT id, at_ms, actor, action, target, before_json, after_json FROM audit_log "
          "WHERE ($1::text = '' OR action = $1::text OR (right($1::text, 1) = '.' AND "
          "left(action, length($1::text)) = $1::text)) "
          "AND ($2::text = '' OR actor = $2::text) AND ($3::text = '' OR target = $3::text) "
          "AND at_ms >= $4 AND ($5::bigint = 0 OR at_ms < $5::bigint) "
          "AND ($6::bigint = 0 OR id < $6::bigint) ORDER BY id DESC LIMIT $7",
          q.action, q.actor, q.target, q.since_ms, q.until_ms, q.before_id, q.limit);
      for (const auto& row : r) {
        AuditEntry& e = out->emplace_back();
        e.id = row[0].as<int64_t>();
        e.at_ms = row[1].as<int64_t>();
        e.actor = Str(row[2]);
        e.action = Str(row[3]);
        e.target = Str(row[4]);
        e.before_json = Str(row[5]);
        e.after_json = Str(row[6]);
      }
      return {};
    });
  }

  std::error_code AddOutboxEvent(const OutboxEvent& e, int64_t* id) override {
    if (auto ec = CheckWritable()) return ec;
    return Write([&](pqxx::work& w) -> std::error_code {
      pqxx::result r = w.exec_params(
          "INSERT INTO outbox (event_id, site, url, payload, attempts, next_attempt_at_ms, "
          "delivered_at_ms, last_error, created_at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, "
          "$9) RETURNING id",
          e.event_id, e.site, e.url, e.payload, e.attempts, e.next_attempt_at_ms,
          e.delivered_at_ms, e.last_error, e.created_at_ms);
      if (id != nullptr) *id = r[0][0].as<int64_t>();
      return {};
    });
  }

  // Events being delivered by another daemon are skipped (their rows are
  // locked only for this statement, so this is a best effort; the webhook
  // job takes an advisory lock so one daemon delivers at a time).
  std::error_code DueOutboxEvents(int64_t now_ms, int64_t limit,
                                  std::vector<OutboxEvent>* out) override {
    out->clear();
    return Read([&](pqxx::nontransaction& t) -> std::error_code {
      pqxx::result r = t.exec_params("SELECT " PG_OUTBOX_COLUMNS
                                     " FROM outbox WHERE delivered_at_ms = 0 AND "
                                     "next_attempt_at_ms <= $1 ORDER BY next_attempt_at_ms, id "
                                     "LIMIT $2",
                                     now_ms, limit);
      for (const auto& row : r) ReadOutbox(row, &out->emplace_back());
      return {};
    });
  }

  std::error_code MarkOutboxDelivered(int64_t id, int64_t at_ms) override {
    if (auto ec = CheckWritable()) return ec;
    return Write([&](pqxx::work& w) -> std::error_code {
      pqxx::result r = w.exec_params(
          "UPDATE outbox SET delivered_at_ms = $2, attempts = attempts + 1, last_error = '' "
          "WHERE id = $1 AND delivered_at_ms = 0",
          id, at_ms);
      if (r.affected_rows() == 0) {
        return Fail(Errc::not_found, "no undelivered outbox event " + std::to_string(id));
      }
      return {};
    });
  }

  std::error_code MarkOutboxFailed(int64_t id, int64_t next_attempt_at_ms,
                                   const std::string& error) override {
    if (auto ec = CheckWritable()) return ec;
    return Write([&](pqxx::work& w) -> std::error_code {
      pqxx::result r = w.exec_params(
          "UPDATE outbox SET attempts = attempts + 1, next_attempt_at_ms = $2, last_error = $3 "
          "WHERE id = $1 AND delivered_at_ms = 0",
          id, next_attempt_at_ms, error);
      if (r.affected_rows() == 0) {
        return Fail(Errc::not_found, "no undelivered outbox event " + std::to_string(id));
      }
      return {};
    });
  }

  std::error_code GetOutboxEvent(const std::string& event_id, OutboxEvent* out) override {
    return Read([&](pqxx::nontransaction& t) -> std::error_code {
      pqxx::result r =
          t.exec_params("SELECT " PG_OUTBOX_COLUMNS " FROM outbox WHERE event_id = $1", event_id);
      if (r.empty()) return Fail(Errc::not_found, "no outbox event '" + event_id + "'");
      ReadOutbox(r[0], out);
      return {};
    });
  }

  std::error_code CountUndelivered(int64_t gave_up_at_ms, int64_t* pending,
                                   int64_t* gave_up) override {
    return Read([&](pqxx::nontransaction& t) -> std::error_code {
      pqxx::result r = t.exec_params(
          "SELECT count(*) FILTER (WHERE next_attempt_at_ms < $1), "
          "count(*) FILTER (WHERE next_attempt_at_ms >= $1) FROM outbox WHERE delivered_at_ms = 0",
          gave_up_at_ms);
      *pending = r[0][0].as<int64_t>();
      *gave_up = r[0][1].as<int64_t>();
      return {};
    });
  }

  // --- review queue ---
  std::error_code ListQueue(const QueueFilter& filter, QueueOrder order,
                            const std::optional<QueuePosition>& after, int64_t limit,
                            std::vector<Comment>* out) override {
    out->clear();
    std::vector<int64_t> ids;
    auto ec = Read([&](pqxx::nontransaction& t) -> std::error_code {
      FilterParams p(filter);
      const std::string score = after ? pqxx::to_string(after->score) : "";
      const std::string id = after ? std::to_string(after->id) : "";
      pqxx::result r = t.exec_params(QueueSql(order, after.has_value(), !filter.rule.empty()),
                                     p.sites(),
                                     p.language(), p.label(), p.min(), p.max(), p.rule(),
                                     p.most(), p.least(), OrNull(score, after.has_value()),
                                     OrNull(id, after.has_value()), limit, p.review(), p.email(),
                                     p.ip(), p.text());
      for (const auto& row : r) ids.push_back(row[0].as<int64_t>());
      return {};
    });
    if (ec) return ec;
    return GetEach(ids, out);
  }

  std::error_code CountQueue(const QueueFilter& filter, QueueCounts* out) override {
    *out = QueueCounts();
    const bool narrowed = filter.NarrowsBeyondSites();
    return Read([&](pqxx::nontransaction& t) -> std::error_code {
      FilterParams p(filter);
      if (!narrowed) {
        pqxx::result r = t.exec_params(kPgKeptCounts, p.sites(), p.review());
        for (const auto& row : r) {
          out->AddKept(Str(row[0]), Str(row[1]), Str(row[2]), Str(row[3]),
                       row[4].as<int64_t>());
        }
      } else {
        const char* null = nullptr;
        pqxx::result r = t.exec_params(MatchedCountsSql(!filter.rule.empty()), p.sites(),
                                       p.language(), p.label(),
                                       p.min(), p.max(), p.rule(), p.most(), p.least(), null,
                                       null, null, p.review(), p.email(), p.ip(), p.text(),
                                       kQueueCountCap + 1);
        for (const auto& row : r) out->AddMatched(Str(row[0]), Str(row[1]), row[2].as<int64_t>());
      }
      out->Finish(narrowed);
      return {};
    });
  }

  // The pg_trgm GIN index is written by each comment's own transaction
  // (its fastupdate pending list, on by default, already defers the costly
  // part: docs/storage.md, "Text search"): nothing is ever left behind.
  std::error_code IndexText(int64_t /*max_rows*/, int64_t* indexed, int64_t* remaining) override {
    *indexed = 0;
    *remaining = 0;
    return {};
  }

  // --- saved views (schema.cc, 7) ---
  static void ReadView(const pqxx::row& r, SavedView* v) {
    v->id = r[0].as<int64_t>();
    v->token_id = r[1].as<int64_t>();
    v->kind = Str(r[2]);
    v->name = Str(r[3]);
    v->filter_json = Str(r[4]);
    v->created_at_ms = r[5].as<int64_t>();
    v->updated_at_ms = r[6].as<int64_t>();
  }

  std::error_code PutSavedView(const SavedView& view, SavedView* stored, bool* created) override {
    if (auto ec = CheckWritable()) return ec;
    return Write([&](pqxx::work& w) -> std::error_code {
      // xmax = 0: the row was inserted by this statement, not updated.
      pqxx::result r = w.exec_params(
          "INSERT INTO saved_views (token_id, kind, name, filter_json, created_at_ms,"
          " updated_at_ms) VALUES ($1, $2, $3, $4, $5, $5)"
          " ON CONFLICT (token_id, kind, name) DO UPDATE SET"
          " filter_json = excluded.filter_json, updated_at_ms = excluded.updated_at_ms"
          " RETURNING id, token_id, kind, name, filter_json, created_at_ms, updated_at_ms,"
          " xmax = 0",
          view.token_id, view.kind, view.name, view.filter_json, view.updated_at_ms);
      ReadView(r[0], stored);
      if (created != nullptr) *created = r[0][7].as<bool>();
      return {};
    });
  }

  std::error_code ListSavedViews(int64_t token_id, const std::string& kind,
                                 std::vector<SavedView>* out) override {
    out->clear();
    return Read([&](pqxx::nontransaction& t) -> std::error_code {
      pqxx::result r = t.exec_params(
          "SELECT id, token_id, kind, name, filter_json, created_at_ms, updated_at_ms"
          " FROM saved_views WHERE token_id = $1 AND ($2::text IS NULL OR kind = $2::text)"
          " ORDER BY kind, name",
          token_id, OrNull(kind, !kind.empty()));
      for (const auto& row : r) ReadView(row, &out->emplace_back());
      return {};
    });
  }

  std::error_code DeleteSavedView(int64_t token_id, int64_t id) override {
    if (auto ec = CheckWritable()) return ec;
    return Write([&](pqxx::work& w) -> std::error_code {
      pqxx::result r =
          w.exec_params("DELETE FROM saved_views WHERE token_id = $1 AND id = $2", token_id, id);
      if (r.affected_rows() == 0) {
        return Fail(Errc::not_found, "no saved view " + std::to_string(id));
      }
      return {};
    });
  }

  std::error_code SearchComments(const SearchFilter& filter, int64_t before_id, int64_t limit,
                                 std::vector<Comment>* out) override {
    out->clear();
    std::vector<int64_t> ids;
    auto ec = Read([&](pqxx::nontransaction& t) -> std::error_code {
      const std::string sites = filter.sites ? JsonArray(*filter.sites) : "";
      auto opt = [](const std::string& v) { return OrNull(v, !v.empty()); };
      // The optional numbers as text (as FilterParams does for the queue).
      auto text_of = [](const auto& v) { return v ? pqxx::to_string(*v) : std::string(); };
      const std::string min = text_of(filter.min_score), max = text_of(filter.max_score);
      const std::string since = text_of(filter.received_since_ms);
      const std::string until = text_of(filter.received_until_ms);
      pqxx::result r = t.exec_params(
          kPgSearch, OrNull(sites, filter.sites.has_value()), opt(filter.status),
          opt(filter.language), opt(filter.author_email), opt(filter.author_ip),
          opt(filter.thread), before_id > 0 ? before_id : std::numeric_limits<int64_t>::max(),
          limit, opt(filter.text), opt(filter.label), opt(filter.rule),
          OrNull(min, filter.min_score.has_value()), OrNull(max, filter.max_score.has_value()),
          OrNull(since, filter.received_since_ms.has_value()),
          OrNull(until, filter.received_until_ms.has_value()));
      for (const auto& row : r) ids.push_back(row[0].as<int64_t>());
      return {};
    });
    if (ec) return ec;
    return GetEach(ids, out);
  }

  std::error_code GetClaim(int64_t comment_id, int64_t now_ms,
                           std::optional<Claim>* out) override {
    out->reset();
    return Read([&](pqxx::nontransaction& t) -> std::error_code {
      ReadClaim(t, comment_id, now_ms, out);
      return {};
    });
  }

  std::error_code ClaimComment(int64_t comment_id, const std::string& actor, int64_t now_ms,
                               int64_t expires_at_ms, ReviewOutcome* outcome,
                               Claim* claim) override {
    if (auto ec = CheckWritable()) return ec;
    return Write([&](pqxx::work& w) -> std::error_code {
      // The comment's row lock serialises claims across daemons.
      if (w.exec_params("SELECT 1 FROM comments WHERE id = $1 FOR UPDATE", comment_id).empty()) {
        *outcome = ReviewOutcome::kNotFound;
        return {};
      }
      std::optional<Claim> held;
      ReadClaim(w, comment_id, now_ms, &held);
      if (held && held->actor != actor) {
        *outcome = ReviewOutcome::kClaimedByOther;
        *claim = *held;
        return {};
      }
      w.exec_params(
          "INSERT INTO claims (comment_id, actor, expires_at_ms) VALUES ($1, $2, $3) "
          "ON CONFLICT (comment_id) DO UPDATE SET actor = excluded.actor, "
          "expires_at_ms = excluded.expires_at_ms",
          comment_id, actor, expires_at_ms);
      *outcome = ReviewOutcome::kDone;
      *claim = Claim{comment_id, actor, expires_at_ms};
      return {};
    });
  }

  std::error_code ReleaseClaim(int64_t comment_id, const std::string& actor, int64_t now_ms,
                               ReviewOutcome* outcome, Claim* holder) override {
    if (auto ec = CheckWritable()) return ec;
    return Write([&](pqxx::work& w) -> std::error_code {
      w.exec_params("SELECT 1 FROM comments WHERE id = $1 FOR UPDATE", comment_id);
      std::optional<Claim> held;
      ReadClaim(w, comment_id, now_ms, &held);
      if (held && held->actor != actor) {
        *outcome = ReviewOutcome::kClaimedByOther;
        *holder = *held;
        return {};
      }
      w.exec_params("DELETE FROM claims WHERE comment_id = $1", comment_id);
      *outcome = ReviewOutcome::kDone;
      return {};
    });
  }

  std::error_code Decide(const DecideRequest& request, DecideResult* result) override {
    std::vector<DecideResult> results;
    if (auto ec = DecideMany(std::span<const DecideRequest>(&request, 1), &results)) return ec;
    *result = std::move(results.front());
    return {};
  }

  std::error_code DecideMany(std::span<const DecideRequest> requests,
                             std::vector<DecideResult>* results) override {
    results->clear();
    if (auto ec = CheckWritable()) return ec;
    for (const DecideRequest& r : requests) {
      if (r.decision != "approve" && r.decision != "reject" && r.decision != "spam" &&
          r.decision != "abuse") {
        return Fail(Errc::constraint, "unknown decision '" + r.decision + "'");
      }
    }
    std::vector<DecideResult> out(requests.size());
    auto ec = Write([&](pqxx::work& w) -> std::error_code {
      for (size_t i = 0; i < requests.size(); ++i) DecideOne(w, requests[i], &out[i]);
      return {};
    });
    if (ec) return ec;
    *results = std::move(out);
    MaybeCompactQueueCounts();
    return {};
  }

  std::error_code Undo(const DecideRequest& req, int64_t window_ms,
                       DecideResult* result) override {
    *result = DecideResult();
    if (auto ec = CheckWritable()) return ec;
    DecideResult res;
    auto ec = Write([&](pqxx::work& w) -> std::error_code {
      State state;
      if (!ReadState(w, req.comment_id, &state)) {
        res.outcome = ReviewOutcome::kNotFound;
        return {};
      }
      pqxx::result latest = w.exec_params(
          "SELECT " PG_DECISION_COLUMNS " FROM decisions WHERE comment_id = $1 AND actor = $2 "
          "AND decision <> 'undo' AND undone = 0 ORDER BY id DESC LIMIT 1",
          req.comment_id, req.actor);
      if (latest.empty()) {
        res.outcome = ReviewOutcome::kNothingToUndo;
        return {};
      }
      ReadDecision(latest[0], &res.undone);
      if (res.undone.created_at_ms < req.now_ms - window_ms) {
        res.outcome = ReviewOutcome::kUndoWindowPassed;
        return {};
      }
      UndoLatest(w, req, state, &res);
      return {};
    });
    if (ec) return ec;
    *result = std::move(res);
    return {};
  }

  // --- bulk actions ---
  std::error_code ListQueueIds(const QueueFilter& filter, int64_t after_id, int64_t limit,
                               std::vector<int64_t>* out) override {
    out->clear();
    return Read([&](pqxx::nontransaction& t) -> std::error_code {
      FilterParams p(filter);
      const std::string id = std::to_string(after_id);
      const char* null = nullptr;
      pqxx::result r = t.exec_params(QueueSql(QueueOrder::kOldest, after_id > 0,
                                              !filter.rule.empty()),
                                     p.sites(),
                                     p.language(), p.label(), p.min(), p.max(), p.rule(),
                                     p.most(), p.least(), null, OrNull(id, after_id > 0), limit,
                                     p.review(), p.email(), p.ip(), p.text());
      for (const auto& row : r) out->push_back(row[0].as<int64_t>());
      return {};
    });
  }

  std::error_code CountQueueExact(const QueueFilter& filter, int64_t* out) override {
    *out = 0;
    return Read([&](pqxx::nontransaction& t) -> std::error_code {
      FilterParams p(filter);
      const char* null = nullptr;
      pqxx::result r = t.exec_params(
          "SELECT count(*)" + QueueFromWhere(!filter.rule.empty()) +
              PG_PARAMS_USED " AND ($11::bigint IS NULL OR true)",
          p.sites(), p.language(), p.label(), p.min(), p.max(), p.rule(), p.most(), p.least(),
          null, null, null, p.review(), p.email(), p.ip(), p.text());
      *out = r[0][0].as<int64_t>();
      return {};
    });
  }

  std::error_code AddBulkAction(const BulkAction& a, int64_t* id) override {
    if (auto ec = CheckWritable()) return ec;
    return Write([&](pqxx::work& w) -> std::error_code {
      *id = w.exec_params(
                 "INSERT INTO bulk_actions (actor, decision, note, filter_json, state, matched, "
                 "decided, skipped, undone, error, undone_by, created_at_ms, updated_at_ms) "
                 "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
                 a.actor, a.decision, a.note, a.filter_json, a.state, a.matched, a.decided,
                 a.skipped, a.undone, a.error, a.undone_by, a.created_at_ms,
                 a.updated_at_ms)[0][0]
                .as<int64_t>();
      return {};
    });
  }

  std::error_code UpdateBulkAction(const BulkAction& a, const std::string& expected_state,
                                   const AuditEntry* audit, bool* updated) override {
    *updated = false;
    if (auto ec = CheckWritable()) return ec;
    bool done = false;
    auto ec = Write([&](pqxx::work& w) -> std::error_code {
      pqxx::result r = w.exec_params(
          "UPDATE bulk_actions SET state = $2, matched = $3, decided = $4, skipped = $5, "
          "undone = $6, error = $7, undone_by = $8, updated_at_ms = $9 "
          "WHERE id = $1 AND state = $10",
          a.id, a.state, a.matched, a.decided, a.skipped, a.undone, a.error, a.undone_by,
          a.updated_at_ms, expected_state);
      done = r.affected_rows() > 0;
      if (done && audit != nullptr) return InsertAudit(w, *audit, nullptr);
      return {};
    });
    if (ec) return ec;
    *updated = done;
    return {};
  }

  std::error_code GetBulkAction(int64_t id, BulkAction* out) override {
    return Read([&](pqxx::nontransaction& t) -> std::error_code {
      pqxx::result r = t.exec_params("SELECT " + std::string(kBulkColumns) +
                                         " FROM bulk_actions WHERE id = $1",
                                     id);
      if (r.empty()) return Fail(Errc::not_found, "no bulk action " + std::to_string(id));
      ReadBulk(r[0], out);
      return {};
    });
  }

  std::error_code ListStalledBulkActions(int64_t updated_before_ms, int64_t limit,
                                         std::vector<BulkAction>* out) override {
    out->clear();
    return Read([&](pqxx::nontransaction& t) -> std::error_code {
      pqxx::result r = t.exec_params(
          "SELECT " + std::string(kBulkColumns) +
              " FROM bulk_actions WHERE state IN ('running', 'undoing') AND updated_at_ms < $1"
              " ORDER BY id LIMIT $2",
          updated_before_ms, limit);
      for (const pqxx::row& row : r) ReadBulk(row, &out->emplace_back());
      return {};
    });
  }

  static constexpr const char* kBulkColumns =
      "id, actor, decision, note, filter_json, state, matched, decided, skipped, undone, error, "
      "undone_by, created_at_ms, updated_at_ms";

  static void ReadBulk(const pqxx::row& row, BulkAction* out) {
    out->id = row[0].as<int64_t>();
    out->actor = Str(row[1]);
    out->decision = Str(row[2]);
    out->note = Str(row[3]);
    out->filter_json = Str(row[4]);
    out->state = Str(row[5]);
    out->matched = row[6].as<int64_t>();
    out->decided = row[7].as<int64_t>();
    out->skipped = row[8].as<int64_t>();
    out->undone = row[9].as<int64_t>();
    out->error = Str(row[10]);
    out->undone_by = Str(row[11]);
    out->created_at_ms = row[12].as<int64_t>();
    out->updated_at_ms = row[13].as<int64_t>();
  }

  std::error_code ListBulkDecisions(int64_t bulk_id, int64_t after_id, int64_t limit,
                                    std::vector<Decision>* out) override {
    out->clear();
    return Read([&](pqxx::nontransaction& t) -> std::error_code {
      for (const auto& row : t.exec_params("SELECT " PG_DECISION_COLUMNS
                                           " FROM decisions WHERE bulk_id = $1 AND id > $2 "
                                           "AND undone = 0 ORDER BY bulk_id, id LIMIT $3",
                                           bulk_id, after_id, limit)) {
        ReadDecision(row, &out->emplace_back());
      }
      return {};
    });
  }

  std::error_code UndoBulkDecisions(int64_t bulk_id, std::span<const DecideRequest> requests,
                                    std::vector<DecideResult>* results) override {
    results->clear();
    if (auto ec = CheckWritable()) return ec;
    std::vector<DecideResult> out(requests.size());
    auto ec = Write([&](pqxx::work& w) -> std::error_code {
      for (size_t i = 0; i < requests.size(); ++i) {
        const DecideRequest& req = requests[i];
        DecideResult& res = out[i];
        res = DecideResult();
        State state;
        if (!ReadState(w, req.comment_id, &state)) {
          res.outcome = ReviewOutcome::kNotFound;
          continue;
        }
        pqxx::result latest = w.exec_params(
            "SELECT " PG_DECISION_COLUMNS ", coalesce(bulk_id, 0) FROM decisions "
            "WHERE comment_id = $1 ORDER BY id DESC LIMIT 1",
            req.comment_id);
        if (latest.empty() || latest[0][10].as<int64_t>() != bulk_id) {
          res.outcome = ReviewOutcome::kNothingToUndo;
          continue;
        }
        ReadDecision(latest[0], &res.undone);
        if (res.undone.undone || res.undone.decision == "undo") {
          res.outcome = ReviewOutcome::kNothingToUndo;
          continue;
        }
        UndoLatest(w, req, state, &res);
      }
      return {};
    });
    if (ec) return ec;
    *results = std::move(out);
    MaybeCompactQueueCounts();
    return {};
  }

  std::error_code History(int64_t comment_id, std::vector<Decision>* decisions,
                          std::vector<ReviewLabel>* labels) override {
    decisions->clear();
    labels->clear();
    return Read([&](pqxx::nontransaction& t) -> std::error_code {
      for (const auto& row :
           t.exec_params("SELECT " PG_DECISION_COLUMNS
                         " FROM decisions WHERE comment_id = $1 ORDER BY id",
                         comment_id)) {
        ReadDecision(row, &decisions->emplace_back());
      }
      for (const auto& row : t.exec_params(
               "SELECT id, comment_id, label, source, author, created_at_ms, undone, "
               "coalesce(decision_id, 0) FROM labels WHERE comment_id = $1 ORDER BY id",
               comment_id)) {
        ReviewLabel& l = labels->emplace_back();
        l.label.id = row[0].as<int64_t>();
        l.label.comment_id = row[1].as<int64_t>();
        l.label.label = Str(row[2]);
        l.label.source = Str(row[3]);
        l.label.author = Str(row[4]);
        l.label.created_at_ms = row[5].as<int64_t>();
        l.undone = row[6].as<int>() != 0;
        l.decision_id = row[7].as<int64_t>();
      }
      return {};
    });
  }

  std::error_code GetReputation(const std::string& email, const std::string& ip,
                                const std::optional<std::vector<std::string>>& sites,
                                Reputation* by_email, Reputation* by_ip,
                                int64_t cap = 0) override {
    *by_email = Reputation();
    *by_ip = Reputation();
    const std::string sites_json = sites ? JsonArray(*sites) : "";
    return Read([&](pqxx::nontransaction& t) -> std::error_code {
      const std::tuple<const char*, const std::string*, Reputation*> queries[] = {
          {"author_email", &email, by_email},
          {"author_ip", &ip, by_ip},
      };
      for (const auto& [column, key, out] : queries) {
        if (key->empty()) continue;
        const std::string limit = cap > 0 ? std::to_string(cap) : "";
        pqxx::result r = t.exec_prepared(std::string("reputation_") + column, *key,
                                         OrNull(sites_json, sites.has_value()),
                                         OrNull(limit, cap > 0));
        out->approved = r[0][0].as<int64_t>();
        out->rejected = r[0][1].as<int64_t>();
        out->pending = r[0][2].as<int64_t>();
      }
      return {};
    });
  }

  // Three prepared statements a page (claims, then e-mail and IP counts for
  // the page's distinct keys) instead of three round trips an item.
  std::error_code GetQueueExtras(std::span<const Comment> comments, int64_t now_ms,
                                 const std::optional<std::vector<std::string>>& sites,
                                 int64_t cap, std::vector<QueueExtras>* out) override {
    out->assign(comments.size(), QueueExtras{});
    if (comments.empty()) return {};
    const std::string sites_json = sites ? JsonArray(*sites) : "";
    return Read([&](pqxx::nontransaction& t) -> std::error_code {
      internal::PgArray ids;
      std::map<int64_t, size_t> index;
      for (size_t i = 0; i < comments.size(); ++i) {
        ids.Int(comments[i].id);
        index[comments[i].id] = i;
      }
      for (const auto& row : t.exec_prepared("queue_claims", ids.Done(), now_ms)) {
        (*out)[index[row[0].as<int64_t>()]].claim =
            Claim{row[0].as<int64_t>(), Str(row[1]), row[2].as<int64_t>()};
      }
      const std::pair<const char*, Reputation QueueExtras::*> columns[] = {
          {"author_email", &QueueExtras::email}, {"author_ip", &QueueExtras::ip}};
      for (const auto& [column, field] : columns) {
        std::map<std::string, Reputation> counts;
        internal::PgArray keys;
        for (const Comment& c : comments) {
          const std::string& key = column == columns[0].first ? c.author_email : c.author_ip;
          if (!key.empty() && counts.try_emplace(key).second) keys.Text(key);
        }
        if (keys.size() > 0) {
          pqxx::result r =
              t.exec_prepared(std::string("queue_reputation_") + column, keys.Done(),
                              OrNull(sites_json, sites.has_value()), cap);
          for (const auto& row : r) {
            counts[Str(row[0])] = Reputation{row[1].as<int64_t>(), row[2].as<int64_t>(),
                                             row[3].as<int64_t>()};
          }
        }
        for (size_t i = 0; i < comments.size(); ++i) {
          const std::string& key =
              column == columns[0].first ? comments[i].author_email : comments[i].author_ip;
          if (!key.empty()) (*out)[i].*field = counts[key];
        }
      }
      return {};
    });
  }

  std::error_code ListChanged(const std::string& site, int64_t since_ms,
                              const std::optional<std::pair<int64_t, int64_t>>& after,
                              int64_t limit, std::vector<Comment>* out) override {
    out->clear();
    return Read([&](pqxx::nontransaction& t) -> std::error_code {
      const std::string at = after ? std::to_string(after->first) : "";
      const std::string id = after ? std::to_string(after->second) : "";
      pqxx::result r = t.exec_params(
          "SELECT id, site, external_id, status, updated_at_ms FROM comments "
          "WHERE site = $1 AND updated_at_ms >= $2 AND ($3::bigint IS NULL OR updated_at_ms > "
          "$3::bigint OR (updated_at_ms = $3::bigint AND id > $4::bigint)) "
          "ORDER BY updated_at_ms, id LIMIT $5",
          site, since_ms, OrNull(at, after.has_value()), OrNull(id, after.has_value()), limit);
      for (const auto& row : r) {
        Comment& c = out->emplace_back();
        c.id = row[0].as<int64_t>();
        c.site = Str(row[1]);
        c.external_id = Str(row[2]);
        c.status = Str(row[3]);
        c.updated_at_ms = row[4].as<int64_t>();
      }
      return {};
    });
  }

  // --- Akismet / spamc ---
  std::error_code FindResubmitted(const std::string& site, const std::string& content,
                                  const std::string& author_email, const std::string& author_ip,
                                  int64_t since_ms, int64_t* id) override {
    const char* sql =
        !author_email.empty()
            ? "SELECT id FROM comments WHERE author_email = $1 AND site = $2 AND content = $3 "
              "AND received_at_ms >= $4 ORDER BY id DESC LIMIT 1"
        : !author_ip.empty()
            ? "SELECT id FROM comments WHERE author_ip = $1 AND site = $2 AND content = $3 "
              "AND received_at_ms >= $4 ORDER BY id DESC LIMIT 1"
            : "SELECT id FROM comments WHERE $1::text = '' AND site = $2 AND content = $3 "
              "AND received_at_ms >= $4 ORDER BY received_at_ms DESC, id DESC LIMIT 1";
    const std::string& key = !author_email.empty() ? author_email : author_ip;
    return Read([&](pqxx::nontransaction& t) -> std::error_code {
      pqxx::result r = t.exec_params(sql, key, site, content, since_ms);
      if (r.empty()) return Fail(Errc::not_found, "no such comment");
      *id = r[0][0].as<int64_t>();
      return {};
    });
  }

  std::error_code CountReceivedSince(const std::string& site, int64_t since_ms,
                                     int64_t* out) override {
    return Read([&](pqxx::nontransaction& t) -> std::error_code {
      *out = t.exec_params(
                  "SELECT count(*) FROM comments WHERE site = $1 AND received_at_ms >= $2", site,
                  since_ms)[0][0]
                 .as<int64_t>();
      return {};
    });
  }

  std::error_code FindByExternalId(const std::string& site, const std::string& external_id,
                                   int64_t* id, std::string* verdict_json) override {
    if (external_id.empty()) return Fail(Errc::not_found, "no such comment");
    return Read([&](pqxx::nontransaction& t) -> std::error_code {
      pqxx::result r = t.exec_params(
          "SELECT id, verdict_json FROM comments WHERE site = $1 AND external_id = $2 "
          "AND external_id <> ''",
          site, external_id);
      if (r.empty()) return Fail(Errc::not_found, "no such comment");
      *id = r[0][0].as<int64_t>();
      *verdict_json = r[0][1].as<std::string>();
      return {};
    });
  }

  std::error_code CountSiteActivity(const std::string& site, int64_t from_ms, int64_t to_ms,
                                    SiteActivity* out) override {
    return Read([&](pqxx::nontransaction& t) -> std::error_code {
      pqxx::result r = t.exec_params(
          "SELECT count(*), count(*) FILTER (WHERE c.status = 'rejected'), "
          "count(*) FILTER (WHERE c.status = 'approved'), "
          "count(*) FILTER (WHERE EXISTS (SELECT 1 FROM labels l WHERE l.comment_id = c.id "
          "AND l.source = 'akismet' AND l.label = 'spam')), "
          "count(*) FILTER (WHERE EXISTS (SELECT 1 FROM labels l WHERE l.comment_id = c.id "
          "AND l.source = 'akismet' AND l.label = 'ham')) "
          "FROM comments c WHERE c.site = $1 AND c.received_at_ms >= $2 AND c.received_at_ms < $3",
          site, from_ms, to_ms);
      out->received = r[0][0].as<int64_t>();
      out->rejected = r[0][1].as<int64_t>();
      out->approved = r[0][2].as<int64_t>();
      out->reported_spam = r[0][3].as<int64_t>();
      out->reported_ham = r[0][4].as<int64_t>();
      return {};
    });
  }

  // --- retention ---
#define PG_PURGE_WHERE                                                                  \
  "status IN ('approved', 'rejected') AND received_at_ms < $3 AND updated_at_ms < $3 "  \
  "AND ($1::text = '' OR site = $1::text) "                                             \
  "AND NOT ($2::boolean AND site IN (SELECT name FROM sites WHERE retention_days > 0))"

  std::error_code CountPurgeable(const PurgeFilter& f, int64_t* count) override {
    return Read([&](pqxx::nontransaction& t) -> std::error_code {
      *count = t.exec_params("SELECT count(*) FROM comments WHERE " PG_PURGE_WHERE, f.site,
                             f.skip_sites_with_retention, f.cutoff_ms)[0][0]
                   .as<int64_t>();
      return {};
    });
  }

  std::error_code PurgeDecided(const PurgeFilter& f, int64_t limit, int64_t* deleted) override {
    *deleted = 0;
    if (auto ec = CheckWritable()) return ec;
    if (limit <= 0) return Fail(Errc::constraint, "purge limit must be positive");
    return Write([&](pqxx::work& w) -> std::error_code {
      pqxx::result r = w.exec_params(
          "DELETE FROM comments WHERE id IN (SELECT id FROM comments WHERE " PG_PURGE_WHERE
          " ORDER BY id LIMIT $4)",
          f.site, f.skip_sites_with_retention, f.cutoff_ms, limit);
      *deleted = r.affected_rows();
      return {};
    });
  }

  std::error_code SiteRetentionDays(std::map<std::string, int64_t>* out) override {
    out->clear();
    return Read([&](pqxx::nontransaction& t) -> std::error_code {
      for (const auto& row : t.exec("SELECT name, retention_days FROM sites WHERE "
                                    "retention_days > 0 ORDER BY name")) {
        (*out)[Str(row[0])] = row[1].as<int64_t>();
      }
      return {};
    });
  }

  std::error_code ForgetAuthor(const std::string& email, const AuditEntry& audit,
                               ForgetResult* result) override {
    *result = {};
    if (auto ec = CheckWritable()) return ec;
    if (email.empty()) return Fail(Errc::constraint, "empty e-mail");
    ForgetResult r;
    auto ec = Write([&](pqxx::work& w) -> std::error_code {
      std::string ids = "[";
      // ASCII case-insensitive, like SQLite's COLLATE NOCASE.
      for (const auto& row : w.exec_params(
               "SELECT id FROM comments WHERE lower(author_email) = lower($1) ORDER BY id",
               email)) {
        if (ids.size() > 1) ids += ',';
        ids += row[0].c_str();
      }
      ids += ']';
      r.comments = w.exec_params("DELETE FROM comments WHERE id IN (SELECT "
                                 "json_array_elements_text($1::json)::bigint)",
                                 ids)
                       .affected_rows();
      r.outbox =
          w.exec_params(
               "DELETE FROM outbox WHERE position(lower($1) in lower(payload)) > 0 OR "
               "coalesce(moderated_json_or_null(payload)->'comment'->>'id', "
               "moderated_json_or_null(payload)->>'comment_id') IN (SELECT "
               "json_array_elements_text($2::json))",
               email, ids)
              .affected_rows();
      r.audit_redacted =
          w.exec_params(
               "UPDATE audit_log SET before_json = replace(before_json, $1, '[forgotten]'), "
               "after_json = replace(after_json, $1, '[forgotten]') "
               "WHERE (position($1 in before_json) > 0 OR position($1 in after_json) > 0) "
               "AND moderated_json_or_null(replace(before_json, $1, '[forgotten]')) IS NOT NULL "
               "AND moderated_json_or_null(replace(after_json, $1, '[forgotten]')) IS NOT NULL",
               email)
              .affected_rows();
      AuditEntry entry = audit;
      std::string after = audit.after_json.empty() || audit.after_json == "null"
                              ? std::string("{}")
                              : audit.after_json;
      // Append the counts to the object (json_set in the SQLite backend).
      while (!after.empty() && after.back() != '}') after.pop_back();
      if (!after.empty()) after.pop_back();
      const bool empty_object = after.find_first_not_of(" \t\r\n{") == std::string::npos;
      after += std::string(empty_object ? "" : ",") + "\"comments\":" + std::to_string(r.comments) +
               ",\"outbox\":" + std::to_string(r.outbox) +
               ",\"audit_redacted\":" + std::to_string(r.audit_redacted) + "}";
      entry.after_json = after;
      return InsertAudit(w, entry, nullptr);
    });
    if (ec) return ec;
    *result = r;
    return {};
  }

  std::error_code CountPendingBySite(std::map<std::string, int64_t>* out) override {
    out->clear();
    return Read([&](pqxx::nontransaction& t) -> std::error_code {
      for (const auto& row : t.exec(
               "SELECT site, count(*) FROM comments WHERE status = 'pending' GROUP BY site")) {
        (*out)[Str(row[0])] = row[1].as<int64_t>();
      }
      return {};
    });
  }

  // --- models ---
  std::error_code AddModel(const ModelVersion& model, int64_t* id) override {
    if (auto ec = CheckWritable()) return ec;
    if (model.bytes.empty()) return Fail(Errc::constraint, "model bytes are empty");
    return Write([&](pqxx::work& w) -> std::error_code {
      pqxx::result r = w.exec_params(
          "INSERT INTO models (version, bytes, report_json, author, note, created_at_ms, active, "
          "site, calibration) VALUES ($1, decode($2, 'hex'), $3, $4, $5, $6, 0, $7, $8) "
          "RETURNING id",
          model.version, Hex(model.bytes), model.report_json, model.author, model.note,
          model.created_at_ms, model.site, model.calibration);
      if (id != nullptr) *id = r[0][0].as<int64_t>();
      return {};
    });
  }

  std::error_code ActivateModel(int64_t id, const AuditEntry* audit) override {
    if (auto ec = CheckWritable()) return ec;
    return Write([&](pqxx::work& w) -> std::error_code {
      std::string site;
      if (id != 0) {
        pqxx::result r = w.exec_params("SELECT site FROM models WHERE id = $1", id);
        if (r.empty()) return Fail(Errc::not_found, "no model " + std::to_string(id));
        site = Str(r[0][0]);
      }
      w.exec_params("UPDATE models SET active = 0 WHERE active = 1 AND site = $1", site);
      if (id != 0) w.exec_params("UPDATE models SET active = 1 WHERE id = $1", id);
      if (audit != nullptr) {
        if (auto ec = InsertAudit(w, *audit, nullptr)) return ec;
      }
      Notify(w, "models");
      return {};
    });
  }

  std::error_code DeactivateModels(const std::string& site, const AuditEntry* audit) override {
    if (auto ec = CheckWritable()) return ec;
    return Write([&](pqxx::work& w) -> std::error_code {
      w.exec_params("UPDATE models SET active = 0 WHERE active = 1 AND site = $1", site);
      if (audit != nullptr) {
        if (auto ec = InsertAudit(w, *audit, nullptr)) return ec;
      }
      Notify(w, "models");
      return {};
    });
  }

  std::error_code ListModels(std::vector<ModelVersion>* out) override {
    out->clear();
    return Read([&](pqxx::nontransaction& t) -> std::error_code {
      for (const auto& row : t.exec("SELECT " PG_MODEL_COLUMNS " FROM models ORDER BY id DESC")) {
        ReadModel(row, &out->emplace_back(), false);
      }
      return {};
    });
  }

  std::error_code GetModel(int64_t id, ModelVersion* out) override {
    return Read([&](pqxx::nontransaction& t) -> std::error_code {
      pqxx::result r = t.exec_params(
          "SELECT " PG_MODEL_COLUMNS ", encode(bytes, 'hex') FROM models WHERE id = $1", id);
      if (r.empty()) return Fail(Errc::not_found, "no model " + std::to_string(id));
      ReadModel(r[0], out, true);
      return {};
    });
  }

  std::error_code ActiveModel(ModelVersion* out) override {
    return Read([&](pqxx::nontransaction& t) -> std::error_code {
      pqxx::result r = t.exec("SELECT " PG_MODEL_COLUMNS
                              ", encode(bytes, 'hex') FROM models WHERE active = 1 AND site = ''");
      if (r.empty()) return Fail(Errc::not_found, "no active model");
      ReadModel(r[0], out, true);
      return {};
    });
  }

  std::error_code ActiveSiteModels(std::vector<ModelVersion>* out) override {
    out->clear();
    return Read([&](pqxx::nontransaction& t) -> std::error_code {
      for (const auto& row :
           t.exec("SELECT " PG_MODEL_COLUMNS
                  ", encode(bytes, 'hex') FROM models WHERE active = 1 AND site <> '' ORDER BY site")) {
        ReadModel(row, &out->emplace_back(), true);
      }
      return {};
    });
  }

  std::error_code ScanLabelledComments(
      int64_t since_id, const std::function<bool(const LabelledComment&)>& fn) override {
    int64_t next = since_id;
    LabelledComment lc;
    for (;;) {
      pqxx::result page;
      auto ec = Read([&](pqxx::nontransaction& t) -> std::error_code {
        page = t.exec_params(
            "SELECT c.id, c.content, l.label, c.site, c.language "
            "FROM labels l JOIN comments c ON c.id = l.comment_id "
            "WHERE l.comment_id > $1 AND " MODERATED_EFFECTIVE_LABEL("l")
            " ORDER BY l.comment_id LIMIT 1000",
            next);
        return {};
      });
      if (ec) return ec;
      if (page.empty()) return {};
      for (const auto& row : page) {
        lc.comment_id = row[0].as<int64_t>();
        lc.content = Str(row[1]);
        lc.label = Str(row[2]);
        lc.site = Str(row[3]);
        lc.language = Str(row[4]);
        if (!fn(lc)) return {};
      }
      next = lc.comment_id;
    }
  }

  // --- cluster ---
  std::error_code Ping() override {
    return Read([&](pqxx::nontransaction& t) -> std::error_code {
      t.exec("SELECT 1");
      return {};
    });
  }

  std::error_code ChangeStamp(std::string* out) override {
    out->clear();
    return Read([&](pqxx::nontransaction& t) -> std::error_code {
      pqxx::result r = t.exec(
          "SELECT coalesce(string_agg(what || '=' || n, ',' ORDER BY what), '') "
          "FROM moderated_changes");
      *out = Str(r[0][0]);
      return {};
    });
  }

  std::error_code WaitForChange(int timeout_ms, bool* notified) override {
    *notified = false;
    return Call([&]() -> std::error_code {
      if (receiver_ == nullptr) {
        receiver_ = std::make_unique<Receiver>(*conn_, "moderated_changes");
      }
      receiver_->count = 0;
      // Notifications that arrived while we were busy count at once.
      conn_->get_notifs();
      if (receiver_->count == 0) {
        conn_->await_notification(timeout_ms / 1000, (timeout_ms % 1000) * 1000L);
      }
      *notified = receiver_->count > 0;
      return {};
    });
  }

  std::error_code TryLock(int64_t key, bool* acquired) override {
    *acquired = false;
    return Read([&](pqxx::nontransaction& t) -> std::error_code {
      *acquired = t.exec_params("SELECT pg_try_advisory_lock($1)", key)[0][0].as<bool>();
      return {};
    });
  }

  std::error_code Unlock(int64_t key) override {
    return Read([&](pqxx::nontransaction& t) -> std::error_code {
      t.exec_params("SELECT pg_advisory_unlock($1)", key);
      return {};
    });
  }

  std::error_code ObserveVelocity(const std::array<std::string, 3>& keys, int64_t now_ms,
                                  int64_t window_ms, bool record,
                                  std::array<int64_t, 3>* counts) override {
    *counts = {};
    if (auto ec = CheckWritable(); ec && record) return ec;
    const int64_t bucket_ms = std::max<int64_t>(1, window_ms / 16);
    const int64_t bucket = now_ms / bucket_ms;
    const int64_t first = (now_ms - window_ms) / bucket_ms;
    return Write([&](pqxx::work& w) -> std::error_code {
      // Counts are a signal, not a record: the commit does not wait for the
      // WAL flush (a crash may forget the last moments' counts), so a
      // comment's velocity costs a round trip, not a disk flush.
      if (record) w.exec("SET LOCAL synchronous_commit TO OFF");
      // The counts read the rows as they were before this comment: + 1 below.
      pqxx::result r = w.exec_params(
          "SELECT v.kind, coalesce(sum(v.n), 0) FROM velocity v "
          "WHERE ((v.kind = 0 AND v.key = $1) OR (v.kind = 1 AND v.key = $2) OR "
          "(v.kind = 2 AND v.key = $3)) AND v.bucket >= $4 GROUP BY v.kind",
          keys[0], keys[1], keys[2], first);
      for (const auto& row : r) {
        const int kind = row[0].as<int>();
        if (kind >= 0 && kind < 3) (*counts)[kind] = row[1].as<int64_t>();
      }
      for (int k = 0; k < 3; ++k) {
        if (!keys[k].empty()) (*counts)[k] += 1;
      }
      if (record) {
        w.exec_params(
            "INSERT INTO velocity (kind, key, bucket, n) SELECT v.kind, v.key, $4, 1 "
            "FROM (VALUES (0::smallint, $1::text), (1::smallint, $2::text), "
            "(2::smallint, $3::text)) AS v(kind, key) WHERE v.key <> '' "
            "ON CONFLICT (kind, key, bucket) DO UPDATE SET n = velocity.n + 1",
            keys[0], keys[1], keys[2], bucket);
        // Buckets older than the window are no use to anyone: drop them now
        // and then (every 1000th recording on this connection).
        if (++velocity_writes_ % 1000 == 0) {
          w.exec_params("DELETE FROM velocity WHERE bucket < $1", first);
        }
      }
      return {};
    });
  }

  // --- copying ---
  std::error_code ReadTable(const std::string& table,
                            const std::function<bool(const TextRow&)>& fn) override {
    const auto columns = CopiedColumns(table);
    if (columns.empty()) return Fail(Errc::not_found, "no table '" + table + "' to copy");
    std::string sql = "SELECT ";
    for (size_t i = 0; i < columns.size(); ++i) {
      const std::string c = columns[i];
      sql += (i ? ", " : "") + (IsBlobColumn(table, c) ? "encode(" + c + ", 'hex')" : c);
    }
    sql += " FROM " + table + (table == "reasons" ? " ORDER BY 1, 2" : " ORDER BY 1");
    pqxx::result r;
    auto ec = Read([&](pqxx::nontransaction& t) -> std::error_code {
      r = t.exec(sql);
      return {};
    });
    if (ec) return ec;
    TextRow row(columns.size());
    for (const auto& rr : r) {
      for (size_t i = 0; i < columns.size(); ++i) {
        if (rr[static_cast<int>(i)].is_null()) {
          row[i].reset();
        } else {
          row[i] = Str(rr[static_cast<int>(i)]);
        }
      }
      if (!fn(row)) return {};
    }
    return {};
  }

  std::error_code WriteRows(const std::string& table, std::span<const TextRow> rows) override {
    if (auto ec = CheckWritable()) return ec;
    const auto columns = CopiedColumns(table);
    if (columns.empty()) return Fail(Errc::not_found, "no table '" + table + "' to copy");
    if (rows.empty()) return {};
    return Write([&](pqxx::work& w) -> std::error_code {
      std::string head = "INSERT INTO " + table + " (";
      for (size_t i = 0; i < columns.size(); ++i) head += (i ? ", " : "") + std::string(columns[i]);
      head += ") VALUES ";
      constexpr size_t kChunk = 500;
      for (size_t begin = 0; begin < rows.size(); begin += kChunk) {
        std::string sql = head;
        const size_t end = std::min(rows.size(), begin + kChunk);
        for (size_t r = begin; r < end; ++r) {
          const TextRow& row = rows[r];
          if (row.size() != columns.size()) {
            return Fail(Errc::constraint, table + ": a row has " + std::to_string(row.size()) +
                                              " columns, not " + std::to_string(columns.size()));
          }
          sql += r == begin ? "(" : ", (";
          for (size_t i = 0; i < row.size(); ++i) {
            if (i) sql += ", ";
            if (!row[i]) {
              sql += "NULL";
            } else if (IsBlobColumn(table, columns[i])) {
              sql += "decode(" + w.quote(*row[i]) + ", 'hex')";
            } else {
              sql += w.quote(*row[i]);
            }
          }
          sql += ")";
        }
        w.exec(sql);
      }
      return {};
    });
  }

  std::error_code FinishCopy() override {
    if (auto ec = CheckWritable()) return ec;
    return Write([&](pqxx::work& w) -> std::error_code {
      for (const char* table : CopiedTables()) {
        const std::string t = table;
        if (CopiedColumns(t).empty() || std::string(CopiedColumns(t)[0]) != "id") continue;
        pqxx::result seq = w.exec_params("SELECT pg_get_serial_sequence($1, 'id')", t);
        if (seq.empty() || seq[0][0].is_null()) continue;
        w.exec("SELECT setval(" + w.quote(Str(seq[0][0])) + ", coalesce(max(id), 0) + 1, false) "
               "FROM " + t);
      }
      Notify(w, "rules");
      Notify(w, "models");
      Notify(w, "sites");
      Notify(w, "tokens");
      return {};
    });
  }

  const std::string& LastErrorMessage() const override { return last_error_; }

 private:
  struct State {
    std::string status, site, external_id;
    bool spot_check = false;
  };

  // Wraps libpqxx's prepared-parameter helpers for a QueueFilter.
  struct FilterParams {
    explicit FilterParams(const QueueFilter& f)
        : f_(f),
          sites_(f.sites ? JsonArray(*f.sites) : ""),
          min_(f.min_score ? pqxx::to_string(*f.min_score) : ""),
          max_(f.max_score ? pqxx::to_string(*f.max_score) : ""),
          most_(f.received_at_most_ms ? std::to_string(*f.received_at_most_ms) : ""),
          least_(f.received_at_least_ms ? std::to_string(*f.received_at_least_ms) : "") {}
    const char* sites() const { return OrNull(sites_, f_.sites.has_value()); }
    const char* language() const { return OrNull(f_.language, !f_.language.empty()); }
    const char* label() const { return OrNull(f_.label, !f_.label.empty()); }
    const char* min() const { return OrNull(min_, f_.min_score.has_value()); }
    const char* max() const { return OrNull(max_, f_.max_score.has_value()); }
    const char* rule() const { return OrNull(f_.rule, !f_.rule.empty()); }
    const char* most() const { return OrNull(most_, f_.received_at_most_ms.has_value()); }
    const char* least() const { return OrNull(least_, f_.received_at_least_ms.has_value()); }
    const char* review() const { return OrNull(f_.review, !f_.review.empty()); }
    const char* email() const { return OrNull(f_.author_email, !f_.author_email.empty()); }
    const char* ip() const { return OrNull(f_.author_ip, !f_.author_ip.empty()); }
    const char* text() const { return OrNull(f_.text, !f_.text.empty()); }
    const QueueFilter& f_;
    std::string sites_, min_, max_, most_, least_;
  };

  std::error_code Fail(Errc errc, std::string message) {
    last_error_ = std::move(message);
    return errc;
  }

  // Forgets the connection (and its LISTEN); the next call connects again.
  void Drop() {
    receiver_.reset();
    conn_.reset();
  }

  std::error_code CheckWritable() {
    if (!read_only_) return {};
    return Fail(Errc::read_only, "store is open read-only");
  }

  // Opens the connection if there is none (or it broke); throws on failure.
  void Connect() {
    if (conn_ != nullptr && conn_->is_open()) return;
    Drop();
    // fallback_: an application_name in the URL wins (operators tell
    // daemons apart in pg_stat_activity by it).
    const std::string conninfo =
        url_ + (url_.find('?') == std::string::npos ? "?" : "&") +
        "fallback_application_name=moderated";
    auto c = std::make_unique<pqxx::connection>(conninfo);
    {
      pqxx::nontransaction t(*c);
      t.exec("SET statement_timeout = " + std::to_string(options_.statement_timeout_ms));
      t.exec("SET lock_timeout = " + std::to_string(options_.busy_timeout_ms));
      t.exec("SET idle_in_transaction_session_timeout = 60000");
      if (read_only_) t.exec("SET default_transaction_read_only = on");
    }
    conn_ = std::move(c);
    prepared_ = false;
  }

  void Prepare() {
    if (prepared_) return;
    conn_->prepare("insert_comments", kPgInsertComments);
    conn_->prepare("find_external",
                   "SELECT id, verdict_json FROM comments WHERE site = $1 AND external_id = $2 "
                   "AND external_id <> ''");
    conn_->prepare("insert_reasons", kPgInsertReasons);
    // Read for every item of a queue page: planned once per connection.
    conn_->prepare("read_claim",
                   "SELECT comment_id, actor, expires_at_ms FROM claims WHERE comment_id = $1 "
                   "AND expires_at_ms > $2");
    for (const char* column : {"author_email", "author_ip"}) {
      // An author's comments by status, each count capped at $3 (NULL = no
      // cap), over the sites $2 (a JSON array; NULL = all).
      const std::string col = column;
      auto count = [&](const char* status) {
        return "(SELECT count(*) FROM (SELECT 1 FROM comments WHERE " + col + " = $1 AND " + col +
               " <> '' AND status = '" + status +
               "' AND ($2::text IS NULL OR site IN (SELECT json_array_elements_text($2::json)))"
               " LIMIT $3::bigint) x)";
      };
      conn_->prepare("reputation_" + col, "SELECT " + count("approved") + ", " +
                                              count("rejected") + ", " + count("pending"));
      // The same for every key of a page at once ($1 a text array), capped.
      auto page_count = [&](const char* status) {
        // "<> ''" lets the planner use the partial (author, status, site) index.
        return "(SELECT count(*) FROM (SELECT 1 FROM comments WHERE " + col + " = k.key AND " +
               col + " <> '' AND status = '" + status +
               "' AND ($2::text IS NULL OR site IN (SELECT json_array_elements_text($2::json)))"
               " LIMIT $3::bigint) x)";
      };
      conn_->prepare("queue_reputation_" + col,
                     "SELECT k.key, " + page_count("approved") + ", " + page_count("rejected") +
                         ", " + page_count("pending") + " FROM unnest($1::text[]) AS k(key)");
    }
    conn_->prepare("queue_claims",
                   "SELECT comment_id, actor, expires_at_ms FROM claims "
                   "WHERE comment_id = ANY($1::bigint[]) AND expires_at_ms > $2");
    prepared_ = true;
  }

  // Runs `body` with exceptions turned into Errc values.
  template <typename Body>
  std::error_code Call(Body&& body) {
    try {
      Connect();
      Prepare();
      return body();
    } catch (const pqxx::broken_connection& e) {
      Drop();
      return Fail(Errc::busy, "connection lost: " + PrimaryMessage(e.what()));
    } catch (const pqxx::in_doubt_error& e) {
      Drop();
      return Fail(Errc::io_error, e.what());
    } catch (const pqxx::sql_error& e) {
      if (conn_ != nullptr && !conn_->is_open()) Drop();
      return Fail(FromSqlState(e.sqlstate()), PrimaryMessage(e.what()));
    } catch (const std::exception& e) {
      if (conn_ != nullptr && !conn_->is_open()) Drop();
      return Fail(Errc::internal, e.what());
    }
  }

  template <typename Body>
  std::error_code Read(Body&& body) {
    return Call([&]() -> std::error_code {
      pqxx::nontransaction t(*conn_);
      return body(t);
    });
  }

  // One transaction: committed when `body` succeeds, rolled back otherwise.
  template <typename Body>
  std::error_code Write(Body&& body) {
    return Call([&]() -> std::error_code {
      pqxx::work w(*conn_);
      if (auto ec = body(w)) return ec;  // ~work rolls back
      w.commit();
      return {};
    });
  }

  // Every kCompactEvery writes that may leave queue count deltas, folds them
  // into queue_counts (readers add up both, so this only bounds their work).
  // A failure is left for the next time.
  void MaybeCompactQueueCounts() {
    constexpr int kCompactEvery = 16;
    if (++writes_since_compaction_ < kCompactEvery) return;
    writes_since_compaction_ = 0;
    const std::string kept_error = last_error_;
    (void)Write([&](pqxx::work& w) -> std::error_code {
      pqxx::result lock = w.exec_params("SELECT pg_try_advisory_xact_lock($1)", kQueueCountsLockKey);
      if (lock[0][0].as<bool>()) w.exec(kPgCompactQueueCounts);
      return {};
    });
    last_error_ = kept_error;
  }

  // For each comment, the index of the first comment of the batch with the
  // same (site, external_id): itself unless it repeats an earlier one. An
  // empty external_id never repeats.
  static std::vector<size_t> FirstOfEachExternalId(std::span<const Comment> comments) {
    std::vector<size_t> first(comments.size());
    std::unordered_map<std::string, size_t> seen;
    for (size_t i = 0; i < comments.size(); ++i) {
      first[i] = i;
      const Comment& c = comments[i];
      if (c.external_id.empty()) continue;
      // No PostgreSQL text holds a NUL: the key is unambiguous.
      first[i] = seen.try_emplace(c.site + '\0' + c.external_id, i).first->second;
    }
    return first;
  }

  // Inserts the first of each (site, external_id) with one statement
  // (kPgInsertComments) and fills in their outcomes.
  // The array parameters of kPgInsertComments, one element per comment
  // sent (the first copy of each (site, id)); *sent maps ord - 1 to the
  // comment's index.
  static std::array<std::string, 25> CommentColumns(std::span<const Comment> comments,
                                                    const std::vector<size_t>& first,
                                                    std::vector<size_t>* sent) {
    std::array<PgArray, 25> col;
    for (size_t i = 0; i < comments.size(); ++i) {
      if (first[i] != i) continue;
      sent->push_back(i);
      const Comment& c = comments[i];
      int k = 0;
      for (const std::string* text :
           {&c.site, &c.external_id, &c.thread, &c.parent, &c.author_name, &c.author_email,
            &c.author_url, &c.author_ip, &c.author_user_agent, &c.content, &c.created_at,
            &c.lang_hint, &c.meta_json}) {
        col[k++].Text(*text);
      }
      col[k++].Int(c.received_at_ms);
      col[k++].Text(c.status);
      col[k++].Text(c.action);
      col[k++].Float(c.score);
      col[k++].Text(c.labels_json);
      col[k++].Text(c.language);
      col[k++].Int(c.language_reliable ? 1 : 0);
      col[k++].Text(c.rules_version);
      col[k++].Text(c.model_version);
      col[k++].Text(c.verdict_json);
      col[k++].Int(c.updated_at_ms);
      col[k++].Int(c.spot_check ? 1 : 0);
    }
    std::array<std::string, 25> p;
    for (size_t k = 0; k < p.size(); ++k) p[k] = col[k].Done();
    return p;
  }

  std::error_code InsertComments(pqxx::work& w, std::span<const Comment> comments,
                                 const std::vector<size_t>& first,
                                 std::vector<InsertOutcome>* result) {
    std::vector<size_t> sent;
    const std::array<std::string, 25> p = CommentColumns(comments, first, &sent);
    pqxx::result r = w.exec_prepared(
        "insert_comments", p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[10],
        p[11], p[12], p[13], p[14], p[15], p[16], p[17], p[18], p[19], p[20], p[21], p[22],
        p[23], p[24]);
    if (r.size() != sent.size()) {
      return Fail(Errc::internal, "inserting " + std::to_string(sent.size()) +
                                      " comments returned " + std::to_string(r.size()) + " rows");
    }
    for (const auto& row : r) {
      const size_t i = sent.at(row[0].as<size_t>() - 1);
      InsertOutcome& out = (*result)[i];
      out.id = row[1].as<int64_t>();
      const int fate = row[3].as<int>();
      if (fate == kInserted) continue;
      out.duplicate = true;
      if (fate == kStoredBefore) {
        out.verdict_json = Str(row[2]);
        continue;
      }
      // kLostRace: another daemon inserted it meanwhile and has committed
      // (ON CONFLICT waited for it); this statement sees its row.
      const Comment& c = comments[i];
      pqxx::result f = w.exec_prepared("find_external", c.site, c.external_id);
      if (f.empty()) {
        return Fail(Errc::internal, "insert of (" + c.site + ", " + c.external_id +
                                        ") was skipped but no such row exists");
      }
      out.id = f[0][0].as<int64_t>();
      out.verdict_json = Str(f[0][1]);
    }
    return {};
  }


  // The reasons of every comment this batch inserted, in one statement.
  void InsertReasons(pqxx::work& w, std::span<const Comment> comments,
                     const std::vector<size_t>& first, const std::vector<InsertOutcome>& result) {
    std::array<PgArray, 10> col;
    for (size_t i = 0; i < comments.size(); ++i) {
      if (first[i] != i || result[i].duplicate) continue;
      const std::vector<Reason>& reasons = comments[i].reasons;
      for (size_t n = 0; n < reasons.size(); ++n) {
        const Reason& reason = reasons[n];
        col[0].Int(result[i].id);
        col[1].Int(static_cast<int64_t>(n));
        col[2].Text(reason.rule_id);
        col[3].Text(reason.description);
        col[4].Text(reason.field);
        col[5].Float(reason.score);
        col[6].Int(reason.begin);
        col[7].Int(reason.end);
        col[8].Text(reason.excerpt);
        col[9].Int(reason.shadow ? 1 : 0);
      }
    }
    if (col[0].size() == 0) return;
    w.exec_prepared("insert_reasons", col[0].Done(), col[1].Done(), col[2].Done(), col[3].Done(),
                    col[4].Done(), col[5].Done(), col[6].Done(), col[7].Done(), col[8].Done(),
                    col[9].Done());
  }

  std::error_code ReadInt(const char* sql, int64_t* out) {
    return Read([&](pqxx::nontransaction& t) -> std::error_code {
      *out = t.exec(sql)[0][0].as<int64_t>();
      return {};
    });
  }

  // Tells other daemons, at COMMIT, that `what` changed: NOTIFY for the
  // quick path and a counter for the periodic re-check (ChangeStamp).
  void Notify(pqxx::transaction_base& t, const char* what) {
    t.exec("INSERT INTO moderated_changes (what, n) VALUES (" + t.quote(what) +
           ", 1) ON CONFLICT (what) DO UPDATE SET n = moderated_changes.n + 1");
    t.exec("SELECT pg_notify('moderated_changes', " + t.quote(what) + ")");
  }

  std::error_code InsertAudit(pqxx::transaction_base& t, const AuditEntry& e, int64_t* id) {
    pqxx::result r = t.exec_params(
        "INSERT INTO audit_log (at_ms, actor, action, target, before_json, after_json) "
        "VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        e.at_ms, e.actor, e.action, e.target, e.before_json, e.after_json);
    if (id != nullptr) *id = r[0][0].as<int64_t>();
    return {};
  }

  template <typename Txn>
  void ReadClaim(Txn& t, int64_t comment_id, int64_t now_ms, std::optional<Claim>* out) {
    out->reset();
    pqxx::result r = t.exec_prepared("read_claim", comment_id, now_ms);
    if (r.empty()) return;
    *out = Claim{r[0][0].as<int64_t>(), Str(r[0][1]), r[0][2].as<int64_t>()};
  }

  // Locks the comment's row until the transaction ends.
  bool ReadState(pqxx::work& w, int64_t id, State* out) {
    pqxx::result r = w.exec_params(
        "SELECT status, site, external_id, spot_check FROM comments WHERE id = $1 FOR UPDATE", id);
    if (r.empty()) return false;
    out->status = Str(r[0][0]);
    out->site = Str(r[0][1]);
    out->external_id = Str(r[0][2]);
    out->spot_check = r[0][3].as<int>() != 0;
    return true;
  }

  void DecideOne(pqxx::work& w, const DecideRequest& req, DecideResult* result) {
    *result = DecideResult();
    State state;
    if (!ReadState(w, req.comment_id, &state)) {
      result->outcome = ReviewOutcome::kNotFound;
      return;
    }
    std::optional<Claim> claim;
    ReadClaim(w, req.comment_id, req.now_ms, &claim);
    if (claim && claim->actor != req.actor) {
      result->outcome = ReviewOutcome::kClaimedByOther;
      result->claim = *claim;
      return;
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
    WriteDecision(w, req, state, &d, false, "comment.decide", "comment.decided",
                  &result->outbox_id, req.bulk_id);
    w.exec_params("DELETE FROM claims WHERE comment_id = $1", req.comment_id);
  }

  // Undoes res->undone (read by the caller, under the comment's row lock).
  void UndoLatest(pqxx::work& w, const DecideRequest& req, const State& state,
                  DecideResult* res) {
    Decision& undone = res->undone;
    w.exec_params("UPDATE decisions SET undone = 1 WHERE id = $1", undone.id);
    w.exec_params("UPDATE labels SET undone = 1 WHERE decision_id = $1", undone.id);
    undone.undone = true;
    Decision& d = res->decision;
    d.comment_id = req.comment_id;
    d.decision = "undo";
    d.previous_status = state.status;
    d.new_status = undone.previous_status;
    d.note = req.note;
    d.actor = req.actor;
    d.created_at_ms = req.now_ms;
    d.spot_check = state.spot_check;
    WriteDecision(w, req, state, &d, undone.spot_check, "comment.undo", "comment.undone",
                  &res->outbox_id);
  }

  // The decisions row, the comment's status, the label, the audit entry and
  // the outbox row of one decision or undo.
  void WriteDecision(pqxx::work& w, const DecideRequest& req, const State& state, Decision* d,
                     bool spot_check_after, const char* audit_action, const char* event_type,
                     int64_t* outbox_id, int64_t bulk_id = 0) {
    d->id = w.exec_params(
                 "INSERT INTO decisions (comment_id, decision, previous_status, new_status, "
                 "note, actor, created_at_ms, spot_check, bulk_id) VALUES ($1, $2, $3, $4, $5, "
                 "$6, $7, $8, NULLIF($9::bigint, 0)) RETURNING id",
                 d->comment_id, d->decision, d->previous_status, d->new_status, d->note,
                 d->actor, d->created_at_ms, d->spot_check ? 1 : 0, bulk_id)[0][0]
                .as<int64_t>();
    w.exec_params("UPDATE comments SET status = $2, updated_at_ms = $3, spot_check = $4 "
                  "WHERE id = $1",
                  d->comment_id, d->new_status, req.now_ms, spot_check_after ? 1 : 0);
    w.exec_params(
        "INSERT INTO labels (comment_id, label, source, author, created_at_ms, decision_id) "
        "VALUES ($1, $2, 'moderator', $3, $4, $5)",
        d->comment_id, LabelFor(d->decision), d->actor, d->created_at_ms, d->id);
    AuditEntry audit;
    audit.at_ms = d->created_at_ms;
    audit.actor = d->actor;
    audit.action = audit_action;
    audit.target = "comment:" + std::to_string(d->comment_id);
    audit.before_json = "{\"status\":" + JsonString(d->previous_status) + "}";
    audit.after_json = "{\"status\":" + JsonString(d->new_status) +
                       ",\"decision\":" + JsonString(d->decision) +
                       ",\"note\":" + JsonString(d->note) +
                       ",\"decision_id\":" + std::to_string(d->id) + "}";
    InsertAudit(w, audit, nullptr);
    const std::string payload =
        "{\"event_id\":" + JsonString(req.event_id) + ",\"type\":" + JsonString(event_type) +
        ",\"created_at\":" + JsonString(req.event_time) + ",\"site\":" + JsonString(state.site) +
        ",\"comment\":{\"id\":" + std::to_string(d->comment_id) +
        ",\"external_id\":" + JsonString(state.external_id) +
        ",\"status\":" + JsonString(d->new_status) + ",\"decision\":" + JsonString(d->decision) +
        ",\"note\":" + JsonString(d->note) + "}}";
    pqxx::result r = w.exec_params(
        "INSERT INTO outbox (event_id, site, url, payload, next_attempt_at_ms, created_at_ms) "
        "SELECT $1, s.name, s.webhook_url, $2, $3, $3 FROM sites s "
        "WHERE s.name = $4 AND s.webhook_url <> '' RETURNING id",
        req.event_id, payload, req.now_ms, state.site);
    *outbox_id = r.empty() ? 0 : r[0][0].as<int64_t>();
  }

  static int SchemaVersion(pqxx::transaction_base& t) {
    pqxx::result exists = t.exec("SELECT to_regclass('moderated_schema') IS NOT NULL");
    if (!exists[0][0].as<bool>()) return 0;
    pqxx::result r = t.exec("SELECT coalesce(max(version), 0) FROM moderated_schema");
    return r[0][0].as<int>();
  }

  // Each step in its own transaction under an advisory lock; the version is
  // re-read under the lock, so concurrent daemons apply each step once.
  std::string Migrate(int target) {
    for (const PgMigration& step : PgMigrations()) {
      if (step.version > target) break;
      try {
        pqxx::work w(*conn_);
        w.exec("SELECT pg_advisory_xact_lock(" + std::to_string(kMigrationLockKey) + ")");
        w.exec("CREATE TABLE IF NOT EXISTS moderated_schema (version INTEGER PRIMARY KEY, "
               "description TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())");
        const int version = SchemaVersion(w);
        if (version >= step.version) continue;
        if (version != step.version - 1) {
          return "migration " + std::to_string(step.version) + ": database is at version " +
                 std::to_string(version);
        }
        w.exec(step.sql);
        w.exec_params("INSERT INTO moderated_schema (version, description) VALUES ($1, $2)",
                      step.version, std::string(step.description));
        w.commit();
      } catch (const std::exception& e) {
        std::string message = e.what();
        while (!message.empty() && message.back() == '\n') message.pop_back();
        return "migration " + std::to_string(step.version) + " (" + step.description +
               "): " + message;
      }
    }
    return {};
  }

  std::string url_;
  std::string display_;
  bool read_only_;
  StoreOptions options_;
  std::unique_ptr<pqxx::connection> conn_;
  std::unique_ptr<Receiver> receiver_;  // made by WaitForChange; dropped before conn_
  int64_t velocity_writes_ = 0;
  bool prepared_ = false;
  bool scanning_ = false;
  std::string last_error_;
  int writes_since_compaction_ = 0;  // MaybeCompactQueueCounts
};

}  // namespace

int PgCurrentSchemaVersion() { return PgMigrations().back().version; }

std::string RedactUrl(const std::string& url) {
  // postgresql://user:secret@host/db → postgresql://user:***@host/db
  const size_t scheme = url.find("://");
  if (scheme == std::string::npos) return url;
  const size_t at = url.find('@', scheme + 3);
  const size_t slash = url.find('/', scheme + 3);
  if (at == std::string::npos || (slash != std::string::npos && slash < at)) return url;
  const size_t colon = url.find(':', scheme + 3);
  if (colon == std::string::npos || colon > at) return url;
  return url.substr(0, colon + 1) + "***" + url.substr(at);
}

std::unique_ptr<Store> OpenPgStore(const std::string& url, Store::OpenMode mode,
                                   const StoreOptions& options, std::string* error) {
  auto store = std::make_unique<PgStore>(url, mode == Store::OpenMode::kReadOnly, options);
  std::string message = store->Start();
  if (!message.empty()) {
    if (error != nullptr) *error = RedactUrl(url) + ": " + message;
    return nullptr;
  }
  return store;
}

}  // namespace moderated::storage::internal

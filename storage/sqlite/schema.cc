// storage/sqlite/schema.cc
//
// DDL and migrations, keyed by PRAGMA user_version. See docs/storage.md for
// the design notes behind each table.
#include "storage/sqlite/schema.h"

#include <sqlite3.h>

#include <string>

#include "storage/errors.h"
#include "storage/sqlite/handle.h"

namespace moderated::storage::internal {
namespace {

// APPEND ONLY. Never edit a step that has been released: databases in the
// field are already at its version and will not run it again.
constexpr Migration kMigrations[] = {
    {1, "comments, reasons, rules_versions",
     R"sql(
-- One row per submitted comment with its (first) verdict and current status.
-- AUTOINCREMENT: ids are handed to sites and moderators, so an id is never
-- reused even if the newest comment is deleted (e.g. an erasure request).
CREATE TABLE comments (
  id                INTEGER PRIMARY KEY AUTOINCREMENT,
  site              TEXT    NOT NULL,
  external_id       TEXT    NOT NULL DEFAULT '',  -- '' = none (no idempotency)
  thread            TEXT    NOT NULL DEFAULT '',
  parent            TEXT    NOT NULL DEFAULT '',
  author_name       TEXT    NOT NULL DEFAULT '',
  author_email      TEXT    NOT NULL DEFAULT '',
  author_url        TEXT    NOT NULL DEFAULT '',
  author_ip         TEXT    NOT NULL DEFAULT '',
  author_user_agent TEXT    NOT NULL DEFAULT '',
  content           TEXT    NOT NULL DEFAULT '',
  created_at        TEXT    NOT NULL DEFAULT '',  -- as sent by the site
  lang_hint         TEXT    NOT NULL DEFAULT '',
  meta_json         TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(meta_json)),
  received_at_ms    INTEGER NOT NULL,
  status            TEXT    NOT NULL CHECK (status IN ('approved', 'pending', 'rejected')),
  action            TEXT    NOT NULL CHECK (action IN ('accept', 'hold', 'reject')),
  score             REAL    NOT NULL DEFAULT 0,
  labels_json       TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(labels_json)),
  language          TEXT    NOT NULL DEFAULT '',
  language_reliable INTEGER NOT NULL DEFAULT 0 CHECK (language_reliable IN (0, 1)),
  rules_version     TEXT    NOT NULL DEFAULT '',
  model_version     TEXT    NOT NULL DEFAULT '',
  verdict_json      TEXT    NOT NULL DEFAULT '',
  updated_at_ms     INTEGER NOT NULL DEFAULT 0
);
-- Idempotency: a site's own id is unique per site, when it sent one.
CREATE UNIQUE INDEX comments_site_external_id
  ON comments (site, external_id) WHERE external_id <> '';
-- Per-site listings and retention by time.
CREATE INDEX comments_site_received ON comments (site, received_at_ms);
-- The review queue: (status, id) because every index ends with the rowid.
CREATE INDEX comments_status ON comments (status);

-- Why a comment got its verdict: the rules that fired, in order.
-- Clustered by (comment_id, ordinal): one comment's reasons are adjacent.
CREATE TABLE reasons (
  comment_id  INTEGER NOT NULL REFERENCES comments (id) ON DELETE CASCADE,
  ordinal     INTEGER NOT NULL,  -- 0-based position in Comment::reasons
  rule_id     TEXT    NOT NULL,
  description TEXT    NOT NULL DEFAULT '',
  field       TEXT    NOT NULL DEFAULT '',
  score       REAL    NOT NULL DEFAULT 0,
  span_begin  INTEGER NOT NULL DEFAULT -1,  -- byte offsets; -1 = no span
  span_end    INTEGER NOT NULL DEFAULT -1,
  excerpt     TEXT    NOT NULL DEFAULT '',
  shadow      INTEGER NOT NULL DEFAULT 0 CHECK (shadow IN (0, 1)),
  PRIMARY KEY (comment_id, ordinal)
) WITHOUT ROWID;

-- Every rules text ever stored; at most one is active.
CREATE TABLE rules_versions (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  text          TEXT    NOT NULL,
  author        TEXT    NOT NULL DEFAULT '',
  comment       TEXT    NOT NULL DEFAULT '',
  created_at_ms INTEGER NOT NULL,
  active        INTEGER NOT NULL DEFAULT 0 CHECK (active IN (0, 1))
);
CREATE UNIQUE INDEX rules_versions_one_active ON rules_versions (active) WHERE active = 1;
)sql"},

    {2, "labels",
     R"sql(
-- Human or site judgements, for the learning loop. Many per comment.
CREATE TABLE labels (
  id            INTEGER PRIMARY KEY,
  comment_id    INTEGER NOT NULL REFERENCES comments (id) ON DELETE CASCADE,
  label         TEXT    NOT NULL CHECK (label <> ''),
  source        TEXT    NOT NULL DEFAULT '',
  author        TEXT    NOT NULL DEFAULT '',
  created_at_ms INTEGER NOT NULL
);
CREATE INDEX labels_comment ON labels (comment_id);
)sql"},

    {3, "tokens, sites, review queue, audit log, webhook outbox, models",
     R"sql(
-- API tokens: only the SHA-256 of each token is stored; `prefix` is its first
-- characters, for people to tell tokens apart.
CREATE TABLE tokens (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  name            TEXT    NOT NULL DEFAULT '',
  role            TEXT    NOT NULL CHECK (role IN ('site', 'moderator', 'admin')),
  sites_json      TEXT    NOT NULL DEFAULT '[]' CHECK (json_valid(sites_json)),
  hash            BLOB    NOT NULL UNIQUE,
  prefix          TEXT    NOT NULL DEFAULT '',
  created_at_ms   INTEGER NOT NULL,
  created_by      TEXT    NOT NULL DEFAULT '',
  revoked_at_ms   INTEGER NOT NULL DEFAULT 0,
  last_used_at_ms INTEGER NOT NULL DEFAULT 0
);

-- The site registry: thresholds (NULL = the rule file's), languages,
-- where to deliver outcomes, and how long to keep decided comments.
CREATE TABLE sites (
  name            TEXT    PRIMARY KEY,
  hold_at         REAL,
  reject_at       REAL,
  languages_json  TEXT    NOT NULL DEFAULT '[]' CHECK (json_valid(languages_json)),
  webhook_url     TEXT    NOT NULL DEFAULT '',
  webhook_secret  TEXT    NOT NULL DEFAULT '',
  retention_days  INTEGER NOT NULL DEFAULT 0,
  created_at_ms   INTEGER NOT NULL,
  updated_at_ms   INTEGER NOT NULL
) WITHOUT ROWID;

-- Every moderator decision, in order; undo appends a row and marks the
-- undone one.
CREATE TABLE decisions (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  comment_id      INTEGER NOT NULL REFERENCES comments (id) ON DELETE CASCADE,
  decision        TEXT    NOT NULL CHECK (decision IN ('approve', 'reject', 'spam', 'abuse', 'undo')),
  previous_status TEXT    NOT NULL,
  new_status      TEXT    NOT NULL,
  note            TEXT    NOT NULL DEFAULT '',
  actor           TEXT    NOT NULL DEFAULT '',
  created_at_ms   INTEGER NOT NULL,
  undone          INTEGER NOT NULL DEFAULT 0 CHECK (undone IN (0, 1))
);
CREATE INDEX decisions_comment ON decisions (comment_id, id);

-- Review leases: one moderator at a time per comment.
CREATE TABLE claims (
  comment_id      INTEGER PRIMARY KEY REFERENCES comments (id) ON DELETE CASCADE,
  actor           TEXT    NOT NULL,
  expires_at_ms   INTEGER NOT NULL
);

-- Who did what, when, with the state before and after.
CREATE TABLE audit_log (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  at_ms           INTEGER NOT NULL,
  actor           TEXT    NOT NULL DEFAULT '',
  action          TEXT    NOT NULL,
  target          TEXT    NOT NULL DEFAULT '',
  before_json     TEXT    NOT NULL DEFAULT 'null' CHECK (json_valid(before_json)),
  after_json      TEXT    NOT NULL DEFAULT 'null' CHECK (json_valid(after_json))
);
CREATE INDEX audit_log_at ON audit_log (at_ms);
CREATE INDEX audit_log_action ON audit_log (action, at_ms);

-- Durable webhook deliveries: written in the same transaction as the
-- decision, delivered (with retries) by the daemon, idempotent by event_id.
CREATE TABLE outbox (
  id                 INTEGER PRIMARY KEY AUTOINCREMENT,
  event_id           TEXT    NOT NULL UNIQUE,
  site               TEXT    NOT NULL,
  url                TEXT    NOT NULL,
  payload            TEXT    NOT NULL,
  attempts           INTEGER NOT NULL DEFAULT 0,
  next_attempt_at_ms INTEGER NOT NULL,
  delivered_at_ms    INTEGER NOT NULL DEFAULT 0,
  last_error         TEXT    NOT NULL DEFAULT '',
  created_at_ms      INTEGER NOT NULL
);
CREATE INDEX outbox_due ON outbox (delivered_at_ms, next_attempt_at_ms);

-- Trained classifier models with their evaluation reports; at most one active.
CREATE TABLE models (
  id             INTEGER PRIMARY KEY AUTOINCREMENT,
  version        TEXT    NOT NULL,
  bytes          BLOB    NOT NULL,
  report_json    TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(report_json)),
  author         TEXT    NOT NULL DEFAULT '',
  note           TEXT    NOT NULL DEFAULT '',
  created_at_ms  INTEGER NOT NULL,
  active         INTEGER NOT NULL DEFAULT 0 CHECK (active IN (0, 1))
);
CREATE UNIQUE INDEX models_one_active ON models (active) WHERE active = 1;

-- Author reputation and polling by change time.
CREATE INDEX comments_author_email ON comments (author_email) WHERE author_email <> '';
CREATE INDEX comments_author_ip ON comments (author_ip) WHERE author_ip <> '';
CREATE INDEX comments_site_updated ON comments (site, updated_at_ms);
)sql"},

    {4, "labels: undone and decision_id (review decisions)",
     R"sql(
-- A moderator's label remembers the decision that made it; when that
-- decision is undone the label is marked, and the learning loop skips it.
ALTER TABLE labels ADD COLUMN decision_id INTEGER REFERENCES decisions (id) ON DELETE SET NULL;
ALTER TABLE labels ADD COLUMN undone INTEGER NOT NULL DEFAULT 0 CHECK (undone IN (0, 1));
CREATE INDEX labels_decision ON labels (decision_id) WHERE decision_id IS NOT NULL;
-- Undo finds an actor's latest decision on a comment.
CREATE INDEX decisions_comment_actor ON decisions (comment_id, actor, id);
)sql"},

    {5, "covering indexes for author reputation",
     R"sql(
-- Reputation counts an author's comments by status (and site, for
-- moderators scoped to some sites). With status and site in the index the
-- count never reads the table rows; lookups by author alone still use it.
DROP INDEX comments_author_email;
DROP INDEX comments_author_ip;
CREATE INDEX comments_author_email ON comments (author_email, status, site)
  WHERE author_email <> '';
CREATE INDEX comments_author_ip ON comments (author_ip, status, site) WHERE author_ip <> '';
)sql"},

    {6, "per-site models with calibration; spot checks; sites: sensitivity, spot_check",
     R"sql(
-- A model belongs to a site ('' = the base model every site shares); at
-- most one is active per site. `calibration` travels with the model: the
-- base model's calibration JSON, or a site model's combiner JSON.
ALTER TABLE models ADD COLUMN site TEXT NOT NULL DEFAULT '';
ALTER TABLE models ADD COLUMN calibration TEXT NOT NULL DEFAULT '';
DROP INDEX models_one_active;
CREATE UNIQUE INDEX models_one_active ON models (site) WHERE active = 1;
-- An accepted comment sampled for review (spot check) until a moderator
-- decides it; the review queue lists these beside the pending ones. The
-- queue finds them by `spot_check = 1` (a MULTI-INDEX OR with
-- comments_status), so that is the indexed column; the index holds only the
-- few sampled comments, and the rowid gives them in id order.
ALTER TABLE comments ADD COLUMN spot_check INTEGER NOT NULL DEFAULT 0
  CHECK (spot_check IN (0, 1));
CREATE INDEX comments_spot_check ON comments (spot_check) WHERE spot_check = 1;
-- Whether the decided comment was a spot check, so that undo restores it.
ALTER TABLE decisions ADD COLUMN spot_check INTEGER NOT NULL DEFAULT 0
  CHECK (spot_check IN (0, 1));
-- Per-site settings of the registry (NULL = the rule file's): which
-- calibrated level of the classifier holds comments, and the share of
-- accepted comments sampled as spot checks.
ALTER TABLE sites ADD COLUMN sensitivity TEXT CHECK (sensitivity IN ('low', 'normal', 'high'));
ALTER TABLE sites ADD COLUMN spot_check REAL CHECK (spot_check >= 0 AND spot_check <= 1);
)sql"},

    {7, "review queue: indexes in queue order, counts kept by triggers",
     R"sql(
-- The queue in each order it is listed in, holding only the queue (pending
-- comments and spot checks), so that a page reads `limit` entries and a
-- cursor page seeks to its place, whatever the backlog. The queue's
-- statements name them (INDEXED BY) and repeat this WHERE term exactly.
CREATE INDEX comments_queue ON comments (id) WHERE status = 'pending' OR spot_check = 1;
CREATE INDEX comments_queue_score ON comments (score, id)
  WHERE status = 'pending' OR spot_check = 1;
CREATE INDEX comments_queue_score_desc ON comments (score DESC, id)
  WHERE status = 'pending' OR spot_check = 1;
-- The same per site, for a moderator of one site while another site's
-- backlog fills the queue.
CREATE INDEX comments_queue_site ON comments (site, id) WHERE status = 'pending' OR spot_check = 1;
CREATE INDEX comments_queue_site_score ON comments (site, score, id)
  WHERE status = 'pending' OR spot_check = 1;
CREATE INDEX comments_queue_site_score_desc ON comments (site, score DESC, id)
  WHERE status = 'pending' OR spot_check = 1;

-- The queue's counts per site and review kind: the total and by language,
-- classifier label and enforced rule, kept exact by the triggers below in
-- the transaction that changes a comment (insert, decision, undo, purge), so
-- that counting the queue reads a few rows instead of the backlog.
CREATE TABLE queue_counts (
  site   TEXT    NOT NULL,
  review TEXT    NOT NULL CHECK (review IN ('pending', 'spot_check')),
  dim    TEXT    NOT NULL CHECK (dim IN ('total', 'language', 'label', 'rule')),
  key    TEXT    NOT NULL,  -- '' for the total
  n      INTEGER NOT NULL,
  PRIMARY KEY (site, review, dim, key)
) WITHOUT ROWID;

-- A comment enters the queue (its reasons follow it: see reasons_queue_count).
CREATE TRIGGER comments_queue_insert AFTER INSERT ON comments
WHEN (new.status = 'pending' OR new.spot_check = 1)
BEGIN
  INSERT INTO queue_counts (site, review, dim, key, n)
    SELECT new.site, (CASE WHEN new.status = 'pending' THEN 'pending' ELSE 'spot_check' END), d.dim, d.key, +1 FROM (
      SELECT 'total' AS dim, '' AS key
      UNION ALL SELECT 'language', new.language
      UNION ALL SELECT 'label', (CASE WHEN coalesce(json_extract(new.labels_json, '$.ham'), 0) >= coalesce(json_extract(new.labels_json, '$.spam'), 0)
     AND coalesce(json_extract(new.labels_json, '$.ham'), 0) >= coalesce(json_extract(new.labels_json, '$.abuse'), 0) THEN 'ham'
     WHEN coalesce(json_extract(new.labels_json, '$.spam'), 0) >= coalesce(json_extract(new.labels_json, '$.abuse'), 0) THEN 'spam'
     ELSE 'abuse' END)
      UNION ALL SELECT DISTINCT 'rule', rule_id FROM reasons WHERE comment_id = new.id AND shadow = 0) d
    WHERE (new.status = 'pending' OR new.spot_check = 1)
    ON CONFLICT (site, review, dim, key) DO UPDATE SET n = n + excluded.n;
END;

-- A reason of a queued comment counts once per rule (at its first reason).
CREATE TRIGGER reasons_queue_count AFTER INSERT ON reasons
WHEN new.shadow = 0
  AND EXISTS (SELECT 1 FROM comments c WHERE c.id = new.comment_id AND (c.status = 'pending' OR c.spot_check = 1))
  AND NOT EXISTS (SELECT 1 FROM reasons r WHERE r.comment_id = new.comment_id
                  AND r.rule_id = new.rule_id AND r.shadow = 0 AND r.ordinal < new.ordinal)
BEGIN
  INSERT INTO queue_counts (site, review, dim, key, n)
    SELECT c.site, (CASE WHEN c.status = 'pending' THEN 'pending' ELSE 'spot_check' END), 'rule', new.rule_id, 1 FROM comments c WHERE c.id = new.comment_id
    ON CONFLICT (site, review, dim, key) DO UPDATE SET n = n + 1;
END;

-- A decision, an undo or a re-score: the old row's counts go, the new row's
-- come (the two cancel out when nothing counted changed).
CREATE TRIGGER comments_queue_update
AFTER UPDATE OF status, spot_check, site, language, labels_json ON comments
WHEN (old.status = 'pending' OR old.spot_check = 1) OR (new.status = 'pending' OR new.spot_check = 1)
BEGIN
  INSERT INTO queue_counts (site, review, dim, key, n)
    SELECT old.site, (CASE WHEN old.status = 'pending' THEN 'pending' ELSE 'spot_check' END), d.dim, d.key, -1 FROM (
      SELECT 'total' AS dim, '' AS key
      UNION ALL SELECT 'language', old.language
      UNION ALL SELECT 'label', (CASE WHEN coalesce(json_extract(old.labels_json, '$.ham'), 0) >= coalesce(json_extract(old.labels_json, '$.spam'), 0)
     AND coalesce(json_extract(old.labels_json, '$.ham'), 0) >= coalesce(json_extract(old.labels_json, '$.abuse'), 0) THEN 'ham'
     WHEN coalesce(json_extract(old.labels_json, '$.spam'), 0) >= coalesce(json_extract(old.labels_json, '$.abuse'), 0) THEN 'spam'
     ELSE 'abuse' END)
      UNION ALL SELECT DISTINCT 'rule', rule_id FROM reasons WHERE comment_id = old.id AND shadow = 0) d
    WHERE (old.status = 'pending' OR old.spot_check = 1)
    ON CONFLICT (site, review, dim, key) DO UPDATE SET n = n + excluded.n;
  INSERT INTO queue_counts (site, review, dim, key, n)
    SELECT new.site, (CASE WHEN new.status = 'pending' THEN 'pending' ELSE 'spot_check' END), d.dim, d.key, +1 FROM (
      SELECT 'total' AS dim, '' AS key
      UNION ALL SELECT 'language', new.language
      UNION ALL SELECT 'label', (CASE WHEN coalesce(json_extract(new.labels_json, '$.ham'), 0) >= coalesce(json_extract(new.labels_json, '$.spam'), 0)
     AND coalesce(json_extract(new.labels_json, '$.ham'), 0) >= coalesce(json_extract(new.labels_json, '$.abuse'), 0) THEN 'ham'
     WHEN coalesce(json_extract(new.labels_json, '$.spam'), 0) >= coalesce(json_extract(new.labels_json, '$.abuse'), 0) THEN 'spam'
     ELSE 'abuse' END)
      UNION ALL SELECT DISTINCT 'rule', rule_id FROM reasons WHERE comment_id = new.id AND shadow = 0) d
    WHERE (new.status = 'pending' OR new.spot_check = 1)
    ON CONFLICT (site, review, dim, key) DO UPDATE SET n = n + excluded.n;
  DELETE FROM queue_counts WHERE site = old.site AND n = 0;
END;

-- Before the row goes: its reasons (deleted with it) are still there.
CREATE TRIGGER comments_queue_delete BEFORE DELETE ON comments
WHEN (old.status = 'pending' OR old.spot_check = 1)
BEGIN
  INSERT INTO queue_counts (site, review, dim, key, n)
    SELECT old.site, (CASE WHEN old.status = 'pending' THEN 'pending' ELSE 'spot_check' END), d.dim, d.key, -1 FROM (
      SELECT 'total' AS dim, '' AS key
      UNION ALL SELECT 'language', old.language
      UNION ALL SELECT 'label', (CASE WHEN coalesce(json_extract(old.labels_json, '$.ham'), 0) >= coalesce(json_extract(old.labels_json, '$.spam'), 0)
     AND coalesce(json_extract(old.labels_json, '$.ham'), 0) >= coalesce(json_extract(old.labels_json, '$.abuse'), 0) THEN 'ham'
     WHEN coalesce(json_extract(old.labels_json, '$.spam'), 0) >= coalesce(json_extract(old.labels_json, '$.abuse'), 0) THEN 'spam'
     ELSE 'abuse' END)
      UNION ALL SELECT DISTINCT 'rule', rule_id FROM reasons WHERE comment_id = old.id AND shadow = 0) d
    WHERE (old.status = 'pending' OR old.spot_check = 1)
    ON CONFLICT (site, review, dim, key) DO UPDATE SET n = n + excluded.n;
  DELETE FROM queue_counts WHERE site = old.site AND n = 0;
END;

-- What is queued already.
INSERT INTO queue_counts (site, review, dim, key, n)
  SELECT site, review, dim, key, count(*) FROM (
    SELECT c.site AS site, (CASE WHEN c.status = 'pending' THEN 'pending' ELSE 'spot_check' END) AS review, 'total' AS dim, '' AS key FROM comments c
      WHERE (c.status = 'pending' OR c.spot_check = 1)
    UNION ALL SELECT c.site, (CASE WHEN c.status = 'pending' THEN 'pending' ELSE 'spot_check' END), 'language', c.language FROM comments c WHERE (c.status = 'pending' OR c.spot_check = 1)
    UNION ALL SELECT c.site, (CASE WHEN c.status = 'pending' THEN 'pending' ELSE 'spot_check' END), 'label', (CASE WHEN coalesce(json_extract(c.labels_json, '$.ham'), 0) >= coalesce(json_extract(c.labels_json, '$.spam'), 0)
     AND coalesce(json_extract(c.labels_json, '$.ham'), 0) >= coalesce(json_extract(c.labels_json, '$.abuse'), 0) THEN 'ham'
     WHEN coalesce(json_extract(c.labels_json, '$.spam'), 0) >= coalesce(json_extract(c.labels_json, '$.abuse'), 0) THEN 'spam'
     ELSE 'abuse' END) FROM comments c WHERE (c.status = 'pending' OR c.spot_check = 1)
    UNION ALL SELECT c.site, (CASE WHEN c.status = 'pending' THEN 'pending' ELSE 'spot_check' END), 'rule', r.rule_id FROM comments c
      JOIN reasons r ON r.comment_id = c.id AND r.shadow = 0 WHERE (c.status = 'pending' OR c.spot_check = 1)
      GROUP BY c.id, r.rule_id)
  GROUP BY 1, 2, 3, 4;
)sql"},

    {8, "bulk actions on the review queue",
     R"sql(
-- A decision applied to every queue item a filter matched (POST
-- /v1/queue/bulk), written in batches; its progress and its undo.
CREATE TABLE bulk_actions (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  actor         TEXT    NOT NULL,
  decision      TEXT    NOT NULL CHECK (decision IN ('approve', 'reject', 'spam', 'abuse')),
  note          TEXT    NOT NULL DEFAULT '',
  filter_json   TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(filter_json)),
  state         TEXT    NOT NULL
                CHECK (state IN ('running', 'done', 'failed', 'undoing', 'undone')),
  matched       INTEGER NOT NULL DEFAULT 0,
  decided       INTEGER NOT NULL DEFAULT 0,
  skipped       INTEGER NOT NULL DEFAULT 0,
  undone        INTEGER NOT NULL DEFAULT 0,
  error         TEXT    NOT NULL DEFAULT '',
  undone_by     TEXT    NOT NULL DEFAULT '',
  created_at_ms INTEGER NOT NULL,
  updated_at_ms INTEGER NOT NULL
);

-- The bulk action a decision was part of (NULL: a decision of its own).
ALTER TABLE decisions ADD COLUMN bulk_id INTEGER REFERENCES bulk_actions (id);
CREATE INDEX decisions_bulk ON decisions (bulk_id, id) WHERE bulk_id IS NOT NULL;
)sql"},
    {9, "review queue: indexes of one author's items (IP, e-mail)",
     R"sql(
-- The queue items of one author, for the listings, counts and bulk actions
-- filtered by IP or e-mail address (sqlite/queue.cc): a spam wave's sender is
-- found without walking the rest of the queue. Same WHERE as comments_queue.
CREATE INDEX comments_queue_ip ON comments (author_ip, id)
  WHERE status = 'pending' OR spot_check = 1;
CREATE INDEX comments_queue_email ON comments (lower(author_email), id)
  WHERE status = 'pending' OR spot_check = 1;
)sql"},
    {10, "text search (FTS5, trigram); queue by language; search by author and thread",
     R"sql(
-- Every comment's content in a full-text index of trigrams (docs/storage.md,
-- "Text search"): a text filter (the queue's `q`, GET /v1/comments/search)
-- is a substring match of 3 or more characters, case folded, found through
-- the index instead of by reading every row. External content: the text
-- stays in comments only; the triggers keep the index in the transaction
-- that writes the comment, whichever statement writes it.
CREATE VIRTUAL TABLE comments_fts USING fts5(
  content, content = 'comments', content_rowid = 'id', tokenize = 'trigram');
CREATE TRIGGER comments_fts_insert AFTER INSERT ON comments BEGIN
  INSERT INTO comments_fts (rowid, content) VALUES (new.id, new.content);
END;
CREATE TRIGGER comments_fts_delete AFTER DELETE ON comments BEGIN
  INSERT INTO comments_fts (comments_fts, rowid, content) VALUES ('delete', old.id, old.content);
END;
CREATE TRIGGER comments_fts_update AFTER UPDATE OF content ON comments BEGIN
  INSERT INTO comments_fts (comments_fts, rowid, content) VALUES ('delete', old.id, old.content);
  INSERT INTO comments_fts (rowid, content) VALUES (new.id, new.content);
END;
-- What is stored already.
INSERT INTO comments_fts (comments_fts) VALUES ('rebuild');

-- The queue items of one language, in each queue order (like the per-site
-- indexes): a language filter reads only that language's part of the queue.
CREATE INDEX comments_queue_language ON comments (language, id)
  WHERE status = 'pending' OR spot_check = 1;
CREATE INDEX comments_queue_language_score ON comments (language, score, id)
  WHERE status = 'pending' OR spot_check = 1;
CREATE INDEX comments_queue_language_score_desc ON comments (language, score DESC, id)
  WHERE status = 'pending' OR spot_check = 1;

-- Search over every comment, newest first (sqlite/search.cc): one author's
-- or one thread's comments in id order, so a page seeks to its cursor.
CREATE INDEX comments_search_email ON comments (lower(author_email), id)
  WHERE author_email <> '';
CREATE INDEX comments_search_ip ON comments (author_ip, id) WHERE author_ip <> '';
CREATE INDEX comments_search_thread ON comments (thread, id) WHERE thread <> '';
)sql"},
    {11, "text index kept in chunks behind the writes (indexed_through)",
     R"sql(
-- The text index is no longer written by each comment's own transaction:
-- a commit of a few comments flushed a small FTS5 segment of all their
-- trigrams, which cost more than the rest of the insert (docs/storage.md,
-- "Text search"). The writer thread adds the comments above
-- indexed_through in chunks of thousands (Store::IndexText), when it has
-- nothing else to do or the tail grows too long; searches read the index
-- up to indexed_through and scan the rows above it (sqlite/search.cc).
CREATE TABLE text_index_state (
  id              INTEGER PRIMARY KEY CHECK (id = 1),
  indexed_through INTEGER NOT NULL  -- every comment with id <= this is in comments_fts
);
-- Migration 10 indexed every stored comment, and its trigger every later one.
INSERT INTO text_index_state (id, indexed_through)
  VALUES (1, (SELECT coalesce(max(id), 0) FROM comments));
-- Rows at or below the mark stay in step with the index, whichever statement
-- writes them (retention, erasure, an edit); rows above it are read by the
-- indexer as they are then. AUTOINCREMENT never hands out an id at or below
-- the mark; a row written with one is indexed at once all the same.
DROP TRIGGER comments_fts_insert;
DROP TRIGGER comments_fts_delete;
DROP TRIGGER comments_fts_update;
CREATE TRIGGER comments_fts_insert AFTER INSERT ON comments
  WHEN new.id <= (SELECT indexed_through FROM text_index_state) BEGIN
  INSERT INTO comments_fts (rowid, content) VALUES (new.id, new.content);
END;
CREATE TRIGGER comments_fts_delete AFTER DELETE ON comments
  WHEN old.id <= (SELECT indexed_through FROM text_index_state) BEGIN
  INSERT INTO comments_fts (comments_fts, rowid, content) VALUES ('delete', old.id, old.content);
END;
CREATE TRIGGER comments_fts_update AFTER UPDATE OF content ON comments
  WHEN old.id <= (SELECT indexed_through FROM text_index_state) BEGIN
  INSERT INTO comments_fts (comments_fts, rowid, content) VALUES ('delete', old.id, old.content);
  INSERT INTO comments_fts (rowid, content) VALUES (new.id, new.content);
END;
)sql"},
    {12, "search by rule, label, date and score",
     R"sql(
-- Search over every comment (sqlite/search.cc) driven by one of these
-- filters: one rule's enforced reasons and one label's live rows in comment
-- id order (a page seeks to its cursor), and the received time and score of
-- every comment (a range of them, sorted by id). The "<> ''" terms (always
-- true) keep the first two to the statements that state them: without,
-- the queue's counts by rule would walk every enforced reason.
CREATE INDEX reasons_search_rule ON reasons (rule_id, comment_id)
  WHERE shadow = 0 AND rule_id <> '';
CREATE INDEX labels_search ON labels (label, comment_id) WHERE undone = 0 AND label <> '';
CREATE INDEX comments_search_received ON comments (received_at_ms);
CREATE INDEX comments_search_score ON comments (score);
)sql"},
    {13, "saved views of the queue and the search, per token",
     R"sql(
-- A moderator's named filter sets (sqlite/views.cc): theirs alone, keyed by
-- the token they sign in with; deleting the token drops them.
CREATE TABLE saved_views (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  token_id      INTEGER NOT NULL REFERENCES tokens (id) ON DELETE CASCADE,
  kind          TEXT    NOT NULL CHECK (kind IN ('queue', 'search')),
  name          TEXT    NOT NULL CHECK (name <> ''),
  filter_json   TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(filter_json)),
  created_at_ms INTEGER NOT NULL,
  updated_at_ms INTEGER NOT NULL,
  UNIQUE (token_id, kind, name)
);
)sql"},
    {14, "review queue: each queued comment's enforced rules (queue_rules)",
     R"sql(
-- The enforced rules of the queued comments, one row per (rule, comment),
-- kept exact by these triggers in the transaction that changes a comment, so
-- that a queue filter on a rule reads that rule's queue items in id order
-- (sqlite/queue.cc, QueuePath::kRule) instead of the whole queue: a rule
-- that matches nothing, or a few items of a million, costs one seek.
CREATE TABLE queue_rules (
  rule_id    TEXT    NOT NULL,
  comment_id INTEGER NOT NULL,
  PRIMARY KEY (rule_id, comment_id)
) WITHOUT ROWID;

-- A comment's reasons are written after its row: the first enforced reason
-- of each rule of a queued comment counts it (as in step 7) and lists it, in
-- one trigger, so that a stored reason pays for one check, not two.
DROP TRIGGER reasons_queue_count;
CREATE TRIGGER reasons_queue_count AFTER INSERT ON reasons
WHEN new.shadow = 0
  AND EXISTS (SELECT 1 FROM comments c WHERE c.id = new.comment_id AND (c.status = 'pending' OR c.spot_check = 1))
  AND NOT EXISTS (SELECT 1 FROM reasons r WHERE r.comment_id = new.comment_id
                  AND r.rule_id = new.rule_id AND r.shadow = 0 AND r.ordinal < new.ordinal)
BEGIN
  INSERT INTO queue_counts (site, review, dim, key, n)
    SELECT c.site, (CASE WHEN c.status = 'pending' THEN 'pending' ELSE 'spot_check' END), 'rule', new.rule_id, 1 FROM comments c WHERE c.id = new.comment_id
    ON CONFLICT (site, review, dim, key) DO UPDATE SET n = n + 1;
  INSERT OR IGNORE INTO queue_rules (rule_id, comment_id) VALUES (new.rule_id, new.comment_id);
END;

-- A decision takes a comment out of the queue; an undo puts it back.
CREATE TRIGGER comments_queue_rules_leave AFTER UPDATE OF status, spot_check ON comments
WHEN (old.status = 'pending' OR old.spot_check = 1) AND NOT (new.status = 'pending' OR new.spot_check = 1)
BEGIN
  DELETE FROM queue_rules WHERE comment_id = old.id
    AND rule_id IN (SELECT rule_id FROM reasons WHERE comment_id = old.id AND shadow = 0);
END;

CREATE TRIGGER comments_queue_rules_enter AFTER UPDATE OF status, spot_check ON comments
WHEN NOT (old.status = 'pending' OR old.spot_check = 1) AND (new.status = 'pending' OR new.spot_check = 1)
BEGIN
  INSERT OR IGNORE INTO queue_rules (rule_id, comment_id)
    SELECT rule_id, new.id FROM reasons WHERE comment_id = new.id AND shadow = 0;
END;

-- Before the row goes: its reasons (deleted with it) are still there.
CREATE TRIGGER comments_queue_rules_delete BEFORE DELETE ON comments
WHEN (old.status = 'pending' OR old.spot_check = 1)
BEGIN
  DELETE FROM queue_rules WHERE comment_id = old.id
    AND rule_id IN (SELECT rule_id FROM reasons WHERE comment_id = old.id AND shadow = 0);
END;

-- What is queued already.
INSERT OR IGNORE INTO queue_rules (rule_id, comment_id)
  SELECT r.rule_id, c.id FROM comments c INDEXED BY comments_queue
    JOIN reasons r ON r.comment_id = c.id AND r.shadow = 0
  WHERE (c.status = 'pending' OR c.spot_check = 1);
)sql"},
};

std::error_code Exec(sqlite3* db, const char* sql) {
  return ErrorFromSqlite(sqlite3_exec(db, sql, nullptr, nullptr, nullptr));
}

}  // namespace

std::span<const Migration> Migrations() { return kMigrations; }

std::error_code ReadSchemaVersion(sqlite3* db, int* version) {
  sqlite3_stmt* raw = nullptr;
  int rc = sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &raw, nullptr);
  StmtHandle stmt(raw);
  if (rc != SQLITE_OK) return ErrorFromSqlite(rc);
  rc = sqlite3_step(stmt.get());
  if (rc != SQLITE_ROW) return rc == SQLITE_DONE ? Errc::internal : ErrorFromSqlite(rc);
  *version = sqlite3_column_int(stmt.get(), 0);
  return {};
}

std::error_code Migrate(sqlite3* db, int target_version, std::string* error) {
  for (const Migration& step : kMigrations) {
    if (step.version > target_version) break;
    auto fail = [&](std::error_code ec) {
      if (error != nullptr) {
        *error = "migration " + std::to_string(step.version) + " (" + step.description +
                 "): " + sqlite3_errmsg(db);
      }
      if (!sqlite3_get_autocommit(db)) sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
      return ec;
    };
    // Cheap check outside a transaction first, so an up-to-date database
    // never takes the write lock at open.
    int version = 0;
    if (auto ec = ReadSchemaVersion(db, &version)) return fail(ec);
    if (version >= step.version) continue;

    if (auto ec = Exec(db, "BEGIN IMMEDIATE")) return fail(ec);
    // Re-read under the write lock: another process may have migrated.
    if (auto ec = ReadSchemaVersion(db, &version)) return fail(ec);
    if (version >= step.version) {
      if (auto ec = Exec(db, "COMMIT")) return fail(ec);
      continue;
    }
    if (version != step.version - 1) {
      // Cannot happen with an append-only list; refuse rather than guess.
      if (error != nullptr) {
        *error = "migration " + std::to_string(step.version) + ": database is at version " +
                 std::to_string(version);
      }
      sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
      return Errc::internal;
    }
    if (auto ec = Exec(db, step.sql)) return fail(ec);
    const std::string bump = "PRAGMA user_version = " + std::to_string(step.version);
    if (auto ec = Exec(db, bump.c_str())) return fail(ec);
    if (auto ec = Exec(db, "COMMIT")) return fail(ec);
  }
  return {};
}

}  // namespace moderated::storage::internal

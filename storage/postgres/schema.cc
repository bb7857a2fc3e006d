// storage/postgres/schema.cc
//
// The PostgreSQL schema as an append-only list of migration steps, like
// schema.cc for SQLite but versioned on its own (a PostgreSQL database
// starts at the SQLite schema's final shape). The version lives in the table
// moderated_schema; each step runs in one transaction holding an advisory
// lock, so daemons starting together migrate once.
#include "storage/postgres/schema.h"

namespace moderated::storage::internal {
namespace {

// APPEND ONLY. Never edit a step that has been released.
constexpr PgMigration kPgMigrations[] = {
    {1, "comments, reasons, labels, rules, tokens, sites, review, audit, outbox, models",
     R"sql(
-- NULL for text that is not JSON (PostgreSQL 15 has no IS JSON): used by
-- erasure, which must not fail on a malformed row.
CREATE FUNCTION moderated_json_or_null(t text) RETURNS json
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
  RETURN t::json;
EXCEPTION WHEN others THEN
  RETURN NULL;
END $$;

-- Flags are INTEGER 0/1 as in the SQLite schema, so rows copy across
-- (migrate-db) and read the same in both.
CREATE TABLE comments (
  id                BIGSERIAL PRIMARY KEY,
  site              TEXT    NOT NULL,
  external_id       TEXT    NOT NULL DEFAULT '',
  thread            TEXT    NOT NULL DEFAULT '',
  parent            TEXT    NOT NULL DEFAULT '',
  author_name       TEXT    NOT NULL DEFAULT '',
  author_email      TEXT    NOT NULL DEFAULT '',
  author_url        TEXT    NOT NULL DEFAULT '',
  author_ip         TEXT    NOT NULL DEFAULT '',
  author_user_agent TEXT    NOT NULL DEFAULT '',
  content           TEXT    NOT NULL DEFAULT '',
  created_at        TEXT    NOT NULL DEFAULT '',
  lang_hint         TEXT    NOT NULL DEFAULT '',
  meta_json         TEXT    NOT NULL DEFAULT '{}' CHECK (meta_json::json IS NOT NULL),
  received_at_ms    BIGINT  NOT NULL,
  status            TEXT    NOT NULL CHECK (status IN ('approved', 'pending', 'rejected')),
  action            TEXT    NOT NULL CHECK (action IN ('accept', 'hold', 'reject')),
  score             DOUBLE PRECISION NOT NULL DEFAULT 0,
  labels_json       TEXT    NOT NULL DEFAULT '{}' CHECK (labels_json::json IS NOT NULL),
  language          TEXT    NOT NULL DEFAULT '',
  language_reliable INTEGER NOT NULL DEFAULT 0 CHECK (language_reliable IN (0, 1)),
  rules_version     TEXT    NOT NULL DEFAULT '',
  model_version     TEXT    NOT NULL DEFAULT '',
  verdict_json      TEXT    NOT NULL DEFAULT '',
  updated_at_ms     BIGINT  NOT NULL DEFAULT 0,
  spot_check        INTEGER NOT NULL DEFAULT 0 CHECK (spot_check IN (0, 1))
);
-- Idempotency across every daemon of the cluster: INSERT ... ON CONFLICT
-- (site, external_id) WHERE external_id <> '' DO NOTHING.
CREATE UNIQUE INDEX comments_site_external_id
  ON comments (site, external_id) WHERE external_id <> '';
CREATE INDEX comments_site_received ON comments (site, received_at_ms);
CREATE INDEX comments_status ON comments (status, id);
CREATE INDEX comments_spot_check ON comments (id) WHERE spot_check = 1;
CREATE INDEX comments_author_email ON comments (author_email, status, site)
  WHERE author_email <> '';
CREATE INDEX comments_author_email_lower ON comments (lower(author_email));
CREATE INDEX comments_author_ip ON comments (author_ip, status, site) WHERE author_ip <> '';
CREATE INDEX comments_site_updated ON comments (site, updated_at_ms);

CREATE TABLE reasons (
  comment_id  BIGINT  NOT NULL REFERENCES comments (id) ON DELETE CASCADE,
  ordinal     INTEGER NOT NULL,
  rule_id     TEXT    NOT NULL,
  description TEXT    NOT NULL DEFAULT '',
  field       TEXT    NOT NULL DEFAULT '',
  score       DOUBLE PRECISION NOT NULL DEFAULT 0,
  span_begin  BIGINT  NOT NULL DEFAULT -1,
  span_end    BIGINT  NOT NULL DEFAULT -1,
  excerpt     TEXT    NOT NULL DEFAULT '',
  shadow      INTEGER NOT NULL DEFAULT 0 CHECK (shadow IN (0, 1)),
  PRIMARY KEY (comment_id, ordinal)
);
CREATE INDEX reasons_rule ON reasons (rule_id) WHERE shadow = 0;

CREATE TABLE rules_versions (
  id            BIGSERIAL PRIMARY KEY,
  text          TEXT    NOT NULL,
  author        TEXT    NOT NULL DEFAULT '',
  comment       TEXT    NOT NULL DEFAULT '',
  created_at_ms BIGINT  NOT NULL,
  active        INTEGER NOT NULL DEFAULT 0 CHECK (active IN (0, 1))
);
CREATE UNIQUE INDEX rules_versions_one_active ON rules_versions (active) WHERE active = 1;

CREATE TABLE decisions (
  id              BIGSERIAL PRIMARY KEY,
  comment_id      BIGINT  NOT NULL REFERENCES comments (id) ON DELETE CASCADE,
  decision        TEXT    NOT NULL CHECK (decision IN ('approve', 'reject', 'spam', 'abuse', 'undo')),
  previous_status TEXT    NOT NULL,
  new_status      TEXT    NOT NULL,
  note            TEXT    NOT NULL DEFAULT '',
  actor           TEXT    NOT NULL DEFAULT '',
  created_at_ms   BIGINT  NOT NULL,
  undone          INTEGER NOT NULL DEFAULT 0 CHECK (undone IN (0, 1)),
  spot_check      INTEGER NOT NULL DEFAULT 0 CHECK (spot_check IN (0, 1))
);
CREATE INDEX decisions_comment_actor ON decisions (comment_id, actor, id);

CREATE TABLE labels (
  id            BIGSERIAL PRIMARY KEY,
  comment_id    BIGINT  NOT NULL REFERENCES comments (id) ON DELETE CASCADE,
  label         TEXT    NOT NULL CHECK (label <> ''),
  source        TEXT    NOT NULL DEFAULT '',
  author        TEXT    NOT NULL DEFAULT '',
  created_at_ms BIGINT  NOT NULL,
  decision_id   BIGINT  REFERENCES decisions (id) ON DELETE SET NULL,
  undone        INTEGER NOT NULL DEFAULT 0 CHECK (undone IN (0, 1))
);
CREATE INDEX labels_comment ON labels (comment_id);
CREATE INDEX labels_decision ON labels (decision_id) WHERE decision_id IS NOT NULL;

CREATE TABLE tokens (
  id              BIGSERIAL PRIMARY KEY,
  name            TEXT    NOT NULL DEFAULT '',
  role            TEXT    NOT NULL CHECK (role IN ('site', 'moderator', 'admin')),
  sites_json      TEXT    NOT NULL DEFAULT '[]' CHECK (sites_json::json IS NOT NULL),
  hash            BYTEA   NOT NULL UNIQUE,
  prefix          TEXT    NOT NULL DEFAULT '',
  created_at_ms   BIGINT  NOT NULL,
  created_by      TEXT    NOT NULL DEFAULT '',
  revoked_at_ms   BIGINT  NOT NULL DEFAULT 0,
  last_used_at_ms BIGINT  NOT NULL DEFAULT 0
);

CREATE TABLE sites (
  name            TEXT    PRIMARY KEY,
  hold_at         DOUBLE PRECISION,
  reject_at       DOUBLE PRECISION,
  languages_json  TEXT    NOT NULL DEFAULT '[]' CHECK (languages_json::json IS NOT NULL),
  webhook_url     TEXT    NOT NULL DEFAULT '',
  webhook_secret  TEXT    NOT NULL DEFAULT '',
  retention_days  BIGINT  NOT NULL DEFAULT 0,
  created_at_ms   BIGINT  NOT NULL,
  updated_at_ms   BIGINT  NOT NULL,
  sensitivity     TEXT    CHECK (sensitivity IN ('low', 'normal', 'high')),
  spot_check      DOUBLE PRECISION CHECK (spot_check >= 0 AND spot_check <= 1)
);

CREATE TABLE claims (
  comment_id      BIGINT  PRIMARY KEY REFERENCES comments (id) ON DELETE CASCADE,
  actor           TEXT    NOT NULL,
  expires_at_ms   BIGINT  NOT NULL
);

CREATE TABLE audit_log (
  id              BIGSERIAL PRIMARY KEY,
  at_ms           BIGINT  NOT NULL,
  actor           TEXT    NOT NULL DEFAULT '',
  action          TEXT    NOT NULL,
  target          TEXT    NOT NULL DEFAULT '',
  before_json     TEXT    NOT NULL DEFAULT 'null' CHECK (before_json::json IS NOT NULL),
  after_json      TEXT    NOT NULL DEFAULT 'null' CHECK (after_json::json IS NOT NULL)
);
CREATE INDEX audit_log_at ON audit_log (at_ms);
CREATE INDEX audit_log_action ON audit_log (action, at_ms);

CREATE TABLE outbox (
  id                 BIGSERIAL PRIMARY KEY,
  event_id           TEXT    NOT NULL UNIQUE,
  site               TEXT    NOT NULL,
  url                TEXT    NOT NULL,
  payload            TEXT    NOT NULL,
  attempts           BIGINT  NOT NULL DEFAULT 0,
  next_attempt_at_ms BIGINT  NOT NULL,
  delivered_at_ms    BIGINT  NOT NULL DEFAULT 0,
  last_error         TEXT    NOT NULL DEFAULT '',
  created_at_ms      BIGINT  NOT NULL
);
CREATE INDEX outbox_due ON outbox (next_attempt_at_ms, id) WHERE delivered_at_ms = 0;

CREATE TABLE models (
  id             BIGSERIAL PRIMARY KEY,
  version        TEXT    NOT NULL,
  bytes          BYTEA   NOT NULL,
  report_json    TEXT    NOT NULL DEFAULT '{}' CHECK (report_json::json IS NOT NULL),
  author         TEXT    NOT NULL DEFAULT '',
  note           TEXT    NOT NULL DEFAULT '',
  created_at_ms  BIGINT  NOT NULL,
  active         INTEGER NOT NULL DEFAULT 0 CHECK (active IN (0, 1)),
  site           TEXT    NOT NULL DEFAULT '',
  calibration    TEXT    NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX models_one_active ON models (site) WHERE active = 1;

-- Cluster: a counter per kind of shared setting ('rules', 'models', 'sites',
-- 'tokens'), bumped in the transaction that changes it. Daemons compare the
-- counters every second (and on NOTIFY moderated_changes) and reload.
CREATE TABLE moderated_changes (
  what TEXT PRIMARY KEY,
  n    BIGINT NOT NULL
);

-- Cluster-wide velocity: comments per key (a hash of the IP, e-mail or
-- content; kind 0, 1, 2) per time bucket of window/16.
CREATE TABLE velocity (
  kind   SMALLINT NOT NULL,
  key    TEXT     NOT NULL,
  bucket BIGINT   NOT NULL,
  n      BIGINT   NOT NULL,
  PRIMARY KEY (kind, key, bucket)
);
CREATE INDEX velocity_bucket ON velocity (bucket);
)sql"},

    {2, "review queue: indexes in queue order, counts kept by triggers",
     R"sql(
-- The queue in each order it is listed in (see schema.cc, migration 7):
-- partial indexes of the queue alone. Score descending is (-score, id) so
-- that a cursor is one row comparison.
CREATE INDEX comments_queue ON comments (id) WHERE status = 'pending' OR spot_check = 1;
CREATE INDEX comments_queue_score ON comments (score, id)
  WHERE status = 'pending' OR spot_check = 1;
CREATE INDEX comments_queue_score_desc ON comments ((-score), id)
  WHERE status = 'pending' OR spot_check = 1;

-- The queue's counts per site and review kind (total, language, label,
-- rule). Triggers only append signed deltas, so daemons writing at once
-- never wait on (or deadlock over) a shared counter row; a compaction under
-- an advisory lock folds the deltas into queue_counts, and readers add up
-- both.
CREATE TABLE queue_counts (
  site   TEXT   NOT NULL,
  review TEXT   NOT NULL,
  dim    TEXT   NOT NULL,
  key    TEXT   NOT NULL,
  n      BIGINT NOT NULL,
  PRIMARY KEY (site, review, dim, key)
);
CREATE TABLE queue_count_deltas (
  site   TEXT   NOT NULL,
  review TEXT   NOT NULL,
  dim    TEXT   NOT NULL,
  key    TEXT   NOT NULL,
  n      BIGINT NOT NULL
);

-- The most probable classifier label among ham, spam and abuse (ties: ham,
-- then spam), as the queue's `label` filter reads it.
CREATE FUNCTION moderated_queue_label(labels text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN h >= s AND h >= a THEN 'ham' WHEN s >= a THEN 'spam' ELSE 'abuse' END
  FROM (SELECT coalesce((j->>'ham')::float8, 0) AS h, coalesce((j->>'spam')::float8, 0) AS s,
               coalesce((j->>'abuse')::float8, 0) AS a
        FROM (SELECT moderated_json_or_null(labels) AS j) x) y
$$;

-- A queued comment's counts, added (sign 1) or taken away (sign -1).
CREATE FUNCTION moderated_queue_delta(r comments, sign bigint) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  kind text := CASE WHEN r.status = 'pending' THEN 'pending' ELSE 'spot_check' END;
BEGIN
  IF NOT (r.status = 'pending' OR r.spot_check = 1) THEN
    RETURN;
  END IF;
  INSERT INTO queue_count_deltas (site, review, dim, key, n)
    SELECT r.site, kind, d.dim, d.key, sign FROM (
      SELECT 'total' AS dim, '' AS key
      UNION ALL SELECT 'language', r.language
      UNION ALL SELECT 'label', moderated_queue_label(r.labels_json)
      UNION ALL SELECT DISTINCT 'rule', rs.rule_id FROM reasons rs
        WHERE rs.comment_id = r.id AND rs.shadow = 0) d;
END $$;

CREATE FUNCTION moderated_queue_comment() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    PERFORM moderated_queue_delta(OLD, -1);
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    PERFORM moderated_queue_delta(NEW, 1);
  END IF;
  IF TG_OP = 'DELETE' THEN
    RETURN OLD;
  END IF;
  RETURN NEW;
END $$;

-- A reason of a queued comment counts once per rule (at its first reason).
CREATE FUNCTION moderated_queue_reason() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO queue_count_deltas (site, review, dim, key, n)
    SELECT c.site, CASE WHEN c.status = 'pending' THEN 'pending' ELSE 'spot_check' END,
           'rule', NEW.rule_id, 1
    FROM comments c
    WHERE c.id = NEW.comment_id AND (c.status = 'pending' OR c.spot_check = 1)
      AND NOT EXISTS (SELECT 1 FROM reasons r WHERE r.comment_id = NEW.comment_id
                      AND r.rule_id = NEW.rule_id AND r.shadow = 0
                      AND r.ordinal < NEW.ordinal);
  RETURN NEW;
END $$;

CREATE TRIGGER comments_queue_insert AFTER INSERT ON comments FOR EACH ROW
  WHEN (NEW.status = 'pending' OR NEW.spot_check = 1)
  EXECUTE FUNCTION moderated_queue_comment();
CREATE TRIGGER comments_queue_update
  AFTER UPDATE OF status, spot_check, site, language, labels_json ON comments FOR EACH ROW
  WHEN (OLD.status = 'pending' OR OLD.spot_check = 1 OR NEW.status = 'pending'
        OR NEW.spot_check = 1)
  EXECUTE FUNCTION moderated_queue_comment();
-- Before the row goes: its reasons (deleted with it, by the foreign key's
-- cascade, after this) are still there.
CREATE TRIGGER comments_queue_delete BEFORE DELETE ON comments FOR EACH ROW
  WHEN (OLD.status = 'pending' OR OLD.spot_check = 1)
  EXECUTE FUNCTION moderated_queue_comment();
CREATE TRIGGER reasons_queue_count AFTER INSERT ON reasons FOR EACH ROW
  WHEN (NEW.shadow = 0)
  EXECUTE FUNCTION moderated_queue_reason();

-- What is queued already.
INSERT INTO queue_counts (site, review, dim, key, n)
  SELECT site, review, dim, key, count(*) FROM (
    SELECT c.site, CASE WHEN c.status = 'pending' THEN 'pending' ELSE 'spot_check' END AS review,
           d.dim, d.key
    FROM comments c
    CROSS JOIN LATERAL (
      SELECT 'total' AS dim, '' AS key
      UNION ALL SELECT 'language', c.language
      UNION ALL SELECT 'label', moderated_queue_label(c.labels_json)
      UNION ALL SELECT DISTINCT 'rule', rs.rule_id FROM reasons rs
        WHERE rs.comment_id = c.id AND rs.shadow = 0) d
    WHERE c.status = 'pending' OR c.spot_check = 1) q
  GROUP BY 1, 2, 3, 4;
)sql"},

    {3, "bulk actions on the review queue",
     R"sql(
-- A decision applied to every queue item a filter matched (POST
-- /v1/queue/bulk), written in batches; its progress and its undo.
CREATE TABLE bulk_actions (
  id            BIGSERIAL PRIMARY KEY,
  actor         TEXT    NOT NULL,
  decision      TEXT    NOT NULL CHECK (decision IN ('approve', 'reject', 'spam', 'abuse')),
  note          TEXT    NOT NULL DEFAULT '',
  filter_json   TEXT    NOT NULL DEFAULT '{}' CHECK (filter_json::json IS NOT NULL),
  state         TEXT    NOT NULL
                CHECK (state IN ('running', 'done', 'failed', 'undoing', 'undone')),
  matched       BIGINT  NOT NULL DEFAULT 0,
  decided       BIGINT  NOT NULL DEFAULT 0,
  skipped       BIGINT  NOT NULL DEFAULT 0,
  undone        BIGINT  NOT NULL DEFAULT 0,
  error         TEXT    NOT NULL DEFAULT '',
  undone_by     TEXT    NOT NULL DEFAULT '',
  created_at_ms BIGINT  NOT NULL,
  updated_at_ms BIGINT  NOT NULL
);

-- The bulk action a decision was part of (NULL: a decision of its own).
ALTER TABLE decisions ADD COLUMN bulk_id BIGINT REFERENCES bulk_actions (id);
CREATE INDEX decisions_bulk ON decisions (bulk_id, id) WHERE bulk_id IS NOT NULL;
)sql"},
    {4, "review queue: indexes of one author's items (IP, e-mail)",
     R"sql(
-- The queue items of one author (schema.cc, migration 9): listings, counts
-- and bulk actions filtered by IP or e-mail address.
CREATE INDEX comments_queue_ip ON comments (author_ip, id)
  WHERE status = 'pending' OR spot_check = 1;
CREATE INDEX comments_queue_email ON comments (lower(author_email), id)
  WHERE status = 'pending' OR spot_check = 1;
)sql"},
    {5, "text search (pg_trgm); queue by language; search by author and thread",
     R"sql(
-- The text filter (the queue's `q`, GET /v1/comments/search) is a case
-- insensitive substring of 3 or more characters, as on SQLite's FTS5
-- trigram index (schema.cc, migration 10): content ILIKE '%text%' through a
-- GIN index of trigrams. pg_trgm ships with PostgreSQL (contrib) and is a
-- trusted extension: a database owner may create it. It lives in one
-- schema of the database (public, unless it was installed elsewhere before),
-- which need not be on the search_path: the operator class is named with it.
CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public;
DO $$
BEGIN
  EXECUTE format('CREATE INDEX comments_content_trgm ON comments USING gin (content %I.gin_trgm_ops)',
                 (SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
                  WHERE e.extname = 'pg_trgm'));
END $$;
-- The queue items of one language.
CREATE INDEX comments_queue_language ON comments (language, id)
  WHERE status = 'pending' OR spot_check = 1;
-- Search over every comment, newest first: one author's or thread's
-- comments in id order.
CREATE INDEX comments_search_email ON comments (lower(author_email), id)
  WHERE author_email <> '';
CREATE INDEX comments_search_ip ON comments (author_ip, id) WHERE author_ip <> '';
CREATE INDEX comments_search_thread ON comments (thread, id) WHERE thread <> '';
)sql"},
    {6, "search by rule, label, date and score",
     R"sql(
-- Search over every comment filtered by one rule's enforced reasons, one
-- effective label, or a range of received time or score (schema.cc,
-- migration 12): the planner reads the narrowest of these.
CREATE INDEX reasons_search_rule ON reasons (rule_id, comment_id) WHERE shadow = 0;
CREATE INDEX labels_search ON labels (label, comment_id) WHERE undone = 0;
CREATE INDEX comments_search_received ON comments (received_at_ms, id);
CREATE INDEX comments_search_score ON comments (score, id);
)sql"},
    {7, "saved views of the queue and the search, per token",
     R"sql(
-- A moderator's named filter sets (schema.cc, migration 13).
CREATE TABLE saved_views (
  id            BIGSERIAL PRIMARY KEY,
  token_id      BIGINT  NOT NULL REFERENCES tokens (id) ON DELETE CASCADE,
  kind          TEXT    NOT NULL CHECK (kind IN ('queue', 'search')),
  name          TEXT    NOT NULL CHECK (name <> ''),
  filter_json   TEXT    NOT NULL DEFAULT '{}' CHECK (filter_json::json IS NOT NULL),
  created_at_ms BIGINT  NOT NULL,
  updated_at_ms BIGINT  NOT NULL,
  UNIQUE (token_id, kind, name)
);
)sql"},
    {8, "review queue: each queued comment's enforced rules (queue_rules)",
     R"sql(
-- The enforced rules of the queued comments (schema.cc, migration 14), kept
-- by the queue triggers of step 2: a queue filter on a rule joins it, and the
-- planner reads the rule's items instead of walking the queue.
CREATE TABLE queue_rules (
  rule_id    TEXT   NOT NULL,
  comment_id BIGINT NOT NULL,
  PRIMARY KEY (rule_id, comment_id)
);

CREATE OR REPLACE FUNCTION moderated_queue_delta(r comments, sign bigint) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  kind text := CASE WHEN r.status = 'pending' THEN 'pending' ELSE 'spot_check' END;
BEGIN
  IF NOT (r.status = 'pending' OR r.spot_check = 1) THEN
    RETURN;
  END IF;
  INSERT INTO queue_count_deltas (site, review, dim, key, n)
    SELECT r.site, kind, d.dim, d.key, sign FROM (
      SELECT 'total' AS dim, '' AS key
      UNION ALL SELECT 'language', r.language
      UNION ALL SELECT 'label', moderated_queue_label(r.labels_json)
      UNION ALL SELECT DISTINCT 'rule', rs.rule_id FROM reasons rs
        WHERE rs.comment_id = r.id AND rs.shadow = 0) d;
  IF sign > 0 THEN
    INSERT INTO queue_rules (rule_id, comment_id)
      SELECT DISTINCT rs.rule_id, r.id FROM reasons rs WHERE rs.comment_id = r.id AND rs.shadow = 0
      ON CONFLICT DO NOTHING;
  ELSE
    DELETE FROM queue_rules WHERE comment_id = r.id
      AND rule_id IN (SELECT rs.rule_id FROM reasons rs WHERE rs.comment_id = r.id AND rs.shadow = 0);
  END IF;
END $$;

CREATE OR REPLACE FUNCTION moderated_queue_reason() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO queue_count_deltas (site, review, dim, key, n)
    SELECT c.site, CASE WHEN c.status = 'pending' THEN 'pending' ELSE 'spot_check' END,
           'rule', NEW.rule_id, 1
    FROM comments c
    WHERE c.id = NEW.comment_id AND (c.status = 'pending' OR c.spot_check = 1)
      AND NOT EXISTS (SELECT 1 FROM reasons r WHERE r.comment_id = NEW.comment_id
                      AND r.rule_id = NEW.rule_id AND r.shadow = 0
                      AND r.ordinal < NEW.ordinal);
  IF FOUND THEN
    INSERT INTO queue_rules (rule_id, comment_id) VALUES (NEW.rule_id, NEW.comment_id)
      ON CONFLICT DO NOTHING;
  END IF;
  RETURN NEW;
END $$;

-- What is queued already.
INSERT INTO queue_rules (rule_id, comment_id)
  SELECT DISTINCT r.rule_id, c.id FROM comments c JOIN reasons r ON r.comment_id = c.id AND r.shadow = 0
  WHERE (c.status = 'pending' OR c.spot_check = 1);
)sql"},
};

}  // namespace

std::span<const PgMigration> PgMigrations() { return kPgMigrations; }

}  // namespace moderated::storage::internal

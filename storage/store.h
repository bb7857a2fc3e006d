// storage/store.h
//
// Store: the durable record of comments and their verdicts. An abstract
// interface with two backends chosen by the database URL (Store::Open):
// SQLite (storage/sqlite/store.h, the embedded default) and PostgreSQL
// (storage/postgres/store.h, libpqxx; several daemons share one database). Neither
// library's headers are reachable from this file.
//
// Thread-safety: a Store is NOT thread-safe. Each Store owns one database
// connection and must be used by one thread at a time. The daemon opens one
// read-write Store for its single writer thread (daemon/decision_writer) and
// separate read-only Stores for readers. WAL mode lets readers run beside the
// writer without blocking it.
//
// Errors are values: every call that can fail returns std::error_code
// (storage::Errc, see errors.h); none throws.
//
// The interface speaks in plain records, not SQL, so that a PostgreSQL
// backend can implement the same calls later.
#ifndef MODERATED_STORAGE_STORE_H_
#define MODERATED_STORAGE_STORE_H_

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <system_error>
#include <vector>

#include "storage/errors.h"

namespace moderated::storage {

// Why a comment got its verdict: one rule that fired.
struct Reason {
  std::string rule_id;
  std::string description;
  std::string field;  // "content", "author.name", ...
  double score = 0;
  int64_t begin = -1;  // byte span in the field as the site sent it; -1 if none
  int64_t end = -1;
  std::string excerpt;
  bool shadow = false;
};

struct Comment {
  int64_t id = 0;  // ours; assigned by InsertBatch

  // As submitted by the site.
  std::string site;
  std::string external_id;  // the site's own id; empty = none (no idempotency)
  std::string thread;
  std::string parent;
  std::string author_name;
  std::string author_email;
  std::string author_url;
  std::string author_ip;
  std::string author_user_agent;
  std::string content;
  std::string created_at;  // as sent (RFC 3339), may be empty
  std::string lang_hint;
  std::string meta_json = "{}";  // a JSON object
  int64_t received_at_ms = 0;    // Unix time in milliseconds

  // The verdict.
  std::string status;  // "approved" | "pending" | "rejected" (current status)
  std::string action;  // "accept" | "hold" | "reject" (the first verdict's action)
  double score = 0;
  std::string labels_json = "{}";  // {"spam":0.97,"abuse":0.02,...}
  std::string language;            // detected code
  bool language_reliable = false;
  std::string rules_version;
  std::string model_version;
  std::vector<Reason> reasons;
  // The response body the site got for the first verdict, returned verbatim
  // when the same (site, external_id) is submitted again.
  std::string verdict_json;
  int64_t updated_at_ms = 0;
  // A spot check: an accepted, published comment sampled for review. Set by
  // the caller of InsertBatch (only with status "approved"); cleared by a
  // decision and by UpdateStatus, restored by Undo.
  bool spot_check = false;
};

struct InsertOutcome {
  int64_t id = 0;          // ours: the new comment's, or the existing one's
  bool duplicate = false;  // (site, external_id) was already stored
  std::string verdict_json;  // for a duplicate: the stored first verdict
};

// A human or site judgement about a comment, for the learning loop
// (training data for the classifier). A comment may have many labels.
struct Label {
  int64_t id = 0;          // ours; assigned by AddLabel
  int64_t comment_id = 0;  // must name a stored comment
  std::string label;       // e.g. "spam", "ham", "abuse"; not empty
  std::string source;      // e.g. "moderator", "site", "import"
  std::string author;      // who labelled it; may be empty
  int64_t created_at_ms = 0;  // Unix time in milliseconds
};

// Tuning for Open(). The defaults suit the daemon.
struct StoreOptions {
  // false: PRAGMA synchronous=NORMAL. With WAL, a commit survives a crash of
  //   the process (or of the daemon being killed), but a power loss or kernel
  //   crash may lose the last commits (never corrupts the file).
  // true: synchronous=FULL, the WAL is fsync'ed at every commit, so a commit
  //   also survives a power loss; costs one fsync per InsertBatch.
  bool synchronous_full = false;
  // How long a call waits for a lock held by another connection before
  // failing with Errc::busy. 0 = fail at once.
  int busy_timeout_ms = 5000;
  // true: SQLite checkpoints the WAL into the database file itself, on the
  //   committing connection, whenever a commit leaves the WAL at 1000 pages
  //   or more: that commit's caller waits for the copy and its fsyncs.
  // false: this connection never checkpoints on its own; wal_frames() tells
  //   how large the WAL has grown, and another read-write Store (a
  //   background thread) calls Checkpoint(). The daemon's writer does this
  //   so that checkpoint I/O stays off the path of a commit. Ignored for
  //   read-only stores.
  bool auto_checkpoint = true;
  // Caps the database at this many pages (PRAGMA max_page_count; 0 = no
  // cap): a write that needs more fails with Errc::disk_full, exactly as
  // when the disk is full. Pages freed by deletes are reused.
  int64_t max_pages = 0;
  // PostgreSQL only: the session's statement_timeout (a statement running
  // longer is cancelled: Errc::busy). 0 = none.
  int statement_timeout_ms = 30000;
};

// What Store::Checkpoint did, in WAL frames (one frame = one page).
struct CheckpointResult {
  int64_t wal_frames = 0;    // frames in the WAL when the checkpoint ran
  int64_t checkpointed = 0;  // frames now copied into the database file
};

// A version of the rules text, as stored by PUT /v1/admin/rules.
struct RulesVersion {
  int64_t id = 0;
  std::string text;
  std::string author;
  std::string comment;
  int64_t created_at_ms = 0;
  bool active = false;
};

// An API token. Only its SHA-256 is stored (`hash`, 32 raw bytes).
struct Token {
  int64_t id = 0;
  std::string name;
  std::string role;               // "site" | "moderator" | "admin"
  std::string sites_json = "[]";  // JSON array of site names
  std::string hash;
  std::string prefix;  // the token's first characters, for display
  int64_t created_at_ms = 0;
  std::string created_by;
  int64_t revoked_at_ms = 0;  // 0 = active
  int64_t last_used_at_ms = 0;
};

// One audit-log entry: who did what to which target, with JSON snapshots of
// the state before and after ("null" where there is none).
struct AuditEntry {
  int64_t id = 0;
  int64_t at_ms = 0;
  std::string actor;
  std::string action;  // e.g. "token.create", "rules.update", "comment.decide"
  std::string target;
  std::string before_json = "null";
  std::string after_json = "null";
};

// --- Sites, audit queries and the webhook outbox (records; sqlite/admin.cc) ---

// One entry of the site registry. Thresholds absent (nullopt) fall back to
// the rule file's. The secret is stored as given (it signs webhooks, so it
// cannot be hashed).
struct Site {
  std::string name;
  std::optional<double> hold_at;
  std::optional<double> reject_at;
  // JSON array of language codes ([] = every language), or "null" = the
  // rule file's list.
  std::string languages_json = "null";
  std::string webhook_url;            // "" = no webhooks
  std::string webhook_secret;
  int64_t retention_days = 0;  // 0 = keep forever
  // "low" | "normal" | "high"; nullopt = the rule file's. PutSite fails
  // with Errc::constraint for any other value.
  std::optional<std::string> sensitivity;
  // Share of accepted comments sampled as spot checks, in [0, 1]; nullopt =
  // the rule file's. Errc::constraint outside [0, 1].
  std::optional<double> spot_check;
  int64_t created_at_ms = 0;   // kept by PutSite when the site exists
  int64_t updated_at_ms = 0;
};

// Filters for QueryAudit. Empty strings and 0 mean "any".
struct AuditQuery {
  std::string action;      // exact, or a prefix when it ends with '.' ("token.")
  std::string actor;       // exact
  std::string target;      // exact
  int64_t since_ms = 0;    // at_ms >= since_ms
  int64_t until_ms = 0;    // at_ms < until_ms
  int64_t before_id = 0;   // cursor: only entries with id < before_id
  int64_t limit = 100;     // at most this many entries
};

// A webhook delivery (table outbox). Written by the decision transaction,
// delivered by daemon/webhooks.
struct OutboxEvent {
  int64_t id = 0;
  std::string event_id;  // unique; receivers dedupe by it
  std::string site;
  std::string url;
  std::string payload;  // the JSON body, sent byte for byte
  int64_t attempts = 0;
  int64_t next_attempt_at_ms = 0;
  int64_t delivered_at_ms = 0;  // 0 = not yet
  std::string last_error;
  int64_t created_at_ms = 0;
};

// --- Review queue (records; sqlite/queue.cc) ---

// Which comments a queue listing or count covers: pending comments and spot
// checks (Comment::spot_check; a comment that is both counts as pending).
// Unset fields do not filter.
struct QueueFilter {
  // "pending" | "spot_check": only that kind of item; "" = both.
  std::string review;
  // Only comments of these sites (an empty list matches nothing); nullopt =
  // every site.
  std::optional<std::vector<std::string>> sites;
  std::string language;  // detected language code; "" = any
  // "spam" | "abuse" | "ham": the most probable of the three classifier
  // labels (ties: ham, then spam); "" = any.
  std::string label;
  std::optional<double> min_score;  // score >= min_score
  std::optional<double> max_score;  // score <= max_score
  std::string rule;                 // an enforced (not shadow) reason's rule id; "" = any
  std::optional<int64_t> received_at_most_ms;   // received_at_ms <= this (min_age)
  std::optional<int64_t> received_at_least_ms;  // received_at_ms >= this (max_age)
  std::string author_email;  // equal, ignoring case; "" = any
  std::string author_ip;     // equal; "" = any
  // A substring of the content, of at least kMinSearchTextChars characters
  // (a shorter one matches nothing); case is ignored (every alphabet's
  // letters); "" = any. Found through a text index on both backends
  // (SQLite FTS5 trigram, PostgreSQL pg_trgm), see docs/storage.md.
  std::string text;

  // Whether anything beyond sites and review narrows the queue (then counts
  // are taken from the matching comments, up to a cap, not the kept counts).
  bool NarrowsBeyondSites() const {
    return !language.empty() || !label.empty() || min_score || max_score || !rule.empty() ||
           received_at_most_ms || received_at_least_ms || !author_email.empty() ||
           !author_ip.empty() || !text.empty();
  }
};

// The shortest text filter (QueueFilter::text, SearchFilter::text), in
// Unicode characters: both text indexes are of trigrams.
constexpr int64_t kMinSearchTextChars = 3;

// Which comments SearchComments lists: every stored comment, whatever its
// status. Unset fields do not filter.
struct SearchFilter {
  // Only comments of these sites (an empty list matches nothing); nullopt =
  // every site.
  std::optional<std::vector<std::string>> sites;
  std::string status;        // "approved" | "pending" | "rejected"; "" = any
  std::string text;          // as QueueFilter::text
  std::string author_email;  // equal, ignoring case; "" = any
  std::string author_ip;     // equal; "" = any
  std::string thread;        // equal; "" = any
  std::string language;      // detected language code; "" = any
  // "spam" | "abuse" | "ham": the comment's effective human label, its
  // latest not-undone one of the three (a moderator's decision, a site's
  // report, an import; ScanLabelledComments reads the same); "" = any.
  // Unlike QueueFilter::label (the classifier's), so that what moderators
  // and sites said can be found again.
  std::string label;
  std::string rule;                  // an enforced (not shadow) reason's rule id; "" = any
  std::optional<double> min_score;   // score >= min_score
  std::optional<double> max_score;   // score <= max_score
  std::optional<int64_t> received_since_ms;  // received_at_ms >= this
  std::optional<int64_t> received_until_ms;  // received_at_ms < this
};

// A named filter set a moderator saved for the queue or the search page:
// theirs alone (keyed by the token they signed in with), applied by the
// console. The filter is the page's query parameters as a JSON object of
// strings, checked by the API before it is stored.
struct SavedView {
  int64_t id = 0;        // ours; assigned by PutSavedView
  int64_t token_id = 0;  // whose: Token::id
  std::string kind;      // "queue" | "search"
  std::string name;      // unique per token and kind
  std::string filter_json = "{}";
  int64_t created_at_ms = 0;
  int64_t updated_at_ms = 0;
};

// Queue order. Oldest/newest follow our ids (arrival order); the score
// orders break ties by id, oldest first.
enum class QueueOrder { kOldest, kNewest, kScoreDesc, kScoreAsc };

// The sort key of the last item of a page: the next page starts after it.
struct QueuePosition {
  double score = 0;  // used by the score orders only
  int64_t id = 0;
};

// Counts over a QueueFilter (ignoring pages). by_rule counts comments with
// at least one enforced reason of that rule.
//
// Without filters beyond sites and review the counts are exact whatever the
// backlog (kept by the writer). With them, the counts cover the oldest
// kQueueCountCap matching comments: `exact` is false when more match. The
// cap bounds what every filtered listing reads beside its page (each
// counted comment is a row and its reasons): 1,000 keeps that within a
// few milliseconds (docs/benchmarks.md); the exact number, when an action
// needs it, is CountQueueExact's.
constexpr int64_t kQueueCountCap = 1'000;
struct QueueCounts {
  int64_t total = 0;
  bool exact = true;
  std::map<std::string, int64_t> by_review;  // "pending", "spot_check"
  std::map<std::string, int64_t> by_site;
  std::map<std::string, int64_t> by_language;
  std::map<std::string, int64_t> by_label;
  std::map<std::string, int64_t> by_rule;

  // Backends fill it from rows: AddMatched from the matching comments
  // (dim "site", "review", "language", "label" or "rule"), AddKept from the
  // kept counts (dim "total", "language", "label" or "rule", of one site and
  // review kind); then Finish sets `total` (and `exact`).
  void AddMatched(const std::string& dim, const std::string& key, int64_t n);
  void AddKept(const std::string& site, const std::string& review, const std::string& dim,
               const std::string& key, int64_t n);
  void Finish(bool matched);
};

// A review lease on one comment.
struct Claim {
  int64_t comment_id = 0;
  std::string actor;
  int64_t expires_at_ms = 0;
};

// One row of the decisions table.
struct Decision {
  int64_t id = 0;
  int64_t comment_id = 0;
  std::string decision;  // approve | reject | spam | abuse | undo
  std::string previous_status;
  std::string new_status;
  std::string note;
  std::string actor;
  int64_t created_at_ms = 0;
  bool undone = false;
  bool spot_check = false;  // the comment was a spot check when decided
};

// A label with its review state (History).
struct ReviewLabel {
  Label label;
  bool undone = false;      // its decision was undone: training ignores it
  int64_t decision_id = 0;  // the decision that made it; 0 = none
};

// Comments of one author: how many are in each status.
struct Reputation {
  int64_t approved = 0;
  int64_t rejected = 0;
  int64_t pending = 0;
};

// What a queue page shows beside one comment (Store::GetQueueExtras).
struct QueueExtras {
  std::optional<Claim> claim;  // the unexpired claim, if any
  Reputation email;            // the author's comments by e-mail ...
  Reputation ip;               // ... and by IP
};

// What a review write did. Everything but kDone wrote nothing.
enum class ReviewOutcome {
  kDone,
  kNotFound,          // no such comment
  kClaimedByOther,    // another actor holds an unexpired claim (see `claim`)
  kNothingToUndo,     // Undo: the actor has no decision left to undo
  kUndoWindowPassed,  // Undo: the latest one is older than the window
};

// A decision (or an undo) by `actor` at `now_ms`.
struct DecideRequest {
  int64_t comment_id = 0;
  std::string decision;  // approve | reject | spam | abuse (ignored by Undo)
  std::string note;
  std::string actor;
  int64_t now_ms = 0;
  // The webhook event written to the outbox when the comment's site has a
  // webhook_url: a unique id and now_ms as RFC 3339 for the payload.
  std::string event_id;
  std::string event_time;
  // The bulk action (BulkAction::id) this decision is part of; 0 = none.
  // Stored in decisions.bulk_id so that UndoBulkDecisions finds it.
  int64_t bulk_id = 0;
};

struct DecideResult {
  ReviewOutcome outcome = ReviewOutcome::kDone;
  Decision decision;      // kDone: the new decisions row
  Claim claim;            // kClaimedByOther: who holds it
  Decision undone;        // Undo, kDone: the decision it undid
  int64_t outbox_id = 0;  // kDone: the outbox row; 0 = the site has no webhook
};

// One bulk action on the review queue (POST /v1/queue/bulk; table
// bulk_actions; sqlite/queue.cc, postgres/store.cc): a decision applied to every queue item a
// filter matched, in batches, and possibly undone later, also in batches.
struct BulkAction {
  int64_t id = 0;  // ours; assigned by AddBulkAction
  std::string actor;
  std::string decision;  // approve | reject | spam | abuse
  std::string note;
  std::string filter_json = "{}";  // the filter as the request gave it (a JSON object)
  // "running" | "done" | "failed" | "undoing" | "undone" (the schema checks it).
  std::string state = "running";
  int64_t matched = 0;  // queue items the filter matched when the action started
  int64_t decided = 0;  // decisions written so far
  int64_t skipped = 0;  // matched items left alone (claimed by another actor)
  int64_t undone = 0;   // decisions undone by the undo
  std::string error;    // why it failed ("" unless state is "failed")
  std::string undone_by;  // who undid it ("" = nobody)
  int64_t created_at_ms = 0;
  int64_t updated_at_ms = 0;
};

// --- Models (records; sqlite/models.cc) ---

// A trained classifier model version (table models). At most one is active
// per site; site "" is the base model every site shares.
struct ModelVersion {
  int64_t id = 0;            // ours; assigned by AddModel
  std::string site;          // "" = the base model; else the one site it serves
  std::string version;       // "ft-…" (base) or "site-…"
  std::string bytes;         // the model file (.ftz/.bin); empty from ListModels
  // Base model: its calibration JSON (classifiers/calibration.h); site
  // model: its combiner JSON (classifiers/site_combiner.h). "" = none.
  std::string calibration;
  int64_t size_bytes = 0;    // length of `bytes` (filled by ListModels and GetModel)
  std::string report_json = "{}";  // a JSON object: evaluation reports, gate
  std::string author;
  std::string note;
  int64_t created_at_ms = 0;
  bool active = false;
};

// One labelled comment for training (ScanLabelledComments).
struct LabelledComment {
  int64_t comment_id = 0;
  std::string content;   // as the site sent it
  std::string label;     // "ham" | "spam" | "abuse"
  std::string site;
  std::string language;  // detected language code ("" if none)
};

// --- Retention and privacy (records; sqlite/retention.cc) ---

// Which decided comments a retention purge covers: status approved or
// rejected (never pending), and both received and last updated before
// cutoff_ms.
struct PurgeFilter {
  std::string site;  // exact site; "" = every site
  // With site "": leave out sites whose sites.retention_days > 0 (they have
  // their own policy).
  bool skip_sites_with_retention = false;
  int64_t cutoff_ms = 0;
};

// What ForgetAuthor deleted.
struct ForgetResult {
  int64_t comments = 0;       // with their reasons, labels, decisions, claims
  int64_t outbox = 0;         // webhook events mentioning the e-mail or those comments
  int64_t audit_redacted = 0;  // audit entries whose JSON had the e-mail replaced
};

class Store {
 public:
  enum class OpenMode { kReadWrite, kReadOnly };

  // Opens the database named by `url` (see ParseDatabaseUrl): a SQLite file
  // or a PostgreSQL database. For SQLite:
  // opens (read-write: creates if missing, sets WAL, migrates the schema to
  // the current version with PRAGMA user_version) the database at `path`.
  // Read-only opens (SQLITE_OPEN_READONLY) never create or migrate; they fail
  // if the file is missing or its schema is newer or older than this build's,
  // and their write calls return Errc::read_only.
  // On failure returns nullptr and sets *error to one line naming the file.
  static std::unique_ptr<Store> Open(const std::string& path, OpenMode mode, std::string* error);
  // The same with explicit options. Error lines look like
  //   "/var/lib/moderated/db.sqlite: database schema version 9 is newer than this build's 2"
  //   "/var/lib/moderated/db.sqlite: file is not a database"
  static std::unique_ptr<Store> Open(const std::string& path, OpenMode mode,
                                     const StoreOptions& options, std::string* error);

  virtual ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // The schema version this build writes (PRAGMA user_version).
  static int CurrentSchemaVersion();

  // The schema version of the database file at `path`, read without
  // creating, changing or migrating anything: lets a caller see that Open()
  // is about to migrate (which may take minutes on a large file).
  // Errc::not_found if there is no such file.
  static std::error_code FileSchemaVersion(const std::string& path, int* version);

  // Stores every comment in `comments` with its verdict and reasons in ONE
  // transaction (BEGIN IMMEDIATE ... COMMIT), assigning ids. A comment whose
  // (site, external_id) is already stored, in the database or earlier in the
  // same batch, is not stored again: its outcome is duplicate with the first
  // one's id and verdict_json. On error nothing of the batch is stored.
  // outcomes->size() == comments.size() on success (outcomes may be null).
  // A comment with an empty external_id is never a duplicate. Fields are
  // checked by the schema: status/action must be one of the values listed in
  // Comment, meta_json/labels_json must be valid JSON (Errc::constraint).
  // `id` and `reasons` order are taken as given (id is ignored; reasons keep
  // their order).
  virtual std::error_code InsertBatch(std::span<const Comment> comments,
                              std::vector<InsertOutcome>* outcomes) = 0;

  // Frames in the WAL after this connection's last commit; tracked only when
  // the store was opened with auto_checkpoint = false (else 0). Any thread.
  virtual int64_t wal_frames() const { return 0; }

  // Copies the WAL into the database file (sqlite3_wal_checkpoint_v2).
  // kPassive never waits: it copies what no reader still needs and returns
  // while writers go on appending. kRestart waits until no writer is active
  // and every reader sees the latest commit, copies everything, and makes
  // the next writer start the WAL over from its beginning (so the file stops
  // growing); writers wait meanwhile. It waits at most `max_wait_ms`
  // (negative: StoreOptions::busy_timeout_ms), then returns Errc::busy
  // having copied what it could, as kPassive does.
  enum class CheckpointMode { kPassive, kRestart };
  // PostgreSQL has no WAL file of ours to copy: it reports nothing done.
  virtual std::error_code Checkpoint(CheckpointMode /*mode*/, CheckpointResult* out,
                                     int /*max_wait_ms*/ = -1) {
    *out = CheckpointResult();
    return {};
  }

  // Reads one comment with its reasons. Errc::not_found if there is none.
  virtual std::error_code Get(int64_t id, Comment* out) = 0;

  // Calls `fn` for each comment with from_id <= id <= to_id in id order
  // (reasons not loaded), until it returns false. For backtests.
  // The Comment passed to `fn` is reused between calls: copy what you keep.
  // `fn` may call the other read methods of this Store (Get, Count, ...) but
  // not Scan itself (that returns Errc::internal).
  virtual std::error_code Scan(int64_t from_id, int64_t to_id,
                       const std::function<bool(const Comment&)>& fn) = 0;

  // Number of stored comments.
  virtual std::error_code Count(int64_t* out) = 0;

  // Sets the current status ("approved" | "pending" | "rejected") and
  // updated_at_ms of comment `id`, and clears its spot check (a site's own
  // correction answers it). Errc::not_found if there is no such comment,
  // Errc::constraint for any other status value.
  virtual std::error_code UpdateStatus(int64_t id, const std::string& status, int64_t updated_at_ms) = 0;

  // Labels. AddLabel stores `label` (its id is ignored) and sets *id.
  // Errc::not_found if label.comment_id names no comment; Errc::constraint if
  // label.label is empty. ListLabels returns the labels of one comment,
  // oldest first (an empty list for an unknown comment).
  virtual std::error_code AddLabel(const Label& label, int64_t* id) = 0;
  virtual std::error_code ListLabels(int64_t comment_id, std::vector<Label>* out) = 0;

  // API tokens (sqlite/tokens.cc). FindTokenByHash returns revoked tokens
  // too (the caller checks revoked_at_ms); Errc::not_found if none.
  virtual std::error_code AddToken(const Token& token, int64_t* id) = 0;
  virtual std::error_code FindTokenByHash(const std::string& hash, Token* out) = 0;
  // ListTokens: oldest first, hash empty. RevokeToken: not_found if missing
  // or revoked. TouchToken sets last_used_at_ms.
  virtual std::error_code ListTokens(std::vector<Token>* out) = 0;
  virtual std::error_code RevokeToken(int64_t id, int64_t at_ms) = 0;
  virtual std::error_code TouchToken(int64_t id, int64_t at_ms) = 0;

  // Audit log (sqlite/tokens.cc). Appends one entry.
  virtual std::error_code AppendAudit(const AuditEntry& entry, int64_t* id = nullptr) = 0;

  // Rules versions. AddRulesVersion stores `text` as a new version and makes it
  // the active one; Activate marks an existing version active (rollback).
  virtual std::error_code AddRulesVersion(const RulesVersion& version, int64_t* id) = 0;
  virtual std::error_code ActivateRulesVersion(int64_t id) = 0;
  // ListRulesVersions: newest first, text empty.
  virtual std::error_code ListRulesVersions(std::vector<RulesVersion>* out) = 0;
  virtual std::error_code GetRulesVersion(int64_t id, RulesVersion* out) = 0;
  // The active version; Errc::not_found if none was ever stored.
  virtual std::error_code ActiveRulesVersion(RulesVersion* out) = 0;

  // --- Sites, audit queries and the webhook outbox (sqlite/admin.cc) ---
  // Site registry. ListSites: every site, by name. GetSite: Errc::not_found
  // if there is none. PutSite creates or replaces `site` (keeping the stored
  // created_at_ms of an existing one) and appends `audit`, in ONE
  // transaction; *created tells which it was (may be null). DeleteSite
  // removes it and appends `audit` in one transaction; Errc::not_found (and
  // no audit entry) if there is no such site.
  virtual std::error_code ListSites(std::vector<Site>* out) = 0;
  virtual std::error_code GetSite(const std::string& name, Site* out) = 0;
  virtual std::error_code PutSite(const Site& site, const AuditEntry& audit, bool* created) = 0;
  virtual std::error_code DeleteSite(const std::string& name, const AuditEntry& audit) = 0;

  // Audit entries matching `query`, newest (highest id) first, at most
  // query.limit of them.
  virtual std::error_code QueryAudit(const AuditQuery& query, std::vector<AuditEntry>* out) = 0;

  // Webhook outbox. AddOutboxEvent stores `event` (id ignored; Errc::constraint
  // for a repeated event_id) and sets *id. DueOutboxEvents: undelivered events
  // with next_attempt_at_ms <= now_ms, the most overdue first, at most
  // `limit`. MarkOutboxDelivered sets delivered_at_ms and attempts + 1;
  // MarkOutboxFailed sets attempts + 1, next_attempt_at_ms and last_error.
  // Both return Errc::not_found for an unknown or already delivered id.
  // GetOutboxEvent reads one by event_id (Errc::not_found if none).
  virtual std::error_code AddOutboxEvent(const OutboxEvent& event, int64_t* id) = 0;
  virtual std::error_code DueOutboxEvents(int64_t now_ms, int64_t limit, std::vector<OutboxEvent>* out) = 0;
  virtual std::error_code MarkOutboxDelivered(int64_t id, int64_t at_ms) = 0;
  virtual std::error_code MarkOutboxFailed(int64_t id, int64_t next_attempt_at_ms,
                                   const std::string& error) = 0;
  virtual std::error_code GetOutboxEvent(const std::string& event_id, OutboxEvent* out) = 0;
  // Undelivered events: *pending will be tried again (next_attempt_at_ms <
  // `gave_up_at_ms`), *gave_up will not.
  virtual std::error_code CountUndelivered(int64_t gave_up_at_ms, int64_t* pending,
                                           int64_t* gave_up) = 0;

  // --- Review queue (sqlite/queue.cc) ---
  // Pending comments and spot checks matching `filter` in `order`, starting
  // after `after` (nullopt: from the start), at most `limit`, with their
  // reasons. Both kinds are read through indexes (comments_status,
  // comments_spot_check), never by scanning the table.
  virtual std::error_code ListQueue(const QueueFilter& filter, QueueOrder order,
                            const std::optional<QueuePosition>& after, int64_t limit,
                            std::vector<Comment>* out) = 0;
  virtual std::error_code CountQueue(const QueueFilter& filter, QueueCounts* out) = 0;

  // --- Search over every comment (sqlite/search.cc, postgres/store.cc) ---
  // Comments matching `filter` with id < before_id (0 = from the newest),
  // newest first, at most `limit`, with their reasons. The most selective
  // filter given drives the read (text, e-mail, IP, thread, rule, label,
  // status, date, score, in this order) through its index; the others are
  // checked on the rows it gives. The date and score paths read their range
  // of the index and sort it by id; the others read in id order.
  virtual std::error_code SearchComments(const SearchFilter& filter, int64_t before_id,
                                         int64_t limit, std::vector<Comment>* out) = 0;

  // --- Saved views (sqlite/views.cc, postgres/store.cc) ---
  // PutSavedView stores `view` (id and created_at_ms ignored) under its
  // (token_id, kind, name): a new view, or the filter and updated_at_ms of
  // the one already there (*created tells which; may be null); *stored is
  // the row as stored now. Errc::constraint for an unknown token_id or kind.
  // ListSavedViews: the views of `token_id`, of `kind` ("" = both), by kind
  // and name. DeleteSavedView: Errc::not_found unless view `id` is
  // `token_id`'s. Revoking a token keeps its views; deleting it drops them.
  virtual std::error_code PutSavedView(const SavedView& view, SavedView* stored,
                                       bool* created) = 0;
  virtual std::error_code ListSavedViews(int64_t token_id, const std::string& kind,
                                         std::vector<SavedView>* out) = 0;
  virtual std::error_code DeleteSavedView(int64_t token_id, int64_t id) = 0;

  // --- Text index upkeep (sqlite/search.cc; docs/storage.md, "Text search") ---
  // SQLite writes a comment into its text index after the comment's own
  // transaction, in chunks: this adds the next (oldest) `max_rows` comments
  // not yet indexed in one transaction and sets *indexed to how many it
  // added and *remaining to how many are still left (0 = caught up). Until
  // then a text filter scans those rows instead, so results never depend on
  // it; only their cost does. Call it from the writer (read-write store
  // only). PostgreSQL's index is kept by each write: *indexed = *remaining
  // = 0 at once.
  virtual std::error_code IndexText(int64_t max_rows, int64_t* indexed, int64_t* remaining) = 0;

  // The unexpired claim on a comment (nullopt if none).
  virtual std::error_code GetClaim(int64_t comment_id, int64_t now_ms, std::optional<Claim>* out) = 0;
  // Claims comment `comment_id` for `actor` until `expires_at_ms` (a claim by
  // the same actor is extended or shortened). *outcome: kDone (*claim = the
  // new one), kNotFound, or kClaimedByOther (*claim = the holder's).
  virtual std::error_code ClaimComment(int64_t comment_id, const std::string& actor, int64_t now_ms,
                               int64_t expires_at_ms, ReviewOutcome* outcome, Claim* claim) = 0;
  // Drops `actor`'s claim, or an expired one. kDone also when there was none;
  // kClaimedByOther (*holder set) if another actor holds it.
  virtual std::error_code ReleaseClaim(int64_t comment_id, const std::string& actor, int64_t now_ms,
                               ReviewOutcome* outcome, Claim* holder) = 0;

  // Records a moderator decision in ONE transaction (BEGIN IMMEDIATE ...
  // COMMIT): a decisions row (with spot_check: whether the comment was one);
  // the comment's status (approve → approved, otherwise rejected),
  // updated_at_ms and spot check cleared; a labels row (source "moderator",
  // author = actor; approve → ham, reject → rejected, spam → spam, abuse →
  // abuse); an audit_log row "comment.decide" with before/after status; the
  // claim released; and, if the comment's site has a webhook_url in `sites`,
  // an outbox row "comment.decided". Fails with kClaimedByOther if another
  // actor holds an unexpired claim. On any error nothing is written.
  virtual std::error_code Decide(const DecideRequest& request, DecideResult* result) = 0;
  // The same for several requests in ONE transaction; each gets its own
  // outcome (a kNotFound or kClaimedByOther item writes nothing, the others
  // are committed). On an error nothing is written.
  virtual std::error_code DecideMany(std::span<const DecideRequest> requests,
                             std::vector<DecideResult>* results) = 0;
  // Undoes `request.actor`'s latest not-undone decision on the comment if it
  // was made at or after now_ms - window_ms, in ONE transaction: status back
  // to its previous_status (and the spot check back if the undone decision
  // was on one), the decision and its label marked undone, a new
  // decisions row "undo" and labels row "undo", audit "comment.undo", and an
  // outbox row "comment.undone" if the site has a webhook_url.
  // kNothingToUndo / kUndoWindowPassed write nothing.
  virtual std::error_code Undo(const DecideRequest& request, int64_t window_ms, DecideResult* result) = 0;

  // --- Bulk actions on the queue (sqlite/queue.cc, postgres/store.cc) ---
  // The ids of the queue items matching `filter`, oldest first, after id
  // `after_id` (0 = from the start), at most `limit`: the ListQueue oldest
  // order without reading the comments. CountQueueExact: how many items
  // match, exactly (no cap; reads the matching index entries).
  virtual std::error_code ListQueueIds(const QueueFilter& filter, int64_t after_id, int64_t limit,
                                       std::vector<int64_t>* out) = 0;
  virtual std::error_code CountQueueExact(const QueueFilter& filter, int64_t* out) = 0;
  // AddBulkAction stores `action` (id ignored) and sets *id.
  // UpdateBulkAction writes state, counts, error, undone_by and
  // updated_at_ms of action.id if its stored state is `expected_state`
  // (*updated tells), appending `audit` (may be null) in the same
  // transaction when it does. GetBulkAction: Errc::not_found if none.
  virtual std::error_code AddBulkAction(const BulkAction& action, int64_t* id) = 0;
  virtual std::error_code UpdateBulkAction(const BulkAction& action,
                                           const std::string& expected_state,
                                           const AuditEntry* audit, bool* updated) = 0;
  virtual std::error_code GetBulkAction(int64_t id, BulkAction* out) = 0;
  // The actions still "running" or "undoing" whose last write is older than
  // `updated_before_ms` (a live run writes after every batch), by id, at
  // most `limit`.
  virtual std::error_code ListStalledBulkActions(int64_t updated_before_ms, int64_t limit,
                                                 std::vector<BulkAction>* out) = 0;
  // The not-undone decisions of bulk action `bulk_id` with id > after_id,
  // by id, at most `limit`.
  virtual std::error_code ListBulkDecisions(int64_t bulk_id, int64_t after_id, int64_t limit,
                                            std::vector<Decision>* out) = 0;
  // Undoes, in ONE transaction, for each request's comment, the decision of
  // bulk action `bulk_id` on it, if it is still the comment's latest
  // decision (nobody decided or undid it since): exactly what Undo writes
  // (status back, spot check back, decision and label marked undone, an
  // "undo" decision and label, audit "comment.undo", outbox
  // "comment.undone"), by request.actor. Otherwise the outcome is
  // kNothingToUndo and nothing is written for it; kNotFound for a comment
  // that is gone.
  virtual std::error_code UndoBulkDecisions(int64_t bulk_id,
                                            std::span<const DecideRequest> requests,
                                            std::vector<DecideResult>* results) = 0;

  // A comment's decisions and labels, oldest first.
  virtual std::error_code History(int64_t comment_id, std::vector<Decision>* decisions,
                          std::vector<ReviewLabel>* labels) = 0;

  // For each of `comments` (a queue page), its unexpired claim and its
  // author's reputation by e-mail and IP over `sites`, each count capped at
  // `cap` (> 0), in the comments' order: what GetClaim and GetReputation
  // give one comment at a time, read for the whole page at once (PostgreSQL:
  // three statements a page instead of three an item).
  virtual std::error_code GetQueueExtras(std::span<const Comment> comments, int64_t now_ms,
                                         const std::optional<std::vector<std::string>>& sites,
                                         int64_t cap, std::vector<QueueExtras>* out) = 0;
  // Comments by author e-mail / IP per status, over `sites` (nullopt: all).
  // An empty email or ip counts nothing. With `cap` > 0 each count stops at
  // cap: a bounded read however many comments one address has (a carrier
  // NAT's IP may have millions), for rules on the request path.
  virtual std::error_code GetReputation(const std::string& email, const std::string& ip,
                                const std::optional<std::vector<std::string>>& sites,
                                Reputation* by_email, Reputation* by_ip, int64_t cap = 0) = 0;

  // Polling: comments of `site` with updated_at_ms >= since_ms, ordered by
  // (updated_at_ms, id), starting after `after` (its updated_at_ms and id;
  // nullopt = from since_ms), at most `limit`. Only id, site, external_id,
  // status and updated_at_ms are filled.
  virtual std::error_code ListChanged(const std::string& site, int64_t since_ms,
                              const std::optional<std::pair<int64_t, int64_t>>& after,
                              int64_t limit, std::vector<Comment>* out) = 0;

  // --- Akismet and spamc adapters (sqlite/akismet.cc) ---
  // The newest comment of `site` received at or after `since_ms` whose
  // content equals `content` exactly and, if `author_email` is not empty,
  // whose author_email equals it (else, if `author_ip` is not empty, whose
  // author_ip equals it). For submit-spam/submit-ham and TELL, which send a
  // comment again instead of its id. Errc::not_found if there is none.
  virtual std::error_code FindResubmitted(const std::string& site, const std::string& content,
                                  const std::string& author_email, const std::string& author_ip,
                                  int64_t since_ms, int64_t* id) = 0;
  // The comment of `site` stored with `external_id` (not empty): its id and
  // verdict_json, for answering a retry with the first verdict before
  // evaluating it again. Errc::not_found if there is none.
  virtual std::error_code FindByExternalId(const std::string& site,
                                           const std::string& external_id, int64_t* id,
                                           std::string* verdict_json) = 0;
  // What happened to the comments of `site` received in [from_ms, to_ms):
  // Akismet's key-sites report.
  struct SiteActivity {
    int64_t received = 0;
    int64_t rejected = 0;       // status rejected now
    int64_t approved = 0;       // status approved now
    int64_t reported_spam = 0;  // with a "spam" label from source "akismet"
    int64_t reported_ham = 0;   // with a "ham" label from source "akismet"
  };
  virtual std::error_code CountSiteActivity(const std::string& site, int64_t from_ms,
                                            int64_t to_ms, SiteActivity* out) = 0;
  // Number of comments of `site` received at or after `since_ms`.
  virtual std::error_code CountReceivedSince(const std::string& site, int64_t since_ms, int64_t* out) = 0;

  // --- Retention and privacy (sqlite/retention.cc) ---
  // Purging a comment deletes its reasons, labels (training data included),
  // decisions and claims with it (ON DELETE CASCADE); the audit log is kept.
  //
  // CountPurgeable: how many comments `filter` covers now.
  // PurgeDecided: deletes at most `limit` of them (oldest ids first) in ONE
  // transaction and sets *deleted; call again until *deleted < limit, so the
  // writer is never held for long. Errc::constraint if limit <= 0.
  virtual std::error_code CountPurgeable(const PurgeFilter& filter, int64_t* count) = 0;
  virtual std::error_code PurgeDecided(const PurgeFilter& filter, int64_t limit, int64_t* deleted) = 0;
  // Sites with their own retention (sites.retention_days > 0): name -> days.
  virtual std::error_code SiteRetentionDays(std::map<std::string, int64_t>* out) = 0;
  // Erasure request: in ONE transaction deletes every comment whose
  // author_email equals `email` (ASCII case-insensitively) with everything
  // that cascades from it, the outbox rows whose payload mentions the e-mail
  // or names one of those comments ("comment_id" or "comment.id"), replaces
  // the e-mail by "[forgotten]" in audit entries that contain it verbatim,
  // and appends `audit` with its after_json (a JSON object) extended by the
  // counts "comments", "outbox" and "audit_redacted". An empty `email`
  // deletes nothing (Errc::constraint).
  virtual std::error_code ForgetAuthor(const std::string& email, const AuditEntry& audit,
                               ForgetResult* result) = 0;
  // Pending comments per site (for the review-queue gauge).
  virtual std::error_code CountPendingBySite(std::map<std::string, int64_t>* out) = 0;

  // --- Models (sqlite/models.cc) ---
  // AddModel stores `model` (id, active and size_bytes ignored) INACTIVE and
  // sets *id; Errc::constraint if report_json is not valid JSON or bytes is
  // empty. ActivateModel makes model `id` the only active one of its site in
  // ONE transaction, with `audit` (may be null) appended in it; id 0
  // deactivates every base model (the daemon then runs its file or embedded
  // model). DeactivateModels(site) does that for one site's models (a site
  // model rolled back: the site is judged by the base model alone).
  // Errc::not_found (nothing changes) for an unknown id.
  // ListModels: every model, newest first, without bytes. GetModel: one with
  // bytes. ActiveModel: the active base model with bytes; ActiveSiteModels:
  // every active site model with bytes, by site. Errc::not_found if there is
  // none (ActiveModel, GetModel).
  virtual std::error_code AddModel(const ModelVersion& model, int64_t* id) = 0;
  virtual std::error_code ActivateModel(int64_t id, const AuditEntry* audit) = 0;
  virtual std::error_code DeactivateModels(const std::string& site, const AuditEntry* audit) = 0;
  virtual std::error_code ListModels(std::vector<ModelVersion>* out) = 0;
  virtual std::error_code GetModel(int64_t id, ModelVersion* out) = 0;
  virtual std::error_code ActiveModel(ModelVersion* out) = 0;
  virtual std::error_code ActiveSiteModels(std::vector<ModelVersion>* out) = 0;
  // Training data from moderation: calls `fn` for each comment with id >
  // since_id that has an effective label, in comment id order, until it
  // returns false. The effective label is the comment's latest label (by
  // label id) among "ham", "spam" and "abuse" that is not undone; "rejected"
  // and "undo" rows are never training labels. The record passed to `fn` is
  // reused between calls.
  virtual std::error_code ScanLabelledComments(int64_t since_id,
                                       const std::function<bool(const LabelledComment&)>& fn) = 0;

  // --- Several daemons on one database (sqlite/cluster.cc, postgres/store.cc) ---
  // On SQLite (one daemon per file) these are trivial: the lock is always
  // acquired, the stamp is constant, WaitForChange only waits.
  //
  // Ping: a round trip to the database (for /readyz). Errc::busy when a
  // PostgreSQL server cannot be reached.
  virtual std::error_code Ping() = 0;
  // A text that changes whenever rules, models, sites or tokens change
  // through any daemon (PostgreSQL: a counter bumped in the writing
  // transaction). A daemon compares it every second to its last value and
  // reloads what changed, so a lost notification cannot leave it stale.
  virtual std::error_code ChangeStamp(std::string* out) = 0;
  // Waits up to timeout_ms for a change notification from another daemon
  // (PostgreSQL LISTEN moderated_changes); *notified tells whether one came.
  virtual std::error_code WaitForChange(int timeout_ms, bool* notified) = 0;
  // A job lock held by this Store's connection until Unlock (or until the
  // connection ends): retention, training and webhook delivery run on one
  // daemon at a time (PostgreSQL advisory locks). Never waits.
  virtual std::error_code TryLock(int64_t key, bool* acquired) = 0;
  virtual std::error_code Unlock(int64_t key) = 0;
  // Velocity counters shared by every daemon: for each non-empty key (IP,
  // e-mail, content; callers pass hashes), adds one in the bucket of now_ms
  // if `record`, and returns the counts over [now_ms - window_ms, now_ms]
  // including this comment. SQLite: Errc::internal (the daemon counts in
  // memory).
  virtual std::error_code ObserveVelocity(const std::array<std::string, 3>& keys, int64_t now_ms,
                                          int64_t window_ms, bool record,
                                          std::array<int64_t, 3>* counts) = 0;

  // --- Copying a database (moderated migrate-db) ---
  // ReadTable calls `fn` with every row of `table` (one of CopiedTables())
  // as text, in primary-key order (BLOBs as lowercase hex, NULL as nullopt);
  // the columns are CopiedColumns(table). WriteRows inserts such rows
  // keeping their ids (PostgreSQL only; SQLite: Errc::internal), and
  // FinishCopy moves id sequences past the copied ids.
  using TextRow = std::vector<std::optional<std::string>>;
  virtual std::error_code ReadTable(const std::string& table,
                                    const std::function<bool(const TextRow&)>& fn) = 0;
  virtual std::error_code WriteRows(const std::string& table, std::span<const TextRow> rows) = 0;
  virtual std::error_code FinishCopy() = 0;

  // SQLite's own message for the last call on this Store that failed, e.g.
  // "CHECK constraint failed: status IN ('approved', 'pending', 'rejected')",
  // for logs; empty if none failed yet. Not reset by successful calls.
  virtual const std::string& LastErrorMessage() const = 0;

 protected:
  Store() = default;
};

// Which backend a database setting names (see Store::Open).
enum class Backend { kSqlite, kPostgres };

// "postgresql://…" or "postgres://…" → kPostgres (the URL itself is the
// connection string); "sqlite:///abs/path", "sqlite://rel/path" or a plain
// path → kSqlite with *path set to the file (":memory:" stays as is).
Backend ParseDatabaseUrl(const std::string& url, std::string* path);

// The tables `moderated migrate-db` copies, parents first, and the columns
// of each (the same names in both schemas); empty for an unknown table.
std::span<const char* const> CopiedTables();
std::span<const char* const> CopiedColumns(const std::string& table);
// The columns of `table` that hold bytes (copied as hex).
bool IsBlobColumn(const std::string& table, const std::string& column);

// `url` with a password in it replaced by "***", for logs and messages.
std::string RedactDatabaseUrl(const std::string& url);

// The same as Store::Open.
std::unique_ptr<Store> OpenStore(const std::string& url, Store::OpenMode mode,
                                 const StoreOptions& options, std::string* error);

}  // namespace moderated::storage

#endif  // MODERATED_STORAGE_STORE_H_

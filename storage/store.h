// storage/store.h
//
// Store: the durable record of comments and their verdicts, in SQLite.
//
// Thread-safety: a Store is NOT thread-safe. Each Store owns one sqlite3
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

#include <cstdint>
#include <functional>
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

class Store {
 public:
  enum class OpenMode { kReadWrite, kReadOnly };

  // Opens (read-write: creates if missing, sets WAL, migrates the schema to
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

  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // The schema version this build writes (PRAGMA user_version).
  static int CurrentSchemaVersion();

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
  std::error_code InsertBatch(std::span<const Comment> comments,
                              std::vector<InsertOutcome>* outcomes);

  // Reads one comment with its reasons. Errc::not_found if there is none.
  std::error_code Get(int64_t id, Comment* out);

  // Calls `fn` for each comment with from_id <= id <= to_id in id order
  // (reasons not loaded), until it returns false. For backtests.
  // The Comment passed to `fn` is reused between calls: copy what you keep.
  // `fn` may call the other read methods of this Store (Get, Count, ...) but
  // not Scan itself (that returns Errc::internal).
  std::error_code Scan(int64_t from_id, int64_t to_id,
                       const std::function<bool(const Comment&)>& fn);

  // Number of stored comments.
  std::error_code Count(int64_t* out);

  // Sets the current status ("approved" | "pending" | "rejected") and
  // updated_at_ms of comment `id`. Errc::not_found if there is no such
  // comment, Errc::constraint for any other status value.
  std::error_code UpdateStatus(int64_t id, const std::string& status, int64_t updated_at_ms);

  // Labels. AddLabel stores `label` (its id is ignored) and sets *id.
  // Errc::not_found if label.comment_id names no comment; Errc::constraint if
  // label.label is empty. ListLabels returns the labels of one comment,
  // oldest first (an empty list for an unknown comment).
  std::error_code AddLabel(const Label& label, int64_t* id);
  std::error_code ListLabels(int64_t comment_id, std::vector<Label>* out);

  // API tokens (store_tokens.cc). FindTokenByHash returns revoked tokens
  // too (the caller checks revoked_at_ms); Errc::not_found if none.
  std::error_code AddToken(const Token& token, int64_t* id);
  std::error_code FindTokenByHash(const std::string& hash, Token* out);
  std::error_code ListTokens(std::vector<Token>* out);  // oldest first, hash empty
  std::error_code RevokeToken(int64_t id, int64_t at_ms);  // not_found if missing or revoked
  std::error_code TouchToken(int64_t id, int64_t at_ms);   // last_used_at_ms

  // Audit log (store_tokens.cc). Appends one entry.
  std::error_code AppendAudit(const AuditEntry& entry, int64_t* id = nullptr);

  // Rules versions. AddRulesVersion stores `text` as a new version and makes it
  // the active one; Activate marks an existing version active (rollback).
  std::error_code AddRulesVersion(const RulesVersion& version, int64_t* id);
  std::error_code ActivateRulesVersion(int64_t id);
  std::error_code ListRulesVersions(std::vector<RulesVersion>* out);  // newest first, text empty
  std::error_code GetRulesVersion(int64_t id, RulesVersion* out);
  // The active version; Errc::not_found if none was ever stored.
  std::error_code ActiveRulesVersion(RulesVersion* out);

  // SQLite's own message for the last call on this Store that failed, e.g.
  // "CHECK constraint failed: status IN ('approved', 'pending', 'rejected')",
  // for logs; empty if none failed yet. Not reset by successful calls.
  const std::string& LastErrorMessage() const;

 private:
  struct Impl;
  explicit Store(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace moderated::storage

#endif  // MODERATED_STORAGE_STORE_H_

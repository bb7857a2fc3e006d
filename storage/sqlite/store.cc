// storage/sqlite/store.cc
//
// Store on SQLite. One connection per Store; every statement is prepared once
// at Open() into an enum-indexed table and reused (reset + clear_bindings
// after each use, by ScopedReset). Text is bound SQLITE_STATIC: the caller's
// strings outlive each step, and clear_bindings drops the pointers.
#include "storage/store.h"

#include <algorithm>
#include <filesystem>

#include <sqlite3.h>

#include <array>
#include <string>
#include <utility>

#include "storage/sqlite/schema.h"
#include "storage/sqlite/handle.h"
#include "storage/sqlite/store.h"
#include "storage/sqlite/impl.h"

namespace moderated::storage {
using namespace internal;
namespace {

using internal::DbHandle;
using internal::ErrorFromSqlite;
using internal::ScopedReset;
using internal::StmtHandle;

// Column order read by ReadComment(); keep the two in step.
#define MODERATED_COMMENT_COLUMNS                                                      \
  "id, site, external_id, thread, parent, author_name, author_email, author_url, "    \
  "author_ip, author_user_agent, content, created_at, lang_hint, meta_json, "          \
  "received_at_ms, status, action, score, labels_json, language, language_reliable, " \
  "rules_version, model_version, verdict_json, updated_at_ms, spot_check"

#define MODERATED_RULES_COLUMNS "id, text, author, comment, created_at_ms, active"

constexpr std::array<const char*, kNumStmts> kSql = {
    /* kBegin */ "BEGIN IMMEDIATE",
    /* kCommit */ "COMMIT",
    /* kRollback */ "ROLLBACK",
    // ON CONFLICT DO NOTHING only swallows uniqueness conflicts (the partial
    // index on (site, external_id)); CHECK and NOT NULL still fail.
    /* kInsertComment */
    "INSERT INTO comments (site, external_id, thread, parent, author_name, author_email, "
    "author_url, author_ip, author_user_agent, content, created_at, lang_hint, meta_json, "
    "received_at_ms, status, action, score, labels_json, language, language_reliable, "
    "rules_version, model_version, verdict_json, updated_at_ms, spot_check) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, "
    "?19, ?20, ?21, ?22, ?23, ?24, ?25) ON CONFLICT DO NOTHING",
    /* kInsertReason */
    "INSERT INTO reasons (comment_id, ordinal, rule_id, description, field, score, span_begin, "
    "span_end, excerpt, shadow) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    // The "external_id <> ''" term lets the planner use the partial index.
    /* kFindByExternalId */
    "SELECT id, verdict_json FROM comments "
    "WHERE site = ?1 AND external_id = ?2 AND external_id <> ''",
    /* kGetComment */ "SELECT " MODERATED_COMMENT_COLUMNS " FROM comments WHERE id = ?1",
    /* kGetReasons */
    "SELECT rule_id, description, field, score, span_begin, span_end, excerpt, shadow "
    "FROM reasons WHERE comment_id = ?1 ORDER BY ordinal",
    /* kScan */
    "SELECT " MODERATED_COMMENT_COLUMNS
    " FROM comments WHERE id BETWEEN ?1 AND ?2 ORDER BY id",
    /* kCount */ "SELECT count(*) FROM comments",
    /* kUpdateStatus */
    "UPDATE comments SET status = ?2, updated_at_ms = ?3, spot_check = 0 WHERE id = ?1",
    /* kInsertRules */
    "INSERT INTO rules_versions (text, author, comment, created_at_ms, active) "
    "VALUES (?1, ?2, ?3, ?4, 1)",
    /* kDeactivateRules */ "UPDATE rules_versions SET active = 0 WHERE active = 1",
    /* kActivateRules */ "UPDATE rules_versions SET active = 1 WHERE id = ?1",
    /* kListRules */
    "SELECT id, '', author, comment, created_at_ms, active FROM rules_versions ORDER BY id DESC",
    /* kGetRules */ "SELECT " MODERATED_RULES_COLUMNS " FROM rules_versions WHERE id = ?1",
    /* kActiveRules */ "SELECT " MODERATED_RULES_COLUMNS " FROM rules_versions WHERE active = 1",
    /* kInsertLabel */
    "INSERT INTO labels (comment_id, label, source, author, created_at_ms) "
    "VALUES (?1, ?2, ?3, ?4, ?5)",
    /* kListLabels */
    "SELECT id, comment_id, label, source, author, created_at_ms FROM labels "
    "WHERE comment_id = ?1 ORDER BY id",
};

void ReadComment(sqlite3_stmt* stmt, Comment* c) {
  Reader r(stmt);
  r.Int(&c->id);
  r.Text(&c->site);
  r.Text(&c->external_id);
  r.Text(&c->thread);
  r.Text(&c->parent);
  r.Text(&c->author_name);
  r.Text(&c->author_email);
  r.Text(&c->author_url);
  r.Text(&c->author_ip);
  r.Text(&c->author_user_agent);
  r.Text(&c->content);
  r.Text(&c->created_at);
  r.Text(&c->lang_hint);
  r.Text(&c->meta_json);
  r.Int(&c->received_at_ms);
  r.Text(&c->status);
  r.Text(&c->action);
  r.Double(&c->score);
  r.Text(&c->labels_json);
  r.Text(&c->language);
  r.Bool(&c->language_reliable);
  r.Text(&c->rules_version);
  r.Text(&c->model_version);
  r.Text(&c->verdict_json);
  r.Int(&c->updated_at_ms);
  r.Bool(&c->spot_check);
}

void ReadRulesVersion(sqlite3_stmt* stmt, RulesVersion* v) {
  Reader r(stmt);
  r.Int(&v->id);
  r.Text(&v->text);
  r.Text(&v->author);
  r.Text(&v->comment);
  r.Int(&v->created_at_ms);
  r.Bool(&v->active);
}

}  // namespace

SqliteStore::SqliteStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SqliteStore::~SqliteStore() = default;

void QueueCounts::AddMatched(const std::string& dim, const std::string& key, int64_t n) {
  if (dim == "site") by_site[key] += n;
  else if (dim == "review") by_review[key] += n;
  else if (dim == "language") by_language[key] += n;
  else if (dim == "label") by_label[key] += n;
  else if (dim == "rule") by_rule[key] += n;
}

void QueueCounts::AddKept(const std::string& site, const std::string& review,
                          const std::string& dim, const std::string& key, int64_t n) {
  if (dim == "total") {
    by_site[site] += n;
    by_review[review] += n;
  } else {
    AddMatched(dim, key, n);
  }
}

void QueueCounts::Finish(bool matched) {
  total = 0;
  for (const auto& [site, n] : by_site) total += n;
  // Matching comments are read up to one past the cap.
  exact = !matched || total <= kQueueCountCap;
}

int Store::CurrentSchemaVersion() { return internal::Migrations().back().version; }

std::error_code Store::FileSchemaVersion(const std::string& url, int* version) {
  *version = 0;
  std::string path;
  if (ParseDatabaseUrl(url, &path) != Backend::kSqlite) return Errc::not_found;
  std::error_code fec;
  if (!std::filesystem::is_regular_file(path, fec)) return Errc::not_found;
  sqlite3* raw_db = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw_db, SQLITE_OPEN_READONLY, nullptr);
  DbHandle db(raw_db);
  if (rc != SQLITE_OK) return ErrorFromSqlite(rc);
  return internal::ReadSchemaVersion(db.get(), version);
}

std::unique_ptr<Store> SqliteStore::Open(const std::string& path, OpenMode mode,
                                   const StoreOptions& options, std::string* error) {
  auto fail = [&](const std::string& message) -> std::unique_ptr<Store> {
    if (error != nullptr) *error = path + ": " + message;
    return nullptr;
  };
  const bool read_only = mode == OpenMode::kReadOnly;
  // NOMUTEX: a Store is used by one thread at a time (see store.h), so
  // SQLite's per-connection mutex is pure overhead.
  const int flags = (read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
                    SQLITE_OPEN_NOMUTEX;
  sqlite3* raw_db = nullptr;
  const int open_rc = sqlite3_open_v2(path.c_str(), &raw_db, flags, nullptr);
  DbHandle db(raw_db);
  if (open_rc != SQLITE_OK) {
    return fail(db ? sqlite3_errmsg(db.get()) : sqlite3_errstr(open_rc));
  }
  sqlite3* d = db.get();
  sqlite3_extended_result_codes(d, 1);
  sqlite3_busy_timeout(d, options.busy_timeout_ms);
  if (internal::RegisterTextFunctions(d) != SQLITE_OK) return fail(sqlite3_errmsg(d));

  auto exec = [&](const std::string& sql) {
    return sqlite3_exec(d, sql.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK;
  };

  // Check the version before changing anything: a newer build's file is
  // left exactly as it is.
  int version = 0;
  if (internal::ReadSchemaVersion(d, &version)) return fail(sqlite3_errmsg(d));
  const int current = CurrentSchemaVersion();
  if (version > current) {
    return fail("database schema version " + std::to_string(version) +
                " is newer than this build's " + std::to_string(current));
  }
  if (!exec("PRAGMA foreign_keys = ON")) return fail(sqlite3_errmsg(d));

  if (read_only) {
    if (version < current) {
      return fail("database schema version " + std::to_string(version) +
                  " is older than this build's " + std::to_string(current) +
                  "; open it read-write once to migrate");
    }
  } else {
    // journal_mode answers with the mode in force: "wal", or "memory" for
    // an in-memory database (which has no WAL and needs none).
    std::string journal_mode;
    {
      sqlite3_stmt* raw = nullptr;
      int rc = sqlite3_prepare_v2(d, "PRAGMA journal_mode = WAL", -1, &raw, nullptr);
      StmtHandle stmt(raw);
      if (rc == SQLITE_OK) rc = sqlite3_step(stmt.get());
      if (rc != SQLITE_ROW) return fail(sqlite3_errmsg(d));
      journal_mode = reinterpret_cast<const char*>(sqlite3_column_text(stmt.get(), 0));
    }
    if (journal_mode != "wal" && journal_mode != "memory") {
      return fail("cannot switch to WAL journal mode (still '" + journal_mode + "')");
    }
    // NORMAL in WAL mode: commits are durable against a process crash; the
    // WAL is fsync'ed only at checkpoints, so a power loss may lose the last
    // commits. FULL fsyncs the WAL at every commit.
    if (!exec(options.synchronous_full ? "PRAGMA synchronous = FULL"
                                       : "PRAGMA synchronous = NORMAL") ||
        // Truncate the -wal file back to 64 MiB after a checkpoint, so one
        // burst does not leave a huge file behind.
        !exec("PRAGMA journal_size_limit = 67108864")) {
      return fail(sqlite3_errmsg(d));
    }
    if (options.max_pages > 0 &&
        !exec("PRAGMA max_page_count = " + std::to_string(options.max_pages))) {
      return fail(sqlite3_errmsg(d));
    }
    std::string migrate_error;
    if (internal::Migrate(d, current, &migrate_error)) return fail(migrate_error);
  }

  auto impl = std::make_unique<Impl>();
  impl->path = path;
  impl->read_only = read_only;
  for (int i = 0; i < kNumStmts; ++i) {
    sqlite3_stmt* raw = nullptr;
    const int rc = sqlite3_prepare_v3(d, kSql[i], -1, SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
    impl->stmts[i].reset(raw);
    if (rc != SQLITE_OK) {
      return fail(std::string("preparing \"") + kSql[i] + "\": " + sqlite3_errmsg(d));
    }
  }
  impl->db = std::move(db);
  impl->busy_timeout_ms = options.busy_timeout_ms;
  if (!read_only && !options.auto_checkpoint) {
    // Replaces SQLite's own hook, which is what runs the automatic
    // checkpoint (sqlite3_wal_autocheckpoint installs it).
    sqlite3_wal_hook(
        impl->db.get(),
        [](void* arg, sqlite3*, const char*, int frames) {
          static_cast<Impl*>(arg)->wal_frames.store(frames, std::memory_order_relaxed);
          return SQLITE_OK;
        },
        impl.get());
  }
  return std::unique_ptr<Store>(new SqliteStore(std::move(impl)));
}

int64_t SqliteStore::wal_frames() const { return impl_->wal_frames.load(std::memory_order_relaxed); }

std::error_code SqliteStore::Checkpoint(CheckpointMode mode, CheckpointResult* out, int max_wait_ms) {
  Impl& m = *impl_;
  *out = CheckpointResult();
  if (auto ec = m.CheckWritable()) return ec;
  int log = 0;
  int done = 0;
  if (max_wait_ms >= 0) sqlite3_busy_timeout(m.db.get(), max_wait_ms);
  const int rc = sqlite3_wal_checkpoint_v2(
      m.db.get(), nullptr,
      mode == CheckpointMode::kRestart ? SQLITE_CHECKPOINT_RESTART : SQLITE_CHECKPOINT_PASSIVE,
      &log, &done);
  if (max_wait_ms >= 0) sqlite3_busy_timeout(m.db.get(), m.busy_timeout_ms);
  // -1, -1 when the database is not in WAL mode (in-memory): nothing to do.
  out->wal_frames = std::max(log, 0);
  out->checkpointed = std::max(done, 0);
  return rc == SQLITE_OK ? std::error_code() : m.Fail(rc);
}

std::error_code SqliteStore::InsertBatch(std::span<const Comment> comments,
                                   std::vector<InsertOutcome>* outcomes) {
  Impl& m = *impl_;
  if (outcomes != nullptr) outcomes->clear();
  if (auto ec = m.CheckWritable()) return ec;
  if (comments.empty()) return {};

  std::vector<InsertOutcome> result;
  result.reserve(comments.size());
  sqlite3* db = m.db.get();
  Impl::Transaction txn(&m);
  if (auto ec = txn.Begin()) return ec;
  for (const Comment& c : comments) {
    InsertOutcome& out = result.emplace_back();
    // Looked up before inserting: with AUTOINCREMENT an INSERT that ON
    // CONFLICT does nothing still uses up an id, and ids are gapless here.
    // A copy may be stored already or earlier in this batch (same
    // transaction); the first verdict wins.
    if (!c.external_id.empty()) {
      sqlite3_stmt* s = m.stmt(kFindByExternalId);
      ScopedReset reset(s);
      Binder b(s);
      b.Text(c.site).Text(c.external_id);
      if (b.rc() != SQLITE_OK) return m.Fail(b.rc());
      const int rc = sqlite3_step(s);
      if (rc == SQLITE_ROW) {
        out.duplicate = true;
        Reader r(s);
        r.Int(&out.id);
        r.Text(&out.verdict_json);
        continue;
      }
      if (rc != SQLITE_DONE) return m.Fail(rc);
    }
    {
      sqlite3_stmt* s = m.stmt(kInsertComment);
      ScopedReset reset(s);
      Binder b(s);
      b.Text(c.site)
          .Text(c.external_id)
          .Text(c.thread)
          .Text(c.parent)
          .Text(c.author_name)
          .Text(c.author_email)
          .Text(c.author_url)
          .Text(c.author_ip)
          .Text(c.author_user_agent)
          .Text(c.content)
          .Text(c.created_at)
          .Text(c.lang_hint)
          .Text(c.meta_json)
          .Int(c.received_at_ms)
          .Text(c.status)
          .Text(c.action)
          .Double(c.score)
          .Text(c.labels_json)
          .Text(c.language)
          .Int(c.language_reliable ? 1 : 0)
          .Text(c.rules_version)
          .Text(c.model_version)
          .Text(c.verdict_json)
          .Int(c.updated_at_ms)
          .Int(c.spot_check ? 1 : 0);
      if (b.rc() != SQLITE_OK) return m.Fail(b.rc());
      const int rc = sqlite3_step(s);
      if (rc != SQLITE_DONE) return m.Fail(rc);
      // The lookup above found no copy, and this connection is the only
      // writer (the transaction holds the write lock).
      if (sqlite3_changes64(db) == 0) {
        return m.Fail(Errc::internal, "insert of (" + c.site + ", " + c.external_id +
                                          ") was skipped but no such row exists");
      }
      out.id = sqlite3_last_insert_rowid(db);
    }
    sqlite3_stmt* s = m.stmt(kInsertReason);
    for (size_t i = 0; i < c.reasons.size(); ++i) {
      const Reason& reason = c.reasons[i];
      ScopedReset reset(s);
      Binder b(s);
      b.Int(out.id)
          .Int(static_cast<int64_t>(i))
          .Text(reason.rule_id)
          .Text(reason.description)
          .Text(reason.field)
          .Double(reason.score)
          .Int(reason.begin)
          .Int(reason.end)
          .Text(reason.excerpt)
          .Int(reason.shadow ? 1 : 0);
      if (b.rc() != SQLITE_OK) return m.Fail(b.rc());
      const int rc = sqlite3_step(s);
      if (rc != SQLITE_DONE) return m.Fail(rc);
    }
  }
  if (auto ec = txn.Commit()) return ec;
  if (outcomes != nullptr) *outcomes = std::move(result);
  return {};
}

std::error_code SqliteStore::GetEach(const std::vector<int64_t>& ids, std::vector<Comment>* out) {
  out->reserve(out->size() + ids.size());
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

std::error_code SqliteStore::Get(int64_t id, Comment* out) {
  Impl& m = *impl_;
  {
    sqlite3_stmt* s = m.stmt(kGetComment);
    ScopedReset reset(s);
    sqlite3_bind_int64(s, 1, id);
    const int rc = sqlite3_step(s);
    if (rc == SQLITE_DONE) return m.Fail(Errc::not_found, "no comment " + std::to_string(id));
    if (rc != SQLITE_ROW) return m.Fail(rc);
    ReadComment(s, out);
  }
  // Reasons are read outside any explicit transaction; comments and their
  // reasons are only ever written together in one transaction, and rows are
  // never rewritten, so the two reads agree.
  out->reasons.clear();
  sqlite3_stmt* s = m.stmt(kGetReasons);
  ScopedReset reset(s);
  sqlite3_bind_int64(s, 1, id);
  int rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    Reason& reason = out->reasons.emplace_back();
    Reader r(s);
    r.Text(&reason.rule_id);
    r.Text(&reason.description);
    r.Text(&reason.field);
    r.Double(&reason.score);
    r.Int(&reason.begin);
    r.Int(&reason.end);
    r.Text(&reason.excerpt);
    r.Bool(&reason.shadow);
  }
  if (rc != SQLITE_DONE) return m.Fail(rc);
  return {};
}

std::error_code SqliteStore::Scan(int64_t from_id, int64_t to_id,
                            const std::function<bool(const Comment&)>& fn) {
  Impl& m = *impl_;
  sqlite3_stmt* s = m.stmt(kScan);
  if (sqlite3_stmt_busy(s)) {
    return m.Fail(Errc::internal, "Scan called from inside a Scan callback");
  }
  ScopedReset reset(s);
  sqlite3_bind_int64(s, 1, from_id);
  sqlite3_bind_int64(s, 2, to_id);
  Comment comment;  // reused: strings keep their capacity between rows
  int rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    ReadComment(s, &comment);
    if (!fn(comment)) return {};
  }
  if (rc != SQLITE_DONE) return m.Fail(rc);
  return {};
}

std::error_code SqliteStore::Count(int64_t* out) {
  Impl& m = *impl_;
  sqlite3_stmt* s = m.stmt(kCount);
  ScopedReset reset(s);
  const int rc = sqlite3_step(s);
  if (rc != SQLITE_ROW) return m.Fail(rc);
  *out = sqlite3_column_int64(s, 0);
  return {};
}

std::error_code SqliteStore::UpdateStatus(int64_t id, const std::string& status,
                                    int64_t updated_at_ms) {
  Impl& m = *impl_;
  if (auto ec = m.CheckWritable()) return ec;
  sqlite3_stmt* s = m.stmt(kUpdateStatus);
  ScopedReset reset(s);
  Binder b(s);
  b.Int(id).Text(status).Int(updated_at_ms);
  if (b.rc() != SQLITE_OK) return m.Fail(b.rc());
  const int rc = sqlite3_step(s);
  if (rc != SQLITE_DONE) return m.Fail(rc);
  if (sqlite3_changes64(m.db.get()) == 0) {
    return m.Fail(Errc::not_found, "no comment " + std::to_string(id));
  }
  return {};
}

std::error_code SqliteStore::AddLabel(const Label& label, int64_t* id) {
  Impl& m = *impl_;
  if (auto ec = m.CheckWritable()) return ec;
  sqlite3_stmt* s = m.stmt(kInsertLabel);
  ScopedReset reset(s);
  Binder b(s);
  b.Int(label.comment_id).Text(label.label).Text(label.source).Text(label.author).Int(
      label.created_at_ms);
  if (b.rc() != SQLITE_OK) return m.Fail(b.rc());
  const int rc = sqlite3_step(s);
  // The only foreign key of labels is comment_id.
  if (rc == SQLITE_CONSTRAINT_FOREIGNKEY) {
    return m.Fail(Errc::not_found, "no comment " + std::to_string(label.comment_id));
  }
  if (rc != SQLITE_DONE) return m.Fail(rc);
  if (id != nullptr) *id = sqlite3_last_insert_rowid(m.db.get());
  return {};
}

std::error_code SqliteStore::ListLabels(int64_t comment_id, std::vector<Label>* out) {
  Impl& m = *impl_;
  out->clear();
  sqlite3_stmt* s = m.stmt(kListLabels);
  ScopedReset reset(s);
  sqlite3_bind_int64(s, 1, comment_id);
  int rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    Label& label = out->emplace_back();
    Reader r(s);
    r.Int(&label.id);
    r.Int(&label.comment_id);
    r.Text(&label.label);
    r.Text(&label.source);
    r.Text(&label.author);
    r.Int(&label.created_at_ms);
  }
  if (rc != SQLITE_DONE) {
    out->clear();
    return m.Fail(rc);
  }
  return {};
}

std::error_code SqliteStore::AddRulesVersion(const RulesVersion& version, int64_t* id) {
  Impl& m = *impl_;
  if (auto ec = m.CheckWritable()) return ec;
  Impl::Transaction txn(&m);
  if (auto ec = txn.Begin()) return ec;
  if (auto ec = m.Run(kDeactivateRules)) return ec;
  int64_t new_id = 0;
  {
    sqlite3_stmt* s = m.stmt(kInsertRules);
    ScopedReset reset(s);
    Binder b(s);
    b.Text(version.text).Text(version.author).Text(version.comment).Int(version.created_at_ms);
    if (b.rc() != SQLITE_OK) return m.Fail(b.rc());
    const int rc = sqlite3_step(s);
    if (rc != SQLITE_DONE) return m.Fail(rc);
    new_id = sqlite3_last_insert_rowid(m.db.get());
  }
  if (auto ec = txn.Commit()) return ec;
  if (id != nullptr) *id = new_id;
  return {};
}

std::error_code SqliteStore::ActivateRulesVersion(int64_t id) {
  Impl& m = *impl_;
  if (auto ec = m.CheckWritable()) return ec;
  Impl::Transaction txn(&m);
  if (auto ec = txn.Begin()) return ec;
  if (auto ec = m.Run(kDeactivateRules)) return ec;
  {
    sqlite3_stmt* s = m.stmt(kActivateRules);
    ScopedReset reset(s);
    sqlite3_bind_int64(s, 1, id);
    const int rc = sqlite3_step(s);
    if (rc != SQLITE_DONE) return m.Fail(rc);
    // Unknown id: the transaction rolls back, the old version stays active.
    if (sqlite3_changes64(m.db.get()) == 0) {
      return m.Fail(Errc::not_found, "no rules version " + std::to_string(id));
    }
  }
  return txn.Commit();
}

std::error_code SqliteStore::ListRulesVersions(std::vector<RulesVersion>* out) {
  Impl& m = *impl_;
  out->clear();
  sqlite3_stmt* s = m.stmt(kListRules);
  ScopedReset reset(s);
  int rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) ReadRulesVersion(s, &out->emplace_back());
  if (rc != SQLITE_DONE) {
    out->clear();
    return m.Fail(rc);
  }
  return {};
}

std::error_code SqliteStore::GetRulesVersion(int64_t id, RulesVersion* out) {
  Impl& m = *impl_;
  sqlite3_stmt* s = m.stmt(kGetRules);
  ScopedReset reset(s);
  sqlite3_bind_int64(s, 1, id);
  const int rc = sqlite3_step(s);
  if (rc == SQLITE_DONE) return m.Fail(Errc::not_found, "no rules version " + std::to_string(id));
  if (rc != SQLITE_ROW) return m.Fail(rc);
  ReadRulesVersion(s, out);
  return {};
}

std::error_code SqliteStore::ActiveRulesVersion(RulesVersion* out) {
  Impl& m = *impl_;
  sqlite3_stmt* s = m.stmt(kActiveRules);
  ScopedReset reset(s);
  const int rc = sqlite3_step(s);
  if (rc == SQLITE_DONE) return m.Fail(Errc::not_found, "no active rules version");
  if (rc != SQLITE_ROW) return m.Fail(rc);
  ReadRulesVersion(s, out);
  return {};
}

const std::string& SqliteStore::LastErrorMessage() const { return impl_->last_error; }

}  // namespace moderated::storage

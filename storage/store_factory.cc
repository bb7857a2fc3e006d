// storage/store_factory.cc
//
// Store::Open: chooses the backend by the database URL's scheme.
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "storage/postgres/store.h"
#include "storage/sqlite/store.h"
#include "storage/store.h"

namespace moderated::storage {

Store::~Store() = default;

namespace {

struct CopiedTable {
  const char* name;
  std::vector<const char*> columns;
  std::vector<const char*> blobs;
};

// Parents before children, so foreign keys hold at every insert.
const std::vector<CopiedTable>& Tables() {
  static const std::vector<CopiedTable> tables = {
      {"comments",
       {"id", "site", "external_id", "thread", "parent", "author_name", "author_email",
        "author_url", "author_ip", "author_user_agent", "content", "created_at", "lang_hint",
        "meta_json", "received_at_ms", "status", "action", "score", "labels_json", "language",
        "language_reliable", "rules_version", "model_version", "verdict_json", "updated_at_ms",
        "spot_check"},
       {}},
      {"reasons",
       {"comment_id", "ordinal", "rule_id", "description", "field", "score", "span_begin",
        "span_end", "excerpt", "shadow"},
       {}},
      {"rules_versions", {"id", "text", "author", "comment", "created_at_ms", "active"}, {}},
      {"bulk_actions",
       {"id", "actor", "decision", "note", "filter_json", "state", "matched", "decided",
        "skipped", "undone", "error", "undone_by", "created_at_ms", "updated_at_ms"},
       {}},
      {"decisions",
       {"id", "comment_id", "decision", "previous_status", "new_status", "note", "actor",
        "created_at_ms", "undone", "spot_check", "bulk_id"},
       {}},
      {"labels",
       {"id", "comment_id", "label", "source", "author", "created_at_ms", "decision_id", "undone"},
       {}},
      {"tokens",
       {"id", "name", "role", "sites_json", "hash", "prefix", "created_at_ms", "created_by",
        "revoked_at_ms", "last_used_at_ms"},
       {"hash"}},
      {"saved_views",
       {"id", "token_id", "kind", "name", "filter_json", "created_at_ms", "updated_at_ms"},
       {}},
      {"sites",
       {"name", "hold_at", "reject_at", "languages_json", "webhook_url", "webhook_secret",
        "retention_days", "created_at_ms", "updated_at_ms", "sensitivity", "spot_check"},
       {}},
      {"claims", {"comment_id", "actor", "expires_at_ms"}, {}},
      {"audit_log", {"id", "at_ms", "actor", "action", "target", "before_json", "after_json"}, {}},
      {"outbox",
       {"id", "event_id", "site", "url", "payload", "attempts", "next_attempt_at_ms",
        "delivered_at_ms", "last_error", "created_at_ms"},
       {}},
      {"models",
       {"id", "version", "bytes", "report_json", "author", "note", "created_at_ms", "active",
        "site", "calibration"},
       {"bytes"}},
  };
  return tables;
}

const CopiedTable* FindTable(const std::string& name) {
  for (const CopiedTable& t : Tables()) {
    if (name == t.name) return &t;
  }
  return nullptr;
}

}  // namespace

std::span<const char* const> CopiedTables() {
  static const std::vector<const char*> names = [] {
    std::vector<const char*> out;
    for (const CopiedTable& t : Tables()) out.push_back(t.name);
    return out;
  }();
  return names;
}

std::span<const char* const> CopiedColumns(const std::string& table) {
  const CopiedTable* t = FindTable(table);
  if (t == nullptr) return {};
  return t->columns;
}

bool IsBlobColumn(const std::string& table, const std::string& column) {
  const CopiedTable* t = FindTable(table);
  if (t == nullptr) return false;
  for (const char* b : t->blobs) {
    if (column == b) return true;
  }
  return false;
}

Backend ParseDatabaseUrl(const std::string& url, std::string* path) {
  if (url.starts_with("postgresql://") || url.starts_with("postgres://")) {
    if (path != nullptr) *path = url;
    return Backend::kPostgres;
  }
  std::string p = url;
  // sqlite:///var/lib/x.db → /var/lib/x.db; sqlite://var/x.db → var/x.db.
  if (p.starts_with("sqlite://")) p = p.substr(9);
  if (path != nullptr) *path = p;
  return Backend::kSqlite;
}

std::unique_ptr<Store> Store::Open(const std::string& url, OpenMode mode, std::string* error) {
  return Open(url, mode, StoreOptions(), error);
}

std::unique_ptr<Store> Store::Open(const std::string& url, OpenMode mode,
                                   const StoreOptions& options, std::string* error) {
  std::string path;
  if (ParseDatabaseUrl(url, &path) == Backend::kPostgres) {
    return internal::OpenPgStore(url, mode, options, error);
  }
  return SqliteStore::Open(path, mode, options, error);
}

std::string RedactDatabaseUrl(const std::string& url) { return internal::RedactUrl(url); }

std::unique_ptr<Store> OpenStore(const std::string& url, Store::OpenMode mode,
                                 const StoreOptions& options, std::string* error) {
  return Store::Open(url, mode, options, error);
}

}  // namespace moderated::storage

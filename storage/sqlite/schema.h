// storage/sqlite/schema.h  (internal to storage/)
//
// The database schema as an ordered, append-only list of migration steps.
// Step N takes a database from PRAGMA user_version N-1 to N. A released step
// is never edited: a schema change is a new step at the end of the list.
#ifndef MODERATED_STORAGE_SQLITE_SCHEMA_H_
#define MODERATED_STORAGE_SQLITE_SCHEMA_H_

#include <span>
#include <string>
#include <system_error>

struct sqlite3;

namespace moderated::storage::internal {

struct Migration {
  int version;              // user_version after this step; steps are 1, 2, 3, ...
  const char* description;  // one line, for docs and logs
  const char* sql;          // one or more statements, run inside one transaction
};

// All steps, in order. Migrations().back().version is the current version.
std::span<const Migration> Migrations();

// Reads PRAGMA user_version of `db` into *version.
std::error_code ReadSchemaVersion(sqlite3* db, int* version);

// Applies, in order, every step with from < version <= target_version, where
// `from` is the database's user_version. Each step runs in its own
// BEGIN IMMEDIATE ... COMMIT together with the user_version bump, and the
// version is re-read inside the transaction, so two processes migrating the
// same file at once apply each step once. A failed step is rolled back and
// leaves the database at the previous version; *error gets SQLite's message
// prefixed by the step, e.g. "migration 2 (labels): ...".
// Does not check for a newer database (the caller does, before calling).
std::error_code Migrate(sqlite3* db, int target_version, std::string* error);

}  // namespace moderated::storage::internal

#endif  // MODERATED_STORAGE_SQLITE_SCHEMA_H_

// storage/postgres/schema.h  (internal to storage/)
//
// The PostgreSQL schema: an ordered, append-only list of migration steps.
// Step N takes a database from moderated_schema.version N-1 to N; the
// runner is in postgres/store.cc (it needs the connection).
#ifndef MODERATED_STORAGE_POSTGRES_SCHEMA_H_
#define MODERATED_STORAGE_POSTGRES_SCHEMA_H_

#include <span>

namespace moderated::storage::internal {

struct PgMigration {
  int version;
  const char* description;
  const char* sql;  // one or more statements, run in one transaction
};

std::span<const PgMigration> PgMigrations();

}  // namespace moderated::storage::internal

#endif  // MODERATED_STORAGE_POSTGRES_SCHEMA_H_

// storage/postgres/store.h  (internal to storage/)
//
// The PostgreSQL backend of Store (libpqxx). Only this factory is visible;
// the class and every libpqxx type stay inside postgres/store.cc, so nothing
// outside storage/ (and nothing including this header) sees pqxx.
//
// `url` is a libpq connection URI ("postgresql://user@host:port/db?…"),
// passed to libpq as is: TLS (sslmode=…), passfile=…, connect_timeout=… and
// the standard PG* environment variables (PGPASSFILE, PGSSLMODE, …) all
// work. A password in the URL works too but is discouraged: use a password
// file. Each Store is one connection. Read-write opens run the PostgreSQL
// migrations (storage/postgres/schema.cc) under an advisory lock; every open
// fails with
//   "<url without password>: database schema version 9 is newer than this build's 1"
// on a database written by a newer build.
// StoreOptions::busy_timeout_ms becomes the session's lock_timeout;
// statement_timeout comes from StoreOptions::statement_timeout_ms.
#ifndef MODERATED_STORAGE_POSTGRES_STORE_H_
#define MODERATED_STORAGE_POSTGRES_STORE_H_

#include <memory>
#include <string>

#include "storage/store.h"

namespace moderated::storage::internal {

std::unique_ptr<Store> OpenPgStore(const std::string& url, Store::OpenMode mode,
                                   const StoreOptions& options, std::string* error);

// The PostgreSQL schema version this build writes.
int PgCurrentSchemaVersion();

// `url` with any password replaced by "***", for messages and logs.
std::string RedactUrl(const std::string& url);

}  // namespace moderated::storage::internal

#endif  // MODERATED_STORAGE_POSTGRES_STORE_H_

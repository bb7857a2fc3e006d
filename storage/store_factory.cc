// storage/store_factory.cc
//
// Store::Open: chooses the backend by the database URL's scheme.
#include <memory>
#include <string>

#include "storage/pg_store.h"
#include "storage/sqlite_store.h"
#include "storage/store.h"

namespace moderated::storage {

Store::~Store() = default;

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

std::unique_ptr<Store> OpenStore(const std::string& url, Store::OpenMode mode,
                                 const StoreOptions& options, std::string* error) {
  return Store::Open(url, mode, options, error);
}

}  // namespace moderated::storage

// storage/errors.cc
#include "storage/errors.h"

#include <string>

namespace moderated::storage {
namespace {

class StorageCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "moderated.storage"; }

  std::string message(int value) const override {
    switch (static_cast<Errc>(value)) {
      case Errc::busy:
        return "database is busy; retry later";
      case Errc::io_error:
        return "database I/O error";
      case Errc::disk_full:
        return "database or disk is full";
      case Errc::corrupt:
        return "database file is corrupt or not a database";
      case Errc::schema_too_new:
        return "database schema is newer than this build";
      case Errc::not_found:
        return "not found";
      case Errc::constraint:
        return "database constraint failed";
      case Errc::internal:
        return "internal database error";
      case Errc::read_only:
        return "database is open read-only";
    }
    return "unknown storage error " + std::to_string(value);
  }
};

}  // namespace

const std::error_category& category() noexcept {
  static const StorageCategory instance;  // constant-initialised, never destroyed early
  return instance;
}

bool IsRetryable(std::error_code ec) noexcept {
  return ec == Errc::busy;
}

}  // namespace moderated::storage

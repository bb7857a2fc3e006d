// storage/postgres/array.h  (internal to storage/)
//
// PgArray builds the text of a PostgreSQL array literal ("{...}") one
// element at a time, so that a whole batch binds as one parameter per
// column: INSERT ... SELECT * FROM unnest($1::text[], $2::bigint[], ...).
// libpqxx 6 has no array parameters of its own.
//
// Text elements are always double-quoted with `"` and `\` escaped, so empty
// strings, NULL-like words ("NULL"), braces and commas stay literal text.
// Numbers are written so that they read back exactly (shortest round-trip
// form for doubles; inf and nan as PostgreSQL spells them). A text element
// must not contain a NUL byte (no PostgreSQL text can). Not thread-safe;
// one builder per column per call.
#ifndef MODERATED_STORAGE_POSTGRES_ARRAY_H_
#define MODERATED_STORAGE_POSTGRES_ARRAY_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace moderated::storage::internal {

class PgArray {
 public:
  PgArray& Text(std::string_view s);
  PgArray& Int(int64_t v);
  PgArray& Float(double v);
  // The literal: "{}" when nothing was added.
  std::string Done() const { return text_ + "}"; }
  size_t size() const { return size_; }

 private:
  void Separate();

  std::string text_ = "{";
  size_t size_ = 0;
};

}  // namespace moderated::storage::internal

#endif  // MODERATED_STORAGE_POSTGRES_ARRAY_H_

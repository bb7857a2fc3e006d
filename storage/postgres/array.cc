// storage/postgres/array.cc
#include "storage/postgres/array.h"

#include <charconv>
#include <cmath>

namespace moderated::storage::internal {

void PgArray::Separate() {
  if (size_++ > 0) text_ += ',';
}

PgArray& PgArray::Text(std::string_view s) {
  Separate();
  text_ += '"';
  for (char c : s) {
    if (c == '"' || c == '\\') text_ += '\\';
    text_ += c;
  }
  text_ += '"';
  return *this;
}

PgArray& PgArray::Int(int64_t v) {
  Separate();
  text_ += std::to_string(v);
  return *this;
}

PgArray& PgArray::Float(double v) {
  Separate();
  if (std::isnan(v)) {
    text_ += "NaN";
  } else if (std::isinf(v)) {
    text_ += v > 0 ? "Infinity" : "-Infinity";
  } else {
    char buf[32];
    // Shortest form that reads back as the same double.
    const std::to_chars_result r = std::to_chars(buf, buf + sizeof buf, v);
    text_.append(buf, r.ptr);
  }
  return *this;
}

}  // namespace moderated::storage::internal

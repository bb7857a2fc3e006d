#include "daemon/api/cursor.h"

#include "base/encoding.h"
#include "base/strings.h"

namespace moderated::api {

constexpr size_t kMaxCursorBytes = 200;

std::string MakeCursor(std::string_view kind, std::string_view key, int64_t id) {
  return base::Base64UrlEncode(std::string(kind) + ":" + std::string(key) + ":" +
                               std::to_string(id));
}

bool ParseCursor(std::string_view cursor, std::string_view kind, std::string* key, int64_t* id) {
  std::string text;
  if (cursor.size() > kMaxCursorBytes || !base::Base64UrlDecode(cursor, &text)) return false;
  size_t a = text.find(':');
  size_t b = text.rfind(':');
  if (a == std::string::npos || a == b || std::string_view(text).substr(0, a) != kind) {
    return false;
  }
  *key = text.substr(a + 1, b - a - 1);
  return base::ParseInt64(std::string_view(text).substr(b + 1), id) && *id > 0;
}

}  // namespace moderated::api

// daemon/api/cursor.h (internal to daemon/api/)
//
// Page cursors: opaque to clients, base64url of "<kind>:<key>:<id>". The
// kind names what the page is sorted by (a queue sort, or "u" for polling by
// update time), so a cursor of one listing cannot continue another.
//
// Thread-safety: pure functions.
#ifndef MODERATED_DAEMON_API_CURSOR_H_
#define MODERATED_DAEMON_API_CURSOR_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace moderated::api {

std::string MakeCursor(std::string_view kind, std::string_view key, int64_t id);

// Splits `cursor` into *key and *id; false if it is not a cursor of `kind`.
bool ParseCursor(std::string_view cursor, std::string_view kind, std::string* key, int64_t* id);

}  // namespace moderated::api

#endif  // MODERATED_DAEMON_API_CURSOR_H_

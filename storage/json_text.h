// storage/json_text.h
//
// JSON text the stores write into SQL themselves: the sites filter bound for
// json_each()/jsonb, and the audit and webhook payloads the PostgreSQL store
// builds. Both backends' .cc files use these; nothing outside storage/ does
// (the daemon writes JSON with Boost.JSON or its wire format).
//
// Thread-safety: pure functions.
#ifndef MODERATED_STORAGE_JSON_TEXT_H_
#define MODERATED_STORAGE_JSON_TEXT_H_

#include <string>
#include <vector>

namespace moderated::storage {

// A JSON string literal: quotes, '"' and '\\' escaped, control characters as
// \u00XX; other bytes (UTF-8) pass through.
std::string JsonString(const std::string& s);

// A JSON array of string literals.
std::string JsonArray(const std::vector<std::string>& values);

}  // namespace moderated::storage

#endif  // MODERATED_STORAGE_JSON_TEXT_H_

// daemon/api/fields.h (internal to daemon/api/)
//
// Reading the fields of a JSON request body with the API's exact messages:
// unknown keys, missing or mistyped values and integers out of range become
// FieldErrors (a 422 names each one). The comment format itself is parsed by
// daemon/http/wire.h.
//
// Thread-safety: pure functions.
#ifndef MODERATED_DAEMON_API_FIELDS_H_
#define MODERATED_DAEMON_API_FIELDS_H_

#include <boost/json.hpp>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/http/wire.h"

namespace moderated::api {

// `body` as an object, with "unknown field" for each key not in `allowed`;
// nullptr (and "must be a JSON object") if it is not an object.
const boost::json::object* ObjectBody(const boost::json::value& body,
                                      std::initializer_list<std::string_view> allowed,
                                      std::vector<FieldError>* errors);

// Reads a string field into *out; "is required" when `required` and absent.
void OptionalString(const boost::json::object& o, std::string_view key, bool required,
                    std::string* out, std::vector<FieldError>* errors);

// Reads an integer field within [min, max] into *out.
void OptionalInt(const boost::json::object& o, std::string_view key, int64_t min, int64_t max,
                 int64_t* out, std::vector<FieldError>* errors);

}  // namespace moderated::api

#endif  // MODERATED_DAEMON_API_FIELDS_H_

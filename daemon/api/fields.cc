#include "daemon/api/fields.h"

#include <algorithm>

namespace moderated::api {
namespace json = boost::json;

const json::object* ObjectBody(const json::value& body,
                               std::initializer_list<std::string_view> allowed,
                               std::vector<FieldError>* errors) {
  if (!body.is_object()) {
    errors->push_back({"", "must be a JSON object"});
    return nullptr;
  }
  for (const auto& kv : body.get_object()) {
    if (std::find(allowed.begin(), allowed.end(), kv.key()) == allowed.end()) {
      errors->push_back({"/" + std::string(kv.key()), "unknown field"});
    }
  }
  return &body.get_object();
}

void OptionalString(const json::object& o, std::string_view key, bool required, std::string* out,
                    std::vector<FieldError>* errors) {
  const json::value* v = o.if_contains(key);
  const std::string pointer = "/" + std::string(key);
  if (v == nullptr) {
    if (required) errors->push_back({pointer, "is required"});
    return;
  }
  if (!v->is_string()) {
    errors->push_back({pointer, "must be a string"});
    return;
  }
  *out = std::string(v->get_string());
}

void OptionalInt(const json::object& o, std::string_view key, int64_t min, int64_t max,
                 int64_t* out, std::vector<FieldError>* errors) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr) return;
  const std::string pointer = "/" + std::string(key);
  if (!v->is_int64() && !v->is_uint64()) {
    errors->push_back({pointer, "must be an integer"});
    return;
  }
  const int64_t n = v->is_int64()
                        ? v->get_int64()
                        : static_cast<int64_t>(std::min<uint64_t>(v->get_uint64(), INT64_MAX));
  if (n < min || n > max) {
    errors->push_back(
        {pointer, "must be between " + std::to_string(min) + " and " + std::to_string(max)});
    return;
  }
  *out = n;
}

}  // namespace moderated::api

// classifiers/json_file.cc
#include "classifiers/json_file.h"

#include <cmath>

namespace moderated::classifiers {

bool JsonNumber(const boost::json::value* v, double* out) {
  if (v == nullptr) return false;
  if (v->is_double()) {
    *out = v->get_double();
  } else if (v->is_int64()) {
    *out = static_cast<double>(v->get_int64());
  } else if (v->is_uint64()) {
    *out = static_cast<double>(v->get_uint64());
  } else {
    return false;
  }
  return std::isfinite(*out);
}

std::string JsonFileError(std::string_view origin, const std::string& where,
                          const std::string& message) {
  return std::string(origin) + ": " + where + (where.empty() ? "" : ": ") + message;
}

bool ParseFormat2Object(std::string_view json, std::string_view origin, boost::json::value* root,
                        std::string* error) {
  boost::system::error_code ec;
  *root = boost::json::parse(json, ec);
  if (ec) {
    *error = JsonFileError(origin, "", "not JSON (" + ec.message() + ")");
    return false;
  }
  if (!root->is_object()) {
    *error = JsonFileError(origin, "", "expected a JSON object");
    return false;
  }
  double format = 0;
  if (!JsonNumber(root->get_object().if_contains("format"), &format) || format != 2) {
    *error = JsonFileError(origin, "format", "expected 2");
    return false;
  }
  return true;
}

}  // namespace moderated::classifiers

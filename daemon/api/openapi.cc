// GET /openapi.json: docs/openapi.yaml (embedded) as JSON.
#include "daemon/api/openapi.h"

#include <yaml-cpp/yaml.h>

#include <boost/json.hpp>
#include <charconv>
#include <cmath>
#include <regex>

#include "daemon/api/handlers.h"
#include "daemon/core/log.h"

extern "C" {
extern const char moderated_openapi_begin[];
extern const char moderated_openapi_end[];
}

namespace moderated::api {
namespace json = boost::json;

namespace {

// A plain (unquoted) YAML scalar as JSON, by YAML 1.2's core schema.
json::value PlainScalar(const std::string& s) {
  if (s == "null" || s == "~" || s.empty()) return nullptr;
  if (s == "true") return true;
  if (s == "false") return false;
  static const std::regex kInt("[-+]?[0-9]+");
  static const std::regex kFloat("[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?");
  if (std::regex_match(s, kInt)) {
    int64_t v = 0;
    auto [p, ec] = std::from_chars(s.data() + (s[0] == '+'), s.data() + s.size(), v);
    if (ec == std::errc() && p == s.data() + s.size()) return v;
  }
  if (std::regex_match(s, kFloat)) return std::stod(s);
  return json::string(s);
}

json::value ToJsonValue(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map: {
      json::object o;
      for (const auto& kv : node) o[kv.first.as<std::string>()] = ToJsonValue(kv.second);
      return o;
    }
    case YAML::NodeType::Sequence: {
      json::array a;
      for (const auto& item : node) a.push_back(ToJsonValue(item));
      return a;
    }
    case YAML::NodeType::Scalar:
      // "!" is the tag of a quoted scalar: always a string.
      if (node.Tag() == "!") return json::string(node.Scalar());
      return PlainScalar(node.Scalar());
    default:
      return nullptr;
  }
}

std::string Build() {
  try {
    return json::serialize(ToJsonValue(YAML::Load(std::string(EmbeddedOpenApiYaml()))));
  } catch (const YAML::Exception& e) {
    Log(LogLevel::kError, "openapi_invalid", {{"error", e.what()}});
    return "";
  }
}

awaitable<Response> GetOpenApi(Services&, const Call& call) {
  const std::string& text = OpenApiJson();
  if (text.empty()) {
    co_return Problem(call.request, http::status::internal_server_error,
                      "the built-in OpenAPI document does not parse");
  }
  co_return TextResponse(call.request, http::status::ok, "application/json", text);
}

}  // namespace

std::string_view EmbeddedOpenApiYaml() {
  return {moderated_openapi_begin,
          static_cast<size_t>(moderated_openapi_end - moderated_openapi_begin)};
}

const std::string& OpenApiJson() {
  static const std::string json = Build();
  return json;
}

Handler OpenApiHandler() { return GetOpenApi; }

}  // namespace moderated::api

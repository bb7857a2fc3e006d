// daemon/api/openapi.h
//
// The API's OpenAPI 3.1 description: docs/openapi.yaml, embedded at build
// time (openapi.S) and served as JSON at GET /openapi.json.
//
// Thread-safety: OpenApiJson() may be called from any thread; the JSON is
// built once (a function-local static).
#ifndef MODERATED_DAEMON_API_OPENAPI_H_
#define MODERATED_DAEMON_API_OPENAPI_H_

#include <string>
#include <string_view>

namespace moderated::api {

// docs/openapi.yaml as it was built in.
std::string_view EmbeddedOpenApiYaml();

// The same document as compact JSON. YAML plain scalars that read as
// integers, floats, booleans or null become those; quoted scalars stay
// strings. Empty if the YAML does not parse (a test checks that it does).
const std::string& OpenApiJson();

}  // namespace moderated::api

#endif  // MODERATED_DAEMON_API_OPENAPI_H_

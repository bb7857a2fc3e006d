// daemon/http/response.h
//
// Building HTTP responses: JSON bodies, application/problem+json errors
// (RFC 9457) with the exact wording the API documents, and the shared 503s.
// Handlers return these; the router (daemon/http/router.h) uses the same
// ones for the checks it makes before a handler runs.
//
// Thread-safety: pure functions.
#ifndef MODERATED_DAEMON_HTTP_RESPONSE_H_
#define MODERATED_DAEMON_HTTP_RESPONSE_H_

#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "daemon/http/wire.h"

namespace moderated {

namespace http = boost::beast::http;
using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

inline constexpr std::string_view kServerName = "moderated/0.1";

// application/json response with `body` (doubles in plain decimal, ToJson).
Response JsonResponse(const Request& req, http::status status, const boost::json::value& body);

// A response with an arbitrary content type (text, HTML, Prometheus...).
Response TextResponse(const Request& req, http::status status, std::string_view content_type,
                      std::string body);

// 204 No Content.
Response NoContent(const Request& req);

// application/problem+json response (RFC 9457). `errors` lists invalid fields
// for 422s as {"pointer": "/author/ip", "detail": "..."}.
Response Problem(unsigned version, bool keep_alive, http::status status, std::string_view detail,
                 const std::vector<std::pair<std::string, std::string>>& errors = {});
inline Response Problem(const Request& req, http::status status, std::string_view detail) {
  return Problem(req.version(), req.keep_alive(), status, detail);
}

// The problem object of a 422 naming each invalid field, without the HTTP
// response around it (batch items carry it inline).
boost::json::object ValidationProblemJson(const std::vector<FieldError>& errors);

// 422 naming each invalid field.
Response ValidationProblem(const Request& req, const std::vector<FieldError>& errors);

// 400 "query parameter 'NAME' DETAIL".
Response BadQuery(const Request& req, std::string_view name, std::string_view detail);

// 503 with Retry-After: 1.
Response Overloaded(const Request& req, std::string_view detail);

// The 503 for a write the writer thread refused because it is stopping.
Response WriterStopping(const Request& req);

// 405 for `method` on `path`, with Allow: `allow` ("GET, POST").
Response MethodNotAllowed(const Request& req, std::string_view path, std::string_view allow);

}  // namespace moderated

#endif  // MODERATED_DAEMON_HTTP_RESPONSE_H_

#include "daemon/http/response.h"

namespace moderated {
namespace json = boost::json;

Response TextResponse(const Request& req, http::status status, std::string_view content_type,
                      std::string body) {
  Response res{status, req.version()};
  res.set(http::field::server, kServerName);
  res.set("X-Content-Type-Options", "nosniff");
  res.set(http::field::content_type, content_type);
  res.keep_alive(req.keep_alive());
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

Response JsonResponse(const Request& req, http::status status, const json::value& body) {
  return TextResponse(req, status, "application/json", ToJson(body));
}

Response NoContent(const Request& req) {
  Response res{http::status::no_content, req.version()};
  res.set(http::field::server, kServerName);
  res.set("X-Content-Type-Options", "nosniff");
  res.keep_alive(req.keep_alive());
  res.prepare_payload();
  return res;
}

Response Problem(unsigned version, bool keep_alive, http::status status, std::string_view detail,
                 const std::vector<std::pair<std::string, std::string>>& errors) {
  json::object o;
  o["type"] = "about:blank";
  o["title"] = std::string(http::obsolete_reason(status));
  o["status"] = static_cast<unsigned>(status);
  o["detail"] = detail;
  if (!errors.empty()) {
    json::array list;
    for (const auto& [pointer, d] : errors) list.push_back({{"pointer", pointer}, {"detail", d}});
    o["errors"] = std::move(list);
  }
  Response res{status, version};
  res.set(http::field::server, kServerName);
  res.set("X-Content-Type-Options", "nosniff");
  res.set(http::field::content_type, "application/problem+json");
  res.keep_alive(keep_alive);
  res.body() = json::serialize(o);
  res.prepare_payload();
  return res;
}

namespace {

std::string ValidationDetail(const std::vector<FieldError>& errors) {
  return errors.size() == 1 ? errors[0].pointer + " " + errors[0].detail
                            : std::to_string(errors.size()) + " fields are invalid";
}

}  // namespace

json::object ValidationProblemJson(const std::vector<FieldError>& errors) {
  json::array list;
  for (const auto& e : errors) list.push_back({{"pointer", e.pointer}, {"detail", e.detail}});
  return {{"type", "about:blank"},
          {"title", "Unprocessable Entity"},
          {"status", 422},
          {"detail", ValidationDetail(errors)},
          {"errors", std::move(list)}};
}

Response ValidationProblem(const Request& req, const std::vector<FieldError>& errors) {
  std::vector<std::pair<std::string, std::string>> list;
  for (const auto& e : errors) list.emplace_back(e.pointer, e.detail);
  return Problem(req.version(), req.keep_alive(), http::status::unprocessable_entity,
                 ValidationDetail(errors), list);
}

Response BadQuery(const Request& req, std::string_view name, std::string_view detail) {
  return Problem(req, http::status::bad_request,
                 "query parameter '" + std::string(name) + "' " + std::string(detail));
}

Response Overloaded(const Request& req, std::string_view detail) {
  Response res =
      Problem(req.version(), req.keep_alive(), http::status::service_unavailable, detail);
  res.set(http::field::retry_after, "1");
  return res;
}

Response WriterStopping(const Request& req) {
  return Overloaded(req, "the storage writer is stopping; retry shortly");
}

Response MethodNotAllowed(const Request& req, std::string_view path, std::string_view allow) {
  Response res = Problem(
      req.version(), req.keep_alive(), http::status::method_not_allowed,
      "method " + std::string(req.method_string()) + " is not allowed on " + std::string(path));
  res.set(http::field::allow, allow);
  return res;
}

}  // namespace moderated

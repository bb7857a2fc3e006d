#include "daemon/http/response.h"

#include <boost/url/parse.hpp>
#include <chrono>

#include "classifiers/normalizer.h"

namespace moderated {
namespace json = boost::json;

Response TextResponse(const Request& req, http::status status, std::string_view content_type,
                      std::string body) {
  Response res{status, req.version()};
  res.set(http::field::server, kServerName);
  res.set(http::field::content_type, content_type);
  res.keep_alive(req.keep_alive());
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

Response JsonResponse(const Request& req, http::status status, const json::value& body) {
  return TextResponse(req, status, "application/json", ToJson(body));
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
  res.set(http::field::content_type, "application/problem+json");
  res.keep_alive(keep_alive);
  res.body() = json::serialize(o);
  res.prepare_payload();
  return res;
}

Response ValidationProblem(const Request& req, const std::vector<FieldError>& errors) {
  std::vector<std::pair<std::string, std::string>> list;
  for (const auto& e : errors) list.emplace_back(e.pointer, e.detail);
  std::string detail = errors.size() == 1
                           ? errors[0].pointer + " " + errors[0].detail
                           : std::to_string(errors.size()) + " fields are invalid";
  return Problem(req.version(), req.keep_alive(), http::status::unprocessable_entity, detail, list);
}

Response Overloaded(const Request& req, std::string_view detail) {
  Response res = Problem(req.version(), req.keep_alive(), http::status::service_unavailable, detail);
  res.set(http::field::retry_after, "1");
  return res;
}

std::optional<Response> RequireMethod(const Request& req, http::verb verb, std::string_view allow) {
  if (req.method() == verb) return std::nullopt;
  Response res = Problem(req.version(), req.keep_alive(), http::status::method_not_allowed,
                         "method " + std::string(req.method_string()) + " is not allowed on " +
                             std::string(TargetPath(req.target())));
  res.set(http::field::allow, allow);
  return res;
}

namespace {

bool IsJsonContentType(std::string_view ct) {
  auto semi = ct.find(';');
  std::string_view type = ct.substr(0, semi);
  while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
  std::string lower(type);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower == "application/json";
}

}  // namespace

std::optional<Response> ParseJsonBody(const Request& req, json::value* out) {
  auto ct = req[http::field::content_type];
  if (!IsJsonContentType(ct)) {
    return Problem(req.version(), req.keep_alive(), http::status::unsupported_media_type,
                   ct.empty() ? "Content-Type must be application/json"
                              : "Content-Type must be application/json, not '" +
                                    std::string(ct) + "'");
  }
  const std::string& body = req.body();
  if (!classifiers::IsValidUtf8(body)) {
    return Problem(req.version(), req.keep_alive(), http::status::bad_request,
                   "request body is not valid UTF-8");
  }
  // stream_parser reports how far it got, so the error can name a byte offset.
  json::stream_parser parser;
  boost::system::error_code ec;
  size_t consumed = parser.write(body.data(), body.size(), ec);
  if (!ec) parser.finish(ec);
  if (ec) {
    return Problem(req.version(), req.keep_alive(), http::status::bad_request,
                   "malformed JSON at byte " + std::to_string(consumed) + ": " + ec.message());
  }
  *out = parser.release();
  return std::nullopt;
}

std::string_view TargetPath(std::string_view target) {
  return target.substr(0, target.find('?'));
}

std::map<std::string, std::string> QueryParams(std::string_view target) {
  std::map<std::string, std::string> out;
  auto parsed = boost::urls::parse_origin_form(target);
  if (!parsed) return out;
  for (auto param : parsed->params()) out[std::string(param.key)] = std::string(param.value);
  return out;
}

}  // namespace moderated

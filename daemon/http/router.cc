#include "daemon/http/router.h"

#include <boost/url/parse.hpp>
#include <boost/url/pct_string_view.hpp>
#include <cctype>

#include "base/strings.h"
#include "classifiers/normalizer.h"
#include "daemon/core/metrics.h"

namespace moderated {
namespace json = boost::json;
namespace net = boost::asio;

namespace {

constexpr size_t kMaxNameBytes = 255;

// "/v1/comments/7" → {"v1", "comments", "7"}; "/" → {""}.
std::vector<std::string_view> Segments(std::string_view path) {
  std::vector<std::string_view> out;
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  for (;;) {
    size_t slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) return out;
    path.remove_prefix(slash + 1);
  }
}

// How well a pattern fits a path. kLoose: everything fits but an {id}
// segment that is not a positive integer (a 404 with the route's wording).
enum class Fit { kNone, kLoose, kFull };

struct Params {
  int64_t id = 0;
  std::string id_text;  // as given, when it is not an id
  std::string name;
  std::string rest;
};

Fit FitPattern(const std::vector<std::string_view>& want,
               const std::vector<std::string_view>& path, Params* params) {
  Fit fit = Fit::kFull;
  size_t i = 0;
  for (; i < want.size(); ++i) {
    if (want[i] == "{path...}") {
      if (i >= path.size()) return Fit::kNone;
      std::string rest;
      for (size_t k = i; k < path.size(); ++k) rest += (k > i ? "/" : "") + std::string(path[k]);
      params->rest = std::move(rest);
      return fit;
    }
    if (i >= path.size()) return Fit::kNone;
    if (want[i] == "{id}") {
      if (!base::ParseInt64(path[i], &params->id) || params->id <= 0) {
        fit = Fit::kLoose;
        params->id_text = std::string(path[i]);
      }
    } else if (want[i] == "{name}") {
      auto pct = boost::urls::make_pct_string_view(path[i]);
      if (!pct) return Fit::kNone;
      params->name = pct->decode();
      if (params->name.empty() || params->name.size() > kMaxNameBytes) return Fit::kNone;
    } else if (want[i] != path[i]) {
      return Fit::kNone;
    }
  }
  return i == path.size() ? fit : Fit::kNone;
}

// The metrics label of a route: its pattern up to the first parameter
// ("/v1/comments/" for "/v1/comments/{id}/decision"), which is what the
// label was when routes were prefixes. Static storage, like the pattern.
std::string_view MetricsLabel(std::string_view pattern) {
  return pattern.substr(0, pattern.find('{'));
}

bool IsJsonContentType(std::string_view ct) {
  std::string_view type = base::TrimAscii(ct.substr(0, ct.find(';')));
  return base::AsciiLower(type) == "application/json";
}

// Checks Content-Type (application/json), UTF-8 and JSON syntax; on failure
// returns the 415/400 response to send.
std::optional<Response> ParseJsonBody(const Request& req, json::value* out) {
  auto ct = req[http::field::content_type];
  if (!IsJsonContentType(ct)) {
    return Problem(req, http::status::unsupported_media_type,
                   ct.empty()
                       ? "Content-Type must be application/json"
                       : "Content-Type must be application/json, not '" + std::string(ct) + "'");
  }
  const std::string& body = req.body();
  if (!classifiers::IsValidUtf8(body)) {
    return Problem(req, http::status::bad_request, "request body is not valid UTF-8");
  }
  // stream_parser reports how far it got, so the error can name a byte offset.
  json::stream_parser parser;
  boost::system::error_code ec;
  size_t consumed = parser.write(body.data(), body.size(), ec);
  if (!ec) parser.finish(ec);
  if (ec) {
    return Problem(req, http::status::bad_request,
                   "malformed JSON at byte " + std::to_string(consumed) + ": " + ec.message());
  }
  *out = parser.release();
  std::vector<FieldError> errors;
  FindNonFiniteNumbers(*out, "", &errors);
  if (!errors.empty()) return ValidationProblem(req, errors);
  return std::nullopt;
}

Response Unauthorized(const Request& req, bool missing) {
  Response res =
      Problem(req, http::status::unauthorized,
              missing ? "missing Authorization: Bearer token" : "invalid or revoked token");
  res.set(http::field::www_authenticate, "Bearer realm=\"moderated\"");
  return res;
}

std::string Allow(const std::vector<const Route*>& routes) {
  std::string allow;
  for (const Route* r : routes) {
    const std::string_view m = http::to_string(r->method);
    if (allow.find(m) == std::string::npos) allow += (allow.empty() ? "" : ", ") + std::string(m);
  }
  return allow;
}

}  // namespace

std::string Roles::Describe() const {
  std::string names;
  for (Role r : {Role::kSite, Role::kModerator, Role::kAdmin}) {
    if (Has(r)) names += (names.empty() ? "" : " or ") + std::string(RoleName(r));
  }
  if (names.empty()) return "no";
  return (names.front() == 'a' ? "an " : "a ") + names;
}

std::string Call::Actor() const { return principal ? principal->Actor() : std::string(); }

bool Call::MayActFor(std::string_view site) const {
  return principal != nullptr && principal->CanAccessSite(site);
}

Response SiteForbidden(const Request& req, std::string_view site) {
  return Problem(req, http::status::forbidden,
                 "this token may not act for site '" + std::string(site) + "'");
}

struct Router::Match {
  std::vector<const Route*> on_path;  // every route whose pattern fits, any method
  const Route* route = nullptr;       // the one for the request's method
  bool loose = false;                 // an {id} was not an id
  Params params;
};

Router::Router(Services& services, std::vector<Route> routes)
    : services_(services), routes_(std::move(routes)) {
  patterns_.reserve(routes_.size());
  for (const Route& r : routes_) patterns_.push_back(Segments(r.pattern));
}

Router::Match Router::Find(http::verb method, std::string_view path) const {
  const std::vector<std::string_view> segments = Segments(path);
  Match full, loose;
  loose.loose = true;
  for (size_t k = 0; k < routes_.size(); ++k) {
    const Route& r = routes_[k];
    Params params;
    const Fit fit = FitPattern(patterns_[k], segments, &params);
    if (fit == Fit::kNone) continue;
    Match& m = fit == Fit::kFull ? full : loose;
    m.on_path.push_back(&r);
    if (m.route == nullptr && r.method == method) {
      m.route = &r;
      m.params = std::move(params);
    }
  }
  return full.on_path.empty() ? loose : full;
}

uint64_t Router::BodyLimitFor(http::verb method, std::string_view target) const {
  const Match m = Find(method, TargetPath(target));
  const Limits& limits = services_.config.limits;
  if (m.route != nullptr && m.route->limit == BodyLimit::kLarge) return limits.max_batch_body_bytes;
  return limits.max_body_bytes;
}

std::optional<Response> Router::Admit(const Route* route, const Match& m, Call& call,
                                      std::optional<Principal>& principal) {
  const Request& req = call.request;
  auto needs_token = [&](const Route& r) {
    if (r.access == Access::kLocalOrToken) {
      return !(services_.config.metrics.public_local && call.peer.local);
    }
    return r.access == Access::kToken;
  };
  bool token = false;
  if (route != nullptr) {
    token = needs_token(*route);
  } else {
    // A wrong method on a path that needs a token: 401 comes first.
    for (const Route* r : m.on_path) token = token || r->access == Access::kToken;
  }
  if (token) {
    const std::string_view header = req[http::field::authorization];
    principal = services_.auth.Authenticate(header);
    if (!principal) return Unauthorized(req, header.empty());
    call.principal = &*principal;
  }
  if (route == nullptr) return MethodNotAllowed(req, call.path, Allow(m.on_path));
  if (token && !route->roles.Has(principal->role)) {
    return Problem(req, http::status::forbidden,
                   "this endpoint needs " + route->roles.Describe() + " token, not " +
                       std::string(RoleName(principal->role)));
  }
  if (m.loose) {
    std::string detail = "no such endpoint: " + std::string(call.path);
    if (!route->missing.empty()) {
      detail = std::string(route->missing);
      detail.replace(detail.find("{}"), 2, m.params.id_text);
    }
    return Problem(req, http::status::not_found, detail);
  }
  call.id = m.params.id;
  call.name = m.params.name;
  call.rest = m.params.rest;
  call.query = QueryParams(req.target());
  if (route->site == SiteScope::kQuery && call.principal != nullptr) {
    auto site = call.query.find("site");
    if (site != call.query.end() && !site->second.empty() && !call.MayActFor(site->second)) {
      return SiteForbidden(req, site->second);
    }
  }
  const bool has_body = !req.body().empty();
  if (route->body == BodyKind::kJson || (route->body == BodyKind::kOptionalJson && has_body)) {
    return ParseJsonBody(req, &call.body);
  }
  return std::nullopt;
}

net::awaitable<Response> Router::Handle(Request req, Peer peer) {
  metrics::HttpObservation observed(http::to_string(req.method()));  // route, status, duration
  const std::string_view path = TargetPath(req.target());
  const Match m = Find(req.method(), path);
  if (m.on_path.empty()) {
    observed.route = "unmatched";  // every unknown path: one series, not one per path
    co_return observed.Done(
        Problem(req, http::status::not_found, "no such endpoint: " + std::string(path)));
  }
  observed.route = MetricsLabel((m.route ? m.route : m.on_path.front())->pattern);
  Call call{req, peer, path};
  std::optional<Principal> principal;
  if (auto refused = Admit(m.route, m, call, principal)) {
    co_return observed.Done(std::move(*refused));
  }
  Response res = co_await m.route->handler(services_, call);
  co_return observed.Done(std::move(res));
}

std::string_view TargetPath(std::string_view target) { return target.substr(0, target.find('?')); }

std::map<std::string, std::string> QueryParams(std::string_view target) {
  std::map<std::string, std::string> out;
  auto parsed = boost::urls::parse_origin_form(target);
  if (!parsed) return out;
  for (auto param : parsed->params()) out[std::string(param.key)] = std::string(param.value);
  return out;
}

}  // namespace moderated

// daemon/http/router.h
//
// Router: HTTP request → HTTP response, from a declared route table. It knows
// nothing about sockets: the server reads a request, awaits Handle() and
// writes what it returns.
//
// A Route declares everything about an endpoint except its own logic: method,
// path pattern, who may call it, which sites the caller must be allowed for,
// what body it takes and how large. The table of the API is ApiRoutes()
// (daemon/api/routes.cc). For each request the router answers, in this order,
// before any handler runs:
//   404  no route has this path                      "no such endpoint: /v2/x"
//   401  the path needs a token and none is valid    (with WWW-Authenticate)
//   405  no route has this method on the path        (with Allow)
//   403  the token's role is not one of the route's  "this endpoint needs ..."
//   404  an {id} in the path is not a positive integer (the route's `missing`)
//   403  the `site` query parameter is not the token's (SiteScope::kQuery)
//   415/400  the JSON body: Content-Type, UTF-8, syntax (BodyKind::kJson)
// The session has already answered 413 from BodyLimitFor(). A handler gets a
// Call: the principal, the typed path parameters, the decoded query and the
// parsed body, and contains only its own logic (field validation → 422, the
// site of a stored comment, storage).
//
// Path patterns are literal segments and parameters: {id} (a positive
// 64-bit integer), {name} (one percent-decoded segment of 1 to 255 bytes) and
// a final {path...} (the rest, possibly empty).
//
// Thread-safety: one Router serves every session; Handle() runs on many
// threads at once. The table is fixed at construction.
#ifndef MODERATED_DAEMON_HTTP_ROUTER_H_
#define MODERATED_DAEMON_HTTP_ROUTER_H_

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/json.hpp>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/core/services.h"
#include "daemon/http/auth.h"
#include "daemon/http/response.h"

namespace moderated {

// Where a request came from.
struct Peer {
  bool local = false;  // Unix socket or loopback address
  std::string address;
};

// A set of roles.
class Roles {
 public:
  constexpr Roles(std::initializer_list<Role> roles) {
    for (Role r : roles) bits_ |= Bit(r);
  }
  constexpr bool Has(Role r) const { return (bits_ & Bit(r)) != 0; }
  // "an admin", "a moderator or admin": for the 403 message.
  std::string Describe() const;

 private:
  static constexpr unsigned Bit(Role r) { return 1u << static_cast<unsigned>(r); }
  unsigned bits_ = 0;
};

inline constexpr Roles kAnyRole{Role::kSite, Role::kModerator, Role::kAdmin};

// Who may call a route.
enum class Access {
  kPublic,        // no token: health, the console's files, the Akismet API (its own keys)
  kToken,         // a Bearer token whose role is in Route::roles
  kLocalOrToken,  // no token from the Unix socket or loopback if config.metrics.public_local;
                  // otherwise as kToken
};

// Which sites the caller must be allowed for, beyond its role.
enum class SiteScope {
  kNone,       // the role decides
  kQuery,      // the `site` query parameter, when given: checked by the router
  kBody,       // the `site` of each submitted comment: checked by the handler after validation
  kComment,    // the stored comment's site: checked by the handler where it reads the comment
  kPrincipal,  // results are limited to the token's sites (queue, reputation)
  kKey,        // the Akismet key's sites and the form's `blog`: checked by the handler
};

// What a route does with the request body.
enum class BodyKind {
  kNone,          // ignored
  kJson,          // application/json, UTF-8, well-formed: Call::body
  kOptionalJson,  // as kJson when not empty; an empty body leaves Call::body null
  kForm,          // read by the handler (application/x-www-form-urlencoded)
};

// Which configured limit applies to the body (limits.* in the config).
enum class BodyLimit {
  kComment,  // max_body_bytes
  kLarge,    // max_batch_body_bytes: batches, rules texts
};

// What a handler receives: the request and everything the router checked.
struct Call {
  Call(const Request& r, const Peer& p, std::string_view target_path)
      : request(r), peer(p), path(target_path) {}

  const Request& request;
  const Peer& peer;
  std::string_view path;                     // the target without the query
  const Principal* principal = nullptr;      // set when a token was checked
  int64_t id = 0;                            // {id}
  std::string name;                          // {name}, percent-decoded
  std::string rest;                          // {path...}
  std::map<std::string, std::string> query;  // decoded; the last value of a key wins
  boost::json::value body;                   // kJson, kOptionalJson (null when empty)

  // "token:7:alice" (Principal::Actor()); "" without a principal.
  std::string Actor() const;
  // May the caller act for `site`?
  bool MayActFor(std::string_view site) const;
};

// 403 "this token may not act for site 'x'".
Response SiteForbidden(const Request& req, std::string_view site);

using Handler = std::function<boost::asio::awaitable<Response>(Services&, const Call&)>;

struct Route {
  http::verb method;
  std::string_view pattern;  // "/v1/comments/{id}/decision"
  Access access;
  Roles roles;  // for kToken and kLocalOrToken
  SiteScope site;
  BodyKind body;
  BodyLimit limit;
  Handler handler;
  // The 404 detail when {id} is not a positive integer, with "{}" for the
  // text given ("no comment with id '{}'"); empty: "no such endpoint: PATH".
  std::string_view missing = {};
};

class Router {
 public:
  Router(Services& services, std::vector<Route> routes);

  boost::asio::awaitable<Response> Handle(Request request, Peer peer);

  // The body limit for a request with this method and target, in bytes.
  uint64_t BodyLimitFor(http::verb method, std::string_view target) const;

  const std::vector<Route>& routes() const { return routes_; }

 private:
  struct Match;
  Match Find(http::verb method, std::string_view path) const;
  // The router's own checks (see the top of this file) for `route` (null
  // when no route has the request's method); nullopt lets the handler run.
  std::optional<Response> Admit(const Route* route, const Match& match, Call& call,
                                std::optional<Principal>& principal);

  Services& services_;
  const std::vector<Route> routes_;
  // Each route's pattern split at '/', once: Find() runs twice per request
  // (body limit, then routing) over every route.
  std::vector<std::vector<std::string_view>> patterns_;
};

// The path of a request target, without the query.
std::string_view TargetPath(std::string_view target);

// Decoded query parameters ("a=1&b=x%20y" → {a:1, b:"x y"}). The last value
// wins for repeated keys.
std::map<std::string, std::string> QueryParams(std::string_view target);

}  // namespace moderated

#endif  // MODERATED_DAEMON_HTTP_ROUTER_H_

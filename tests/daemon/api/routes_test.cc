// tests/daemon/api/routes_test.cc
//
// The role × endpoint matrix, generated from the route table itself: every
// row of ApiRoutes() is called without a token and with a token of each role,
// and must answer what the row declares — 401, 403 naming the roles it
// needs, or reach its handler. Every path's other methods are 405 with the
// path's Allow list, and every {id} that is not an id gets the row's 404.
// The handlers are replaced by a stub: what they do is tested elsewhere.
#include "daemon/api/routes.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cctype>
#include <map>
#include <set>

#include "daemon/api/openapi.h"
#include "tests/testing/in_process_daemon.h"

namespace moderated {
namespace {

using testing::Detail;
using testing::InProcessDaemon;
namespace net = boost::asio;

net::awaitable<Response> Reached(Services&, const Call& call) {
  co_return TextResponse(call.request, http::status::ok, "text/plain", "reached");
}

// A concrete path for a pattern: {id} → 1, {name} → a.example, {path...} → index.html.
std::string PathOf(std::string_view pattern, std::string_view id = "1") {
  std::string path(pattern);
  auto put = [&](std::string_view param, std::string_view value) {
    if (auto at = path.find(param); at != std::string::npos) path.replace(at, param.size(), value);
  };
  put("{id}", id);
  put("{name}", "a.example");
  put("{path...}", "index.html");
  return path;
}

std::string BodyOf(const Route& r) { return r.body == BodyKind::kJson ? "{}" : ""; }

class RoutesTest : public ::testing::Test {
 protected:
  RoutesTest() {
    routes_ = ApiRoutes(daemon_.config());
    for (Route& r : routes_) r.handler = Reached;
    router_.emplace(daemon_.services(), routes_);
    tokens_ = {{Role::kSite, daemon_.Token(Role::kSite, {"a.example"})},
               {Role::kModerator, daemon_.Token(Role::kModerator)},
               {Role::kAdmin, daemon_.Token(Role::kAdmin)}};
  }
  Response Call(const Route& r, std::string path, std::string token, bool local = false) {
    return InProcessDaemon::Call(*router_, r.method, std::move(path), BodyOf(r), std::move(token),
                                 "application/json", local);
  }

  InProcessDaemon daemon_;
  std::vector<Route> routes_;
  std::optional<Router> router_;
  std::map<Role, std::string> tokens_;
};

TEST_F(RoutesTest, EveryRowAnswersEachRoleAsDeclared) {
  for (const Route& r : routes_) {
    const std::string path = PathOf(r.pattern);
    SCOPED_TRACE(std::string(http::to_string(r.method)) + " " + path);
    Response none = Call(r, path, "");
    if (r.access == Access::kPublic) {
      EXPECT_EQ(http::status::ok, none.result()) << none.body();
      continue;
    }
    EXPECT_EQ(http::status::unauthorized, none.result());
    EXPECT_EQ("missing Authorization: Bearer token", Detail(none));
    for (const auto& [role, token] : tokens_) {
      Response res = Call(r, path, token);
      if (r.roles.Has(role)) {
        EXPECT_EQ(http::status::ok, res.result()) << RoleName(role) << " " << res.body();
      } else {
        EXPECT_EQ(http::status::forbidden, res.result()) << RoleName(role);
        EXPECT_EQ("this endpoint needs " + r.roles.Describe() + " token, not " +
                      std::string(RoleName(role)),
                  Detail(res));
      }
    }
    if (r.access == Access::kLocalOrToken) {
      EXPECT_EQ(http::status::ok, Call(r, path, "", /*local=*/true).result());
    }
  }
}

TEST_F(RoutesTest, OtherMethodsAre405WithThePathsAllowList) {
  std::map<std::string_view, std::vector<const Route*>> by_pattern;
  for (const Route& r : routes_) by_pattern[r.pattern].push_back(&r);
  for (const auto& [pattern, rows] : by_pattern) {
    std::string allow;
    for (const Route* r : rows) {
      allow += (allow.empty() ? "" : ", ") + std::string(http::to_string(r->method));
    }
    SCOPED_TRACE(std::string(pattern));
    Response res = InProcessDaemon::Call(*router_, http::verb::patch, PathOf(pattern), "",
                                         tokens_[Role::kAdmin]);
    EXPECT_EQ(http::status::method_not_allowed, res.result());
    EXPECT_EQ(allow, res[http::field::allow]);
  }
}

TEST_F(RoutesTest, EveryIdThatIsNotAnIdGetsTheRowsOwn404) {
  for (const Route& r : routes_) {
    if (r.pattern.find("{id}") == std::string_view::npos) continue;
    const std::string path = PathOf(r.pattern, "x7");
    SCOPED_TRACE(path);
    Response res = Call(r, path, tokens_[Role::kAdmin]);
    EXPECT_EQ(http::status::not_found, res.result());
    std::string want = r.missing.empty() ? "no such endpoint: " + path : std::string(r.missing);
    if (auto at = want.find("{}"); at != std::string::npos) want.replace(at, 2, "x7");
    EXPECT_EQ(want, Detail(res));
  }
}

TEST_F(RoutesTest, EveryTokenRouteLetsAdminsIn) {
  for (const Route& r : routes_) {
    if (r.access != Access::kPublic) EXPECT_TRUE(r.roles.Has(Role::kAdmin)) << r.pattern;
  }
}

TEST_F(RoutesTest, NoTwoRowsShareAMethodAndPattern) {
  std::set<std::pair<int, std::string_view>> seen;
  for (const Route& r : routes_) {
    EXPECT_TRUE(seen.insert({static_cast<int>(r.method), r.pattern}).second)
        << http::to_string(r.method) << " " << r.pattern;
  }
}


// docs/openapi.yaml (served as /openapi.json) describes exactly the routes
// of the table: every (method, pattern) is an operation, and every
// operation is a route.
namespace openapi_test {

TEST(OpenApiTest, EveryRouteIsDocumentedAndNothingElse) {
  const std::string& text = api::OpenApiJson();
  ASSERT_FALSE(text.empty()) << "docs/openapi.yaml does not parse";
  boost::json::value doc = boost::json::parse(text);
  EXPECT_EQ("3.1.0", doc.at("openapi").as_string());
  std::set<std::string> documented;
  for (const auto& [path, item] : doc.at("paths").as_object()) {
    for (const auto& [method, operation] : item.as_object()) {
      std::string m(method);
      for (char& c : m) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      documented.insert(m + " " + std::string(path));
    }
  }
  std::set<std::string> routed;
  Config config;
  for (const Route& r : ApiRoutes(config)) {
    std::string pattern(r.pattern);
    // OpenAPI has no "rest of the path" parameter: {path...} is {path}.
    if (auto at = pattern.find("{path...}"); at != std::string::npos) {
      pattern.replace(at, 9, "{path}");
    }
    routed.insert(std::string(http::to_string(r.method)) + " " + pattern);
  }
  for (const std::string& route : routed) EXPECT_TRUE(documented.count(route)) << "undocumented: " << route;
  for (const std::string& op : documented) EXPECT_TRUE(routed.count(op)) << "no such route: " << op;
  EXPECT_EQ(routed.size(), documented.size());
}

// Each operation's x-roles are the roles its route admits; a public route
// is documented without a bearer token (security: [] or the Akismet key).
TEST(OpenApiTest, EveryOperationNamesTheRolesOfItsRoute) {
  boost::json::value doc = boost::json::parse(api::OpenApiJson());
  Config config;
  for (const Route& r : ApiRoutes(config)) {
    std::string pattern(r.pattern), method(http::to_string(r.method));
    if (auto at = pattern.find("{path...}"); at != std::string::npos) {
      pattern.replace(at, 9, "{path}");
    }
    for (char& c : method) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    SCOPED_TRACE(method + " " + pattern);
    const boost::json::value* item = doc.at("paths").as_object().if_contains(pattern);
    ASSERT_NE(nullptr, item);
    const boost::json::value* found = item->as_object().if_contains(method);
    ASSERT_NE(nullptr, found);
    const boost::json::object* op = &found->as_object();
    std::string want, got;
    if (r.access == Access::kPublic) {
      ASSERT_TRUE(op->contains("security"));
      for (const auto& scheme : op->at("security").as_array()) {
        EXPECT_FALSE(scheme.as_object().contains("bearerToken"));
      }
      EXPECT_FALSE(op->contains("x-roles"));
      continue;
    }
    for (Role role : {Role::kSite, Role::kModerator, Role::kAdmin}) {
      if (r.roles.Has(role)) want += std::string(RoleName(role)) + " ";
    }
    ASSERT_TRUE(op->contains("x-roles"));
    for (const auto& role : op->at("x-roles").as_array()) {
      got += std::string(role.as_string()) + " ";
    }
    EXPECT_EQ(want, got);
  }
}

}  // namespace openapi_test
}  // namespace
}  // namespace moderated

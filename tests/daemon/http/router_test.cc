// tests/daemon/http/router_test.cc
//
// The Router's own checks, in the order it makes them, on a small table
// whose handlers only echo what they received.
#include "daemon/http/router.h"

#include <gtest/gtest.h>

#include "tests/testing/in_process_daemon.h"

namespace moderated {
namespace {

using testing::Detail;
using testing::InProcessDaemon;
namespace net = boost::asio;

// Answers 200 with what the router handed over.
net::awaitable<Response> Echo(Services&, const Call& call) {
  boost::json::object o{{"id", call.id},
                        {"name", call.name},
                        {"rest", call.rest},
                        {"actor", call.Actor()},
                        {"body", call.body}};
  boost::json::object q;
  for (const auto& [k, v] : call.query) q[k] = v;
  o["query"] = std::move(q);
  co_return JsonResponse(call.request, http::status::ok, o);
}

std::vector<Route> Table() {
  using http::verb;
  const Roles admin{Role::kAdmin};
  const Roles reviewers{Role::kModerator, Role::kAdmin};
  const Roles none{};
  return {
      {verb::get, "/open", Access::kPublic, none, SiteScope::kNone, BodyKind::kNone,
       BodyLimit::kComment, Echo},
      {verb::get, "/items", Access::kToken, reviewers, SiteScope::kQuery, BodyKind::kNone,
       BodyLimit::kComment, Echo},
      {verb::post, "/items", Access::kToken, admin, SiteScope::kNone, BodyKind::kJson,
       BodyLimit::kLarge, Echo},
      {verb::get, "/items/{id}", Access::kToken, kAnyRole, SiteScope::kNone, BodyKind::kNone,
       BodyLimit::kComment, Echo, "no item '{}'"},
      {verb::post, "/items/{id}/note", Access::kToken, kAnyRole, SiteScope::kNone,
       BodyKind::kOptionalJson, BodyLimit::kComment, Echo},
      {verb::get, "/sites/{name}", Access::kToken, admin, SiteScope::kNone, BodyKind::kNone,
       BodyLimit::kComment, Echo},
      {verb::get, "/files/{path...}", Access::kPublic, none, SiteScope::kNone, BodyKind::kNone,
       BodyLimit::kComment, Echo},
      {verb::get, "/local", Access::kLocalOrToken, admin, SiteScope::kNone, BodyKind::kNone,
       BodyLimit::kComment, Echo},
  };
}

class RouterTest : public ::testing::Test {
 protected:
  RouterTest() : router_(daemon_.services(), Table()) {
    admin_ = daemon_.Token(Role::kAdmin);
    moderator_ = daemon_.Token(Role::kModerator, {"a.example"});
    site_ = daemon_.Token(Role::kSite, {"a.example"});
  }
  Response Call(http::verb method, std::string target, std::string body = "",
                std::string token = "", std::string type = "application/json", bool local = false) {
    return InProcessDaemon::Call(router_, method, std::move(target), std::move(body),
                                 std::move(token), std::move(type), local);
  }
  boost::json::value Json(const Response& res) { return boost::json::parse(res.body()); }

  InProcessDaemon daemon_;
  Router router_;
  std::string admin_, moderator_, site_;
};

TEST_F(RouterTest, UnknownPathsAre404BeforeAnythingElse) {
  Response r = Call(http::verb::get, "/nothing/here");
  EXPECT_EQ(http::status::not_found, r.result());
  EXPECT_EQ("no such endpoint: /nothing/here", Detail(r));
  EXPECT_EQ("no such endpoint: /items/1/other", Detail(Call(http::verb::get, "/items/1/other")));
}

TEST_F(RouterTest, TokenPathsAre401BeforeTheMethodIsChecked) {
  Response r = Call(http::verb::delete_, "/items");
  EXPECT_EQ(http::status::unauthorized, r.result());
  EXPECT_EQ("missing Authorization: Bearer token", Detail(r));
  EXPECT_EQ("Bearer realm=\"moderated\"", r[http::field::www_authenticate]);
  EXPECT_EQ("invalid or revoked token", Detail(Call(http::verb::get, "/items", "", "mdr_wrong")));
}

TEST_F(RouterTest, WrongMethodIs405WithEveryMethodOfThePath) {
  Response r = Call(http::verb::delete_, "/items?x=1", "", admin_);
  EXPECT_EQ(http::status::method_not_allowed, r.result());
  EXPECT_EQ("GET, POST", r[http::field::allow]);
  EXPECT_EQ("method DELETE is not allowed on /items", Detail(r));
  // A public path needs no token for its 405.
  EXPECT_EQ(http::status::method_not_allowed, Call(http::verb::post, "/open").result());
}

TEST_F(RouterTest, RolesAre403NamingWhatTheRouteNeeds) {
  Response r = Call(http::verb::get, "/items", "", site_);
  EXPECT_EQ(http::status::forbidden, r.result());
  EXPECT_EQ("this endpoint needs a moderator or admin token, not site", Detail(r));
  r = Call(http::verb::post, "/items", "{}", moderator_);
  EXPECT_EQ("this endpoint needs an admin token, not moderator", Detail(r));
  EXPECT_EQ(http::status::ok, Call(http::verb::get, "/items", "", moderator_).result());
}

TEST_F(RouterTest, IdsAreTypedAndABadOneGetsTheRoutesOwn404) {
  Response r = Call(http::verb::get, "/items/42", "", site_);
  ASSERT_EQ(http::status::ok, r.result()) << r.body();
  EXPECT_EQ(42, Json(r).at("id").as_int64());
  EXPECT_EQ("no item 'abc'", Detail(Call(http::verb::get, "/items/abc", "", site_)));
  EXPECT_EQ("no item '-3'", Detail(Call(http::verb::get, "/items/-3", "", site_)));
  // Without a `missing` text: the generic one.
  EXPECT_EQ("no such endpoint: /items/x/note",
            Detail(Call(http::verb::post, "/items/x/note", "", site_)));
}

TEST_F(RouterTest, NamesArePercentDecodedAndRestsKeepTheirSlashes) {
  Response r = Call(http::verb::get, "/sites/news%2Eexample", "", admin_);
  ASSERT_EQ(http::status::ok, r.result()) << r.body();
  EXPECT_EQ("news.example", Json(r).at("name").as_string());
  EXPECT_EQ(http::status::not_found,
            Call(http::verb::get, "/sites/" + std::string(300, 'x'), "", admin_).result());
  r = Call(http::verb::get, "/files/js/app.js");
  EXPECT_EQ("js/app.js", Json(r).at("rest").as_string());
  EXPECT_EQ("", Json(Call(http::verb::get, "/files/")).at("rest").as_string());
}

TEST_F(RouterTest, TheSiteQueryParameterMustBeTheTokens) {
  Response r = Call(http::verb::get, "/items?site=b.example", "", moderator_);
  EXPECT_EQ(http::status::forbidden, r.result());
  EXPECT_EQ("this token may not act for site 'b.example'", Detail(r));
  r = Call(http::verb::get, "/items?site=a.example&x=y%20z", "", moderator_);
  ASSERT_EQ(http::status::ok, r.result());
  EXPECT_EQ("y z", Json(r).at("query").at("x").as_string());
  EXPECT_EQ("token:2:moderator", Json(r).at("actor").as_string());
}

TEST_F(RouterTest, JsonBodiesAreCheckedAndParsedBeforeTheHandler) {
  Response r = Call(http::verb::post, "/items", "a=b", admin_, "application/x-www-form-urlencoded");
  EXPECT_EQ(http::status::unsupported_media_type, r.result());
  EXPECT_EQ("Content-Type must be application/json, not 'application/x-www-form-urlencoded'",
            Detail(r));
  EXPECT_EQ("Content-Type must be application/json",
            Detail(Call(http::verb::post, "/items", "", admin_)));
  EXPECT_EQ("request body is not valid UTF-8",
            Detail(Call(http::verb::post, "/items", "\"\xC3\x28\"", admin_)));
  EXPECT_EQ("malformed JSON at byte 7: incomplete JSON",
            Detail(Call(http::verb::post, "/items", "{\"a\": 1", admin_)));
  r = Call(http::verb::post, "/items", "{\"a\": [1]}", admin_, "Application/JSON; charset=utf-8");
  ASSERT_EQ(http::status::ok, r.result()) << r.body();
  EXPECT_EQ(boost::json::parse("{\"a\": [1]}"), Json(r).at("body"));
}

TEST_F(RouterTest, NumbersJsonCannotWriteBackAreRefusedNamingTheirField) {
  // 1e400 parses as infinity; stored, it would be written as Infinity, which
  // is not JSON. The request is refused before any handler sees it.
  Response r = Call(http::verb::post, "/items",
                    R"({"site":"a.example","meta":{"n":1e400,"a/b":[1,-1e999]}})", admin_);
  ASSERT_EQ(http::status::unprocessable_entity, r.result()) << r.body();
  EXPECT_EQ("2 fields are invalid", Detail(r));
  EXPECT_EQ(boost::json::parse(R"([{"pointer":"/meta/n","detail":"is not a finite number"},)"
                               R"({"pointer":"/meta/a~1b/1","detail":"is not a finite number"}])"),
            Json(r).at("errors"));
  r = Call(http::verb::post, "/items", "[1e308, 1e-400]", admin_);  // finite, and 0
  EXPECT_EQ(http::status::ok, r.result()) << r.body();
}

TEST_F(RouterTest, OptionalBodiesMayBeEmpty) {
  Response r = Call(http::verb::post, "/items/1/note", "", site_);
  ASSERT_EQ(http::status::ok, r.result()) << r.body();
  EXPECT_TRUE(Json(r).at("body").is_null());
  EXPECT_EQ(http::status::bad_request,
            Call(http::verb::post, "/items/1/note", "{", site_).result());
}

TEST_F(RouterTest, LocalPeersNeedNoTokenWhereTheRouteSaysSo) {
  EXPECT_EQ(http::status::ok, Call(http::verb::get, "/local", "", "", "", /*local=*/true).result());
  EXPECT_EQ(http::status::unauthorized, Call(http::verb::get, "/local").result());
  EXPECT_EQ(http::status::forbidden, Call(http::verb::get, "/local", "", site_).result());
  daemon_.config().metrics.public_local = false;
  EXPECT_EQ(http::status::unauthorized,
            Call(http::verb::get, "/local", "", "", "", /*local=*/true).result());
}

TEST_F(RouterTest, BodyLimitsFollowTheRouteForTheMethod) {
  const Limits& limits = daemon_.config().limits;
  EXPECT_EQ(limits.max_batch_body_bytes, router_.BodyLimitFor(http::verb::post, "/items?x=1"));
  EXPECT_EQ(limits.max_body_bytes, router_.BodyLimitFor(http::verb::get, "/items"));
  EXPECT_EQ(limits.max_body_bytes, router_.BodyLimitFor(http::verb::post, "/nothing"));
}

TEST(RolesTest, DescribeNamesTheRolesWithTheirArticle) {
  EXPECT_EQ("an admin", Roles({Role::kAdmin}).Describe());
  EXPECT_EQ("a site or admin", Roles({Role::kAdmin, Role::kSite}).Describe());
  EXPECT_EQ("a site or moderator or admin", kAnyRole.Describe());
}

}  // namespace
}  // namespace moderated

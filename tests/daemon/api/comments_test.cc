// tests/daemon/api/comments_test.cc
//
// The comment endpoints in process, through the real route table: the
// engine judges, the writer commits, the handlers answer — no sockets.
#include <gtest/gtest.h>

#include "daemon/api/routes.h"
#include "tests/testing/in_process_daemon.h"

namespace moderated {
namespace {

using testing::Detail;
using testing::InProcessDaemon;
namespace json = boost::json;

class CommentsTest : public ::testing::Test {
 protected:
  CommentsTest() : router_(daemon_.services(), ApiRoutes(daemon_.config())) {
    site_ = daemon_.Token(Role::kSite, {"a.example"});
  }
  Response Post(const std::string& target, const std::string& body) {
    return InProcessDaemon::Call(router_, http::verb::post, target, body, site_);
  }
  Response Get(const std::string& target) {
    return InProcessDaemon::Call(router_, http::verb::get, target, "", site_);
  }

  InProcessDaemon daemon_;
  Router router_;
  std::string site_;
};

TEST_F(CommentsTest, StoresTheVerdictAndAnswersARepeatWithTheFirst) {
  const std::string body =
      R"({"site": "A.example", "id": 7, "content": "win at the casino tonight"})";
  Response first = Post("/v1/comments", body);
  ASSERT_EQ(http::status::created, first.result()) << first.body();
  json::value v = json::parse(first.body());
  EXPECT_EQ("hold", v.at("action").as_string());  // casino: 6 >= hold_at 5
  EXPECT_EQ("a.example", v.at("site").as_string());
  const int64_t id = v.at("id").as_int64();

  Response again = Post("/v1/comments", body);
  EXPECT_EQ(http::status::ok, again.result());
  EXPECT_EQ(id, json::parse(again.body()).at("id").as_int64());

  Response stored = Get("/v1/comments/" + std::to_string(id));
  ASSERT_EQ(http::status::ok, stored.result()) << stored.body();
  EXPECT_EQ("pending", json::parse(stored.body()).at("status").as_string());
}

TEST_F(CommentsTest, CheckIsADryRun) {
  Response r = Post("/v1/check", R"({"site": "a.example", "content": "hello"})");
  ASSERT_EQ(http::status::ok, r.result()) << r.body();
  EXPECT_EQ("accept", json::parse(r.body()).at("action").as_string());
  EXPECT_FALSE(json::parse(r.body()).as_object().contains("id"));
  EXPECT_EQ("no comment with id 1", Detail(Get("/v1/comments/1")));
}

TEST_F(CommentsTest, FieldsAre422AndOtherSitesAre403) {
  Response r = Post("/v1/comments", R"({"site": "a.example", "content": 5})");
  EXPECT_EQ(http::status::unprocessable_entity, r.result());
  EXPECT_EQ("/content must be a string", Detail(r));
  r = Post("/v1/comments", R"({"site": "b.example", "content": "hi"})");
  EXPECT_EQ(http::status::forbidden, r.result());
  EXPECT_EQ("this token may not act for site 'b.example'", Detail(r));
}

TEST_F(CommentsTest, BatchItemsFailAlone) {
  Response r =
      Post("/v1/comments/batch",
           R"({"comments": [{"site": "a.example", "content": "one"}, {"site": "a.example"}]})");
  ASSERT_EQ(http::status::ok, r.result()) << r.body();
  const json::value v = json::parse(r.body());
  const json::array& results = v.at("results").as_array();
  ASSERT_EQ(2u, results.size());
  EXPECT_TRUE(results[0].as_object().contains("id"));
  EXPECT_EQ("/comments/1/content is required", results[1].at("error").at("detail").as_string());
}

TEST_F(CommentsTest, PollingNeedsTheSiteAndListsChanges) {
  EXPECT_EQ("query parameter 'site' is required", Detail(Get("/v1/comments")));
  ASSERT_EQ(http::status::created,
            Post("/v1/comments", R"({"site": "a.example", "id": "x", "content": "hi"})").result());
  Response r = Get("/v1/comments?site=a.example&changed_since=0");
  ASSERT_EQ(http::status::ok, r.result()) << r.body();
  const json::value v = json::parse(r.body());
  const json::array& items = v.at("items").as_array();
  ASSERT_EQ(1u, items.size());
  EXPECT_EQ("x", items[0].at("external_id").as_string());
  EXPECT_EQ("approved", items[0].at("status").as_string());
}

}  // namespace
}  // namespace moderated

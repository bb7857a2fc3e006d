// End-to-end tests of saved views (GET/POST /v1/views, DELETE
// /v1/views/{id}, docs/api.md "Saved views"): the real `moderated serve`
// binary on loopback, two moderators and a site token; each moderator sees
// only their own views, a saved filter applies as the queue or search
// query it is, and the file is read back with SQLite.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>

#include "tests/testing/daemon_process.h"
#include "tests/testing/sqlite_query.h"
#include "tests/testing/temp_dir.h"

namespace moderated {
namespace {

namespace json = boost::json;
namespace http = boost::beast::http;
using testing::DaemonProcess;
using testing::HttpClient;
using testing::HttpResult;
using testing::QuerySqlite;
using testing::TempDir;

std::string Str(const json::value& v) { return std::string(v.as_string()); }

class ViewsE2ETest : public ::testing::Test {
 protected:
  void SetUp() override {
    daemon_ = std::make_unique<DaemonProcess>(MODERATED_BINARY, dir_.path().string());
    alice_ = daemon_->CreateToken("moderator");
    bob_ = daemon_->CreateToken("moderator");
  }

  HttpResult Send(http::verb method, const std::string& target, const std::string& token,
                  const std::string& body = "") {
    HttpClient c = HttpClient::Tcp(daemon_->port());
    c.WithToken(token);
    return c.Send(method, target, body);
  }

  // "kind/name" of each of `token`'s views, as listed.
  std::string Names(const std::string& token, const std::string& query = "") {
    HttpResult r = Send(http::verb::get, "/v1/views" + query, token);
    EXPECT_EQ(200u, r.status) << r.body;
    if (r.status != 200) return "HTTP " + std::to_string(r.status);
    std::string s;
    const json::value page = r.Json();
    for (const auto& v : page.at("items").as_array()) {
      s += (s.empty() ? "" : " ") + Str(v.at("kind")) + "/" + Str(v.at("name"));
    }
    return s;
  }

  TempDir dir_;
  std::unique_ptr<DaemonProcess> daemon_;
  std::string alice_, bob_;
};

TEST_F(ViewsE2ETest, EachModeratorSavesListsAppliesAndDeletesTheirOwn) {
  HttpResult r = Send(http::verb::post, "/v1/views", alice_,
                      R"({"kind": "search", "name": "Rejected casino",
                          "filter": {"status": "rejected", "rule": "casino", "min_score": "5"}})");
  ASSERT_EQ(201u, r.status) << r.body;
  const json::value created = r.Json();
  const int64_t id = created.at("id").as_int64();
  EXPECT_EQ("search", Str(created.at("kind")));
  EXPECT_EQ("Rejected casino", Str(created.at("name")));
  EXPECT_EQ(R"({"status":"rejected","rule":"casino","min_score":"5"})",
            json::serialize(created.at("filter")));
  EXPECT_EQ(Str(created.at("created_at")), Str(created.at("updated_at")));
  r = Send(http::verb::post, "/v1/views", alice_,
           R"({"kind": "queue", "name": "عربي", "filter": {"language": "ar", "label": "spam"}})");
  ASSERT_EQ(201u, r.status) << r.body;
  r = Send(http::verb::post, "/v1/views", bob_,
           R"({"kind": "queue", "name": "Mine", "filter": {}})");
  ASSERT_EQ(201u, r.status) << r.body;

  EXPECT_EQ("queue/عربي search/Rejected casino", Names(alice_));
  EXPECT_EQ("search/Rejected casino", Names(alice_, "?kind=search"));
  EXPECT_EQ("queue/Mine", Names(bob_));

  // Saving under the same name replaces the filter: 200, the same id.
  r = Send(http::verb::post, "/v1/views", alice_,
           R"({"kind": "search", "name": "Rejected casino", "filter": {"status": "rejected"}})");
  ASSERT_EQ(200u, r.status) << r.body;
  EXPECT_EQ(id, r.Json().at("id").as_int64());
  EXPECT_EQ(R"({"status":"rejected"})", json::serialize(r.Json().at("filter")));

  // Applied: its filter is the search's query.
  r = Send(http::verb::get, "/v1/comments/search?status=rejected", alice_);
  EXPECT_EQ(200u, r.status) << r.body;

  // Nobody else's view can be deleted; the owner's can, once.
  const std::string target = "/v1/views/" + std::to_string(id);
  r = Send(http::verb::delete_, target, bob_);
  EXPECT_EQ(404u, r.status) << r.body;
  EXPECT_EQ("no saved view '" + std::to_string(id) + "'", Str(r.Json().at("detail")));
  EXPECT_EQ(204u, Send(http::verb::delete_, target, alice_).status);
  EXPECT_EQ(404u, Send(http::verb::delete_, target, alice_).status);
  EXPECT_EQ("queue/عربي", Names(alice_));
  EXPECT_EQ("2\n", QuerySqlite(daemon_->database(), "SELECT count(*) FROM saved_views"));
  EXPECT_EQ("queue|عربي|{\"language\":\"ar\",\"label\":\"spam\"}\n",
            QuerySqlite(daemon_->database(),
                        "SELECT kind, name, filter_json FROM saved_views ORDER BY id LIMIT 1"));
}

TEST_F(ViewsE2ETest, BadViewsAreProblemsNamingTheField) {
  struct Case {
    std::string body, errors;
  } const kCases[] = {
      {R"({"kind": "audit", "name": "x", "filter": {}})", "/kind must be \"queue\" or \"search\""},
      {R"({"kind": "queue", "name": " ", "filter": {}})",
       "/name must be a text of 1 to 100 characters"},
      {R"({"kind": "queue", "name": "x", "filter": []})",
       "/filter must be an object of query parameters"},
      {R"({"kind": "queue", "name": "x", "filter": {"label": "rejected"}})",
       "/filter/label must be spam, abuse or ham"},
      {R"({"kind": "queue", "name": "x", "filter": {"status": "approved"}})",
       "/filter/status is not a filter of the queue"},
      {R"({"kind": "search", "name": "x", "filter": {"since": "yesterday"}})",
       "/filter/since must be an RFC 3339 date-time or Unix milliseconds"},
      {R"({"kind": "search", "name": "x", "filter": {"min_score": 5}})",
       "/filter/min_score must be a string"},
      {R"({"kind": "search", "name": "x", "filter": {}, "owner": 1})", "/owner is unknown"},
  };
  for (const Case& c : kCases) {
    HttpResult r = Send(http::verb::post, "/v1/views", alice_, c.body);
    EXPECT_EQ(422u, r.status) << c.body << " " << r.body;
    EXPECT_EQ("application/problem+json", r.content_type) << c.body;
    EXPECT_EQ(c.errors, Str(r.Json().at("detail"))) << c.body;
  }
  HttpResult r = Send(http::verb::get, "/v1/views?kind=audit", alice_);
  EXPECT_EQ(400u, r.status);
  EXPECT_EQ("query parameter 'kind' must be queue or search", Str(r.Json().at("detail")));
  EXPECT_EQ("0\n", QuerySqlite(daemon_->database(), "SELECT count(*) FROM saved_views"));
}

TEST_F(ViewsE2ETest, SiteTokensHaveNoViews) {
  const std::string site = daemon_->CreateToken("site", {"news.example"});
  EXPECT_EQ(403u, Send(http::verb::get, "/v1/views", site).status);
  EXPECT_EQ(403u, Send(http::verb::post, "/v1/views", site,
                       R"({"kind": "queue", "name": "x", "filter": {}})")
                      .status);
}

}  // namespace
}  // namespace moderated

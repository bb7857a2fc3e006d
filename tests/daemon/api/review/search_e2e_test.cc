// End-to-end tests of the search over every comment (GET
// /v1/comments/search, docs/api.md "Search"): the real `moderated serve`
// binary on loopback with its SQLite file and
// tests/testdata/daemon/search_rules.yaml (casino advertising is rejected on
// its own, "hold me" is held, the rest is accepted), driven over HTTP; a
// comment found among the auto-rejected ones is then rescued with the
// decision endpoint, and the file is read back with SQLite.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cctype>
#include <iterator>
#include <set>
#include <string>
#include <vector>

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

const std::string kSearchRules =
    std::string(MODERATED_TESTDATA_DIR) + "/daemon/search_rules.yaml";

std::string Str(const json::value& v) { return std::string(v.as_string()); }

class SearchE2ETest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    daemon_ = new DaemonProcess(MODERATED_BINARY, dir_->path().string(), {"--rules", kSearchRules});
    moderator_ = daemon_->CreateToken("moderator");
    Submit("news.example", "en-ok", "A fair point about the city budget, hold me", "a@example.com",
           "198.51.100.1", "https://news.example/budget", "pending");
    Submit("news.example", "en-casino", "Best CASINO bonus, free spins", "Spammer@Example.com",
           "203.0.113.66", "https://news.example/budget", "rejected");
    Submit("news.example", "ru-casino", "Лучшее Казино онлайн, пишите в телеграм",
           "spammer@example.com", "203.0.113.66", "https://news.example/sport", "rejected");
    Submit("ar.example", "ar-casino", "أفضل كازينو اون لاين مع مكافأة", "x@example.com",
           "192.0.2.7", "https://ar.example/news/1", "rejected");
    Submit("ar.example", "ar-ok", "شكرا على هذا التقرير المفصل عن الميزانية", "y@example.com",
           "192.0.2.8", "https://ar.example/news/1", "approved");
    Submit("news.example", "ru-ok", "Спасибо за подробный репортаж о бюджете", "z@example.com",
           "192.0.2.9", "https://news.example/sport", "approved");
  }
  static void TearDownTestSuite() {
    delete daemon_;
    delete dir_;
  }

  static HttpResult Get(const std::string& target, const std::string& token = moderator_) {
    HttpClient c = HttpClient::Tcp(daemon_->port());
    c.WithToken(token);
    return c.Send(http::verb::get, target);
  }

  static void Submit(const std::string& site, const std::string& id, const std::string& content,
                     const std::string& email, const std::string& ip, const std::string& thread,
                     const std::string& status) {
    json::object o{{"site", site},
                   {"id", id},
                   {"content", content},
                   {"thread", thread},
                   {"author", {{"email", email}, {"ip", ip}}}};
    HttpResult r = daemon_->Tcp().Send(http::verb::post, "/v1/comments", json::serialize(o));
    ASSERT_EQ(201u, r.status) << r.body;
    EXPECT_EQ(status, Str(r.Json().at("status"))) << id << " " << r.body;
  }

  // The external ids of a page, newest first, space-separated.
  static std::string Found(const std::string& query, const std::string& token = moderator_) {
    HttpResult r = Get("/v1/comments/search" + query, token);
    EXPECT_EQ(200u, r.status) << query << " " << r.body;
    if (r.status != 200) return "HTTP " + std::to_string(r.status);
    const json::value page = r.Json();
    std::string s;
    for (const auto& item : page.at("items").as_array()) {
      s += (s.empty() ? "" : " ") + Str(item.at("external_id"));
    }
    return s;
  }

  static TempDir* dir_;
  static DaemonProcess* daemon_;
  static std::string moderator_;
};
TempDir* SearchE2ETest::dir_ = nullptr;
DaemonProcess* SearchE2ETest::daemon_ = nullptr;
std::string SearchE2ETest::moderator_;

std::string Url(const std::string& s) {
  std::string out;
  const char* hex = "0123456789ABCDEF";
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_') {
      out.push_back(static_cast<char>(c));
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

TEST_F(SearchE2ETest, FindsEveryStatusByTextAuthorThreadAndLanguage) {
  EXPECT_EQ("ru-ok ar-ok ar-casino ru-casino en-casino en-ok", Found(""));
  // Text in three alphabets, case folded, inside words.
  EXPECT_EQ("en-casino", Found("?q=casino"));
  EXPECT_EQ("ru-casino", Found("?q=" + Url("казино")));
  EXPECT_EQ("ar-casino", Found("?q=" + Url("كازينو")));
  EXPECT_EQ("ar-ok", Found("?q=" + Url("الميزانية")));
  EXPECT_EQ("ru-ok", Found("?q=" + Url("РЕПОРТАЖ")));
  // Auto-accepted and auto-rejected ones by status.
  EXPECT_EQ("ar-casino ru-casino en-casino", Found("?status=rejected"));
  EXPECT_EQ("ru-ok ar-ok", Found("?status=approved"));
  EXPECT_EQ("en-ok", Found("?status=pending"));
  EXPECT_EQ("ru-casino en-casino", Found("?email=SPAMMER%40example.com"));
  EXPECT_EQ("ru-casino en-casino", Found("?ip=203.0.113.66&status=rejected"));
  EXPECT_EQ("ru-ok ru-casino", Found("?thread=" + Url("https://news.example/sport")));
  EXPECT_EQ("ru-ok", Found("?site=news.example&status=approved"));
  EXPECT_EQ("", Found("?q=nothing-like-this"));
}

// The filters an archive needs beside the queue's: an enforced rule, a
// moderator's label, a score range and a date range, alone and combined.
TEST_F(SearchE2ETest, FiltersByRuleLabelScoreAndDate) {
  EXPECT_EQ("ar-casino ru-casino en-casino", Found("?rule=casino"));
  EXPECT_EQ("ru-casino en-casino", Found("?rule=casino&site=news.example"));
  EXPECT_EQ("en-ok", Found("?rule=hold_me"));
  EXPECT_EQ("", Found("?rule=no_such_rule"));
  // Scores: split the comments between their two highest scores; each side
  // is what the listing's scores say it is.
  HttpResult r = Get("/v1/comments/search");
  ASSERT_EQ(200u, r.status) << r.body;
  const json::value all = r.Json();
  std::set<double> scores;
  for (const auto& item : all.at("items").as_array()) {
    scores.insert(item.at("verdict").at("score").to_number<double>());
  }
  ASSERT_GE(scores.size(), 2u);
  const double top = *scores.rbegin();
  const double split = (top + *std::next(scores.rbegin())) / 2;
  std::string above, below;
  for (const auto& item : all.at("items").as_array()) {
    std::string& side = item.at("verdict").at("score").to_number<double>() > split ? above : below;
    side += (side.empty() ? "" : " ") + Str(item.at("external_id"));
  }
  EXPECT_EQ(above, Found("?min_score=" + std::to_string(split)));
  EXPECT_EQ(below, Found("?max_score=" + std::to_string(split)));
  EXPECT_EQ("", Found("?min_score=" + std::to_string(top + 1)));
  // Dates: since inclusive, until exclusive, RFC 3339 or Unix milliseconds.
  EXPECT_EQ("ru-ok ar-ok ar-casino ru-casino en-casino en-ok", Found("?since=2020-01-01T00:00:00Z"));
  EXPECT_EQ("", Found("?since=2999-01-01T00:00:00Z"));
  EXPECT_EQ("", Found("?until=1000"));
  EXPECT_EQ("ar-casino ru-casino en-casino",
            Found("?until=2999-01-01T00:00:00Z&since=0&status=rejected"));
  // A moderator's label: what they said is found again, and goes with undo.
  r = Get("/v1/comments/search?q=" + Url("Казино"));
  ASSERT_EQ(200u, r.status) << r.body;
  const std::string id = std::to_string(r.Json().at("items").at(0).at("id").as_int64());
  HttpClient c = HttpClient::Tcp(daemon_->port());
  c.WithToken(moderator_);
  r = c.Send(http::verb::post, "/v1/comments/" + id + "/decision", R"({"decision": "spam"})");
  ASSERT_EQ(200u, r.status) << r.body;
  EXPECT_EQ("ru-casino", Found("?label=spam"));
  EXPECT_EQ("ru-casino", Found("?label=spam&rule=casino&thread=" +
                               Url("https://news.example/sport")));
  EXPECT_EQ("", Found("?label=ham"));
  r = c.Send(http::verb::post, "/v1/comments/" + id + "/undo");
  ASSERT_EQ(200u, r.status) << r.body;
  EXPECT_EQ("", Found("?label=spam"));
}

TEST_F(SearchE2ETest, PagesWithACursorNewestFirst) {
  HttpResult r = Get("/v1/comments/search?limit=4");
  ASSERT_EQ(200u, r.status) << r.body;
  json::value page = r.Json();
  ASSERT_EQ(4u, page.at("items").as_array().size());
  ASSERT_TRUE(page.at("next_cursor").is_string());
  r = Get("/v1/comments/search?limit=4&cursor=" + Str(page.at("next_cursor")));
  ASSERT_EQ(200u, r.status) << r.body;
  page = r.Json();
  std::string s;
  for (const auto& item : page.at("items").as_array()) s += Str(item.at("external_id")) + " ";
  EXPECT_EQ("en-casino en-ok ", s);
  EXPECT_TRUE(page.at("next_cursor").is_null());
}

TEST_F(SearchE2ETest, BadParametersAreProblemsNamingTheField) {
  struct Case {
    std::string query, detail;
  } const kCases[] = {
      {"?q=ab", "query parameter 'q' must be at least 3 characters"},
      {"?q=" + Url("كا"), "query parameter 'q' must be at least 3 characters"},
      {"?q=" + std::string(257, 'x'), "query parameter 'q' must be at most 256 bytes"},
      {"?status=held", "query parameter 'status' must be approved, pending or rejected"},
      {"?limit=0", "query parameter 'limit' must be an integer from 1 to 200"},
      {"?cursor=bm9wZQ", "query parameter 'cursor' is not a cursor from a previous page of this "
                         "search"},
      {"?sort=newest", "query parameter 'sort' is unknown"},
      {"?label=rejected", "query parameter 'label' must be spam, abuse or ham"},
      {"?min_score=high", "query parameter 'min_score' must be a number"},
      {"?max_score=", "query parameter 'max_score' must be a number"},
      {"?since=yesterday",
       "query parameter 'since' must be an RFC 3339 date-time or Unix milliseconds"},
      {"?until=2026-13-01T00:00:00Z",
       "query parameter 'until' must be an RFC 3339 date-time or Unix milliseconds"},
  };
  for (const Case& c : kCases) {
    HttpResult r = Get("/v1/comments/search" + c.query);
    EXPECT_EQ(400u, r.status) << c.query;
    EXPECT_EQ("application/problem+json", r.content_type) << c.query;
    EXPECT_EQ(c.detail, Str(r.Json().at("detail"))) << c.query;
  }
}

TEST_F(SearchE2ETest, ScopedModeratorsSeeTheirSitesAndSiteTokensNothing) {
  const std::string ar_moderator = daemon_->CreateToken("moderator", {"ar.example"});
  EXPECT_EQ("ar-ok ar-casino", Found("", ar_moderator));
  EXPECT_EQ(403u, Get("/v1/comments/search?site=news.example", ar_moderator).status);
  const std::string site = daemon_->CreateToken("site", {"news.example"});
  EXPECT_EQ(403u, Get("/v1/comments/search", site).status);
}

// A comment the daemon rejected on its own, found by search, is approved
// by a moderator: the rescue is an ordinary decision, audited.
TEST_F(SearchE2ETest, AFoundAutoRejectedCommentIsRescued) {
  HttpResult r = Get("/v1/comments/search?status=rejected&q=" + Url("كازينو"));
  ASSERT_EQ(200u, r.status) << r.body;
  const json::value found = r.Json();
  const json::array& items = found.at("items").as_array();
  ASSERT_EQ(1u, items.size());
  const int64_t id = items[0].at("id").as_int64();
  HttpClient c = HttpClient::Tcp(daemon_->port());
  c.WithToken(moderator_);
  r = c.Send(http::verb::post, "/v1/comments/" + std::to_string(id) + "/decision",
             R"({"decision": "approve", "note": "not spam: a report about casinos"})");
  ASSERT_EQ(200u, r.status) << r.body;
  const json::value decided = r.Json();
  EXPECT_EQ("rejected", Str(decided.at("decision").at("previous_status"))) << r.body;
  EXPECT_EQ("approved", Str(decided.at("decision").at("new_status"))) << r.body;
  EXPECT_EQ("approved", Str(decided.at("comment").at("status"))) << r.body;
  EXPECT_EQ("approved\n", QuerySqlite(daemon_->database(),
                                      "SELECT status FROM comments WHERE id = " +
                                          std::to_string(id)));
  EXPECT_EQ("rejected|approved\n",
            QuerySqlite(daemon_->database(),
                        "SELECT json_extract(before_json, '$.status'), "
                        "json_extract(after_json, '$.status') FROM audit_log "
                        "WHERE action = 'comment.decide' AND target = 'comment:" +
                            std::to_string(id) + "'"));
  EXPECT_EQ("ar-ok", Found("?status=approved&site=ar.example&q=" + Url("التقرير")));
  // Undo it again so that the other tests see the file as they expect.
  r = c.Send(http::verb::post, "/v1/comments/" + std::to_string(id) + "/undo");
  EXPECT_EQ(200u, r.status) << r.body;
}

}  // namespace
}  // namespace moderated

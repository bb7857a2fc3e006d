// End-to-end tests of the review queue (docs/review.md): the real
// `moderated serve` binary with tests/testdata/daemon/queue_rules.yaml (every
// comment is held), driven over HTTP with moderator, site and admin tokens
// made by the CLI; the rows a decision writes are read back from the database
// file with SQLite, independently of the daemon.
#include <sqlite3.h>

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <csignal>
#include <functional>
#include <regex>
#include <set>
#include <thread>

#include "tests/testing/daemon_process.h"
#include "tests/testing/sqlite_query.h"
#include "tests/testing/temp_dir.h"

namespace moderated {
namespace {

namespace json = boost::json;
namespace http = boost::beast::http;
using testing::DaemonProcess;
using testing::ExecSqlite;
using testing::QuerySqlite;
using testing::HttpClient;
using testing::HttpResult;
using testing::TempDir;

const std::string kQueueRules = std::string(MODERATED_TESTDATA_DIR) + "/daemon/queue_rules.yaml";

std::string Str(const json::value& v) { return std::string(v.as_string()); }

// The classifier label with the highest probability (ties: ham, spam), as
// the queue's label filter defines it.
std::string TopLabel(const json::value& item) {
  const json::object& labels = item.at("verdict").at("labels").as_object();
  auto p = [&](const char* k) {
    auto it = labels.find(k);
    return it == labels.end() ? 0.0 : it->value().to_number<double>();
  };
  if (p("ham") >= p("spam") && p("ham") >= p("abuse")) return "ham";
  return p("spam") >= p("abuse") ? "spam" : "abuse";
}

class QueueE2ETest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    daemon_ = new DaemonProcess(MODERATED_BINARY, dir_->path().string(), {"--rules", kQueueRules});
  }
  static void TearDownTestSuite() {
    delete daemon_;
    delete dir_;
  }

  static HttpResult Call(const std::string& token, http::verb verb, const std::string& target,
                         const std::string& body = "") {
    HttpClient c = HttpClient::Tcp(daemon_->port());
    c.WithToken(token);
    return c.Send(verb, target, body);
  }
  static HttpResult Admin(http::verb verb, const std::string& target,
                          const std::string& body = "") {
    return Call(daemon_->admin_token(), verb, target, body);
  }

  // Submits a comment (as the admin) and returns our id; it must be held.
  static int64_t Submit(const std::string& site, const std::string& external_id,
                        const std::string& content, const std::string& email = "",
                        const std::string& ip = "", const std::string& lang = "") {
    json::object o{{"site", site}, {"id", external_id}, {"content", content}};
    json::object author;
    if (!email.empty()) author["email"] = email;
    if (!ip.empty()) author["ip"] = ip;
    if (!author.empty()) o["author"] = author;
    if (!lang.empty()) o["lang"] = lang;
    HttpResult r = Admin(http::verb::post, "/v1/comments", json::serialize(o));
    EXPECT_EQ(201u, r.status) << r.body;
    if (r.status != 201) return 0;
    json::value v = r.Json();
    EXPECT_EQ("hold", Str(v.at("action"))) << r.body;
    return v.at("id").as_int64();
  }

  static std::string Decision(const std::string& decision, const std::string& note = "") {
    json::object o{{"decision", decision}};
    if (!note.empty()) o["note"] = note;
    return json::serialize(o);
  }

  static std::vector<int64_t> Ids(const json::value& page) {
    std::vector<int64_t> ids;
    for (const auto& item : page.at("items").as_array()) ids.push_back(item.at("id").as_int64());
    return ids;
  }

  static TempDir* dir_;
  static DaemonProcess* daemon_;
};
TempDir* QueueE2ETest::dir_ = nullptr;
DaemonProcess* QueueE2ETest::daemon_ = nullptr;

const char* const kEnglish[] = {
    "Play casino games tonight and win big, free spins for every new player",
    "I really enjoyed this article about the local elections and the new mayor",
    "The weather in the capital has been unusually warm for this time of year",
};
const char* const kArabic[] = {
    "أفضل كازينو على الإنترنت، سجل الآن واحصل على مكافأة كبيرة",
    "شكرا على هذا المقال الرائع عن الانتخابات المحلية في المدينة",
    "الطقس في العاصمة كان دافئا بشكل غير عادي في هذا الوقت من السنة",
};
const char* const kRussian[] = {
    "Лучшее казино онлайн, заходите и выигрывайте каждый день без вложений",
    "Спасибо за интересную статью о местных выборах и новом мэре города",
    "Погода в столице была необычно тёплой для этого времени года",
};

TEST_F(QueueE2ETest, ListsHeldEnglishArabicRussianWithFiltersSortsAndCounts) {
  const std::string site = "list.example";
  std::map<int64_t, std::string> lang_of;
  std::set<int64_t> casino;
  for (int i = 0; i < 3; ++i) {
    int64_t en = Submit(site, "en-" + std::to_string(i), kEnglish[i], "", "", "en");
    int64_t ar = Submit(site, "ar-" + std::to_string(i), kArabic[i], "", "", "ar");
    int64_t ru = Submit(site, "ru-" + std::to_string(i), kRussian[i], "", "", "ru");
    lang_of[en] = "en";
    lang_of[ar] = "ar";
    lang_of[ru] = "ru";
    if (i == 0) casino.insert({en, ar, ru});
  }
  const std::string base = "/v1/queue?site=" + site;
  HttpResult r = Admin(http::verb::get, base);
  ASSERT_EQ(200u, r.status) << r.body;
  json::value page = r.Json();
  std::vector<int64_t> oldest = Ids(page);
  ASSERT_EQ(9u, oldest.size());
  EXPECT_TRUE(std::is_sorted(oldest.begin(), oldest.end()));
  EXPECT_TRUE(page.at("next_cursor").is_null());
  const json::value& counts = page.at("counts");
  EXPECT_EQ(9, counts.at("total").as_int64());
  EXPECT_EQ((json::object{{site, 9}}), counts.at("by_site").as_object());
  EXPECT_EQ((json::object{{"ar", 3}, {"en", 3}, {"ru", 3}}), counts.at("by_language").as_object());
  EXPECT_EQ(9, counts.at("by_rule").at("review_all").as_int64());
  EXPECT_EQ(3, counts.at("by_rule").at("casino").as_int64());
  int64_t label_sum = 0;
  for (const auto& kv : counts.at("by_label").as_object()) label_sum += kv.value().as_int64();
  EXPECT_EQ(9, label_sum);
  // Items are comment objects with claim and reputation; text as sent.
  const json::value& first = page.at("items").as_array()[0];
  EXPECT_EQ(kEnglish[0], Str(first.at("content")));
  EXPECT_EQ("pending", Str(first.at("status")));
  EXPECT_TRUE(first.at("claim").is_null());
  EXPECT_TRUE(first.at("reputation").at("email").is_object());
  EXPECT_EQ(kArabic[0], Str(page.at("items").as_array()[1].at("content")));
  EXPECT_EQ(kRussian[0], Str(page.at("items").as_array()[2].at("content")));

  // Language.
  for (const std::string lang : {"ar", "ru", "en"}) {
    r = Admin(http::verb::get, base + "&language=" + lang);
    ASSERT_EQ(200u, r.status) << r.body;
    std::vector<int64_t> ids = Ids(r.Json());
    EXPECT_EQ(3u, ids.size()) << lang;
    for (int64_t id : ids) EXPECT_EQ(lang, lang_of[id]);
    EXPECT_EQ(3, r.Json().at("counts").at("total").as_int64());
  }
  // Rule.
  r = Admin(http::verb::get, base + "&rule=casino");
  ASSERT_EQ(200u, r.status);
  std::vector<int64_t> ids = Ids(r.Json());
  EXPECT_EQ(casino, std::set<int64_t>(ids.begin(), ids.end()));
  // Label: each item's top label; together they cover the queue.
  size_t covered = 0;
  for (const std::string label : {"spam", "abuse", "ham"}) {
    r = Admin(http::verb::get, base + "&label=" + label);
    ASSERT_EQ(200u, r.status) << r.body;
    const json::value body1 = r.Json();
    for (const auto& item : body1.at("items").as_array()) {
      EXPECT_EQ(label, TopLabel(item));
      ++covered;
    }
  }
  EXPECT_EQ(9u, covered);
  // Sorts.
  r = Admin(http::verb::get, base + "&sort=newest");
  EXPECT_EQ(std::vector<int64_t>(oldest.rbegin(), oldest.rend()), Ids(r.Json()));
  for (const std::string sort : {"score_desc", "score_asc"}) {
    r = Admin(http::verb::get, base + "&sort=" + sort);
    ASSERT_EQ(200u, r.status);
    std::vector<double> scores;
    const json::value body2 = r.Json();
    for (const auto& item : body2.at("items").as_array()) {
      scores.push_back(item.at("verdict").at("score").to_number<double>());
    }
    ASSERT_EQ(9u, scores.size());
    if (sort == "score_desc") {
      EXPECT_TRUE(std::is_sorted(scores.rbegin(), scores.rend()));
    } else {
      EXPECT_TRUE(std::is_sorted(scores.begin(), scores.end()));
    }
  }
  // Score range: the casino comments score at least 4 from their rule.
  r = Admin(http::verb::get, base + "&min_score=4&max_score=1000");
  const json::value body3 = r.Json();
  for (const auto& item : body3.at("items").as_array()) {
    EXPECT_GE(item.at("verdict").at("score").to_number<double>(), 4.0);
  }
  EXPECT_GE(r.Json().at("counts").at("total").as_int64(), 3);
  // Age: nothing is an hour old; everything is younger than an hour.
  EXPECT_EQ(0u, Ids(Admin(http::verb::get, base + "&min_age=3600").Json()).size());
  EXPECT_EQ(9u, Ids(Admin(http::verb::get, base + "&max_age=3600").Json()).size());
  // Bad parameters.
  r = Admin(http::verb::get, base + "&sort=random");
  EXPECT_EQ(400u, r.status);
  EXPECT_EQ("query parameter 'sort' must be oldest, newest, score_desc or score_asc",
            Str(r.Json().at("detail")));
  r = Admin(http::verb::get, base + "&label=scam");
  EXPECT_EQ("query parameter 'label' must be spam, abuse or ham", Str(r.Json().at("detail")));
  r = Admin(http::verb::get, base + "&limit=0");
  EXPECT_EQ("query parameter 'limit' must be an integer from 1 to 200", Str(r.Json().at("detail")));
}

TEST_F(QueueE2ETest, CursorPagesThroughTwentyFiveItems) {
  const std::string site = "page.example";
  json::array batch;
  for (int i = 0; i < 25; ++i) {
    batch.push_back({{"site", site},
                     {"id", "p-" + std::to_string(i)},
                     {"content", i % 2 ? kArabic[i % 3] : kRussian[i % 3]}});
  }
  HttpResult r = Admin(http::verb::post, "/v1/comments/batch",
                       json::serialize(json::object{{"comments", batch}}));
  ASSERT_EQ(200u, r.status) << r.body;

  for (const std::string sort : {"oldest", "score_desc"}) {
    std::vector<int64_t> all;
    std::vector<size_t> sizes;
    std::string cursor;
    for (int pageno = 0; pageno < 10; ++pageno) {
      std::string target = "/v1/queue?site=" + site + "&limit=10&sort=" + sort;
      if (!cursor.empty()) target += "&cursor=" + cursor;
      r = Admin(http::verb::get, target);
      ASSERT_EQ(200u, r.status) << r.body;
      json::value page = r.Json();
      EXPECT_EQ(25, page.at("counts").at("total").as_int64());  // whatever the page
      std::vector<int64_t> ids = Ids(page);
      sizes.push_back(ids.size());
      all.insert(all.end(), ids.begin(), ids.end());
      if (page.at("next_cursor").is_null()) break;
      cursor = Str(page.at("next_cursor"));
    }
    EXPECT_EQ((std::vector<size_t>{10, 10, 5}), sizes) << sort;
    EXPECT_EQ(25u, std::set<int64_t>(all.begin(), all.end()).size()) << sort;
    if (sort == "oldest") EXPECT_TRUE(std::is_sorted(all.begin(), all.end()));
  }
  // A cursor belongs to its sort.
  r = Admin(http::verb::get, "/v1/queue?site=" + site + "&limit=10");
  std::string cursor = Str(r.Json().at("next_cursor"));
  r = Admin(http::verb::get, "/v1/queue?site=" + site + "&sort=newest&cursor=" + cursor);
  EXPECT_EQ(400u, r.status);
  EXPECT_EQ("query parameter 'cursor' is not a cursor from a previous page of this sort",
            Str(r.Json().at("detail")));
}

TEST_F(QueueE2ETest, ClaimsBlockOtherModeratorsUntilReleased) {
  const std::string site = "claim.example";
  const std::string a = daemon_->CreateToken("moderator", {site});
  const std::string b = daemon_->CreateToken("moderator", {site});
  int64_t id = Submit(site, "c-1", kRussian[1]);
  const std::string claim = "/v1/queue/" + std::to_string(id) + "/claim";

  HttpResult r = Call(a, http::verb::post, claim, "");
  ASSERT_EQ(200u, r.status) << r.body;
  json::value held = r.Json();
  EXPECT_EQ(id, held.at("comment_id").as_int64());
  const std::string actor_a = Str(held.at("actor"));
  EXPECT_TRUE(std::regex_match(actor_a, std::regex("token:[0-9]+:.*"))) << actor_a;
  const std::string expires = Str(held.at("expires_at"));
  const std::string conflict =
      "comment " + std::to_string(id) + " is claimed by " + actor_a + " until " + expires;

  r = Call(b, http::verb::post, claim, R"({"minutes": 5})");
  EXPECT_EQ(409u, r.status);
  EXPECT_EQ(conflict, Str(r.Json().at("detail")));
  r = Call(b, http::verb::post, "/v1/comments/" + std::to_string(id) + "/decision",
           Decision("approve"));
  EXPECT_EQ(409u, r.status);
  EXPECT_EQ("application/problem+json", r.content_type);
  EXPECT_EQ(conflict, Str(r.Json().at("detail")));

  // The queue shows the claim.
  r = Call(b, http::verb::get, "/v1/queue?site=" + site);
  const json::value body4 = r.Json();
  const json::value& item = body4.at("items").as_array()[0];
  EXPECT_EQ(actor_a, Str(item.at("claim").at("actor")));
  EXPECT_EQ(expires, Str(item.at("claim").at("expires_at")));

  // The same actor extends (30 minutes > the default 10).
  r = Call(a, http::verb::post, claim, R"({"minutes": 30})");
  ASSERT_EQ(200u, r.status) << r.body;
  EXPECT_GT(Str(r.Json().at("expires_at")), expires);
  r = Call(a, http::verb::post, claim, R"({"minutes": 121})");
  EXPECT_EQ(422u, r.status);
  EXPECT_EQ("/minutes", Str(r.Json().at("errors").as_array()[0].at("pointer")));

  // B cannot release A's claim; A can; then B decides.
  r = Call(b, http::verb::delete_, claim);
  EXPECT_EQ(409u, r.status);
  r = Call(a, http::verb::delete_, claim);
  EXPECT_EQ(204u, r.status);
  r = Call(b, http::verb::post, "/v1/comments/" + std::to_string(id) + "/decision",
           Decision("approve"));
  EXPECT_EQ(200u, r.status) << r.body;
  r = Call(a, http::verb::post, "/v1/queue/99999999/claim", "");
  EXPECT_EQ(404u, r.status);
  EXPECT_EQ("no comment with id 99999999", Str(r.Json().at("detail")));
}

TEST_F(QueueE2ETest, DecisionWritesStatusLabelAuditAndOutboxAndUndoRestores) {
  const std::string site = "hook.example";
  const std::string db = daemon_->database();
  // The sites API is another module's: register the webhook directly.
  ASSERT_EQ("", ExecSqlite(db,
       "INSERT INTO sites (name, webhook_url, webhook_secret, created_at_ms, updated_at_ms) "
       "VALUES ('hook.example', 'http://127.0.0.1:9/hook', 'secret', 1, 1)"));
  int64_t id = Submit(site, "ext-42", kArabic[0], "ali@example.com", "198.51.100.4");
  const std::string sid = std::to_string(id);

  HttpResult r = Admin(http::verb::post, "/v1/comments/" + sid + "/decision",
                       Decision("spam", "تعليق مزعج"));
  ASSERT_EQ(200u, r.status) << r.body;
  json::value v = r.Json();
  EXPECT_EQ("rejected", Str(v.at("comment").at("status")));
  EXPECT_EQ(kArabic[0], Str(v.at("comment").at("content")));
  const json::object& d = v.at("decision").as_object();
  EXPECT_EQ("spam", Str(d.at("decision")));
  EXPECT_EQ("pending", Str(d.at("previous_status")));
  EXPECT_EQ("rejected", Str(d.at("new_status")));
  EXPECT_EQ("تعليق مزعج", Str(d.at("note")));
  const std::string actor = Str(d.at("actor"));
  const std::string at = Str(d.at("created_at"));
  const int64_t decision_id = d.at("id").as_int64();

  r = Admin(http::verb::get, "/v1/comments/" + sid);
  EXPECT_EQ("rejected", Str(r.Json().at("status")));

  // The rows, read independently.
  EXPECT_EQ(QuerySqlite(db, "SELECT label, source, author, undone, decision_id FROM labels "
                      "WHERE comment_id = " + sid),
            "spam|moderator|" + actor + "|0|" + std::to_string(decision_id) + "\n");
  EXPECT_EQ(QuerySqlite(db, "SELECT actor, action, before_json, after_json FROM audit_log "
                      "WHERE target = 'comment:" + sid + "'"),
            actor + "|comment.decide|{\"status\":\"pending\"}|{\"status\":\"rejected\","
                    "\"decision\":\"spam\",\"note\":\"تعليق مزعج\",\"decision_id\":" +
                std::to_string(decision_id) + "}\n");
  std::string outbox = QuerySqlite(db, "SELECT event_id, site, url, payload FROM outbox ORDER BY id");
  std::smatch m;
  ASSERT_TRUE(std::regex_match(outbox, m, std::regex("([0-9a-f]{32})\\|hook\\.example\\|"
                                                     "http://127\\.0\\.0\\.1:9/hook\\|(.*)\n")))
      << outbox;
  EXPECT_EQ(json::parse(m[2].str()),
            json::parse(json::serialize(json::object{
                {"event_id", m[1].str()},
                {"type", "comment.decided"},
                {"created_at", at},
                {"site", site},
                {"comment",
                 {{"id", id},
                  {"external_id", "ext-42"},
                  {"status", "rejected"},
                  {"decision", "spam"},
                  {"note", "تعليق مزعج"}}}})));

  // Undo restores the status and marks the label; a second undo has nothing left.
  r = Admin(http::verb::post, "/v1/comments/" + sid + "/undo");
  ASSERT_EQ(200u, r.status) << r.body;
  EXPECT_EQ("pending", Str(r.Json().at("comment").at("status")));
  EXPECT_EQ("undo", Str(r.Json().at("decision").at("decision")));
  EXPECT_EQ(decision_id, r.Json().at("undone").at("id").as_int64());
  r = Admin(http::verb::get, "/v1/comments/" + sid);
  EXPECT_EQ("pending", Str(r.Json().at("status")));
  r = Admin(http::verb::post, "/v1/comments/" + sid + "/undo");
  EXPECT_EQ(409u, r.status);
  EXPECT_EQ("nothing to undo", Str(r.Json().at("detail")));
  EXPECT_EQ(QuerySqlite(db, "SELECT label, undone FROM labels WHERE comment_id = " + sid +
                          " ORDER BY id"),
            "spam|1\nundo|0\n");
  EXPECT_EQ(QuerySqlite(db, "SELECT action FROM audit_log WHERE target = 'comment:" + sid +
                          "' ORDER BY id"),
            "comment.decide\ncomment.undo\n");
  EXPECT_EQ(QuerySqlite(db, "SELECT json_extract(payload, '$.type') || ' ' || "
                      "json_extract(payload, '$.comment.status') FROM outbox ORDER BY id"),
            "comment.decided rejected\ncomment.undone pending\n");

  // History, oldest first.
  r = Admin(http::verb::get, "/v1/comments/" + sid + "/history");
  ASSERT_EQ(200u, r.status) << r.body;
  const json::value body5 = r.Json();
  const json::array& decisions = body5.at("decisions").as_array();
  ASSERT_EQ(2u, decisions.size());
  EXPECT_EQ("spam", Str(decisions[0].at("decision")));
  EXPECT_TRUE(decisions[0].at("undone").as_bool());
  EXPECT_EQ("undo", Str(decisions[1].at("decision")));
  EXPECT_EQ("rejected", Str(decisions[1].at("previous_status")));
  EXPECT_EQ("pending", Str(decisions[1].at("new_status")));
  const json::value body6 = r.Json();
  const json::array& labels = body6.at("labels").as_array();
  ASSERT_EQ(2u, labels.size());
  EXPECT_EQ("spam", Str(labels[0].at("label")));
  EXPECT_TRUE(labels[0].at("undone").as_bool());

  // Validation.
  r = Admin(http::verb::post, "/v1/comments/" + sid + "/decision", R"({"decision": "maybe"})");
  EXPECT_EQ(422u, r.status);
  EXPECT_EQ("/decision", Str(r.Json().at("errors").as_array()[0].at("pointer")));
  r = Admin(http::verb::post, "/v1/comments/99999999/decision", Decision("approve"));
  EXPECT_EQ(404u, r.status);
  EXPECT_EQ("no comment with id 99999999", Str(r.Json().at("detail")));
}

TEST_F(QueueE2ETest, BulkApproveReportsEachIdInItsSlot) {
  const std::string site = "bulk.example";
  int64_t a = Submit(site, "b-1", kEnglish[1]);
  int64_t b = Submit(site, "b-2", kArabic[1]);
  int64_t c = Submit(site, "b-3", kRussian[1]);
  int64_t foreign = Submit("elsewhere.example", "b-4", kEnglish[2]);
  const std::string mod = daemon_->CreateToken("moderator", {site});
  json::object body{{"ids", json::array{a, 99999999, b, foreign, c}},
                    {"decision", "approve"},
                    {"note", "bulk"}};
  HttpResult r = Call(mod, http::verb::post, "/v1/decisions", json::serialize(body));
  ASSERT_EQ(200u, r.status) << r.body;
  EXPECT_EQ(r.Json(), json::parse(json::serialize(json::object{
                          {"results",
                           json::array{
                               {{"id", a}, {"status", 200}, {"new_status", "approved"}},
                               {{"id", 99999999},
                                {"status", 404},
                                {"detail", "no comment with id 99999999"}},
                               {{"id", b}, {"status", 200}, {"new_status", "approved"}},
                               {{"id", foreign},
                                {"status", 403},
                                {"detail", "this token may not act for site 'elsewhere.example'"}},
                               {{"id", c}, {"status", 200}, {"new_status", "approved"}},
                           }}})));
  EXPECT_EQ(QuerySqlite(daemon_->database(), "SELECT status FROM comments WHERE site = '" + site +
                                           "' ORDER BY id"),
            "approved\napproved\napproved\n");
  EXPECT_EQ(QuerySqlite(daemon_->database(),
                  "SELECT status FROM comments WHERE site = 'elsewhere.example'"),
            "pending\n");
  r = Call(mod, http::verb::post, "/v1/decisions", R"({"ids": [], "decision": "approve"})");
  EXPECT_EQ(422u, r.status);
}

TEST_F(QueueE2ETest, ReputationCountsTheAuthorsComments) {
  const std::string site = "rep.example";
  const std::string email = "rep@example.com", ip = "198.51.100.77";
  int64_t first = Submit(site, "r-1", kRussian[2], email, ip);
  int64_t second = Submit(site, "r-2", kEnglish[2], email, ip);
  Submit(site, "r-3", kArabic[2], email, "198.51.100.78");
  ASSERT_EQ(200u, Admin(http::verb::post, "/v1/comments/" + std::to_string(first) + "/decision",
                        Decision("approve"))
                      .status);
  ASSERT_EQ(200u, Admin(http::verb::post, "/v1/comments/" + std::to_string(second) + "/decision",
                        Decision("abuse"))
                      .status);
  HttpResult r = Admin(http::verb::get, "/v1/reputation?email=rep%40example.com&ip=" + ip);
  ASSERT_EQ(200u, r.status) << r.body;
  EXPECT_EQ(r.Json(), json::parse(R"({"email": {"approved": 1, "rejected": 1, "pending": 1},
                                      "ip": {"approved": 1, "rejected": 1, "pending": 0}})"));
  // The queue item carries the same counts.
  r = Admin(http::verb::get, "/v1/queue?site=" + site);
  ASSERT_EQ(1u, r.Json().at("items").as_array().size());
  EXPECT_EQ(r.Json().at("items").as_array()[0].at("reputation"),
            json::parse(R"({"email": {"approved": 1, "rejected": 1, "pending": 1},
                            "ip": {"approved": 0, "rejected": 0, "pending": 1},
                            "capped_at": 100})"));
  r = Admin(http::verb::get, "/v1/reputation");
  EXPECT_EQ(400u, r.status);
}

// A queue page reads each author's counts only up to capped_at (100), so a
// page costs the same however long the authors' histories are; the
// reputation endpoint still counts them all.
TEST_F(QueueE2ETest, QueueReputationStopsAtItsCapAndTheEndpointCountsAll) {
  const std::string site = "cap.example";
  const std::string email = "prolific@example.com", ip = "198.51.100.90";
  for (int i = 0; i < 102; ++i) {
    Submit(site, "cap-" + std::to_string(i), kEnglish[i % 3], email, ip);
  }
  HttpResult r = Admin(http::verb::get, "/v1/queue?limit=1&site=" + site);
  ASSERT_EQ(200u, r.status) << r.body;
  EXPECT_EQ(r.Json().at("items").as_array()[0].at("reputation"),
            json::parse(R"({"email": {"approved": 0, "rejected": 0, "pending": 100},
                            "ip": {"approved": 0, "rejected": 0, "pending": 100},
                            "capped_at": 100})"));
  r = Admin(http::verb::get, "/v1/reputation?email=prolific%40example.com&ip=" + ip);
  ASSERT_EQ(200u, r.status) << r.body;
  EXPECT_EQ(r.Json(), json::parse(R"({"email": {"approved": 0, "rejected": 0, "pending": 102},
                                      "ip": {"approved": 0, "rejected": 0, "pending": 102}})"));
}

TEST_F(QueueE2ETest, PollingReturnsExactlyTheChangedComments) {
  const std::string site = "poll.example";
  std::vector<int64_t> ids;
  for (int i = 0; i < 4; ++i) {
    ids.push_back(Submit(site, "q-" + std::to_string(i), kEnglish[i % 3]));
  }
  const std::string token = daemon_->CreateToken("site", {site});
  HttpResult r = Call(token, http::verb::get, "/v1/comments?site=" + site + "&changed_since=0");
  ASSERT_EQ(200u, r.status) << r.body;
  const json::value body7 = r.Json();
  const json::array& before = body7.at("items").as_array();
  ASSERT_EQ(4u, before.size());
  EXPECT_EQ("q-0", Str(before[0].at("external_id")));
  EXPECT_EQ("pending", Str(before[0].at("status")));
  // Decide two once the clock has moved past the last submission.
  auto latest_change_ms = [&] {
    return std::stoll(QuerySqlite(daemon_->database(),
                            "SELECT max(updated_at_ms) FROM comments WHERE site = '" + site + "'"));
  };
  // Waits until the wall clock is past `ms`, so the next change gets a later time.
  auto wait_past = [](int64_t ms) {
    for (int i = 0; i < 1000; ++i) {
      auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                     std::chrono::system_clock::now().time_since_epoch())
                     .count();
      if (now > ms) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  };
  const int64_t last_ms = latest_change_ms();
  wait_past(last_ms + 1);
  ASSERT_EQ(200u, Admin(http::verb::post, "/v1/comments/" + std::to_string(ids[2]) + "/decision",
                        Decision("reject"))
                      .status);
  // Changes in the same millisecond are listed by id; the order checked
  // below is the order of the decisions, so give them distinct times.
  wait_past(latest_change_ms());
  ASSERT_EQ(200u, Admin(http::verb::post, "/v1/comments/" + std::to_string(ids[0]) + "/decision",
                        Decision("approve"))
                      .status);
  const std::string since = "/v1/comments?site=" + site + "&changed_since=" +
                            std::to_string(last_ms + 1);
  r = Call(token, http::verb::get, since);
  ASSERT_EQ(200u, r.status) << r.body;
  const json::value body8 = r.Json();
  const json::array& changed = body8.at("items").as_array();
  ASSERT_EQ(2u, changed.size()) << r.body;
  EXPECT_EQ(ids[2], changed[0].at("id").as_int64());
  EXPECT_EQ("rejected", Str(changed[0].at("status")));
  EXPECT_EQ(ids[0], changed[1].at("id").as_int64());
  EXPECT_EQ("approved", Str(changed[1].at("status")));
  EXPECT_TRUE(r.Json().at("next_cursor").is_null());
  // RFC 3339 works too (inclusive: the first decision's own time), and pages
  // continue with the cursor, one item at a time.
  const std::string first_change = Str(changed[0].at("updated_at"));
  std::vector<int64_t> rest;
  std::string cursor;
  for (int i = 0; i < 5; ++i) {
    std::string target =
        "/v1/comments?site=" + site + "&changed_since=" + first_change + "&limit=1";
    if (!cursor.empty()) target += "&cursor=" + cursor;
    r = Call(token, http::verb::get, target);
    ASSERT_EQ(200u, r.status) << r.body;
    const json::value body9 = r.Json();
    for (const auto& item : body9.at("items").as_array()) {
      rest.push_back(item.at("id").as_int64());
    }
    if (body9.at("next_cursor").is_null()) break;
    cursor = Str(body9.at("next_cursor"));
  }
  EXPECT_EQ((std::vector<int64_t>{ids[2], ids[0]}), rest);
  // Another site's token may not poll this site; the site is required.
  const std::string other = daemon_->CreateToken("site", {"other.example"});
  r = Call(other, http::verb::get, "/v1/comments?site=" + site);
  EXPECT_EQ(403u, r.status);
  r = Call(token, http::verb::get, "/v1/comments");
  EXPECT_EQ(400u, r.status);
  EXPECT_EQ("query parameter 'site' is required", Str(r.Json().at("detail")));
  // POST /v1/comments still submits.
  EXPECT_NE(0, Submit(site, "q-9", kArabic[1]));
}

// Bulk actions (daemon/api/review/bulk.cc; they share this fixture's daemon and
// helpers): the action and its undo run in the background, so a test polls
// the action until it leaves `state` (a wait for a state, not a timing).
json::value WaitWhile(const std::function<HttpResult()>& get, const std::string& state) {
  for (;;) {
    HttpResult r = get();
    EXPECT_EQ(200u, r.status) << r.body;
    if (r.status != 200) return json::value();
    json::value v = r.Json();
    if (Str(v.at("state")) != state) return v;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

// The errors of a 422 as "pointer: detail" lines.
std::string FieldErrors(const HttpResult& r) {
  EXPECT_EQ(422u, r.status) << r.body;
  std::string out;
  const json::value v = r.Json();
  for (const auto& e : v.at("errors").as_array()) {
    out += Str(e.at("pointer")) + ": " + Str(e.at("detail")) + "\n";
  }
  return out;
}

TEST_F(QueueE2ETest, BulkRejectDecidesEveryMatchInBatchesAndUndoRestoresThem) {
  const std::string site = "wave.example";
  const std::string elsewhere = "wave-other.example";
  ASSERT_EQ(200u, Admin(http::verb::put, "/v1/admin/sites/" + site,
                        R"({"webhook_url": "https://hooks.example/bulk", "webhook_secret": "s"})")
                      .status);
  // 1,200 held comments, every other one casino spam; five more on another site.
  for (int part = 0; part < 2; ++part) {
    json::array batch;
    for (int i = part * 600; i < (part + 1) * 600; ++i) {
      batch.push_back({{"site", site},
                       {"id", "w-" + std::to_string(i)},
                       {"content", i % 2 == 0 ? kEnglish[0] : kEnglish[1 + i % 4 / 2]}});
    }
    HttpResult r = Admin(http::verb::post, "/v1/comments/batch",
                         json::serialize(json::object{{"comments", batch}}));
    ASSERT_EQ(200u, r.status) << r.body;
  }
  std::vector<int64_t> others;
  for (int i = 0; i < 5; ++i) others.push_back(Submit(elsewhere, "o-" + std::to_string(i), kEnglish[0]));
  const std::string own = daemon_->CreateToken("moderator", {site});
  const std::string stranger = daemon_->CreateToken("moderator", {elsewhere});
  const std::string body = R"({"filter": {"rule": "casino"}, "decision": "reject", "note": "wave"})";

  // Dry runs: the exact count, within the token's sites.
  HttpResult r = Call(own, http::verb::post, "/v1/queue/bulk",
                      R"({"filter": {"rule": "casino"}, "decision": "reject", "dry_run": true})");
  ASSERT_EQ(200u, r.status) << r.body;
  EXPECT_EQ((json::value{{"matched", 600}}), r.Json());
  r = Admin(http::verb::post, "/v1/queue/bulk",
            R"({"filter": {"rule": "casino", "site": "wave-other.example"}, "decision": "reject",
                "dry_run": true})");
  EXPECT_EQ(5, r.Json().at("matched").as_int64());
  // A moderator of another site may not name this one.
  r = Call(stranger, http::verb::post, "/v1/queue/bulk",
           R"({"filter": {"rule": "casino", "site": "wave.example"}, "decision": "reject"})");
  EXPECT_EQ(403u, r.status);
  EXPECT_EQ("this token may not act for site 'wave.example'", Str(r.Json().at("detail")));

  r = Call(own, http::verb::post, "/v1/queue/bulk", body);
  ASSERT_EQ(202u, r.status) << r.body;
  json::value action = r.Json();
  const int64_t id = action.at("id").as_int64();
  EXPECT_EQ("running", Str(action.at("state")));
  EXPECT_EQ(600, action.at("matched").as_int64());
  EXPECT_EQ("reject", Str(action.at("decision")));
  EXPECT_EQ((json::object{{"rule", "casino"}}), action.at("filter").as_object());
  const std::string target = "/v1/queue/bulk/" + std::to_string(id);
  action = WaitWhile([&] { return Call(own, http::verb::get, target); }, "running");
  EXPECT_EQ("done", Str(action.at("state"))) << action;
  EXPECT_EQ(600, action.at("decided").as_int64());
  EXPECT_EQ(0, action.at("skipped").as_int64());
  EXPECT_TRUE(action.at("error").is_null());
  // Only another moderator's own actions are theirs to read or undo.
  r = Call(stranger, http::verb::get, target);
  EXPECT_EQ(403u, r.status);
  const std::string actor = Str(action.at("actor"));
  EXPECT_EQ("bulk action " + std::to_string(id) + " was started by " + actor +
                "; only they or an admin may read it",
            Str(r.Json().at("detail")));

  // Every match rejected, the others untouched, counts follow.
  const std::string db = daemon_->database();
  const std::string sid = std::to_string(id);
  EXPECT_EQ("600\n", QuerySqlite(db, "SELECT count(*) FROM decisions WHERE bulk_id = " + sid +
                                   " AND decision = 'reject' AND new_status = 'rejected'"));
  EXPECT_EQ("rejected|600\n", QuerySqlite(db, "SELECT status, count(*) FROM comments WHERE site = '" +
                                            site + "' AND content = '" + kEnglish[0] +
                                            "' GROUP BY status"));
  EXPECT_EQ("pending|600\n", QuerySqlite(db, "SELECT status, count(*) FROM comments WHERE site = '" +
                                           site + "' AND content <> '" + kEnglish[0] +
                                           "' GROUP BY status"));
  EXPECT_EQ("pending|5\n", QuerySqlite(db, "SELECT status, count(*) FROM comments WHERE site = '" +
                                         elsewhere + "' GROUP BY status"));
  r = Admin(http::verb::get, "/v1/queue?site=" + site);
  EXPECT_EQ(600, r.Json().at("counts").at("total").as_int64());
  EXPECT_EQ(0u, r.Json().at("counts").at("by_rule").as_object().count("casino"));
  EXPECT_EQ("600\n", QuerySqlite(db, "SELECT count(*) FROM outbox WHERE site = '" + site +
                                   "' AND json_extract(payload, '$.type') = 'comment.decided'"));
  EXPECT_EQ("600\n", QuerySqlite(db, "SELECT count(*) FROM audit_log WHERE action = 'comment.decide' "
                                   "AND json_extract(after_json, '$.note') = 'wave'"));
  EXPECT_EQ(actor + "|bulk:" + sid + "|done|600|600|wave\n",
            QuerySqlite(db, "SELECT actor, target, json_extract(after_json, '$.state'), "
                      "json_extract(after_json, '$.matched'), json_extract(after_json, "
                      "'$.decided'), json_extract(after_json, '$.note') FROM audit_log "
                      "WHERE action = 'queue.bulk'"));

  // Someone approves one of them since: the undo leaves it.
  const int64_t redecided =
      std::stoll(QuerySqlite(db, "SELECT min(comment_id) FROM decisions WHERE bulk_id = " + sid));
  ASSERT_EQ(200u, Admin(http::verb::post, "/v1/comments/" + std::to_string(redecided) + "/decision",
                        Decision("approve"))
                      .status);
  r = Call(stranger, http::verb::post, target + "/undo");
  EXPECT_EQ(403u, r.status);
  EXPECT_EQ("bulk action " + sid + " was started by " + actor +
                "; only they or an admin may undo it",
            Str(r.Json().at("detail")));
  r = Call(own, http::verb::post, target + "/undo");
  ASSERT_EQ(202u, r.status) << r.body;
  EXPECT_EQ("undoing", Str(r.Json().at("state")));
  action = WaitWhile([&] { return Call(own, http::verb::get, target); }, "undoing");
  EXPECT_EQ("undone", Str(action.at("state"))) << action;
  EXPECT_EQ(599, action.at("undone").as_int64());
  EXPECT_EQ(actor, Str(action.at("undone_by")));
  EXPECT_EQ("pending|599\n", QuerySqlite(db, "SELECT status, count(*) FROM comments WHERE site = '" +
                                           site + "' AND content = '" + kEnglish[0] +
                                           "' AND id <> " + std::to_string(redecided) +
                                           " GROUP BY status"));
  EXPECT_EQ("approved\n", QuerySqlite(db, "SELECT status FROM comments WHERE id = " +
                                        std::to_string(redecided)));
  r = Admin(http::verb::get, "/v1/queue?site=" + site + "&rule=casino");
  EXPECT_EQ(599, r.Json().at("counts").at("total").as_int64());
  EXPECT_EQ("599\n", QuerySqlite(db, "SELECT count(*) FROM outbox WHERE site = '" + site +
                                   "' AND json_extract(payload, '$.type') = 'comment.undone'"));
  EXPECT_EQ("599|0\n", QuerySqlite(db, "SELECT count(*), sum(undone) FROM labels WHERE label = 'undo' "
                                 "AND comment_id IN (SELECT comment_id FROM decisions "
                                 "WHERE bulk_id = " + sid + ")"));
  EXPECT_EQ("599\n", QuerySqlite(db, "SELECT count(*) FROM labels WHERE label = 'rejected' AND "
                               "undone = 1 AND comment_id IN (SELECT comment_id FROM decisions "
                               "WHERE bulk_id = " + sid + ")"));
  EXPECT_EQ(actor + "|bulk:" + sid + "|undone|599\n",
            QuerySqlite(db, "SELECT actor, target, json_extract(after_json, '$.state'), "
                      "json_extract(after_json, '$.undone') FROM audit_log "
                      "WHERE action = 'queue.bulk.undo'"));
  r = Call(own, http::verb::post, target + "/undo");
  EXPECT_EQ(409u, r.status);
  EXPECT_EQ("bulk action " + sid + " is already undone", Str(r.Json().at("detail")));
}

// An action whose daemon stopped mid-run: the next daemon on the database
// closes it as failed (the sweep runs at start, then every 30 s), with how
// far it got, and it can be undone; it would otherwise stay "running" for
// good, and a running action cannot be undone.
TEST(QueueBulkSweepE2ETest, AnActionCutOffByAStopIsClosedAsFailedAndCanBeUndone) {
  TempDir dir;
  int64_t first = 0;
  {
    DaemonProcess before(MODERATED_BINARY, dir.path().string(), {"--rules", kQueueRules});
    HttpResult r = before.Tcp().Post(
        "/v1/comments", R"({"site": "cut.example", "id": "c-1", "content": ")" +
                            std::string(kEnglish[0]) + R"("})");
    ASSERT_EQ(201u, r.status) << r.body;
    first = r.Json().at("id").as_int64();
    before.Signal(SIGTERM);
    ASSERT_EQ(0, before.Wait());
  }
  // What the stopped daemon left: its action, last written an hour ago.
  const std::string db = dir.path().string() + "/moderated.db";
  const int64_t hour_ago = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count() -
                           3'600'000;
  ASSERT_EQ("", ExecSqlite(db,
       "INSERT INTO bulk_actions (actor, decision, note, filter_json, state, matched, decided, "
       "created_at_ms, updated_at_ms) VALUES ('token:1:admin', 'reject', 'wave', "
       "'{\"rule\": \"casino\"}', 'running', 1, 0, " +
           std::to_string(hour_ago) + ", " + std::to_string(hour_ago) + ")"));
  std::string id = QuerySqlite(db, "SELECT max(id) FROM bulk_actions");
  id.pop_back();  // the row's "\n"

  DaemonProcess after(MODERATED_BINARY, dir.path().string(), {"--rules", kQueueRules});
  const std::string target = "/v1/queue/bulk/" + id;
  json::value action = WaitWhile([&] { return after.Tcp().Get(target); }, "running");
  EXPECT_EQ("failed", Str(action.at("state"))) << action;
  EXPECT_EQ(
      "interrupted: the action made no progress for 120 s (the daemon running it stopped); 0 of "
      "1 decided; undo it, or start it again for the rest",
      Str(action.at("error")));
  EXPECT_TRUE(after.WaitForLog("event=queue_bulk_interrupted id=" + id));
  EXPECT_EQ("token:1:admin|bulk:" + id + "|failed\n",
            QuerySqlite(db, "SELECT actor, target, json_extract(after_json, '$.state') FROM audit_log "
                      "WHERE action = 'queue.bulk'"));
  // Nothing was decided; the comment is still held, and the action undoes.
  EXPECT_EQ("pending\n", QuerySqlite(db, "SELECT status FROM comments WHERE id = " +
                                       std::to_string(first)));
  HttpResult r = after.Tcp().Post(target + "/undo", "");
  ASSERT_EQ(202u, r.status) << r.body;
  action = WaitWhile([&] { return after.Tcp().Get(target); }, "undoing");
  EXPECT_EQ("undone", Str(action.at("state"))) << action;
}

TEST_F(QueueE2ETest, BulkRequestsAreValidated) {
  auto post = [](const std::string& body) {
    return Admin(http::verb::post, "/v1/queue/bulk", body);
  };
  EXPECT_EQ("/filter/label: must be spam, abuse or ham\n"
            "/decision: must be \"approve\", \"reject\", \"spam\" or \"abuse\"\n",
            FieldErrors(post(R"({"filter": {"label": "scam"}, "decision": "nuke"})")));
  EXPECT_EQ("/filter: must narrow the queue beyond site and review: give language, label, "
            "min_score, max_score, rule, min_age, max_age, email, ip or q\n",
            FieldErrors(post(R"({"filter": {"site": "a.example", "review": "pending"},
                                 "decision": "reject"})")));
  EXPECT_EQ("/colour: unknown field\n/filter: is required\n",
            FieldErrors(post(R"({"colour": 1, "decision": "spam"})")));
  EXPECT_EQ("/filter/min_age: must be a number of seconds >= 0\n"
            "/filter/when: unknown field\n"
            "/filter/q: must be a string or a number\n"
            "/dry_run: must be true or false\n",
            FieldErrors(post(R"({"filter": {"min_age": -5, "when": "now", "q": ["x"]},
                                 "decision": "spam", "dry_run": "yes"})")));
  EXPECT_EQ("/filter: must be a JSON object\n",
            FieldErrors(post(R"({"filter": "casino", "decision": "spam"})")));
  // Numbers and strings both work for the numeric fields.
  HttpResult r = post(R"({"filter": {"min_score": 1000, "max_age": "60"}, "decision": "spam",
                          "dry_run": true})");
  ASSERT_EQ(200u, r.status) << r.body;
  EXPECT_EQ(0, r.Json().at("matched").as_int64());
  r = Admin(http::verb::get, "/v1/queue/bulk/999999");
  EXPECT_EQ(404u, r.status);
  EXPECT_EQ("no bulk action 999999", Str(r.Json().at("detail")));
  r = Admin(http::verb::post, "/v1/queue/bulk/abc/undo");
  EXPECT_EQ(404u, r.status);
  EXPECT_EQ("no bulk action 'abc'", Str(r.Json().at("detail")));
  const std::string site_token = daemon_->CreateToken("site", {"a.example"});
  r = Call(site_token, http::verb::post, "/v1/queue/bulk",
           R"({"filter": {"q": "x"}, "decision": "spam"})");
  EXPECT_EQ(403u, r.status);
  EXPECT_EQ("this endpoint needs a moderator or admin token, not site", Str(r.Json().at("detail")));
}

TEST_F(QueueE2ETest, RoleMatrixForQueueEndpoints) {
  const std::string site = "matrix.example";
  const std::string site_token = daemon_->CreateToken("site", {site});
  const std::string own = daemon_->CreateToken("moderator", {site});
  const std::string other = daemon_->CreateToken("moderator", {"elsewhere.example"});
  int64_t id = Submit(site, "m-1", kRussian[0]);
  const std::string sid = std::to_string(id);
  struct Endpoint {
    http::verb verb;
    std::string target;
    std::string body;
  };
  const std::vector<Endpoint> endpoints = {
      {http::verb::get, "/v1/queue?site=" + site, ""},
      {http::verb::post, "/v1/queue/" + sid + "/claim", ""},
      {http::verb::delete_, "/v1/queue/" + sid + "/claim", ""},
      {http::verb::post, "/v1/comments/" + sid + "/decision", Decision("approve")},
      {http::verb::post, "/v1/decisions", "{\"ids\": [" + sid + "], \"decision\": \"reject\"}"},
      {http::verb::post, "/v1/comments/" + sid + "/undo", ""},
      {http::verb::get, "/v1/comments/" + sid + "/history", ""},
      {http::verb::get, "/v1/reputation?email=x%40example.com", ""},
  };
  for (const Endpoint& e : endpoints) {
    SCOPED_TRACE(e.target);
    HttpResult r = Call("", e.verb, e.target, e.body);
    EXPECT_EQ(401u, r.status);
    r = Call(site_token, e.verb, e.target, e.body);
    EXPECT_EQ(403u, r.status);
    EXPECT_EQ("this endpoint needs a moderator or admin token, not site",
              Str(r.Json().at("detail")));
  }
  // A moderator of another site: 403 for this site's comments (the bulk
  // endpoint reports 403 in the slot; reputation is filtered to its sites).
  for (size_t i = 0; i < 7; ++i) {
    const Endpoint& e = endpoints[i];
    SCOPED_TRACE(e.target);
    HttpResult r = Call(other, e.verb, e.target, e.body);
    if (e.target == "/v1/decisions") {
      EXPECT_EQ(200u, r.status);
      EXPECT_EQ(403, r.Json().at("results").as_array()[0].at("status").as_int64());
    } else {
      EXPECT_EQ(403u, r.status) << r.body;
      EXPECT_EQ("this token may not act for site '" + site + "'", Str(r.Json().at("detail")));
    }
  }
  HttpResult r = Call(other, http::verb::get, "/v1/queue");
  ASSERT_EQ(200u, r.status);
  const json::value body10 = r.Json();
  for (const auto& item : body10.at("items").as_array()) {
    EXPECT_EQ("elsewhere.example", Str(item.at("site")));
  }
  EXPECT_EQ(0u, r.Json().at("counts").at("by_site").as_object().count(site));
  // The site's moderator, then the admin: every endpoint works.
  const std::vector<unsigned> expected = {200, 200, 204, 200, 200, 200, 200, 200};
  for (const std::string& token : {own, daemon_->admin_token()}) {
    for (size_t i = 0; i < endpoints.size(); ++i) {
      const Endpoint& e = endpoints[i];
      SCOPED_TRACE(e.target);
      r = Call(token, e.verb, e.target, e.body);
      EXPECT_EQ(expected[i], r.status) << r.body;
    }
  }
}

}  // namespace
}  // namespace moderated

// End-to-end tests: the real `moderated serve` binary on an ephemeral TCP
// port and a temp Unix socket, driven over HTTP, with the database file
// checked independently through SQLite.
#include <sqlite3.h>

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>

#include "tests/testing/daemon_process.h"
#include "tests/testing/temp_dir.h"

namespace moderated {
namespace {

namespace json = boost::json;
using testing::DaemonProcess;
using testing::HttpClient;
using testing::HttpResult;
using testing::TempDir;

const std::string kRules = std::string(MODERATED_TESTDATA_DIR) + "/daemon/rules.yaml";

std::string Str(const json::value& v) { return std::string(v.as_string()); }

// Counts rows in the daemon's database, opened independently and read-only.
int64_t CountRows(const std::string& db, const std::string& where) {
  sqlite3* conn = nullptr;
  EXPECT_EQ(SQLITE_OK, sqlite3_open_v2(db.c_str(), &conn, SQLITE_OPEN_READONLY, nullptr));
  std::string sql = "SELECT count(*) FROM comments" + (where.empty() ? "" : " WHERE " + where);
  sqlite3_stmt* stmt = nullptr;
  EXPECT_EQ(SQLITE_OK, sqlite3_prepare_v2(conn, sql.c_str(), -1, &stmt, nullptr)) << sql;
  int64_t n = -1;
  if (sqlite3_step(stmt) == SQLITE_ROW) n = sqlite3_column_int64(stmt, 0);
  sqlite3_finalize(stmt);
  sqlite3_close(conn);
  return n;
}

std::string ContentOf(const std::string& db, int64_t id) {
  sqlite3* conn = nullptr;
  sqlite3_open_v2(db.c_str(), &conn, SQLITE_OPEN_READONLY, nullptr);
  sqlite3_stmt* stmt = nullptr;
  sqlite3_prepare_v2(conn, "SELECT content FROM comments WHERE id = ?", -1, &stmt, nullptr);
  sqlite3_bind_int64(stmt, 1, id);
  std::string out = "<missing>";
  if (sqlite3_step(stmt) == SQLITE_ROW) {
    out = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
  }
  sqlite3_finalize(stmt);
  sqlite3_close(conn);
  return out;
}

std::string CommentBody(const std::string& site, const std::string& id, const std::string& content,
                        json::object extra = {}) {
  json::object o{{"site", site}, {"content", content}};
  if (!id.empty()) o["id"] = id;
  for (auto& kv : extra) o[kv.key()] = kv.value();
  return json::serialize(o);
}

// Finds the reason for `rule` in a verdict, or null.
const json::object* FindReason(const json::value& verdict, std::string_view rule) {
  for (const auto& r : verdict.at("reasons").as_array()) {
    if (r.at("rule").as_string() == rule) return &r.as_object();
  }
  return nullptr;
}

class DaemonE2ETest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    daemon_ = new DaemonProcess(MODERATED_BINARY, dir_->path().string(), {"--rules", kRules});
  }
  static void TearDownTestSuite() {
    delete daemon_;
    delete dir_;
  }
  static TempDir* dir_;
  static DaemonProcess* daemon_;
};
TempDir* DaemonE2ETest::dir_ = nullptr;
DaemonProcess* DaemonE2ETest::daemon_ = nullptr;

TEST_F(DaemonE2ETest, EnglishSpamWithHomoglyphsPointsIntoWhatTheUserSent) {
  // "саsinо" with Cyrillic с (U+0441) and о (U+043E): matches the Latin rule.
  const std::string word = "\xd1\x81" "asin" "\xd0\xbe";
  const std::string content = "Play at " + word + " tonight, free  spins for all";
  HttpResult r = daemon_->Tcp().Post(
      "/v1/comments", CommentBody("news.example", "en-1", content,
                                  {{"author", {{"name", "Bob"}, {"email", "bob@example.com"},
                                               {"ip", "203.0.113.7"}}},
                                   {"lang", "en"}}));
  ASSERT_EQ(201u, r.status) << r.body;
  EXPECT_EQ("application/json", r.content_type);
  json::value v = r.Json();
  EXPECT_GT(v.at("id").as_int64(), 0);
  EXPECT_EQ("news.example", Str(v.at("site")));
  EXPECT_EQ("en-1", Str(v.at("external_id")));
  const json::object* casino = FindReason(v, "casino");
  ASSERT_NE(nullptr, casino) << r.body;
  EXPECT_EQ("content", Str(casino->at("field")));
  EXPECT_EQ(4.0, casino->at("score").to_number<double>());
  EXPECT_EQ("Casino advertising", Str(casino->at("description")));
  EXPECT_EQ((json::array{8, 8 + static_cast<int64_t>(word.size())}), casino->at("span").as_array());
  EXPECT_EQ(word, Str(casino->at("excerpt")));
  const json::object* spins = FindReason(v, "free_spins");
  ASSERT_NE(nullptr, spins) << r.body;
  size_t b = content.find("free  spins");
  EXPECT_EQ((json::array{static_cast<int64_t>(b), static_cast<int64_t>(b + 11)}),
            spins->at("span").as_array());
  // Rules alone give 4 + 3 = 7 ≥ hold_at 5.
  EXPECT_GE(v.at("score").to_number<double>(), 7.0);
  EXPECT_NE("accept", Str(v.at("action")));
  EXPECT_EQ("en", Str(v.at("language").at("code")));
  for (const char* label : {"spam", "abuse", "ham"}) {
    double p = v.at("labels").at(label).to_number<double>();
    EXPECT_GE(p, 0.0);
    EXPECT_LE(p, 1.0);
  }
  EXPECT_EQ(0u, Str(v.at("versions").at("rules")).find("r-"));
  EXPECT_EQ(0u, Str(v.at("versions").at("model")).find("ft-"));
  // The comment is in the database file, exactly as sent.
  EXPECT_EQ(content, ContentOf(daemon_->database(), v.at("id").as_int64()));
}

TEST_F(DaemonE2ETest, ArabicWithDiacriticsAndTatweelMatchesThePlainRuleWord) {
  // كازينو written with harakat and a tatweel: the rule word has neither.
  const std::string word = "كَازِيـنُو";
  const std::string content = "أفضل " + word + " على الإنترنت، سجل الآن";
  HttpResult r = daemon_->Unix().Post("/v1/comments", CommentBody("ar.example", "ar-1", content));
  ASSERT_EQ(201u, r.status) << r.body;
  json::value v = r.Json();
  const json::object* casino = FindReason(v, "casino");
  ASSERT_NE(nullptr, casino) << r.body;
  int64_t begin = static_cast<int64_t>(content.find(word));
  EXPECT_EQ((json::array{begin, begin + static_cast<int64_t>(word.size())}),
            casino->at("span").as_array());
  EXPECT_EQ(word, Str(casino->at("excerpt")));
  EXPECT_EQ("ar", Str(v.at("language").at("code")));
  EXPECT_EQ(content, ContentOf(daemon_->database(), v.at("id").as_int64()));
}

TEST_F(DaemonE2ETest, RussianUppercaseMatchesAsWholeWordOnly) {
  const std::string content = "Лучшее КАЗИНО онлайн! Заходите на заставки и подставки";
  HttpResult r = daemon_->Tcp().Post("/v1/comments", CommentBody("ru.example", "ru-1", content));
  ASSERT_EQ(201u, r.status) << r.body;
  json::value v = r.Json();
  const json::object* casino = FindReason(v, "casino");
  ASSERT_NE(nullptr, casino) << r.body;
  int64_t begin = static_cast<int64_t>(content.find("КАЗИНО"));
  EXPECT_EQ((json::array{begin, begin + 12}), casino->at("span").as_array());
  EXPECT_EQ("КАЗИНО", Str(casino->at("excerpt")));
  EXPECT_EQ("ru", Str(v.at("language").at("code")));
}

TEST_F(DaemonE2ETest, HamIsApprovedWithNoRuleReasons) {
  const std::string content =
      "Thank you for this article, the analysis of the budget was clear and well sourced.";
  HttpResult r = daemon_->Tcp().Post("/v1/comments", CommentBody("news.example", "ham-1", content));
  ASSERT_EQ(201u, r.status) << r.body;
  json::value v = r.Json();
  EXPECT_EQ("approved", Str(v.at("status")));
  EXPECT_EQ("accept", Str(v.at("action")));
  for (const auto& reason : v.at("reasons").as_array()) {
    EXPECT_EQ(0u, Str(reason.at("rule")).find("classifier.")) << r.body;
  }
}

TEST_F(DaemonE2ETest, TestStringAlwaysRejects) {
  HttpResult r = daemon_->Tcp().Post(
      "/v1/comments",
      CommentBody("news.example", "gtube-1", "hello MODERATED-TEST-REJECT-7d1f0c2a world"));
  ASSERT_EQ(201u, r.status) << r.body;
  json::value v = r.Json();
  EXPECT_EQ("rejected", Str(v.at("status")));
  EXPECT_EQ("reject", Str(v.at("action")));
  const json::object* reason = FindReason(v, "test_reject");
  ASSERT_NE(nullptr, reason);
  EXPECT_EQ((json::array{6, 36}), reason->at("span").as_array());
}

TEST_F(DaemonE2ETest, LinksAreExtractedAndShadowRulesAreMarked) {
  const std::string content = "Big wins at https://WWW.Spam-Casino.ru/promo?x=1 now";
  HttpResult r = daemon_->Tcp().Post("/v1/comments", CommentBody("news.example", "link-1", content));
  ASSERT_EQ(201u, r.status) << r.body;
  json::value v = r.Json();
  const json::object* domain = FindReason(v, "spam_domain");
  ASSERT_NE(nullptr, domain) << r.body;
  int64_t begin = static_cast<int64_t>(content.find("https://"));
  EXPECT_EQ((json::array{begin, begin + 36}), domain->at("span").as_array());
  EXPECT_EQ("https://WWW.Spam-Casino.ru/promo?x=1", Str(domain->at("excerpt")));
  EXPECT_FALSE(domain->at("shadow").as_bool());
  const json::object* shadow = FindReason(v, "any_link");
  ASSERT_NE(nullptr, shadow) << r.body;
  EXPECT_TRUE(shadow->at("shadow").as_bool());
}

TEST_F(DaemonE2ETest, SiteLanguagePolicyHoldsOtherLanguages) {
  HttpResult r = daemon_->Tcp().Post(
      "/v1/comments",
      CommentBody("strict.example", "lang-1",
                  "This is a perfectly ordinary English comment about the weather today."));
  ASSERT_EQ(201u, r.status) << r.body;
  json::value v = r.Json();
  EXPECT_EQ("hold", Str(v.at("action")));
  ASSERT_NE(nullptr, FindReason(v, "policy.language")) << r.body;
}

TEST_F(DaemonE2ETest, RepeatReturnsTheFirstVerdictAndStoresNothingNew) {
  HttpClient c = daemon_->Tcp();
  std::string body = CommentBody("repeat.example", "r-1", "first version of the text");
  HttpResult first = c.Post("/v1/comments", body);
  ASSERT_EQ(201u, first.status) << first.body;
  HttpResult again = c.Post("/v1/comments",
                            CommentBody("repeat.example", "r-1", "edited text, casino casino"));
  ASSERT_EQ(200u, again.status) << again.body;
  EXPECT_EQ(first.Json(), again.Json());
  EXPECT_EQ(1, CountRows(daemon_->database(), "site = 'repeat.example'"));
  // The same id on another site is a different comment.
  HttpResult other = c.Post("/v1/comments", CommentBody("other.example", "r-1", "hello"));
  EXPECT_EQ(201u, other.status);
}

TEST_F(DaemonE2ETest, BatchAnswersOneResultPerCommentInOrder) {
  json::array comments{
      {{"site", "batch.example"}, {"id", "b-1"}, {"content", "Nice article"}},
      {{"site", "batch.example"}, {"id", "b-2"}},  // no content
      {{"site", "batch.example"}, {"id", "b-3"}, {"content", "Лучшее казино"}},
      {{"site", "batch.example"}, {"id", "b-1"}, {"content", "Nice article"}},
  };
  HttpResult r = daemon_->Tcp().Post("/v1/comments/batch",
                                     json::serialize(json::object{{"comments", comments}}));
  ASSERT_EQ(200u, r.status) << r.body;
  json::value parsed = r.Json();
  const json::array& results = parsed.at("results").as_array();
  ASSERT_EQ(4u, results.size());
  EXPECT_GT(results[0].at("id").as_int64(), 0);
  EXPECT_EQ("b-1", Str(results[0].at("external_id")));
  EXPECT_EQ(422, results[1].at("error").at("status").as_int64());
  EXPECT_EQ("/comments/1/content", Str(results[1].at("error").at("errors").at(0).at("pointer")));
  EXPECT_NE(nullptr, FindReason(results[2], "casino"));
  EXPECT_EQ(results[0].at("id"), results[3].at("id"));
  EXPECT_TRUE(results[3].at("duplicate").as_bool());
  EXPECT_EQ(2, CountRows(daemon_->database(), "site = 'batch.example'"));
}

TEST_F(DaemonE2ETest, CheckIsADryRun) {
  int64_t before = CountRows(daemon_->database(), "");
  HttpResult r = daemon_->Tcp().Post(
      "/v1/check", CommentBody("dry.example", "d-1", "casino casino free spins"));
  ASSERT_EQ(200u, r.status) << r.body;
  json::value v = r.Json();
  EXPECT_FALSE(v.as_object().contains("id"));
  EXPECT_NE(nullptr, FindReason(v, "casino"));
  EXPECT_EQ(before, CountRows(daemon_->database(), ""));
  EXPECT_EQ(0, CountRows(daemon_->database(), "site = 'dry.example'"));
}

TEST_F(DaemonE2ETest, GetReturnsTheStoredCommentAndVerdict) {
  HttpClient c = daemon_->Tcp();
  const std::string content = "Хорошая статья, спасибо!";
  HttpResult posted = c.Post(
      "/v1/comments",
      CommentBody("get.example", "g-1", content,
                  {{"thread", "https://get.example/news/1"},
                   {"author", {{"name", "Анна"}, {"ip", "2001:db8::1"}}},
                   {"meta", {{"form", "ru"}, {"n", 3}}},
                   {"created_at", "2026-11-29T10:00:00Z"}}));
  ASSERT_EQ(201u, posted.status) << posted.body;
  int64_t id = posted.Json().at("id").as_int64();
  HttpResult got = c.Get("/v1/comments/" + std::to_string(id));
  ASSERT_EQ(200u, got.status) << got.body;
  json::value v = got.Json();
  EXPECT_EQ(id, v.at("id").as_int64());
  EXPECT_EQ(content, Str(v.at("content")));
  EXPECT_EQ("Анна", Str(v.at("author").at("name")));
  EXPECT_EQ("2001:db8::1", Str(v.at("author").at("ip")));
  EXPECT_EQ("https://get.example/news/1", Str(v.at("thread")));
  EXPECT_EQ((json::object{{"form", "ru"}, {"n", 3}}), v.at("meta").as_object());
  EXPECT_EQ("2026-11-29T10:00:00Z", Str(v.at("created_at")));
  EXPECT_EQ(posted.Json().at("status"), v.at("status"));
  EXPECT_EQ(posted.Json(), v.at("verdict"));

  HttpResult missing = c.Get("/v1/comments/999999999");
  EXPECT_EQ(404u, missing.status);
  EXPECT_EQ("application/problem+json", missing.content_type);
  EXPECT_EQ("no comment with id 999999999", Str(missing.Json().at("detail")));
}

TEST_F(DaemonE2ETest, HealthAndReadiness) {
  HttpClient c = daemon_->Unix();
  HttpResult h = c.Get("/healthz");
  EXPECT_EQ(200u, h.status);
  EXPECT_EQ("ok", Str(h.Json().at("status")));
  HttpResult ready = c.Get("/readyz");
  EXPECT_EQ(200u, ready.status) << ready.body;
  EXPECT_EQ("ready", Str(ready.Json().at("status")));
  EXPECT_EQ("ok", Str(ready.Json().at("checks").at("database")));
}

TEST_F(DaemonE2ETest, KeepAliveServesManyRequestsOnOneConnection) {
  HttpClient c = daemon_->Tcp();
  for (int i = 0; i < 50; ++i) {
    HttpResult r = c.Post("/v1/comments", CommentBody("ka.example", "ka-" + std::to_string(i),
                                                      "comment number " + std::to_string(i)));
    ASSERT_EQ(201u, r.status) << r.body;
  }
  EXPECT_EQ(50, CountRows(daemon_->database(), "site = 'ka.example'"));
}

// ---- Errors: every status with a problem+json body ----

void ExpectProblem(const HttpResult& r, unsigned status, const std::string& detail) {
  EXPECT_EQ(status, r.status) << r.body;
  EXPECT_EQ("application/problem+json", r.content_type) << r.body;
  json::value v = r.Json();
  EXPECT_EQ(status, v.at("status").to_number<unsigned>());
  EXPECT_FALSE(v.at("title").as_string().empty());
  EXPECT_EQ(detail, Str(v.at("detail")));
}

TEST_F(DaemonE2ETest, MalformedJsonIs400WithTheOffset) {
  ExpectProblem(daemon_->Tcp().Post("/v1/comments", "{\"site\": \"x\", \"content\": }"), 400,
                "malformed JSON at byte 25: syntax error");
  ExpectProblem(daemon_->Tcp().Post("/v1/comments", "{\"site\": \"x\""), 400,
                "malformed JSON at byte 12: incomplete JSON");
}

TEST_F(DaemonE2ETest, InvalidUtf8Is400) {
  ExpectProblem(daemon_->Tcp().Post("/v1/comments", "{\"site\":\"x\",\"content\":\"\xC3\x28\"}"),
                400, "request body is not valid UTF-8");
}

TEST_F(DaemonE2ETest, UnknownPathIs404AndWrongMethodIs405) {
  ExpectProblem(daemon_->Tcp().Get("/v2/nothing"), 404, "no such endpoint: /v2/nothing");
  // GET /v1/comments is polling (daemon/api/review/queue.cc); DELETE is nobody's.
  HttpResult r = daemon_->Tcp().Send(boost::beast::http::verb::delete_, "/v1/comments");
  ExpectProblem(r, 405, "method DELETE is not allowed on /v1/comments");
  EXPECT_EQ("GET, POST", std::string(r.raw[boost::beast::http::field::allow]));
}

TEST_F(DaemonE2ETest, WrongContentTypeIs415) {
  HttpResult r = daemon_->Tcp().Send(boost::beast::http::verb::post, "/v1/comments",
                                     "site=x&content=y", "application/x-www-form-urlencoded");
  ExpectProblem(r, 415,
                "Content-Type must be application/json, not 'application/x-www-form-urlencoded'");
}

TEST_F(DaemonE2ETest, InvalidFieldsAre422WithJsonPointers) {
  HttpResult r = daemon_->Tcp().Post(
      "/v1/comments",
      R"({"site": 5, "content": "ok", "author": {"ip": "999.1.1.1", "email": "nope", "age": 3},
          "created_at": "yesterday", "meta": [1], "colour": "red"})");
  EXPECT_EQ(422u, r.status) << r.body;
  json::value v = r.Json();
  EXPECT_EQ("7 fields are invalid", Str(v.at("detail")));
  std::map<std::string, std::string> errors;
  for (const auto& e : v.at("errors").as_array()) {
    errors[Str(e.at("pointer"))] = Str(e.at("detail"));
  }
  std::map<std::string, std::string> expected = {
      {"/site", "must be a string"},
      {"/author/ip", "must be an IPv4 or IPv6 address"},
      {"/author/email", "must be an e-mail address"},
      {"/author/age", "unknown field"},
      {"/created_at", "must be an RFC 3339 date-time, e.g. 2026-11-29T10:00:00Z"},
      {"/meta", "must be an object"},
      {"/colour", "unknown field"},
  };
  EXPECT_EQ(expected, errors);
  ExpectProblem(daemon_->Tcp().Post("/v1/comments", R"({"site": "x"})"), 422,
                "/content is required");
}

TEST(DaemonLimitsTest, OversizedBodyIs413AndFullQueueIs503) {
  TempDir dir;
  std::ofstream(dir.File("config.yaml")) << "limits:\n  max_body_bytes: 1024\n"
                                            "writer:\n  max_queue: 0\n";
  DaemonProcess d(MODERATED_BINARY, dir.path().string(),
                  {"--config", dir.File("config.yaml"), "--rules", kRules});
  std::string big(2000, 'a');
  ExpectProblem(d.Tcp().Post("/v1/comments", CommentBody("x", "1", big)), 413,
                "request body exceeds 1024 bytes");
  HttpResult r = d.Tcp().Post("/v1/comments", CommentBody("x", "1", "hello"));
  ExpectProblem(r, 503, "the storage queue is full; retry shortly");
  EXPECT_EQ("1", std::string(r.raw[boost::beast::http::field::retry_after]));
  // A dry run needs no storage and still works.
  EXPECT_EQ(200u, d.Tcp().Post("/v1/check", CommentBody("x", "1", "hello")).status);
}

TEST(DaemonLifecycleTest, SigtermDrainsAndExitsZeroWithEverythingCommitted) {
  TempDir dir;
  int64_t answered = 0;
  std::string db;
  {
    DaemonProcess d(MODERATED_BINARY, dir.path().string(), {"--rules", kRules});
    db = d.database();
    HttpClient c = d.Tcp();
    for (int i = 0; i < 20; ++i) {
      if (c.Post("/v1/comments", CommentBody("s.example", std::to_string(i), "text")).status ==
          201)
        ++answered;
    }
    d.Signal(SIGTERM);
    EXPECT_EQ(0, d.Wait());
    EXPECT_NE(std::string::npos, d.Log().find("event=stopped"));
    EXPECT_FALSE(std::filesystem::exists(d.socket_path()));
  }
  EXPECT_EQ(20, answered);
  EXPECT_EQ(20, CountRows(db, "site = 's.example'"));
}

TEST(DaemonLifecycleTest, BadRuleFileRefusesToStart) {
  TempDir dir;
  std::ofstream(dir.File("bad.yaml")) << "version: 1\nrules:\n  - id: x\n    score: 1\n"
                                         "    match: {field: bdy, words: [a]}\n";
  DaemonProcess d(MODERATED_BINARY, dir.path().string(), {"--rules", dir.File("bad.yaml")},
                  /*expect_start=*/false);
  EXPECT_EQ(2, d.Wait());
  EXPECT_NE(std::string::npos, d.Log().find(dir.File("bad.yaml") + ":5:"));
  EXPECT_NE(std::string::npos, d.Log().find("unknown field 'bdy'")) << d.Log();
}

TEST(DaemonLifecycleTest, SighupReloadsRulesAndKeepsThemOnFailure) {
  TempDir dir;
  std::string rules = dir.File("rules.yaml");
  std::ofstream(rules) << "version: 1\nrules:\n  - id: first\n    score: 1\n"
                          "    match: {field: content, words: [apple]}\n";
  DaemonProcess d(MODERATED_BINARY, dir.path().string(), {"--rules", rules});
  auto check = [&](const std::string& text) {
    return d.Tcp().Post("/v1/check", CommentBody("x", "", text)).Json();
  };
  EXPECT_NE(nullptr, FindReason(check("an apple a day"), "first"));
  std::ofstream(rules, std::ios::trunc) << "version: 1\nrules:\n  - id: second\n    score: 1\n"
                                           "    match: {field: content, words: [pear]}\n";
  d.Signal(SIGHUP);
  ASSERT_TRUE(d.WaitForLog("event=reloaded"));
  EXPECT_EQ(nullptr, FindReason(check("an apple a day"), "first"));
  EXPECT_NE(nullptr, FindReason(check("a pear a day"), "second"));
  // A broken file is refused and the running rules stay.
  std::ofstream(rules, std::ios::trunc) << "version: 1\nrules: [ {id: broken, match: {field: nope}} ]\n";
  d.Signal(SIGHUP);
  ASSERT_TRUE(d.WaitForLog("event=reload_failed"));
  EXPECT_NE(nullptr, FindReason(check("a pear a day"), "second"));
  d.Signal(SIGTERM);
  EXPECT_EQ(0, d.Wait());
}

TEST(DaemonLifecycleTest, EmbeddedDefaultsServeWithNoFiles) {
  TempDir dir;
  DaemonProcess d(MODERATED_BINARY, dir.path().string());
  EXPECT_NE(std::string::npos, d.Log().find("rules_source=embedded"));
  EXPECT_NE(std::string::npos, d.Log().find("model_source=embedded"));
  HttpResult r = d.Unix().Post(
      "/v1/comments",
      CommentBody("x", "1", "Hi MODERATED-TEST-REJECT-7d1f0c2a"));
  ASSERT_EQ(201u, r.status) << r.body;
  EXPECT_EQ("reject", Str(r.Json().at("action")));
  EXPECT_TRUE(std::filesystem::exists(dir.File("moderated.db")));
}

}  // namespace
}  // namespace moderated

namespace moderated {
namespace {

// ---- Authentication and roles ----

TEST_F(DaemonE2ETest, EveryApiEndpointNeedsAToken) {
  for (auto [method, target] :
       std::vector<std::pair<boost::beast::http::verb, std::string>>{
           {boost::beast::http::verb::post, "/v1/comments"},
           {boost::beast::http::verb::post, "/v1/comments/batch"},
           {boost::beast::http::verb::post, "/v1/check"},
           {boost::beast::http::verb::get, "/v1/comments/1"}}) {
    HttpResult r = daemon_->Tcp().WithToken("").Send(method, target, "{}");
    EXPECT_EQ(401u, r.status) << target;
    EXPECT_EQ("Bearer realm=\"moderated\"",
              std::string(r.raw[boost::beast::http::field::www_authenticate]));
    EXPECT_EQ("missing Authorization: Bearer token", Str(r.Json().at("detail")));
    HttpResult bad = daemon_->Tcp().WithToken("mdr_not-a-real-token").Send(method, target, "{}");
    EXPECT_EQ(401u, bad.status) << target;
    EXPECT_EQ("invalid or revoked token", Str(bad.Json().at("detail")));
  }
  // Health checks stay open for load balancers and systemd.
  EXPECT_EQ(200u, daemon_->Tcp().WithToken("").Get("/healthz").status);
  EXPECT_EQ(200u, daemon_->Tcp().WithToken("").Get("/readyz").status);
}

TEST_F(DaemonE2ETest, SiteTokensActOnlyForTheirSites) {
  std::string token = daemon_->CreateToken("site", {"mine.example"});
  HttpClient c = std::move(daemon_->Tcp().WithToken(token));
  HttpResult ok = c.Post("/v1/comments", CommentBody("mine.example", "m-1", "hello there"));
  ASSERT_EQ(201u, ok.status) << ok.body;
  int64_t id = ok.Json().at("id").as_int64();
  EXPECT_EQ(200u, c.Get("/v1/comments/" + std::to_string(id)).status);

  HttpResult other = c.Post("/v1/comments", CommentBody("theirs.example", "t-1", "hello"));
  EXPECT_EQ(403u, other.status);
  EXPECT_EQ("this token may not act for site 'theirs.example'", Str(other.Json().at("detail")));
  // Another site's comment does not exist for this token.
  HttpResult theirs = daemon_->Tcp().Post("/v1/comments", CommentBody("theirs.example", "t-2", "x"));
  ASSERT_EQ(201u, theirs.status);
  std::string theirs_id = std::to_string(theirs.Json().at("id").as_int64());
  EXPECT_EQ(404u, c.Get("/v1/comments/" + theirs_id).status);

  // A moderator token cannot submit comments.
  std::string mod = daemon_->CreateToken("moderator");
  HttpResult m = daemon_->Tcp().WithToken(mod).Post(
      "/v1/comments", CommentBody("mine.example", "m-2", "hello"));
  EXPECT_EQ(403u, m.status);
  EXPECT_EQ("this endpoint needs a site or admin token, not moderator",
            Str(m.Json().at("detail")));
}

TEST(DaemonTokenCommandTest, CreateListRevoke) {
  TempDir dir;
  std::string bin = MODERATED_BINARY;
  std::string base = bin + " token --data-dir " + dir.path().string();
  int code = 0;
  testing::RunCommand(bin + " token create --data-dir " + dir.path().string() +
                          " --role site 2>&1",
                      &code);
  EXPECT_EQ(2, code);  // a site token needs a site
  std::string token = testing::RunCommand(bin + " token create --data-dir " +
                                          dir.path().string() +
                                          " --role site --site a.example --name blog 2>/dev/null");
  EXPECT_EQ(0u, token.find("mdr_"));
  EXPECT_EQ(4u + 43u + 1u, token.size());  // prefix, 256 bits base64url, newline
  std::string list = testing::RunCommand(bin + " token list --data-dir " + dir.path().string());
  EXPECT_NE(std::string::npos, list.find("1\tsite\tblog\t" + token.substr(0, 8) +
                                         "...\t[\"a.example\"]"))
      << list;
  EXPECT_EQ(std::string::npos, list.find(token.substr(0, 47)));  // never the token itself
  EXPECT_EQ("token 1 revoked\n",
            testing::RunCommand(bin + " token revoke 1 --data-dir " + dir.path().string()));
  list = testing::RunCommand(bin + " token list --data-dir " + dir.path().string());
  EXPECT_NE(std::string::npos, list.find("revoked 20")) << list;
}

}  // namespace
}  // namespace moderated

namespace moderated {
namespace {

TEST(DaemonReputationTest, RulesSeeTheAuthorsRejectedComments) {
  TempDir dir;
  std::ofstream(dir.File("rules.yaml"))
      << "version: 1\nrules:\n  - id: repeat_offender\n    description: Author was rejected "
         "before\n    score: 2\n    match: {feature: author_rejected, \">=\": 1}\n";
  DaemonProcess d(MODERATED_BINARY, dir.path().string(), {"--rules", dir.File("rules.yaml")});
  HttpClient c = d.Tcp();
  auto post = [&](const std::string& id, const std::string& email) {
    HttpResult r = c.Post("/v1/comments", CommentBody("rep.example", id, "Some comment text",
                                                      {{"author", {{"email", email}}}}));
    EXPECT_EQ(201u, r.status) << r.body;
    return r.Json();
  };
  json::value first = post("1", "troll@example.com");
  EXPECT_EQ(nullptr, FindReason(first, "repeat_offender"));
  HttpResult decided = c.Post("/v1/comments/" + std::to_string(first.at("id").as_int64()) +
                                  "/decision",
                              R"({"decision": "reject", "note": "abusive"})");
  ASSERT_EQ(200u, decided.status) << decided.body;
  EXPECT_NE(nullptr, FindReason(post("2", "troll@example.com"), "repeat_offender"));
  EXPECT_EQ(nullptr, FindReason(post("3", "someone.else@example.com"), "repeat_offender"));
}

}  // namespace
}  // namespace moderated

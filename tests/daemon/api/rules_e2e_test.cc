// End-to-end tests of live rule administration (issue 3): the real binary,
// PUT/GET/rollback/backtest over HTTP, rules surviving a restart, swaps
// under load, the backtest CLI and velocity.
#include <signal.h>
#include <sqlite3.h>

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <boost/json.hpp>
#include <fstream>
#include <iostream>
#include <thread>

#include "tests/testing/daemon_process.h"
#include "tests/testing/sqlite_query.h"
#include "tests/testing/temp_dir.h"

namespace moderated {
namespace {

namespace json = boost::json;
using boost::beast::http::verb;
using testing::DaemonProcess;
using testing::QuerySqlite;
using testing::HttpClient;
using testing::HttpResult;
using testing::RunCommand;
using testing::TempDir;

std::string Str(const json::value& v) { return std::string(v.as_string()); }

// A rule file with one rule `id` that holds comments containing `word`.
std::string HoldRule(const std::string& id, const std::string& word) {
  return "version: 1\nrules:\n  - id: " + id + "\n    action: hold\n    match: {field: content, "
         "words: [" + word + "]}\n";
}

HttpResult PutRules(HttpClient& c, const std::string& text, const std::string& comment = "") {
  json::object body{{"text", text}};
  if (!comment.empty()) body["comment"] = comment;
  return c.Send(verb::put, "/v1/admin/rules", json::serialize(body));
}

std::string CommentBody(const std::string& id, const std::string& content,
                        const std::string& ip = "192.0.2.10") {
  json::object o{{"site", "news.example"}, {"content", content}, {"author", {{"ip", ip}}}};
  if (!id.empty()) o["id"] = id;
  return json::serialize(o);
}

// The rule ids of a verdict's reasons, space-separated.
std::string Reasons(const json::value& verdict) {
  std::string out;
  for (const auto& r : verdict.at("reasons").as_array()) {
    out += (out.empty() ? "" : " ") + Str(r.at("rule"));
  }
  return out;
}

TEST(AdminRulesE2ETest, PutValidateListGetRollbackAndAudit) {
  TempDir dir;
  DaemonProcess d(MODERATED_BINARY, dir.path().string());
  HttpClient c = d.Tcp();
  auto check = [&](const std::string& text) {
    HttpResult r = c.Post("/v1/check", CommentBody("", text));
    EXPECT_EQ(200u, r.status) << r.body;
    return Reasons(r.Json());
  };

  // Before any PUT: the embedded default runs, no stored version.
  HttpResult r = c.Get("/v1/admin/rules");
  ASSERT_EQ(200u, r.status) << r.body;
  json::value v = r.Json();
  EXPECT_TRUE(v.at("version").is_null());
  EXPECT_EQ(0u, Str(v.at("text")).find("# rules/default.yaml"));
  EXPECT_EQ(0u, Str(v.at("engine")).find("r-"));

  // A good PUT becomes version 1 and verdicts use it at once.
  const std::string apple = HoldRule("apple", "apple, яблоко, تفاحة");
  r = PutRules(c, apple, "fruit");
  ASSERT_EQ(200u, r.status) << r.body;
  v = r.Json();
  EXPECT_EQ(1, v.at("version").at("id").as_int64());
  EXPECT_EQ("token:1:admin", Str(v.at("version").at("author")));
  EXPECT_EQ("fruit", Str(v.at("version").at("comment")));
  EXPECT_TRUE(v.at("version").at("active").as_bool());
  EXPECT_EQ(1, v.at("rules").as_int64());
  const std::string engine1 = Str(v.at("engine"));
  EXPECT_EQ("apple", check("an apple a day"));
  EXPECT_EQ("apple", check("تفاحة واحدة"));
  EXPECT_EQ("apple", check("Одно ЯБЛОКО в день"));

  // A bad PUT is 422 with line and column; the running rules stay.
  r = PutRules(c, "version: 1\nrules:\n  - id: bad\n    score: 1\n    match: {feild: content}\n");
  ASSERT_EQ(422u, r.status) << r.body;
  EXPECT_EQ("application/problem+json", r.content_type);
  v = r.Json();
  EXPECT_EQ("2 errors in the rules text", Str(v.at("detail")));
  ASSERT_EQ(2u, v.at("errors").as_array().size());
  const json::value& e = v.at("errors").at(0);
  EXPECT_EQ("/text", Str(e.at("pointer")));
  EXPECT_EQ(5, e.at("line").as_int64());
  EXPECT_EQ(13, e.at("column").as_int64());
  EXPECT_EQ("rules:5:13: unknown key 'feild' (did you mean 'field'?)", Str(e.at("detail")));
  EXPECT_EQ("rules:5:12: a condition needs one of field, feature, all, any or not",
            Str(v.at("errors").at(1).at("detail")));
  EXPECT_EQ("apple", check("an apple a day"));
  r = c.Send(verb::put, "/v1/admin/rules", R"({"txt": "x"})");
  ASSERT_EQ(422u, r.status) << r.body;
  EXPECT_EQ("2 fields are invalid", Str(r.Json().at("detail")));

  // A second version; the list is newest first; GET returns the text.
  const std::string pear = HoldRule("pear", "pear, груша, كمثرى");
  r = PutRules(c, pear);
  ASSERT_EQ(200u, r.status) << r.body;
  EXPECT_EQ(2, r.Json().at("version").at("id").as_int64());
  EXPECT_EQ("", check("an apple a day"));
  EXPECT_EQ("pear", check("a pear a day"));
  r = c.Get("/v1/admin/rules/versions");
  ASSERT_EQ(200u, r.status) << r.body;
  v = r.Json();
  ASSERT_EQ(2u, v.at("versions").as_array().size());
  EXPECT_EQ(2, v.at("versions").at(0).at("id").as_int64());
  EXPECT_TRUE(v.at("versions").at(0).at("active").as_bool());
  EXPECT_FALSE(v.at("versions").at(1).at("active").as_bool());
  EXPECT_EQ(nullptr, v.at("versions").at(0).as_object().if_contains("text"));
  r = c.Get("/v1/admin/rules/versions/1");
  ASSERT_EQ(200u, r.status) << r.body;
  EXPECT_EQ(apple, Str(r.Json().at("text")));
  EXPECT_EQ(404u, c.Get("/v1/admin/rules/versions/9").status);
  EXPECT_EQ("no rules version 9", Str(c.Get("/v1/admin/rules/versions/9").Json().at("detail")));
  r = c.Get("/v1/admin/rules");
  EXPECT_EQ(pear, Str(r.Json().at("text")));
  EXPECT_EQ(2, r.Json().at("version").at("id").as_int64());

  // SIGHUP with no rule file re-reads the active stored version.
  d.Signal(SIGHUP);
  ASSERT_TRUE(d.WaitForLog("rules_source=database:2")) << d.Log();
  EXPECT_EQ("pear", check("a pear a day"));

  // Rollback with no body: the version before the active one.
  r = c.Post("/v1/admin/rules/rollback", "{}");
  ASSERT_EQ(200u, r.status) << r.body;
  v = r.Json();
  EXPECT_EQ(1, v.at("version").at("id").as_int64());
  EXPECT_EQ(engine1, Str(v.at("engine")));
  EXPECT_EQ("apple", check("an apple a day"));
  EXPECT_EQ("", check("a pear a day"));
  r = c.Post("/v1/admin/rules/rollback", "{}");
  ASSERT_EQ(409u, r.status) << r.body;
  EXPECT_EQ("rules version 1 is the oldest; there is none before it", Str(r.Json().at("detail")));
  // Rollback to an explicit id (forward, too).
  r = c.Post("/v1/admin/rules/rollback", R"({"version": 2})");
  ASSERT_EQ(200u, r.status) << r.body;
  EXPECT_EQ("pear", check("a pear a day"));
  r = c.Post("/v1/admin/rules/rollback", R"({"version": 99})");
  ASSERT_EQ(404u, r.status) << r.body;
  EXPECT_EQ("no rules version 99", Str(r.Json().at("detail")));
  r = c.Post("/v1/admin/rules/rollback", R"({"version": "x"})");
  ASSERT_EQ(422u, r.status) << r.body;
  EXPECT_EQ("/version must be an integer", Str(r.Json().at("detail"))) << r.body;

  // Every change is audited with the version ids before and after.
  EXPECT_EQ(
      "rules.update|token:1:admin|rules|{\"version\":null\n"
      "rules.update|token:1:admin|rules|{\"version\":1\n"
      "rules.rollback|token:1:admin|rules|{\"version\":2\n"
      "rules.rollback|token:1:admin|rules|{\"version\":1\n",
      QuerySqlite(d.database(),
            "SELECT action, actor, target, substr(before_json, 1, instr(before_json, ',') - 1) "
            "FROM audit_log WHERE action LIKE 'rules.%' ORDER BY id"));
  EXPECT_EQ("{\"version\":2,\"engine\":\"" + Str(c.Get("/v1/admin/rules").Json().at("engine")) +
                "\"}\n",
            QuerySqlite(d.database(), "SELECT after_json FROM audit_log WHERE action LIKE 'rules.%' "
                                "ORDER BY id DESC LIMIT 1"));

  // Admin only.
  HttpClient site = HttpClient::Tcp(d.port());
  site.WithToken(d.CreateToken("site", {"news.example"}));
  for (auto [method, target] : std::vector<std::pair<verb, std::string>>{
           {verb::get, "/v1/admin/rules"},
           {verb::put, "/v1/admin/rules"},
           {verb::get, "/v1/admin/rules/versions"},
           {verb::get, "/v1/admin/rules/versions/1"},
           {verb::post, "/v1/admin/rules/rollback"},
           {verb::post, "/v1/admin/rules/backtest"}}) {
    r = site.Send(method, target, R"({"text": "version: 1\nrules: []\n"})");
    EXPECT_EQ(403u, r.status) << target;
    EXPECT_EQ("this endpoint needs an admin token, not site", Str(r.Json().at("detail"))) << target;
    HttpClient anonymous = HttpClient::Tcp(d.port());
    r = anonymous.Send(method, target, "{}");
    EXPECT_EQ(401u, r.status) << target;
    EXPECT_EQ("missing Authorization: Bearer token", Str(r.Json().at("detail"))) << target;
  }
  EXPECT_EQ("pear", check("a pear a day"));
  r = c.Send(verb::delete_, "/v1/admin/rules");
  EXPECT_EQ(405u, r.status);
  EXPECT_EQ("GET, PUT", std::string(r.raw[boost::beast::http::field::allow]));
}

TEST(AdminRulesE2ETest, StoredRulesSurviveARestartAndAFileWins) {
  TempDir dir;
  // DaemonProcess finds the port in daemon.log: remove the previous run's log
  // first so that its "listening" line is not read before the new one.
  auto fresh_log = [&] { std::filesystem::remove(dir.File("daemon.log")); };
  const std::string pear = HoldRule("pear", "pear");
  {
    DaemonProcess d(MODERATED_BINARY, dir.path().string());
    HttpClient c = d.Tcp();
    ASSERT_EQ(200u, PutRules(c, pear).status);
    d.Signal(SIGTERM);
    ASSERT_EQ(0, d.Wait());
  }
  fresh_log();
  {
    DaemonProcess d(MODERATED_BINARY, dir.path().string());
    EXPECT_NE(std::string::npos, d.Log().find("rules_source=database:1")) << d.Log();
    HttpResult r = d.Tcp().Post("/v1/check", CommentBody("", "a pear a day"));
    EXPECT_EQ("pear", Reasons(r.Json()));
    EXPECT_EQ(pear, Str(d.Tcp().Get("/v1/admin/rules").Json().at("text")));
    d.Signal(SIGTERM);
    ASSERT_EQ(0, d.Wait());
  }
  // A rule file given with --rules wins over the stored version.
  std::string file = dir.File("apple.yaml");
  std::ofstream(file) << HoldRule("apple", "apple");
  fresh_log();
  DaemonProcess d(MODERATED_BINARY, dir.path().string(), {"--rules", file});
  EXPECT_NE(std::string::npos, d.Log().find("rules_source=" + file)) << d.Log();
  HttpResult r = d.Tcp().Post("/v1/check", CommentBody("", "a pear and an apple"));
  EXPECT_EQ("apple", Reasons(r.Json()));
  json::value v = d.Tcp().Get("/v1/admin/rules").Json();
  EXPECT_TRUE(v.at("version").is_null());
  EXPECT_EQ(HoldRule("apple", "apple"), Str(v.at("text")));
}

TEST(AdminRulesE2ETest, SwappingRulesUnderLoadLosesNoRequest) {
  TempDir dir;
  DaemonProcess d(MODERATED_BINARY, dir.path().string());
  std::atomic<bool> done{false};
  std::atomic<int> created{0}, checked{0}, failures{0};
  std::string first_failure;
  std::thread load([&] {
    HttpClient c = d.Tcp();
    // Bounded: at most 5,000 requests even if the PUTs were slow.
    for (int i = 0; i < 5000 && !(done && i > 40); ++i) {
      HttpResult r = (i % 2 == 0)
                         ? c.Post("/v1/comments", CommentBody("load-" + std::to_string(i),
                                                              "комментарий номер " +
                                                                  std::to_string(i) +
                                                                  " عن الطقس"))
                         : c.Post("/v1/check", CommentBody("", "check " + std::to_string(i)));
      if (r.status == 201) ++created;
      else if (r.status == 200) ++checked;
      else if (failures++ == 0) first_failure = std::to_string(r.status) + " " + r.body;
    }
  });
  HttpClient admin = d.Unix();
  for (int i = 0; i < 20; ++i) {
    HttpResult r = PutRules(admin, HoldRule("swap" + std::to_string(i), "w" + std::to_string(i)));
    ASSERT_EQ(200u, r.status) << r.body;
  }
  done = true;
  load.join();
  EXPECT_EQ(0, failures.load()) << first_failure;
  EXPECT_GT(created.load(), 0);
  EXPECT_GT(checked.load(), 0);
  EXPECT_EQ(std::to_string(created.load()) + "\n",
            QuerySqlite(d.database(), "SELECT count(*) FROM comments"));
  EXPECT_EQ("20|20\n", QuerySqlite(d.database(), "SELECT count(*), max(id) FROM rules_versions"));
  EXPECT_EQ("swap19", Reasons(d.Tcp().Post("/v1/check", CommentBody("", "w19")).Json()));
}

// The daemon's resident memory in MiB (/proc/PID/status VmRSS).
int64_t RssMiB(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoll(line.substr(6)) / 1024;
  }
  return -1;
}

// Issue 15: after a 100,000-rule set was replaced by a small one, RSS stayed
// at the big set's peak and grew with every further load-and-revert cycle.
// The replaced rule set's memory must go back to the system each time.
TEST(AdminRulesE2ETest, AHundredThousandRulesGiveTheirMemoryBackWhenReplaced) {
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
  // scripts/sanitizers.sh: ASan holds freed memory in its quarantine and
  // never returns it, so the daemon's RSS after a revert says nothing about
  // glibc's allocator, which is what this test is about. LeakSanitizer covers
  // leaks in that build.
  GTEST_SKIP() << "RSS is not meaningful under AddressSanitizer";
#endif
#if __has_feature(thread_sanitizer)
  // The same for ThreadSanitizer: its allocator and shadow memory keep what
  // the daemon frees (2,023 MiB after the revert against a 2,138 MiB peak).
  GTEST_SKIP() << "RSS is not meaningful under ThreadSanitizer";
#endif
#endif
  TempDir dir;
  DaemonProcess d(MODERATED_BINARY, dir.path().string());
  HttpClient admin = d.Unix();
  const std::string small = HoldRule("small", "w0");
  ASSERT_EQ(200u, PutRules(admin, small).status);
  const int64_t base = RssMiB(d.pid());
  ASSERT_GT(base, 0);
  std::string huge = "version: 1\nrules:\n";
  for (int i = 0; i < 100000; ++i) {
    const std::string n = std::to_string(i);
    huge += "  - {id: big.r" + n + ", score: 1, match: {field: content, words: [bigword" + n +
            "]}}\n";
  }
  std::vector<int64_t> peak, after;
  for (int cycle = 0; cycle < 3; ++cycle) {
    HttpResult r = PutRules(admin, huge);
    ASSERT_EQ(200u, r.status) << r.body.substr(0, 500);
    EXPECT_EQ("big.r99999", Reasons(d.Tcp().Post("/v1/check", CommentBody("", "bigword99999"))
                                        .Json()));
    peak.push_back(RssMiB(d.pid()));
    ASSERT_EQ(200u, PutRules(admin, small).status);
    EXPECT_EQ("small", Reasons(d.Tcp().Post("/v1/check", CommentBody("", "w0")).Json()));
    after.push_back(RssMiB(d.pid()));
  }
  std::string trace = "RSS MiB: small set " + std::to_string(base) + "; huge/after";
  for (size_t i = 0; i < peak.size(); ++i) {
    trace += " " + std::to_string(peak[i]) + "/" + std::to_string(after[i]);
  }
  std::cout << trace << "\n";
  // The big set really took memory, and each revert gave most of it back
  // (before the fix, RSS stayed at the big set's peak). What stays is the
  // allocator's and SQLite's caches: over 8 cycles it levelled off about
  // 55 MiB above the small set (docs/security.md).
  EXPECT_GT(peak[0], base + 80) << trace;
  for (int cycle = 0; cycle < 3; ++cycle) {
    EXPECT_LT(after[cycle], base + (peak[cycle] - base) / 2) << trace;
  }
}

TEST(AdminRulesE2ETest, BacktestCountsTransitionsAndTheCliAgrees) {
  TempDir dir;
  DaemonProcess d(MODERATED_BINARY, dir.path().string());
  HttpClient c = d.Tcp();
  const std::string base = HoldRule("casino", "casino, казино, كازينو");
  ASSERT_EQ(200u, PutRules(c, base).status);
  // 30 ordinary comments in three languages; 7 mention a "marker" word.
  const std::vector<std::string> texts = {
      "Thanks for the report on the weather in the north, very useful",
      "Спасибо за статью о погоде на севере, очень полезно",
      "شكرا على التقرير عن الطقس في الشمال، مفيد جدا",
  };
  const std::vector<std::string> markers = {"marker", "маркер", "علامة"};
  int with_marker = 0;
  for (int i = 0; i < 30; ++i) {
    std::string content = texts[i % 3] + " (" + std::to_string(i) + ")";
    if (i % 4 == 1 && with_marker < 7) {
      content += " " + markers[i % 3];
      ++with_marker;
    }
    HttpResult r = c.Post("/v1/comments", CommentBody("bt-" + std::to_string(i), content,
                                                      "198.51.100." + std::to_string(i)));
    ASSERT_EQ(201u, r.status) << r.body;
    ASSERT_EQ("accept", Str(r.Json().at("action"))) << r.body;
  }
  ASSERT_EQ(7, with_marker);

  const std::string proposal = base + "  - id: marker\n    action: hold\n    match: {field: "
                                      "content, words: [marker, маркер, علامة]}\n";
  HttpResult r = c.Post("/v1/admin/rules/backtest",
                        json::serialize(json::object{{"text", proposal}, {"examples", 2}}));
  ASSERT_EQ(200u, r.status) << r.body;
  json::value v = r.Json();
  EXPECT_EQ(30, v.at("compared").as_int64());
  EXPECT_EQ(7, v.at("changed").as_int64());
  EXPECT_EQ((json::object{{"accept->hold", 7}}), v.at("transitions").as_object());
  EXPECT_EQ((json::object{{"before", 0}, {"after", 7}}), v.at("hits").at("marker").as_object());
  ASSERT_EQ(2u, v.at("examples").as_array().size());
  const json::value& ex = v.at("examples").at(0);
  EXPECT_EQ(2, ex.at("id").as_int64());
  EXPECT_EQ("accept", Str(ex.at("before")));
  EXPECT_EQ("hold", Str(ex.at("after")));
  EXPECT_EQ(texts[1] + " (1) маркер", Str(ex.at("excerpt")));
  EXPECT_EQ((json::array{"marker"}), ex.at("rules").as_array());
  // A range.
  r = c.Post("/v1/admin/rules/backtest",
             json::serialize(json::object{{"text", proposal}, {"from_id", 3}, {"to_id", 12}}));
  ASSERT_EQ(200u, r.status) << r.body;
  EXPECT_EQ(10, r.Json().at("compared").as_int64());
  EXPECT_EQ(2, r.Json().at("changed").as_int64());  // ids 6 and 10
  // Bad proposals are 422 like PUT.
  r = c.Post("/v1/admin/rules/backtest", R"({"text": "version: 1\nrules: [ {id: x} ]\n"})");
  ASSERT_EQ(422u, r.status) << r.body;
  EXPECT_EQ(2, r.Json().at("errors").at(0).at("line").as_int64());

  // The CLI prints the same numbers from the same database.
  std::string file = dir.File("proposal.yaml");
  std::ofstream(file) << proposal;
  json::value cli = json::parse(RunCommand(std::string(MODERATED_BINARY) +
                                           " rules backtest --rules " + file + " --data-dir " +
                                           dir.path().string() + " --examples 2 --json"));
  v.as_object().erase("elapsed_ms");
  cli.as_object().erase("elapsed_ms");
  EXPECT_EQ(json::serialize(v), json::serialize(cli));
  // Human-readable output.
  std::string text = RunCommand(std::string(MODERATED_BINARY) + " rules backtest --rules " + file +
                                " --data-dir " + dir.path().string() + " --examples 0");
  EXPECT_EQ(0u, text.find("compared 30 comments in ")) << text;
  EXPECT_NE(std::string::npos, text.find(": 7 verdicts change\ntransitions:\n  accept->hold     7\n"
                                         "rule hits (before -> after):\n  marker: 0 -> 7\n"))
      << text;
  int code = 0;
  RunCommand(std::string(MODERATED_BINARY) + " rules backtest --data-dir " + dir.path().string() +
                 " 2>/dev/null",
             &code);
  EXPECT_EQ(2, code);
}

TEST(AdminRulesE2ETest, TheEleventhCommentFromOneIpInTheWindowGetsTheVelocityReason) {
  TempDir dir;
  // The embedded default ruleset has velocity.ip_flood (> 10 in the window).
  DaemonProcess d(MODERATED_BINARY, dir.path().string());
  HttpClient c = d.Tcp();
  const std::vector<std::string> texts = {
      "I agree with the author about the new bridge",
      "Согласен с автором насчёт нового моста",
      "أتفق مع الكاتب بشأن الجسر الجديد",
  };
  auto has_flood = [](const HttpResult& r) {
    return Reasons(r.Json()).find("velocity.ip_flood") != std::string::npos;
  };
  // Dry runs never count.
  for (int i = 0; i < 5; ++i) {
    ASSERT_FALSE(has_flood(c.Post("/v1/check", CommentBody("", texts[0], "203.0.113.50"))));
  }
  for (int i = 1; i <= 10; ++i) {
    HttpResult r = c.Post("/v1/comments", CommentBody("v-" + std::to_string(i),
                                                      texts[i % 3] + " " + std::to_string(i),
                                                      "203.0.113.50"));
    ASSERT_EQ(201u, r.status) << r.body;
    EXPECT_FALSE(has_flood(r)) << i << " " << r.body;
  }
  // A dry run now sees what an 11th comment would be.
  EXPECT_TRUE(has_flood(c.Post("/v1/check", CommentBody("", texts[1], "203.0.113.50"))));
  HttpResult r = c.Post("/v1/comments", CommentBody("v-11", texts[2] + " 11", "203.0.113.50"));
  ASSERT_EQ(201u, r.status) << r.body;
  EXPECT_TRUE(has_flood(r)) << r.body;
  // Another address is unaffected.
  EXPECT_FALSE(has_flood(c.Post("/v1/comments", CommentBody("v-12", texts[0], "203.0.113.51"))));
}

// Velocity counts per site: a text posted again and again on one site, from
// one address, counts nothing on another site (docs/rules.md).
TEST(AdminRulesE2ETest, VelocityCountsEachSiteOnItsOwn) {
  TempDir dir;
  DaemonProcess d(MODERATED_BINARY, dir.path().string());
  HttpClient c = d.Tcp();
  const std::string text = "The same words about the new bridge, posted again and again";
  auto post = [&](const std::string& site, const std::string& id) {
    json::object o{{"site", site}, {"id", id}, {"content", text}, {"author", {{"ip", "203.0.113.60"}}}};
    HttpResult r = c.Post("/v1/comments", json::serialize(o));
    EXPECT_EQ(201u, r.status) << r.body;
    return Reasons(r.Json());
  };
  for (int i = 1; i <= 11; ++i) post("news.example", "s-" + std::to_string(i));
  // The 12th on news.example is a flood of both kinds ...
  const std::string same_site = post("news.example", "s-12");
  EXPECT_NE(std::string::npos, same_site.find("velocity.ip_flood")) << same_site;
  EXPECT_NE(std::string::npos, same_site.find("velocity.same_text")) << same_site;
  // ... the first on shop.example is neither.
  const std::string other_site = post("shop.example", "s-1");
  EXPECT_EQ(std::string::npos, other_site.find("velocity.")) << other_site;
}

}  // namespace
}  // namespace moderated

// End-to-end tests of spot checks (docs/review.md, "Spot checks"): the real
// `moderated serve` binary with tests/testdata/daemon/spot_check_rules.yaml,
// where sampled.example spot-checks every accepted comment and quiet.example
// (through the site registry) none. Comments go in through every front end
// that stores them (POST /v1/comments, the batch, Akismet comment-check,
// Debian's spamc); the queue, decisions and undo are driven over HTTP; what
// the learning loop will train on is read with Store::ScanLabelledComments
// on the daemon's database file.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "storage/store.h"
#include "tests/testing/daemon_process.h"
#include "tests/testing/sqlite_query.h"
#include "tests/testing/temp_dir.h"

namespace moderated {
namespace {

namespace json = boost::json;
namespace http = boost::beast::http;
using testing::DaemonProcess;
using testing::QuerySqlite;
using testing::HttpClient;
using testing::HttpResult;
using testing::RunCommand;
using testing::TempDir;

const std::string kRules = std::string(MODERATED_TESTDATA_DIR) + "/daemon/spot_check_rules.yaml";
constexpr const char* kSpamc = "/usr/bin/spamc";

std::string Str(const json::value& v) { return std::string(v.as_string()); }

// The errors of a 422 as "pointer: detail" lines.
std::string Errors(const HttpResult& r) {
  std::string out;
  const json::value body = r.Json();
  for (const auto& e : body.at("errors").as_array()) {
    out += Str(e.at("pointer")) + ": " + Str(e.at("detail")) + "\n";
  }
  return out;
}

std::string FormOf(const std::vector<std::pair<std::string, std::string>>& fields) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const auto& [k, v] : fields) {
    if (!out.empty()) out += '&';
    for (const std::string* s : {&k, &v}) {
      for (unsigned char c : *s) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.') {
          out.push_back(static_cast<char>(c));
        } else {
          out += {'%', kHex[c >> 4], kHex[c & 15]};
        }
      }
      if (s == &k) out += '=';
    }
  }
  return out;
}

class SpotCheckE2ETest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    const std::string d = dir_->path().string();
    // Classifier weights 0: verdicts come from the rules alone.
    std::ofstream(d + "/moderated.yaml") << "classifier: {spam_weight: 0, abuse_weight: 0}\n"
                                         << "spamc: {site: mail.example}\n";
    socket_ = d + "/spamd.sock";
    daemon_ = new DaemonProcess(
        MODERATED_BINARY, d,
        {"--rules", kRules, "--config", d + "/moderated.yaml", "--spamc-socket", socket_});
    spamc_ready_ = daemon_->WaitForLog("transport=spamc-unix");
  }
  static void TearDownTestSuite() {
    delete daemon_;
    delete dir_;
  }

  static HttpResult Admin(http::verb verb, const std::string& target,
                          const std::string& body = "") {
    HttpClient c = HttpClient::Tcp(daemon_->port());
    c.WithToken(daemon_->admin_token());
    return c.Send(verb, target, body);
  }

  // Submits one comment; returns the answer's JSON (null if not 200/201).
  static json::value Submit(const std::string& site, const std::string& id,
                            const std::string& content, const std::string& path = "/v1/comments") {
    HttpResult r =
        Admin(http::verb::post, path,
              json::serialize(json::object{{"site", site}, {"id", id}, {"content", content}}));
    EXPECT_TRUE(r.status == 200 || r.status == 201) << r.status << " " << r.body;
    return r.status == 200 || r.status == 201 ? r.Json() : json::value(nullptr);
  }

  static int64_t IdOf(const std::string& site, const std::string& external_id) {
    const std::string row =
        QuerySqlite(daemon_->database(), "SELECT id FROM comments WHERE site = '" + site +
                                       "' AND external_id = '" + external_id + "'");
    return row.empty() ? 0 : std::stoll(row);
  }

  // "external_id:review " per item of a queue page.
  static std::string Items(const json::value& page) {
    std::string out;
    for (const auto& item : page.at("items").as_array()) {
      out += Str(item.at("external_id")) + ":" + Str(item.at("review")) + " ";
    }
    return out;
  }

  // What the learning loop trains on: "comment_id:label " for `site`.
  static std::string Labelled(const std::string& site) {
    std::string error;
    auto store =
        storage::Store::Open(daemon_->database(), storage::Store::OpenMode::kReadOnly, &error);
    EXPECT_NE(store, nullptr) << error;
    if (store == nullptr) return "";
    std::string out;
    EXPECT_FALSE(store->ScanLabelledComments(0, [&](const storage::LabelledComment& c) {
      if (c.site == site) out += std::to_string(c.comment_id) + ":" + c.label + " ";
      return true;
    }));
    return out;
  }

  static TempDir* dir_;
  static DaemonProcess* daemon_;
  static std::string socket_;
  static bool spamc_ready_;
};
TempDir* SpotCheckE2ETest::dir_ = nullptr;
DaemonProcess* SpotCheckE2ETest::daemon_ = nullptr;
std::string SpotCheckE2ETest::socket_;
bool SpotCheckE2ETest::spamc_ready_ = false;

TEST_F(SpotCheckE2ETest, AcceptedCommentsOfASampledSiteAreReviewedAndBecomeLabels) {
  // quiet.example: the rule file says 1, the registry 0, and the registry wins.
  HttpResult put = Admin(http::verb::put, "/v1/admin/sites/quiet.example", R"({"spot_check": 0})");
  ASSERT_EQ(200u, put.status) << put.body;
  EXPECT_EQ(0.0, put.Json().at("spot_check").to_number<double>());

  // The site's answer is unchanged: accept, approved.
  for (const auto& [site, id] :
       std::vector<std::pair<std::string, std::string>>{{"sampled.example", "s-1"},
                                                        {"sampled.example", "s-2"},
                                                        {"quiet.example", "q-1"},
                                                        {"quiet.example", "q-2"}}) {
    json::value v = Submit(site, id, "A perfectly ordinary comment " + id);
    ASSERT_TRUE(v.is_object());
    EXPECT_EQ("accept", Str(v.at("action"))) << id;
    EXPECT_EQ("approved", Str(v.at("status"))) << id;
  }
  json::value held = Submit("sampled.example", "s-held", "please hold me for a moderator");
  ASSERT_TRUE(held.is_object());
  EXPECT_EQ("hold", Str(held.at("action")));
  HttpResult batch =
      Admin(http::verb::post, "/v1/comments/batch",
            json::serialize(json::object{
                {"comments", json::array{json::object{{"site", "sampled.example"},
                                                      {"id", "s-3"},
                                                      {"content", "Another ordinary comment"}},
                                         json::object{{"site", "quiet.example"},
                                                      {"id", "q-3"},
                                                      {"content", "Another ordinary comment"}}}}}));
  ASSERT_EQ(200u, batch.status) << batch.body;
  // A dry run stores nothing, so it is never a spot check; a retry is the same comment.
  json::value dry = Submit("sampled.example", "s-dry", "A dry run", "/v1/check");
  ASSERT_TRUE(dry.is_object());
  EXPECT_EQ("accept", Str(dry.at("action")));
  HttpResult retry = Admin(http::verb::post, "/v1/comments",
                           R"({"site": "sampled.example", "id": "s-1",
                               "content": "A perfectly ordinary comment s-1"})");
  EXPECT_EQ(200u, retry.status) << retry.body;

  const std::string db = daemon_->database();
  EXPECT_EQ(QuerySqlite(db,
                  "SELECT site, external_id, status, spot_check FROM comments WHERE site IN "
                  "('sampled.example', 'quiet.example') ORDER BY id"),
            "sampled.example|s-1|approved|1\n"
            "sampled.example|s-2|approved|1\n"
            "quiet.example|q-1|approved|0\n"
            "quiet.example|q-2|approved|0\n"
            "sampled.example|s-held|pending|0\n"
            "sampled.example|s-3|approved|1\n"
            "quiet.example|q-3|approved|0\n");

  // The queue: spot checks beside the held comment, only for the sampled site.
  HttpResult q = Admin(http::verb::get, "/v1/queue?site=sampled.example");
  ASSERT_EQ(200u, q.status) << q.body;
  EXPECT_EQ("s-1:spot_check s-2:spot_check s-held:pending s-3:spot_check ", Items(q.Json()));
  EXPECT_EQ(4, q.Json().at("counts").at("total").as_int64());
  EXPECT_EQ((json::value{{"pending", 1}, {"spot_check", 3}}),
            q.Json().at("counts").at("by_review"));
  q = Admin(http::verb::get, "/v1/queue?site=quiet.example");
  ASSERT_EQ(200u, q.status) << q.body;
  EXPECT_EQ("", Items(q.Json()));
  EXPECT_EQ(0, q.Json().at("counts").at("total").as_int64());
  q = Admin(http::verb::get, "/v1/queue?site=sampled.example&review=spot_check&sort=newest");
  ASSERT_EQ(200u, q.status) << q.body;
  EXPECT_EQ("s-3:spot_check s-2:spot_check s-1:spot_check ", Items(q.Json()));
  EXPECT_EQ((json::value{{"spot_check", 3}}), q.Json().at("counts").at("by_review"));
  q = Admin(http::verb::get, "/v1/queue?site=sampled.example&review=pending");
  ASSERT_EQ(200u, q.status) << q.body;
  EXPECT_EQ("s-held:pending ", Items(q.Json()));
  q = Admin(http::verb::get, "/v1/queue?review=accepted");
  ASSERT_EQ(400u, q.status) << q.body;
  EXPECT_EQ("query parameter 'review' must be pending or spot_check", Str(q.Json().at("detail")));

  // Claims work the same; spam takes a published comment down and is a label.
  const int64_t s1 = IdOf("sampled.example", "s-1"), s2 = IdOf("sampled.example", "s-2");
  ASSERT_GT(s1, 0);
  ASSERT_GT(s2, 0);
  HttpResult claim = Admin(http::verb::post, "/v1/queue/" + std::to_string(s1) + "/claim", "");
  ASSERT_EQ(200u, claim.status) << claim.body;
  HttpResult d = Admin(http::verb::post, "/v1/comments/" + std::to_string(s1) + "/decision",
                       R"({"decision": "spam"})");
  ASSERT_EQ(200u, d.status) << d.body;
  EXPECT_EQ("rejected", Str(d.Json().at("comment").at("status")));
  EXPECT_EQ("approved", Str(d.Json().at("decision").at("previous_status")));
  EXPECT_TRUE(d.Json().at("decision").at("spot_check").as_bool());
  d = Admin(http::verb::post, "/v1/comments/" + std::to_string(s2) + "/decision",
            R"({"decision": "approve"})");
  ASSERT_EQ(200u, d.status) << d.body;
  EXPECT_EQ("approved", Str(d.Json().at("comment").at("status")));
  EXPECT_EQ(QuerySqlite(db,
                  "SELECT external_id, status, spot_check FROM comments WHERE site = "
                  "'sampled.example' AND external_id IN ('s-1', 's-2') ORDER BY id"),
            "s-1|rejected|0\ns-2|approved|0\n");
  q = Admin(http::verb::get, "/v1/queue?site=sampled.example&review=spot_check");
  ASSERT_EQ(200u, q.status) << q.body;
  EXPECT_EQ("s-3:spot_check ", Items(q.Json()));
  EXPECT_EQ(std::to_string(s1) + ":spam " + std::to_string(s2) + ":ham ",
            Labelled("sampled.example"));

  // Undo: published again, a spot check again, and no longer a training label.
  HttpResult undo = Admin(http::verb::post, "/v1/comments/" + std::to_string(s1) + "/undo", "");
  ASSERT_EQ(200u, undo.status) << undo.body;
  EXPECT_EQ("approved", Str(undo.Json().at("comment").at("status")));
  EXPECT_TRUE(undo.Json().at("undone").at("spot_check").as_bool());
  q = Admin(http::verb::get, "/v1/queue?site=sampled.example&review=spot_check");
  ASSERT_EQ(200u, q.status) << q.body;
  EXPECT_EQ("s-1:spot_check s-3:spot_check ", Items(q.Json()));
  EXPECT_EQ(std::to_string(s2) + ":ham ", Labelled("sampled.example"));
  HttpResult history = Admin(http::verb::get, "/v1/comments/" + std::to_string(s1) + "/history");
  ASSERT_EQ(200u, history.status) << history.body;
  const json::value history_json = history.Json();  // owned: the reference below needs it
  const json::array& decisions = history_json.at("decisions").as_array();
  ASSERT_EQ(2u, decisions.size());
  EXPECT_EQ("spam", Str(decisions[0].at("decision")));
  EXPECT_TRUE(decisions[0].at("spot_check").as_bool());
  EXPECT_TRUE(decisions[0].at("undone").as_bool());
  EXPECT_EQ("undo", Str(decisions[1].at("decision")));
  EXPECT_FALSE(decisions[1].at("spot_check").as_bool());
}

TEST_F(SpotCheckE2ETest, AkismetAndSpamcStoreSpotChecksToo) {
  const std::string d = dir_->path().string();
  std::string key = RunCommand(std::string(MODERATED_BINARY) + " token create --data-dir " + d +
                               " --role site --site blog.example --akismet 2>/dev/null");
  while (!key.empty() && (key.back() == '\n' || key.back() == ' ')) key.pop_back();
  auto akismet = [&](const std::string& path, const std::string& content, bool test) {
    HttpClient c = HttpClient::Tcp(daemon_->port());
    std::vector<std::pair<std::string, std::string>> fields = {{"api_key", key},
                                                               {"blog", "https://blog.example"},
                                                               {"user_ip", "203.0.113.7"},
                                                               {"comment_content", content}};
    if (test) fields.push_back({"is_test", "1"});
    return c.Send(http::verb::post, path, FormOf(fields), "application/x-www-form-urlencoded",
                  {{"Host", "rest.akismet.com"}});
  };
  HttpResult r = akismet("/1.1/comment-check", "Lovely photos of the harbour", false);
  ASSERT_EQ(200u, r.status) << r.body;
  EXPECT_EQ("false", r.body);
  r = akismet("/1.1/comment-check", "A test submission of the plugin", true);
  ASSERT_EQ(200u, r.status) << r.body;
  // The site labels this one as it sends it: nothing left to check.
  r = akismet("/1.1/submit-ham", "Thanks, this was useful", false);
  ASSERT_EQ(200u, r.status) << r.body;
  EXPECT_EQ(QuerySqlite(daemon_->database(),
                  "SELECT content, status, spot_check FROM comments WHERE site = 'blog.example' "
                  "ORDER BY id"),
            "Lovely photos of the harbour|approved|1\n"
            "Thanks, this was useful|approved|0\n");

  ASSERT_TRUE(spamc_ready_) << daemon_->Log();
  ASSERT_EQ(0, access(kSpamc, X_OK)) << "Debian's spamc is missing: run scripts/setup.sh";
  std::ofstream(d + "/ham.eml", std::ios::binary)
      << "From: nadia@example.org\nSubject: Meeting notes\n\nThe notes from Tuesday are below.\n";
  int code = -1;
  EXPECT_EQ("0.0/1000.0\n", RunCommand(std::string(kSpamc) + " -x -c -U " + socket_ + " < " + d +
                                           "/ham.eml " + "2>/dev/null",
                                       &code));
  EXPECT_EQ(0, code);
  EXPECT_EQ(QuerySqlite(daemon_->database(),
                  "SELECT status, spot_check FROM comments WHERE site = 'mail.example'"),
            "approved|1\n");
}

TEST_F(SpotCheckE2ETest, SitesApiRoundTripsSensitivityAndSpotCheck) {
  HttpResult put = Admin(http::verb::put, "/v1/admin/sites/x.example",
                         R"({"sensitivity": "high", "spot_check": 0.25, "hold_at": 4})");
  ASSERT_EQ(200u, put.status) << put.body;
  const json::value site = put.Json();
  EXPECT_EQ("high", Str(site.at("sensitivity")));
  EXPECT_EQ(0.25, site.at("spot_check").to_number<double>());
  HttpResult get = Admin(http::verb::get, "/v1/admin/sites/x.example");
  ASSERT_EQ(200u, get.status);
  EXPECT_EQ(site, get.Json());

  // Absent is null: the rule file's value applies again.
  put = Admin(http::verb::put, "/v1/admin/sites/x.example", R"({"sensitivity": "low"})");
  ASSERT_EQ(200u, put.status) << put.body;
  EXPECT_EQ("low", Str(put.Json().at("sensitivity")));
  EXPECT_TRUE(put.Json().at("spot_check").is_null());
  put = Admin(http::verb::put, "/v1/admin/sites/x.example",
              R"({"sensitivity": null, "spot_check": 1})");
  ASSERT_EQ(200u, put.status) << put.body;
  EXPECT_TRUE(put.Json().at("sensitivity").is_null());
  EXPECT_EQ(1.0, put.Json().at("spot_check").to_number<double>());

  HttpResult bad = Admin(http::verb::put, "/v1/admin/sites/x.example",
                         R"({"sensitivity": "extreme", "spot_check": 1.5})");
  ASSERT_EQ(422u, bad.status) << bad.body;
  EXPECT_EQ("2 fields are invalid", Str(bad.Json().at("detail")));
  EXPECT_EQ(
      "/sensitivity: must be low, normal or high\n"
      "/spot_check: must be a number between 0 and 1\n",
      Errors(bad));
  bad = Admin(http::verb::put, "/v1/admin/sites/x.example", R"({"spot_check": "0.5"})");
  ASSERT_EQ(422u, bad.status) << bad.body;
  EXPECT_EQ("/spot_check must be a number between 0 and 1", Str(bad.Json().at("detail")));
  bad = Admin(http::verb::put, "/v1/admin/sites/x.example",
              R"({"spot_check": -0.01, "sensitivity": 3})");
  ASSERT_EQ(422u, bad.status) << bad.body;
  EXPECT_EQ(
      "/sensitivity: must be low, normal or high\n"
      "/spot_check: must be a number between 0 and 1\n",
      Errors(bad));
  // A refused change changed nothing.
  get = Admin(http::verb::get, "/v1/admin/sites/x.example");
  ASSERT_EQ(200u, get.status);
  EXPECT_EQ(1.0, get.Json().at("spot_check").to_number<double>());

  // Audited like the other fields: the SITE before and after.
  HttpResult audit = Admin(http::verb::get, "/v1/admin/audit?target=site:x.example&limit=10");
  ASSERT_EQ(200u, audit.status) << audit.body;
  const json::value audit_json = audit.Json();
  const json::array& entries = audit_json.at("entries").as_array();
  ASSERT_EQ(3u, entries.size());  // newest first
  EXPECT_EQ("site.update", Str(entries[2].at("action")));
  EXPECT_TRUE(entries[2].at("before").is_null());
  EXPECT_EQ("high", Str(entries[2].at("after").at("sensitivity")));
  EXPECT_EQ(0.25, entries[2].at("after").at("spot_check").to_number<double>());
  EXPECT_EQ("low", Str(entries[1].at("after").at("sensitivity")));
  EXPECT_TRUE(entries[1].at("after").at("spot_check").is_null());
  EXPECT_EQ(1.0, entries[0].at("after").at("spot_check").to_number<double>());
}

}  // namespace
}  // namespace moderated

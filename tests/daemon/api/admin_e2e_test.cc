// End-to-end tests of the admin API (daemon/api/tokens.cc, sites.cc, audit.cc): tokens, the site
// registry and the audit log, on the real `moderated serve` binary with
// tokens made by the CLI (admin) and through the API.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <set>

#include "tests/testing/daemon_process.h"
#include "tests/testing/temp_dir.h"

namespace moderated {
namespace {

namespace json = boost::json;
namespace http = boost::beast::http;
using testing::DaemonProcess;
using testing::HttpClient;
using testing::HttpResult;
using testing::TempDir;

const std::string kRules = std::string(MODERATED_TESTDATA_DIR) + "/daemon/rules.yaml";
// The admin token DaemonProcess makes with the CLI is token 1, named "admin".
const std::string kAdminActor = "token:1:admin";
const std::string kHam =
    "Thank you for this article, the analysis of the budget was clear and well sourced.";

std::string Str(const json::value& v) { return std::string(v.as_string()); }

std::string Comment(const std::string& site, const std::string& content,
                    const std::string& lang = "") {
  json::object o{{"site", site}, {"content", content}};
  if (!lang.empty()) o["lang"] = lang;
  return json::serialize(o);
}

// The errors of a 422 as "pointer: detail" lines.
std::string Errors(const HttpResult& r) {
  std::string out;
  const json::value body = r.Json();  // owned: the loop must not outlive it
  for (const auto& e : body.at("errors").as_array()) {
    out += Str(e.at("pointer")) + ": " + Str(e.at("detail")) + "\n";
  }
  return out;
}

bool HasReason(const json::value& verdict, std::string_view rule) {
  for (const auto& r : verdict.at("reasons").as_array()) {
    if (r.at("rule").as_string() == rule) return true;
  }
  return false;
}

class AdminApiE2ETest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    daemon_ = new DaemonProcess(MODERATED_BINARY, dir_->path().string(), {"--rules", kRules});
  }
  static void TearDownTestSuite() {
    delete daemon_;
    delete dir_;
  }
  static HttpResult Put(const std::string& target, const std::string& body) {
    return daemon_->Tcp().Send(http::verb::put, target, body);
  }
  static HttpResult Delete(const std::string& target) {
    return daemon_->Tcp().Send(http::verb::delete_, target);
  }
  // Every audit entry for `target`, newest first.
  static json::array AuditFor(const std::string& target) {
    HttpResult r = daemon_->Tcp().Get("/v1/admin/audit?limit=1000&target=" + target);
    EXPECT_EQ(200u, r.status) << r.body;
    return r.Json().at("entries").as_array();
  }
  static TempDir* dir_;
  static DaemonProcess* daemon_;
};
TempDir* AdminApiE2ETest::dir_ = nullptr;
DaemonProcess* AdminApiE2ETest::daemon_ = nullptr;

TEST_F(AdminApiE2ETest, RoleMatrixForEveryAdminEndpoint) {
  const std::string site = daemon_->CreateToken("site", {"news.example"});
  const std::string moderator = daemon_->CreateToken("moderator");
  const std::string site_body = R"({"hold_at": 3, "reject_at": 8})";
  struct Endpoint {
    http::verb method;
    std::string target;
    std::string body;
    unsigned admin_status;
  };
  const std::vector<Endpoint> endpoints = {
      {http::verb::get, "/v1/admin/tokens", "", 200},
      {http::verb::post, "/v1/admin/tokens", R"({"name": "m", "role": "moderator"})", 201},
      {http::verb::delete_, "/v1/admin/tokens/999999", "", 404},
      {http::verb::get, "/v1/admin/sites", "", 200},
      {http::verb::put, "/v1/admin/sites/matrix.example", site_body, 200},
      {http::verb::get, "/v1/admin/sites/matrix.example", "", 200},
      {http::verb::delete_, "/v1/admin/sites/matrix.example", "", 204},
      {http::verb::get, "/v1/admin/audit", "", 200},
  };
  for (const Endpoint& e : endpoints) {
    SCOPED_TRACE(std::string(http::to_string(e.method)) + " " + e.target);
    HttpResult none = daemon_->Tcp().WithToken("").Send(e.method, e.target, e.body);
    EXPECT_EQ(401u, none.status);
    EXPECT_EQ("missing Authorization: Bearer token", Str(none.Json().at("detail")));
    for (const auto& [token, role] : std::vector<std::pair<std::string, std::string>>{
             {site, "site"}, {moderator, "moderator"}}) {
      HttpResult r = daemon_->Tcp().WithToken(token).Send(e.method, e.target, e.body);
      EXPECT_EQ(403u, r.status) << role << " " << r.body;
      EXPECT_EQ("this endpoint needs an admin token, not " + role, Str(r.Json().at("detail")));
    }
    HttpResult admin = daemon_->Tcp().Send(e.method, e.target, e.body);
    EXPECT_EQ(e.admin_status, admin.status) << admin.body;
  }
  // Wrong methods are 405 with Allow.
  HttpResult r = daemon_->Tcp().Send(http::verb::patch, "/v1/admin/sites/x", "{}");
  EXPECT_EQ(405u, r.status);
  EXPECT_EQ("GET, PUT, DELETE", std::string(r.raw[http::field::allow]));
  r = daemon_->Tcp().Send(http::verb::put, "/v1/admin/tokens", "{}");
  EXPECT_EQ(405u, r.status);
  EXPECT_EQ("GET, POST", std::string(r.raw[http::field::allow]));
}

TEST_F(AdminApiE2ETest, TokensCreatedThroughTheApiWorkAndRevocationIsImmediate) {
  HttpResult created = daemon_->Tcp().Post(
      "/v1/admin/tokens", R"({"name": "forum", "role": "site", "sites": ["forum.example"]})");
  ASSERT_EQ(201u, created.status) << created.body;
  json::value t = created.Json();
  const std::string token = Str(t.at("token"));
  ASSERT_EQ(47u, token.size());
  EXPECT_EQ("mdr_", token.substr(0, 4));
  const int64_t id = t.at("id").as_int64();
  EXPECT_EQ("forum", Str(t.at("name")));
  EXPECT_EQ("site", Str(t.at("role")));
  EXPECT_EQ(json::value(json::array{"forum.example"}), t.at("sites"));
  EXPECT_EQ(token.substr(0, 8), Str(t.at("prefix")));
  EXPECT_EQ(kAdminActor, Str(t.at("created_by")));
  EXPECT_TRUE(t.at("revoked_at").is_null());
  EXPECT_TRUE(t.at("last_used_at").is_null());

  // It works for its site, and only for it.
  HttpClient forum = std::move(daemon_->Tcp().WithToken(token));
  HttpResult ok = forum.Post("/v1/comments", Comment("forum.example", kHam));
  EXPECT_EQ(201u, ok.status) << ok.body;
  HttpResult other = forum.Post("/v1/comments", Comment("news.example", kHam));
  EXPECT_EQ(403u, other.status);

  // The list shows it without the token itself.
  HttpResult list = daemon_->Tcp().Get("/v1/admin/tokens");
  ASSERT_EQ(200u, list.status);
  EXPECT_EQ(std::string::npos, list.body.find(token));
  bool found = false;
  const json::value tokens = list.Json();
  for (const auto& item : tokens.at("tokens").as_array()) {
    if (item.at("id").as_int64() != id) continue;
    found = true;
    EXPECT_EQ(token.substr(0, 8), Str(item.at("prefix")));
    EXPECT_FALSE(item.as_object().contains("token"));
  }
  EXPECT_TRUE(found) << list.body;

  // Revoked: the very next request with it is refused, on the same connection.
  HttpResult del = Delete("/v1/admin/tokens/" + std::to_string(id));
  EXPECT_EQ(204u, del.status) << del.body;
  EXPECT_EQ("", del.body);
  HttpResult after = forum.Post("/v1/comments", Comment("forum.example", kHam));
  EXPECT_EQ(401u, after.status);
  EXPECT_EQ("invalid or revoked token", Str(after.Json().at("detail")));
  HttpResult again = Delete("/v1/admin/tokens/" + std::to_string(id));
  EXPECT_EQ(404u, again.status);
  EXPECT_EQ("no active token with id " + std::to_string(id), Str(again.Json().at("detail")));
  EXPECT_EQ(404u, Delete("/v1/admin/tokens/abc").status);

  // Both changes are in the audit log, newest first, with before and after.
  json::array audit = AuditFor("token:" + std::to_string(id));
  ASSERT_EQ(2u, audit.size());
  EXPECT_EQ("token.revoke", Str(audit[0].at("action")));
  EXPECT_EQ(kAdminActor, Str(audit[0].at("actor")));
  EXPECT_TRUE(audit[0].at("before").at("revoked_at").is_null());
  EXPECT_TRUE(audit[0].at("after").at("revoked_at").is_string());
  EXPECT_EQ("forum", Str(audit[0].at("before").at("name")));
  EXPECT_EQ("token.create", Str(audit[1].at("action")));
  EXPECT_EQ(kAdminActor, Str(audit[1].at("actor")));
  EXPECT_TRUE(audit[1].at("before").is_null());
  EXPECT_EQ((json::value{{"id", id},
                         {"name", "forum"},
                         {"role", "site"},
                         {"sites", json::array{"forum.example"}},
                         {"prefix", token.substr(0, 8)}}),
            audit[1].at("after"));
}

TEST_F(AdminApiE2ETest, TokenValidationErrorsAreExact) {
  HttpResult r = daemon_->Tcp().Post("/v1/admin/tokens", R"({"role": "site", "bogus": 1})");
  ASSERT_EQ(422u, r.status) << r.body;
  EXPECT_EQ("3 fields are invalid", Str(r.Json().at("detail")));
  EXPECT_EQ(
      "/bogus: unknown field\n"
      "/name: is required\n"
      "/sites: a site token needs at least one site\n",
      Errors(r));
  r = daemon_->Tcp().Post("/v1/admin/tokens",
                          R"({"name": "", "role": "root", "sites": ["ok", 7]})");
  ASSERT_EQ(422u, r.status) << r.body;
  EXPECT_EQ(
      "/name: must be a string of 1 to 255 bytes\n"
      "/role: must be \"site\", \"moderator\" or \"admin\"\n"
      "/sites/1: must be a string of 1 to 255 bytes\n",
      Errors(r));
  r = daemon_->Tcp().Post("/v1/admin/tokens", "[]");
  ASSERT_EQ(422u, r.status);
  EXPECT_EQ(": must be a JSON object\n", Errors(r));
}

TEST_F(AdminApiE2ETest, SitesPutGetListDeleteAndTheSecretIsNeverReturned) {
  const std::string secret = "s3cret-\xd8\xb3\xd8\xb1-value";  // may hold any UTF-8
  HttpResult put = Put("/v1/admin/sites/news.example",
                       json::serialize(json::object{{"hold_at", 4},
                                                    {"reject_at", 9.5},
                                                    {"languages", json::array{"ar", "RU"}},
                                                    {"webhook_url", "https://hooks.example/m?x=1"},
                                                    {"webhook_secret", secret},
                                                    {"retention_days", 30}}));
  ASSERT_EQ(200u, put.status) << put.body;
  EXPECT_EQ(std::string::npos, put.body.find("s3cret"));
  json::value site = put.Json();
  json::object expected = site.as_object();
  EXPECT_EQ("news.example", Str(site.at("name")));
  EXPECT_EQ(4.0, site.at("hold_at").to_number<double>());
  EXPECT_EQ(9.5, site.at("reject_at").to_number<double>());
  EXPECT_EQ(json::value(json::array{"ar", "ru"}), site.at("languages"));  // lower-cased
  EXPECT_EQ("https://hooks.example/m?x=1", Str(site.at("webhook_url")));
  EXPECT_TRUE(site.at("webhook_secret_set").as_bool());
  EXPECT_FALSE(site.as_object().contains("webhook_secret"));
  EXPECT_EQ(30, site.at("retention_days").as_int64());
  EXPECT_EQ(site.at("created_at"), site.at("updated_at"));

  HttpResult get = daemon_->Tcp().Get("/v1/admin/sites/news.example");
  ASSERT_EQ(200u, get.status);
  EXPECT_EQ(site, get.Json());
  HttpResult list = daemon_->Tcp().Get("/v1/admin/sites");
  ASSERT_EQ(200u, list.status);
  EXPECT_EQ(std::string::npos, list.body.find("s3cret"));
  bool listed = false;
  const json::value sites = list.Json();
  for (const auto& s : sites.at("sites").as_array()) listed |= s == site;
  EXPECT_TRUE(listed) << list.body;

  // A PUT without webhook_secret keeps the stored one; absent fields reset.
  HttpResult keep =
      Put("/v1/admin/sites/news.example", R"({"webhook_url": "http://127.0.0.1:9/hook"})");
  ASSERT_EQ(200u, keep.status) << keep.body;
  EXPECT_TRUE(keep.Json().at("webhook_secret_set").as_bool());
  EXPECT_TRUE(keep.Json().at("hold_at").is_null());
  EXPECT_TRUE(keep.Json().at("languages").is_null());
  EXPECT_EQ(0, keep.Json().at("retention_days").as_int64());
  EXPECT_EQ(site.at("created_at"), keep.Json().at("created_at"));
  // null clears it (and then no webhook_url is allowed without one).
  HttpResult cleared = Put("/v1/admin/sites/news.example", R"({"webhook_secret": null})");
  ASSERT_EQ(200u, cleared.status) << cleared.body;
  EXPECT_FALSE(cleared.Json().at("webhook_secret_set").as_bool());

  EXPECT_EQ(204u, Delete("/v1/admin/sites/news.example").status);
  HttpResult gone = daemon_->Tcp().Get("/v1/admin/sites/news.example");
  EXPECT_EQ(404u, gone.status);
  EXPECT_EQ("no site 'news.example'", Str(gone.Json().at("detail")));
  HttpResult gone2 = Delete("/v1/admin/sites/news.example");
  EXPECT_EQ(404u, gone2.status);
  EXPECT_EQ("no site 'news.example'", Str(gone2.Json().at("detail")));

  // Names are percent-decoded path segments, in lower case.
  ASSERT_EQ(200u, Put("/v1/admin/sites/My%20Site", "{}").status);
  HttpResult spaced = daemon_->Tcp().Get("/v1/admin/sites/my%20site");
  ASSERT_EQ(200u, spaced.status);
  EXPECT_EQ("my site", Str(spaced.Json().at("name")));

  // The audit log has every change with before and after, and no secret.
  json::array audit = AuditFor("site:news.example");
  ASSERT_EQ(4u, audit.size());
  EXPECT_EQ("site.delete", Str(audit[0].at("action")));
  EXPECT_TRUE(audit[0].at("after").is_null());
  EXPECT_EQ("site.update", Str(audit[3].at("action")));
  EXPECT_TRUE(audit[3].at("before").is_null());
  EXPECT_EQ(kAdminActor, Str(audit[3].at("actor")));
  json::object first_after = expected;
  first_after["webhook_secret_changed"] = true;
  EXPECT_EQ(json::value(first_after), audit[3].at("after"));
  EXPECT_EQ(site, audit[2].at("before"));
  EXPECT_FALSE(audit[2].at("after").at("webhook_secret_changed").as_bool());
  EXPECT_TRUE(audit[1].at("after").at("webhook_secret_changed").as_bool());
  HttpResult all = daemon_->Tcp().Get("/v1/admin/audit?limit=1000");
  EXPECT_EQ(std::string::npos, all.body.find("s3cret"));
}

TEST_F(AdminApiE2ETest, SiteValidationErrorsAreExact) {
  HttpResult r = Put("/v1/admin/sites/bad.example",
                     R"({"hold_at": 9, "reject_at": 4, "languages": ["ar", "русский", 5],
                         "webhook_url": "ftp://example.com/x", "retention_days": -1,
                         "extra": true})");
  ASSERT_EQ(422u, r.status) << r.body;
  EXPECT_EQ("6 fields are invalid", Str(r.Json().at("detail")));
  EXPECT_EQ(
      "/extra: unknown field\n"
      "/hold_at: must be less than reject_at\n"
      "/languages/1: must be a language code such as \"ar\" or \"ru\"\n"
      "/languages/2: must be a language code such as \"ar\" or \"ru\"\n"
      "/webhook_url: must be an absolute http:// or https:// URL\n"
      "/retention_days: must be an integer >= 0\n",
      Errors(r));
  r = Put("/v1/admin/sites/bad.example",
          R"({"hold_at": "4", "languages": "ar", "webhook_url": "not a url",
              "webhook_secret": 5, "retention_days": 1.5})");
  ASSERT_EQ(422u, r.status) << r.body;
  EXPECT_EQ(
      "/hold_at: must be a number or null\n"
      "/languages: must be an array of language codes or null\n"
      "/webhook_url: must be an absolute http:// or https:// URL\n"
      "/webhook_secret: must be a string\n"
      "/retention_days: must be an integer >= 0\n",
      Errors(r));
  r = Put("/v1/admin/sites/bad.example", R"({"webhook_url": "https://user:pw@hooks.example/"})");
  ASSERT_EQ(422u, r.status);
  EXPECT_EQ("/webhook_url: must be an absolute http:// or https:// URL\n", Errors(r));
  r = Put("/v1/admin/sites/bad.example", R"({"webhook_url": "https://hooks.example/"})");
  ASSERT_EQ(422u, r.status);
  EXPECT_EQ("/webhook_secret is required when webhook_url is set", Str(r.Json().at("detail")));
  r = Put("/v1/admin/sites/bad.example", "[1]");
  ASSERT_EQ(422u, r.status);
  EXPECT_EQ(": must be a JSON object\n", Errors(r));
  // Nothing was stored, and nothing audited.
  EXPECT_EQ(404u, daemon_->Tcp().Get("/v1/admin/sites/bad.example").status);
  EXPECT_EQ(0u, AuditFor("site:bad.example").size());
}

TEST_F(AdminApiE2ETest, RegistryOverridesTheRuleFileForTheNextComment) {
  auto post = [](const std::string& site, const std::string& content) {
    HttpResult r = daemon_->Tcp().Post("/v1/comments", Comment(site, content));
    EXPECT_EQ(201u, r.status) << r.body;
    return r.Json();
  };
  // Rule file defaults: hold_at 5, reject_at 10; this comment is approved.
  EXPECT_EQ("accept", Str(post("registry.example", kHam).at("action")));
  ASSERT_EQ(
      200u,
      Put("/v1/admin/sites/registry.example", R"({"hold_at": -1, "reject_at": 1000})").status);
  EXPECT_EQ("hold", Str(post("registry.example", kHam).at("action")));
  // Site names are case-insensitive (stored in lower case), here and in comments.
  HttpResult upper = Put("/v1/admin/sites/Registry.Example", R"({"hold_at": -2, "reject_at": -1})");
  ASSERT_EQ(200u, upper.status);
  EXPECT_EQ("registry.example", Str(upper.Json().at("name")));
  EXPECT_EQ("reject", Str(post("REGISTRY.example", kHam).at("action")));
  ASSERT_EQ(204u, Delete("/v1/admin/sites/registry.EXAMPLE").status);
  // Languages: the registry's list replaces the rule file's.
  ASSERT_EQ(200u, Put("/v1/admin/sites/registry.example", R"({"languages": ["ar", "ru"]})").status);
  json::value held = post("registry.example", kHam);
  EXPECT_EQ("hold", Str(held.at("action")));
  EXPECT_TRUE(HasReason(held, "policy.language")) << json::serialize(held);
  ASSERT_EQ(204u, Delete("/v1/admin/sites/registry.example").status);
  EXPECT_EQ("accept", Str(post("registry.example", kHam).at("action")));

  // strict.example allows only ar and ru in the rule file; [] allows every
  // language, null keeps the rule file's list.
  EXPECT_TRUE(HasReason(post("strict.example", kHam), "policy.language"));
  ASSERT_EQ(200u, Put("/v1/admin/sites/strict.example",
                      R"({"hold_at": 50, "reject_at": 100, "languages": []})")
                      .status);
  EXPECT_FALSE(HasReason(post("strict.example", kHam), "policy.language"));
  ASSERT_EQ(200u, Put("/v1/admin/sites/strict.example",
                      R"({"hold_at": 50, "reject_at": 100, "languages": null})")
                      .status);
  EXPECT_TRUE(HasReason(post("strict.example", kHam), "policy.language"));
  ASSERT_EQ(204u, Delete("/v1/admin/sites/strict.example").status);
}

TEST_F(AdminApiE2ETest, AuditFiltersAndCursorPagination) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(200u, Put("/v1/admin/sites/page.example",
                        R"({"retention_days": )" + std::to_string(i) + "}")
                        .status);
  }
  ASSERT_EQ(204u, Delete("/v1/admin/sites/page.example").status);

  // Pages of two, newest first, until next_cursor is null.
  std::vector<int64_t> ids;
  std::string cursor;
  for (int page = 0; page < 10; ++page) {
    HttpResult r = daemon_->Tcp().Get("/v1/admin/audit?target=site:page.example&limit=2" +
                                      (cursor.empty() ? "" : "&cursor=" + cursor));
    ASSERT_EQ(200u, r.status) << r.body;
    json::value v = r.Json();
    for (const auto& e : v.at("entries").as_array()) ids.push_back(e.at("id").as_int64());
    if (v.at("next_cursor").is_null()) break;
    cursor = Str(v.at("next_cursor"));
    EXPECT_EQ(2u, v.at("entries").as_array().size());
  }
  ASSERT_EQ(6u, ids.size());
  for (size_t i = 1; i < ids.size(); ++i) EXPECT_GT(ids[i - 1], ids[i]);

  // Filters combine.
  HttpResult r = daemon_->Tcp().Get(
      "/v1/admin/audit?target=site:page.example&action=site.delete&actor=" + kAdminActor);
  ASSERT_EQ(200u, r.status);
  ASSERT_EQ(1u, r.Json().at("entries").as_array().size());
  EXPECT_EQ(ids.front(), r.Json().at("entries").at(0).at("id").as_int64());
  EXPECT_EQ(4, r.Json().at("entries").at(0).at("before").at("retention_days").as_int64());
  r = daemon_->Tcp().Get("/v1/admin/audit?target=site:page.example&action=site.");
  EXPECT_EQ(6u, r.Json().at("entries").as_array().size());  // a prefix
  r = daemon_->Tcp().Get("/v1/admin/audit?target=site:page.example&actor=cli");
  EXPECT_EQ(0u, r.Json().at("entries").as_array().size());
  // Time bounds: RFC 3339 or Unix milliseconds.
  r = daemon_->Tcp().Get("/v1/admin/audit?target=site:page.example&since=2999-01-01T00:00:00Z");
  EXPECT_EQ(0u, r.Json().at("entries").as_array().size());
  r = daemon_->Tcp().Get("/v1/admin/audit?target=site:page.example&until=1000");
  EXPECT_EQ(0u, r.Json().at("entries").as_array().size());
  r = daemon_->Tcp().Get(
      "/v1/admin/"
      "audit?target=site:page.example&since=2020-01-01T03:00:00%2B03:00&until=32503680000000");
  EXPECT_EQ(6u, r.Json().at("entries").as_array().size());
  // The at field is RFC 3339 UTC with milliseconds.
  EXPECT_EQ(24u, Str(r.Json().at("entries").at(0).at("at")).size());

  // Bad parameters are 400 with the parameter named.
  for (const auto& [query, detail] : std::vector<std::pair<std::string, std::string>>{
           {"limit=0", "query parameter 'limit' must be an integer from 1 to 1000"},
           {"limit=1001", "query parameter 'limit' must be an integer from 1 to 1000"},
           {"since=yesterday",
            "query parameter 'since' must be an RFC 3339 date-time or Unix milliseconds"},
           {"cursor=abc", "query parameter 'cursor' is not a cursor from a previous page"},
           {"colour=red", "query parameter 'colour' is unknown"}}) {
    HttpResult bad = daemon_->Tcp().Get("/v1/admin/audit?" + query);
    EXPECT_EQ(400u, bad.status) << query;
    EXPECT_EQ(detail, Str(bad.Json().at("detail"))) << query;
  }
}

}  // namespace
}  // namespace moderated

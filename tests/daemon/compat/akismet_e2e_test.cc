// End-to-end tests of the Akismet-compatible API: the real daemon, raw form
// POSTs shaped like the WordPress plugin's, and the database checked through
// SQLite. (The npm client `akismet-api` drives the same API in
// tests/akismet/akismet.test.mjs.)
#include <sqlite3.h>

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>
#include <regex>

#include "tests/testing/daemon_process.h"
#include "tests/testing/sqlite_query.h"
#include "tests/testing/temp_dir.h"

namespace moderated {
namespace {

namespace json = boost::json;
namespace http = boost::beast::http;
using testing::DaemonProcess;
using testing::FirstRowSqlite;
using testing::HttpClient;
using testing::HttpResult;
using testing::RunCommand;
using testing::TempDir;

const std::string kRules = std::string(MODERATED_SOURCE_DIR) + "/tests/akismet/rules.yaml";
constexpr const char* kForm = "application/x-www-form-urlencoded";

int64_t Count(const std::string& db, const std::string& where) {
  auto r = FirstRowSqlite(db, "SELECT count(*) FROM comments WHERE " + where);
  return r.empty() ? -1 : std::stoll(r[0]);
}

std::string Encode(const std::string& s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else if (c == ' ') {
      out.push_back('+');
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string FormOf(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string out;
  for (const auto& [k, v] : fields) {
    if (!out.empty()) out += '&';
    out += Encode(k) + "=" + Encode(v);
  }
  return out;
}

class AkismetE2ETest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    const std::string d = dir_->path().string();
    // Classifier weights 0: verdicts come from the rules alone, so they do
    // not move when the model is retrained.
    std::ofstream(d + "/moderated.yaml") << "classifier: {spam_weight: 0, abuse_weight: 0}\n";
    daemon_ = new DaemonProcess(MODERATED_BINARY, d,
                                {"--rules", kRules, "--config", d + "/moderated.yaml"});
    key_ = Trim(RunCommand(std::string(MODERATED_BINARY) + " token create --data-dir " + d +
                           " --role site --site blog.example --site arabic.example --akismet "
                           "2>/dev/null"));
    other_key_ = Trim(RunCommand(std::string(MODERATED_BINARY) + " token create --data-dir " + d +
                                 " --role site --site other.example --akismet 2>/dev/null"));
  }
  static void TearDownTestSuite() {
    delete daemon_;
    delete dir_;
  }
  static std::string Trim(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
  }

  HttpResult Post(const std::string& path, const std::string& body,
                  const std::string& host = "rest.akismet.com") {
    HttpClient c = HttpClient::Tcp(daemon_->port());
    return c.Send(http::verb::post, path, body, kForm, {{"Host", host}});
  }

  // The WordPress plugin's shape: key in api_key, many extra fields.
  std::vector<std::pair<std::string, std::string>> WordPressFields(const std::string& content) {
    return {{"api_key", key_},
            {"blog", "https://blog.example"},
            {"user_ip", "203.0.113.7"},
            {"user_agent", "Mozilla/5.0 (X11; Linux x86_64) Firefox/126.0"},
            {"referrer", "https://blog.example/2024/05/hello/"},
            {"permalink", "https://blog.example/2024/05/hello/"},
            {"comment_type", "comment"},
            {"comment_author", "Visitor"},
            {"comment_author_email", "visitor@example.com"},
            {"comment_author_url", ""},
            {"comment_content", content},
            {"comment_date_gmt", "2024-05-01 12:00:00"},
            {"comment_post_modified_gmt", "2024-04-30 08:00:00"},
            {"blog_lang", "en_US"},
            {"blog_charset", "UTF-8"},
            {"user_role", ""},
            {"HTTP_ACCEPT", "text/html,application/xhtml+xml"},
            {"HTTP_ACCEPT_LANGUAGE", "en-US,en;q=0.5"},
            {"POST_comment_post_ID", "42"},
            {"POST_akismet_comment_nonce", "abc123"},
            {"comment_context[]", "news"},
            {"comment_context[]", "local"},
            {"honeypot_field_name", "hp_name"},
            {"hp_name", ""}};
  }

  static TempDir* dir_;
  static DaemonProcess* daemon_;
  static std::string key_, other_key_;
};

TempDir* AkismetE2ETest::dir_ = nullptr;
DaemonProcess* AkismetE2ETest::daemon_ = nullptr;
std::string AkismetE2ETest::key_;
std::string AkismetE2ETest::other_key_;

TEST_F(AkismetE2ETest, KeyIs32HexCharacters) {
  EXPECT_TRUE(std::regex_match(key_, std::regex("[0-9a-f]{32}"))) << key_;
}

TEST_F(AkismetE2ETest, WordPressShapedHamIsStoredWithItsFields) {
  HttpResult r = Post("/1.1/comment-check",
                      FormOf(WordPressFields("Thanks for the article, very helpful. WP-HAM-1")));
  ASSERT_EQ(200u, r.status) << r.body;
  EXPECT_EQ("false", r.body);
  EXPECT_EQ("text/plain; charset=utf-8", r.content_type);
  const std::string guid(r.raw["X-akismet-guid"]);
  EXPECT_TRUE(std::regex_match(guid, std::regex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")))
      << guid;
  EXPECT_EQ(r.raw.find("X-akismet-pro-tip"), r.raw.end());

  auto row = FirstRowSqlite(daemon_->database(),
                 "SELECT site, thread, author_name, author_email, author_ip, author_user_agent, "
                 "created_at, lang_hint, status, meta_json FROM comments WHERE content LIKE "
                 "'%WP-HAM-1'");
  ASSERT_EQ(10u, row.size());
  EXPECT_EQ("blog.example", row[0]);
  EXPECT_EQ("https://blog.example/2024/05/hello/", row[1]);
  EXPECT_EQ("Visitor", row[2]);
  EXPECT_EQ("visitor@example.com", row[3]);
  EXPECT_EQ("203.0.113.7", row[4]);
  EXPECT_EQ("Mozilla/5.0 (X11; Linux x86_64) Firefox/126.0", row[5]);
  EXPECT_EQ("2024-05-01T12:00:00Z", row[6]);
  EXPECT_EQ("en_US", row[7]);
  EXPECT_EQ("approved", row[8]);
  json::value meta = json::parse(row[9]);
  EXPECT_EQ("akismet", meta.at("source").as_string());
  EXPECT_EQ(guid, meta.at("guid").as_string());
  const json::object& f = meta.at("fields").as_object();
  EXPECT_EQ("text/html,application/xhtml+xml", f.at("HTTP_ACCEPT").as_string());
  EXPECT_EQ("42", f.at("POST_comment_post_ID").as_string());
  EXPECT_EQ((json::array{"news", "local"}), f.at("comment_context").as_array());
  EXPECT_EQ("https://blog.example/2024/05/hello/", f.at("referrer").as_string());
  EXPECT_EQ("comment", f.at("comment_type").as_string());
  EXPECT_EQ("hp_name", f.at("honeypot_field_name").as_string());
  EXPECT_EQ(f.find("api_key"), f.end());  // the key is never stored
}

TEST_F(AkismetE2ETest, RejectIsSpamWithDiscardProTip) {
  auto fields = WordPressFields(
      "Best casino bonus, free spins today at https://spam-casino.ru/win WP-SPAM-1");
  HttpResult r = Post("/1.1/comment-check", FormOf(fields));
  ASSERT_EQ(200u, r.status);
  EXPECT_EQ("true", r.body);
  EXPECT_EQ("discard", r.raw["X-akismet-pro-tip"]);
  EXPECT_EQ(1, Count(daemon_->database(), "content LIKE '%WP-SPAM-1' AND status = 'rejected'"));
}

TEST_F(AkismetE2ETest, HoldOnScoreIsSpamWithoutProTip) {
  HttpResult r = Post("/1.1/comment-check",
                      FormOf(WordPressFields("Play casino games with free spins WP-HOLD-1")));
  EXPECT_EQ("true", r.body);
  EXPECT_EQ(r.raw.find("X-akismet-pro-tip"), r.raw.end());
  EXPECT_EQ(1, Count(daemon_->database(), "content LIKE '%WP-HOLD-1' AND status = 'pending'"));
}

TEST_F(AkismetE2ETest, HoldForLanguageIsNotSpam) {
  // arabic.example takes Arabic only: an English comment is held for review,
  // which is not spam for WordPress.
  auto fields = WordPressFields(
      "This is a long and perfectly ordinary English comment about the weather and the news "
      "of the day, written to be detected reliably. WP-LANG-1");
  fields[1].second = "https://arabic.example/";
  HttpResult r = Post("/1.1/comment-check", FormOf(fields));
  EXPECT_EQ("false", r.body);
  EXPECT_EQ(1, Count(daemon_->database(), "content LIKE '%WP-LANG-1' AND status = 'pending'"));
}

TEST_F(AkismetE2ETest, KeyInTheHostName) {
  HttpResult r = Post("/1.1/comment-check",
                      FormOf({{"blog", "https://blog.example"},
                              {"user_ip", "198.51.100.1"},
                              {"comment_content", "Host label key works. WP-HOST-1"}}),
                      key_ + ".moderated.test:8080");
  EXPECT_EQ("false", r.body);
  // Upper-case hex (a client that did not lower-case the host) works too.
  std::string upper = key_;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  r = Post("/1.1/comment-check",
           FormOf({{"blog", "https://blog.example"},
                   {"user_ip", "198.51.100.1"},
                   {"comment_content", "Upper WP-HOST-2"}}),
           upper + ".rest.akismet.com");
  EXPECT_EQ("false", r.body);
}

TEST_F(AkismetE2ETest, InvalidKeyAndWrongBlog) {
  HttpResult r = Post("/1.1/comment-check",
                      FormOf({{"api_key", "0123456789abcdef0123456789abcdef"},
                              {"blog", "https://blog.example"},
                              {"comment_content", "x"}}));
  EXPECT_EQ(200u, r.status);
  EXPECT_EQ("invalid", r.body);
  EXPECT_EQ(
      "Invalid API key: this key is unknown or revoked. Create one with `moderated token create "
      "--role site --site SITE --akismet`.",
      r.raw["X-akismet-debug-help"]);

  r = Post("/1.1/comment-check", FormOf({{"api_key", other_key_},
                                         {"blog", "https://Blog.Example/path"},
                                         {"comment_content", "x"}}));
  EXPECT_EQ("invalid", r.body);
  EXPECT_EQ(
      "This key may not act for site 'blog.example' (from blog 'https://Blog.Example/path'); its "
      "sites: other.example.",
      r.raw["X-akismet-debug-help"]);

  r = Post("/1.1/comment-check", FormOf({{"api_key", key_}, {"comment_content", "x"}}));
  EXPECT_EQ("invalid", r.body);
  EXPECT_EQ("Empty \"blog\" value: send the site's URL in the blog field.",
            r.raw["X-akismet-debug-help"]);

  r = Post("/1.1/comment-check", FormOf({{"blog", "https://blog.example"}}));
  EXPECT_EQ("invalid", r.body);
  EXPECT_EQ(
      "Empty \"api_key\" value: send the Akismet key as the first label of the host name "
      "(KEY.host) or in the api_key form field.",
      r.raw["X-akismet-debug-help"]);

  // A Bearer token is not an Akismet key, and an Akismet key is not a Bearer token.
  HttpClient c = HttpClient::Tcp(daemon_->port());
  c.WithToken(key_);
  EXPECT_EQ(401u, c.Get("/v1/comments/1").status);
}

TEST_F(AkismetE2ETest, VerifyKey) {
  HttpResult r = Post("/1.1/verify-key", FormOf({{"key", key_}, {"blog", "https://blog.example"}}));
  EXPECT_EQ("valid", r.body);
  EXPECT_EQ(r.raw.find("X-akismet-debug-help"), r.raw.end());
  r = Post("/1.1/verify-key", FormOf({{"key", "ffffffffffffffffffffffffffffffff"},
                                      {"blog", "https://blog.example"}}));
  EXPECT_EQ("invalid", r.body);
  r = Post("/1.1/verify-key", FormOf({{"key", key_}, {"blog", "https://other.example"}}));
  EXPECT_EQ("invalid", r.body);
}

TEST_F(AkismetE2ETest, LegacyCharsetIsConverted) {
  // "Привет казино WP-1251" in windows-1251.
  const std::string cp1251 =
      "\xCF\xF0\xE8\xE2\xE5\xF2 \xEA\xE0\xE7\xE8\xED\xEE WP-1251";
  HttpResult r = Post("/1.1/comment-check", FormOf({{"api_key", key_},
                                                    {"blog", "https://blog.example"},
                                                    {"blog_charset", "windows-1251"},
                                                    {"user_ip", "198.51.100.2"},
                                                    {"comment_author", "\xC8\xE2\xE0\xED"},
                                                    {"comment_content", cp1251}}));
  EXPECT_EQ("false", r.body);  // casino alone (4) is below the hold threshold
  auto row = FirstRowSqlite(daemon_->database(),
                 "SELECT content, author_name FROM comments WHERE content LIKE '%WP-1251'");
  ASSERT_EQ(2u, row.size());
  EXPECT_EQ("Привет казино WP-1251", row[0]);
  EXPECT_EQ("Иван", row[1]);

  r = Post("/1.1/comment-check", FormOf({{"api_key", key_},
                                         {"blog", "https://blog.example"},
                                         {"blog_charset", "x-no-such"},
                                         {"comment_content", "x"}}));
  EXPECT_EQ("invalid", r.body);
  EXPECT_EQ("Unsupported blog_charset: unknown charset 'x-no-such'.", r.raw["X-akismet-debug-help"]);
}

TEST_F(AkismetE2ETest, OversizedMetaDropsTheLargestFields) {
  auto fields = WordPressFields("Meta bound test WP-META-1");
  fields.push_back({"HTTP_COOKIE", std::string(6000, 'c')});
  HttpResult r = Post("/1.1/comment-check", FormOf(fields));
  EXPECT_EQ("false", r.body);
  auto row = FirstRowSqlite(daemon_->database(), "SELECT meta_json FROM comments WHERE content LIKE '%WP-META-1'");
  ASSERT_EQ(1u, row.size());
  EXPECT_LE(row[0].size(), 4096u);
  json::value meta = json::parse(row[0]);
  EXPECT_EQ((json::array{"HTTP_COOKIE"}), meta.at("dropped").as_array());
  EXPECT_EQ("meta larger than limits.max_meta_bytes (4096)", meta.at("dropped_reason").as_string());
  EXPECT_EQ("42", meta.at("fields").at("POST_comment_post_ID").as_string());
}

TEST_F(AkismetE2ETest, TestConventions) {
  const std::string db = daemon_->database();
  // Guaranteed spam: answered, not stored.
  HttpResult r = Post("/1.1/comment-check", FormOf({{"api_key", key_},
                                                    {"blog", "https://blog.example"},
                   {"user_ip", "198.51.100.3"},
                                                    {"comment_author", "akismet-guaranteed-spam"},
                                                    {"comment_content", "WP-GUAR-1"}}));
  EXPECT_EQ("true", r.body);
  r = Post("/1.1/comment-check",
           FormOf({{"api_key", key_},
                   {"blog", "https://blog.example"},
                   {"user_ip", "198.51.100.3"},
                   {"comment_author_email", "akismet-guaranteed-spam@example.com"},
                   {"comment_content", "WP-GUAR-2"}}));
  EXPECT_EQ("true", r.body);
  EXPECT_EQ(0, Count(db, "content LIKE 'WP-GUAR-%'"));
  // An administrator's comment is ham, stored approved, whatever it says.
  r = Post("/1.1/comment-check",
           FormOf({{"api_key", key_},
                   {"blog", "https://blog.example"},
                   {"user_ip", "198.51.100.3"},
                   {"user_role", "administrator"},
                   {"comment_content", "casino free spins https://spam-casino.ru WP-ADMIN-1"}}));
  EXPECT_EQ("false", r.body);
  EXPECT_EQ(1, Count(db, "content LIKE '%WP-ADMIN-1' AND status = 'approved'"));
  // is_test: the verdict, but nothing stored.
  r = Post("/1.1/comment-check",
           FormOf({{"api_key", key_},
                   {"blog", "https://blog.example"},
                   {"user_ip", "198.51.100.3"},
                   {"is_test", "1"},
                   {"comment_content", "casino free spins https://spam-casino.ru WP-TEST-1"}}));
  EXPECT_EQ("true", r.body);
  EXPECT_EQ("discard", r.raw["X-akismet-pro-tip"]);
  EXPECT_EQ(0, Count(db, "content LIKE '%WP-TEST-1'"));
  // A filled honeypot is spam.
  r = Post("/1.1/comment-check", FormOf({{"api_key", key_},
                                         {"blog", "https://blog.example"},
                   {"user_ip", "198.51.100.3"},
                                         {"honeypot_field_name", "hp"},
                                         {"hp", "filled by a bot"},
                                         {"comment_content", "Hello WP-HONEY-1"}}));
  EXPECT_EQ("true", r.body);
  EXPECT_EQ(1, Count(db, "content LIKE '%WP-HONEY-1' AND status = 'rejected'"));
}

TEST_F(AkismetE2ETest, SubmitSpamAndHamLabelAndCorrect) {
  const std::string db = daemon_->database();
  auto fields = WordPressFields("Innocent looking text WP-SUB-1");
  ASSERT_EQ("false", Post("/1.1/comment-check", FormOf(fields)).body);
  const std::string id =
      FirstRowSqlite(db, "SELECT id FROM comments WHERE content LIKE '%WP-SUB-1'").at(0);
  HttpResult r = Post("/1.1/submit-spam", FormOf(fields));
  EXPECT_EQ(200u, r.status);
  EXPECT_EQ("Thanks for making the web a better place.", r.body);
  EXPECT_EQ(1, Count(db, "content LIKE '%WP-SUB-1'"));  // corrected, not stored again
  EXPECT_EQ("rejected", FirstRowSqlite(db, "SELECT status FROM comments WHERE id = " + id).at(0));
  auto label = FirstRowSqlite(db, "SELECT label, source, author FROM labels WHERE comment_id = " + id +
                           " ORDER BY id DESC LIMIT 1");
  ASSERT_EQ(3u, label.size());
  EXPECT_EQ("spam", label[0]);
  EXPECT_EQ("akismet", label[1]);
  EXPECT_EQ("token:", label[2].substr(0, 6));

  r = Post("/1.1/submit-ham", FormOf(fields));
  EXPECT_EQ("Thanks for making the web a better place.", r.body);
  EXPECT_EQ("approved", FirstRowSqlite(db, "SELECT status FROM comments WHERE id = " + id).at(0));

  // Never checked before: stored now, with the label.
  r = Post("/1.1/submit-ham", FormOf({{"api_key", key_},
                                      {"blog", "https://blog.example"},
                   {"user_ip", "198.51.100.3"},
                                      {"comment_author_email", "new@example.com"},
                                      {"comment_content", "casino WP-SUB-2"}}));
  EXPECT_EQ("Thanks for making the web a better place.", r.body);
  auto row = FirstRowSqlite(db,
                 "SELECT c.status, l.label FROM comments c JOIN labels l ON l.comment_id = c.id "
                 "WHERE c.content LIKE '%WP-SUB-2'");
  ASSERT_EQ(2u, row.size());
  EXPECT_EQ("approved", row[0]);
  EXPECT_EQ("ham", row[1]);
}

TEST_F(AkismetE2ETest, UsageLimitAndMethod) {
  ASSERT_EQ("false", Post("/1.1/comment-check",
                          FormOf(WordPressFields("Counted this month. WP-USAGE-1")))
                         .body);
  HttpResult r = Post("/1.2/usage-limit", FormOf({{"api_key", key_}}));
  ASSERT_EQ(200u, r.status) << r.body;
  json::value v = r.Json();
  EXPECT_EQ("none", v.at("limit").as_string());
  EXPECT_FALSE(v.at("throttled").as_bool());
  EXPECT_GE(v.at("usage").as_int64(), 1);

  HttpClient c = HttpClient::Tcp(daemon_->port());
  EXPECT_EQ(405u, c.Send(http::verb::put, "/1.1/comment-check", "", kForm).status);
}

// Akismet requires user_ip on comment-check, submit-spam and submit-ham and
// says so in the body and X-akismet-debug-help, with status 200.
TEST_F(AkismetE2ETest, UserIpIsRequired) {
  for (const char* path : {"/1.1/comment-check", "/1.1/submit-spam", "/1.1/submit-ham"}) {
    for (const char* ip : std::initializer_list<const char*>{"", nullptr}) {
      std::vector<std::pair<std::string, std::string>> fields = {
          {"api_key", key_}, {"blog", "https://blog.example"}, {"comment_content", "WP-NOIP-1"}};
      if (ip != nullptr) fields.push_back({"user_ip", ip});
      HttpResult r = Post(path, FormOf(fields));
      EXPECT_EQ(200u, r.status) << path;
      EXPECT_EQ("Missing required field: user_ip.", r.body) << path;
      EXPECT_EQ("Empty \"user_ip\" value", r.raw["X-akismet-debug-help"]) << path;
    }
  }
  EXPECT_EQ(0, Count(daemon_->database(), "content LIKE '%WP-NOIP-1'"));
}

// Akismet's documented test triggers.
TEST_F(AkismetE2ETest, ViagraTest123IsAlwaysSpam) {
  HttpResult r = Post("/1.1/comment-check", FormOf({{"api_key", key_},
                                                    {"blog", "https://blog.example"},
                                                    {"user_ip", "198.51.100.4"},
                                                    {"comment_author", "viagra-test-123"},
                                                    {"comment_content", "Lovely weather WP-VIAGRA-1"}}));
  EXPECT_EQ("true", r.body);
  EXPECT_EQ(0, Count(daemon_->database(), "content LIKE '%WP-VIAGRA-1'"));
}

// docs/akismet.md, "Field limits": longer values are cut at a UTF-8
// character boundary and stored, never refused; a form of more than 1000
// fields is invalid.
TEST_F(AkismetE2ETest, LongFieldsAreCutAtTheirLimits) {
  std::string name = "a";
  for (int i = 0; i < 600; ++i) name += "\xd1\x8f";  // "я": 1 + 1200 bytes
  const std::string url = "https://blog.example/" + std::string(5000, 'p');
  HttpResult r = Post("/1.1/comment-check",
                      FormOf({{"api_key", key_},
                              {"blog", "https://blog.example"},
                              {"user_ip", "198.51.100.6"},
                              {"comment_author", name},
                              {"comment_author_email", std::string(400, 'x') + "@example.com"},
                              {"comment_author_url", url},
                              {"permalink", url},
                              {"user_agent", std::string(3000, 'u')},
                              {"comment_content", "Long fields WP-LIMITS-1"}}));
  EXPECT_EQ("false", r.body);
  auto row = FirstRowSqlite(daemon_->database(),
                            "SELECT length(CAST(author_name AS BLOB)), "
                            "length(CAST(author_email AS BLOB)), length(CAST(author_url AS BLOB)), "
                            "length(CAST(thread AS BLOB)), length(CAST(author_user_agent AS BLOB)), "
                            "substr(author_name, -1) FROM comments WHERE content = 'Long fields WP-LIMITS-1'");
  // 1024 would split the 512th "я": the name stops one byte short.
  EXPECT_EQ((std::vector<std::string>{"1023", "320", "4096", "4096", "2048", "\xd1\x8f"}), row);

  std::vector<std::pair<std::string, std::string>> many = {
      {"api_key", key_}, {"blog", "https://blog.example"}, {"user_ip", "198.51.100.6"},
      {"comment_content", "Too many fields WP-LIMITS-2"}};
  while (many.size() < 1001) many.push_back({"f" + std::to_string(many.size()), "v"});
  r = Post("/1.1/comment-check", FormOf(many));
  EXPECT_EQ(200u, r.status);
  EXPECT_EQ("invalid", r.body);
  EXPECT_EQ("Malformed request: more than 1000 form fields.", r.raw["X-akismet-debug-help"]);
  EXPECT_EQ(0, Count(daemon_->database(), "content LIKE '%WP-LIMITS-2'"));
  many.pop_back();  // exactly 1000: accepted
  EXPECT_EQ("false", Post("/1.1/comment-check", FormOf(many)).body);
}

// Every endpoint takes GET with the form in the query, as Akismet does.
TEST_F(AkismetE2ETest, EveryEndpointTakesGet) {
  HttpClient c = HttpClient::Tcp(daemon_->port());
  auto get = [&](const std::string& path, const std::vector<std::pair<std::string, std::string>>& f) {
    return c.Send(http::verb::get, path + "?" + FormOf(f), "", "", {{"Host", "rest.akismet.com"}});
  };
  EXPECT_EQ("valid", get("/1.1/verify-key", {{"key", key_}, {"blog", "https://blog.example"}}).body);
  std::vector<std::pair<std::string, std::string>> comment = {
      {"api_key", key_}, {"blog", "https://blog.example"}, {"user_ip", "198.51.100.5"},
      {"comment_author_email", "get@example.com"}, {"comment_content", "Hello over GET WP-GET-1"}};
  EXPECT_EQ("false", get("/1.1/comment-check", comment).body);
  EXPECT_EQ("Thanks for making the web a better place.", get("/1.1/submit-spam", comment).body);
  EXPECT_EQ("Thanks for making the web a better place.", get("/1.1/submit-ham", comment).body);
  EXPECT_EQ(1, Count(daemon_->database(), "content LIKE '%WP-GET-1' AND status = 'approved'"));
  EXPECT_EQ(200u, get("/1.2/usage-limit", {{"api_key", key_}}).status);
  EXPECT_EQ(200u, get("/1.2/key-sites", {{"api_key", key_}}).status);
}

// The requests the Python `akismet` client (ubernostrum/akismet) sends for
// usage_limit() and key_sites(): GET with the key in the query, a
// User-Agent of its own, no body.
TEST_F(AkismetE2ETest, PythonClientUsageLimitAndKeySites) {
  const std::string db = daemon_->database();
  ASSERT_EQ("false", Post("/1.1/comment-check", FormOf(WordPressFields("Python shape WP-PY-1"))).body);
  auto fields = WordPressFields("Python shape WP-PY-2");
  ASSERT_EQ("false", Post("/1.1/comment-check", FormOf(fields)).body);
  ASSERT_EQ("Thanks for making the web a better place.", Post("/1.1/submit-spam", FormOf(fields)).body);
  HttpClient c = HttpClient::Tcp(daemon_->port());
  const std::vector<std::pair<std::string, std::string>> headers = {
      {"Host", "rest.akismet.com"}, {"User-Agent", "akismet.py/25.10.0 | Python/3.11.2"},
      {"Accept", "*/*"}};
  HttpResult usage = c.Send(http::verb::get, "/1.2/usage-limit?api_key=" + key_, "", "", headers);
  ASSERT_EQ(200u, usage.status) << usage.body;
  EXPECT_EQ("application/json", usage.content_type);
  json::value u = usage.Json();
  EXPECT_EQ("none", u.at("limit").as_string());
  EXPECT_EQ("0.00", u.at("percentage").as_string());
  EXPECT_FALSE(u.at("throttled").as_bool());
  const int64_t received = std::stoll(FirstRowSqlite(db, "SELECT count(*) FROM comments WHERE site IN "
                                              "('blog.example', 'arabic.example')").at(0));
  EXPECT_EQ(received, u.at("usage").as_int64());

  HttpResult sites = c.Send(http::verb::get, "/1.2/key-sites?api_key=" + key_ + "&format=json",
                            "", "", headers);
  ASSERT_EQ(200u, sites.status) << sites.body;
  json::object o = sites.Json().as_object();
  EXPECT_EQ(500, o.at("limit").as_int64());
  EXPECT_EQ(0, o.at("offset").as_int64());
  EXPECT_EQ(2, o.at("total").as_int64());
  ASSERT_EQ(4u, o.size());
  std::string month;
  for (const auto& kv : o) {
    if (kv.key() != "limit" && kv.key() != "offset" && kv.key() != "total") month = kv.key();
  }
  EXPECT_TRUE(std::regex_match(month, std::regex("20[0-9]{2}-[01][0-9]"))) << month;
  const json::array& rows = o.at(month).as_array();
  ASSERT_EQ(2u, rows.size());
  const json::object& blog = rows[0].as_object();  // the busier site first
  EXPECT_EQ("blog.example", blog.at("site").as_string());
  EXPECT_EQ(FirstRowSqlite(db, "SELECT count(*) FROM comments WHERE site = 'blog.example'").at(0),
            blog.at("api_calls").as_string());
  EXPECT_GE(std::stoll(std::string(blog.at("missed_spam").as_string())), 1);
  EXPECT_FALSE(blog.at("is_revoked").as_bool());
  EXPECT_EQ("arabic.example", rows[1].at("site").as_string());

  HttpResult csv = c.Send(http::verb::get,
                          "/1.2/key-sites?api_key=" + key_ + "&format=csv&filter=arabic&month=" + month,
                          "", "", headers);
  ASSERT_EQ(200u, csv.status) << csv.body;
  EXPECT_EQ("text/csv; charset=utf-8", csv.content_type);
  // No comment of arabic.example was sent in this test.
  EXPECT_EQ("Active sites for " + key_ + " during " + month +
                " (limit:500, offset: 0, total: 1)\n"
                "Site,Total API Calls,Spam,Ham,Missed Spam,False Positives,Is Revoked\n"
                "arabic.example,0,0,0,0,0,false\n",
            csv.body);

  HttpResult bad = c.Send(http::verb::get, "/1.2/key-sites?api_key=" + key_ + "&month=2026-13", "",
                          "", headers);
  EXPECT_EQ("invalid", bad.body);
  EXPECT_EQ("Invalid \"month\" value: expected YYYY-MM.", bad.raw["X-akismet-debug-help"]);
  // No key (the Python client's key_sites() as written sends none): invalid.
  EXPECT_EQ("invalid", c.Send(http::verb::get, "/1.2/key-sites?format=json", "", "", headers).body);
}

}  // namespace
}  // namespace moderated

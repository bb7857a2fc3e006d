// End-to-end: retention and privacy on the real binary — erasure through
// the admin API, `moderated purge` (dry run, then for real), the daemon's
// own scheduled purge, and hashed IPs — with the database file checked
// independently through SQLite.
#include <sqlite3.h>
#include <sys/stat.h>

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/testing/daemon_process.h"
#include "tests/testing/sqlite_query.h"
#include "tests/testing/temp_dir.h"

namespace moderated {
namespace {

namespace json = boost::json;
using testing::DaemonProcess;
using testing::HttpClient;
using testing::HttpResult;
using testing::RunCommand;
using testing::TempDir;

const std::string kRules = std::string(MODERATED_TESTDATA_DIR) + "/daemon/rules.yaml";
constexpr int64_t kDayMs = 86'400'000;

// Runs `sql` on the database (independent connection) and returns the first
// column of every row joined with ' '.
std::string Sql(const std::string& db, const std::string& sql) {
  sqlite3* conn = nullptr;
  EXPECT_EQ(SQLITE_OK, sqlite3_open(db.c_str(), &conn));
  sqlite3_busy_timeout(conn, 5000);
  sqlite3_stmt* stmt = nullptr;
  EXPECT_EQ(SQLITE_OK, sqlite3_prepare_v2(conn, sql.c_str(), -1, &stmt, nullptr))
      << sql << ": " << sqlite3_errmsg(conn);
  std::string out;
  int rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    if (!out.empty()) out += ' ';
    const unsigned char* t = sqlite3_column_text(stmt, 0);
    out += t ? reinterpret_cast<const char*>(t) : "NULL";
  }
  EXPECT_EQ(SQLITE_DONE, rc) << sql << ": " << sqlite3_errmsg(conn);
  sqlite3_finalize(stmt);
  sqlite3_close(conn);
  return out;
}

int64_t StoreComment(HttpClient& c, const std::string& site, const std::string& id,
              const std::string& content, const std::string& email = "",
              const std::string& ip = "") {
  json::object body{{"site", site}, {"id", id}, {"content", content}};
  json::object author;
  if (!email.empty()) author["email"] = email;
  if (!ip.empty()) author["ip"] = ip;
  if (!author.empty()) body["author"] = author;
  HttpResult r = c.Post("/v1/comments", json::serialize(body));
  EXPECT_EQ(201u, r.status) << r.body;
  return r.status == 201 ? r.Json().at("id").as_int64() : -1;
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// SQL that makes comment `id` decided with `status` `days` days ago.
std::string AgeSql(int64_t id, const std::string& status, int64_t days) {
  std::string ms = std::to_string(NowMs() - days * kDayMs);
  return "UPDATE comments SET status = '" + status + "', received_at_ms = " + ms +
         ", updated_at_ms = " + ms + " WHERE id = " + std::to_string(id) + ";";
}

// Runs `sql` (several statements) in one transaction.
void Exec(const std::string& db, const std::string& sql) {
  ASSERT_EQ("", testing::ExecSqlite(db, "BEGIN IMMEDIATE;" + sql + "COMMIT;"));
}

TEST(RetentionE2ETest, ForgetAuthorDeletesExactlyThatAuthorAndAudits) {
  TempDir dir;
  DaemonProcess d(MODERATED_BINARY, dir.path().string(), {"--rules", kRules});
  HttpClient c = d.Tcp();
  StoreComment(c, "news.example", "f-1", "Привет всем", "bob@example.com");
  StoreComment(c, "news.example", "f-2", "مرحبا بالجميع", "Bob@Example.COM");
  int64_t alice = StoreComment(c, "news.example", "f-3", "hello", "alice@example.com");
  StoreComment(c, "other.example", "f-4", "no e-mail at all");

  HttpResult site = HttpClient::Tcp(d.port())
                        .WithToken(d.CreateToken("site", {"news.example"}))
                        .Send(testing::http::verb::delete_, "/v1/admin/authors?email=x%40y");
  EXPECT_EQ(403u, site.status);
  HttpResult missing = c.Send(testing::http::verb::delete_, "/v1/admin/authors");
  EXPECT_EQ(400u, missing.status);
  EXPECT_EQ("query parameter 'email' is required",
            std::string(missing.Json().at("detail").as_string()));
  EXPECT_EQ(405u, c.Get("/v1/admin/authors?email=bob%40example.com").status);

  HttpResult r =
      c.Send(testing::http::verb::delete_, "/v1/admin/authors?email=bob%40example.com");
  ASSERT_EQ(200u, r.status) << r.body;
  EXPECT_EQ(R"({"deleted":2,"outbox":0,"audit_redacted":0})", r.body);

  const std::string db = d.database();
  EXPECT_EQ(std::to_string(alice) + " " + std::to_string(alice + 1),
            Sql(db, "SELECT id FROM comments ORDER BY id"));
  EXPECT_EQ("0", Sql(db, "SELECT count(*) FROM comments WHERE author_email LIKE 'bob@%'"));
  // The audit entry has the counts and the SHA-256 of "bob@example.com",
  // never the address itself.
  EXPECT_EQ("author.forget|author|" + std::string(R"({"email_sha256":)") +
                R"("5ff860bf1190596c7188ab851db691f0f3169c453936e9e1eba2f9a47f7a0018",)"
                R"("comments":2,"outbox":0,"audit_redacted":0})",
            Sql(db, "SELECT action || '|' || target || '|' || after_json FROM audit_log "
                    "WHERE action = 'author.forget'"));
  EXPECT_EQ("0", Sql(db, "SELECT count(*) FROM audit_log WHERE instr(lower(actor || target || "
                         "before_json || after_json), 'bob@') > 0"));

  // Asking again finds nothing, and is audited again.
  r = c.Send(testing::http::verb::delete_, "/v1/admin/authors?email=BOB%40example.com");
  ASSERT_EQ(200u, r.status) << r.body;
  EXPECT_EQ(R"({"deleted":0,"outbox":0,"audit_redacted":0})", r.body);
  EXPECT_EQ("2", Sql(db, "SELECT count(*) FROM audit_log WHERE action = 'author.forget'"));

  // The CLI does the same on the file.
  int code = -1;
  std::string out = RunCommand(std::string(MODERATED_BINARY) + " forget-author alice@example.com"
                               " --data-dir " + dir.path().string(), &code);
  EXPECT_EQ(0, code);
  EXPECT_EQ("{\"deleted\":1,\"outbox\":0,\"audit_redacted\":0}\n", out);
  EXPECT_EQ(std::to_string(alice + 1), Sql(db, "SELECT id FROM comments"));
  EXPECT_EQ("cli", Sql(db, "SELECT actor FROM audit_log WHERE action = 'author.forget' "
                           "ORDER BY id DESC LIMIT 1"));
}

TEST(RetentionE2ETest, CliPurgeDryRunDeletesNothingThenDeletes) {
  TempDir dir;
  DaemonProcess d(MODERATED_BINARY, dir.path().string(), {"--rules", kRules});
  HttpClient c = d.Tcp();
  const std::string db = d.database();
  int64_t approved = StoreComment(c, "p.example", "p-1", "old and approved");
  int64_t rejected = StoreComment(c, "p.example", "p-2", "old and rejected");
  int64_t pending = StoreComment(c, "p.example", "p-3", "old but still pending");
  int64_t recent = StoreComment(c, "q.example", "p-4", "recent");
  Exec(db, AgeSql(approved, "approved", 40) + AgeSql(rejected, "rejected", 31) +
               AgeSql(pending, "pending", 400) + AgeSql(recent, "approved", 29));
  const std::string cli = std::string(MODERATED_BINARY) + " purge --data-dir " +
                          dir.path().string();

  int code = -1;
  EXPECT_EQ("nothing to purge: no retention period is configured\n",
            RunCommand(cli + " --dry-run", &code));
  EXPECT_EQ(0, code);
  EXPECT_EQ("site q.example: 0 decided comments older than 30 days\n"
            "dry run: 0 comments would be deleted\n",
            RunCommand(cli + " --days 30 --site q.example --dry-run", &code));
  EXPECT_EQ("all sites: 2 decided comments older than 30 days\n"
            "dry run: 2 comments would be deleted\n",
            RunCommand(cli + " --days 30 --dry-run", &code));
  EXPECT_EQ(0, code);
  EXPECT_EQ("4", Sql(db, "SELECT count(*) FROM comments"));
  EXPECT_EQ("0", Sql(db, "SELECT count(*) FROM audit_log WHERE action = 'retention.purge'"));

  EXPECT_EQ("all sites: 2 decided comments older than 30 days\ndeleted 2 comments\n",
            RunCommand(cli + " --days 30", &code));
  EXPECT_EQ(0, code);
  EXPECT_EQ(std::to_string(pending) + " " + std::to_string(recent),
            Sql(db, "SELECT id FROM comments ORDER BY id"));
  EXPECT_EQ(R"x(cli|{"deleted":2,"scopes":[{"site":"(all)","days":30,"deleted":2}]})x",
            Sql(db, "SELECT actor || '|' || after_json FROM audit_log "
                    "WHERE action = 'retention.purge'"));
  // The daemon still serves the rest.
  EXPECT_EQ(200u, c.Get("/v1/comments/" + std::to_string(recent)).status);
  EXPECT_EQ(404u, c.Get("/v1/comments/" + std::to_string(approved)).status);

  EXPECT_EQ("", RunCommand(cli + " --days 0 2>/dev/null", &code));
  EXPECT_EQ(2, code);
}

TEST(RetentionE2ETest, DaemonPurgesOnItsScheduleHonouringPerSiteRetention) {
  TempDir dir;
  const std::string config = dir.File("m.yaml");
  { std::ofstream(config) << "retention:\n  days: 30\n  interval_s: 1\n  chunk_rows: 2\n"; }
  DaemonProcess d(MODERATED_BINARY, dir.path().string(), {"--rules", kRules, "--config", config});
  HttpClient c = d.Tcp();
  const std::string db = d.database();
  // long.example keeps 100 days (its own retention_days).
  Sql(db, "INSERT INTO sites (name, retention_days, created_at_ms, updated_at_ms) "
          "VALUES ('long.example', 100, 1, 1)");
  std::vector<int64_t> gone, kept;
  for (int i = 0; i < 5; ++i) {  // 5 > chunk_rows: takes three chunks
    gone.push_back(StoreComment(c, "news.example", "s-" + std::to_string(i), "old"));
  }
  kept.push_back(StoreComment(c, "long.example", "l-1", "40 days, under its 100"));
  int64_t long_old = StoreComment(c, "long.example", "l-2", "past its 100 days");
  kept.push_back(StoreComment(c, "news.example", "s-p", "old but pending"));
  kept.push_back(StoreComment(c, "news.example", "s-new", "recent"));
  // All at once, so that one scheduled run sees them all.
  std::string age;
  for (int64_t id : gone) age += AgeSql(id, "approved", 31);
  Exec(db, age + AgeSql(kept[0], "rejected", 40) + AgeSql(long_old, "rejected", 101) +
               AgeSql(kept[1], "pending", 365));

  // Bounded wait for the next scheduled run (every second; generous, since a
  // loaded CI machine may delay it by seconds).
  // The ids are read once the count is reached: read before the count, they
  // could predate a purge that ran between the two reads.
  for (int i = 0; i < 3000; ++i) {
    if (Sql(db, "SELECT count(*) FROM comments") == "3") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const std::string left = Sql(db, "SELECT id FROM comments ORDER BY id");
  EXPECT_EQ(std::to_string(kept[0]) + " " + std::to_string(kept[1]) + " " +
                std::to_string(kept[2]),
            left);
  ASSERT_TRUE(d.WaitForLog("event=retention_purged deleted=6"));
  EXPECT_EQ(
      R"x(retention|{"deleted":6,"scopes":[{"site":"long.example","days":100,"deleted":1},)x"
      R"x({"site":"(default)","days":30,"deleted":5}]})x",
      Sql(db, "SELECT actor || '|' || after_json FROM audit_log WHERE action = "
              "'retention.purge' AND after_json LIKE '{\"deleted\":6%'"));
  HttpResult m = c.Get("/metrics");
  EXPECT_NE(std::string::npos, m.body.find("\nmoderated_retention_purged_total 6\n")) << m.body;
}

TEST(RetentionE2ETest, HashedIpsAreStoredHashedAndRulesStillSeeTheRealIp) {
  TempDir dir;
  const std::string rules = dir.File("rules.yaml");
  {
    std::ifstream in(kRules);
    std::stringstream ss;
    ss << in.rdbuf();
    std::ofstream(rules) << ss.str()
                         << "  - id: doc_net\n    description: Documentation network\n"
                            "    score: 1\n    match: {field: author.ip, cidr: [203.0.113.0/24]}\n";
  }
  const std::string config = dir.File("m.yaml");
  { std::ofstream(config) << "privacy:\n  hash_ips: true\n"; }
  DaemonProcess d(MODERATED_BINARY, dir.path().string(), {"--rules", rules, "--config", config});
  HttpClient c = d.Tcp();
  json::object body{{"site", "h.example"},
                    {"id", "h-1"},
                    {"content", "hello"},
                    {"author", {{"ip", "203.0.113.7"}}}};
  HttpResult r = c.Post("/v1/comments", json::serialize(body));
  ASSERT_EQ(201u, r.status) << r.body;
  // The CIDR rule ran on the real address.
  EXPECT_NE(std::string::npos, r.body.find("\"rule\":\"doc_net\"")) << r.body;
  StoreComment(c, "h.example", "h-2", "again", "", "203.0.113.7");
  StoreComment(c, "h.example", "h-3", "other", "", "198.51.100.1");
  StoreComment(c, "h.example", "h-4", "none");

  const std::string db = d.database();
  std::string ips = Sql(db, "SELECT author_ip FROM comments ORDER BY id");
  std::smatch m;
  ASSERT_TRUE(std::regex_match(
      ips, m,
      std::regex("(hmac-sha256:[0-9a-f]{64}) (hmac-sha256:[0-9a-f]{64}) "
                 "(hmac-sha256:[0-9a-f]{64}) ")))
      << ips;  // the fourth, without an IP, stays empty (after the last ' ')
  EXPECT_EQ(m[1], m[2]);  // same IP, same hash: lookups by IP keep working
  EXPECT_NE(m[1], m[3]);
  EXPECT_EQ("", Sql(db, "SELECT author_ip FROM comments WHERE external_id = 'h-4'"));
  // The real address is nowhere in the database files.
  for (const std::string& file : {db, db + "-wal"}) {
    std::ifstream in(file, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    EXPECT_EQ(std::string::npos, ss.str().find("203.0.113.7")) << file;
  }
  struct stat st {};
  ASSERT_EQ(0, ::stat(dir.File("ip-hash.key").c_str(), &st));
  EXPECT_EQ(0600u, st.st_mode & 0777);
  EXPECT_EQ(32, st.st_size);
}

}  // namespace
}  // namespace moderated

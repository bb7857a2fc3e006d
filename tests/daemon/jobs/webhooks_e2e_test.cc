// End-to-end tests of webhook delivery (daemon/jobs/webhooks.cc): the real
// `moderated serve` binary, a decision made through the review API, and a
// small HTTP receiver on 127.0.0.1 inside the test that is down, then up;
// signatures are recomputed here with OpenSSL. The outbox is read back from
// the database file with SQLite.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sqlite3.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <regex>
#include <thread>

#include "tests/testing/daemon_process.h"
#include "tests/testing/sqlite_query.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/webhook_receiver.h"

namespace moderated {
namespace {

namespace json = boost::json;
namespace net = boost::asio;
namespace http = boost::beast::http;
using net::ip::tcp;
using testing::DaemonProcess;
using testing::QuerySqlite;
using testing::HttpResult;
using testing::Received;
using testing::Receiver;
using testing::TempDir;

const std::string kRules = std::string(MODERATED_TESTDATA_DIR) + "/daemon/rules.yaml";
const std::string kSecret = "whsec-\xd8\xb3\xd8\xb1-test";  // any bytes; UTF-8 here

std::string Str(const json::value& v) { return std::string(v.as_string()); }

// A loopback port that nothing listens on (bound once, then closed).
unsigned short ClosedPort() {
  net::io_context ioc;
  tcp::acceptor a(ioc, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
  return a.local_endpoint().port();
}

// "sha256=" + hex HMAC-SHA256(secret, timestamp + "." + body), computed
// independently of the daemon.
std::string Sign(const std::string& secret, const std::string& timestamp, const std::string& body) {
  std::string message = timestamp + "." + body;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest, &n);
  char hex[3];
  std::string out = "sha256=";
  for (unsigned int i = 0; i < n; ++i) {
    std::snprintf(hex, sizeof hex, "%02x", digest[i]);
    out += hex;
  }
  return out;
}

// Polls `done` every 20 ms for at most 20 s.
bool WaitUntil(const std::function<bool()>& done) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return done();
}

int64_t QueryInt(const std::string& db, const std::string& sql) {
  std::string v = QuerySqlite(db, sql);
  return v.empty() || v.rfind("error", 0) == 0 ? -1 : std::stoll(v);
}

// Fast retries so the tests take a fraction of a second per attempt.
std::string WriteConfig(const TempDir& dir, int max_attempts) {
  std::string path = dir.File("moderated.yaml");
  std::ofstream(path) << "webhooks:\n"
                         "  allow_networks: [127.0.0.0/8]  # the receivers are on loopback\n"
                         "  poll_interval_ms: 50\n"
                         "  initial_backoff_ms: 50\n"
                         "  max_backoff_ms: 200\n"
                         "  connect_timeout_ms: 2000\n"
                         "  response_timeout_ms: 5000\n"
                         "  max_attempts: "
                      << max_attempts << "\n";
  return path;
}

// Registers `site` with a webhook to `url`; every comment of it is held.
void RegisterSite(DaemonProcess& d, const std::string& site, const std::string& url) {
  HttpResult r = d.Tcp().Send(http::verb::put, "/v1/admin/sites/" + site,
                              json::serialize(json::object{{"hold_at", -1},
                                                           {"reject_at", 1000},
                                                           {"webhook_url", url},
                                                           {"webhook_secret", kSecret}}));
  ASSERT_EQ(200u, r.status) << r.body;
}

// Submits a comment and decides it; returns our comment id.
int64_t SubmitAndDecide(DaemonProcess& d, const std::string& site, const std::string& external_id,
                        const std::string& decision, const std::string& note) {
  HttpResult c = d.Tcp().Post(
      "/v1/comments",
      json::serialize(json::object{{"site", site},
                                   {"id", external_id},
                                   {"content", "Отличная статья, спасибо! شكرا على المقال"}}));
  EXPECT_EQ(201u, c.status) << c.body;
  EXPECT_EQ("pending", Str(c.Json().at("status"))) << c.body;
  int64_t id = c.Json().at("id").as_int64();
  HttpResult r =
      d.Tcp().Post("/v1/comments/" + std::to_string(id) + "/decision",
                   json::serialize(json::object{{"decision", decision}, {"note", note}}));
  EXPECT_EQ(200u, r.status) << r.body;
  return id;
}

// Checks one delivery: headers, signature and that the body is the stored payload.
void ExpectSignedDelivery(const Received& r, const std::string& payload) {
  EXPECT_EQ("application/json", r.headers.at("content-type"));
  EXPECT_EQ(payload, r.body);
  json::value p = json::parse(r.body);
  EXPECT_EQ(Str(p.at("event_id")), r.headers.at("x-moderated-event-id"));
  const std::string& ts = r.headers.at("x-moderated-timestamp");
  EXPECT_TRUE(std::regex_match(ts, std::regex("[0-9]{10}"))) << ts;
  EXPECT_EQ(Sign(kSecret, ts, r.body), r.headers.at("x-moderated-signature"));
  EXPECT_NE(Sign("another secret", ts, r.body), r.headers.at("x-moderated-signature"));
}

TEST(WebhooksE2ETest, DownAcrossARestartThenUpDeliversEachEventOnceSigned) {
  TempDir dir;
  const std::string config = WriteConfig(dir, 1000);
  const unsigned short port = ClosedPort();
  const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/hooks/moderated?v=1";
  auto daemon = std::make_unique<DaemonProcess>(
      MODERATED_BINARY, dir.path().string(),
      std::vector<std::string>{"--rules", kRules, "--config", config});
  const std::string db = daemon->database();
  RegisterSite(*daemon, "hook.example", url);
  const int64_t id = SubmitAndDecide(*daemon, "hook.example", "ext-1", "approve", "looks fine");

  // The receiver is down: attempts pile up with the error recorded.
  ASSERT_TRUE(WaitUntil([&] { return QueryInt(db, "SELECT attempts FROM outbox") >= 2; }))
      << QuerySqlite(db, "SELECT * FROM outbox") << daemon->Log();
  EXPECT_EQ("0\n", QuerySqlite(db, "SELECT delivered_at_ms FROM outbox"));
  EXPECT_NE(std::string::npos,
            QuerySqlite(db, "SELECT last_error FROM outbox").find("Connection refused"))
      << QuerySqlite(db, "SELECT last_error FROM outbox");
  EXPECT_TRUE(daemon->WaitForLog("event=webhook_failed"));

  // Restart the daemon; it keeps trying from the table.
  daemon->Signal(SIGTERM);
  ASSERT_EQ(0, daemon->Wait());
  EXPECT_NE(std::string::npos, daemon->Log().find("event=webhooks_stopped"));
  const int64_t before_restart = QueryInt(db, "SELECT attempts FROM outbox");
  // The next DaemonProcess must not find the old "listening" line (old port).
  std::filesystem::rename(dir.File("daemon.log"), dir.File("daemon-1.log"));
  daemon = std::make_unique<DaemonProcess>(
      MODERATED_BINARY, dir.path().string(),
      std::vector<std::string>{"--rules", kRules, "--config", config});
  ASSERT_TRUE(WaitUntil([&] {
    return QueryInt(db, "SELECT attempts FROM outbox") > before_restart;
  })) << daemon->Log();

  // Now the receiver comes up.
  Receiver receiver(port, [](const Received&, int) { return 200u; });
  ASSERT_TRUE(WaitUntil([&] {
    return QueryInt(db, "SELECT count(*) FROM outbox WHERE delivered_at_ms > 0") == 1;
  })) << daemon->Log();
  // A second event (the moderator changes their mind) is delivered after the
  // first, so by then any repeat of the first would have arrived too.
  HttpResult again = daemon->Tcp().Post("/v1/comments/" + std::to_string(id) + "/decision",
                                        R"({"decision": "spam", "note": ""})");
  ASSERT_EQ(200u, again.status) << again.body;
  ASSERT_TRUE(WaitUntil([&] {
    return QueryInt(db, "SELECT count(*) FROM outbox WHERE delivered_at_ms > 0") == 2;
  })) << daemon->Log();

  std::vector<Received> got = receiver.requests();
  ASSERT_EQ(2u, got.size());
  const std::string payloads = QuerySqlite(db, "SELECT event_id, payload FROM outbox ORDER BY id");
  std::smatch m;
  ASSERT_TRUE(
      std::regex_match(payloads, m, std::regex("([0-9a-f]{32})\\|(.*)\n([0-9a-f]{32})\\|(.*)\n")))
      << payloads;
  EXPECT_NE(m[1].str(), m[3].str());
  for (int i = 0; i < 2; ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ("/hooks/moderated?v=1", got[i].target);
    EXPECT_EQ(m[1 + 2 * i].str(), got[i].headers.at("x-moderated-event-id"));
    ExpectSignedDelivery(got[i], m[2 + 2 * i].str());
  }
  json::value first = json::parse(got[0].body);
  EXPECT_EQ("comment.decided", Str(first.at("type")));
  EXPECT_EQ("hook.example", Str(first.at("site")));
  EXPECT_TRUE(std::regex_match(Str(first.at("created_at")),
                               std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z)")));
  EXPECT_EQ((json::value{{"id", id},
                         {"external_id", "ext-1"},
                         {"status", "approved"},
                         {"decision", "approve"},
                         {"note", "looks fine"}}),
            first.at("comment"));
  json::value second = json::parse(got[1].body);
  EXPECT_EQ("rejected", Str(second.at("comment").at("status")));
  EXPECT_EQ("spam", Str(second.at("comment").at("decision")));
  EXPECT_EQ("|0\n|0\n", QuerySqlite(db, "SELECT last_error, delivered_at_ms = 0 FROM outbox"));
}

TEST(WebhooksE2ETest, InternalTargetsAreRefusedUnlessAllowed) {
  TempDir dir;
  // No allow_networks: loopback is internal, however the URL spells it.
  const std::string config = dir.File("moderated.yaml");
  std::ofstream(config) << "webhooks: {poll_interval_ms: 50, initial_backoff_ms: 50, "
                           "max_backoff_ms: 100, max_attempts: 2}\n";
  const unsigned short port = ClosedPort();
  Receiver receiver(port, [](const Received&, int) { return 200u; });
  DaemonProcess daemon(MODERATED_BINARY, dir.path().string(),
                       {"--rules", kRules, "--config", config});
  const std::string db = daemon.database();
  const std::string p = ":" + std::to_string(port) + "/hook";
  RegisterSite(daemon, "a.example", "http://127.0.0.1" + p);
  RegisterSite(daemon, "b.example", "http://2130706433" + p);
  RegisterSite(daemon, "c.example", "http://0x7f.1" + p);
  RegisterSite(daemon, "d.example", "http://[::ffff:127.0.0.1]" + p);
  for (const char* site : {"a.example", "b.example", "c.example", "d.example"}) {
    SubmitAndDecide(daemon, site, "x", "approve", "");
  }
  ASSERT_TRUE(WaitUntil([&] {
    return QueryInt(db, "SELECT count(*) FROM outbox WHERE attempts >= 2") == 4;
  })) << QuerySqlite(db, "SELECT site, attempts, last_error FROM outbox") << daemon.Log();
  const std::string errors = QuerySqlite(db, "SELECT site, last_error FROM outbox ORDER BY site");
  for (const std::string& line :
       {"a.example|refused: 127.0.0.1 resolves to 127.0.0.1, an internal address (allow it with "
        "webhooks.allow_networks)\n",
        "b.example|refused: 2130706433 resolves to 127.0.0.1, an internal address",
        "c.example|refused: 0x7f.1 resolves to 127.0.0.1, an internal address",
        "d.example|refused: ::ffff:127.0.0.1 resolves to ::ffff:127.0.0.1, an internal address"}) {
    EXPECT_NE(std::string::npos, errors.find(line)) << line << "\nin:\n" << errors;
  }
  EXPECT_EQ(0u, receiver.requests().size());
}

TEST(WebhooksE2ETest, ErrorsAreRetriedAndGivenUpAfterMaxAttempts) {
  TempDir dir;
  const std::string config = WriteConfig(dir, 3);
  const unsigned short port = ClosedPort();
  // /flaky answers 500 once, then 200; /broken always 500.
  Receiver receiver(port, [](const Received& r, int earlier) {
    if (r.target == "/flaky") return earlier == 0 ? 500u : 200u;
    return 500u;
  });
  DaemonProcess daemon(MODERATED_BINARY, dir.path().string(),
                       {"--rules", kRules, "--config", config});
  const std::string db = daemon.database();
  const std::string base = "http://127.0.0.1:" + std::to_string(port);
  RegisterSite(daemon, "flaky.example", base + "/flaky");
  RegisterSite(daemon, "broken.example", base + "/broken");
  SubmitAndDecide(daemon, "flaky.example", "f-1", "reject", "");
  SubmitAndDecide(daemon, "broken.example", "b-1", "abuse", "threats");

  ASSERT_TRUE(WaitUntil([&] {
    return QuerySqlite(db,
                 "SELECT site, attempts, delivered_at_ms > 0, next_attempt_at_ms = "
                 "9223372036854775807 FROM outbox ORDER BY id") ==
           "flaky.example|2|1|0\nbroken.example|3|0|1\n";
  })) << QuerySqlite(db, "SELECT * FROM outbox")
      << daemon.Log();
  EXPECT_EQ("|\nHTTP 500|\n", QuerySqlite(db, "SELECT last_error, '' FROM outbox ORDER BY id"));
  EXPECT_TRUE(daemon.WaitForLog("event=webhook_gave_up"));

  std::vector<Received> got = receiver.requests();
  int flaky = 0, broken = 0;
  std::string flaky_event;
  for (const Received& r : got) {
    std::string payload = QuerySqlite(db, "SELECT payload FROM outbox WHERE event_id = '" +
                                        r.headers.at("x-moderated-event-id") + "'");
    ASSERT_FALSE(payload.empty());
    payload.pop_back();  // '\n'
    ExpectSignedDelivery(r, payload);
    if (r.target == "/flaky") {
      ++flaky;
      if (!flaky_event.empty()) EXPECT_EQ(flaky_event, r.headers.at("x-moderated-event-id"));
      flaky_event = r.headers.at("x-moderated-event-id");
    } else {
      ++broken;
    }
  }
  EXPECT_EQ(2, flaky);   // the same event again after the 500
  EXPECT_EQ(3, broken);  // max_attempts, then no more

  // /metrics counts the decisions, the delivery, each failed attempt (the
  // last one of broken.example as final) and what is left in the outbox;
  // Debian's promtool finds nothing wrong with these families filled in.
  const std::string metrics = daemon.Unix().Get("/metrics").body;
  for (const char* sample : {
           "moderated_decisions_total{decision=\"reject\",site=\"flaky.example\"} 1\n",
           "moderated_decisions_total{decision=\"abuse\",site=\"broken.example\"} 1\n",
           "moderated_webhook_deliveries_total 1\n",
           "moderated_webhook_failures_total{final=\"false\"} 3\n",
           "moderated_webhook_failures_total{final=\"true\"} 1\n",
           "moderated_webhook_outbox_depth{state=\"pending\"} 0\n",
           "moderated_webhook_outbox_depth{state=\"gave_up\"} 1\n",
       }) {
    EXPECT_NE(std::string::npos, metrics.find(sample)) << sample << metrics;
  }
  std::ofstream(dir.File("metrics.txt")) << metrics;
  int code = -1;
  EXPECT_EQ("", testing::RunCommand("/usr/bin/promtool check metrics < " + dir.File("metrics.txt") +
                                        " 2>&1",
                                    &code));
  EXPECT_EQ(0, code);
}

}  // namespace
}  // namespace moderated

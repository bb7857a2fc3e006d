// End-to-end: GET /metrics on the real binary. After a known sequence of
// requests the counters must show exactly those requests.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <unistd.h>

#include <csignal>
#include <fstream>
#include <map>
#include <regex>
#include <string>

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

// The value of the sample whose text before the value is exactly `series`,
// or -1 if absent.
double Sample(const std::string& text, const std::string& series) {
  size_t pos = 0;
  while ((pos = text.find(series + " ", pos)) != std::string::npos) {
    if (pos == 0 || text[pos - 1] == '\n') {
      size_t end = text.find('\n', pos);
      return std::stod(text.substr(pos + series.size() + 1, end - pos - series.size() - 1));
    }
    pos += series.size();
  }
  return -1;
}

TEST(MetricsE2ETest, CountsExactlyTheRequestsMade) {
  TempDir dir;
  DaemonProcess d(MODERATED_BINARY, dir.path().string(), {"--rules", kRules});
  // A site token, as a site sends comments: its sites are named in metrics.
  HttpClient c =
      std::move(HttpClient::Tcp(d.port()).WithToken(d.CreateToken("site", {"m.example"})));

  // Three stored comments, one dry run; the verdicts and reasons they got.
  std::map<std::string, int> verdicts;  // action -> count
  std::map<std::string, int> hits;      // rule|mode -> count
  const char* contents[] = {"Play at casino tonight, free spins for all",
                            "MODERATED-TEST-REJECT-7d1f0c2a",
                            "see https://example.org/page for more, thanks"};
  int i = 0;
  for (const char* content : contents) {
    json::object body{{"site", "m.example"}, {"id", "m-" + std::to_string(i++)},
                      {"content", content}};
    HttpResult r = c.Post("/v1/comments", json::serialize(body));
    ASSERT_EQ(201u, r.status) << r.body;
    json::value v = r.Json();
    ++verdicts[std::string(v.at("action").as_string())];
    for (const auto& reason : v.at("reasons").as_array()) {
      ++hits[std::string(reason.at("rule").as_string()) + "|" +
             (reason.at("shadow").as_bool() ? "shadow" : "enforce")];
    }
  }
  HttpResult check = c.Post("/v1/check", R"({"site":"m.example","content":"hello"})");
  ASSERT_EQ(200u, check.status) << check.body;
  // Named: a range-for over a member of the temporary Json() would read
  // freed memory.
  const json::value checked = check.Json();
  ++verdicts[std::string(checked.at("action").as_string())];
  for (const auto& reason : checked.at("reasons").as_array()) {
    ++hits[std::string(reason.at("rule").as_string()) + "|" +
           (reason.at("shadow").as_bool() ? "shadow" : "enforce")];
  }
  EXPECT_EQ(404u, c.Get("/v1/comments/999999").status);
  // Unknown paths have their own route label, not the console's "/".
  const unsigned other_status = c.Get("/no/such/thing").status;
  HttpClient anonymous = HttpClient::Tcp(d.port());
  EXPECT_EQ(401u, anonymous.Post("/v1/comments", "{}").status);

  // Loopback: no token needed.
  HttpResult m = anonymous.Get("/metrics");
  ASSERT_EQ(200u, m.status) << m.body;
  EXPECT_EQ("text/plain; version=0.0.4; charset=utf-8", m.content_type);
  const std::string& t = m.body;
  const std::string req = "moderated_http_requests_total";
  EXPECT_EQ(3, Sample(t, req + R"({route="/v1/comments",method="POST",status="201"})")) << t;
  EXPECT_EQ(1, Sample(t, req + R"({route="/v1/comments",method="POST",status="401"})"));
  EXPECT_EQ(1, Sample(t, req + R"({route="/v1/check",method="POST",status="200"})"));
  EXPECT_EQ(1, Sample(t, req + R"({route="/v1/comments/",method="GET",status="404"})"));
  EXPECT_EQ(404u, other_status);
  EXPECT_EQ(1, Sample(t, req + R"({route="unmatched",method="GET",status="404"})"));
  EXPECT_EQ(-1, Sample(t, req + R"({route="/",method="GET",status="404"})"));
  EXPECT_EQ(-1, Sample(t, req + R"({route="/metrics",method="GET",status="200"})"));
  EXPECT_EQ(4, Sample(t, R"(moderated_http_request_duration_seconds_count{route="/v1/comments"})"));
  EXPECT_EQ(4, Sample(t, R"(moderated_http_request_duration_seconds_bucket{route="/v1/comments",le="+Inf"})"));

  int total_verdicts = 0;
  for (const auto& [action, n] : verdicts) {
    EXPECT_EQ(n, Sample(t, "moderated_verdicts_total{action=\"" + action +
                               "\",site=\"m.example\"}"))
        << action;
    total_verdicts += n;
  }
  EXPECT_EQ(4, total_verdicts);
  ASSERT_EQ(1, hits["test_reject|enforce"]);
  ASSERT_EQ(1, hits["any_link|shadow"]);
  for (const auto& [key, n] : hits) {
    std::string rule = key.substr(0, key.find('|')), mode = key.substr(key.find('|') + 1);
    EXPECT_EQ(n, Sample(t, "moderated_rule_hits_total{rule=\"" + rule + "\",mode=\"" + mode +
                               "\"}"))
        << key;
  }
  // Four evaluations were timed; three sequential stores, one commit each.
  EXPECT_EQ(4, Sample(t, "moderated_engine_duration_seconds_count"));
  EXPECT_EQ(4, Sample(t, "moderated_classifier_duration_seconds_count"));
  EXPECT_EQ(3, Sample(t, "moderated_writer_commits_total"));
  EXPECT_EQ(0, Sample(t, "moderated_writer_failures_total"));
  EXPECT_EQ(3, Sample(t, "moderated_writer_batch_size_count"));
  EXPECT_EQ(3, Sample(t, R"(moderated_writer_batch_size_bucket{le="1"})"));
  EXPECT_EQ(3, Sample(t, "moderated_writer_commit_duration_seconds_count"));
  EXPECT_EQ(0, Sample(t, "moderated_writer_queue_depth"));
  EXPECT_EQ(0, Sample(t, R"(moderated_reloads_total{result="ok"})"));
  // Held comments are the review queue.
  int pending = verdicts["hold"];
  EXPECT_EQ(pending ? pending : -1, Sample(t, R"(moderated_review_queue_depth{site="m.example"})"));
  // Two connections are open: `c` and `anonymous`.
  EXPECT_EQ(2, Sample(t, "moderated_connections"));
  EXPECT_TRUE(std::regex_search(
      t, std::regex(R"(\nmoderated_build_info\{version="0\.1\.0",rules="[^"]+",model="[^"]+"\} 1\n)")))
      << t;
  EXPECT_GT(Sample(t, "process_resident_memory_bytes"), 1e6);
  EXPECT_GT(Sample(t, "process_open_fds"), 3);
  EXPECT_GT(Sample(t, "process_start_time_seconds"), 1.6e9);

  // A reload is counted; the scrape before is now counted too. Over the Unix
  // socket no token is needed either.
  // An admin token may name any site: one it invents adds no series.
  ASSERT_EQ(200u, d.Tcp().Post("/v1/check", R"({"site":"made-up.example","content":"hi"})").status);
  d.Signal(SIGHUP);
  ASSERT_TRUE(d.WaitForLog("event=reloaded"));
  HttpResult m2 = HttpClient::Unix(d.socket_path()).Get("/metrics");
  ASSERT_EQ(200u, m2.status) << m2.body;
  EXPECT_EQ(1, Sample(m2.body, R"(moderated_reloads_total{result="ok"})"));
  EXPECT_EQ(0, Sample(m2.body, R"(moderated_reloads_total{result="error"})"));
  EXPECT_EQ(1, Sample(m2.body, req + R"({route="/metrics",method="GET",status="200"})"));
  EXPECT_EQ(1, Sample(m2.body, R"(moderated_verdicts_total{action="accept",site="unregistered"})"));
  EXPECT_EQ(std::string::npos, m2.body.find("made-up.example"));
}

// Debian's promtool (package prometheus, installed by scripts/setup.sh)
// lints a real scrape: names, types, HELP, suffixes and units.
TEST(MetricsE2ETest, PromtoolFindsNoProblemInARealScrape) {
  ASSERT_EQ(0, access("/usr/bin/promtool", X_OK)) << "promtool is missing: run scripts/setup.sh";
  TempDir dir;
  DaemonProcess d(MODERATED_BINARY, dir.path().string(), {"--rules", kRules});
  HttpClient site =
      std::move(HttpClient::Tcp(d.port()).WithToken(d.CreateToken("site", {"m.example"})));
  // Traffic so that the labelled families have series.
  ASSERT_EQ(201u, site.Post("/v1/comments", R"({"site":"m.example","content":"Play at casino tonight"})")
                      .status);
  ASSERT_EQ(200u, site.Post("/v1/check", R"({"site":"m.example","content":"hello"})").status);
  EXPECT_EQ(404u, site.Get("/no/such/thing").status);
  HttpResult m = HttpClient::Unix(d.socket_path()).Get("/metrics");
  ASSERT_EQ(200u, m.status) << m.body;
  const std::string file = dir.File("metrics.txt");
  std::ofstream(file) << m.body;
  int code = -1;
  const std::string out = testing::RunCommand("/usr/bin/promtool check metrics < " + file + " 2>&1", &code);
  EXPECT_EQ("", out) << m.body;
  EXPECT_EQ(0, code);
  // Every metric the Grafana dashboard in docs/ queries is one the daemon has.
  std::ifstream dashboard(std::string(MODERATED_SOURCE_DIR) + "/docs/grafana-dashboard.json");
  const std::string panels((std::istreambuf_iterator<char>(dashboard)),
                           std::istreambuf_iterator<char>());
  static const std::regex kName(R"(\b((?:moderated|process)_[a-z_]+?)(?:_bucket)?\b)");
  int names = 0;
  for (std::sregex_iterator it(panels.begin(), panels.end(), kName), end; it != end; ++it) {
    const std::string name = (*it)[1];
    ++names;
    EXPECT_NE(std::string::npos, m.body.find("# TYPE " + name + " ")) << name;
  }
  EXPECT_GT(names, 20);
  for (const char* family : {"process_cpu_seconds_total ", "process_max_fds ",
                             "moderated_webhook_outbox_depth{state=\"pending\"} 0\n",
                             "moderated_spamc_verdicts_total{result=\"spam\"} 0\n"}) {
    EXPECT_NE(std::string::npos, m.body.find(family)) << family;
  }
}

TEST(MetricsE2ETest, NotPublicNeedsAnAdminToken) {
  TempDir dir;
  const std::string config = dir.File("m.yaml");
  { std::ofstream(config) << "metrics:\n  public: false\n"; }
  DaemonProcess d(MODERATED_BINARY, dir.path().string(), {"--rules", kRules, "--config", config});
  HttpResult r = HttpClient::Tcp(d.port()).Get("/metrics");
  EXPECT_EQ(401u, r.status);
  EXPECT_EQ("Bearer realm=\"moderated\"", std::string(r.raw[testing::http::field::www_authenticate]));
  EXPECT_EQ("missing Authorization: Bearer token", std::string(r.Json().at("detail").as_string()));
  EXPECT_EQ(401u, HttpClient::Unix(d.socket_path()).Get("/metrics").status);
  HttpResult site = HttpClient::Tcp(d.port()).WithToken(d.CreateToken("site", {"a"})).Get("/metrics");
  EXPECT_EQ(403u, site.status);
  EXPECT_EQ("this endpoint needs an admin token, not site",
            std::string(site.Json().at("detail").as_string()));
  HttpResult admin = d.Tcp().Get("/metrics");
  EXPECT_EQ(200u, admin.status);
  EXPECT_NE(std::string::npos, admin.body.find("# TYPE moderated_http_requests_total counter\n"));
  HttpResult post = d.Tcp().Post("/metrics", "{}");
  EXPECT_EQ(405u, post.status);
}

}  // namespace
}  // namespace moderated

// tests/daemon/core/metrics_test.cc
#include "daemon/core/metrics.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "daemon/core/privacy.h"
#include "tests/testing/temp_dir.h"

namespace moderated::metrics {
namespace {

TEST(MetricsTest, RendersASmallRegistryExactly) {
  Registry r;
  auto& requests = r.Add<CounterFamily>("app_requests_total", "Requests.",
                                        std::vector<Label>{{"route", 0}, {"status", 0}});
  auto& depth = r.Add<GaugeFamily>("app_queue_depth", "Queued items.");
  auto& latency = r.Add<HistogramFamily>("app_latency_seconds", "Latency.",
                                         std::vector<double>{0.1, 1, 2.5},
                                         std::vector<Label>{{"route", 0}});
  auto& empty = r.Add<CounterFamily>("app_unused_total", "Never used.",
                                     std::vector<Label>{{"x", 0}});
  (void)empty;
  requests.With({"/v1/comments", "201"}).Inc(3);
  requests.With({"/healthz", "200"}).Inc();
  depth.With().Set(7);
  latency.With({"/v1/comments"}).Observe(0.05);
  latency.With({"/v1/comments"}).Observe(0.1);   // on a bound: counts in that bucket
  latency.With({"/v1/comments"}).Observe(2);
  latency.With({"/v1/comments"}).Observe(30);

  EXPECT_EQ(
      "# HELP app_requests_total Requests.\n"
      "# TYPE app_requests_total counter\n"
      "app_requests_total{route=\"/healthz\",status=\"200\"} 1\n"
      "app_requests_total{route=\"/v1/comments\",status=\"201\"} 3\n"
      "# HELP app_queue_depth Queued items.\n"
      "# TYPE app_queue_depth gauge\n"
      "app_queue_depth 7\n"
      "# HELP app_latency_seconds Latency.\n"
      "# TYPE app_latency_seconds histogram\n"
      "app_latency_seconds_bucket{route=\"/v1/comments\",le=\"0.1\"} 2\n"
      "app_latency_seconds_bucket{route=\"/v1/comments\",le=\"1\"} 2\n"
      "app_latency_seconds_bucket{route=\"/v1/comments\",le=\"2.5\"} 3\n"
      "app_latency_seconds_bucket{route=\"/v1/comments\",le=\"+Inf\"} 4\n"
      "app_latency_seconds_sum{route=\"/v1/comments\"} 32.15\n"
      "app_latency_seconds_count{route=\"/v1/comments\"} 4\n"
      "# HELP app_unused_total Never used.\n"
      "# TYPE app_unused_total counter\n",
      r.Render());
}

TEST(MetricsTest, EscapesLabelValuesAndHelp) {
  EXPECT_EQ(R"(a\\b\"c\nd)", EscapeLabelValue("a\\b\"c\nd"));
  EXPECT_EQ("موقع.مثال сайт", EscapeLabelValue("موقع.مثال сайт"));  // UTF-8 as is
  EXPECT_EQ(R"(line\nnext \\ "quoted")", EscapeHelp("line\nnext \\ \"quoted\""));
  Registry r;
  auto& f = r.Add<CounterFamily>("t_total", "Help with\nnewline.",
                                 std::vector<Label>{{"site", 0}});
  f.With({"say \"hi\"\\\n"}).Inc();
  EXPECT_EQ(
      "# HELP t_total Help with\\nnewline.\n"
      "# TYPE t_total counter\n"
      "t_total{site=\"say \\\"hi\\\"\\\\\\n\"} 1\n",
      r.Render());
}

TEST(MetricsTest, FormatsValues) {
  EXPECT_EQ("0", FormatValue(0));
  EXPECT_EQ("42", FormatValue(42));
  EXPECT_EQ("-3", FormatValue(-3));
  EXPECT_EQ("0.25", FormatValue(0.25));
  EXPECT_EQ("0.0001", FormatValue(0.0001));
  EXPECT_EQ("+Inf", FormatValue(std::numeric_limits<double>::infinity()));
  EXPECT_EQ("-Inf", FormatValue(-std::numeric_limits<double>::infinity()));
  EXPECT_EQ("NaN", FormatValue(std::nan("")));
}

TEST(MetricsTest, HistogramBucketsAreCumulativeAndCountMatchesInf) {
  Registry r;
  auto& h = r.Add<HistogramFamily>("h", "H.", std::vector<double>{1, 2, 3});
  for (double v : {0.5, 1.5, 1.5, 2.5, 2.5, 2.5, 9.0}) h.With().Observe(v);
  EXPECT_EQ(
      "# HELP h H.\n"
      "# TYPE h histogram\n"
      "h_bucket{le=\"1\"} 1\n"
      "h_bucket{le=\"2\"} 3\n"
      "h_bucket{le=\"3\"} 6\n"
      "h_bucket{le=\"+Inf\"} 7\n"
      "h_sum 20\n"
      "h_count 7\n",
      r.Render());
}

TEST(MetricsTest, CappedLabelGoesToOtherOnceFull) {
  Registry r;
  auto& f = r.Add<CounterFamily>("v_total", "V.",
                                 std::vector<Label>{{"action", 0}, {"site", 2}});
  f.With({"accept", "a.example"}).Inc();
  f.With({"reject", "b.example"}).Inc();
  f.With({"accept", "c.example"}).Inc();  // third site: "other"
  f.With({"hold", "d.example"}).Inc(2);   // "other" too
  f.With({"accept", "a.example"}).Inc();  // known sites keep their own series
  f.With({"accept", "e.example"}).Inc();  // other, accept
  EXPECT_EQ(
      "# HELP v_total V.\n"
      "# TYPE v_total counter\n"
      "v_total{action=\"accept\",site=\"a.example\"} 2\n"
      "v_total{action=\"accept\",site=\"other\"} 2\n"
      "v_total{action=\"hold\",site=\"other\"} 2\n"
      "v_total{action=\"reject\",site=\"b.example\"} 1\n",
      r.Render());
}

TEST(MetricsTest, ClearRemovesSeriesAndFreesTheCap) {
  Registry r;
  auto& g = r.Add<GaugeFamily>("g", "G.", std::vector<Label>{{"site", 1}});
  g.With({"a"}).Set(3);
  g.Clear();
  g.With({"b"}).Set(4);
  EXPECT_EQ("# HELP g G.\n# TYPE g gauge\ng{site=\"b\"} 4\n", r.Render());
}

TEST(MetricsTest, ConcurrentIncrementsAreAllCounted) {
  Registry r;
  auto& f = r.Add<CounterFamily>("c_total", "C.", std::vector<Label>{{"k", 0}});
  auto& h = r.Add<HistogramFamily>("d", "D.", std::vector<double>{1});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10000; ++i) {
        f.With({i % 2 ? "odd" : "even"}).Inc();
        h.With().Observe(t);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(20000u, f.With({"odd"}).value());
  EXPECT_EQ(20000u, f.With({"even"}).value());
  EXPECT_EQ(40000u, h.With().count());
  EXPECT_EQ(20000u, h.With().bucket(0));  // t = 0 and t = 1 are <= 1
}

TEST(MetricsTest, DaemonMetricsHaveTheDocumentedFamilies) {
  // A registry of its own: the process-wide one (Metrics()) has counted
  // whatever other tests in this binary did.
  DaemonMetrics m;
  std::string text = m.registry.Render();
  for (const char* line : {
           "# TYPE moderated_http_requests_total counter\n",
           "# TYPE moderated_http_request_duration_seconds histogram\n",
           "# TYPE moderated_verdicts_total counter\n",
           "# TYPE moderated_rule_hits_total counter\n",
           "# TYPE moderated_classifier_duration_seconds histogram\n",
           "# TYPE moderated_engine_duration_seconds histogram\n",
           "# TYPE moderated_review_queue_depth gauge\n",
           "# TYPE moderated_writer_queue_depth gauge\n",
           "# TYPE moderated_writer_batch_size histogram\n",
           "# TYPE moderated_writer_commit_duration_seconds histogram\n",
           "# TYPE moderated_writer_commits_total counter\n",
           "# TYPE moderated_writer_failures_total counter\n",
           "# TYPE moderated_checkpoint_duration_seconds histogram\n",
           // Series that exist from the start (their values depend on what
           // other tests in this process did, so only their presence counts).
           "moderated_checkpoint_duration_seconds_count{mode=\"restart\"} ",
           "# TYPE moderated_wal_frames gauge\n",
           "# TYPE moderated_reloads_total counter\n",
           "moderated_reloads_total{result=\"error\"} ",
           "# TYPE moderated_connections gauge\n",
           "# TYPE moderated_connections_refused_total counter\n",
           "# TYPE moderated_connections_shed_total counter\n",
           "# TYPE moderated_requests_shed_total counter\n",
           "# TYPE moderated_event_loop_lag_seconds gauge\n",
           "# TYPE moderated_build_info gauge\n",
           "# TYPE moderated_retention_purged_total counter\n",
           "# TYPE moderated_spamc_requests_total counter\n",
           "moderated_spamc_verdicts_total{result=\"repeat\"} 0\n",
           "moderated_webhook_deliveries_total 0\n",
           "moderated_webhook_failures_total{final=\"true\"} 0\n",
           "moderated_webhook_outbox_depth{state=\"pending\"} 0\n",
           "# TYPE moderated_decisions_total counter\n",
           "# TYPE process_cpu_seconds_total counter\n",
           "# TYPE process_resident_memory_bytes gauge\n",
           "# TYPE process_virtual_memory_bytes gauge\n",
           "# TYPE process_open_fds gauge\n",
           "# TYPE process_max_fds gauge\n",
           "# TYPE process_start_time_seconds gauge\n",
       }) {
    EXPECT_NE(std::string::npos, text.find(line)) << line;
  }
  UpdateProcessMetrics(m);
  EXPECT_GT(m.process_resident_memory.With().value(), 0);
  EXPECT_GE(m.process_virtual_memory.With().value(), m.process_resident_memory.With().value());
  EXPECT_GT(m.process_open_fds.With().value(), 2);
  EXPECT_GE(m.process_max_fds.With().value(), m.process_open_fds.With().value());
  EXPECT_GT(m.process_start_time.With().value(), 1.6e9);
  EXPECT_GE(m.process_cpu_seconds.With().value(), 0);
}

TEST(MetricsTest, SiteLabelKeepsOnlyKnownSites) {
  EXPECT_EQ("blog.example", SiteLabel("blog.example", true));
  EXPECT_EQ("unregistered", SiteLabel("made-up-1.example", false));
}

TEST(PrivacyTest, HashesIpsWithTheKeyOnlyWhenEnabled) {
  // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
  EXPECT_EQ("hmac-sha256:5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
            HashIp("Jefe", "what do ya want for nothing?"));
  PrivacyConfig p;
  p.ip_hash_key = "k";
  EXPECT_EQ("203.0.113.7", StoredIp(p, "203.0.113.7"));  // hash_ips off
  p.hash_ips = true;
  EXPECT_EQ(HashIp("k", "203.0.113.7"), StoredIp(p, "203.0.113.7"));
  EXPECT_EQ("", StoredIp(p, ""));
  EXPECT_EQ("973dfe463ec85785f5f95af5ba3906eedb2d931c24e69824a89ea65dba4e813b",
            EmailHash(" Test@Example.com"));  // sha256("test@example.com")
}

TEST(PrivacyTest, KeyFileIsCreatedOnceWithMode0600) {
  testing::TempDir dir;
  const std::string path = dir.File("ip-hash.key");
  std::string key1, key2, error;
  ASSERT_TRUE(LoadOrCreateIpHashKey(path, &key1, &error)) << error;
  ASSERT_TRUE(LoadOrCreateIpHashKey(path, &key2, &error)) << error;
  EXPECT_EQ(32u, key1.size());
  EXPECT_EQ(key1, key2);
  struct stat st {};
  ASSERT_EQ(0, ::stat(path.c_str(), &st));
  EXPECT_EQ(0600u, st.st_mode & 0777);
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
  // A damaged key is an error, not silently replaced (old hashes would no
  // longer match).
  { std::ofstream(path, std::ios::trunc) << "short"; }
  EXPECT_FALSE(LoadOrCreateIpHashKey(path, &key2, &error));
  EXPECT_EQ(path + ": expected exactly 32 bytes", error);
}

}  // namespace
}  // namespace moderated::metrics

#include "daemon/core/config.h"

#include <gtest/gtest.h>

#include <fstream>  // ShippedConfig tests
#include <regex>
#include <set>
#include <sstream>

namespace moderated {
namespace {

TEST(ConfigTest, DefaultsAreDocumentedValues) {
  Config c;
  c.Resolve();
  EXPECT_EQ("127.0.0.1:8080", c.listen);
  EXPECT_EQ("./var/moderated.db", c.database);
  EXPECT_EQ(64u * 1024, c.limits.max_body_bytes);
  EXPECT_EQ(1000u, c.limits.max_batch_comments);
}

TEST(ConfigTest, ReadsEveryKindOfSetting) {
  Config c;
  std::vector<std::string> errors;
  ASSERT_TRUE(LoadConfigText(R"(listen: "[::1]:9000"
socket: ""
data_dir: /srv/moderated
threads: 3
limits:
  max_body_bytes: 2048
  idle_timeout_ms: 500
writer:
  max_batch: 64
  synchronous_full: true
  checkpoint_pages: 4000
classifier:
  spam_weight: 4.5
)",
                             "m.yaml", &c, &errors))
      << errors[0];
  c.Resolve();
  EXPECT_EQ("[::1]:9000", c.listen);
  EXPECT_EQ("", c.socket);  // explicitly disabled
  EXPECT_EQ("/srv/moderated/moderated.db", c.database);
  EXPECT_EQ(3u, c.threads);
  EXPECT_EQ(2048u, c.limits.max_body_bytes);
  EXPECT_EQ(500u, c.limits.idle_timeout_ms);
  EXPECT_EQ(64u, c.writer.max_batch);
  EXPECT_TRUE(c.writer.synchronous_full);
  EXPECT_EQ(4000u, c.writer.checkpoint_pages);
  EXPECT_EQ(4.5, c.classifier.spam_weight);
}

TEST(ConfigTest, WebDirDefaultsToEmbeddedAndCanBeSet) {
  Config c;
  EXPECT_EQ("", c.web_dir);  // the console files compiled into the binary
  std::vector<std::string> errors;
  ASSERT_TRUE(LoadConfigText("web_dir: /srv/moderated/web\n", "m.yaml", &c, &errors));
  EXPECT_EQ("/srv/moderated/web", c.web_dir);
  ASSERT_TRUE(LoadConfigText("web_dir: null\n", "m.yaml", &c, &errors));
  EXPECT_EQ("", c.web_dir);
  EXPECT_TRUE(errors.empty());
}

TEST(ConfigTest, ErrorsNameFileLineAndColumn) {
  Config c;
  std::vector<std::string> errors;
  EXPECT_FALSE(LoadConfigText("listen: a:1\nlimts:\n  x: 1\nlimits:\n  max_body_bytes: -5\n"
                              "  read_timeout_ms: lots\nwriter:\n  synchronous_full: maybe\n",
                              "m.yaml", &c, &errors));
  std::vector<std::string> expected = {
      "m.yaml:2:1: unknown setting 'limts'",
      "m.yaml:5:19: limits.max_body_bytes: expected a non-negative integer, got '-5'",
      "m.yaml:6:20: limits.read_timeout_ms: expected a non-negative integer, got 'lots'",
      "m.yaml:8:21: writer.synchronous_full: expected true or false, got 'maybe'",
  };
  EXPECT_EQ(expected, errors);
}

TEST(ConfigTest, SyntaxErrorHasPosition) {
  Config c;
  std::vector<std::string> errors;
  EXPECT_FALSE(LoadConfigText("limits: {max_body_bytes: 1\n", "m.yaml", &c, &errors));
  ASSERT_EQ(1u, errors.size());
  EXPECT_EQ(0u, errors[0].find("m.yaml:2:1: ")) << errors[0];
}

TEST(ConfigTest, WebhooksSectionHasDefaultsAndIsChecked) {
  Config c;
  EXPECT_EQ(500u, c.webhooks.poll_interval_ms);
  EXPECT_EQ(4u, c.webhooks.max_concurrency);
  EXPECT_EQ(1000u, c.webhooks.initial_backoff_ms);
  EXPECT_EQ(600000u, c.webhooks.max_backoff_ms);
  EXPECT_EQ(20u, c.webhooks.max_attempts);
  EXPECT_EQ("", c.webhooks.ca_file);
  std::vector<std::string> errors;
  ASSERT_TRUE(LoadConfigText(R"(webhooks:
  poll_interval_ms: 50
  max_concurrency: 2
  connect_timeout_ms: 300
  response_timeout_ms: 400
  initial_backoff_ms: 50
  max_backoff_ms: 200
  max_attempts: 7
  ca_file: /etc/moderated/ca.pem
)",
                             "m.yaml", &c, &errors));
  EXPECT_EQ(50u, c.webhooks.poll_interval_ms);
  EXPECT_EQ(2u, c.webhooks.max_concurrency);
  EXPECT_EQ(300u, c.webhooks.connect_timeout_ms);
  EXPECT_EQ(400u, c.webhooks.response_timeout_ms);
  EXPECT_EQ(50u, c.webhooks.initial_backoff_ms);
  EXPECT_EQ(200u, c.webhooks.max_backoff_ms);
  EXPECT_EQ(7u, c.webhooks.max_attempts);
  EXPECT_EQ("/etc/moderated/ca.pem", c.webhooks.ca_file);

  Config bad;
  EXPECT_FALSE(LoadConfigText("webhooks: {max_attempts: 0, retries: 3}\n", "m.yaml", &bad,
                              &errors));
  EXPECT_EQ((std::vector<std::string>{
                "m.yaml:1:29: unknown setting 'webhooks.retries'",
                "m.yaml: webhooks.poll_interval_ms, max_concurrency and max_attempts must be > 0"}),
            errors);
}

TEST(ConfigTest, SpamcSectionIsOffByDefaultAndCanBeSet) {
  Config c;
  EXPECT_EQ("", c.spamc.listen);
  EXPECT_EQ("", c.spamc.socket);
  EXPECT_EQ("spamc", c.spamc.site);
  EXPECT_EQ(512u * 1024u, c.spamc.max_message_bytes);
  std::vector<std::string> errors;
  ASSERT_TRUE(LoadConfigText(
      "spamc: {listen: '127.0.0.1:783', socket: /run/moderated/spamd.sock, site: mail.example, "
      "max_message_bytes: 1000}\n",
      "m.yaml", &c, &errors));
  EXPECT_EQ("127.0.0.1:783", c.spamc.listen);
  EXPECT_EQ("/run/moderated/spamd.sock", c.spamc.socket);
  EXPECT_EQ("mail.example", c.spamc.site);
  EXPECT_EQ(1000u, c.spamc.max_message_bytes);
  EXPECT_FALSE(LoadConfigText("spamc: {port: 783}\n", "m.yaml", &c, &errors));
  EXPECT_EQ(std::vector<std::string>{"m.yaml:1:9: unknown setting 'spamc.port'"}, errors);
}

TEST(ConfigTest, MetricsRetentionAndPrivacySections) {
  Config d;
  EXPECT_TRUE(d.metrics.public_local);
  EXPECT_EQ(0u, d.retention.days);
  EXPECT_EQ(3600u, d.retention.interval_s);
  EXPECT_EQ(1000u, d.retention.chunk_rows);
  EXPECT_FALSE(d.privacy.hash_ips);

  Config c;
  std::vector<std::string> errors;
  ASSERT_TRUE(LoadConfigText("metrics:\n  public: false\nretention:\n  days: 90\n"
                             "  interval_s: 60\n  chunk_rows: 10\nprivacy:\n  hash_ips: yes\n",
                             "m.yaml", &c, &errors))
      << errors[0];
  EXPECT_FALSE(c.metrics.public_local);
  EXPECT_EQ(90u, c.retention.days);
  EXPECT_EQ(60u, c.retention.interval_s);
  EXPECT_EQ(10u, c.retention.chunk_rows);
  EXPECT_TRUE(c.privacy.hash_ips);
  EXPECT_EQ("", c.privacy.ip_hash_key);  // never from YAML

  EXPECT_FALSE(LoadConfigText("retention:\n  days: -1\nprivacy: {hash_ips: maybe, key: x}\n",
                              "m.yaml", &c, &errors));
  EXPECT_EQ((std::vector<std::string>{
                "m.yaml:2:9: retention.days: expected a non-negative integer, got '-1'",
                "m.yaml:3:21: privacy.hash_ips: expected true or false, got 'maybe'",
                "m.yaml:3:28: unknown setting 'privacy.key'"}),
            errors);
  errors.clear();
  EXPECT_FALSE(LoadConfigText("retention: {chunk_rows: 0}\n", "m.yaml", &c, &errors));
  EXPECT_EQ((std::vector<std::string>{
                "m.yaml: retention.interval_s and retention.chunk_rows must be > 0"}),
            errors);
}

TEST(ConfigTest, ReviewSectionDefaultsAndLimits) {
  Config c;
  EXPECT_EQ(10u, c.review.claim_minutes);
  EXPECT_EQ(600u, c.review.undo_window_seconds);
  EXPECT_EQ(500u, c.review.max_bulk_ids);
  std::vector<std::string> errors;
  ASSERT_TRUE(LoadConfigText("review:\n  claim_minutes: 30\n  undo_window_seconds: 60\n",
                             "m.yaml", &c, &errors));
  EXPECT_EQ(30u, c.review.claim_minutes);
  EXPECT_EQ(60u, c.review.undo_window_seconds);
  EXPECT_FALSE(LoadConfigText("review:\n  claim_minutes: 121\n  undo: 1\n", "m.yaml", &c,
                              &errors));
  EXPECT_EQ((std::vector<std::string>{
                "m.yaml:2:18: review.claim_minutes: value 121 is larger than the maximum 120",
                "m.yaml:3:3: unknown setting 'review.undo'"}),
            errors);
}

TEST(ConfigTest, PostgresSectionAndPasswordFile) {
  Config c;
  c.Resolve();
  EXPECT_EQ("", c.postgres.password_file);
  EXPECT_EQ(30'000u, c.postgres.statement_timeout_ms);
  EXPECT_EQ(1000u, c.postgres.recheck_ms);

  Config pg;
  std::vector<std::string> errors;
  ASSERT_TRUE(LoadConfigText(R"(database: postgresql://moderated@db.example/moderated?sslmode=require
postgres:
  password_file: /etc/moderated/pgpass
  statement_timeout_ms: 5000
  recheck_ms: 250
)",
                             "m.yaml", &pg, &errors))
      << errors[0];
  pg.Resolve();
  // libpq reads the password from the file; the URL never holds it.
  EXPECT_EQ("postgresql://moderated@db.example/moderated?sslmode=require"
            "&passfile=/etc/moderated/pgpass",
            pg.database);
  EXPECT_EQ(5000u, pg.postgres.statement_timeout_ms);
  EXPECT_EQ(250u, pg.postgres.recheck_ms);

  // A SQLite file is left alone.
  Config file;
  file.postgres.password_file = "/etc/moderated/pgpass";
  file.database = "sqlite:///var/lib/moderated/moderated.db";
  file.Resolve();
  EXPECT_EQ("sqlite:///var/lib/moderated/moderated.db", file.database);

  Config bad;
  errors.clear();
  EXPECT_FALSE(LoadConfigText("postgres:\n  recheck_ms: 60001\n  sslmode: x\n", "m.yaml", &bad,
                              &errors));
  ASSERT_EQ(2u, errors.size());
  EXPECT_EQ("m.yaml:2:15: postgres.recheck_ms: value 60001 is larger than the maximum 60000",
            errors[0]);
  EXPECT_EQ("m.yaml:3:3: unknown setting 'postgres.sslmode'", errors[1]);
}

TEST(ConfigTest, VelocitySection) {
  Config c;
  EXPECT_EQ(600u, c.velocity.window_seconds);
  EXPECT_EQ(100'000u, c.velocity.max_keys);
  std::vector<std::string> errors;
  ASSERT_TRUE(LoadConfigText("velocity:\n  window_seconds: 120\n  max_keys: 5000\n", "m.yaml",
                             &c, &errors));
  EXPECT_EQ(120u, c.velocity.window_seconds);
  EXPECT_EQ(5000u, c.velocity.max_keys);
  EXPECT_FALSE(LoadConfigText("velocity:\n  window_seconds: 0\n  max_key: 1\n", "m.yaml", &c,
                              &errors));
  EXPECT_EQ((std::vector<std::string>{"m.yaml:3:3: unknown setting 'velocity.max_key'",
                                      "m.yaml: velocity.window_seconds must be > 0"}),
            errors);
}

TEST(ConfigTest, MissingFile) {
  Config c;
  std::vector<std::string> errors;
  EXPECT_FALSE(LoadConfigFile("/nonexistent/m.yaml", &c, &errors));
  EXPECT_EQ(std::vector<std::string>{"/nonexistent/m.yaml: cannot open config file"}, errors);
}

// ---- systemd/moderated.yaml, shipped as /etc/moderated/moderated.yaml ----
// Every setting appears there commented out with its default ("#key: value",
// "#  key: value" inside a section); settings with a computed default appear
// as an example ("# key: value"). When you add a setting: add it to that file,
// to docs/configuration.md and to RenderConfig() below.

std::string ReadSourceFile(const std::string& relative) {
  std::ifstream in(std::string(MODERATED_SOURCE_DIR) + "/" + relative);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Every field that LoadConfigText can set, one per line.
std::string RenderConfig(const Config& c) {
  std::ostringstream o;
  o << "listen=" << c.listen << "\nsocket=" << c.socket << " set=" << c.socket_set
    << "\ndata_dir=" << c.data_dir << "\ndatabase=" << c.database << "\nrules=" << c.rules
    << "\nmodel=" << c.model << "\nthreads=" << c.threads << "\nlog_level=" << c.log_level
    << "\nweb_dir=" << c.web_dir << "\nshutdown_timeout_ms=" << c.shutdown_timeout_ms;
  const Limits& l = c.limits;
  o << "\nlimits=" << l.max_header_bytes << "," << l.max_body_bytes << ","
    << l.max_batch_body_bytes << "," << l.max_batch_comments << "," << l.max_meta_bytes << ","
    << l.read_timeout_ms << "," << l.idle_timeout_ms << "," << l.max_connections;
  const WriterConfig& w = c.writer;
  o << "\nwriter=" << w.max_queue << "," << w.max_batch << "," << w.retry_limit << ","
    << w.synchronous_full << "," << w.checkpoint_pages;
  o << "\nclassifier=" << c.classifier.spam_weight << "," << c.classifier.abuse_weight;
  o << "\nspamc=" << c.spamc.listen << "," << c.spamc.socket << "," << c.spamc.site << ","
    << c.spamc.max_message_bytes;
  o << "\nvelocity=" << c.velocity.window_seconds << "," << c.velocity.max_keys;
  const WebhooksConfig& h = c.webhooks;
  o << "\nwebhooks=" << h.poll_interval_ms << "," << h.max_concurrency << ","
    << h.connect_timeout_ms << "," << h.response_timeout_ms << "," << h.initial_backoff_ms << ","
    << h.max_backoff_ms << "," << h.max_attempts << "," << h.ca_file;
  o << "\nmetrics=" << c.metrics.public_local;
  o << "\nretention=" << c.retention.days << "," << c.retention.interval_s << ","
    << c.retention.chunk_rows;
  o << "\nprivacy=" << c.privacy.hash_ips;
  o << "\nreview=" << c.review.claim_minutes << "," << c.review.undo_window_seconds << ","
    << c.review.max_bulk_ids << "," << c.review.max_page << "\n";
  return o.str();
}

// "#key: v" -> "key: v", "#  key: v" -> "  key: v"; other lines unchanged.
std::string UncommentSettings(const std::string& text) {
  static const std::regex kSetting(R"(^#((?:  )?[a-z_]+:.*)$)");
  std::istringstream in(text);
  std::string line, out;
  while (std::getline(in, line)) {
    std::smatch m;
    out += std::regex_match(line, m, kSetting) ? m[1].str() : line;
    out += "\n";
  }
  return out;
}

// Dotted names of every setting shown in the file, with a default or an example.
std::set<std::string> ShownSettings(const std::string& text) {
  static const std::regex kTop(R"(^# ?([a-z_]+):.*$)");
  static const std::regex kNested(R"(^#  ([a-z_]+):.*$)");
  std::set<std::string> keys;
  std::string section;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    std::smatch m;
    if (std::regex_match(line, m, kNested)) {
      keys.insert(section + "." + m[1].str());
    } else if (std::regex_match(line, m, kTop)) {
      // "#limits:" opens a section; "#listen: ..." is a setting.
      bool opens_section = line.back() == ':';
      if (opens_section) section = m[1].str();
      else keys.insert(m[1].str());
    }
  }
  return keys;
}

TEST(ShippedConfigTest, LoadsAsIsAndEqualsTheDefaults) {
  Config defaults, loaded;
  std::vector<std::string> errors;
  ASSERT_TRUE(LoadConfigFile(std::string(MODERATED_SOURCE_DIR) + "/systemd/moderated.yaml",
                             &loaded, &errors))
      << errors[0];
  EXPECT_EQ(RenderConfig(defaults), RenderConfig(loaded));
}

TEST(ShippedConfigTest, EveryShownDefaultIsTheRealDefault) {
  std::string text = UncommentSettings(ReadSourceFile("systemd/moderated.yaml"));
  Config defaults, loaded;
  std::vector<std::string> errors;
  ASSERT_TRUE(LoadConfigText(text, "moderated.yaml (uncommented)", &loaded, &errors))
      << errors[0] << "\n" << text;
  EXPECT_EQ(RenderConfig(defaults), RenderConfig(loaded));
}

TEST(ShippedConfigTest, ShowsExactlyTheSettingsDocumentedInConfigurationMd) {
  std::set<std::string> shown = ShownSettings(ReadSourceFile("systemd/moderated.yaml"));
  std::set<std::string> documented;
  static const std::regex kRow(R"(^\| `([a-z_][a-z_.]*)` \|)");
  std::istringstream in(ReadSourceFile("docs/configuration.md"));
  std::string line;
  while (std::getline(in, line)) {
    std::smatch m;
    if (std::regex_search(line, m, kRow)) documented.insert(m[1].str());
  }
  for (const auto& key : documented) {
    EXPECT_TRUE(shown.count(key)) << "docs/configuration.md documents `" << key
                                  << "` but systemd/moderated.yaml does not show it";
  }
  for (const auto& key : shown) {
    EXPECT_TRUE(documented.count(key)) << "systemd/moderated.yaml shows `" << key
                                       << "` but docs/configuration.md has no table row for it";
  }
  EXPECT_TRUE(shown.count("limits.max_body_bytes"));  // the parser itself works
}

TEST(ConfigTest, PerSiteClassifierWeightsAndTrainingDataDir) {
  Config c;
  std::vector<std::string> errors;
  ASSERT_TRUE(LoadConfigText(
      "classifier:\n  abuse_weight: 0.5\n  sites:\n    news.example: {abuse_weight: 0}\n"
      "    forum.example: {spam_weight: 2}\ntraining: {data_dir: ../shared/data}\n",
      "c.yaml", &c, &errors))
      << errors.front();
  EXPECT_EQ(0.0, c.classifier.For("news.example").abuse_weight);
  EXPECT_EQ(1.0, c.classifier.For("news.example").spam_weight);
  EXPECT_EQ(2.0, c.classifier.For("forum.example").spam_weight);
  EXPECT_EQ(0.5, c.classifier.For("forum.example").abuse_weight);
  EXPECT_EQ(0.5, c.classifier.For("other.example").abuse_weight);
  EXPECT_EQ("../shared/data", c.training.data_dir);
  EXPECT_EQ("/usr/share/moderated/corpora", Config().training.data_dir);

  Config bad;
  errors.clear();
  EXPECT_FALSE(LoadConfigText(
      "classifier:\n  sites:\n    a.example: {floor: 0.7, spam_weight: -1}\n", "b.yaml", &bad,
      &errors));
  ASSERT_EQ(2u, errors.size());
  EXPECT_EQ("b.yaml:3:17: unknown setting 'classifier.sites.a.example.floor'", errors[0]);
  EXPECT_EQ("b.yaml:3:16: classifier.sites.a.example.spam_weight must be >= 0", errors[1]);
  errors.clear();
  EXPECT_FALSE(LoadConfigText("classifier: {abuse_weight: -2}\n", "n.yaml", &bad, &errors));
  EXPECT_EQ(std::vector<std::string>{"n.yaml: classifier weights must be >= 0"}, errors);
}

}  // namespace
}  // namespace moderated

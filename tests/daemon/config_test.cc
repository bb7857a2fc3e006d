#include "daemon/config.h"

#include <gtest/gtest.h>

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
  EXPECT_EQ(4.5, c.classifier.spam_weight);
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

TEST(ConfigTest, MissingFile) {
  Config c;
  std::vector<std::string> errors;
  EXPECT_FALSE(LoadConfigFile("/nonexistent/m.yaml", &c, &errors));
  EXPECT_EQ(std::vector<std::string>{"/nonexistent/m.yaml: cannot open config file"}, errors);
}

}  // namespace
}  // namespace moderated

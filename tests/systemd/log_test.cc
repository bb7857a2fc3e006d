// daemon/core/log.h: the line format and the journald fields.
#include "daemon/core/log.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "tests/testing/temp_dir.h"

namespace moderated {
namespace {

TEST(LogTest, FormatsOneLineWithQuotedValues) {
  EXPECT_EQ("event=listening transport=tcp addr=127.0.0.1:8080",
            FormatLogFields("listening", {{"transport", "tcp"}, {"addr", "127.0.0.1:8080"}}));
  EXPECT_EQ(R"(event=reload_failed error="rules.yaml:5:20: unknown field 'bdy'" empty="")",
            FormatLogFields("reload_failed",
                            {{"error", "rules.yaml:5:20: unknown field 'bdy'"}, {"empty", ""}}));
  // Control characters never split an event over two lines.
  EXPECT_EQ(R"(event=x what="a\nb\tc\x01 \"q\" \\")",
            FormatLogFields("x", {{"what", "a\nb\tc\x01 \"q\" \\"}}));
}

TEST(LogTest, JournalFieldsCarryPriorityEventAndUpperCasedKeys) {
  std::vector<std::string> expected = {
      "MESSAGE=event=listening transport=unix path=/run/moderated/moderated.sock",
      "PRIORITY=6",
      "SYSLOG_IDENTIFIER=moderated",
      "EVENT=listening",
      "TRANSPORT=unix",
      "PATH=/run/moderated/moderated.sock",
  };
  EXPECT_EQ(expected, JournalFields(LogLevel::kInfo, "listening",
                                    {{"transport", "unix"},
                                     {"path", "/run/moderated/moderated.sock"}}));
  EXPECT_EQ("PRIORITY=7", JournalFields(LogLevel::kDebug, "e")[1]);
  EXPECT_EQ("PRIORITY=4", JournalFields(LogLevel::kWarn, "e")[1]);
  EXPECT_EQ("PRIORITY=3", JournalFields(LogLevel::kError, "e")[1]);
}

TEST(LogTest, JournalFieldNamesNeverClashWithTheJournalsOwn) {
  // Values go to the journal unescaped: it stores them as they are.
  std::vector<std::string> expected = {
      "MESSAGE=event=e message=\"a b\" priority=1 fd-name=http 9lives=x _x=y error=z",
      "PRIORITY=3",
      "SYSLOG_IDENTIFIER=moderated",
      "EVENT=e",
      "M_MESSAGE=a b",
      "M_PRIORITY=1",
      "FD_NAME=http",
      "M_9LIVES=x",
      "M__X=y",
      "ERROR=z",
  };
  EXPECT_EQ(expected, JournalFields(LogLevel::kError, "e",
                                    {{"message", "a b"},
                                     {"priority", "1"},
                                     {"fd-name", "http"},
                                     {"9lives", "x"},
                                     {"_x", "y"},
                                     {"error", "z"}}));
}

TEST(LogTest, JournalStreamMustNameTheFileOnTheDescriptor) {
  testing::TempDir dir;
  int fd = ::open(dir.File("stream").c_str(), O_WRONLY | O_CREAT, 0600);
  ASSERT_GE(fd, 0);
  struct stat st;
  ASSERT_EQ(0, ::fstat(fd, &st));
  std::string id = std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino);
  EXPECT_TRUE(StreamIsJournal(id.c_str(), fd));
  std::string other = std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino + 1);
  EXPECT_FALSE(StreamIsJournal(other.c_str(), fd));
  EXPECT_FALSE(StreamIsJournal(nullptr, fd));
  EXPECT_FALSE(StreamIsJournal("", fd));
  EXPECT_FALSE(StreamIsJournal((id + "x").c_str(), fd));
  EXPECT_FALSE(StreamIsJournal(std::to_string(st.st_ino).c_str(), fd));
  ::close(fd);
  EXPECT_FALSE(StreamIsJournal(id.c_str(), fd));  // closed descriptor
}

}  // namespace
}  // namespace moderated

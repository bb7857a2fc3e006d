// End-to-end: `moderated token` on a fresh checkout, where nothing has made
// the data directory yet (README, "Try it": tokens come before the daemon).
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>
#include <string>

#include "tests/testing/daemon_process.h"
#include "tests/testing/temp_dir.h"

namespace moderated {
namespace {

using testing::RunCommand;
using testing::TempDir;

TEST(TokenCliE2ETest, CreateMakesTheDataDirectoryBeforeTheDaemonEverRan) {
  TempDir dir;
  const std::string data = dir.File("var");  // does not exist yet, like ./var on a clone
  ASSERT_FALSE(std::filesystem::exists(data));
  int code = -1;
  const std::string token = RunCommand(std::string(MODERATED_BINARY) +
                                           " token create --role admin --name ops --data-dir " +
                                           data + " 2>/dev/null",
                                       &code);
  EXPECT_EQ(0, code);
  EXPECT_TRUE(std::regex_match(token, std::regex("mdr_[A-Za-z0-9_-]+\n"))) << token;
  EXPECT_TRUE(std::filesystem::exists(data + "/moderated.db"));
  // list and revoke do not make a database where there is none.
  const std::string other = dir.File("elsewhere");
  RunCommand(std::string(MODERATED_BINARY) + " token list --data-dir " + other + " 2>/dev/null",
             &code);
  EXPECT_EQ(1, code);
  EXPECT_FALSE(std::filesystem::exists(other));
}

}  // namespace
}  // namespace moderated

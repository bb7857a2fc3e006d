// tests/base/files_test.cc
#include "base/files.h"

#include <gtest/gtest.h>

#include <fstream>

#include "tests/testing/temp_dir.h"

namespace moderated::base {
namespace {

TEST(FilesTest, ReadsWholeFilesWithNulBytes) {
  testing::TempDir dir;
  const std::string path = dir.File("f.bin");
  std::ofstream(path, std::ios::binary) << std::string("a\0b\n", 4);
  std::string text, error;
  ASSERT_TRUE(ReadFile(path, &text, &error)) << error;
  EXPECT_EQ(std::string("a\0b\n", 4), text);
}

TEST(FilesTest, AMissingFileNamesItselfAndTheReason) {
  std::string text, error;
  EXPECT_FALSE(ReadFile("/nonexistent/x.yaml", &text, &error));
  EXPECT_EQ("/nonexistent/x.yaml: cannot open: No such file or directory", error);
}

TEST(FilesTest, DirOf) {
  EXPECT_EQ("rules", DirOf("rules/a.yaml"));
  EXPECT_EQ(".", DirOf("a.yaml"));
  EXPECT_EQ("/etc/moderated", DirOf("/etc/moderated/rules.yaml"));
}

}  // namespace
}  // namespace moderated::base

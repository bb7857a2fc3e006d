// tests/base/progress_test.cc
#include "base/progress.h"

#include <gtest/gtest.h>

#include <cstdio>

namespace moderated::base {
namespace {

// A file is not a terminal: scripts and logs get nothing.
TEST(ProgressTest, SilentWhenTheStreamIsNotATerminal) {
  std::FILE* file = std::tmpfile();
  ASSERT_NE(nullptr, file);
  Progress progress(file);
  EXPECT_FALSE(progress.enabled());
  progress.Line("read 10 examples");
  progress.Bar("backtest", 5, 10);
  progress.EndBar();
  EXPECT_EQ(0, std::ftell(file));
  EXPECT_GE(progress.Seconds(), 0.0);
  std::fclose(file);
}

}  // namespace
}  // namespace moderated::base

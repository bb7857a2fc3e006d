// tests/storage/json_text_test.cc
#include "storage/json_text.h"

#include <gtest/gtest.h>

namespace moderated::storage {
namespace {

TEST(JsonTextTest, StringsAreQuotedAndEscaped) {
  EXPECT_EQ(R"("news.example")", JsonString("news.example"));
  EXPECT_EQ(R"("a\"b\\c")", JsonString("a\"b\\c"));
  EXPECT_EQ(R"("tab\u0009nl\u000a")", JsonString("tab\tnl\n"));
  EXPECT_EQ("\"أخبار новости\"", JsonString("أخبار новости"));  // UTF-8 passes through
}

TEST(JsonTextTest, Arrays) {
  EXPECT_EQ("[]", JsonArray({}));
  EXPECT_EQ(R"(["a","b\"c"])", JsonArray({"a", "b\"c"}));
}

}  // namespace
}  // namespace moderated::storage

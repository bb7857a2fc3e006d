// tests/storage/postgres/array_test.cc
#include "storage/postgres/array.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace moderated::storage::internal {
namespace {

TEST(PgArrayTest, TextIsAlwaysQuotedWithQuotesAndBackslashesEscaped) {
  PgArray a;
  a.Text("plain").Text("").Text("NULL").Text("a,b {c}").Text("say \"hi\" \\N").Text("Привет");
  EXPECT_EQ(a.size(), 6u);
  EXPECT_EQ(a.Done(), R"({"plain","","NULL","a,b {c}","say \"hi\" \\N","Привет"})");
}

TEST(PgArrayTest, NumbersReadBackExactly) {
  PgArray ints;
  ints.Int(0).Int(-1).Int(std::numeric_limits<int64_t>::max());
  EXPECT_EQ(ints.Done(), "{0,-1,9223372036854775807}");
  PgArray floats;
  floats.Float(0.1 + 0.2).Float(1e-300).Float(-2.5).Float(std::numeric_limits<double>::infinity())
      .Float(-std::numeric_limits<double>::infinity()).Float(std::nan(""));
  EXPECT_EQ(floats.Done(), "{0.30000000000000004,1e-300,-2.5,Infinity,-Infinity,NaN}");
}

TEST(PgArrayTest, EmptyIsEmptyBraces) { EXPECT_EQ(PgArray().Done(), "{}"); }

}  // namespace
}  // namespace moderated::storage::internal

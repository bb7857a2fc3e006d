// tests/base/flags_test.cc
#include "base/flags.h"

#include <gtest/gtest.h>

#include <initializer_list>

namespace moderated::base {
namespace {

// Holds argv for Parse(): argv[0] is the command name.
class Args {
 public:
  Args(std::initializer_list<const char*> args) {
    storage_.emplace_back("cmd");
    for (const char* a : args) storage_.emplace_back(a);
    for (std::string& s : storage_) argv_.push_back(s.data());
  }
  int argc() const { return static_cast<int>(argv_.size()); }
  char** argv() { return argv_.data(); }

 private:
  std::vector<std::string> storage_;
  std::vector<char*> argv_;
};

struct Parsed {
  std::string name;
  bool name_given = false;
  std::vector<std::string> sites;
  bool dry_run = false;
  int days = 0;
  double fraction = 0;
  std::vector<std::string> positional;
};

FlagParser::Result Parse(Args args, Parsed* p, std::string* error) {
  FlagParser flags("moderated test");
  flags.Value("--name", &p->name, &p->name_given)
      .Values("--site", &p->sites)
      .Switch("--dry-run", &p->dry_run)
      .Int("--days", 1, 36500, &p->days)
      .Number("--fraction", 0.05, 0.9, &p->fraction)
      .Positional(&p->positional);
  return flags.Parse(args.argc(), args.argv(), 1, error);
}

TEST(FlagParserTest, ValuesSwitchesRepeatsAndPositionals) {
  Parsed p;
  std::string error;
  ASSERT_EQ(FlagParser::Result::kOk, Parse({"--name", "a", "--site=x", "--site", "y", "--dry-run",
                                            "--days=30", "--fraction", "0.5", "file", "--name=b"},
                                           &p, &error))
      << error;
  EXPECT_EQ("b", p.name);  // the last one wins
  EXPECT_TRUE(p.name_given);
  EXPECT_EQ((std::vector<std::string>{"x", "y"}), p.sites);
  EXPECT_TRUE(p.dry_run);
  EXPECT_EQ(30, p.days);
  EXPECT_EQ(0.5, p.fraction);
  EXPECT_EQ(std::vector<std::string>{"file"}, p.positional);
}

TEST(FlagParserTest, HelpWinsWhereverItStands) {
  Parsed p;
  std::string error;
  EXPECT_EQ(FlagParser::Result::kHelp, Parse({"--days", "3", "-h"}, &p, &error));
  EXPECT_EQ(FlagParser::Result::kHelp, Parse({"--help", "--bogus"}, &p, &error));
}

TEST(FlagParserTest, MessagesNameTheCommandAndTheFlag) {
  Parsed p;
  std::string error;
  EXPECT_EQ(FlagParser::Result::kError, Parse({"--name"}, &p, &error));
  EXPECT_EQ("moderated test: --name needs a value", error);
  EXPECT_EQ(FlagParser::Result::kError, Parse({"--colour", "red"}, &p, &error));
  EXPECT_EQ("moderated test: unknown option '--colour' (see --help)", error);
  EXPECT_EQ(FlagParser::Result::kError, Parse({"--dry-run=yes"}, &p, &error));
  EXPECT_EQ("moderated test: unknown option '--dry-run=yes' (see --help)", error);
  EXPECT_EQ(FlagParser::Result::kError, Parse({"--days", "0"}, &p, &error));
  EXPECT_EQ("moderated test: --days: expected an integer in [1, 36500], got '0'", error);
  EXPECT_EQ(FlagParser::Result::kError, Parse({"--fraction=1"}, &p, &error));
  EXPECT_EQ("moderated test: --fraction: expected a number in [0.05, 0.9], got '1'", error);
}

TEST(FlagParserTest, PositionalsAreAnErrorUnlessAskedFor) {
  FlagParser flags("moderated test");
  Args args{"stray"};
  std::string error;
  EXPECT_EQ(FlagParser::Result::kError, flags.Parse(args.argc(), args.argv(), 1, &error));
  EXPECT_EQ("moderated test: unexpected argument 'stray' (see --help)", error);
}

}  // namespace
}  // namespace moderated::base

// base/flags.h
//
// FlagParser: the one command-line parser of every `moderated` command. A
// command declares its flags, then parses argv:
//
//   std::string database;
//   bool dry_run = false;
//   base::FlagParser flags("moderated purge");
//   flags.Value("--database", &database).Switch("--dry-run", &dry_run);
//   std::string error;
//   switch (flags.Parse(argc, argv, 1, &error)) { ... }
//
// Values are given as "--name VALUE" or "--name=VALUE"; a value flag given
// twice keeps the last value (Values() keeps all). "--help" and "-h" ask for
// help. Messages name the command: "moderated purge: --days needs a value",
// "moderated purge: unknown option '--x' (see --help)".
//
// Thread-safety: a FlagParser is used by one thread; Parse() only writes
// through the pointers it was given.
#ifndef MODERATED_BASE_FLAGS_H_
#define MODERATED_BASE_FLAGS_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace moderated::base {

class FlagParser {
 public:
  // Checks and stores one value; false + *error (without the flag's name,
  // which Parse() puts in front) if the value is not acceptable.
  using Setter = std::function<bool(const std::string& value, std::string* error)>;

  explicit FlagParser(std::string command);

  // A flag with a value. *given, if not null, becomes true when it is given.
  FlagParser& Value(std::string name, std::string* out, bool* given = nullptr);
  // A repeatable flag: every value, in order.
  FlagParser& Values(std::string name, std::vector<std::string>* out);
  // A flag without a value: sets *out to true.
  FlagParser& Switch(std::string name, bool* out);
  // An integer in [min, max], stored into any integer type.
  template <typename T>
  FlagParser& Int(std::string name, int64_t min, int64_t max, T* out) {
    static_assert(std::is_integral_v<T>);
    return Custom(std::move(name), [min, max, out](const std::string& v, std::string* error) {
      int64_t n = 0;
      if (!ParseIntInRange(v, min, max, &n, error)) return false;
      *out = static_cast<T>(n);
      return true;
    });
  }
  // A number in [min, max].
  FlagParser& Number(std::string name, double min, double max, double* out);
  // A value checked and stored by `set`.
  FlagParser& Custom(std::string name, Setter set);
  // Arguments that are not flags are collected here; without this call they
  // are an error ("unexpected argument 'x'").
  FlagParser& Positional(std::vector<std::string>* out);

  enum class Result { kOk, kHelp, kError };
  // Parses argv[first..argc). kHelp as soon as "--help" or "-h" is seen.
  // kError with *error set to one line that starts with the command.
  Result Parse(int argc, char** argv, int first, std::string* error) const;

  // Parse() for a command: prints `help` to stdout and returns 0 for
  // kHelp, prints the error to stderr and returns 2 (a usage error) for
  // kError, and returns -1 for kOk (go on).
  int ParseForCommand(int argc, char** argv, int first, std::string_view help) const;

  // The message helpers Parse() uses, for checks a command makes itself.
  static bool ParseIntInRange(const std::string& value, int64_t min, int64_t max, int64_t* out,
                              std::string* error);

 private:
  struct Flag {
    std::string name;
    bool takes_value;
    Setter set;
  };
  const Flag* Find(std::string_view name) const;

  std::string command_;
  std::vector<Flag> flags_;
  std::vector<std::string>* positional_ = nullptr;
};

}  // namespace moderated::base

#endif  // MODERATED_BASE_FLAGS_H_

#include "base/flags.h"

#include <charconv>
#include <iostream>

#include "base/strings.h"

namespace moderated::base {
namespace {

// Shortest text that reads back as `v` ("0.05", "1e-06").
std::string FormatBound(double v) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc() ? std::string(buf, end) : std::string();
}

}  // namespace

FlagParser::FlagParser(std::string command) : command_(std::move(command)) {}

FlagParser& FlagParser::Value(std::string name, std::string* out, bool* given) {
  return Custom(std::move(name), [out, given](const std::string& v, std::string*) {
    *out = v;
    if (given != nullptr) *given = true;
    return true;
  });
}

FlagParser& FlagParser::Values(std::string name, std::vector<std::string>* out) {
  return Custom(std::move(name), [out](const std::string& v, std::string*) {
    out->push_back(v);
    return true;
  });
}

FlagParser& FlagParser::Switch(std::string name, bool* out) {
  flags_.push_back({std::move(name), false, [out](const std::string&, std::string*) {
                      *out = true;
                      return true;
                    }});
  return *this;
}

FlagParser& FlagParser::Number(std::string name, double min, double max, double* out) {
  return Custom(std::move(name), [min, max, out](const std::string& v, std::string* error) {
    double d = 0;
    if (!ParseDouble(v, &d) || !(d >= min && d <= max)) {
      *error = "expected a number in [" + FormatBound(min) + ", " + FormatBound(max) + "], got '" +
               v + "'";
      return false;
    }
    *out = d;
    return true;
  });
}

FlagParser& FlagParser::Custom(std::string name, Setter set) {
  flags_.push_back({std::move(name), true, std::move(set)});
  return *this;
}

FlagParser& FlagParser::Positional(std::vector<std::string>* out) {
  positional_ = out;
  return *this;
}

bool FlagParser::ParseIntInRange(const std::string& value, int64_t min, int64_t max, int64_t* out,
                                 std::string* error) {
  int64_t n = 0;
  if (!ParseInt64(value, &n) || n < min || n > max) {
    *error = "expected an integer in [" + std::to_string(min) + ", " + std::to_string(max) +
             "], got '" + value + "'";
    return false;
  }
  *out = n;
  return true;
}

int FlagParser::ParseForCommand(int argc, char** argv, int first, std::string_view help) const {
  std::string error;
  switch (Parse(argc, argv, first, &error)) {
    case Result::kHelp:
      std::cout << help;
      return 0;
    case Result::kError:
      std::cerr << error << "\n";
      return 2;
    case Result::kOk:
      break;
  }
  return -1;
}

const FlagParser::Flag* FlagParser::Find(std::string_view name) const {
  for (const Flag& f : flags_) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

FlagParser::Result FlagParser::Parse(int argc, char** argv, int first, std::string* error) const {
  for (int i = first; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") return Result::kHelp;
    if (arg.size() < 2 || arg[0] != '-') {
      if (positional_ == nullptr) {
        *error = command_ + ": unexpected argument '" + arg + "' (see --help)";
        return Result::kError;
      }
      positional_->push_back(arg);
      continue;
    }
    const size_t eq = arg.find('=');
    const std::string name = arg.substr(0, eq);
    const Flag* flag = Find(name);
    if (flag == nullptr || (!flag->takes_value && eq != std::string::npos)) {
      *error = command_ + ": unknown option '" + arg + "' (see --help)";
      return Result::kError;
    }
    std::string value;
    if (eq != std::string::npos) {
      value = arg.substr(eq + 1);
    } else if (flag->takes_value) {
      if (i + 1 >= argc) {
        *error = command_ + ": " + name + " needs a value";
        return Result::kError;
      }
      value = argv[++i];
    }
    std::string problem;
    if (!flag->set(value, &problem)) {
      *error = command_ + ": " + name + ": " + problem;
      return Result::kError;
    }
  }
  return Result::kOk;
}

}  // namespace moderated::base

#include "base/files.h"

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

namespace moderated::base {

bool ReadFile(const std::string& path, std::string* contents, std::string* error) {
  std::ifstream file(path, std::ios::binary);
  if (!file.is_open()) {
    *error = path + ": cannot open: " + std::generic_category().message(errno);
    return false;
  }
  std::ostringstream buffer;
  buffer << file.rdbuf();
  if (file.bad()) {
    *error = path + ": read error";
    return false;
  }
  *contents = std::move(buffer).str();
  return true;
}

std::string DirOf(const std::string& path) {
  auto parent = std::filesystem::path(path).parent_path();
  return parent.empty() ? "." : parent.string();
}

}  // namespace moderated::base

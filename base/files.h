// base/files.h
//
// Whole-file reads for configuration, rule files and corpora.
//
// Thread-safety: functions touch only their arguments and the file system.
#ifndef MODERATED_BASE_FILES_H_
#define MODERATED_BASE_FILES_H_

#include <string>

namespace moderated::base {

// Reads the file at `path` into *contents. On failure returns false and sets
// *error to one line: "PATH: cannot open: No such file or directory" or
// "PATH: read error".
bool ReadFile(const std::string& path, std::string* contents, std::string* error);

// The directory of `path` ("rules/a.yaml" → "rules"; "a.yaml" → ".").
std::string DirOf(const std::string& path);

}  // namespace moderated::base

#endif  // MODERATED_BASE_FILES_H_

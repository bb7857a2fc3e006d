// classifiers/json_file.h
//
// Internal to classifiers/ (its .cc files include it; nothing else does):
// what the module's format-2 JSON files (a calibration, a site model's
// combiner) read the same way: a finite number, the opening checks of the
// file, and the one-line error "ORIGIN: path.to.field: message".
//
// Errors are values: the functions return false with *error set.
// Thread-safety: pure functions, any thread.
#ifndef MODERATED_CLASSIFIERS_JSON_FILE_H_
#define MODERATED_CLASSIFIERS_JSON_FILE_H_

#include <boost/json.hpp>
#include <string>
#include <string_view>

namespace moderated::classifiers {

// A finite JSON number (double, int64 or uint64) into *out; false for a
// null `v`, anything else, or a non-finite value.
bool JsonNumber(const boost::json::value* v, double* out);

// "ORIGIN: WHERE: MESSAGE", or "ORIGIN: MESSAGE" when `where` is empty.
std::string JsonFileError(std::string_view origin, const std::string& where,
                          const std::string& message);

// Parses `json` into *root and checks that it is an object whose "format"
// is 2. Fails with "ORIGIN: not JSON (...)", "ORIGIN: expected a JSON
// object" or "ORIGIN: format: expected 2".
bool ParseFormat2Object(std::string_view json, std::string_view origin, boost::json::value* root,
                        std::string* error);

}  // namespace moderated::classifiers

#endif  // MODERATED_CLASSIFIERS_JSON_FILE_H_

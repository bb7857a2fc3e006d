// base/strings.h
//
// Text and number helpers that several modules need: ASCII case, strict
// number parsing and cutting UTF-8 without splitting a character.
//
// Thread-safety: pure functions.
#ifndef MODERATED_BASE_STRINGS_H_
#define MODERATED_BASE_STRINGS_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace moderated::base {

// Lower-cases ASCII letters; every other byte (UTF-8 included) is copied.
std::string AsciiLower(std::string_view s);

// The whole of `s` as a decimal integer (an optional '-', then digits; no
// spaces, no '+'). False, with *out unspecified, for anything else or on
// overflow.
bool ParseInt64(std::string_view s, int64_t* out);

// The whole of `s` as a finite decimal number ("0.5", "-1e3"). False for
// anything else, including "nan", "inf" and texts longer than 64 bytes.
bool ParseDouble(std::string_view s, double* out);

// At most `max_bytes` of `s`, cut before a UTF-8 continuation byte so that
// no character is split.
std::string_view Utf8Prefix(std::string_view s, size_t max_bytes);

// How many characters `s` holds as UTF-8: its bytes that are not
// continuation bytes.
size_t Utf8Length(std::string_view s);

// `s` without leading and trailing ASCII white space (space, tab, CR, LF).
std::string_view TrimAscii(std::string_view s);

}  // namespace moderated::base

#endif  // MODERATED_BASE_STRINGS_H_

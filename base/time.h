// base/time.h
//
// The wall clock, and time values as the API accepts and writes them.
// ParseTimeParam(): what query parameters accept (audit `since`, polling
// `changed_since`): Unix milliseconds ("1732850000123") or RFC 3339.
// ParseRfc3339(): an RFC 3339 date-time alone ("2026-11-29T10:00:00Z",
// optional fraction and offset, 'T' or a space between date and time), e.g. a
// comment's `created_at`.
//
// Thread-safety: pure functions (NowMs() reads the clock).
#ifndef MODERATED_BASE_TIME_H_
#define MODERATED_BASE_TIME_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace moderated::base {

// Milliseconds since the Unix epoch, by the wall clock.
int64_t NowMs();

// Unix milliseconds, or false if `s` is neither form or is before 1970.
bool ParseTimeParam(std::string_view s, int64_t* ms);

// Unix milliseconds (negative before 1970), or false if `s` is not an
// RFC 3339 date-time. Fractions beyond milliseconds are truncated.
bool ParseRfc3339(std::string_view s, int64_t* ms);

// Milliseconds since the epoch as RFC 3339 UTC ("2026-11-29T04:10:00.123Z"):
// how the API and the logs write times.
std::string FormatTimeMs(int64_t ms);

}  // namespace moderated::base

#endif  // MODERATED_BASE_TIME_H_

// daemon/time_param.h
//
// ParseTimeParam(): the time values query parameters accept (audit `since`,
// polling `changed_since`): Unix milliseconds ("1732850000123") or RFC 3339
// ("2026-11-29T10:00:00Z", optional fraction and offset). Pure function.
#ifndef MODERATED_DAEMON_TIME_PARAM_H_
#define MODERATED_DAEMON_TIME_PARAM_H_

#include <cstdint>
#include <string_view>

namespace moderated {

// Unix milliseconds, or false if `s` is neither form or is before 1970.
bool ParseTimeParam(std::string_view s, int64_t* ms);

}  // namespace moderated

#endif  // MODERATED_DAEMON_TIME_PARAM_H_

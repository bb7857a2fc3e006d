// daemon/http/wire.h
//
// The JSON wire format of API v1 (docs/api.md): validating a submitted
// comment into a CommentInput, and rendering verdicts and stored comments.
// Pure functions over Boost.JSON values; no I/O.
#ifndef MODERATED_DAEMON_HTTP_WIRE_H_
#define MODERATED_DAEMON_HTTP_WIRE_H_

#include <boost/json.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/time.h"  // FormatTimeMs, used with these
#include "daemon/core/config.h"
#include "daemon/engine/engine.h"
#include "storage/store.h"

namespace moderated {

// One invalid field: `pointer` is its JSON Pointer (RFC 6901) in the request
// body, e.g. "/author/ip" or "/comments/3/content".
struct FieldError {
  std::string pointer;
  std::string detail;
};

// "approved" | "pending" | "rejected" for accept | hold | reject: the
// status of a stored comment and of a verdict.
std::string_view StatusFor(rules::Action action);

// Validates `value` as a comment object. `pointer` is the object's own
// pointer ("" for a whole body, "/comments/3" inside a batch). Returns false
// and appends to *errors if any field is invalid.
bool ParseComment(const boost::json::value& value, const std::string& pointer, const Limits& limits,
                  CommentInput* out, std::vector<FieldError>* errors);

// Appends an error for every number in `value` that is not finite (JSON
// like 1e400 parses as infinity, which JSON cannot represent again), each
// named by its JSON Pointer under `pointer`.
void FindNonFiniteNumbers(const boost::json::value& value, const std::string& pointer,
                          std::vector<FieldError>* errors);

// The verdict object the API answers with. `id` is ours (absent for dry runs).
boost::json::object VerdictJson(const Verdict& verdict, const CommentInput& comment,
                                std::optional<int64_t> id);

// Builds the record the writer stores. `verdict_json` is the verdict object
// without "id" (the id is only known after the insert).
storage::Comment ToRecord(const CommentInput& comment, const Verdict& verdict,
                          int64_t received_at_ms, std::string verdict_json);

// Re-renders a stored verdict (`verdict_json` without "id") with our id.
boost::json::object StoredVerdictJson(const std::string& verdict_json, int64_t id);

// The stored comment for GET /v1/comments/{id}.
boost::json::object CommentJson(const storage::Comment& comment);

// `text` parsed as JSON, or `fallback` if it is not JSON (stored JSON texts:
// audit entries, reports, site lists).
boost::json::value ParseJsonOr(std::string_view text, boost::json::value fallback);

// RFC 3339 for a time in milliseconds; null for 0 ("never").
boost::json::value TimeOrNull(int64_t ms);

// Serialises like boost::json::serialize, but writes doubles in plain
// decimal notation ("0.2187", not "2.187E-1") for the benefit of people and
// of clients that compare text.
std::string ToJson(const boost::json::value& value);

}  // namespace moderated

#endif  // MODERATED_DAEMON_HTTP_WIRE_H_

// daemon/api/review/review.h (internal to daemon/api/review/)
//
// What the review endpoints share (queue.cc, decisions.cc, reputation.cc):
// the sites a reviewer's token covers, the access check that runs on the
// writer thread right before a write, and the JSON of decisions and
// reputation counts.
//
// Every write is ONE task on the writer thread (AsyncOnWriter): the access
// check (the comment's site) and the storage transaction run there back to
// back, so nothing changes in between.
//
// Thread-safety: pure functions, except CheckAccess(), which reads the
// Store it is given (the writer thread's).
#ifndef MODERATED_DAEMON_API_REVIEW_REVIEW_H_
#define MODERATED_DAEMON_API_REVIEW_REVIEW_H_

#include <boost/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "daemon/http/auth.h"
#include "daemon/http/response.h"
#include "storage/store.h"

namespace moderated::api {

// The sites a principal's queue covers: nullopt = every site.
std::optional<std::vector<std::string>> ScopeOf(const Principal& p);

// What a writer task hands back to the coroutine.
struct WriteResult {
  unsigned status = 200;  // 200, 403, 404, 409, 503
  std::string detail;     // for the problem
  storage::Claim claim;
  storage::DecideResult decided;
  storage::Comment comment;  // after the write
  std::vector<storage::DecideResult> many;
  std::vector<std::string> many_sites;  // bulk: the site of each comment in `many`
  std::vector<std::pair<unsigned, std::string>> slots;  // bulk: status/detail per id
};

// On the writer thread: may `principal` act on comment `id`? Fills *comment,
// or *result with the 404, 403 or 503.
bool CheckAccess(storage::Store& store, int64_t id, const Principal& principal,
                 storage::Comment* comment, WriteResult* result);

// The problem for a failed write task (nullopt: the writer is stopping).
Response FromWriteResult(const Request& req, const std::optional<WriteResult>& result);

// The longest note a decision may carry.
inline constexpr size_t kMaxNoteBytes = 4096;

// Is `v` "approve", "reject", "spam" or "abuse"?
bool IsDecision(const boost::json::value& v);

// The "decision" (required) and "note" (optional) of a decision body into
// *decision and *note, or errors naming /decision and /note.
void ParseDecisionFields(const boost::json::object& o, std::string* decision, std::string* note,
                         std::vector<FieldError>* errors);

// A decision (or undo) of comment `id` by `actor` at `now`, with a fresh
// webhook event id.
storage::DecideRequest MakeRequest(int64_t id, const std::string& decision, const std::string& note,
                                   const std::string& actor, int64_t now);

// One filter parameter of the queue (GET /v1/queue's site, review, language,
// label, min_score, max_score, rule, min_age, max_age, email, ip, q; also
// POST /v1/queue/bulk's filter) into *f. False if `key` is not one of them;
// else *error is what is wrong with `value` ("must be spam, abuse or ham")
// or empty. The site is set as given: the caller checks the token's scope.
bool ParseQueueFilterParam(const std::string& key, const std::string& value, int64_t now_ms,
                           storage::QueueFilter* f, std::string* error);

// The filter parameters the queue and the search share: label ("spam",
// "abuse", "ham" or ""), min_score, max_score (numbers) and rule, into the
// given fields. False if `key` is none of them; else *error as above.
bool ParseLabelScoreRuleParam(const std::string& key, const std::string& value,
                              std::string* label, std::optional<double>* min_score,
                              std::optional<double>* max_score, std::string* rule,
                              std::string* error);

// One filter parameter of the search (GET /v1/comments/search's site,
// status, q, email, ip, thread, language, label, rule, min_score,
// max_score, since, until) into *f, as ParseQueueFilterParam does.
bool ParseSearchFilterParam(const std::string& key, const std::string& value,
                            storage::SearchFilter* f, std::string* error);

// What is wrong with `value` as the search parameter `key` of the queue or
// the search ("q", "email", "ip", "thread": at most 256 bytes; "q" also at
// least storage::kMinSearchTextChars characters), or "" if nothing is.
std::string CheckSearchParam(const std::string& key, const std::string& value);

std::string NoComment(int64_t id);
std::string ClaimedDetail(int64_t id, const storage::Claim& claim);

boost::json::object DecisionJson(const storage::Decision& d, bool with_undone);
boost::json::object ReputationJson(const storage::Reputation& r);

}  // namespace moderated::api

#endif  // MODERATED_DAEMON_API_REVIEW_REVIEW_H_

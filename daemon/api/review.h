// daemon/api/review.h (internal to daemon/api/)
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
#ifndef MODERATED_DAEMON_API_REVIEW_H_
#define MODERATED_DAEMON_API_REVIEW_H_

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

std::string NoComment(int64_t id);
std::string ClaimedDetail(int64_t id, const storage::Claim& claim);

boost::json::object DecisionJson(const storage::Decision& d, bool with_undone);
boost::json::object ReputationJson(const storage::Reputation& r);

}  // namespace moderated::api

#endif  // MODERATED_DAEMON_API_REVIEW_H_

// daemon/api/comments.h
//
// The comment endpoints of API v1 (POST /v1/comments, /v1/comments/batch,
// /v1/check, GET /v1/comments/{id}) and the evaluate-and-store step they share
// with other front ends (the Akismet and spamc adapters).
#ifndef MODERATED_DAEMON_API_COMMENTS_H_
#define MODERATED_DAEMON_API_COMMENTS_H_

#include <boost/asio/awaitable.hpp>
#include <functional>
#include <string>
#include <system_error>
#include <vector>

#include "daemon/http/api.h"
#include "daemon/core/engine.h"

namespace moderated {

struct StoredVerdict {
  std::error_code ec;       // storage failed
  bool overloaded = false;  // the writer refused (queue full or failed)
  int64_t id = 0;           // ours, when stored
  bool duplicate = false;   // (site, id) was stored before: verdict_json is the first one
  Verdict verdict;          // this evaluation
  std::string verdict_json;  // the verdict to answer with, without "id"
};

// Evaluates each input with one Engine snapshot and, if `store`, commits
// them all through the writer and resumes once they are durable.
// `customize` may adjust each record before it is stored (e.g. its status).
boost::asio::awaitable<std::vector<StoredVerdict>> EvaluateAndStore(
    Services& services, std::vector<CommentInput> inputs, bool store,
    std::function<void(size_t, storage::Comment&)> customize = {});

}  // namespace moderated

#endif  // MODERATED_DAEMON_API_COMMENTS_H_

// daemon/api/comments.h
//
// The evaluate-and-store step of POST /v1/comments (daemon/api/comments.cc),
// shared with the other front ends that submit comments: the Akismet and
// spamc adapters (daemon/compat/).
//
// Thread-safety: EvaluateAndStore() runs on any I/O thread; it takes one
// engine snapshot and suspends only while the writer commits.
#ifndef MODERATED_DAEMON_API_COMMENTS_H_
#define MODERATED_DAEMON_API_COMMENTS_H_

#include <boost/asio/awaitable.hpp>
#include <functional>
#include <string>
#include <system_error>
#include <vector>

#include "daemon/core/services.h"
#include "daemon/engine/engine.h"
#include "daemon/http/response.h"

namespace moderated {

struct StoredVerdict {
  std::error_code ec;        // storage failed
  bool overloaded = false;   // the writer refused (queue full or failed)
  int64_t id = 0;            // ours, when stored
  bool duplicate = false;    // (site, external_id) was stored before: verdict_json is the first one
  Verdict verdict;           // this evaluation; empty for a retry found before evaluating
  std::string verdict_json;  // the verdict to answer with, without "id"
};

// Evaluates each input with one Engine snapshot and, if `store`, commits
// them all through the writer and resumes once they are durable. When
// storing, an input whose (site, external_id) is already stored is a retry:
// it is not evaluated (so velocity does not count it again) nor stored, and
// its result is `duplicate` with the first id and verdict_json. An accepted
// comment being stored is sampled as a spot check with its site's share
// (daemon/engine/spot_check.h); dry runs never are.
// `customize` may adjust each record before it is stored (e.g. its status,
// or clear its spot check); a record whose status is then not "approved" is
// never a spot check.
// `vouched`: the caller may act only for sites an admin gave it (a site
// token or key, the spamc site): metrics label its sites by name. Otherwise
// (an admin token, which may name any site) only sites the registry or the
// rule file knows are named (metrics::SiteLabel).
boost::asio::awaitable<std::vector<StoredVerdict>> EvaluateAndStore(
    Services& services, std::vector<CommentInput> inputs, bool store,
    std::function<void(size_t, storage::Comment&)> customize = {}, bool vouched = false);

// Why a StoredVerdict was not stored, for a 503: the queue is full, the
// writer failed for good, or this write failed.
std::string StorageTrouble(Services& services, const StoredVerdict& result);

// 500 for a comment the database refused (a constraint failed): retrying
// cannot help; the rest of its batch was stored.
Response RefusedByStorage(const Request& req, const StoredVerdict& result);

}  // namespace moderated

#endif  // MODERATED_DAEMON_API_COMMENTS_H_

// Search over every stored comment (docs/api.md, "Search"):
//   GET /v1/comments/search?q=&status=&email=&ip=&thread=&language=&label=&rule=
//       &min_score=&max_score=&since=&until=&site=&limit=&cursor=
// Newest first, whatever the status: how a moderator finds what the daemon
// accepted or rejected on its own, to open and decide it (the decision
// endpoint takes a comment in any status). Reads use a ReaderPool lease.
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include "base/strings.h"
#include "daemon/api/cursor.h"
#include "daemon/api/handlers.h"
#include "daemon/api/review/review.h"
#include "daemon/http/wire.h"

namespace moderated::api {
namespace json = boost::json;

namespace {

constexpr int64_t kDefaultSearchLimit = 50;
// A cursor's kind: a search page continues only a search.
constexpr const char* kSearchCursor = "search";

struct SearchQuery {
  storage::SearchFilter filter;
  int64_t limit = kDefaultSearchLimit;
  int64_t before_id = 0;
};

// One query parameter into *q; the 400 to answer if it is not acceptable.
// The site is checked by the router (SiteScope::kQuery).
std::optional<Response> ParseSearchParam(const Call& call, const std::string& key,
                                         const std::string& value, uint32_t max_page,
                                         SearchQuery* q) {
  std::string error;
  if (ParseSearchFilterParam(key, value, &q->filter, &error)) {
    if (!error.empty()) return BadQuery(call.request, key, error);
  } else if (key == "limit") {
    if (!base::ParseInt64(value, &q->limit) || q->limit < 1 || q->limit > max_page) {
      return BadQuery(call.request, key, "must be an integer from 1 to " + std::to_string(max_page));
    }
  } else if (key == "cursor") {
    std::string unused;
    if (!ParseCursor(value, kSearchCursor, &unused, &q->before_id) || q->before_id <= 0) {
      return BadQuery(call.request, key, "is not a cursor from a previous page of this search");
    }
  } else {
    return BadQuery(call.request, key, "is unknown");
  }
  return std::nullopt;
}

}  // namespace

awaitable<Response> SearchComments(Services& s, const Call& call) {
  SearchQuery q;
  q.filter.sites = ScopeOf(*call.principal);
  for (const auto& [key, value] : call.query) {
    if (auto bad = ParseSearchParam(call, key, value, s.config.review.max_page, &q)) {
      co_return std::move(*bad);
    }
  }
  std::string error;
  auto lease = s.readers.Acquire(&error);
  if (!lease) co_return Overloaded(call.request, "database unavailable: " + error);
  std::vector<storage::Comment> found;
  if (lease->SearchComments(q.filter, q.before_id, q.limit + 1, &found)) {
    co_return Overloaded(call.request, "database error: " + lease->LastErrorMessage());
  }
  json::value next = nullptr;
  if (static_cast<int64_t>(found.size()) > q.limit) {
    found.resize(static_cast<size_t>(q.limit));
    next = json::string(MakeCursor(kSearchCursor, "", found.back().id));
  }
  json::array items;
  for (const storage::Comment& c : found) items.push_back(CommentJson(c));
  co_return JsonResponse(call.request, http::status::ok,
                         {{"items", std::move(items)}, {"next_cursor", std::move(next)}});
}

}  // namespace moderated::api

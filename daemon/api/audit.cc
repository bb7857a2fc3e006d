// GET /v1/admin/audit, admin tokens only (docs/api.md, "Audit log"): entries
// newest first, filtered by action, actor, target and time, a page at a time.
#include <boost/json.hpp>

#include "base/strings.h"
#include "base/time.h"
#include "daemon/api/handlers.h"
#include "daemon/http/wire.h"

namespace moderated::api {
namespace json = boost::json;

namespace {

constexpr int64_t kMaxAuditLimit = 1000;
constexpr int64_t kDefaultAuditLimit = 100;

json::object AuditJson(const storage::AuditEntry& e) {
  return {{"id", e.id},
          {"at", base::FormatTimeMs(e.at_ms)},
          {"actor", e.actor},
          {"action", e.action},
          {"target", e.target},
          {"before", ParseJsonOr(e.before_json, nullptr)},
          {"after", ParseJsonOr(e.after_json, nullptr)}};
}

std::optional<Response> ParseAuditQuery(const Call& call, storage::AuditQuery* q) {
  q->limit = kDefaultAuditLimit;
  for (const auto& [key, value] : call.query) {
    if (key == "action") {
      q->action = value;
    } else if (key == "actor") {
      q->actor = value;
    } else if (key == "target") {
      q->target = value;
    } else if (key == "since" || key == "until") {
      int64_t ms = 0;
      if (!base::ParseTimeParam(value, &ms)) {
        return BadQuery(call.request, key, "must be an RFC 3339 date-time or Unix milliseconds");
      }
      (key == "since" ? q->since_ms : q->until_ms) = ms;
    } else if (key == "limit") {
      if (!base::ParseInt64(value, &q->limit) || q->limit < 1 || q->limit > kMaxAuditLimit) {
        return BadQuery(call.request, key, "must be an integer from 1 to 1000");
      }
    } else if (key == "cursor") {
      if (!value.empty() && (!base::ParseInt64(value, &q->before_id) || q->before_id <= 0)) {
        return BadQuery(call.request, key, "is not a cursor from a previous page");
      }
    } else {
      return BadQuery(call.request, key, "is unknown");
    }
  }
  return std::nullopt;
}

}  // namespace

awaitable<Response> QueryAudit(Services& s, const Call& call) {
  storage::AuditQuery q;
  if (auto bad = ParseAuditQuery(call, &q)) co_return std::move(*bad);
  std::string error;
  auto lease = s.readers.Acquire(&error);
  if (!lease) co_return Overloaded(call.request, "database unavailable: " + error);
  const int64_t limit = q.limit;
  q.limit = limit + 1;  // one more tells whether another page exists
  std::vector<storage::AuditEntry> entries;
  if (lease->QueryAudit(q, &entries)) {
    co_return Overloaded(call.request, "database error: " + lease->LastErrorMessage());
  }
  json::value next = nullptr;
  if (static_cast<int64_t>(entries.size()) > limit) {
    entries.resize(static_cast<size_t>(limit));
    next = json::string(std::to_string(entries.back().id));
  }
  json::array list;
  for (const auto& e : entries) list.push_back(AuditJson(e));
  co_return JsonResponse(call.request, http::status::ok,
                         {{"entries", std::move(list)}, {"next_cursor", std::move(next)}});
}

}  // namespace moderated::api

#include "daemon/api/review.h"

#include "base/time.h"

namespace moderated::api {
namespace json = boost::json;

std::optional<std::vector<std::string>> ScopeOf(const Principal& p) {
  if (p.role == Role::kAdmin || p.sites.empty()) return std::nullopt;
  return p.sites;
}

std::string NoComment(int64_t id) { return "no comment with id " + std::to_string(id); }

std::string ClaimedDetail(int64_t id, const storage::Claim& claim) {
  return "comment " + std::to_string(id) + " is claimed by " + claim.actor + " until " +
         base::FormatTimeMs(claim.expires_at_ms);
}

bool CheckAccess(storage::Store& store, int64_t id, const Principal& principal,
                 storage::Comment* comment, WriteResult* result) {
  std::error_code ec = store.Get(id, comment);
  if (ec == storage::Errc::not_found) {
    result->status = 404;
    result->detail = NoComment(id);
    return false;
  }
  if (ec) {
    result->status = 503;
    result->detail = "storage error: " + store.LastErrorMessage();
    return false;
  }
  if (!principal.CanAccessSite(comment->site)) {
    result->status = 403;
    result->detail = "this token may not act for site '" + comment->site + "'";
    return false;
  }
  return true;
}

Response FromWriteResult(const Request& req, const std::optional<WriteResult>& r) {
  if (!r) return WriterStopping(req);
  if (r->status == 503) return Overloaded(req, r->detail);
  return Problem(req, static_cast<http::status>(r->status), r->detail);
}

json::object DecisionJson(const storage::Decision& d, bool with_undone) {
  json::object o{{"id", d.id},
                 {"decision", d.decision},
                 {"previous_status", d.previous_status},
                 {"new_status", d.new_status},
                 {"actor", d.actor},
                 {"note", d.note},
                 {"created_at", base::FormatTimeMs(d.created_at_ms)},
                 {"spot_check", d.spot_check}};
  if (with_undone) o["undone"] = d.undone;
  return o;
}

json::object ReputationJson(const storage::Reputation& r) {
  return {{"approved", r.approved}, {"rejected", r.rejected}, {"pending", r.pending}};
}

}  // namespace moderated::api

// GET /v1/reputation?email=&ip= (docs/review.md): an author's stored comments
// by status, counted over the sites the caller's token covers.
#include "daemon/api/handlers.h"
#include "daemon/api/review/review.h"

namespace moderated::api {

awaitable<Response> GetReputation(Services& s, const Call& call) {
  std::string email, ip;
  for (const auto& [key, value] : call.query) {
    if (key == "email")
      email = value;
    else if (key == "ip")
      ip = value;
    else
      co_return BadQuery(call.request, key, "is unknown");
  }
  if (email.empty() && ip.empty()) {
    co_return Problem(call.request, http::status::bad_request,
                      "query parameter 'email' or 'ip' is required");
  }
  std::string error;
  auto lease = s.readers.Acquire(&error);
  if (!lease) co_return Overloaded(call.request, "database unavailable: " + error);
  storage::Reputation by_email, by_ip;
  if (lease->GetReputation(email, ip, ScopeOf(*call.principal), &by_email, &by_ip)) {
    co_return Overloaded(call.request, "database error: " + lease->LastErrorMessage());
  }
  co_return JsonResponse(call.request, http::status::ok,
                         {{"email", ReputationJson(by_email)}, {"ip", ReputationJson(by_ip)}});
}

}  // namespace moderated::api

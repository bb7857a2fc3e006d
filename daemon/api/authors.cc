// DELETE /v1/admin/authors?email=...: erasure of everything stored about one
// author e-mail (admin tokens only). docs/api.md, "Erasure requests".
//
// Runs on the writer thread as ONE transaction (Store::ForgetAuthor), which
// also appends the "author.forget" audit entry with the counts and the
// SHA-256 of the e-mail. Velocity counters keep only 64-bit hashes of
// e-mails and expire within velocity.window_seconds; author reputation is
// read from the database, so nothing else holds the address.
#include <boost/json.hpp>

#include "daemon/http/api.h"
#include "daemon/core/log.h"
#include "daemon/jobs/retention.h"
#include "daemon/api/routes.h"

namespace moderated {
namespace json = boost::json;
namespace net = boost::asio;

namespace {

constexpr size_t kMaxEmailBytes = 320;  // RFC 5321: 64 + 1 + 255

net::awaitable<Response> DeleteAuthor(Services& s, const Request& req,
                                      const RequestContext& ctx) {
  if (auto r = RequireMethod(req, http::verb::delete_, "DELETE")) co_return std::move(*r);
  if (auto r = RequireRole(req, ctx, {Role::kAdmin})) co_return std::move(*r);
  auto params = QueryParams(req.target());
  auto it = params.find("email");
  if (it == params.end() || it->second.empty()) {
    co_return Problem(req, http::status::bad_request, "query parameter 'email' is required");
  }
  if (it->second.size() > kMaxEmailBytes) {
    co_return Problem(req, http::status::bad_request,
                      "query parameter 'email' must be at most 320 bytes");
  }
  struct Outcome {
    std::error_code ec;
    std::string error;
    storage::ForgetResult result;
  };
  const std::string email = it->second;
  const std::string actor = ctx.principal->Actor();
  // Named, not a temporary in the co_await expression: GCC 12 destroys such
  // temporaries twice (a std::function with captures → double free).
  std::function<Outcome(storage::Store&)> task = [email, actor](storage::Store& store) {
    Outcome o;
    o.ec = store.ForgetAuthor(email, ForgetAudit(actor, base::NowMs(), email), &o.result);
    if (o.ec) o.error = store.LastErrorMessage();
    return o;
  };
  std::optional<Outcome> out =
      co_await AsyncOnWriter<Outcome>(s.writer, std::move(task), net::use_awaitable);
  if (!out) co_return Overloaded(req, "the writer is stopping; retry shortly");
  if (out->ec) {
    Log(LogLevel::kError, "forget_failed", {{"error", out->error}});
    co_return Overloaded(req, "storage error: " + out->ec.message());
  }
  Log(LogLevel::kInfo, "author_forgotten",
      {{"actor", actor}, {"comments", std::to_string(out->result.comments)}});
  co_return JsonResponse(req, http::status::ok,
                         {{"deleted", out->result.comments},
                          {"outbox", out->result.outbox},
                          {"audit_redacted", out->result.audit_redacted}});
}

}  // namespace

void RegisterPrivacyRoutes(Router& router, const Config&) {
  router.Add("/v1/admin/authors", Router::Access::kAuthenticated, DeleteAuthor);
}

}  // namespace moderated

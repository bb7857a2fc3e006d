// DELETE /v1/admin/authors?email=...: erasure of everything stored about one
// author e-mail (admin tokens only). docs/api.md, "Erasure requests".
//
// Runs on the writer thread as ONE transaction (Store::ForgetAuthor), which
// also appends the "author.forget" audit entry with the counts and the
// SHA-256 of the e-mail. Velocity counters keep only 64-bit hashes of
// e-mails and expire within velocity.window_seconds; author reputation is
// read from the database, so nothing else holds the address.
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include "base/time.h"
#include "daemon/api/handlers.h"
#include "daemon/core/log.h"
#include "daemon/db/async.h"
#include "daemon/jobs/retention.h"

namespace moderated::api {
namespace net = boost::asio;

namespace {

constexpr size_t kMaxEmailBytes = 320;  // RFC 5321: 64 + 1 + 255

struct Outcome {
  std::error_code ec;
  std::string error;
  storage::ForgetResult result;
};

}  // namespace

awaitable<Response> ForgetAuthor(Services& s, const Call& call) {
  auto it = call.query.find("email");
  if (it == call.query.end() || it->second.empty()) {
    co_return Problem(call.request, http::status::bad_request,
                      "query parameter 'email' is required");
  }
  if (it->second.size() > kMaxEmailBytes) {
    co_return Problem(call.request, http::status::bad_request,
                      "query parameter 'email' must be at most 320 bytes");
  }
  const std::string email = it->second;
  const std::string actor = call.Actor();
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
  if (!out) co_return WriterStopping(call.request);
  if (out->ec) {
    Log(LogLevel::kError, "forget_failed", {{"error", out->error}});
    co_return Overloaded(call.request, "storage error: " + out->ec.message());
  }
  Log(LogLevel::kInfo, "author_forgotten",
      {{"actor", actor}, {"comments", std::to_string(out->result.comments)}});
  co_return JsonResponse(call.request, http::status::ok,
                         {{"deleted", out->result.comments},
                          {"outbox", out->result.outbox},
                          {"audit_redacted", out->result.audit_redacted}});
}

}  // namespace moderated::api

// daemon/http/response.h
//
// Helpers shared by every HTTP handler module (api.cc, admin_*.cc, ...):
// JSON and problem+json responses, body parsing with exact error messages,
// method checks, query strings, and the bridge from the writer thread back
// into a coroutine.
//
// Thread-safety: all functions are pure or use only their arguments.
#ifndef MODERATED_DAEMON_HTTP_RESPONSE_H_
#define MODERATED_DAEMON_HTTP_RESPONSE_H_

#include <atomic>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "base/time.h"
#include "daemon/core/decision_writer.h"
#include "daemon/http/wire.h"

namespace moderated {

namespace http = boost::beast::http;
using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

inline constexpr std::string_view kServerName = "moderated/0.1";

// application/json response with `body` (doubles in plain decimal, ToJson).
Response JsonResponse(const Request& req, http::status status, const boost::json::value& body);

// A response with an arbitrary content type (text, HTML, Prometheus...).
Response TextResponse(const Request& req, http::status status, std::string_view content_type,
                      std::string body);

// application/problem+json response (RFC 9457). `errors` lists invalid fields
// for 422s as {"pointer": "/author/ip", "detail": "..."}.
Response Problem(unsigned version, bool keep_alive, http::status status, std::string_view detail,
                 const std::vector<std::pair<std::string, std::string>>& errors = {});
inline Response Problem(const Request& req, http::status status, std::string_view detail) {
  return Problem(req.version(), req.keep_alive(), status, detail);
}

// 422 naming each invalid field.
Response ValidationProblem(const Request& req, const std::vector<FieldError>& errors);

// 503 with Retry-After: 1.
Response Overloaded(const Request& req, std::string_view detail);

// 405 with Allow unless req.method() is one of `allowed` ("GET, POST").
std::optional<Response> RequireMethod(const Request& req, http::verb verb, std::string_view allow);

// Checks Content-Type (application/json), UTF-8 and JSON syntax; on failure
// returns the 415/400 response to send.
std::optional<Response> ParseJsonBody(const Request& req, boost::json::value* out);

// The path of a request target, without the query.
std::string_view TargetPath(std::string_view target);

// Decoded query parameters ("a=1&b=x%20y" → {a:1, b:"x y"}). The last value
// wins for repeated keys.
std::map<std::string, std::string> QueryParams(std::string_view target);

// Runs `fn` on the writer thread (between transactions, with the read-write
// Store) and resumes the caller on its own executor with the result
// (nullopt if the writer is stopping).
//
// GCC 12 miscompiles a lambda written inline in the co_await expression: the
// temporary std::function built from it is destroyed twice (free(): invalid
// pointer on the writer thread). Always name the task first:
//   std::function<T(storage::Store&)> task = [...](storage::Store& store) {...};
//   auto result = co_await AsyncOnWriter<T>(writer, std::move(task), net::use_awaitable);
template <typename T, typename CompletionToken>
auto AsyncOnWriter(DecisionWriter& writer, std::function<T(storage::Store&)> fn,
                   CompletionToken&& token) {
  namespace net = boost::asio;
  return net::async_initiate<CompletionToken, void(std::optional<T>)>(
      [&writer](auto handler, std::function<T(storage::Store&)> fn) {
        using Handler = decltype(handler);
        auto executor = net::get_associated_executor(handler);
        auto h = std::make_shared<Handler>(std::move(handler));
        bool ok = writer.Post([h, executor, fn = std::move(fn)](storage::Store& store) mutable {
          std::optional<T> result(fn(store));
          net::post(executor, [h, result = std::move(result)]() mutable {
            std::move(*h)(std::move(result));
          });
        });
        if (!ok) {
          net::post(executor, [h]() mutable { std::move(*h)(std::optional<T>()); });
        }
      },
      token, std::move(fn));
}

// Runs `fn` on `pool` (inline when null) and resumes the caller on its own
// executor with the result: for CPU-heavy work such as compiling a large
// rules text, which would otherwise stall every connection of an I/O thread.
// `fn` must not throw and must own what it uses (copies, shared_ptrs). The
// GCC 12 caveat of AsyncOnWriter applies: name the std::function first.
template <typename T, typename CompletionToken>
auto AsyncInBackground(boost::asio::thread_pool* pool, std::function<T()> fn,
                       CompletionToken&& token) {
  namespace net = boost::asio;
  return net::async_initiate<CompletionToken, void(T)>(
      [pool](auto handler, std::function<T()> fn) {
        auto executor = net::get_associated_executor(handler);
        auto h = std::make_shared<decltype(handler)>(std::move(handler));
        auto run = [h, executor, fn = std::move(fn)]() mutable {
          T result = fn();
          net::post(executor, [h, result = std::move(result)]() mutable {
            std::move(*h)(std::move(result));
          });
        };
        if (pool == nullptr) {
          run();
        } else {
          net::post(*pool, std::move(run));
        }
      },
      token, std::move(fn));
}

}  // namespace moderated

#endif  // MODERATED_DAEMON_HTTP_RESPONSE_H_

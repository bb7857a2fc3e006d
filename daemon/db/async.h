// daemon/db/async.h
//
// Bridges from the daemon's other threads back into a coroutine: run a task
// on the writer thread (AsyncOnWriter) or on a background pool
// (AsyncInBackground), and resume the caller on its own executor with the
// result. Request handlers suspend only here.
//
// Thread-safety: callable from any coroutine; the task runs on the other
// thread and must own what it uses (copies, shared_ptrs).
#ifndef MODERATED_DAEMON_DB_ASYNC_H_
#define MODERATED_DAEMON_DB_ASYNC_H_

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <functional>
#include <memory>
#include <optional>

#include "daemon/db/decision_writer.h"

namespace moderated {

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
            std::move (*h)(std::move(result));
          });
        });
        if (!ok) {
          net::post(executor, [h]() mutable { std::move (*h)(std::optional<T>()); });
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
            std::move (*h)(std::move(result));
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

#endif  // MODERATED_DAEMON_DB_ASYNC_H_

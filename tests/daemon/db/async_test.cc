// tests/daemon/db/async_test.cc
//
// AsyncInBackground: the work runs on the background pool, not on the I/O
// thread, and the coroutine resumes on its own executor with the result.
#include "daemon/db/async.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <thread>

namespace moderated {
namespace {

namespace net = boost::asio;

struct Observed {
  std::thread::id work_thread;
  std::thread::id resumed_thread;
  bool resumed_in_io_context = false;
  int result = 0;
};

net::awaitable<void> RunOnce(net::io_context& ioc, net::thread_pool* pool, Observed* seen) {
  std::function<int()> work = [seen] {
    seen->work_thread = std::this_thread::get_id();
    return 42;
  };
  seen->result = co_await AsyncInBackground<int>(pool, std::move(work), net::use_awaitable);
  seen->resumed_thread = std::this_thread::get_id();
  seen->resumed_in_io_context = ioc.get_executor().running_in_this_thread();
}

TEST(AsyncInBackgroundTest, RunsOnThePoolAndResumesOnTheCaller) {
  net::io_context ioc;
  net::thread_pool pool(1);
  Observed seen;
  net::co_spawn(ioc, RunOnce(ioc, &pool, &seen), net::detached);
  ioc.run();  // returns once the coroutine has finished
  EXPECT_EQ(42, seen.result);
  EXPECT_NE(std::this_thread::get_id(), seen.work_thread);  // the pool's thread
  EXPECT_EQ(std::this_thread::get_id(), seen.resumed_thread);
  EXPECT_TRUE(seen.resumed_in_io_context);
}

TEST(AsyncInBackgroundTest, WithoutAPoolRunsInline) {
  net::io_context ioc;
  Observed seen;
  net::co_spawn(ioc, RunOnce(ioc, nullptr, &seen), net::detached);
  ioc.run();
  EXPECT_EQ(42, seen.result);
  EXPECT_EQ(std::this_thread::get_id(), seen.work_thread);
  EXPECT_TRUE(seen.resumed_in_io_context);
}

}  // namespace
}  // namespace moderated

// tests/testing/in_process_daemon.h
//
// InProcessDaemon: the services of `moderated serve` in the test process,
// with no sockets: a database in a temporary directory, the writer thread,
// a reader pool, an engine (rules compiled from a string, a FakeClassifier)
// and Auth. Tokens of any role are one call away, and Call() runs a request
// through a Router to its response on a private io_context. For tests of
// the router, the route table and handlers. For tests only.
#ifndef MODERATED_TESTS_TESTING_IN_PROCESS_DAEMON_H_
#define MODERATED_TESTS_TESTING_IN_PROCESS_DAEMON_H_

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "daemon/core/config.h"
#include "daemon/core/services.h"
#include "daemon/db/decision_writer.h"
#include "daemon/db/reader_pool.h"
#include "daemon/engine/engine.h"
#include "daemon/http/auth.h"
#include "daemon/http/router.h"
#include "tests/testing/fake_classifier.h"
#include "tests/testing/temp_dir.h"

namespace moderated::testing {

inline constexpr std::string_view kInProcessRules = R"(
version: 1
defaults: {hold_at: 5, reject_at: 10}
rules:
  - id: casino
    description: Casino advertising
    score: 6
    match: {field: content, words: [casino]}
)";

class InProcessDaemon {
 public:
  explicit InProcessDaemon(std::string_view rules_text = kInProcessRules) {
    config_.data_dir = dir_.path().string();
    config_.database = dir_.File("moderated.db");
    std::string error;
    auto store =
        storage::Store::Open(config_.database, storage::Store::OpenMode::kReadWrite, &error);
    EXPECT_NE(nullptr, store) << error;
    writer_ = std::make_unique<DecisionWriter>(std::move(store), config_.writer);
    readers_ = std::make_unique<ReaderPool>(config_.database);
    std::vector<std::string> errors;
    auto rules = CompileRules(rules_text, "test.yaml", ".", &errors);
    EXPECT_NE(nullptr, rules) << (errors.empty() ? "" : errors.front());
    engines_.Swap(std::make_shared<const Engine>(
        rules, FakeJudge(std::make_shared<FakeClassifier>(0.0, 0.0)), config_.classifier));
    auth_ = std::make_unique<Auth>(*readers_, writer_.get());
    services_.emplace(Services{config_, engines_, *writer_, *readers_, *auth_});
  }
  ~InProcessDaemon() { writer_->Stop(); }
  InProcessDaemon(const InProcessDaemon&) = delete;
  InProcessDaemon& operator=(const InProcessDaemon&) = delete;

  Config& config() { return config_; }
  Services& services() { return *services_; }
  DecisionWriter& writer() { return *writer_; }
  ReaderPool& readers() { return *readers_; }
  Auth& auth() { return *auth_; }
  const TempDir& dir() const { return dir_; }

  // A new token (created through the writer thread, as the admin API does).
  std::string Token(Role role, std::vector<std::string> sites = {}) {
    std::promise<std::string> made;
    const std::string name(RoleName(role));
    EXPECT_TRUE(writer_->Post([&](storage::Store& store) {
      std::string token, error;
      int64_t id = 0;
      EXPECT_TRUE(CreateToken(store, name, role, sites, "test", &token, &id, &error)) << error;
      made.set_value(token);
    }));
    return made.get_future().get();
  }

  // Runs one request through `router` and returns its response.
  static Response Call(Router& router, http::verb method, std::string target, std::string body = "",
                       std::string token = "", std::string content_type = "application/json",
                       bool local = false) {
    Request req{method, target, 11};
    req.set(http::field::host, "localhost");
    if (!token.empty()) req.set(http::field::authorization, "Bearer " + token);
    if (!body.empty()) req.set(http::field::content_type, content_type);
    req.body() = std::move(body);
    req.prepare_payload();
    // One io_context per calling thread, for the whole run: the writer
    // thread posts the answer to it and may still be inside Asio's
    // signalling of its condition variable when run() has already returned
    // here, so a context made per call could be destroyed under it (found by
    // ThreadSanitizer in CommentsTest).
    thread_local boost::asio::io_context ioc;
    ioc.restart();
    std::future<Response> result = boost::asio::co_spawn(
        ioc, router.Handle(std::move(req), Peer{local, local ? "127.0.0.1" : "192.0.2.1"}),
        boost::asio::use_future);
    ioc.run();
    return result.get();
  }

 private:
  TempDir dir_;
  Config config_;
  std::unique_ptr<DecisionWriter> writer_;
  std::unique_ptr<ReaderPool> readers_;
  EngineHolder engines_;
  std::unique_ptr<Auth> auth_;
  std::optional<Services> services_;
};

// The "detail" of a problem+json response ("" if there is none).
inline std::string Detail(const Response& res) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(res.body(), ec);
  if (ec || !v.is_object() || !v.as_object().contains("detail")) return "";
  return std::string(v.as_object().at("detail").as_string());
}

}  // namespace moderated::testing

#endif  // MODERATED_TESTS_TESTING_IN_PROCESS_DAEMON_H_

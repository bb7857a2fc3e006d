// `moderated serve` under Type=notify: the sd_notify messages it sends to
// $NOTIFY_SOCKET (READY only once rules, model and database are ready; STATUS
// lines; WATCHDOG pings at half of $WATCHDOG_USEC; RELOADING/READY around a
// SIGHUP reload; STOPPING). The test plays systemd: it binds the datagram
// socket and reads what the real binary sends.
#include <poll.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <regex>
#include <string>
#include <vector>

#include "storage/sqlite/schema.h"
#include "storage/store.h"
#include "tests/testing/daemon_process.h"
#include "tests/testing/temp_dir.h"

namespace moderated {
namespace {

using testing::DaemonProcess;
using testing::TempDir;

// A datagram socket standing in for systemd's notification socket.
class NotifySocket {
 public:
  explicit NotifySocket(const std::string& path) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      throw std::runtime_error("cannot bind " + path);
    }
  }
  ~NotifySocket() { ::close(fd_); }

  // Receives messages until one matches `pattern` (returned) or 30 s pass
  // (""). Every message received is appended to seen().
  std::string WaitFor(const std::regex& pattern) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      char buf[4096];
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) continue;
      seen_.emplace_back(buf, static_cast<size_t>(n));
      if (std::regex_match(seen_.back(), pattern)) return seen_.back();
    }
    return "";
  }
  std::vector<std::string>& seen() { return seen_; }

 private:
  int fd_ = -1;
  std::vector<std::string> seen_;
};

// Sets environment variables for the daemon started in this scope.
class ScopedEnv {
 public:
  ScopedEnv(std::vector<std::pair<std::string, std::string>> vars) : vars_(std::move(vars)) {
    for (auto& [k, v] : vars_) ::setenv(k.c_str(), v.c_str(), 1);
  }
  ~ScopedEnv() {
    for (auto& [k, v] : vars_) ::unsetenv(k.c_str());
  }

 private:
  std::vector<std::pair<std::string, std::string>> vars_;
};

const std::regex kServing(R"(READY=1\nSTATUS=serving: \d+ rules, model ft-[0-9a-f]+)");

TEST(NotifyTest, ReadyOnlyAfterRulesModelAndDatabaseThenWatchdogReloadAndStop) {
  TempDir dir;
  NotifySocket notify(dir.File("notify"));
  std::unique_ptr<DaemonProcess> daemon;
  {
    ScopedEnv env({{"NOTIFY_SOCKET", dir.File("notify")}, {"WATCHDOG_USEC", "100000"}});
    daemon = std::make_unique<DaemonProcess>(MODERATED_BINARY, dir.path().string());
  }
  std::string ready = notify.WaitFor(kServing);
  ASSERT_FALSE(ready.empty()) << daemon->Log();
  std::vector<std::string> before_ready(notify.seen().begin(), notify.seen().end() - 1);
  std::vector<std::string> expected = {"STATUS=loading rules", "STATUS=loading model",
                                       "STATUS=opening database"};
  EXPECT_EQ(expected, before_ready);
  EXPECT_EQ(200u, daemon->Tcp().Get("/readyz").status);

  // Pings every 50 ms; three of them prove the timer keeps running.
  const std::regex kWatchdog("WATCHDOG=1");
  for (int i = 0; i < 3; ++i) ASSERT_FALSE(notify.WaitFor(kWatchdog).empty()) << i;
  EXPECT_TRUE(daemon->WaitForLog("event=watchdog_enabled interval_ms=100"));

  daemon->Signal(SIGHUP);
  std::string reloading = notify.WaitFor(
      std::regex(R"(RELOADING=1\nSTATUS=reloading rules and model\nMONOTONIC_USEC=\d+)"));
  EXPECT_FALSE(reloading.empty());
  EXPECT_FALSE(notify.WaitFor(kServing).empty());
  EXPECT_TRUE(daemon->WaitForLog("event=reloaded"));

  daemon->Signal(SIGTERM);
  EXPECT_FALSE(
      notify.WaitFor(std::regex("STOPPING=1\nSTATUS=stopping: committing queued comments"))
          .empty());
  EXPECT_EQ(0, daemon->Wait());
}

// Upgrading a database whose schema is older than the build's: the daemon
// asks systemd for more start-up time before migrating, since rebuilding
// indexes on a large file can outlast TimeoutStartSec.
TEST(NotifyTest, SchemaMigrationExtendsTheStartTimeout) {
  TempDir dir;
  const std::string db = dir.File("moderated.db");
  {
    sqlite3* raw = nullptr;
    ASSERT_EQ(SQLITE_OK, sqlite3_open(db.c_str(), &raw));
    std::string error;
    ASSERT_FALSE(storage::internal::Migrate(raw, 4, &error)) << error;
    sqlite3_close(raw);
  }
  int version = 0;
  ASSERT_FALSE(storage::Store::FileSchemaVersion(db, &version));
  ASSERT_EQ(4, version);
  EXPECT_EQ(storage::Errc::not_found,
            storage::Store::FileSchemaVersion(dir.File("missing.db"), &version));

  NotifySocket notify(dir.File("notify"));
  // Started directly: DaemonProcess would migrate the file first, making
  // its admin token.
  pid_t pid = fork();
  if (pid == 0) {
    ::setenv("NOTIFY_SOCKET", dir.File("notify").c_str(), 1);
    const std::string log = dir.File("daemon.log");
    FILE* out = std::freopen(log.c_str(), "w", stderr);
    (void)out;
    std::string data_dir = dir.path().string();
    const char* argv[] = {MODERATED_BINARY, "serve", "--listen", "127.0.0.1:0", "--socket", "",
                          "--data-dir", data_dir.c_str(), nullptr};
    execv(MODERATED_BINARY, const_cast<char* const*>(argv));
    _exit(127);
  }
  ASSERT_GT(pid, 0);
  const std::string ready = notify.WaitFor(kServing);
  ::kill(pid, SIGTERM);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_FALSE(ready.empty());
  const std::vector<std::string> expected = {
      "STATUS=loading rules", "STATUS=loading model", "STATUS=opening database",
      "EXTEND_TIMEOUT_USEC=3600000000\nSTATUS=migrating the database schema from version 4 "
      "to " + std::to_string(storage::Store::CurrentSchemaVersion()),
      ready};
  EXPECT_EQ(expected, notify.seen());
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  ASSERT_FALSE(storage::Store::FileSchemaVersion(db, &version));
  EXPECT_EQ(storage::Store::CurrentSchemaVersion(), version);
}

TEST(NotifyTest, NoWatchdogPingsWhenSystemdDidNotAskForThem) {
  TempDir dir;
  NotifySocket notify(dir.File("notify"));
  std::unique_ptr<DaemonProcess> daemon;
  {
    ScopedEnv env({{"NOTIFY_SOCKET", dir.File("notify")}});
    daemon = std::make_unique<DaemonProcess>(MODERATED_BINARY, dir.path().string());
  }
  ASSERT_FALSE(notify.WaitFor(kServing).empty()) << daemon->Log();
  daemon->Signal(SIGTERM);
  ASSERT_FALSE(notify.WaitFor(std::regex("STOPPING=1\n.*")).empty());
  EXPECT_EQ(0, daemon->Wait());
  for (const auto& m : notify.seen()) EXPECT_EQ(std::string::npos, m.find("WATCHDOG=1")) << m;
  EXPECT_EQ(std::string::npos, daemon->Log().find("event=watchdog_enabled"));
}

}  // namespace
}  // namespace moderated

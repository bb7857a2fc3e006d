// tests/daemon/db/crash_e2e_test.cc
//
// The writer's promise (daemon/db/decision_writer.h): a client is answered
// only after its comment is committed. So killing the daemon with SIGKILL at
// any moment under load must lose no acknowledged comment and leave a sound
// database. Several rounds on the same data directory, at random moments;
// then the same with writer.synchronous_full (fsync at every commit, the
// setting for surviving power loss).
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <fstream>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "tests/testing/daemon_process.h"
#include "tests/testing/temp_dir.h"

namespace moderated {
namespace {

using testing::DaemonProcess;
using testing::HttpClient;
using testing::HttpResult;
using testing::TempDir;

std::string QueryText(const std::string& db, const std::string& sql) {
  sqlite3* conn = nullptr;
  EXPECT_EQ(SQLITE_OK, sqlite3_open_v2(db.c_str(), &conn, SQLITE_OPEN_READONLY, nullptr));
  sqlite3_stmt* stmt = nullptr;
  EXPECT_EQ(SQLITE_OK, sqlite3_prepare_v2(conn, sql.c_str(), -1, &stmt, nullptr)) << sql;
  std::string out;
  while (sqlite3_step(stmt) == SQLITE_ROW) {
    const unsigned char* v = sqlite3_column_text(stmt, 0);
    out += v ? reinterpret_cast<const char*>(v) : "";
    out += '\n';
  }
  sqlite3_finalize(stmt);
  sqlite3_close(conn);
  return out;
}

std::set<std::string> StoredIds(const std::string& db) {
  std::set<std::string> ids;
  std::string all = QueryText(db, "SELECT external_id FROM comments");
  size_t start = 0;
  for (size_t nl = all.find('\n'); nl != std::string::npos; nl = all.find('\n', start)) {
    ids.insert(all.substr(start, nl - start));
    start = nl + 1;
  }
  return ids;
}

void KillRoundsUnderLoad(const std::string& config_text) {
  TempDir dir;
  std::ofstream(dir.File("c.yaml")) << config_text;
  std::mt19937 rng(20261202);
  std::set<std::string> acknowledged;
  int64_t id = 0;
  std::string db;
  for (int round = 0; round < 5; ++round) {
    DaemonProcess d(MODERATED_BINARY, dir.path().string(), {"--config", dir.File("c.yaml")});
    db = d.database();
    std::mutex mu;
    std::atomic<bool> stop{false};
    std::atomic<int64_t> next{id};
    std::vector<std::thread> clients;
    for (int t = 0; t < 4; ++t) {
      clients.emplace_back([&] {
        try {
          HttpClient c = d.Tcp();
          while (!stop) {
            const std::string ext = "c" + std::to_string(next++);
            HttpResult r = c.Post("/v1/comments", R"({"site":"news.example","id":")" + ext +
                                                      R"(","content":"Комментарий تعليق comment )" +
                                                      ext + "\"}");
            if (r.status == 201) {
              std::lock_guard lock(mu);
              acknowledged.insert(ext);
            }
          }
        } catch (const std::exception&) {
          // The daemon died under us: expected.
        }
      });
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(150 + rng() % 500));
    d.Signal(SIGKILL);
    EXPECT_EQ(-SIGKILL, d.Wait());
    stop = true;
    for (auto& t : clients) t.join();
    id = next;
    // Every comment acknowledged so far is there, and the file is sound.
    std::set<std::string> stored = StoredIds(db);
    int missing = 0;
    for (const auto& ext : acknowledged) missing += stored.count(ext) == 0;
    EXPECT_EQ(0, missing) << "round " << round << ": " << missing << " of " << acknowledged.size()
                          << " acknowledged comments lost";
    EXPECT_EQ("ok\n", QueryText(db, "PRAGMA integrity_check")) << "round " << round;
    std::filesystem::rename(dir.File("daemon.log"),
                            dir.File("daemon-" + std::to_string(round) + ".log"));
  }
  EXPECT_GT(acknowledged.size(), 20u);  // the load was real
}

TEST(CrashE2ETest, SigkillUnderLoadLosesNoAcknowledgedComment) {
  KillRoundsUnderLoad("writer: {synchronous_full: false}\n");
}

TEST(CrashE2ETest, SigkillUnderLoadWithSynchronousFull) {
  KillRoundsUnderLoad("writer: {synchronous_full: true}\n");
}

}  // namespace
}  // namespace moderated

#include "daemon/db/decision_writer.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <filesystem>
#include <future>
#include <thread>

#include "base/time.h"
#include "tests/testing/temp_dir.h"

namespace moderated {
namespace {

using testing::TempDir;

storage::Comment MakeComment(const std::string& site, const std::string& id) {
  storage::Comment c;
  c.site = site;
  c.external_id = id;
  c.content = "text " + id;
  c.status = "approved";
  c.action = "accept";
  c.verdict_json = "{\"status\":\"approved\"}";
  return c;
}

std::unique_ptr<storage::Store> OpenStore(const std::string& path) {
  std::string error;
  auto store = storage::Store::Open(path, storage::Store::OpenMode::kReadWrite, &error);
  EXPECT_NE(nullptr, store) << error;
  return store;
}

TEST(DecisionWriterTest, CommitsEverythingAndGroupsConcurrentSubmissions) {
  TempDir dir;
  WriterConfig config;
  config.max_batch = 1000;
  DecisionWriter writer(OpenStore(dir.File("db")), config);
  constexpr int kComments = 2000;
  std::vector<std::promise<int64_t>> ids(kComments);
  // SubmitAll queues everything at once: the writer must group it.
  std::vector<storage::Comment> comments;
  for (int i = 0; i < kComments; ++i) comments.push_back(MakeComment("s", std::to_string(i)));
  ASSERT_TRUE(writer.SubmitAll(std::move(comments),
                               [&](size_t i, std::error_code ec, const storage::InsertOutcome& o) {
                                 EXPECT_FALSE(ec);
                                 ids[i].set_value(o.id);
                               }));
  std::set<int64_t> distinct;
  for (auto& p : ids) distinct.insert(p.get_future().get());
  EXPECT_EQ(static_cast<size_t>(kComments), distinct.size());
  EXPECT_EQ(static_cast<uint64_t>(kComments), writer.committed_comments());
  EXPECT_LE(writer.commits(), 2u);  // ≤ max_batch per transaction: 2000 in 2
  writer.Stop();
  auto reader = OpenStore(dir.File("db"));
  int64_t n = 0;
  ASSERT_FALSE(reader->Count(&n));
  EXPECT_EQ(kComments, n);
}

// The text index: committed comments are left out of it by their own
// transactions, and the writer adds them in chunks once nothing waits.
TEST(DecisionWriterTest, IndexesTheTextOfCommittedCommentsInChunksWhenIdle) {
  TempDir dir;
  WriterConfig config;
  config.max_batch = 1000;
  DecisionWriter writer(OpenStore(dir.File("db")), config);
  const int kComments = static_cast<int>(DecisionWriter::kTextIndexChunkRows) * 2 + 5;
  std::vector<storage::Comment> comments;
  for (int i = 0; i < kComments; ++i) comments.push_back(MakeComment("s", std::to_string(i)));
  std::promise<void> done;
  ASSERT_TRUE(writer.SubmitAll(std::move(comments),
                               [&](size_t i, std::error_code ec, const storage::InsertOutcome&) {
                                 EXPECT_FALSE(ec);
                                 if (i + 1 == static_cast<size_t>(kComments)) done.set_value();
                               }));
  done.get_future().wait();
  // The writer is idle now: it catches up chunk by chunk (no timing here,
  // only a bound on how long to wait for it).
  for (int i = 0; i < 3000 && writer.text_indexed() < static_cast<uint64_t>(kComments); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(writer.text_indexed(), static_cast<uint64_t>(kComments));
  writer.Stop();
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(dir.File("db").c_str(), &raw), SQLITE_OK);
  auto one = [raw](const char* sql) {
    sqlite3_stmt* stmt = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(raw, sql, -1, &stmt, nullptr), SQLITE_OK) << sqlite3_errmsg(raw);
    int64_t v = -1;
    if (sqlite3_step(stmt) == SQLITE_ROW) v = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    return v;
  };
  EXPECT_EQ(one("SELECT indexed_through FROM text_index_state"), kComments);
  // "text 1234" is in exactly one comment; "text 12" starts 111 of them.
  EXPECT_EQ(one("SELECT count(*) FROM comments_fts WHERE comments_fts MATCH '\"text 1234\"'"), 1);
  EXPECT_EQ(one("SELECT count(*) FROM comments_fts WHERE comments_fts MATCH '\"text 12\"'"), 111);
  sqlite3_close(raw);
}

TEST(DecisionWriterTest, DuplicatesReportTheFirstComment) {
  TempDir dir;
  DecisionWriter writer(OpenStore(dir.File("db")), WriterConfig{});
  std::promise<storage::InsertOutcome> first, second;
  ASSERT_TRUE(writer.Submit(MakeComment("s", "a"),
                            [&](std::error_code, const auto& o) { first.set_value(o); }));
  ASSERT_TRUE(writer.Submit(MakeComment("s", "a"),
                            [&](std::error_code, const auto& o) { second.set_value(o); }));
  auto a = first.get_future().get();
  auto b = second.get_future().get();
  EXPECT_FALSE(a.duplicate);
  EXPECT_TRUE(b.duplicate);
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ("{\"status\":\"approved\"}", b.verdict_json);
}

TEST(DecisionWriterTest, FullQueueRefusesInsteadOfGrowing) {
  TempDir dir;
  WriterConfig config;
  config.max_queue = 0;
  DecisionWriter writer(OpenStore(dir.File("db")), config);
  EXPECT_FALSE(writer.Submit(MakeComment("s", "a"), [](std::error_code, const auto&) {
    ADD_FAILURE() << "completion must not run for a refused comment";
  }));
}

TEST(DecisionWriterTest, StopCommitsWhatIsQueued) {
  TempDir dir;
  {
    DecisionWriter writer(OpenStore(dir.File("db")), WriterConfig{});
    for (int i = 0; i < 100; ++i) {
      ASSERT_TRUE(writer.Submit(MakeComment("s", std::to_string(i)),
                                [](std::error_code ec, const auto&) { EXPECT_FALSE(ec); }));
    }
    writer.Stop();
    EXPECT_FALSE(writer.Submit(MakeComment("s", "late"), [](std::error_code, const auto&) {}));
  }
  auto reader = OpenStore(dir.File("db"));
  int64_t n = 0;
  ASSERT_FALSE(reader->Count(&n));
  EXPECT_EQ(100, n);
}

// Submits `c` and waits for its completion.
std::error_code SubmitAndWait(DecisionWriter& writer, storage::Comment c) {
  std::promise<std::error_code> done;
  if (!writer.Submit(std::move(c), [&](std::error_code ec, const auto&) { done.set_value(ec); })) {
    return storage::Errc::busy;  // refused: the caller may try again
  }
  return done.get_future().get();
}

TEST(DecisionWriterTest, OneBadRowFailsAloneAndTheRestOfItsBatchCommits) {
  TempDir dir;
  DecisionWriter writer(OpenStore(dir.File("db")), WriterConfig{});
  std::vector<storage::Comment> comments;
  for (int i = 0; i < 5; ++i) comments.push_back(MakeComment("s", std::to_string(i)));
  comments[2].meta_json = "{\"n\":Infinity}";  // fails CHECK json_valid(meta_json)
  std::vector<std::promise<std::error_code>> results(comments.size());
  ASSERT_TRUE(writer.SubmitAll(std::move(comments),
                               [&](size_t i, std::error_code ec, const storage::InsertOutcome&) {
                                 results[i].set_value(ec);
                               }));
  for (size_t i = 0; i < results.size(); ++i) {
    std::error_code ec = results[i].get_future().get();
    if (i == 2) {
      EXPECT_EQ(std::error_code(storage::Errc::constraint), ec);
    } else {
      EXPECT_FALSE(ec) << i << ": " << ec.message();
    }
  }
  // Nothing sticks: the writer is healthy and goes on storing.
  EXPECT_TRUE(writer.healthy());
  EXPECT_FALSE(writer.error());
  EXPECT_FALSE(SubmitAndWait(writer, MakeComment("s", "after")));
  writer.Stop();
  auto reader = OpenStore(dir.File("db"));
  int64_t n = 0;
  ASSERT_FALSE(reader->Count(&n));
  EXPECT_EQ(5, n);
}

int64_t PageCount(const std::string& path) {
  sqlite3* db = nullptr;
  EXPECT_EQ(SQLITE_OK, sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr));
  sqlite3_stmt* stmt = nullptr;
  sqlite3_prepare_v2(db, "PRAGMA page_count", -1, &stmt, nullptr);
  int64_t pages = sqlite3_step(stmt) == SQLITE_ROW ? sqlite3_column_int64(stmt, 0) : -1;
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return pages;
}

TEST(DecisionWriterTest, AFullDiskRecoversByItselfOnceSpaceIsFreed) {
  TempDir dir;
  const std::string path = dir.File("db");
  OpenStore(path);  // creates the schema
  storage::StoreOptions options;
  options.max_pages = PageCount(path) + 40;  // the "disk": 40 more pages
  std::string error;
  auto store = storage::Store::Open(path, storage::Store::OpenMode::kReadWrite, options, &error);
  ASSERT_NE(nullptr, store) << error;
  WriterConfig config;
  config.max_failure_backoff_ms = 100;
  DecisionWriter writer(std::move(store), config);

  // Fill it.
  std::error_code ec;
  int stored = 0;
  for (int i = 0; i < 1000 && !ec; ++i) {
    storage::Comment c = MakeComment("s", "fill" + std::to_string(i));
    c.content = std::string(3000, 'x');
    ec = SubmitAndWait(writer, std::move(c));
    if (!ec) ++stored;
  }
  ASSERT_EQ(std::error_code(storage::Errc::disk_full), ec);
  ASSERT_GT(stored, 0);
  EXPECT_TRUE(writer.healthy());  // not a restart matter
  EXPECT_EQ(std::error_code(storage::Errc::disk_full), writer.error());

  // Free space, the way retention would.
  std::promise<std::error_code> purged;
  ASSERT_TRUE(writer.Post([&](storage::Store& s) {
    storage::PurgeFilter filter;
    filter.cutoff_ms = base::NowMs() + 86'400'000;
    int64_t deleted = 0;
    purged.set_value(s.PurgeDecided(filter, 1'000'000, &deleted));
  }));
  ASSERT_FALSE(purged.get_future().get());

  // Within the backoff new comments are refused (503); after it, the next
  // one is stored and the trouble is over, without a restart.
  for (int attempt = 0; attempt < 200; ++attempt) {
    ec = SubmitAndWait(writer, MakeComment("s", "after"));
    if (ec != storage::Errc::busy) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_FALSE(ec) << ec.message();
  EXPECT_FALSE(writer.error());
  EXPECT_TRUE(writer.healthy());
}

std::unique_ptr<storage::Store> OpenManualCheckpointStore(const std::string& path) {
  storage::StoreOptions options;
  options.auto_checkpoint = false;
  std::string error;
  auto store = storage::Store::Open(path, storage::Store::OpenMode::kReadWrite, options, &error);
  EXPECT_NE(nullptr, store) << error;
  return store;
}

// Commits `n` comments one transaction each (the next is submitted only
// after the previous one is committed), ids `prefix`0, `prefix`1, ...
// Returns the WAL file's largest size.
uintmax_t CommitOneByOne(DecisionWriter& writer, const std::string& db, int n,
                         const std::string& prefix = "") {
  uintmax_t largest = 0;
  for (int i = 0; i < n; ++i) {
    storage::Comment c = MakeComment("s", prefix + std::to_string(i));
    c.content = std::string(3000, 'x');
    std::promise<std::error_code> done;
    EXPECT_TRUE(
        writer.Submit(std::move(c), [&](std::error_code ec, const auto&) { done.set_value(ec); }));
    EXPECT_FALSE(done.get_future().get());
    std::error_code ec;
    largest = std::max(largest, std::filesystem::file_size(db + "-wal", ec));
  }
  return largest;
}

TEST(DecisionWriterTest, BackgroundCheckpointsKeepTheWalBounded) {
  constexpr int kComments = 1500;
  constexpr uintmax_t kFrame = 4096 + 24;
  WriterConfig config;
  config.checkpoint_pages = 20;  // restart at 8 x 20 = 160 frames

  // Without checkpoints the WAL holds every commit: several frames each
  // (the comment, its indexes and its full-text index entries).
  TempDir unchecked_dir;
  const std::string unchecked_db = unchecked_dir.File("db");
  DecisionWriter unchecked(OpenManualCheckpointStore(unchecked_db), config);
  const uintmax_t unchecked_largest = CommitOneByOne(unchecked, unchecked_db, kComments);
  EXPECT_GT(unchecked_largest, 2 * kComments * kFrame);
  EXPECT_EQ(0u, unchecked.checkpoints());
  const uintmax_t frames_per_commit = unchecked_largest / kFrame / kComments;

  TempDir dir;
  const std::string db = dir.File("db");
  DecisionWriter writer(OpenManualCheckpointStore(db), OpenManualCheckpointStore(db), config);
  const uintmax_t largest = CommitOneByOne(writer, db, kComments);
  EXPECT_GT(writer.checkpoints(), 0u);
  // The restart threshold (160 frames) plus what a hundred commits add while
  // a background copy holds the restart back: far below the unchecked WAL.
  // In commits, not frames: what one commit writes depends on the schema.
  EXPECT_LT(largest, (160 + 100 * frames_per_commit) * kFrame);
  EXPECT_LT(largest * 10, unchecked_largest);
  writer.Stop();
  auto reader = OpenStore(db);
  int64_t n = 0;
  ASSERT_FALSE(reader->Count(&n));
  EXPECT_EQ(kComments, n);
}

// A reader on an old snapshot (a backtest, an export) blocks WAL restarts
// for as long as it reads. Commits must go on meanwhile (each restart attempt
// waits only briefly, and attempts are spaced out), and once the reader is
// gone the WAL starts over again.
TEST(DecisionWriterTest, ALongReaderDoesNotStallCommits) {
  TempDir dir;
  const std::string db = dir.File("db");
  WriterConfig config;
  config.checkpoint_pages = 20;
  DecisionWriter writer(OpenManualCheckpointStore(db), OpenManualCheckpointStore(db), config);
  CommitOneByOne(writer, db, 1);
  sqlite3* reader = nullptr;
  ASSERT_EQ(SQLITE_OK, sqlite3_open_v2(db.c_str(), &reader, SQLITE_OPEN_READONLY, nullptr));
  ASSERT_EQ(SQLITE_OK, sqlite3_exec(reader, "BEGIN; SELECT count(*) FROM comments;", nullptr,
                                    nullptr, nullptr));
  CommitOneByOne(writer, db, 200, "held-");
  ASSERT_EQ(SQLITE_OK, sqlite3_exec(reader, "COMMIT", nullptr, nullptr, nullptr));
  sqlite3_close(reader);

  CommitOneByOne(writer, db, 100, "after-");
  // With the reader gone the writer restarted the WAL: what is in it now is
  // at most the restart threshold (160 frames) and a few commits, not the
  // 1,500 frames of 300 commits.
  sqlite3* probe = nullptr;
  ASSERT_EQ(SQLITE_OK, sqlite3_open(db.c_str(), &probe));
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(SQLITE_OK,
            sqlite3_prepare_v2(probe, "PRAGMA wal_checkpoint(PASSIVE)", -1, &stmt, nullptr));
  ASSERT_EQ(SQLITE_ROW, sqlite3_step(stmt));
  const int wal_frames = sqlite3_column_int(stmt, 1);
  sqlite3_finalize(stmt);
  sqlite3_close(probe);
  EXPECT_LT(wal_frames, 400);
  writer.Stop();  // the last close checkpoints what is left
  auto store = OpenStore(db);
  int64_t n = 0;
  ASSERT_FALSE(store->Count(&n));
  EXPECT_EQ(301, n);
  EXPECT_GT(writer.checkpoints(), 0u);
}

}  // namespace
}  // namespace moderated

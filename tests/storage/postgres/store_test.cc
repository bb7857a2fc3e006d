// tests/storage/postgres/store_test.cc
//
// What only the PostgreSQL backend has: its own schema versions (refusing a
// newer one), connecting by URL, and reconnecting by itself after the server
// dropped the connection. The Store contract itself is tested on both
// backends by the parameterised suites (store_test.cc, ...).
#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "storage/errors.h"
#include "storage/postgres/schema.h"
#include "storage/postgres/store.h"
#include "storage/store.h"
#include "tests/storage/raw_db.h"
#include "tests/testing/test_database.h"

namespace moderated::storage {
namespace {

std::string Fresh() {
  std::string error;
  std::string url = testing::FreshPgUrl(&error);
  EXPECT_NE(url, "") << error;
  return url;
}

Comment MakeComment(const std::string& external_id) {
  Comment c;
  c.site = "s";
  c.external_id = external_id;
  c.received_at_ms = 1;
  c.status = "approved";
  c.action = "accept";
  c.verdict_json = "{\"v\":\"" + external_id + "\"}";
  return c;
}

TEST(PgStoreTest, UrlsChooseTheBackend) {
  std::string path;
  EXPECT_EQ(ParseDatabaseUrl("postgresql://u@h/db", &path), Backend::kPostgres);
  EXPECT_EQ(path, "postgresql://u@h/db");
  EXPECT_EQ(ParseDatabaseUrl("postgres:///db?host=/run", &path), Backend::kPostgres);
  EXPECT_EQ(ParseDatabaseUrl("sqlite:///var/lib/moderated/moderated.db", &path), Backend::kSqlite);
  EXPECT_EQ(path, "/var/lib/moderated/moderated.db");
  EXPECT_EQ(ParseDatabaseUrl("var/moderated.db", &path), Backend::kSqlite);
  EXPECT_EQ(path, "var/moderated.db");
  EXPECT_EQ(internal::RedactUrl("postgresql://mod:s3cret@db.example:5432/m?sslmode=require"),
            "postgresql://mod:***@db.example:5432/m?sslmode=require");
  EXPECT_EQ(internal::RedactUrl("postgresql://mod@db.example/m"), "postgresql://mod@db.example/m");
}

TEST(PgStoreTest, MigratesOnceAndRecordsTheVersion) {
  const std::string url = Fresh();
  std::string error;
  ASSERT_NE(Store::Open(url, Store::OpenMode::kReadWrite, &error), nullptr) << error;
  ASSERT_NE(Store::Open(url, Store::OpenMode::kReadWrite, &error), nullptr) << error;
  RawDb raw(url);
  // One row per step, each recorded once.
  std::string versions;
  for (const internal::PgMigration& step : internal::PgMigrations()) {
    versions += std::to_string(step.version) + "\n";
  }
  EXPECT_EQ(raw.Query("SELECT version FROM moderated_schema ORDER BY version"), versions);
}

TEST(PgStoreTest, NewerSchemaIsRefusedAndLeftUntouched) {
  const std::string url = Fresh();
  std::string error;
  ASSERT_NE(Store::Open(url, Store::OpenMode::kReadWrite, &error), nullptr) << error;
  RawDb raw(url);
  raw.Exec("INSERT INTO moderated_schema (version, description) VALUES (9, 'from the future')");
  for (auto mode : {Store::OpenMode::kReadWrite, Store::OpenMode::kReadOnly}) {
    error.clear();
    EXPECT_EQ(Store::Open(url, mode, &error), nullptr);
    EXPECT_EQ(error, url + ": database schema version 9 is newer than this build's " +
                         std::to_string(internal::PgCurrentSchemaVersion()));
  }
  // Every step this build knows, plus the one from the future.
  EXPECT_EQ(raw.Query("SELECT count(*) FROM moderated_schema"),
            std::to_string(internal::PgCurrentSchemaVersion() + 1) + "\n");
}

TEST(PgStoreTest, ReadOnlyOpenDoesNotMigrate) {
  const std::string url = Fresh();
  std::string error;
  EXPECT_EQ(Store::Open(url, Store::OpenMode::kReadOnly, &error), nullptr);
  EXPECT_EQ(error, url + ": database schema version 0 is older than this build's " +
                       std::to_string(internal::PgCurrentSchemaVersion()) +
                       "; open it read-write once to migrate");
  RawDb raw(url);
  EXPECT_EQ(raw.Query("SELECT to_regclass('comments') IS NULL"), "t\n");
}

TEST(PgStoreTest, AnUnreachableServerIsAnOpenError) {
  std::string error;
  const std::string url = "postgresql:///moderated?host=/nonexistent-dir&connect_timeout=2";
  EXPECT_EQ(Store::Open(url, Store::OpenMode::kReadWrite, &error), nullptr);
  EXPECT_TRUE(error.starts_with(url + ": ")) << error;
}

TEST(PgStoreTest, ReconnectsByItselfAfterTheServerDroppedTheConnection) {
  const std::string url = testing::WithParam(Fresh(), "application_name=reconnect_test");
  std::string error;
  auto store = Store::Open(url, Store::OpenMode::kReadWrite, &error);
  ASSERT_NE(store, nullptr) << error;
  std::vector<Comment> one = {MakeComment("a")};
  ASSERT_EQ(store->InsertBatch(one, nullptr), std::error_code());

  RawDb raw(url);
  EXPECT_EQ(raw.Query("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                      "WHERE application_name = 'reconnect_test' AND pid <> pg_backend_pid()"),
            "1\n");
  // The first call finds the connection gone: retryable, nothing written.
  std::vector<Comment> two = {MakeComment("b")};
  const std::error_code lost = store->InsertBatch(two, nullptr);
  EXPECT_EQ(lost, Errc::busy) << store->LastErrorMessage();
  EXPECT_TRUE(IsRetryable(lost));
  // The next ones connect again.
  std::error_code ec = store->InsertBatch(two, nullptr);
  EXPECT_EQ(ec, std::error_code()) << store->LastErrorMessage();
  int64_t n = 0;
  ASSERT_EQ(store->Count(&n), std::error_code());
  EXPECT_EQ(n, 2);
}

TEST(PgStoreTest, IdempotencyHoldsAcrossConnections) {
  // Two daemons' writers: the second gets the first one's verdict back.
  const std::string url = Fresh();
  std::string error;
  auto one = Store::Open(url, Store::OpenMode::kReadWrite, &error);
  auto two = Store::Open(url, Store::OpenMode::kReadWrite, &error);
  ASSERT_NE(one, nullptr);
  ASSERT_NE(two, nullptr);
  std::vector<Comment> first = {MakeComment("x")};
  std::vector<Comment> again = {MakeComment("x")};
  again[0].verdict_json = "{\"v\":\"second\"}";
  std::vector<InsertOutcome> o1, o2;
  ASSERT_EQ(one->InsertBatch(first, &o1), std::error_code());
  ASSERT_EQ(two->InsertBatch(again, &o2), std::error_code());
  ASSERT_EQ(o2.size(), 1u);
  EXPECT_TRUE(o2[0].duplicate);
  EXPECT_EQ(o2[0].id, o1[0].id);
  EXPECT_EQ(o2[0].verdict_json, "{\"v\":\"x\"}");
}

// Polls `raw` until `sql` answers `want` (a bounded wait for another
// session to reach a state, not a timing assertion).
bool AwaitAnswer(RawDb& raw, const std::string& sql, const std::string& want) {
  for (int i = 0; i < 3000; ++i) {
    if (raw.Query(sql) == want) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

// The race itself, made deterministic: another daemon's transaction has
// inserted (s, r) but not committed when this writer's batch arrives. The
// batch waits for it (ON CONFLICT) and, once it commits, returns that
// first verdict, storing the rest of the batch.
TEST(PgStoreTest, AWriterThatLosesTheRaceGetsTheWinnersVerdict) {
  const std::string url = Fresh();
  std::string error;
  auto store = Store::Open(testing::WithParam(url, "application_name=race_writer"),
                           Store::OpenMode::kReadWrite, &error);
  ASSERT_NE(store, nullptr) << error;
  RawDb raw(url);
  // The winner: a psql session kept open, its transaction left uncommitted.
  const std::string winner_url = testing::WithParam(url, "application_name=race_winner");
  FILE* winner = popen(("psql -X -q -v ON_ERROR_STOP=1 '" + winner_url + "' >/dev/null").c_str(),
                       "w");
  ASSERT_NE(winner, nullptr);
  std::fputs("BEGIN;\nINSERT INTO comments (site, external_id, received_at_ms, status, action, "
             "verdict_json) VALUES ('s', 'r', 1, 'approved', 'accept', '{\"v\":\"winner\"}');\n",
             winner);
  std::fflush(winner);
  const std::string state_of =
      "SELECT state || '/' || coalesce(wait_event_type, '') FROM pg_stat_activity "
      "WHERE application_name = ";
  ASSERT_TRUE(AwaitAnswer(raw, state_of + "'race_winner'", "idle in transaction/Client\n"));

  std::vector<Comment> batch = {MakeComment("before"), MakeComment("r"), MakeComment("after")};
  batch[1].verdict_json = "{\"v\":\"loser\"}";
  std::vector<InsertOutcome> outcomes;
  std::error_code ec;
  std::thread loser([&] { ec = store->InsertBatch(batch, &outcomes); });
  const bool waited = AwaitAnswer(raw, state_of + "'race_writer'", "active/Lock\n");
  std::fputs("COMMIT;\n", winner);
  EXPECT_EQ(pclose(winner), 0);
  loser.join();
  EXPECT_TRUE(waited) << "the writer never waited for the winner's transaction";
  ASSERT_EQ(ec, std::error_code()) << store->LastErrorMessage();
  const std::string winner_id = raw.Query("SELECT id FROM comments WHERE external_id = 'r'");
  ASSERT_EQ(outcomes.size(), 3u);
  EXPECT_FALSE(outcomes[0].duplicate);
  EXPECT_TRUE(outcomes[1].duplicate);
  EXPECT_EQ(std::to_string(outcomes[1].id) + "\n", winner_id);
  EXPECT_EQ(outcomes[1].verdict_json, "{\"v\":\"winner\"}");
  EXPECT_FALSE(outcomes[2].duplicate);
  EXPECT_EQ(raw.Query("SELECT external_id, verdict_json FROM comments ORDER BY external_id"),
            "after|{\"v\":\"after\"}\nbefore|{\"v\":\"before\"}\nr|{\"v\":\"winner\"}\n");
}

// Two daemons' writers storing the same comments at the same time, in
// opposite orders and in batches that overlap: each (site, id) is stored
// once, both writers get its one id and first verdict back, exactly one of
// them saw it as new, and neither fails (rows are locked in key order, so
// two batches cannot deadlock).
TEST(PgStoreTest, ConcurrentWritersOfTheSameIdsAgreeOnTheFirstVerdict) {
  const std::string url = Fresh();
  constexpr int kComments = 1200;
  constexpr int kBatch = 100;
  std::string error;
  std::array<std::unique_ptr<Store>, 2> stores;
  std::array<std::vector<InsertOutcome>, 2> got;  // by comment number
  std::array<std::string, 2> failures;
  for (auto& store : stores) {
    store = Store::Open(url, Store::OpenMode::kReadWrite, &error);
    ASSERT_NE(store, nullptr) << error;
  }
  auto run = [&](int w) {
    got[w].resize(kComments);
    for (int begin = 0; begin < kComments; begin += kBatch) {
      std::vector<Comment> batch;
      std::vector<int> numbers;
      for (int k = begin; k < begin + kBatch; ++k) {
        const int n = w == 0 ? k : kComments - 1 - k;  // the second goes backwards
        Comment c = MakeComment("c" + std::to_string(n));
        c.verdict_json = "{\"writer\":" + std::to_string(w) + "}";
        c.reasons = {{"r", "", "content", 1, -1, -1, "", false}};
        batch.push_back(c);
        numbers.push_back(n);
      }
      std::vector<InsertOutcome> outcomes;
      if (auto ec = stores[w]->InsertBatch(batch, &outcomes)) {
        failures[w] += ec.message() + ": " + stores[w]->LastErrorMessage() + "\n";
        continue;
      }
      for (size_t i = 0; i < numbers.size(); ++i) got[w][numbers[i]] = outcomes[i];
    }
  };
  std::thread second(run, 1);
  run(0);
  second.join();
  EXPECT_EQ(failures[0], "");
  EXPECT_EQ(failures[1], "");

  RawDb raw(url);
  EXPECT_EQ(raw.Query("SELECT count(*), count(DISTINCT external_id) FROM comments"),
            std::to_string(kComments) + "|" + std::to_string(kComments) + "\n");
  EXPECT_EQ(raw.Query("SELECT count(*) FROM reasons"), std::to_string(kComments) + "\n");
  // Each comment's stored verdict is that of the writer that saw it new.
  std::string answered;
  const std::string rows =
      raw.Query("SELECT id, verdict_json FROM comments ORDER BY substr(external_id, 2)::int");
  for (int n = 0; n < kComments; ++n) {
    const InsertOutcome& a = got[0][n];
    const InsertOutcome& b = got[1][n];
    const int first = a.duplicate ? 1 : 0;
    EXPECT_NE(a.duplicate, b.duplicate) << n;
    EXPECT_EQ(a.id, b.id) << n;
    const InsertOutcome& dup = a.duplicate ? a : b;
    EXPECT_EQ(dup.verdict_json, "{\"writer\":" + std::to_string(first) + "}") << n;
    answered += std::to_string(a.id) + "|{\"writer\":" + std::to_string(first) + "}\n";
  }
  EXPECT_EQ(rows, answered);
}

TEST(PgStoreTest, ClaimsAreExclusiveAcrossConnections) {
  const std::string url = Fresh();
  std::string error;
  auto one = Store::Open(url, Store::OpenMode::kReadWrite, &error);
  auto two = Store::Open(url, Store::OpenMode::kReadWrite, &error);
  ASSERT_NE(one, nullptr);
  ASSERT_NE(two, nullptr);
  std::vector<Comment> c = {MakeComment("q")};
  c[0].status = "pending";
  c[0].action = "hold";
  std::vector<InsertOutcome> o;
  ASSERT_EQ(one->InsertBatch(c, &o), std::error_code());
  ReviewOutcome outcome;
  Claim claim;
  ASSERT_EQ(one->ClaimComment(o[0].id, "alice", 100, 1000, &outcome, &claim), std::error_code());
  EXPECT_EQ(outcome, ReviewOutcome::kDone);
  ASSERT_EQ(two->ClaimComment(o[0].id, "bob", 200, 1200, &outcome, &claim), std::error_code());
  EXPECT_EQ(outcome, ReviewOutcome::kClaimedByOther);
  EXPECT_EQ(claim.actor, "alice");
}

// Velocity counts are the cluster's: two stores (two daemons) add to the
// same keys; a dry run (record false) counts itself without adding; counts
// older than the window are forgotten; empty keys count nothing.
TEST(PgStoreTest, VelocityCountsAreSharedAndForgetThePastWindow) {
  const std::string url = Fresh();
  std::string error;
  auto a = Store::Open(url, Store::OpenMode::kReadWrite, &error);
  ASSERT_NE(a, nullptr) << error;
  auto b = Store::Open(url, Store::OpenMode::kReadWrite, &error);
  ASSERT_NE(b, nullptr) << error;
  constexpr int64_t kWindow = 16'000;  // buckets of 1 s
  const std::array<std::string, 3> keys = {"ip-1", "", "text-1"};
  std::array<int64_t, 3> counts{};
  ASSERT_EQ(a->ObserveVelocity(keys, 100'000, kWindow, true, &counts), std::error_code());
  EXPECT_EQ(counts, (std::array<int64_t, 3>{1, 0, 1}));
  ASSERT_EQ(b->ObserveVelocity(keys, 101'000, kWindow, true, &counts), std::error_code());
  EXPECT_EQ(counts, (std::array<int64_t, 3>{2, 0, 2}));
  ASSERT_EQ(a->ObserveVelocity({"ip-1", "", "text-2"}, 102'000, kWindow, false, &counts),
            std::error_code());
  EXPECT_EQ(counts, (std::array<int64_t, 3>{3, 0, 1}));  // itself included, not added
  ASSERT_EQ(b->ObserveVelocity({"ip-1", "", ""}, 103'000, kWindow, true, &counts),
            std::error_code());
  EXPECT_EQ(counts, (std::array<int64_t, 3>{3, 0, 0}));
  // 18.5 s later the window (16 buckets of 1 s, from bucket 102 on) holds
  // only the comment of 103 s and this one.
  ASSERT_EQ(a->ObserveVelocity(keys, 118'500, kWindow, true, &counts), std::error_code());
  EXPECT_EQ(counts, (std::array<int64_t, 3>{2, 0, 1}));
}

}  // namespace
}  // namespace moderated::storage

// tests/storage/store_test.cc
#include "storage/store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "storage/errors.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_database.h"

namespace moderated::storage {
namespace {

using testing::TempDir;

std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

// One line per field, so a failing comparison shows exactly which differs.
std::string Render(const Comment& c) {
  std::string s;
  s += "id=" + std::to_string(c.id) + "\n";
  s += "site=" + c.site + "\n";
  s += "external_id=" + c.external_id + "\n";
  s += "thread=" + c.thread + "\n";
  s += "parent=" + c.parent + "\n";
  s += "author_name=" + c.author_name + "\n";
  s += "author_email=" + c.author_email + "\n";
  s += "author_url=" + c.author_url + "\n";
  s += "author_ip=" + c.author_ip + "\n";
  s += "author_user_agent=" + c.author_user_agent + "\n";
  s += "content=" + c.content + "\n";
  s += "created_at=" + c.created_at + "\n";
  s += "lang_hint=" + c.lang_hint + "\n";
  s += "meta_json=" + c.meta_json + "\n";
  s += "received_at_ms=" + std::to_string(c.received_at_ms) + "\n";
  s += "status=" + c.status + "\n";
  s += "action=" + c.action + "\n";
  s += "score=" + Num(c.score) + "\n";
  s += "labels_json=" + c.labels_json + "\n";
  s += "language=" + c.language + "\n";
  s += "language_reliable=" + std::to_string(c.language_reliable) + "\n";
  s += "rules_version=" + c.rules_version + "\n";
  s += "model_version=" + c.model_version + "\n";
  s += "verdict_json=" + c.verdict_json + "\n";
  s += "updated_at_ms=" + std::to_string(c.updated_at_ms) + "\n";
  for (const Reason& r : c.reasons) {
    s += "reason " + r.rule_id + "|" + r.description + "|" + r.field + "|" + Num(r.score) + "|" +
         std::to_string(r.begin) + "|" + std::to_string(r.end) + "|" + r.excerpt + "|" +
         std::to_string(r.shadow) + "\n";
  }
  return s;
}

std::string Render(const std::vector<InsertOutcome>& outcomes) {
  std::string s;
  for (const InsertOutcome& o : outcomes) {
    s += std::to_string(o.id) + (o.duplicate ? " dup " : " new ") + o.verdict_json + "\n";
  }
  return s;
}

std::string Render(const std::vector<RulesVersion>& versions) {
  std::string s;
  for (const RulesVersion& v : versions) {
    s += std::to_string(v.id) + " text=" + v.text + " author=" + v.author +
         " comment=" + v.comment + " at=" + std::to_string(v.created_at_ms) +
         (v.active ? " active" : "") + "\n";
  }
  return s;
}

std::string Render(const std::vector<Label>& labels) {
  std::string s;
  for (const Label& l : labels) {
    s += std::to_string(l.id) + " comment=" + std::to_string(l.comment_id) + " " + l.label +
         " source=" + l.source + " author=" + l.author + " at=" + std::to_string(l.created_at_ms) +
         "\n";
  }
  return s;
}

Comment MakeComment(const std::string& site, const std::string& external_id) {
  Comment c;
  c.site = site;
  c.external_id = external_id;
  c.content = "hello from " + external_id;
  c.received_at_ms = 1700000000000;
  c.status = "approved";
  c.action = "accept";
  c.verdict_json = "{\"verdict\":\"" + external_id + "\"}";
  return c;
}

// Every case runs on SQLite and on PostgreSQL (a fresh schema on the
// private test server); StoreSqliteTest cases test SQLite's own machinery
// (files, WAL, locks) and run on SQLite only.
class StoreTest : public ::testing::TestWithParam<testing::DbBackend> {
 protected:
  bool sqlite() const { return GetParam() == testing::DbBackend::kSqlite; }
  std::string FreshUrl() {
    std::string error;
    std::string url = testing::FreshDatabaseUrl(GetParam(), dir_, &error);
    EXPECT_NE(url, "") << error;
    return url;
  }

  std::unique_ptr<Store> OpenRw(const StoreOptions& options = {}) {
    std::string error;
    auto store = Store::Open(path_, Store::OpenMode::kReadWrite, options, &error);
    EXPECT_NE(store, nullptr) << error;
    EXPECT_EQ(error, "");
    return store;
  }
  std::unique_ptr<Store> OpenRo() {
    std::string error;
    auto store = Store::Open(path_, Store::OpenMode::kReadOnly, &error);
    EXPECT_NE(store, nullptr) << error;
    return store;
  }
  std::vector<InsertOutcome> Insert(Store& store, const std::vector<Comment>& comments) {
    std::vector<InsertOutcome> outcomes;
    EXPECT_EQ(store.InsertBatch(comments, &outcomes), std::error_code());
    return outcomes;
  }
  int64_t CountOf(Store& store) {
    int64_t n = -1;
    EXPECT_EQ(store.Count(&n), std::error_code());
    return n;
  }

  TempDir dir_;
  std::string path_ = FreshUrl();
};

class StoreSqliteTest : public StoreTest {};

TEST_P(StoreTest, CreateThenReopenKeepsData) {
  {
    auto store = OpenRw();
    EXPECT_EQ(Render(Insert(*store, {MakeComment("s", "a"), MakeComment("s", "b")})),
              "1 new \n2 new \n");
  }
  auto store = OpenRw();
  EXPECT_EQ(CountOf(*store), 2);
  Comment got;
  ASSERT_EQ(store->Get(2, &got), std::error_code());
  Comment want = MakeComment("s", "b");
  want.id = 2;
  EXPECT_EQ(Render(got), Render(want));
  // New ids continue after the old ones.
  EXPECT_EQ(Render(Insert(*store, {MakeComment("s", "c")})), "3 new \n");
}

TEST_P(StoreTest, EveryFieldRoundTripsExactly) {
  Comment c;
  c.site = "news.example";
  c.external_id = "ext-42";
  c.thread = "thread/7";
  c.parent = "ext-41";
  c.author_name = "Фёдор Достоевский";
  c.author_email = "fd@example.ru";
  c.author_url = "https://example.ru/~fd?a=1&b=2";
  c.author_ip = "2001:db8::1";
  c.author_user_agent = "Mozilla/5.0 (X11; Linux x86_64)";
  c.content = "مرحبا بالعالم — Привет, мир! \"quoted\" 'single' \\ backslash\n" +
              std::string(200000, 'x') + "\tend";
  c.created_at = "2024-02-29T23:59:59.999+03:00";
  c.lang_hint = "ar";
  c.meta_json = R"({"page":"/a?b=c","tags":["x","ü"],"nested":{"n":1.5e-7}})";
  c.received_at_ms = 9007199254740993;  // not representable as a double
  c.status = "pending";
  c.action = "hold";
  c.score = 0.1 + 0.2;
  c.labels_json = R"({"spam":0.97,"abuse":0.02})";
  c.language = "ar";
  c.language_reliable = true;
  c.rules_version = "r17";
  c.model_version = "ft-2024-01";
  c.reasons = {
      {"links.many", "more than 3 links", "content", 2.5, 10, 20, "http://x", false},
      {"author.blocklist", "", "author.name", -1.25, -1, -1, "", true},
      {"arabic.spam", "عربي", "content", 1e-300, 0, 6, "مرحبا", false},
  };
  c.verdict_json = R"({"id":1,"status":"pending","reasons":[]})";
  c.updated_at_ms = -1;

  auto store = OpenRw();
  EXPECT_EQ(Render(Insert(*store, {c})), "1 new \n");
  Comment got;
  ASSERT_EQ(store->Get(1, &got), std::error_code());
  c.id = 1;
  EXPECT_EQ(Render(got), Render(c));
  EXPECT_EQ(got.content.size(), c.content.size());
  EXPECT_EQ(got.score, 0.1 + 0.2);
}

TEST_P(StoreTest, ReasonsKeepTheirOrder) {
  Comment c = MakeComment("s", "a");
  for (const char* id : {"zeta", "alpha", "mu", "beta", "alpha"}) {
    c.reasons.push_back({id, "", "content", 1, -1, -1, "", false});
  }
  auto store = OpenRw();
  Insert(*store, {c});
  Comment got;
  ASSERT_EQ(store->Get(1, &got), std::error_code());
  std::string ids;
  for (const Reason& r : got.reasons) ids += r.rule_id + " ";
  EXPECT_EQ(ids, "zeta alpha mu beta alpha ");
}

TEST_P(StoreTest, DuplicateOfStoredCommentReturnsFirstVerdict) {
  auto store = OpenRw();
  Insert(*store, {MakeComment("s", "a")});
  Comment again = MakeComment("s", "a");
  again.verdict_json = "{\"verdict\":\"second\"}";
  again.content = "changed";
  EXPECT_EQ(Render(Insert(*store, {MakeComment("s", "b"), again})),
            "2 new \n1 dup {\"verdict\":\"a\"}\n");
  EXPECT_EQ(CountOf(*store), 2);
  Comment got;
  ASSERT_EQ(store->Get(1, &got), std::error_code());
  EXPECT_EQ(got.content, "hello from a");
}

TEST_P(StoreTest, DuplicateWithinOneBatch) {
  auto store = OpenRw();
  Comment second = MakeComment("s", "a");
  second.verdict_json = "{\"verdict\":\"second\"}";
  second.reasons = {{"r", "", "content", 1, -1, -1, "", false}};
  EXPECT_EQ(Render(Insert(*store, {MakeComment("s", "a"), MakeComment("s", "b"), second})),
            "1 new \n2 new \n1 dup {\"verdict\":\"a\"}\n");
  EXPECT_EQ(CountOf(*store), 2);
  Comment got;
  ASSERT_EQ(store->Get(1, &got), std::error_code());
  EXPECT_EQ(got.reasons.size(), 0u);  // the duplicate's reasons were not stored
}

// The daemon's writer hands over hundreds of comments at once: every one is
// stored with its reasons (in order, a rule repeated within a comment too),
// ids follow the batch's order, and the review queue's kept counts see each
// queued comment and each of its enforced rules once.
TEST_P(StoreTest, ABatchOfManyCommentsIsCommittedWhole) {
  constexpr int kComments = 600;
  std::vector<Comment> batch;
  std::string want;
  for (int i = 0; i < kComments; ++i) {
    // Every third has no external id; quotes, braces, commas and
    // backslashes must arrive as sent.
    Comment c = MakeComment("s" + std::to_string(i % 2),
                            i % 3 == 0 ? "" : "id,{" + std::to_string(i) + "}\"\\");
    c.content = "text \"" + std::to_string(i) + "\" {a,b} \\N NULL";
    c.score = i / 7.0;
    if (i % 4 == 0) {
      c.status = "pending";
      c.action = "hold";
      c.language = "en";
      c.reasons = {{"casino", "", "content", 1.5, 0, 4, "text", false},
                   {"links", "", "content", 0.5, -1, -1, "", true},
                   {"casino", "again", "content", 1.5, 5, 9, "\"x\"", false}};
    }
    batch.push_back(c);
    want += std::to_string(i + 1) + " new \n";
  }
  auto store = OpenRw();
  EXPECT_EQ(Render(Insert(*store, batch)), want);
  EXPECT_EQ(CountOf(*store), kComments);
  for (int id : {1, 2, 5, 301, 600}) {
    Comment got;
    ASSERT_EQ(store->Get(id, &got), std::error_code());
    Comment expected = batch[id - 1];
    expected.id = id;
    EXPECT_EQ(Render(got), Render(expected)) << id;
  }
  QueueCounts counts;
  ASSERT_EQ(store->CountQueue(QueueFilter{}, &counts), std::error_code());
  EXPECT_EQ(counts.total, kComments / 4);
  EXPECT_EQ(counts.by_site, (std::map<std::string, int64_t>{{"s0", kComments / 4}}));
  EXPECT_EQ(counts.by_rule, (std::map<std::string, int64_t>{{"casino", kComments / 4}}));
}

// Copies of one (site, external_id) within a batch, of a new comment and of
// a stored one, all get the first one's id and verdict; only the first is
// stored, and no copy uses up an id (the next comment's id follows on).
TEST_P(StoreTest, DuplicatesWithinOneBatchGetTheFirstVerdictAndUseUpNoId) {
  auto store = OpenRw();
  Insert(*store, {MakeComment("s", "stored")});
  Comment b2 = MakeComment("s", "b");
  b2.verdict_json = "{\"verdict\":\"b, second\"}";
  Comment b3 = b2;
  b3.verdict_json = "{\"verdict\":\"b, third\"}";
  Comment stored2 = MakeComment("s", "stored");
  stored2.verdict_json = "{\"verdict\":\"stored, second\"}";
  EXPECT_EQ(Render(Insert(*store, {MakeComment("s", "b"), b2, stored2, MakeComment("s", ""),
                                   MakeComment("s", "stored"), b3, MakeComment("t", "b")})),
            "2 new \n"
            "2 dup {\"verdict\":\"b\"}\n"
            "1 dup {\"verdict\":\"stored\"}\n"
            "3 new \n"
            "1 dup {\"verdict\":\"stored\"}\n"
            "2 dup {\"verdict\":\"b\"}\n"
            "4 new \n");
  EXPECT_EQ(CountOf(*store), 4);
  EXPECT_EQ(Render(Insert(*store, {MakeComment("s", "c")})), "5 new \n");
}

TEST_P(StoreTest, EmptyExternalIdAndOtherSitesAreNeverDuplicates) {
  auto store = OpenRw();
  EXPECT_EQ(Render(Insert(*store, {MakeComment("s", ""), MakeComment("s", ""),
                                   MakeComment("s", "x"), MakeComment("t", "x")})),
            "1 new \n2 new \n3 new \n4 new \n");
}

TEST_P(StoreTest, EmptyBatchAndNullOutcomes) {
  auto store = OpenRw();
  std::vector<InsertOutcome> outcomes = {InsertOutcome{7, true, "stale"}};
  EXPECT_EQ(store->InsertBatch({}, &outcomes), std::error_code());
  EXPECT_EQ(outcomes.size(), 0u);
  std::vector<Comment> one = {MakeComment("s", "a")};
  EXPECT_EQ(store->InsertBatch(one, nullptr), std::error_code());
  EXPECT_EQ(CountOf(*store), 1);
}

TEST_P(StoreTest, ErrorRollsBackTheWholeBatch) {
  auto store = OpenRw();
  Insert(*store, {MakeComment("s", "before")});
  Comment bad = MakeComment("s", "bad");
  bad.status = "spam";
  Comment good = MakeComment("s", "good");
  good.reasons = {{"r", "", "content", 1, -1, -1, "", false}};
  std::vector<Comment> batch = {good, MakeComment("s", "before"), bad};
  std::vector<InsertOutcome> outcomes;
  const std::error_code ec = store->InsertBatch(batch, &outcomes);
  EXPECT_EQ(ec, Errc::constraint);
  EXPECT_EQ(ec.message(), "database constraint failed");
  EXPECT_FALSE(IsRetryable(ec));
  EXPECT_EQ(store->LastErrorMessage(),
            sqlite() ? "CHECK constraint failed: status IN ('approved', 'pending', 'rejected')"
                     : "new row for relation \"comments\" violates check constraint "
                       "\"comments_status_check\"");
  EXPECT_EQ(outcomes.size(), 0u);
  EXPECT_EQ(CountOf(*store), 1);
  // Nothing of the batch stayed: "good" is new again and its reasons went
  // with it. SQLite reuses id 2; a PostgreSQL sequence never goes back, so
  // the rolled-back batch used up 2 and 3.
  const int64_t good_id = sqlite() ? 2 : 4;
  EXPECT_EQ(Render(Insert(*store, {good})), std::to_string(good_id) + " new \n");
  Comment got;
  ASSERT_EQ(store->Get(good_id, &got), std::error_code());
  EXPECT_EQ(got.reasons.size(), 1u);

  Comment bad_json = MakeComment("s", "j");
  bad_json.meta_json = "{not json";
  std::vector<Comment> batch2 = {bad_json};
  EXPECT_EQ(store->InsertBatch(batch2, &outcomes), Errc::constraint);
  EXPECT_EQ(store->LastErrorMessage(), sqlite() ? "CHECK constraint failed: json_valid(meta_json)"
                                                : "invalid input syntax for type json");
  EXPECT_EQ(CountOf(*store), 2);
}

TEST_P(StoreSqliteTest, BusyWhenAnotherConnectionHoldsTheWriteLock) {
  StoreOptions options;
  options.busy_timeout_ms = 0;
  auto store = OpenRw(options);
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);

  std::vector<Comment> batch = {MakeComment("s", "a")};
  std::vector<InsertOutcome> outcomes;
  const std::error_code ec = store->InsertBatch(batch, &outcomes);
  EXPECT_EQ(ec, Errc::busy);
  EXPECT_TRUE(IsRetryable(ec));
  EXPECT_EQ(store->LastErrorMessage(), "database is locked");
  EXPECT_EQ(store->UpdateStatus(1, "approved", 0), Errc::busy);

  ASSERT_EQ(sqlite3_exec(other, "COMMIT", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(other);
  EXPECT_EQ(store->InsertBatch(batch, &outcomes), std::error_code());
  EXPECT_EQ(Render(outcomes), "1 new \n");
}

TEST_P(StoreTest, ReadOnlySeesCommittedDataBesideTheWriterAndCannotWrite) {
  auto writer = OpenRw();
  Insert(*writer, {MakeComment("s", "a")});
  auto reader = OpenRo();
  ASSERT_NE(reader, nullptr);
  Comment got;
  ASSERT_EQ(reader->Get(1, &got), std::error_code());
  EXPECT_EQ(got.external_id, "a");

  // The writer keeps writing while the reader is open.
  Insert(*writer, {MakeComment("s", "b")});
  EXPECT_EQ(CountOf(*reader), 2);

  std::vector<Comment> batch = {MakeComment("s", "c")};
  std::vector<InsertOutcome> outcomes;
  const std::error_code ec = reader->InsertBatch(batch, &outcomes);
  EXPECT_EQ(ec, Errc::read_only);
  EXPECT_EQ(ec.message(), "database is open read-only");
  EXPECT_EQ(reader->LastErrorMessage(), "store is open read-only");
  EXPECT_EQ(reader->UpdateStatus(1, "rejected", 5), Errc::read_only);
  int64_t id = 0;
  EXPECT_EQ(reader->AddLabel({0, 1, "spam", "moderator", "", 1}, &id), Errc::read_only);
  EXPECT_EQ(reader->AddRulesVersion({0, "x", "", "", 1, false}, &id), Errc::read_only);
  EXPECT_EQ(reader->ActivateRulesVersion(1), Errc::read_only);
  EXPECT_EQ(CountOf(*writer), 2);
}

TEST_P(StoreSqliteTest, ReadOnlyOpenFailures) {
  std::string error;
  EXPECT_EQ(Store::Open(path_, Store::OpenMode::kReadOnly, &error), nullptr);
  EXPECT_EQ(error, path_ + ": unable to open database file");
  std::ofstream(path_).close();  // an empty file is schema version 0
  EXPECT_EQ(Store::Open(path_, Store::OpenMode::kReadOnly, &error), nullptr);
  EXPECT_EQ(error, path_ + ": database schema version 0 is older than this build's " +
                       std::to_string(Store::CurrentSchemaVersion()) +
                       "; open it read-write once to migrate");
}

TEST_P(StoreSqliteTest, OpenRejectsAFileThatIsNotADatabase) {
  std::ofstream(path_) << std::string(4096, 'z');
  std::string error;
  EXPECT_EQ(Store::Open(path_, Store::OpenMode::kReadWrite, &error), nullptr);
  EXPECT_EQ(error, path_ + ": file is not a database");
}

TEST_P(StoreSqliteTest, OpenWithOptionsAndInMemory) {
  StoreOptions options;
  options.synchronous_full = true;
  options.busy_timeout_ms = 100;
  auto store = OpenRw(options);
  Insert(*store, {MakeComment("s", "a")});
  EXPECT_EQ(CountOf(*store), 1);

  std::string error;
  auto memory = Store::Open(":memory:", Store::OpenMode::kReadWrite, &error);
  ASSERT_NE(memory, nullptr) << error;
  Insert(*memory, {MakeComment("s", "a")});
  EXPECT_EQ(CountOf(*memory), 1);
}

// The daemon's writer opens its store with auto_checkpoint = false and
// checkpoints from a second connection (daemon/db/decision_writer.h).
TEST_P(StoreSqliteTest, CheckpointsFromASecondConnectionWhenAutoCheckpointIsOff) {
  StoreOptions manual;
  manual.auto_checkpoint = false;
  manual.busy_timeout_ms = 0;
  auto writer = OpenRw(manual);
  auto checkpointer = OpenRw(manual);
  const std::string big(3000, 'x');  // one comment, one commit: several WAL frames
  int inserted = 0;
  auto insert = [&](int n) {
    for (int i = 0; i < n; ++i) {
      Comment c = MakeComment("s", std::to_string(inserted++));
      c.content = big;
      Insert(*writer, {c});
    }
  };
  // SQLite alone would have checkpointed and started the WAL over at 1000.
  insert(600);
  const int64_t grown = writer->wal_frames();
  EXPECT_GT(grown, 1000);
  EXPECT_GE(static_cast<int64_t>(std::filesystem::file_size(path_ + "-wal")), grown * 4096);

  CheckpointResult r;
  ASSERT_EQ(checkpointer->Checkpoint(Store::CheckpointMode::kPassive, &r), std::error_code());
  EXPECT_EQ(r.wal_frames, grown);
  EXPECT_EQ(r.checkpointed, grown);
  // Everything was copied and nobody reads the WAL: the next commit starts it over.
  insert(1);
  EXPECT_LT(writer->wal_frames(), 50);

  // A reader on an old snapshot: a passive checkpoint copies only what that
  // reader does not need, and a restart cannot finish.
  sqlite3* reader = nullptr;
  ASSERT_EQ(sqlite3_open_v2(path_.c_str(), &reader, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  ASSERT_EQ(
      sqlite3_exec(reader, "BEGIN; SELECT count(*) FROM comments;", nullptr, nullptr, nullptr),
      SQLITE_OK);
  insert(20);
  ASSERT_EQ(checkpointer->Checkpoint(Store::CheckpointMode::kPassive, &r), std::error_code());
  EXPECT_EQ(r.wal_frames, writer->wal_frames());
  EXPECT_LT(r.checkpointed, r.wal_frames);
  EXPECT_EQ(writer->Checkpoint(Store::CheckpointMode::kRestart, &r), Errc::busy);
  EXPECT_EQ(writer->LastErrorMessage(), "database is locked");
  ASSERT_EQ(sqlite3_exec(reader, "COMMIT", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(reader);

  // With the reader gone a restart copies everything, from the writer's own
  // connection too, and the WAL starts over.
  ASSERT_EQ(writer->Checkpoint(Store::CheckpointMode::kRestart, &r), std::error_code());
  EXPECT_EQ(r.checkpointed, r.wal_frames);
  insert(1);
  EXPECT_LT(writer->wal_frames(), 50);
  EXPECT_EQ(CountOf(*OpenRo()), inserted);

  // Tracking is only for stores that do not checkpoint themselves.
  auto automatic = OpenRw();
  Insert(*automatic, {MakeComment("s", "auto")});
  EXPECT_EQ(automatic->wal_frames(), 0);
  EXPECT_EQ(OpenRo()->Checkpoint(Store::CheckpointMode::kPassive, &r), Errc::read_only);
}

TEST_P(StoreTest, GetUnknownIdIsNotFound) {
  auto store = OpenRw();
  Comment got;
  const std::error_code ec = store->Get(5, &got);
  EXPECT_EQ(ec, Errc::not_found);
  EXPECT_EQ(ec.message(), "not found");
  EXPECT_EQ(store->LastErrorMessage(), "no comment 5");
}

TEST_P(StoreTest, UpdateStatus) {
  auto store = OpenRw();
  Insert(*store, {MakeComment("s", "a")});
  EXPECT_EQ(store->UpdateStatus(1, "rejected", 1700000009999), std::error_code());
  Comment got;
  ASSERT_EQ(store->Get(1, &got), std::error_code());
  EXPECT_EQ(got.status, "rejected");
  EXPECT_EQ(got.action, "accept");  // the first verdict's action is kept
  EXPECT_EQ(got.updated_at_ms, 1700000009999);

  EXPECT_EQ(store->UpdateStatus(2, "approved", 1), Errc::not_found);
  EXPECT_EQ(store->LastErrorMessage(), "no comment 2");
  EXPECT_EQ(store->UpdateStatus(1, "deleted", 1), Errc::constraint);
  ASSERT_EQ(store->Get(1, &got), std::error_code());
  EXPECT_EQ(got.status, "rejected");
}

TEST_P(StoreTest, ScanInIdOrderWithoutReasonsUntilFnReturnsFalse) {
  auto store = OpenRw();
  std::vector<Comment> batch;
  for (const char* id : {"a", "b", "c", "d", "e"}) {
    batch.push_back(MakeComment("s", id));
    batch.back().reasons = {{"r", "", "content", 1, -1, -1, "", false}};
  }
  Insert(*store, batch);

  std::string seen;
  EXPECT_EQ(store->Scan(0, 100,
                        [&](const Comment& c) {
                          seen += std::to_string(c.id) + c.external_id +
                                  std::to_string(c.reasons.size()) + " ";
                          return true;
                        }),
            std::error_code());
  EXPECT_EQ(seen, "1a0 2b0 3c0 4d0 5e0 ");

  seen.clear();
  EXPECT_EQ(store->Scan(2, 4,
                        [&](const Comment& c) {
                          seen += std::to_string(c.id) + " ";
                          return c.id < 3;
                        }),
            std::error_code());
  EXPECT_EQ(seen, "2 3 ");

  // Reads inside the callback are allowed; a nested Scan is not.
  seen.clear();
  std::error_code inner;
  EXPECT_EQ(store->Scan(4, 4,
                        [&](const Comment& c) {
                          Comment full;
                          EXPECT_EQ(store->Get(c.id, &full), std::error_code());
                          seen += std::to_string(full.reasons.size());
                          inner = store->Scan(1, 1, [](const Comment&) { return true; });
                          return true;
                        }),
            std::error_code());
  EXPECT_EQ(seen, "1");
  EXPECT_EQ(inner, Errc::internal);
  EXPECT_EQ(store->LastErrorMessage(), "Scan called from inside a Scan callback");

  seen.clear();
  EXPECT_EQ(store->Scan(5, 1, [&](const Comment&) { return seen += "x", true; }),
            std::error_code());
  EXPECT_EQ(seen, "");
}

TEST_P(StoreTest, Labels) {
  auto store = OpenRw();
  Insert(*store, {MakeComment("s", "a"), MakeComment("s", "b")});
  int64_t id = 0;
  EXPECT_EQ(store->AddLabel({0, 2, "spam", "moderator", "alice", 1000}, &id), std::error_code());
  EXPECT_EQ(id, 1);
  EXPECT_EQ(store->AddLabel({0, 1, "ham", "site", "", 1001}, &id), std::error_code());
  EXPECT_EQ(id, 2);
  EXPECT_EQ(store->AddLabel({0, 2, "abuse", "moderator", "bob", 1002}, &id), std::error_code());
  EXPECT_EQ(id, 3);

  std::vector<Label> labels;
  EXPECT_EQ(store->ListLabels(2, &labels), std::error_code());
  EXPECT_EQ(Render(labels),
            "1 comment=2 spam source=moderator author=alice at=1000\n"
            "3 comment=2 abuse source=moderator author=bob at=1002\n");
  EXPECT_EQ(store->ListLabels(9, &labels), std::error_code());
  EXPECT_EQ(Render(labels), "");

  EXPECT_EQ(store->AddLabel({0, 9, "spam", "moderator", "", 1}, &id), Errc::not_found);
  EXPECT_EQ(store->LastErrorMessage(), "no comment 9");
  EXPECT_EQ(store->AddLabel({0, 1, "", "moderator", "", 1}, &id), Errc::constraint);
  EXPECT_EQ(store->LastErrorMessage(),
            sqlite() ? "CHECK constraint failed: label <> ''"
                     : "new row for relation \"labels\" violates check constraint "
                       "\"labels_label_check\"");
}

TEST_P(StoreTest, RulesVersionsActivateRollbackAndList) {
  auto store = OpenRw();
  RulesVersion active;
  EXPECT_EQ(store->ActiveRulesVersion(&active), Errc::not_found);
  EXPECT_EQ(store->LastErrorMessage(), "no active rules version");

  int64_t id = 0;
  EXPECT_EQ(store->AddRulesVersion({0, "body ~ /casino/", "alice", "first", 100, false}, &id),
            std::error_code());
  EXPECT_EQ(id, 1);
  EXPECT_EQ(store->AddRulesVersion({0, "body ~ /poker/", "bob", "second", 200, false}, &id),
            std::error_code());
  EXPECT_EQ(id, 2);
  ASSERT_EQ(store->ActiveRulesVersion(&active), std::error_code());
  EXPECT_EQ(Render({active}), "2 text=body ~ /poker/ author=bob comment=second at=200 active\n");

  std::vector<RulesVersion> list;
  EXPECT_EQ(store->ListRulesVersions(&list), std::error_code());
  EXPECT_EQ(Render(list),
            "2 text= author=bob comment=second at=200 active\n"
            "1 text= author=alice comment=first at=100\n");

  // Roll back to version 1.
  EXPECT_EQ(store->ActivateRulesVersion(1), std::error_code());
  ASSERT_EQ(store->ActiveRulesVersion(&active), std::error_code());
  EXPECT_EQ(Render({active}), "1 text=body ~ /casino/ author=alice comment=first at=100 active\n");
  RulesVersion v2;
  ASSERT_EQ(store->GetRulesVersion(2, &v2), std::error_code());
  EXPECT_EQ(Render({v2}), "2 text=body ~ /poker/ author=bob comment=second at=200\n");

  // An unknown id changes nothing.
  EXPECT_EQ(store->ActivateRulesVersion(7), Errc::not_found);
  EXPECT_EQ(store->LastErrorMessage(), "no rules version 7");
  ASSERT_EQ(store->ActiveRulesVersion(&active), std::error_code());
  EXPECT_EQ(active.id, 1);
  EXPECT_EQ(store->GetRulesVersion(7, &v2), Errc::not_found);

  // Re-activating the active version is fine.
  EXPECT_EQ(store->ActivateRulesVersion(1), std::error_code());
  EXPECT_EQ(store->ListRulesVersions(&list), std::error_code());
  EXPECT_EQ(Render(list),
            "2 text= author=bob comment=second at=200\n"
            "1 text= author=alice comment=first at=100 active\n");
}

TEST(StorageErrorsTest, CategoryMessagesAndRetryability) {
  EXPECT_STREQ(category().name(), "moderated.storage");
  const std::pair<Errc, const char*> expected[] = {
      {Errc::busy, "database is busy; retry later"},
      {Errc::io_error, "database I/O error"},
      {Errc::disk_full, "database or disk is full"},
      {Errc::corrupt, "database file is corrupt or not a database"},
      {Errc::schema_too_new, "database schema is newer than this build"},
      {Errc::not_found, "not found"},
      {Errc::constraint, "database constraint failed"},
      {Errc::internal, "internal database error"},
      {Errc::read_only, "database is open read-only"},
  };
  for (const auto& [errc, message] : expected) {
    const std::error_code ec = errc;
    EXPECT_EQ(ec.message(), message);
    EXPECT_EQ(&ec.category(), &category());
    EXPECT_EQ(IsRetryable(ec), errc == Errc::busy) << message;
  }
  EXPECT_EQ(std::error_code(99, category()).message(), "unknown storage error 99");
  EXPECT_FALSE(IsRetryable(std::error_code()));
  // Same value, other category: not ours, not retryable.
  EXPECT_FALSE(IsRetryable(std::error_code(1, std::generic_category())));
}

MODERATED_INSTANTIATE_FOR_BOTH_BACKENDS(StoreTest);
MODERATED_INSTANTIATE_FOR_SQLITE_ONLY(StoreSqliteTest);

}  // namespace
}  // namespace moderated::storage

// tests/storage/sqlite/schema_test.cc
//
// Migrations, schema versions and connection settings, checked on the file
// with plain SQLite next to the Store.
#include "storage/sqlite/schema.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <fstream>
#include <sstream>
#include <string>

#include "storage/store.h"
#include "storage/sqlite/impl.h"
#include "tests/testing/temp_dir.h"

namespace moderated::storage {
namespace {

using testing::TempDir;

// A raw connection for inspecting or preparing a file behind the Store.
class RawDb {
 public:
  explicit RawDb(const std::string& path) {
    EXPECT_EQ(sqlite3_open(path.c_str(), &db_), SQLITE_OK);
    // The search statements call it, as on the Store's own connections.
    EXPECT_EQ(internal::RegisterTextFunctions(db_), SQLITE_OK);
  }
  ~RawDb() { sqlite3_close(db_); }
  sqlite3* get() { return db_; }

  void Exec(const std::string& sql) {
    char* message = nullptr;
    EXPECT_EQ(sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message), SQLITE_OK)
        << (message ? message : "");
    sqlite3_free(message);
  }
  // Every row as "a|b|c\n".
  std::string Query(const std::string& sql) {
    std::string out;
    sqlite3_stmt* stmt = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK)
        << sqlite3_errmsg(db_);
    while (sqlite3_step(stmt) == SQLITE_ROW) {
      for (int i = 0; i < sqlite3_column_count(stmt); ++i) {
        if (i > 0) out += "|";
        const unsigned char* text = sqlite3_column_text(stmt, i);
        out += text ? reinterpret_cast<const char*>(text) : "NULL";
      }
      out += "\n";
    }
    sqlite3_finalize(stmt);
    return out;
  }

 private:
  sqlite3* db_ = nullptr;
};

constexpr char kSchemaObjects[] =
    "SELECT type, name, tbl_name FROM sqlite_schema "
    "WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name";

TEST(SchemaTest, MigrationsAreNumberedOneToCurrent) {
  int expected = 1;
  for (const internal::Migration& step : internal::Migrations()) {
    EXPECT_EQ(step.version, expected++);
  }
  EXPECT_EQ(Store::CurrentSchemaVersion(), 14);
  EXPECT_EQ(internal::Migrations().back().version, Store::CurrentSchemaVersion());
}

TEST(SchemaTest, EmptyFileMigratesToCurrentInWalMode) {
  TempDir dir;
  const std::string path = dir.File("db");
  std::ofstream(path).close();  // zero bytes: user_version 0
  std::string error;
  ASSERT_NE(Store::Open(path, Store::OpenMode::kReadWrite, &error), nullptr) << error;

  RawDb raw(path);
  EXPECT_EQ(raw.Query("PRAGMA user_version"), "14\n");
  EXPECT_EQ(raw.Query("PRAGMA journal_mode"), "wal\n");
  EXPECT_EQ(raw.Query(kSchemaObjects),
            "index|audit_log_action|audit_log\n"
            "index|audit_log_at|audit_log\n"
            "index|comments_author_email|comments\n"
            "index|comments_author_ip|comments\n"
            "index|comments_queue|comments\n"
            "index|comments_queue_email|comments\n"
            "index|comments_queue_ip|comments\n"
            "index|comments_queue_language|comments\n"
            "index|comments_queue_language_score|comments\n"
            "index|comments_queue_language_score_desc|comments\n"
            "index|comments_queue_score|comments\n"
            "index|comments_queue_score_desc|comments\n"
            "index|comments_queue_site|comments\n"
            "index|comments_queue_site_score|comments\n"
            "index|comments_queue_site_score_desc|comments\n"
            "index|comments_search_email|comments\n"
            "index|comments_search_ip|comments\n"
            "index|comments_search_received|comments\n"
            "index|comments_search_score|comments\n"
            "index|comments_search_thread|comments\n"
            "index|comments_site_external_id|comments\n"
            "index|comments_site_received|comments\n"
            "index|comments_site_updated|comments\n"
            "index|comments_spot_check|comments\n"
            "index|comments_status|comments\n"
            "index|decisions_bulk|decisions\n"
            "index|decisions_comment|decisions\n"
            "index|decisions_comment_actor|decisions\n"
            "index|labels_comment|labels\n"
            "index|labels_decision|labels\n"
            "index|labels_search|labels\n"
            "index|models_one_active|models\n"
            "index|outbox_due|outbox\n"
            "index|reasons_search_rule|reasons\n"
            "index|rules_versions_one_active|rules_versions\n"
            "table|audit_log|audit_log\n"
            "table|bulk_actions|bulk_actions\n"
            "table|claims|claims\n"
            "table|comments|comments\n"
            "table|comments_fts|comments_fts\n"
            "table|comments_fts_config|comments_fts_config\n"
            "table|comments_fts_data|comments_fts_data\n"
            "table|comments_fts_docsize|comments_fts_docsize\n"
            "table|comments_fts_idx|comments_fts_idx\n"
            "table|decisions|decisions\n"
            "table|labels|labels\n"
            "table|models|models\n"
            "table|outbox|outbox\n"
            "table|queue_counts|queue_counts\n"
            "table|queue_rules|queue_rules\n"
            "table|reasons|reasons\n"
            "table|rules_versions|rules_versions\n"
            "table|saved_views|saved_views\n"
            "table|sites|sites\n"
            "table|text_index_state|text_index_state\n"
            "table|tokens|tokens\n"
            "trigger|comments_fts_delete|comments\n"
            "trigger|comments_fts_insert|comments\n"
            "trigger|comments_fts_update|comments\n"
            "trigger|comments_queue_delete|comments\n"
            "trigger|comments_queue_insert|comments\n"
            "trigger|comments_queue_rules_delete|comments\n"
            "trigger|comments_queue_rules_enter|comments\n"
            "trigger|comments_queue_rules_leave|comments\n"
            "trigger|comments_queue_update|comments\n"
            "trigger|reasons_queue_count|reasons\n");
  EXPECT_EQ(raw.Query("PRAGMA foreign_key_list(reasons)"),
            "0|0|comments|comment_id|id|NO ACTION|CASCADE|NONE\n");
}

// Reputation (GetReputation) counts an author's comments by status and site
// for every comment a reputation rule scores: the index must answer alone,
// without reading comment rows.
TEST(SchemaTest, AuthorIndexesCoverReputationCounts) {
  TempDir dir;
  const std::string path = dir.File("db");
  std::string error;
  ASSERT_NE(Store::Open(path, Store::OpenMode::kReadWrite, &error), nullptr) << error;
  RawDb raw(path);
  for (const char* column : {"author_email", "author_ip"}) {
    const std::string plan = raw.Query(
        std::string("EXPLAIN QUERY PLAN SELECT sum(status = 'approved'), sum(status = "
                    "'rejected') FROM comments WHERE ") +
        column + " = 'x' AND " + column + " <> '' AND site IN ('a', 'b')");
    EXPECT_NE(plan.find(std::string("USING COVERING INDEX comments_") + column + " (" + column +
                        "=?)"),
              std::string::npos)
        << plan;
    // The capped form rules use: one bounded range per status.
    const std::string capped = raw.Query(
        std::string("EXPLAIN QUERY PLAN SELECT 1 FROM comments WHERE ") + column + " = 'x' AND " +
        column + " <> '' AND status = 'rejected' AND site IN ('a') LIMIT 5");
    EXPECT_NE(capped.find(std::string("USING COVERING INDEX comments_") + column + " (" + column +
                          "=? AND status=?"),
              std::string::npos)
        << capped;
  }
}

// The review queue lists pending comments and spot checks out of a table of
// every comment ever received. Each listing walks one of the queue's own
// partial indexes in its order (a page reads `limit` entries), a cursor page
// seeks into it, and no statement scans comments (or reasons) or sorts the
// queue: the only sorts are the merge of a cursor page's two ranges, at most
// twice `limit` rows, and one author's items in score order.
TEST(SchemaTest, QueueStatementsReadThroughTheQueueIndexes) {
  TempDir dir;
  const std::string path = dir.File("db");
  std::string error;
  ASSERT_NE(Store::Open(path, Store::OpenMode::kReadWrite, &error), nullptr) << error;
  RawDb raw(path);
  const std::vector<std::string> sql = internal::QueueStatements();
  ASSERT_EQ(sql.size(), 72u);
  std::vector<std::string> plans;
  for (const std::string& s : sql) {
    const std::string plan = raw.Query("EXPLAIN QUERY PLAN " + s);
    plans.push_back(plan);
    std::istringstream lines(plan);
    for (std::string line; std::getline(lines, line);) {
      if (line.find("SCAN c ") != std::string::npos || line.find("SEARCH c ") != std::string::npos) {
        // The comments a text matches are read by rowid (the text path),
        // and those not indexed yet as a range of rowids above the mark.
        const bool by_rowid =
            line.find("SEARCH c USING INTEGER PRIMARY KEY (rowid=?)") != std::string::npos ||
            line.find("SEARCH c USING INTEGER PRIMARY KEY (rowid>?") != std::string::npos;
        EXPECT_TRUE(by_rowid || line.find("USING INDEX comments_queue") != std::string::npos)
            << s << "\n" << plan;
      }
      EXPECT_EQ(line.find("SCAN rr"), std::string::npos) << s << "\n" << plan;
    }
  }
  // First pages (oldest, newest, score desc, score asc; of the whole queue
  // and of one site): an ordered walk.
  for (int i : {0, 1, 2, 3, 8, 9, 10, 11}) {
    EXPECT_EQ(plans[i].find("TEMP B-TREE"), std::string::npos) << sql[i] << "\n" << plans[i];
  }
  for (int i = 8; i < 16; ++i) {
    EXPECT_NE(plans[i].find("USING INDEX comments_queue_site"), std::string::npos)
        << sql[i] << "\n" << plans[i];
  }
  // Cursor pages seek.
  EXPECT_NE(plans[4].find("SEARCH c USING INDEX comments_queue (id>?)"), std::string::npos)
      << plans[4];
  EXPECT_NE(plans[5].find("SEARCH c USING INDEX comments_queue (id<?)"), std::string::npos)
      << plans[5];
  EXPECT_NE(plans[6].find("SEARCH c USING INDEX comments_queue_score_desc (score=? AND id>?)"),
            std::string::npos)
      << plans[6];
  EXPECT_NE(plans[6].find("SEARCH c USING INDEX comments_queue_score_desc (score<?)"),
            std::string::npos)
      << plans[6];
  EXPECT_NE(plans[7].find("SEARCH c USING INDEX comments_queue_score (score=? AND id>?)"),
            std::string::npos)
      << plans[7];
  EXPECT_NE(plans[7].find("SEARCH c USING INDEX comments_queue_score (score>?)"),
            std::string::npos)
      << plans[7];
  // One site's cursor pages seek within that site.
  EXPECT_NE(plans[12].find("SEARCH c USING INDEX comments_queue_site (site=? AND id>?)"),
            std::string::npos)
      << plans[12];
  EXPECT_NE(plans[13].find("SEARCH c USING INDEX comments_queue_site (site=? AND id<?)"),
            std::string::npos)
      << plans[13];
  EXPECT_NE(plans[14].find("SEARCH c USING INDEX comments_queue_site_score_desc (site=? AND "
                           "score=? AND id>?)"),
            std::string::npos)
      << plans[14];
  EXPECT_NE(plans[15].find("SEARCH c USING INDEX comments_queue_site_score (site=? AND score>?)"),
            std::string::npos)
      << plans[15];
  // One author (IP, then e-mail): every listing, its capped counts and its
  // exact count read only that author's queue items; the score orders sort
  // those items (the author's, not the queue).
  for (int i = 18; i < 26; ++i) {
    EXPECT_NE(plans[i].find("SEARCH c USING INDEX comments_queue_ip (author_ip=?"),
              std::string::npos)
        << sql[i] << "\n" << plans[i];
    EXPECT_NE(plans[i + 8].find("SEARCH c USING INDEX comments_queue_email (<expr>=?"),
              std::string::npos)
        << sql[i + 8] << "\n" << plans[i + 8];
  }
  EXPECT_NE(plans[22].find("comments_queue_ip (author_ip=? AND id>?)"), std::string::npos)
      << plans[22];
  EXPECT_NE(plans[31].find("comments_queue_email (<expr>=? AND id<?)"), std::string::npos)
      << plans[31];
  const char* const kPathIndex[] = {"comments_queue_site (site=?)",
                                    "comments_queue_ip (author_ip=?)",
                                    "comments_queue_email (<expr>=?)"};
  for (int i = 0; i < 3; ++i) {
    EXPECT_NE(plans[34 + i].find(std::string("SEARCH c USING INDEX ") + kPathIndex[i]),
              std::string::npos)
        << sql[34 + i] << "\n" << plans[34 + i];
    EXPECT_NE(plans[38 + i].find(std::string("SEARCH c USING INDEX ") + kPathIndex[i]),
              std::string::npos)
        << sql[38 + i] << "\n" << plans[38 + i];
  }
  EXPECT_NE(plans[37].find("SCAN c USING INDEX comments_queue\n"), std::string::npos) << plans[37];
  // One language (41..50): its part of the queue, in each order, seeking to
  // the cursor; its counts and exact count read only its entries.
  for (int i = 41; i < 51; ++i) {
    EXPECT_NE(plans[i].find("SEARCH c USING INDEX comments_queue_language"), std::string::npos)
        << sql[i] << "\n" << plans[i];
  }
  for (int i : {41, 42, 43, 44}) {
    EXPECT_EQ(plans[i].find("TEMP B-TREE"), std::string::npos) << sql[i] << "\n" << plans[i];
  }
  EXPECT_NE(plans[45].find("comments_queue_language (language=? AND id>?)"), std::string::npos)
      << plans[45];
  EXPECT_NE(plans[46].find("comments_queue_language (language=? AND id<?)"), std::string::npos)
      << plans[46];
  EXPECT_NE(plans[47].find("comments_queue_language_score_desc (language=? AND score=? AND id>?)"),
            std::string::npos)
      << plans[47];
  // A text (51..60): the full-text index drives every statement, in rowid
  // order for oldest and newest (no sort) and from the cursor's rowid on;
  // each match is one lookup of its comment by rowid. Beside it, the
  // comments above the index's mark are a range of rowids; the listings
  // merge the two sides in order.
  for (int i = 51; i < 61; ++i) {
    EXPECT_NE(plans[i].find("SCAN f VIRTUAL TABLE INDEX"), std::string::npos)
        << sql[i] << "\n" << plans[i];
    EXPECT_NE(plans[i].find("SEARCH c USING INTEGER PRIMARY KEY (rowid=?)"), std::string::npos)
        << sql[i] << "\n" << plans[i];
    EXPECT_NE(plans[i].find("SEARCH c USING INTEGER PRIMARY KEY (rowid>?"), std::string::npos)
        << sql[i] << "\n"
        << plans[i];
  }
  for (int i : {51, 52, 55, 56}) {
    EXPECT_NE(plans[i].find("MERGE (UNION ALL)"), std::string::npos) << sql[i] << "\n" << plans[i];
  }
  for (int i : {51, 52, 55, 56}) {
    EXPECT_EQ(plans[i].find("TEMP B-TREE"), std::string::npos) << sql[i] << "\n" << plans[i];
  }
  // FTS5 takes the cursor: MATCH with rowid > (oldest) or < (newest).
  EXPECT_NE(plans[55].find("SCAN f VIRTUAL TABLE INDEX 64:M1>"), std::string::npos) << plans[55];
  EXPECT_NE(plans[56].find("SCAN f VIRTUAL TABLE INDEX 192:M1<"), std::string::npos) << plans[56];
  // A rule (61..70): queue_rules drives every statement, the rule's items
  // in id order (no sort for oldest and newest, the cursor a seek), each
  // one lookup of its comment by rowid.
  for (int i = 61; i < 71; ++i) {
    EXPECT_NE(plans[i].find("SEARCH qr USING PRIMARY KEY (rule_id=?"), std::string::npos)
        << sql[i] << "\n" << plans[i];
    EXPECT_NE(plans[i].find("SEARCH c USING INTEGER PRIMARY KEY (rowid=?)"), std::string::npos)
        << sql[i] << "\n" << plans[i];
  }
  for (int i : {61, 62, 65, 66}) {
    EXPECT_EQ(plans[i].find("TEMP B-TREE"), std::string::npos) << sql[i] << "\n" << plans[i];
  }
  EXPECT_NE(plans[65].find("SEARCH qr USING PRIMARY KEY (rule_id=? AND comment_id>?)"),
            std::string::npos)
      << plans[65];
  EXPECT_NE(plans[66].find("SEARCH qr USING PRIMARY KEY (rule_id=? AND comment_id<?)"),
            std::string::npos)
      << plans[66];
  // Kept counts and the rule's share read queue_counts alone (a few rows per
  // site), not comments.
  for (int i : {17, 71}) {
    EXPECT_NE(plans[i].find("queue_counts"), std::string::npos) << plans[i];
    EXPECT_EQ(plans[i].find("comments"), std::string::npos) << plans[i];
  }
}

// Search over every comment (sqlite/search.cc), one statement per path:
// text, e-mail, IP, thread, status, none, rule, label. Each reads its index
// newest first from the cursor on (no sort, no scan of the table); the date
// and score paths read their range of an index and sort it (no scan).
TEST(SchemaTest, SearchStatementsReadNewestFirstThroughTheirIndex) {
  TempDir dir;
  const std::string path = dir.File("db");
  std::string error;
  ASSERT_NE(Store::Open(path, Store::OpenMode::kReadWrite, &error), nullptr) << error;
  RawDb raw(path);
  const std::vector<std::string> sql = internal::SearchStatements();
  ASSERT_EQ(sql.size(), 10u);
  const char* const kDriver[] = {
      "SCAN f VIRTUAL TABLE INDEX 192:M1<",  // MATCH, rowid < cursor, rowid descending
      "SEARCH c USING INDEX comments_search_email (<expr>=? AND id<?)",
      "SEARCH c USING INDEX comments_search_ip (author_ip=? AND id<?)",
      "SEARCH c USING INDEX comments_search_thread (thread=? AND id<?)",
      "SEARCH c USING INDEX comments_status (status=? AND rowid<?)",
      "SEARCH c USING INTEGER PRIMARY KEY (rowid<?)",
      "SEARCH r USING INDEX reasons_search_rule (rule_id=? AND comment_id<?)",
      "SEARCH l USING INDEX labels_search (label=? AND comment_id<?)",
      "SEARCH c USING INDEX comments_search_received (received_at_ms>? AND received_at_ms<?)",
      "SEARCH c USING INDEX comments_search_score (score>? AND score<?)",
  };
  for (size_t i = 0; i < sql.size(); ++i) {
    const std::string plan = raw.Query("EXPLAIN QUERY PLAN " + sql[i]);
    EXPECT_NE(plan.find(kDriver[i]), std::string::npos) << sql[i] << "\n" << plan;
    EXPECT_EQ(plan.find("SCAN c "), std::string::npos) << sql[i] << "\n" << plan;
    EXPECT_EQ(plan.find("SCAN r "), std::string::npos) << sql[i] << "\n" << plan;
    EXPECT_EQ(plan.find("SCAN l "), std::string::npos) << sql[i] << "\n" << plan;
    // The rule and label paths read each comment by its id.
    if (i == 6 || i == 7) {
      EXPECT_NE(plan.find("SEARCH c USING INTEGER PRIMARY KEY (rowid=?)"), std::string::npos)
          << plan;
    }
    // Only the ranges of the date and score paths are sorted.
    if (i < 8) {
      EXPECT_EQ(plan.find("TEMP B-TREE"), std::string::npos) << sql[i] << "\n" << plan;
    }
  }
  // The text path reads each match's comment by rowid, and merges the
  // comments above the index's mark, a range of rowids, newest first.
  const std::string text_plan = raw.Query("EXPLAIN QUERY PLAN " + sql[0]);
  EXPECT_NE(text_plan.find("SEARCH c USING INTEGER PRIMARY KEY (rowid=?)"), std::string::npos)
      << text_plan;
  EXPECT_NE(text_plan.find("SEARCH c USING INTEGER PRIMARY KEY (rowid>? AND rowid<?)"),
            std::string::npos)
      << text_plan;
  EXPECT_NE(text_plan.find("MERGE (UNION ALL)"), std::string::npos) << text_plan;
}

TEST(SchemaTest, MigratesFromVersionOneKeepingData) {
  TempDir dir;
  const std::string path = dir.File("db");
  {
    RawDb raw(path);
    std::string error;
    ASSERT_EQ(internal::Migrate(raw.get(), 1, &error), std::error_code()) << error;
    EXPECT_EQ(raw.Query("PRAGMA user_version"), "1\n");
    EXPECT_EQ(raw.Query("SELECT count(*) FROM sqlite_schema WHERE name = 'labels'"), "0\n");
    raw.Exec(
        "INSERT INTO comments (site, external_id, content, received_at_ms, status, action) "
        "VALUES ('s', 'old', 'from v1', 5, 'pending', 'hold');"
        "INSERT INTO reasons (comment_id, ordinal, rule_id) VALUES (1, 0, 'r0');");
  }
  std::string error;
  auto store = Store::Open(path, Store::OpenMode::kReadWrite, &error);
  ASSERT_NE(store, nullptr) << error;
  Comment got;
  ASSERT_EQ(store->Get(1, &got), std::error_code());
  EXPECT_EQ(got.content, "from v1");
  EXPECT_EQ(got.meta_json, "{}");
  ASSERT_EQ(got.reasons.size(), 1u);
  EXPECT_EQ(got.reasons[0].begin, -1);
  int64_t id = 0;
  EXPECT_EQ(store->AddLabel({0, 1, "ham", "import", "", 6}, &id), std::error_code());
  EXPECT_EQ(id, 1);
  // The queued comment's rules were filled in by migration 14.
  QueueFilter by_rule;
  by_rule.rule = "r0";
  std::vector<Comment> page;
  ASSERT_EQ(store->ListQueue(by_rule, QueueOrder::kOldest, std::nullopt, 10, &page),
            std::error_code());
  ASSERT_EQ(page.size(), 1u);
  EXPECT_EQ(page[0].id, 1);
  RawDb raw(path);
  EXPECT_EQ(raw.Query("PRAGMA user_version"), "14\n");
  EXPECT_EQ(raw.Query("SELECT rule_id, comment_id FROM queue_rules"), "r0|1\n");
}

TEST(SchemaTest, MigrateIsIdempotent) {
  TempDir dir;
  RawDb raw(dir.File("db"));
  std::string error;
  ASSERT_EQ(internal::Migrate(raw.get(), 2, &error), std::error_code()) << error;
  const std::string before = raw.Query("SELECT sql FROM sqlite_schema ORDER BY name");
  ASSERT_EQ(internal::Migrate(raw.get(), 2, &error), std::error_code()) << error;
  EXPECT_EQ(raw.Query("SELECT sql FROM sqlite_schema ORDER BY name"), before);
  int version = 0;
  EXPECT_EQ(internal::ReadSchemaVersion(raw.get(), &version), std::error_code());
  EXPECT_EQ(version, 2);
}

TEST(SchemaTest, FailedStepIsRolledBackAndReported) {
  TempDir dir;
  const std::string path = dir.File("db");
  {
    RawDb raw(path);
    std::string error;
    ASSERT_EQ(internal::Migrate(raw.get(), 1, &error), std::error_code()) << error;
    raw.Exec("CREATE TABLE labels (x)");  // step 2 will collide with this
  }
  std::string error;
  EXPECT_EQ(Store::Open(path, Store::OpenMode::kReadWrite, &error), nullptr);
  EXPECT_EQ(error, path + ": migration 2 (labels): table labels already exists");
  RawDb raw(path);
  EXPECT_EQ(raw.Query("PRAGMA user_version"), "1\n");
  EXPECT_EQ(raw.Query("SELECT count(*) FROM sqlite_schema WHERE name = 'labels_comment'"), "0\n");
}

TEST(SchemaTest, NewerSchemaIsRefusedAndLeftUntouched) {
  TempDir dir;
  const std::string path = dir.File("db");
  {
    RawDb raw(path);
    raw.Exec("CREATE TABLE future (x); PRAGMA user_version = 999");
  }
  for (auto mode : {Store::OpenMode::kReadWrite, Store::OpenMode::kReadOnly}) {
    std::string error;
    EXPECT_EQ(Store::Open(path, mode, &error), nullptr);
    EXPECT_EQ(error, path + ": database schema version 999 is newer than this build's 14");
  }
  RawDb raw(path);
  EXPECT_EQ(raw.Query("PRAGMA user_version"), "999\n");
  EXPECT_EQ(raw.Query("PRAGMA journal_mode"), "delete\n");  // not switched to WAL
  EXPECT_EQ(raw.Query("SELECT name FROM sqlite_schema"), "future\n");
}

TEST(SchemaTest, ReadOnlyOpenDoesNotMigrate) {
  TempDir dir;
  const std::string path = dir.File("db");
  {
    RawDb raw(path);
    std::string error;
    ASSERT_EQ(internal::Migrate(raw.get(), 1, &error), std::error_code()) << error;
  }
  std::string error;
  EXPECT_EQ(Store::Open(path, Store::OpenMode::kReadOnly, &error), nullptr);
  EXPECT_EQ(error, path +
                       ": database schema version 1 is older than this build's 14; open it "
                       "read-write once to migrate");
  RawDb raw(path);
  EXPECT_EQ(raw.Query("PRAGMA user_version"), "1\n");
}

}  // namespace
}  // namespace moderated::storage

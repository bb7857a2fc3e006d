// tests/storage/store_search_test.cc
//
// Search over every stored comment (Store::SearchComments) and the text
// filter it shares with the review queue, on both backends: the same
// substring semantics through SQLite's FTS5 trigram index and PostgreSQL's
// pg_trgm index.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <optional>
#include <string>
#include <vector>

#include "storage/store.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_database.h"

namespace moderated::storage {
namespace {

Comment Stored(const std::string& external_id, const std::string& status,
               const std::string& content) {
  Comment c;
  c.site = "news.example";
  c.external_id = external_id;
  c.thread = "https://news.example/a/1";
  c.content = content;
  c.author_email = "reader@example.com";
  c.author_ip = "203.0.113.9";
  c.received_at_ms = 1000;
  c.updated_at_ms = 1000;
  c.status = status;
  c.action = status == "approved" ? "accept" : status == "pending" ? "hold" : "reject";
  c.language = "en";
  return c;
}

class StoreSearchTest : public ::testing::TestWithParam<testing::DbBackend> {
 protected:
  void SetUp() override {
    std::string error;
    const std::string url = testing::FreshDatabaseUrl(GetParam(), dir_, &error);
    ASSERT_NE(url, "") << error;
    store_ = Store::Open(url, Store::OpenMode::kReadWrite, &error);
    ASSERT_NE(store_, nullptr) << error;
  }

  void Insert(std::vector<Comment> comments) {
    ASSERT_EQ(store_->InsertBatch(comments, nullptr), std::error_code());
  }

  // What the daemon's writer does after its commits: every stored comment
  // into the text index, here two per transaction.
  void IndexAll() {
    int64_t indexed = 0;
    int64_t remaining = 1;
    while (remaining > 0) {
      ASSERT_EQ(store_->IndexText(2, &indexed, &remaining), std::error_code());
    }
  }

  std::string Queue(const std::string& text, QueueOrder order, int64_t limit) {
    QueueFilter f;
    f.text = text;
    std::string s;
    std::optional<QueuePosition> after;
    for (std::vector<Comment> page;; after = QueuePosition{page.back().score, page.back().id}) {
      EXPECT_EQ(store_->ListQueue(f, order, after, limit, &page), std::error_code());
      for (const auto& c : page) s += (s.empty() ? "" : " ") + c.external_id;
      if (static_cast<int64_t>(page.size()) < limit) return s;
    }
  }

  // The external ids found, newest first, joined by spaces.
  std::string Search(const SearchFilter& f, int64_t before_id = 0, int64_t limit = 50) {
    std::vector<Comment> out;
    EXPECT_EQ(store_->SearchComments(f, before_id, limit, &out), std::error_code());
    std::string s;
    for (const auto& c : out) s += (s.empty() ? "" : " ") + c.external_id;
    return s;
  }

  std::string Queue(const std::string& text) {
    QueueFilter f;
    f.text = text;
    std::vector<Comment> out;
    EXPECT_EQ(store_->ListQueue(f, QueueOrder::kOldest, std::nullopt, 50, &out),
              std::error_code());
    std::string s;
    for (const auto& c : out) s += (s.empty() ? "" : " ") + c.external_id;
    return s;
  }

  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
};

// Every status is searchable: what the daemon accepted or rejected on its
// own is found beside the queue.
TEST_P(StoreSearchTest, FindsEveryStatusNewestFirstWithEachFilter) {
  Comment a = Stored("a", "approved", "Best online CASINO bonus");
  Comment b = Stored("b", "rejected", "casino spam again");
  b.author_email = "Spammer@Example.com";
  b.author_ip = "198.51.100.7";
  b.language = "ru";
  Comment c = Stored("c", "pending", "A fair comment about the casino law");
  c.thread = "https://news.example/a/2";
  c.site = "other.example";
  Comment d = Stored("d", "approved", "Nothing to see");
  Insert({a, b, c, d});

  EXPECT_EQ(Search({}), "d c b a");
  SearchFilter f;
  f.text = "casino";
  EXPECT_EQ(Search(f), "c b a");
  f.status = "approved";
  EXPECT_EQ(Search(f), "a");
  f.status = "rejected";
  EXPECT_EQ(Search(f), "b");
  f = {};
  f.status = "pending";
  EXPECT_EQ(Search(f), "c");
  f = {};
  f.author_email = "spammer@example.COM";
  EXPECT_EQ(Search(f), "b");
  f = {};
  f.author_ip = "198.51.100.7";
  EXPECT_EQ(Search(f), "b");
  f = {};
  f.thread = "https://news.example/a/2";
  EXPECT_EQ(Search(f), "c");
  f = {};
  f.language = "ru";
  EXPECT_EQ(Search(f), "b");
  f = {};
  f.sites = std::vector<std::string>{"other.example"};
  EXPECT_EQ(Search(f), "c");
  f.sites = std::vector<std::string>{};
  EXPECT_EQ(Search(f), "");
  // Filters combine: the text with an author and a site scope.
  f = {};
  f.text = "casino";
  f.author_ip = "203.0.113.9";
  f.sites = std::vector<std::string>{"news.example"};
  EXPECT_EQ(Search(f), "a");
}

// Label, rule, score and date: each drives the read when it is the
// narrowest filter given, and is checked on the rows of another path.
TEST_P(StoreSearchTest, FiltersByLabelRuleScoreAndDate) {
  Comment a = Stored("a", "rejected", "casino link");
  a.score = 12;
  a.received_at_ms = 1000;
  a.reasons.push_back({"casino", "gambling", "content", 4, 0, 6, "casino", false});
  a.reasons.push_back({"casino", "gambling", "author.name", 4, -1, -1, "", false});
  Comment b = Stored("b", "pending", "casino maybe");
  b.score = 6;
  b.received_at_ms = 2000;
  b.reasons.push_back({"casino", "gambling", "content", 4, 0, 6, "casino", true});  // shadow
  b.reasons.push_back({"links", "a link", "content", 2, -1, -1, "", false});
  Comment c = Stored("c", "approved", "a fair comment");
  c.score = 0.5;
  c.received_at_ms = 3000;
  Comment d = Stored("d", "approved", "another fair comment");
  d.score = 1;
  d.received_at_ms = 4000;
  d.thread = "https://news.example/a/2";
  Insert({a, b, c, d});
  std::vector<Comment> all;
  ASSERT_EQ(store_->SearchComments({}, 0, 10, &all), std::error_code());
  ASSERT_EQ(all.size(), 4u);
  auto id_of = [&](const std::string& external_id) {
    for (const auto& x : all) {
      if (x.external_id == external_id) return x.id;
    }
    return int64_t{0};
  };
  int64_t label_id = 0;
  // a: spam by a moderator's decision. b: spam from the site, then ham: the
  // latest counts. c: abuse, undone by the moderator: no label. d: "ham".
  DecideRequest spam{id_of("a"), "spam", "", "token:1:mod", 5000, "e1", "t", 0};
  DecideResult decided;
  ASSERT_EQ(store_->Decide(spam, &decided), std::error_code());
  ASSERT_EQ(store_->AddLabel({0, id_of("b"), "spam", "site", "", 5000}, &label_id),
            std::error_code());
  ASSERT_EQ(store_->AddLabel({0, id_of("b"), "ham", "moderator", "", 5001}, &label_id),
            std::error_code());
  DecideRequest abuse{id_of("c"), "abuse", "", "token:1:mod", 5000, "e2", "t", 0};
  ASSERT_EQ(store_->Decide(abuse, &decided), std::error_code());
  ASSERT_EQ(store_->Undo(abuse, 60'000, &decided), std::error_code());
  ASSERT_EQ(store_->AddLabel({0, id_of("d"), "ham", "import", "", 5000}, &label_id),
            std::error_code());

  SearchFilter f;
  f.label = "spam";
  EXPECT_EQ(Search(f), "a");
  f.label = "ham";
  EXPECT_EQ(Search(f), "d b");
  f.label = "abuse";
  EXPECT_EQ(Search(f), "");
  f.status = "approved";  // the label drives, the status is checked
  f.label = "ham";
  EXPECT_EQ(Search(f), "d");
  f = {};
  f.rule = "casino";  // enforced reasons only; a comment once however many
  EXPECT_EQ(Search(f), "a");
  f.rule = "links";
  EXPECT_EQ(Search(f), "b");
  f.label = "ham";  // the rule drives, the label is checked
  EXPECT_EQ(Search(f), "b");
  f.label = "spam";
  EXPECT_EQ(Search(f), "");
  f = {};
  f.min_score = 6;
  EXPECT_EQ(Search(f), "b a");
  f.max_score = 6;
  EXPECT_EQ(Search(f), "b");
  f = {};
  f.max_score = 1;
  EXPECT_EQ(Search(f), "d c");
  f.text = "fair";  // the text drives, the score is checked
  f.min_score = 0.75;
  EXPECT_EQ(Search(f), "d");
  f = {};
  f.received_since_ms = 2000;  // inclusive
  EXPECT_EQ(Search(f), "d c b");
  f.received_until_ms = 4000;  // exclusive
  EXPECT_EQ(Search(f), "c b");
  f.min_score = 1;  // the date drives, the score is checked
  EXPECT_EQ(Search(f), "b");
  f = {};
  f.received_until_ms = 2000;
  EXPECT_EQ(Search(f), "a");
  f = {};
  f.thread = "https://news.example/a/1";  // the thread drives
  f.received_since_ms = 2000;
  f.rule = "links";
  EXPECT_EQ(Search(f), "b");
  // The date and score paths page from a cursor like the others.
  f = {};
  f.received_since_ms = 0;
  EXPECT_EQ(Search(f, id_of("c"), 2), "b a");
  f = {};
  f.min_score = 0;
  EXPECT_EQ(Search(f, id_of("d"), 1), "c");
}

TEST_P(StoreSearchTest, PagesNewestFirstFromACursor) {
  std::vector<Comment> comments;
  for (int i = 0; i < 7; ++i) comments.push_back(Stored("k" + std::to_string(i), "approved",
                                                        "casino number " + std::to_string(i)));
  Insert(comments);
  std::vector<Comment> page;
  ASSERT_EQ(store_->SearchComments({}, 0, 3, &page), std::error_code());
  ASSERT_EQ(page.size(), 3u);
  EXPECT_EQ(page[0].external_id, "k6");
  SearchFilter text;
  text.text = "casino";
  for (const SearchFilter& f : {SearchFilter{}, text}) {
    std::string seen;
    int64_t before = 0;
    for (int n = 0; n < 5; ++n) {
      ASSERT_EQ(store_->SearchComments(f, before, 3, &page), std::error_code());
      for (const auto& c : page) seen += c.external_id + " ";
      if (page.size() < 3) break;
      before = page.back().id;
    }
    EXPECT_EQ(seen, "k6 k5 k4 k3 k2 k1 k0 ");
  }
}

// What the text filter matches, the same on both backends (docs/storage.md,
// "Text search"): a substring of 3 or more characters anywhere in the
// content, case folded in every alphabet, wildcards taken literally.
TEST_P(StoreSearchTest, TextIsACaseFoldedSubstringOfThreeOrMoreCharacters) {
  Insert({Stored("en", "pending", "Visit SPAM-casino.example/win now"),
          Stored("ru", "pending", "Лучшее онлайн КАЗИНО, пишите в Телеграм"),
          Stored("ar", "pending", "أفضل كازينو اون لاين مع مكافأة"),
          Stored("pct", "pending", "100% free, 50_50 odds")});
  for (const auto& [text, expected] : std::vector<std::pair<std::string, std::string>>{
           {"casino", "en"},
           {"CASINO.EXAMPLE/W", "en"},   // punctuation and case
           {"m-cas", "en"},              // inside a word
           {"казино", "ru"},             // Cyrillic case folding
           {"телеграм", "ru"},
           {"لاين مع", "ar"},            // Arabic, across a space
           {"كازينو", "ar"},
           {"0% f", "pct"},              // LIKE's wildcards are literal
           {"0_5", "pct"},
           {"%", ""},                    // under 3 characters: nothing
           {"ca", ""},
           {"\"casino\"", ""},           // quotes are text, not syntax
           {"nothing-like-this", ""}}) {
    for (bool indexed : {false, true}) {
      // First while the comments wait above the index's mark (scanned),
      // then through the index: the same answers.
      if (indexed) IndexAll();
      SearchFilter f;
      f.text = text;
      EXPECT_EQ(Search(f), expected) << text << (indexed ? " (indexed)" : " (not indexed)");
      EXPECT_EQ(Queue(text), expected) << text << (indexed ? " (indexed)" : " (not indexed)");
    }
  }
}

// Pages run from the comments not indexed yet into the indexed ones (and
// back, oldest first) without losing or repeating one.
TEST_P(StoreSearchTest, PagesCrossTheIndexedThroughMark) {
  std::vector<Comment> comments;
  for (int i = 0; i < 7; ++i) {
    comments.push_back(Stored("k" + std::to_string(i), "pending", "casino " + std::to_string(i)));
  }
  comments.push_back(Stored("x", "pending", "nothing"));
  Insert(comments);
  int64_t indexed = 0;
  int64_t remaining = 0;
  ASSERT_EQ(store_->IndexText(4, &indexed, &remaining), std::error_code());
  // SQLite indexed k0..k3 and left k4..x; PostgreSQL's index is always whole.
  EXPECT_EQ(indexed, GetParam() == testing::DbBackend::kSqlite ? 4 : 0);
  EXPECT_EQ(remaining, GetParam() == testing::DbBackend::kSqlite ? 4 : 0);
  SearchFilter f;
  f.text = "casino";
  std::string seen;
  std::vector<Comment> page;
  for (int64_t before = 0;; before = page.back().id) {
    ASSERT_EQ(store_->SearchComments(f, before, 3, &page), std::error_code());
    for (const auto& c : page) seen += c.external_id + " ";
    if (page.size() < 3) break;
  }
  EXPECT_EQ(seen, "k6 k5 k4 k3 k2 k1 k0 ");
  EXPECT_EQ(Queue("casino", QueueOrder::kOldest, 3), "k0 k1 k2 k3 k4 k5 k6");
  EXPECT_EQ(Queue("casino", QueueOrder::kNewest, 3), "k6 k5 k4 k3 k2 k1 k0");
  EXPECT_EQ(Queue("casino", QueueOrder::kScoreDesc, 2), "k0 k1 k2 k3 k4 k5 k6");
  QueueFilter all;
  all.text = "casino";
  QueueCounts counts;
  ASSERT_EQ(store_->CountQueue(all, &counts), std::error_code());
  EXPECT_EQ(counts.total, 7);
  int64_t exact = 0;
  ASSERT_EQ(store_->CountQueueExact(all, &exact), std::error_code());
  EXPECT_EQ(exact, 7);
  // One author's items with a text: the other path (the author's index
  // drives, the text is checked on its rows), on both sides of the mark.
  all.author_ip = "203.0.113.9";
  ASSERT_EQ(store_->CountQueueExact(all, &exact), std::error_code());
  EXPECT_EQ(exact, 7);
}

// The index follows the table: a deleted comment is no longer found.
TEST_P(StoreSearchTest, ForgottenCommentsAreNotFound) {
  Comment a = Stored("a", "approved", "casino one");
  a.author_email = "gone@example.com";
  Insert({a, Stored("b", "approved", "casino two")});
  AuditEntry audit;
  audit.actor = "t";
  audit.action = "author.forget";
  audit.after_json = "{}";
  ForgetResult result;
  ASSERT_EQ(store_->ForgetAuthor("gone@example.com", audit, &result), std::error_code());
  SearchFilter f;
  f.text = "casino";
  EXPECT_EQ(Search(f), "b");
}

MODERATED_INSTANTIATE_FOR_BOTH_BACKENDS(StoreSearchTest);

// The SQLite text index behind the Store, read on the file itself: what a
// comment's own transaction leaves out, what IndexText adds and how
// deletions stay in step on both sides of the mark.
class SqliteTextIndexTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    store_ = Store::Open(dir_.File("db"), Store::OpenMode::kReadWrite, &error);
    ASSERT_NE(store_, nullptr) << error;
    ASSERT_EQ(sqlite3_open(dir_.File("db").c_str(), &raw_), SQLITE_OK);
  }
  void TearDown() override { sqlite3_close(raw_); }

  // The first column of every row, joined by spaces.
  std::string Query(const std::string& sql) {
    std::string out;
    sqlite3_stmt* stmt = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(raw_, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK)
        << sqlite3_errmsg(raw_);
    while (sqlite3_step(stmt) == SQLITE_ROW) {
      const unsigned char* text = sqlite3_column_text(stmt, 0);
      out += (out.empty() ? "" : " ") +
             std::string(text ? reinterpret_cast<const char*>(text) : "NULL");
    }
    sqlite3_finalize(stmt);
    return out;
  }
  std::string InIndex() {
    return Query("SELECT rowid FROM comments_fts WHERE comments_fts MATCH '\"casino\"'");
  }
  std::string Found() {
    SearchFilter f;
    f.text = "CASINO";
    std::vector<Comment> out;
    EXPECT_EQ(store_->SearchComments(f, 0, 50, &out), std::error_code());
    std::string s;
    for (const auto& c : out) s += (s.empty() ? "" : " ") + std::to_string(c.id);
    return s;
  }
  void Forget(const std::string& email) {
    AuditEntry audit;
    audit.actor = "t";
    audit.action = "author.forget";
    audit.after_json = "{}";
    ForgetResult result;
    ASSERT_EQ(store_->ForgetAuthor(email, audit, &result), std::error_code());
    ASSERT_EQ(result.comments, 1);
  }

  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
  sqlite3* raw_ = nullptr;
};

TEST_F(SqliteTextIndexTest, StoredCommentsAreFoundBeforeAndAfterTheIndexerAddsThem) {
  Comment a = Stored("a", "approved", "casino one");
  a.author_email = "a@example.com";
  Comment c = Stored("c", "approved", "Казино и casino");
  c.author_email = "c@example.com";
  ASSERT_EQ(
      store_->InsertBatch(std::vector<Comment>{a, Stored("b", "approved", "plain"), c}, nullptr),
      std::error_code());
  // The insert's transaction left the index alone: found by the scan above
  // the mark.
  EXPECT_EQ(Query("SELECT indexed_through FROM text_index_state"), "0");
  EXPECT_EQ(InIndex(), "");
  EXPECT_EQ(Found(), "3 1");

  int64_t indexed = 0;
  int64_t remaining = 0;
  ASSERT_EQ(store_->IndexText(2, &indexed, &remaining), std::error_code());
  EXPECT_EQ(indexed, 2);
  EXPECT_EQ(remaining, 1);
  EXPECT_EQ(Query("SELECT indexed_through FROM text_index_state"), "2");
  EXPECT_EQ(InIndex(), "1");
  EXPECT_EQ(Found(), "3 1");  // one from each side of the mark
  ASSERT_EQ(store_->IndexText(2, &indexed, &remaining), std::error_code());
  EXPECT_EQ(indexed, 1);
  EXPECT_EQ(remaining, 0);
  ASSERT_EQ(store_->IndexText(2, &indexed, &remaining), std::error_code());
  EXPECT_EQ(indexed, 0);  // caught up
  EXPECT_EQ(remaining, 0);
  // Now the index holds both and nothing is left above the mark to scan.
  EXPECT_EQ(InIndex(), "1 3");
  EXPECT_EQ(Query("SELECT count(*) FROM comments WHERE id > "
                  "(SELECT indexed_through FROM text_index_state)"),
            "0");
  EXPECT_EQ(Found(), "3 1");

  // Deleting an indexed comment takes it out of the index in the same
  // transaction.
  Forget("a@example.com");
  EXPECT_EQ(InIndex(), "3");
  EXPECT_EQ(Found(), "3");
  // A comment deleted before the indexer reached it never enters it.
  Comment d = Stored("d", "approved", "casino four");
  d.author_email = "d@example.com";
  ASSERT_EQ(store_->InsertBatch(std::vector<Comment>{d}, nullptr), std::error_code());
  EXPECT_EQ(Found(), "4 3");
  Forget("d@example.com");
  EXPECT_EQ(Found(), "3");
  ASSERT_EQ(store_->IndexText(2, &indexed, &remaining), std::error_code());
  EXPECT_EQ(indexed, 0);
  EXPECT_EQ(InIndex(), "3");
  // FTS5's own check of the index against the table: nothing stale.
  char* message = nullptr;
  EXPECT_EQ(sqlite3_exec(
                raw_, "INSERT INTO comments_fts (comments_fts, rank) VALUES ('integrity-check', 1)",
                nullptr, nullptr, &message),
            SQLITE_OK)
      << (message ? message : "");
  sqlite3_free(message);
}

}  // namespace
}  // namespace moderated::storage

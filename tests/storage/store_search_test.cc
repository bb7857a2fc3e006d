// tests/storage/store_search_test.cc
//
// Search over every stored comment (Store::SearchComments) and the text
// filter it shares with the review queue, on both backends: the same
// substring semantics through SQLite's FTS5 trigram index and PostgreSQL's
// pg_trgm index.
#include <gtest/gtest.h>

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
    SearchFilter f;
    f.text = text;
    EXPECT_EQ(Search(f), expected) << text;
    EXPECT_EQ(Queue(text), expected) << text;
  }
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

}  // namespace
}  // namespace moderated::storage

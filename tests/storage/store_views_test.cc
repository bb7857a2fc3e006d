// tests/storage/store_views_test.cc
//
// Saved views (Store::PutSavedView, ListSavedViews, DeleteSavedView) on both
// backends: each token's own, replaced by name, gone with their token.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "storage/store.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_database.h"

namespace moderated::storage {
namespace {

class StoreViewsTest : public ::testing::TestWithParam<testing::DbBackend> {
 protected:
  void SetUp() override {
    std::string error;
    const std::string url = testing::FreshDatabaseUrl(GetParam(), dir_, &error);
    ASSERT_NE(url, "") << error;
    store_ = Store::Open(url, Store::OpenMode::kReadWrite, &error);
    ASSERT_NE(store_, nullptr) << error;
    for (const char* name : {"alice", "bob"}) {
      Token t;
      t.name = name;
      t.role = "moderator";
      t.hash = std::string(32, name[0]);
      t.created_at_ms = 1;
      int64_t id = 0;
      ASSERT_EQ(store_->AddToken(t, &id), std::error_code());
      tokens_.push_back(id);
    }
  }

  SavedView Put(int64_t token, const std::string& kind, const std::string& name,
                const std::string& filter, int64_t at_ms, bool* created) {
    SavedView v;
    v.token_id = token;
    v.kind = kind;
    v.name = name;
    v.filter_json = filter;
    v.updated_at_ms = at_ms;
    SavedView stored;
    EXPECT_EQ(store_->PutSavedView(v, &stored, created), std::error_code());
    return stored;
  }

  // "kind/name=filter" of a token's views, as listed.
  std::string List(int64_t token, const std::string& kind = "") {
    std::vector<SavedView> views;
    EXPECT_EQ(store_->ListSavedViews(token, kind, &views), std::error_code());
    std::string s;
    for (const auto& v : views) {
      s += (s.empty() ? "" : " ") + v.kind + "/" + v.name + "=" + v.filter_json;
    }
    return s;
  }

  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
  std::vector<int64_t> tokens_;
};

TEST_P(StoreViewsTest, EachTokenKeepsItsOwnViewsReplacedByName) {
  const int64_t alice = tokens_[0];
  const int64_t bob = tokens_[1];
  bool created = false;
  SavedView spam = Put(alice, "queue", "Spam", R"({"label":"spam"})", 10, &created);
  EXPECT_TRUE(created);
  EXPECT_GT(spam.id, 0);
  EXPECT_EQ(spam.token_id, alice);
  EXPECT_EQ(spam.created_at_ms, 10);
  EXPECT_EQ(spam.updated_at_ms, 10);
  Put(alice, "search", "Spam", R"({"label":"spam","status":"approved"})", 11, &created);
  EXPECT_TRUE(created);  // the same name on the other page is another view
  Put(alice, "queue", "Арабский", R"({"language":"ar"})", 12, &created);
  Put(bob, "queue", "Spam", R"({"min_score":"8"})", 13, &created);
  EXPECT_TRUE(created);

  // The same name again replaces the filter, keeping id and creation time.
  SavedView again =
      Put(alice, "queue", "Spam", R"({"label":"spam","min_score":"5"})", 20, &created);
  EXPECT_FALSE(created);
  EXPECT_EQ(again.id, spam.id);
  EXPECT_EQ(again.created_at_ms, 10);
  EXPECT_EQ(again.updated_at_ms, 20);

  EXPECT_EQ(List(alice),
            R"(queue/Spam={"label":"spam","min_score":"5"} queue/Арабский={"language":"ar"} )"
            R"(search/Spam={"label":"spam","status":"approved"})");
  EXPECT_EQ(List(alice, "search"), R"(search/Spam={"label":"spam","status":"approved"})");
  EXPECT_EQ(List(bob), R"(queue/Spam={"min_score":"8"})");

  // Only its owner deletes a view.
  EXPECT_EQ(store_->DeleteSavedView(bob, spam.id), Errc::not_found);
  EXPECT_EQ(store_->DeleteSavedView(alice, spam.id), std::error_code());
  EXPECT_EQ(store_->DeleteSavedView(alice, spam.id), Errc::not_found);
  EXPECT_EQ(List(alice, "queue"), R"(queue/Арабский={"language":"ar"})");
  EXPECT_EQ(List(bob), R"(queue/Spam={"min_score":"8"})");
}

TEST_P(StoreViewsTest, RefusesAnUnknownTokenOrKind) {
  SavedView v;
  v.token_id = 999;
  v.kind = "queue";
  v.name = "x";
  v.updated_at_ms = 1;
  SavedView stored;
  EXPECT_EQ(store_->PutSavedView(v, &stored, nullptr), Errc::constraint);
  v.token_id = tokens_[0];
  v.kind = "audit";
  EXPECT_EQ(store_->PutSavedView(v, &stored, nullptr), Errc::constraint);
  EXPECT_EQ(List(tokens_[0]), "");
}

MODERATED_INSTANTIATE_FOR_BOTH_BACKENDS(StoreViewsTest);

}  // namespace
}  // namespace moderated::storage

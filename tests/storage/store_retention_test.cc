// tests/storage/store_retention_test.cc
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "storage/errors.h"
#include "storage/store.h"
#include "tests/storage/raw_db.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_database.h"

namespace moderated::storage {
namespace {

using testing::TempDir;

class StoreRetentionTest : public ::testing::TestWithParam<testing::DbBackend> {
 protected:
  bool sqlite() const { return GetParam() == testing::DbBackend::kSqlite; }
  std::string FreshUrl() {
    std::string error;
    std::string url = testing::FreshDatabaseUrl(GetParam(), dir_, &error);
    EXPECT_NE(url, "") << error;
    return url;
  }
  void SetUp() override {
    url_ = FreshUrl();
    ASSERT_NE(url_, "");
    std::string error;
    store_ = Store::Open(url_, Store::OpenMode::kReadWrite, &error);
    ASSERT_NE(nullptr, store_) << error;
    raw_ = std::make_unique<RawDb>(url_);
  }

  // Stores one comment and returns its id.
  int64_t Add(const std::string& site, const std::string& status, int64_t received_ms,
              int64_t updated_ms, const std::string& email = "") {
    Comment c;
    c.site = site;
    c.author_email = email;
    c.content = "text";
    c.received_at_ms = received_ms;
    c.status = status;
    c.action = status == "approved" ? "accept" : status == "pending" ? "hold" : "reject";
    c.reasons.push_back({"r1", "rule", "content", 1, 0, 1, "t", false});
    std::vector<InsertOutcome> out;
    EXPECT_FALSE(store_->InsertBatch({&c, 1}, &out));
    int64_t id = out.at(0).id;
    if (updated_ms != received_ms) {
      EXPECT_FALSE(store_->UpdateStatus(id, status, updated_ms));
    }
    return id;
  }

  void Exec(const std::string& sql) { raw_->Exec(sql); }
  // Every row of `sql` (one column), joined with ' '.
  std::string Query(const std::string& sql) {
    std::string rows = raw_->Query(sql);
    std::string out;
    size_t begin = 0;
    while (begin < rows.size()) {
      size_t end = rows.find('\n', begin);
      if (end == std::string::npos) end = rows.size();
      std::string row = rows.substr(begin, end - begin);
      if (!out.empty()) out += ' ';
      out += row;
      begin = end + 1;
    }
    return out;
  }

  TempDir dir_;
  std::string url_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<RawDb> raw_;
};

TEST_P(StoreRetentionTest, PurgesOnlyOldDecidedCommentsNeverPending) {
  int64_t old_approved = Add("a", "approved", 1000, 1000);
  int64_t old_rejected = Add("a", "rejected", 1500, 1500);
  int64_t old_pending = Add("a", "pending", 1000, 1000);
  int64_t decided_recently = Add("a", "approved", 1000, 5000);
  int64_t new_comment = Add("a", "rejected", 3000, 3000);
  int64_t other_site = Add("b", "approved", 1000, 1000);
  (void)old_approved;
  (void)old_rejected;

  PurgeFilter site_a{"a", false, 2000};
  int64_t n = -1;
  ASSERT_FALSE(store_->CountPurgeable(site_a, &n));
  EXPECT_EQ(2, n);
  int64_t deleted = -1;
  ASSERT_FALSE(store_->PurgeDecided(site_a, 1000, &deleted));
  EXPECT_EQ(2, deleted);
  EXPECT_EQ(std::to_string(old_pending) + " " + std::to_string(decided_recently) + " " +
                std::to_string(new_comment) + " " + std::to_string(other_site),
            Query("SELECT id FROM comments ORDER BY id"));
  ASSERT_FALSE(store_->CountPurgeable(site_a, &n));
  EXPECT_EQ(0, n);

  // Every site; the pending one stays whatever the cutoff.
  PurgeFilter all{"", false, 1'000'000};
  ASSERT_FALSE(store_->PurgeDecided(all, 1000, &deleted));
  EXPECT_EQ(3, deleted);
  EXPECT_EQ(std::to_string(old_pending), Query("SELECT id FROM comments"));
}

TEST_P(StoreRetentionTest, PurgeCascadesToReasonsLabelsDecisionsAndClaims) {
  int64_t gone = Add("a", "rejected", 1000, 1000);
  int64_t kept = Add("a", "approved", 9000, 9000);
  for (int64_t id : {gone, kept}) {
    int64_t label_id = 0;
    ASSERT_FALSE(store_->AddLabel({0, id, "spam", "moderator", "mod", 1000}, &label_id));
    Exec("INSERT INTO decisions (comment_id, decision, previous_status, new_status, actor, "
         "created_at_ms) VALUES (" + std::to_string(id) + ", 'reject', 'pending', 'rejected', "
         "'mod', 1000)");
    Exec("INSERT INTO claims (comment_id, actor, expires_at_ms) VALUES (" +
         std::to_string(id) + ", 'mod', 99999)");
  }
  int64_t deleted = 0;
  ASSERT_FALSE(store_->PurgeDecided({"", false, 2000}, 10, &deleted));
  EXPECT_EQ(1, deleted);
  const std::string k = std::to_string(kept);
  EXPECT_EQ(k, Query("SELECT DISTINCT comment_id FROM reasons"));
  EXPECT_EQ(k, Query("SELECT comment_id FROM labels"));
  EXPECT_EQ(k, Query("SELECT comment_id FROM decisions"));
  EXPECT_EQ(k, Query("SELECT comment_id FROM claims"));
}

TEST_P(StoreRetentionTest, PurgeWorksInChunksOldestFirst) {
  std::vector<int64_t> ids;
  for (int i = 0; i < 25; ++i) ids.push_back(Add("a", "approved", 100 + i, 100 + i));
  PurgeFilter f{"a", false, 2000};
  std::vector<int64_t> chunks;
  size_t sum = 0;
  for (int guard = 0; guard < 10; ++guard) {
    int64_t deleted = 0;
    ASSERT_FALSE(store_->PurgeDecided(f, 10, &deleted));
    chunks.push_back(deleted);
    if (deleted == 0) break;
    sum += static_cast<size_t>(deleted);
    // Oldest ids go first: what is left starts at ids[sum].
    if (sum < ids.size()) {
      EXPECT_EQ(std::to_string(ids[sum]), Query("SELECT min(id) FROM comments"));
    }
  }
  EXPECT_EQ((std::vector<int64_t>{10, 10, 5, 0}), chunks);
  EXPECT_EQ("0", Query("SELECT count(*) FROM comments"));
  int64_t deleted = 0;
  EXPECT_EQ(Errc::constraint, store_->PurgeDecided(f, 0, &deleted));
}

TEST_P(StoreRetentionTest, SitesWithTheirOwnRetentionAreSkippedByTheDefault) {
  Exec("INSERT INTO sites (name, retention_days, created_at_ms, updated_at_ms) VALUES "
       "('keep', 0, 1, 1), ('short', 7, 1, 1), ('long', 365, 1, 1)");
  std::map<std::string, int64_t> days;
  ASSERT_FALSE(store_->SiteRetentionDays(&days));
  EXPECT_EQ((std::map<std::string, int64_t>{{"long", 365}, {"short", 7}}), days);

  int64_t keep = Add("keep", "approved", 1000, 1000);
  int64_t unregistered = Add("nowhere", "approved", 1000, 1000);
  int64_t short_site = Add("short", "approved", 1000, 1000);
  int64_t n = 0;
  ASSERT_FALSE(store_->CountPurgeable({"", true, 2000}, &n));
  EXPECT_EQ(2, n);  // keep (retention_days 0 = the default applies) and nowhere
  int64_t deleted = 0;
  ASSERT_FALSE(store_->PurgeDecided({"", true, 2000}, 100, &deleted));
  EXPECT_EQ(2, deleted);
  EXPECT_EQ(std::to_string(short_site), Query("SELECT id FROM comments"));
  (void)keep;
  (void)unregistered;
}

TEST_P(StoreRetentionTest, ForgetAuthorDeletesCommentsOutboxAndRedactsAudit) {
  int64_t bob1 = Add("a", "approved", 1000, 1000, "bob@example.com");
  int64_t bob2 = Add("b", "pending", 2000, 2000, "Bob@Example.COM");
  int64_t alice = Add("a", "approved", 3000, 3000, "alice@example.com");
  int64_t label_id = 0;
  ASSERT_FALSE(store_->AddLabel({0, bob1, "ham", "moderator", "", 1}, &label_id));
  Exec("INSERT INTO outbox (event_id, site, url, payload, next_attempt_at_ms, created_at_ms) "
       "VALUES ('e1', 'a', 'http://x', json_object('comment', json_object('id', " +
       std::to_string(bob1) + ")), 1, 1), "
       "('e2', 'a', 'http://x', '{\"author\":\"BOB@example.com\"}', 1, 1), "
       "('e3', 'a', 'http://x', json_object('comment', json_object('id', " +
       std::to_string(alice) + ")), 1, 1), "
       "('e4', 'a', 'http://x', 'not json', 1, 1)");
  Exec("INSERT INTO audit_log (at_ms, actor, action, target, before_json, after_json) VALUES "
       "(1, 'mod', 'comment.decide', 'comment:1', 'null', "
       "'{\"author\":\"bob@example.com\",\"status\":\"approved\"}'), "
       "(2, 'mod', 'token.create', 'token:1', 'null', '{\"name\":\"x\"}')");

  AuditEntry audit;
  audit.at_ms = 5000;
  audit.actor = "admin";
  audit.action = "author.forget";
  audit.target = "author";
  audit.after_json = R"({"email_sha256":"abc"})";
  ForgetResult r;
  ASSERT_FALSE(store_->ForgetAuthor("bob@example.com", audit, &r)) << store_->LastErrorMessage();
  EXPECT_EQ(2, r.comments);
  EXPECT_EQ(2, r.outbox);
  EXPECT_EQ(1, r.audit_redacted);
  EXPECT_EQ(std::to_string(alice), Query("SELECT id FROM comments"));
  EXPECT_EQ("0", Query("SELECT count(*) FROM labels"));
  EXPECT_EQ("e3 e4", Query("SELECT event_id FROM outbox ORDER BY event_id"));
  EXPECT_EQ(
      "null|{\"author\":\"[forgotten]\",\"status\":\"approved\"} "
      "null|{\"name\":\"x\"} "
      "null|{\"email_sha256\":\"abc\",\"comments\":2,\"outbox\":2,\"audit_redacted\":1}",
      Query("SELECT before_json || '|' || after_json FROM audit_log ORDER BY id"));
  EXPECT_EQ("admin author.forget author", Query("SELECT actor || ' ' || action || ' ' || target "
                                                "FROM audit_log WHERE id = 3"));
  (void)bob2;

  // Nobody left: zero counts, still audited.
  ASSERT_FALSE(store_->ForgetAuthor("bob@example.com", audit, &r));
  EXPECT_EQ(0, r.comments);
  EXPECT_EQ("4", Query("SELECT count(*) FROM audit_log"));
  EXPECT_EQ(Errc::constraint, store_->ForgetAuthor("", audit, &r));
}

TEST_P(StoreRetentionTest, CountsPendingBySite) {
  Add("a", "pending", 1, 1);
  Add("a", "pending", 2, 2);
  Add("b", "pending", 3, 3);
  Add("b", "approved", 4, 4);
  Add("c", "rejected", 5, 5);
  std::map<std::string, int64_t> pending;
  ASSERT_FALSE(store_->CountPendingBySite(&pending));
  EXPECT_EQ((std::map<std::string, int64_t>{{"a", 2}, {"b", 1}}), pending);
}

TEST_P(StoreRetentionTest, ReadOnlyStoreCountsButCannotPurge) {
  Add("a", "approved", 1, 1);
  std::string error;
  auto ro = Store::Open(url_, Store::OpenMode::kReadOnly, &error);
  ASSERT_NE(nullptr, ro) << error;
  int64_t n = 0;
  ASSERT_FALSE(ro->CountPurgeable({"", false, 10}, &n));
  EXPECT_EQ(1, n);
  int64_t deleted = 0;
  EXPECT_EQ(Errc::read_only, ro->PurgeDecided({"", false, 10}, 5, &deleted));
  ForgetResult r;
  EXPECT_EQ(Errc::read_only, ro->ForgetAuthor("x@y", AuditEntry{}, &r));
}

MODERATED_INSTANTIATE_FOR_BOTH_BACKENDS(StoreRetentionTest);

}  // namespace
}  // namespace moderated::storage

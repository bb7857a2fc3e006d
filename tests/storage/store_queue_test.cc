// tests/storage/store_queue_test.cc
//
// The review queue in storage: listings, counts, claims, decisions, undo,
// history, reputation and polling. Rows written by a decision are read back
// with a separate raw SQLite connection and compared as text.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "storage/store.h"
#include "tests/storage/raw_db.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_database.h"

namespace moderated::storage {
namespace {

using testing::TempDir;

Comment Pending(const std::string& site, const std::string& external_id, double score,
                const std::string& language, const std::string& labels_json,
                int64_t received_at_ms) {
  Comment c;
  c.site = site;
  c.external_id = external_id;
  c.content = "text of " + external_id;
  c.author_email = "a@example.com";
  c.author_ip = "203.0.113.9";
  c.received_at_ms = received_at_ms;
  c.updated_at_ms = received_at_ms;
  c.status = "pending";
  c.action = "hold";
  c.score = score;
  c.language = language;
  c.labels_json = labels_json;
  return c;
}

class StoreQueueTest : public ::testing::TestWithParam<testing::DbBackend> {
 protected:
  bool sqlite() const { return GetParam() == testing::DbBackend::kSqlite; }
  std::string FreshUrl() {
    std::string error;
    std::string url = testing::FreshDatabaseUrl(GetParam(), dir_, &error);
    EXPECT_NE(url, "") << error;
    return url;
  }
  void SetUp() override {
    path_ = FreshUrl();
    ASSERT_NE(path_, "");
    std::string error;
    store_ = Store::Open(path_, Store::OpenMode::kReadWrite, &error);
    ASSERT_NE(store_, nullptr) << error;
  }

  std::vector<int64_t> Insert(std::vector<Comment> comments) {
    std::vector<InsertOutcome> outcomes;
    EXPECT_EQ(store_->InsertBatch(comments, &outcomes), std::error_code());
    std::vector<int64_t> ids;
    for (const auto& o : outcomes) ids.push_back(o.id);
    return ids;
  }

  DecideRequest Request(int64_t id, const std::string& decision, const std::string& actor,
                        int64_t now_ms) {
    DecideRequest r;
    r.comment_id = id;
    r.decision = decision;
    r.note = "n-" + decision;
    r.actor = actor;
    r.now_ms = now_ms;
    r.event_id = "ev-" + decision + "-" + std::to_string(now_ms);
    r.event_time = "2026-01-01T00:00:00.000Z";
    return r;
  }

  // `filter` lists exactly `expected` (ids, ascending) in every order, paged
  // 4 at a time, and counts, counts exactly and bulk-lists the same.
  void ExpectQueueItems(const QueueFilter& filter, const std::vector<int64_t>& expected) {
    for (QueueOrder order : {QueueOrder::kOldest, QueueOrder::kNewest, QueueOrder::kScoreDesc,
                             QueueOrder::kScoreAsc}) {
      std::vector<Comment> seen;
      std::optional<QueuePosition> after;
      for (int page = 0; page < 20; ++page) {
        std::vector<Comment> out;
        ASSERT_EQ(store_->ListQueue(filter, order, after, 4, &out), std::error_code());
        seen.insert(seen.end(), out.begin(), out.end());
        if (out.size() < 4) break;
        after = QueuePosition{out.back().score, out.back().id};
      }
      std::vector<int64_t> got;
      for (size_t i = 0; i < seen.size(); ++i) {
        got.push_back(seen[i].id);
        if (i == 0) continue;
        const Comment &p = seen[i - 1], &c = seen[i];
        switch (order) {
          case QueueOrder::kOldest: EXPECT_LT(p.id, c.id); break;
          case QueueOrder::kNewest: EXPECT_GT(p.id, c.id); break;
          case QueueOrder::kScoreDesc:
            EXPECT_TRUE(p.score > c.score || (p.score == c.score && p.id < c.id));
            break;
          case QueueOrder::kScoreAsc:
            EXPECT_TRUE(p.score < c.score || (p.score == c.score && p.id < c.id));
            break;
        }
      }
      std::sort(got.begin(), got.end());
      EXPECT_EQ(got, expected) << static_cast<int>(order);
    }
    QueueCounts counts;
    ASSERT_EQ(store_->CountQueue(filter, &counts), std::error_code());
    EXPECT_EQ(counts.total, static_cast<int64_t>(expected.size()));
    int64_t exact = 0;
    ASSERT_EQ(store_->CountQueueExact(filter, &exact), std::error_code());
    EXPECT_EQ(exact, static_cast<int64_t>(expected.size()));
    std::vector<int64_t> bulk, page;
    int64_t after_id = 0;
    do {
      ASSERT_EQ(store_->ListQueueIds(filter, after_id, 4, &page), std::error_code());
      bulk.insert(bulk.end(), page.begin(), page.end());
      if (!page.empty()) after_id = page.back();
    } while (page.size() == 4);
    EXPECT_EQ(bulk, expected);
  }

  TempDir dir_;
  std::string path_;
  std::unique_ptr<Store> store_;
};

TEST_P(StoreQueueTest, DecideWritesEveryRowInOneTransaction) {
  auto ids = Insert({Pending("news", "x1", 6, "ar", R"({"spam":0.9,"ham":0.1})", 1000)});
  RawDb raw(path_);
  raw.Exec(
      "INSERT INTO sites (name, webhook_url, webhook_secret, created_at_ms, updated_at_ms) "
      "VALUES ('news', 'https://hooks.example/m', 's3cret', 1, 1)");
  ReviewOutcome outcome;
  Claim claim;
  ASSERT_EQ(store_->ClaimComment(ids[0], "token:2:bob", 1500, 2000, &outcome, &claim),
            std::error_code());
  ASSERT_EQ(outcome, ReviewOutcome::kDone);

  DecideResult result;
  ASSERT_EQ(store_->Decide(Request(ids[0], "spam", "token:2:bob", 5000), &result),
            std::error_code());
  EXPECT_EQ(result.outcome, ReviewOutcome::kDone);
  EXPECT_EQ(result.decision.id, 1);
  EXPECT_EQ(result.outbox_id, 1);

  EXPECT_EQ(raw.Query("SELECT id, comment_id, decision, previous_status, new_status, note, actor, "
                      "created_at_ms, undone FROM decisions"),
            "1|1|spam|pending|rejected|n-spam|token:2:bob|5000|0\n");
  EXPECT_EQ(raw.Query("SELECT status, updated_at_ms FROM comments"), "rejected|5000\n");
  EXPECT_EQ(raw.Query("SELECT comment_id, label, source, author, created_at_ms, decision_id, "
                      "undone FROM labels"),
            "1|spam|moderator|token:2:bob|5000|1|0\n");
  EXPECT_EQ(raw.Query("SELECT at_ms, actor, action, target, before_json, after_json FROM "
                      "audit_log"),
            "5000|token:2:bob|comment.decide|comment:1|{\"status\":\"pending\"}|"
            "{\"status\":\"rejected\",\"decision\":\"spam\",\"note\":\"n-spam\","
            "\"decision_id\":1}\n");
  EXPECT_EQ(raw.Query("SELECT count(*) FROM claims"), "0\n");
  EXPECT_EQ(raw.Query("SELECT event_id, site, url, payload, attempts, next_attempt_at_ms, "
                      "delivered_at_ms, created_at_ms FROM outbox"),
            "ev-spam-5000|news|https://hooks.example/m|"
            "{\"event_id\":\"ev-spam-5000\",\"type\":\"comment.decided\","
            "\"created_at\":\"2026-01-01T00:00:00.000Z\",\"site\":\"news\","
            "\"comment\":{\"id\":1,\"external_id\":\"x1\",\"status\":\"rejected\","
            "\"decision\":\"spam\",\"note\":\"n-spam\"}}|0|5000|0|5000\n");
}

TEST_P(StoreQueueTest, EachDecisionGetsItsLabel) {
  auto ids = Insert({Pending("s", "a", 1, "en", "{}", 1), Pending("s", "b", 1, "en", "{}", 1),
                     Pending("s", "c", 1, "en", "{}", 1), Pending("s", "d", 1, "en", "{}", 1)});
  std::vector<DecideRequest> requests = {
      Request(ids[0], "approve", "m", 10), Request(ids[1], "reject", "m", 10),
      Request(ids[2], "spam", "m", 10), Request(ids[3], "abuse", "m", 10),
      Request(999, "approve", "m", 10)};
  requests[1].event_id = "e1";
  requests[2].event_id = "e2";
  requests[3].event_id = "e3";
  std::vector<DecideResult> results;
  ASSERT_EQ(store_->DecideMany(requests, &results), std::error_code());
  ASSERT_EQ(results.size(), 5u);
  EXPECT_EQ(results[4].outcome, ReviewOutcome::kNotFound);
  RawDb raw(path_);
  EXPECT_EQ(raw.Query("SELECT c.external_id, c.status, l.label FROM comments c JOIN labels l "
                      "ON l.comment_id = c.id ORDER BY c.id"),
            "a|approved|ham\nb|rejected|rejected\nc|rejected|spam\nd|rejected|abuse\n");
  // No webhook registered: no outbox rows.
  EXPECT_EQ(raw.Query("SELECT count(*) FROM outbox"), "0\n");
}

TEST_P(StoreQueueTest, AFailingStepLeavesNothing) {
  auto ids = Insert({Pending("news", "x1", 6, "ar", "{}", 1000)});
  RawDb raw(path_);
  raw.Exec(
      "INSERT INTO sites (name, webhook_url, webhook_secret, created_at_ms, updated_at_ms) "
      "VALUES ('news', 'https://hooks.example/m', '', 1, 1);"
      "INSERT INTO outbox (event_id, site, url, payload, next_attempt_at_ms, created_at_ms) "
      "VALUES ('taken', 'news', 'u', '{}', 0, 0);"
      "INSERT INTO claims (comment_id, actor, expires_at_ms) VALUES (1, 'm', 99999)");
  DecideRequest r = Request(ids[0], "approve", "m", 5000);
  r.event_id = "taken";  // the outbox insert, the last step, fails (UNIQUE)
  DecideResult result;
  EXPECT_EQ(store_->Decide(r, &result), Errc::constraint);
  EXPECT_EQ(raw.Query("SELECT status, updated_at_ms FROM comments"), "pending|1000\n");
  EXPECT_EQ(raw.Query("SELECT (SELECT count(*) FROM decisions), (SELECT count(*) FROM labels), "
                      "(SELECT count(*) FROM audit_log), (SELECT count(*) FROM outbox), "
                      "(SELECT count(*) FROM claims)"),
            "0|0|0|1|1\n");
  // The store is usable afterwards.
  r.event_id = "fresh";
  ASSERT_EQ(store_->Decide(r, &result), std::error_code());
  EXPECT_EQ(raw.Query("SELECT status FROM comments"), "approved\n");
}

TEST_P(StoreQueueTest, ClaimsConflictExtendAndRelease) {
  auto ids = Insert({Pending("s", "a", 1, "en", "{}", 1)});
  ReviewOutcome outcome;
  Claim claim;
  ASSERT_EQ(store_->ClaimComment(ids[0], "alice", 100, 700, &outcome, &claim), std::error_code());
  EXPECT_EQ(outcome, ReviewOutcome::kDone);
  ASSERT_EQ(store_->ClaimComment(ids[0], "bob", 200, 800, &outcome, &claim), std::error_code());
  EXPECT_EQ(outcome, ReviewOutcome::kClaimedByOther);
  EXPECT_EQ(claim.actor, "alice");
  EXPECT_EQ(claim.expires_at_ms, 700);
  // Bob may not decide while Alice holds it.
  DecideResult result;
  ASSERT_EQ(store_->Decide(Request(ids[0], "approve", "bob", 300), &result), std::error_code());
  EXPECT_EQ(result.outcome, ReviewOutcome::kClaimedByOther);
  EXPECT_EQ(result.claim.actor, "alice");
  // Alice extends; Bob may not release it.
  ASSERT_EQ(store_->ClaimComment(ids[0], "alice", 300, 900, &outcome, &claim), std::error_code());
  EXPECT_EQ(claim.expires_at_ms, 900);
  ASSERT_EQ(store_->ReleaseClaim(ids[0], "bob", 400, &outcome, &claim), std::error_code());
  EXPECT_EQ(outcome, ReviewOutcome::kClaimedByOther);
  std::optional<Claim> held;
  ASSERT_EQ(store_->GetClaim(ids[0], 400, &held), std::error_code());
  ASSERT_TRUE(held.has_value());
  EXPECT_EQ(held->expires_at_ms, 900);
  // After expiry anyone may claim.
  ASSERT_EQ(store_->GetClaim(ids[0], 900, &held), std::error_code());
  EXPECT_FALSE(held.has_value());
  ASSERT_EQ(store_->ClaimComment(ids[0], "bob", 900, 1500, &outcome, &claim), std::error_code());
  EXPECT_EQ(outcome, ReviewOutcome::kDone);
  ASSERT_EQ(store_->ReleaseClaim(ids[0], "bob", 1000, &outcome, &claim), std::error_code());
  EXPECT_EQ(outcome, ReviewOutcome::kDone);
  ASSERT_EQ(store_->GetClaim(ids[0], 1000, &held), std::error_code());
  EXPECT_FALSE(held.has_value());
  ASSERT_EQ(store_->ClaimComment(77, "bob", 900, 1500, &outcome, &claim), std::error_code());
  EXPECT_EQ(outcome, ReviewOutcome::kNotFound);
}

TEST_P(StoreQueueTest, UndoRestoresStatusAndMarksTheLabel) {
  auto ids = Insert({Pending("news", "x1", 6, "ar", "{}", 1000)});
  RawDb raw(path_);
  raw.Exec(
      "INSERT INTO sites (name, webhook_url, webhook_secret, created_at_ms, updated_at_ms) "
      "VALUES ('news', 'https://hooks.example/m', '', 1, 1)");
  DecideResult result;
  ASSERT_EQ(store_->Decide(Request(ids[0], "approve", "m", 5000), &result), std::error_code());
  DecideRequest undo = Request(ids[0], "", "m", 6000);
  undo.note = "";
  undo.event_id = "ev-undo";
  ASSERT_EQ(store_->Undo(undo, 600'000, &result), std::error_code());
  EXPECT_EQ(result.outcome, ReviewOutcome::kDone);
  EXPECT_EQ(result.undone.id, 1);
  EXPECT_EQ(result.decision.id, 2);
  EXPECT_EQ(raw.Query("SELECT status, updated_at_ms FROM comments"), "pending|6000\n");
  EXPECT_EQ(raw.Query("SELECT id, decision, previous_status, new_status, actor, created_at_ms, "
                      "undone FROM decisions ORDER BY id"),
            "1|approve|pending|approved|m|5000|1\n2|undo|approved|pending|m|6000|0\n");
  EXPECT_EQ(raw.Query("SELECT label, decision_id, undone FROM labels ORDER BY id"),
            "ham|1|1\nundo|2|0\n");
  EXPECT_EQ(raw.Query("SELECT action, before_json, after_json FROM audit_log ORDER BY id"),
            "comment.decide|{\"status\":\"pending\"}|{\"status\":\"approved\",\"decision\":"
            "\"approve\",\"note\":\"n-approve\",\"decision_id\":1}\n"
            "comment.undo|{\"status\":\"approved\"}|{\"status\":\"pending\",\"decision\":"
            "\"undo\",\"note\":\"\",\"decision_id\":2}\n");
  EXPECT_EQ(raw.Query("SELECT json_extract(payload, '$.type'), json_extract(payload, "
                      "'$.comment.status'), json_extract(payload, '$.comment.decision') "
                      "FROM outbox ORDER BY id"),
            "comment.decided|approved|approve\ncomment.undone|pending|undo\n");
  // The training view: labels whose decision was not undone.
  EXPECT_EQ(raw.Query("SELECT count(*) FROM labels WHERE undone = 0 AND label IN "
                      "('ham', 'spam', 'abuse')"),
            "0\n");

  // Nothing left to undo.
  undo.now_ms = 6100;
  undo.event_id = "ev-undo-2";
  ASSERT_EQ(store_->Undo(undo, 600'000, &result), std::error_code());
  EXPECT_EQ(result.outcome, ReviewOutcome::kNothingToUndo);
  // Another actor's decision is not ours to undo; an old one is out of the window.
  ASSERT_EQ(store_->Decide(Request(ids[0], "reject", "other", 7000), &result), std::error_code());
  ASSERT_EQ(store_->Undo(undo, 600'000, &result), std::error_code());
  EXPECT_EQ(result.outcome, ReviewOutcome::kNothingToUndo);
  undo.actor = "other";
  undo.now_ms = 7000 + 600'001;
  ASSERT_EQ(store_->Undo(undo, 600'000, &result), std::error_code());
  EXPECT_EQ(result.outcome, ReviewOutcome::kUndoWindowPassed);
  EXPECT_EQ(raw.Query("SELECT status FROM comments"), "rejected\n");

  std::vector<Decision> decisions;
  std::vector<ReviewLabel> labels;
  ASSERT_EQ(store_->History(ids[0], &decisions, &labels), std::error_code());
  ASSERT_EQ(decisions.size(), 3u);
  EXPECT_EQ(decisions[0].decision, "approve");
  EXPECT_TRUE(decisions[0].undone);
  EXPECT_EQ(decisions[2].actor, "other");
  ASSERT_EQ(labels.size(), 3u);
  EXPECT_EQ(labels[0].label.label, "ham");
  EXPECT_TRUE(labels[0].undone);
  EXPECT_EQ(labels[2].label.label, "rejected");
  EXPECT_EQ(labels[2].decision_id, 3);
}

TEST_P(StoreQueueTest, ListsFiltersSortsPagesAndCounts) {
  std::vector<Comment> cs = {
      Pending("a", "1", 5, "ar", R"({"spam":0.8,"abuse":0.1,"ham":0.1})", 1000),
      Pending("a", "2", 7, "ru", R"({"spam":0.1,"abuse":0.7,"ham":0.2})", 2000),
      Pending("b", "3", 6, "en", R"({"spam":0.1,"abuse":0.1,"ham":0.8})", 3000),
      Pending("b", "4", 6, "ar", R"({"spam":0.5,"abuse":0.0,"ham":0.5})", 4000),
  };
  cs[0].reasons.push_back({"casino", "", "content", 4, 0, 3, "", false});
  cs[1].reasons.push_back({"casino", "", "content", 4, 0, 3, "", false});
  cs[1].reasons.push_back({"links", "", "content", 1, -1, -1, "", true});  // shadow
  Comment approved = Pending("a", "5", 9, "ar", "{}", 5000);
  approved.status = "approved";
  approved.action = "accept";
  cs.push_back(approved);
  auto ids = Insert(cs);

  auto list = [&](const QueueFilter& f, QueueOrder order, std::optional<QueuePosition> after,
                  int64_t limit) {
    std::vector<Comment> out;
    EXPECT_EQ(store_->ListQueue(f, order, after, limit, &out), std::error_code());
    std::string s;
    for (const auto& c : out) s += c.external_id;
    return s;
  };
  QueueFilter all;
  EXPECT_EQ(list(all, QueueOrder::kOldest, std::nullopt, 10), "1234");
  EXPECT_EQ(list(all, QueueOrder::kNewest, std::nullopt, 10), "4321");
  EXPECT_EQ(list(all, QueueOrder::kScoreDesc, std::nullopt, 10), "2341");
  EXPECT_EQ(list(all, QueueOrder::kScoreAsc, std::nullopt, 10), "1342");
  EXPECT_EQ(list(all, QueueOrder::kScoreDesc, QueuePosition{6, ids[2]}, 10), "41");
  EXPECT_EQ(list(all, QueueOrder::kScoreAsc, QueuePosition{6, ids[2]}, 1), "4");
  EXPECT_EQ(list(all, QueueOrder::kOldest, QueuePosition{0, ids[1]}, 1), "3");
  EXPECT_EQ(list(all, QueueOrder::kNewest, QueuePosition{0, ids[1]}, 5), "1");

  QueueFilter f;
  f.sites = std::vector<std::string>{"b"};
  EXPECT_EQ(list(f, QueueOrder::kOldest, std::nullopt, 10), "34");
  f.sites = std::vector<std::string>{};
  EXPECT_EQ(list(f, QueueOrder::kOldest, std::nullopt, 10), "");
  f = {};
  f.language = "ar";
  EXPECT_EQ(list(f, QueueOrder::kOldest, std::nullopt, 10), "14");
  f = {};
  f.label = "spam";
  EXPECT_EQ(list(f, QueueOrder::kOldest, std::nullopt, 10), "1");
  f.label = "abuse";
  EXPECT_EQ(list(f, QueueOrder::kOldest, std::nullopt, 10), "2");
  f.label = "ham";  // "4" is a tie between spam and ham: ham
  EXPECT_EQ(list(f, QueueOrder::kOldest, std::nullopt, 10), "34");
  f = {};
  f.min_score = 6;
  f.max_score = 6.5;
  EXPECT_EQ(list(f, QueueOrder::kOldest, std::nullopt, 10), "34");
  f = {};
  f.rule = "casino";
  EXPECT_EQ(list(f, QueueOrder::kOldest, std::nullopt, 10), "12");
  f.rule = "links";  // shadow reasons do not count
  EXPECT_EQ(list(f, QueueOrder::kOldest, std::nullopt, 10), "");
  f = {};
  f.received_at_most_ms = 3000;
  f.received_at_least_ms = 2000;
  EXPECT_EQ(list(f, QueueOrder::kOldest, std::nullopt, 10), "23");

  std::vector<Comment> page;
  ASSERT_EQ(store_->ListQueue(all, QueueOrder::kOldest, std::nullopt, 1, &page),
            std::error_code());
  ASSERT_EQ(page.size(), 1u);
  ASSERT_EQ(page[0].reasons.size(), 1u);
  EXPECT_EQ(page[0].reasons[0].rule_id, "casino");

  QueueCounts counts;
  ASSERT_EQ(store_->CountQueue(all, &counts), std::error_code());
  EXPECT_EQ(counts.total, 4);
  EXPECT_EQ(counts.by_site, (std::map<std::string, int64_t>{{"a", 2}, {"b", 2}}));
  EXPECT_EQ(counts.by_language, (std::map<std::string, int64_t>{{"ar", 2}, {"en", 1}, {"ru", 1}}));
  EXPECT_EQ(counts.by_label,
            (std::map<std::string, int64_t>{{"abuse", 1}, {"ham", 2}, {"spam", 1}}));
  EXPECT_EQ(counts.by_rule, (std::map<std::string, int64_t>{{"casino", 2}}));
  f = {};
  f.language = "ar";
  ASSERT_EQ(store_->CountQueue(f, &counts), std::error_code());
  EXPECT_EQ(counts.total, 2);
  EXPECT_EQ(counts.by_site, (std::map<std::string, int64_t>{{"a", 1}, {"b", 1}}));
}

// An accepted comment sampled for review: approved (published), spot_check.
Comment SpotCheck(const std::string& site, const std::string& external_id, double score,
                  int64_t received_at_ms) {
  Comment c = Pending(site, external_id, score, "en", R"({"spam":0.2,"abuse":0.0,"ham":0.8})",
                      received_at_ms);
  c.status = "approved";
  c.action = "accept";
  c.spot_check = true;
  return c;
}

TEST_P(StoreQueueTest, SpotChecksAreListedFilteredAndCountedBesidePending) {
  Comment accepted = SpotCheck("a", "n1", 0, 2500);
  accepted.spot_check = false;  // accepted, not sampled: never in the queue
  auto ids = Insert({Pending("a", "p1", 6, "ar", "{}", 1000), SpotCheck("a", "s1", 1, 2000),
                     accepted, Pending("b", "p2", 7, "ru", "{}", 3000),
                     SpotCheck("b", "s2", 2, 4000)});
  Comment got;
  ASSERT_EQ(store_->Get(ids[1], &got), std::error_code());
  EXPECT_TRUE(got.spot_check);
  EXPECT_EQ(got.status, "approved");
  ASSERT_EQ(store_->Get(ids[2], &got), std::error_code());
  EXPECT_FALSE(got.spot_check);
  ASSERT_EQ(store_->Get(ids[0], &got), std::error_code());
  EXPECT_FALSE(got.spot_check);

  auto list = [&](const QueueFilter& f, QueueOrder order, std::optional<QueuePosition> after,
                  int64_t limit) {
    std::vector<Comment> out;
    EXPECT_EQ(store_->ListQueue(f, order, after, limit, &out), std::error_code());
    std::string s;
    for (const auto& c : out) s += c.external_id + (c.spot_check ? "*" : "") + " ";
    return s;
  };
  QueueFilter all;
  EXPECT_EQ(list(all, QueueOrder::kOldest, std::nullopt, 10), "p1 s1* p2 s2* ");
  EXPECT_EQ(list(all, QueueOrder::kNewest, std::nullopt, 10), "s2* p2 s1* p1 ");
  EXPECT_EQ(list(all, QueueOrder::kScoreDesc, std::nullopt, 10), "p2 p1 s2* s1* ");
  EXPECT_EQ(list(all, QueueOrder::kOldest, QueuePosition{0, ids[1]}, 1), "p2 ");

  QueueFilter f;
  f.review = "pending";
  EXPECT_EQ(list(f, QueueOrder::kOldest, std::nullopt, 10), "p1 p2 ");
  f.review = "spot_check";
  EXPECT_EQ(list(f, QueueOrder::kOldest, std::nullopt, 10), "s1* s2* ");
  EXPECT_EQ(list(f, QueueOrder::kOldest, QueuePosition{0, ids[1]}, 10), "s2* ");
  f.sites = std::vector<std::string>{"b"};
  EXPECT_EQ(list(f, QueueOrder::kOldest, std::nullopt, 10), "s2* ");
  f = {};
  f.label = "ham";  // the other filters apply to spot checks alike
  EXPECT_EQ(list(f, QueueOrder::kOldest, std::nullopt, 10), "p1 s1* p2 s2* ");
  f.max_score = 1.5;
  EXPECT_EQ(list(f, QueueOrder::kOldest, std::nullopt, 10), "s1* ");

  QueueCounts counts;
  ASSERT_EQ(store_->CountQueue(all, &counts), std::error_code());
  EXPECT_EQ(counts.total, 4);
  EXPECT_EQ(counts.by_review, (std::map<std::string, int64_t>{{"pending", 2}, {"spot_check", 2}}));
  EXPECT_EQ(counts.by_site, (std::map<std::string, int64_t>{{"a", 2}, {"b", 2}}));
  EXPECT_EQ(counts.by_language, (std::map<std::string, int64_t>{{"ar", 1}, {"en", 2}, {"ru", 1}}));
  f = {};
  f.review = "spot_check";
  ASSERT_EQ(store_->CountQueue(f, &counts), std::error_code());
  EXPECT_EQ(counts.total, 2);
  EXPECT_EQ(counts.by_review, (std::map<std::string, int64_t>{{"spot_check", 2}}));
  f.review = "pending";
  f.sites = std::vector<std::string>{"a"};
  ASSERT_EQ(store_->CountQueue(f, &counts), std::error_code());
  EXPECT_EQ(counts.total, 1);
  EXPECT_EQ(counts.by_review, (std::map<std::string, int64_t>{{"pending", 1}}));
}

TEST_P(StoreQueueTest, DecisionsAnswerASpotCheckAndUndoRestoresIt) {
  auto ids = Insert({SpotCheck("news", "s1", 1, 1000), SpotCheck("news", "s2", 1, 2000)});
  RawDb raw(path_);
  raw.Exec(
      "INSERT INTO sites (name, webhook_url, webhook_secret, created_at_ms, updated_at_ms) "
      "VALUES ('news', 'https://hooks.example/m', 'k', 1, 1)");
  DecideResult result;
  // Approve: stays approved, becomes a ham label, leaves the queue.
  ASSERT_EQ(store_->Decide(Request(ids[0], "approve", "m", 5000), &result), std::error_code());
  EXPECT_TRUE(result.decision.spot_check);
  EXPECT_EQ(result.decision.previous_status, "approved");
  // Spam: rejected like any decision (the site removes it), a spam label.
  ASSERT_EQ(store_->Decide(Request(ids[1], "spam", "m", 6000), &result), std::error_code());
  EXPECT_EQ(raw.Query("SELECT external_id, status, spot_check FROM comments ORDER BY id"),
            "s1|approved|0\ns2|rejected|0\n");
  EXPECT_EQ(raw.Query("SELECT decision, previous_status, new_status, spot_check FROM decisions "
                      "ORDER BY id"),
            "approve|approved|approved|1\nspam|approved|rejected|1\n");
  EXPECT_EQ(raw.Query("SELECT label FROM labels ORDER BY id"), "ham\nspam\n");
  EXPECT_EQ(raw.Query("SELECT json_extract(payload, '$.type'), json_extract(payload, "
                      "'$.comment.status') FROM outbox ORDER BY id"),
            "comment.decided|approved\ncomment.decided|rejected\n");
  std::vector<Comment> queue;
  ASSERT_EQ(store_->ListQueue({}, QueueOrder::kOldest, std::nullopt, 10, &queue),
            std::error_code());
  EXPECT_TRUE(queue.empty());
  // What the learning loop trains on.
  auto labelled = [&] {
    std::string s;
    EXPECT_EQ(store_->ScanLabelledComments(0,
                                           [&](const LabelledComment& c) {
                                             s += std::to_string(c.comment_id) + ":" + c.label +
                                                  " ";
                                             return true;
                                           }),
              std::error_code());
    return s;
  };
  EXPECT_EQ(labelled(), std::to_string(ids[0]) + ":ham " + std::to_string(ids[1]) + ":spam ");

  // Undo: published again and back in the queue as a spot check.
  DecideRequest undo = Request(ids[1], "", "m", 7000);
  undo.event_id = "ev-undo";
  ASSERT_EQ(store_->Undo(undo, 600'000, &result), std::error_code());
  ASSERT_EQ(result.outcome, ReviewOutcome::kDone);
  EXPECT_TRUE(result.undone.spot_check);
  EXPECT_FALSE(result.decision.spot_check);  // the undo row: it was not one when undone
  EXPECT_EQ(raw.Query("SELECT status, spot_check FROM comments WHERE external_id = 's2'"),
            "approved|1\n");
  ASSERT_EQ(store_->ListQueue({}, QueueOrder::kOldest, std::nullopt, 10, &queue),
            std::error_code());
  ASSERT_EQ(queue.size(), 1u);
  EXPECT_EQ(queue[0].id, ids[1]);
  EXPECT_TRUE(queue[0].spot_check);
  EXPECT_EQ(labelled(), std::to_string(ids[0]) + ":ham ");

  std::vector<Decision> decisions;
  std::vector<ReviewLabel> labels;
  ASSERT_EQ(store_->History(ids[1], &decisions, &labels), std::error_code());
  ASSERT_EQ(decisions.size(), 2u);
  EXPECT_EQ(decisions[0].decision, "spam");
  EXPECT_TRUE(decisions[0].spot_check);
  EXPECT_TRUE(decisions[0].undone);
  EXPECT_EQ(decisions[1].decision, "undo");
  EXPECT_FALSE(decisions[1].spot_check);

  // A site's own correction (Akismet submit-ham/spam, spamc TELL) answers it too.
  ASSERT_EQ(store_->UpdateStatus(ids[1], "approved", 8000), std::error_code());
  EXPECT_EQ(raw.Query("SELECT status, spot_check FROM comments WHERE external_id = 's2'"),
            "approved|0\n");
}

TEST_P(StoreQueueTest, ReputationCountsByEmailAndIp) {
  std::vector<Comment> cs = {
      Pending("a", "1", 1, "en", "{}", 1), Pending("a", "2", 1, "en", "{}", 1),
      Pending("b", "3", 1, "en", "{}", 1), Pending("a", "4", 1, "en", "{}", 1)};
  cs[3].author_email = "other@example.com";
  auto ids = Insert(cs);
  DecideResult result;
  ASSERT_EQ(store_->Decide(Request(ids[0], "approve", "m", 10), &result), std::error_code());
  ASSERT_EQ(store_->Decide(Request(ids[1], "spam", "m", 11), &result), std::error_code());
  Reputation email, ip;
  ASSERT_EQ(store_->GetReputation("a@example.com", "203.0.113.9", std::nullopt, &email, &ip),
            std::error_code());
  EXPECT_EQ(email.approved, 1);
  EXPECT_EQ(email.rejected, 1);
  EXPECT_EQ(email.pending, 1);
  EXPECT_EQ(ip.pending, 2);
  ASSERT_EQ(store_->GetReputation("a@example.com", "", std::vector<std::string>{"b"}, &email, &ip),
            std::error_code());
  EXPECT_EQ(email.approved, 0);
  EXPECT_EQ(email.pending, 1);
  EXPECT_EQ(ip.pending, 0);

  // Capped counts (rules on the request path) stop at the cap, per status,
  // and agree with the exact ones below it, site scope included.
  ASSERT_EQ(store_->GetReputation("a@example.com", "203.0.113.9", std::nullopt, &email, &ip, 1),
            std::error_code());
  EXPECT_EQ(email.approved, 1);
  EXPECT_EQ(email.rejected, 1);
  EXPECT_EQ(email.pending, 1);
  EXPECT_EQ(ip.pending, 1);  // 2, capped at 1
  ASSERT_EQ(store_->GetReputation("a@example.com", "203.0.113.9", std::nullopt, &email, &ip, 5),
            std::error_code());
  EXPECT_EQ(ip.pending, 2);
  ASSERT_EQ(store_->GetReputation("a@example.com", "203.0.113.9", std::vector<std::string>{"b"},
                                  &email, &ip, 5),
            std::error_code());
  EXPECT_EQ(email.approved, 0);
  EXPECT_EQ(email.pending, 1);
  EXPECT_EQ(ip.pending, 1);
}

// A queue page's claims and reputations read at once are what GetClaim and
// GetReputation give one comment at a time (PostgreSQL reads them with
// three statements a page).
TEST_P(StoreQueueTest, QueueExtrasAreWhatClaimAndReputationGiveOneByOne) {
  std::vector<Comment> cs = {
      Pending("a", "1", 1, "en", "{}", 1), Pending("a", "2", 1, "en", "{}", 1),
      Pending("b", "3", 1, "en", "{}", 1), Pending("a", "4", 1, "en", "{}", 1),
      Pending("a", "5", 1, "en", "{}", 1)};
  cs[3].author_email = "other@example.com";
  cs[4].author_email = "";
  cs[4].author_ip = "";
  auto ids = Insert(cs);
  for (size_t i = 0; i < cs.size(); ++i) cs[i].id = ids[i];
  DecideResult result;
  ASSERT_EQ(store_->Decide(Request(ids[0], "approve", "m", 10), &result), std::error_code());
  ReviewOutcome outcome;
  Claim claim;
  ASSERT_EQ(store_->ClaimComment(ids[1], "alice", 100, 700, &outcome, &claim), std::error_code());
  ASSERT_EQ(store_->ClaimComment(ids[2], "bob", 100, 300, &outcome, &claim), std::error_code());
  for (const auto& sites : {std::optional<std::vector<std::string>>(),
                            std::optional<std::vector<std::string>>({"a"})}) {
    std::vector<QueueExtras> extras;
    ASSERT_EQ(store_->GetQueueExtras(cs, 400, sites, 2, &extras), std::error_code());
    ASSERT_EQ(extras.size(), cs.size());
    for (size_t i = 0; i < cs.size(); ++i) {
      SCOPED_TRACE(i);
      std::optional<Claim> held;
      ASSERT_EQ(store_->GetClaim(ids[i], 400, &held), std::error_code());
      ASSERT_EQ(extras[i].claim.has_value(), held.has_value());
      if (held) {
        EXPECT_EQ(extras[i].claim->comment_id, held->comment_id);
        EXPECT_EQ(extras[i].claim->actor, held->actor);
        EXPECT_EQ(extras[i].claim->expires_at_ms, held->expires_at_ms);
      }
      Reputation email, ip;
      ASSERT_EQ(store_->GetReputation(cs[i].author_email, cs[i].author_ip, sites, &email, &ip, 2),
                std::error_code());
      EXPECT_EQ(std::tie(extras[i].email.approved, extras[i].email.rejected,
                         extras[i].email.pending),
                std::tie(email.approved, email.rejected, email.pending));
      EXPECT_EQ(std::tie(extras[i].ip.approved, extras[i].ip.rejected, extras[i].ip.pending),
                std::tie(ip.approved, ip.rejected, ip.pending));
    }
    // Only the unexpired claim (alice's) is there; bob's ended at 300.
    EXPECT_TRUE(extras[1].claim.has_value());
    EXPECT_FALSE(extras[2].claim.has_value());
  }
  // The counts themselves: a@example.com has 1 approved and, capped at 2,
  // 2 pending over all sites; its IP 2 (capped) pending.
  std::vector<QueueExtras> extras;
  ASSERT_EQ(store_->GetQueueExtras(cs, 400, std::nullopt, 2, &extras), std::error_code());
  EXPECT_EQ(extras[0].email.approved, 1);
  EXPECT_EQ(extras[0].email.pending, 2);
  EXPECT_EQ(extras[0].ip.pending, 2);
  EXPECT_EQ(extras[3].email.pending, 1);
  EXPECT_EQ(extras[4].email.pending, 0);  // no e-mail, no IP: nothing counted
  EXPECT_EQ(extras[4].ip.pending, 0);
  ASSERT_EQ(store_->GetQueueExtras({}, 400, std::nullopt, 2, &extras), std::error_code());
  EXPECT_TRUE(extras.empty());
}

TEST_P(StoreQueueTest, ListChangedPagesByUpdateTime) {
  auto ids = Insert({Pending("a", "1", 1, "en", "{}", 100), Pending("a", "2", 1, "en", "{}", 200),
                     Pending("a", "3", 1, "en", "{}", 300), Pending("b", "4", 1, "en", "{}", 400)});
  DecideResult result;
  ASSERT_EQ(store_->Decide(Request(ids[0], "approve", "m", 500), &result), std::error_code());
  auto changed = [&](int64_t since, std::optional<std::pair<int64_t, int64_t>> after,
                     int64_t limit) {
    std::vector<Comment> out;
    EXPECT_EQ(store_->ListChanged("a", since, after, limit, &out), std::error_code());
    std::string s;
    for (const auto& c : out) s += c.external_id + ":" + c.status + ":" +
                                   std::to_string(c.updated_at_ms) + " ";
    return s;
  };
  EXPECT_EQ(changed(200, std::nullopt, 10), "2:pending:200 3:pending:300 1:approved:500 ");
  EXPECT_EQ(changed(200, std::nullopt, 1), "2:pending:200 ");
  EXPECT_EQ(changed(200, std::make_pair(int64_t{200}, ids[1]), 10),
            "3:pending:300 1:approved:500 ");
  EXPECT_EQ(changed(501, std::nullopt, 10), "");
}

// The counts the writer keeps (no filter beyond sites and review) must equal
// the counts taken over the matching comments, after every kind of change:
// insert (with reasons, repeated and shadow ones), decision, undo, spot
// checks and deletion. A filter that matches everything (min_score) forces
// the second path.
TEST_P(StoreQueueTest, KeptCountsAgreeWithCountingTheQueue) {
  auto with_reasons = [](Comment c, std::vector<std::pair<std::string, bool>> rules) {
    for (const auto& [rule, shadow] : rules) {
      Reason r;
      r.rule_id = rule;
      r.shadow = shadow;
      c.reasons.push_back(r);
    }
    return c;
  };
  Comment spot = Pending("b", "s1", 1, "en", R"({"ham":0.9})", 1500);
  spot.status = "approved";
  spot.action = "accept";
  spot.spot_check = true;
  Comment accepted = Pending("a", "ok", 0, "en", "{}", 1600);
  accepted.status = "approved";
  accepted.action = "accept";
  auto ids = Insert({with_reasons(Pending("a", "p1", 6, "ar", R"({"spam":0.9})", 1000),
                                  {{"casino", false}, {"casino", false}, {"links", true}}),
                     with_reasons(Pending("a", "p2", 7, "ru", R"({"abuse":0.8})", 2000),
                                  {{"casino", false}, {"insult", false}}),
                     with_reasons(Pending("b", "p3", 5, "ar", "{}", 3000), {{"links", true}}),
                     spot, accepted});
  auto check = [&](const std::string& when, std::optional<std::vector<std::string>> sites,
                   const std::string& review) {
    QueueFilter kept;
    kept.sites = sites;
    kept.review = review;
    QueueFilter matched = kept;
    matched.min_score = -1e9;
    QueueCounts a, b;
    ASSERT_EQ(store_->CountQueue(kept, &a), std::error_code()) << when;
    ASSERT_EQ(store_->CountQueue(matched, &b), std::error_code()) << when;
    EXPECT_TRUE(a.exact && b.exact) << when;
    EXPECT_EQ(a.total, b.total) << when;
    EXPECT_EQ(a.by_review, b.by_review) << when;
    EXPECT_EQ(a.by_site, b.by_site) << when;
    EXPECT_EQ(a.by_language, b.by_language) << when;
    EXPECT_EQ(a.by_label, b.by_label) << when;
    EXPECT_EQ(a.by_rule, b.by_rule) << when;
  };
  auto check_all = [&](const std::string& when) {
    check(when, std::nullopt, "");
    check(when + " site a", std::vector<std::string>{"a"}, "");
    check(when + " pending", std::nullopt, "pending");
    check(when + " spot checks of b", std::vector<std::string>{"b"}, "spot_check");
  };
  check_all("inserted");
  QueueCounts counts;
  ASSERT_EQ(store_->CountQueue({}, &counts), std::error_code());
  EXPECT_EQ(counts.total, 4);
  EXPECT_EQ(counts.by_rule, (std::map<std::string, int64_t>{{"casino", 2}, {"insult", 1}}));
  EXPECT_EQ(counts.by_label,
            (std::map<std::string, int64_t>{{"abuse", 1}, {"ham", 2}, {"spam", 1}}));

  DecideResult result;
  ASSERT_EQ(store_->Decide(Request(ids[0], "spam", "m", 5000), &result), std::error_code());
  ASSERT_EQ(store_->Decide(Request(ids[3], "approve", "m", 5001), &result), std::error_code());
  check_all("decided");
  ASSERT_EQ(store_->CountQueue({}, &counts), std::error_code());
  EXPECT_EQ(counts.total, 2);
  EXPECT_EQ(counts.by_rule, (std::map<std::string, int64_t>{{"casino", 1}, {"insult", 1}}));

  DecideRequest undo = Request(ids[0], "", "m", 6000);
  undo.note = "";
  undo.event_id = "ev-undo";
  ASSERT_EQ(store_->Undo(undo, 600'000, &result), std::error_code());
  check_all("undone");
  ASSERT_EQ(store_->CountQueue({}, &counts), std::error_code());
  EXPECT_EQ(counts.total, 3);
  EXPECT_EQ(counts.by_rule, (std::map<std::string, int64_t>{{"casino", 2}, {"insult", 1}}));

  RawDb raw(path_);
  raw.Exec("DELETE FROM comments WHERE id = " + std::to_string(ids[1]));
  check_all("deleted");
  ASSERT_EQ(store_->CountQueue({}, &counts), std::error_code());
  EXPECT_EQ(counts.total, 2);
  EXPECT_EQ(counts.by_site, (std::map<std::string, int64_t>{{"a", 1}, {"b", 1}}));
  EXPECT_EQ(counts.by_rule, (std::map<std::string, int64_t>{{"casino", 1}}));
  // A scoped moderator of no site counts nothing.
  QueueFilter none;
  none.sites = std::vector<std::string>{};
  ASSERT_EQ(store_->CountQueue(none, &counts), std::error_code());
  EXPECT_EQ(counts.total, 0);
  EXPECT_TRUE(counts.by_language.empty());
}

// Many writes in a row (PostgreSQL folds its count deltas every 16 writes):
// the kept counts stay exact through the folding.
TEST_P(StoreQueueTest, KeptCountsStayExactAcrossManyWrites) {
  std::vector<int64_t> ids;
  for (int i = 0; i < 40; ++i) {
    auto got = Insert({Pending(i % 2 ? "a" : "b", "w" + std::to_string(i), i % 5, "ar", "{}",
                               1000 + i)});
    ids.push_back(got[0]);
  }
  DecideResult result;
  for (int i = 0; i < 20; ++i) {
    ASSERT_EQ(store_->Decide(Request(ids[static_cast<size_t>(i)], "reject", "m", 9000 + i),
                             &result),
              std::error_code());
  }
  QueueCounts counts;
  ASSERT_EQ(store_->CountQueue({}, &counts), std::error_code());
  EXPECT_EQ(counts.total, 20);
  EXPECT_EQ(counts.by_site, (std::map<std::string, int64_t>{{"a", 10}, {"b", 10}}));
  EXPECT_EQ(counts.by_language, (std::map<std::string, int64_t>{{"ar", 20}}));
}

// With filters beyond site and review, counts stop at the cap and say so.
TEST_P(StoreQueueTest, NarrowedCountsStopAtTheCapAndSaySo) {
  std::vector<Comment> wave;
  for (int64_t i = 0; i < kQueueCountCap + 5; ++i) {
    wave.push_back(Pending("a", "", 5, "ru", "{}", 1000 + i));
  }
  Insert(wave);
  QueueFilter f;
  f.language = "ru";
  QueueCounts counts;
  ASSERT_EQ(store_->CountQueue(f, &counts), std::error_code());
  EXPECT_FALSE(counts.exact);
  EXPECT_EQ(counts.total, kQueueCountCap + 1);
  // Without the narrowing filter the kept counts are exact.
  ASSERT_EQ(store_->CountQueue({}, &counts), std::error_code());
  EXPECT_TRUE(counts.exact);
  EXPECT_EQ(counts.total, kQueueCountCap + 5);
  f.received_at_least_ms = 1000 + kQueueCountCap;
  ASSERT_EQ(store_->CountQueue(f, &counts), std::error_code());
  EXPECT_TRUE(counts.exact);
  EXPECT_EQ(counts.total, 5);
}

// Keyset pages through a wave of equal scores: every comment exactly once,
// in order, whichever way the score orders run.
TEST_P(StoreQueueTest, CursorPagesThroughEqualScoresMissNothing) {
  std::vector<Comment> wave;
  for (int i = 0; i < 60; ++i) wave.push_back(Pending("a", "", i < 25 ? 7 : 5, "ar", "{}", i));
  std::vector<int64_t> ids = Insert(wave);
  // Another site's comments in between, with the same scores: a filter of
  // site "a" (its own indexes) must page past them; no filter lists them too.
  std::vector<Comment> other;
  for (int i = 0; i < 30; ++i) other.push_back(Pending("b", "", i % 2 ? 7 : 5, "ru", "{}", i));
  const std::vector<int64_t> other_ids = Insert(other);
  QueueFilter site_a;
  site_a.sites = std::vector<std::string>{"a"};
  for (QueueOrder order : {QueueOrder::kScoreDesc, QueueOrder::kScoreAsc, QueueOrder::kOldest,
                           QueueOrder::kNewest}) {
    std::vector<int64_t> seen;
    std::optional<QueuePosition> after;
    for (int page = 0; page < 20; ++page) {
      std::vector<Comment> out;
      ASSERT_EQ(store_->ListQueue(site_a, order, after, 7, &out), std::error_code());
      for (const auto& c : out) seen.push_back(c.id);
      if (out.size() < 7) break;
      after = QueuePosition{out.back().score, out.back().id};
    }
    std::vector<int64_t> expected;
    // ids[0..24] score 7, ids[25..59] score 5; ties by id, oldest first.
    if (order == QueueOrder::kScoreDesc) {
      expected = ids;
    } else if (order == QueueOrder::kScoreAsc) {
      expected.assign(ids.begin() + 25, ids.end());
      expected.insert(expected.end(), ids.begin(), ids.begin() + 25);
    } else if (order == QueueOrder::kOldest) {
      expected = ids;
    } else {
      expected.assign(ids.rbegin(), ids.rend());
    }
    EXPECT_EQ(seen, expected) << static_cast<int>(order);
    // The whole queue, paged the same way, has both sites' comments once.
    std::vector<int64_t> all;
    after.reset();
    for (int page = 0; page < 30; ++page) {
      std::vector<Comment> out;
      ASSERT_EQ(store_->ListQueue({}, order, after, 7, &out), std::error_code());
      for (const auto& c : out) all.push_back(c.id);
      if (out.size() < 7) break;
      after = QueuePosition{out.back().score, out.back().id};
    }
    std::sort(all.begin(), all.end());
    std::vector<int64_t> every = ids;
    every.insert(every.end(), other_ids.begin(), other_ids.end());
    EXPECT_EQ(all, every) << static_cast<int>(order);
  }
}

// Author and text filters.
TEST_P(StoreQueueTest, FiltersByAuthorAndText) {
  Comment a = Pending("a", "t1", 5, "ru", "{}", 1000);
  a.content = "Лучшее онлайн CASINO, пишите в телеграм";
  a.author_email = "Spammer@Example.com";
  a.author_ip = "198.51.100.7";
  Comment b = Pending("a", "t2", 5, "ar", "{}", 2000);
  b.content = "تعليق عادي";
  Insert({a, b});
  auto list = [&](const QueueFilter& f) {
    std::vector<Comment> out;
    EXPECT_EQ(store_->ListQueue(f, QueueOrder::kOldest, std::nullopt, 10, &out),
              std::error_code());
    std::string s;
    for (const auto& c : out) s += c.external_id + " ";
    return s;
  };
  QueueFilter f;
  f.author_email = "spammer@example.COM";
  EXPECT_EQ(list(f), "t1 ");
  f = {};
  f.author_ip = "198.51.100.7";
  EXPECT_EQ(list(f), "t1 ");
  f.author_ip = "198.51.100.8";
  EXPECT_EQ(list(f), "");
  f = {};
  f.text = "casino";
  EXPECT_EQ(list(f), "t1 ");
  f.text = "телеграм";
  EXPECT_EQ(list(f), "t1 ");
  f.text = "عادي";
  EXPECT_EQ(list(f), "t2 ");
  QueueCounts counts;
  ASSERT_EQ(store_->CountQueue(f, &counts), std::error_code());
  EXPECT_EQ(counts.total, 1);
  EXPECT_EQ(counts.by_language, (std::map<std::string, int64_t>{{"ar", 1}}));
}

// One author's items (by IP, by e-mail) among others', in every order and
// across pages, with ties of score: the listings, counts, exact count and
// bulk ids that read only that author's part of the queue.
TEST_P(StoreQueueTest, OneAuthorsItemsPageInEveryOrder) {
  std::vector<Comment> comments;
  for (int i = 0; i < 30; ++i) {
    Comment c = Pending(i % 3 == 0 ? "b" : "a", "c" + std::to_string(i), (i * 7) % 4, "en", "{}",
                        1000 + i);
    if (i % 2 == 0) {
      c.author_ip = "198.51.100.7";
      c.author_email = "Wave@Example.com";
    }
    comments.push_back(c);
  }
  const std::vector<int64_t> ids = Insert(comments);
  std::vector<int64_t> wave, wave_in_a;
  for (int i = 0; i < 30; i += 2) {
    wave.push_back(ids[i]);
    if (i % 3 != 0) wave_in_a.push_back(ids[i]);
  }
  QueueFilter by_ip, by_email, by_ip_in_a;
  by_ip.author_ip = "198.51.100.7";
  by_email.author_email = "wave@example.com";
  by_ip_in_a.author_ip = "198.51.100.7";
  by_ip_in_a.sites = std::vector<std::string>{"a"};
  for (const auto& [filter, expected] : {std::pair{by_ip, wave}, std::pair{by_email, wave},
                                         std::pair{by_ip_in_a, wave_in_a}}) {
    ExpectQueueItems(filter, expected);
  }
}

// One rule's queue items (SQLite reads them from queue_rules, kept by
// triggers): every order pages through them, and decisions, undo and a
// retention purge keep the listing exact. The rare rule's score orders sort
// its items; the common rule's walk the score index with the rule as a term
// (4 * 4 < 4 * 30, 15 * 15 > 4 * 30: see ListQueue).
TEST_P(StoreQueueTest, OneRulesItemsPageInEveryOrderAndFollowDecisions) {
  std::vector<Comment> comments;
  for (int i = 0; i < 32; ++i) {
    Comment c = Pending(i % 3 == 0 ? "b" : "a", "c" + std::to_string(i), (i * 7) % 4, "en", "{}",
                        1000 + i);
    if (i >= 30) c.status = "approved";  // not queued: never listed
    if (i % 2 == 0) c.reasons.push_back({"common", "", "content", 2, 0, 1, "", false});
    if (i % 2 == 0) c.reasons.push_back({"common", "", "author_url", 2, 0, 1, "", false});
    if (i % 8 == 1) c.reasons.push_back({"rare", "", "content", 3, 0, 1, "", false});
    c.reasons.push_back({"shadowed", "", "content", 1, 0, 1, "", true});
    comments.push_back(c);
  }
  const std::vector<int64_t> ids = Insert(comments);
  std::vector<int64_t> common, common_in_a, rare;
  for (int i = 0; i < 30; ++i) {
    if (i % 2 == 0) common.push_back(ids[i]);
    if (i % 2 == 0 && i % 3 != 0) common_in_a.push_back(ids[i]);
    if (i % 8 == 1) rare.push_back(ids[i]);
  }
  QueueFilter by_common, by_common_in_a, by_rare, by_shadowed, by_none;
  by_common.rule = "common";
  by_common_in_a.rule = "common";
  by_common_in_a.sites = std::vector<std::string>{"a"};
  by_rare.rule = "rare";
  by_shadowed.rule = "shadowed";  // shadow reasons never count
  by_none.rule = "no.such.rule";
  auto expect_all = [&] {
    {
      SCOPED_TRACE("common");
      ExpectQueueItems(by_common, common);
    }
    {
      SCOPED_TRACE("common in a");
      ExpectQueueItems(by_common_in_a, common_in_a);
    }
    {
      SCOPED_TRACE("rare");
      ExpectQueueItems(by_rare, rare);
    }
    {
      SCOPED_TRACE("shadowed");
      ExpectQueueItems(by_shadowed, {});
    }
    {
      SCOPED_TRACE("none");
      ExpectQueueItems(by_none, {});
    }
  };
  expect_all();

  // A decision takes an item out of its rules' listings; an undo brings it back.
  DecideResult result;
  ASSERT_EQ(store_->Decide(Request(ids[2], "spam", "m", 5000), &result), std::error_code());
  ASSERT_EQ(store_->Decide(Request(ids[9], "approve", "m", 5001), &result), std::error_code());
  common.erase(std::find(common.begin(), common.end(), ids[2]));
  common_in_a.erase(std::find(common_in_a.begin(), common_in_a.end(), ids[2]));
  rare.erase(std::find(rare.begin(), rare.end(), ids[9]));
  expect_all();
  ASSERT_EQ(store_->Undo(Request(ids[9], "", "m", 5002), 600'000, &result), std::error_code());
  ASSERT_EQ(result.outcome, ReviewOutcome::kDone);
  rare.push_back(ids[9]);
  std::sort(rare.begin(), rare.end());
  expect_all();
  if (sqlite()) {  // one row per queued (rule, comment), none left behind
    RawDb raw(path_);
    EXPECT_EQ(raw.Query("SELECT rule_id, count(*) FROM queue_rules GROUP BY rule_id"),
              "common|14\nrare|4\n");
  }
}

// Stalled bulk actions: running or undoing, with no write since a time.
TEST_P(StoreQueueTest, ListsStalledBulkActions) {
  auto add = [&](const std::string& state, int64_t updated_at_ms) {
    BulkAction a;
    a.actor = "token:2:bob";
    a.decision = "spam";
    a.state = state;
    a.created_at_ms = 1000;
    a.updated_at_ms = updated_at_ms;
    EXPECT_EQ(store_->AddBulkAction(a, &a.id), std::error_code());
    return a.id;
  };
  const int64_t old_running = add("running", 2000);
  add("running", 9000);
  add("done", 2000);
  add("failed", 2000);
  const int64_t old_undoing = add("undoing", 3000);
  std::vector<BulkAction> stalled;
  ASSERT_EQ(store_->ListStalledBulkActions(5000, 10, &stalled), std::error_code());
  ASSERT_EQ(stalled.size(), 2u);
  EXPECT_EQ(stalled[0].id, old_running);
  EXPECT_EQ(stalled[0].state, "running");
  EXPECT_EQ(stalled[0].updated_at_ms, 2000);
  EXPECT_EQ(stalled[1].id, old_undoing);
  EXPECT_EQ(stalled[1].state, "undoing");
  ASSERT_EQ(store_->ListStalledBulkActions(5000, 1, &stalled), std::error_code());
  ASSERT_EQ(stalled.size(), 1u);
  ASSERT_EQ(store_->ListStalledBulkActions(1000, 10, &stalled), std::error_code());
  EXPECT_TRUE(stalled.empty());
}

// A bulk action: ids and an exact count of what a filter matches, decisions
// tagged with the action, its record updated only from the state expected,
// and an undo that leaves alone what was decided again since.
TEST_P(StoreQueueTest, BulkActionDecidesTagsAndUndoesInBatches) {
  std::vector<Comment> comments;
  for (int i = 0; i < 5; ++i) {
    Comment c = Pending(i == 4 ? "b" : "a", "c" + std::to_string(i), 5, "en", "{}", 1000 + i);
    c.content = "Best CASINO bonus " + std::to_string(i);
    comments.push_back(c);
  }
  comments.push_back(Pending("a", "n1", 5, "en", "{}", 2000));
  auto ids = Insert(comments);
  RawDb raw(path_);
  raw.Exec(
      "INSERT INTO sites (name, webhook_url, webhook_secret, created_at_ms, updated_at_ms) "
      "VALUES ('a', 'https://hooks.example/a', '', 1, 1)");
  QueueFilter f;
  f.sites = std::vector<std::string>{"a"};
  f.text = "casino";
  int64_t matched = 0;
  ASSERT_EQ(store_->CountQueueExact(f, &matched), std::error_code());
  EXPECT_EQ(matched, 4);
  std::vector<int64_t> page;
  ASSERT_EQ(store_->ListQueueIds(f, 0, 3, &page), std::error_code());
  EXPECT_EQ(page, (std::vector<int64_t>{ids[0], ids[1], ids[2]}));
  ASSERT_EQ(store_->ListQueueIds(f, ids[2], 3, &page), std::error_code());
  EXPECT_EQ(page, (std::vector<int64_t>{ids[3]}));

  BulkAction action;
  action.actor = "token:2:bob";
  action.decision = "spam";
  action.note = "wave";
  action.filter_json = R"({"q":"casino"})";
  action.matched = 4;
  action.created_at_ms = action.updated_at_ms = 3000;
  ASSERT_EQ(store_->AddBulkAction(action, &action.id), std::error_code());
  EXPECT_EQ(action.id, 1);
  std::vector<DecideRequest> requests;
  for (int i = 0; i < 4; ++i) {
    requests.push_back(Request(ids[i], "spam", "token:2:bob", 3100));
    requests.back().event_id += "-" + std::to_string(i);
    requests.back().bulk_id = action.id;
  }
  std::vector<DecideResult> results;
  ASSERT_EQ(store_->DecideMany(requests, &results), std::error_code());
  ASSERT_EQ(results.size(), 4u);
  EXPECT_EQ(raw.Query("SELECT comment_id, bulk_id FROM decisions ORDER BY id"),
            "1|1\n2|1\n3|1\n4|1\n");
  ASSERT_EQ(store_->CountQueueExact(f, &matched), std::error_code());
  EXPECT_EQ(matched, 0);

  action.decided = 4;
  action.state = "done";
  AuditEntry audit;
  audit.at_ms = 3200;
  audit.actor = action.actor;
  audit.action = "queue.bulk";
  audit.target = "bulk:1";
  bool updated = false;
  ASSERT_EQ(store_->UpdateBulkAction(action, "running", &audit, &updated), std::error_code());
  EXPECT_TRUE(updated);
  // Not from a state it is not in: nothing written, no audit entry.
  ASSERT_EQ(store_->UpdateBulkAction(action, "running", &audit, &updated), std::error_code());
  EXPECT_FALSE(updated);
  EXPECT_EQ(raw.Query("SELECT count(*) FROM audit_log WHERE action = 'queue.bulk'"), "1\n");
  BulkAction read;
  ASSERT_EQ(store_->GetBulkAction(action.id, &read), std::error_code());
  EXPECT_EQ(read.actor, "token:2:bob");
  EXPECT_EQ(read.decision, "spam");
  EXPECT_EQ(read.note, "wave");
  EXPECT_EQ(read.filter_json, R"({"q":"casino"})");
  EXPECT_EQ(read.state, "done");
  EXPECT_EQ(read.matched, 4);
  EXPECT_EQ(read.decided, 4);
  EXPECT_EQ(read.created_at_ms, 3000);
  EXPECT_EQ(store_->GetBulkAction(99, &read), std::error_code(Errc::not_found));
  EXPECT_EQ(store_->LastErrorMessage(), "no bulk action 99");

  // Someone approves the second comment after the action: the undo keeps it.
  DecideResult one;
  ASSERT_EQ(store_->Decide(Request(ids[1], "approve", "token:3:eve", 3300), &one),
            std::error_code());
  std::vector<Decision> decisions;
  ASSERT_EQ(store_->ListBulkDecisions(action.id, 0, 3, &decisions), std::error_code());
  ASSERT_EQ(decisions.size(), 3u);
  EXPECT_EQ(decisions[0].comment_id, ids[0]);
  std::vector<Decision> rest;
  ASSERT_EQ(store_->ListBulkDecisions(action.id, decisions.back().id, 3, &rest),
            std::error_code());
  ASSERT_EQ(rest.size(), 1u);
  EXPECT_EQ(rest[0].comment_id, ids[3]);
  requests.clear();
  for (int i = 0; i < 4; ++i) {
    requests.push_back(Request(ids[i], "", "token:1:admin", 4000));
    requests.back().note = "";
    requests.back().event_id = "undo-" + std::to_string(i);
  }
  ASSERT_EQ(store_->UndoBulkDecisions(action.id, requests, &results), std::error_code());
  ASSERT_EQ(results.size(), 4u);
  EXPECT_EQ(results[0].outcome, ReviewOutcome::kDone);
  EXPECT_EQ(results[1].outcome, ReviewOutcome::kNothingToUndo);
  EXPECT_EQ(results[2].outcome, ReviewOutcome::kDone);
  EXPECT_EQ(results[3].outcome, ReviewOutcome::kDone);
  EXPECT_EQ(results[0].undone.comment_id, ids[0]);
  EXPECT_EQ(raw.Query("SELECT external_id, status FROM comments ORDER BY id"),
            "c0|pending\nc1|approved\nc2|pending\nc3|pending\nc4|pending\nn1|pending\n");
  EXPECT_EQ(raw.Query("SELECT comment_id, decision, actor, undone, coalesce(bulk_id, 0) "
                      "FROM decisions WHERE id > 5 ORDER BY id"),
            "1|undo|token:1:admin|0|0\n3|undo|token:1:admin|0|0\n4|undo|token:1:admin|0|0\n");
  EXPECT_EQ(raw.Query("SELECT comment_id, label, undone FROM labels WHERE label = 'spam' "
                      "ORDER BY id"),
            "1|spam|1\n2|spam|0\n3|spam|1\n4|spam|1\n");
  EXPECT_EQ(raw.Query("SELECT count(*) FROM audit_log WHERE action = 'comment.undo'"), "3\n");
  EXPECT_EQ(raw.Query("SELECT event_id FROM outbox WHERE event_id LIKE 'undo-%' ORDER BY id"),
            "undo-0\nundo-2\nundo-3\n");
  ASSERT_EQ(store_->CountQueueExact(f, &matched), std::error_code());
  EXPECT_EQ(matched, 3);
  QueueCounts counts;
  ASSERT_EQ(store_->CountQueue(QueueFilter(), &counts), std::error_code());
  EXPECT_EQ(counts.total, 5);
  // What is left of the action is the decision someone overrode.
  ASSERT_EQ(store_->ListBulkDecisions(action.id, 0, 10, &decisions), std::error_code());
  ASSERT_EQ(decisions.size(), 1u);
  EXPECT_EQ(decisions[0].comment_id, ids[1]);
  ASSERT_EQ(store_->UndoBulkDecisions(action.id, std::span(requests).subspan(1, 1), &results),
            std::error_code());
  EXPECT_EQ(results[0].outcome, ReviewOutcome::kNothingToUndo);
}

MODERATED_INSTANTIATE_FOR_BOTH_BACKENDS(StoreQueueTest);

}  // namespace
}  // namespace moderated::storage

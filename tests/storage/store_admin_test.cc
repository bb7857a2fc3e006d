// tests/storage/store_admin_test.cc: the site registry, audit queries and the
// webhook outbox (storage/sqlite/admin.cc), on a real database file.
#include <gtest/gtest.h>

#include <cstdio>
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

std::string Opt(const std::optional<double>& v) {
  if (!v) return "null";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", *v);
  return buf;
}

std::string Render(const Site& s) {
  return s.name + " hold=" + Opt(s.hold_at) + " reject=" + Opt(s.reject_at) +
         " langs=" + s.languages_json + " url=" + s.webhook_url + " secret=" + s.webhook_secret +
         " retention=" + std::to_string(s.retention_days) +
         " created=" + std::to_string(s.created_at_ms) +
         " updated=" + std::to_string(s.updated_at_ms) +
         " sensitivity=" + s.sensitivity.value_or("null") + " spot_check=" + Opt(s.spot_check);
}

std::string Render(const std::vector<AuditEntry>& entries) {
  std::string out;
  for (const auto& e : entries) {
    out += std::to_string(e.id) + " " + std::to_string(e.at_ms) + " " + e.actor + " " + e.action +
           " " + e.target + " " + e.before_json + " " + e.after_json + "\n";
  }
  return out;
}

std::string Render(const OutboxEvent& e) {
  return e.event_id + " " + e.site + " " + e.url + " " + e.payload +
         " attempts=" + std::to_string(e.attempts) +
         " next=" + std::to_string(e.next_attempt_at_ms) +
         " delivered=" + std::to_string(e.delivered_at_ms) + " error=" + e.last_error;
}

AuditEntry Audit(int64_t at, std::string actor, std::string action, std::string target) {
  AuditEntry e;
  e.at_ms = at;
  e.actor = std::move(actor);
  e.action = std::move(action);
  e.target = std::move(target);
  return e;
}

class StoreAdminTest : public ::testing::TestWithParam<testing::DbBackend> {
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
  }
  int64_t AuditCount() {
    std::vector<AuditEntry> all;
    AuditQuery q;
    q.limit = 1000;
    EXPECT_FALSE(store_->QueryAudit(q, &all));
    return static_cast<int64_t>(all.size());
  }
  TempDir dir_;
  std::string url_;
  std::unique_ptr<Store> store_;
};

TEST_P(StoreAdminTest, PutCreatesThenReplacesKeepingCreatedAt) {
  Site s;
  s.name = "news.example";
  s.hold_at = 4;
  s.reject_at = 9;
  s.languages_json = R"(["ar","ru"])";
  s.webhook_url = "https://hooks.example/m";
  s.webhook_secret = "s3cret";
  s.sensitivity = "high";
  s.spot_check = 0.25;
  s.created_at_ms = 1000;
  s.updated_at_ms = 1000;
  bool created = false;
  ASSERT_FALSE(store_->PutSite(s, Audit(1000, "a", "site.update", "site:news.example"), &created));
  EXPECT_TRUE(created);
  Site got;
  ASSERT_FALSE(store_->GetSite("news.example", &got));
  EXPECT_EQ(
      "news.example hold=4 reject=9 langs=[\"ar\",\"ru\"] url=https://hooks.example/m "
      "secret=s3cret retention=0 created=1000 updated=1000 sensitivity=high spot_check=0.25",
      Render(got));

  Site next;
  next.name = "news.example";
  next.reject_at = 12;  // hold_at: back to the rule file's
  next.created_at_ms = 5000;
  next.updated_at_ms = 5000;
  ASSERT_FALSE(
      store_->PutSite(next, Audit(5000, "a", "site.update", "site:news.example"), &created));
  EXPECT_FALSE(created);

  ASSERT_FALSE(store_->GetSite("news.example", &got));
  EXPECT_EQ(
      "news.example hold=null reject=12 langs=null url= secret= retention=0 created=1000 "
      "updated=5000 sensitivity=null spot_check=null",
      Render(got));
  EXPECT_EQ(2, AuditCount());
}

// The schema refuses what the API would never send: a sensitivity that is
// not a calibrated level, a share outside [0, 1]. Nothing is written.
TEST_P(StoreAdminTest, SensitivityAndSpotCheckAreChecked) {
  Site s;
  s.name = "x.example";
  s.created_at_ms = s.updated_at_ms = 1;
  s.sensitivity = "extreme";
  EXPECT_EQ(Errc::constraint, store_->PutSite(s, Audit(1, "a", "site.update", "x"), nullptr));
  s.sensitivity = "low";
  s.spot_check = 1.5;
  EXPECT_EQ(Errc::constraint, store_->PutSite(s, Audit(1, "a", "site.update", "x"), nullptr));
  s.spot_check = -0.1;
  EXPECT_EQ(Errc::constraint, store_->PutSite(s, Audit(1, "a", "site.update", "x"), nullptr));
  Site got;
  EXPECT_EQ(Errc::not_found, store_->GetSite("x.example", &got));
  EXPECT_EQ(0, AuditCount());
  for (double share : {0.0, 1.0}) {
    s.spot_check = share;
    ASSERT_FALSE(store_->PutSite(s, Audit(1, "a", "site.update", "x"), nullptr));
    ASSERT_FALSE(store_->GetSite("x.example", &got));
    EXPECT_EQ(std::optional<double>(share), got.spot_check);
    EXPECT_EQ(std::optional<std::string>("low"), got.sensitivity);
  }
}

TEST_P(StoreAdminTest, ListIsByNameAndDeleteRemoves) {
  for (const char* name : {"b.example", "a.example", "c.example"}) {
    Site s;
    s.name = name;
    s.created_at_ms = s.updated_at_ms = 1;
    ASSERT_FALSE(store_->PutSite(s, Audit(1, "a", "site.update", name), nullptr));
  }
  ASSERT_FALSE(store_->DeleteSite("b.example", Audit(2, "a", "site.delete", "b.example")));
  std::vector<Site> sites;
  ASSERT_FALSE(store_->ListSites(&sites));
  ASSERT_EQ(2u, sites.size());
  EXPECT_EQ("a.example", sites[0].name);
  EXPECT_EQ("c.example", sites[1].name);
  Site got;
  EXPECT_EQ(Errc::not_found, store_->GetSite("b.example", &got));
  EXPECT_EQ("no site 'b.example'", store_->LastErrorMessage());
  // A missing site: not_found and no audit entry.
  EXPECT_EQ(Errc::not_found, store_->DeleteSite("b.example", Audit(3, "a", "site.delete", "x")));
  EXPECT_EQ(4, AuditCount());
}

TEST_P(StoreAdminTest, InvalidAuditRollsBackTheSiteChange) {
  Site s;
  s.name = "x.example";
  s.created_at_ms = s.updated_at_ms = 1;
  AuditEntry bad = Audit(1, "a", "site.update", "x");
  bad.after_json = "{not json";  // CHECK (json_valid(after_json))
  EXPECT_EQ(Errc::constraint, store_->PutSite(s, bad, nullptr));
  Site got;
  EXPECT_EQ(Errc::not_found, store_->GetSite("x.example", &got));
  // The connection is usable afterwards (no transaction left open).
  ASSERT_FALSE(store_->PutSite(s, Audit(1, "a", "site.update", "x"), nullptr));
  EXPECT_FALSE(store_->GetSite("x.example", &got));
}

TEST_P(StoreAdminTest, AuditFiltersAndCursorNewestFirst) {
  ASSERT_FALSE(store_->AppendAudit(Audit(100, "token:1:admin", "token.create", "token:2")));
  ASSERT_FALSE(store_->AppendAudit(Audit(200, "token:1:admin", "site.update", "site:a")));
  ASSERT_FALSE(store_->AppendAudit(Audit(300, "token:2:bob", "token.revoke", "token:3")));
  ASSERT_FALSE(store_->AppendAudit(Audit(300, "token:1:admin", "site.delete", "site:a")));
  ASSERT_FALSE(store_->AppendAudit(Audit(400, "cli", "token.create", "token:4")));

  std::vector<AuditEntry> out;
  AuditQuery q;
  ASSERT_FALSE(store_->QueryAudit(q, &out));
  EXPECT_EQ(
      "5 400 cli token.create token:4 null null\n"
      "4 300 token:1:admin site.delete site:a null null\n"
      "3 300 token:2:bob token.revoke token:3 null null\n"
      "2 200 token:1:admin site.update site:a null null\n"
      "1 100 token:1:admin token.create token:2 null null\n",
      Render(out));

  q = {};
  q.action = "token.create";
  ASSERT_FALSE(store_->QueryAudit(q, &out));
  EXPECT_EQ(
      "5 400 cli token.create token:4 null null\n"
      "1 100 token:1:admin token.create token:2 null null\n",
      Render(out));

  q = {};
  q.action = "token.";  // a prefix
  ASSERT_FALSE(store_->QueryAudit(q, &out));
  EXPECT_EQ(3u, out.size());

  q = {};
  q.action = "token";  // not a prefix without the dot
  ASSERT_FALSE(store_->QueryAudit(q, &out));
  EXPECT_EQ(0u, out.size());

  q = {};
  q.actor = "token:1:admin";
  q.target = "site:a";
  ASSERT_FALSE(store_->QueryAudit(q, &out));
  EXPECT_EQ(
      "4 300 token:1:admin site.delete site:a null null\n"
      "2 200 token:1:admin site.update site:a null null\n",
      Render(out));

  q = {};
  q.since_ms = 200;
  q.until_ms = 400;  // [200, 400)
  ASSERT_FALSE(store_->QueryAudit(q, &out));
  EXPECT_EQ(3u, out.size());
  EXPECT_EQ(4, out[0].id);
  EXPECT_EQ(2, out[2].id);

  // Pages of two: 5 4 | 3 2 | 1.
  q = {};
  q.limit = 2;
  std::vector<int64_t> ids;
  for (int page = 0; page < 5; ++page) {
    ASSERT_FALSE(store_->QueryAudit(q, &out));
    if (out.empty()) break;
    for (const auto& e : out) ids.push_back(e.id);
    q.before_id = out.back().id;
  }
  EXPECT_EQ((std::vector<int64_t>{5, 4, 3, 2, 1}), ids);
}

TEST_P(StoreAdminTest, OutboxDueOrderAndMarking) {
  auto event = [](std::string id, int64_t next) {
    OutboxEvent e;
    e.event_id = std::move(id);
    e.site = "news.example";
    e.url = "http://127.0.0.1:9/hook";
    e.payload = R"({"x":1})";
    e.next_attempt_at_ms = next;
    e.created_at_ms = next;
    return e;
  };
  int64_t a = 0, b = 0, c = 0;
  ASSERT_FALSE(store_->AddOutboxEvent(event("e-a", 300), &a));
  ASSERT_FALSE(store_->AddOutboxEvent(event("e-b", 100), &b));
  ASSERT_FALSE(store_->AddOutboxEvent(event("e-c", 900), &c));
  EXPECT_EQ(Errc::constraint, store_->AddOutboxEvent(event("e-a", 1), nullptr));

  std::vector<OutboxEvent> due;
  ASSERT_FALSE(store_->DueOutboxEvents(500, 10, &due));
  ASSERT_EQ(2u, due.size());
  EXPECT_EQ("e-b", due[0].event_id);  // most overdue first
  EXPECT_EQ("e-a", due[1].event_id);
  ASSERT_FALSE(store_->DueOutboxEvents(500, 1, &due));
  EXPECT_EQ(1u, due.size());

  ASSERT_FALSE(store_->MarkOutboxFailed(b, 2000, "connect: Connection refused"));
  ASSERT_FALSE(store_->MarkOutboxDelivered(a, 600));
  EXPECT_EQ(Errc::not_found, store_->MarkOutboxDelivered(a, 700));  // already delivered
  EXPECT_EQ(Errc::not_found, store_->MarkOutboxFailed(a, 700, "x"));
  ASSERT_FALSE(store_->DueOutboxEvents(1000, 10, &due));
  ASSERT_EQ(1u, due.size());
  EXPECT_EQ("e-c", due[0].event_id);

  OutboxEvent got;
  ASSERT_FALSE(store_->GetOutboxEvent("e-b", &got));
  EXPECT_EQ(R"(e-b news.example http://127.0.0.1:9/hook {"x":1} attempts=1 next=2000 )"
            "delivered=0 error=connect: Connection refused",
            Render(got));
  ASSERT_FALSE(store_->GetOutboxEvent("e-a", &got));
  EXPECT_EQ(R"(e-a news.example http://127.0.0.1:9/hook {"x":1} attempts=1 next=300 )"
            "delivered=600 error=",
            Render(got));
  EXPECT_EQ(Errc::not_found, store_->GetOutboxEvent("e-z", &got));
}

TEST_P(StoreAdminTest, ReadOnlyStoreReadsButCannotWrite) {
  Site s;
  s.name = "ro.example";
  s.created_at_ms = s.updated_at_ms = 1;
  ASSERT_FALSE(store_->PutSite(s, Audit(1, "a", "site.update", "x"), nullptr));
  std::string error;
  auto ro = Store::Open(url_, Store::OpenMode::kReadOnly, &error);
  ASSERT_NE(nullptr, ro) << error;
  std::vector<Site> sites;
  ASSERT_FALSE(ro->ListSites(&sites));
  EXPECT_EQ(1u, sites.size());
  EXPECT_EQ(Errc::read_only, ro->PutSite(s, Audit(1, "a", "b", "c"), nullptr));
  EXPECT_EQ(Errc::read_only, ro->DeleteSite("ro.example", Audit(1, "a", "b", "c")));
  EXPECT_EQ(Errc::read_only, ro->MarkOutboxDelivered(1, 1));
}

MODERATED_INSTANTIATE_FOR_BOTH_BACKENDS(StoreAdminTest);

}  // namespace
}  // namespace moderated::storage

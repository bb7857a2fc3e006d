// tests/storage/store_models_test.cc
//
// Model versions (AddModel, ActivateModel, ListModels, GetModel, ActiveModel)
// and the labelled comments the learning loop trains on
// (ScanLabelledComments: latest usable label, undone and "rejected" labels
// skipped).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "storage/store.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_database.h"

namespace moderated::storage {
namespace {

using testing::TempDir;

// Every case runs on SQLite and on PostgreSQL.
class StoreModelsTest : public ::testing::TestWithParam<testing::DbBackend> {
 protected:
  std::unique_ptr<Store> OpenStore(const TempDir& dir) {
    std::string error;
    const std::string url = testing::FreshDatabaseUrl(GetParam(), dir, &error);
    EXPECT_NE(url, "") << error;
    auto store = Store::Open(url, Store::OpenMode::kReadWrite, &error);
    EXPECT_NE(nullptr, store) << error;
    return store;
  }
};

ModelVersion Model(const std::string& version, const std::string& bytes) {
  ModelVersion m;
  m.version = version;
  m.bytes = bytes;
  m.report_json = R"({"gate": {"passed": true}})";
  m.author = "token:1:admin";
  m.note = "n-" + version;
  m.created_at_ms = 1000;
  return m;
}

TEST_P(StoreModelsTest, AddActivateListGet) {
  TempDir dir;
  auto store = OpenStore(dir);
  ModelVersion active;
  EXPECT_EQ(Errc::not_found, store->ActiveModel(&active));

  int64_t a = 0, b = 0;
  ASSERT_FALSE(store->AddModel(Model("ft-a", std::string("\0\1abc", 5)), &a));
  ASSERT_FALSE(store->AddModel(Model("ft-b", "xyz"), &b));
  EXPECT_EQ(1, a);
  EXPECT_EQ(2, b);
  EXPECT_EQ(Errc::not_found, store->ActiveModel(&active));  // added inactive

  AuditEntry audit;
  audit.at_ms = 5;
  audit.actor = "t";
  audit.action = "model.activate";
  audit.target = "model:1";
  ASSERT_FALSE(store->ActivateModel(a, &audit));
  ASSERT_FALSE(store->ActiveModel(&active));
  EXPECT_EQ(a, active.id);
  EXPECT_EQ(std::string("\0\1abc", 5), active.bytes);
  EXPECT_EQ(5, active.size_bytes);

  ASSERT_FALSE(store->ActivateModel(b, nullptr));  // exclusive
  std::vector<ModelVersion> list;
  ASSERT_FALSE(store->ListModels(&list));
  ASSERT_EQ(2u, list.size());
  EXPECT_EQ(b, list[0].id);  // newest first
  EXPECT_TRUE(list[0].active);
  EXPECT_FALSE(list[1].active);
  EXPECT_EQ("", list[1].bytes);  // no bytes in listings
  EXPECT_EQ(5, list[1].size_bytes);
  EXPECT_EQ("n-ft-a", list[1].note);
  EXPECT_EQ(R"({"gate": {"passed": true}})", list[1].report_json);

  // An unknown id changes nothing (and writes no audit entry).
  EXPECT_EQ(Errc::not_found, store->ActivateModel(99, &audit));
  ASSERT_FALSE(store->ActiveModel(&active));
  EXPECT_EQ(b, active.id);
  std::vector<AuditEntry> entries;
  AuditQuery q;
  q.action = "model.";
  ASSERT_FALSE(store->QueryAudit(q, &entries));
  EXPECT_EQ(1u, entries.size());

  // 0 deactivates every model.
  ASSERT_FALSE(store->ActivateModel(0, nullptr));
  EXPECT_EQ(Errc::not_found, store->ActiveModel(&active));

  ModelVersion got;
  ASSERT_FALSE(store->GetModel(b, &got));
  EXPECT_EQ("xyz", got.bytes);
  EXPECT_EQ(Errc::not_found, store->GetModel(42, &got));

  // Invalid report JSON and empty bytes are refused.
  ModelVersion broken = Model("ft-c", "q");
  broken.report_json = "{";
  EXPECT_EQ(Errc::constraint, store->AddModel(broken, nullptr));
  EXPECT_EQ(Errc::constraint, store->AddModel(Model("ft-d", ""), nullptr));
}

TEST_P(StoreModelsTest, SiteModelsAreActivePerSiteAndApartFromTheBase) {
  TempDir dir;
  auto store = OpenStore(dir);
  auto add = [&](const char* version, const char* site, const char* calibration) {
    ModelVersion m = Model(version, "bytes-of-" + std::string(version));
    m.site = site;
    m.calibration = calibration;
    int64_t id = 0;
    EXPECT_FALSE(store->AddModel(m, &id));
    return id;
  };
  const int64_t base = add("ft-base", "", R"({"format":2})");
  const int64_t a1 = add("site-a1", "a.example", R"({"format":1})");
  const int64_t a2 = add("site-a2", "a.example", "");
  const int64_t b1 = add("site-b1", "b.example", "");
  for (int64_t id : {base, a1, b1}) ASSERT_FALSE(store->ActivateModel(id, nullptr));

  ModelVersion active;
  ASSERT_FALSE(store->ActiveModel(&active));  // the base model only
  EXPECT_EQ(base, active.id);
  EXPECT_EQ("", active.site);
  EXPECT_EQ(R"({"format":2})", active.calibration);
  std::vector<ModelVersion> sites;
  ASSERT_FALSE(store->ActiveSiteModels(&sites));
  ASSERT_EQ(2u, sites.size());
  EXPECT_EQ("a.example", sites[0].site);
  EXPECT_EQ(a1, sites[0].id);
  EXPECT_EQ("bytes-of-site-a1", sites[0].bytes);
  EXPECT_EQ(R"({"format":1})", sites[0].calibration);
  EXPECT_EQ(b1, sites[1].id);

  // Activating a2 replaces a1 and touches neither the base nor b.example.
  ASSERT_FALSE(store->ActivateModel(a2, nullptr));
  ASSERT_FALSE(store->ActiveSiteModels(&sites));
  ASSERT_EQ(2u, sites.size());
  EXPECT_EQ(a2, sites[0].id);
  EXPECT_EQ(b1, sites[1].id);
  ASSERT_FALSE(store->ActiveModel(&active));
  EXPECT_EQ(base, active.id);

  // Deactivating one site leaves the others; 0 deactivates the base only.
  AuditEntry audit;
  audit.at_ms = 9;
  audit.actor = "t";
  audit.action = "model.rollback";
  audit.target = "site:a.example";
  ASSERT_FALSE(store->DeactivateModels("a.example", &audit));
  ASSERT_FALSE(store->ActiveSiteModels(&sites));
  ASSERT_EQ(1u, sites.size());
  EXPECT_EQ(b1, sites[0].id);
  ASSERT_FALSE(store->ActivateModel(0, nullptr));
  EXPECT_EQ(Errc::not_found, store->ActiveModel(&active));
  ASSERT_FALSE(store->ActiveSiteModels(&sites));
  EXPECT_EQ(1u, sites.size());
  std::vector<AuditEntry> entries;
  AuditQuery q;
  q.action = "model.";
  ASSERT_FALSE(store->QueryAudit(q, &entries));
  ASSERT_EQ(1u, entries.size());
  EXPECT_EQ("site:a.example", entries[0].target);
}

TEST_P(StoreModelsTest, ScanLabelledCommentsUsesTheLatestUsableLabel) {
  TempDir dir;
  auto store = OpenStore(dir);
  std::vector<Comment> comments(5);
  for (size_t i = 0; i < comments.size(); ++i) {
    comments[i].site = i == 4 ? "b.example" : "a.example";
    comments[i].content = "text " + std::to_string(i + 1);
    comments[i].status = "pending";
    comments[i].action = "hold";
    comments[i].language = "ru";
    comments[i].received_at_ms = 1;
  }
  ASSERT_FALSE(store->InsertBatch(comments, nullptr));
  auto label = [&](int64_t comment, const std::string& l) {
    Label x;
    x.comment_id = comment;
    x.label = l;
    x.source = "moderator";
    x.created_at_ms = 2;
    int64_t id = 0;
    EXPECT_FALSE(store->AddLabel(x, &id));
    return id;
  };
  label(1, "spam");
  label(1, "ham");       // changed their mind: ham wins
  label(2, "rejected");  // not a training label
  label(3, "abuse");
  label(3, "rejected");  // "rejected" never overrides: abuse stays
  label(4, "spam");
  label(5, "spam");  // site b
  std::vector<std::string> seen;
  auto scan = [&](int64_t since) {
    seen.clear();
    EXPECT_FALSE(store->ScanLabelledComments(since, [&](const LabelledComment& c) {
      seen.push_back(std::to_string(c.comment_id) + ":" + c.label + ":" + c.site + ":" +
                     c.language + ":" + c.content);
      return true;
    }));
  };
  scan(0);
  EXPECT_EQ((std::vector<std::string>{"1:ham:a.example:ru:text 1", "3:abuse:a.example:ru:text 3",
                                      "4:spam:a.example:ru:text 4",
                                      "5:spam:b.example:ru:text 5"}),
            seen);
  scan(3);
  EXPECT_EQ(2u, seen.size());
  // Stopping early.
  int calls = 0;
  EXPECT_FALSE(store->ScanLabelledComments(0, [&](const LabelledComment&) {
    ++calls;
    return false;
  }));
  EXPECT_EQ(1, calls);
}

TEST_P(StoreModelsTest, UndoneLabelsAreSkipped) {
  TempDir dir;
  auto store = OpenStore(dir);
  std::vector<Comment> comments(1);
  comments[0].site = "a.example";
  comments[0].content = "x";
  comments[0].status = "pending";
  comments[0].action = "hold";
  comments[0].received_at_ms = 1;
  ASSERT_FALSE(store->InsertBatch(comments, nullptr));
  DecideRequest r;
  r.comment_id = 1;
  r.actor = "token:2:mod";
  r.now_ms = 100;
  r.decision = "spam";
  DecideResult res;
  ASSERT_FALSE(store->Decide(r, &res));
  r.decision = "approve";
  r.now_ms = 200;
  ASSERT_FALSE(store->Decide(r, &res));
  std::vector<std::string> seen;
  auto scan = [&] {
    seen.clear();
    EXPECT_FALSE(store->ScanLabelledComments(0, [&](const LabelledComment& c) {
      seen.push_back(c.label);
      return true;
    }));
  };
  scan();
  EXPECT_EQ(std::vector<std::string>{"ham"}, seen);
  r.now_ms = 300;
  ASSERT_FALSE(store->Undo(r, 600'000, &res));  // undoes the approve: spam again
  scan();
  EXPECT_EQ(std::vector<std::string>{"spam"}, seen);
  ASSERT_FALSE(store->Undo(r, 600'000, &res));  // undoes the spam: nothing left
  scan();
  EXPECT_TRUE(seen.empty());
}

MODERATED_INSTANTIATE_FOR_BOTH_BACKENDS(StoreModelsTest);

}  // namespace
}  // namespace moderated::storage

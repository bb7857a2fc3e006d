// End-to-end test of the learning loop (issue 4): a site teaches the daemon
// Russian spam, which the shipped model does not know (MODEL_CARD.md). The
// real binary; comments submitted and labelled through the real API
// (POST /v1/comments/batch, moderator decisions POST /v1/decisions and
// /v1/comments/{id}/decision, one undo); training through
// POST /v1/admin/models/train; spam F1 recomputed here from the daemon's raw
// `labels.spam` answers to POST /v1/check on a held-out Russian test set made
// from other templates and another seed. Then: the gate refuses a candidate
// trained on deliberately mislabelled base data; a corrupt stored model is
// not activated; activate/rollback under load; restart and SIGHUP load the
// active stored model; a missing or corrupt --model file exits 2.
#include <signal.h>
#include <sqlite3.h>

#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <thread>

#include "tests/testdata/learning/russian_comments.h"
#include "tests/testing/daemon_process.h"
#include "tests/testing/temp_dir.h"

namespace moderated {
namespace {

namespace json = boost::json;
using boost::beast::http::verb;
using testing::DaemonProcess;
using testing::HttpClient;
using testing::HttpResult;
using testing::RussianComments;
using testing::TempDir;

const std::string kSite = "novosti.example";
const std::string kHamFixture = std::string(MODERATED_TESTDATA_DIR) + "/learning/ru_ham.txt";

std::string Str(const json::value& v) { return std::string(v.as_string()); }

// Submits `texts` in one batch; returns our ids in order.
std::vector<int64_t> Submit(HttpClient& c, const std::vector<std::string>& texts, int first) {
  json::array comments;
  for (size_t i = 0; i < texts.size(); ++i) {
    comments.push_back(json::object{
        {"site", kSite},
        {"id", "c" + std::to_string(first + i)},
        {"content", texts[i]},
        {"author", {{"ip", "198.51.100." + std::to_string((first + i) % 250 + 1)}}}});
  }
  HttpResult r = c.Post("/v1/comments/batch", json::serialize(json::object{{"comments", comments}}));
  EXPECT_EQ(200u, r.status) << r.body;
  std::vector<int64_t> ids;
  json::value body = r.Json();
  if (!body.is_object() || !body.as_object().contains("results")) {
    ADD_FAILURE() << r.status << " " << r.body.substr(0, 500);
    return ids;
  }
  for (const auto& item : body.at("results").as_array()) {
    EXPECT_TRUE(item.as_object().contains("id")) << json::serialize(item);
    ids.push_back(item.at("id").as_int64());
  }
  return ids;
}

void DecideAll(HttpClient& c, const std::vector<int64_t>& ids, const std::string& decision) {
  for (size_t from = 0; from < ids.size(); from += 500) {
    json::array chunk;
    for (size_t i = from; i < std::min(ids.size(), from + 500); ++i) chunk.push_back(ids[i]);
    HttpResult r = c.Post("/v1/decisions",
                          json::serialize(json::object{{"ids", chunk}, {"decision", decision}}));
    ASSERT_EQ(200u, r.status) << r.body;
    json::value body = r.Json();  // named: a temporary would die before the loop
    for (const auto& item : body.at("results").as_array()) {
      ASSERT_EQ(200, item.at("status").as_int64()) << json::serialize(item);
    }
  }
}

// P(spam) from /v1/check (labels absent from the answer count as 0).
double SpamProbability(HttpClient& c, const std::string& text) {
  HttpResult r =
      c.Post("/v1/check", json::serialize(json::object{{"site", kSite}, {"content", text}}));
  EXPECT_EQ(200u, r.status) << r.body;
  json::value body = r.Json();
  const json::object& labels = body.at("labels").as_object();
  const json::value* spam = labels.if_contains("spam");
  return spam ? spam->to_number<double>() : 0.0;
}

struct F1Result {
  double f1 = 0;
  int tp = 0, fp = 0, fn = 0;
};

// Spam F1 at threshold 0.5, recomputed from raw probabilities.
F1Result SpamF1(HttpClient& c, const std::vector<std::string>& spam,
                const std::vector<std::string>& ham) {
  F1Result r;
  for (const auto& t : spam) (SpamProbability(c, t) >= 0.5 ? r.tp : r.fn)++;
  for (const auto& t : ham) {
    if (SpamProbability(c, t) >= 0.5) r.fp++;
  }
  r.f1 = r.tp == 0 ? 0.0 : 2.0 * r.tp / (2.0 * r.tp + r.fp + r.fn);
  return r;
}

// Polls a training job until it is no longer running (bounded).
json::value WaitForJob(HttpClient& c, int64_t job) {
  for (int i = 0; i < 3000; ++i) {
    HttpResult r = c.Get("/v1/admin/models/jobs/" + std::to_string(job));
    EXPECT_EQ(200u, r.status) << r.body;
    json::value v = r.Json();
    if (Str(v.at("status")) != "running") return v;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ADD_FAILURE() << "training job " << job << " did not finish";
  return nullptr;
}

std::string ReadyModel(HttpClient& c) {
  return Str(c.Get("/readyz").Json().at("checks").at("model"));
}

TEST(LearningE2ETest, SiteTeachesRussianSpamAndTheGateGuardsActivation) {
  TempDir dir;
  DaemonProcess d(MODERATED_BINARY, dir.path().string());
  HttpClient c = d.Tcp();
  const std::string embedded = ReadyModel(c);

  // 300 spam + 300 ham labelled by moderators (train family, seed 1).
  RussianComments train(1, kHamFixture);
  ASSERT_EQ(60u, train.fixture_size());
  std::vector<std::string> spam_texts, ham_texts;
  for (int i = 0; i < 300; ++i) spam_texts.push_back(train.TrainSpam());
  for (int i = 0; i < 300; ++i) ham_texts.push_back(train.Ham(false));
  std::vector<int64_t> spam_ids = Submit(c, spam_texts, 0);
  std::vector<int64_t> ham_ids = Submit(c, ham_texts, 1000);
  ASSERT_EQ(300u, spam_ids.size());
  ASSERT_EQ(300u, ham_ids.size());
  // One ham comment is first marked spam by mistake and the decision undone:
  // its undone label must not count.
  HttpResult wrong = c.Post("/v1/comments/" + std::to_string(ham_ids[0]) + "/decision",
                            R"({"decision": "spam", "note": "oops"})");
  ASSERT_EQ(200u, wrong.status) << wrong.body;
  ASSERT_EQ(200u, c.Post("/v1/comments/" + std::to_string(ham_ids[0]) + "/undo", "").status);
  HttpResult one = c.Post("/v1/comments/" + std::to_string(spam_ids[0]) + "/decision",
                          R"({"decision": "spam"})");
  ASSERT_EQ(200u, one.status) << one.body;
  DecideAll(c, std::vector<int64_t>(spam_ids.begin() + 1, spam_ids.end()), "spam");
  DecideAll(c, ham_ids, "approve");

  // The held-out test set: other templates, another seed, other ham lines.
  RussianComments test(777, kHamFixture);
  std::vector<std::string> test_spam, test_ham;
  for (int i = 0; i < 100; ++i) test_spam.push_back(test.TestSpam());
  for (int i = 0; i < 100; ++i) test_ham.push_back(test.Ham(true));
  F1Result before = SpamF1(c, test_spam, test_ham);

  // Train on the labels alone (base none) and wait.
  HttpResult started = c.Post("/v1/admin/models/train",
                              R"({"base": "none", "seed": 42, "note": "russian spam"})");
  ASSERT_EQ(202u, started.status) << started.body;
  int64_t job = started.Json().at("job").as_int64();
  EXPECT_EQ("/v1/admin/models/jobs/" + std::to_string(job),
            std::string(started.raw[boost::beast::http::field::location]));
  json::value done = WaitForJob(c, job);
  ASSERT_EQ("succeeded", Str(done.at("status"))) << json::serialize(done);
  const json::object& result = done.at("result").as_object();
  EXPECT_TRUE(result.at("activated").as_bool()) << json::serialize(done);
  EXPECT_TRUE(result.at("gate").at("passed").as_bool());
  const int64_t learned_id = result.at("model").at("id").as_int64();
  const std::string learned = Str(result.at("model").at("version"));
  EXPECT_NE(embedded, learned);
  EXPECT_EQ(learned, ReadyModel(c));

  // The report: both evaluations, data counts (the undone label is not one).
  json::value model = c.Get("/v1/admin/models/" + std::to_string(learned_id)).Json();
  const json::object& report = model.at("report").as_object();
  EXPECT_EQ(300, report.at("data").at("labels_by_label").at("spam").as_int64());
  EXPECT_EQ(300, report.at("data").at("labels_by_label").at("ham").as_int64());
  EXPECT_EQ(600, report.at("data").at("labels_train").as_int64() +
                     report.at("data").at("labels_holdout").as_int64());
  EXPECT_EQ("base none: trained on the site's labels alone",
            Str(report.at("data").at("note")));
  EXPECT_EQ(embedded, Str(report.at("current").at("version")));
  EXPECT_GT(report.at("candidate").at("holdout").at("macro_f1").to_number<double>(),
            report.at("current").at("holdout").at("macro_f1").to_number<double>());

  // Spam F1 on the separate test set moved clearly.
  F1Result after = SpamF1(c, test_spam, test_ham);
  std::printf("russian spam F1 on the held-out test set: before %.3f (tp %d fp %d fn %d), "
              "after %.3f (tp %d fp %d fn %d)\n",
              before.f1, before.tp, before.fp, before.fn, after.f1, after.tp, after.fp, after.fn);
  EXPECT_LT(before.f1, 0.5);
  EXPECT_GT(after.f1, 0.85);
  EXPECT_GT(after.f1 - before.f1, 0.4);

  // The gate refuses a worse candidate: base corpora with Russian spam
  // labelled ham (a fake "sms" preset), far outweighing the site's labels.
  std::filesystem::path bad = dir.path() / "bad-corpora";
  std::filesystem::create_directories(bad / "sms-spam-collection");
  {
    std::ofstream out(bad / "sms-spam-collection" / "SMSSpamCollection");
    RussianComments mislabelled(99, kHamFixture);
    for (int i = 0; i < 1500; ++i) {
      out << "ham\t" << mislabelled.TrainSpam() << "\n";
      out << "ham\t" << mislabelled.TestSpam() << "\n";
    }
  }
  HttpResult bad_start = c.Post(
      "/v1/admin/models/train",
      json::serialize(json::object{{"base", "sms"}, {"data_dir", bad.string()}, {"seed", 42}}));
  ASSERT_EQ(202u, bad_start.status) << bad_start.body;
  json::value bad_done = WaitForJob(c, bad_start.Json().at("job").as_int64());
  ASSERT_EQ("succeeded", Str(bad_done.at("status"))) << json::serialize(bad_done);
  EXPECT_FALSE(bad_done.at("result").at("activated").as_bool());
  const json::object& gate = bad_done.at("result").at("gate").as_object();
  EXPECT_FALSE(gate.at("passed").as_bool());
  EXPECT_EQ(0u, Str(gate.at("reason")).find("candidate macro-F1 ")) << Str(gate.at("reason"));
  EXPECT_NE(std::string::npos, Str(gate.at("reason")).find(" < current "));
  EXPECT_EQ(learned, ReadyModel(c));
  json::value list = c.Get("/v1/admin/models").Json();
  ASSERT_EQ(2u, list.at("models").as_array().size());
  EXPECT_FALSE(list.at("models").at(0).at("active").as_bool());
  EXPECT_TRUE(list.at("models").at(1).at("active").as_bool());
  EXPECT_EQ("database:" + std::to_string(learned_id), Str(list.at("running").at("source")));

  // A corrupt stored model is refused at activation; the old one stays.
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(SQLITE_OK, sqlite3_open(d.database().c_str(), &db));
    sqlite3_busy_timeout(db, 5000);
    ASSERT_EQ(SQLITE_OK, sqlite3_exec(db,
                                      "INSERT INTO models (version, bytes, created_at_ms) VALUES "
                                      "('ft-000000000000', x'00112233445566778899', 1)",
                                      nullptr, nullptr, nullptr));
    sqlite3_close(db);
  }
  HttpResult corrupt = c.Post("/v1/admin/models/3/activate", "");
  EXPECT_EQ(422u, corrupt.status) << corrupt.body;
  EXPECT_EQ("model 3 does not load: model 3: not a fastText model (bad magic number)",
            Str(corrupt.Json().at("detail")));
  EXPECT_EQ(learned, ReadyModel(c));

  // Activate / rollback while a thread hammers /v1/check: every answer 200.
  std::atomic<bool> stop{false};
  std::atomic<int> ok{0}, failed{0};
  std::thread load([&] {
    HttpClient h = d.Tcp();
    const std::string body =
        json::serialize(json::object{{"site", kSite}, {"content", test_spam[0]}});
    try {
      while (!stop) {
        HttpResult r = h.Post("/v1/check", body);
        if (r.status == 200) {
          ok++;
        } else {
          failed++;
          std::printf("check: %u %s\n", r.status, r.body.c_str());
        }
      }
    } catch (const std::exception& e) {
      failed++;
      std::printf("check: %s\n", e.what());
    }
  });
  for (int i = 0; i < 4; ++i) {  // no ASSERT here: the load thread must be joined
    HttpResult rb = c.Post("/v1/admin/models/rollback", "");
    EXPECT_EQ(200u, rb.status) << rb.body;
    if (rb.status != 200) break;
    EXPECT_TRUE(rb.Json().at("model").is_null());  // back to the embedded model
    EXPECT_EQ(embedded, ReadyModel(c));
    HttpResult act = c.Post("/v1/admin/models/" + std::to_string(learned_id) + "/activate", "");
    EXPECT_EQ(200u, act.status) << act.body;
    if (act.status != 200) break;
    EXPECT_EQ(learned, ReadyModel(c));
  }
  stop = true;
  load.join();
  EXPECT_EQ(0, failed.load()) << d.Log().substr(d.Log().size() > 3000 ? d.Log().size() - 3000 : 0);
  EXPECT_GT(ok.load(), 0);
  json::value audit = c.Get("/v1/admin/audit?action=model.").Json();
  std::map<std::string, int> actions;
  for (const auto& e : audit.at("entries").as_array()) actions[Str(e.at("action"))]++;
  EXPECT_EQ(2, actions["model.train"]);
  EXPECT_EQ(5, actions["model.activate"]);  // the first training + 4 activations
  EXPECT_EQ(4, actions["model.rollback"]);

  // SIGHUP re-reads the active stored model; a restart loads it.
  d.Signal(SIGHUP);
  EXPECT_TRUE(d.WaitForLog("model_source=database:" + std::to_string(learned_id)));
  d.Signal(SIGTERM);
  EXPECT_EQ(0, d.Wait());
  DaemonProcess again(MODERATED_BINARY, dir.path().string());
  EXPECT_NE(std::string::npos,
            again.Log().find("model_source=database:" + std::to_string(learned_id)));
  HttpClient c2 = again.Tcp();
  EXPECT_EQ(learned, ReadyModel(c2));
}

TEST(LearningE2ETest, MissingOrCorruptModelFileExitsWithCode2) {
  TempDir dir;
  DaemonProcess missing(MODERATED_BINARY, dir.path().string(), {"--model", "/nonexistent"}, false);
  EXPECT_EQ(2, missing.Wait());
  EXPECT_NE(std::string::npos,
            missing.Log().find("/nonexistent: cannot open: No such file or directory"))
      << missing.Log();
  std::string garbage = (dir.path() / "garbage.ftz").string();
  std::ofstream(garbage) << "this is not a model";
  DaemonProcess corrupt(MODERATED_BINARY, dir.path().string(), {"--model", garbage}, false);
  EXPECT_EQ(2, corrupt.Wait());
  EXPECT_NE(std::string::npos,
            corrupt.Log().find(garbage + ": not a fastText model (bad magic number)"))
      << corrupt.Log();
}

}  // namespace
}  // namespace moderated

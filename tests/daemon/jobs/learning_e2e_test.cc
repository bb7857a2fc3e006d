// End-to-end test of per-site learning (issue 11): one site teaches its own
// model with 1,000 Russian comments its moderators label, and no other site's
// verdict changes by a byte. The real binary; comments submitted and labelled
// through the real API (POST /v1/comments/batch, moderator decisions
// POST /v1/decisions and /v1/comments/{id}/decision, one undo); training
// through POST /v1/admin/models/train {"site": ...}; the site's spam F1
// recomputed here from POST /v1/check answers (held or rejected = flagged) on
// comments it never labelled; the other site's 1,000 English and Arabic
// answers compared byte for byte before and after. Then: a corrupt stored
// model is not activated; activate/rollback under load; restart and SIGHUP
// load the active site model; a missing or corrupt --model file exits 2.
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
const std::string kOther = "b.example";
const std::string kLearning = std::string(MODERATED_TESTDATA_DIR) + "/learning/";
const std::string kHamFixture = kLearning + "ru_ham.txt";

std::vector<std::string> Lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> out;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

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

// Held or rejected by /v1/check for kSite?
bool Flagged(HttpClient& c, const std::string& text) {
  HttpResult r =
      c.Post("/v1/check", json::serialize(json::object{{"site", kSite}, {"content", text}}));
  EXPECT_EQ(200u, r.status) << r.body;
  return Str(r.Json().at("action")) != "accept";
}

struct F1Result {
  double f1 = 0;
  int tp = 0, fp = 0, fn = 0;
};

// Spam F1 of the site's verdicts: flagged spam is a true positive.
F1Result SpamF1(HttpClient& c, const std::vector<std::string>& spam,
                const std::vector<std::string>& ham) {
  F1Result r;
  for (const auto& t : spam) (Flagged(c, t) ? r.tp : r.fn)++;
  for (const auto& t : ham) {
    if (Flagged(c, t)) r.fp++;
  }
  r.f1 = r.tp == 0 ? 0.0 : 2.0 * r.tp / (2.0 * r.tp + r.fp + r.fn);
  return r;
}

// The other site's 1,000 fixed comments, each /v1/check answer verbatim.
std::vector<std::string> OtherSiteAnswers(HttpClient& c) {
  std::vector<std::string> answers;
  for (const std::string& line : Lines(kLearning + "site_b_en_ar.jsonl")) {
    json::value v = json::parse(line);
    HttpResult r = c.Post("/v1/check", json::serialize(json::object{
                                           {"site", kOther},
                                           {"id", v.at("id")},
                                           {"lang", v.at("lang")},
                                           {"content", v.at("content")}}));
    EXPECT_EQ(200u, r.status) << r.body;
    answers.push_back(r.body);
  }
  return answers;
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

TEST(LearningE2ETest, OneSiteTeachesItsOwnModelAndNoOtherSiteMoves) {
  TempDir dir;
  DaemonProcess d(MODERATED_BINARY, dir.path().string());
  HttpClient c = d.Tcp();
  const std::string base = ReadyModel(c);

  // 1,000 comments of kSite labelled by its moderators: real Russian chat
  // spam and ham (tg-spam, MIT) and generated news-site spam and comments.
  const std::vector<std::string> real_spam = Lines(kLearning + "tg_spam_ru_spam.txt");
  const std::vector<std::string> real_ham = Lines(kLearning + "tg_spam_ru_ham.txt");
  ASSERT_EQ(128u, real_spam.size());
  ASSERT_EQ(438u, real_ham.size());
  RussianComments gen(1, kHamFixture);
  std::vector<std::string> spam_texts(real_spam.begin(), real_spam.begin() + 100);
  std::vector<std::string> ham_texts(real_ham.begin(), real_ham.begin() + 300);
  for (int i = 0; i < 400; ++i) spam_texts.push_back(gen.TrainSpam());
  for (int i = 0; i < 200; ++i) ham_texts.push_back(gen.Ham(false));
  std::vector<int64_t> spam_ids = Submit(c, spam_texts, 0);
  std::vector<int64_t> ham_ids = Submit(c, ham_texts, 1000);
  ASSERT_EQ(500u, spam_ids.size());
  ASSERT_EQ(500u, ham_ids.size());
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

  // kSite's other comments, never labelled: the rest of the real lines and
  // generated ones from other templates and another seed.
  RussianComments test(777, kHamFixture);
  std::vector<std::string> test_spam(real_spam.begin() + 100, real_spam.end());
  std::vector<std::string> test_ham(real_ham.begin() + 300, real_ham.end());
  while (test_spam.size() < 200) test_spam.push_back(test.TestSpam());
  while (test_ham.size() < 200) test_ham.push_back(test.Ham(true));
  const F1Result before = SpamF1(c, test_spam, test_ham);
  const std::vector<std::string> other_before = OtherSiteAnswers(c);

  HttpResult status = c.Get("/v1/admin/sites/" + kSite + "/model");
  EXPECT_EQ(R"({"site":"novosti.example","model":null,"labels":{"ham":500,"spam":500,)"
            R"("abuse":0},"trainable":true,"reason":null})",
            status.body);
  HttpResult started = c.Post("/v1/admin/models/train",
                              R"({"site": "novosti.example", "note": "russian spam"})");
  ASSERT_EQ(202u, started.status) << started.body;
  const int64_t job = started.Json().at("job").as_int64();
  EXPECT_EQ("/v1/admin/models/jobs/" + std::to_string(job),
            std::string(started.raw[boost::beast::http::field::location]));
  json::value done = WaitForJob(c, job);
  ASSERT_EQ("succeeded", Str(done.at("status"))) << json::serialize(done);
  const json::object& result = done.at("result").as_object();
  EXPECT_TRUE(result.at("activated").as_bool()) << json::serialize(done);
  EXPECT_TRUE(result.at("gate").at("passed").as_bool());
  const int64_t learned_id = result.at("model").at("id").as_int64();
  const std::string learned = Str(result.at("model").at("version"));
  EXPECT_EQ(0u, learned.find("site-")) << learned;
  EXPECT_EQ(base, ReadyModel(c));  // the base model every site shares is unchanged

  // The report: counts (the undone label is not one) and both evaluations.
  json::value model = c.Get("/v1/admin/models/" + std::to_string(learned_id)).Json();
  EXPECT_EQ(kSite, Str(model.at("site")));
  const json::object& report = model.at("report").as_object();
  EXPECT_EQ(500, report.at("labels").at("spam").as_int64());
  EXPECT_EQ(500, report.at("labels").at("ham").as_int64());
  EXPECT_EQ(1000, report.at("train").as_int64() + report.at("holdout").as_int64());
  EXPECT_GE(report.at("gate").at("candidate").to_number<double>(),
            report.at("gate").at("current").to_number<double>() - 0.005);

  // kSite's spam F1 on comments it never labelled, and every answer for the
  // other site exactly as it was.
  const F1Result after = SpamF1(c, test_spam, test_ham);
  std::printf("%s spam F1 on 200 + 200 comments it never labelled: before %.3f (tp %d fp %d fn "
              "%d), after %.3f (tp %d fp %d fn %d)\n",
              kSite.c_str(), before.f1, before.tp, before.fp, before.fn, after.f1, after.tp,
              after.fp, after.fn);
  EXPECT_GE(after.f1, 0.90);
  EXPECT_GE(after.f1, before.f1);
  const std::vector<std::string> other_after = OtherSiteAnswers(c);
  ASSERT_EQ(1000u, other_after.size());
  for (size_t i = 0; i < other_after.size(); ++i) {
    ASSERT_EQ(other_before[i], other_after[i]) << "comment " << i;
  }
  HttpResult a = c.Post("/v1/check", json::serialize(json::object{{"site", kSite},
                                                                  {"content", test_spam[0]}}));
  EXPECT_EQ(base + "+" + learned, Str(a.Json().at("versions").at("model")));

  // A corrupt stored model is refused at activation; the site's stays.
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(SQLITE_OK, sqlite3_open(d.database().c_str(), &db));
    sqlite3_busy_timeout(db, 5000);
    ASSERT_EQ(SQLITE_OK,
              sqlite3_exec(db,
                           "INSERT INTO models (version, bytes, created_at_ms, site) VALUES "
                           "('site-000000000000', x'00112233445566778899', 1, 'novosti.example')",
                           nullptr, nullptr, nullptr));
    sqlite3_close(db);
  }
  HttpResult corrupt = c.Post("/v1/admin/models/2/activate", "");
  EXPECT_EQ(422u, corrupt.status) << corrupt.body;
  EXPECT_EQ("model 2 does not load: model 2: not a fastText model (bad magic number)",
            Str(corrupt.Json().at("detail")));
  EXPECT_EQ(learned_id,
            c.Get("/v1/admin/models").Json().at("running").at("sites").at(kSite).at("model"));

  // Roll the site back and activate it again while a thread hammers
  // /v1/check for it: every answer 200.
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
    HttpResult rb = c.Post("/v1/admin/models/rollback", R"({"site": "novosti.example"})");
    EXPECT_EQ(200u, rb.status) << rb.body;
    if (rb.status != 200) break;
    EXPECT_TRUE(rb.Json().at("model").is_null());  // back to the base model alone
    HttpResult act = c.Post("/v1/admin/models/" + std::to_string(learned_id) + "/activate", "");
    EXPECT_EQ(200u, act.status) << act.body;
    if (act.status != 200) break;
  }
  stop = true;
  load.join();
  EXPECT_EQ(0, failed.load()) << d.Log().substr(d.Log().size() > 3000 ? d.Log().size() - 3000 : 0);
  EXPECT_GT(ok.load(), 0);
  json::value audit = c.Get("/v1/admin/audit?action=model.").Json();
  std::map<std::string, int> actions;
  for (const auto& e : audit.at("entries").as_array()) actions[Str(e.at("action"))]++;
  EXPECT_EQ(1, actions["model.train"]);
  EXPECT_EQ(5, actions["model.activate"]);  // the training + 4 activations
  EXPECT_EQ(4, actions["model.rollback"]);

  // SIGHUP re-reads the site models; a restart loads them.
  d.Signal(SIGHUP);
  EXPECT_TRUE(d.WaitForLog("site_models=1"));
  d.Signal(SIGTERM);
  EXPECT_EQ(0, d.Wait());
  DaemonProcess again(MODERATED_BINARY, dir.path().string());
  EXPECT_NE(std::string::npos, again.Log().find("site_models=1"));
  HttpClient c2 = again.Tcp();
  EXPECT_EQ(learned_id,
            c2.Get("/v1/admin/models").Json().at("running").at("sites").at(kSite).at("model"));
  EXPECT_EQ(other_before, OtherSiteAnswers(c2));
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

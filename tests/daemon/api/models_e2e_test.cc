// End-to-end tests of the model administration API (docs/api.md, "Models")
// and `moderated train --from-db`: roles, validation, 404/409 answers, the
// missing corpora directory, one job at a time, and the CLI storing and
// activating a model that a restarted daemon then runs.
#include <gtest/gtest.h>

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
using testing::DaemonProcess;
using testing::HttpClient;
using testing::HttpResult;
using testing::RunCommand;
using testing::RussianComments;
using testing::TempDir;

const std::string kHamFixture = std::string(MODERATED_TESTDATA_DIR) + "/learning/ru_ham.txt";

std::string Str(const json::value& v) { return std::string(v.as_string()); }
std::string Detail(const HttpResult& r) { return Str(r.Json().at("detail")); }

// Submits and labels `n` spam and `n` ham comments.
void Label(HttpClient& c, int n) {
  RussianComments gen(5, kHamFixture);
  json::array comments;
  for (int i = 0; i < 2 * n; ++i) {
    comments.push_back(json::object{{"site", "a.example"},
                                    {"content", i < n ? gen.TrainSpam() : gen.Ham(false)}});
  }
  HttpResult r = c.Post("/v1/comments/batch", json::serialize(json::object{{"comments", comments}}));
  ASSERT_EQ(200u, r.status) << r.body;
  json::array spam, ham;
  json::value body = r.Json();
  const auto& results = body.at("results").as_array();
  for (int i = 0; i < 2 * n; ++i) (i < n ? spam : ham).push_back(results[i].at("id"));
  ASSERT_EQ(200u, c.Post("/v1/decisions", json::serialize(json::object{
                                               {"ids", spam}, {"decision", "spam"}}))
                      .status);
  ASSERT_EQ(200u, c.Post("/v1/decisions", json::serialize(json::object{
                                               {"ids", ham}, {"decision", "approve"}}))
                      .status);
}

json::value WaitForJob(HttpClient& c, int64_t job) {
  for (int i = 0; i < 6000; ++i) {
    json::value v = c.Get("/v1/admin/models/jobs/" + std::to_string(job)).Json();
    if (Str(v.at("status")) != "running") return v;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ADD_FAILURE() << "job " << job << " did not finish";
  return nullptr;
}

TEST(AdminModelsE2ETest, RolesValidationAndErrors) {
  TempDir dir;
  DaemonProcess d(MODERATED_BINARY, dir.path().string());
  HttpClient c = d.Tcp();
  HttpClient mod = HttpClient::Tcp(d.port());
  mod.WithToken(d.CreateToken("moderator"));

  HttpResult forbidden = mod.Get("/v1/admin/models");
  EXPECT_EQ(403u, forbidden.status);
  EXPECT_EQ("this endpoint needs an admin token, not moderator", Detail(forbidden));
  EXPECT_EQ(403u, mod.Post("/v1/admin/models/train", "{}").status);

  HttpResult empty = c.Get("/v1/admin/models");
  ASSERT_EQ(200u, empty.status) << empty.body;
  EXPECT_EQ(0u, empty.Json().at("models").as_array().size());
  EXPECT_EQ("embedded", Str(empty.Json().at("running").at("source")));

  EXPECT_EQ("no model 7", Detail(c.Get("/v1/admin/models/7")));
  EXPECT_EQ(404u, c.Post("/v1/admin/models/7/activate", "").status);
  EXPECT_EQ("no training job 9", Detail(c.Get("/v1/admin/models/jobs/9")));
  HttpResult rollback = c.Post("/v1/admin/models/rollback", "");
  EXPECT_EQ(409u, rollback.status);
  EXPECT_EQ("no stored model is active; nothing to roll back", Detail(rollback));
  EXPECT_EQ(405u, c.Get("/v1/admin/models/train").status);

  HttpResult bad = c.Post("/v1/admin/models/train",
                          R"({"base": "sms,nope", "holdout_fraction": 2, "colour": 1})");
  ASSERT_EQ(422u, bad.status) << bad.body;
  std::string errors = json::serialize(bad.Json().at("errors"));
  EXPECT_NE(std::string::npos, errors.find("\"pointer\":\"/colour\""));
  EXPECT_NE(std::string::npos, errors.find("must be between 0.05 and 0.9"));
  EXPECT_NE(std::string::npos, errors.find("unknown preset 'nope'"));

  // No labels at all: the job fails and says why.
  HttpResult none = c.Post("/v1/admin/models/train", R"({"base": "none"})");
  ASSERT_EQ(202u, none.status) << none.body;
  json::value failed = WaitForJob(c, none.Json().at("job").as_int64());
  EXPECT_EQ("failed", Str(failed.at("status")));
  EXPECT_EQ(
      "no training data: no labelled comments outside the held-out part and no base corpora",
      Str(failed.at("error")));
}

TEST(AdminModelsE2ETest, OneJobAtATimeMissingCorporaAndTheCli) {
  TempDir dir;
  std::string binary = MODERATED_BINARY;
  {
    DaemonProcess d(binary, dir.path().string());
    HttpClient c = d.Tcp();
    Label(c, 60);
    // A large base corpus keeps the first job busy while the second asks.
    std::filesystem::path corpora = dir.path() / "corpora";
    std::filesystem::create_directories(corpora / "sms-spam-collection");
    {
      std::ofstream out(corpora / "sms-spam-collection" / "SMSSpamCollection");
      RussianComments gen(8, kHamFixture);
      for (int i = 0; i < 8000; ++i) {
        out << (i % 2 ? "spam\t" + gen.TestSpam() : "ham\t" + gen.Ham(true)) << "\n";
      }
    }
    HttpResult first = c.Post(
        "/v1/admin/models/train",
        json::serialize(json::object{{"base", "sms"}, {"data_dir", corpora.string()}}));
    ASSERT_EQ(202u, first.status) << first.body;
    const int64_t job = first.Json().at("job").as_int64();
    HttpResult second = c.Post("/v1/admin/models/train", R"({"base": "none"})");
    EXPECT_EQ(409u, second.status);
    EXPECT_EQ("a training job is already running (job " + std::to_string(job) + ")",
              Detail(second));
    json::value done = WaitForJob(c, job);
    ASSERT_EQ("succeeded", Str(done.at("status"))) << json::serialize(done);
    EXPECT_EQ(1u, c.Get("/v1/admin/models/jobs").Json().at("jobs").as_array().size());

    // A data directory that does not exist: the labels alone, said in the report.
    HttpResult missing = c.Post("/v1/admin/models/train",
                                R"({"base": "all", "data_dir": "/nonexistent/corpora"})");
    ASSERT_EQ(202u, missing.status) << missing.body;
    json::value mdone = WaitForJob(c, missing.Json().at("job").as_int64());
    ASSERT_EQ("succeeded", Str(mdone.at("status"))) << json::serialize(mdone);
    int64_t id = mdone.at("result").at("model").at("id").as_int64();
    json::value report = c.Get("/v1/admin/models/" + std::to_string(id)).Json().at("report");
    EXPECT_EQ("data directory '/nonexistent/corpora' not found: trained on the site's labels alone",
              Str(report.at("data").at("note")));
    EXPECT_EQ(0, report.at("data").at("base_examples").as_int64());
    d.Signal(SIGTERM);
    ASSERT_EQ(0, d.Wait());
  }
  // The CLI against the database file: deactivate everything first so that
  // the embedded model is the one to beat, then train and activate.
  std::string db = (dir.path() / "moderated.db").string();
  int code = -1;
  std::string out = RunCommand(binary + " train --from-db --database " + db +
                                   " --seed 7 --note cli --activate-if-better 2>&1",
                               &code);
  EXPECT_EQ(0, code) << out;
  EXPECT_NE(std::string::npos, out.find("gate: ")) << out;
  std::string usage = RunCommand(binary + " train --activate-if-better 2>&1", &code);
  EXPECT_EQ(2, code);
  EXPECT_EQ("moderated train: --activate-if-better needs --from-db\n", usage);

  DaemonProcess d(binary, dir.path().string());
  HttpClient c = d.Tcp();
  json::value list = c.Get("/v1/admin/models").Json();
  const json::value& newest = list.at("models").at(0);
  EXPECT_EQ("cli", Str(newest.at("note")));
  EXPECT_EQ("cli:train", Str(newest.at("author")));
  for (const auto& m : list.at("models").as_array()) {
    if (m.at("active").as_bool()) {
      EXPECT_EQ("database:" + std::to_string(m.at("id").as_int64()),
                Str(list.at("running").at("source")));
      EXPECT_EQ(Str(m.at("version")), Str(c.Get("/readyz").Json().at("checks").at("model")));
    }
  }
}

}  // namespace
}  // namespace moderated

// End-to-end tests of the model administration API (docs/api.md, "Models")
// and `moderated train --site`: roles, validation and its exact messages,
// 404/409 answers, a site with too few labels, one job at a time, a base
// model retrained from data sets and refused by the regression gate, a site
// model activated for its site only, rollback per site, and the CLI storing
// a site model that a restarted daemon then runs.
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
std::string Errors(const HttpResult& r) { return json::serialize(r.Json().at("errors")); }

// Submits `n` spam and `n` ham comments for `site` and labels them through
// the moderators' decision endpoint.
void Label(HttpClient& c, const std::string& site, int n, uint32_t seed) {
  RussianComments gen(seed, kHamFixture);
  json::array comments;
  for (int i = 0; i < 2 * n; ++i) {
    comments.push_back(
        json::object{{"site", site}, {"content", i < n ? gen.TrainSpam() : gen.Ham(false)}});
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
  for (int i = 0; i < 12000; ++i) {
    HttpResult r = c.Get("/v1/admin/models/jobs/" + std::to_string(job));
    // While a job trains, a loaded machine may shed a poll (503 +
    // Retry-After, the documented overload answer): poll again.
    if (r.status == 503) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      continue;
    }
    EXPECT_EQ(200u, r.status) << r.body;
    if (r.status != 200) return nullptr;
    json::value v = r.Json();
    if (Str(v.at("status")) != "running") return v;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ADD_FAILURE() << "job " << job << " did not finish";
  return nullptr;
}

// Two tiny data sets in their upstream layouts (SMS and OSACT2020), made of
// generated text: enough to train and calibrate a base model that has never
// seen real comments, so the regression gate must refuse it.
std::filesystem::path FakeDataSets(const std::filesystem::path& root) {
  std::filesystem::create_directories(root / "sms-spam-collection");
  std::filesystem::create_directories(root / "osact2020-arabic-offensive");
  RussianComments gen(8, kHamFixture);
  std::ofstream sms(root / "sms-spam-collection" / "SMSSpamCollection");
  for (int i = 0; i < 3000; ++i) {
    sms << (i % 2 ? "spam\t" + gen.TestSpam() : "ham\t" + gen.Ham(true)) << "\n";
  }
  int n = 0;  // every line distinct, dev included
  for (const char* file : {"OSACT2020-sharedTask-train.txt", "OSACT2020-sharedTask-dev.txt"}) {
    std::ofstream osact(root / "osact2020-arabic-offensive" / file);
    for (int i = 0; i < 1500; ++i, ++n) {
      osact << (i % 3 ? gen.Ham(true) + " " + std::to_string(n) + "\tNOT_OFF"
                      : "أنت غبي جدا يا " + std::to_string(n) + "\tOFF")
            << "\tNOT_HS\n";
    }
  }
  return root;
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
  EXPECT_EQ(403u, mod.Get("/v1/admin/sites/a.example/model").status);

  HttpResult empty = c.Get("/v1/admin/models");
  ASSERT_EQ(200u, empty.status) << empty.body;
  EXPECT_EQ(0u, empty.Json().at("models").as_array().size());
  EXPECT_EQ("embedded", Str(empty.Json().at("running").at("source")));
  EXPECT_TRUE(empty.Json().at("running").at("model").is_null());
  EXPECT_EQ(0u, empty.Json().at("running").at("sites").as_object().size());

  EXPECT_EQ("no model 7", Detail(c.Get("/v1/admin/models/7")));
  EXPECT_EQ(404u, c.Post("/v1/admin/models/7/activate", "").status);
  EXPECT_EQ("no training job 9", Detail(c.Get("/v1/admin/models/jobs/9")));
  HttpResult rollback = c.Post("/v1/admin/models/rollback", "");
  EXPECT_EQ(409u, rollback.status);
  EXPECT_EQ("no stored model is active; nothing to roll back", Detail(rollback));
  HttpResult site_rollback = c.Post("/v1/admin/models/rollback", R"({"site": "a.example"})");
  EXPECT_EQ(409u, site_rollback.status);
  EXPECT_EQ("site 'a.example' has no model of its own; nothing to roll back",
            Detail(site_rollback));
  EXPECT_EQ(405u, c.Get("/v1/admin/models/train").status);

  // Say what to train: a site's own model, or the base model; never both.
  HttpResult nothing = c.Post("/v1/admin/models/train", "{}");
  ASSERT_EQ(422u, nothing.status) << nothing.body;
  EXPECT_EQ(R"([{"pointer":"/site","detail":"is required: {\"site\": NAME} trains that site's own )"
            R"(model from its labels; {\"base\": \"all\"} retrains the base model every site )"
            R"(shares"}])",
            Errors(nothing));
  HttpResult both = c.Post("/v1/admin/models/train", R"({"site": "a.example", "base": "all"})");
  EXPECT_EQ(R"([{"pointer":"/base","detail":"cannot be combined with /site: a site model learns )"
            R"(from that site's labels alone; the base model from the data sets"}])",
            Errors(both));
  HttpResult bad = c.Post("/v1/admin/models/train",
                          R"({"base": "sms,nope", "holdout_fraction": 2, "colour": 1})");
  ASSERT_EQ(422u, bad.status) << bad.body;
  const std::string errors = Errors(bad);
  EXPECT_NE(std::string::npos, errors.find("\"pointer\":\"/colour\""));
  EXPECT_NE(std::string::npos, errors.find("must be a number between 0.05 and 0.9"));
  // Retraining never drops the base data silently.
  HttpResult missing = c.Post("/v1/admin/models/train",
                              R"({"base": "all", "data_dir": "/nonexistent/corpora"})");
  ASSERT_EQ(422u, missing.status) << missing.body;
  EXPECT_EQ(R"x([{"pointer":"/data_dir","detail":"'/nonexistent/corpora' is not a directory: )x"
            R"x(retraining the base model needs the labelled data sets (training.data_dir)"}])x",
            Errors(missing));
  HttpResult unknown = c.Post("/v1/admin/models/train",
                              json::serialize(json::object{{"base", "sms,nope"},
                                                           {"data_dir", dir.path().string()}}));
  EXPECT_NE(std::string::npos, Errors(unknown).find("unknown data set 'nope' (all, or a "
                                                    "comma-separated list of: youtube, sms"));

  // A site with too few labels gets no site model, and the API says why.
  Label(c, "a.example", 10, 1);
  const char* kTooFew =
      "too few labels for a site model: 10 ham, 10 spam, 0 abuse; it needs at least 50 ham and "
      "50 spam or abuse";
  HttpResult few = c.Post("/v1/admin/models/train", R"({"site": "a.example"})");
  ASSERT_EQ(422u, few.status) << few.body;
  EXPECT_EQ(std::string(R"([{"pointer":"/site","detail":")") + kTooFew + R"("}])", Errors(few));
  HttpResult status = c.Get("/v1/admin/sites/a.example/model");
  ASSERT_EQ(200u, status.status) << status.body;
  EXPECT_EQ(R"x({"site":"a.example","model":null,"labels":{"ham":10,"spam":10,"abuse":0},)x"
            R"x("trainable":false,"reason":")x" +
                std::string(kTooFew) + R"x("})x",
            status.body);
}

TEST(AdminModelsE2ETest, OneJobAtATimeTheRegressionGateSiteModelsAndTheCli) {
  TempDir dir;
  std::string binary = MODERATED_BINARY;
  const std::filesystem::path data = FakeDataSets(dir.path() / "data");
  int64_t site_model = 0;
  {
    DaemonProcess d(binary, dir.path().string());
    HttpClient c = d.Tcp();
    Label(c, "a.example", 150, 5);
    EXPECT_TRUE(c.Get("/v1/admin/sites/a.example/model").Json().at("trainable").as_bool());

    // The base job keeps the trainer busy while a second request asks.
    HttpResult base = c.Post(
        "/v1/admin/models/train",
        json::serialize(json::object{{"base", "sms,osact2020"}, {"data_dir", data.string()}}));
    ASSERT_EQ(202u, base.status) << base.body;
    const int64_t job = base.Json().at("job").as_int64();
    EXPECT_EQ("base", Str(base.Json().at("kind")));
    HttpResult second = c.Post("/v1/admin/models/train", R"({"site": "a.example"})");
    EXPECT_EQ(409u, second.status);
    EXPECT_EQ("a training job is already running (job " + std::to_string(job) + ")",
              Detail(second));
    json::value done = WaitForJob(c, job);
    ASSERT_EQ("succeeded", Str(done.at("status"))) << json::serialize(done);
    // Generated text cannot hold the real comments of the regression set.
    const json::value& result = done.at("result");
    EXPECT_FALSE(result.at("activated").as_bool());
    EXPECT_EQ("regression", Str(result.at("gate").at("kind")));
    EXPECT_FALSE(result.at("gate").at("passed").as_bool());
    EXPECT_NE(std::string::npos, Str(result.at("gate").at("reason")).find("regression(s): "));
    EXPECT_EQ("embedded", Str(c.Get("/v1/admin/models").Json().at("running").at("source")));

    // The site model: trained on a.example's labels, activated for it alone.
    HttpResult site = c.Post("/v1/admin/models/train", R"({"site": "a.example"})");
    ASSERT_EQ(202u, site.status) << site.body;
    json::value sdone = WaitForJob(c, site.Json().at("job").as_int64());
    ASSERT_EQ("succeeded", Str(sdone.at("status"))) << json::serialize(sdone);
    EXPECT_TRUE(sdone.at("result").at("activated").as_bool()) << json::serialize(sdone);
    EXPECT_EQ("site", Str(sdone.at("result").at("gate").at("kind")));
    site_model = sdone.at("result").at("model").at("id").as_int64();
    EXPECT_EQ("a.example", Str(sdone.at("result").at("model").at("site")));
    json::value running = c.Get("/v1/admin/models").Json().at("running");
    EXPECT_EQ("embedded", Str(running.at("source")));
    EXPECT_EQ(site_model, running.at("sites").at("a.example").at("model").as_int64());
    json::value st = c.Get("/v1/admin/sites/a.example/model").Json();
    EXPECT_EQ(site_model, st.at("model").at("id").as_int64());
    EXPECT_EQ(2u, c.Get("/v1/admin/models/jobs").Json().at("jobs").as_array().size());
    d.Signal(SIGTERM);
    ASSERT_EQ(0, d.Wait());
  }
  // The CLI against the database file: another site model for a.example.
  const std::string db = (dir.path() / "moderated.db").string();
  int code = -1;
  std::string out = RunCommand(binary + " train --site a.example --database " + db +
                                   " --seed 7 --note cli --activate-if-better 2>&1",
                               &code);
  EXPECT_EQ(0, code) << out;
  EXPECT_NE(std::string::npos, out.find("gate: candidate macro-F1 ")) << out;
  std::string usage = RunCommand(binary + " train --site a.example --output x.ftz 2>&1", &code);
  EXPECT_EQ(2, code);
  EXPECT_EQ("moderated train: --site trains a site's model into the database; it takes no "
            "--output or --export-dataset\n",
            usage);
  std::string refused =
      RunCommand(binary + " train --site b.example --database " + db + " 2>&1", &code);
  EXPECT_EQ(1, code);
  EXPECT_EQ("moderated train: no site model for 'b.example': too few labels for a site model: 0 "
            "ham, 0 spam, 0 abuse; it needs at least 50 ham and 50 spam or abuse\n",
            refused);

  DaemonProcess d(binary, dir.path().string());
  HttpClient c = d.Tcp();
  json::value list = c.Get("/v1/admin/models").Json();
  const json::value& newest = list.at("models").at(0);
  EXPECT_EQ("cli", Str(newest.at("note")));
  EXPECT_EQ("cli", Str(newest.at("author")));
  const int64_t cli_model = newest.at("id").as_int64();
  EXPECT_EQ(cli_model, list.at("running").at("sites").at("a.example").at("model").as_int64());
  // Rolling a.example back returns to the job's model; once more, to the
  // base model alone.
  HttpResult back = c.Post("/v1/admin/models/rollback", R"({"site": "a.example"})");
  ASSERT_EQ(200u, back.status) << back.body;
  EXPECT_EQ(site_model, back.Json().at("model").at("id").as_int64());
  EXPECT_EQ(cli_model, back.Json().at("previous").as_int64());
  HttpResult alone = c.Post("/v1/admin/models/rollback", R"({"site": "a.example"})");
  ASSERT_EQ(200u, alone.status) << alone.body;
  EXPECT_TRUE(alone.Json().at("model").is_null());
  EXPECT_EQ(0u, alone.Json().at("running").at("sites").as_object().size());
}

}  // namespace
}  // namespace moderated

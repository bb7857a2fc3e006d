// End-to-end tests of `moderated eval` and `moderated train --export-dataset`
// with the real binary: a labelled file through the whole pipeline, the
// table and JSON it prints, a site's sensitivity, the embedded regression
// set, and the usage errors.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>

#include "tests/testing/daemon_process.h"
#include "tests/testing/temp_dir.h"

namespace moderated {
namespace {

namespace json = boost::json;
using testing::RunCommand;
using testing::TempDir;

const std::string kBinary = MODERATED_BINARY;

// Rules that decide alone (the classifier is switched off in the config), so
// every verdict below is known.
constexpr const char* kRules = R"(version: 1
rules:
  - id: spam.casino
    score: 6
    match: {field: content, words: [casino, казино]}
  - id: abuse.idiot
    score: 6
    match: {field: content, words: [idiot, дурак]}
)";

struct Files {
  TempDir dir;
  std::string rules, config, data;
  Files() {
    rules = dir.File("rules.yaml");
    config = dir.File("moderated.yaml");
    data = dir.File("labelled.jsonl");
    std::ofstream(rules) << kRules;
    std::ofstream(config) << "classifier: {spam_weight: 0, abuse_weight: 0}\n";
    std::ofstream out(data);
    // en: 2 spam (1 caught), 1 abuse (caught), 3 ham (1 held by mistake).
    out << R"({"text": "best casino bonus today", "label": "spam", "lang": "en"})" << "\n"
        << R"({"text": "cheap pills, no prescription", "label": "spam", "lang": "en"})" << "\n"
        << R"({"text": "you are an idiot", "label": "abuse", "lang": "en"})" << "\n"
        << R"({"text": "the casino in our town closed", "label": "ham", "lang": "en"})" << "\n"
        << R"({"text": "a calm and useful article", "label": "ham", "lang": "en"})" << "\n"
        << R"({"text": "thanks for the report", "label": "ham", "lang": "en"})" << "\n"
        // ru: 1 spam caught, 1 ham.
        << R"({"text": "онлайн казино дарит бонус", "label": "spam", "lang": "ru"})" << "\n"
        << R"({"text": "спасибо за статью", "label": "ham", "lang": "ru"})" << "\n";
  }
  std::string Eval(const std::string& args, int* code) const {
    return RunCommand(kBinary + " eval --config " + config + " --rules " + rules + " " + args +
                          " 2>&1",
                      code);
  }
};

TEST(EvalCommandTest, ALabelledFileThroughTheWholePipeline) {
  Files f;
  int code = -1;
  const std::string json_path = f.dir.File("card.json");
  std::string out = f.Eval("--data " + f.data + " --json " + json_path, &code);
  ASSERT_EQ(0, code) << out;
  EXPECT_NE(std::string::npos, out.find(", site eval, sensitivity normal, 8 comments")) << out;
  EXPECT_NE(std::string::npos,
            out.find("language label     n   pos precision recall     f1   ham_fpr  roc_auc"))
      << out;
  json::value card = json::parse(RunCommand("cat " + json_path));
  const json::value& en_spam = card.at("by_language").at("en").at("spam");
  EXPECT_EQ(6, en_spam.at("examples").as_int64());
  EXPECT_EQ(2, en_spam.at("positives").as_int64());
  EXPECT_EQ(1, en_spam.at("tp").as_int64());
  EXPECT_EQ(1, en_spam.at("fp").as_int64());  // the town's casino, blamed on spam
  EXPECT_EQ(1, en_spam.at("fn").as_int64());
  EXPECT_EQ(1, card.at("by_language").at("en").at("abuse").at("tp").as_int64());
  EXPECT_EQ(0.3333, card.at("by_language").at("en").at("spam").at("fpr").as_double());
  const json::value& file = card.at("by_source").at("labelled");
  EXPECT_EQ("spam", std::string(file.at("task").as_string()));
  EXPECT_EQ(2, file.at("tp").as_int64());  // the Russian casino and the English one
  EXPECT_EQ(4, file.at("ham").as_int64());
  EXPECT_EQ(1, file.at("ham_flagged").as_int64());
  EXPECT_EQ(card.at("ham"), json::parse(R"({"examples":4,"flagged":1,"fpr":0.25})"));

  std::string only_json = f.Eval("--data " + f.data + " --json -", &code);
  ASSERT_EQ(0, code) << only_json;
  EXPECT_EQ(card, json::parse(only_json));
}

TEST(EvalCommandTest, SensitivityRegressionSetAndUsageErrors) {
  Files f;
  int code = -1;
  std::string out = f.Eval("--data " + f.data + " --sensitivity high --site news.example", &code);
  ASSERT_EQ(0, code) << out;
  EXPECT_NE(std::string::npos, out.find(", site news.example, sensitivity high, 8 comments"));
  // The regression set embedded in the binary, with the shipped rules and model.
  out = RunCommand(kBinary + " eval --regression 2>&1", &code);
  ASSERT_EQ(0, code) << out;
  EXPECT_NE(std::string::npos, out.find(", site eval, sensitivity normal, 3606 comments")) << out;

  EXPECT_EQ("moderated eval: give exactly one of --data FILE, --preset NAME or --regression\n",
            f.Eval("", &code));
  EXPECT_EQ(2, code);
  EXPECT_EQ("moderated eval: --sensitivity must be low, normal or high\n",
            f.Eval("--regression --sensitivity max", &code));
  EXPECT_EQ(2, code);
  EXPECT_EQ("moderated eval: --preset: unknown data set 'nope'\n",
            f.Eval("--preset nope", &code));
  std::ofstream(f.dir.File("bad.csv")) << "text,label\nhello,maybe\n";
  out = f.Eval("--data " + f.dir.File("bad.csv"), &code);
  EXPECT_EQ(1, code);
  EXPECT_EQ(f.dir.File("bad.csv") +
                ": record 2: unknown label 'maybe' (expected spam, abuse or ham, or give a "
                "label map)\n",
            out);
  std::ofstream(f.dir.File("mapped.csv")) << "text,label\nbest casino,1\nhello there,0\n";
  out = f.Eval("--data " + f.dir.File("mapped.csv") + " --label-map 1=spam,0=ham --json -", &code);
  ASSERT_EQ(0, code) << out;
  EXPECT_EQ(1, json::parse(out).at("by_source").at("mapped").at("tp").as_int64());
  out = f.Eval("--preset sms --data-dir " + f.dir.File("nowhere"), &code);
  EXPECT_EQ(1, code);
  EXPECT_EQ(f.dir.File("nowhere") + "/sms-spam-collection/SMSSpamCollection: cannot open: No "
                                    "such file or directory\n",
            out);
}

// --site-per-group: a video whose spam the base model has never seen (a
// made-up product name in otherwise friendly words) is judged with a site
// model trained on that video's first 70 %, as its moderators would have
// labelled it; the other videos have too few labels for one.
TEST(EvalCommandTest, SitePerGroupTrainsEachGroupsOwnModel) {
  TempDir dir;
  const std::filesystem::path yt = dir.path() / "youtube-spam-collection";
  std::filesystem::create_directories(yt);
  const char* const kAdjectives[] = {"red",   "quiet", "brave", "sunny", "old",
                                     "green", "happy", "small", "late",  "warm"};
  const char* const kNouns[] = {"river", "garden", "morning", "bridge", "window",
                                "street", "forest", "evening", "harbour", "meadow"};
  {
    std::ofstream psy(yt / "Youtube01-Psy.csv");
    psy << "COMMENT_ID,AUTHOR,DATE,CONTENT,CLASS\n";
    for (const char* a : kAdjectives) {
      for (const char* n : kNouns) {
        psy << "s,a,d,\"zorblax glimmerfax " << a << " " << n << " qwindle\",1\n"
            << "h,a,d,\"this song reminds me of the " << a << " " << n << "\",0\n";
      }
    }
  }
  for (const char* video : {"Youtube02-KatyPerry.csv", "Youtube03-LMFAO.csv",
                            "Youtube04-Eminem.csv", "Youtube05-Shakira.csv"}) {
    std::ofstream(yt / video) << "COMMENT_ID,AUTHOR,DATE,CONTENT,CLASS\n"
                              << "s,a,d,check out my channel and subscribe,1\n"
                              << "h,a,d,great video,0\n";
  }
  const std::string base = kBinary + " eval --preset youtube --data-dir " + dir.path().string();
  int code = -1;
  std::string out = RunCommand(base + " --json " + dir.File("alone.json") + " 2>&1", &code);
  ASSERT_EQ(0, code) << out;
  out = RunCommand(base + " --site-per-group --json " + dir.File("site.json") + " 2>&1", &code);
  ASSERT_EQ(0, code) << out;
  EXPECT_NE(std::string::npos, out.find("group Psy: 140 labels, site model site-")) << out;
  EXPECT_NE(std::string::npos, out.find("group KatyPerry: 0 labels, no site model: ")) << out;
  const json::value alone = json::parse(RunCommand("cat " + dir.File("alone.json")));
  const json::value site = json::parse(RunCommand("cat " + dir.File("site.json")));
  const json::value& psy_alone = alone.at("by_source").at("youtube").at("groups").at("Psy");
  const json::value& psy_site = site.at("by_source").at("youtube").at("groups").at("Psy");
  EXPECT_EQ(30, psy_site.at("positives").as_int64());
  EXPECT_LT(psy_alone.at("tp").as_int64(), 15) << psy_alone;
  EXPECT_EQ(30, psy_site.at("tp").as_int64()) << psy_site;
  EXPECT_EQ(0, psy_site.at("ham_flagged").as_int64()) << psy_site;

  EXPECT_EQ("moderated eval: --site-per-group needs --preset and the test split\n",
            RunCommand(kBinary + " eval --regression --site-per-group 2>&1", &code));
  EXPECT_EQ(2, code);
}

TEST(TrainCommandTest, ExportsTheDatasetAsBuiltAndRefusesUsageErrors) {
  TempDir dir;
  std::filesystem::create_directories(dir.path() / "sms-spam-collection");
  {
    std::ofstream sms(dir.path() / "sms-spam-collection" / "SMSSpamCollection");
    sms << "spam\tWIN a prize now\nham\tsee you at 5\nham\tSee you at 5.\n";
  }
  int code = -1;
  const std::string out_path = dir.File("dataset.jsonl");
  std::string out = RunCommand(kBinary + " train --preset sms --data-dir " + dir.path().string() +
                                   " --export-dataset " + out_path + " 2>&1",
                               &code);
  ASSERT_EQ(0, code) << out;
  std::ifstream in(out_path);
  std::string line;
  std::vector<json::value> rows;
  while (std::getline(in, line)) rows.push_back(json::parse(line));
  ASSERT_EQ(2u, rows.size());  // the two "see you at 5" are one text
  EXPECT_EQ("sms", std::string(rows[0].at("source").as_string()));
  EXPECT_EQ("win a prize now", std::string(rows[0].at("tokens").as_string()));
  EXPECT_EQ("spam", std::string(rows[0].at("label").as_string()));

  EXPECT_EQ("moderated train: --output MODEL.ftz is required (or --site NAME, or "
            "--export-dataset FILE)\n",
            RunCommand(kBinary + " train 2>&1", &code));
  EXPECT_EQ(2, code);
  EXPECT_EQ("moderated train: --preset: unknown data set 'nope'\n",
            RunCommand(kBinary + " train --preset nope --output x.ftz 2>&1", &code));
  out = RunCommand(kBinary + " train --data-dir " + dir.File("none") + " --output " +
                       dir.File("m.ftz") + " 2>&1",
                   &code);
  EXPECT_EQ(1, code);
  EXPECT_NE(std::string::npos,
            out.find(dir.File("none") + ": no such directory; base retraining needs the labelled "
                                        "data sets (set training.data_dir or --data-dir)"))
      << out;
}

}  // namespace
}  // namespace moderated

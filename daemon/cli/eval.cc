// daemon/cli/eval.cc
//
// `moderated eval`: labelled comments through the whole pipeline (the
// configured rules and models, judged as a site would be), scored by
// training/scorecard.h. The figures in docs/classifier.md and the model card
// come from this command.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "base/flags.h"
#include "base/progress.h"
#include "base/strings.h"
#include "classifiers/fasttext_classifier.h"
#include "classifiers/judge.h"
#include "daemon/cli/commands.h"
#include "daemon/cli/offline.h"
#include "daemon/jobs/evaluate.h"
#include "daemon/jobs/model_jobs.h"
#include "training/corpus.h"
#include "training/dataset.h"
#include "training/scorecard.h"
#include "training/site_model.h"

namespace moderated {
namespace {

constexpr const char* kUsage =
    R"(usage: moderated eval [flags]

Runs labelled comments through the whole pipeline (normalise, language,
rules, models, decision; nothing is stored) and prints, per language and
label, precision, recall, F1, the false-positive rate (ham held or rejected)
and ROC AUC, and per data set its own task (docs/classifier.md, "Measuring").

Data (one of):
  --data FILE              CSV, TSV or JSONL: a text and a label per row
                           (spam, abuse or ham, or mapped with --label-map),
                           an optional language
  --preset NAME            the fixed test split of a data set (repeatable;
                           all = all 14) read from --data-dir
  --regression             the regression set embedded in the binary

  --format csv|tsv|jsonl   [from the file extension]
  --text-col NAME [text]  --label-col NAME [label]  --lang-col NAME [lang]
  --source-col NAME        a column naming each row's data set [the file name]
  --label-map RAW=LABEL,.. map raw labels (e.g. 1=abuse,0=ham)
  --data-dir DIR           where the data sets are [../shared/data]
  --split test|validation  which split of --preset [test]

Judging:
  --site NAME              judge as this site: its policy, its sensitivity and
                           (with --database) its own model [eval]
  --sensitivity LEVEL      judge at this sensitivity (low, normal, high)
                           instead of the site's
  --hint                   give each row's language to the pipeline as the
                           client's lang hint (default: detect it)
  --site-per-group         with --preset: judge each group (a YouTube video,
                           …) as its own site, with a site model trained on
                           that group's train and validation examples (its
                           labels, as a site's moderators would give them),
                           activated if it passes the site gate
  --config FILE  --rules FILE  --model FILE  --database FILE
                           as for `moderated serve`

Output:
  --json FILE              also write the scorecard as JSON (- = stdout,
                           instead of the table)
  --help                   this text

Exit status: 0 success, 1 data error, 2 usage error.
)";

struct Flags {
  OfflineFlags offline;
  std::string data, format, text_col = "text", label_col = "label", lang_col = "lang";
  std::string source_col, label_map, data_dir = "../shared/data", split = "test";
  std::vector<std::string> presets;
  bool regression = false, hint = false, site_per_group = false;
  std::string site = "eval";
  std::string sensitivity;
  std::string json;
};

int ParseFlags(int argc, char** argv, Flags* f) {
  base::FlagParser flags("moderated eval");
  f->offline.Declare(flags);
  flags.Value("--data", &f->data)
      .Values("--preset", &f->presets)
      .Switch("--regression", &f->regression)
      .Value("--format", &f->format)
      .Value("--text-col", &f->text_col)
      .Value("--label-col", &f->label_col)
      .Value("--lang-col", &f->lang_col)
      .Value("--source-col", &f->source_col)
      .Value("--label-map", &f->label_map)
      .Value("--data-dir", &f->data_dir)
      .Value("--split", &f->split)
      .Value("--site", &f->site)
      .Value("--sensitivity", &f->sensitivity)
      .Switch("--hint", &f->hint)
      .Switch("--site-per-group", &f->site_per_group)
      .Value("--json", &f->json);
  if (int rc = flags.ParseForCommand(argc, argv, 1, kUsage); rc >= 0) return rc;
  const int sources = !f->data.empty() + !f->presets.empty() + f->regression;
  if (sources != 1) {
    std::cerr << "moderated eval: give exactly one of --data FILE, --preset NAME or "
                 "--regression\n";
    return 2;
  }
  if (!f->sensitivity.empty() && f->sensitivity != "low" && f->sensitivity != "normal" &&
      f->sensitivity != "high") {
    std::cerr << "moderated eval: --sensitivity must be low, normal or high\n";
    return 2;
  }
  if (f->site_per_group && (f->presets.empty() || f->split != "test")) {
    std::cerr << "moderated eval: --site-per-group needs --preset and the test split\n";
    return 2;
  }
  if (f->split != "test" && f->split != "validation") {
    std::cerr << "moderated eval: --split must be test or validation\n";
    return 2;
  }
  if (f->presets.size() == 1 && f->presets[0] == "all") f->presets = training::PresetNames();
  for (const std::string& p : f->presets) {
    const auto& names = training::PresetNames();
    if (std::find(names.begin(), names.end(), p) == names.end()) {
      std::cerr << "moderated eval: --preset: unknown data set '" << p << "'\n";
      return 2;
    }
  }
  return -1;
}

// The header of a CSV/TSV file has column `name`?
bool HasColumn(const std::string& path, char delimiter, const std::string& name) {
  std::ifstream in(path);
  std::string header;
  std::getline(in, header);
  std::vector<std::vector<std::string>> rows;
  std::string error;
  if (!training::ParseDelimited(header, delimiter, true, &rows, &error) || rows.empty()) {
    return false;
  }
  for (const std::string& c : rows[0]) {
    if (base::TrimAscii(c) == name) return true;
  }
  return false;
}

bool ReadDataFile(const Flags& f, std::vector<training::Example>* out, std::string* error) {
  training::CorpusFormat format;
  std::string name = f.format;
  if (name.empty()) {
    const std::string ext = std::filesystem::path(f.data).extension().string();
    name = ext.empty() ? "" : ext.substr(1);
  }
  if (!training::ParseCorpusFormat(name, &format)) {
    *error = "moderated eval: --format: expected csv, tsv or jsonl" +
             (f.format.empty() ? std::string(" (cannot tell from the file name)") : "");
    return false;
  }
  training::ColumnMapping mapping;
  mapping.text_column = f.text_col;
  mapping.label_column = f.label_col;
  mapping.group_column = f.source_col;
  mapping.source = std::filesystem::path(f.data).stem().string();
  if (format == training::CorpusFormat::kJsonl ||
      HasColumn(f.data, format == training::CorpusFormat::kCsv ? ',' : '\t', f.lang_col)) {
    mapping.language_column = f.lang_col;
  }
  std::stringstream items(f.label_map);
  std::string item;
  while (std::getline(items, item, ',')) {
    const size_t eq = item.find('=');
    if (item.empty()) continue;
    if (eq == std::string::npos) {
      *error = "moderated eval: --label-map: expected RAW=spam|abuse|ham, got '" + item + "'";
      return false;
    }
    mapping.label_map[base::AsciiLower(item.substr(0, eq))] = item.substr(eq + 1);
  }
  if (!training::ReadCorpusFile(f.data, format, mapping, out, nullptr, error)) return false;
  if (!f.source_col.empty()) {
    for (training::Example& e : *out) e.source = e.group, e.group.clear();
  }
  return true;
}

// The examples to judge; with --preset, the groups' labelled (train and
// validation) examples go to *labelled when it is not null.
bool ReadExamples(const Flags& f, std::vector<training::Example>* out,
                  std::vector<training::Example>* labelled, std::string* error) {
  if (!f.data.empty()) return ReadDataFile(f, out, error);
  if (f.regression) return EmbeddedRegressionExamples(out, error);
  std::vector<training::Example> all;
  training::DatasetReport report;
  if (!training::BuildDataset(f.presets, f.data_dir, &all, &report, error)) return false;
  for (training::Example& e : all) {
    if (e.split == f.split) {
      out->push_back(std::move(e));
    } else if (labelled != nullptr && !e.group.empty() && e.labels.size() == 1) {
      labelled->push_back(std::move(e));
    }
  }
  return true;
}

// --site-per-group: each group of `examples` becomes a site named after it,
// with its own model trained on `labelled`'s examples of that group (the
// daemon's site training: TrainSiteModel, activated only if it passes the
// gate). Returns the engine that judges with those site models.
std::shared_ptr<const Engine> WithGroupSiteModels(
    std::shared_ptr<const Engine> engine, const std::vector<training::Example>& examples,
    const std::vector<training::Example>& labelled, const std::string& sensitivity,
    std::string* error) {
  std::map<std::string, std::vector<training::SiteExample>> by_group;
  for (const training::Example& e : examples) by_group[e.group];
  int64_t id = 0;
  for (const training::Example& e : labelled) {
    auto it = by_group.find(e.group);
    if (it != by_group.end()) it->second.push_back({++id, e.text, e.labels[0], e.language});
  }
  const classifiers::Judge& judge = engine->judge();
  classifiers::Sensitivity level = classifiers::Sensitivity::kNormal;
  classifiers::ParseSensitivity(sensitivity, &level);
  const training::BaseModel base{judge.base().classifier.get(), judge.base().calibration.get(),
                                 level};
  std::shared_ptr<const classifiers::Judge> next = engine->judge_ptr();
  for (const auto& [group, labels] : by_group) {
    training::SiteModelOutcome outcome;
    if (!training::TrainSiteModel(labels, base, {}, training::SiteModelOptions{}, &outcome,
                                  error)) {
      *error = "site model for group " + group + ": " + *error;
      return nullptr;
    }
    std::cerr << "group " << group << ": " << labels.size() << " labels, "
              << (!outcome.refusal.empty() ? "no site model: " + outcome.refusal
                  : outcome.gate.passed    ? "site model " + outcome.version + " active"
                                           : "site model refused by the gate: " +
                                                 outcome.gate.reason)
              << "\n";
    if (!outcome.refusal.empty() || !outcome.gate.passed) continue;
    classifiers::SiteModel model;
    model.classifier = classifiers::LoadFastTextClassifierFromMemory(
        outcome.model_bytes, "site model " + group, error);
    if (!model.classifier) return nullptr;
    model.combiner =
        classifiers::SiteCombiner::Parse(outcome.combiner_json, "combiner " + group, error);
    if (!model.combiner) return nullptr;
    model.version = outcome.version;
    next = next->WithSiteModel(group, std::move(model));
  }
  return engine->WithJudge(std::move(next));
}

// Prints the scorecard: as JSON to stdout (--json -), or as a table and,
// with --json FILE, as JSON to that file. Returns the exit code.
int PrintScorecard(const Flags& f, const Engine& engine, const rules::SitePolicy& policy,
                   size_t comments, const training::Scorecard& card) {
  const std::string json = training::ScorecardJson(card);
  if (f.json == "-") {
    std::cout << json << "\n";
    return 0;
  }
  std::cout << "model " << engine.running_model().version << " ("
            << engine.running_model().source << "), rules " << engine.rules().version()
            << ", site " << (f.site_per_group ? std::string("per group") : f.site)
            << ", sensitivity " << policy.sensitivity << ", "
            << comments << " comments\n\n"
            << training::ScorecardTable(card);
  if (!f.json.empty()) {
    std::ofstream out(f.json, std::ios::trunc);
    out << json << "\n";
    if (!out) {
      std::cerr << f.json << ": cannot write\n";
      return 1;
    }
  }
  return 0;
}

}  // namespace

int RunEvalCommand(int argc, char** argv) {
  Flags f;
  if (int rc = ParseFlags(argc, argv, &f); rc >= 0) return rc;
  Config config;
  std::vector<std::string> messages;
  if (!LoadOfflineConfig(f.offline, &config, &messages)) {
    for (const auto& e : messages) std::cerr << e << "\n";
    return 2;
  }
  auto engine = LoadOfflineEngine(config, f.offline.database_given, &messages);
  for (const auto& m : messages) std::cerr << m << "\n";
  if (!engine) return 1;
  std::vector<training::Example> examples, labelled;
  std::string error;
  if (!ReadExamples(f, &examples, f.site_per_group ? &labelled : nullptr, &error)) {
    std::cerr << error << "\n";
    return 1;
  }
  rules::SitePolicy policy = engine->PolicyFor(f.site);
  if (!f.sensitivity.empty()) policy.sensitivity = f.sensitivity;
  std::vector<training::PipelineItem> items;
  if (f.site_per_group) {
    engine = WithGroupSiteModels(engine, examples, labelled, policy.sensitivity, &error);
    if (!engine) {
      std::cerr << "moderated eval: " << error << "\n";
      return 1;
    }
    for (const training::Example& e : examples) {
      items.push_back(JudgeExample(*engine, e, e.group.empty() ? f.site : e.group, f.hint,
                                   &policy));
    }
  } else {
    base::Progress progress(stderr);
    items = JudgeExamples(
        *engine, examples, f.site, f.hint,
        [&](size_t done, size_t n) {
          progress.Bar("judging", static_cast<int64_t>(done), static_cast<int64_t>(n));
        },
        &policy);
    progress.EndBar();
  }
  return PrintScorecard(f, *engine, policy, examples.size(), training::Score(items));
}

}  // namespace moderated

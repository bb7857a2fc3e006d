// daemon/cli/train.cc
//
// `moderated train`: the base model from the labelled data sets (the fixed
// train split; calibrated on the validation split with the configured rules),
// or one site's own model from that site's labels in the database. The same
// steps as the daemon's training jobs (daemon/jobs/model_jobs.h).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "base/flags.h"
#include "base/progress.h"
#include "base/strings.h"
#include "base/time.h"
#include "classifiers/calibration.h"
#include "daemon/cli/commands.h"
#include "daemon/cli/offline.h"
#include "daemon/core/sources.h"
#include "daemon/jobs/evaluate.h"
#include "daemon/jobs/model_jobs.h"
#include "storage/store.h"
#include "training/dataset.h"
#include "training/trainer.h"

namespace moderated {
namespace {

namespace json = boost::json;
namespace cls = ::moderated::classifiers;

constexpr const char* kUsage =
    R"(usage: moderated train [flags]

The base model (the default): trains fastText on the fixed train split of the
labelled data sets (docs/classifier.md, "Data"), calibrates it on their
validation split through the configured rules, and writes MODEL.ftz, its
calibration MODEL.calibration.json beside it, and a JSON report. The test
split is never read; measure with `moderated eval`.

  --data-dir DIR           where the data sets are [../shared/data]
  --preset NAME            a data set (repeatable; default all 14)
  --output MODEL.ftz       the model to write
  --report FILE.json       what was read, kept and fitted
  --regression-set FILE    also write the regression set (a fixed sample of
                           the test split; classifiers/models/regression.jsonl)
  --export-dataset FILE    write every kept example as JSON lines (source,
                           group, split, label, language, text, tokens); with
                           no --output, only that
  --seed N                 [42] shuffle and fastText seed
  --epochs N [10]  --lr X [0.2]  --dim N [50]  --word-ngrams N [2]
  --minn N [3]  --maxn N [6]  --bucket N [500000]  --cutoff N [100000]
  --dsub N [2]  --no-quantize (a dense .bin)
  --repeat DATASET=N       train on N copies of each example of DATASET
                           (repeatable; replaces the defaults) [radio-t=10]
  --store                  also store the model in --database (inactive)
  --activate-if-better     store it and activate it if every language and
                           label holds on the regression set (a running
                           daemon loads it on SIGHUP or restart)

A site's own model (docs/classifier.md, "Per-site learning"):
  --site NAME              train NAME's model from its labels in --database,
                           gate it on its held-out labels, store it
  --holdout-fraction F     [0.3] labels held out for the gate
  --activate-if-better     activate it for NAME if it passes the gate
  --note TEXT              stored with the model

Shared:
  --config FILE  --rules FILE  --model FILE  --database FILE
                           as for `moderated serve`; the rules (and, for a
                           site, the running model) judge as the daemon would
  --help                   this text

Exit status: 0 success, 1 data, training or storage error, 2 usage error.
)";

struct Flags {
  OfflineFlags offline;
  std::string data_dir = "../shared/data";
  std::vector<std::string> presets;
  std::string output, report, regression_set, export_dataset;
  std::string site, note;
  std::vector<std::string> repeat;  // --repeat DATASET=N
  double holdout_fraction = 0.3;
  bool store = false, activate = false, no_quantize = false;
  training::TrainOptions train = training::BaseModelRequest::DefaultBaseTrainOptions();
};

// --repeat DATASET=N, each checked; given at all, they replace the defaults.
bool ApplyRepeats(const std::vector<std::string>& repeats, training::TrainOptions* t) {
  for (const std::string& r : repeats) {
    const size_t eq = r.find('=');
    int64_t copies = 0;
    const std::string name = r.substr(0, eq);
    const auto& known = training::PresetNames();
    if (eq == std::string::npos || std::find(known.begin(), known.end(), name) == known.end() ||
        !base::ParseInt64(r.substr(eq + 1), &copies) || copies < 1 || copies > 100) {
      std::cerr << "moderated train: --repeat: '" << r
                << "' is not DATASET=N (a data set name, N from 1 to 100)\n";
      return false;
    }
    if (&r == &repeats.front()) t->repeat.clear();
    t->repeat[name] = static_cast<int>(copies);
  }
  return true;
}

int ParseFlags(int argc, char** argv, Flags* f) {
  base::FlagParser flags("moderated train");
  f->offline.Declare(flags);
  auto& t = f->train;
  flags.Value("--data-dir", &f->data_dir)
      .Values("--preset", &f->presets)
      .Value("--output", &f->output)
      .Value("--report", &f->report)
      .Value("--regression-set", &f->regression_set)
      .Value("--export-dataset", &f->export_dataset)
      .Value("--site", &f->site)
      .Value("--note", &f->note)
      .Number("--holdout-fraction", 0.05, 0.9, &f->holdout_fraction)
      .Switch("--store", &f->store)
      .Switch("--activate-if-better", &f->activate)
      .Switch("--no-quantize", &f->no_quantize)
      .Int("--seed", 0, 2147483647, &t.seed)
      .Int("--epochs", 1, 1000, &t.epochs)
      .Number("--lr", 0.0001, 10, &t.learning_rate)
      .Int("--dim", 1, 1000, &t.dim)
      .Int("--word-ngrams", 1, 5, &t.word_ngrams)
      .Int("--minn", 0, 10, &t.minn)
      .Int("--maxn", 0, 10, &t.maxn)
      .Int("--bucket", 0, 10'000'000, &t.bucket)
      .Int("--cutoff", 0, 100'000'000, &t.cutoff)
      .Int("--dsub", 1, 100, &t.dsub)
      .Values("--repeat", &f->repeat);
  if (int rc = flags.ParseForCommand(argc, argv, 1, kUsage); rc >= 0) return rc;
  if (!ApplyRepeats(f->repeat, &t)) return 2;
  if (f->no_quantize) t.quantize = false;
  const auto& names = training::PresetNames();
  for (const std::string& p : f->presets) {
    if (std::find(names.begin(), names.end(), p) == names.end()) {
      std::cerr << "moderated train: --preset: unknown data set '" << p << "'\n";
      return 2;
    }
  }
  if (t.minn > t.maxn) {
    std::cerr << "moderated train: --minn must not exceed --maxn\n";
    return 2;
  }
  if (f->site.empty() && f->output.empty() && f->export_dataset.empty()) {
    std::cerr << "moderated train: --output MODEL.ftz is required (or --site NAME, or "
                 "--export-dataset FILE)\n";
    return 2;
  }
  if (!f->site.empty() && (!f->output.empty() || !f->export_dataset.empty())) {
    std::cerr << "moderated train: --site trains a site's model into the database; it takes no "
                 "--output or --export-dataset\n";
    return 2;
  }
  return -1;
}

bool WriteFile(const std::string& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) {
    std::cerr << path << ": cannot write\n";
    return false;
  }
  return true;
}

std::string CalibrationPath(const std::string& model_path) {
  std::filesystem::path p(model_path);
  p.replace_extension(".calibration.json");
  return p.string();
}

bool ExportDataset(const Flags& f) {
  std::vector<training::Example> all;
  training::DatasetReport report;
  std::string error;
  if (!training::BuildDataset(f.presets, f.data_dir, &all, &report, &error)) {
    std::cerr << error << "\n";
    return false;
  }
  std::string out;
  for (const training::Example& e : all) {
    out += json::serialize(json::object{{"source", e.source},
                                        {"group", e.group},
                                        {"split", e.split},
                                        {"label", e.labels.at(0)},
                                        {"language", e.language},
                                        {"text", e.text},
                                        {"tokens", training::PrepareForModel(e.text)}});
    out += '\n';
  }
  return WriteFile(f.export_dataset, out);
}

void PrintFit(const training::CalibrationFit& fit) {
  std::printf("language level  spam hold  abuse hold  spam recall  abuse recall  ham held\n");
  for (int g = 0; g < cls::kLanguageGroups; ++g) {
    for (int level = 0; level < cls::kSensitivities; ++level) {
      const training::LevelFit& l = fit.groups[g].levels[level];
      std::printf("%-8s %-6s %9.3f %11.3f %12.3f %13.3f %9.4f\n",
                  std::string(cls::GroupName(static_cast<cls::LanguageGroup>(g))).c_str(),
                  std::string(cls::SensitivityName(static_cast<cls::Sensitivity>(level))).c_str(),
                  l.thresholds[0].hold, l.thresholds[1].hold, l.recall[0], l.recall[1],
                  l.ham_held);
    }
  }
}

// Stores `m` in the database and, if `activate`, makes it active.
int StoreModel(const Config& config, storage::ModelVersion m, bool activate,
               const std::string& gate_json) {
  std::string error;
  auto store = storage::Store::Open(config.database, storage::Store::OpenMode::kReadWrite, &error);
  if (!store) {
    std::cerr << error << "\n";
    return 1;
  }
  m.author = "cli";
  m.created_at_ms = base::NowMs();
  int64_t id = 0;
  if (store->AddModel(m, &id)) {
    std::cerr << config.database << ": cannot store the model: " << store->LastErrorMessage()
              << "\n";
    return 1;
  }
  storage::AuditEntry audit;
  audit.at_ms = m.created_at_ms;
  audit.actor = "cli";
  audit.action = "model.train";
  audit.target = "model:" + std::to_string(id);
  audit.before_json = "null";
  audit.after_json = json::serialize(json::object{
      {"model", id},
      {"version", m.version},
      {"site", m.site.empty() ? json::value(nullptr) : json::value(m.site)},
      {"activated", activate},
      {"gate", json::parse(gate_json)}});
  if (store->AppendAudit(audit)) {
    std::cerr << config.database << ": " << store->LastErrorMessage() << "\n";
    return 1;
  }
  std::cout << "stored as model " << id << (activate ? ", activated" : ", not activated") << "\n";
  if (!activate) return 0;
  // The model this one replaces, for a later rollback.
  int64_t before = 0;
  storage::ModelVersion active;
  if (m.site.empty()) {
    if (!store->ActiveModel(&active)) before = active.id;
  } else {
    std::vector<storage::ModelVersion> sites;
    if (!store->ActiveSiteModels(&sites)) {
      for (const auto& s : sites) {
        if (s.site == m.site) before = s.id;
      }
    }
  }
  audit.action = "model.activate";
  audit.before_json = json::serialize(json::object{
      {"model", before ? json::value(before) : json::value(nullptr)},
      {"site", m.site.empty() ? json::value(nullptr) : json::value(m.site)}});
  audit.after_json = json::serialize(json::object{
      {"model", id},
      {"version", m.version},
      {"site", m.site.empty() ? json::value(nullptr) : json::value(m.site)}});
  if (store->ActivateModel(id, &audit)) {
    std::cerr << config.database << ": cannot activate: " << store->LastErrorMessage() << "\n";
    return 1;
  }
  return 0;
}

int TrainSite(const Flags& f, const Config& config) {
  std::vector<std::string> messages;
  auto engine = LoadOfflineEngine(config, true, &messages);
  for (const std::string& m : messages) std::cerr << m << "\n";
  if (!engine) return 1;
  std::string error;
  auto store = storage::Store::Open(config.database, storage::Store::OpenMode::kReadOnly, &error);
  if (!store) {
    std::cerr << error << "\n";
    return 1;
  }
  std::vector<training::SiteExample> labels;
  if (!ReadSiteLabels(*store, f.site, &labels, &error)) {
    std::cerr << config.database << ": " << error << "\n";
    return 1;
  }
  store.reset();
  TrainRequest request;
  request.site = f.site;
  request.holdout_fraction = f.holdout_fraction;
  request.seed = f.train.seed;
  training::SiteModelOutcome out;
  if (!TrainSiteCandidate(labels, *engine, request, &out, &error)) {
    std::cerr << error << "\n";
    return 1;
  }
  if (!out.refusal.empty()) {
    std::cerr << "moderated train: no site model for '" << f.site << "': " << out.refusal << "\n";
    return 1;
  }
  std::cout << "site " << f.site << ": " << out.version << "; gate: " << out.gate.reason << "\n";
  storage::ModelVersion m;
  m.site = f.site;
  m.version = out.version;
  m.bytes = out.model_bytes;
  m.calibration = out.combiner_json;
  m.report_json = out.report_json;
  m.note = f.note;
  json::value gate = json::parse(out.report_json).at("gate");
  return StoreModel(config, std::move(m), f.activate && out.gate.passed, json::serialize(gate));
}

int TrainBase(const Flags& f, const Config& config) {
  base::Progress progress(stdout);
  std::vector<std::string> messages;
  auto engine = LoadOfflineEngine(config, f.store || f.activate, &messages);
  for (const std::string& m : messages) std::cerr << m << "\n";
  if (!engine) return 1;
  TrainRequest request;
  request.kind = TrainRequest::Kind::kBase;
  request.presets = f.presets;
  request.data_dir = f.data_dir;
  request.options = f.train;
  request.note = f.note;
  std::vector<training::Example> regression;
  std::string error;
  if (!EmbeddedRegressionExamples(&regression, &error)) {
    std::cerr << error << "\n";
    return 1;
  }
  BaseCandidate c;
  if (!TrainBaseCandidate(
          *engine, regression, request,
          [&](std::string_view phase, double) { progress.Line(std::string(phase)); }, &c,
          &error)) {
    std::cerr << error << "\n";
    return 1;
  }
  const training::BaseModelOutcome& trained = c.trained;
  std::printf("model %s: %lld examples, %d words, %llu bytes, %.1f s of training\n",
              c.model.version.c_str(), static_cast<long long>(trained.stats.examples),
              trained.stats.words, static_cast<unsigned long long>(trained.model_bytes.size()),
              trained.train_seconds);
  PrintFit(trained.calibration);
  std::cout << "regression gate against " << engine->running_model().version << ": "
            << c.gate.reason << "\n";
  if (!WriteFile(f.output, trained.model_bytes) ||
      !WriteFile(CalibrationPath(f.output), trained.calibration_json) ||
      (!f.report.empty() && !WriteFile(f.report, c.report_json + "\n"))) {
    return 1;
  }
  if (!f.regression_set.empty() &&
      !WriteFile(f.regression_set,
                 training::WriteRegressionSet(trained.test, training::kRegressionPerCell))) {
    return 1;
  }
  if (!f.store && !f.activate) return 0;
  storage::ModelVersion m;
  m.version = c.model.version;
  m.bytes = trained.model_bytes;
  m.calibration = trained.calibration_json;
  m.report_json = c.report_json;
  m.note = f.note;
  return StoreModel(config, std::move(m), f.activate && c.gate.passed,
                    training::RegressionGateJson(c.gate));
}

}  // namespace

int RunTrainCommand(int argc, char** argv) {
  Flags f;
  if (int rc = ParseFlags(argc, argv, &f); rc >= 0) return rc;
  Config config;
  std::vector<std::string> errors;
  if (!LoadOfflineConfig(f.offline, &config, &errors)) {
    for (const auto& e : errors) std::cerr << e << "\n";
    return 2;
  }
  if (!f.site.empty()) return TrainSite(f, config);
  if (!f.export_dataset.empty() && !ExportDataset(f)) return 1;
  if (f.output.empty()) return 0;
  return TrainBase(f, config);
}

}  // namespace moderated

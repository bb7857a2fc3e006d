// daemon/cli/train.cc
//
// Phases: read corpora → split → train → evaluate on the held-out split →
// (optionally) the YouTube Spam Collection protocol → write the report.
// Only classifiers/ headers and the standard library are used here.
#include "daemon/cli/commands.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "base/flags.h"
#include "base/progress.h"
#include "base/strings.h"
#include "classifiers/classifier.h"
#include "training/corpus.h"
#include "training/evaluation.h"
#include "classifiers/fasttext_classifier.h"
#include "classifiers/normalizer.h"
#include "training/trainer.h"
#include "daemon/core/embedded.h"
#include "daemon/jobs/model_jobs.h"
#include "storage/store.h"

namespace moderated {
namespace {

namespace cls = ::moderated::classifiers;

constexpr const char* kUsage =
    R"(usage: moderated train [flags]

Trains a fastText model on labelled corpora with the daemon's own
normalisation and tokenisation, evaluates it on a held-out split and writes
a JSON report.

Data (at least one of --preset / --input):
  --preset NAME            youtube, sms, arabic-spam, mpold, osact2020,
                           russian-toxic, or all; repeatable
  --data-dir DIR           where the presets' folders are (default ../shared/data)
  --input FILE             a generic corpus file
  --format csv|tsv|jsonl   its format (default: from the file extension)
  --text-col NAME          text column / key (default text)
  --label-col NAME         label column / key (default label)
  --lang-col NAME          language column / key (optional)
  --group-col NAME         group column / key (optional)
  --language CODE          language when there is no language column (default und)
  --label-map A=L,B=L      map raw label values to spam|abuse|ham
  --no-header              CSV/TSV without header: columns are 0-based indices
  --skip-unknown-labels    skip rows whose label is not mapped

Output:
  --output MODEL           model file to write (.ftz with --quantize, else .bin)
  --report REPORT.json     evaluation report

Training (defaults in brackets):
  --seed N                 [42] split, shuffle and fastText seed
  --validation-fraction F  [0.2] held-out share, by hash of text + seed
  --epochs N [10]  --lr X [0.5]  --dim N [50]  --word-ngrams N [2]
  --minn N [3]  --maxn N [6]  --bucket N [500000]  --min-count N [1]
  --softmax                softmax loss instead of one-vs-all
  --quantize               product-quantise to .ftz
  --cutoff N               [100000] rows kept when quantising (0 = all)
  --retrain                retrain after pruning to --cutoff rows
  --dsub N                 [2] floats per product-quantizer sub-vector
  --qnorm                  quantise row norms separately (fastText's -qnorm;
                           off: on our data it pulled probabilities to 0.5)
  --precision-targets P,.. [0.9,0.95,0.99] precision targets for the
                           recommended per-label thresholds

Learning loop (docs/classifier.md, "Learning loop"):
  --from-db                train on the moderators' labels in the database
                           (plus any --preset as base corpora), evaluate the
                           candidate and the active model on the held-out
                           labels, store the candidate in the database
  --database FILE          [./var/moderated.db] the daemon's database
  --holdout-fraction F     [0.3] labels held out, by comment id + seed
  --site NAME              only this site's labels
  --note TEXT              stored with the model
  --activate-if-better     activate the candidate if it passes the gate
                           (a running daemon loads it on SIGHUP or restart)

Protocols:
  --youtube-protocol       per YouTube video: first 70% of each class (file
                           order = chronological) for training, the rest for
                           testing, one model per video, compared with the
                           published best results
  --help                   this text
)";

struct Flags {
  std::vector<std::string> presets;
  std::string data_dir = "../shared/data";
  std::string input;
  std::string format;
  training::ColumnMapping mapping;
  std::string output;
  std::string report;
  training::TrainOptions train;
  double validation_fraction = 0.2;
  std::vector<double> precision_targets = {0.9, 0.95, 0.99};
  bool youtube_protocol = false;
  bool help = false;
  bool no_header = false;  // --no-header: mapping.has_header = false
  // --from-db
  bool from_db = false;
  bool activate_if_better = false;
  std::string database = "./var/moderated.db";
  double holdout_fraction = 0.3;
  std::string site;
  std::string note;
};

// The combinations of flags that make sense; fills what depends on others.
bool CheckFlags(Flags* f, std::string* error) {
  // Deduplicate presets, keeping order.
  std::vector<std::string> unique;
  for (const std::string& p : f->presets) {
    if (std::find(unique.begin(), unique.end(), p) == unique.end()) unique.push_back(p);
  }
  f->presets = unique;
  if (f->from_db) {
    if (!f->input.empty() || f->youtube_protocol) {
      *error = "--from-db takes --preset base corpora only (no --input, --youtube-protocol)";
      return false;
    }
    return true;
  }
  if (f->activate_if_better) {
    *error = "--activate-if-better needs --from-db";
    return false;
  }
  if (f->presets.empty() && f->input.empty() && !f->youtube_protocol) {
    *error = "no data: give --preset NAME and/or --input FILE (see moderated train --help)";
    return false;
  }
  if (f->output.empty() && !(f->youtube_protocol && f->presets.empty() && f->input.empty())) {
    *error = "--output MODEL is required";
    return false;
  }
  if (f->train.maxn > 0 && f->train.minn > f->train.maxn) {
    *error = "--minn must not exceed --maxn";
    return false;
  }
  if (!f->input.empty()) {
    std::string fmt = f->format;
    if (fmt.empty()) {
      std::string ext = std::filesystem::path(f->input).extension().string();
      fmt = ext.empty() ? "" : ext.substr(1);
    }
    training::CorpusFormat parsed;
    if (!training::ParseCorpusFormat(fmt, &parsed)) {
      *error = "--format: expected csv, tsv or jsonl" +
               (fmt.empty() ? std::string() : ", got '" + fmt + "'");
      return false;
    }
    f->format = fmt;
    f->mapping.source = std::filesystem::path(f->input).stem().string();
  }
  return true;
}

// ---- flag parsing ---------------------------------------------------------------

// --preset NAME|all, repeatable.
base::FlagParser::Setter PresetFlag(std::vector<std::string>* presets) {
  return [presets](const std::string& v, std::string* error) {
    const auto& names = training::PresetNames();
    if (v == "all") {
      presets->insert(presets->end(), names.begin(), names.end());
    } else if (std::find(names.begin(), names.end(), v) != names.end()) {
      presets->push_back(v);
    } else {
      *error = "unknown preset '" + v +
               "' (youtube, sms, arabic-spam, mpold, osact2020, russian-toxic, all)";
      return false;
    }
    return true;
  };
}

// --label-map RAW=spam|abuse|ham,...
base::FlagParser::Setter LabelMapFlag(std::map<std::string, std::string>* label_map) {
  return [label_map](const std::string& v, std::string* error) {
    std::stringstream items(v);
    std::string item;
    while (std::getline(items, item, ',')) {
      size_t eq = item.find('=');
      std::string to = eq == std::string::npos ? "" : item.substr(eq + 1);
      if (eq == std::string::npos || (to != "spam" && to != "abuse" && to != "ham")) {
        *error = "expected RAW=spam|abuse|ham, got '" + item + "'";
        return false;
      }
      (*label_map)[base::AsciiLower(item.substr(0, eq))] = to;
    }
    return true;
  };
}

// --precision-targets P,...: numbers in [0, 1].
base::FlagParser::Setter TargetsFlag(std::vector<double>* targets) {
  return [targets](const std::string& v, std::string* error) {
    targets->clear();
    std::stringstream items(v);
    std::string item;
    while (std::getline(items, item, ',')) {
      double target = 0;
      if (!base::ParseDouble(item, &target) || !(target >= 0.0 && target <= 1.0)) {
        *error = "expected numbers in [0, 1], got '" + item + "'";
        return false;
      }
      targets->push_back(target);
    }
    return true;
  };
}

void DeclareFlags(base::FlagParser& p, Flags* f) {
  training::TrainOptions& t = f->train;
  p.Custom("--preset", PresetFlag(&f->presets))
      .Value("--data-dir", &f->data_dir)
      .Value("--input", &f->input)
      .Value("--format", &f->format)
      .Value("--text-col", &f->mapping.text_column)
      .Value("--label-col", &f->mapping.label_column)
      .Value("--lang-col", &f->mapping.language_column)
      .Value("--group-col", &f->mapping.group_column)
      .Value("--language", &f->mapping.language)
      .Custom("--label-map", LabelMapFlag(&f->mapping.label_map))
      .Switch("--no-header", &f->no_header)
      .Switch("--skip-unknown-labels", &f->mapping.skip_unknown_labels)
      .Value("--output", &f->output)
      .Value("--report", &f->report)
      .Int("--seed", 0, 2147483647L, &t.seed)
      .Int("--epochs", 1, 10000, &t.epochs)
      .Number("--lr", 1e-6, 10.0, &t.learning_rate)
      .Int("--dim", 1, 1000, &t.dim)
      .Int("--word-ngrams", 1, 5, &t.word_ngrams)
      .Int("--minn", 0, 10, &t.minn)
      .Int("--maxn", 0, 10, &t.maxn)
      .Int("--bucket", 1, 20000000, &t.bucket)
      .Int("--min-count", 1, 1000000, &t.min_count)
      .Switch("--softmax", &t.softmax)
      .Switch("--quantize", &t.quantize)
      .Int("--dsub", 1, 64, &t.dsub)
      .Switch("--qnorm", &t.qnorm)
      .Switch("--retrain", &t.retrain)
      .Int("--cutoff", 0, 100000000, &t.cutoff)
      .Number("--validation-fraction", 0.0, 0.9, &f->validation_fraction)
      .Custom("--precision-targets", TargetsFlag(&f->precision_targets))
      .Switch("--youtube-protocol", &f->youtube_protocol)
      .Switch("--from-db", &f->from_db)
      .Switch("--activate-if-better", &f->activate_if_better)
      .Value("--database", &f->database)
      .Number("--holdout-fraction", 0.05, 0.9, &f->holdout_fraction)
      .Value("--site", &f->site)
      .Value("--note", &f->note);
}

// Parses argv into *f. False with *error set to one line (without the
// command's name) on a usage error.
bool ParseFlags(int argc, char** argv, Flags* f, std::string* error) {
  base::FlagParser parser("moderated train");
  DeclareFlags(parser, f);
  switch (parser.Parse(argc, argv, 1, error)) {
    case base::FlagParser::Result::kHelp: f->help = true; return true;
    case base::FlagParser::Result::kError:
      error->erase(0, std::string_view("moderated train: ").size());
      return false;
    case base::FlagParser::Result::kOk: break;
  }
  if (f->no_header) f->mapping.has_header = false;
  return CheckFlags(f, error);
}

// ---- output helpers ---------------------------------------------------------------

std::string Percent(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.2f", 100.0 * v);
  return buf;
}

std::string Fixed(double v, int digits) {
  if (!std::isfinite(v)) return "n/a";
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.*f", digits, v);
  return buf;
}

// Binary view of one label over `items` at `threshold`.
training::BinaryCounts LabelCounts(const std::vector<training::EvalItem>& items, const std::string& label,
                              double threshold) {
  std::vector<double> scores;
  std::vector<bool> positive;
  for (const training::EvalItem& item : items) {
    double s = 0;
    for (const cls::LabelScore& ls : item.scores) {
      if (ls.label == label) s = ls.probability;
    }
    scores.push_back(s);
    positive.push_back(std::find(item.gold.begin(), item.gold.end(), label) != item.gold.end());
  }
  return training::CountAtThreshold(scores, positive, threshold);
}

// Mean of the F1 of "label" and of "not label".
double BinaryMacroF1(const training::BinaryCounts& c) {
  training::BinaryCounts negative{c.tn, c.fn, c.fp, c.tp};
  return (c.F1() + negative.F1()) / 2.0;
}

// ---- YouTube protocol -----------------------------------------------------------

struct VideoResult {
  std::string video;
  int64_t train = 0, test = 0;
  double accuracy = 0, f1 = 0, mcc = 0;
  double published_accuracy = 0, published_f1 = 0, published_mcc = 0;
};

bool RunYoutubeProtocol(const Flags& flags, const std::vector<training::Example>& youtube,
                        base::Progress& progress, std::vector<VideoResult>* results, std::string* error) {
  // Published best per video (the first author's experiment code; see
  // ../shared/data/youtube-spam-collection/SOURCE.md).
  struct Published {
    const char* video;
    double accuracy, f1, mcc;
  };
  static const Published kPublished[] = {{"Psy", 96.23, 0.962, 0.925},
                                         {"KatyPerry", 94.34, 0.940, 0.893},
                                         {"LMFAO", 97.73, 0.978, 0.955},
                                         {"Eminem", 97.78, 0.980, 0.955},
                                         {"Shakira", 96.43, 0.964, 0.931}};
  std::string dir = std::filesystem::temp_directory_path().string();
  for (const Published& pub : kPublished) {
    std::vector<training::Example> spam, ham;
    for (const training::Example& e : youtube) {
      if (e.group != pub.video) continue;
      (e.labels[0] == "spam" ? spam : ham).push_back(e);
    }
    std::vector<training::Example> train, test;
    for (const auto* cls_examples : {&spam, &ham}) {
      size_t cut = cls_examples->size() * 7 / 10;  // floor(0.7 n), oldest first
      for (size_t i = 0; i < cls_examples->size(); ++i) {
        (i < cut ? train : test).push_back((*cls_examples)[i]);
      }
    }
    std::string model_path =
        dir + "/moderated-youtube-" + pub.video + "-" + std::to_string(::getpid()) + ".bin";
    training::TrainOptions options = flags.train;
    options.quantize = false;  // small per-video models: quantisation only adds noise
    bool trained = training::TrainFastTextModel(train, options, model_path, nullptr, error);
    std::unique_ptr<const cls::Classifier> model;
    if (trained) model = cls::LoadFastTextClassifier(model_path, error);
    std::filesystem::remove(model_path);
    if (!model) {
      *error = std::string("youtube protocol, ") + pub.video + ": " + *error;
      return false;
    }
    std::vector<training::EvalItem> items = training::ScoreExamples(*model, test);
    // Spam vs ham decided by the larger probability, as a 2-class classifier would.
    int64_t tp = 0, fp = 0, fn = 0, tn = 0;
    for (const training::EvalItem& item : items) {
      double s = 0, h = 0;
      for (const cls::LabelScore& ls : item.scores) {
        if (ls.label == "spam") s = ls.probability;
        if (ls.label == "ham") h = ls.probability;
      }
      bool predicted_spam = s > h;
      bool gold_spam = item.gold[0] == "spam";
      if (predicted_spam && gold_spam)
        ++tp;
      else if (predicted_spam)
        ++fp;
      else if (gold_spam)
        ++fn;
      else
        ++tn;
    }
    training::BinaryCounts c{tp, fp, fn, tn};
    VideoResult r;
    r.video = pub.video;
    r.train = static_cast<int64_t>(train.size());
    r.test = static_cast<int64_t>(test.size());
    r.accuracy = c.Accuracy();
    r.f1 = c.F1();
    r.mcc = c.Mcc();
    r.published_accuracy = pub.accuracy;
    r.published_f1 = pub.f1;
    r.published_mcc = pub.mcc;
    results->push_back(r);
    progress.Line(std::string("youtube protocol: ") + pub.video + " accuracy " +
                  Percent(r.accuracy) + "%");
  }
  return true;
}

// ---- --from-db: the learning loop against a database file ----------------------

bool WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
  out.close();
  return static_cast<bool>(out);
}

int RunFromDb(const Flags& flags) {
  std::string error;
  auto store =
      storage::Store::Open(flags.database, storage::Store::OpenMode::kReadWrite, &error);
  if (!store) {
    std::fprintf(stderr, "moderated train: %s\n", error.c_str());
    return 1;
  }
  // The model to beat: the active stored one, else the embedded default.
  std::shared_ptr<const cls::Classifier> current;
  std::string current_source = "embedded";
  int64_t current_id = 0;
  storage::ModelVersion active;
  if (!store->ActiveModel(&active)) {
    current = cls::LoadFastTextClassifierFromMemory(
        active.bytes, "model " + std::to_string(active.id), &error);
    if (!current) {
      std::fprintf(stderr, "moderated train: the active model does not load: %s\n",
                   error.c_str());
      return 1;
    }
    current_source = "database:" + std::to_string(active.id);
    current_id = active.id;
  } else {
    current = cls::LoadFastTextClassifierFromMemory(
        EmbeddedDefaultModel(), "<embedded>/classifiers/models/default.ftz", &error);
    if (!current) {
      std::fprintf(stderr, "moderated train: %s\n", error.c_str());
      return 1;
    }
  }
  LearnRequest request;
  request.base_presets = flags.presets;
  request.base = flags.presets.empty() ? "none" : "";
  for (const std::string& p : flags.presets) request.base += (request.base.empty() ? "" : ",") + p;
  request.data_dir = flags.data_dir;
  request.holdout_fraction = flags.holdout_fraction;
  request.seed = flags.train.seed;
  request.note = flags.note;
  request.site = flags.site;
  request.epochs = flags.train.epochs;
  request.author = "cli:train";
  base::Progress progress(stdout);
  LearnOutcome outcome;
  if (!TrainCandidate(
          flags.database, request, *current, current_source,
          [&progress](std::string_view phase, double) { progress.Line(std::string(phase)); },
          &outcome, &error)) {
    std::fprintf(stderr, "moderated train: %s\n", error.c_str());
    return 1;
  }
  if (!flags.output.empty() && !WriteFile(flags.output, outcome.model_bytes)) {
    std::fprintf(stderr, "moderated train: %s: cannot write the model\n", flags.output.c_str());
    return 1;
  }
  if (!flags.report.empty() && !WriteFile(flags.report, outcome.report_json + "\n")) {
    std::fprintf(stderr, "moderated train: %s: cannot write the report\n", flags.report.c_str());
    return 1;
  }
  const int64_t now = static_cast<int64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::system_clock::now().time_since_epoch())
          .count());
  storage::ModelVersion m;
  m.version = outcome.version;
  m.bytes = outcome.model_bytes;
  m.report_json = outcome.report_json;
  m.author = request.author;
  m.note = request.note;
  m.created_at_ms = now;
  int64_t id = 0;
  const bool activate = flags.activate_if_better && outcome.gate.passed;
  storage::AuditEntry train;
  train.at_ms = now;
  train.actor = request.author;
  train.action = "model.train";
  std::error_code store_ec = store->AddModel(m, &id);
  if (!store_ec) {
    train.target = "model:" + std::to_string(id);
    train.after_json = "{\"model\": " + std::to_string(id) + ", \"version\": \"" +
                       outcome.version + "\", \"activated\": " + (activate ? "true" : "false") +
                       ", \"gate\": " + GateJson(outcome.gate) + "}";
    store_ec = store->AppendAudit(train);
  }
  if (store_ec) {
    std::fprintf(stderr, "moderated train: %s: cannot store the model: %s\n",
                 flags.database.c_str(), store->LastErrorMessage().c_str());
    return 1;
  }
  if (activate) {
    storage::AuditEntry act;
    act.at_ms = now;
    act.actor = request.author;
    act.action = "model.activate";
    act.target = "model:" + std::to_string(id);
    act.before_json = "{\"model\": " + (current_id ? std::to_string(current_id) : "null") +
                      ", \"version\": \"" + current->version() + "\"}";
    act.after_json = "{\"model\": " + std::to_string(id) + ", \"version\": \"" +
                     outcome.version + "\"}";
    if (store->ActivateModel(id, &act)) {
      std::fprintf(stderr, "moderated train: %s: cannot activate model %lld: %s\n",
                   flags.database.c_str(), static_cast<long long>(id),
                   store->LastErrorMessage().c_str());
      return 1;
    }
  }
  std::printf("model %lld (%s, %zu bytes) stored in %s\n", static_cast<long long>(id),
              outcome.version.c_str(), outcome.model_bytes.size(), flags.database.c_str());
  std::printf("gate: %s: %s\n", outcome.gate.passed ? "passed" : "refused",
              outcome.gate.reason.c_str());
  if (activate) {
    std::printf("activated model %lld (a running daemon loads it on SIGHUP or restart)\n",
                static_cast<long long>(id));
  } else {
    std::printf("not activated; still active: %s\n", current_source.c_str());
  }
  return 0;
}

// ---- the command ----------------------------------------------------------------

int Run(int argc, char** argv) {
  Flags flags;
  std::string error;
  if (!ParseFlags(argc, argv, &flags, &error)) {
    std::fprintf(stderr, "moderated train: %s\n", error.c_str());
    return 2;
  }
  if (flags.help) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (flags.from_db) return RunFromDb(flags);
  base::Progress progress(stdout);
  std::string command = "moderated";
  for (int i = 0; i < argc; ++i) command += std::string(" ") + argv[i];

  // Phase 1: read.
  bool need_presets = !flags.presets.empty() || flags.youtube_protocol;
  if (need_presets && !std::filesystem::is_directory(flags.data_dir)) {
    std::fprintf(stderr, "moderated train: data directory '%s' not found (give --data-dir DIR)\n",
                 flags.data_dir.c_str());
    return 1;
  }
  std::vector<training::Example> examples;
  for (const std::string& preset : flags.presets) {
    size_t before = examples.size();
    if (!training::ReadPreset(preset, flags.data_dir, &examples, &error)) {
      std::fprintf(stderr, "moderated train: %s\n", error.c_str());
      return 1;
    }
    progress.Line("read " + preset + ": " + std::to_string(examples.size() - before) + " examples");
  }
  if (!flags.input.empty()) {
    training::CorpusFormat format;
    training::ParseCorpusFormat(flags.format, &format);
    int skipped = 0;
    size_t before = examples.size();
    if (!training::ReadCorpusFile(flags.input, format, flags.mapping, &examples, &skipped, &error)) {
      std::fprintf(stderr, "moderated train: %s\n", error.c_str());
      return 1;
    }
    progress.Line("read " + flags.input + ": " + std::to_string(examples.size() - before) +
                  " examples, " + std::to_string(skipped) + " skipped");
  }
  double read_seconds = progress.Seconds();

  std::vector<VideoResult> youtube_results;
  if (flags.youtube_protocol) {
    std::vector<training::Example> youtube;
    for (const training::Example& e : examples) {
      if (e.source == "youtube") youtube.push_back(e);
    }
    if (youtube.empty() && !training::ReadPreset("youtube", flags.data_dir, &youtube, &error)) {
      std::fprintf(stderr, "moderated train: %s\n", error.c_str());
      return 1;
    }
    if (!RunYoutubeProtocol(flags, youtube, progress, &youtube_results, &error)) {
      std::fprintf(stderr, "moderated train: %s\n", error.c_str());
      return 1;
    }
  }
  double youtube_seconds = progress.Seconds() - read_seconds;

  // Phase 2: split.
  std::vector<training::Example> train, validation;
  const uint64_t cut = static_cast<uint64_t>(flags.validation_fraction * 1000000.0);
  for (training::Example& e : examples) {
    bool held_out;
    if (e.split == "test")
      held_out = true;
    else if (e.split == "train")
      held_out = false;
    else
      held_out = training::HashText(e.text, flags.train.seed) % 1000000 < cut;
    (held_out ? validation : train).push_back(std::move(e));
  }
  examples.clear();
  examples.shrink_to_fit();

  double train_seconds = 0, eval_seconds = 0;
  std::string model_version;
  uint64_t model_bytes = 0;
  training::TrainStats stats;
  training::EvaluationReport overall;
  std::map<std::string, training::EvaluationReport> by_language, by_source;
  std::map<std::string, double> tasks;
  training::RecommendedThresholds recommended;
  std::map<std::string, std::map<std::string, int64_t>>
      counts;  // source → "train"/"validation"/label

  if (!train.empty() || !validation.empty()) {
    for (const training::Example& e : train) {
      counts[e.source]["train"]++;
      counts[e.source]["train_" + e.labels[0]]++;
    }
    for (const training::Example& e : validation) {
      counts[e.source]["validation"]++;
      counts[e.source]["validation_" + e.labels[0]]++;
    }
    progress.Line("split: " + std::to_string(train.size()) + " train, " +
                  std::to_string(validation.size()) + " validation");

    // Phase 3: train.
    double t0 = progress.Seconds();
    if (!training::TrainFastTextModel(train, flags.train, flags.output, &stats, &error)) {
      std::fprintf(stderr, "moderated train: %s\n", error.c_str());
      return 1;
    }
    train_seconds = progress.Seconds() - t0;
    progress.Line("trained " + flags.output + ": " + std::to_string(stats.model_bytes) +
                  " bytes, " + std::to_string(stats.words) + " words, " + Fixed(train_seconds, 1) +
                  "s");

    // Phase 4: evaluate the file just written, exactly as the daemon loads it.
    t0 = progress.Seconds();
    std::unique_ptr<const cls::Classifier> model =
        cls::LoadFastTextClassifier(flags.output, &error);
    if (!model) {
      std::fprintf(stderr, "moderated train: the trained model does not load: %s\n", error.c_str());
      return 1;
    }
    model_version = model->version();
    model_bytes = stats.model_bytes;
    std::vector<training::EvalItem> items = training::ScoreExamples(*model, validation);
    std::vector<std::string> labels;
    for (const cls::LabelScore& ls : model->Predict("").labels) labels.push_back(ls.label);
    overall = training::Evaluate(items, labels, {});
    by_language = training::EvaluateByLanguage(items, labels, {});
    std::map<std::string, std::vector<training::EvalItem>> per_source;
    for (const training::EvalItem& item : items) per_source[item.source].push_back(item);
    for (const auto& [source, subset] : per_source)
      by_source[source] = training::Evaluate(subset, labels, {});

    // Headline task metrics at the default 0.5 threshold.
    auto source_items = [&](const std::string& s) -> const std::vector<training::EvalItem>* {
      auto it = per_source.find(s);
      return it == per_source.end() ? nullptr : &it->second;
    };
    if (auto* s = source_items("sms")) tasks["sms_spam_f1"] = LabelCounts(*s, "spam", 0.5).F1();
    if (auto* s = source_items("youtube"))
      tasks["youtube_spam_f1"] = LabelCounts(*s, "spam", 0.5).F1();
    if (auto* s = source_items("arabic-spam"))
      tasks["arabic_spam_recall"] = LabelCounts(*s, "spam", 0.5).Recall();
    if (auto* s = source_items("mpold"))
      tasks["mpold_offensive_f1"] = LabelCounts(*s, "abuse", 0.5).F1();
    if (auto* s = source_items("russian-toxic"))
      tasks["russian_toxic_f1"] = LabelCounts(*s, "abuse", 0.5).F1();
    if (auto* s = source_items("osact2020")) {
      training::BinaryCounts c = LabelCounts(*s, "abuse", 0.5);
      tasks["osact2020_dev_offensive_f1"] = c.F1();
      tasks["osact2020_dev_macro_f1"] = BinaryMacroF1(c);
    }
    recommended = training::RecommendThresholds(items, labels, flags.precision_targets);
    eval_seconds = progress.Seconds() - t0;
    progress.Line("evaluated " + std::to_string(items.size()) + " validation examples");
  }

  // Phase 5: report.
  if (!flags.report.empty()) {
    training::JsonWriter j;
    j.BeginObject();
    j.Key("command").String(command);
    j.Key("normalizer_version").Int(cls::kNormalizerVersion);
    if (!flags.output.empty()) {
      j.Key("model").BeginObject();
      j.Key("path").String(flags.output);
      j.Key("version").String(model_version);
      j.Key("bytes").Int(static_cast<int64_t>(model_bytes));
      j.Key("words").Int(stats.words);
      j.Key("labels").Int(stats.labels);
      j.Key("quantized").Bool(flags.train.quantize);
      j.EndObject();
    }
    j.Key("options").BeginObject();
    j.Key("seed").Int(flags.train.seed);
    j.Key("validation_fraction").Number(flags.validation_fraction);
    j.Key("epochs").Int(flags.train.epochs);
    j.Key("lr").Number(flags.train.learning_rate);
    j.Key("dim").Int(flags.train.dim);
    j.Key("word_ngrams").Int(flags.train.word_ngrams);
    j.Key("minn").Int(flags.train.minn);
    j.Key("maxn").Int(flags.train.maxn);
    j.Key("bucket").Int(flags.train.bucket);
    j.Key("min_count").Int(flags.train.min_count);
    j.Key("loss").String(flags.train.softmax ? "softmax" : "ova");
    j.Key("quantize").Bool(flags.train.quantize);
    j.Key("cutoff").Int(static_cast<int64_t>(flags.train.cutoff));
    j.Key("retrain").Bool(flags.train.retrain);
    j.Key("dsub").Int(flags.train.dsub);
    j.Key("qnorm").Bool(flags.train.qnorm);
    j.EndObject();
    j.Key("data").BeginObject();
    for (const auto& [source, c] : counts) {
      j.Key(source).BeginObject();
      for (const auto& [k, v] : c) j.Key(k).Int(v);
      j.EndObject();
    }
    j.EndObject();
    j.Key("seconds").BeginObject();
    j.Key("read").Number(std::round(read_seconds * 10) / 10);
    j.Key("youtube_protocol").Number(std::round(youtube_seconds * 10) / 10);
    j.Key("train").Number(std::round(train_seconds * 10) / 10);
    j.Key("evaluate").Number(std::round(eval_seconds * 10) / 10);
    j.EndObject();
    if (overall.examples > 0) {
      j.Key("tasks").BeginObject();
      for (const auto& [k, v] : tasks) j.Key(k).Number(v);
      j.EndObject();
      j.Key("validation");
      training::WriteReportJson(overall, j);
      j.Key("validation_by_language").BeginObject();
      for (const auto& [lang, r] : by_language) {
        j.Key(lang);
        training::WriteReportJson(r, j);
      }
      j.EndObject();
      j.Key("validation_by_source").BeginObject();
      for (const auto& [source, r] : by_source) {
        j.Key(source);
        training::WriteReportJson(r, j);
      }
      j.EndObject();
      // Smallest threshold reaching each precision target on the
      // validation split; null when no threshold reaches it.
      j.Key("recommended_thresholds");
      training::WriteRecommendedThresholdsJson(recommended, j);
    }
    if (!youtube_results.empty()) {
      j.Key("youtube_protocol").BeginArray();
      for (const VideoResult& r : youtube_results) {
        j.BeginObject();
        j.Key("video").String(r.video);
        j.Key("train").Int(r.train);
        j.Key("test").Int(r.test);
        j.Key("accuracy").Number(r.accuracy);
        j.Key("f1").Number(r.f1);
        j.Key("mcc").Number(r.mcc);
        j.Key("published_best_accuracy").Number(r.published_accuracy / 100.0);
        j.Key("published_best_f1").Number(r.published_f1);
        j.Key("published_best_mcc").Number(r.published_mcc);
        j.EndObject();
      }
      j.EndArray();
    }
    j.EndObject();
    std::ofstream out(flags.report, std::ios::binary | std::ios::trunc);
    out << j.str() << '\n';
    out.close();
    if (!out) {
      std::fprintf(stderr, "moderated train: %s: cannot write the report\n", flags.report.c_str());
      return 1;
    }
  }

  // Final summary (always printed).
  if (!flags.output.empty() && overall.examples == 0) {
    std::printf(
        "model %s (%s, %llu bytes) trained on %zu examples in %.1fs; no validation examples\n",
        flags.output.c_str(), model_version.c_str(), static_cast<unsigned long long>(model_bytes),
        train.size(), train_seconds);
  }
  if (overall.examples > 0) {
    std::printf("model %s (%s, %llu bytes) trained on %zu examples in %.1fs\n",
                flags.output.c_str(), model_version.c_str(),
                static_cast<unsigned long long>(model_bytes), train.size(), train_seconds);
    std::printf("validation (%lld examples): accuracy %s%%, macro-F1 %s, MCC %s\n",
                static_cast<long long>(overall.examples), Percent(overall.accuracy).c_str(),
                Fixed(overall.macro_f1, 3).c_str(), Fixed(overall.mcc, 3).c_str());
    for (const training::LabelMetrics& m : overall.per_label) {
      std::printf("  %-6s P %s R %s F1 %s AUC %s (n=%lld)\n", m.label.c_str(),
                  Fixed(m.precision, 3).c_str(), Fixed(m.recall, 3).c_str(), Fixed(m.f1, 3).c_str(),
                  Fixed(m.roc_auc, 3).c_str(), static_cast<long long>(m.support));
    }
    for (const auto& [k, v] : tasks) std::printf("  %-28s %s\n", k.c_str(), Fixed(v, 3).c_str());
  }
  if (!youtube_results.empty()) {
    std::printf("YouTube protocol (per video, 70/30 chronological per class):\n");
    std::printf("  %-10s %5s %5s  %8s %6s %6s   %s\n", "video", "train", "test", "acc%", "F1",
                "MCC", "published best acc% / F1 / MCC");
    for (const VideoResult& r : youtube_results) {
      std::printf("  %-10s %5lld %5lld  %8s %6s %6s   %.2f / %.3f / %.3f\n", r.video.c_str(),
                  static_cast<long long>(r.train), static_cast<long long>(r.test),
                  Percent(r.accuracy).c_str(), Fixed(r.f1, 3).c_str(), Fixed(r.mcc, 3).c_str(),
                  r.published_accuracy, r.published_f1, r.published_mcc);
    }
  }
  if (!flags.report.empty()) std::printf("report written to %s\n", flags.report.c_str());
  return 0;
}

}  // namespace

int RunTrainCommand(int argc, char** argv) {
  try {
    return Run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "moderated train: %s\n", e.what());
  } catch (...) {
    std::fprintf(stderr, "moderated train: unexpected error\n");
  }
  return 1;
}

}  // namespace moderated

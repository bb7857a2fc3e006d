// daemon/jobs/model_jobs.cc
//
// The learning loop: data from the database and corpora → candidate →
// evaluation of candidate and running model on the same held-out labels →
// gate → (daemon) store, audit, activate and swap in one writer task.
#include "daemon/jobs/model_jobs.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <future>
#include <set>
#include <sstream>

#include "base/files.h"
#include "training/corpus.h"
#include "training/evaluation.h"
#include "classifiers/fasttext_classifier.h"
#include "classifiers/normalizer.h"
#include "training/trainer.h"
#include "daemon/core/decision_writer.h"
#include "daemon/core/embedded.h"
#include "daemon/core/engine.h"
#include "base/time.h"
#include "daemon/core/log.h"
#include "daemon/core/metrics.h"

namespace moderated {
namespace {

namespace cls = ::moderated::classifiers;

// Held out iff a hash of (comment id, seed) falls below the fraction: the
// same comment stays on the same side as labels accumulate.
constexpr size_t kQuantizeFrom = 20000;  // training examples

bool HeldOut(int64_t comment_id, uint32_t seed, double fraction) {
  const uint64_t h = training::SplitMix64(static_cast<uint64_t>(comment_id) ^ training::SplitMix64(seed));
  return h % 1000000 < static_cast<uint64_t>(fraction * 1000000.0);
}

void WriteEvaluation(training::JsonWriter& j, const std::string& version, const std::string& source,
                     const training::EvaluationReport& overall,
                     const std::map<std::string, training::EvaluationReport>& by_language) {
  j.BeginObject();
  j.Key("version").String(version);
  j.Key("source").String(source);
  j.Key("holdout");
  training::WriteReportJson(overall, j);
  j.Key("holdout_by_language").BeginObject();
  for (const auto& [lang, r] : by_language) {
    j.Key(lang);
    training::WriteReportJson(r, j);
  }
  j.EndObject();
  j.EndObject();
}

void WriteGate(training::JsonWriter& j, const GateResult& g) {
  j.BeginObject();
  j.Key("passed").Bool(g.passed);
  j.Key("metric").String("macro_f1");
  j.Key("candidate").Number(g.candidate);
  j.Key("current").Number(g.current);
  j.Key("tolerance").Number(g.tolerance);
  j.Key("holdout_examples").Int(g.holdout);
  j.Key("labels").BeginArray();
  for (const auto& l : g.labels) j.String(l);
  j.EndArray();
  j.Key("reason").String(g.reason);
  j.EndObject();
}

std::string Fixed3(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.3f", v);
  return buf;
}

}  // namespace

std::string GateJson(const GateResult& gate) {
  training::JsonWriter j;
  WriteGate(j, gate);
  return j.str();
}

bool TrainCandidate(const std::string& database, const LearnRequest& request,
                    const classifiers::Classifier& current, const std::string& current_source,
                    const LearnProgress& progress, LearnOutcome* out, std::string* error) {
  auto t_start = std::chrono::steady_clock::now();
  auto seconds = [&t_start] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();
  };
  auto report = [&](std::string_view phase, double p) {
    if (progress) progress(phase, p);
  };

  // 1. The labels.
  report("reading labels", 0.02);
  std::vector<training::Example> site_train, holdout;
  std::map<std::string, int64_t> label_counts, holdout_counts;
  {
    std::string open_error;
    auto store = storage::Store::Open(database, storage::Store::OpenMode::kReadOnly, &open_error);
    if (!store) {
      *error = open_error;
      return false;
    }
    std::error_code ec = store->ScanLabelledComments(0, [&](const storage::LabelledComment& c) {
      if (!request.site.empty() && c.site != request.site) return true;
      training::Example e;
      e.text = c.content;
      e.labels = {c.label};
      e.language = c.language.empty() ? "und" : c.language;
      e.source = "labels";
      label_counts[c.label]++;
      if (HeldOut(c.comment_id, request.seed, request.holdout_fraction)) {
        holdout_counts[c.label]++;
        holdout.push_back(std::move(e));
      } else {
        site_train.push_back(std::move(e));
      }
      return true;
    });
    if (ec) {
      *error = database + ": cannot read labels: " + store->LastErrorMessage();
      return false;
    }
  }
  const double read_labels_seconds = seconds();

  // 2. The base corpora.
  report("reading base corpora", 0.08);
  std::vector<training::Example> train;
  std::map<std::string, int64_t> base_counts;
  std::string base_note;
  if (!request.base_presets.empty()) {
    if (request.data_dir.empty() || !std::filesystem::is_directory(request.data_dir)) {
      base_note = "data directory '" + request.data_dir +
                  "' not found: trained on the site's labels alone";
    } else {
      for (const std::string& preset : request.base_presets) {
        size_t before = train.size();
        if (!training::ReadPreset(preset, request.data_dir, &train, error)) return false;
        base_counts[preset] = static_cast<int64_t>(train.size() - before);
      }
    }
  } else {
    base_note = "base none: trained on the site's labels alone";
  }
  const int64_t base_examples = static_cast<int64_t>(train.size());
  for (training::Example& e : site_train) train.push_back(e);
  if (train.empty()) {
    *error = "no training data: no labelled comments" +
             std::string(request.site.empty() ? "" : " of site '" + request.site + "'") +
             " outside the held-out part and no base corpora";
    return false;
  }
  const double read_base_seconds = seconds() - read_labels_seconds;

  // 3. Train (quantised: the model is stored in the database).
  report("training", 0.15);
  training::TrainOptions options;
  options.seed = request.seed;
  // Large data (base corpora): quantised like the default model. Small data
  // (a site's labels alone): dense with 20,000 hash buckets, a few MB, and
  // no product quantisation (which dominated the time: ~45 s vs ~1 s).
  options.quantize = train.size() >= kQuantizeFrom;
  if (!options.quantize) options.bucket = 20000;
  if (request.epochs > 0) options.epochs = request.epochs;
  std::string temp = (std::filesystem::temp_directory_path() /
                      ("moderated-candidate-" + std::to_string(::getpid()) + "-" +
                       std::to_string(reinterpret_cast<uintptr_t>(&options)) + ".ftz"))
                         .string();
  training::TrainStats stats;
  const double t_train = seconds();
  bool trained = training::TrainFastTextModel(train, options, temp, &stats, error);
  if (trained) trained = base::ReadFile(temp, &out->model_bytes, error);
  std::error_code rm_ec;
  std::filesystem::remove(temp, rm_ec);
  if (!trained) return false;
  const double train_seconds = seconds() - t_train;

  // 4. Evaluate both on the held-out labels, loaded as the daemon loads it.
  report("evaluating", 0.85);
  auto candidate = cls::LoadFastTextClassifierFromMemory(out->model_bytes, "candidate", error);
  if (!candidate) return false;
  out->version = candidate->version();
  std::vector<training::EvalItem> cand_items = training::ScoreExamples(*candidate, holdout);
  std::vector<training::EvalItem> cur_items = training::ScoreExamples(current, holdout);
  std::vector<std::string> labels;
  for (const auto& [label, n] : holdout_counts) labels.push_back(label);  // sorted
  training::EvaluationReport cand_report = training::Evaluate(cand_items, labels, {});
  training::EvaluationReport cur_report = training::Evaluate(cur_items, labels, {});
  auto cand_by_lang = training::EvaluateByLanguage(cand_items, labels, {});
  auto cur_by_lang = training::EvaluateByLanguage(cur_items, labels, {});

  GateResult& g = out->gate;
  g.holdout = static_cast<int64_t>(holdout.size());
  g.labels = labels;
  g.candidate = cand_report.macro_f1;
  g.current = cur_report.macro_f1;
  if (g.holdout < kMinHoldout) {
    g.passed = false;
    g.reason = "too few held-out labels (" + std::to_string(g.holdout) + " < " +
               std::to_string(kMinHoldout) + "): the candidate cannot be compared";
  } else if (g.candidate >= g.current - g.tolerance) {
    g.passed = true;
    g.reason = "candidate macro-F1 " + Fixed3(g.candidate) + " >= current " + Fixed3(g.current) +
               " - " + Fixed3(g.tolerance) + " on " + std::to_string(g.holdout) +
               " held-out labels";
  } else {
    g.passed = false;
    g.reason = "candidate macro-F1 " + Fixed3(g.candidate) + " < current " + Fixed3(g.current) +
               " - " + Fixed3(g.tolerance) + " on " + std::to_string(g.holdout) +
               " held-out labels";
  }
  std::vector<std::string> missing;  // labels the running model knows and the candidate not
  std::set<std::string> known;
  for (const auto& ls : candidate->Predict("").labels) known.insert(ls.label);
  for (const auto& ls : current.Predict("").labels) {
    if (known.count(ls.label) == 0) missing.push_back(ls.label);
  }

  // Thresholds on the held-out labels (docs/classifier.md: smallest
  // threshold whose precision reaches the target).
  const training::RecommendedThresholds recommended =
      training::RecommendThresholds(cand_items, labels, {0.9, 0.95, 0.99});
  report("storing", 0.95);

  // 5. The report.
  training::JsonWriter j;
  j.BeginObject();
  j.Key("kind").String("learning-loop");
  j.Key("normalizer_version").Int(cls::kNormalizerVersion);
  j.Key("request").BeginObject();
  j.Key("base").String(request.base);
  j.Key("data_dir").String(request.data_dir);
  j.Key("holdout_fraction").Number(request.holdout_fraction);
  j.Key("seed").Int(request.seed);
  j.Key("site").String(request.site);
  j.Key("epochs").Int(options.epochs);
  j.Key("note").String(request.note);
  j.EndObject();
  j.Key("data").BeginObject();
  j.Key("labels").Int(static_cast<int64_t>(site_train.size() + holdout.size()));
  j.Key("labels_by_label").BeginObject();
  for (const auto& [k, v] : label_counts) j.Key(k).Int(v);
  j.EndObject();
  j.Key("labels_train").Int(static_cast<int64_t>(site_train.size()));
  j.Key("labels_holdout").Int(static_cast<int64_t>(holdout.size()));
  j.Key("holdout_by_label").BeginObject();
  for (const auto& [k, v] : holdout_counts) j.Key(k).Int(v);
  j.EndObject();
  j.Key("base_examples").Int(base_examples);
  j.Key("base_by_preset").BeginObject();
  for (const auto& [k, v] : base_counts) j.Key(k).Int(v);
  j.EndObject();
  if (!base_note.empty()) j.Key("note").String(base_note);
  j.EndObject();
  j.Key("model").BeginObject();
  j.Key("version").String(out->version);
  j.Key("bytes").Int(static_cast<int64_t>(out->model_bytes.size()));
  j.Key("words").Int(stats.words);
  j.Key("labels").Int(stats.labels);
  j.Key("trained_examples").Int(stats.examples);
  j.Key("missing_labels").BeginArray();
  for (const auto& l : missing) j.String(l);
  j.EndArray();
  j.EndObject();
  j.Key("candidate");
  WriteEvaluation(j, out->version, "candidate", cand_report, cand_by_lang);
  j.Key("current");
  WriteEvaluation(j, current.version(), current_source, cur_report, cur_by_lang);
  j.Key("gate");
  WriteGate(j, g);
  j.Key("recommended_thresholds");
  training::WriteRecommendedThresholdsJson(recommended, j);
  j.Key("seconds").BeginObject();
  j.Key("read_labels").Number(std::round(read_labels_seconds * 10) / 10);
  j.Key("read_base").Number(std::round(read_base_seconds * 10) / 10);
  j.Key("train").Number(std::round(train_seconds * 10) / 10);
  j.Key("total").Number(std::round(seconds() * 10) / 10);
  j.EndObject();
  j.EndObject();
  out->report_json = j.str();
  return true;
}

// ---- running model ------------------------------------------------------------

std::shared_ptr<const classifiers::Classifier> LoadBaseModel(const Config& config,
                                                             RunningModel* running,
                                                             std::string* error) {
  std::shared_ptr<const classifiers::Classifier> model;
  if (config.model.empty()) {
    model = classifiers::LoadFastTextClassifierFromMemory(
        EmbeddedDefaultModel(), "<embedded>/classifiers/models/default.ftz", error);
    if (model && running) *running = {model->version(), "embedded", 0};
  } else {
    model = classifiers::LoadFastTextClassifier(config.model, error);
    if (model && running) *running = {model->version(), config.model, 0};
  }
  return model;
}

std::shared_ptr<const classifiers::Classifier> LoadStoredModel(const Config& config,
                                                               storage::Store& store,
                                                               RunningModel* running,
                                                               std::string* error) {
  error->clear();
  if (!config.model.empty()) return nullptr;
  storage::ModelVersion m;
  std::error_code ec = store.ActiveModel(&m);
  if (ec == storage::Errc::not_found) return nullptr;
  if (ec) {
    *error = config.database + ": cannot read the active model: " + store.LastErrorMessage();
    return nullptr;
  }
  std::string origin = "model " + std::to_string(m.id) + " in " + config.database;
  std::shared_ptr<const classifiers::Classifier> model =
      classifiers::LoadFastTextClassifierFromMemory(m.bytes, origin, error);
  if (model && running) *running = {model->version(), "database:" + std::to_string(m.id), m.id};
  return model;
}

// ---- ModelJobs ----------------------------------------------------------------

ModelJobs::ModelJobs(const Config& config, EngineHolder& engines, DecisionWriter& writer)
    : config_(config), engines_(engines), writer_(writer) {}

ModelJobs::~ModelJobs() { Stop(); }

bool ModelJobs::Start(LearnRequest request, const std::string& actor, int64_t* id,
                      int64_t* running_id) {
  std::lock_guard lock(mu_);
  if (running_ != 0 || stopping_) {
    *running_id = running_;
    return false;
  }
  if (thread_.joinable()) thread_.join();  // the previous job's thread has finished
  ModelJob job;
  job.id = next_id_++;
  job.actor = actor;
  job.started_at_ms = base::NowMs();
  job.request = request;
  jobs_[job.id] = job;
  running_ = job.id;
  *id = job.id;
  thread_ = std::thread([this, jid = job.id, request = std::move(request), actor] {
    Run(jid, request, actor);
  });
  return true;
}

std::optional<ModelJob> ModelJobs::Get(int64_t id) const {
  std::lock_guard lock(mu_);
  auto it = jobs_.find(id);
  if (it == jobs_.end()) return std::nullopt;
  return it->second;
}

std::vector<ModelJob> ModelJobs::List() const {
  std::lock_guard lock(mu_);
  std::vector<ModelJob> out;
  for (auto it = jobs_.rbegin(); it != jobs_.rend(); ++it) out.push_back(it->second);
  return out;
}

void ModelJobs::Stop() {
  std::thread t;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    if (running_ != 0) {
      Log(LogLevel::kInfo, "model_training_wait", {{"job", std::to_string(running_)}});
    }
    t = std::move(thread_);
  }
  if (t.joinable()) t.join();
}

void ModelJobs::Update(int64_t id, const std::function<void(ModelJob&)>& fn) {
  std::lock_guard lock(mu_);
  auto it = jobs_.find(id);
  if (it != jobs_.end()) fn(it->second);
}

void ModelJobs::Run(int64_t id, LearnRequest request, std::string actor) {
  auto fail = [&](const std::string& error) {
    Log(LogLevel::kError, "model_training_failed", {{"job", std::to_string(id)}, {"error", error}});
    std::lock_guard lock(mu_);
    ModelJob& job = jobs_[id];
    job.status = "failed";
    job.error = error;
    job.finished_at_ms = base::NowMs();
    running_ = 0;
  };
  try {
    auto engine = engines_.Current();
    const RunningModel running = engine->running_model();
    Log(LogLevel::kInfo, "model_training_started",
        {{"job", std::to_string(id)}, {"base", request.base}, {"actor", actor}});
    LearnOutcome outcome;
    std::string error;
    bool ok = TrainCandidate(
        config_.database, request, engine->classifier(), running.source,
        [this, id](std::string_view phase, double p) {
          Update(id, [&](ModelJob& j) {
            j.phase = std::string(phase);
            j.progress = p;
          });
        },
        &outcome, &error);
    if (!ok) return fail(error);
    {
      std::lock_guard lock(mu_);
      if (stopping_) {
        running_ = 0;
        jobs_[id].status = "failed";
        jobs_[id].error = "the daemon is stopping";
        return;
      }
    }
    std::string load_error;
    std::shared_ptr<const classifiers::Classifier> candidate =
        classifiers::LoadFastTextClassifierFromMemory(outcome.model_bytes, "candidate",
                                                      &load_error);
    if (!candidate) return fail(load_error);

    // One writer task: store, audit, (activate + audit + swap).
    struct Stored {
      std::error_code ec;
      std::string message;
      int64_t model_id = 0;
      bool activated = false;
    };
    auto promise = std::make_shared<std::promise<Stored>>();
    std::future<Stored> future = promise->get_future();
    const Config& config = config_;
    EngineHolder& engines = engines_;
    bool posted = writer_.Post([&, promise, candidate](storage::Store& store) {
      Stored st;
      const int64_t now = base::NowMs();
      storage::ModelVersion m;
      m.version = outcome.version;
      m.bytes = outcome.model_bytes;
      m.report_json = outcome.report_json;
      m.author = actor;
      m.note = request.note;
      m.created_at_ms = now;
      if ((st.ec = store.AddModel(m, &st.model_id))) {
        st.message = store.LastErrorMessage();
        promise->set_value(st);
        return;
      }
      storage::AuditEntry train;
      train.at_ms = now;
      train.actor = actor;
      train.action = "model.train";
      train.target = "model:" + std::to_string(st.model_id);
      train.before_json = "null";
      train.after_json = "{\"model\": " + std::to_string(st.model_id) + ", \"version\": \"" +
                         outcome.version + "\", \"job\": " + std::to_string(id) +
                         ", \"activated\": " + (outcome.gate.passed ? "true" : "false") +
                         ", \"gate\": " + GateJson(outcome.gate) + "}";
      if ((st.ec = store.AppendAudit(train))) {
        st.message = store.LastErrorMessage();
        promise->set_value(st);
        return;
      }
      if (outcome.gate.passed) {
        const RunningModel before = engines.Current()->running_model();
        storage::AuditEntry act;
        act.at_ms = now;
        act.actor = actor;
        act.action = "model.activate";
        act.target = "model:" + std::to_string(st.model_id);
        act.before_json = "{\"model\": " +
                          (before.model_id ? std::to_string(before.model_id) : "null") +
                          ", \"version\": \"" + before.version + "\"}";
        act.after_json = "{\"model\": " + std::to_string(st.model_id) + ", \"version\": \"" +
                         outcome.version + "\"}";
        if ((st.ec = store.ActivateModel(st.model_id, &act))) {
          st.message = store.LastErrorMessage();
          promise->set_value(st);
          return;
        }
        const RunningModel now_running{candidate->version(),
                                       "database:" + std::to_string(st.model_id), st.model_id};
        // The model and where it came from change in one swap.
        engines.Update(
            [&](const Engine& e) { return e.WithClassifier(candidate, now_running); });
        metrics::SetBuildInfo(engines.Current()->rules().version(), candidate->version());
        st.activated = true;
      }
      (void)config;
      promise->set_value(st);
    });
    if (!posted) return fail("the storage thread is stopping");
    Stored st = future.get();
    if (st.ec) return fail("storing the model failed: " + st.message);
    Log(LogLevel::kInfo, st.activated ? "model_activated" : "model_not_activated",
        {{"job", std::to_string(id)},
         {"model", std::to_string(st.model_id)},
         {"version", outcome.version},
         {"model_source", "database:" + std::to_string(st.model_id)},
         {"gate", outcome.gate.reason}});
    std::lock_guard lock(mu_);
    ModelJob& job = jobs_[id];
    job.status = "succeeded";
    job.phase = "done";
    job.progress = 1;
    job.finished_at_ms = base::NowMs();
    job.model_id = st.model_id;
    job.activated = st.activated;
    job.gate = outcome.gate;
    running_ = 0;
  } catch (const std::exception& e) {
    fail(std::string("training failed: ") + e.what());
  } catch (...) {
    fail("training failed");
  }
}

}  // namespace moderated

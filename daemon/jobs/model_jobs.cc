// daemon/jobs/model_jobs.cc
#include "daemon/jobs/model_jobs.h"

#include <boost/json.hpp>
#include <chrono>
#include <cmath>
#include <future>

#include "base/time.h"
#include "classifiers/fasttext_classifier.h"
#include "daemon/core/embedded.h"
#include "daemon/core/log.h"
#include "daemon/core/metrics.h"
#include "daemon/core/sources.h"
#include "daemon/db/decision_writer.h"
#include "daemon/jobs/evaluate.h"

namespace moderated {
namespace {

namespace cls = ::moderated::classifiers;
namespace json = boost::json;

json::value ParseOrNull(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  return ec ? json::value(nullptr) : v;
}

std::string SiteGateJson(const training::SiteGate& g) {
  json::array labels;
  for (const std::string& l : g.labels) labels.emplace_back(l);
  return json::serialize(json::object{{"kind", "site"},
                                      {"passed", g.passed},
                                      {"metric", "macro_f1"},
                                      {"candidate", g.candidate},
                                      {"current", g.current},
                                      {"tolerance", g.tolerance},
                                      {"holdout_examples", g.holdout},
                                      {"labels", std::move(labels)},
                                      {"reason", g.reason}});
}

std::string BaseGateJson(const training::RegressionGate& g) {
  json::value v = ParseOrNull(training::RegressionGateJson(g));
  if (v.is_object()) v.get_object()["kind"] = "regression";
  return json::serialize(v);
}

// The report's "data": per data set, what was read, dropped and kept.
json::object DatasetJson(const training::DatasetReport& dataset) {
  json::object data;
  for (const auto& [preset, counts] : dataset.presets) {
    json::object c = {{"read", counts.read},
                      {"empty", counts.empty},
                      {"conflicting", counts.conflicting},
                      {"duplicate", counts.duplicate},
                      {"test_elsewhere", counts.test_elsewhere}};
    for (auto [name, by_label] :
         {std::pair{"train", &counts.train}, std::pair{"validation", &counts.validation},
          std::pair{"test", &counts.test}}) {
      json::object labels;
      for (const auto& [label, n] : *by_label) labels[label] = n;
      c[name] = std::move(labels);
    }
    data[preset] = std::move(c);
  }
  return data;
}

// The report's "options": the fastText options the base model trained with.
json::object TrainOptionsJson(const training::TrainOptions& options) {
  json::object repeat;
  for (const auto& [name, copies] : options.repeat) repeat[name] = copies;
  return {{"epochs", options.epochs}, {"lr", options.learning_rate},
          {"dim", options.dim},       {"word_ngrams", options.word_ngrams},
          {"minn", options.minn},     {"maxn", options.maxn},
          {"bucket", options.bucket}, {"quantize", options.quantize},
          {"cutoff", options.cutoff}, {"dsub", options.dsub},
          {"seed", options.seed},     {"repeat", std::move(repeat)}};
}

// The audit entry of a stored model ("model.train").
storage::AuditEntry TrainAudit(int64_t now, const std::string& actor, int64_t model_id,
                               const storage::ModelVersion& model, const json::value& site,
                               int64_t job, bool activate, const std::string& gate_json) {
  storage::AuditEntry train;
  train.at_ms = now;
  train.actor = actor;
  train.action = "model.train";
  train.target = "model:" + std::to_string(model_id);
  train.before_json = "null";
  train.after_json = json::serialize(json::object{{"model", model_id},
                                                  {"version", model.version},
                                                  {"site", site},
                                                  {"job", job},
                                                  {"activated", activate},
                                                  {"gate", ParseOrNull(gate_json)}});
  return train;
}

// The audit entry of activating it ("model.activate"), from the model it
// replaces (`before_id`, 0 for none stored).
storage::AuditEntry ActivateAudit(int64_t now, const std::string& actor, int64_t model_id,
                                  const storage::ModelVersion& model, const json::value& site,
                                  int64_t before_id) {
  storage::AuditEntry act;
  act.at_ms = now;
  act.actor = actor;
  act.action = "model.activate";
  act.target = "model:" + std::to_string(model_id);
  act.before_json = json::serialize(json::object{
      {"model", before_id ? json::value(before_id) : json::value(nullptr)}, {"site", site}});
  act.after_json = json::serialize(
      json::object{{"model", model_id}, {"version", model.version}, {"site", site}});
  return act;
}

}  // namespace

std::string_view KindName(TrainRequest::Kind kind) {
  return kind == TrainRequest::Kind::kBase ? "base" : "site";
}

bool ReadSiteLabels(storage::Store& store, const std::string& site,
                    std::vector<training::SiteExample>* out, std::string* error) {
  std::error_code ec = store.ScanLabelledComments(0, [&](const storage::LabelledComment& c) {
    if (c.site == site) {
      out->push_back({c.comment_id, c.content, c.label, c.language.empty() ? "und" : c.language});
    }
    return true;
  });
  if (ec) {
    *error = "cannot read the labels: " + store.LastErrorMessage();
    return false;
  }
  return true;
}

bool TrainSiteCandidate(const std::vector<training::SiteExample>& labels, const Engine& engine,
                        const TrainRequest& request, training::SiteModelOutcome* out,
                        std::string* error) {
  const classifiers::Judge& judge = engine.judge();
  cls::Sensitivity level = cls::Sensitivity::kNormal;
  cls::ParseSensitivity(engine.PolicyFor(request.site).sensitivity, &level);
  training::BaseModel base{judge.base().classifier.get(), judge.base().calibration.get(), level};
  training::CurrentSiteModel current;
  if (const cls::SiteModel* own = judge.site_model(request.site)) {
    current = {own->classifier.get(), own->combiner.get()};
  }
  training::SiteModelOptions options;
  options.holdout_fraction = request.holdout_fraction;
  options.seed = request.seed;
  return training::TrainSiteModel(labels, base, current, options, out, error);
}

training::Scorecard ScoreRegressionSet(const Engine& engine,
                                       const std::vector<training::Example>& regression_set) {
  return training::Score(JudgeExamples(engine, regression_set, "regression", false, {}));
}

bool EmbeddedRegressionExamples(std::vector<training::Example>* out, std::string* error) {
  return training::ParseRegressionSet(EmbeddedRegressionSet(),
                                      "<embedded>/classifiers/models/regression.jsonl", out, error);
}

bool TrainBaseCandidate(const Engine& engine, const std::vector<training::Example>& regression_set,
                        const TrainRequest& request, const training::ProgressFn& progress,
                        BaseCandidate* out, std::string* error) {
  training::BaseModelRequest base;
  base.presets = request.presets;
  base.data_dir = request.data_dir;
  base.options = request.options;
  if (!training::TrainBaseModel(base, RulesJudge(engine, "regression"), progress, &out->trained,
                                error)) {
    return false;
  }
  storage::ModelVersion as_stored;
  as_stored.bytes = out->trained.model_bytes;
  as_stored.calibration = out->trained.calibration_json;
  if (!LoadStoredBase(as_stored, "candidate", &out->model, error)) return false;
  out->model.source = "candidate";
  if (progress) progress("regression gate", 0.9);
  auto candidate = engine.WithJudge(engine.judge().WithBase(out->model));
  out->current = ScoreRegressionSet(engine, regression_set);
  out->candidate = ScoreRegressionSet(*candidate, regression_set);
  out->gate = training::CompareOnRegressionSet(out->current, out->candidate);
  out->report_json = json::serialize(
      json::object{{"kind", "base-model"},
                   {"version", out->model.version},
                   {"data_dir", request.data_dir},
                   {"options", TrainOptionsJson(request.options)},
                   {"data", DatasetJson(out->trained.dataset)},
                   {"examples_trained", out->trained.stats.examples},
                   {"train_seconds", std::round(out->trained.train_seconds * 10) / 10},
                   {"calibration", ParseOrNull(out->trained.calibration_json)},
                   {"current", ParseOrNull(training::ScorecardJson(out->current))},
                   {"candidate", ParseOrNull(training::ScorecardJson(out->candidate))},
                   {"gate", ParseOrNull(BaseGateJson(out->gate))}});
  return true;
}

// ---- ModelJobs ----------------------------------------------------------------

ModelJobs::ModelJobs(const Config& config, EngineHolder& engines, DecisionWriter& writer)
    : config_(config), engines_(engines), writer_(writer) {}

ModelJobs::~ModelJobs() { Stop(); }

// The cluster-wide lock of a training job (Store::TryLock).
constexpr int64_t kTrainingLockKey = 0x6d6f642d74726e;  // "mod-trn"

bool ModelJobs::Start(TrainRequest request, const std::string& actor, int64_t* id,
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
  thread_ = std::thread(
      [this, jid = job.id, request = std::move(request), actor] { Run(jid, request, actor); });
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

bool ModelJobs::Stopping() const {
  std::lock_guard lock(mu_);
  return stopping_;
}

void ModelJobs::Update(int64_t id, const std::function<void(ModelJob&)>& fn) {
  std::lock_guard lock(mu_);
  auto it = jobs_.find(id);
  if (it != jobs_.end()) fn(it->second);
}

struct ModelJobs::Stored {
  std::error_code ec;
  std::string message;
  int64_t model_id = 0;
  bool activated = false;
};

bool ModelJobs::Store(
    int64_t job, const std::string& actor, storage::ModelVersion model, bool activate,
    const std::string& gate_json,
    const std::function<std::shared_ptr<const cls::Judge>(const cls::Judge&, int64_t)>& next_judge,
    std::string* error) {
  if (Stopping()) {
    *error = "the daemon is stopping";
    return false;
  }
  auto promise = std::make_shared<std::promise<Stored>>();
  std::future<Stored> future = promise->get_future();
  EngineHolder& engines = engines_;
  const bool posted = writer_.Post([&, promise](storage::Store& store) {
    Stored st;
    const int64_t now = base::NowMs();
    model.created_at_ms = now;
    model.author = actor;
    auto fail = [&] {
      st.message = store.LastErrorMessage();
      promise->set_value(st);
    };
    if ((st.ec = store.AddModel(model, &st.model_id))) return fail();
    const json::value site = model.site.empty() ? json::value(nullptr) : json::value(model.site);
    const storage::AuditEntry train =
        TrainAudit(now, actor, st.model_id, model, site, job, activate, gate_json);
    if ((st.ec = store.AppendAudit(train))) return fail();
    if (activate) {
      auto current = engines.Current();
      std::shared_ptr<const cls::Judge> next = next_judge(current->judge(), st.model_id);
      const int64_t before_id = model.site.empty()
                                    ? current->judge().base().model_id
                                    : (current->judge().site_model(model.site)
                                           ? current->judge().site_model(model.site)->model_id
                                           : 0);
      storage::AuditEntry act = ActivateAudit(now, actor, st.model_id, model, site, before_id);
      if ((st.ec = store.ActivateModel(st.model_id, &act))) return fail();
      engines.Update([&](const Engine& e) { return e.WithJudge(next); });
      metrics::SetBuildInfo(engines.Current()->rules().version(), next->base().version);
      st.activated = true;
    }
    promise->set_value(st);
  });
  if (!posted) {
    *error = "the storage thread is stopping";
    return false;
  }
  Stored st = future.get();
  if (st.ec) {
    *error = "storing the model failed: " + st.message;
    return false;
  }
  Update(job, [&](ModelJob& j) {
    j.model_id = st.model_id;
    j.activated = st.activated;
    j.gate_json = gate_json;
  });
  Log(LogLevel::kInfo, st.activated ? "model_activated" : "model_not_activated",
      {{"job", std::to_string(job)},
       {"model", std::to_string(st.model_id)},
       {"version", model.version},
       {"site", model.site}});
  return true;
}

bool ModelJobs::RunSite(int64_t id, const TrainRequest& request, const std::string& actor,
                        std::string* error) {
  auto progress = [this, id](std::string_view phase, double p) {
    Update(id, [&](ModelJob& j) {
      j.phase = std::string(phase);
      j.progress = p;
    });
  };
  progress("reading labels", 0.05);
  std::string open_error;
  auto store =
      storage::Store::Open(config_.database, storage::Store::OpenMode::kReadOnly, &open_error);
  if (!store) {
    *error = open_error;
    return false;
  }
  std::vector<training::SiteExample> labels;
  if (!ReadSiteLabels(*store, request.site, &labels, error)) return false;
  store.reset();
  progress("training", 0.2);
  auto engine = engines_.Current();
  training::SiteModelOutcome out;
  if (!TrainSiteCandidate(labels, *engine, request, &out, error)) return false;
  if (!out.refusal.empty()) {
    *error = "no site model for '" + request.site + "': " + out.refusal;
    return false;
  }
  progress("storing", 0.95);
  std::string load_error;
  storage::ModelVersion m;
  m.site = request.site;
  m.version = out.version;
  m.bytes = out.model_bytes;
  m.calibration = out.combiner_json;
  m.report_json = out.report_json;
  m.note = request.note;
  cls::SiteModel loaded;
  if (!LoadStoredSite(m, "candidate", &loaded, error)) return false;
  const std::string site = request.site;
  return Store(
      id, actor, std::move(m), request.activate && out.gate.passed, SiteGateJson(out.gate),
      [site, loaded](const cls::Judge& judge, int64_t model_id) {
        cls::SiteModel with_id = loaded;
        with_id.model_id = model_id;
        return judge.WithSiteModel(site, with_id);
      },
      error);
}

bool ModelJobs::RunBase(int64_t id, const TrainRequest& request, const std::string& actor,
                        std::string* error) {
  std::vector<training::Example> regression;
  if (!EmbeddedRegressionExamples(&regression, error)) return false;
  auto engine = engines_.Current();
  BaseCandidate c;
  const bool ok = TrainBaseCandidate(
      *engine, regression, request,
      [this, id](std::string_view phase, double p) {
        Update(id, [&](ModelJob& j) {
          j.phase = std::string(phase);
          j.progress = p;
        });
      },
      &c, error);
  if (!ok) return false;
  storage::ModelVersion m;
  m.version = c.model.version;
  m.bytes = c.trained.model_bytes;
  m.calibration = c.trained.calibration_json;
  m.report_json = c.report_json;
  m.note = request.note;
  cls::BaseModel loaded = c.model;
  return Store(
      id, actor, std::move(m), request.activate && c.gate.passed, BaseGateJson(c.gate),
      [loaded](const cls::Judge& judge, int64_t model_id) {
        cls::BaseModel with_id = loaded;
        with_id.model_id = model_id;
        with_id.source = "database:" + std::to_string(model_id);
        return judge.WithBase(with_id);
      },
      error);
}

void ModelJobs::Run(int64_t id, const TrainRequest& request, const std::string& actor) {
  Log(LogLevel::kInfo, "model_training_started",
      {{"job", std::to_string(id)},
       {"kind", std::string(KindName(request.kind))},
       {"site", request.site},
       {"actor", actor}});
  std::string error;
  bool ok = false;
  try {
    // Several daemons on one PostgreSQL: one trains at a time, holding an
    // advisory lock on a connection of this job until it ends (always
    // acquired on SQLite).
    auto lock = storage::Store::Open(config_.database, storage::Store::OpenMode::kReadOnly, &error);
    bool acquired = false;
    if (lock == nullptr) {
      error = "cannot take the training lock: " + error;
    } else if (lock->TryLock(kTrainingLockKey, &acquired)) {
      error = "cannot take the training lock: " + lock->LastErrorMessage();
    } else if (!acquired) {
      error =
          "another daemon of this cluster is training a model; retry when its job has "
          "finished";
    } else {
      ok = request.kind == TrainRequest::Kind::kBase ? RunBase(id, request, actor, &error)
                                                     : RunSite(id, request, actor, &error);
      lock->Unlock(kTrainingLockKey);
    }
  } catch (const std::exception& e) {
    error = std::string("training failed: ") + e.what();
  } catch (...) {
    error = "training failed";
  }
  if (!ok) {
    Log(LogLevel::kError, "model_training_failed", {{"job", std::to_string(id)}, {"error", error}});
  }
  std::lock_guard lock(mu_);
  ModelJob& job = jobs_[id];
  job.status = ok ? "succeeded" : "failed";
  if (ok) {
    job.phase = "done";
    job.progress = 1;
  } else {
    job.error = error;
  }
  job.finished_at_ms = base::NowMs();
  running_ = 0;
}

}  // namespace moderated

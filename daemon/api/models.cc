// Model versions and the learning loop, admin tokens only (docs/api.md,
// "Models"; the background job is daemon/jobs/model_jobs.h):
//   GET  /v1/admin/models                 stored models, newest first
//   GET  /v1/admin/models/{id}            one model with its full report
//   POST /v1/admin/models/train           start a training job → 202
//   GET  /v1/admin/models/jobs[/{id}]     training jobs since start
//   POST /v1/admin/models/{id}/activate   activate a stored model
//   POST /v1/admin/models/rollback        re-activate the previously active one
//
// Activation order: the model is loaded (validated) on the I/O thread;
// marking it active, the audit entry and the engine swap then happen in ONE
// writer task, as for rules (daemon/api/rules.cc), so swaps follow the order
// of the database changes.
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <filesystem>
#include <sstream>

#include "base/time.h"
#include "daemon/api/fields.h"
#include "daemon/api/handlers.h"
#include "daemon/core/async.h"
#include "daemon/core/log.h"
#include "daemon/core/metrics.h"
#include "daemon/http/wire.h"
#include "daemon/jobs/model_jobs.h"
#include "training/corpus.h"

namespace moderated::api {
namespace json = boost::json;
namespace net = boost::asio;

namespace {

json::object ModelJson(const storage::ModelVersion& m, bool with_report) {
  json::object o;
  o["id"] = m.id;
  o["version"] = m.version;
  o["size_bytes"] = m.size_bytes;
  o["author"] = m.author;
  o["note"] = m.note;
  o["created_at"] = base::FormatTimeMs(m.created_at_ms);
  o["active"] = m.active;
  json::value report = ParseJsonOr(m.report_json, json::object());
  const json::value* gate = report.is_object() ? report.get_object().if_contains("gate") : nullptr;
  o["gate"] = gate ? *gate : json::value(nullptr);
  if (with_report) o["report"] = std::move(report);
  return o;
}

json::object RunningJson(const Engine& engine) {
  const RunningModel& r = engine.running_model();
  return {{"version", r.version}, {"source", r.source}};
}

json::object JobJson(const ModelJob& j) {
  json::object o;
  o["id"] = j.id;
  o["status"] = j.status;
  o["phase"] = j.phase;
  o["progress"] = j.progress;
  o["actor"] = j.actor;
  o["started_at"] = base::FormatTimeMs(j.started_at_ms);
  o["finished_at"] = j.finished_at_ms ? json::value(base::FormatTimeMs(j.finished_at_ms)) : nullptr;
  o["request"] = json::object{{"base", j.request.base},
                              {"data_dir", j.request.data_dir},
                              {"holdout_fraction", j.request.holdout_fraction},
                              {"seed", j.request.seed},
                              {"note", j.request.note},
                              {"site", j.request.site},
                              {"epochs", j.request.epochs}};
  o["error"] = j.status == "failed" ? json::value(j.error) : nullptr;
  o["result"] = nullptr;
  return o;
}

// ---- list / get -------------------------------------------------------------

}  // namespace

awaitable<Response> ListModels(Services& s, const Call& call) {
  const Request& req = call.request;
  std::string error;
  auto lease = s.readers.Acquire(&error);
  if (!lease) co_return Overloaded(req, "database unavailable: " + error);
  std::vector<storage::ModelVersion> models;
  if (std::error_code ec = lease->ListModels(&models)) {
    co_return Overloaded(req, "database error: " + ec.message());
  }
  json::array list;
  for (const auto& m : models) list.push_back(ModelJson(m, false));
  co_return JsonResponse(req, http::status::ok,
                         {{"models", std::move(list)}, {"running", RunningJson(*s.engines.Current())}});
}

awaitable<Response> GetModel(Services& s, const Call& call) {
  const Request& req = call.request;
  const int64_t id = call.id;
  std::string error;
  auto lease = s.readers.Acquire(&error);
  if (!lease) co_return Overloaded(req, "database unavailable: " + error);
  storage::ModelVersion m;
  std::error_code ec = lease->GetModel(id, &m);
  if (ec == storage::Errc::not_found) {
    co_return Problem(req, http::status::not_found, "no model " + std::to_string(id));
  }
  if (ec) co_return Overloaded(req, "database error: " + ec.message());
  co_return JsonResponse(req, http::status::ok, ModelJson(m, true));
}

// ---- activation ---------------------------------------------------------------

namespace {

struct Activation {
  std::error_code ec;
  std::string message;
  int64_t previous = 0;
};

// Activates stored model `id` (0: none — the file or embedded model) with
// `classifier` already loaded, on the writer thread.
//
// Arguments are references and plain pointers, and the writer task is a named
// local: GCC 12 may destroy temporaries of a co_await expression twice
// (by-value class parameters of a coroutine call, lambdas built in place).
awaitable<Response> Activate(Services& s, const Call& call, int64_t id,
                             const std::shared_ptr<const classifiers::Classifier>& model,
                             const RunningModel& next, const char* action_name) {
  const Request& req = call.request;
  const std::string actor = call.Actor();
  const std::string action = action_name;
  std::function<Activation(storage::Store&)> task =
      [&s, id, model, next, action, actor](storage::Store& store) {
        Activation out;
        const RunningModel before = s.engines.Current()->running_model();
        out.previous = before.model_id;
        storage::AuditEntry audit;
        audit.at_ms = base::NowMs();
        audit.actor = actor;
        audit.action = action;
        audit.target = id ? "model:" + std::to_string(id) : "model:none";
        audit.before_json = ToJson(json::object{
            {"model", before.model_id ? json::value(before.model_id) : json::value(nullptr)},
            {"version", before.version}});
        audit.after_json = ToJson(json::object{
            {"model", id ? json::value(id) : json::value(nullptr)}, {"version", next.version}});
        if ((out.ec = store.ActivateModel(id, &audit))) {
          out.message = store.LastErrorMessage();
          return out;
        }
        // The model and where it came from change in one swap.
        s.engines.Update([&](const Engine& e) { return e.WithClassifier(model, next); });
        metrics::SetBuildInfo(s.engines.Current()->rules().version(), next.version);
        Log(LogLevel::kInfo, action == "model.rollback" ? "model_rolled_back" : "model_activated",
            {{"model", next.version}, {"model_source", next.source}, {"actor", actor}});
        return out;
      };
  std::optional<Activation> result =
      co_await AsyncOnWriter<Activation>(s.writer, std::move(task), net::use_awaitable);
  if (!result) co_return WriterStopping(req);
  if (result->ec == storage::Errc::not_found) {
    co_return Problem(req, http::status::not_found, "no model " + std::to_string(id));
  }
  if (result->ec) co_return Overloaded(req, "storage error: " + result->message);
  json::value model_json = nullptr;
  if (id != 0) {
    std::string error;
    auto lease = s.readers.Acquire(&error);
    storage::ModelVersion m;
    if (lease && !lease->GetModel(id, &m)) model_json = ModelJson(m, false);
  }
  co_return JsonResponse(
      req, http::status::ok,
      {{"model", std::move(model_json)},
       {"previous", result->previous ? json::value(result->previous) : json::value(nullptr)},
       {"running", RunningJson(*s.engines.Current())}});
}

// Loads stored model `id` (or the base model for 0) and activates it.
awaitable<Response> LoadAndActivate(Services& s, const Call& call, int64_t id,
                                    const char* action) {
  const Request& req = call.request;
  std::shared_ptr<const classifiers::Classifier> model;
  RunningModel next;
  std::string error;
  if (id == 0) {
    model = LoadBaseModel(s.config, &next, &error);
    if (!model) {
      co_return Problem(req, http::status::unprocessable_entity,
                        "the base model does not load: " + error);
    }
  } else {
    auto lease = s.readers.Acquire(&error);
    if (!lease) co_return Overloaded(req, "database unavailable: " + error);
    storage::ModelVersion m;
    std::error_code ec = lease->GetModel(id, &m);
    if (ec == storage::Errc::not_found) {
      co_return Problem(req, http::status::not_found, "no model " + std::to_string(id));
    }
    if (ec) co_return Overloaded(req, "database error: " + ec.message());
    model = classifiers::LoadFastTextClassifierFromMemory(m.bytes, "model " + std::to_string(id),
                                                          &error);
    if (!model) {
      Log(LogLevel::kWarn, "model_invalid", {{"model", std::to_string(id)}, {"error", error}});
      co_return Problem(req, http::status::unprocessable_entity,
                        "model " + std::to_string(id) + " does not load: " + error);
    }
    next = {model->version(), "database:" + std::to_string(id), id};
  }
  co_return co_await Activate(s, call, id, model, next, action);
}

}  // namespace

awaitable<Response> ActivateModel(Services& s, const Call& call) {
  co_return co_await LoadAndActivate(s, call, call.id, "model.activate");
}

// The model active before the current one: the newest model.activate /
// model.rollback entry that made the current one active names it in
// before.model (null: the file or embedded model).
awaitable<Response> RollbackModel(Services& s, const Call& call) {
  const Request& req = call.request;
  std::string error;
  auto lease = s.readers.Acquire(&error);
  if (!lease) co_return Overloaded(req, "database unavailable: " + error);
  storage::ModelVersion active;
  std::error_code ec = lease->ActiveModel(&active);
  if (ec == storage::Errc::not_found) {
    co_return Problem(req, http::status::conflict,
                      "no stored model is active; nothing to roll back");
  }
  if (ec) co_return Overloaded(req, "database error: " + ec.message());
  int64_t target = 0;
  storage::AuditQuery q;
  q.action = "model.";
  q.limit = 10000;
  std::vector<storage::AuditEntry> entries;
  if (std::error_code aec = lease->QueryAudit(q, &entries)) {
    co_return Overloaded(req, "database error: " + aec.message());
  }
  for (const auto& e : entries) {
    if (e.action != "model.activate" && e.action != "model.rollback") continue;
    json::value after = ParseJsonOr(e.after_json, nullptr);
    json::value before = ParseJsonOr(e.before_json, nullptr);
    if (!after.is_object() || !before.is_object()) continue;
    const json::value* a = after.get_object().if_contains("model");
    if (a == nullptr || !a->is_int64() || a->get_int64() != active.id) continue;
    const json::value* b = before.get_object().if_contains("model");
    target = (b != nullptr && b->is_int64()) ? b->get_int64() : 0;
    if (target == active.id) continue;  // re-activation of the same model
    break;
  }
  co_return co_await LoadAndActivate(s, call, target, "model.rollback");
}

// ---- training -------------------------------------------------------------------

namespace {

// The fields of a POST /v1/admin/models/train body into *lr.
void ParseLearnBody(const json::value& body, LearnRequest* lr, std::vector<FieldError>* errors) {
  const json::object* o = ObjectBody(
      body, {"base", "data_dir", "holdout_fraction", "seed", "note", "site", "epochs"}, errors);
  if (o == nullptr) return;
  OptionalString(*o, "base", false, &lr->base, errors);
  OptionalString(*o, "data_dir", false, &lr->data_dir, errors);
  OptionalString(*o, "note", false, &lr->note, errors);
  OptionalString(*o, "site", false, &lr->site, errors);
  if (const json::value* v = o->if_contains("holdout_fraction")) {
    if (!v->is_number()) {
      errors->push_back({"/holdout_fraction", "must be a number"});
    } else {
      double f = v->to_number<double>();
      if (!(f >= 0.05 && f <= 0.9)) {
        errors->push_back({"/holdout_fraction", "must be between 0.05 and 0.9"});
      } else {
        lr->holdout_fraction = f;
      }
    }
  }
  int64_t seed = lr->seed, epochs = 0;
  OptionalInt(*o, "seed", 0, 2147483647, &seed, errors);
  OptionalInt(*o, "epochs", 1, 1000, &epochs, errors);
  lr->seed = static_cast<uint32_t>(seed);
  lr->epochs = static_cast<int>(epochs);
}

// base: "all", "none", or a comma-separated list of presets.
void ParseBase(LearnRequest* lr, std::vector<FieldError>* errors) {
  if (lr->base == "all") {
    lr->base_presets = training::PresetNames();
    return;
  }
  if (lr->base == "none") return;
  std::stringstream items(lr->base);
  std::string item;
  while (std::getline(items, item, ',')) {
    const auto& names = training::PresetNames();
    if (std::find(names.begin(), names.end(), item) == names.end()) {
      errors->push_back({"/base", "unknown preset '" + item +
                                      "' (all, none, or a comma-separated list of: youtube, sms, "
                                      "arabic-spam, mpold, osact2020, russian-toxic)"});
      break;
    }
    if (std::find(lr->base_presets.begin(), lr->base_presets.end(), item) ==
        lr->base_presets.end()) {
      lr->base_presets.push_back(item);
    }
  }
  if (lr->base_presets.empty() && errors->empty()) {
    errors->push_back({"/base", "must be all, none or a list of presets"});
  }
}

}  // namespace

awaitable<Response> TrainModel(Services& s, const Call& call) {
  const Request& req = call.request;
  ModelJobs* jobs = s.model_jobs;
  if (jobs == nullptr) co_return Overloaded(req, "training is not available");
  LearnRequest lr;
  lr.data_dir = s.config.training.data_dir;
  std::vector<FieldError> errors;
  if (!call.body.is_null()) ParseLearnBody(call.body, &lr, &errors);
  ParseBase(&lr, &errors);
  if (!errors.empty()) co_return ValidationProblem(req, errors);
  lr.author = call.Actor();
  int64_t id = 0, running = 0;
  if (!jobs->Start(lr, lr.author, &id, &running)) {
    co_return Problem(req, http::status::conflict,
                      running ? "a training job is already running (job " +
                                    std::to_string(running) + ")"
                              : std::string("the daemon is stopping"));
  }
  Response res = JsonResponse(req, http::status::accepted, {{"job", id}, {"status", "running"}});
  res.set(http::field::location, "/v1/admin/models/jobs/" + std::to_string(id));
  co_return res;
}

awaitable<Response> ListTrainingJobs(Services& s, const Call& call) {
  ModelJobs* jobs = s.model_jobs;
  if (jobs == nullptr) co_return Overloaded(call.request, "training is not available");
  json::array list;
  for (const ModelJob& j : jobs->List()) list.push_back(JobJson(j));
  co_return JsonResponse(call.request, http::status::ok, {{"jobs", std::move(list)}});
}

awaitable<Response> GetTrainingJob(Services& s, const Call& call) {
  const Request& req = call.request;
  ModelJobs* jobs = s.model_jobs;
  if (jobs == nullptr) co_return Overloaded(req, "training is not available");
  std::optional<ModelJob> job = jobs->Get(call.id);
  if (!job) {
    co_return Problem(req, http::status::not_found, "no training job " + std::to_string(call.id));
  }
  json::object o = JobJson(*job);
  if (job->status == "succeeded") {
    json::value model = nullptr;
    std::string error;
    auto lease = s.readers.Acquire(&error);
    storage::ModelVersion m;
    if (lease && !lease->GetModel(job->model_id, &m)) model = ModelJson(m, false);
    o["result"] = json::object{{"model", std::move(model)},
                               {"activated", job->activated},
                               {"gate", ParseJsonOr(GateJson(job->gate), nullptr)}};
  }
  co_return JsonResponse(req, http::status::ok, o);
}

}  // namespace moderated::api

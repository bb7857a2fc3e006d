// Model versions and the learning loop, admin tokens only (docs/api.md,
// "Models"; the background job is daemon/jobs/model_jobs.h):
//   GET  /v1/admin/models                 stored models, newest first
//   GET  /v1/admin/models/{id}            one model with its full report
//   POST /v1/admin/models/train           start a training job → 202
//   GET  /v1/admin/models/jobs[/{id}]     training jobs since start
//   POST /v1/admin/models/{id}/activate   activate a stored model (base or site)
//   POST /v1/admin/models/rollback        re-activate the previously active one
//   GET  /v1/admin/sites/{name}/model     a site's own model and its labels
//
// Activation order: the model is loaded (validated) on the I/O thread;
// marking it active, the audit entry and the engine swap then happen in ONE
// writer task, as for rules (daemon/api/rules.cc), so swaps follow the order
// of the database changes.
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <filesystem>
#include <sstream>

#include "base/strings.h"
#include "base/time.h"
#include "daemon/api/fields.h"
#include "daemon/api/handlers.h"
#include "daemon/core/log.h"
#include "daemon/core/metrics.h"
#include "daemon/core/sources.h"
#include "daemon/db/async.h"
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
  o["site"] = m.site.empty() ? json::value(nullptr) : json::value(m.site);
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
  const classifiers::BaseModel& r = engine.running_model();
  json::object sites;
  for (const auto& [site, m] : engine.judge().site_models()) {
    sites[site] = json::object{{"model", m.model_id}, {"version", m.version}};
  }
  return {{"version", r.version},
          {"source", r.source},
          {"model", r.model_id ? json::value(r.model_id) : json::value(nullptr)},
          {"sites", std::move(sites)}};
}

json::object JobJson(const ModelJob& j) {
  const TrainRequest& r = j.request;
  json::object request = {{"kind", std::string(KindName(r.kind))},
                          {"seed", r.seed},
                          {"note", r.note},
                          {"activate", r.activate}};
  if (r.kind == TrainRequest::Kind::kSite) {
    request["site"] = r.site;
    request["holdout_fraction"] = r.holdout_fraction;
  } else {
    request["base"] = r.base;
    request["data_dir"] = r.data_dir;
  }
  json::object o;
  o["id"] = j.id;
  o["kind"] = std::string(KindName(r.kind));
  o["status"] = j.status;
  o["phase"] = j.phase;
  o["progress"] = j.progress;
  o["actor"] = j.actor;
  o["started_at"] = base::FormatTimeMs(j.started_at_ms);
  o["finished_at"] = j.finished_at_ms ? json::value(base::FormatTimeMs(j.finished_at_ms)) : nullptr;
  o["request"] = std::move(request);
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
  co_return JsonResponse(
      req, http::status::ok,
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

// What an activation changes: the base model (site "") or one site's model;
// `id` 0 means "none": the configured/embedded base model, or the site back
// on the base model alone.
struct Target {
  std::string site;
  int64_t id = 0;
  std::shared_ptr<const classifiers::Judge> (*apply)(const classifiers::Judge&,
                                                     const Target&) = nullptr;
  classifiers::BaseModel base;  // site "": the model to run
  classifiers::SiteModel own;   // site set, id != 0
  std::string version;
};

std::shared_ptr<const classifiers::Judge> ApplyTarget(const classifiers::Judge& judge,
                                                      const Target& t) {
  if (t.site.empty()) return judge.WithBase(t.base);
  if (t.id == 0) return judge.WithoutSiteModel(t.site);
  return judge.WithSiteModel(t.site, t.own);
}

int64_t RunningId(const Engine& engine, const std::string& site) {
  if (site.empty()) return engine.running_model().model_id;
  const classifiers::SiteModel* own = engine.judge().site_model(site);
  return own ? own->model_id : 0;
}

// Activates `target` on the writer thread: database, audit and engine swap
// in one task.
//
// Arguments are references and plain pointers, and the writer task is a named
// local: GCC 12 may destroy temporaries of a co_await expression twice
// (by-value class parameters of a coroutine call, lambdas built in place).
awaitable<Response> Activate(Services& s, const Call& call, const Target& target,
                             const char* action_name) {
  const Request& req = call.request;
  const std::string actor = call.Actor();
  const std::string action = action_name;
  std::function<Activation(storage::Store&)> task = [&s, &target, action,
                                                     actor](storage::Store& store) {
    Activation out;
    auto current = s.engines.Current();
    out.previous = RunningId(*current, target.site);
    const json::value site = target.site.empty() ? json::value(nullptr) : json::value(target.site);
    storage::AuditEntry audit;
    audit.at_ms = base::NowMs();
    audit.actor = actor;
    audit.action = action;
    audit.target = target.id ? "model:" + std::to_string(target.id)
                             : (target.site.empty() ? "model:none" : "site:" + target.site);
    audit.before_json = ToJson(
        json::object{{"model", out.previous ? json::value(out.previous) : json::value(nullptr)},
                     {"site", site}});
    audit.after_json =
        ToJson(json::object{{"model", target.id ? json::value(target.id) : json::value(nullptr)},
                            {"version", target.version},
                            {"site", site}});
    out.ec = target.id != 0 || target.site.empty() ? store.ActivateModel(target.id, &audit)
                                                   : store.DeactivateModels(target.site, &audit);
    if (out.ec) {
      out.message = store.LastErrorMessage();
      return out;
    }
    // The model and where it came from change in one swap.
    auto next = ApplyTarget(current->judge(), target);
    s.engines.Update([&](const Engine& e) { return e.WithJudge(ApplyTarget(e.judge(), target)); });
    metrics::SetBuildInfo(s.engines.Current()->rules().version(), next->base().version);
    Log(LogLevel::kInfo, action == "model.rollback" ? "model_rolled_back" : "model_activated",
        {{"model", target.version}, {"site", target.site}, {"actor", actor}});
    return out;
  };
  std::optional<Activation> result =
      co_await AsyncOnWriter<Activation>(s.writer, std::move(task), net::use_awaitable);
  if (!result) co_return WriterStopping(req);
  if (result->ec == storage::Errc::not_found) {
    co_return Problem(req, http::status::not_found, "no model " + std::to_string(target.id));
  }
  if (result->ec) co_return Overloaded(req, "storage error: " + result->message);
  json::value model_json = nullptr;
  if (target.id != 0) {
    std::string error;
    auto lease = s.readers.Acquire(&error);
    storage::ModelVersion m;
    if (lease && !lease->GetModel(target.id, &m)) model_json = ModelJson(m, false);
  }
  co_return JsonResponse(
      req, http::status::ok,
      {{"model", std::move(model_json)},
       {"site", target.site.empty() ? json::value(nullptr) : json::value(target.site)},
       {"previous", result->previous ? json::value(result->previous) : json::value(nullptr)},
       {"running", RunningJson(*s.engines.Current())}});
}

// Loads stored model `id` (or, for 0, the configured/embedded base model or
// the site's base-only judgement) into *t. On failure returns the response.
std::optional<Response> LoadTarget(Services& s, const Request& req, int64_t id,
                                   const std::string& site_for_none, Target* t) {
  std::string error;
  t->id = id;
  if (id == 0) {
    t->site = site_for_none;
    if (!t->site.empty()) {
      t->version = s.engines.Current()->running_model().version;
      return std::nullopt;
    }
    if (!LoadConfiguredBase(s.config, &t->base, &error)) {
      return Problem(req, http::status::unprocessable_entity,
                     "the base model does not load: " + error);
    }
    t->version = t->base.version;
    return std::nullopt;
  }
  auto lease = s.readers.Acquire(&error);
  if (!lease) return Overloaded(req, "database unavailable: " + error);
  storage::ModelVersion m;
  std::error_code ec = lease->GetModel(id, &m);
  if (ec == storage::Errc::not_found) {
    return Problem(req, http::status::not_found, "no model " + std::to_string(id));
  }
  if (ec) return Overloaded(req, "database error: " + ec.message());
  t->site = m.site;
  const std::string origin = "model " + std::to_string(id);
  const bool ok = m.site.empty() ? LoadStoredBase(m, origin, &t->base, &error)
                                 : LoadStoredSite(m, origin, &t->own, &error);
  if (!ok) {
    Log(LogLevel::kWarn, "model_invalid", {{"model", std::to_string(id)}, {"error", error}});
    return Problem(req, http::status::unprocessable_entity,
                   "model " + std::to_string(id) + " does not load: " + error);
  }
  t->version = m.version;
  if (m.site.empty()) t->version = t->base.version;
  return std::nullopt;
}

}  // namespace

awaitable<Response> ActivateModel(Services& s, const Call& call) {
  Target target;
  if (auto problem = LoadTarget(s, call.request, call.id, "", &target)) co_return *problem;
  co_return co_await Activate(s, call, target, "model.activate");
}

// The model active before the current one of the base model or of one site
// ({"site": S}): the newest model.activate entry that made the current one
// active names it in before.model (null: the file or embedded model, or for
// a site the base model alone). Rollbacks are not followed, so rolling back
// again goes further back in history rather than undoing the rollback.
awaitable<Response> RollbackModel(Services& s, const Call& call) {
  const Request& req = call.request;
  std::string site;
  if (!call.body.is_null()) {
    std::vector<FieldError> errors;
    const json::object* o = ObjectBody(call.body, {"site"}, &errors);
    if (o != nullptr) OptionalString(*o, "site", false, &site, &errors);
    if (!errors.empty()) co_return ValidationProblem(req, errors);
  }
  const int64_t active = RunningId(*s.engines.Current(), site);
  if (active == 0) {
    co_return Problem(req, http::status::conflict,
                      site.empty() ? "no stored model is active; nothing to roll back"
                                   : "site '" + site +
                                         "' has no model of its own; nothing to "
                                         "roll back");
  }
  std::string error;
  auto lease = s.readers.Acquire(&error);
  if (!lease) co_return Overloaded(req, "database unavailable: " + error);
  storage::AuditQuery q;
  q.action = "model.";
  q.limit = 10000;
  std::vector<storage::AuditEntry> entries;
  if (std::error_code aec = lease->QueryAudit(q, &entries)) {
    co_return Overloaded(req, "database error: " + aec.message());
  }
  int64_t previous = 0;
  for (const auto& e : entries) {
    if (e.action != "model.activate") continue;
    json::value after = ParseJsonOr(e.after_json, nullptr);
    json::value before = ParseJsonOr(e.before_json, nullptr);
    if (!after.is_object() || !before.is_object()) continue;
    const json::value* a = after.get_object().if_contains("model");
    if (a == nullptr || !a->is_int64() || a->get_int64() != active) continue;
    const json::value* b = before.get_object().if_contains("model");
    previous = (b != nullptr && b->is_int64()) ? b->get_int64() : 0;
    if (previous == active) continue;  // re-activation of the same model
    break;
  }
  Target target;
  if (auto problem = LoadTarget(s, req, previous, site, &target)) co_return *problem;
  co_return co_await Activate(s, call, target, "model.rollback");
}

// ---- training -------------------------------------------------------------------

namespace {

// The fields of a POST /v1/admin/models/train body into *tr.
void ParseTrainBody(const json::value& body, TrainRequest* tr, bool* has_site, bool* has_base,
                    std::vector<FieldError>* errors) {
  const json::object* o = ObjectBody(
      body, {"site", "base", "data_dir", "activate", "holdout_fraction", "seed", "note"}, errors);
  if (o == nullptr) return;
  *has_site = o->if_contains("site") != nullptr;
  *has_base = o->if_contains("base") != nullptr;
  OptionalString(*o, "site", false, &tr->site, errors);
  OptionalString(*o, "base", false, &tr->base, errors);
  OptionalString(*o, "data_dir", false, &tr->data_dir, errors);
  OptionalString(*o, "note", false, &tr->note, errors);
  if (const json::value* v = o->if_contains("activate")) {
    if (!v->is_bool()) {
      errors->push_back({"/activate", "must be true or false"});
    } else {
      tr->activate = v->get_bool();
    }
  }
  if (const json::value* v = o->if_contains("holdout_fraction")) {
    const double f = v->is_number() ? v->to_number<double>() : -1;
    if (!(f >= 0.05 && f <= 0.9)) {
      errors->push_back({"/holdout_fraction", "must be a number between 0.05 and 0.9"});
    } else {
      tr->holdout_fraction = f;
    }
  }
  int64_t seed = tr->seed;
  OptionalInt(*o, "seed", 0, 2147483647, &seed, errors);
  tr->seed = static_cast<uint32_t>(seed);
  tr->options.seed = tr->seed;
}

// base: "all" or a comma-separated list of presets.
void ParseBase(TrainRequest* tr, std::vector<FieldError>* errors) {
  if (tr->base == "all") return;
  std::stringstream items(tr->base);
  std::string item;
  const auto& names = training::PresetNames();
  while (std::getline(items, item, ',')) {
    if (std::find(names.begin(), names.end(), item) == names.end()) {
      std::string all;
      for (const std::string& n : names) all += (all.empty() ? "" : ", ") + n;
      errors->push_back({"/base", "unknown data set '" + item +
                                      "' (all, or a comma-separated list of: " + all + ")"});
      return;
    }
    if (std::find(tr->presets.begin(), tr->presets.end(), item) == tr->presets.end()) {
      tr->presets.push_back(item);
    }
  }
  if (tr->presets.empty()) errors->push_back({"/base", "must be all or a list of data sets"});
}

// A site's label counts and whether a site model can be trained.
struct SiteLabels {
  std::map<std::string, int64_t> counts;
  std::string refusal;  // "" = enough labels
};

std::optional<Response> CountLabels(Services& s, const Request& req, const std::string& site,
                                    SiteLabels* out) {
  std::string error;
  auto lease = s.readers.Acquire(&error);
  if (!lease) return Overloaded(req, "database unavailable: " + error);
  std::vector<training::SiteExample> labels;
  if (!ReadSiteLabels(*lease.get(), site, &labels, &error)) return Overloaded(req, error);
  for (const auto& l : labels) out->counts[l.label]++;
  auto count = [&](const char* label) {
    auto it = out->counts.find(label);
    return it == out->counts.end() ? int64_t{0} : it->second;
  };
  const int64_t min = training::kSiteMinPerClass;
  if (count("ham") < min || (count("spam") < min && count("abuse") < min)) {
    out->refusal = "too few labels for a site model: " + std::to_string(count("ham")) + " ham, " +
                   std::to_string(count("spam")) + " spam, " + std::to_string(count("abuse")) +
                   " abuse; it needs at least " + std::to_string(min) + " ham and " +
                   std::to_string(min) + " spam or abuse";
  }
  return std::nullopt;
}

}  // namespace

awaitable<Response> TrainModel(Services& s, const Call& call) {
  const Request& req = call.request;
  ModelJobs* jobs = s.model_jobs;
  if (jobs == nullptr) co_return Overloaded(req, "training is not available");
  TrainRequest tr;
  tr.data_dir = s.config.training.data_dir;
  std::vector<FieldError> errors;
  bool has_site = false, has_base = false;
  if (!call.body.is_null()) ParseTrainBody(call.body, &tr, &has_site, &has_base, &errors);
  if (errors.empty() && has_site == has_base) {
    errors.push_back(
        {has_site ? "/base" : "/site",
         has_site ? "cannot be combined with /site: a site model learns from that site's labels "
                    "alone; the base model from the data sets"
                  : "is required: {\"site\": NAME} trains that site's own model from its "
                    "labels; {\"base\": \"all\"} retrains the base model every site shares"});
  }
  if (errors.empty() && has_base) {
    tr.kind = TrainRequest::Kind::kBase;
    ParseBase(&tr, &errors);
    std::error_code ec;
    if (errors.empty() && !std::filesystem::is_directory(tr.data_dir, ec)) {
      errors.push_back({"/data_dir", "'" + tr.data_dir +
                                         "' is not a directory: retraining the base model "
                                         "needs the labelled data sets (training.data_dir)"});
    }
  }
  if (errors.empty() && has_site) {
    tr.site = base::AsciiLower(tr.site);
    SiteLabels labels;
    if (auto problem = CountLabels(s, req, tr.site, &labels)) co_return *problem;
    if (!labels.refusal.empty()) errors.push_back({"/site", labels.refusal});
  }
  if (!errors.empty()) co_return ValidationProblem(req, errors);
  int64_t id = 0, running = 0;
  if (!jobs->Start(tr, call.Actor(), &id, &running)) {
    co_return Problem(
        req, http::status::conflict,
        running ? "a training job is already running (job " + std::to_string(running) + ")"
                : std::string("the daemon is stopping"));
  }
  Response res =
      JsonResponse(req, http::status::accepted,
                   {{"job", id}, {"kind", std::string(KindName(tr.kind))}, {"status", "running"}});
  res.set(http::field::location, "/v1/admin/models/jobs/" + std::to_string(id));
  co_return res;
}

awaitable<Response> GetSiteModel(Services& s, const Call& call) {
  const Request& req = call.request;
  const std::string site = base::AsciiLower(call.name);
  SiteLabels labels;
  if (auto problem = CountLabels(s, req, site, &labels)) co_return *problem;
  json::value active = nullptr;
  if (const classifiers::SiteModel* own = s.engines.Current()->judge().site_model(site)) {
    std::string error;
    auto lease = s.readers.Acquire(&error);
    storage::ModelVersion m;
    if (lease && !lease->GetModel(own->model_id, &m)) active = ModelJson(m, false);
  }
  json::object counts;
  for (const char* label : {"ham", "spam", "abuse"}) {
    auto it = labels.counts.find(label);
    counts[label] = it == labels.counts.end() ? 0 : it->second;
  }
  co_return JsonResponse(
      req, http::status::ok,
      {{"site", site},
       {"model", std::move(active)},
       {"labels", std::move(counts)},
       {"trainable", labels.refusal.empty()},
       {"reason", labels.refusal.empty() ? json::value(nullptr) : json::value(labels.refusal)}});
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
                               {"gate", ParseJsonOr(job->gate_json, nullptr)}};
  }
  co_return JsonResponse(req, http::status::ok, o);
}

}  // namespace moderated::api

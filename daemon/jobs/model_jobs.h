// daemon/jobs/model_jobs.h
//
// The learning loop's jobs (docs/classifier.md, "Learning"), one at a time on
// a thread of their own (never an I/O thread):
//
//   site  A site's own model from that site's labels only
//         (training/site_model.h), gated on its held-out labels against the
//         site's current judgement, activated for that site alone. Other
//         sites' verdicts cannot change: they never see this model.
//   base  The base model every site shares, retrained from the labelled
//         data sets (training.data_dir; a missing directory fails the job
//         with a clear error rather than training on less) and calibrated
//         with the running rules (training/base_model.h). It becomes active
//         only by this explicit request, and only if it holds on the
//         regression set embedded in the binary (training/regression.h):
//         every language and label.
//
// Storing the candidate, the audit entries, activation and the engine swap
// happen in ONE writer task. The pure steps (TrainSiteCandidate,
// TrainBaseCandidate) are also what `moderated train` runs.
//
// Thread-safety: the free functions may run on any thread. ModelJobs'
// methods may be called from any thread (a mutex guards the job table).
#ifndef MODERATED_DAEMON_JOBS_MODEL_JOBS_H_
#define MODERATED_DAEMON_JOBS_MODEL_JOBS_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "classifiers/judge.h"
#include "daemon/core/config.h"
#include "daemon/engine/engine.h"
#include "storage/store.h"
#include "training/base_model.h"
#include "training/regression.h"
#include "training/site_model.h"

namespace moderated {

struct TrainRequest {
  enum class Kind { kSite, kBase };
  Kind kind = Kind::kSite;
  std::string site;                  // kSite: the site whose labels teach its model
  std::string base = "all";          // kBase: "all" or a comma-separated list of presets
  std::vector<std::string> presets;  // kBase: `base` parsed; empty = all
  std::string data_dir;              // kBase: where the data sets are
  training::TrainOptions options = training::BaseModelRequest::DefaultBaseTrainOptions();
  bool activate = true;           // activate if the gate passes
  double holdout_fraction = 0.3;  // kSite: share of labels held out for the gate
  uint32_t seed = 42;             // kSite (kBase: options.seed)
  std::string note;
};

std::string_view KindName(TrainRequest::Kind kind);  // "site" | "base"

// A site's labelled comments (its effective labels, training/site_model.h).
bool ReadSiteLabels(storage::Store& store, const std::string& site,
                    std::vector<training::SiteExample>* out, std::string* error);

// Trains a site model against `engine`'s judgement of that site (base model
// plus the site's current model, at the site's sensitivity). A site with too
// few labels returns true with out->refusal set.
bool TrainSiteCandidate(const std::vector<training::SiteExample>& labels, const Engine& engine,
                        const TrainRequest& request, training::SiteModelOutcome* out,
                        std::string* error);

struct BaseCandidate {
  training::BaseModelOutcome trained;
  classifiers::BaseModel model;            // loaded; source "candidate"
  training::Scorecard current, candidate;  // on the regression set
  training::RegressionGate gate;
  std::string report_json;
};

// Trains and calibrates a base model with `engine`'s rules and language
// identification, then scores it and `engine` on `regression_set`.
bool TrainBaseCandidate(const Engine& engine, const std::vector<training::Example>& regression_set,
                        const TrainRequest& request, const training::ProgressFn& progress,
                        BaseCandidate* out, std::string* error);

// The whole pipeline over the regression set with site "regression".
training::Scorecard ScoreRegressionSet(const Engine& engine,
                                       const std::vector<training::Example>& regression_set);

// The regression set compiled into the binary.
bool EmbeddedRegressionExamples(std::vector<training::Example>* out, std::string* error);

// ---- the daemon's background job --------------------------------------------

class DecisionWriter;
class EngineHolder;

struct ModelJob {
  int64_t id = 0;
  std::string status = "running";  // running | succeeded | failed
  std::string phase = "queued";
  double progress = 0;
  std::string actor;
  int64_t started_at_ms = 0;
  int64_t finished_at_ms = 0;
  TrainRequest request;
  std::string error;
  // succeeded:
  int64_t model_id = 0;
  bool activated = false;
  std::string gate_json = "null";  // the gate's JSON object
};

class ModelJobs {
 public:
  ModelJobs(const Config& config, EngineHolder& engines, DecisionWriter& writer);
  ~ModelJobs();  // Stop()
  ModelJobs(const ModelJobs&) = delete;
  ModelJobs& operator=(const ModelJobs&) = delete;

  // Starts a job on its own thread; false with *running_id set if one runs.
  bool Start(TrainRequest request, const std::string& actor, int64_t* id, int64_t* running_id);
  std::optional<ModelJob> Get(int64_t id) const;
  std::vector<ModelJob> List() const;  // newest first
  // Waits for a running job to finish (fastText cannot be interrupted);
  // its result is then not stored. Call before the writer stops.
  void Stop();

 private:
  struct Stored;
  void Run(int64_t id, const TrainRequest& request, const std::string& actor);
  bool RunSite(int64_t id, const TrainRequest& request, const std::string& actor,
               std::string* error);
  bool RunBase(int64_t id, const TrainRequest& request, const std::string& actor,
               std::string* error);
  // Stores the candidate and, if `activate`, activates it and swaps the
  // engine, in one writer task.
  bool Store(int64_t job, const std::string& actor, storage::ModelVersion model, bool activate,
             const std::string& gate_json,
             const std::function<std::shared_ptr<const classifiers::Judge>(
                 const classifiers::Judge&, int64_t model_id)>& next_judge,
             std::string* error);
  void Update(int64_t id, const std::function<void(ModelJob&)>& fn);
  bool Stopping() const;

  const Config& config_;
  EngineHolder& engines_;
  DecisionWriter& writer_;
  mutable std::mutex mu_;
  std::map<int64_t, ModelJob> jobs_;  // guarded by mu_
  int64_t next_id_ = 1;               // guarded by mu_
  int64_t running_ = 0;               // guarded by mu_; 0 = none
  bool stopping_ = false;             // guarded by mu_
  std::thread thread_;                // guarded by mu_
};

}  // namespace moderated

#endif  // MODERATED_DAEMON_JOBS_MODEL_JOBS_H_

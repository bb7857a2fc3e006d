// daemon/jobs/model_jobs.h
//
// The learning loop (docs/classifier.md, "Learning loop"): train a candidate
// model from base corpora plus the moderators' labels stored in the database,
// evaluate it AND the running model on the same held-out part of those
// labels, and activate the candidate only if it is not worse there.
//
//   TrainCandidate()  pure work (reads the database through its own read-only
//                     Store, trains with training/trainer.h, evaluates);
//                     used by `moderated train --from-db` and by ModelJobs.
//   ModelJobs         the daemon's background training job: one at a time, on
//                     a thread of its own (never an I/O thread). Storing the
//                     candidate, the audit entries, activation and the engine
//                     swap then happen in ONE writer task.
//   Load*Model()      which model `moderated serve` runs: a configured file
//                     wins; otherwise the active stored model; otherwise the
//                     model embedded in the binary.
//
// The gate (kGateTolerance): over the labels that have gold examples in the
// held-out part, the candidate's macro-F1 (threshold 0.5) must be at least the
// running model's macro-F1 minus 0.005, and the held-out part must have at
// least kMinHoldout examples.
//
// Thread-safety: TrainCandidate() may run on any thread. ModelJobs' methods
// may be called from any thread (a mutex guards the job table).
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

#include "classifiers/classifier.h"
#include "daemon/core/config.h"
#include "daemon/core/engine.h"
#include "storage/store.h"

namespace moderated {

inline constexpr double kGateTolerance = 0.005;
inline constexpr int64_t kMinHoldout = 10;

// What to train on and how.
struct LearnRequest {
  std::vector<std::string> base_presets;  // corpora presets; empty = the labels alone
  std::string base = "all";               // as requested ("all", "none", "sms,youtube")
  std::string data_dir;                   // where the presets' folders are
  double holdout_fraction = 0.3;          // share of the labels held out, by comment id + seed
  uint32_t seed = 42;
  std::string note;
  std::string site;  // only this site's labels; "" = every site
  int epochs = 0;    // 0 = the trainer's default
  std::string author;
};

struct GateResult {
  bool passed = false;
  double candidate = 0;  // macro-F1 on the held-out labels
  double current = 0;
  double tolerance = kGateTolerance;
  int64_t holdout = 0;
  std::vector<std::string> labels;  // gold labels present in the held-out part
  std::string reason;               // one line: why it passed or not
};

struct LearnOutcome {
  std::string model_bytes;
  std::string version;
  std::string report_json;  // a JSON object (docs/classifier.md)
  GateResult gate;
};

// (phase, progress in [0, 1]) — called from the training thread.
using LearnProgress = std::function<void(std::string_view phase, double progress)>;

// Reads the labels from the database at `database` (read-only), reads the
// base corpora, trains a candidate, evaluates it and `current` (described by
// `current_source`, e.g. "database:3") on the held-out labels and fills *out.
// On failure returns false and sets *error to one line.
bool TrainCandidate(const std::string& database, const LearnRequest& request,
                    const classifiers::Classifier& current, const std::string& current_source,
                    const LearnProgress& progress, LearnOutcome* out, std::string* error);

// The gate's JSON object (also stored inside the report as "gate").
std::string GateJson(const GateResult& gate);

// ---- which model the daemon runs --------------------------------------------

// (RunningModel, in daemon/core/engine.h, says which; the engine snapshot
// carries it.)
// The configured file (config.model) or, if none, the embedded model.
std::shared_ptr<const classifiers::Classifier> LoadBaseModel(const Config& config,
                                                             RunningModel* running,
                                                             std::string* error);
// The active stored model when no file is configured. Returns nullptr with
// *error empty when a file is configured or no model is active; nullptr with
// *error set ("model 3 in DB: <loader error>") when the stored one is bad.
std::shared_ptr<const classifiers::Classifier> LoadStoredModel(const Config& config,
                                                               storage::Store& store,
                                                               RunningModel* running,
                                                               std::string* error);

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
  LearnRequest request;
  std::string error;
  // succeeded:
  int64_t model_id = 0;
  bool activated = false;
  GateResult gate;
};

class ModelJobs {
 public:
  ModelJobs(const Config& config, EngineHolder& engines, DecisionWriter& writer);
  ~ModelJobs();  // Stop()
  ModelJobs(const ModelJobs&) = delete;
  ModelJobs& operator=(const ModelJobs&) = delete;

  // Starts a job on its own thread; false with *running_id set if one runs.
  bool Start(LearnRequest request, const std::string& actor, int64_t* id, int64_t* running_id);
  std::optional<ModelJob> Get(int64_t id) const;
  std::vector<ModelJob> List() const;  // newest first
  // Waits for a running job to finish (fastText cannot be interrupted);
  // its result is then not stored. Call before the writer stops.
  void Stop();

 private:
  void Run(int64_t id, LearnRequest request, std::string actor);
  void Update(int64_t id, const std::function<void(ModelJob&)>& fn);

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

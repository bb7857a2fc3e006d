// daemon/core/sources.h
//
// Where the rules and models the daemon runs come from.
//
// Rules: `rules:` (a file) wins; otherwise the active version stored by
// PUT /v1/admin/rules; otherwise the ruleset embedded in the binary.
//
// Models (docs/classifier.md, "Which model runs"):
//
//   base model   `model:` (a file; its calibration is the file beside it
//                with the extension replaced by ".calibration.json", if
//                present) wins; otherwise the active stored base model (with
//                its stored calibration); otherwise the model embedded in
//                the binary with its embedded calibration.
//   site models  every active stored site model, each for its own site.
//
// Errors are values: a base model that does not load is an error (the
// daemon does not start, or the running one stays); a stored site model
// that does not load is left out with a warning (one site then runs on the
// base model alone), so one bad row cannot stop every site.
// Thread-safety: plain functions; the Store must be the caller's.
#ifndef MODERATED_DAEMON_CORE_SOURCES_H_
#define MODERATED_DAEMON_CORE_SOURCES_H_

#include <memory>
#include <string>
#include <vector>

#include "classifiers/judge.h"
#include "daemon/core/config.h"
#include "daemon/engine/engine.h"
#include "rules/rule_set.h"
#include "storage/store.h"

namespace moderated {

// The rules named by the config (or the embedded default); *running says
// which text it was (GET /v1/admin/rules). Errors: "FILE:LINE:COL: ...".
std::shared_ptr<const rules::RuleSet> LoadConfiguredRules(const Config& config,
                                                          std::vector<std::string>* errors,
                                                          RunningRules* running);
// The active stored rules version when no file is configured, compiled; or
// nullptr with *errors untouched if a file is configured or none is stored.
std::shared_ptr<const rules::RuleSet> LoadStoredRules(const Config& config, storage::Store& store,
                                                      std::vector<std::string>* errors,
                                                      RunningRules* running);

// The configured file or, if none, the embedded model.
bool LoadConfiguredBase(const Config& config, classifiers::BaseModel* out, std::string* error);

// A stored model row as a base or site model. `origin` names it in errors
// ("model 3 in /var/lib/moderated/moderated.db").
bool LoadStoredBase(const storage::ModelVersion& m, const std::string& origin,
                    classifiers::BaseModel* out, std::string* error);
bool LoadStoredSite(const storage::ModelVersion& m, const std::string& origin,
                    classifiers::SiteModel* out, std::string* error);

// Everything at once, as `moderated serve` and SIGHUP need it. `store` may
// be null (no database: file or embedded base, no site models). Warnings
// (site models left out) are appended to *warnings.
std::shared_ptr<const classifiers::Judge> LoadJudge(const Config& config, storage::Store* store,
                                                    std::vector<std::string>* warnings,
                                                    std::string* error);

}  // namespace moderated

#endif  // MODERATED_DAEMON_CORE_SOURCES_H_

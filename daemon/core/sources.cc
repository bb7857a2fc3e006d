// daemon/core/sources.cc
#include "daemon/core/sources.h"

#include <filesystem>

#include "base/files.h"
#include "base/strings.h"
#include "classifiers/fasttext_classifier.h"
#include "daemon/core/embedded.h"

namespace moderated {
namespace {

namespace cls = ::moderated::classifiers;

// The calibration file of a model file: "m.ftz" → "m.calibration.json".
std::string CalibrationPathFor(const std::string& model_path) {
  std::filesystem::path p(model_path);
  p.replace_extension(".calibration.json");
  return p.string();
}

// `calibration_origin` names the calibration in its errors.
bool Assemble(std::shared_ptr<const cls::Classifier> model, std::string_view calibration_text,
              const std::string& calibration_origin, std::string source, int64_t id,
              cls::BaseModel* out, std::string* error) {
  if (!model) return false;
  std::shared_ptr<const cls::Calibration> calibration = cls::Calibration::Identity();
  if (!calibration_text.empty()) {
    calibration = cls::Calibration::Parse(calibration_text, calibration_origin, error);
    if (!calibration) return false;
  }
  std::string version = cls::BaseModelVersion(model->version(), calibration_text);
  *out = {std::move(model), std::move(calibration), std::move(version), std::move(source), id};
  return true;
}

}  // namespace

std::shared_ptr<const rules::RuleSet> LoadConfiguredRules(const Config& config,
                                                          std::vector<std::string>* errors,
                                                          RunningRules* running) {
  if (config.rules.empty()) {
    *running = {std::string(EmbeddedDefaultRules()), 0, "embedded"};
    return CompileRules(EmbeddedDefaultRules(), "<embedded>/rules/default.yaml", ".", errors);
  }
  std::string text, error;
  if (!base::ReadFile(config.rules, &text, &error)) {
    errors->push_back(error);
    return nullptr;
  }
  *running = {text, 0, config.rules};
  return CompileRules(text, config.rules, base::DirOf(config.rules), errors);
}

std::shared_ptr<const rules::RuleSet> LoadStoredRules(const Config& config, storage::Store& store,
                                                      std::vector<std::string>* errors,
                                                      RunningRules* running) {
  storage::RulesVersion v;
  if (!config.rules.empty() || store.ActiveRulesVersion(&v)) return nullptr;
  *running = {v.text, v.id, "database:" + std::to_string(v.id)};
  // Stored rules came over the API: their list files only from rules_list_dir.
  return CompileRules(v.text, "rules version " + std::to_string(v.id), config.rules_list_dir,
                      errors, /*confine_list_files=*/true);
}

bool LoadConfiguredBase(const Config& config, cls::BaseModel* out, std::string* error) {
  if (config.model.empty()) {
    const std::string origin = "<embedded>/classifiers/models/default.ftz";
    return Assemble(cls::LoadFastTextClassifierFromMemory(EmbeddedDefaultModel(), origin, error),
                    EmbeddedDefaultCalibration(),
                    "<embedded>/classifiers/models/default.calibration.json", "embedded", 0, out,
                    error);
  }
  std::shared_ptr<const cls::Classifier> model = cls::LoadFastTextClassifier(config.model, error);
  if (!model) return false;
  std::string calibration;
  const std::string calibration_path = CalibrationPathFor(config.model);
  std::error_code ec;
  if (std::filesystem::exists(calibration_path, ec) &&
      !base::ReadFile(calibration_path, &calibration, error)) {
    return false;
  }
  return Assemble(std::move(model), calibration, calibration_path, config.model, 0, out, error);
}

bool LoadStoredBase(const storage::ModelVersion& m, const std::string& origin,
                    cls::BaseModel* out, std::string* error) {
  return Assemble(cls::LoadFastTextClassifierFromMemory(m.bytes, origin, error), m.calibration,
                  origin + " (calibration)", "database:" + std::to_string(m.id), m.id, out, error);
}

bool LoadStoredSite(const storage::ModelVersion& m, const std::string& origin,
                    cls::SiteModel* out, std::string* error) {
  std::shared_ptr<const cls::Classifier> model =
      cls::LoadFastTextClassifierFromMemory(m.bytes, origin, error);
  if (!model) return false;
  std::shared_ptr<const cls::SiteCombiner> combiner =
      cls::SiteCombiner::Parse(m.calibration, origin + " (combiner)", error);
  if (!combiner) return false;
  *out = {std::move(model), std::move(combiner), m.version, m.id};
  return true;
}

std::shared_ptr<const cls::Judge> LoadJudge(const Config& config, storage::Store* store,
                                            std::vector<std::string>* warnings,
                                            std::string* error) {
  cls::BaseModel base;
  bool have_base = false;
  if (config.model.empty() && store != nullptr) {
    storage::ModelVersion m;
    std::error_code ec = store->ActiveModel(&m);
    if (ec && ec != storage::Errc::not_found) {
      *error = config.database + ": cannot read the active model: " + store->LastErrorMessage();
      return nullptr;
    }
    if (!ec) {
      if (!LoadStoredBase(m, "model " + std::to_string(m.id) + " in " + config.database, &base,
                          error)) {
        return nullptr;
      }
      have_base = true;
    }
  }
  if (!have_base && !LoadConfiguredBase(config, &base, error)) return nullptr;
  std::map<std::string, cls::SiteModel, std::less<>> sites;
  if (store != nullptr) {
    std::vector<storage::ModelVersion> stored;
    if (store->ActiveSiteModels(&stored)) {
      *error = config.database + ": cannot read the site models: " + store->LastErrorMessage();
      return nullptr;
    }
    for (const storage::ModelVersion& m : stored) {
      cls::SiteModel site;
      std::string site_error;
      if (!LoadStoredSite(m, "model " + std::to_string(m.id) + " in " + config.database, &site,
                          &site_error)) {
        warnings->push_back(site_error + "; site '" + m.site + "' runs on the base model alone");
        continue;
      }
      sites[m.site] = std::move(site);
    }
  }
  return std::make_shared<const cls::Judge>(std::move(base), std::move(sites));
}

}  // namespace moderated

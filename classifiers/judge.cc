// classifiers/judge.cc
#include "classifiers/judge.h"

#include <utility>

#include "classifiers/fasttext_classifier.h"

namespace moderated::classifiers {

Judge::Judge(BaseModel base, std::map<std::string, SiteModel, std::less<>> sites)
    : base_(std::move(base)), sites_(std::move(sites)) {
  if (!base_.calibration) base_.calibration = Calibration::Identity();
}

const SiteModel* Judge::site_model(std::string_view site) const {
  auto it = sites_.find(site);
  return it == sites_.end() ? nullptr : &it->second;
}

Judgement Judge::FromCalibrated(const std::array<double, kDecisionLabels.size()>& q,
                                std::string_view language, std::string_view site,
                                Sensitivity level) const {
  Judgement j;
  const LanguageGroup group = GroupOf(language);
  const SiteModel* own = site_model(site);
  j.ham = 1;
  for (size_t l = 0; l < kDecisionLabels.size(); ++l) {
    LabelJudgement& lj = j.labels[l];
    lj.q = q[l];
    lj.points = own != nullptr ? own->combiner->Points(static_cast<int>(l), q[l], level,
                                                       *base_.calibration, group)
                               : base_.calibration->Points(static_cast<int>(l), group, q[l], level);
    j.ham *= 1 - q[l];
  }
  j.version = own != nullptr ? base_.version + "+" + own->version : base_.version;
  j.site_model = own != nullptr;
  return j;
}

Judgement Judge::Evaluate(std::string_view normalized, std::string_view language,
                          std::string_view site, Sensitivity level) const {
  const Prediction raw = base_.classifier->Predict(normalized);
  const LanguageGroup group = GroupOf(language);
  std::array<double, kDecisionLabels.size()> q{};
  std::array<double, kDecisionLabels.size()> p{};
  for (size_t l = 0; l < kDecisionLabels.size(); ++l) {
    p[l] = raw.Get(kDecisionLabels[l]);
    q[l] = base_.calibration->Calibrate(static_cast<int>(l), group, p[l]);
  }
  const SiteModel* own = site_model(site);
  if (own != nullptr) {
    const Prediction site_raw = own->classifier->Predict(normalized);
    for (size_t l = 0; l < kDecisionLabels.size(); ++l) {
      q[l] = own->combiner->Combine(static_cast<int>(l), q[l], site_raw.Get(kDecisionLabels[l]));
    }
  }
  Judgement j = FromCalibrated(q, language, site, level);
  for (size_t l = 0; l < kDecisionLabels.size(); ++l) j.labels[l].raw = p[l];
  return j;
}

std::shared_ptr<const Judge> Judge::WithSiteModel(const std::string& site, SiteModel model) const {
  auto sites = sites_;
  sites[site] = std::move(model);
  return std::make_shared<const Judge>(base_, std::move(sites));
}

std::shared_ptr<const Judge> Judge::WithoutSiteModel(std::string_view site) const {
  auto sites = sites_;
  if (auto it = sites.find(site); it != sites.end()) sites.erase(it);
  return std::make_shared<const Judge>(base_, std::move(sites));
}

std::shared_ptr<const Judge> Judge::WithBase(BaseModel base) const {
  return std::make_shared<const Judge>(std::move(base), sites_);
}

std::string BaseModelVersion(std::string_view model_version, std::string_view calibration_text) {
  if (calibration_text.empty()) return std::string(model_version);
  std::string both(model_version);
  both.push_back('\n');
  both.append(calibration_text);
  return FastTextModelVersion(both);
}

}  // namespace moderated::classifiers

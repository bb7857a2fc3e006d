// tests/testing/fake_classifier.h
//
// FakeClassifier: returns fixed probabilities, or per-substring overrides, so
// daemon tests can pin the classifier's part of a verdict.
#ifndef MODERATED_TESTS_TESTING_FAKE_CLASSIFIER_H_
#define MODERATED_TESTS_TESTING_FAKE_CLASSIFIER_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "classifiers/classifier.h"
#include "classifiers/judge.h"

namespace moderated::testing {

class FakeClassifier : public classifiers::Classifier {
 public:
  FakeClassifier(double spam, double abuse, std::string version = "ft-fake")
      : spam_(spam), abuse_(abuse), version_(std::move(version)) {}

  // Texts containing `needle` get these probabilities instead.
  void Override(std::string needle, double spam, double abuse) {
    overrides_.push_back({std::move(needle), spam, abuse});
  }

  classifiers::Prediction Predict(std::string_view normalized) const override {
    double spam = spam_, abuse = abuse_;
    for (const auto& o : overrides_) {
      if (normalized.find(o.needle) != std::string_view::npos) {
        spam = o.spam;
        abuse = o.abuse;
      }
    }
    return {{{"abuse", abuse}, {"ham", 1 - std::max(spam, abuse)}, {"spam", spam}}};
  }
  const std::string& version() const override { return version_; }

 private:
  struct Entry {
    std::string needle;
    double spam, abuse;
  };
  double spam_, abuse_;
  std::string version_;
  std::vector<Entry> overrides_;
};

// A Judge of `classifier` alone: identity calibration (q = p; a label alone
// holds at 0.5 and rejects at 0.99), version = the classifier's.
// A calibration instead of the identity may be given.
inline std::shared_ptr<const classifiers::Judge> FakeJudge(
    std::shared_ptr<const classifiers::Classifier> classifier,
    std::shared_ptr<const classifiers::Calibration> calibration =
        classifiers::Calibration::Identity()) {
  classifiers::BaseModel base;
  base.version = classifier->version();
  base.source = "test";
  base.classifier = std::move(classifier);
  base.calibration = std::move(calibration);
  return std::make_shared<const classifiers::Judge>(std::move(base));
}

}  // namespace moderated::testing

#endif  // MODERATED_TESTS_TESTING_FAKE_CLASSIFIER_H_

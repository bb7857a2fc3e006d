// classifiers/classifier.h
//
// Classifier: turns normalised comment text into label probabilities.
//
// The daemon holds classifiers as std::shared_ptr<const Classifier>; Predict()
// is const and safe to call from any number of threads at once. A loaded model
// never changes: to change models, load a new one and swap the pointer.
//
// Labels are independent (one-vs-all): "spam", "abuse" and "ham" each get a
// probability in [0, 1]; they need not sum to 1.
#ifndef MODERATED_CLASSIFIERS_CLASSIFIER_H_
#define MODERATED_CLASSIFIERS_CLASSIFIER_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace moderated::classifiers {

struct LabelScore {
  std::string label;   // without fastText's "__label__" prefix
  double probability;  // in [0, 1]
};

struct Prediction {
  std::vector<LabelScore> labels;  // every label the model knows, sorted by name

  // Probability of `label`, or 0 if the model does not know it.
  double Get(std::string_view label) const;
};

class Classifier {
 public:
  virtual ~Classifier() = default;

  // `normalized` is the output of Normalize(). Implementations tokenise it
  // themselves (see tokenizer.h) so that training and inference agree.
  // Does not throw.
  virtual Prediction Predict(std::string_view normalized) const = 0;

  // A short, stable identifier of the loaded model, e.g. "ft-3f2a9c1b0d4e".
  virtual const std::string& version() const = 0;
};

// Loads a fastText supervised model (.bin or quantised .ftz) from a file.
// On failure returns nullptr and sets *error to one line naming the file,
// e.g. "models/x.ftz: not a fastText model (bad magic number)".
std::unique_ptr<const Classifier> LoadFastTextClassifier(const std::string& path,
                                                         std::string* error);

// The same from bytes already in memory (the model embedded in the binary).
// `origin` names the source in error messages.
std::unique_ptr<const Classifier> LoadFastTextClassifierFromMemory(std::string_view bytes,
                                                                   std::string_view origin,
                                                                   std::string* error);

}  // namespace moderated::classifiers

#endif  // MODERATED_CLASSIFIERS_CLASSIFIER_H_

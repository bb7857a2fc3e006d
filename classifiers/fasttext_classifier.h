// classifiers/fasttext_classifier.h
//
// The fastText implementation of Classifier (classifier.h). The factories
// LoadFastTextClassifier() and LoadFastTextClassifierFromMemory() are declared
// in classifier.h; this header adds what a caller needs to reason about a
// model file without loading it. <fasttext/*.h> is included only by the .cc.
//
// Loading contract (both factories):
//   * The bytes are checked completely before fastText sees them: magic
//     number, file-format version (12, fastText 0.9.x), supervised model,
//     every length field against the remaining bytes, matrix shapes against
//     the dictionary, and no trailing bytes. fastText itself would exit(),
//     throw, allocate gigabytes or read garbage on such input.
//   * Any exception fastText still throws is caught; nothing escapes.
//   * On failure: nullptr, and *error is one line starting with the origin
//     (the path, or `origin` for memory), e.g.
//       "m.ftz: not a fastText model (bad magic number)"
//       "m.ftz: truncated fastText model (ends inside the dictionary)"
//       "m.ftz: cannot open: No such file or directory"
//       "m.ftz: empty file"
//
// Prediction contract (Predict):
//   * Tokenises with TokenizeForModel() (tokenizer.h) — the caller passes
//     Normalize()d text, exactly what the trainer (trainer.h) trained on.
//   * Returns every label of the model, sorted by name, with probability
//     sigmoid(score) for one-vs-all models (independent, need not sum to 1)
//     or the softmax share for softmax models; always clamped to [0, 1].
//   * Text with no known token still yields every label (fastText sees the
//     end-of-line token, as at training time).
//   * Thread-safe: fastText 0.9.2's FastText::predict() is const and keeps
//     its scratch state (Model::State) on the stack of each call.
#ifndef MODERATED_CLASSIFIERS_FASTTEXT_CLASSIFIER_H_
#define MODERATED_CLASSIFIERS_FASTTEXT_CLASSIFIER_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "classifiers/classifier.h"

namespace moderated::classifiers {

// Files larger than this are refused before reading (a quantised default
// model is a few MB; an unquantised one with 2M buckets and dim 100 ~800 MB).
inline constexpr uint64_t kMaxModelBytes = uint64_t{2} << 30;  // 2 GiB

// "ft-" + the first 12 hex digits of the FNV-1a 64-bit hash of the bytes.
// This is what Classifier::version() returns for a model with these bytes.
std::string FastTextModelVersion(std::string_view model_bytes);

// What ValidateFastTextModel() learnt about a well-formed model.
struct FastTextModelInfo {
  int32_t dim = 0;
  int32_t words = 0;
  int32_t labels = 0;
  bool quantized = false;
};

// Checks that `bytes` is a complete, self-consistent fastText 0.9.x
// supervised model. On failure returns false and sets *problem to the part
// of the message after "<origin>: ", e.g. "not a fastText model (bad magic
// number)". On success fills *info (if not null). Never throws.
bool ValidateFastTextModel(std::string_view bytes, FastTextModelInfo* info, std::string* problem);

}  // namespace moderated::classifiers

#endif  // MODERATED_CLASSIFIERS_FASTTEXT_CLASSIFIER_H_

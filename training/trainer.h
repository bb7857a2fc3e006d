// training/trainer.h
//
// Trains a supervised fastText model from Examples (corpus.h) with our own
// code (not the fastText CLI), on exactly the inference path:
//
//   text --Normalize()--> normalised --TokenizeForModel()--> tokens
//
// which is what FastTextClassifier::Predict() does to the normalised text the
// daemon passes it. Labels become "__label__<name>".
//
// Determinism: with the same examples (same order), options and seed, the
// model file is byte-identical. The trainer shuffles examples with its own
// seeded generator (not std::shuffle, whose algorithm varies by library),
// trains with one thread (fastText's multi-threaded Hogwild updates race) and
// quantises with fastText's fixed product-quantizer seed.
//
// Loss is one-vs-all by default, so each label gets an independent
// probability (an example may be neither spam nor abuse, or both).
//
// Errors are values: Train* returns false and sets *error to one line;
// fastText's exceptions are caught here. fastText may still print to
// stderr/stdout when options.verbose > 0 (default 0: silent).
//
// Thread-safety: TrainFastTextModel() may run on any thread; it uses only its
// own temporary files and fastText objects.
#ifndef MODERATED_TRAINING_TRAINER_H_
#define MODERATED_TRAINING_TRAINER_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "training/corpus.h"

namespace moderated::training {

struct TrainOptions {
  // Defaults are the settings of the shipped default model
  // (classifiers/models/MODEL_CARD.md).
  int epochs = 10;
  double learning_rate = 0.5;
  int dim = 50;
  int word_ngrams = 2;
  int minn = 3;  // character n-grams (0/0 = off)
  int maxn = 6;
  int bucket = 500000;  // hash buckets for word and character n-grams
  int min_count = 1;
  bool softmax = false;  // false: one-vs-all (sigmoid per label)
  uint32_t seed = 42;

  // Quantisation to .ftz (FastText::quantize): keep the `cutoff` most
  // important rows of the input matrix (0 = all), optionally retrain the
  // pruned model for `epochs` more, product-quantise with sub-vectors of
  // `dsub` floats, optionally quantising row norms separately (qnorm).
  // qnorm and retrain are off by default: on our data both pulled every
  // probability towards 0.5 (spam precision 0.98 → 0.90 at threshold 0.5,
  // ranking unchanged), while plain pruning + PQ kept the dense model's
  // quality.
  bool quantize = false;
  size_t cutoff = 100000;
  bool retrain = false;
  bool qnorm = false;
  int dsub = 2;

  // Copies of each training example of a data set (Example::source; one
  // when not listed): weight for a set that is small but the only one of its
  // kind, such as the Russian chat ham of radio-t.
  std::map<std::string, int> repeat;

  int verbose = 0;       // fastText's own progress output
  std::string temp_dir;  // for the training text; "" = system temp dir
};

// Turns one raw text into the model's token line (no label, no newline).
// The one place where training applies Normalize() + TokenizeForModel().
std::string PrepareForModel(std::string_view raw_text);

// The deduplication and split key of a training text: Normalize() +
// TokenizeAllWords(), every word kept, so the splits stay fixed.
std::string SplitKey(std::string_view raw_text);

// The fastText training line for `example`: "__label__a __label__b tokens".
std::string TrainingLine(const Example& example);

struct TrainStats {
  int64_t examples = 0;  // lines written (examples with no tokens dropped)
  int32_t words = 0;     // vocabulary of the trained model
  int32_t labels = 0;
  uint64_t model_bytes = 0;  // size of the written file
};

// Trains on `examples` and writes the model to `output_path` (a .bin, or a
// .ftz when options.quantize). Examples with no labels are an error.
bool TrainFastTextModel(const std::vector<Example>& examples, const TrainOptions& options,
                        const std::string& output_path, TrainStats* stats, std::string* error);

// Deterministic pseudo-random permutation helpers, exposed for tests and for
// the train command's split.
uint64_t SplitMix64(uint64_t x);
uint64_t HashText(std::string_view text, uint64_t seed);

}  // namespace moderated::training

#endif  // MODERATED_TRAINING_TRAINER_H_

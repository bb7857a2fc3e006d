// training/dataset.h
//
// BuildDataset(): the labelled data sets of ../shared/data turned into one
// deduplicated collection with a FIXED three-way split, the only way the
// shipped model is trained and measured:
//
//   test        never trained on by any shipped model, and never used to pick
//               a setting; the figures in docs/classifier.md come from it;
//   validation  used to calibrate probabilities and choose thresholds (and
//               to compare candidate settings); not trained on by the model
//               it calibrates;
//   train       what fastText learns from.
//
// How examples are assigned (docs/classifier.md, "Data"):
//   1. Each preset is read (corpus.h). Presets pin their own official splits:
//      OSACT2020's dev file and Impermium's competition test file are test;
//      YouTube's last 30 % of each class of each video (file order, which is
//      chronological) is test, the TubeSpam protocol. OSACT2020's train file
//      and YouTube's first 70 % can never be test.
//   2. The key of an example is its model input with every word kept
//      (SplitKey: normalised and tokenised, URLs and numbers as
//      placeholders, pronouns not dropped), so texts that differ
//      only in case, look-alike letters, invisible characters, punctuation
//      or the URL they carry are one text. Examples with an empty key are
//      dropped.
//   3. A key seen with different label sets anywhere (within a set or across
//      sets) is dropped everywhere: it cannot be both.
//   4. Every key gets one split for all sets: test if any occurrence is
//      pinned test; otherwise a hash of the key (fixed seed, so the split
//      never moves) puts 20 % of the unpinned keys in test, and 15 % of the
//      remaining (pinned-train included) in validation. One text therefore
//      never sits on both sides of a split.
//   5. A published test split (pinned test) is kept row for row, duplicates
//      and all, so its figures compare with the published ones. Elsewhere,
//      train and validation keep one example per key (the first, in preset
//      order) and the hashed test part keeps one per key per set.
//
// Errors are values: BuildDataset returns false with *error set to one line.
// Thread-safety: pure apart from reading files.
#ifndef MODERATED_TRAINING_DATASET_H_
#define MODERATED_TRAINING_DATASET_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "training/corpus.h"

namespace moderated::training {

inline constexpr double kTestFraction = 0.2;
inline constexpr double kValidationFraction = 0.15;  // of what is not test
inline constexpr uint64_t kSplitSeed = 20260101;     // fixed forever: moving it moves test

struct PresetCounts {
  int64_t read = 0;        // examples the preset reader returned
  int64_t empty = 0;       // no token left after normalisation
  int64_t conflicting = 0; // key carries different labels somewhere
  int64_t duplicate = 0;   // another example with the same key kept instead
  int64_t test_elsewhere = 0;  // pinned train, but the same text is a test text
  std::map<std::string, int64_t> train, validation, test;  // label → examples kept
};

struct DatasetReport {
  std::map<std::string, PresetCounts> presets;  // by preset name
};

// Reads `presets` (PresetNames() if empty) from `data_dir` and fills *out
// with the kept examples, each with split "train", "validation" or "test".
bool BuildDataset(const std::vector<std::string>& presets, const std::string& data_dir,
                  std::vector<Example>* out, DatasetReport* report, std::string* error);

// The same assignment over examples already read (tests, generic files):
// `examples` in, kept examples out with their split set.
void SplitAndDeduplicate(std::vector<Example> examples, std::vector<Example>* out,
                         DatasetReport* report);

}  // namespace moderated::training

#endif  // MODERATED_TRAINING_DATASET_H_

// training/dataset.cc
#include "training/dataset.h"

#include <algorithm>
#include <set>
#include <unordered_map>
#include <utility>

#include "training/trainer.h"

namespace moderated::training {
namespace {

std::string LabelSet(const Example& e) {
  std::vector<std::string> labels = e.labels;
  std::sort(labels.begin(), labels.end());
  std::string out;
  for (const std::string& l : labels) out += l + "|";
  return out;
}

// Uniform in [0, 1) from the key and the fixed split seed.
double Unit(const std::string& key, uint64_t salt) {
  return static_cast<double>(HashText(key, kSplitSeed ^ salt) >> 11) * 0x1.0p-53;
}

struct KeyInfo {
  std::string labels;  // the first label set seen
  bool conflicting = false;
  bool pinned_test = false;
  bool pinned_train = false;
  std::string split;
};

// The split key of every example into *keys, and what each key's examples
// say: their labels agree or conflict, a split is pinned. Counts what is read
// and what has no key.
void IndexKeys(const std::vector<Example>& examples, DatasetReport* report,
               std::vector<std::string>* keys, std::unordered_map<std::string, KeyInfo>* info) {
  keys->resize(examples.size());
  for (size_t i = 0; i < examples.size(); ++i) {
    const Example& e = examples[i];
    PresetCounts& counts = report->presets[e.source];
    counts.read++;
    (*keys)[i] = SplitKey(e.text);
    if ((*keys)[i].empty() && e.split != "test") {
      counts.empty++;
      continue;
    }
    auto [it, inserted] = info->try_emplace((*keys)[i]);
    KeyInfo& k = it->second;
    const std::string labels = LabelSet(e);
    if (inserted) {
      k.labels = labels;
    } else if (k.labels != labels) {
      k.conflicting = true;
    }
    if (e.split == "test") k.pinned_test = true;
    if (e.split == "train") k.pinned_train = true;
  }
}

// Each key's split: pinned test, else by the key's hash.
void AssignSplits(std::unordered_map<std::string, KeyInfo>* info) {
  for (auto& [key, k] : *info) {
    if (k.pinned_test) {
      k.split = "test";
    } else if (!k.pinned_train && Unit(key, 1) < kTestFraction) {
      k.split = "test";
    } else {
      k.split = Unit(key, 2) < kValidationFraction ? "validation" : "train";
    }
  }
}

}  // namespace

void SplitAndDeduplicate(std::vector<Example> examples, std::vector<Example>* out,
                         DatasetReport* report) {
  std::vector<std::string> keys;
  std::unordered_map<std::string, KeyInfo> info;
  IndexKeys(examples, report, &keys, &info);
  AssignSplits(&info);
  std::set<std::string> kept_global;                       // train and validation keys
  std::set<std::pair<std::string, std::string>> kept_test;  // (source, key)
  for (size_t i = 0; i < examples.size(); ++i) {
    Example& e = examples[i];
    if (keys[i].empty() && e.split != "test") continue;
    PresetCounts& counts = report->presets[e.source];
    if (e.split == "test") {
      // A published test split (OSACT2020 dev, Impermium's test file, the
      // YouTube protocol) is kept row for row, as its authors measure it.
      counts.test[e.labels.at(0)]++;
      out->push_back(std::move(e));
      continue;
    }
    const KeyInfo& k = info.at(keys[i]);
    if (k.conflicting) {
      counts.conflicting++;
      continue;
    }
    if (k.split == "test" && e.split == "train") {
      counts.test_elsewhere++;  // pinned train here, a test text of its own set or another
      continue;
    }
    const bool fresh = k.split == "test" ? kept_test.emplace(e.source, keys[i]).second
                                         : kept_global.insert(keys[i]).second;
    if (!fresh) {
      counts.duplicate++;
      continue;
    }
    e.split = k.split;
    auto& by_label = k.split == "test"         ? counts.test
                     : k.split == "validation" ? counts.validation
                                               : counts.train;
    by_label[e.labels.at(0)]++;
    out->push_back(std::move(e));
  }
}

bool BuildDataset(const std::vector<std::string>& presets, const std::string& data_dir,
                  std::vector<Example>* out, DatasetReport* report, std::string* error) {
  const std::vector<std::string>& names = presets.empty() ? PresetNames() : presets;
  std::vector<Example> all;
  for (const std::string& name : names) {
    if (!ReadPreset(name, data_dir, &all, error)) return false;
  }
  SplitAndDeduplicate(std::move(all), out, report);
  return true;
}

}  // namespace moderated::training

// training/trainer.cc
#include "training/trainer.h"

#include <fasttext/args.h>
#include <fasttext/fasttext.h>
#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "classifiers/normalizer.h"
#include "classifiers/tokenizer.h"

namespace moderated::training {
namespace {

// Removes the training text however training ends.
class TempFile {
 public:
  TempFile() = default;
  ~TempFile() {
    if (!path_.empty()) ::unlink(path_.c_str());
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;

  bool Create(const std::string& dir, std::string* error) {
    std::error_code ec;
    std::string base = dir.empty() ? std::filesystem::temp_directory_path(ec).string() : dir;
    if (base.empty()) base = "/tmp";
    std::string tmpl = base + "/moderated-train-XXXXXX";
    int fd = ::mkstemp(tmpl.data());
    if (fd < 0) {
      *error = tmpl + ": cannot create temporary file: " + std::generic_category().message(errno);
      return false;
    }
    ::close(fd);
    path_ = tmpl;
    return true;
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace

uint64_t SplitMix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

uint64_t HashText(std::string_view text, uint64_t seed) {
  uint64_t h = 0xcbf29ce484222325ULL ^ SplitMix64(seed);
  for (unsigned char c : text) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return SplitMix64(h);
}

std::string PrepareForModel(std::string_view raw_text) {
  return classifiers::TokenizeForModel(classifiers::Normalize(raw_text).text);
}

std::string SplitKey(std::string_view raw_text) {
  return classifiers::TokenizeAllWords(classifiers::Normalize(raw_text).text);
}

std::string TrainingLine(const Example& example) {
  std::string line;
  for (const std::string& label : example.labels) {
    line += "__label__";
    line += label;
    line.push_back(' ');
  }
  line += PrepareForModel(example.text);
  return line;
}

namespace {

// The training text, one line per example and copy (TrainOptions::repeat);
// examples without tokens are left out.
bool TrainingLines(const std::vector<Example>& examples, const TrainOptions& options,
                   std::vector<std::string>* lines, std::string* error) {
  if (examples.empty()) {
    *error = "no training examples";
    return false;
  }
  lines->reserve(examples.size());
  for (size_t i = 0; i < examples.size(); ++i) {
    const Example& e = examples[i];
    if (e.labels.empty()) {
      *error = "example " + std::to_string(i + 1) + " (" + e.source + ") has no label";
      return false;
    }
    std::string tokens = PrepareForModel(e.text);
    if (tokens.empty()) continue;  // nothing to learn from, only the end-of-line token
    std::string line;
    for (const std::string& label : e.labels) line += "__label__" + label + " ";
    line += tokens;
    const auto repeat = options.repeat.find(e.source);
    for (int copy = 1; repeat != options.repeat.end() && copy < repeat->second; ++copy) {
      lines->push_back(line);
    }
    lines->push_back(std::move(line));
  }
  if (lines->empty()) {
    *error = "no training example has any token";
    return false;
  }
  return true;
}

// Fisher-Yates with our own generator: same permutation on every platform.
void Shuffle(uint32_t seed, std::vector<std::string>* lines) {
  uint64_t state = SplitMix64(seed);
  for (size_t i = lines->size() - 1; i > 0; --i) {
    state = SplitMix64(state);
    size_t j = static_cast<size_t>(state % (i + 1));
    std::swap((*lines)[i], (*lines)[j]);
  }
}

bool WriteLines(const std::string& path, const std::vector<std::string>& lines,
                std::string* error) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  for (const std::string& line : lines) out << line << '\n';
  out.flush();
  if (!out) {
    *error = path + ": cannot write training text";
    return false;
  }
  return true;
}

fasttext::Args FastTextArgs(const TrainOptions& options, const std::string& input_path,
                            const std::string& output_path) {
  fasttext::Args args;
  args.input = input_path;
  args.output = output_path;
  args.model = fasttext::model_name::sup;
  args.loss = options.softmax ? fasttext::loss_name::softmax : fasttext::loss_name::ova;
  args.epoch = options.epochs;
  args.lr = options.learning_rate;
  args.dim = options.dim;
  args.wordNgrams = options.word_ngrams;
  args.minn = options.minn;
  args.maxn = options.maxn;
  args.bucket = options.bucket;
  args.minCount = options.min_count;
  args.minCountLabel = 0;
  args.thread = 1;  // determinism: fastText's parallel updates race
  args.seed = static_cast<int>(options.seed);
  args.verbose = options.verbose;
  return args;
}

// Trains (and quantizes) the model and saves it; may throw, as fastText does.
bool TrainAndSave(const fasttext::Args& args, const TrainOptions& options,
                  const std::string& output_path, int64_t lines, TrainStats* stats,
                  std::string* error) {
  fasttext::FastText model;
  model.train(args);
  if (options.quantize) {
    fasttext::Args qargs = args;
    qargs.qout = false;
    qargs.cutoff = options.cutoff;
    qargs.retrain = options.retrain && options.cutoff > 0;
    qargs.qnorm = options.qnorm;
    qargs.dsub = static_cast<size_t>(options.dsub);
    model.quantize(qargs);
  }
  model.saveModel(output_path);
  if (stats != nullptr) {
    stats->examples = lines;
    stats->words = model.getDictionary()->nwords();
    stats->labels = model.getDictionary()->nlabels();
    std::error_code ec;
    stats->model_bytes = std::filesystem::file_size(output_path, ec);
    if (ec) {
      *error = output_path + ": model not written: " + ec.message();
      return false;
    }
  }
  return true;
}

}  // namespace

bool TrainFastTextModel(const std::vector<Example>& examples, const TrainOptions& options,
                        const std::string& output_path, TrainStats* stats, std::string* error) {
  std::vector<std::string> lines;
  if (!TrainingLines(examples, options, &lines, error)) return false;
  Shuffle(options.seed, &lines);
  TempFile input;
  if (!input.Create(options.temp_dir, error)) return false;
  if (!WriteLines(input.path(), lines, error)) return false;
  try {
    const fasttext::Args args = FastTextArgs(options, input.path(), output_path);
    return TrainAndSave(args, options, output_path, static_cast<int64_t>(lines.size()), stats,
                        error);
  } catch (const std::exception& e) {
    std::string what = e.what();
    for (char& c : what) {
      if (c == '\n') c = ' ';
    }
    *error = "fastText training failed: " + what;
    return false;
  } catch (...) {
    *error = "fastText training failed";
    return false;
  }
}

}  // namespace moderated::training

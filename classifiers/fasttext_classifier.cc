// classifiers/fasttext_classifier.cc
//
// fastText 0.9.2 is the only third-party code here, and it is hostile to a
// daemon: it exit()s or throws on bad input and trusts every length field of
// a model file. So the whole file is walked and checked first
// (ValidateFastTextModel), fastText parses only bytes known to be
// well-formed, and every call into it is wrapped in try/catch.
//
// The binary layout checked below is fastText 0.9.2's FastText::saveModel():
//   int32 magic (793712314), int32 version (12)
//   Args: 12 x int32 (dim ws epoch minCount neg wordNgrams loss model bucket
//         minn maxn lrUpdateRate), double t
//   Dictionary: int32 size nwords nlabels, int64 ntokens pruneidx_size,
//         size x {NUL-terminated word, int64 count, int8 type},
//         max(pruneidx_size, 0) x {int32 hash, int32 row}
//   bool quant; input matrix (DenseMatrix or QuantMatrix)
//   bool qout;  output matrix (QuantMatrix only if quant && qout)
//   DenseMatrix: int64 m, int64 n, m*n float
//   QuantMatrix: bool qnorm, int64 m, int64 n, int32 codesize, codesize
//         bytes, ProductQuantizer, [qnorm: m bytes + ProductQuantizer]
//   ProductQuantizer: int32 dim nsubq dsub lastdsub, dim*256 float
#include "classifiers/fasttext_classifier.h"

#include <fasttext/fasttext.h>
#include <fasttext/matrix.h>
#include <fasttext/quantmatrix.h>
#include <fasttext/vector.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <istream>
#include <limits>
#include <memory>
#include <streambuf>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "base/hash.h"
#include "classifiers/tokenizer.h"

namespace moderated::classifiers {

double Prediction::Get(std::string_view label) const {
  for (const LabelScore& score : labels) {
    if (score.label == label) return score.probability;
  }
  return 0.0;
}

namespace {

constexpr int32_t kFastTextMagic = 793712314;
constexpr int32_t kFastTextVersion = 12;
constexpr int32_t kModelSupervised = 3;  // fasttext::model_name::sup
constexpr int32_t kMaxDim = 100000;
constexpr int32_t kCentroidsPerSubquantizer = 256;  // ProductQuantizer::ksub_
constexpr std::string_view kLabelPrefix = "__label__";

// Reads little-endian PODs (fastText writes native x86 byte order) from a
// byte range, never past its end.
class ByteReader {
 public:
  explicit ByteReader(std::string_view bytes) : bytes_(bytes) {}

  template <typename T>
  bool Read(T* value) {
    if (remaining() < sizeof(T)) return false;
    std::memcpy(value, bytes_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return true;
  }
  bool Skip(uint64_t n) {
    if (n > remaining()) return false;
    pos_ += n;
    return true;
  }
  bool ReadCString(std::string_view* s) {
    size_t nul = bytes_.find('\0', pos_);
    if (nul == std::string_view::npos) return false;
    *s = bytes_.substr(pos_, nul - pos_);
    pos_ = nul + 1;
    return true;
  }
  uint64_t remaining() const { return bytes_.size() - pos_; }

 private:
  std::string_view bytes_;
  size_t pos_ = 0;
};

// Each step returns "" on success or the problem text.
std::string Truncated(std::string_view where) {
  return "truncated fastText model (ends inside the " + std::string(where) + ")";
}
std::string Corrupt(std::string_view what) {
  return "corrupt fastText model (" + std::string(what) + ")";
}

// Bytes needed for `rows` x `cols` floats, or UINT64_MAX on overflow.
uint64_t FloatBytes(int64_t rows, int64_t cols) {
  if (rows < 0 || cols < 0) return std::numeric_limits<uint64_t>::max();
  if (cols != 0 && static_cast<uint64_t>(rows) >
                       std::numeric_limits<uint64_t>::max() / 4 / static_cast<uint64_t>(cols)) {
    return std::numeric_limits<uint64_t>::max();
  }
  return static_cast<uint64_t>(rows) * static_cast<uint64_t>(cols) * 4;
}

std::string CheckProductQuantizer(ByteReader& in, int64_t expect_dim, std::string_view where,
                                  int32_t* nsubq_out) {
  int32_t dim, nsubq, dsub, lastdsub;
  if (!in.Read(&dim) || !in.Read(&nsubq) || !in.Read(&dsub) || !in.Read(&lastdsub)) {
    return Truncated(where);
  }
  if (dim != expect_dim || dsub <= 0 || dsub > dim) return Corrupt("bad product quantizer shape");
  int32_t want_nsubq = dim / dsub + (dim % dsub != 0 ? 1 : 0);
  int32_t want_last = dim % dsub == 0 ? dsub : dim % dsub;
  if (nsubq != want_nsubq || lastdsub != want_last) return Corrupt("bad product quantizer shape");
  if (!in.Skip(FloatBytes(dim, kCentroidsPerSubquantizer))) return Truncated(where);
  *nsubq_out = nsubq;
  return "";
}

// Checks one matrix; `rows` and `dim` are what the dictionary implies.
std::string CheckMatrix(ByteReader& in, bool quantized, int64_t rows, int32_t dim,
                        std::string_view where) {
  if (!quantized) {
    int64_t m, n;
    if (!in.Read(&m) || !in.Read(&n)) return Truncated(where);
    if (m != rows || n != dim)
      return Corrupt(std::string(where) + " shape does not match the dictionary");
    if (!in.Skip(FloatBytes(m, n))) return Truncated(where);
    return "";
  }
  uint8_t qnorm;
  int64_t m, n;
  int32_t codesize;
  if (!in.Read(&qnorm) || !in.Read(&m) || !in.Read(&n) || !in.Read(&codesize))
    return Truncated(where);
  if (qnorm > 1) return Corrupt("bad quantization flag");
  if (m != rows || n != dim)
    return Corrupt(std::string(where) + " shape does not match the dictionary");
  if (codesize < 0 || !in.Skip(static_cast<uint64_t>(codesize))) return Truncated(where);
  int32_t nsubq = 0;
  std::string problem = CheckProductQuantizer(in, n, where, &nsubq);
  if (!problem.empty()) return problem;
  if (static_cast<int64_t>(codesize) != m * nsubq) return Corrupt("bad quantized code size");
  if (qnorm == 1) {
    int32_t norm_subq = 0;
    if (!in.Skip(static_cast<uint64_t>(m))) return Truncated(where);
    problem = CheckProductQuantizer(in, 1, where, &norm_subq);
    if (!problem.empty()) return problem;
  }
  return "";
}

// A read-only streambuf over bytes owned by someone else: fastText parses
// the model straight from the caller's buffer, without a copy.
class MemoryStreamBuf : public std::streambuf {
 public:
  explicit MemoryStreamBuf(std::string_view bytes) {
    char* begin = const_cast<char*>(bytes.data());  // never written through
    setg(begin, begin, begin + bytes.size());
  }
};

// Gives access to FastText::checkModel(), so the protected `version` member
// is set exactly as loadModel(filename) would set it.
class StreamLoadingFastText : public fasttext::FastText {
 public:
  void LoadFromStream(std::istream& in) {
    if (!checkModel(in)) throw std::invalid_argument("wrong file format");
    loadModel(in);
  }
  // The matrices predict() multiplies, for exact scores (see Predict()).
  const fasttext::Matrix& input() const { return *input_; }
  const fasttext::Matrix& output() const { return *output_; }
  bool softmax() const { return args_->loss == fasttext::loss_name::softmax; }
};

class FastTextClassifier final : public Classifier {
 public:
  FastTextClassifier(std::unique_ptr<StreamLoadingFastText> model, std::string version)
      : model_(std::move(model)), dict_(model_->getDictionary()), version_(std::move(version)) {
    int32_t n = dict_->nlabels();
    names_.reserve(n);
    for (int32_t i = 0; i < n; ++i) {
      std::string name = dict_->getLabel(i);
      if (name.compare(0, kLabelPrefix.size(), kLabelPrefix) == 0)
        name.erase(0, kLabelPrefix.size());
      names_.push_back(std::move(name));
    }
    by_name_.resize(n);
    for (int32_t i = 0; i < n; ++i) by_name_[i] = i;
    // A quantised input matrix costs a product-quantiser decode per row on
    // every prediction (most of Predict()'s time). The rows are decoded once
    // here instead: rows x dim floats (100,000 x 50 x 4 = 20 MB for the
    // shipped model), and Predict() only adds them up.
    const fasttext::Matrix& input = model_->input();
    if (dynamic_cast<const fasttext::QuantMatrix*>(&input) != nullptr) {
      dim_ = input.size(1);
      dense_.resize(static_cast<size_t>(input.size(0)) * static_cast<size_t>(dim_));
      fasttext::Vector row(dim_);
      for (int64_t r = 0; r < input.size(0); ++r) {
        row.zero();
        input.addRowToVector(row, static_cast<int32_t>(r));
        std::copy(row.data(), row.data() + dim_, dense_.begin() + r * dim_);
      }
    }
    std::sort(by_name_.begin(), by_name_.end(),
              [this](int32_t a, int32_t b) { return names_[a] < names_[b]; });
  }

  Prediction Predict(std::string_view normalized) const override {
    std::vector<double> probability(names_.size(), 0.0);
    try {
      // The trailing newline makes fastText add its end-of-line token, as
      // it did for every training line.
      std::string line = TokenizeForModel(normalized);
      line.push_back('\n');
      MemoryStreamBuf buf(line);
      std::istream in(&buf);
      std::vector<int32_t> words, labels;
      dict_->getLine(in, words, labels);
      // fastText's own predict() reads sigmoids from a 512-entry table over
      // [-8, 8]: every score above 8 becomes the same probability, so the
      // most confident tenth of predictions tie and no threshold can tell
      // them apart. The hidden layer and scores are computed here as
      // Model::computeHidden and computeOutput do (mean of the input rows,
      // one dot product per label), with an exact sigmoid or softmax.
      if (!words.empty()) {
        fasttext::Vector hidden(model_->input().size(1));
        hidden.zero();
        if (dense_.empty()) {
          for (int32_t w : words) model_->input().addRowToVector(hidden, w);
        } else {
          float* h = hidden.data();
          for (int32_t w : words) {
            const float* row = dense_.data() + static_cast<size_t>(w) * dim_;
            for (int64_t j = 0; j < dim_; ++j) h[j] += row[j];
          }
        }
        hidden.mul(1.0 / static_cast<double>(words.size()));
        std::vector<double> score(names_.size());
        for (size_t id = 0; id < names_.size(); ++id) {
          score[id] = model_->output().dotRow(hidden, static_cast<int64_t>(id));
        }
        if (model_->softmax()) {
          const double top = *std::max_element(score.begin(), score.end());
          double sum = 0;
          for (size_t id = 0; id < score.size(); ++id) sum += probability[id] = std::exp(score[id] - top);
          for (double& p : probability) p /= sum;
        } else {
          for (size_t id = 0; id < score.size(); ++id) {
            probability[id] = 1.0 / (1.0 + std::exp(-score[id]));
          }
        }
      }
    } catch (...) {
      // Contract: Predict() does not throw. bad_alloc or a fastText bug
      // leaves every probability at 0, which the policy treats as "no
      // signal".
      std::fill(probability.begin(), probability.end(), 0.0);
    }
    Prediction result;
    result.labels.reserve(names_.size());
    for (int32_t id : by_name_) result.labels.push_back({names_[id], probability[id]});
    return result;
  }

  const std::string& version() const override { return version_; }

 private:
  std::unique_ptr<StreamLoadingFastText> model_;
  std::shared_ptr<const fasttext::Dictionary> dict_;
  std::vector<std::string> names_;  // by fastText label id, prefix removed
  std::vector<int32_t> by_name_;    // label ids sorted by name
  std::vector<float> dense_;        // a quantised input matrix, decoded; else empty
  int64_t dim_ = 0;
  std::string version_;
};

}  // namespace

std::string FastTextModelVersion(std::string_view model_bytes) {
  return "ft-" + base::ShortFingerprint(model_bytes);
}

namespace {

// The arguments of a model file that validation needs.
struct ModelArgs {
  int32_t dim = 0, word_ngrams = 0, loss = 0, model = 0, bucket = 0, minn = 0, maxn = 0;
};

// Each step returns "" when its part of the file is sound, else the problem.
std::string CheckHeader(ByteReader& in, ModelArgs* args) {
  int32_t magic, version;
  if (!in.Read(&magic) || magic != kFastTextMagic) return "not a fastText model (bad magic number)";
  if (!in.Read(&version)) return Truncated("header");
  if (version != kFastTextVersion) {
    return "unsupported fastText model version " + std::to_string(version) + " (expected " +
           std::to_string(kFastTextVersion) + ")";
  }
  int32_t a[12];
  double t;
  for (int32_t& v : a) {
    if (!in.Read(&v)) return Truncated("arguments");
  }
  if (!in.Read(&t)) return Truncated("arguments");
  *args = {a[0], a[5], a[6], a[7], a[8], a[9], a[10]};
  if (args->model != kModelSupervised) return "not a supervised fastText model";
  if (args->dim <= 0 || args->dim > kMaxDim) {
    return Corrupt("bad dimension " + std::to_string(args->dim));
  }
  if (args->loss < 1 || args->loss > 4) return Corrupt("bad loss");
  if (args->bucket < 0 || args->word_ngrams < 1 || args->minn < 0 || args->maxn < 0 ||
      args->maxn > 100 || (args->maxn > 0 && args->minn > args->maxn)) {
    return Corrupt("bad arguments");
  }
  // fastText hashes n-grams modulo bucket: zero buckets with n-grams on
  // would divide by zero at prediction time.
  if (args->bucket == 0 && (args->word_ngrams > 1 || args->maxn > 0)) {
    return Corrupt("zero buckets");
  }
  return "";
}

// The dictionary's entries and its pruning index.
std::string CheckDictionary(ByteReader& in, const ModelArgs& args, int32_t* nwords,
                            int32_t* nlabels, int64_t* pruneidx_size) {
  int32_t size;
  int64_t ntokens;
  if (!in.Read(&size) || !in.Read(nwords) || !in.Read(nlabels) || !in.Read(&ntokens) ||
      !in.Read(pruneidx_size)) {
    return Truncated("dictionary");
  }
  if (size < 0 || *nwords < 0 || *nlabels <= 0 ||
      static_cast<int64_t>(*nwords) + *nlabels != size) {
    return Corrupt("bad dictionary counts");
  }
  // Each entry takes at least 10 bytes; refuse counts the file cannot hold
  // before looping over them.
  if (static_cast<uint64_t>(size) * 10 > in.remaining()) return Truncated("dictionary");
  int32_t seen_words = 0, seen_labels = 0;
  for (int32_t i = 0; i < size; ++i) {
    std::string_view word;
    int64_t count;
    int8_t type;
    if (!in.ReadCString(&word) || !in.Read(&count) || !in.Read(&type)) {
      return Truncated("dictionary");
    }
    if (type == 0) {
      if (seen_labels > 0) return Corrupt("dictionary order");  // words come first
      ++seen_words;
    } else if (type == 1) {
      ++seen_labels;
    } else {
      return Corrupt("bad dictionary entry type");
    }
  }
  if (seen_words != *nwords || seen_labels != *nlabels) return Corrupt("bad dictionary counts");
  if (*pruneidx_size < -1 || *pruneidx_size > (int64_t{1} << 31)) {
    return Corrupt("bad pruning index");
  }
  for (int64_t i = 0; i < *pruneidx_size; ++i) {
    int32_t hash, row;
    if (!in.Read(&hash) || !in.Read(&row)) return Truncated("dictionary");
    if (hash < 0 || (args.bucket > 0 && hash >= args.bucket) || row < 0 ||
        row >= *pruneidx_size) {
      return Corrupt("bad pruning index");
    }
  }
  return "";
}

}  // namespace

bool ValidateFastTextModel(std::string_view bytes, FastTextModelInfo* info, std::string* problem) {
  auto fail = [&](std::string text) {
    *problem = std::move(text);
    return false;
  };
  if (bytes.empty()) return fail("empty file");
  ByteReader in(bytes);
  ModelArgs args;
  if (std::string p = CheckHeader(in, &args); !p.empty()) return fail(std::move(p));
  int32_t nwords = 0, nlabels = 0;
  int64_t pruneidx_size = 0;
  if (std::string p = CheckDictionary(in, args, &nwords, &nlabels, &pruneidx_size); !p.empty()) {
    return fail(std::move(p));
  }

  // Matrices.
  uint8_t quant, qout;
  if (!in.Read(&quant)) return fail(Truncated("input matrix"));
  if (quant > 1) return fail(Corrupt("bad quantization flag"));
  if (quant == 0 && pruneidx_size >= 0)
    return fail(Corrupt("pruned dictionary without quantization"));
  int64_t input_rows =
      static_cast<int64_t>(nwords) + (pruneidx_size >= 0 ? pruneidx_size : args.bucket);
  std::string matrix_problem = CheckMatrix(in, quant == 1, input_rows, args.dim, "input matrix");
  if (!matrix_problem.empty()) return fail(matrix_problem);
  if (!in.Read(&qout)) return fail(Truncated("output matrix"));
  if (qout > 1) return fail(Corrupt("bad quantization flag"));
  matrix_problem = CheckMatrix(in, quant == 1 && qout == 1, nlabels, args.dim, "output matrix");
  if (!matrix_problem.empty()) return fail(matrix_problem);
  if (in.remaining() != 0) {
    return fail(
        Corrupt(std::to_string(in.remaining()) + " unexpected bytes after the output matrix"));
  }
  if (info != nullptr) *info = {args.dim, nwords, nlabels, quant == 1};
  return true;
}

std::unique_ptr<const Classifier> LoadFastTextClassifierFromMemory(std::string_view bytes,
                                                                   std::string_view origin,
                                                                   std::string* error) {
  std::string problem;
  if (!ValidateFastTextModel(bytes, nullptr, &problem)) {
    *error = std::string(origin) + ": " + problem;
    return nullptr;
  }
  try {
    auto model = std::make_unique<StreamLoadingFastText>();
    MemoryStreamBuf buf(bytes);
    std::istream in(&buf);
    model->LoadFromStream(in);
    if (!in) {
      *error = std::string(origin) + ": " + Truncated("model");
      return nullptr;
    }
    return std::make_unique<FastTextClassifier>(std::move(model), FastTextModelVersion(bytes));
  } catch (const std::exception& e) {
    std::string what = e.what();
    std::replace(what.begin(), what.end(), '\n', ' ');
    *error = std::string(origin) + ": fastText could not load the model: " + what;
  } catch (...) {
    *error = std::string(origin) + ": fastText could not load the model";
  }
  return nullptr;
}

std::unique_ptr<const Classifier> LoadFastTextClassifier(const std::string& path,
                                                         std::string* error) {
  std::error_code ec;
  std::filesystem::file_status status = std::filesystem::status(path, ec);
  if (ec) {
    *error = path + ": cannot open: " + ec.message();
    return nullptr;
  }
  if (!std::filesystem::is_regular_file(status)) {
    *error = path + ": not a regular file";
    return nullptr;
  }
  uint64_t size = std::filesystem::file_size(path, ec);
  if (ec) {
    *error = path + ": cannot open: " + ec.message();
    return nullptr;
  }
  if (size > kMaxModelBytes) {
    *error = path + ": too large for a model (" + std::to_string(size) + " bytes)";
    return nullptr;
  }
  std::ifstream file(path, std::ios::binary);
  if (!file.is_open()) {
    *error = path + ": cannot open: " + std::generic_category().message(errno);
    return nullptr;
  }
  std::string bytes(static_cast<size_t>(size), '\0');
  if (size > 0 && !file.read(bytes.data(), static_cast<std::streamsize>(size))) {
    *error = path + ": read error";
    return nullptr;
  }
  return LoadFastTextClassifierFromMemory(bytes, path, error);
}

}  // namespace moderated::classifiers

// bench/normalizer_bench.cc
//
// Micro-benchmarks for the per-request text pipeline of classifiers/:
// Normalize() (target: well under 50 µs for a 500-byte comment),
// ComputeTextFeatures() and DetectLanguage(), on English, Arabic and Russian
// comments of about 500 bytes.
#include <benchmark/benchmark.h>

#include <string>

#include "classifiers/language.h"
#include "classifiers/normalizer.h"
#include "classifiers/text_features.h"

namespace {

using moderated::classifiers::ComputeTextFeatures;
using moderated::classifiers::DetectLanguage;
using moderated::classifiers::Normalize;

// Repeats `sentence` until the result is at least `bytes` long.
std::string Repeat(const std::string& sentence, size_t bytes) {
  std::string out;
  while (out.size() < bytes) out += sentence;
  return out;
}

const std::string& Sample(int which) {
  static const std::string kEnglish = Repeat(
      "Great article! I totally agree with the author, but CHECK OUT my site for "
      "the best casino bonuses... ", 500);
  static const std::string kArabic = Repeat(
      "مقالة رائعة، شكراً جزيلاً للكاتب على هذا الموضوع المفيد. أَهْلاً وسَهْلاً بالجميع! ", 500);
  static const std::string kRussian = Repeat(
      "Отличная статья, спасибо автору! Но Ёлка и КАЗИНО — это кaзинo с бонусами. ", 500);
  static const std::string kEvasive = Repeat(
      "\u202Eсаsinо ｃａｓｉｎｏ ca\u200Bsino c\u0301asino ــكــازيــنــو ", 500);
  switch (which) {
    case 0: return kEnglish;
    case 1: return kArabic;
    case 2: return kRussian;
    default: return kEvasive;
  }
}

const char* const kNames[] = {"en", "ar", "ru", "evasive"};

void BM_Normalize(benchmark::State& state) {
  const std::string& text = Sample(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    benchmark::DoNotOptimize(Normalize(text));
  }
  state.SetLabel(kNames[state.range(0)]);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(text.size()));
}
BENCHMARK(BM_Normalize)->DenseRange(0, 3);

void BM_ComputeTextFeatures(benchmark::State& state) {
  const std::string& text = Sample(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    benchmark::DoNotOptimize(ComputeTextFeatures(text));
  }
  state.SetLabel(kNames[state.range(0)]);
}
BENCHMARK(BM_ComputeTextFeatures)->DenseRange(0, 2);

void BM_DetectLanguage(benchmark::State& state) {
  const std::string& text = Sample(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    benchmark::DoNotOptimize(DetectLanguage(text));
  }
  state.SetLabel(kNames[state.range(0)]);
}
BENCHMARK(BM_DetectLanguage)->DenseRange(0, 2);

}  // namespace

BENCHMARK_MAIN();

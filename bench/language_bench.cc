// bench/language_bench.cc
//
// Cost of DetectLanguage() on typical ~200-byte comments, next to CLD2 alone
// (the same CLD2 call DetectLanguage() makes, on the raw text). The target
// (docs/classifier.md, "Language identification"): about CLD2's own cost,
// ~15 µs per comment. Benchmarks measure; tests never assert timings.
#include <benchmark/benchmark.h>

#include <cstdio>  // compact_lang_det.h uses FILE without including it
#include <cld2/public/compact_lang_det.h>
#include <cld2/public/encodings.h>

#include <string>
#include <vector>

#include "classifiers/language.h"

namespace {

using moderated::classifiers::DetectLanguage;

struct Sample {
  const char* name;
  const char* text;
};

// About 200 bytes each.
const Sample kSamples[] = {
    {"en",
     "Great article, thanks! I totally agree with the author about the new stadium, but the "
     "city should have asked the people who live nearby first. Lots of good points below."},
    {"ar",
     "مقال رائع، شكراً جزيلاً للكاتب على هذا الموضوع المفيد. أتمنى أن تستمروا في نشر مثل "
     "هذه المقالات القيمة"},
    {"ru",
     "Отличная статья, спасибо автору! Полностью согласен насчёт стадиона, но жителей надо "
     "было спросить заранее."},
    {"ru-homoglyph",
     "Ищy людeй для coвмecтнoгo зapaбoткa нa цифрoвыx aктивax. Днeвнaя дoxoднocть oт 5000 "
     "pyблeй, пишитe в ЛС"},
    {"uk",
     "Дякую за статтю, вона дуже цікава і корисна для всіх нас. Поділюся нею з друзями та "
     "родиною."},
    {"arabizi",
     "wach kayn chi jdid f had lblad? 3lach hadchi kaywqe3 kol nhar, bzaf dyal nas ma "
     "fhmouch chno kayn, khassna nhdro m3a lmas2oulin"},
};

void BM_DetectLanguage(benchmark::State& state) {
  const Sample& sample = kSamples[state.range(0)];
  const std::vector<std::string> site = {"ar", "ru", "en"};
  for (auto _ : state) {
    benchmark::DoNotOptimize(DetectLanguage(sample.text, "ru", site));
  }
  state.SetLabel(std::string(sample.name) + " " + std::to_string(std::string(sample.text).size()) +
                 "B");
}
BENCHMARK(BM_DetectLanguage)->DenseRange(0, std::size(kSamples) - 1);

void BM_Cld2Alone(benchmark::State& state) {
  const Sample& sample = kSamples[state.range(0)];
  const std::string text = sample.text;
  for (auto _ : state) {
    CLD2::CLDHints hints = {nullptr, nullptr, CLD2::UNKNOWN_ENCODING, CLD2::UNKNOWN_LANGUAGE};
    CLD2::Language language3[3];
    int percent3[3];
    double normalized_score3[3];
    int text_bytes = 0;
    bool reliable = false;
    int valid_prefix_bytes = 0;
    benchmark::DoNotOptimize(CLD2::ExtDetectLanguageSummaryCheckUTF8(
        text.data(), static_cast<int>(text.size()), true, &hints, 0, language3, percent3,
        normalized_score3, nullptr, &text_bytes, &reliable, &valid_prefix_bytes));
  }
  state.SetLabel(sample.name);
}
BENCHMARK(BM_Cld2Alone)->DenseRange(0, std::size(kSamples) - 1);

}  // namespace

BENCHMARK_MAIN();

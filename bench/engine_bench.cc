// bench/engine_bench.cc
//
// The whole engine on one core: Engine::Evaluate() (site policy, normalise,
// language, links and features, rules, the models and calibration, decision),
// the call every POST /v1/comments and /v1/check makes before storage, with
// the embedded default rules and model, on English, Russian and Arabic
// comments of about 200 bytes; then the same with 10,000 generated rules
// beside the default ones (issue 13's targets: 35 µs and 60 µs per comment).
// One thread = one core: items_per_second is comments per second per core.
//
//   build/bench/engine_bench [--benchmark_filter=...] [--benchmark_repetitions=5]
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "bench/generated_rules.h"
#include "daemon/cli/offline.h"
#include "daemon/core/embedded.h"
#include "daemon/engine/engine.h"

namespace {

using moderated::CommentInput;
using moderated::Config;
using moderated::Engine;

std::shared_ptr<const Engine> LoadEngine(int extra_rules) {
  Config config;
  std::string rules_path;
  if (extra_rules > 0) {
    rules_path = (std::filesystem::temp_directory_path() /
                  ("moderated-engine-bench-" + std::to_string(extra_rules) + ".yaml"))
                     .string();
    std::ofstream out(rules_path, std::ios::trunc);
    out << moderated::EmbeddedDefaultRules();
    out << moderated::bench::GeneratedRules(extra_rules, "gen.r");
    config.rules = rules_path;
  }
  std::vector<std::string> messages;
  auto engine = moderated::LoadOfflineEngine(config, false, &messages);
  if (!rules_path.empty()) std::filesystem::remove(rules_path);
  if (!engine) {
    for (const auto& m : messages) std::fprintf(stderr, "%s\n", m.c_str());
    std::abort();
  }
  return engine;
}

const Engine& DefaultEngine() {
  static std::shared_ptr<const Engine> engine = LoadEngine(0);
  return *engine;
}

const Engine& LargeEngine() {
  static std::shared_ptr<const Engine> engine = LoadEngine(10000);
  return *engine;
}

CommentInput Sample(int which) {
  static const char* const kTexts[] = {
      // en, 206 bytes
      "I read the article twice and I still do not understand why the council voted "
      "against the new park. The numbers in the second table do not add up either; "
      "could the author check them with the city office?",
      // ru, 214 bytes
      "Спасибо автору за подробный разбор, но ставки слишком высоки для города: "
      "парк обещали ещё в прошлом году, а теперь снова переносят.",
      // ar, 214 bytes
      "مقال رائع، شكرا للكاتب على هذا التحليل الدقيق للوضع في المدينة، لكن الأرقام "
      "في الجدول الثاني تحتاج إلى مراجعة من البلدية.",
  };
  static const char* const kHints[] = {"en", "ru", "ar"};
  CommentInput c;
  c.site = "news.example";
  c.thread = "https://news.example/2026/park";
  c.author_name = "reader";
  c.author_email = "reader@example.org";
  c.author_ip = "203.0.113.7";
  c.content = kTexts[which];
  c.lang_hint = kHints[which];
  return c;
}

void Run(benchmark::State& state, const Engine& engine) {
  const CommentInput comment = Sample(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    auto verdict = engine.Evaluate(comment);
    benchmark::DoNotOptimize(verdict);
  }
  state.SetLabel(comment.lang_hint + ", " + std::to_string(comment.content.size()) + " bytes");
  state.SetItemsProcessed(state.iterations());
}

void BM_EvaluateDefault(benchmark::State& state) { Run(state, DefaultEngine()); }
void BM_Evaluate10kRules(benchmark::State& state) { Run(state, LargeEngine()); }

BENCHMARK(BM_EvaluateDefault)->DenseRange(0, 2)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Evaluate10kRules)->DenseRange(0, 2)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();

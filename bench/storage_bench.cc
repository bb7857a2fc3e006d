// bench/storage_bench.cc
//
// Store throughput on a real file in $TMPDIR (or /tmp):
//   BM_InsertBatch/256        the daemon's writer: batches of 256 comments,
//                             2 reasons each, synchronous=NORMAL (target
//                             >= 20,000 comments/s)
//   BM_InsertBatchFull/256    the same with StoreOptions::synchronous_full
//   BM_Scan/1000000           Scan over 1,000,000 stored comments (backtests)
// items_per_second is comments per second.
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "storage/store.h"

namespace moderated::storage {
namespace {

class BenchDir {
 public:
  BenchDir() {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl = std::string(base && *base ? base : "/tmp") + "/moderated-bench-XXXXXX";
    if (mkdtemp(tmpl.data()) != nullptr) path_ = tmpl;
  }
  ~BenchDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// A realistic comment: ~300 bytes of content, JSON fields, 2 reasons.
Comment MakeComment(int64_t n) {
  Comment c;
  c.site = "site" + std::to_string(n % 5) + ".example";
  c.external_id = "ext-" + std::to_string(n);
  c.thread = "thread-" + std::to_string(n % 1000);
  c.author_name = "Author " + std::to_string(n % 777);
  c.author_email = "author" + std::to_string(n % 777) + "@example.org";
  c.author_ip = "192.0.2." + std::to_string(n % 250);
  c.author_user_agent = "Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0";
  c.content = "This is comment number " + std::to_string(n) +
              ". Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor "
              "incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis "
              "nostrud exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat. "
              "Visit https://example.com/offer for more.";
  c.created_at = "2024-05-01T12:00:00Z";
  c.meta_json = R"({"page":"/articles/42","ua_hint":"desktop"})";
  c.received_at_ms = 1714564800000 + n;
  c.status = "pending";
  c.action = "hold";
  c.score = 0.73;
  c.labels_json = R"({"spam":0.73,"abuse":0.01})";
  c.language = "en";
  c.language_reliable = true;
  c.rules_version = "12";
  c.model_version = "ft-2024-05";
  c.reasons = {
      {"links.offer", "links to an offer page", "content", 2.0, 280, 310, "example.com/offer",
       false},
      {"classifier.spam", "fastText spam probability", "content", 0.73, -1, -1, "", false},
  };
  c.verdict_json = R"({"id":0,"status":"pending","action":"hold","score":0.73})";
  c.updated_at_ms = c.received_at_ms;
  return c;
}

void InsertBench(benchmark::State& state, bool synchronous_full) {
  BenchDir dir;
  StoreOptions options;
  options.synchronous_full = synchronous_full;
  std::string error;
  auto store = Store::Open(dir.File("bench.db"), Store::OpenMode::kReadWrite, options, &error);
  if (store == nullptr) {
    state.SkipWithError(error.c_str());
    return;
  }
  const int64_t batch_size = state.range(0);
  int64_t next = 0;
  std::vector<Comment> batch(batch_size);
  std::vector<InsertOutcome> outcomes;
  for (auto _ : state) {
    state.PauseTiming();
    for (Comment& c : batch) c = MakeComment(next++);
    state.ResumeTiming();
    if (auto ec = store->InsertBatch(batch, &outcomes)) {
      state.SkipWithError(ec.message().c_str());
      return;
    }
  }
  state.SetItemsProcessed(state.iterations() * batch_size);
}

void BM_InsertBatch(benchmark::State& state) { InsertBench(state, false); }
void BM_InsertBatchFull(benchmark::State& state) { InsertBench(state, true); }
BENCHMARK(BM_InsertBatch)->Arg(256)->Arg(32)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_InsertBatchFull)->Arg(256)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_Scan(benchmark::State& state) {
  const int64_t rows = state.range(0);
  BenchDir dir;
  std::string error;
  auto store = Store::Open(dir.File("scan.db"), Store::OpenMode::kReadWrite, &error);
  if (store == nullptr) {
    state.SkipWithError(error.c_str());
    return;
  }
  {
    std::vector<Comment> batch(1000);
    for (int64_t n = 0; n < rows;) {
      batch.resize(std::min<int64_t>(1000, rows - n));
      for (Comment& c : batch) c = MakeComment(n++);
      if (auto ec = store->InsertBatch(batch, nullptr)) {
        state.SkipWithError(ec.message().c_str());
        return;
      }
    }
  }
  for (auto _ : state) {
    int64_t seen = 0;
    double score = 0;
    auto ec = store->Scan(1, rows, [&](const Comment& c) {
      ++seen;
      score += c.score + static_cast<double>(c.content.size());
      return true;
    });
    if (ec || seen != rows) {
      state.SkipWithError("scan failed");
      return;
    }
    benchmark::DoNotOptimize(score);
  }
  state.SetItemsProcessed(state.iterations() * rows);
}
BENCHMARK(BM_Scan)->Arg(1000000)->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();

}  // namespace
}  // namespace moderated::storage

BENCHMARK_MAIN();

#include "daemon/jobs/backtest.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <thread>

#include "base/files.h"
#include "base/strings.h"
#include "classifiers/normalizer.h"
#include "daemon/core/embedded.h"
#include "daemon/engine/velocity.h"
#include "daemon/http/wire.h"
#include "storage/store.h"

namespace moderated {
namespace json = boost::json;
namespace {

constexpr size_t kMaxExcerptBytes = 200;
constexpr int64_t kProgressEvery = 1024;  // rows between updates of the shared counter

// The first stored comment with id in [from, to]; false if none (or on error).
bool FirstAtOrAfter(storage::Store& store, int64_t from, int64_t to, int64_t* id,
                    int64_t* received_at_ms, std::error_code* ec) {
  bool found = false;
  *ec = store.Scan(from, to, [&](const storage::Comment& c) {
    *id = c.id;
    *received_at_ms = c.received_at_ms;
    found = true;
    return false;
  });
  return found && !*ec;
}

// What one worker found in its id range.
struct Partial {
  int64_t compared = 0;
  int64_t changed = 0;
  std::map<std::string, int64_t, std::less<>> transitions;
  std::map<std::string, BacktestReport::Hits, std::less<>> hits;
  std::vector<BacktestExample> examples;
  std::string error;
};

BacktestReport::Hits& HitsFor(Partial& p, std::string_view rule) {
  auto it = p.hits.find(rule);
  if (it == p.hits.end()) it = p.hits.emplace(std::string(rule), BacktestReport::Hits{}).first;
  return it->second;
}

class Worker {
 public:
  Worker(const std::string& database, const Engine& proposal, const BacktestOptions& options,
         std::atomic<int64_t>* done)
      : database_(database),
        proposal_(proposal),
        options_(options),
        done_(done),
        velocity_(static_cast<int64_t>(options.velocity.window_seconds) * 1000,
                  options.velocity.max_keys) {}

  // Compares every stored comment in [lo, hi].
  void Run(int64_t lo, int64_t hi, Partial* out) {
    std::string error;
    auto store = storage::Store::Open(database_, storage::Store::OpenMode::kReadOnly, &error);
    if (!store) {
      out->error = error;
      return;
    }
    if (std::error_code ec = WarmUp(*store, lo, hi)) {
      out->error = database_ + ": " + ec.message();
      return;
    }
    int64_t pending = 0;
    std::error_code ec = store->Scan(lo, hi, [&](const storage::Comment& c) {
      if (options_.cancel != nullptr && options_.cancel->load(std::memory_order_relaxed)) {
        return false;
      }
      Compare(c, out);
      if (++pending == kProgressEvery) {
        done_->fetch_add(pending, std::memory_order_relaxed);
        pending = 0;
      }
      return true;
    });
    done_->fetch_add(pending, std::memory_order_relaxed);
    if (ec) out->error = database_ + ": " + ec.message();
  }

 private:
  // Replays the velocity window before `lo` into this worker's tracker, so
  // that the first comments of its range see the counts the daemon saw.
  // Assumes received_at grows with the id (it does: ids are assigned in
  // commit order), so the window's first id is found by binary search.
  std::error_code WarmUp(storage::Store& store, int64_t lo, int64_t hi) {
    if (lo <= 1) return {};
    std::error_code ec;
    int64_t first_id = 0, t0 = 0;
    if (!FirstAtOrAfter(store, lo, hi, &first_id, &t0, &ec)) return ec;
    const int64_t since = t0 - velocity_.window_ms();
    int64_t a = 1, b = lo;  // smallest x with first row ≥ x received at ≥ since; b qualifies
    while (a < b) {
      int64_t mid = a + (b - a) / 2, id = 0, t = 0;
      if (!FirstAtOrAfter(store, mid, lo - 1, &id, &t, &ec)) {
        if (ec) return ec;
        b = mid;  // nothing in [mid, lo): the window starts at lo at the latest
      } else if (t >= since) {
        b = mid;
      } else {
        a = mid + 1;
      }
    }
    if (a >= lo) return {};
    return store.Scan(a, lo - 1, [&](const storage::Comment& c) {
      velocity_.Observe(c.site, c.author_ip, classifiers::Normalize(c.author_email).text,
                        classifiers::Normalize(c.content).text, c.received_at_ms, true);
      return true;
    });
  }

  void Compare(const storage::Comment& c, Partial* out) {
    LoadComment(c);
    EvaluateOptions eo;
    eo.record_velocity = true;
    eo.now_ms = c.received_at_ms;
    eo.velocity = &velocity_;
    eo.language = &language_;
    eo.labels = &labels_;
    Verdict v = proposal_.Evaluate(input_, eo);

    ++out->compared;
    CountStoredHits(c.verdict_json, out);
    for (const VerdictReason& r : v.reasons) ++HitsFor(*out, r.reason.rule_id).after;

    std::string_view after = rules::ActionName(v.action);
    if (after == c.action) return;
    ++out->changed;
    std::string key = c.action + "->" + std::string(after);
    ++out->transitions[key];
    if (static_cast<int>(out->examples.size()) < options_.examples) {
      BacktestExample e;
      e.id = c.id;
      e.before = c.action;
      e.after = std::string(after);
      e.excerpt = std::string(base::Utf8Prefix(c.content, kMaxExcerptBytes));
      for (const VerdictReason& r : v.reasons) {
        if (!r.reason.shadow) e.rules.push_back(r.reason.rule_id);
      }
      out->examples.push_back(std::move(e));
    }
  }

  // The stored comment as the engine's input, with its stored language and
  // classifier probabilities.
  void LoadComment(const storage::Comment& c) {
    input_.site = c.site;
    input_.external_id = c.external_id;
    input_.thread = c.thread;
    input_.parent = c.parent;
    input_.author_name = c.author_name;
    input_.author_email = c.author_email;
    input_.author_url = c.author_url;
    input_.author_ip = c.author_ip;
    input_.author_user_agent = c.author_user_agent;
    input_.content = c.content;
    input_.created_at = c.created_at;
    input_.lang_hint = c.lang_hint;
    language_.code = c.language;
    language_.reliable = c.language_reliable;

    // The stored classifier probabilities: {"abuse":0.01,"ham":0.97,"spam":0.02}.
    labels_.clear();
    json::monotonic_resource mr(buffer_, sizeof buffer_);
    boost::system::error_code jec;
    json::value v = json::parse(c.labels_json, jec, &mr);
    if (!jec && v.is_object()) {
      for (const auto& kv : v.get_object()) {
        if (kv.value().is_number()) {
          labels_.push_back({std::string(kv.key()), kv.value().to_number<double>()});
        }
      }
    }
  }

  // Before: the rules in the stored verdict's reasons.
  void CountStoredHits(const std::string& verdict_json, Partial* out) {
    json::monotonic_resource mr(buffer_, sizeof buffer_);
    boost::system::error_code jec;
    json::value stored = json::parse(verdict_json, jec, &mr);
    if (!jec && stored.is_object()) {
      if (const json::value* reasons = stored.get_object().if_contains("reasons");
          reasons != nullptr && reasons->is_array()) {
        for (const auto& r : reasons->get_array()) {
          const json::value* rule = r.is_object() ? r.get_object().if_contains("rule") : nullptr;
          if (rule != nullptr && rule->is_string()) ++HitsFor(*out, rule->get_string()).before;
        }
      }
    }
  }

  const std::string& database_;
  const Engine& proposal_;
  const BacktestOptions& options_;
  std::atomic<int64_t>* done_;
  Velocity velocity_;
  // Scratch, reused between comments.
  CommentInput input_;
  classifiers::Language language_;
  std::vector<classifiers::LabelScore> labels_;
  unsigned char buffer_[16 * 1024];
};

void Merge(Partial&& p, BacktestReport* r) {
  r->compared += p.compared;
  r->changed += p.changed;
  for (auto& [k, n] : p.transitions) r->transitions[k] += n;
  for (auto& [k, h] : p.hits) {
    r->hits[k].before += h.before;
    r->hits[k].after += h.after;
  }
  for (auto& e : p.examples) r->examples.push_back(std::move(e));
}

}  // namespace

namespace {

// The ids actually present in [from_id, to_id]: the first at or after
// from_id and the last at or before to_id (binary search with one-row
// scans). False with *error on a read error; *lo = 0 when there are none.
bool IdRange(const std::string& database, const BacktestOptions& options, int64_t* lo, int64_t* hi,
             std::string* error) {
  *lo = 0;
  auto store = storage::Store::Open(database, storage::Store::OpenMode::kReadOnly, error);
  if (!store) return false;
  const int64_t from = std::max<int64_t>(options.from_id, 1);
  const int64_t to = options.to_id;
  std::error_code ec;
  int64_t first = 0, unused = 0;
  if (from > to || options.limit <= 0 || !FirstAtOrAfter(*store, from, to, &first, &unused, &ec)) {
    if (ec) *error = database + ": " + ec.message();
    return !ec;
  }
  int64_t a = first, b = to;  // the largest x with a row in [x, to]
  while (a < b) {
    int64_t mid = a + (b - a) / 2 + 1, id = 0;
    if (FirstAtOrAfter(*store, mid, to, &id, &unused, &ec)) {
      a = id;
    } else if (ec) {
      *error = database + ": " + ec.message();
      return false;
    } else {
      b = mid - 1;
    }
  }
  *lo = first;
  *hi = a;
  return true;
}

// One round: [next, seg_hi] split between the workers, progress reported
// while they run. Appends their partial reports; false with *error if one
// failed.
bool RunRound(const std::string& database, const Engine& proposal, const BacktestOptions& options,
              int64_t next, int64_t seg_hi, int64_t total, std::atomic<int64_t>* done,
              std::vector<Partial>* partials, std::string* error) {
  const int64_t span = seg_hi - next + 1;
  const int parts = static_cast<int>(std::min<int64_t>(std::max(1, options.threads), span));
  std::vector<Partial> round(parts);
  std::vector<std::unique_ptr<Worker>> workers;
  std::vector<std::thread> pool;
  std::atomic<int> running{parts};
  // Every worker exists before any thread starts, and each thread gets its
  // own pointers: growing `workers` while threads index it would race.
  workers.reserve(parts);
  for (int i = 0; i < parts; ++i) {
    workers.push_back(std::make_unique<Worker>(database, proposal, options, done));
  }
  pool.reserve(parts);
  for (int i = 0; i < parts; ++i) {
    int64_t plo = next + span * i / parts;
    int64_t phi = next + span * (i + 1) / parts - 1;
    pool.emplace_back([worker = workers[i].get(), out = &round[i], &running, plo, phi] {
      worker->Run(plo, phi, out);
      --running;
    });
  }
  while (running.load() > 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(options.progress ? 200 : 20));
    if (options.progress && running.load() > 0) options.progress(done->load(), total);
  }
  for (auto& t : pool) t.join();
  for (auto& p : round) {
    if (!p.error.empty()) {
      *error = p.error;
      return false;
    }
    partials->push_back(std::move(p));
  }
  return true;
}

}  // namespace

bool RunBacktest(const std::string& database, const Engine& proposal,
                 const BacktestOptions& options, BacktestReport* report, std::string* error) {
  const auto start = std::chrono::steady_clock::now();
  *report = BacktestReport();
  int64_t lo = 0, hi = 0;
  if (!IdRange(database, options, &lo, &hi, error)) return false;
  if (lo == 0) return true;  // nothing to compare
  const int64_t total = std::min<int64_t>(options.limit, hi - lo + 1);
  std::atomic<int64_t> done{0};
  int64_t remaining = options.limit;
  int64_t next = lo;
  std::vector<Partial> partials;
  // Rounds: each covers as many ids as comments are still wanted, so the
  // limit is never exceeded; gaps in the ids (deleted rows) only add rounds.
  while (remaining > 0 && next <= hi) {
    if (options.cancel != nullptr && options.cancel->load()) break;
    const int64_t seg_hi = (hi - next < remaining) ? hi : next + remaining - 1;
    const size_t before = partials.size();
    if (!RunRound(database, proposal, options, next, seg_hi, total, &done, &partials, error)) {
      return false;
    }
    for (size_t k = before; k < partials.size(); ++k) remaining -= partials[k].compared;
    next = seg_hi + 1;
  }
  for (auto& p : partials) Merge(std::move(p), report);
  std::sort(report->examples.begin(), report->examples.end(),
            [](const BacktestExample& x, const BacktestExample& y) { return x.id < y.id; });
  if (static_cast<int>(report->examples.size()) > options.examples) {
    report->examples.resize(std::max(options.examples, 0));
  }
  if (options.progress) options.progress(report->compared, total);
  report->elapsed_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::steady_clock::now() - start)
                           .count();
  return true;
}

json::object BacktestJson(const BacktestReport& r) {
  json::object o;
  o["compared"] = r.compared;
  o["changed"] = r.changed;
  json::object transitions;
  for (const auto& [k, n] : r.transitions) transitions[k] = n;
  o["transitions"] = std::move(transitions);
  json::object hits;
  for (const auto& [k, h] : r.hits) hits[k] = {{"before", h.before}, {"after", h.after}};
  o["hits"] = std::move(hits);
  json::array examples;
  for (const auto& e : r.examples) {
    json::array rules;
    for (const auto& id : e.rules) rules.push_back(json::string(id));
    examples.push_back({{"id", e.id},
                        {"before", e.before},
                        {"after", e.after},
                        {"excerpt", e.excerpt},
                        {"rules", std::move(rules)}});
  }
  o["examples"] = std::move(examples);
  o["elapsed_ms"] = r.elapsed_ms;
  return o;
}

}  // namespace moderated

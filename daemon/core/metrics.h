// daemon/core/metrics.h
//
// Metrics: a small registry of counters, gauges and histograms rendered in
// the Prometheus text exposition format 0.0.4 (GET /metrics, daemon/api/metrics.cc).
//
// A metric is a Family: a name, a help text, a type and fixed label names.
// Each distinct set of label values is one series. Updating a series is one
// relaxed atomic add; finding it takes a shared (reader) lock on the family's
// map, and creating a new series takes the exclusive lock once.
//
// Cardinality is bounded: each label may have a cap on its distinct values
// (e.g. `site` at 1,000). Once a label has reached its cap, a new value is
// recorded as "other", so a client that invents site names cannot grow the
// registry without limit.
//
// The daemon's metrics live in one process-wide DaemonMetrics (Metrics());
// call sites update them with one line (ObserveVerdict, ObserveCommit, ...).
// Tests build their own Registry.
//
// Thread-safety: everything here may be called from any thread. Families are
// created before serving and live as long as their Registry; the references
// returned by With() stay valid as long as the family.
#ifndef MODERATED_DAEMON_CORE_METRICS_H_
#define MODERATED_DAEMON_CORE_METRICS_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

namespace moderated {

struct Verdict;

namespace metrics {

// A value that only goes up (requests served, commits).
class Counter {
 public:
  void Inc(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

// A value that goes up and down (queue depth, open connections, bytes).
class Gauge {
 public:
  void Set(double v) { value_.store(v, std::memory_order_relaxed); }
  void Add(double d) { value_.fetch_add(d, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// Observations counted into fixed buckets (upper bounds, ascending; +Inf is
// implicit). Rendered cumulatively, as Prometheus expects.
class Histogram {
 public:
  explicit Histogram(const std::vector<double>* bounds);
  void Observe(double v);

  const std::vector<double>& bounds() const { return *bounds_; }
  // Non-cumulative count of bucket i (i == bounds().size() is +Inf).
  uint64_t bucket(size_t i) const { return counts_[i].load(std::memory_order_relaxed); }
  uint64_t count() const { return count_.load(std::memory_order_relaxed); }
  double sum() const { return sum_.load(std::memory_order_relaxed); }

 private:
  const std::vector<double>* bounds_;  // owned by the family
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;
  std::atomic<uint64_t> count_{0};
  std::atomic<double> sum_{0};
};

enum class Type { kCounter, kGauge, kHistogram };

// One label of a family: its name and the most distinct values it may take
// (0 = no cap, for labels whose values the daemon itself chooses).
struct Label {
  std::string name;
  size_t max_values = 0;
};

// Common part of every family: name, help, labels and series bookkeeping.
class FamilyBase {
 public:
  FamilyBase(std::string name, std::string help, Type type, std::vector<Label> labels);
  virtual ~FamilyBase() = default;
  FamilyBase(const FamilyBase&) = delete;
  FamilyBase& operator=(const FamilyBase&) = delete;

  const std::string& name() const { return name_; }
  // Appends this family's text (# HELP, # TYPE, one line per sample).
  void Render(std::string* out) const;
  // Removes every series (e.g. build_info after a reload).
  void Clear();

 protected:
  // The series for `values` (one per label, in order), created on first use.
  void* Find(std::initializer_list<std::string_view> values);
  virtual std::shared_ptr<void> NewSeries() const = 0;
  virtual void RenderSeries(const std::string& labels, const void* series,
                            std::string* out) const = 0;

  const std::string name_;
  const std::string help_;
  const Type type_;
  const std::vector<Label> labels_;

 private:
  mutable std::shared_mutex mu_;
  // Key: label values joined with '\0'. Sorted, so output is stable.
  std::map<std::string, std::shared_ptr<void>> series_;      // guarded by mu_
  std::vector<std::set<std::string, std::less<>>> seen_;    // per label; guarded by mu_
};

class CounterFamily : public FamilyBase {
 public:
  CounterFamily(std::string name, std::string help, std::vector<Label> labels = {})
      : FamilyBase(std::move(name), std::move(help), Type::kCounter, std::move(labels)) {}
  Counter& With(std::initializer_list<std::string_view> values = {}) {
    return *static_cast<Counter*>(Find(values));
  }

 private:
  std::shared_ptr<void> NewSeries() const override { return std::make_shared<Counter>(); }
  void RenderSeries(const std::string& labels, const void* series,
                    std::string* out) const override;
};

class GaugeFamily : public FamilyBase {
 public:
  GaugeFamily(std::string name, std::string help, std::vector<Label> labels = {})
      : GaugeFamily(std::move(name), std::move(help), std::move(labels), Type::kGauge) {}
  Gauge& With(std::initializer_list<std::string_view> values = {}) {
    return *static_cast<Gauge*>(Find(values));
  }

 protected:
  GaugeFamily(std::string name, std::string help, std::vector<Label> labels, Type type)
      : FamilyBase(std::move(name), std::move(help), type, std::move(labels)) {}

 private:
  std::shared_ptr<void> NewSeries() const override { return std::make_shared<Gauge>(); }
  void RenderSeries(const std::string& labels, const void* series,
                    std::string* out) const override;
};

// A counter that another party keeps (the kernel's CPU time of this
// process) and that is copied in on scrape: set like a gauge, typed counter.
class SampledCounterFamily : public GaugeFamily {
 public:
  SampledCounterFamily(std::string name, std::string help, std::vector<Label> labels = {})
      : GaugeFamily(std::move(name), std::move(help), std::move(labels), Type::kCounter) {}
};

class HistogramFamily : public FamilyBase {
 public:
  HistogramFamily(std::string name, std::string help, std::vector<double> bounds,
                  std::vector<Label> labels = {})
      : FamilyBase(std::move(name), std::move(help), Type::kHistogram, std::move(labels)),
        bounds_(std::move(bounds)) {}
  Histogram& With(std::initializer_list<std::string_view> values = {}) {
    return *static_cast<Histogram*>(Find(values));
  }

 private:
  std::shared_ptr<void> NewSeries() const override {
    return std::make_shared<Histogram>(&bounds_);
  }
  void RenderSeries(const std::string& labels, const void* series,
                    std::string* out) const override;
  const std::vector<double> bounds_;
};

// Owns families and renders them in the order they were added.
class Registry {
 public:
  template <typename F, typename... Args>
  F& Add(Args&&... args) {
    auto f = std::make_unique<F>(std::forward<Args>(args)...);
    F& ref = *f;
    std::lock_guard lock(mu_);
    families_.push_back(std::move(f));
    return ref;
  }
  // The whole exposition, "# HELP ..." first, ending with a newline.
  std::string Render() const;

 private:
  mutable std::mutex mu_;
  std::vector<std::unique_ptr<FamilyBase>> families_;  // guarded by mu_
};

// Text helpers (exposed for tests).
// Escapes a label value: backslash, double quote and newline.
std::string EscapeLabelValue(std::string_view value);
// Escapes a HELP text: backslash and newline.
std::string EscapeHelp(std::string_view text);
// A sample value: integers without a decimal point, others in the shortest
// form that reads back exactly; "+Inf", "-Inf", "NaN".
std::string FormatValue(double v);

// Default bucket bounds, in seconds, for latencies from 100 µs to 10 s.
const std::vector<double>& LatencyBuckets();

// Label caps. A site label past its cap reads "other"; so that one client
// (even an admin token, which may name any site) cannot crowd out the sites
// that exist, call sites pass SiteLabel(), which keeps only known sites.
inline constexpr size_t kMaxSites = 1000;
inline constexpr size_t kMaxRules = 1000;

// Every metric of the daemon (docs/operations.md lists them).
struct DaemonMetrics {
  DaemonMetrics();
  Registry registry;
  CounterFamily& http_requests;             // {route, method, status}
  HistogramFamily& http_duration;           // {route}
  CounterFamily& verdicts;                  // {action, site}
  CounterFamily& rule_hits;                 // {rule, mode}
  HistogramFamily& classifier_duration;
  HistogramFamily& engine_duration;
  GaugeFamily& review_queue_depth;          // {site}; refreshed on scrape
  GaugeFamily& writer_queue_depth;          // set on scrape
  HistogramFamily& writer_batch_size;
  HistogramFamily& writer_commit_duration;
  CounterFamily& writer_commits;
  CounterFamily& writer_failures;
  HistogramFamily& checkpoint_duration;     // {mode}
  GaugeFamily& wal_frames;                  // set at each checkpoint
  CounterFamily& reloads;                   // {result}
  GaugeFamily& connections;
  GaugeFamily& connections_idle;            // keep-alive, waiting for a request
  CounterFamily& velocity_shared_failures;  // cluster velocity unreadable: local counts used
  CounterFamily& connections_refused;       // 503 "too many connections…"
  CounterFamily& connections_shed;          // idle keep-alive closed to make room
  CounterFamily& requests_shed;             // 503 "overloaded" (event loop lag)
  GaugeFamily& event_loop_lag;              // seconds, measured every 20 ms
  GaugeFamily& build_info;                  // {version, rules, model} = 1
  CounterFamily& retention_purged;          // comments deleted by retention
  CounterFamily& spamc_requests;            // {command}
  CounterFamily& spamc_verdicts;            // {result}: spam | ham | repeat
  CounterFamily& webhook_deliveries;        // delivered attempts
  CounterFamily& webhook_failures;          // {final}: "false" retried later | "true" given up
  GaugeFamily& webhook_outbox_depth;        // {state}: pending | gave_up; refreshed on scrape
  CounterFamily& decisions;                 // {decision, site}
  SampledCounterFamily& process_cpu_seconds;  // set on scrape
  GaugeFamily& process_resident_memory;     // set on scrape
  GaugeFamily& process_virtual_memory;
  GaugeFamily& process_open_fds;
  GaugeFamily& process_max_fds;
  GaugeFamily& process_start_time;
};

// The process-wide metrics (created on first use).
DaemonMetrics& Metrics();

// --- One-line instrumentation helpers for call sites ---

// Times its scope into a histogram (seconds).
class ScopedTimer {
 public:
  // With `enabled` false nothing is recorded.
  explicit ScopedTimer(Histogram& h, bool enabled = true)
      : h_(h), enabled_(enabled), start_(std::chrono::steady_clock::now()) {}
  ~ScopedTimer();
  ScopedTimer(const ScopedTimer&) = delete;
  ScopedTimer& operator=(const ScopedTimer&) = delete;

 private:
  Histogram& h_;
  const bool enabled_;
  std::chrono::steady_clock::time_point start_;
};

// Runs fn() and records its duration in `h`; returns what fn returns.
template <typename Fn>
auto Timed(Histogram& h, Fn&& fn) {
  ScopedTimer t(h);
  return fn();
}

// One HTTP request through Api::Handle. Set `route` once known; pass the
// response through Done() to record route, method, status and duration. A
// request whose handler threw (Done never called) is recorded as status 500.
class HttpObservation {
 public:
  explicit HttpObservation(std::string_view method)
      : method_(method), start_(std::chrono::steady_clock::now()) {}
  ~HttpObservation();
  HttpObservation(const HttpObservation&) = delete;
  HttpObservation& operator=(const HttpObservation&) = delete;

  std::string_view route = "unmatched";  // a Router pattern (static storage)

  template <typename Response>
  Response Done(Response res) {
    Record(res.result_int());
    return res;
  }

 private:
  void Record(unsigned status);
  std::string method_;
  std::chrono::steady_clock::time_point start_;
  bool done_ = false;
};

// Counts one evaluation: verdicts{action, site} and rule_hits{rule, mode} for
// each reason ("shadow" for shadow-mode rules, else "enforce").
void ObserveVerdict(std::string_view site, const Verdict& verdict);

// One writer transaction of `comments` comments that took `micros`.
void ObserveCommit(size_t comments, int64_t micros, bool ok);

// One WAL checkpoint (restart: on the writer thread; else the background
// one) that found `wal_frames` frames in the WAL and took `micros`.
void ObserveCheckpoint(bool restart, int64_t micros, int64_t wal_frames, bool ok);

// A reload of rules and model (SIGHUP or the admin API).
void ObserveReload(bool ok);

// This build's version (CMake's PROJECT_VERSION), e.g. "0.1.0".
const char* BuildVersion();

// Replaces build_info with one series {version, rules, model} = 1, version
// being BuildVersion().
void SetBuildInfo(std::string_view rules, std::string_view model);

// Reads /proc/self for the process_* families of `m`.
void UpdateProcessMetrics(DaemonMetrics& m = Metrics());

// The `site` label for a comment's site: the site itself when the daemon
// knows it (`known`: it is in the site registry or the rule file's `sites:`),
// else "unregistered" — so names invented in requests add no series.
std::string_view SiteLabel(std::string_view site, bool known);

// One spamc/spamd request (`command` as on the wire: "CHECK", "TELL"...).
void ObserveSpamcRequest(std::string_view command);
// The answer to one checked message: spam or ham, or a repeat of a message
// checked before (answered with its first verdict).
void ObserveSpamcVerdict(bool spam, bool repeat);

// One webhook delivery attempt: delivered, or failed (`gave_up`: it was the
// last attempt).
void ObserveWebhookAttempt(bool delivered, bool gave_up);

// One moderator decision ("approve", "reject", "spam", "abuse", "undo") on a
// comment of `site` (already a SiteLabel()).
void ObserveDecision(std::string_view decision, std::string_view site);

}  // namespace metrics
}  // namespace moderated

#endif  // MODERATED_DAEMON_CORE_METRICS_H_

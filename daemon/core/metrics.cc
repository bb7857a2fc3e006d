#include "daemon/core/metrics.h"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "daemon/engine/engine.h"

namespace moderated::metrics {

Histogram::Histogram(const std::vector<double>* bounds)
    : bounds_(bounds), counts_(new std::atomic<uint64_t>[bounds->size() + 1]) {
  for (size_t i = 0; i <= bounds->size(); ++i) counts_[i].store(0, std::memory_order_relaxed);
}

void Histogram::Observe(double v) {
  // Buckets are few (≤ 16): a linear scan beats a binary search here.
  size_t i = 0;
  const std::vector<double>& b = *bounds_;
  while (i < b.size() && v > b[i]) ++i;
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(v, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
}

std::string EscapeLabelValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

std::string EscapeHelp(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

std::string FormatValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    return std::to_string(static_cast<int64_t>(v));
  }
  char buf[64];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v);
  std::string out(buf, p);
  if (out.find('e') != std::string::npos) {
    // "1e-04" is valid, but "0.0001" reads better in `le` labels.
    char fixed[64];
    auto [fp, fec] = std::to_chars(fixed, fixed + sizeof fixed, v, std::chars_format::fixed);
    if (fec == std::errc() && fp - fixed <= 24) out.assign(fixed, fp);
  }
  return out;
}

const std::vector<double>& LatencyBuckets() {
  static const std::vector<double> kBuckets = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                               0.01,   0.025,   0.05,   0.1,   0.25,   0.5,
                                               1,      2.5,     5,      10};
  return kBuckets;
}

FamilyBase::FamilyBase(std::string name, std::string help, Type type, std::vector<Label> labels)
    : name_(std::move(name)),
      help_(std::move(help)),
      type_(type),
      labels_(std::move(labels)),
      seen_(labels_.size()) {}

void* FamilyBase::Find(std::initializer_list<std::string_view> values) {
  std::string key;
  size_t i = 0;
  for (std::string_view v : values) {
    if (i++) key += '\0';
    key += v;
  }
  {
    std::shared_lock lock(mu_);
    if (auto it = series_.find(key); it != series_.end()) return it->second.get();
  }
  // New label set: apply the caps, then create (or find the capped series).
  std::unique_lock lock(mu_);
  key.clear();
  i = 0;
  for (std::string_view v : values) {
    if (i >= labels_.size()) break;
    std::string value(v);
    auto& seen = seen_[i];
    if (labels_[i].max_values != 0 && !seen.count(value)) {
      if (seen.size() >= labels_[i].max_values) {
        value = "other";
      } else {
        seen.insert(value);
      }
    }
    if (i) key += '\0';
    key += value;
    ++i;
  }
  auto& slot = series_[key];
  if (!slot) slot = NewSeries();
  return slot.get();
}

void FamilyBase::Clear() {
  std::unique_lock lock(mu_);
  series_.clear();
  for (auto& s : seen_) s.clear();
}

void FamilyBase::Render(std::string* out) const {
  static constexpr const char* kTypeNames[] = {"counter", "gauge", "histogram"};
  *out += "# HELP " + name_ + " " + EscapeHelp(help_) + "\n";
  *out += "# TYPE " + name_ + " " + kTypeNames[static_cast<int>(type_)] + "\n";
  std::shared_lock lock(mu_);
  for (const auto& [key, series] : series_) {
    // Rebuild `name="value",...` from the '\0'-joined key.
    std::string labels;
    size_t start = 0;
    for (size_t i = 0; i < labels_.size(); ++i) {
      size_t end = key.find('\0', start);
      std::string_view value = std::string_view(key).substr(
          start, end == std::string::npos ? std::string::npos : end - start);
      if (i) labels += ',';
      labels += labels_[i].name + "=\"" + EscapeLabelValue(value) + "\"";
      start = end == std::string::npos ? key.size() : end + 1;
    }
    RenderSeries(labels, series.get(), out);
  }
}

namespace {
// `name{labels}` or `name{labels,extra}`; no braces when both are empty.
std::string SampleName(const std::string& name, const std::string& labels,
                       const std::string& extra = "") {
  if (labels.empty() && extra.empty()) return name;
  std::string all = labels;
  if (!extra.empty()) all += (all.empty() ? "" : ",") + extra;
  return name + "{" + all + "}";
}
}  // namespace

void CounterFamily::RenderSeries(const std::string& labels, const void* series,
                                 std::string* out) const {
  *out += SampleName(name_, labels) + " " +
          std::to_string(static_cast<const Counter*>(series)->value()) + "\n";
}

void GaugeFamily::RenderSeries(const std::string& labels, const void* series,
                               std::string* out) const {
  *out += SampleName(name_, labels) + " " +
          FormatValue(static_cast<const Gauge*>(series)->value()) + "\n";
}

void HistogramFamily::RenderSeries(const std::string& labels, const void* series,
                                   std::string* out) const {
  const Histogram& h = *static_cast<const Histogram*>(series);
  // Buckets are read one by one while other threads observe: read them first
  // and derive count from them, so _count equals the +Inf bucket.
  uint64_t cumulative = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    cumulative += h.bucket(i);
    std::string le = i < bounds_.size() ? FormatValue(bounds_[i]) : "+Inf";
    *out += SampleName(name_ + "_bucket", labels, "le=\"" + le + "\"") + " " +
            std::to_string(cumulative) + "\n";
  }
  *out += SampleName(name_ + "_sum", labels) + " " + FormatValue(h.sum()) + "\n";
  *out += SampleName(name_ + "_count", labels) + " " + std::to_string(cumulative) + "\n";
}

std::string Registry::Render() const {
  std::string out;
  std::lock_guard lock(mu_);
  for (const auto& f : families_) f->Render(&out);
  return out;
}

namespace {
const std::vector<double>& BatchBuckets() {
  static const std::vector<double> kBuckets = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024};
  return kBuckets;
}
}  // namespace

DaemonMetrics::DaemonMetrics()
    : http_requests(registry.Add<CounterFamily>(
          "moderated_http_requests_total",
          "HTTP requests answered, by route pattern, method and status.",
          std::vector<Label>{{"route", 0}, {"method", 0}, {"status", 0}})),
      http_duration(registry.Add<HistogramFamily>(
          "moderated_http_request_duration_seconds",
          "Time from a parsed request to its response, by route pattern.", LatencyBuckets(),
          std::vector<Label>{{"route", 0}})),
      verdicts(registry.Add<CounterFamily>("moderated_verdicts_total",
                                           "Comments evaluated, by verdict action and site.",
                                           std::vector<Label>{{"action", 0}, {"site", kMaxSites}})),
      rule_hits(registry.Add<CounterFamily>(
          "moderated_rule_hits_total",
          "Reasons in verdicts, by rule id and mode (enforce or shadow).",
          std::vector<Label>{{"rule", kMaxRules}, {"mode", 0}})),
      classifier_duration(registry.Add<HistogramFamily>("moderated_classifier_duration_seconds",
                                                        "Time of one classifier prediction.",
                                                        LatencyBuckets())),
      engine_duration(registry.Add<HistogramFamily>(
          "moderated_engine_duration_seconds",
          "Time of one whole evaluation (normalise, language, rules, classifier, policy).",
          LatencyBuckets())),
      review_queue_depth(
          registry.Add<GaugeFamily>("moderated_review_queue_depth",
                                    "Pending comments, by site (refreshed at most every 5 s).",
                                    std::vector<Label>{{"site", kMaxSites}})),
      writer_queue_depth(registry.Add<GaugeFamily>("moderated_writer_queue_depth",
                                                   "Comments waiting for the writer thread.")),
      writer_batch_size(registry.Add<HistogramFamily>(
          "moderated_writer_batch_size", "Comments per writer transaction.", BatchBuckets())),
      writer_commit_duration(registry.Add<HistogramFamily>(
          "moderated_writer_commit_duration_seconds",
          "Time of one writer transaction, retries included.", LatencyBuckets())),
      writer_commits(registry.Add<CounterFamily>("moderated_writer_commits_total",
                                                 "Writer transactions committed.")),
      writer_failures(registry.Add<CounterFamily>("moderated_writer_failures_total",
                                                  "Writer transactions that failed.")),
      checkpoint_duration(registry.Add<HistogramFamily>(
          "moderated_checkpoint_duration_seconds",
          "Time of one WAL checkpoint, by mode (passive: background thread; restart: writer "
          "thread).",
          LatencyBuckets(), std::vector<Label>{{"mode", 0}})),
      wal_frames(registry.Add<GaugeFamily>(
          "moderated_wal_frames", "Frames (pages) in the SQLite WAL at the last checkpoint.")),
      reloads(registry.Add<CounterFamily>("moderated_reloads_total",
                                          "Reloads of rules and model, by result.",
                                          std::vector<Label>{{"result", 0}})),
      connections(registry.Add<GaugeFamily>("moderated_connections",
                                            "Open client connections, TCP and Unix.")),
      connections_idle(registry.Add<GaugeFamily>(
          "moderated_connections_idle",
          "Open connections waiting for their next request (keep-alive).")),
      velocity_shared_failures(registry.Add<CounterFamily>(
          "moderated_velocity_shared_failures_total",
          "Comments whose cluster-wide velocity counts (PostgreSQL) could not be read; "
          "this daemon's own counts were used.")),
      connections_refused(registry.Add<CounterFamily>(
          "moderated_connections_refused_total",
          "Connections refused with 503 (a budget full: TCP, per client address or Unix).")),
      connections_shed(registry.Add<CounterFamily>(
          "moderated_connections_shed_total",
          "Idle keep-alive connections closed to make room for a new one.")),
      requests_shed(registry.Add<CounterFamily>(
          "moderated_requests_shed_total",
          "Requests answered 503 at once because the I/O threads ran behind.")),
      event_loop_lag(
          registry.Add<GaugeFamily>("moderated_event_loop_lag_seconds",
                                    "How late the I/O threads ran a 20 ms timer, last measured.")),
      build_info(registry.Add<GaugeFamily>(
          "moderated_build_info", "Always 1; labels name the version, rules and model.",
          std::vector<Label>{{"version", 0}, {"rules", 0}, {"model", 0}})),
      retention_purged(registry.Add<CounterFamily>("moderated_retention_purged_total",
                                                   "Comments deleted by the retention policy.")),
      spamc_requests(registry.Add<CounterFamily>("moderated_spamc_requests_total",
                                                 "spamc/spamd requests, by command.",
                                                 std::vector<Label>{{"command", 0}})),
      spamc_verdicts(registry.Add<CounterFamily>(
          "moderated_spamc_verdicts_total",
          "Messages checked over spamc, by answer (spam, ham, or repeat: a message checked "
          "before, answered with its first verdict).",
          std::vector<Label>{{"result", 0}})),
      webhook_deliveries(registry.Add<CounterFamily>("moderated_webhook_deliveries_total",
                                                     "Webhook events delivered (answered 2xx).")),
      webhook_failures(registry.Add<CounterFamily>(
          "moderated_webhook_failures_total",
          "Failed webhook delivery attempts; final=\"true\" when it was the last attempt.",
          std::vector<Label>{{"final", 0}})),
      webhook_outbox_depth(registry.Add<GaugeFamily>(
          "moderated_webhook_outbox_depth",
          "Webhook events not delivered, by state (pending: will be tried again; gave_up).",
          std::vector<Label>{{"state", 0}})),
      decisions(registry.Add<CounterFamily>(
          "moderated_decisions_total", "Moderator decisions, by decision and site.",
          std::vector<Label>{{"decision", 0}, {"site", kMaxSites}})),
      process_cpu_seconds(registry.Add<SampledCounterFamily>(
          "process_cpu_seconds_total", "Total user and system CPU time spent in seconds.")),
      process_resident_memory(registry.Add<GaugeFamily>("process_resident_memory_bytes",
                                                        "Resident memory size in bytes.")),
      process_virtual_memory(registry.Add<GaugeFamily>("process_virtual_memory_bytes",
                                                       "Virtual memory size in bytes.")),
      process_open_fds(
          registry.Add<GaugeFamily>("process_open_fds", "Number of open file descriptors.")),
      process_max_fds(
          registry.Add<GaugeFamily>("process_max_fds", "Maximum number of open file descriptors.")),
      process_start_time(registry.Add<GaugeFamily>(
          "process_start_time_seconds", "Start time of the process since the Unix epoch.")) {
  // Unlabelled series exist from the start, so they render as 0.
  writer_queue_depth.With();
  writer_commits.With();
  writer_failures.With();
  connections.With();
  connections_idle.With();
  velocity_shared_failures.With();
  connections_refused.With();
  connections_shed.With();
  requests_shed.With();
  event_loop_lag.With();
  retention_purged.With();
  classifier_duration.With();
  engine_duration.With();
  writer_batch_size.With();
  writer_commit_duration.With();
  checkpoint_duration.With({"passive"});
  checkpoint_duration.With({"restart"});
  wal_frames.With();
  reloads.With({"error"});
  reloads.With({"ok"});
  webhook_deliveries.With();
  webhook_failures.With({"false"});
  webhook_failures.With({"true"});
  webhook_outbox_depth.With({"pending"});
  webhook_outbox_depth.With({"gave_up"});
  for (const char* result : {"ham", "repeat", "spam"}) spamc_verdicts.With({result});
  process_cpu_seconds.With();
}

DaemonMetrics& Metrics() {
  static DaemonMetrics* m = new DaemonMetrics();  // never destroyed: used until exit
  return *m;
}

ScopedTimer::~ScopedTimer() {
  if (enabled_)
    h_.Observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count());
}

HttpObservation::~HttpObservation() {
  if (!done_) Record(500);
}

void HttpObservation::Record(unsigned status) {
  done_ = true;
  DaemonMetrics& m = Metrics();
  m.http_requests.With({route, method_, std::to_string(status)}).Inc();
  m.http_duration.With({route}).Observe(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count());
}

void ObserveVerdict(std::string_view site, const Verdict& verdict) {
  DaemonMetrics& m = Metrics();
  m.verdicts.With({rules::ActionName(verdict.action), site}).Inc();
  for (const VerdictReason& r : verdict.reasons) {
    m.rule_hits.With({r.reason.rule_id, r.reason.shadow ? "shadow" : "enforce"}).Inc();
  }
}

void ObserveCommit(size_t comments, int64_t micros, bool ok) {
  DaemonMetrics& m = Metrics();
  m.writer_batch_size.With().Observe(static_cast<double>(comments));
  m.writer_commit_duration.With().Observe(static_cast<double>(micros) / 1e6);
  (ok ? m.writer_commits : m.writer_failures).With().Inc();
}

void ObserveCheckpoint(bool restart, int64_t micros, int64_t wal_frames, bool ok) {
  DaemonMetrics& m = Metrics();
  if (ok) m.checkpoint_duration.With({restart ? "restart" : "passive"}).Observe(micros / 1e6);
  m.wal_frames.With().Set(static_cast<double>(wal_frames));
}

std::string_view SiteLabel(std::string_view site, bool known) {
  return known ? site : "unregistered";
}

void ObserveSpamcRequest(std::string_view command) {
  Metrics().spamc_requests.With({command}).Inc();
}

void ObserveSpamcVerdict(bool spam, bool repeat) {
  Metrics().spamc_verdicts.With({repeat ? "repeat" : spam ? "spam" : "ham"}).Inc();
}

void ObserveWebhookAttempt(bool delivered, bool gave_up) {
  DaemonMetrics& m = Metrics();
  if (delivered) {
    m.webhook_deliveries.With().Inc();
  } else {
    m.webhook_failures.With({gave_up ? "true" : "false"}).Inc();
  }
}

void ObserveDecision(std::string_view decision, std::string_view site) {
  Metrics().decisions.With({decision, site}).Inc();
}

void ObserveReload(bool ok) { Metrics().reloads.With({ok ? "ok" : "error"}).Inc(); }

#ifndef MODERATED_VERSION
#define MODERATED_VERSION "unknown"
#endif
const char* BuildVersion() { return MODERATED_VERSION; }

void SetBuildInfo(std::string_view rules, std::string_view model) {
  GaugeFamily& f = Metrics().build_info;
  f.Clear();
  f.With({BuildVersion(), rules, model}).Set(1);
}

namespace {

// The fields of /proc/self/stat from field 3 on (after the command name,
// which may contain spaces); fields[0] is field 3.
std::vector<std::string> ProcSelfStat() {
  std::ifstream stat("/proc/self/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  std::vector<std::string> fields;
  const size_t close = text.rfind(')');
  if (close == std::string::npos || close + 2 > text.size()) return fields;
  std::istringstream in(text.substr(close + 2));
  for (std::string field; in >> field;) fields.push_back(field);
  return fields;
}

// Field `n` (1-based, as proc(5) numbers them) as a number; 0 if missing.
double StatField(const std::vector<std::string>& fields, size_t n) {
  return n >= 3 && n - 3 < fields.size() ? std::atof(fields[n - 3].c_str()) : 0.0;
}

double ClockTicks() { return static_cast<double>(sysconf(_SC_CLK_TCK)); }

// When the process started, in seconds since the epoch: field 22 (clock
// ticks after boot) plus the boot time from /proc/stat.
double ProcessStartTime() {
  std::ifstream procstat("/proc/stat");
  double btime = 0;
  for (std::string line; std::getline(procstat, line);) {
    if (line.rfind("btime ", 0) == 0) btime = std::atof(line.c_str() + 6);
  }
  return btime + StatField(ProcSelfStat(), 22) / ClockTicks();
}

int OpenFds() {
  DIR* d = opendir("/proc/self/fd");
  if (d == nullptr) return -1;
  int n = 0;
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] != '.') ++n;
  }
  closedir(d);
  return n - 1;  // minus the one opendir holds
}

}  // namespace

void UpdateProcessMetrics(DaemonMetrics& m) {
  const long page = sysconf(_SC_PAGESIZE);
  std::ifstream statm("/proc/self/statm");
  uint64_t size = 0, resident = 0;
  if (statm >> size >> resident) {
    m.process_virtual_memory.With().Set(static_cast<double>(size * page));
    m.process_resident_memory.With().Set(static_cast<double>(resident * page));
  }
  // Fields 14 and 15: user and system time in clock ticks.
  const std::vector<std::string> stat = ProcSelfStat();
  if (stat.size() >= 13) {
    m.process_cpu_seconds.With().Set((StatField(stat, 14) + StatField(stat, 15)) / ClockTicks());
  }
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY) {
    m.process_max_fds.With().Set(static_cast<double>(limit.rlim_cur));
  }
  if (const int fds = OpenFds(); fds >= 0) m.process_open_fds.With().Set(fds);
  static const double start_time = ProcessStartTime();
  m.process_start_time.With().Set(start_time);
}

}  // namespace moderated::metrics

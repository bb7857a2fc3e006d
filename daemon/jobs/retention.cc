#include "daemon/jobs/retention.h"

#include <atomic>
#include <boost/json.hpp>
#include <memory>

#include "daemon/http/response.h"
#include "daemon/core/log.h"
#include "daemon/core/metrics.h"
#include "daemon/core/privacy.h"
#include "daemon/http/wire.h"

namespace moderated {
namespace json = boost::json;

namespace {
constexpr int64_t kDayMs = 86'400'000;
}  // namespace

int64_t CutoffMs(int64_t now_ms, int64_t days) { return now_ms - days * kDayMs; }

std::vector<PurgeScope> RetentionPlan(const std::map<std::string, int64_t>& site_days,
                                      int64_t default_days, int64_t now_ms) {
  std::vector<PurgeScope> plan;
  for (const auto& [site, days] : site_days) {
    if (days > 0) plan.push_back({{site, false, CutoffMs(now_ms, days)}, days});
  }
  if (default_days > 0) plan.push_back({{"", true, CutoffMs(now_ms, default_days)}, default_days});
  return plan;
}

storage::AuditEntry PurgeAudit(const std::string& actor, int64_t now_ms,
                               const std::vector<PurgeScope>& scopes,
                               const std::vector<int64_t>& deleted) {
  json::array list;
  int64_t total = 0;
  for (size_t i = 0; i < scopes.size(); ++i) {
    const storage::PurgeFilter& f = scopes[i].filter;
    int64_t n = i < deleted.size() ? deleted[i] : 0;
    total += n;
    json::object o;
    o["site"] = f.site.empty() ? json::value(f.skip_sites_with_retention ? "(default)" : "(all)")
                               : json::value(f.site);
    o["days"] = scopes[i].days;
    o["deleted"] = n;
    list.push_back(std::move(o));
  }
  storage::AuditEntry e;
  e.at_ms = now_ms;
  e.actor = actor;
  e.action = "retention.purge";
  e.target = "comments";
  e.after_json = ToJson(json::object{{"deleted", total}, {"scopes", std::move(list)}});
  return e;
}

storage::AuditEntry ForgetAudit(const std::string& actor, int64_t now_ms,
                                const std::string& email) {
  storage::AuditEntry e;
  e.at_ms = now_ms;
  e.actor = actor;
  e.action = "author.forget";
  e.target = "author";
  e.after_json = ToJson(json::object{{"email_sha256", EmailHash(email)}});
  return e;
}

RetentionScheduler::RetentionScheduler(const RetentionConfig& config, DecisionWriter& writer)
    : config_(config), writer_(writer) {
  thread_ = std::thread([this] { Run(); });
}

RetentionScheduler::~RetentionScheduler() { Stop(); }

void RetentionScheduler::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void RetentionScheduler::Run() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    lock.unlock();
    StartPurge();
    lock.lock();
    cv_.wait_for(lock, std::chrono::seconds(config_.interval_s), [this] { return stopping_; });
  }
}

namespace {

// One purge run, carried from chunk to chunk through writer tasks.
struct PurgeRun {
  DecisionWriter* writer = nullptr;
  int64_t chunk = 1000;
  int64_t started_ms = 0;
  std::vector<PurgeScope> plan;
  std::vector<int64_t> deleted;
  size_t next = 0;  // scope being purged
};

// The cluster-wide lock of a purge run (Store::TryLock).
constexpr int64_t kRetentionLockKey = 0x6d6f642d726574;  // "mod-ret"

void PurgeStep(const std::shared_ptr<PurgeRun>& run, storage::Store& store) {
  if (run->next < run->plan.size()) {
    int64_t n = 0;
    if (auto ec = store.PurgeDecided(run->plan[run->next].filter, run->chunk, &n)) {
      Log(LogLevel::kError, "retention_failed",
          {{"error", ec.message()}, {"detail", store.LastErrorMessage()}});
      run->next = run->plan.size();  // give up this run; the next one retries
    } else {
      run->deleted[run->next] += n;
      metrics::Metrics().retention_purged.With().Inc(static_cast<uint64_t>(n));
      if (n < run->chunk) ++run->next;
    }
    if (run->next < run->plan.size()) {
      // Yield to queued comment batches before the next chunk.
      run->writer->Post([run](storage::Store& s) { PurgeStep(run, s); });
      return;
    }
  }
  int64_t total = 0;
  for (int64_t n : run->deleted) total += n;
  if (total > 0) {
    storage::AuditEntry audit = PurgeAudit("retention", base::NowMs(), run->plan, run->deleted);
    if (auto ec = store.AppendAudit(audit)) {
      Log(LogLevel::kError, "audit_failed", {{"error", ec.message()}});
    }
  }
  Log(total > 0 ? LogLevel::kInfo : LogLevel::kDebug, "retention_purged",
      {{"deleted", std::to_string(total)},
       {"millis", std::to_string(base::NowMs() - run->started_ms)}});
  store.Unlock(kRetentionLockKey);
}

}  // namespace

void RetentionScheduler::StartPurge() {
  auto run = std::make_shared<PurgeRun>();
  run->writer = &writer_;
  run->chunk = config_.chunk_rows;
  run->started_ms = base::NowMs();
  const int64_t default_days = config_.days;
  writer_.Post([run, default_days](storage::Store& store) {
    // Several daemons on one PostgreSQL: one purges at a time (an advisory
    // lock on the writer's connection, released when the run ends); the
    // others skip this round and say so. Always acquired on SQLite.
    bool acquired = false;
    if (auto ec = store.TryLock(kRetentionLockKey, &acquired)) {
      Log(LogLevel::kError, "retention_failed",
          {{"error", ec.message()}, {"detail", store.LastErrorMessage()}});
      return;
    }
    if (!acquired) {
      Log(LogLevel::kInfo, "retention_skipped", {{"reason", "another daemon is purging"}});
      return;
    }
    std::map<std::string, int64_t> site_days;
    if (auto ec = store.SiteRetentionDays(&site_days)) {
      Log(LogLevel::kError, "retention_failed", {{"error", ec.message()}});
      store.Unlock(kRetentionLockKey);
      return;
    }
    run->plan = RetentionPlan(site_days, default_days, run->started_ms);
    run->deleted.assign(run->plan.size(), 0);
    PurgeStep(run, store);
  });
}

}  // namespace moderated

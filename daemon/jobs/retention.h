// daemon/jobs/retention.h
//
// Retention: deleting decided comments older than a number of days, and
// erasure requests for one author e-mail.
//
// The policy: a site whose sites.retention_days is > 0 keeps its decided
// (approved or rejected) comments that many days; every other site keeps
// them retention.days (0 = forever). Pending comments are never purged. A
// comment counts as old once both its arrival and its last status change
// are older than the cutoff, so a recent decision is never purged at once.
//
// `moderated serve` runs a RetentionScheduler: once at start and then every
// retention.interval_s it purges on the writer thread, retention.chunk_rows
// comments per transaction, posting one chunk at a time so that comment
// batches are committed in between. `moderated purge` runs the same plan on
// the database file directly.
//
// Thread-safety: RetentionScheduler's constructor and Stop() run on the
// thread that owns it; the purge itself runs on the writer thread.
#ifndef MODERATED_DAEMON_JOBS_RETENTION_H_
#define MODERATED_DAEMON_JOBS_RETENTION_H_

#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "daemon/core/config.h"
#include "daemon/db/decision_writer.h"
#include "storage/store.h"

namespace moderated {

// One scope of a purge and its days ("" site = every site without its own
// retention_days).
struct PurgeScope {
  storage::PurgeFilter filter;
  int64_t days = 0;
};

// The scopes of the configured policy at `now_ms`, per-site ones first (by
// name), then the default if `default_days` > 0.
std::vector<PurgeScope> RetentionPlan(const std::map<std::string, int64_t>& site_days,
                                      int64_t default_days, int64_t now_ms);

// Start of the day `days` before `now_ms`: comments older than this go.
int64_t CutoffMs(int64_t now_ms, int64_t days);

// The "retention.purge" audit entry for `deleted` comments per scope.
storage::AuditEntry PurgeAudit(const std::string& actor, int64_t now_ms,
                               const std::vector<PurgeScope>& scopes,
                               const std::vector<int64_t>& deleted);

// The "author.forget" audit entry (the e-mail only as EmailHash()).
storage::AuditEntry ForgetAudit(const std::string& actor, int64_t now_ms, const std::string& email);

class RetentionScheduler {
 public:
  // Starts the timer thread; the first purge is posted at once.
  RetentionScheduler(const RetentionConfig& config, DecisionWriter& writer);
  // Stops (see Stop()).
  ~RetentionScheduler();
  RetentionScheduler(const RetentionScheduler&) = delete;
  RetentionScheduler& operator=(const RetentionScheduler&) = delete;

  // Stops the timer. A purge in progress ends after its current chunk once
  // the writer stops. Call before DecisionWriter::Stop(). Idempotent.
  void Stop();

 private:
  void Run();
  void StartPurge();

  const RetentionConfig config_;
  DecisionWriter& writer_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;  // guarded by mu_
  std::thread thread_;
};

}  // namespace moderated

#endif  // MODERATED_DAEMON_JOBS_RETENTION_H_

// daemon/api/review/bulk.h
//
// What the daemon's composition root needs of bulk actions besides their
// routes (handlers.h): the sweep that closes actions whose run was cut off.
//
// An action runs in batches on the daemon that accepted it (bulk.cc) and
// writes its progress after every batch. If that daemon stops or crashes
// mid-run, nothing would ever move the action out of "running" (or
// "undoing"), and a running action cannot be undone. The sweep marks every
// action with no progress for kBulkStalledAfterMs as "failed", with an
// error saying how far it got, so a moderator can undo what it did or start
// it again for the rest. On a cluster any daemon may sweep: a live run
// writes long before it could look stalled.
#ifndef MODERATED_DAEMON_API_REVIEW_BULK_H_
#define MODERATED_DAEMON_API_REVIEW_BULK_H_

#include <chrono>
#include <cstdint>

#include "storage/store.h"

namespace moderated::api {

// No progress written for this long: the run is gone.
inline constexpr int64_t kBulkStalledAfterMs = 120'000;
// How often `moderated serve` sweeps (and once at start).
inline constexpr std::chrono::seconds kBulkSweepPeriod{30};

// On the writer thread: marks the actions stalled at `now_ms` failed, each
// with its audit entry. Returns how many; logs each one. Storage errors are
// logged and end the sweep (the next one retries).
int FailStalledBulkActions(storage::Store& store, int64_t now_ms);

}  // namespace moderated::api

#endif  // MODERATED_DAEMON_API_REVIEW_BULK_H_

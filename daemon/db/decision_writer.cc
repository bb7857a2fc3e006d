#include "daemon/db/decision_writer.h"

#include <algorithm>
#include <chrono>

#include "daemon/core/log.h"
#include "daemon/core/metrics.h"

namespace moderated {

DecisionWriter::DecisionWriter(std::unique_ptr<storage::Store> store, const WriterConfig& config)
    : DecisionWriter(std::move(store), nullptr, config) {}

DecisionWriter::DecisionWriter(std::unique_ptr<storage::Store> store,
                               std::unique_ptr<storage::Store> checkpoint_store,
                               const WriterConfig& config)
    : config_(config), store_(std::move(store)), checkpoint_store_(std::move(checkpoint_store)) {
  if (checkpoint_store_) checkpoint_thread_ = std::thread([this] { RunCheckpoints(); });
  thread_ = std::thread([this] { Run(); });
}

DecisionWriter::~DecisionWriter() { Stop(); }

bool DecisionWriter::Submit(storage::Comment comment, Completion done) {
  {
    std::lock_guard lock(mu_);
    if (RefusingLocked() || queue_.size() >= config_.max_queue) return false;
    queue_.push_back({std::move(comment), std::move(done)});
  }
  cv_.notify_one();
  return true;
}

bool DecisionWriter::SubmitAll(
    std::vector<storage::Comment> comments,
    std::function<void(size_t, std::error_code, const storage::InsertOutcome&)> done) {
  auto shared_done = std::make_shared<decltype(done)>(std::move(done));
  {
    std::lock_guard lock(mu_);
    if (RefusingLocked() || queue_.size() + comments.size() > config_.max_queue) return false;
    for (size_t i = 0; i < comments.size(); ++i) {
      queue_.push_back({std::move(comments[i]),
                        [shared_done, i](std::error_code ec, const storage::InsertOutcome& o) {
                          (*shared_done)(i, ec, o);
                        }});
    }
  }
  cv_.notify_one();
  return true;
}

bool DecisionWriter::Post(Task task) {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return false;
    tasks_.push_back(std::move(task));
  }
  cv_.notify_one();
  return true;
}

void DecisionWriter::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
  {
    std::lock_guard lock(checkpoint_mu_);
    checkpoint_stopping_ = true;
  }
  checkpoint_cv_.notify_one();
  if (checkpoint_thread_.joinable()) checkpoint_thread_.join();
  checkpoint_store_.reset();
  store_.reset();  // the last connection to close checkpoints what is left
}

bool DecisionWriter::healthy() const {
  std::lock_guard lock(mu_);
  return !sticky_;
}

std::error_code DecisionWriter::error() const {
  std::lock_guard lock(mu_);
  return sticky_ ? sticky_ : failing_;
}

bool DecisionWriter::RefusingLocked() const {
  return stopping_ || sticky_ || (failing_ && std::chrono::steady_clock::now() < retry_at_);
}

size_t DecisionWriter::queue_depth() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

uint64_t DecisionWriter::commits() const {
  std::lock_guard lock(mu_);
  return commits_;
}

uint64_t DecisionWriter::committed_comments() const {
  std::lock_guard lock(mu_);
  return committed_;
}

uint64_t DecisionWriter::checkpoints() const { return checkpoints_.load(); }

uint64_t DecisionWriter::text_indexed() const { return text_indexed_.load(); }

void DecisionWriter::Run() {
  std::vector<Item> batch;
  std::deque<Task> tasks;
  for (;;) {
    bool idle = false;
    bool quiet = false;
    {
      std::unique_lock lock(mu_);
      // A full chunk of comments left out of the text index is work for an
      // idle pass; a partial one waits for a quiet moment (nothing for
      // kTextIndexQuietMs), so that a light load does not index a few
      // comments at a time, which is what the chunks are there to avoid.
      auto ready = [this] {
        return stopping_ || !queue_.empty() || !tasks_.empty() || unindexed_ < 0 ||
               unindexed_ >= kTextIndexChunkRows;
      };
      if (unindexed_ != 0 && !ready()) {
        quiet = !cv_.wait_for(lock, std::chrono::milliseconds(kTextIndexQuietMs), ready);
      }
      if (!quiet) cv_.wait(lock, ready);
      // Stop only once everything queued before Stop() is committed.
      if (stopping_ && queue_.empty() && tasks_.empty()) return;
      idle = queue_.empty() && tasks_.empty();
      size_t n = std::min<size_t>(queue_.size(), std::max<uint32_t>(config_.max_batch, 1));
      batch.clear();
      for (size_t i = 0; i < n; ++i) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      tasks.swap(tasks_);
    }
    for (Task& task : tasks) task(*store_);
    tasks.clear();
    if (!batch.empty()) CommitBatch(&batch);
    // Not asked yet (-1): the first pass asks, indexing a chunk.
    if (unindexed_ < 0 || quiet ||
        (unindexed_ >= kTextIndexChunkRows && (idle || unindexed_ > kMaxUnindexedRows))) {
      IndexText();
    }
    AfterCommit();
  }
}

void DecisionWriter::IndexText() {
  auto start = std::chrono::steady_clock::now();
  int64_t indexed = 0;
  int64_t remaining = 0;
  std::error_code ec = store_->IndexText(kTextIndexChunkRows, &indexed, &remaining);
  if (ec) {
    // Busy, disk full, ...: the index is behind, not wrong (searches scan
    // the rest). Try again after the next commit rather than in a loop.
    Log(storage::IsRetryable(ec) ? LogLevel::kDebug : LogLevel::kWarn, "text_index_failed",
        {{"error", ec.message()}, {"detail", store_->LastErrorMessage()}});
    unindexed_ = 0;
    return;
  }
  unindexed_ = remaining;
  text_indexed_.fetch_add(static_cast<uint64_t>(indexed));
  if (indexed == 0) return;
  auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
                    std::chrono::steady_clock::now() - start)
                    .count();
  Log(LogLevel::kDebug, "text_indexed",
      {{"comments", std::to_string(indexed)},
       {"remaining", std::to_string(remaining)},
       {"micros", std::to_string(micros)}});
}

void DecisionWriter::AfterCommit() {
  if (!checkpoint_store_ || config_.checkpoint_pages == 0) return;
  const int64_t pages = config_.checkpoint_pages;
  const int64_t frames = store_->wal_frames();
  // The WAL started over (after a restart, or a background checkpoint that
  // caught up): count from its beginning again.
  if (frames < last_wal_frames_) next_checkpoint_at_ = next_restart_at_ = 0;
  last_wal_frames_ = frames;
  if (frames >= std::max(pages * kCheckpointRestartFactor, next_restart_at_)) {
    // The background copies could not let the WAL start over while commits
    // kept coming: do it here, after the copy under way if any (SQLite
    // allows one checkpoint at a time and would refuse at once). The
    // comments queued meanwhile wait, and go in one larger batch.
    std::lock_guard one_at_a_time(checkpoint_run_mu_);
    // A reader on an old snapshot (a backtest, an export) blocks a restart
    // for as long as it reads: wait only briefly, and try again only after
    // another checkpoint_pages of WAL, so commits do not stall behind it.
    if (Checkpoint(*store_, storage::Store::CheckpointMode::kRestart, kRestartMaxWaitMs)) {
      next_restart_at_ = frames + pages;
    } else {
      next_restart_at_ = 0;
    }
  } else if (frames >= std::max(pages, next_checkpoint_at_)) {
    // One background copy per checkpoint_pages of new WAL, not per commit.
    next_checkpoint_at_ = frames + pages;
    {
      std::lock_guard lock(checkpoint_mu_);
      checkpoint_wanted_ = true;
    }
    checkpoint_cv_.notify_one();
  }
}

void DecisionWriter::RunCheckpoints() {
  for (;;) {
    {
      std::unique_lock lock(checkpoint_mu_);
      checkpoint_cv_.wait(lock, [this] { return checkpoint_wanted_ || checkpoint_stopping_; });
      if (checkpoint_stopping_) return;
      checkpoint_wanted_ = false;
    }
    std::lock_guard one_at_a_time(checkpoint_run_mu_);
    Checkpoint(*checkpoint_store_, storage::Store::CheckpointMode::kPassive);
  }
}

std::error_code DecisionWriter::Checkpoint(storage::Store& store,
                                           storage::Store::CheckpointMode mode, int max_wait_ms) {
  const bool restart = mode == storage::Store::CheckpointMode::kRestart;
  auto start = std::chrono::steady_clock::now();
  storage::CheckpointResult result;
  std::error_code ec = store.Checkpoint(mode, &result, max_wait_ms);
  auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
                    std::chrono::steady_clock::now() - start)
                    .count();
  checkpoints_.fetch_add(1);
  metrics::ObserveCheckpoint(restart, micros, result.wal_frames, !ec);
  // A failed checkpoint loses nothing (the WAL still holds every commit);
  // the next one retries. Busy: a reader or the other checkpoint was in
  // the way.
  const std::string frames = std::to_string(result.wal_frames);
  const std::string copied = std::to_string(result.checkpointed);
  const std::string took = std::to_string(micros);
  const char* mode_name = restart ? "restart" : "passive";
  if (ec) {
    Log(storage::IsRetryable(ec) ? LogLevel::kDebug : LogLevel::kWarn, "checkpoint_failed",
        {{"mode", mode_name}, {"wal_frames", frames}, {"error", store.LastErrorMessage()}});
  } else {
    Log(LogLevel::kDebug, "checkpoint",
        {{"mode", mode_name}, {"wal_frames", frames}, {"checkpointed", copied}, {"micros", took}});
  }
  return ec;
}

namespace {

// Errors no retry can fix: the file is damaged, not ours, or read-only.
bool IsFatal(std::error_code ec) {
  return ec == storage::Errc::corrupt || ec == storage::Errc::schema_too_new ||
         ec == storage::Errc::read_only;
}

}  // namespace

std::error_code DecisionWriter::Insert(std::span<const storage::Comment> comments,
                                       std::vector<storage::InsertOutcome>* outcomes) {
  auto backoff = std::chrono::milliseconds(5);
  for (uint32_t attempt = 0;; ++attempt) {
    std::error_code ec = store_->InsertBatch(comments, outcomes);
    if (!ec || !storage::IsRetryable(ec) || attempt >= config_.retry_limit) return ec;
    Log(LogLevel::kWarn, "writer_retry",
        {{"error", ec.message()}, {"attempt", std::to_string(attempt + 1)}});
    std::this_thread::sleep_for(backoff);
    backoff *= 2;
  }
}

void DecisionWriter::NoteResult(std::error_code ec, size_t committed) {
  std::lock_guard lock(mu_);
  if (committed > 0) {
    ++commits_;
    committed_ += committed;
  }
  if (!ec || ec == storage::Errc::constraint) {
    if (failing_) {
      Log(LogLevel::kInfo, "writer_recovered", {{"error", failing_.message()}});
    }
    failing_ = {};
    backoff_ = std::chrono::milliseconds(0);
    return;
  }
  if (IsFatal(ec)) {
    if (!sticky_) {
      sticky_ = ec;
      Log(LogLevel::kError, "writer_failed", {{"error", ec.message()}});
    }
    return;
  }
  // May pass (disk full, I/O, busy beyond the retries): refuse new comments
  // for a while, then let the next batch find out.
  const auto cap = std::chrono::milliseconds(std::max<uint32_t>(config_.max_failure_backoff_ms, 1));
  backoff_ = std::min(cap, backoff_.count() == 0 ? std::chrono::milliseconds(50) : backoff_ * 2);
  retry_at_ = std::chrono::steady_clock::now() + backoff_;
  Log(failing_ ? LogLevel::kDebug : LogLevel::kError, "writer_failing",
      {{"error", ec.message()}, {"retry_in_ms", std::to_string(backoff_.count())}});
  failing_ = ec;
}

void DecisionWriter::CommitBatch(std::vector<Item>* batch) {
  const size_t n = batch->size();
  std::vector<storage::Comment> comments;
  comments.reserve(n);
  for (Item& item : *batch) comments.push_back(std::move(item.comment));
  std::vector<storage::InsertOutcome> outcomes;
  std::vector<std::error_code> item_ec(n);
  std::error_code ec;
  {
    std::lock_guard lock(mu_);
    ec = sticky_;
  }
  auto start = std::chrono::steady_clock::now();
  size_t committed = 0;
  if (!ec) {
    ec = Insert(comments, &outcomes);
    if (!ec) {
      committed = n;
    } else if (ec == storage::Errc::constraint) {
      // One comment broke a constraint (a bug or input that got past the
      // API's checks): it must fail alone. Commit one per transaction.
      outcomes.assign(n, storage::InsertOutcome{});
      ec = {};
      for (size_t i = 0; i < n; ++i) {
        std::vector<storage::InsertOutcome> one;
        item_ec[i] = Insert(std::span(&comments[i], 1), &one);
        if (!item_ec[i]) {
          outcomes[i] = one[0];
          ++committed;
        } else {
          Log(LogLevel::kError, "writer_comment_failed",
              {{"site", comments[i].site},
               {"external_id", comments[i].external_id},
               {"error", item_ec[i].message()},
               {"detail", store_->LastErrorMessage()}});
          if (item_ec[i] != storage::Errc::constraint) ec = item_ec[i];
        }
      }
      if (!ec) ec = storage::Errc::constraint;  // only rows of their own failed
    } else {
      std::fill(item_ec.begin(), item_ec.end(), ec);
    }
  } else {
    std::fill(item_ec.begin(), item_ec.end(), ec);
  }
  auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
                    std::chrono::steady_clock::now() - start)
                    .count();
  NoteResult(ec, committed);
  if (unindexed_ >= 0) unindexed_ += static_cast<int64_t>(committed);
  metrics::ObserveCommit(n, micros, committed == n);
  Log(LogLevel::kDebug, "commit",
      {{"comments", std::to_string(n)},
       {"committed", std::to_string(committed)},
       {"micros", std::to_string(micros)}});
  static const storage::InsertOutcome kNone;
  for (size_t i = 0; i < n; ++i) {
    (*batch)[i].done(item_ec[i], item_ec[i] ? kNone : outcomes[i]);
  }
  batch->clear();
}

}  // namespace moderated

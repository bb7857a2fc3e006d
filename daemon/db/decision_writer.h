// daemon/db/decision_writer.h
//
// DecisionWriter: the single thread that owns the read-write Store. Requests
// hand it comments with Submit(); it drains whatever is queued (up to
// max_batch) into ONE transaction — group commit, LevelDB's BuildBatchGroup —
// and only then calls each comment's completion. A client is answered only
// after its comment is committed.
//
// The queue is bounded: Submit() returns false instead of growing without
// limit, and the caller answers 503 with Retry-After. Storage errors:
//  - busy: retried with backoff inside the batch (config.retry_limit);
//  - constraint (one bad row): the batch is committed again one comment per
//    transaction, so only the offending comment fails; nothing else does;
//  - disk full, I/O and other errors that may pass: the batch fails, new
//    comments are refused for a backoff (50 ms doubling up to
//    config.max_failure_backoff_ms), then the next batch tries again; the
//    first commit that succeeds ends the trouble. error() says what is
//    wrong meanwhile (for /readyz); healthy() stays true;
//  - corrupt, read-only or a schema too new: sticky (LevelDB's bg_error_),
//    every later batch fails until restart and healthy() turns false.
//
// Checkpoints: with a second read-write Store (opened with auto_checkpoint
// = false, like the writer's own), a checkpoint thread copies the WAL into
// the database file in the background (PASSIVE) whenever a commit leaves it
// at config.checkpoint_pages or more, so no commit waits for that copy or
// its fsyncs. A background checkpoint cannot reset the WAL while commits keep
// coming, so at kCheckpointRestartFactor times the threshold the writer
// thread itself runs a RESTART checkpoint between two batches: it copies the
// little that is left and the WAL starts over, bounding its size.
//
// The text index (SQLite): a comment's own transaction leaves it out of the
// full-text index; the writer thread adds the comments not yet indexed in
// chunks of kTextIndexChunkRows (Store::IndexText): a full chunk in a pass
// where no comment or task waits, one after each batch while more than
// kMaxUnindexedRows are left (so the tail a search scans stays short under
// a load that never lets the queue run empty), and what is left once
// nothing has come for kTextIndexQuietMs. A failed chunk is tried again
// after the next commit.
//
// Thread-safety: Submit(), healthy(), queue_depth() may be called from any
// thread. Completions run on the writer thread; they must be short (post the
// result to the requester's executor).
#ifndef MODERATED_DAEMON_DB_DECISION_WRITER_H_
#define MODERATED_DAEMON_DB_DECISION_WRITER_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <system_error>
#include <thread>
#include <vector>

#include "daemon/core/config.h"
#include "storage/store.h"

namespace moderated {

class DecisionWriter {
 public:
  using Completion = std::function<void(std::error_code, const storage::InsertOutcome&)>;
  // Runs on the writer thread between commits, with the read-write Store.
  using Task = std::function<void(storage::Store&)>;

  // Takes ownership of a read-write store and starts the thread.
  DecisionWriter(std::unique_ptr<storage::Store> store, const WriterConfig& config);
  // The same, with background checkpoints on `checkpoint_store` (both
  // stores opened with auto_checkpoint = false; see above). Null = none.
  DecisionWriter(std::unique_ptr<storage::Store> store,
                 std::unique_ptr<storage::Store> checkpoint_store, const WriterConfig& config);
  // Stops (see Stop()).
  ~DecisionWriter();
  DecisionWriter(const DecisionWriter&) = delete;
  DecisionWriter& operator=(const DecisionWriter&) = delete;

  // Queues `comment`; `done` is called once it is committed (or failed).
  // Returns false, without calling `done`, if the queue is full or the writer
  // is stopping or failed.
  bool Submit(storage::Comment comment, Completion done);

  // Queues several comments as a unit (a batch request): all are accepted or
  // none. `done` is called once per comment, in order.
  bool SubmitAll(std::vector<storage::Comment> comments,
                 std::function<void(size_t, std::error_code, const storage::InsertOutcome&)> done);

  // Runs `task` on the writer thread (between transactions). Used for admin
  // writes (rules versions, labels). Returns false if stopping.
  bool Post(Task task);

  // Commits everything queued, then stops the thread and closes the store.
  // Idempotent.
  void Stop();

  // false after an error that only a restart (and an operator) can fix.
  bool healthy() const;
  // The storage trouble now: the sticky error, or the error of the last
  // failed commit while no commit has succeeded since; empty when fine.
  std::error_code error() const;
  size_t queue_depth() const;

  // Counters for /metrics and tests.
  uint64_t commits() const;
  uint64_t committed_comments() const;
  uint64_t checkpoints() const;  // background and restart checkpoints run
  uint64_t text_indexed() const;  // comments added to the text index

  // Comments per IndexText transaction: each is one FTS5 segment of the
  // chunk's trigrams, so a chunk costs far less per comment than a small
  // commit did (docs/storage.md, "Text search"), and holds the comments
  // behind it for tens of milliseconds.
  static constexpr int64_t kTextIndexChunkRows = 2'000;
  // Beyond this many comments not yet indexed, a chunk runs even while
  // comments wait: it bounds the rows a text search scans.
  static constexpr int64_t kMaxUnindexedRows = 10'000;
  // A partial chunk is indexed after this long without a comment or task.
  static constexpr int kTextIndexQuietMs = 200;

 private:
  struct Item {
    storage::Comment comment;
    Completion done;
  };
  void Run();
  void CommitBatch(std::vector<Item>* batch);
  // InsertBatch with retries of a busy database.
  std::error_code Insert(std::span<const storage::Comment> comments,
                         std::vector<storage::InsertOutcome>* outcomes);
  // Records how a batch went: sticky, failing (with backoff) or fine.
  void NoteResult(std::error_code ec, size_t committed);
  bool RefusingLocked() const;  // requires mu_
  void AfterCommit();           // writer thread: start or run a checkpoint if due
  void IndexText();             // writer thread: one chunk of the text index
  void RunCheckpoints();
  // Runs and reports one checkpoint; returns its error.
  std::error_code Checkpoint(storage::Store& store, storage::Store::CheckpointMode mode,
                             int max_wait_ms = -1);
  // How long a restart waits for readers on an old snapshot.
  static constexpr int kRestartMaxWaitMs = 50;

  const WriterConfig config_;
  std::unique_ptr<storage::Store> store_;  // used only by thread_

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Item> queue_;                          // guarded by mu_
  std::deque<Task> tasks_;                          // guarded by mu_
  bool stopping_ = false;                           // guarded by mu_
  std::error_code sticky_;                          // guarded by mu_
  std::error_code failing_;                         // guarded by mu_: last error that may pass
  std::chrono::steady_clock::time_point retry_at_;  // guarded by mu_
  std::chrono::milliseconds backoff_{0};            // guarded by mu_
  uint64_t commits_ = 0;                            // guarded by mu_
  uint64_t committed_ = 0;                          // guarded by mu_
  std::thread thread_;
  // Writer thread only (also in its own wait predicate): comments not yet in
  // the text index as far as the writer knows; -1 = not asked yet.
  int64_t unindexed_ = -1;
  std::atomic<uint64_t> text_indexed_{0};

  std::unique_ptr<storage::Store> checkpoint_store_;  // used only by checkpoint_thread_
  std::mutex checkpoint_mu_;
  std::condition_variable checkpoint_cv_;
  bool checkpoint_wanted_ = false;    // guarded by checkpoint_mu_
  bool checkpoint_stopping_ = false;  // guarded by checkpoint_mu_
  std::atomic<uint64_t> checkpoints_{0};
  std::mutex checkpoint_run_mu_;    // held while a checkpoint (either kind) runs
  int64_t last_wal_frames_ = 0;     // writer thread only
  int64_t next_checkpoint_at_ = 0;  // writer thread only: WAL frames
  int64_t next_restart_at_ = 0;     // writer thread only: after a failed restart
  std::thread checkpoint_thread_;
};

}  // namespace moderated

#endif  // MODERATED_DAEMON_DB_DECISION_WRITER_H_

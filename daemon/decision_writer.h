// daemon/decision_writer.h
//
// DecisionWriter: the single thread that owns the read-write Store. Requests
// hand it comments with Submit(); it drains whatever is queued (up to
// max_batch) into ONE transaction — group commit, LevelDB's BuildBatchGroup —
// and only then calls each comment's completion. A client is answered only
// after its comment is committed.
//
// The queue is bounded: Submit() returns false instead of growing without
// limit, and the caller answers 503 with Retry-After. A busy database is
// retried with backoff; any other storage error is sticky (LevelDB's
// bg_error_): the writer fails every later batch with that error until
// restart, and healthy() turns false.
//
// Thread-safety: Submit(), healthy(), queue_depth() may be called from any
// thread. Completions run on the writer thread; they must be short (post the
// result to the requester's executor).
#ifndef MODERATED_DAEMON_DECISION_WRITER_H_
#define MODERATED_DAEMON_DECISION_WRITER_H_

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

#include "daemon/config.h"
#include "storage/store.h"

namespace moderated {

class DecisionWriter {
 public:
  using Completion = std::function<void(std::error_code, const storage::InsertOutcome&)>;
  // Runs on the writer thread between commits, with the read-write Store.
  using Task = std::function<void(storage::Store&)>;

  // Takes ownership of a read-write store and starts the thread.
  DecisionWriter(std::unique_ptr<storage::Store> store, const WriterConfig& config);
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

  bool healthy() const;
  std::error_code sticky_error() const;
  size_t queue_depth() const;

  // Counters for /metrics and tests.
  uint64_t commits() const;
  uint64_t committed_comments() const;

 private:
  struct Item {
    storage::Comment comment;
    Completion done;
  };
  void Run();
  void CommitBatch(std::vector<Item>* batch);

  const WriterConfig config_;
  std::unique_ptr<storage::Store> store_;  // used only by thread_

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Item> queue_;    // guarded by mu_
  std::deque<Task> tasks_;    // guarded by mu_
  bool stopping_ = false;     // guarded by mu_
  std::error_code sticky_;    // guarded by mu_
  uint64_t commits_ = 0;      // guarded by mu_
  uint64_t committed_ = 0;    // guarded by mu_
  std::thread thread_;
};

}  // namespace moderated

#endif  // MODERATED_DAEMON_DECISION_WRITER_H_

// daemon/engine/velocity.h
//
// Velocity: how many comments with the same author IP, the same author
// e-mail, or the same normalised content were seen recently on the same site
// (each site counts its own: a text posted once on each of two sites is not a
// flood on either). The counts become
// the rule features `velocity_ip`, `velocity_email` and `velocity_content`
// (docs/rules.md, "Live administration, backtests and velocity").
//
// Memory is bounded: each kind keeps at most `max_keys` keys (least recently
// seen evicted first), and each key costs a fixed ~150 bytes — a 64-bit hash
// of the key (the text itself is not kept) and one counter per 1/16 of the
// window. A comment is therefore counted for at least `window_ms` and at most
// 17/16 × `window_ms` after it was seen. Counts live in memory: a restart
// starts from zero. On PostgreSQL the counts are the cluster's (SetShared,
// ClusterVelocity): every daemon adds to and reads the same table.
//
// Thread-safety: Observe() may be called from any number of threads at once.
// Each kind is split into 16 stripes by key hash, each with its own mutex
// held for one hash-map lookup.
#ifndef MODERATED_DAEMON_ENGINE_VELOCITY_H_
#define MODERATED_DAEMON_ENGINE_VELOCITY_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace moderated {

class Velocity {
 public:
  // `window_ms` > 0; `max_keys` per kind (≥ 16 is useful: at least one key
  // per stripe is always kept).
  Velocity(int64_t window_ms, size_t max_keys);
  ~Velocity();
  Velocity(const Velocity&) = delete;
  Velocity& operator=(const Velocity&) = delete;

  // The counts for one comment, INCLUDING that comment. An empty key (no IP,
  // no e-mail, empty content) counts 0.
  struct Counts {
    double ip = 0;
    double email = 0;
    double content = 0;
  };

  // Counts the comment of `site` seen at `now_ms` (Unix milliseconds; any monotonic
  // clock works as long as it is used consistently). With `record` false
  // nothing is stored and the result is what the counts would be had it been
  // recorded (dry runs, /v1/check). `email` and `content` should be the
  // normalised texts, so that case and look-alike tricks count as the same.
  Counts Observe(std::string_view site, std::string_view ip, std::string_view email,
                 std::string_view content, int64_t now_ms, bool record);

  // Counts shared by every daemon of a cluster (PostgreSQL): for the three
  // keys of a comment (each a hex hash of site and key; "" for an empty key)
  // adds one if `record` and returns the counts over [now_ms - window_ms,
  // now_ms] including this comment. False when the shared counts could not
  // be read: this daemon's own counts are used for that comment.
  using SharedCounts =
      std::function<bool(const std::array<std::string, 3>& keys, int64_t now_ms, int64_t window_ms,
                         bool record, std::array<int64_t, 3>* counts)>;
  // Set once, before the first Observe. Local counts are still kept, as
  // the fallback.
  void SetShared(SharedCounts shared) { shared_ = std::move(shared); }
  bool shared() const { return static_cast<bool>(shared_); }

  // Keys currently held for each kind (tests, metrics).
  size_t ip_keys() const;
  size_t email_keys() const;
  size_t content_keys() const;

  int64_t window_ms() const { return window_ms_; }

 private:
  static constexpr int kSlots = 17;  // 16 buckets of window/16 + the current one
  static constexpr int kStripes = 16;

  struct Entry {
    uint64_t key = 0;
    int64_t last_slot = 0;  // the newest bucket written
    std::array<uint32_t, kSlots> counts{};
  };
  struct Stripe {
    mutable std::mutex mu;
    std::list<Entry> lru;  // most recently seen first; guarded by mu
    std::unordered_map<uint64_t, std::list<Entry>::iterator> index;  // guarded by mu
  };
  struct Kind {
    std::array<Stripe, kStripes> stripes;
    size_t size() const;
  };

  double ObserveOne(Kind& kind, uint64_t key_hash, int64_t slot, bool record);

  const int64_t window_ms_;
  const int64_t bucket_ms_;
  const size_t max_per_stripe_;
  std::unique_ptr<Kind> ip_, email_, content_;
  SharedCounts shared_;
};

// The connections behind Velocity::SharedCounts on PostgreSQL: a small pool
// of read-write stores (Store::ObserveVelocity), so that I/O threads do not
// wait on one another. A failed call drops its connection; the next call
// opens another.
class ClusterVelocity {
 public:
  ClusterVelocity(std::string database_url, size_t max_connections);
  ~ClusterVelocity();
  ClusterVelocity(const ClusterVelocity&) = delete;
  ClusterVelocity& operator=(const ClusterVelocity&) = delete;

  bool Observe(const std::array<std::string, 3>& keys, int64_t now_ms, int64_t window_ms,
               bool record, std::array<int64_t, 3>* counts);

 private:
  struct Pool;
  std::unique_ptr<Pool> pool_;
};

}  // namespace moderated

#endif  // MODERATED_DAEMON_ENGINE_VELOCITY_H_

#include "daemon/engine/velocity.h"

#include <algorithm>
#include <functional>

#include "base/encoding.h"
#include "storage/store.h"

namespace moderated {
namespace {

// FNV-1a, then a 64-bit finaliser so that the low bits (stripe choice) and
// the hash-map buckets are well mixed.
uint64_t Hash(std::string_view s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  return h;
}

// A key of one site: the site's hash mixed in (and finalised again), so
// that the same key on two sites is two keys.
uint64_t KeyHash(uint64_t site_hash, std::string_view key) {
  uint64_t h = Hash(key) ^ (site_hash * 0x9e3779b97f4a7c15ull);
  h ^= h >> 29;
  h *= 0xbf58476d1ce4e5b9ull;
  h ^= h >> 32;
  return h;
}

}  // namespace

size_t Velocity::Kind::size() const {
  size_t n = 0;
  for (const Stripe& s : stripes) {
    std::lock_guard lock(s.mu);
    n += s.index.size();
  }
  return n;
}

Velocity::Velocity(int64_t window_ms, size_t max_keys)
    : window_ms_(std::max<int64_t>(window_ms, 1)),
      bucket_ms_(std::max<int64_t>(window_ms_ / (kSlots - 1), 1)),
      max_per_stripe_(std::max<size_t>((max_keys + kStripes - 1) / kStripes, 1)),
      ip_(std::make_unique<Kind>()),
      email_(std::make_unique<Kind>()),
      content_(std::make_unique<Kind>()) {}

Velocity::~Velocity() = default;

double Velocity::ObserveOne(Kind& kind, uint64_t h, int64_t slot, bool record) {
  Stripe& stripe = kind.stripes[h % kStripes];
  std::lock_guard lock(stripe.mu);
  auto it = stripe.index.find(h);
  if (it == stripe.index.end()) {
    if (!record) return 1;
    stripe.lru.push_front(Entry{h, slot, {}});
    stripe.lru.front().counts[static_cast<size_t>(slot % kSlots)] = 1;
    stripe.index.emplace(h, stripe.lru.begin());
    while (stripe.index.size() > max_per_stripe_) {
      stripe.index.erase(stripe.lru.back().key);
      stripe.lru.pop_back();
    }
    return 1;
  }
  Entry& e = *it->second;
  // A clock that steps back is treated as "now = the newest bucket".
  const int64_t now = std::max(slot, e.last_slot);
  if (record) {
    // Clear the buckets between the newest written one and now: they hold
    // counts from a previous turn of the ring.
    for (int64_t s = e.last_slot + 1; s <= now && s <= e.last_slot + kSlots; ++s) {
      e.counts[static_cast<size_t>(s % kSlots)] = 0;
    }
    e.last_slot = now;
    ++e.counts[static_cast<size_t>(now % kSlots)];
    stripe.lru.splice(stripe.lru.begin(), stripe.lru, it->second);
  }
  // Sum the buckets still inside the window: slots in (now - kSlots, now].
  uint64_t total = record ? 0 : 1;
  for (int d = 0; d < kSlots; ++d) {
    const int64_t s = e.last_slot - d;
    if (s <= now - kSlots) break;
    total += e.counts[static_cast<size_t>(s % kSlots)];
  }
  return static_cast<double>(total);
}

Velocity::Counts Velocity::Observe(std::string_view site, std::string_view ip,
                                   std::string_view email, std::string_view content, int64_t now_ms,
                                   bool record) {
  const int64_t slot = std::max<int64_t>(now_ms, 0) / bucket_ms_;
  const uint64_t site_hash = Hash(site);
  const std::string_view keys[3] = {ip, email, content};
  Kind* kinds[3] = {ip_.get(), email_.get(), content_.get()};
  double local[3] = {0, 0, 0};
  std::array<std::string, 3> shared_keys;
  for (int k = 0; k < 3; ++k) {
    if (keys[k].empty()) continue;
    const uint64_t h = KeyHash(site_hash, keys[k]);
    local[k] = ObserveOne(*kinds[k], h, slot, record);
    if (shared_) {
      for (int shift = 56; shift >= 0; shift -= 8) {
        base::AppendHexByte(static_cast<unsigned char>(h >> shift), &shared_keys[k]);
      }
    }
  }
  std::array<int64_t, 3> cluster{};
  if (shared_ && shared_(shared_keys, now_ms, window_ms_, record, &cluster)) {
    return Counts{static_cast<double>(cluster[0]), static_cast<double>(cluster[1]),
                  static_cast<double>(cluster[2])};
  }
  return Counts{local[0], local[1], local[2]};
}

struct ClusterVelocity::Pool {
  std::string url;
  size_t max = 1;
  std::mutex mu;
  std::vector<std::unique_ptr<storage::Store>> idle;  // guarded by mu
  size_t open = 0;                                    // guarded by mu
};

ClusterVelocity::ClusterVelocity(std::string database_url, size_t max_connections)
    : pool_(std::make_unique<Pool>()) {
  pool_->url = std::move(database_url);
  pool_->max = std::max<size_t>(max_connections, 1);
}

ClusterVelocity::~ClusterVelocity() = default;

bool ClusterVelocity::Observe(const std::array<std::string, 3>& keys, int64_t now_ms,
                              int64_t window_ms, bool record, std::array<int64_t, 3>* counts) {
  Pool& p = *pool_;
  std::unique_ptr<storage::Store> store;
  {
    std::lock_guard lock(p.mu);
    if (!p.idle.empty()) {
      store = std::move(p.idle.back());
      p.idle.pop_back();
    } else if (p.open >= p.max) {
      return false;  // every connection busy: this comment counts locally
    } else {
      ++p.open;
    }
  }
  if (store == nullptr) {
    std::string error;
    store = storage::Store::Open(p.url, storage::Store::OpenMode::kReadWrite, &error);
    if (store == nullptr) {
      std::lock_guard lock(p.mu);
      --p.open;
      return false;
    }
  }
  const bool ok = !store->ObserveVelocity(keys, now_ms, window_ms, record, counts);
  std::lock_guard lock(p.mu);
  if (ok) {
    p.idle.push_back(std::move(store));
  } else {
    --p.open;  // dropped: the next call opens a fresh connection
  }
  return ok;
}

size_t Velocity::ip_keys() const { return ip_->size(); }
size_t Velocity::email_keys() const { return email_->size(); }
size_t Velocity::content_keys() const { return content_->size(); }

}  // namespace moderated

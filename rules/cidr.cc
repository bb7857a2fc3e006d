// rules/cidr.cc
#include "rules/cidr.h"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <string>

namespace moderated::rules::internal {

std::optional<Uint128> ParseIp(std::string_view text) {
  if (text.size() >= 2 && text.front() == '[' && text.back() == ']') {
    text = text.substr(1, text.size() - 2);
  }
  if (text.empty() || text.size() > 45) return std::nullopt;
  std::string s(text);  // inet_pton needs a NUL-terminated string
  unsigned char bytes[16] = {};
  if (inet_pton(AF_INET, s.c_str(), bytes) == 1) {
    // IPv4-mapped: ::ffff:a.b.c.d
    Uint128 v = 0xffff;
    for (int i = 0; i < 4; ++i) v = (v << 8) | bytes[i];
    return v;
  }
  if (inet_pton(AF_INET6, s.c_str(), bytes) == 1) {
    Uint128 v = 0;
    for (unsigned char b : bytes) v = (v << 8) | b;
    return v;
  }
  return std::nullopt;
}

std::optional<IpRange> ParseCidr(std::string_view text) {
  size_t slash = text.find('/');
  std::string_view addr = text.substr(0, slash);
  bool v4 = addr.find(':') == std::string_view::npos;
  int max_prefix = v4 ? 32 : 128;
  int prefix = max_prefix;
  if (slash != std::string_view::npos) {
    std::string_view p = text.substr(slash + 1);
    if (p.empty() || p.size() > 3) return std::nullopt;
    auto [ptr, ec] = std::from_chars(p.data(), p.data() + p.size(), prefix);
    if (ec != std::errc() || ptr != p.data() + p.size() || prefix < 0 || prefix > max_prefix) {
      return std::nullopt;
    }
  }
  std::optional<Uint128> ip = ParseIp(addr);
  if (!ip) return std::nullopt;
  int bits = 128 - (v4 ? 96 + prefix : prefix);  // host bits
  Uint128 host_mask = bits == 128 ? ~Uint128{0} : ((Uint128{1} << bits) - 1);
  return IpRange{*ip & ~host_mask, *ip | host_mask};
}

CidrTable::CidrTable(std::vector<IpRange> ranges) {
  std::sort(ranges.begin(), ranges.end(),
            [](const IpRange& a, const IpRange& b) { return a.first < b.first; });
  for (const IpRange& r : ranges) {
    if (!ranges_.empty() &&
        (r.first <= ranges_.back().last ||
         (ranges_.back().last != ~Uint128{0} && r.first == ranges_.back().last + 1))) {
      ranges_.back().last = std::max(ranges_.back().last, r.last);
    } else {
      ranges_.push_back(r);
    }
  }
}

bool CidrTable::Contains(Uint128 address) const {
  // The last range starting at or before `address`.
  auto it = std::upper_bound(ranges_.begin(), ranges_.end(), address,
                             [](Uint128 a, const IpRange& r) { return a < r.first; });
  if (it == ranges_.begin()) return false;
  --it;
  return address <= it->last;
}

}  // namespace moderated::rules::internal

// rules/cidr.h (internal to rules/)
//
// CidrTable: a set of IPv4/IPv6 networks answering "is this address in any of
// them?" in O(log n). IPv4 is stored as IPv4-mapped IPv6 (::ffff:a.b.c.d), so
// one table holds both families and "::ffff:1.2.3.4" matches 1.2.3.0/24.
// Immutable after Build(); Contains() is const and thread-safe.
#ifndef MODERATED_RULES_CIDR_H_
#define MODERATED_RULES_CIDR_H_

#include <optional>
#include <string_view>
#include <utility>
#include <vector>

namespace moderated::rules::internal {

using Uint128 = unsigned __int128;

// An inclusive address range [first, last].
struct IpRange {
  Uint128 first = 0;
  Uint128 last = 0;
};

// Parses "203.0.113.0/24", "2001:db8::/32" or a bare address (a /32 or
// /128). Host bits below the prefix are ignored ("10.1.2.3/8" is 10.0.0.0/8).
// Returns nullopt if it is not a valid network.
std::optional<IpRange> ParseCidr(std::string_view text);

// Parses a bare IPv4 or IPv6 address (brackets allowed around IPv6).
std::optional<Uint128> ParseIp(std::string_view text);

class CidrTable {
 public:
  // Sorts and merges `ranges`.
  explicit CidrTable(std::vector<IpRange> ranges);
  bool Contains(Uint128 address) const;
  size_t size() const { return ranges_.size(); }

 private:
  std::vector<IpRange> ranges_;  // sorted, disjoint, not adjacent
};

}  // namespace moderated::rules::internal

#endif  // MODERATED_RULES_CIDR_H_

#include "daemon/engine/spot_check.h"

#include <cstdint>
#include <string>

#include "base/hash.h"

namespace moderated {

double SpotCheckPosition(const CommentInput& comment) {
  // Tagged so that an id can never collide with a content of the same bytes.
  // SHA-256 rather than FNV-1a: ids like "c-1", "c-2" differ in their last
  // byte, and FNV-1a's high bits hardly move with it.
  std::string key = comment.site;
  key += '\n';
  if (!comment.external_id.empty()) {
    key += "id:";
    key += comment.external_id;
  } else {
    key += "content:";
    key += comment.content;
  }
  const std::string digest = base::Sha256(key);
  uint64_t bits = 0;
  for (int i = 0; i < 8; ++i) bits = (bits << 8) | static_cast<unsigned char>(digest[i]);
  constexpr double kTwoToMinus53 = 1.0 / 9007199254740992.0;  // 2^-53
  return static_cast<double>(bits >> 11) * kTwoToMinus53;
}

bool SpotCheck(const rules::SitePolicy& policy, const CommentInput& comment) {
  if (!(policy.spot_check > 0)) return false;
  return SpotCheckPosition(comment) < policy.spot_check;
}

}  // namespace moderated

// daemon/engine/spot_check.h
//
// Spot checks: a share of the comments a site's policy accepts is sampled
// into the review queue (docs/review.md, "Spot checks"). The comment stays
// accepted and published; a moderator's decision on it becomes a label, so
// spam the rules and the classifier missed still teaches the learning loop.
//
// The sample is decided by a hash, not by a random draw, so that a retried
// submission of the same comment gets the same answer: the key is the site
// and the site's own id, or the site and the content when there is no id.
// Sites are sampled independently of one another (the site is in the key).
//
// Thread-safety: pure functions.
#ifndef MODERATED_DAEMON_ENGINE_SPOT_CHECK_H_
#define MODERATED_DAEMON_ENGINE_SPOT_CHECK_H_

#include "daemon/engine/engine.h"
#include "rules/rule_set.h"

namespace moderated {

// Where `comment` falls in [0, 1): the first 53 bits of SHA-256 over its
// key, as a fraction. Uniform over comments, fixed for one comment.
double SpotCheckPosition(const CommentInput& comment);

// True if an accepted `comment` is a spot check under `policy`: its
// position is below policy.spot_check (0 never, 1 always). The caller
// decides that the comment is accepted and being stored (not a dry run).
bool SpotCheck(const rules::SitePolicy& policy, const CommentInput& comment);

}  // namespace moderated

#endif  // MODERATED_DAEMON_ENGINE_SPOT_CHECK_H_

// tests/daemon/jobs/webhooks_test.cc
//
// What a receiver checks (the signature) and when a failed delivery is
// tried again (the backoff). Delivery itself: webhooks_e2e_test.cc.
#include "daemon/jobs/webhooks.h"

#include <gtest/gtest.h>

namespace moderated {
namespace {

TEST(WebhookSignatureTest, IsHmacSha256OfTimestampDotBodyInLowerCaseHex) {
  // Python: hmac.new(b"whsec_test", b'1732850000.{"event_id":"e1"}', hashlib.sha256).hexdigest()
  EXPECT_EQ("sha256=3ac57e5e42438fa56bb7ff3614079c15b9b346b846cd1fc868b96d0ddc784474",
            WebhookSignature("whsec_test", "1732850000", R"({"event_id":"e1"})"));
  EXPECT_NE(WebhookSignature("whsec_test", "1732850001", R"({"event_id":"e1"})"),
            WebhookSignature("whsec_test", "1732850000", R"({"event_id":"e1"})"));
}

TEST(WebhookBackoffTest, DoublesFromTheInitialDelayUpToTheCapWithEqualJitter) {
  WebhooksConfig c;
  c.initial_backoff_ms = 1000;
  c.max_backoff_ms = 8000;
  // Jitter 0: half the delay; jitter → 1: the whole delay.
  EXPECT_EQ(500, WebhookBackoffMs(c, 1, 0.0));
  EXPECT_EQ(1000, WebhookBackoffMs(c, 2, 0.0));
  EXPECT_EQ(2000, WebhookBackoffMs(c, 3, 0.0));
  EXPECT_EQ(4000, WebhookBackoffMs(c, 4, 0.0));
  EXPECT_EQ(4000, WebhookBackoffMs(c, 40, 0.0));  // capped at 8000
  EXPECT_EQ(1750, WebhookBackoffMs(c, 2, 0.75));
  EXPECT_EQ(8000, WebhookBackoffMs(c, 40, 1.0));
  EXPECT_EQ(500, WebhookBackoffMs(c, 1, -3.0));  // jitter outside [0, 1] is clamped
}

}  // namespace
}  // namespace moderated

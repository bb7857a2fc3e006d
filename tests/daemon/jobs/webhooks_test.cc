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

TEST(WebhookEgressTest, InternalAddressesInEverySpellingAreRecognised) {
  namespace ip = boost::asio::ip;
  for (const char* a : {"127.0.0.1", "127.255.0.9", "10.1.2.3", "172.16.0.1", "172.31.255.255",
                        "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0", "224.0.0.1",
                        "255.255.255.255", "198.18.0.1", "::1", "::", "fe80::1", "fd00::1",
                        "fc00::1", "ff02::1", "::ffff:127.0.0.1", "::ffff:169.254.169.254",
                        "64:ff9b::a9fe:a9fe"}) {
    EXPECT_TRUE(IsInternalAddress(ip::make_address(a))) << a;
  }
  for (const char* a : {"93.184.216.34", "8.8.8.8", "172.32.0.1", "100.128.0.1", "192.0.2.1",
                        "2606:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808"}) {
    EXPECT_FALSE(IsInternalAddress(ip::make_address(a))) << a;
  }
}

TEST(WebhookEgressTest, AllowNetworksAdmitsOnlyWhatTheyCover) {
  namespace ip = boost::asio::ip;
  const std::vector<std::string> allow = {"10.20.0.0/16", "fd00:1::/32", "192.168.1.7"};
  EXPECT_TRUE(InNetworks(ip::make_address("10.20.3.4"), allow));
  EXPECT_FALSE(InNetworks(ip::make_address("10.21.3.4"), allow));
  EXPECT_TRUE(InNetworks(ip::make_address("fd00:1:2::5"), allow));
  EXPECT_FALSE(InNetworks(ip::make_address("fd00:2::5"), allow));
  EXPECT_TRUE(InNetworks(ip::make_address("192.168.1.7"), allow));
  EXPECT_FALSE(InNetworks(ip::make_address("192.168.1.8"), allow));
  EXPECT_FALSE(InNetworks(ip::make_address("127.0.0.1"), {}));
}

}  // namespace
}  // namespace moderated

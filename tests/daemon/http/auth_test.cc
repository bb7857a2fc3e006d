// tests/daemon/http/auth_test.cc
//
// Tokens and principals: the token format, what a role may do, and Auth's
// lookup — valid, unknown, malformed and revoked tokens, and its cache.
#include "daemon/http/auth.h"

#include <gtest/gtest.h>

#include <future>

#include "base/encoding.h"
#include "base/time.h"
#include "tests/testing/in_process_daemon.h"

namespace moderated {
namespace {

using testing::InProcessDaemon;

TEST(TokenTest, TokensAreMdrAnd256RandomBitsInBase64Url) {
  const std::string a = GenerateToken(), b = GenerateToken();
  EXPECT_NE(a, b);
  ASSERT_EQ(47u, a.size());
  EXPECT_EQ("mdr_", a.substr(0, 4));
  std::string bytes;
  ASSERT_TRUE(base::Base64UrlDecode(a.substr(4), &bytes));
  EXPECT_EQ(32u, bytes.size());
  EXPECT_EQ(32u, HashToken(a).size());
  EXPECT_NE(HashToken(a), HashToken(b));
}

TEST(PrincipalTest, SitesAndRoles) {
  Principal site{1, "forum", Role::kSite, {"a.example"}};
  EXPECT_TRUE(site.CanAccessSite("a.example"));
  EXPECT_FALSE(site.CanAccessSite("b.example"));
  EXPECT_EQ("token:1:forum", site.Actor());
  Principal all_moderator{2, "m", Role::kModerator, {}};
  EXPECT_TRUE(all_moderator.CanAccessSite("anything.example"));
  Principal siteless{3, "s", Role::kSite, {}};
  EXPECT_FALSE(siteless.CanAccessSite("a.example"));
  Principal admin{4, "root", Role::kAdmin, {"a.example"}};
  EXPECT_TRUE(admin.CanAccessSite("b.example"));
}

TEST(PrincipalTest, PrincipalOfAStoredToken) {
  storage::Token t;
  t.id = 9;
  t.name = "mod";
  t.role = "moderator";
  t.sites_json = R"(["a.example", 3, "b.example"])";
  Principal p = PrincipalOf(t);
  EXPECT_EQ(9, p.token_id);
  EXPECT_EQ(Role::kModerator, p.role);
  EXPECT_EQ((std::vector<std::string>{"a.example", "b.example"}), p.sites);
  t.sites_json = "not json";
  EXPECT_TRUE(PrincipalOf(t).sites.empty());
}

TEST(RoleTest, NamesRoundTrip) {
  for (Role r : {Role::kSite, Role::kModerator, Role::kAdmin}) {
    Role parsed;
    ASSERT_TRUE(ParseRole(RoleName(r), &parsed));
    EXPECT_EQ(r, parsed);
  }
  Role unused;
  EXPECT_FALSE(ParseRole("root", &unused));
}

class AuthTest : public ::testing::Test {
 protected:
  InProcessDaemon daemon_;
};

TEST_F(AuthTest, AcceptsBearerTokensCaseInsensitivelyWithSpaces) {
  const std::string token = daemon_.Token(Role::kSite, {"a.example"});
  auto p = daemon_.auth().Authenticate("Bearer " + token);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(Role::kSite, p->role);
  EXPECT_EQ(std::vector<std::string>{"a.example"}, p->sites);
  EXPECT_TRUE(daemon_.auth().Authenticate("bearer   " + token + "  ").has_value());
}

TEST_F(AuthTest, RefusesMissingMalformedAndUnknownTokens) {
  daemon_.Token(Role::kAdmin);
  EXPECT_FALSE(daemon_.auth().Authenticate("").has_value());
  EXPECT_FALSE(daemon_.auth().Authenticate("Bearer ").has_value());
  EXPECT_FALSE(daemon_.auth().Authenticate("Basic dXNlcjpwYXNz").has_value());
  EXPECT_FALSE(daemon_.auth().Authenticate("Bearer short").has_value());
  EXPECT_FALSE(daemon_.auth().Authenticate("Bearer " + GenerateToken()).has_value());
  EXPECT_FALSE(daemon_.auth().Authenticate("Bearer " + std::string(300, 'x')).has_value());
}

TEST_F(AuthTest, ARevokedTokenStopsWorkingOnceTheCacheIsForgotten) {
  const std::string token = daemon_.Token(Role::kModerator);
  auto p = daemon_.auth().Authenticate("Bearer " + token);
  ASSERT_TRUE(p.has_value());
  std::promise<bool> revoked;
  ASSERT_TRUE(daemon_.writer().Post(
      [&](storage::Store& store) { revoked.set_value(!store.RevokeToken(p->token_id, 1)); }));
  ASSERT_TRUE(revoked.get_future().get());
  // Cached: still valid until the cache entry expires or is forgotten.
  EXPECT_TRUE(daemon_.auth().Authenticate("Bearer " + token).has_value());
  daemon_.auth().ForgetAll();
  EXPECT_FALSE(daemon_.auth().Authenticate("Bearer " + token).has_value());
}

// Tasks run on the writer thread in order: once this one has run, every
// task posted before it has too.
void WaitForWriter(DecisionWriter& writer) {
  std::promise<void> done;
  ASSERT_TRUE(writer.Post([&](storage::Store&) { done.set_value(); }));
  done.get_future().get();
}

int64_t LastUsedMs(ReaderPool& readers, int64_t id) {
  std::string error;
  auto lease = readers.Acquire(&error);
  std::vector<storage::Token> tokens;
  EXPECT_TRUE(lease && !lease->ListTokens(&tokens)) << error;
  for (const auto& t : tokens) {
    if (t.id == id) return t.last_used_at_ms;
  }
  return -1;
}

TEST_F(AuthTest, RecordsWhenATokenWasLastUsed) {
  const std::string token = daemon_.Token(Role::kSite, {"a.example"});
  auto p = daemon_.auth().Authenticate("Bearer " + token);
  ASSERT_TRUE(p.has_value());
  WaitForWriter(daemon_.writer());
  const int64_t used = LastUsedMs(daemon_.readers(), p->token_id);
  EXPECT_GT(used, 0);
  EXPECT_LE(used, base::NowMs());
  // Unknown tokens touch nothing.
  EXPECT_FALSE(daemon_.auth().Authenticate("Bearer " + GenerateToken()).has_value());
}

TEST_F(AuthTest, CreateTokenWritesAnAuditEntryAndRefusesSitelessSiteTokens) {
  std::promise<std::string> done;
  ASSERT_TRUE(daemon_.writer().Post([&](storage::Store& store) {
    std::string token, error;
    int64_t id = 0;
    EXPECT_FALSE(CreateToken(store, "x", Role::kSite, {}, "test", &token, &id, &error));
    EXPECT_EQ("a site token needs at least one site", error);
    EXPECT_TRUE(CreateToken(store, "x", Role::kSite, {"a.example"}, "test", &token, &id, &error));
    storage::AuditQuery q;
    q.action = "token.create";
    std::vector<storage::AuditEntry> entries;
    EXPECT_FALSE(store.QueryAudit(q, &entries));
    done.set_value(entries.empty() ? "" : entries.front().after_json);
  }));
  const std::string after = done.get_future().get();
  EXPECT_NE(std::string::npos, after.find("\"role\":\"site\"")) << after;
  EXPECT_NE(std::string::npos, after.find("\"sites\":[\"a.example\"]")) << after;
}

}  // namespace
}  // namespace moderated

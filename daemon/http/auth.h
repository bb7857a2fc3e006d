// daemon/http/auth.h
//
// API tokens and roles. A token is "mdr_" followed by 43 base64url
// characters (256 random bits from OpenSSL's CSPRNG). It is shown once, when
// created; the database keeps only its SHA-256, and lookups compare digests in
// constant time.
//
// Roles:
//   site       submits comments for its sites and reads its own comments
//   moderator  reviews the queue of its sites (all sites if it lists none)
//   admin      everything: rules, models, tokens, sites, audit
//
// Thread-safety: Auth is shared by all sessions; Authenticate() and Forget()
// may be called from any thread (a mutex guards the cache).
#ifndef MODERATED_DAEMON_HTTP_AUTH_H_
#define MODERATED_DAEMON_HTTP_AUTH_H_

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "storage/store.h"

namespace moderated {

class DecisionWriter;
class ReaderPool;

enum class Role { kSite, kModerator, kAdmin };
std::string_view RoleName(Role role);
bool ParseRole(std::string_view name, Role* role);

struct Principal {
  int64_t token_id = 0;
  std::string name;
  Role role = Role::kSite;
  std::vector<std::string> sites;

  // "token:7:alice" — recorded as the actor in the audit log and decisions.
  std::string Actor() const;
  // May this principal act on comments of `site`?
  bool CanAccessSite(std::string_view site) const;
};

// The principal a stored token (or Akismet key) stands for.
Principal PrincipalOf(const storage::Token& token);

// A new random token ("mdr_...").
std::string GenerateToken();
// SHA-256 of `token`, 32 raw bytes.
std::string HashToken(std::string_view token);

// Creates a token in `store` with an audit entry, returns the plain token in
// *token (shown once). On failure returns false with *error set.
bool CreateToken(storage::Store& store, const std::string& name, Role role,
                 const std::vector<std::string>& sites, const std::string& created_by,
                 std::string* token, int64_t* id, std::string* error);

// Stores `t` (hash, prefix, name, role and created_by set) for `sites`, with
// its "token.create" audit entry; `kind` ("akismet" or "") is recorded in the
// entry. Sets *id; false with *error on failure.
bool AddTokenAudited(storage::Store& store, storage::Token t, const std::vector<std::string>& sites,
                     std::string_view kind, int64_t* id, std::string* error);

class Auth {
 public:
  // Cached principals are re-read from the database after `ttl`, so a token
  // revoked by another process stops working within that time; revocations
  // through this daemon take effect at once (Forget()). Each read of a valid
  // token also records its use (tokens.last_used_at_ms) through `writer`, so
  // last use is exact to within `ttl`; a null writer records nothing.
  explicit Auth(ReaderPool& readers, DecisionWriter* writer = nullptr,
                std::chrono::seconds ttl = std::chrono::seconds(30));

  // Checks an Authorization header value ("Bearer mdr_..."). Returns nullopt
  // for a missing, malformed, unknown or revoked token.
  std::optional<Principal> Authenticate(std::string_view authorization);

  // Drops cached entries (after a revocation).
  void ForgetAll();

 private:
  struct Entry {
    std::optional<Principal> principal;  // nullopt: known bad (revoked)
    std::chrono::steady_clock::time_point expires;
  };
  ReaderPool& readers_;
  DecisionWriter* const writer_;
  const std::chrono::seconds ttl_;
  std::mutex mu_;
  std::unordered_map<std::string, Entry> cache_;  // guarded by mu_; key: hash
};

}  // namespace moderated

#endif  // MODERATED_DAEMON_HTTP_AUTH_H_

#include "daemon/http/auth.h"

#include <openssl/crypto.h>

#include <boost/beast/core/string.hpp>
#include <boost/json.hpp>

#include "base/encoding.h"
#include "base/hash.h"
#include "base/random.h"
#include "base/time.h"
#include "daemon/db/decision_writer.h"
#include "daemon/db/reader_pool.h"

namespace moderated {
namespace json = boost::json;

std::string_view RoleName(Role role) {
  switch (role) {
    case Role::kSite:
      return "site";
    case Role::kModerator:
      return "moderator";
    case Role::kAdmin:
      return "admin";
  }
  return "site";
}

bool ParseRole(std::string_view name, Role* role) {
  if (name == "site")
    *role = Role::kSite;
  else if (name == "moderator")
    *role = Role::kModerator;
  else if (name == "admin")
    *role = Role::kAdmin;
  else
    return false;
  return true;
}

std::string Principal::Actor() const { return "token:" + std::to_string(token_id) + ":" + name; }

bool Principal::CanAccessSite(std::string_view site) const {
  if (role == Role::kAdmin) return true;
  if (sites.empty()) return role == Role::kModerator;
  for (const auto& s : sites) {
    if (s == site) return true;
  }
  return false;
}

Principal PrincipalOf(const storage::Token& t) {
  Principal p;
  p.token_id = t.id;
  p.name = t.name;
  ParseRole(t.role, &p.role);
  boost::system::error_code ec;
  json::value sites = json::parse(t.sites_json, ec);
  if (!ec && sites.is_array()) {
    for (const auto& s : sites.get_array()) {
      if (s.is_string()) p.sites.emplace_back(s.get_string());
    }
  }
  return p;
}

std::string GenerateToken() {
  // base64url without padding: 256 bits → 43 characters.
  return "mdr_" + base::Base64UrlEncode(base::RandomBytes(32));
}

std::string HashToken(std::string_view token) { return base::Sha256(token); }

bool CreateToken(storage::Store& store, const std::string& name, Role role,
                 const std::vector<std::string>& sites, const std::string& created_by,
                 std::string* token, int64_t* id, std::string* error) {
  if (role == Role::kSite && sites.empty()) {
    *error = "a site token needs at least one site";
    return false;
  }
  *token = GenerateToken();
  storage::Token t;
  t.name = name;
  t.role = std::string(RoleName(role));
  t.hash = HashToken(*token);
  t.prefix = token->substr(0, 8);
  t.created_by = created_by;
  return AddTokenAudited(store, std::move(t), sites, "", id, error);
}

bool AddTokenAudited(storage::Store& store, storage::Token t, const std::vector<std::string>& sites,
                     std::string_view kind, int64_t* id, std::string* error) {
  json::array list;
  for (const auto& s : sites) list.push_back(json::string(s));
  t.sites_json = json::serialize(list);
  t.created_at_ms = base::NowMs();
  if (store.AddToken(t, id)) {
    *error = std::string(kind.empty() ? "cannot store token: " : "cannot store key: ") +
             store.LastErrorMessage();
    return false;
  }
  json::object after{{"id", *id}, {"name", t.name}, {"role", t.role}};
  if (!kind.empty()) after["kind"] = kind;
  after["sites"] = std::move(list);
  after["prefix"] = t.prefix;
  storage::AuditEntry audit;
  audit.at_ms = t.created_at_ms;
  audit.actor = t.created_by;
  audit.action = "token.create";
  audit.target = "token:" + std::to_string(*id);
  audit.after_json = json::serialize(after);
  if (store.AppendAudit(audit)) {
    *error = "cannot write audit entry: " + store.LastErrorMessage();
    return false;
  }
  return true;
}

Auth::Auth(ReaderPool& readers, DecisionWriter* writer, std::chrono::seconds ttl)
    : readers_(readers), writer_(writer), ttl_(ttl) {}

std::optional<Principal> Auth::Authenticate(std::string_view authorization) {
  constexpr std::string_view kBearer = "Bearer ";
  if (authorization.size() <= kBearer.size() ||
      !boost::beast::iequals(authorization.substr(0, kBearer.size()), kBearer)) {
    return std::nullopt;
  }
  std::string_view token = authorization.substr(kBearer.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  if (token.size() < 10 || token.size() > 256) return std::nullopt;
  const std::string hash = HashToken(token);
  auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(mu_);
    auto it = cache_.find(hash);
    if (it != cache_.end() && it->second.expires > now) return it->second.principal;
  }
  std::string error;
  auto lease = readers_.Acquire(&error);
  if (!lease) return std::nullopt;
  storage::Token t;
  std::optional<Principal> result;
  if (!lease.get()->FindTokenByHash(hash, &t) && t.revoked_at_ms == 0 &&
      CRYPTO_memcmp(t.hash.data(), hash.data(), hash.size()) == 0 && t.hash.size() == hash.size()) {
    result = PrincipalOf(t);
    // Best effort: a full queue or a failed write loses one last-use time.
    if (writer_ != nullptr) {
      writer_->Post(
          [id = t.id, at = base::NowMs()](storage::Store& store) { store.TouchToken(id, at); });
    }
  }
  std::lock_guard lock(mu_);
  if (cache_.size() > 10'000) cache_.clear();  // bounded: unknown tokens are cached too
  cache_[hash] = {result, now + ttl_};
  return result;
}

void Auth::ForgetAll() {
  std::lock_guard lock(mu_);
  cache_.clear();
}

}  // namespace moderated

// daemon/core/privacy.h
//
// What is stored about authors: optional hashing of IP addresses
// (privacy.hash_ips), the per-install key it uses, and the hash of an e-mail
// that erasure requests put in the audit log instead of the address.
//
// With hash_ips on, the IP stored with a comment is
//   "hmac-sha256:" + hex(HMAC-SHA256(key, ip))
// with the 32-byte key from <data_dir>/ip-hash.key (created once, mode
// 0600). Rules and CIDR lists still see the real IP: only storage hashes.
// The same IP always gives the same text, so lookups by IP (reputation) keep
// working as long as they pass the IP through StoredIp() too. Losing the key
// file makes old and new hashes of one IP differ.
//
// Thread-safety: pure functions; LoadOrCreateIpHashKey touches the file
// system and is meant for start-up.
#ifndef MODERATED_DAEMON_CORE_PRIVACY_H_
#define MODERATED_DAEMON_CORE_PRIVACY_H_

#include <string>
#include <string_view>

#include "daemon/core/config.h"

namespace moderated {

// The form of `ip` to store or look up: the HMAC text when
// privacy.hash_ips is on (and the key is loaded), else `ip` unchanged. An
// empty IP stays empty.
std::string StoredIp(const PrivacyConfig& privacy, std::string_view ip);

// "hmac-sha256:" + lower-case hex of HMAC-SHA256(key, ip).
std::string HashIp(std::string_view key, std::string_view ip);

// Reads the key from `path`, creating it (32 random bytes, mode 0600) if it
// does not exist. On failure returns false and sets *error to one line
// naming the file.
bool LoadOrCreateIpHashKey(const std::string& path, std::string* key, std::string* error);

// Lower-case hex SHA-256 of the trimmed, ASCII-lower-cased e-mail (what the
// "author.forget" audit entry records).
std::string EmailHash(std::string_view email);

}  // namespace moderated

#endif  // MODERATED_DAEMON_CORE_PRIVACY_H_

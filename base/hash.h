// base/hash.h
//
// Hashes: FNV-1a for fingerprints of texts we own (a rules source, a model
// file: fast, not for secrets), SHA-256 and HMAC-SHA256 (OpenSSL, in hash.cc
// only) for tokens, signatures and keyed hashes.
//
// Thread-safety: pure functions.
#ifndef MODERATED_BASE_HASH_H_
#define MODERATED_BASE_HASH_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace moderated::base {

// FNV-1a, 64 bit.
uint64_t Fnv1a64(std::string_view data);

// The first 12 lower-case hex digits (48 bits) of Fnv1a64(data): the short
// fingerprint in version names ("r-3f2a9c0d1e7b", "ft-...").
std::string ShortFingerprint(std::string_view data);

// SHA-256 of `data`: 32 raw bytes (HexEncode() for text).
std::string Sha256(std::string_view data);

// HMAC-SHA256 of `message` under `key`: 32 raw bytes.
std::string HmacSha256(std::string_view key, std::string_view message);

}  // namespace moderated::base

#endif  // MODERATED_BASE_HASH_H_

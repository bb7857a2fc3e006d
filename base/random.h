// base/random.h
//
// Random bytes from OpenSSL's CSPRNG, for tokens, keys and ids that must not
// be guessed. Without entropy the process aborts: issuing a weak token is
// worse than stopping.
//
// Thread-safety: may be called from any thread.
#ifndef MODERATED_BASE_RANDOM_H_
#define MODERATED_BASE_RANDOM_H_

#include <cstddef>
#include <string>

namespace moderated::base {

// `n` random bytes.
std::string RandomBytes(size_t n);

// 32 lower-case hex characters: 128 random bits (webhook event ids, keys).
std::string RandomHex128();

}  // namespace moderated::base

#endif  // MODERATED_BASE_RANDOM_H_

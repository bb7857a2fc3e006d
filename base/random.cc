#include "base/random.h"

#include <openssl/rand.h>

#include <cstdlib>

#include "base/encoding.h"

namespace moderated::base {

std::string RandomBytes(size_t n) {
  std::string out(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1) {
    std::abort();  // no entropy: fail loudly
  }
  return out;
}

std::string RandomHex128() { return HexEncode(RandomBytes(16)); }

}  // namespace moderated::base

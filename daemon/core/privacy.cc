#include "daemon/core/privacy.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/encoding.h"
#include "base/hash.h"
#include "base/random.h"
#include "base/strings.h"

namespace moderated {
namespace {

constexpr size_t kKeyBytes = 32;

}  // namespace

std::string HashIp(std::string_view key, std::string_view ip) {
  return "hmac-sha256:" + base::HexEncode(base::HmacSha256(key, ip));
}

std::string StoredIp(const PrivacyConfig& privacy, std::string_view ip) {
  if (!privacy.hash_ips || privacy.ip_hash_key.empty() || ip.empty()) return std::string(ip);
  return HashIp(privacy.ip_hash_key, ip);
}

bool LoadOrCreateIpHashKey(const std::string& path, std::string* key, std::string* error) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
      unsigned char buf[kKeyBytes + 1];
      ssize_t n = ::read(fd, buf, sizeof buf);
      ::close(fd);
      if (n != static_cast<ssize_t>(kKeyBytes)) {
        *error = path + ": expected exactly " + std::to_string(kKeyBytes) + " bytes";
        return false;
      }
      key->assign(reinterpret_cast<const char*>(buf), kKeyBytes);
      return true;
    }
    if (errno != ENOENT) {
      *error = path + ": " + std::strerror(errno);
      return false;
    }
    // O_EXCL: if two processes race, one creates and the other reads.
    const std::string fresh = base::RandomBytes(kKeyBytes);
    const std::string tmp = path + ".tmp";
    fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
      *error = tmp + ": " + std::strerror(errno);
      return false;
    }
    bool ok = ::write(fd, fresh.data(), fresh.size()) == static_cast<ssize_t>(fresh.size()) &&
              ::fsync(fd) == 0;
    ::close(fd);
    // link() fails with EEXIST if another process created the key first;
    // then that key wins and is read on the next pass.
    if (ok && ::link(tmp.c_str(), path.c_str()) != 0 && errno != EEXIST) ok = false;
    int saved = errno;
    ::unlink(tmp.c_str());
    if (!ok) {
      *error = path + ": cannot create: " + std::strerror(saved);
      return false;
    }
  }
  *error = path + ": cannot create";
  return false;
}

std::string EmailHash(std::string_view email) {
  size_t b = 0, e = email.size();
  while (b < e && (email[b] == ' ' || email[b] == '\t')) ++b;
  while (e > b && (email[e - 1] == ' ' || email[e - 1] == '\t')) --e;
  return base::HexEncode(base::Sha256(base::AsciiLower(email.substr(b, e - b))));
}

}  // namespace moderated

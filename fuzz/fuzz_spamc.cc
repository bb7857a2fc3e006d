// fuzz/fuzz_spamc.cc: bytes on the spamd port → the request head parser, and
// the rest as a mail → the RFC 5322 / MIME / RFC 2047 parser
// (daemon/compat/spamc.h). Must hold: no crash; the comment text is UTF-8.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "classifiers/normalizer.h"
#include "daemon/compat/spamc.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  moderated::spamc::Request request;
  size_t head = 0;
  std::string error;
  auto status = moderated::spamc::ParseHead(bytes, 8192, &request, &head, &error);
  if (status == moderated::spamc::ParseStatus::kDone && head > bytes.size()) abort();
  if (status == moderated::spamc::ParseStatus::kError && error.empty()) abort();
  std::string_view message = status == moderated::spamc::ParseStatus::kDone
                                 ? bytes.substr(head)
                                 : bytes;
  moderated::spamc::Mail mail = moderated::spamc::ParseMail(message);
  if (!moderated::classifiers::IsValidUtf8(mail.Content()) ||
      !moderated::classifiers::IsValidUtf8(mail.from_name)) {
    abort();
  }
  return 0;
}

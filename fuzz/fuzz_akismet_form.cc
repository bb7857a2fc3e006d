// fuzz/fuzz_akismet_form.cc: an Akismet request body
// (application/x-www-form-urlencoded, any blog_charset) → the form decoder
// of daemon/compat/akismet_form.h. Must hold: no crash; decoded text is UTF-8.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "classifiers/normalizer.h"
#include "daemon/compat/akismet_form.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  std::vector<std::pair<std::string, std::string>> fields;
  std::string error;
  if (!moderated::ParseAkismetForm(body, &fields, &error)) {
    if (error.empty()) abort();
    return 0;
  }
  for (const auto& [name, value] : fields) {
    if (!moderated::classifiers::IsValidUtf8(name) ||
        !moderated::classifiers::IsValidUtf8(value)) {
      abort();
    }
  }
  return 0;
}

// fuzz/fuzz_config.cc: a configuration file → the loader
// (daemon/core/config.cc). Must hold: it loads, or says why at
// "file:line:col:" (or "file:" for what concerns the whole file).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "daemon/core/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 64 * 1024) return 0;
  std::string text(reinterpret_cast<const char*>(data), size);
  moderated::Config config;
  std::vector<std::string> errors;
  if (!moderated::LoadConfigText(text, "fuzz.yaml", &config, &errors)) {
    if (errors.empty()) abort();
    for (const std::string& e : errors) {
      if (e.rfind("fuzz.yaml:", 0) != 0) abort();
    }
  }
  return 0;
}

// fuzz/fuzz_normalize.cc: the normaliser (classifiers/normalizer.h) on any
// bytes. Must hold: one origin span per output byte, each inside the input
// and ordered, and ToInput maps every output span back inside the input.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "classifiers/normalizer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto n = moderated::classifiers::Normalize(input);
  if (n.origin.size() != n.text.size()) abort();
  for (const auto& span : n.origin) {
    if (span.begin > span.end || span.end > input.size()) abort();
  }
  if (!moderated::classifiers::IsValidUtf8(n.text)) abort();
  const size_t len = n.text.size();
  for (size_t b = 0; b <= len; b += 1 + len / 16) {
    for (size_t e = b; e <= len; e += 1 + len / 8) {
      auto span = n.ToInput(b, e);
      if (span.begin > span.end || span.end > input.size()) abort();
    }
  }
  return 0;
}

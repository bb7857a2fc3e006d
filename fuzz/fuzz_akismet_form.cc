// fuzz/fuzz_akismet_form.cc: an Akismet request body
// (application/x-www-form-urlencoded, any blog_charset) → the form decoder
// and the form → comment conversion of daemon/compat/akismet_form.h, the
// path of /1.1/comment-check and submit-spam/ham before the engine.
// Must hold: no crash; every decoded text is UTF-8; the comment's fields are
// UTF-8 within their limits; meta is a JSON object within max_meta_bytes
// (or, when not even the dropped names fit, the minimal object that counts
// them).
#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "classifiers/normalizer.h"
#include "daemon/compat/akismet_form.h"

namespace {

void Check(bool ok) {
  if (!ok) abort();
}

bool Utf8Within(const std::string& s, size_t max) {
  return s.size() <= max && moderated::classifiers::IsValidUtf8(s);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  std::vector<std::pair<std::string, std::string>> fields;
  std::string error;
  if (!moderated::ParseAkismetForm(body, &fields, &error)) {
    Check(!error.empty());
    return 0;
  }
  for (const auto& [name, value] : fields) {
    Check(moderated::classifiers::IsValidUtf8(name) && moderated::classifiers::IsValidUtf8(value));
  }

  // Small limits, chosen by the input, so that cutting and dropping happen.
  moderated::Limits limits;
  limits.max_body_bytes = 1 + size % 512;
  limits.max_meta_bytes = 16 + static_cast<uint32_t>(size % 1024);
  moderated::CommentInput c = moderated::AkismetComment(
      moderated::AkismetForm(std::move(fields)), "fuzz", limits, "guid-1");
  Check(Utf8Within(c.content, limits.max_body_bytes));
  Check(Utf8Within(c.author_name, 1024) && Utf8Within(c.author_email, 320));
  Check(Utf8Within(c.author_url, 4096) && Utf8Within(c.thread, 4096));
  Check(Utf8Within(c.author_user_agent, 2048));
  boost::system::error_code ec;
  boost::json::value meta = boost::json::parse(c.meta_json, ec);
  Check(!ec && meta.is_object());
  Check(c.meta_json.size() <= limits.max_meta_bytes || meta.as_object().contains("dropped_count"));
  return 0;
}

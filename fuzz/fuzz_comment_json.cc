// fuzz/fuzz_comment_json.cc: a request body → JSON → CommentInput
// (daemon/http/wire.cc, ParseComment), and every JSON the daemon writes back
// (ToJson) must parse again: no "Infinity", no empty numbers.
#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "daemon/http/wire.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(text, ec);
  if (ec) return 0;
  std::vector<moderated::FieldError> errors;
  moderated::FindNonFiniteNumbers(v, "", &errors);
  // What the API stores and answers is written by ToJson: it must be JSON.
  const std::string written = moderated::ToJson(v);
  boost::json::parse(written, ec);
  if (ec) {
    fprintf(stderr, "ToJson wrote invalid JSON: %s\n", written.c_str());
    abort();
  }
  if (!errors.empty()) return 0;  // the API answers 422 here
  moderated::CommentInput input;
  moderated::ParseComment(v, "", moderated::Limits{}, &input, &errors);
  return 0;
}

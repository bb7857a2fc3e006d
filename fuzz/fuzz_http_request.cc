// fuzz/fuzz_http_request.cc: bytes off a socket → Beast's request parser with
// the daemon's limits → the route's JSON body checks (daemon/http/router.cc).
// Must hold: no crash, no sanitizer report, whatever arrives.
#include <algorithm>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "classifiers/normalizer.h"
#include "daemon/http/wire.h"

namespace http = boost::beast::http;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // The daemon's default limits, as daemon/http/server.cc sets them (the
  // batch limit for the body; a route may lower it after the header).
  const moderated::Limits limits;
  http::request_parser<http::string_body> parser;
  parser.header_limit(limits.max_header_bytes);
  parser.body_limit(std::max(limits.max_body_bytes, limits.max_batch_body_bytes));
  parser.eager(true);
  boost::beast::error_code ec;
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  while (!bytes.empty() && !ec && !parser.is_done()) {
    size_t used = parser.put(boost::asio::buffer(bytes.data(), bytes.size()), ec);
    if (ec == http::error::need_more) break;
    if (used == 0) break;
    bytes.remove_prefix(used);
  }
  if (!parser.is_done()) return 0;
  const auto& req = parser.get();
  (void)req.target();
  (void)req[http::field::transfer_encoding];
  const std::string& body = req.body();
  if (!moderated::classifiers::IsValidUtf8(body)) return 0;
  boost::json::stream_parser json;
  json.write(body.data(), body.size(), ec);
  if (!ec) json.finish(ec);
  if (ec) return 0;
  boost::json::value v = json.release();
  std::vector<moderated::FieldError> errors;
  moderated::FindNonFiniteNumbers(v, "", &errors);
  return 0;
}

// The web console's static files: `/` is index.html and `/console/NAME` is
// web/NAME. Public routes (the console signs in with a token in the browser
// and sends it with each API call), GET and HEAD only (daemon/api/routes.cc).
//
// The files come from the table compiled into the binary (web_assets.h), or,
// when config `web_dir` is set, from that directory (for development: edit
// and reload without rebuilding). Either way a request can name only a plain
// relative path: nothing outside the table, nothing outside web_dir.
#include <filesystem>
#include <map>
#include <memory>

#include "base/encoding.h"
#include "base/files.h"
#include "base/hash.h"
#include "daemon/api/handlers.h"
#include "daemon/api/web_assets.h"
#include "daemon/core/log.h"

namespace moderated::api {
namespace fs = std::filesystem;
namespace {

// The console loads only its own files and talks only to this daemon; no
// inline script or style, no frames, no forms posted anywhere.
constexpr std::string_view kContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'";

std::string_view ContentTypeFor(std::string_view name) {
  static const std::pair<std::string_view, std::string_view> kTypes[] = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".woff2", "font/woff2"},
      {".txt", "text/plain; charset=utf-8"},
  };
  for (const auto& [ext, type] : kTypes) {
    if (name.size() > ext.size() && name.substr(name.size() - ext.size()) == ext) return type;
  }
  return "application/octet-stream";
}

// A strong validator: the first 128 bits of the SHA-256 of the bytes.
std::string ETagFor(std::string_view bytes) {
  return "\"" + base::HexEncode(base::Sha256(bytes).substr(0, 16)) + "\"";
}

// A file name a request may ask for: segments of [A-Za-z0-9._-], none empty
// and none starting with '.' (so no "..", no dot files, no absolute paths).
bool IsPlainName(std::string_view name) {
  if (name.empty()) return false;
  bool segment_start = true;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-' || c == '/';
    if (!ok) return false;
    if (segment_start && (c == '.' || c == '/')) return false;
    segment_start = c == '/';
  }
  return !segment_start;  // no trailing '/'
}

struct Asset {
  std::string body;
  std::string etag;
  std::string_view content_type;
};

// Where the console's files come from. Immutable after construction; shared
// by all sessions.
class AssetSource {
 public:
  explicit AssetSource(const std::string& web_dir) {
    if (web_dir.empty()) {
      for (const EmbeddedWebFile& f : EmbeddedWebFiles()) {
        std::string_view bytes = f.bytes();
        embedded_.emplace(f.name, Asset{std::string(bytes), ETagFor(bytes), ContentTypeFor(f.name)});
      }
      return;
    }
    std::error_code ec;
    root_ = fs::canonical(web_dir, ec);
    if (ec || !fs::is_directory(root_, ec)) {
      Log(LogLevel::kWarn, "console_web_dir_missing", {{"web_dir", web_dir}});
      root_.clear();
    }
    from_disk_ = true;
  }

  // The file called `name` (already checked with IsPlainName), or nullopt.
  std::optional<Asset> Find(std::string_view name) const {
    if (!from_disk_) {
      auto it = embedded_.find(name);
      if (it == embedded_.end()) return std::nullopt;
      return it->second;
    }
    if (root_.empty()) return std::nullopt;
    std::error_code ec;
    fs::path path = fs::weakly_canonical(root_ / fs::path(name), ec);
    if (ec) return std::nullopt;
    // Symbolic links may point anywhere; only what resolves under root_ is served.
    std::string p = path.string(), r = root_.string() + "/";
    if (p.compare(0, r.size(), r) != 0 || !fs::is_regular_file(path, ec)) return std::nullopt;
    std::string body, error;
    if (!base::ReadFile(path.string(), &body, &error)) return std::nullopt;
    std::string etag = ETagFor(body);
    return Asset{std::move(body), std::move(etag), ContentTypeFor(name)};
  }

 private:
  bool from_disk_ = false;
  fs::path root_;
  std::map<std::string, Asset, std::less<>> embedded_;
};

void SetSecurityHeaders(Response& res) {
  res.set("Content-Security-Policy", kContentSecurityPolicy);
  res.set("X-Content-Type-Options", "nosniff");
  res.set("Referrer-Policy", "no-referrer");
  res.set("X-Frame-Options", "DENY");
  res.set(http::field::cache_control, "no-cache");
}

// True if an If-None-Match header lists `etag` (or is "*").
bool Matches(std::string_view if_none_match, std::string_view etag) {
  if (if_none_match.empty()) return false;
  size_t pos = 0;
  while (pos < if_none_match.size()) {
    size_t comma = if_none_match.find(',', pos);
    std::string_view item = if_none_match.substr(
        pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    if (item.substr(0, 2) == "W/") item.remove_prefix(2);  // weak comparison (RFC 9110 13.1.2)
    if (item == "*" || item == etag) return true;
    if (comma == std::string_view::npos) break;
    pos = comma + 1;
  }
  return false;
}

awaitable<Response> ServeAsset(std::shared_ptr<const AssetSource> source, const Call& call) {
  const Request& req = call.request;
  // "/" is index.html; "/console/NAME" is web/NAME.
  const std::string name = call.path == "/" ? std::string("index.html") : call.rest;
  std::optional<Asset> asset;
  if (IsPlainName(name)) asset = source->Find(name);
  if (!asset) {
    co_return Problem(req, http::status::not_found, "no such file: " + std::string(call.path));
  }
  Response res{http::status::ok, req.version()};
  res.set(http::field::server, kServerName);
  res.keep_alive(req.keep_alive());
  SetSecurityHeaders(res);
  res.set(http::field::etag, asset->etag);
  if (Matches(req[http::field::if_none_match], asset->etag)) {
    res.result(http::status::not_modified);
    co_return res;  // no body, no Content-Length (RFC 9110 15.4.5)
  }
  res.set(http::field::content_type, asset->content_type);
  if (req.method() == http::verb::head) {
    res.content_length(asset->body.size());  // the GET's length, no body
  } else {
    res.body() = std::move(asset->body);
    res.prepare_payload();
  }
  co_return res;
}

}  // namespace

Handler ConsoleHandler(const Config& config) {
  auto source = std::make_shared<const AssetSource>(config.web_dir);
  return [source](Services&, const Call& call) { return ServeAsset(source, call); };
}

}  // namespace moderated::api

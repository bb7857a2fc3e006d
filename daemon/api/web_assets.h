// daemon/api/web_assets.h
//
// The web console's static files (web/**), compiled into the binary by
// daemon/web_assets.cmake (a generated .S with one .incbin per file and a
// generated table). daemon/api/console.cc serves them; config `web_dir`
// replaces them with a directory on disk for development.
//
// Thread-safety: the table is constant data.
#ifndef MODERATED_DAEMON_API_WEB_ASSETS_H_
#define MODERATED_DAEMON_API_WEB_ASSETS_H_

#include <span>
#include <string_view>

namespace moderated {

struct EmbeddedWebFile {
  const char* name;  // path relative to web/, e.g. "index.html", "queue.js"
  const char* begin;
  const char* end;
  std::string_view bytes() const { return {begin, static_cast<size_t>(end - begin)}; }
};

// Every file, sorted by name.
std::span<const EmbeddedWebFile> EmbeddedWebFiles();

}  // namespace moderated

#endif  // MODERATED_DAEMON_API_WEB_ASSETS_H_

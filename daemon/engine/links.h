// daemon/engine/links.h
//
// ExtractLinks(): finds every link in a comment: URLs with a scheme
// ("https://x.example/a"), "www." addresses, and bare host names whose last
// label is a public suffix ("casino-win.ru/promo", "казино.рф"). Hosts and
// registrable domains come from Boost.URL and libpsl (the Public Suffix
// List), not from hand-written parsing.
//
// Thread-safety: pure function; libpsl's built-in list is immutable.
#ifndef MODERATED_DAEMON_ENGINE_LINKS_H_
#define MODERATED_DAEMON_ENGINE_LINKS_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "classifiers/normalizer.h"

namespace moderated {

struct Link {
  std::string url;       // as the user wrote it (raw text)
  std::string host;      // lower-case
  std::string domain;    // registrable domain, or the host if it has none (IP literal, unknown)
  std::string path;      // "/a/b", may be empty
  size_t raw_begin = 0;  // span of `url` in the raw content
  size_t raw_end = 0;
};

// Searches the normalised content (so fullwidth dots and confusable letters
// are already folded) and reports spans in the raw content via `normalized`'s
// offset map.
std::vector<Link> ExtractLinks(const classifiers::NormalizedText& normalized, std::string_view raw);

// The registrable domain of `host` ("a.b.example.co.uk" → "example.co.uk").
std::string RegistrableDomain(std::string_view host);

}  // namespace moderated

#endif  // MODERATED_DAEMON_ENGINE_LINKS_H_

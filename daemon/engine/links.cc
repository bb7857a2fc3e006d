#include "daemon/engine/links.h"

#include <libpsl.h>

#include <algorithm>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include "base/encoding.h"
#include "base/strings.h"

namespace moderated {
namespace {

const psl_ctx_t* Psl() {
  static const psl_ctx_t* ctx = psl_builtin();
  return ctx;
}

// Characters that end a link candidate. Anything at or below space, quotes,
// angle brackets and (for Arabic and CJK prose) a few punctuation marks that
// never occur in host names.
bool IsStop(unsigned char c) {
  return c <= ' ' || c == '"' || c == '<' || c == '>' || c == '\'' || c == '`' || c == '{' ||
         c == '}' || c == '|' || c == '\\' || c == '^';
}

bool IsTrailingPunct(char c) {
  return c == '.' || c == ',' || c == ';' || c == ':' || c == '!' || c == '?' || c == ')' ||
         c == ']' || c == '*';
}

bool IsAsciiAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// Trims trailing punctuation and non-ASCII punctuation commonly glued to
// links in prose (Arabic comma U+060C, guillemet U+00BB, ellipsis U+2026).
std::string_view TrimTail(std::string_view s) {
  for (;;) {
    if (!s.empty() && IsTrailingPunct(s.back())) {
      s.remove_suffix(1);
      continue;
    }
    static constexpr std::string_view kTails[] = {"\u060C", "\u00BB", "\u2026", "\u061F", "\u06D4"};
    bool trimmed = false;
    for (auto t : kTails) {
      if (s.size() >= t.size() && s.substr(s.size() - t.size()) == t) {
        s.remove_suffix(t.size());
        trimmed = true;
      }
    }
    if (!trimmed) return s;
  }
}

// True if `host` ends in a label that is a public suffix and has at least one
// label before it (so "example.com" qualifies, "word." and "v1.2" do not).
bool LooksLikeHost(std::string_view host) {
  auto dot = host.rfind('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 >= host.size()) return false;
  std::string tld(host.substr(dot + 1));
  // Reject numeric tails ("3.14") unless the whole thing is an IPv4 address.
  if (std::all_of(tld.begin(), tld.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return false;
  }
  // NO_STAR_RULE: without it libpsl treats every unknown label as a suffix.
  return psl_is_public_suffix2(Psl(), tld.c_str(), PSL_TYPE_ANY | PSL_TYPE_NO_STAR_RULE) != 0;
}

}  // namespace

std::string RegistrableDomain(std::string_view host) {
  std::string h(host);
  const char* d = psl_registrable_domain(Psl(), h.c_str());
  if (d == nullptr) return h;
  return std::string(d);
}

namespace {

// The URL a token names, ready for Boost.URL: with its scheme (http:// is
// assumed for "example.com/x"), non-ASCII bytes percent-encoded (so
// "казино.рф" parses; the host is decoded afterwards). Moves *start and
// *token past prose glued before a scheme ("see:https://..."). "" if the
// token is no URL.
std::string Candidate(std::string_view* token, size_t* start, bool* has_scheme) {
  std::string candidate;
  auto scheme = token->find("://");
  *has_scheme = scheme != std::string_view::npos;
  if (*has_scheme) {
    size_t s = scheme;
    while (s > 0 &&
           (IsAsciiAlpha((*token)[s - 1]) || (*token)[s - 1] == '+' || (*token)[s - 1] == '-')) {
      --s;
    }
    if (s == scheme) return "";
    *start += s;
    token->remove_prefix(s);
    candidate = std::string(*token);
  } else {
    if (token->find('.') == std::string_view::npos || token->find('@') != std::string_view::npos) {
      return "";
    }
    candidate = "http://" + std::string(*token);
  }
  std::string encoded;
  encoded.reserve(candidate.size());
  for (unsigned char ch : candidate) {
    if (ch < 0x80) {
      encoded.push_back(static_cast<char>(ch));
    } else {
      encoded.push_back('%');
      base::AppendHexByte(ch, &encoded, /*upper=*/true);
    }
  }
  return encoded;
}

// The next whitespace-separated token at or after *i, without leading
// brackets or guillemets and trailing punctuation; *start is where it begins.
std::string_view NextToken(std::string_view text, size_t* i, size_t* start) {
  while (*i < text.size() && IsStop(static_cast<unsigned char>(text[*i]))) ++*i;
  *start = *i;
  while (*i < text.size() && !IsStop(static_cast<unsigned char>(text[*i]))) ++*i;
  std::string_view token = text.substr(*start, *i - *start);
  // Leading punctuation such as "(" or "«".
  while (!token.empty() && (token.front() == '(' || token.front() == '[')) {
    token.remove_prefix(1);
    ++*start;
  }
  if (token.rfind("\u00AB", 0) == 0) {
    token.remove_prefix(2);
    *start += 2;
  }
  return TrimTail(token);
}

}  // namespace

std::vector<Link> ExtractLinks(const classifiers::NormalizedText& normalized,
                               std::string_view raw) {
  std::vector<Link> links;
  std::string_view text = normalized.text;
  size_t i = 0;
  while (i < text.size()) {
    size_t start = 0;
    std::string_view token = NextToken(text, &i, &start);
    if (token.size() < 4) continue;
    bool has_scheme = false;
    const std::string candidate = Candidate(&token, &start, &has_scheme);
    if (candidate.empty()) continue;
    auto parsed = boost::urls::parse_uri(candidate);
    if (!parsed) continue;
    boost::urls::url_view u = *parsed;
    std::string host = base::AsciiLower(u.encoded_host().decode());
    if (host.empty()) continue;
    bool is_ip = u.host_type() == boost::urls::host_type::ipv4 ||
                 u.host_type() == boost::urls::host_type::ipv6;
    if (!has_scheme && !is_ip && !LooksLikeHost(host)) continue;
    Link link;
    auto span = normalized.ToInput(start, start + token.size());
    link.raw_begin = span.begin;
    link.raw_end = span.end;
    link.url = std::string(raw.substr(span.begin, span.end - span.begin));
    link.domain = is_ip ? host : RegistrableDomain(host);
    link.host = std::move(host);
    link.path = std::string(u.encoded_path());
    links.push_back(std::move(link));
  }
  return links;
}

}  // namespace moderated

// rules/text_util.cc
#include "rules/text_util.h"

#include <algorithm>

#include "base/encoding.h"
#include "base/strings.h"

namespace moderated::rules::internal {
namespace {

// Decodes one UTF-8 sequence at s[*i]; returns -1 (and advances one byte)
// if it is malformed. Only used to find code points worth folding, so a
// lenient decoder is enough.
int32_t DecodeOne(std::string_view s, size_t* i) {
  unsigned char c = static_cast<unsigned char>(s[*i]);
  int len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
  if (len == 0 || *i + len > s.size()) {
    ++*i;
    return -1;
  }
  int32_t cp = len == 1 ? c : len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
  for (int k = 1; k < len; ++k) {
    unsigned char cc = static_cast<unsigned char>(s[*i + k]);
    if ((cc & 0xC0) != 0x80) {
      ++*i;
      return -1;
    }
    cp = (cp << 6) | (cc & 0x3F);
  }
  *i += len;
  return cp;
}

int32_t FoldCodePoint(int32_t cp) {
  if (cp >= 'A' && cp <= 'Z') return cp + 32;
  if (cp < 0xC0) return cp;
  if (cp <= 0xDE) return cp == 0xD7 ? cp : cp + 32;  // Latin-1, not ×
  if (cp >= 0x100 && cp <= 0x17F) {
    // Latin Extended-A alternates upper/lower; the parity flips twice.
    bool even_upper = (cp <= 0x137) || (cp >= 0x14A && cp <= 0x177);
    bool odd_upper = (cp >= 0x139 && cp <= 0x148) || (cp >= 0x179 && cp <= 0x17E);
    if (even_upper && cp % 2 == 0 && cp != 0x130) return cp + 1;
    if (odd_upper && cp % 2 == 1) return cp + 1;
    return cp;
  }
  if (cp >= 0x391 && cp <= 0x3A9 && cp != 0x3A2) return cp + 32;  // Greek
  if (cp >= 0x410 && cp <= 0x42F) return cp + 32;                 // Cyrillic А-Я
  if (cp >= 0x400 && cp <= 0x40F) return cp + 80;                 // Ѐ-Џ (Ё, Є, І, Ї, Ў...)
  if ((cp >= 0x460 && cp <= 0x481) || (cp >= 0x48A && cp <= 0x4BF) ||
      (cp >= 0x4D0 && cp <= 0x52F)) {
    return cp % 2 == 0 ? cp + 1 : cp;
  }
  if (cp >= 0x4C1 && cp <= 0x4CE) return cp % 2 == 1 ? cp + 1 : cp;
  return cp;
}

}  // namespace

std::string FoldCase(std::string_view utf8) {
  std::string out;
  out.reserve(utf8.size());
  size_t i = 0;
  while (i < utf8.size()) {
    unsigned char c = static_cast<unsigned char>(utf8[i]);
    if (c < 0x80) {  // fast path
      out.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : static_cast<char>(c));
      ++i;
      continue;
    }
    size_t start = i;
    int32_t cp = DecodeOne(utf8, &i);
    if (cp < 0) {
      out.append(utf8.substr(start, i - start));
    } else {
      base::AppendUtf8(static_cast<uint32_t>(FoldCodePoint(cp)), &out);
    }
  }
  return out;
}

bool IsValidRuleId(std::string_view s) {
  if (s.empty()) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
  });
}

std::string HostOfUrl(std::string_view url) {
  size_t scheme = url.find("://");
  std::string_view rest = scheme == std::string_view::npos ? url : url.substr(scheme + 3);
  if (rest.substr(0, 2) == "//") rest.remove_prefix(2);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  size_t at = rest.rfind('@');
  if (at != std::string_view::npos) rest.remove_prefix(at + 1);
  if (!rest.empty() && rest.front() == '[') {
    size_t close = rest.find(']');
    return base::AsciiLower(
        rest.substr(1, close == std::string_view::npos ? rest.npos : close - 1));
  }
  rest = rest.substr(0, rest.find(':'));
  while (!rest.empty() && rest.back() == '.') rest.remove_suffix(1);
  return base::AsciiLower(rest);
}

std::string DomainOfEmail(std::string_view email) {
  size_t at = email.rfind('@');
  if (at == std::string_view::npos) return "";
  return base::AsciiLower(email.substr(at + 1));
}

int EditDistance(std::string_view a, std::string_view b) {
  std::vector<int> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = static_cast<int>(j);
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = static_cast<int>(i);
    for (size_t j = 1; j <= b.size(); ++j) {
      int sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string DidYouMean(std::string_view word, const std::vector<std::string_view>& candidates) {
  int best = 3;
  std::string_view best_word;
  for (std::string_view c : candidates) {
    int d = EditDistance(word, c);
    if (d < best && d < static_cast<int>(word.size())) {
      best = d;
      best_word = c;
    }
  }
  if (best_word.empty()) return "";
  return " (did you mean '" + std::string(best_word) + "'?)";
}

}  // namespace moderated::rules::internal

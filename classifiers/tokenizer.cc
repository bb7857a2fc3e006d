// classifiers/tokenizer.cc
//
// Two passes. First the text is cut at ASCII white space into chunks and the
// chunk-level shapes are recognised (URLs, e-mails, @handles, phone numbers,
// which may span several chunks). Everything else goes through an ICU word
// break iterator, which finds words in any script and separates punctuation
// that fastText would otherwise glue onto them.
#include "classifiers/tokenizer.h"

#include <unicode/brkiter.h>
#include <unicode/locid.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/utf16.h>

#include <algorithm>
#include <array>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace moderated::classifiers {
namespace {

constexpr std::string_view kUrlToken = "__url__";
constexpr std::string_view kEmailToken = "__email__";
constexpr std::string_view kHandleToken = "__handle__";
constexpr std::string_view kPhoneToken = "__phone__";
constexpr std::string_view kNumToken = "__num__";
constexpr std::string_view kExclToken = "__excl__";

// Phone numbers: E.164 allows at most 15 digits; 7 is the shortest local
// number worth flagging. Longer digit runs are plain __num__.
constexpr int kMinPhoneDigits = 7;
constexpr int kMaxPhoneDigits = 15;
// A phone number written with spaces, e.g. "+44 20 7946 0958".
constexpr size_t kMaxPhoneGroups = 4;
constexpr int kMinLongNumberDigits = 5;

// Top-level domains that make "word.tld" a URL even without a scheme. Kept
// short on purpose: a longer list turns typos like "great.thanks" into URLs.
constexpr std::array<std::string_view, 40> kCommonTlds = {
    "com",  "net",  "org", "info", "biz", "ru", "su",   "ly",   "io",    "co",
    "me",   "tv",   "uk",  "de",   "fr",  "us", "xyz",  "top",  "site",  "online",
    "club", "shop", "app", "ws",   "gl",  "gd", "to",   "cc",   "in",    "be",
    "sa",   "ae",   "eg",  "ma",   "qa",  "kw", "link", "live", "store", "tk"};

bool IsAsciiSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' || c == '\0';
}
bool IsAsciiDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAsciiAlpha(char c) { return c >= 'a' && c <= 'z'; }  // input is case-folded
bool IsAsciiAlnum(char c) { return IsAsciiDigit(c) || IsAsciiAlpha(c); }

// Russian personal and possessive pronouns, as Normalize() writes them (ё
// folded to е). They are left out of the model's input: the only Russian
// abuse data (forum comments) taught the model that "ты"/"тебе" mean abuse,
// so ordinary chat addressed to someone («Я тебе ноут в пятницу отдам», «Ты
// прав, я ошибся») was held. Measured on validation in docs/classifier.md.
// Sorted by bytes, for binary_search.
constexpr std::array<std::string_view, 42> kRussianPronouns = {
    "вам", "вами", "вас", "ваш", "вы", "его", "ее", "ей", "ему", "им",
    "их", "меня", "мне", "мной", "мое", "мои", "мой", "моя", "мы", "нам",
    "нами", "нас", "наш", "ней", "ним", "ними", "он", "она", "они", "свое",
    "свои", "свой", "своя", "твое", "твои", "твой", "твоя", "тебе", "тебя", "тобой",
    "ты", "я"};

bool IsRussianPronoun(std::string_view token) {
  return std::binary_search(kRussianPronouns.begin(), kRussianPronouns.end(), token);
}

class TokenSink {
 public:
  explicit TokenSink(bool keep_pronouns) : keep_pronouns_(keep_pronouns) {}
  void Add(std::string_view token) {
    if (!keep_pronouns_ && IsRussianPronoun(token)) return;
    if (token == kExclToken && last_was_excl_) return;  // "!! !!" is one signal
    if (!out_.empty()) out_.push_back(' ');
    out_.append(token);
    last_was_excl_ = token == kExclToken;
  }
  std::string Take() { return std::move(out_); }

 private:
  const bool keep_pronouns_;
  std::string out_;
  bool last_was_excl_ = false;
};

int CountAsciiDigits(std::string_view s) {
  int n = 0;
  for (char c : s) n += IsAsciiDigit(c) ? 1 : 0;
  return n;
}

std::string_view StripTrailing(std::string_view s, std::string_view chars) {
  while (!s.empty() && chars.find(s.back()) != std::string_view::npos) s.remove_suffix(1);
  return s;
}

// ---- phone numbers -------------------------------------------------------

// Sentence punctuation that may follow a number without being part of it.
constexpr std::string_view kPhoneTrailing = ".,;:!?";

// A chunk made only of digits and phone punctuation, with at least one digit.
bool IsPhoneish(std::string_view chunk) {
  std::string_view core = StripTrailing(chunk, kPhoneTrailing);
  if (core.empty()) return false;
  bool digit = false;
  for (size_t i = 0; i < core.size(); ++i) {
    char c = core[i];
    if (IsAsciiDigit(c)) {
      digit = true;
    } else if (c == '+') {
      if (i != 0 && !(i == 1 && core[0] == '(')) return false;
    } else if (c != '-' && c != '(' && c != ')' && c != '.') {
      return false;
    }
  }
  return digit;
}

// "2013-11-07", "07.11.2013": dates are not phone numbers.
bool IsDateLike(std::string_view core) {
  std::vector<int> groups;
  int run = 0;
  for (char c : core) {
    if (IsAsciiDigit(c)) {
      ++run;
    } else if (c == '-' || c == '.' || c == '/') {
      groups.push_back(run);
      run = 0;
    } else {
      return false;
    }
  }
  groups.push_back(run);
  if (groups.size() != 3) return false;
  if (groups[0] == 4) return groups[1] >= 1 && groups[1] <= 2 && groups[2] >= 1 && groups[2] <= 2;
  if (groups[2] == 4) return groups[0] >= 1 && groups[0] <= 2 && groups[1] >= 1 && groups[1] <= 2;
  return false;
}

// True if chunks[begin, end) (all phone-ish) read as one phone number.
bool IsPhoneRun(const std::vector<std::string_view>& chunks, size_t begin, size_t end) {
  int digits = 0;
  bool small_groups = true;
  for (size_t i = begin; i < end; ++i) {
    int d = CountAsciiDigits(chunks[i]);
    digits += d;
    small_groups = small_groups && d <= 4;
  }
  if (digits < kMinPhoneDigits || digits > kMaxPhoneDigits) return false;
  std::string_view first = chunks[begin];
  bool marked = first[0] == '+' || first[0] == '(' || first[0] == '0';
  if (end - begin > 1) return marked || (end - begin >= 3 && small_groups);
  std::string_view core = StripTrailing(first, kPhoneTrailing);
  if (IsDateLike(core)) return false;
  bool separated = core.find_first_of("-().") != std::string_view::npos;
  return marked || separated;
}

// ---- URLs, e-mails, handles ----------------------------------------------

// "host.tld" with ASCII labels and a TLD from kCommonTlds (or any alphabetic
// TLD of 2+ letters when `any_tld`). Stops at the first '/', '?', '#' or ':'.
bool LooksLikeHost(std::string_view s, bool any_tld) {
  size_t stop = s.find_first_of("/?#:");
  std::string_view host = s.substr(0, stop);
  if (host.empty() || host.front() == '.' || host.back() == '.') return false;
  size_t dot = host.rfind('.');
  if (dot == std::string_view::npos) return false;
  for (char c : host) {
    if (!IsAsciiAlnum(c) && c != '-' && c != '.') return false;
  }
  if (host.find("..") != std::string_view::npos) return false;
  std::string_view tld = host.substr(dot + 1);
  if (any_tld) {
    if (tld.size() < 2) return false;
    for (char c : tld) {
      if (!IsAsciiAlpha(c)) return false;
    }
    return true;
  }
  for (std::string_view known : kCommonTlds) {
    if (tld == known) return true;
  }
  return false;
}

bool IsEmail(std::string_view core) {
  size_t at = core.find('@');
  if (at == 0 || at == std::string_view::npos) return false;
  for (char c : core.substr(0, at)) {
    if (!IsAsciiAlnum(c) && std::string_view("._%+-").find(c) == std::string_view::npos)
      return false;
  }
  std::string_view domain = core.substr(at + 1);
  return domain.find_first_of("/?#:") == std::string_view::npos && LooksLikeHost(domain, true);
}

bool IsHandle(std::string_view core) {
  if (core.size() < 2 || core[0] != '@') return false;
  unsigned char c = static_cast<unsigned char>(core[1]);
  return IsAsciiAlnum(static_cast<char>(c)) || c == '_' || c >= 0x80;
}

// ---- ICU word segmentation -----------------------------------------------

// One break iterator per thread: creating one costs far more than a short
// comment's segmentation, and a BreakIterator is not thread-safe.
icu::BreakIterator* ThreadWordBreaker() {
  thread_local std::unique_ptr<icu::BreakIterator> breaker = [] {
    UErrorCode status = U_ZERO_ERROR;
    std::unique_ptr<icu::BreakIterator> bi(
        icu::BreakIterator::createWordInstance(icu::Locale::getRoot(), status));
    if (U_FAILURE(status)) bi.reset();
    return bi;
  }();
  return breaker.get();
}

void AppendSegment(const icu::UnicodeString& u, int32_t start, int32_t end, int32_t status,
                   TokenSink& sink) {
  std::string utf8;
  if (status >= UBRK_WORD_NONE_LIMIT) {
    if (status < UBRK_WORD_NUMBER_LIMIT) {
      int digits = 0;
      for (int32_t i = start; i < end;) {
        UChar32 cp = u.char32At(i);
        digits += u_isdigit(cp) ? 1 : 0;
        i += U16_LENGTH(cp);
      }
      if (digits >= kMinLongNumberDigits) {
        sink.Add(kNumToken);
        return;
      }
    }
    u.tempSubStringBetween(start, end).toUTF8String(utf8);
    sink.Add(utf8);
    return;
  }
  // Not a word: white space, punctuation, symbols, emoji.
  bool excl = false;
  bool keep = false;
  for (int32_t i = start; i < end;) {
    UChar32 cp = u.char32At(i);
    i += U16_LENGTH(cp);
    if (cp == '!') {
      excl = true;
      continue;
    }
    if (cp == 0xFFFD) continue;  // what ICU made of invalid UTF-8
    int8_t type = u_charType(cp);
    if (type == U_CURRENCY_SYMBOL || type == U_OTHER_SYMBOL) keep = true;
  }
  if (keep) {
    // Drop any white space ICU kept inside the segment.
    icu::UnicodeString piece = u.tempSubStringBetween(start, end);
    std::string text;
    piece.toUTF8String(text);
    std::string cleaned;
    for (size_t i = 0; i < text.size(); ++i) {
      if (text.compare(i, 3, "\xEF\xBF\xBD") == 0) {  // U+FFFD
        i += 2;
        continue;
      }
      if (!IsAsciiSpace(text[i])) cleaned.push_back(text[i]);
    }
    if (!cleaned.empty()) sink.Add(cleaned);
  } else if (excl) {
    sink.Add(kExclToken);
  }
}

void SegmentWords(std::string_view piece, TokenSink& sink) {
  if (piece.empty()) return;
  icu::BreakIterator* bi = ThreadWordBreaker();
  if (bi == nullptr) {
    // ICU data missing: degrade to the white-space chunk itself.
    sink.Add(piece);
    return;
  }
  icu::UnicodeString u = icu::UnicodeString::fromUTF8(
      icu::StringPiece(piece.data(), static_cast<int32_t>(piece.size())));
  bi->setText(u);
  int32_t start = bi->first();
  for (int32_t end = bi->next(); end != icu::BreakIterator::DONE; start = end, end = bi->next()) {
    AppendSegment(u, start, end, bi->getRuleStatus(), sink);
  }
  // Do not keep a pointer into `u` past its lifetime.
  bi->setText(icu::UnicodeString());
}

constexpr std::string_view kLeadingWrap = "\"'([{<";
constexpr std::string_view kTrailingWrap = ".,;:!?\"')]}>";

// One white-space-free chunk that is not part of a phone run.
void TokenizeChunk(std::string_view chunk, TokenSink& sink) {
  // A URL may be glued to preceding text: "here:http://x.y/z".
  for (std::string_view scheme : {"https://", "http://", "www."}) {
    size_t p = chunk.find(scheme);
    if (p == std::string_view::npos) continue;
    if (scheme == "www." && p > 0 && IsAsciiAlnum(chunk[p - 1])) continue;
    SegmentWords(chunk.substr(0, p), sink);
    sink.Add(kUrlToken);
    return;
  }
  size_t lead = 0;
  while (lead < chunk.size() && kLeadingWrap.find(chunk[lead]) != std::string_view::npos) ++lead;
  std::string_view rest = chunk.substr(lead);
  std::string_view core = StripTrailing(rest, kTrailingWrap);
  std::string_view tail = rest.substr(core.size());
  std::string_view special;
  if (IsEmail(core)) {
    special = kEmailToken;
  } else if (IsHandle(core)) {
    special = kHandleToken;
  } else if (LooksLikeHost(core, false)) {
    special = kUrlToken;
  }
  if (special.empty()) {
    SegmentWords(chunk, sink);
    return;
  }
  sink.Add(special);
  SegmentWords(tail, sink);  // keeps a trailing "!" as __excl__
}

}  // namespace

namespace {

std::string Tokenize(std::string_view normalized, bool keep_pronouns) {
  std::vector<std::string_view> chunks;
  size_t i = 0;
  while (i < normalized.size()) {
    while (i < normalized.size() && IsAsciiSpace(normalized[i])) ++i;
    size_t start = i;
    while (i < normalized.size() && !IsAsciiSpace(normalized[i])) ++i;
    if (i > start) chunks.push_back(normalized.substr(start, i - start));
  }

  TokenSink sink(keep_pronouns);
  for (size_t c = 0; c < chunks.size();) {
    if (IsPhoneish(chunks[c])) {
      // Longest run of phone-ish chunks first, then shorter ones.
      size_t limit = c;
      int digits = 0;
      while (limit < chunks.size() && limit - c < kMaxPhoneGroups && IsPhoneish(chunks[limit]) &&
             digits + CountAsciiDigits(chunks[limit]) <= kMaxPhoneDigits) {
        digits += CountAsciiDigits(chunks[limit]);
        ++limit;
      }
      size_t end = limit;
      while (end > c && !IsPhoneRun(chunks, c, end)) --end;
      if (end > c) {
        sink.Add(kPhoneToken);
        std::string_view last = chunks[end - 1];
        if (last.back() == '!') sink.Add(kExclToken);
        c = end;
        continue;
      }
    }
    TokenizeChunk(chunks[c], sink);
    ++c;
  }
  return sink.Take();
}

}  // namespace

std::string TokenizeForModel(std::string_view normalized) { return Tokenize(normalized, false); }

std::string TokenizeAllWords(std::string_view normalized) { return Tokenize(normalized, true); }

}  // namespace moderated::classifiers

// rules/text_util.h (internal to rules/)
//
// Small string helpers shared by the rule parser and the compiled RuleSet:
// simple Unicode case folding, host and domain extraction and "did you mean"
// suggestions (ASCII case and hashes are in base/). All functions
// are pure and thread-safe. No RE2 here.
#ifndef MODERATED_RULES_TEXT_UTIL_H_
#define MODERATED_RULES_TEXT_UTIL_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace moderated::rules::internal {

// Simple (one-to-one) case folding for the scripts the rules are written in:
// ASCII, Latin-1, Latin Extended-A, Greek and Cyrillic. It agrees with RE2's
// (?i) on those scripts; other code points (and invalid UTF-8 bytes) are
// copied unchanged. Arabic has no case and is always copied.
std::string FoldCase(std::string_view utf8);

// True if `s` is non-empty and made only of ASCII [a-z0-9_.-].
bool IsValidRuleId(std::string_view s);

// The host of a URL, lower-cased: "https://User@Www.Example.com:8080/x" →
// "www.example.com". A string without "://" is taken as starting with the
// host ("example.com/x" → "example.com"). IPv6 literals lose their brackets.
std::string HostOfUrl(std::string_view url);

// The part after the last '@', lower-cased; empty if there is no '@'.
std::string DomainOfEmail(std::string_view email);

// Levenshtein distance (bytes), used for suggestions only.
int EditDistance(std::string_view a, std::string_view b);

// " (did you mean 'x'?)" for the closest candidate within distance 2 that is
// shorter than `word` itself, else "".
std::string DidYouMean(std::string_view word, const std::vector<std::string_view>& candidates);

}  // namespace moderated::rules::internal

#endif  // MODERATED_RULES_TEXT_UTIL_H_

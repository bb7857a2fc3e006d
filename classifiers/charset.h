// classifiers/charset.h
//
// Conversion of text in a named legacy charset ("windows-1256", "KOI8-R",
// "ISO-8859-6", ...) to UTF-8, with ICU's converters. Used by front ends
// whose clients declare a charset (Akismet's `blog_charset`, MIME parts).
//
// Thread-safety: pure functions; each call opens its own converter.
#ifndef MODERATED_CLASSIFIERS_CHARSET_H_
#define MODERATED_CLASSIFIERS_CHARSET_H_

#include <string>
#include <string_view>

namespace moderated::classifiers {

// True if `charset` names UTF-8 ("UTF-8", "utf8", any case).
bool IsUtf8Charset(std::string_view charset);

// Converts `bytes` from `charset` to UTF-8 in *out. Byte sequences that are
// invalid in `charset` become U+FFFD. An empty `charset` means UTF-8 (whose
// invalid sequences are replaced the same way). Returns false with *error set
// ("unknown charset 'x-foo'") when ICU knows no converter by that name.
bool ConvertToUtf8(std::string_view bytes, std::string_view charset, std::string* out,
                   std::string* error);

}  // namespace moderated::classifiers

#endif  // MODERATED_CLASSIFIERS_CHARSET_H_

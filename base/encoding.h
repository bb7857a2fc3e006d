// base/encoding.h
//
// Bytes as text: hexadecimal, base64 (RFC 4648 §4) and base64url without
// padding (§5), and a code point as UTF-8. Base64 is OpenSSL's (EVP_EncodeBlock / EVP_DecodeBlock);
// OpenSSL appears only in encoding.cc.
//
// Thread-safety: pure functions.
#ifndef MODERATED_BASE_ENCODING_H_
#define MODERATED_BASE_ENCODING_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace moderated::base {

// Appends the two hex digits of `byte` ("0a", or "0A" when `upper`).
void AppendHexByte(unsigned char byte, std::string* out, bool upper = false);

// Lower-case hex of every byte: "\x01\xab" → "01ab".
std::string HexEncode(std::string_view bytes);

// The value of hex digits ("2019" → 0x2019, either case); false for an
// empty string, a character that is not a hex digit, or more than 8 digits.
bool ParseHex(std::string_view digits, uint32_t* value);

// Appends `code_point` (at most U+10FFFF; callers pass scalar values) as
// UTF-8, one to four bytes.
void AppendUtf8(uint32_t code_point, std::string* out);

// Decodes the well-formed UTF-8 sequence at s[*i] (RFC 3629: no overlong
// forms, no surrogates, at most U+10FFFF), advances *i past it and returns
// the code point; for anything else advances one byte and returns -1.
// *i must be < s.size().
int32_t DecodeUtf8(std::string_view s, size_t* i);

// Standard base64 with '=' padding.
std::string Base64Encode(std::string_view bytes);

// Decodes base64 leniently, as mail readers do: characters outside the
// alphabet (line breaks, spaces) are skipped, the URL-safe '-' and '_' are
// taken for '+' and '/', and decoding stops at the first '='. A trailing
// group too short to hold a byte is dropped. Never fails.
std::string Base64DecodeLenient(std::string_view text);

// base64url without padding: 32 bytes → 43 characters of [A-Za-z0-9_-].
std::string Base64UrlEncode(std::string_view bytes);

// The inverse of Base64UrlEncode. False if `text` holds a character outside
// the base64url alphabet (padding included) or has an impossible length.
bool Base64UrlDecode(std::string_view text, std::string* bytes);

}  // namespace moderated::base

#endif  // MODERATED_BASE_ENCODING_H_

// base/encoding.h
//
// Bytes as text: hexadecimal, base64 (RFC 4648 §4) and base64url without
// padding (§5). Base64 is OpenSSL's (EVP_EncodeBlock / EVP_DecodeBlock);
// OpenSSL appears only in encoding.cc.
//
// Thread-safety: pure functions.
#ifndef MODERATED_BASE_ENCODING_H_
#define MODERATED_BASE_ENCODING_H_

#include <string>
#include <string_view>

namespace moderated::base {

// Appends the two hex digits of `byte` ("0a", or "0A" when `upper`).
void AppendHexByte(unsigned char byte, std::string* out, bool upper = false);

// Lower-case hex of every byte: "\x01\xab" → "01ab".
std::string HexEncode(std::string_view bytes);

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

#include "classifiers/charset.h"

#include <unicode/ucnv.h>
#include <unicode/ustring.h>

#include <memory>

#include "classifiers/normalizer.h"  // IsValidUtf8

namespace moderated::classifiers {
namespace {

struct ConverterCloser {
  void operator()(UConverter* c) const { ucnv_close(c); }
};
using ConverterPtr = std::unique_ptr<UConverter, ConverterCloser>;

char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

}  // namespace

bool IsUtf8Charset(std::string_view charset) {
  std::string lower;
  for (char c : charset) {
    if (c != '-' && c != '_') lower.push_back(Lower(c));
  }
  return lower == "utf8";
}

bool ConvertToUtf8(std::string_view bytes, std::string_view charset, std::string* out,
                   std::string* error) {
  out->clear();
  if (charset.empty() || IsUtf8Charset(charset)) {
    if (IsValidUtf8(bytes)) {
      out->assign(bytes);
      return true;
    }
    charset = "UTF-8";  // let ICU replace the invalid sequences
  }
  if (charset.size() > 64) {
    *error = "unknown charset '" + std::string(charset.substr(0, 64)) + "...'";
    return false;
  }
  const std::string name(charset);
  UErrorCode status = U_ZERO_ERROR;
  ConverterPtr from(ucnv_open(name.c_str(), &status));
  if (U_FAILURE(status) || from == nullptr) {
    *error = "unknown charset '" + name + "'";
    return false;
  }
  if (bytes.size() > (1u << 28)) {
    *error = "text too large to convert";
    return false;
  }
  // Two passes per step: ICU preflights the size, then converts.
  const int32_t in_len = static_cast<int32_t>(bytes.size());
  status = U_ZERO_ERROR;
  int32_t len16 = ucnv_toUChars(from.get(), nullptr, 0, bytes.data(), in_len, &status);
  if (status != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(status)) {
    *error = "cannot convert from '" + name + "': " + u_errorName(status);
    return false;
  }
  std::u16string utf16(static_cast<size_t>(len16), u'\0');
  status = U_ZERO_ERROR;
  ucnv_toUChars(from.get(), utf16.data(), len16, bytes.data(), in_len, &status);
  if (U_FAILURE(status)) {
    *error = "cannot convert from '" + name + "': " + u_errorName(status);
    return false;
  }
  int32_t len8 = 0;
  status = U_ZERO_ERROR;
  u_strToUTF8WithSub(nullptr, 0, &len8, utf16.data(), len16, 0xFFFD, nullptr, &status);
  if (status != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(status)) {
    *error = std::string("cannot encode UTF-8: ") + u_errorName(status);
    return false;
  }
  out->resize(static_cast<size_t>(len8));
  status = U_ZERO_ERROR;
  u_strToUTF8WithSub(out->data(), len8, &len8, utf16.data(), len16, 0xFFFD, nullptr, &status);
  if (U_FAILURE(status)) {
    *error = std::string("cannot encode UTF-8: ") + u_errorName(status);
    out->clear();
    return false;
  }
  return true;
}

}  // namespace moderated::classifiers

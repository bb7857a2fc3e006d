// Akismet forms: see daemon/compat/akismet_form.h.
#include "daemon/compat/akismet_form.h"

#include <boost/url.hpp>
#include <cctype>

#include "base/encoding.h"
#include "classifiers/charset.h"

namespace moderated {

namespace {

// Browsers and HTTP libraries escape everything a query may not hold, but
// hand-written clients send "comment_context[]=" or raw UTF-8 as is. Escape
// those bytes (and a '%' that starts no escape) so the strict RFC 3986 parser
// takes them; valid input is unchanged.
std::string EscapeStrayBytes(std::string_view body) {
  auto is_hex = [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; };
  std::string out;
  out.reserve(body.size());
  for (size_t i = 0; i < body.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(body[i]);
    const bool allowed =
        std::isalnum(c) || std::string_view("-._~!$&'()*+,;=:@/?").find(static_cast<char>(c)) !=
                               std::string_view::npos;
    if (allowed ||
        (c == '%' && i + 2 < body.size() && is_hex(body[i + 1]) && is_hex(body[i + 2]))) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      base::AppendHexByte(c, &out, /*upper=*/true);
    }
  }
  return out;
}

}  // namespace

std::string AkismetForm::Get(std::string_view name) const {
  for (auto it = fields_.rbegin(); it != fields_.rend(); ++it) {
    if (it->first == name) return it->second;
  }
  return "";
}

bool AkismetForm::Has(std::string_view name) const {
  for (const auto& f : fields_) {
    if (f.first == name) return true;
  }
  return false;
}

bool ParseAkismetFields(std::string_view raw_body, FormFields* out, std::string* error) {
  if (raw_body.empty()) return true;
  const std::string escaped = EscapeStrayBytes(raw_body);
  const std::string_view body = escaped;
  auto parsed = boost::urls::parse_query(body);
  if (!parsed) {
    *error = "the body is not application/x-www-form-urlencoded (" + parsed.error().message() + ")";
    return false;
  }
  // Valid (checked above), so this constructor does not throw.
  boost::urls::params_view params(body, boost::urls::encoding_opts(/*space_as_plus=*/true));
  for (auto param : params) {
    if (out->size() >= kMaxAkismetFormFields) {
      *error = "more than " + std::to_string(kMaxAkismetFormFields) + " form fields";
      return false;
    }
    out->emplace_back(std::string(param.key), param.has_value ? std::string(param.value) : "");
  }
  return true;
}

bool ConvertAkismetForm(AkismetForm* form, std::string* error) {
  const std::string charset = form->Get("blog_charset");
  for (auto& [name, value] : form->fields()) {
    std::string n, v;
    if (!classifiers::ConvertToUtf8(name, charset, &n, error) ||
        !classifiers::ConvertToUtf8(value, charset, &v, error)) {
      return false;
    }
    name = std::move(n);
    value = std::move(v);
  }
  return true;
}

bool ParseAkismetForm(std::string_view body, FormFields* out, std::string* error) {
  FormFields fields;
  if (!ParseAkismetFields(body, &fields, error)) return false;
  AkismetForm form(std::move(fields));
  if (!ConvertAkismetForm(&form, error)) return false;
  *out = std::move(form.fields());
  return true;
}

}  // namespace moderated

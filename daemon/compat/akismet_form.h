// daemon/compat/akismet_form.h
//
// Decoding an Akismet request: the application/x-www-form-urlencoded body
// (or GET query) into its fields, converting them to UTF-8 from the form's
// `blog_charset`, and the comment the fields describe. Pure functions over
// strings, no I/O, callable from any thread. Its own file so that the fuzz
// target (fuzz/fuzz_akismet_form.cc) links it without the daemon; the
// handlers are in daemon/compat/akismet.h.
#ifndef MODERATED_DAEMON_COMPAT_AKISMET_FORM_H_
#define MODERATED_DAEMON_COMPAT_AKISMET_FORM_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "daemon/core/config.h"
#include "daemon/engine/engine.h"

namespace moderated {

using FormFields = std::vector<std::pair<std::string, std::string>>;

// At most this many fields in one request; more is an error.
constexpr size_t kMaxAkismetFormFields = 1000;

// The fields of a decoded form, in order (a name may repeat).
class AkismetForm {
 public:
  explicit AkismetForm(FormFields fields) : fields_(std::move(fields)) {}
  // The last value of `name` ("" if absent).
  std::string Get(std::string_view name) const;
  bool Has(std::string_view name) const;
  FormFields& fields() { return fields_; }
  const FormFields& fields() const { return fields_; }

 private:
  FormFields fields_;
};

// Decodes `body` into its fields (percent-decoded, '+' as space; bytes a
// hand-written client leaves unescaped are taken as they are). Appends to
// *out; false and *error ("the body is not application/x-www-form-urlencoded
// (...)", "more than 1000 form fields") if it is not such a form.
bool ParseAkismetFields(std::string_view body, FormFields* out, std::string* error);

// Converts every name and value of `form` from its `blog_charset` (UTF-8
// when absent) to UTF-8. False and *error if the charset is unknown or a
// text cannot be converted.
bool ConvertAkismetForm(AkismetForm* form, std::string* error);

// Both steps: the fields of `body` in UTF-8. False and *error as above.
bool ParseAkismetForm(std::string_view body, FormFields* out, std::string* error);

// The comment a comment-check or submit-spam/ham form describes, for `site`:
// the mapped fields cut to their limits (author 1,024 bytes, e-mail 320, URLs
// 4,096, user agent 2,048, content limits.max_body_bytes; never inside a UTF-8
// character), and every other field in meta_json as {"source": "akismet",
// "guid": guid, "fields": {...}}, at most limits.max_meta_bytes serialised
// (the largest fields dropped first and named in "dropped").
CommentInput AkismetComment(const AkismetForm& form, const std::string& site, const Limits& limits,
                            const std::string& guid);

}  // namespace moderated

#endif  // MODERATED_DAEMON_COMPAT_AKISMET_FORM_H_

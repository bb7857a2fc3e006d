// storage/sqlite/text_match.cc
//
// moderated_contains(content, text), the SQL function that checks a text
// filter on the comments the full-text index does not hold yet (above
// text_index_state.indexed_through; docs/storage.md, "Text search"). It must
// agree with the index, whose trigram tokenizer (case_sensitive 0) folds
// every letter by Unicode's simple case folding and matches a phrase of 3 or
// more characters as a substring: so both sides are folded code point by
// code point (ICU's u_foldCase, the same simple folding; rules/'s FoldCase
// covers only the scripts rules are written in) and compared as bytes, and a
// text of fewer than kMinSearchTextChars characters matches nothing.
#include <sqlite3.h>
#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "base/strings.h"
#include "storage/store.h"
#include "storage/sqlite/impl.h"

namespace moderated::storage::internal {
namespace {

// `in` folded into `out` (cleared first). Bytes that are not UTF-8 are
// copied as they are.
void Fold(std::string_view in, std::string* out) {
  out->clear();
  out->reserve(in.size());
  const auto* bytes = reinterpret_cast<const uint8_t*>(in.data());
  const auto length = static_cast<int32_t>(in.size());
  for (int32_t i = 0; i < length;) {
    const uint8_t b = bytes[i];
    if (b < 0x80) {  // ASCII, most of most comments
      out->push_back(static_cast<char>(b >= 'A' && b <= 'Z' ? b + ('a' - 'A') : b));
      ++i;
      continue;
    }
    const int32_t start = i;
    UChar32 c = 0;
    U8_NEXT(bytes, i, length, c);
    if (c < 0) {
      out->append(in.substr(start, i - start));
      continue;
    }
    const UChar32 folded = u_foldCase(c, U_FOLD_CASE_DEFAULT);
    uint8_t buf[U8_MAX_LENGTH];
    int32_t n = 0;
    U8_APPEND_UNSAFE(buf, n, folded);
    out->append(reinterpret_cast<const char*>(buf), static_cast<size_t>(n));
  }
}

std::string_view TextArg(sqlite3_value* v) {
  const auto* p = reinterpret_cast<const char*>(sqlite3_value_text(v));
  return p == nullptr ? std::string_view() : std::string_view(p, sqlite3_value_bytes(v));
}

void DeleteString(void* p) { delete static_cast<std::string*>(p); }

void Contains(sqlite3_context* ctx, int /*argc*/, sqlite3_value** argv) {
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL || sqlite3_value_type(argv[1]) == SQLITE_NULL) {
    sqlite3_result_null(ctx);
    return;
  }
  // The text is the same for every row of a statement: folded once and
  // kept by SQLite beside the statement's parameter. SQLite may drop what
  // it is given at once, so it is handed over last.
  const auto* kept = static_cast<const std::string*>(sqlite3_get_auxdata(ctx, 1));
  std::string folded;
  if (kept == nullptr) {
    const std::string_view text = TextArg(argv[1]);
    // Shorter than a trigram: no match, as in the index ("" below).
    if (base::Utf8Length(text) >= static_cast<size_t>(kMinSearchTextChars)) Fold(text, &folded);
  }
  const std::string& needle = kept != nullptr ? *kept : folded;
  bool found = false;
  if (!needle.empty()) {
    thread_local std::string haystack;
    Fold(TextArg(argv[0]), &haystack);
    found = haystack.find(needle) != std::string::npos;
  }
  sqlite3_result_int(ctx, found ? 1 : 0);
  if (kept == nullptr)
    sqlite3_set_auxdata(ctx, 1, new std::string(std::move(folded)), DeleteString);
}

}  // namespace

int RegisterTextFunctions(sqlite3* db) {
  return sqlite3_create_function(db, "moderated_contains", 2,
                                 SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, nullptr,
                                 Contains, nullptr, nullptr);
}

}  // namespace moderated::storage::internal

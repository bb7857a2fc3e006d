// classifiers/tokenizer.h
//
// TokenizeForModel(): the ONE tokenisation that turns normalised text into
// the space-separated token string a fastText model sees. The trainer
// (trainer.h) and the classifier (fasttext_classifier.h) both call it, so a
// model is always queried with tokens made exactly like the ones it was
// trained on. Changing it changes what every model sees: bump
// kTokenizerVersion and retrain the default model.
//
// Why it exists: fastText splits on ASCII white space only, which is wrong for
// text such as "buy now!!!visit" or Arabic and Russian punctuation attached to
// words. Here words are found with ICU word boundaries (root locale), and
// things whose exact value carries no signal are replaced by placeholders:
//
//   URLs (http://, https://, www., or host.tld with a common TLD) → __url__
//   e-mail addresses                                             → __email__
//   @handles (@user, @User.IDX)                                  → __handle__
//   phone numbers (7..15 digits with +, (, leading 0 or
//     separators; may span up to 4 space-separated groups)       → __phone__
//   other numbers of 5 or more digits                            → __num__
//   a run of one or more "!"                                     → __excl__
//
// Russian personal and possessive pronouns ("ты", "тебе", "мой", ...) are
// dropped: in the training data they stood for abuse (tokenizer.cc). Pure punctuation is dropped; currency signs and other symbols (emoji) are
// kept as tokens of their own. Words are emitted unchanged (the input is
// already lower-cased and folded by Normalize()). Tokens are separated by
// exactly one ASCII space; there is no leading or trailing space, and the
// result never contains a newline, tab or NUL (fastText's separators).
//
// Thread-safety: a pure function; call it from any thread. Each thread keeps
// its own ICU break iterator.
#ifndef MODERATED_CLASSIFIERS_TOKENIZER_H_
#define MODERATED_CLASSIFIERS_TOKENIZER_H_

#include <string>
#include <string_view>

namespace moderated::classifiers {

inline constexpr int kTokenizerVersion = 2;  // 2: Russian pronouns left out

// `normalized` is the text member of Normalize()'s result (valid UTF-8).
// Invalid UTF-8 is tolerated: ICU turns bad sequences into U+FFFD, which is
// then dropped like punctuation.
std::string TokenizeForModel(std::string_view normalized);

// The same tokens with the pronouns kept: the key that deduplicates
// and splits the training data sets (training/dataset.h), so the fixed test
// splits do not move when the model's input leaves words out.
std::string TokenizeAllWords(std::string_view normalized);

}  // namespace moderated::classifiers

#endif  // MODERATED_CLASSIFIERS_TOKENIZER_H_

// training/corpus.h
//
// Readers for labelled training corpora: the data sets in ../shared/data
// (presets, each knowing its file format and label mapping) and generic
// CSV / TSV / JSONL files with a column mapping.
//
// Every reader returns Examples with the text exactly as the data set has it
// (except for documented, data-set-specific repairs such as OSACT's "<LF>"
// markers); normalisation and tokenisation happen in the trainer, on the same
// path as inference.
//
// Model labels are "spam", "abuse" and "ham". Preset label mapping:
//   youtube, sms, arabic-spam: spam → spam, ham → ham
//   mpold: Offensive → abuse, Non-Offensive → ham
//   osact2020: OFF → abuse, NOT_OFF → ham
//   russian-toxic: 1.0 → abuse, 0.0 → ham
// arabic-spam contributes its spam rows only: all of its ham rows are
// news-agency headlines (see its SOURCE.md), which would teach the model
// "news style = ham" instead of anything about comments.
//
// Errors are values: readers return false and set *error to one line,
// "path:line: message" where a line is known. Nothing throws.
// Thread-safety: all functions are pure apart from reading files.
#ifndef MODERATED_TRAINING_CORPUS_H_
#define MODERATED_TRAINING_CORPUS_H_

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace moderated::training {

struct Example {
  std::string text;                 // as in the data set, not normalised
  std::vector<std::string> labels;  // "spam" | "abuse" | "ham" (usually one)
  std::string language;             // "en", "ar", "ru", or "und"
  std::string source;               // preset name or the generic file's source
  std::string group;                // e.g. YouTube video "Psy", MPOLD platform
  // "" lets the trainer split by hash; "train" or "test" pins the example
  // (OSACT2020 train/dev files are the data set's own split).
  std::string split;
};

// ---- delimited text --------------------------------------------------------

// Parses RFC 4180-style delimited text: records end at LF or CRLF; a field
// that starts with '"' is quoted, may contain the delimiter, newlines and
// doubled quotes (""), and must be followed by a delimiter or record end.
// With quoting off, every line is one record and '"' is an ordinary byte.
// A UTF-8 byte-order mark at the start is skipped; blank lines are skipped.
// On error returns false and sets *error to "line N: message" (the line the
// offending record starts on, 1-based).
bool ParseDelimited(std::string_view data, char delimiter, bool quoting,
                    std::vector<std::vector<std::string>>* records, std::string* error);

// ---- generic corpora -------------------------------------------------------

enum class CorpusFormat { kCsv, kTsv, kJsonl };

// Parses "csv", "tsv" or "jsonl". Returns false for anything else.
bool ParseCorpusFormat(std::string_view name, CorpusFormat* format);

struct ColumnMapping {
  // Column names (CSV/TSV with a header, JSONL keys) or 0-based indices
  // written as decimal strings when has_header is false.
  std::string text_column = "text";
  std::string label_column = "label";
  std::string language_column;  // optional; else `language` below
  std::string group_column;     // optional
  bool has_header = true;       // CSV/TSV only

  std::string language = "und";  // used when there is no language column
  std::string source = "generic";

  // Raw label value → model label. Raw values are compared after trimming
  // and lower-casing ASCII. Empty map: the value itself must be one of
  // spam/abuse/ham. A value may hold several labels separated by '|'
  // (JSONL: a string or an array of strings).
  std::map<std::string, std::string> label_map;
  // Rows whose label is not in the map are skipped (counted) instead of
  // being an error.
  bool skip_unknown_labels = false;
};

// Appends the examples of one generic corpus file to *out. Rows with an
// empty text are skipped. *skipped (if not null) counts skipped rows.
bool ReadCorpusFile(const std::string& path, CorpusFormat format, const ColumnMapping& mapping,
                    std::vector<Example>* out, int* skipped, std::string* error);

// ---- presets ---------------------------------------------------------------

// "youtube", "sms", "arabic-spam", "mpold", "osact2020", "russian-toxic".
const std::vector<std::string>& PresetNames();

// Appends the examples of preset `name` read from its folder under
// `data_dir` (the directory holding the data sets, e.g. ../shared/data).
// Fails with "unknown preset 'x'" or a file error.
bool ReadPreset(std::string_view name, const std::string& data_dir, std::vector<Example>* out,
                std::string* error);

// The YouTube preset keeps the file order of each video, which is
// chronological (the data set's note); the YouTube protocol relies on it.

// Removes HTML tags (keeping the text between them; <br> becomes a space)
// and decodes the common
// entities (&amp; &lt; &gt; &quot; &#39; &#NNN; &#xHH;). Used for YouTube
// comments, which carry <br /> and <a> markup.
std::string StripHtml(std::string_view html);

// Impermium's comments are Python string literals inside literal quotes, e.g.
// the CSV field  "i really don't understand\xa0 It's \xc2\xa0 \u2019 \\n".
// Returns the text: outer quotes removed, escaped bytes that form UTF-8
// decoded as UTF-8 and other escaped bytes as Latin-1, \n \t \r (single or
// with a doubled backslash) as spaces.
std::string DecodePythonEscapes(std::string_view s);

// Removes "RT " retweet markers at word starts (Davidson's tweets): they say
// where a tweet came from, not what it says.
std::string StripRetweetMarkers(std::string_view text);

}  // namespace moderated::training

#endif  // MODERATED_TRAINING_CORPUS_H_

// daemon/compat/spamc.h
//
// The SpamAssassin spamc/spamd protocol (SPAMC/1.x requests, SPAMD/1.x
// replies) as pure functions: parse a request head, format each reply the way
// spamd writes it, and turn an RFC 5322 message (or plain text) into the text
// of a comment. The listener is daemon/compat/spamc_server.h; docs/spamc.md tells
// operators how to use it.
//
// Thread-safety: pure functions over their arguments.
#ifndef MODERATED_DAEMON_COMPAT_SPAMC_H_
#define MODERATED_DAEMON_COMPAT_SPAMC_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace moderated::spamc {

enum class Command { kCheck, kSymbols, kReport, kReportIfSpam, kProcess, kHeaders, kPing, kTell, kSkip };

struct Request {
  Command command = Command::kCheck;
  std::string version;                    // "1.5"
  std::optional<uint64_t> content_length;  // Content-length header
  std::string user;                        // User header
  std::string message_class;               // TELL: "spam" | "ham" (lower case)
  bool set_local = false, set_remote = false;
  bool remove_local = false, remove_remote = false;
  bool compressed = false;  // Compress: zlib (we refuse it)
};

// spamd's exit codes (sysexits.h) that we send.
inline constexpr int kExOk = 0;
inline constexpr int kExUnavailable = 69;
inline constexpr int kExSoftware = 70;
inline constexpr int kExTempFail = 75;
inline constexpr int kExProtocol = 76;

enum class ParseStatus { kNeedMore, kDone, kError };

// Parses the request line and headers at the start of `buffer`, up to and
// including the blank line. kDone sets *out and *head_size (bytes consumed);
// kNeedMore asks for more input (the head is not complete and is shorter
// than `max_head`); kError sets *error to spamd's reason text, e.g.
// "(header not in 'Name: value' format)". Unknown headers are ignored, as
// the protocol asks.
ParseStatus ParseHead(std::string_view buffer, size_t max_head, Request* out, size_t* head_size,
                      std::string* error);

// The outcome of checking one message.
struct Result {
  bool is_spam = false;
  double score = 0;
  double threshold = 5;
  struct Symbol {
    std::string name;
    double score = 0;
    std::string description;
  };
  std::vector<Symbol> symbols;  // in verdict order
};

// The whole reply spamd writes for CHECK, SYMBOLS, REPORT, REPORT_IFSPAM,
// PROCESS and HEADERS (`message` is the message as received, for PROCESS
// and HEADERS), e.g. for CHECK:
//   "SPAMD/1.1 0 EX_OK\r\nSpam: True ; 15.0 / 5.0\r\n\r\n"
std::string FormatCheckReply(const Request& request, const Result& result,
                             std::string_view message);
// "SPAMD/1.5 0 PONG\r\n"
std::string FormatPong();
// TELL's reply: "SPAMD/1.1 0 EX_OK\r\nDidSet: local\r\n\r\n\r\n" (spamd
// writes the extra CRLF too; clients stop at the first blank line).
std::string FormatTellReply(bool did_set_local, bool did_remove_local);
// An error reply: "SPAMD/1.0 76 Bad header line: (reason)\r\n" for
// kExProtocol, "SPAMD/1.0 69 Service Unavailable: reason\r\n" for
// kExUnavailable, "SPAMD/1.0 <code> <reason>\r\n" otherwise.
std::string FormatError(int code, std::string_view reason);

// SpamAssassin's report body: the score table of REPORT and REPORT_IFSPAM.
std::string FormatReport(const Result& result);

// The text of a message, for moderation.
struct Mail {
  std::string from_name;   // decoded (RFC 2047), UTF-8
  std::string from_email;
  std::string subject;     // decoded, UTF-8
  std::string message_id;
  std::string date;
  std::string body;        // the first text part, transfer- and charset-decoded, UTF-8
  bool had_headers = false;  // false: the input was plain text
  // The comment's content: "subject\n\nbody" (or just one of them).
  std::string Content() const;
};

// The key a message is stored under (its external_id), so that checking the
// same message twice answers the first verdict instead of storing it again.
// With a Message-ID (angle brackets and white space trimmed, at most 200
// bytes): "message-id:<id>:<16 hex digits>", else "sha256:<64 hex digits>";
// the hex digits are SHA-256 of the sender and the content (subject and
// body as decoded), so relays that add headers do not change the key, and a
// message that reuses another's Message-ID with other content is a message
// of its own (it cannot fetch the other's verdict).
std::string MessageKey(const Mail& mail);

// Parses `raw` as an RFC 5322 message (CRLF or LF line ends): headers with
// folding, RFC 2047 encoded words, MIME multipart (the first text/plain part,
// else the first text/* part), quoted-printable and base64, and the part's
// charset (ICU, classifiers/charset.h). Input whose first line is not a
// header is taken as plain text. Never fails; undecodable bytes become
// U+FFFD.
Mail ParseMail(std::string_view raw);

// `text` with RFC 2047 encoded words ("=?UTF-8?B?...?=") decoded to UTF-8.
std::string DecodeHeaderWords(std::string_view text);

}  // namespace moderated::spamc

#endif  // MODERATED_DAEMON_COMPAT_SPAMC_H_

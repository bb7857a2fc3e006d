#include "daemon/compat/spamc.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "base/encoding.h"
#include "base/hash.h"
#include "base/strings.h"
#include "classifiers/charset.h"

namespace moderated::spamc {
namespace {

constexpr size_t kMaxHeaders = 255;  // spamd's limit too
constexpr int kMaxMimeDepth = 4;
constexpr size_t kMaxMimeParts = 100;

char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (Lower(a[i]) != Lower(b[i])) return false;
  }
  return true;
}

bool IStartsWith(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && IEquals(s.substr(0, prefix.size()), prefix);
}

// "%.1f" without a "-0.0".
std::string Score(double v) {
  char buf[64];
  if (std::fabs(v) < 0.05) v = 0;
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

double Version(std::string_view v) {
  // Locale-independent: "1.5" → 1.5.
  int major = 0, minor = 0;
  auto dot = v.find('.');
  std::from_chars(v.data(), v.data() + (dot == std::string_view::npos ? v.size() : dot), major);
  if (dot != std::string_view::npos) {
    std::from_chars(v.data() + dot + 1, v.data() + v.size(), minor);
  }
  return major + minor / 10.0;
}

// Splits off one line (without its LF/CRLF) from *rest. Returns false at the
// end of input when no complete line is left (the partial line stays).
bool NextLine(std::string_view* rest, std::string_view* line, bool need_terminator) {
  if (rest->empty()) return false;
  size_t nl = rest->find('\n');
  if (nl == std::string_view::npos) {
    if (need_terminator) return false;
    *line = *rest;
    rest->remove_prefix(rest->size());
    return true;
  }
  *line = rest->substr(0, nl);
  if (!line->empty() && line->back() == '\r') line->remove_suffix(1);
  rest->remove_prefix(nl + 1);
  return true;
}

// --- MIME -------------------------------------------------------------------

struct Header {
  std::string name;   // as written
  std::string value;  // unfolded, raw bytes
};

// Reads a header block from *rest (up to and including its blank line, or
// to the end). Continuation lines are unfolded.
std::vector<Header> ReadHeaders(std::string_view* rest) {
  std::vector<Header> headers;
  std::string_view line;
  while (NextLine(rest, &line, false)) {
    if (line.empty()) break;
    if ((line.front() == ' ' || line.front() == '\t') && !headers.empty()) {
      headers.back().value += ' ';
      headers.back().value += base::TrimAscii(line);
      continue;
    }
    auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;  // junk: skip it
    if (headers.size() >= 1000) continue;
    headers.push_back({std::string(base::TrimAscii(line.substr(0, colon))),
                       std::string(base::TrimAscii(line.substr(colon + 1)))});
  }
  return headers;
}

const std::string* FindHeader(const std::vector<Header>& headers, std::string_view name) {
  for (const Header& h : headers) {
    if (IEquals(h.name, name)) return &h.value;
  }
  return nullptr;
}

// Is `line` a header field ("Name: value", name of printable ASCII)?
bool LooksLikeHeader(std::string_view line) {
  auto colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  for (size_t i = 0; i < colon; ++i) {
    unsigned char c = static_cast<unsigned char>(line[i]);
    if (c <= 32 || c >= 127) return false;
  }
  return true;
}

struct ContentType {
  std::string type = "text/plain";
  std::string charset;
  std::string boundary;
};

ContentType ParseContentType(const std::string* value) {
  ContentType ct;
  if (value == nullptr) return ct;
  std::string_view v = *value;
  auto semi = v.find(';');
  std::string type = base::AsciiLower(base::TrimAscii(v.substr(0, semi)));
  if (!type.empty()) ct.type = type;
  while (semi != std::string_view::npos) {
    v.remove_prefix(semi + 1);
    // A quoted value may contain ';'.
    auto eq = v.find('=');
    if (eq == std::string_view::npos) break;
    std::string name = base::AsciiLower(base::TrimAscii(v.substr(0, eq)));
    std::string_view after = base::TrimAscii(v.substr(eq + 1));
    std::string value_text;
    if (!after.empty() && after.front() == '"') {
      auto close = after.find('"', 1);
      value_text = std::string(
          after.substr(1, close == std::string_view::npos ? std::string_view::npos : close - 1));
      size_t consumed = close == std::string_view::npos ? after.size() : close + 1;
      v = after.substr(consumed);
      semi = v.find(';');
    } else {
      semi = after.find(';');
      value_text = std::string(base::TrimAscii(after.substr(0, semi)));
      v = after;
    }
    if (name == "charset") ct.charset = value_text;
    if (name == "boundary") ct.boundary = value_text;
  }
  return ct;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Quoted-printable; `header` (RFC 2047 "Q") also turns '_' into a space.
std::string DecodeQuotedPrintable(std::string_view in, bool header) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '=') {
      if (i + 2 < in.size() && HexValue(in[i + 1]) >= 0 && HexValue(in[i + 2]) >= 0) {
        out.push_back(static_cast<char>(HexValue(in[i + 1]) * 16 + HexValue(in[i + 2])));
        i += 2;
        continue;
      }
      // Soft line break: "=\r\n" or "=\n" (or trailing white space first).
      size_t j = i + 1;
      while (j < in.size() && (in[j] == ' ' || in[j] == '\t')) ++j;
      if (j < in.size() && in[j] == '\r') ++j;
      if (j < in.size() && in[j] == '\n') {
        i = j;
        continue;
      }
      if (j >= in.size()) break;
      out.push_back(c);
      continue;
    }
    if (header && c == '_') {
      out.push_back(' ');
      continue;
    }
    out.push_back(c);
  }
  return out;
}

std::string ToUtf8(std::string_view bytes, std::string_view charset) {
  std::string out, error;
  if (classifiers::ConvertToUtf8(bytes, charset, &out, &error)) return out;
  classifiers::ConvertToUtf8(bytes, "", &out, &error);  // unknown charset: keep what is UTF-8
  return out;
}

std::string StripHtml(std::string_view html) {
  std::string out;
  out.reserve(html.size());
  bool in_tag = false;
  for (size_t i = 0; i < html.size(); ++i) {
    char c = html[i];
    if (in_tag) {
      if (c == '>') in_tag = false;
      continue;
    }
    if (c == '<') {
      in_tag = true;
      // Block-level breaks keep words apart.
      out.push_back(' ');
      continue;
    }
    if (c == '&') {
      static const std::pair<std::string_view, std::string_view> kEntities[] = {
          {"&amp;", "&"},   {"&lt;", "<"},   {"&gt;", ">"},
          {"&quot;", "\""}, {"&nbsp;", " "}, {"&#39;", "'"}};
      bool matched = false;
      for (auto [entity, text] : kEntities) {
        if (html.substr(i, entity.size()) == entity) {
          out += text;
          i += entity.size() - 1;
          matched = true;
          break;
        }
      }
      if (matched) continue;
    }
    out.push_back(c);
  }
  return out;
}

struct Part {
  std::string type;
  std::string text;  // decoded UTF-8
};

void CollectParts(const std::vector<Header>& headers, std::string_view body, int depth,
                  std::vector<Part>* parts) {
  if (parts->size() >= kMaxMimeParts) return;
  ContentType ct = ParseContentType(FindHeader(headers, "Content-Type"));
  if (ct.type.rfind("multipart/", 0) == 0 && !ct.boundary.empty() && depth < kMaxMimeDepth) {
    const std::string delimiter = "--" + ct.boundary;
    std::string_view rest = body, line;
    const char* part_begin = nullptr;
    auto close_part = [&](const char* end) {
      if (part_begin == nullptr || end < part_begin) return;
      std::string_view part(part_begin, static_cast<size_t>(end - part_begin));
      // Drop the line break that belongs to the next delimiter.
      if (!part.empty() && part.back() == '\n') part.remove_suffix(1);
      if (!part.empty() && part.back() == '\r') part.remove_suffix(1);
      std::vector<Header> part_headers = ReadHeaders(&part);
      CollectParts(part_headers, part, depth + 1, parts);
    };
    while (true) {
      const char* line_begin = rest.data();
      if (!NextLine(&rest, &line, false)) break;
      std::string_view trimmed = base::TrimAscii(line);
      if (trimmed == delimiter || trimmed == delimiter + "--") {
        close_part(line_begin);
        if (trimmed != delimiter) {
          part_begin = nullptr;
          break;
        }
        part_begin = rest.data();
      }
    }
    close_part(rest.data());
    return;
  }
  if (ct.type.rfind("text/", 0) != 0) return;  // images, attachments...
  std::string encoding =
      base::AsciiLower(base::TrimAscii(FindHeader(headers, "Content-Transfer-Encoding")
                                           ? *FindHeader(headers, "Content-Transfer-Encoding")
                                           : std::string()));
  std::string bytes;
  if (encoding == "base64")
    bytes = base::Base64DecodeLenient(body);
  else if (encoding == "quoted-printable")
    bytes = DecodeQuotedPrintable(body, false);
  else
    bytes = std::string(body);
  std::string text = ToUtf8(bytes, ct.charset);
  if (ct.type == "text/html") text = StripHtml(text);
  parts->push_back({ct.type, std::move(text)});
}

void ParseFrom(const std::string& value, std::string* name, std::string* email) {
  std::string_view v = base::TrimAscii(value);
  auto lt = v.rfind('<');
  auto gt = v.rfind('>');
  if (lt != std::string_view::npos && gt != std::string_view::npos && gt > lt) {
    *email = std::string(base::TrimAscii(v.substr(lt + 1, gt - lt - 1)));
    std::string_view n = base::TrimAscii(v.substr(0, lt));
    if (n.size() >= 2 && n.front() == '"' && n.back() == '"') n = n.substr(1, n.size() - 2);
    *name = DecodeHeaderWords(n);
    return;
  }
  auto paren = v.find('(');
  if (paren != std::string_view::npos && v.back() == ')') {
    *email = std::string(base::TrimAscii(v.substr(0, paren)));
    *name = DecodeHeaderWords(v.substr(paren + 1, v.size() - paren - 2));
    return;
  }
  *email = std::string(v);
}

}  // namespace

namespace {

// "<COMMAND> SPAMC/<version>" into out->command and out->version; false
// for anything else.
bool ParseRequestLine(std::string_view line, Request* out) {
  auto space = line.find(' ');
  std::string_view command = line.substr(0, space);
  std::string_view proto = space == std::string_view::npos ? "" : line.substr(space + 1);
  if (proto.substr(0, 6) != "SPAMC/" || proto.size() == 6) return false;
  static const std::pair<std::string_view, Command> kCommands[] = {
      {"CHECK", Command::kCheck},     {"SYMBOLS", Command::kSymbols},
      {"REPORT", Command::kReport},   {"REPORT_IFSPAM", Command::kReportIfSpam},
      {"PROCESS", Command::kProcess}, {"HEADERS", Command::kHeaders},
      {"PING", Command::kPing},       {"TELL", Command::kTell},
      {"SKIP", Command::kSkip}};
  for (auto [name, cmd] : kCommands) {
    if (command == name) {
      out->command = cmd;
      out->version = std::string(proto.substr(6));
      return true;
    }
  }
  return false;
}

// One "Name: value" header into *out; false with *error (spamd's wording).
bool ParseHeader(std::string_view line, Request* out, std::string* error) {
  auto colon = line.find(':');
  if (colon == std::string_view::npos) {
    *error = "(header not in 'Name: value' format)";
    return false;
  }
  std::string_view name = line.substr(0, colon);
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  if (IEquals(name, "Content-length")) {
    uint64_t n = 0;
    auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
    if (value.empty() || ec != std::errc() || p != value.data() + value.size()) {
      *error = "(Content-Length contains non-numeric bytes)";
      return false;
    }
    out->content_length = n;
  } else if (IEquals(name, "User")) {
    for (char c : value) {
      if (static_cast<unsigned char>(c) < 0x20) {
        *error = "(User header contains control chars)";
        return false;
      }
    }
    out->user = std::string(value);
  } else if (IEquals(name, "Message-class")) {
    std::string cls = base::AsciiLower(base::TrimAscii(value));
    if (cls != "spam" && cls != "ham") {
      *error = "(Message-class header contains invalid class)";
      return false;
    }
    out->message_class = cls;
  } else if (IEquals(name, "Set") || IEquals(name, "Remove")) {
    const std::string v = base::AsciiLower(value);
    const bool set = IEquals(name, "Set");
    (set ? out->set_local : out->remove_local) = v.find("local") != std::string::npos;
    (set ? out->set_remote : out->remove_remote) = v.find("remote") != std::string::npos;
  } else if (IEquals(name, "Compress")) {
    out->compressed = true;
  }
  return true;
}

}  // namespace

ParseStatus ParseHead(std::string_view buffer, size_t max_head, Request* out, size_t* head_size,
                      std::string* error) {
  std::string_view rest = buffer, line;
  auto more = [&]() {
    if (buffer.size() >= max_head) {
      *error = "(too many headers)";
      return ParseStatus::kError;
    }
    return ParseStatus::kNeedMore;
  };
  if (!NextLine(&rest, &line, true)) return more();
  if (!ParseRequestLine(line, out)) {
    // spamd echoes the bad line; an empty one would be a reply with no reason.
    *error = line.empty() ? "(empty request line)" : std::string(line.substr(0, 200));
    return ParseStatus::kError;
  }
  // PING and SKIP need nothing more (clients before 1.5 send no blank line).
  const bool headers = out->command != Command::kPing && out->command != Command::kSkip;
  for (size_t count = 0; headers; ++count) {
    if (!NextLine(&rest, &line, true)) return more();
    if (line.empty()) break;
    if (count >= kMaxHeaders) {
      *error = "(too many headers)";
      return ParseStatus::kError;
    }
    if (!ParseHeader(line, out, error)) return ParseStatus::kError;
  }
  *head_size = buffer.size() - rest.size();
  return ParseStatus::kDone;
}

std::string FormatReport(const Result& r) {
  std::string out = "Spam detection software (moderated) has checked this message.\n\n";
  out += "Content analysis details:   (" + Score(r.score) + " points, " + Score(r.threshold) +
         " required)\n\n";
  out += " pts rule name              description\n";
  out += "---- ---------------------- --------------------------------------------------\n";
  for (const Result::Symbol& s : r.symbols) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%4s %-22s ", Score(s.score).c_str(), s.name.c_str());
    out += buf;
    out += s.description;
    out += '\n';
  }
  return out;
}

namespace {

std::string SymbolList(const Result& r) {
  std::string out;
  for (const Result::Symbol& s : r.symbols) {
    if (!out.empty()) out += ',';
    out += s.name;
  }
  return out;
}

// The message with our X-Spam-* headers at the end of its header block
// (any X-Spam-* headers it came with are removed first, so a sender cannot
// pre-label its own mail). HEADERS keeps only the header block.
std::string Rewrite(std::string_view message, const Result& r, bool headers_only) {
  const bool crlf = message.find("\r\n") != std::string_view::npos;
  const std::string eol = crlf ? "\r\n" : "\n";
  std::string level(std::min<size_t>(50, r.score > 0 ? static_cast<size_t>(r.score) : 0), '*');
  std::string symbols = SymbolList(r);
  std::string ours = "X-Spam-Checker-Version: moderated" + eol;
  if (r.is_spam) ours += "X-Spam-Flag: YES" + eol;
  ours += "X-Spam-Level: " + level + eol;
  ours += std::string("X-Spam-Status: ") + (r.is_spam ? "Yes" : "No") +
          ", score=" + Score(r.score) + " required=" + Score(r.threshold) +
          " tests=" + (symbols.empty() ? "none" : symbols) + " autolearn=disabled" + eol;

  std::string_view first_line = message.substr(0, message.find('\n'));
  bool has_headers = LooksLikeHeader(first_line) || first_line.rfind("From ", 0) == 0;
  if (!has_headers) {
    std::string out = ours + eol;
    if (!headers_only) out += message;
    return out;
  }
  std::string out;
  std::string_view rest = message, line;
  bool skipping = false;
  while (true) {
    const char* line_begin = rest.data();
    size_t before = rest.size();
    if (!NextLine(&rest, &line, false)) break;
    std::string_view raw(line_begin, before - rest.size());
    if (line.empty()) {
      out += ours;
      out += raw;
      if (!headers_only) out += rest;
      return out;
    }
    if ((line.front() == ' ' || line.front() == '\t')) {
      if (!skipping) out += raw;
      continue;
    }
    skipping = IStartsWith(line, "X-Spam-");
    if (!skipping) out += raw;
  }
  // Headers only, no body.
  if (!out.empty() && out.back() != '\n') out += eol;
  out += ours;
  out += eol;
  return out;
}

}  // namespace

std::string FormatCheckReply(const Request& req, const Result& r, std::string_view message) {
  const bool ifspam = req.command == Command::kReportIfSpam;
  const std::string status = r.is_spam ? (ifspam ? "Yes" : "True") : (ifspam ? "No" : "False");
  const std::string spam_header =
      "Spam: " + status + " ; " + Score(r.score) + " / " + Score(r.threshold);
  const double version = Version(req.version);
  std::string out = "SPAMD/1.1 0 EX_OK\r\n";
  switch (req.command) {
    case Command::kCheck:
      out += spam_header + "\r\n\r\n";
      return out;
    case Command::kProcess:
    case Command::kHeaders: {
      std::string body = Rewrite(message, r, req.command == Command::kHeaders);
      out += "Content-length: " + std::to_string(body.size()) + "\r\n";
      if (version >= 1.3) out += spam_header + "\r\n";
      out += "\r\n" + body;
      return out;
    }
    default:
      break;
  }
  std::string body;
  if (req.command == Command::kSymbols) {
    body = SymbolList(r);
    if (version < 1.3) body += "\r\n";
  } else if (req.command == Command::kReport || r.is_spam) {
    body = FormatReport(r);
  }
  if (version >= 1.3) out += "Content-length: " + std::to_string(body.size()) + "\r\n";
  out += spam_header + "\r\n\r\n" + body;
  return out;
}

std::string FormatPong() { return "SPAMD/1.5 0 PONG\r\n"; }

std::string FormatTellReply(bool did_set_local, bool did_remove_local) {
  std::string out = "SPAMD/1.1 0 EX_OK\r\n";
  if (did_set_local) out += "DidSet: local\r\n";
  if (did_remove_local) out += "DidRemove: local\r\n";
  out += "\r\n\r\n";
  return out;
}

std::string FormatError(int code, std::string_view reason) {
  switch (code) {
    case kExProtocol:
      return "SPAMD/1.0 76 Bad header line: " + std::string(reason) + "\r\n";
    case kExUnavailable:
      return "SPAMD/1.0 69 Service Unavailable: " + std::string(reason) + "\r\n";
    default:
      return "SPAMD/1.0 " + std::to_string(code) + " " + std::string(reason) + "\r\n";
  }
}

std::string DecodeHeaderWords(std::string_view text) {
  std::string out;
  size_t i = 0;
  bool last_was_word = false;
  std::string pending_space;
  while (i < text.size()) {
    if (text.substr(i, 2) == "=?") {
      // =?charset?enc?data?=
      size_t q1 = text.find('?', i + 2);
      size_t q2 = q1 == std::string_view::npos ? q1 : text.find('?', q1 + 1);
      size_t end = q2 == std::string_view::npos ? q2 : text.find("?=", q2 + 1);
      if (end != std::string_view::npos && q2 == q1 + 2) {
        std::string charset(text.substr(i + 2, q1 - i - 2));
        if (auto star = charset.find('*'); star != std::string::npos) charset.resize(star);
        char enc = Lower(text[q1 + 1]);
        std::string_view data = text.substr(q2 + 1, end - q2 - 1);
        if (enc == 'b' || enc == 'q') {
          std::string bytes =
              enc == 'b' ? base::Base64DecodeLenient(data) : DecodeQuotedPrintable(data, true);
          if (!last_was_word) out += pending_space;  // space between encoded words is dropped
          pending_space.clear();
          out += ToUtf8(bytes, charset);
          i = end + 2;
          last_was_word = true;
          continue;
        }
      }
    }
    char c = text[i];
    if (c == ' ' || c == '\t') {
      pending_space.push_back(c);
      ++i;
      continue;
    }
    out += pending_space;
    pending_space.clear();
    // Raw run up to the next white space or encoded word.
    size_t j = i;
    while (j < text.size() && text[j] != ' ' && text[j] != '\t' && text.substr(j, 2) != "=?") ++j;
    if (j == i) j = i + 1;
    out += ToUtf8(text.substr(i, j - i), "");
    i = j;
    last_was_word = false;
  }
  out += pending_space;
  return out;
}

std::string Mail::Content() const {
  std::string_view s = base::TrimAscii(subject), b = base::TrimAscii(body);
  if (s.empty()) return std::string(b);
  if (b.empty()) return std::string(s);
  return std::string(s) + "\n\n" + std::string(b);
}

std::string MessageKey(const Mail& mail) {
  std::string_view id = base::TrimAscii(mail.message_id);
  if (id.size() >= 2 && id.front() == '<' && id.back() == '>') {
    id = base::TrimAscii(id.substr(1, id.size() - 2));
  }
  const std::string digest = base::HexEncode(base::Sha256(mail.from_email + '\n' + mail.Content()));
  if (!id.empty() && id.size() <= 200) {
    return "message-id:" + std::string(id) + ":" + digest.substr(0, 16);
  }
  return "sha256:" + digest;
}

Mail ParseMail(std::string_view raw) {
  Mail mail;
  std::string_view rest = raw;
  // An mbox "From " line before the headers.
  if (rest.rfind("From ", 0) == 0) {
    std::string_view line;
    NextLine(&rest, &line, false);
  }
  std::string_view first_line = rest.substr(0, rest.find('\n'));
  if (!LooksLikeHeader(first_line)) {
    mail.body = ToUtf8(raw, "");
    return mail;
  }
  mail.had_headers = true;
  std::vector<Header> headers = ReadHeaders(&rest);
  if (const std::string* v = FindHeader(headers, "Subject")) mail.subject = DecodeHeaderWords(*v);
  if (const std::string* v = FindHeader(headers, "From")) {
    ParseFrom(*v, &mail.from_name, &mail.from_email);
    mail.from_email = ToUtf8(mail.from_email, "");
  }
  if (const std::string* v = FindHeader(headers, "Message-ID")) mail.message_id = ToUtf8(*v, "");
  if (const std::string* v = FindHeader(headers, "Date")) mail.date = ToUtf8(*v, "");
  std::vector<Part> parts;
  CollectParts(headers, rest, 0, &parts);
  const Part* chosen = nullptr;
  for (const Part& p : parts) {
    if (p.type == "text/plain") {
      chosen = &p;
      break;
    }
  }
  if (chosen == nullptr && !parts.empty()) chosen = &parts.front();
  if (chosen != nullptr) mail.body = chosen->text;
  return mail;
}

}  // namespace moderated::spamc

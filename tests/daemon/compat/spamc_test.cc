// Unit tests of the spamc/spamd protocol functions (daemon/compat/spamc.h).
#include "daemon/compat/spamc.h"

#include <gtest/gtest.h>

namespace moderated::spamc {
namespace {

ParseStatus Parse(std::string_view text, Request* req, size_t* head, std::string* error) {
  return ParseHead(text, 64 * 1024, req, head, error);
}

TEST(SpamcParseTest, CheckWithHeaders) {
  const std::string text =
      "CHECK SPAMC/1.5\r\nUser: alice\r\nContent-length: 12\r\nX-Unknown: whatever\r\n\r\nbody";
  Request req;
  size_t head = 0;
  std::string error;
  ASSERT_EQ(ParseStatus::kDone, Parse(text, &req, &head, &error)) << error;
  EXPECT_EQ(Command::kCheck, req.command);
  EXPECT_EQ("1.5", req.version);
  EXPECT_EQ("alice", req.user);
  ASSERT_TRUE(req.content_length.has_value());
  EXPECT_EQ(12u, *req.content_length);
  EXPECT_EQ(text.size() - 4, head);
}

TEST(SpamcParseTest, NeedsMoreUntilBlankLine) {
  Request req;
  size_t head = 0;
  std::string error;
  EXPECT_EQ(ParseStatus::kNeedMore, Parse("CHECK SPAMC/1.5\r\nContent-le", &req, &head, &error));
  EXPECT_EQ(ParseStatus::kNeedMore, Parse("SYMBOLS SPAM", &req, &head, &error));
  EXPECT_EQ(ParseStatus::kError, ParseHead("CHECK SPAMC/1.5\r\nX: y", 10, &req, &head, &error));
  EXPECT_EQ("(too many headers)", error);
}

TEST(SpamcParseTest, TellHeaders) {
  Request req;
  size_t head = 0;
  std::string error;
  ASSERT_EQ(ParseStatus::kDone,
            Parse("TELL SPAMC/1.5\r\nMessage-class: spam\r\nSet: local\r\nUser: bob\r\n"
                  "Content-length: 3\r\n\r\n",
                  &req, &head, &error));
  EXPECT_EQ(Command::kTell, req.command);
  EXPECT_EQ("spam", req.message_class);
  EXPECT_TRUE(req.set_local);
  EXPECT_FALSE(req.set_remote);
  EXPECT_FALSE(req.remove_local);
}

TEST(SpamcParseTest, PingNeedsNoBlankLine) {
  Request req;
  size_t head = 0;
  std::string error;
  ASSERT_EQ(ParseStatus::kDone, Parse("PING SPAMC/1.2\r\n", &req, &head, &error));
  EXPECT_EQ(Command::kPing, req.command);
  EXPECT_EQ(16u, head);
}

TEST(SpamcParseTest, Errors) {
  Request req;
  size_t head = 0;
  std::string error;
  EXPECT_EQ(ParseStatus::kError, Parse("FROB SPAMC/1.5\r\n\r\n", &req, &head, &error));
  EXPECT_EQ("FROB SPAMC/1.5", error);
  EXPECT_EQ(ParseStatus::kError, Parse("GET / HTTP/1.1\r\n\r\n", &req, &head, &error));
  EXPECT_EQ("GET / HTTP/1.1", error);
  EXPECT_EQ(ParseStatus::kError,
            Parse("CHECK SPAMC/1.5\r\nContent-length: 1x\r\n\r\n", &req, &head, &error));
  EXPECT_EQ("(Content-Length contains non-numeric bytes)", error);
  EXPECT_EQ(ParseStatus::kError, Parse("CHECK SPAMC/1.5\r\nnocolon\r\n\r\n", &req, &head, &error));
  EXPECT_EQ("(header not in 'Name: value' format)", error);
  EXPECT_EQ(ParseStatus::kError,
            Parse("TELL SPAMC/1.5\r\nMessage-class: eggs\r\n\r\n", &req, &head, &error));
  EXPECT_EQ("(Message-class header contains invalid class)", error);
}

// Found by fuzz/fuzz_spamc.cc: a blank first line was an error with an empty
// reason ("SPAMD/1.0 76 Bad header line: \r\n").
TEST(SpamcParseTest, EmptyRequestLineIsNamed) {
  Request req;
  size_t head = 0;
  std::string error;
  EXPECT_EQ(ParseStatus::kError, Parse("\r\nCHECK SPAMC/1.5\r\n\r\n", &req, &head, &error));
  EXPECT_EQ("(empty request line)", error);
  EXPECT_EQ(ParseStatus::kError, Parse("\n", &req, &head, &error));
  EXPECT_EQ("(empty request line)", error);
}

Result SpamResult() {
  Result r;
  r.is_spam = true;
  r.score = 15;
  r.threshold = 5;
  r.symbols = {{"casino", 4, "Casino advertising"}, {"classifier.spam", 11, "classifier: spam"}};
  return r;
}

Request Req(Command c, std::string version = "1.5") {
  Request r;
  r.command = c;
  r.version = std::move(version);
  return r;
}

TEST(SpamcFormatTest, CheckIsByteExact) {
  EXPECT_EQ("SPAMD/1.1 0 EX_OK\r\nSpam: True ; 15.0 / 5.0\r\n\r\n",
            FormatCheckReply(Req(Command::kCheck), SpamResult(), ""));
  Result ham;
  ham.score = 0.04;
  EXPECT_EQ("SPAMD/1.1 0 EX_OK\r\nSpam: False ; 0.0 / 5.0\r\n\r\n",
            FormatCheckReply(Req(Command::kCheck), ham, ""));
}

TEST(SpamcFormatTest, SymbolsCarryContentLength) {
  EXPECT_EQ(
      "SPAMD/1.1 0 EX_OK\r\nContent-length: 22\r\nSpam: True ; 15.0 / 5.0\r\n\r\n"
      "casino,classifier.spam",
      FormatCheckReply(Req(Command::kSymbols), SpamResult(), ""));
  // Protocol 1.2 clients: no Content-length, a CRLF after the symbols.
  EXPECT_EQ("SPAMD/1.1 0 EX_OK\r\nSpam: True ; 15.0 / 5.0\r\n\r\ncasino,classifier.spam\r\n",
            FormatCheckReply(Req(Command::kSymbols, "1.2"), SpamResult(), ""));
}

TEST(SpamcFormatTest, ReportTable) {
  const std::string report = FormatReport(SpamResult());
  EXPECT_EQ(
      "Spam detection software (moderated) has checked this message.\n\n"
      "Content analysis details:   (15.0 points, 5.0 required)\n\n"
      " pts rule name              description\n"
      "---- ---------------------- --------------------------------------------------\n"
      " 4.0 casino                 Casino advertising\n"
      "11.0 classifier.spam        classifier: spam\n",
      report);
  EXPECT_EQ("SPAMD/1.1 0 EX_OK\r\nContent-length: " + std::to_string(report.size()) +
                "\r\nSpam: True ; 15.0 / 5.0\r\n\r\n" + report,
            FormatCheckReply(Req(Command::kReport), SpamResult(), ""));
  // REPORT_IFSPAM says Yes/No, and sends no report for ham.
  Result ham;
  EXPECT_EQ("SPAMD/1.1 0 EX_OK\r\nContent-length: 0\r\nSpam: No ; 0.0 / 5.0\r\n\r\n",
            FormatCheckReply(Req(Command::kReportIfSpam), ham, ""));
}

TEST(SpamcFormatTest, ProcessAddsHeadersAndDropsForgedOnes) {
  const std::string message =
      "From: a@example.com\r\nX-Spam-Flag: NO\r\n  folded\r\nSubject: hi\r\n\r\nbody\r\n";
  const std::string rewritten =
      "From: a@example.com\r\nSubject: hi\r\n"
      "X-Spam-Checker-Version: moderated\r\n"
      "X-Spam-Flag: YES\r\n"
      "X-Spam-Level: ***************\r\n"
      "X-Spam-Status: Yes, score=15.0 required=5.0 tests=casino,classifier.spam "
      "autolearn=disabled\r\n"
      "\r\nbody\r\n";
  EXPECT_EQ("SPAMD/1.1 0 EX_OK\r\nContent-length: " + std::to_string(rewritten.size()) +
                "\r\nSpam: True ; 15.0 / 5.0\r\n\r\n" + rewritten,
            FormatCheckReply(Req(Command::kProcess), SpamResult(), message));
}

TEST(SpamcFormatTest, PongTellAndErrors) {
  EXPECT_EQ("SPAMD/1.5 0 PONG\r\n", FormatPong());
  EXPECT_EQ("SPAMD/1.1 0 EX_OK\r\nDidSet: local\r\n\r\n\r\n", FormatTellReply(true, false));
  EXPECT_EQ("SPAMD/1.1 0 EX_OK\r\n\r\n\r\n", FormatTellReply(false, false));
  EXPECT_EQ("SPAMD/1.0 76 Bad header line: (EOF during headers)\r\n",
            FormatError(kExProtocol, "(EOF during headers)"));
  EXPECT_EQ("SPAMD/1.0 69 Service Unavailable: Content-Length exceeds limit\r\n",
            FormatError(kExUnavailable, "Content-Length exceeds limit"));
}

TEST(SpamcMailTest, PlainText) {
  Mail m = ParseMail("Buy cheap casino chips now\n");
  EXPECT_FALSE(m.had_headers);
  EXPECT_EQ("Buy cheap casino chips now", m.Content());
}

TEST(SpamcMailTest, HeadersSubjectAndFrom) {
  Mail m = ParseMail(
      "From: \"Ivan Petrov\" <ivan@example.ru>\r\nSubject: Hello\r\n there\r\n"
      "Message-ID: <1@example.ru>\r\n\r\nThe body.\r\n");
  EXPECT_TRUE(m.had_headers);
  EXPECT_EQ("Ivan Petrov", m.from_name);
  EXPECT_EQ("ivan@example.ru", m.from_email);
  EXPECT_EQ("Hello there", m.subject);
  EXPECT_EQ("<1@example.ru>", m.message_id);
  EXPECT_EQ("Hello there\n\nThe body.", m.Content());
}

TEST(SpamcMailTest, EncodedWordsInRussianAndArabic) {
  // "Привет" in UTF-8 base64, "مرحبا" in windows-1256 quoted-printable.
  EXPECT_EQ("Привет мир", DecodeHeaderWords("=?UTF-8?B?0J/RgNC40LLQtdGC?= мир"));
  EXPECT_EQ("مرحبا", DecodeHeaderWords("=?windows-1256?Q?=E3=D1=CD=C8=C7?="));
  // Adjacent encoded words join without the space between them.
  EXPECT_EQ("ab", DecodeHeaderWords("=?us-ascii?Q?a?= =?us-ascii?Q?b?="));
  EXPECT_EQ("a b", DecodeHeaderWords("=?us-ascii?Q?a_b?="));
}

TEST(SpamcMailTest, QuotedPrintableKoi8r) {
  Mail m = ParseMail(
      "From: x@example.ru\nContent-Type: text/plain; charset=\"koi8-r\"\n"
      "Content-Transfer-Encoding: quoted-printable\n\n=F0=D2=C9=D7=C5=D4, =\n=CD=C9=D2\n");
  EXPECT_EQ("Привет, мир", m.Content());
}

TEST(SpamcMailTest, MultipartPicksTextPlainAndDecodesBase64) {
  Mail m = ParseMail(
      "From: a@example.com\r\n"
      "Content-Type: multipart/alternative; boundary=\"XYZ\"\r\n\r\n"
      "preamble\r\n"
      "--XYZ\r\n"
      "Content-Type: text/html; charset=utf-8\r\n\r\n"
      "<p>html version</p>\r\n"
      "--XYZ\r\n"
      "Content-Type: text/plain; charset=utf-8\r\n"
      "Content-Transfer-Encoding: base64\r\n\r\n"
      "2YXYsdit2KjYpyDYqNin2YTYudin2YTZhQ==\r\n"
      "--XYZ--\r\n");
  EXPECT_EQ("مرحبا بالعالم", m.body);
}

TEST(SpamcMailTest, HtmlOnlyIsStripped) {
  Mail m = ParseMail("Content-Type: text/html\n\n<p>Free &amp; easy</p>");
  EXPECT_EQ(" Free & easy ", m.body);
}

}  // namespace
}  // namespace moderated::spamc

namespace moderated::spamc {
namespace {

TEST(SpamcMessageKeyTest, MessageIdAndContentSurviveRelays) {
  const Mail a = ParseMail(
      "From: x@example.org\nMessage-ID: <id-1@example.org>\nSubject: S\n\nBody\n");
  const Mail relayed = ParseMail(
      "Received: from relay.example.org\nFrom: x@example.org\n"
      "Message-ID:  <id-1@example.org> \nSubject: S\n\nBody\n");
  EXPECT_EQ(MessageKey(a), MessageKey(relayed));
  EXPECT_EQ(0u, MessageKey(a).find("message-id:id-1@example.org:")) << MessageKey(a);
  EXPECT_EQ(28u + 16u, MessageKey(a).size());
  // The same Message-ID on other content is another key.
  const Mail other = ParseMail(
      "From: x@example.org\nMessage-ID: <id-1@example.org>\nSubject: S\n\nOther body\n");
  EXPECT_NE(MessageKey(a), MessageKey(other));
  // No Message-ID (or one too long to be an id): the content's hash.
  const std::string plain = MessageKey(ParseMail("just text\n"));
  EXPECT_EQ(0u, plain.find("sha256:"));
  EXPECT_EQ(7u + 64u, plain.size());
  const Mail long_id = ParseMail("Message-ID: <" + std::string(300, 'x') + ">\n\nBody\n");
  EXPECT_EQ(0u, MessageKey(long_id).find("sha256:"));
}

}  // namespace
}  // namespace moderated::spamc

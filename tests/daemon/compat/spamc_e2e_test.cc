// End-to-end tests of the spamc/spamd listener with Debian's real `spamc`
// client (package spamc, installed by scripts/setup.sh) over TCP and over a
// Unix socket: exit codes and exact output.
#include <sqlite3.h>

#include <gtest/gtest.h>

#include <fstream>
#include <regex>

#include "tests/testing/daemon_process.h"
#include "tests/testing/sqlite_query.h"
#include "tests/testing/temp_dir.h"

namespace moderated {
namespace {

using testing::DaemonProcess;
using testing::FirstRowSqlite;
using testing::RunCommand;
using testing::TempDir;

const std::string kRules = std::string(MODERATED_SOURCE_DIR) + "/tests/akismet/rules.yaml";
constexpr const char* kSpamc = "/usr/bin/spamc";

// 4 (casino) + 3 (free spins) + 6 (spam domain) = 13: rejected, spam.
const char* kSpamMail =
    "From: \"Lucky\" <lucky@spam.example>\n"
    "To: inbox@example.org\n"
    "Subject: Casino bonus\n"
    "Message-ID: <spam-1@spam.example>\n"
    "\n"
    "Free spins waiting for you at https://spam-casino.ru/bonus today only.\n";

// An Arabic news comment, nothing to hold.
const char* kHamMail =
    "From: =?UTF-8?B?2KPYrdmF2K8=?= <ahmad@example.org>\n"
    "Subject: =?UTF-8?B?2KrYudmE2YrZgg==?=\n"
    "Content-Type: text/plain; charset=utf-8\n"
    "Content-Transfer-Encoding: 8bit\n"
    "\n"
    "شكرا على هذا التقرير المفصل عن الانتخابات المحلية.\n";

// Russian, quoted-printable KOI8-R: "казино фриспины" = 4 + 3 = 7: held on
// score, which is spam for spamc.
const char* kRussianMail =
    "From: ivan@example.ru\n"
    "Subject: =?KOI8-R?B?8NLJ18XU?=\n"
    "Content-Type: text/plain; charset=koi8-r\n"
    "Content-Transfer-Encoding: quoted-printable\n"
    "\n"
    "=CB=C1=DA=C9=CE=CF =C6=D2=C9=D3=D0=C9=CE=D9 =D4=CF=CC=D8=CB=CF =D3=C5=C7=CF=C4=CE=D1\n";

class SpamcE2ETest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    const std::string d = dir_->path().string();
    std::ofstream(d + "/moderated.yaml") << "classifier: {spam_weight: 0, abuse_weight: 0}\n"
                                         << "spamc: {site: mail.example}\n";
    socket_ = d + "/spamd.sock";
    daemon_ = new DaemonProcess(MODERATED_BINARY, d,
                                {"--rules", kRules, "--config", d + "/moderated.yaml",
                                 "--spamc-listen", "127.0.0.1:0", "--spamc-socket", socket_});
    static const std::regex kListening(
        R"(event=listening transport=spamc-tcp addr=127\.0\.0\.1:(\d+))");
    std::smatch m;
    std::string log;
    if (daemon_->WaitForLog("transport=spamc-unix")) log = daemon_->Log();
    if (std::regex_search(log, m, kListening)) port_ = std::stoi(m[1]);
    for (auto [name, text] : {std::pair{"spam.eml", kSpamMail}, std::pair{"ham.eml", kHamMail},
                              std::pair{"ru.eml", kRussianMail}}) {
      std::ofstream(d + "/" + name, std::ios::binary) << text;
    }
  }
  static void TearDownTestSuite() {
    delete daemon_;
    delete dir_;
  }
  void SetUp() override {
    ASSERT_EQ(0, access(kSpamc, X_OK)) << "Debian's spamc is missing: run scripts/setup.sh";
    ASSERT_GT(port_, 0) << daemon_->Log();
  }

  // Runs spamc with `args` on `file` (in the temp dir); returns stdout.
  static std::string Spamc(const std::string& args, const std::string& file, int* code) {
    const std::string d = dir_->path().string();
    return RunCommand(std::string(kSpamc) + " " + args + " < " + d + "/" + file + " 2>/dev/null",
                      code);
  }
  static std::string Tcp() { return "-d 127.0.0.1 -p " + std::to_string(port_); }
  static std::string Unix() { return "-U " + socket_; }

  static TempDir* dir_;
  static DaemonProcess* daemon_;
  static std::string socket_;
  static int port_;
};

TempDir* SpamcE2ETest::dir_ = nullptr;
DaemonProcess* SpamcE2ETest::daemon_ = nullptr;
std::string SpamcE2ETest::socket_;
int SpamcE2ETest::port_ = 0;

TEST_F(SpamcE2ETest, CheckSpamAndHamOverTcpAndUnix) {
  for (const std::string& transport : {Tcp(), Unix()}) {
    int code = -1;
    EXPECT_EQ("13.0/5.0\n", Spamc("-x -c " + transport, "spam.eml", &code));
    EXPECT_EQ(1, code) << transport;
    EXPECT_EQ("0.0/5.0\n", Spamc("-x -c " + transport, "ham.eml", &code));
    EXPECT_EQ(0, code) << transport;
    EXPECT_EQ("7.0/5.0\n", Spamc("-x -c " + transport, "ru.eml", &code));
    EXPECT_EQ(1, code) << transport;
  }
}

TEST_F(SpamcE2ETest, MessagesAreStoredAsComments) {
  int code = -1;
  Spamc("-x -c " + Tcp(), "ham.eml", &code);
  auto row = FirstRowSqlite(daemon_->database(),
                 "SELECT site, author_name, author_email, content, status, meta_json FROM comments "
                 "WHERE author_email = 'ahmad@example.org' ORDER BY id DESC LIMIT 1");
  ASSERT_EQ(6u, row.size());
  EXPECT_EQ("mail.example", row[0]);
  EXPECT_EQ("أحمد", row[1]);
  EXPECT_EQ("تعليق\n\nشكرا على هذا التقرير المفصل عن الانتخابات المحلية.", row[3]);
  EXPECT_EQ("approved", row[4]);
  EXPECT_NE(std::string::npos, row[5].find("\"source\":\"spamc\"")) << row[5];

  Spamc("-x -c " + Tcp(), "ru.eml", &code);
  row = FirstRowSqlite(daemon_->database(),
            "SELECT content, status FROM comments WHERE author_email = 'ivan@example.ru' "
            "ORDER BY id DESC LIMIT 1");
  ASSERT_EQ(2u, row.size());
  EXPECT_EQ("Привет\n\nказино фриспины только сегодня", row[0]);
  EXPECT_EQ("pending", row[1]);
}

TEST_F(SpamcE2ETest, SymbolsReportAndPing) {
  int code = -1;
  EXPECT_EQ("casino,free_spins,spam_domain", Spamc("-x -y " + Tcp(), "spam.eml", &code));
  EXPECT_EQ(0, code);
  EXPECT_EQ("", Spamc("-x -y " + Unix(), "ham.eml", &code));
  EXPECT_EQ(
      "13.0/5.0\n"
      "Spam detection software (moderated) has checked this message.\n\n"
      "Content analysis details:   (13.0 points, 5.0 required)\n\n"
      " pts rule name              description\n"
      "---- ---------------------- --------------------------------------------------\n"
      " 4.0 casino                 Casino advertising\n"
      " 3.0 free_spins             Free spins offer\n"
      " 6.0 spam_domain            Link to a known spam domain\n",
      Spamc("-x -R " + Tcp(), "spam.eml", &code));
  EXPECT_EQ(0, code);  // only -c and -E turn spam into exit code 1
  EXPECT_EQ("SPAMD/1.5 0\n", Spamc("-x -K " + Tcp(), "ham.eml", &code));
  EXPECT_EQ(0, code);
  EXPECT_EQ("SPAMD/1.5 0\n", Spamc("-x -K " + Unix(), "ham.eml", &code));
  EXPECT_EQ(0, code);
}

TEST_F(SpamcE2ETest, ProcessRewritesHeaders) {
  int code = -1;
  std::string out = Spamc("-x " + Tcp(), "spam.eml", &code);
  EXPECT_EQ(0, code);  // without -E/-c, spamc exits 0 and prints the message
  EXPECT_EQ(
      "From: \"Lucky\" <lucky@spam.example>\n"
      "To: inbox@example.org\n"
      "Subject: Casino bonus\n"
      "Message-ID: <spam-1@spam.example>\n"
      "X-Spam-Checker-Version: moderated\n"
      "X-Spam-Flag: YES\n"
      "X-Spam-Level: *************\n"
      "X-Spam-Status: Yes, score=13.0 required=5.0 tests=casino,free_spins,spam_domain "
      "autolearn=disabled\n"
      "\n"
      "Free spins waiting for you at https://spam-casino.ru/bonus today only.\n",
      out);
}

TEST_F(SpamcE2ETest, TellLearnsLabels) {
  const std::string db = daemon_->database();
  int code = -1;
  // The ham message was checked before: TELL labels that comment as spam
  // and corrects its status.
  Spamc("-x -c " + Tcp(), "ham.eml", &code);
  const std::string id =
      FirstRowSqlite(db, "SELECT id FROM comments WHERE author_email = 'ahmad@example.org' ORDER BY id DESC "
              "LIMIT 1")
          .at(0);
  EXPECT_EQ("Message successfully un/learned\n", Spamc("-L spam " + Tcp(), "ham.eml", &code));
  EXPECT_EQ(0, code);
  EXPECT_EQ("rejected", FirstRowSqlite(db, "SELECT status FROM comments WHERE id = " + id).at(0));
  auto label = FirstRowSqlite(db, "SELECT label, source FROM labels WHERE comment_id = " + id +
                           " ORDER BY id DESC LIMIT 1");
  ASSERT_EQ(2u, label.size());
  EXPECT_EQ("spam", label[0]);
  EXPECT_EQ("spamc", label[1]);

  EXPECT_EQ("Message successfully un/learned\n", Spamc("-L ham " + Unix(), "ham.eml", &code));
  EXPECT_EQ(0, code);
  EXPECT_EQ("approved", FirstRowSqlite(db, "SELECT status FROM comments WHERE id = " + id).at(0));
}

// Checking the same message twice (a retry, a second MTA hop) answers the
// first verdict: it is stored once and velocity does not count it again.
class SpamcRetryE2ETest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(0, access(kSpamc, X_OK)) << "Debian's spamc is missing: run scripts/setup.sh";
    const std::string d = dir_.path().string();
    // The default rule's shape with a score that makes the verdict flip.
    std::ofstream(d + "/rules.yaml")
        << "version: 1\nrules:\n"
           "  - id: velocity.same_text\n    score: 6\n"
           "    description: The same text was posted recently\n"
           "    match: {feature: velocity_content, \">=\": 2}\n";
    std::ofstream(d + "/moderated.yaml") << "classifier: {spam_weight: 0, abuse_weight: 0}\n"
                                         << "spamc: {site: mail.example}\n";
    daemon_ = std::make_unique<DaemonProcess>(
        MODERATED_BINARY, d,
        std::vector<std::string>{"--rules", d + "/rules.yaml", "--config", d + "/moderated.yaml",
                                 "--spamc-socket", d + "/spamd.sock"});
    ASSERT_TRUE(daemon_->WaitForLog("transport=spamc-unix")) << daemon_->Log();
    auto mail = [&](const std::string& name, const std::string& message_id) {
      std::ofstream(d + "/" + name, std::ios::binary)
          << "From: reader@example.org\nSubject: Thanks\n" << message_id
          << "\nThe same words, sent by mail.\n";
    };
    mail("a.eml", "Message-ID: <a@example.org>\n");
    mail("a-relayed.eml", "Received: from relay.example.org\nMessage-ID: <a@example.org>\n");
    mail("b.eml", "Message-ID: <b@example.org>\n");
    mail("no-id.eml", "");
    std::ofstream(d + "/forged.eml", std::ios::binary)
        << "From: reader@example.org\nSubject: Thanks\nMessage-ID: <a@example.org>\n"
           "\nOther words under a borrowed Message-ID.\n";
  }
  std::string Check(const std::string& file, int* code) {
    const std::string d = dir_.path().string();
    return RunCommand(std::string(kSpamc) + " -x -c -U " + d + "/spamd.sock < " + d + "/" + file +
                          " 2>/dev/null",
                      code);
  }
  int64_t Stored() {
    return std::stoll(FirstRowSqlite(daemon_->database(), "SELECT count(*) FROM comments").at(0));
  }

  TempDir dir_;
  std::unique_ptr<DaemonProcess> daemon_;
};

TEST_F(SpamcRetryE2ETest, TheSameMessageIdIsCheckedOnce) {
  int code = -1;
  EXPECT_EQ("0.0/5.0\n", Check("a.eml", &code));
  EXPECT_EQ(0, code);
  // Again, and again after a relay added a header: the first verdict, no
  // second row, and velocity.same_text does not fire.
  EXPECT_EQ("0.0/5.0\n", Check("a.eml", &code));
  EXPECT_EQ(0, code);
  EXPECT_EQ("0.0/5.0\n", Check("a-relayed.eml", &code));
  EXPECT_EQ(0, code);
  EXPECT_EQ(1, Stored());
  const std::string key = FirstRowSqlite(daemon_->database(), "SELECT external_id FROM comments").at(0);
  EXPECT_TRUE(std::regex_match(key, std::regex("message-id:a@example\\.org:[0-9a-f]{16}"))) << key;
  // Another message with the same text is a second comment: velocity counts it.
  EXPECT_EQ("6.0/5.0\n", Check("b.eml", &code));
  EXPECT_EQ(1, code);
  EXPECT_EQ(2, Stored());
  const std::string metrics = daemon_->Unix().Get("/metrics").body;
  for (const char* sample : {"moderated_spamc_requests_total{command=\"CHECK\"} 4\n",
                             "moderated_spamc_verdicts_total{result=\"ham\"} 1\n",
                             "moderated_spamc_verdicts_total{result=\"repeat\"} 2\n",
                             "moderated_spamc_verdicts_total{result=\"spam\"} 1\n",
                             "moderated_verdicts_total{action=\"accept\",site=\"mail.example\"} 1\n"}) {
    EXPECT_NE(std::string::npos, metrics.find(sample)) << sample << metrics;
  }
}

TEST_F(SpamcRetryE2ETest, ABorrowedMessageIdWithOtherContentIsCheckedOnItsOwn) {
  int code = -1;
  EXPECT_EQ("0.0/5.0\n", Check("a.eml", &code));
  EXPECT_EQ("0.0/5.0\n", Check("forged.eml", &code));
  EXPECT_EQ(2, Stored());
}

TEST_F(SpamcRetryE2ETest, WithoutMessageIdTheContentIsTheKey) {
  int code = -1;
  EXPECT_EQ("0.0/5.0\n", Check("no-id.eml", &code));
  EXPECT_EQ("0.0/5.0\n", Check("no-id.eml", &code));
  EXPECT_EQ(0, code);
  EXPECT_EQ(1, Stored());
  const std::string key = FirstRowSqlite(daemon_->database(), "SELECT external_id FROM comments").at(0);
  EXPECT_TRUE(std::regex_match(key, std::regex("sha256:[0-9a-f]{64}"))) << key;
}

}  // namespace
}  // namespace moderated

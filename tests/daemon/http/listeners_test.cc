// tests/daemon/http/listeners_test.cc
//
// Listening sockets as both servers open them: "HOST:PORT" parsing, exact
// error messages naming the flag, port 0, and stale Unix socket files.
#include "daemon/http/listeners.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <boost/asio/local/stream_protocol.hpp>
#include <fstream>

#include "tests/testing/temp_dir.h"

namespace moderated {
namespace {

using testing::TempDir;
namespace net = boost::asio;

std::string Split(const std::string& listen) {
  std::string host, port;
  if (!ParseListen(listen, &host, &port)) return "invalid";
  return host + " | " + port;
}

TEST(ListenersTest, ParseListen) {
  EXPECT_EQ("127.0.0.1 | 8080", Split("127.0.0.1:8080"));
  EXPECT_EQ("localhost | 0", Split("localhost:0"));
  EXPECT_EQ("::1 | 9000", Split("[::1]:9000"));
  EXPECT_EQ("invalid", Split("localhost"));
  EXPECT_EQ("invalid", Split(":8080"));
  EXPECT_EQ("invalid", Split("127.0.0.1:"));
  EXPECT_EQ("invalid", Split("[::1]"));
  EXPECT_EQ("invalid", Split("[::1]:"));
  EXPECT_EQ("invalid", Split(""));
}

TEST(ListenersTest, TcpPortZeroPicksAFreePort) {
  net::io_context ioc;
  std::string error;
  auto acceptor = OpenTcpAcceptor(ioc, "127.0.0.1:0", "--listen", &error);
  ASSERT_NE(nullptr, acceptor) << error;
  const auto bound = acceptor->local_endpoint();
  EXPECT_NE(0, bound.port());
  EXPECT_EQ("127.0.0.1:" + std::to_string(bound.port()), EndpointText(bound));
  EXPECT_EQ("[::1]:80", EndpointText({net::ip::make_address("::1"), 80}));

  // The same port again: the error names the flag and the value.
  const std::string taken = "127.0.0.1:" + std::to_string(bound.port());
  EXPECT_EQ(nullptr, OpenTcpAcceptor(ioc, taken, "--spamc-listen", &error));
  EXPECT_EQ("--spamc-listen " + taken + ": Address already in use", error);
}

TEST(ListenersTest, TcpErrorsNameTheFlag) {
  net::io_context ioc;
  std::string error;
  EXPECT_EQ(nullptr, OpenTcpAcceptor(ioc, "localhost", "--listen", &error));
  EXPECT_EQ("--listen: expected HOST:PORT, got 'localhost'", error);
  EXPECT_EQ(nullptr, OpenTcpAcceptor(ioc, "no-such-host.invalid:80", "--listen", &error));
  EXPECT_EQ(0u, error.find("--listen no-such-host.invalid:80: cannot resolve: ")) << error;
}

TEST(ListenersTest, UnixSocketReplacesAStaleSocketButNoOtherFile) {
  TempDir dir;
  net::io_context ioc;
  std::string error;
  const std::string path = dir.File("run/sub/moderated.sock");  // directories are created
  {
    auto first = OpenUnixAcceptor(ioc, path, "--socket", &error);
    ASSERT_NE(nullptr, first) << error;
    struct stat st;
    ASSERT_EQ(0, ::stat(path.c_str(), &st));
    EXPECT_TRUE(S_ISSOCK(st.st_mode));
    EXPECT_EQ(0660u, st.st_mode & 0777);
  }  // closed without unlinking: the file an unclean exit leaves
  auto second = OpenUnixAcceptor(ioc, path, "--socket", &error);
  ASSERT_NE(nullptr, second) << error;
  net::local::stream_protocol::socket client(ioc);
  client.connect(net::local::stream_protocol::endpoint(path));  // the new one answers

  const std::string regular = dir.File("not-a-socket");
  std::ofstream(regular) << "keep me";
  EXPECT_EQ(nullptr, OpenUnixAcceptor(ioc, regular, "--spamc-socket", &error));
  EXPECT_EQ("--spamc-socket " + regular + ": Address already in use", error);
  std::ifstream in(regular);
  std::string text;
  std::getline(in, text);
  EXPECT_EQ("keep me", text);
}

}  // namespace
}  // namespace moderated

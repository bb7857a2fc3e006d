// tests/daemon/http/server_e2e_test.cc
//
// What one request, one client or one signal must not do to everyone else
// (docs/security.md): the real daemon on loopback and a Unix socket.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <algorithm>
#include <atomic>
#include <cstring>
#include <fstream>
#include <mutex>
#include <thread>
#include <optional>
#include <stdexcept>
#include <utility>
#include <vector>

#include "tests/testing/daemon_process.h"
#include "tests/testing/temp_dir.h"

namespace moderated {
namespace {

namespace json = boost::json;
namespace http = boost::beast::http;
using testing::DaemonProcess;
using testing::HttpClient;
using testing::HttpResult;
using testing::TempDir;

std::string Detail(const HttpResult& r) { return std::string(r.Json().at("detail").as_string()); }

std::string Comment(const std::string& id, const std::string& extra = "") {
  return R"({"site":"news.example","id":")" + id + R"(","content":"hello")" + extra + "}";
}

// A value of the Prometheus text exposition (the first series of `name`).
double Sample(const std::string& text, const std::string& name) {
  size_t at = text.find("\n" + name + " ");
  return at == std::string::npos ? -1 : std::stod(text.substr(at + name.size() + 2));
}

TEST(ServerE2ETest, ANumberJsonCannotWriteIs422AndStorageGoesOn) {
  TempDir dir;
  DaemonProcess d(MODERATED_BINARY, dir.path().string());
  HttpClient c = d.Tcp();
  HttpResult r = c.Post("/v1/comments", Comment("1", R"(,"meta":{"n":1e400})"));
  ASSERT_EQ(422u, r.status) << r.body;
  EXPECT_EQ("/meta/n is not a finite number", Detail(r));
  // Nothing stuck: every site still stores, and the daemon is healthy.
  r = c.Post("/v1/comments", Comment("2", R"(,"meta":{"big":1e300,"tiny":-5e-324})"));
  ASSERT_EQ(201u, r.status) << r.body;
  EXPECT_EQ(200u, c.Get("/healthz").status);
  EXPECT_EQ(200u, c.Get("/readyz").status);
  // Numbers beyond plain decimal come back as numbers, not as nothing.
  HttpResult got = c.Get("/v1/comments/" + std::to_string(r.Json().at("id").as_int64()));
  ASSERT_EQ(200u, got.status) << got.body;
  const json::value meta = got.Json().at("meta");
  EXPECT_EQ(1e300, meta.at("big").to_number<double>()) << got.body;
  EXPECT_EQ(-5e-324, meta.at("tiny").to_number<double>()) << got.body;
}

TEST(ServerE2ETest, CodingsOtherThanChunkedAre501AndResponsesSayNosniff) {
  TempDir dir;
  DaemonProcess d(MODERATED_BINARY, dir.path().string());
  HttpClient c = d.Tcp();
  HttpResult r = c.SendBytes(
      "POST /v1/check HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + d.admin_token() +
      "\r\nContent-Type: application/json\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
      "5\r\nhello\r\n0\r\n\r\n");
  ASSERT_EQ(501u, r.status) << r.body;
  EXPECT_EQ("Transfer-Encoding 'gzip, chunked' is not supported; send the body plain or chunked",
            Detail(r));
  HttpClient c2 = d.Tcp();
  for (const std::string& target : {"/healthz", "/v1/queue", "/nope"}) {
    r = c2.Get(target);
    EXPECT_EQ("nosniff", std::string(r.raw["X-Content-Type-Options"])) << target;
  }
}

TEST(ServerE2ETest, OneClientCannotTakeEverySlotAndIdleConnectionsMakeRoom) {
  TempDir dir;
  std::ofstream(dir.File("c.yaml")) << "limits:\n  max_connections: 4\n"
                                       "  max_connections_per_client: 3\n"
                                       "  max_unix_connections: 2\n";
  DaemonProcess d(MODERATED_BINARY, dir.path().string(), {"--config", dir.File("c.yaml")});
  // Three keep-alive connections from 127.0.0.1, each answered once.
  std::vector<HttpClient> mine;
  for (int i = 0; i < 3; ++i) {
    mine.push_back(d.Tcp());
    ASSERT_EQ(200u, mine.back().Get("/healthz").status);
  }
  HttpResult r = d.Tcp().Get("/healthz");
  ASSERT_EQ(503u, r.status) << r.body;
  EXPECT_EQ("too many connections from this address", Detail(r));
  EXPECT_EQ("1", std::string(r.raw[http::field::retry_after]));
  // The Unix socket has its own budget: health and metrics still answer.
  HttpClient local = d.Unix();
  EXPECT_EQ(200u, local.Get("/healthz").status);
  std::string metrics = local.Get("/metrics").body;
  EXPECT_EQ(1, Sample(metrics, "moderated_connections_refused_total")) << metrics;
}

TEST(ServerE2ETest, WhenFullTheLongestIdleConnectionIsClosedToMakeRoom) {
  TempDir dir;
  // A long idle timeout: only shedding can close an idle connection here.
  std::ofstream(dir.File("c.yaml")) << "limits:\n  max_connections: 3\n"
                                       "  idle_timeout_ms: 3600000\n";
  DaemonProcess d(MODERATED_BINARY, dir.path().string(), {"--config", dir.File("c.yaml")});
  std::vector<HttpClient> idle;
  for (int i = 0; i < 3; ++i) {
    idle.push_back(d.Tcp());
    ASSERT_EQ(200u, idle.back().Get("/healthz").status);
  }
  // A client has its response before the daemon has finished writing it:
  // wait until the daemon sees all three waiting for their next request, so
  // that the oldest of them is the one to go.
  HttpClient admin = d.Unix();
  while (Sample(admin.Get("/metrics").body, "moderated_connections_idle") != 3) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  // TCP is full of idle keep-alive connections: a new client is served.
  HttpClient fresh = d.Tcp();
  EXPECT_EQ(200u, fresh.Get("/healthz").status);
  // The oldest was closed (it waited for nothing): reading it finds the end
  // of the stream (were it left open, the read would hang and ctest fail it).
  EXPECT_ANY_THROW(idle[0].ReadResponse());
  EXPECT_EQ(200u, idle[2].Get("/healthz").status);
  std::string metrics = admin.Get("/metrics").body;
  EXPECT_EQ(1, Sample(metrics, "moderated_connections_shed_total")) << metrics;
}

TEST(ServerE2ETest, OverloadIsShedAt503InsteadOfQueueingForSeconds) {
  TempDir dir;
  // One I/O thread and a tiny bound, so that a few busy clients put the
  // event loop behind it.
  std::ofstream(dir.File("c.yaml")) << "limits:\n  max_queue_wait_ms: 2\n";
  DaemonProcess d(MODERATED_BINARY, dir.path().string(),
                  {"--config", dir.File("c.yaml"), "--threads", "1"});
  std::string text;
  while (text.size() < 40'000) text += "Казино онлайн بث مباشر free bonus http://spam.example ";
  const std::string body = json::serialize(json::object{{"site", "news.example"}, {"content", text}});
  std::atomic<bool> shed{false}, stop{false};
  std::atomic<int> other{0};
  std::string shed_detail, retry_after;
  std::mutex mu;
  std::vector<std::thread> clients;
  for (int t = 0; t < 8; ++t) {
    clients.emplace_back([&] {
      HttpClient c = d.Tcp();
      for (int i = 0; i < 2000 && !stop; ++i) {
        HttpResult r = c.Post("/v1/check", body);
        if (r.status == 503) {
          std::lock_guard lock(mu);
          shed_detail = Detail(r);
          retry_after = std::string(r.raw[http::field::retry_after]);
          shed = stop = true;
        } else if (r.status != 200) {
          ++other;
        }
      }
    });
  }
  for (auto& t : clients) t.join();
  ASSERT_TRUE(shed) << "no request was shed";
  EXPECT_EQ(0, other.load());
  EXPECT_EQ(0u, shed_detail.rfind("overloaded: requests wait ", 0)) << shed_detail;
  EXPECT_NE(std::string::npos, shed_detail.find(" ms, more than limits.max_queue_wait_ms (2)"))
      << shed_detail;
  EXPECT_EQ("1", retry_after);
  // Health checks are never shed, and the daemon is fine afterwards.
  HttpClient c = d.Unix();
  EXPECT_EQ(200u, c.Get("/healthz").status);
  EXPECT_GE(Sample(c.Get("/metrics").body, "moderated_requests_shed_total"), 1);
}

// A slow client: connected from `source` (a loopback address), it sends a
// request line and part of its headers, then nothing. The descriptor is
// closed by the destructor.
class SlowClient {
 public:
  SlowClient(const std::string& source, int port) : fd_(socket(AF_INET, SOCK_STREAM, 0)) {
    if (fd_ < 0) throw std::runtime_error("socket: " + std::string(strerror(errno)));
    sockaddr_in from{};
    from.sin_family = AF_INET;
    inet_pton(AF_INET, source.c_str(), &from.sin_addr);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(static_cast<uint16_t>(port));
    inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
    if (bind(fd_, reinterpret_cast<sockaddr*>(&from), sizeof from) != 0 ||
        connect(fd_, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) {
      throw std::runtime_error("connect from " + source + ": " + strerror(errno));
    }
    const std::string part = "POST /v1/comments HTTP/1.1\r\nHost: news.example\r\nContent-Ty";
    if (send(fd_, part.data(), part.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(part.size())) {
      throw std::runtime_error("send: " + std::string(strerror(errno)));
    }
  }
  SlowClient(SlowClient&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  ~SlowClient() {
    if (fd_ >= 0) close(fd_);
  }

 private:
  int fd_;
};

// 1,100 slow clients against the default limits (1,024 TCP connections, 128
// per address), from nine loopback addresses so that no address reaches its
// own limit: the Unix socket and /healthz still answer, memory stays small,
// and the read timeout closes every slow connection.
TEST(ServerE2ETest, ElevenHundredSlowClientsLeaveHealthAndTheUnixSocketAnswering) {
  // Both ends of every connection are in this machine: 2,200 descriptors
  // and the daemon's own (the child inherits the raised limit).
  rlimit files{};
  ASSERT_EQ(0, getrlimit(RLIMIT_NOFILE, &files));
  ASSERT_GE(files.rlim_max, 4096u) << "the hard open-files limit is below what 1,100 "
                                      "connections need at both ends; raise it (ulimit -Hn)";
  files.rlim_cur = std::max<rlim_t>(files.rlim_cur, 4096);
  ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &files));
  TempDir dir;
  // Long enough to hold them all while the checks run; then they must go.
  std::ofstream(dir.File("c.yaml")) << "limits:\n  read_timeout_ms: 15000\n";
  DaemonProcess d(MODERATED_BINARY, dir.path().string(), {"--config", dir.File("c.yaml")});
  std::vector<SlowClient> slow;
  for (int i = 0; i < 1100; ++i) {
    slow.emplace_back("127.0.0." + std::to_string(2 + i % 9), d.port());
  }
  HttpClient admin = d.Unix();
  std::string metrics;
  while (Sample(metrics = admin.Get("/metrics").body, "moderated_connections") < 1101) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(200u, admin.Get("/healthz").status);
  // Past 1,024, each newcomer marks the oldest connection to close after its
  // request (none is idle); the slow ones are all still in their request.
  EXPECT_EQ(1100 - 1024, Sample(metrics, "moderated_connections_shed_total")) << metrics;
  EXPECT_EQ(0, Sample(metrics, "moderated_connections_refused_total"));
  const double rss = Sample(metrics, "process_resident_memory_bytes");
  RecordProperty("rss_mb_with_1100_slow_clients", std::to_string(rss / 1e6));
  EXPECT_LT(rss, 512e6) << "1,100 slow clients should cost kilobytes each";
  // A health check over TCP is admitted and answered as well.
  EXPECT_EQ(200u, d.Tcp().Get("/healthz").status);
  // The read timeout closes the slow connections: only the Unix one is left.
  while (Sample(admin.Get("/metrics").body, "moderated_connections") > 1) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(200u, admin.Get("/healthz").status);
}

TEST(ServerE2ETest, SigtermAnswersEveryRequestThatHasArrived) {
  TempDir dir;
  DaemonProcess d(MODERATED_BINARY, dir.path().string());
  constexpr int kClients = 16;
  std::vector<HttpClient> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.push_back(d.Tcp());
    ASSERT_EQ(201u, clients.back().Post("/v1/comments", Comment("warm" + std::to_string(i))).status);
  }
  // Every keep-alive connection sends its next request; SIGTERM right after.
  std::vector<std::string> raw;
  for (int i = 0; i < kClients; ++i) {
    std::string body = Comment("last" + std::to_string(i));
    raw.push_back("POST /v1/comments HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                  d.admin_token() + "\r\nContent-Type: application/json\r\nContent-Length: " +
                  std::to_string(body.size()) + "\r\n\r\n" + body);
  }
  for (int i = 0; i < kClients; ++i) clients[i].WriteBytes(raw[i]);
  d.Signal(SIGTERM);
  int answered = 0;
  for (int i = 0; i < kClients; ++i) {
    try {
      HttpResult r = clients[i].ReadResponse();
      EXPECT_EQ(201u, r.status) << i << ": " << r.body;
      if (r.status == 201) ++answered;
    } catch (const std::exception& e) {
      ADD_FAILURE() << "request " << i << " got no answer: " << e.what();
    }
  }
  EXPECT_EQ(kClients, answered);
  EXPECT_EQ(0, d.Wait());
}

}  // namespace
}  // namespace moderated

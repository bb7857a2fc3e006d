// tests/testing/daemon_process.h
//
// DaemonProcess: runs the real `moderated serve` binary for end-to-end tests
// on an ephemeral TCP port and a Unix socket in a temp directory, and talks
// HTTP/1.1 to it with Boost.Beast. For tests only.
#ifndef MODERATED_TESTS_TESTING_DAEMON_PROCESS_H_
#define MODERATED_TESTS_TESTING_DAEMON_PROCESS_H_

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <boost/beast.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <fstream>
#include <memory>
#include <optional>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace moderated::testing {

namespace http = boost::beast::http;
namespace net = boost::asio;

struct HttpResult {
  unsigned status = 0;
  std::string content_type;
  std::string body;
  http::response<http::string_body> raw;
  boost::json::value Json() const { return boost::json::parse(body); }
};

// A keep-alive HTTP connection over TCP or a Unix socket.
class HttpClient {
 public:
  static HttpClient Tcp(int port) {
    HttpClient c;
    c.tcp_.emplace(*c.ioc_);
    c.tcp_->connect({net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)});
    return c;
  }
  static HttpClient Unix(const std::string& path) {
    HttpClient c;
    c.unix_.emplace(*c.ioc_);
    c.unix_->connect(net::local::stream_protocol::endpoint(path));
    return c;
  }
  HttpClient(HttpClient&& other) noexcept = default;

  // The Bearer token sent with every request ("" = none).
  HttpClient& WithToken(std::string token) {
    token_ = std::move(token);
    return *this;
  }

  HttpResult Send(http::verb method, const std::string& target, const std::string& body = "",
                  const std::string& content_type = "application/json",
                  const std::vector<std::pair<std::string, std::string>>& headers = {}) {
    http::request<http::string_body> req{method, target, 11};
    req.set(http::field::host, "localhost");
    if (!body.empty() || method == http::verb::post || method == http::verb::put) {
      if (!content_type.empty()) req.set(http::field::content_type, content_type);
      req.body() = body;
      req.prepare_payload();
    }
    if (!token_.empty()) req.set(http::field::authorization, "Bearer " + token_);
    for (const auto& [k, v] : headers) req.set(k, v);
    req.keep_alive(true);
    return SendRaw(req);
  }
  HttpResult Post(const std::string& target, const std::string& body) {
    return Send(http::verb::post, target, body);
  }
  HttpResult Get(const std::string& target) { return Send(http::verb::get, target); }

  HttpResult SendRaw(http::request<http::string_body>& req) {
    if (tcp_) http::write(*tcp_, req);
    else http::write(*unix_, req);
    return ReadResponse();
  }

  // Writes raw bytes only; ReadResponse() reads what comes back.
  void WriteBytes(const std::string& bytes) {
    if (tcp_) net::write(*tcp_, net::buffer(bytes));
    else net::write(*unix_, net::buffer(bytes));
  }
  // Reads one response; throws if the connection closes first.
  HttpResult ReadResponse() {
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 << 20);
    if (tcp_) http::read(*tcp_, buffer_, parser);
    else http::read(*unix_, buffer_, parser);
    HttpResult r;
    r.raw = parser.release();
    r.status = r.raw.result_int();
    r.content_type = std::string(r.raw[http::field::content_type]);
    r.body = r.raw.body();
    return r;
  }

  // Writes raw bytes and reads one response (for malformed requests).
  HttpResult SendBytes(const std::string& bytes) {
    WriteBytes(bytes);
    return ReadResponse();
  }

 private:
  HttpClient() = default;
  // Heap-allocated so that moving the client keeps the sockets' context in place.
  std::unique_ptr<net::io_context> ioc_ = std::make_unique<net::io_context>();
  std::optional<net::ip::tcp::socket> tcp_;
  std::optional<net::local::stream_protocol::socket> unix_;
  boost::beast::flat_buffer buffer_;
  std::string token_;
};

// Runs `command` with /bin/sh and returns its standard output; throws if it
// exits non-zero.
inline std::string RunCommand(const std::string& command, int* exit_code = nullptr) {
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("popen failed: " + command);
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
  int status = pclose(pipe);
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  if (exit_code != nullptr) {
    *exit_code = code;
  } else if (code != 0) {
    throw std::runtime_error("command failed (" + std::to_string(code) + "): " + command);
  }
  return out;
}

class DaemonProcess {
 public:
  // Starts `moderated serve` with --listen 127.0.0.1:0, --data-dir `dir`,
  // --socket `dir`/d.sock and `extra` arguments; waits until it listens.
  DaemonProcess(const std::string& binary, const std::string& dir,
                std::vector<std::string> extra = {}, bool expect_start = true)
      : binary_(binary), dir_(dir), log_path_(dir + "/daemon.log"), socket_path_(dir + "/d.sock") {
    // `--database URL` in `extra` (PostgreSQL): tokens go there too.
    for (size_t i = 0; i + 1 < extra.size(); ++i) {
      if (extra[i] == "--database") database_ = extra[i + 1];
    }
    // The first admin token, made the way an operator makes it: with the CLI.
    admin_token_ = CreateToken("admin");
    std::vector<std::string> args = {binary, "serve", "--listen", "127.0.0.1:0", "--data-dir",
                                     dir, "--socket", socket_path_, "--threads", "2"};
    for (auto& a : extra) args.push_back(a);
    // Truncate before fork: a restart on the same directory must never read
    // the previous run's "listening" line.
    ::close(::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644));
    pid_ = fork();
    if (pid_ == 0) {
      int fd = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      dup2(fd, 2);
      dup2(fd, 1);
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    }
    if (expect_start) WaitForPort();
  }
  ~DaemonProcess() {
    if (pid_ > 0 && !exited_) {
      kill(pid_, SIGKILL);
      int st;
      waitpid(pid_, &st, 0);
    }
  }

  // Creates a token with `moderated token create` on this daemon's database.
  std::string CreateToken(const std::string& role, const std::vector<std::string>& sites = {}) {
    std::string cmd = binary_ + " token create --data-dir " + dir_ + " --role " + role;
    if (!database_.empty()) cmd += " --database '" + database_ + "'";
    for (const auto& s : sites) cmd += " --site " + s;
    std::string out = RunCommand(cmd + " 2>/dev/null");
    while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
    return out;
  }
  const std::string& admin_token() const { return admin_token_; }

  int port() const { return port_; }
  const std::string& socket_path() const { return socket_path_; }
  std::string database() const { return database_.empty() ? dir_ + "/moderated.db" : database_; }
  pid_t pid() const { return pid_; }

  std::string Log() const {
    std::ifstream in(log_path_);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  // Connections that authenticate as the admin (WithToken() changes that).
  HttpClient Tcp() const { return std::move(HttpClient::Tcp(port_).WithToken(admin_token_)); }
  HttpClient Unix() const {
    return std::move(HttpClient::Unix(socket_path_).WithToken(admin_token_));
  }

  void Signal(int sig) { kill(pid_, sig); }

  // Waits for the process to exit; returns its exit code (or -signal).
  int Wait(std::chrono::seconds timeout = std::chrono::seconds(30)) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      int st = 0;
      pid_t r = waitpid(pid_, &st, WNOHANG);
      if (r == pid_) {
        exited_ = true;
        return WIFEXITED(st) ? WEXITSTATUS(st) : -WTERMSIG(st);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    throw std::runtime_error("daemon did not exit in time; log:\n" + Log());
  }

  // Waits until the log contains `needle`.
  bool WaitForLog(const std::string& needle,
                  std::chrono::seconds timeout = std::chrono::seconds(30)) const {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (Log().find(needle) != std::string::npos) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }

 private:
  void WaitForPort() {
    static const std::regex kListening(R"(event=listening transport=tcp addr=127\.0\.0\.1:(\d+))");
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline) {
      std::string log = Log();
      std::smatch m;
      if (std::regex_search(log, m, kListening) &&
          log.find("transport=unix") != std::string::npos) {
        port_ = std::stoi(m[1]);
        return;
      }
      int st = 0;
      if (waitpid(pid_, &st, WNOHANG) == pid_) {
        exited_ = true;
        throw std::runtime_error("daemon exited during start-up; log:\n" + log);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    throw std::runtime_error("daemon did not start listening; log:\n" + Log());
  }

  std::string binary_, dir_, log_path_, socket_path_, admin_token_, database_;
  pid_t pid_ = -1;
  int port_ = 0;
  bool exited_ = false;
};

}  // namespace moderated::testing

#endif  // MODERATED_TESTS_TESTING_DAEMON_PROCESS_H_

#include "daemon/compat/spamc_server.h"

#include <unistd.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/json.hpp>
#include <thread>

#include "base/strings.h"
#include "daemon/compat/akismet.h"
#include "daemon/api/comments.h"
#include "daemon/http/listeners.h"
#include "daemon/core/log.h"
#include "daemon/core/metrics.h"
#include "daemon/compat/spamc.h"
#include "daemon/http/wire.h"

namespace moderated {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace json = boost::json;
using tcp = net::ip::tcp;
using unix_socket = net::local::stream_protocol;

namespace {

constexpr auto kTuple = net::as_tuple(net::use_awaitable);
constexpr size_t kMaxHead = 64 * 1024;
constexpr size_t kMaxMetaString = 200;

std::string CommandName(spamc::Command c) {
  switch (c) {
    case spamc::Command::kCheck: return "CHECK";
    case spamc::Command::kSymbols: return "SYMBOLS";
    case spamc::Command::kReport: return "REPORT";
    case spamc::Command::kReportIfSpam: return "REPORT_IFSPAM";
    case spamc::Command::kProcess: return "PROCESS";
    case spamc::Command::kHeaders: return "HEADERS";
    case spamc::Command::kPing: return "PING";
    case spamc::Command::kTell: return "TELL";
    case spamc::Command::kSkip: return "SKIP";
  }
  return "?";
}

// The comment a message stands for.
CommentInput ToComment(const spamc::Mail& mail, const spamc::Request& req, const Config& config) {
  CommentInput c;
  c.site = config.spamc.site;
  for (char& ch : c.site) {
    if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
  }
  c.author_name = std::string(base::Utf8Prefix(mail.from_name, 1024));
  c.author_email = std::string(base::Utf8Prefix(mail.from_email, 320));
  c.content = std::string(base::Utf8Prefix(mail.Content(), config.limits.max_body_bytes));
  c.external_id = spamc::MessageKey(mail);
  json::object meta{{"source", "spamc"}};
  auto put = [&](const char* key, const std::string& value) {
    if (!value.empty()) meta[key] = std::string(base::Utf8Prefix(value, kMaxMetaString));
  };
  put("user", req.user);
  put("message_id", mail.message_id);
  put("date", mail.date);
  std::string text = ToJson(meta);
  c.meta_json = text.size() <= config.limits.max_meta_bytes ? text : "{\"source\":\"spamc\"}";
  return c;
}

// The parts of a stored verdict (verdict_json, docs/api.md) that a spamc
// reply needs: action, score and the reasons that are not shadow.
Verdict StoredVerdictOf(const std::string& verdict_json) {
  Verdict v;
  json::value parsed = ParseJsonOr(verdict_json, json::object());
  const json::object* o = parsed.if_object();
  if (o == nullptr) return v;
  if (const json::value* a = o->if_contains("action"); a && a->is_string()) {
    for (rules::Action action : {rules::Action::kAccept, rules::Action::kHold,
                                 rules::Action::kReject}) {
      if (rules::ActionName(action) == a->get_string()) v.action = action;
    }
  }
  if (const json::value* sc = o->if_contains("score"); sc && sc->is_number()) {
    v.score = sc->to_number<double>();
  }
  if (const json::value* rs = o->if_contains("reasons"); rs && rs->is_array()) {
    for (const json::value& r : rs->get_array()) {
      const json::object* ro = r.if_object();
      if (ro == nullptr) continue;
      VerdictReason vr;
      if (auto* x = ro->if_contains("rule"); x && x->is_string()) vr.reason.rule_id = x->get_string();
      if (auto* x = ro->if_contains("description"); x && x->is_string())
        vr.reason.description = x->get_string();
      if (auto* x = ro->if_contains("score"); x && x->is_number())
        vr.reason.score = x->to_number<double>();
      if (auto* x = ro->if_contains("shadow"); x && x->is_bool()) vr.reason.shadow = x->get_bool();
      v.reasons.push_back(std::move(vr));
    }
  }
  return v;
}

// What the head alone settles: a PING is answered, a SKIP closes, and a
// compressed or too long message is refused. True when the session ends
// here, with *answer the reply (empty: close without one).
bool AnswerFromHead(const spamc::Request& req, uint64_t max_message, std::string* answer) {
  if (req.command == spamc::Command::kPing) {
    *answer = spamc::FormatPong();
  } else if (req.command == spamc::Command::kSkip) {
    answer->clear();
  } else if (req.compressed) {
    *answer = spamc::FormatError(spamc::kExUnavailable, "Compress: zlib is not supported");
  } else if (req.content_length && *req.content_length > max_message) {
    *answer = spamc::FormatError(spamc::kExUnavailable, "Content-Length exceeds limit");
  } else {
    return false;
  }
  return true;
}

// Cuts the message to its Content-length; false with *answer set when it is
// shorter than that.
bool FitContentLength(const spamc::Request& req, std::string* message, std::string* answer) {
  if (req.content_length && message->size() > *req.content_length) {
    message->resize(*req.content_length);
  }
  if (req.content_length && message->size() != *req.content_length) {
    *answer = spamc::FormatError(
        spamc::kExProtocol, "(Content-Length mismatch: Expected " +
                                std::to_string(*req.content_length) + " bytes, got " +
                                std::to_string(message->size()) + " bytes)");
    return false;
  }
  return true;
}

// The reply's figures for a verdict read against the site's hold threshold.
spamc::Result CheckResult(const Verdict& verdict, double threshold) {
  spamc::Result result;
  result.threshold = threshold;
  result.score = verdict.score;
  result.is_spam = IsSpamVerdict(verdict, result.threshold);
  for (const VerdictReason& vr : verdict.reasons) {
    if (vr.reason.shadow) continue;
    result.symbols.push_back({vr.reason.rule_id, vr.reason.score, vr.reason.description});
  }
  return result;
}

}  // namespace

struct SpamcServer::Impl {
  explicit Impl(Services& s) : services(s), config(s.config) {}

  Services& services;
  const Config& config;
  net::io_context ioc{1};
  std::unique_ptr<tcp::acceptor> tcp_acceptor;
  std::unique_ptr<unix_socket::acceptor> unix_acceptor;
  std::string unix_path;
  std::thread thread;
  std::atomic<int> active{0};
  std::atomic<bool> stopping{false};

  template <class Acceptor>
  net::awaitable<void> Listen(Acceptor& acceptor);
  template <class Protocol>
  net::awaitable<void> Session(beast::basic_stream<Protocol, net::any_io_executor> stream);
  net::awaitable<std::string> Handle(const spamc::Request& req, std::string message);
};

template <class Acceptor>
net::awaitable<void> SpamcServer::Impl::Listen(Acceptor& acceptor) {
  using Protocol = typename Acceptor::protocol_type;
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(net::make_strand(ioc), kTuple);
    if (ec) {
      if (ec == net::error::operation_aborted || stopping) co_return;
      Log(LogLevel::kWarn, "spamc_accept_failed", {{"error", ec.message()}});
      net::steady_timer t(ioc, std::chrono::milliseconds(50));
      co_await t.async_wait(kTuple);
      continue;
    }
    if (active >= static_cast<int>(config.limits.max_connections)) {
      beast::error_code ignored;
      socket.close(ignored);  // spamc falls back (or retries) on a closed connection
      continue;
    }
    ++active;
    beast::basic_stream<Protocol, net::any_io_executor> stream(std::move(socket));
    auto ex = stream.get_executor();
    net::co_spawn(ex, Session<Protocol>(std::move(stream)), [this](std::exception_ptr e) {
      --active;
      if (!e) return;
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        Log(LogLevel::kWarn, "spamc_session_exception", {{"what", ex.what()}});
      }
    });
  }
}

template <class Protocol>
net::awaitable<void> SpamcServer::Impl::Session(
    beast::basic_stream<Protocol, net::any_io_executor> stream) {
  const auto timeout = std::chrono::milliseconds(config.limits.read_timeout_ms);
  const uint64_t max_message = config.spamc.max_message_bytes;
  std::string buffer;
  char chunk[16 * 1024];
  auto reply = [&](std::string text) -> net::awaitable<void> {
    stream.expires_after(timeout);
    co_await net::async_write(stream, net::buffer(text), kTuple);
    beast::error_code ignored;
    stream.socket().shutdown(net::socket_base::shutdown_send, ignored);
  };

  // The head: request line and headers.
  stream.expires_after(timeout);
  spamc::Request req;
  size_t head = 0;
  std::string error;
  for (;;) {
    spamc::ParseStatus st = spamc::ParseHead(buffer, kMaxHead, &req, &head, &error);
    if (st == spamc::ParseStatus::kDone) break;
    if (st == spamc::ParseStatus::kError) {
      co_await reply(spamc::FormatError(spamc::kExProtocol, error));
      co_return;
    }
    auto [ec, n] = co_await stream.async_read_some(net::buffer(chunk), kTuple);
    if (ec) {
      if (!buffer.empty() && ec == net::error::eof) {
        co_await reply(spamc::FormatError(spamc::kExProtocol, "(EOF during headers)"));
      }
      co_return;
    }
    buffer.append(chunk, n);
  }
  metrics::ObserveSpamcRequest(CommandName(req.command));
  std::string early;
  if (AnswerFromHead(req, max_message, &early)) {
    if (!early.empty()) co_await reply(std::move(early));
    co_return;
  }

  // The body: Content-length bytes, or everything up to EOF (spamc shuts
  // down its side after the message).
  std::string message = buffer.substr(head);
  buffer.clear();
  while (!req.content_length || message.size() < *req.content_length) {
    if (message.size() > max_message) {
      co_await reply(spamc::FormatError(spamc::kExUnavailable, "message exceeds limit"));
      co_return;
    }
    auto [ec, n] = co_await stream.async_read_some(net::buffer(chunk), kTuple);
    if (ec == net::error::eof) break;
    if (ec) co_return;  // timeout or reset: nobody to answer
    message.append(chunk, n);
  }
  std::string mismatch;
  if (!FitContentLength(req, &message, &mismatch)) {
    co_await reply(std::move(mismatch));
    co_return;
  }
  std::string answer;
  try {
    answer = co_await Handle(req, std::move(message));
  } catch (const std::exception& e) {
    Log(LogLevel::kError, "spamc_handler_exception", {{"what", e.what()}});
    answer = spamc::FormatError(spamc::kExSoftware, "internal error");
  }
  co_await reply(std::move(answer));
}

net::awaitable<std::string> SpamcServer::Impl::Handle(const spamc::Request& req,
                                                      std::string message) {
  spamc::Mail mail = spamc::ParseMail(message);
  CommentInput input = ToComment(mail, req, config);
  if (req.command == spamc::Command::kTell) {
    bool did_set = false;
    if (req.set_local) {
      if (req.message_class.empty()) {
        co_return spamc::FormatError(spamc::kExProtocol, "(Message-class header required)");
      }
      // Arguments as named locals: GCC 12 mishandles temporaries with
      // destructors inside a co_await expression.
      std::string label = req.message_class;
      std::string source = "spamc";
      const std::string user = req.user.empty() ? "unknown" : req.user;
      std::string actor = "spamc:" + std::string(base::Utf8Prefix(user, 64));
      ResubmitOutcome o = co_await LabelResubmitted(services, std::move(input), std::move(label),
                                                    std::move(source), std::move(actor));
      if (!o.ok) {
        co_return spamc::FormatError(spamc::kExTempFail, "storage unavailable: " + o.error);
      }
      Log(LogLevel::kInfo, "spamc_label",
          {{"label", req.message_class},
           {"comment", std::to_string(o.comment_id)},
           {"matched", o.found ? "true" : "false"}});
      did_set = true;
    }
    // Remove (forget) and remote reporting are not supported: not reported as done.
    co_return spamc::FormatTellReply(did_set, false);
  }
  const std::string site = input.site;
  std::vector<CommentInput> inputs;
  inputs.push_back(std::move(input));
  // The spamc site is the operator's (config): named in metrics.
  std::function<void(size_t, storage::Comment&)> no_customize;
  std::vector<StoredVerdict> results = co_await EvaluateAndStore(
      services, std::move(inputs), true, std::move(no_customize), /*vouched=*/true);
  const StoredVerdict& r = results.front();
  if (r.overloaded || r.ec) {
    co_return spamc::FormatError(spamc::kExTempFail,
                                 r.ec ? "storage error: " + r.ec.message()
                                      : std::string("the storage queue is full"));
  }
  // The same message checked again is answered with its first verdict.
  const Verdict verdict = r.duplicate ? StoredVerdictOf(r.verdict_json) : r.verdict;
  metrics::ObserveSpamcVerdict(IsSpamVerdict(verdict, HoldAtFor(services, site)), r.duplicate);
  const spamc::Result result = CheckResult(verdict, HoldAtFor(services, site));
  Log(LogLevel::kDebug, "spamc_checked",
      {{"command", CommandName(req.command)},
       {"comment", std::to_string(r.id)},
       {"again", r.duplicate ? "true" : "false"},
       {"bytes", std::to_string(message.size())},
       {"spam", result.is_spam ? "true" : "false"}});
  co_return spamc::FormatCheckReply(req, result, message);
}

SpamcServer::SpamcServer(Services& services) : impl_(std::make_unique<Impl>(services)) {}

SpamcServer::~SpamcServer() { Stop(); }

bool SpamcServer::Enabled(const Config& config) {
  return !config.spamc.listen.empty() || !config.spamc.socket.empty();
}

bool SpamcServer::Start(std::string* error) {
  Impl& s = *impl_;
  const SpamcConfig& c = s.config.spamc;
  if (!c.listen.empty()) {
    s.tcp_acceptor = OpenTcpAcceptor(s.ioc, c.listen, "--spamc-listen", error);
    if (!s.tcp_acceptor) return false;
    Log(LogLevel::kInfo, "listening",
        {{"transport", "spamc-tcp"}, {"addr", EndpointText(s.tcp_acceptor->local_endpoint())}});
  }
  if (!c.socket.empty()) {
    s.unix_acceptor = OpenUnixAcceptor(s.ioc, c.socket, "--spamc-socket", error);
    if (!s.unix_acceptor) return false;
    s.unix_path = c.socket;
    Log(LogLevel::kInfo, "listening", {{"transport", "spamc-unix"}, {"path", c.socket}});
  }
  if (s.tcp_acceptor) net::co_spawn(s.ioc, s.Listen(*s.tcp_acceptor), net::detached);
  if (s.unix_acceptor) net::co_spawn(s.ioc, s.Listen(*s.unix_acceptor), net::detached);
  s.thread = std::thread([&s] {
    for (;;) {
      try {
        s.ioc.run();
        return;
      } catch (const std::exception& e) {
        Log(LogLevel::kError, "spamc_loop_exception", {{"what", e.what()}});
      }
    }
  });
  return true;
}

void SpamcServer::Stop() {
  Impl& s = *impl_;
  if (!s.thread.joinable()) return;
  s.stopping = true;
  net::post(s.ioc, [&s] {
    boost::system::error_code ignored;
    if (s.tcp_acceptor) s.tcp_acceptor->close(ignored);
    if (s.unix_acceptor) s.unix_acceptor->close(ignored);
  });
  // Requests in flight finish on their own (each is one message); bounded.
  auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(s.config.shutdown_timeout_ms);
  while (s.active > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  s.ioc.stop();
  s.thread.join();
  if (!s.unix_path.empty()) ::unlink(s.unix_path.c_str());
}

}  // namespace moderated

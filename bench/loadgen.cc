// bench/loadgen.cc
//
// loadgen: an HTTP load generator for `moderated serve`.
//
// It opens --connections keep-alive connections to the daemon over loopback
// TCP (--target 127.0.0.1:PORT) or a Unix socket (--unix PATH). Closed loop
// (default): each one sends POST requests back to back, a new request leaves
// only when the previous answer has arrived. Open loop (--rate R): request k
// of connection i is due at start + (k + i/C)·C/R, whatever the answers do;
// its latency counts from that due time, so time spent waiting for a busy
// connection is part of it (no coordinated omission). Bodies come from ~30
// built-in comment templates (English, Arabic, Russian; ham and spam; links,
// e-mails, homoglyphs) with randomised numbers, or from --texts FILE (one
// text per line), and a unique `id`, so that every /v1/comments request
// stores a new row.
//
// --protocol sends the same comments to a peer filter instead, for
// bench/peers.sh: `rspamd` POSTs each as a small mail to Rspamd's /checkv2
// over keep-alive HTTP; `spamc` sends it as a spamc CHECK to SpamAssassin's
// spamd (or moderated's spamc listener), one connection per message as the
// protocol has it.
//
// --moderators M adds M closed-loop "moderators", each on its own connection
// with --moderator-token: GET /v1/queue?limit=L, then POST
// /v1/comments/{id}/decision (spam or approve) on the item of the page at
// its own index, so that moderators rarely pick the same comment. The list
// and decision latencies are reported apart from the submissions'.
//
// The run is always bounded: --warmup seconds whose answers are not measured,
// then either --duration seconds or exactly --requests measured requests.
// A watchdog closes a connection whose request has waited longer than
// --timeout seconds, so a stuck daemon cannot hang the run.
//
// Exit status: 0 if every request got a 2xx answer (and no batch item was
// rejected), 1 if any transport error or non-2xx status occurred (the numbers
// are still printed), 2 for bad flags.
//
// Threading: one io_context run by --threads threads; each connection is a
// coroutine on its own strand and owns its counters, which are merged after
// io_context::run() returns. The only shared mutable state is atomics.
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using Clock = std::chrono::steady_clock;

// ---------------------------------------------------------------------------
// Flags

struct Options {
  std::string target;     // "127.0.0.1:PORT" or "[::1]:PORT"
  std::string unix_path;  // Unix socket path
  int connections = 8;
  int threads = 1;
  double duration_s = 10;
  double warmup_s = 2;
  bool warmup_set = false;
  uint64_t requests = 0;  // 0 = run for duration_s
  std::string site = "loadgen";
  std::string token;  // Authorization: Bearer <token>
  std::string endpoint = "/v1/comments";
  int batch = 0;          // >0: POST /v1/comments/batch with this many comments
  double timeout_s = 30;  // per request
  uint64_t seed = 1;
  bool json_output = false;
  double rate = 0;              // >0: open loop, requests per second over all connections
  int moderators = 0;           // moderator loops (GET /v1/queue → POST decision)
  std::string moderator_token;  // their Authorization: Bearer token
  int queue_limit = 20;         // their page size
  std::string texts_path;       // one comment text per line (default: the templates)
  std::string protocol = "moderated";  // or "rspamd" (HTTP /checkv2), "spamc"
};

void Usage(std::ostream& out) {
  out << "usage: loadgen (--target 127.0.0.1:PORT | --unix PATH) [options]\n"
         "  --connections C     keep-alive connections, each closed-loop (default 8)\n"
         "  --threads T         client I/O threads (default 1)\n"
         "  --duration S        measured seconds (default 10)\n"
         "  --warmup S          unmeasured seconds before (default 2; 0 with --requests)\n"
         "  --requests N        measure exactly N requests instead of --duration\n"
         "  --endpoint PATH     /v1/comments (durable, default) or /v1/check (no storage)\n"
         "  --batch N           POST N comments per request to /v1/comments/batch\n"
         "  --site NAME         the comments' site (default loadgen)\n"
         "  --token TOKEN       API token sent as Authorization: Bearer (site or admin)\n"
         "  --timeout S         per-request timeout (default 30)\n"
         "  --seed N            random seed (default 1)\n"
         "  --rate R            open loop: R requests/s over all connections (default: closed\n"
         "                      loop); latency counts from each request's due time\n"
         "  --moderators M      also run M moderators: GET /v1/queue then POST a decision\n"
         "  --moderator-token T their moderator or admin token (needed with --moderators)\n"
         "  --queue-limit L     the moderators' page size (default 20)\n"
         "  --texts FILE        comment texts, one per line (default: built-in templates)\n"
         "  --protocol P        moderated (default), rspamd (POST /checkv2, a mail per\n"
         "                      comment) or spamc (CHECK, one connection per comment)\n"
         "  --json              print one JSON object instead of text\n";
}

bool ParseDouble(std::string_view s, double* out) {
  try {
    size_t used = 0;
    *out = std::stod(std::string(s), &used);
    return used == s.size() && *out >= 0;
  } catch (...) {
    return false;
  }
}

template <typename Int>
bool ParseInt(std::string_view s, Int* out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

// Returns false and writes a message to *error on bad flags.
bool ParseOptions(int argc, char** argv, Options* o, std::string* error) {
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--json") {
      o->json_output = true;
      continue;
    }
    if (arg == "--help" || arg == "-h") {
      Usage(std::cout);
      std::exit(0);
    }
    if (i + 1 >= argc) {
      *error = std::string(arg) + ": missing value (or unknown flag)";
      return false;
    }
    std::string_view v = argv[++i];
    bool ok = true;
    if (arg == "--target")
      o->target = v;
    else if (arg == "--unix")
      o->unix_path = v;
    else if (arg == "--connections")
      ok = ParseInt(v, &o->connections) && o->connections > 0;
    else if (arg == "--threads")
      ok = ParseInt(v, &o->threads) && o->threads > 0;
    else if (arg == "--duration")
      ok = ParseDouble(v, &o->duration_s) && o->duration_s > 0;
    else if (arg == "--warmup")
      ok = o->warmup_set = ParseDouble(v, &o->warmup_s);
    else if (arg == "--requests")
      ok = ParseInt(v, &o->requests) && o->requests > 0;
    else if (arg == "--site")
      ok = !(o->site = v).empty();
    else if (arg == "--token")
      ok = !(o->token = v).empty();
    else if (arg == "--endpoint")
      o->endpoint = v;
    else if (arg == "--batch")
      ok = ParseInt(v, &o->batch) && o->batch > 0 && o->batch <= 1000;
    else if (arg == "--timeout")
      ok = ParseDouble(v, &o->timeout_s) && o->timeout_s > 0;
    else if (arg == "--seed")
      ok = ParseInt(v, &o->seed);
    else if (arg == "--rate")
      ok = ParseDouble(v, &o->rate) && o->rate > 0;
    else if (arg == "--moderators")
      ok = ParseInt(v, &o->moderators) && o->moderators >= 0 && o->moderators <= 1000;
    else if (arg == "--moderator-token")
      ok = !(o->moderator_token = v).empty();
    else if (arg == "--texts")
      ok = !(o->texts_path = v).empty();
    else if (arg == "--protocol")
      ok = (o->protocol = v) == "moderated" || v == "rspamd" || v == "spamc";
    else if (arg == "--queue-limit")
      ok = ParseInt(v, &o->queue_limit) && o->queue_limit >= 1 && o->queue_limit <= 200;
    else {
      *error = "unknown flag " + std::string(arg);
      return false;
    }
    if (!ok) {
      *error = std::string(arg) + ": invalid value '" + std::string(v) + "'";
      return false;
    }
  }
  if (o->target.empty() == o->unix_path.empty()) {
    *error = "give exactly one of --target 127.0.0.1:PORT or --unix PATH";
    return false;
  }
  if (o->requests > 0 && !o->warmup_set) o->warmup_s = 0;
  if (o->moderators > 0 && o->moderator_token.empty()) {
    *error = "--moderators needs --moderator-token";
    return false;
  }
  if ((o->moderators > 0 || o->rate > 0) && o->requests > 0) {
    *error = "--rate and --moderators run for --duration, not --requests";
    return false;
  }
  if (o->protocol != "moderated") {
    if (o->batch > 0 || o->moderators > 0) {
      *error = "--batch and --moderators are for --protocol moderated";
      return false;
    }
    o->endpoint = o->protocol == "rspamd" ? "/checkv2" : "CHECK";
    return true;
  }
  if (o->batch > 0) o->endpoint = "/v1/comments/batch";
  if (o->endpoint != "/v1/comments" && o->endpoint != "/v1/check" &&
      o->endpoint != "/v1/comments/batch") {
    *error = "--endpoint must be /v1/comments or /v1/check";
    return false;
  }
  return true;
}

// Parses "HOST:PORT" and insists on a loopback address: this tool is for
// benchmarking a local daemon, never for loading someone else's server.
bool ResolveLoopback(const std::string& target, net::ip::tcp::endpoint* out, std::string* error) {
  auto colon = target.rfind(':');
  if (colon == std::string::npos) {
    *error = "--target must be HOST:PORT";
    return false;
  }
  std::string host = target.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host == "localhost") host = "127.0.0.1";
  unsigned short port = 0;
  if (!ParseInt(std::string_view(target).substr(colon + 1), &port) || port == 0) {
    *error = "--target: bad port in '" + target + "'";
    return false;
  }
  boost::system::error_code ec;
  auto addr = net::ip::make_address(host, ec);
  if (ec || !addr.is_loopback()) {
    *error = "--target must be a loopback address (127.0.0.0/8 or ::1), not '" + host + "'";
    return false;
  }
  *out = net::ip::tcp::endpoint(addr, port);
  return true;
}

// ---------------------------------------------------------------------------
// Comment bodies

struct Template {
  const char* lang;  // the "lang" hint sent, or "" to let the daemon detect it
  bool spam;         // what a human would say; for the report only
  const char* text;  // "{n}" is replaced by a random number
};

// A mix close to what a comment section sees: mostly ham, plenty of link and
// contact spam, a few evasion attempts with Cyrillic/Greek homoglyphs and
// zero-width characters.
constexpr Template kTemplates[] = {
    // English ham.
    {"en", false, "Great article, thanks! I tried step {n} and it worked on the first try."},
    {"en", false,
     "I disagree with the part about caching. In our setup with {n} nodes the hit rate was "
     "much lower than you suggest, mostly because keys expire too early."},
    {"", false, "Small typo in paragraph {n}: \"there\" should be \"their\". Otherwise spot on."},
    {"en", false,
     "Does this still apply to version {n}.2? The docs at https://docs.python.org/3/ say the "
     "behaviour changed."},
    {"en", false, "Thank you for writing this up. My daughter ({n}) loved the experiment!"},
    {"", false,
     "We had exactly the same problem last winter. Replacing the thermostat fixed it; cost "
     "about ${n} including labour."},
    {"en", false, "Can you share the dataset? I'd like to reproduce figure {n}."},
    // English spam.
    {"en", true,
     "Make ${n} a day from home!!! Click here http://easy-money-{n}.xyz/join and start TODAY"},
    {"en", true,
     "Cheap viagra cialis no prescription, best price guaranteed, order now at "
     "http://pharma{n}.top/buy?ref={n}"},
    {"en", true, "Nice post. Visit my site for free crypto giveaways: bit.ly/free-btc-{n}"},
    {"", true,
     "Contact me on whatsapp +1 555 {n} or email loans{n}@fastcash-mail.ru for a loan with "
     "no credit check"},
    {"en", true, "Best online cаsino bonus {n}% — spin now at https://win-big-{n}.click"},
    {"en", true, "F\u200BR\u200BE\u200BE iPhone {n} winner! Claim at http://claim-prize.tk/{n}"},
    {"en", true, "Gr\u0435at p\u043Est! Ch\u0435ck \u043Eut my v\u0456agra sh\u043Ep {n}"},
    {"en", true,
     "SEO services: {n} backlinks for $5. Guaranteed first page on Google. "
     "https://seo-king-{n}.com https://seo-king-{n}.net"},
    // Arabic ham.
    {"ar", false, "مقال رائع، شكراً جزيلاً على هذا الشرح الواضح. جربت الخطوة رقم {n} ونجحت."},
    {"ar", false, "أختلف معك في النقطة الثانية، لكن بقية المقال مفيد جداً. متى الجزء {n}؟"},
    {"", false, "هل يمكن تطبيق هذه الطريقة على الإصدار {n}؟ لدي مشكلة مشابهة في العمل."},
    {"ar", false, "بارك الله فيك، استفدت كثيراً. أنصح الجميع بقراءة المقال حتى النهاية."},
    // Arabic spam.
    {"ar", true, "اربح {n} دولار يومياً من المنزل! سجل الآن عبر الرابط http://rbh-sari3-{n}.com/ar"},
    {"ar", true, "أفضل كازينو أونلاين، مكافأة {n}% للتسجيل. تواصل واتساب 00966{n}"},
    {"ar", true, "قروض سريعة بدون ضمانات، راسلنا على loans{n}@gmail.com أو زر bit.ly/qard{n}"},
    // Russian ham.
    {"ru", false, "Спасибо за статью! Попробовал шаг {n}, всё заработало с первого раза."},
    {"ru", false,
     "Не согласен насчёт кэша: у нас на {n} серверах выигрыш был почти нулевой. "
     "Подробнее писал тут https://habr.com/ru/articles/{n}/"},
    {"", false, "Подскажите, а для версии {n} это тоже актуально? В документации ничего нет."},
    {"ru", false, "Отличный разбор, жду продолжения. Особенно интересна часть про индексы."},
    // Russian spam.
    {"ru", true, "Заработок от {n} рублей в день без вложений! Переходи http://dengi-{n}.ru/start"},
    {"ru", true, "Лучшее онлайн казино, бонус {n}% новым игрокам — https://kazino-{n}.online"},
    {"ru", true,
     "Кредит без справок и поручителей, пишите в телеграм @credit{n} или zaim{n}@mail.ru"},
    {"ru", true, "Дeшeвыe лeкapcтвa бeз peцeптa, дocтaвкa {n} дня: http://apteka{n}.top"},
};
constexpr size_t kTemplateCount = sizeof(kTemplates) / sizeof(kTemplates[0]);

constexpr const char* kNames[] = {"Alice",  "Bob",   "Carol", "Dmitri",  "Елена",
                                  "Иван",   "أحمد",  "فاطمة", "mike77",  "seo_expert",
                                  "Olga K", "Yusuf", "anon",  "Zhang W", "Priya"};
constexpr const char* kDomains[] = {"example.com", "mail.ru",     "gmail.com",
                                    "yandex.ru",   "hotmail.com", "example.org"};

// Builds comment JSON objects. One per connection; not thread-safe.
class BodyMaker {
 public:
  BodyMaker(uint64_t seed, std::string site, std::string id_prefix,
            const std::vector<std::string>& texts)
      : rng_(seed), site_(std::move(site)), id_prefix_(std::move(id_prefix)), texts_(texts) {}

  json::object Comment(uint64_t id) {
    const Template& t = kTemplates[Pick(kTemplateCount)];
    std::string text;
    std::string_view src = t.text;
    if (!texts_.empty()) src = texts_[Pick(texts_.size())];
    for (size_t pos = 0;;) {
      size_t at = src.find("{n}", pos);
      text.append(src.substr(pos, at - pos));
      if (at == std::string_view::npos) break;
      text += std::to_string(Pick(100000));
      pos = at + 3;
    }
    const char* name = kNames[Pick(std::size(kNames))];
    json::object author;
    author["name"] = name;
    if (Pick(4) != 0) {
      author["email"] =
          "user" + std::to_string(Pick(1000000)) + "@" + kDomains[Pick(std::size(kDomains))];
    }
    // Documentation ranges (RFC 5737) plus some loopback-ish private space.
    static constexpr const char* kNets[] = {"192.0.2.", "198.51.100.", "203.0.113.", "10.1.2."};
    author["ip"] = std::string(kNets[Pick(std::size(kNets))]) + std::to_string(1 + Pick(254));
    if (t.spam && Pick(2) == 0)
      author["url"] = "http://promo-" + std::to_string(Pick(1000)) + ".xyz/";
    json::object c;
    c["site"] = site_;
    c["id"] = id_prefix_ + std::to_string(id);
    c["thread"] = "https://blog.example/posts/" + std::to_string(Pick(500));
    c["content"] = std::move(text);
    c["author"] = std::move(author);
    if (*t.lang && texts_.empty()) c["lang"] = t.lang;
    return c;
  }

 private:
  uint64_t Pick(uint64_t n) { return std::uniform_int_distribution<uint64_t>(0, n - 1)(rng_); }

  std::mt19937_64 rng_;
  const std::string site_;
  const std::string id_prefix_;
  const std::vector<std::string>& texts_;
};

// A comment as the small mail a peer filter reads: its author in From, its
// thread in a header, its text as a UTF-8 text/plain body.
std::string MailOf(const json::object& c) {
  const json::object& author = c.at("author").as_object();
  std::string mail = "From: ";
  mail += author.at("name").as_string();
  if (const json::value* email = author.if_contains("email")) {
    mail += " <" + std::string(email->as_string()) + ">";
  }
  mail += "\r\nTo: comments@blog.example\r\nSubject: comment on ";
  mail += c.at("thread").as_string();
  mail += "\r\nMessage-ID: <" + std::string(c.at("id").as_string()) + "@loadgen>";
  mail += "\r\nX-Originating-IP: " + std::string(author.at("ip").as_string());
  mail += "\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n";
  mail += c.at("content").as_string();
  mail += "\r\n";
  return mail;
}

// ---------------------------------------------------------------------------
// Measurement

// What one connection saw. Owned by its coroutine until the run ends.
struct Stats {
  std::vector<int64_t> latency_ns;        // measured requests only
  std::map<unsigned, uint64_t> statuses;  // measured requests only
  uint64_t measured = 0;                  // requests answered in the window
  uint64_t measured_comments = 0;         // comments in those requests
  uint64_t transport_errors = 0;          // any phase
  uint64_t warmup_requests = 0;
  uint64_t warmup_failures = 0;  // non-2xx during warm-up
  uint64_t created = 0;          // comments the daemon says it stored (201s / batch items)
  uint64_t item_errors = 0;      // batch items with "error"
  uint64_t duplicates = 0;       // 200 duplicate / batch items with "duplicate"
  std::string first_error;       // first transport error or non-2xx body, for the report
  uint64_t late = 0;             // --rate: measured requests that left > 1 ms after due
};

// What one moderator saw in the measured window.
struct ModeratorStats {
  std::vector<int64_t> list_ns;            // GET /v1/queue
  std::vector<int64_t> decide_ns;          // POST /v1/comments/{id}/decision
  std::map<unsigned, uint64_t> list_statuses;
  std::map<unsigned, uint64_t> decide_statuses;
  uint64_t empty_pages = 0;  // the queue was empty
  uint64_t transport_errors = 0;
  std::string first_error;
};

// Shared by all connections; everything here is atomic or immutable.
struct Run {
  Options options;
  std::string id_prefix;
  std::string host_header;
  Clock::time_point measure_start;
  Clock::time_point measure_end;  // unused with --requests
  std::atomic<uint64_t> next_id{0};
  std::atomic<uint64_t> requests_left{0};  // with --requests: measured slots left
  std::atomic<bool> stop{false};
  std::vector<std::string> texts;  // --texts, immutable once the run starts
};

enum class Phase { kWarmup, kMeasured, kDone };

// Decides, before a request leaves, which phase it belongs to. With
// --requests a measured slot is taken from the shared counter.
Phase NextPhase(Run& run) {
  if (run.stop.load(std::memory_order_relaxed)) return Phase::kDone;
  auto now = Clock::now();
  if (now < run.measure_start) return Phase::kWarmup;
  if (run.options.requests > 0) {
    uint64_t left = run.requests_left.load(std::memory_order_relaxed);
    while (left > 0) {
      if (run.requests_left.compare_exchange_weak(left, left - 1)) return Phase::kMeasured;
    }
    return Phase::kDone;
  }
  return now < run.measure_end ? Phase::kMeasured : Phase::kDone;
}

// Per connection: the in-flight request's start (0 = idle) for the watchdog,
// and the executor its socket lives on.
struct Slot {
  std::atomic<int64_t> inflight_since_ns{0};
  std::function<void()> close;  // set once the socket exists; runs on its strand
  bool done = false;            // written on the connection's strand; read after run()
};

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
      .count();
}

// Reads the body of a 2xx batch answer and counts its per-item outcomes.
void CountBatchItems(const std::string& body, Stats* stats) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec || !v.is_object()) {
    ++stats->item_errors;
    return;
  }
  const json::value* results = v.get_object().if_contains("results");
  if (results == nullptr || !results->is_array()) {
    ++stats->item_errors;
    return;
  }
  for (const json::value& item : results->get_array()) {
    const json::object* o = item.if_object();
    if (o == nullptr || o->contains("error")) {
      ++stats->item_errors;
      if (stats->first_error.empty()) stats->first_error = json::serialize(item);
    } else if (o->contains("duplicate")) {
      ++stats->duplicates;
    } else {
      ++stats->created;
    }
  }
}

// Sends `req` on `socket` (connecting first if it is closed) and reads the
// answer into `res`, marking the slot in flight for the watchdog. Returns ""
// or what failed; after a failure, or an answer without keep-alive, the
// socket is closed so the next call reconnects.
template <typename Socket, typename Endpoint>
net::awaitable<std::string> RoundTrip(std::optional<Socket>& socket, const Endpoint& endpoint,
                                      Slot& slot, beast::flat_buffer& buffer,
                                      http::request<http::string_body>& req,
                                      http::response<http::string_body>& res) {
  if (!socket || !socket->is_open()) {
    socket.emplace(co_await net::this_coro::executor);
    buffer.clear();
    auto [ec] = co_await socket->async_connect(endpoint, net::as_tuple(net::use_awaitable));
    if (ec) co_return "connect: " + ec.message();
  }
  slot.inflight_since_ns.store(NowNs(), std::memory_order_relaxed);
  auto [wec, wn] = co_await http::async_write(*socket, req, net::as_tuple(net::use_awaitable));
  boost::system::error_code rec;
  if (!wec) {
    std::tie(rec, std::ignore) =
        co_await http::async_read(*socket, buffer, res, net::as_tuple(net::use_awaitable));
  }
  slot.inflight_since_ns.store(0, std::memory_order_relaxed);
  boost::system::error_code ignored;
  if (wec || rec) {
    socket->close(ignored);
    co_return wec ? "write: " + wec.message() : "read: " + rec.message();
  }
  if (!res.keep_alive()) {
    socket->shutdown(Socket::shutdown_both, ignored);
    socket->close(ignored);
  }
  co_return "";
}

// One spamc CHECK of `mail` on a new connection (spamd answers once and
// closes): the status line's code as an HTTP-like status in *status (200 for
// EX_OK, 500 otherwise) and the answer in *answer. Returns "" or what failed.
template <typename Socket, typename Endpoint>
net::awaitable<std::string> SpamcRoundTrip(std::optional<Socket>& socket, const Endpoint& endpoint,
                                           Slot& slot, const std::string& mail, unsigned* status,
                                           std::string* answer) {
  socket.emplace(co_await net::this_coro::executor);
  auto [cec] = co_await socket->async_connect(endpoint, net::as_tuple(net::use_awaitable));
  if (cec) co_return "connect: " + cec.message();
  slot.inflight_since_ns.store(NowNs(), std::memory_order_relaxed);
  const std::string request = "CHECK SPAMC/1.5\r\nContent-length: " +
                              std::to_string(mail.size()) + "\r\nUser: loadgen\r\n\r\n" + mail;
  auto [wec, wn] = co_await net::async_write(*socket, net::buffer(request),
                                             net::as_tuple(net::use_awaitable));
  answer->clear();
  boost::system::error_code rec;
  if (!wec) {
    std::tie(rec, std::ignore) = co_await net::async_read(
        *socket, net::dynamic_buffer(*answer), net::as_tuple(net::use_awaitable));
    if (rec == net::error::eof) rec = {};
  }
  slot.inflight_since_ns.store(0, std::memory_order_relaxed);
  boost::system::error_code ignored;
  socket->close(ignored);
  if (wec || rec) co_return wec ? "write: " + wec.message() : "read: " + rec.message();
  if (!answer->starts_with("SPAMD/1.")) co_return "not a spamd answer: " + answer->substr(0, 80);
  *status = answer->find(" 0 EX_OK") != std::string::npos ? 200 : 500;
  co_return "";
}

// Closes the slot's socket on the watchdog's request; must not outlive it.
template <typename Socket>
struct CloseHook {
  CloseHook(Slot& s, std::optional<Socket>& socket) : slot(s) {
    slot.close = [&socket]() {
      if (socket) {
        boost::system::error_code ignored;
        socket->close(ignored);
      }
    };
  }
  ~CloseHook() { slot.close = nullptr; }
  Slot& slot;
};

// One connection, closed loop or (--rate) open loop. Reconnects after a
// transport error (counted) and gives up if connecting itself fails.
template <typename Socket, typename Endpoint>
net::awaitable<void> Connection(Run& run, Slot& slot, Endpoint endpoint, uint64_t seed, int index,
                                Stats& stats) {
  auto executor = co_await net::this_coro::executor;
  const Options& o = run.options;
  BodyMaker maker(seed, o.site, run.id_prefix, run.texts);
  beast::flat_buffer buffer;
  http::request<http::string_body> req{http::verb::post, o.endpoint, 11};
  req.set(http::field::host, run.host_header);
  req.set(http::field::content_type,
          o.protocol == "rspamd" ? "message/rfc822" : "application/json");
  req.set(http::field::user_agent, "moderated-loadgen");
  if (!o.token.empty()) req.set(http::field::authorization, "Bearer " + o.token);
  req.keep_alive(true);
  const int comments_per_request = o.batch > 0 ? o.batch : 1;
  // --rate: this connection's requests are due every `period`, offset by its index.
  net::steady_timer pacer(executor);
  Clock::duration period{};
  Clock::time_point due = Clock::now();
  if (o.rate > 0) {
    period = std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double>(o.connections / o.rate));
    due += period * index / o.connections;
  }

  std::optional<Socket> socket;
  CloseHook<Socket> close_hook(slot, socket);
  for (;;) {
    if (o.rate > 0) {
      if (Clock::now() < due) {
        pacer.expires_at(due);
        co_await pacer.async_wait(net::as_tuple(net::use_awaitable));
      }
    }
    Phase phase = NextPhase(run);
    if (phase == Phase::kDone) break;
    std::string mail;
    if (o.protocol != "moderated") {
      mail = MailOf(maker.Comment(run.next_id++));
      if (o.protocol == "rspamd") req.body() = mail;
    } else if (o.batch > 0) {
      json::array items;
      for (int i = 0; i < o.batch; ++i) items.push_back(maker.Comment(run.next_id++));
      req.body() = json::serialize(json::object{{"comments", std::move(items)}});
    } else {
      req.body() = json::serialize(maker.Comment(run.next_id++));
    }
    req.prepare_payload();

    http::response<http::string_body> res;
    auto start = Clock::now();
    bool late = false;
    if (o.rate > 0) {
      late = start - due > std::chrono::milliseconds(1);
      start = due;  // the wait for this connection is part of the latency
      due += period;
    }
    std::string failure;
    if (o.protocol == "spamc") {
      unsigned spamc_status = 0;
      failure = co_await SpamcRoundTrip(socket, endpoint, slot, mail, &spamc_status, &res.body());
      res.result(spamc_status);
    } else {
      failure = co_await RoundTrip(socket, endpoint, slot, buffer, req, res);
    }
    auto elapsed = Clock::now() - start;
    if (!failure.empty()) {
      ++stats.transport_errors;
      if (stats.first_error.empty()) stats.first_error = failure;
      if (failure.starts_with("connect:")) break;  // the daemon is not there
      continue;  // reconnect; the request is lost and counted as an error
    }

    unsigned status = res.result_int();
    bool ok = status >= 200 && status < 300;
    if (!ok && stats.first_error.empty()) {
      stats.first_error = "HTTP " + std::to_string(status) + ": " + res.body().substr(0, 300);
    }
    if (ok) {
      if (o.batch > 0) {
        CountBatchItems(res.body(), &stats);
      } else if (status == 201) {
        ++stats.created;
      } else if (o.endpoint == "/v1/comments") {
        ++stats.duplicates;  // 200 on /v1/comments means "already stored"
      }
    }
    if (phase == Phase::kWarmup) {
      ++stats.warmup_requests;
      if (!ok) ++stats.warmup_failures;
    } else {
      ++stats.measured;
      if (late) ++stats.late;
      stats.measured_comments += comments_per_request;
      ++stats.statuses[status];
      stats.latency_ns.push_back(
          std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed).count());
    }
  }
  if (socket) {
    boost::system::error_code ignored;
    socket->close(ignored);
  }
  slot.done = true;
}

// One moderator: GET /v1/queue?limit=L, then a decision on the page's item
// at this moderator's index (spam or approve, alternating), back to back.
template <typename Socket, typename Endpoint>
net::awaitable<void> Moderator(Run& run, Slot& slot, Endpoint endpoint, int index,
                               ModeratorStats& stats) {
  auto executor = co_await net::this_coro::executor;
  const Options& o = run.options;
  beast::flat_buffer buffer;
  http::request<http::string_body> list{http::verb::get,
                                        "/v1/queue?limit=" + std::to_string(o.queue_limit), 11};
  http::request<http::string_body> decide{http::verb::post, "/", 11};
  for (auto* req : {&list, &decide}) {
    req->set(http::field::host, run.host_header);
    req->set(http::field::user_agent, "moderated-loadgen");
    req->set(http::field::authorization, "Bearer " + o.moderator_token);
    req->keep_alive(true);
  }
  decide.set(http::field::content_type, "application/json");
  net::steady_timer idle(executor);
  std::optional<Socket> socket;
  CloseHook<Socket> close_hook(slot, socket);
  const auto ns = [](Clock::duration d) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(d).count();
  };
  auto failed = [&](const std::string& what) {
    ++stats.transport_errors;
    if (stats.first_error.empty()) stats.first_error = what;
  };
  auto note_status = [&](const http::response<http::string_body>& res) {
    unsigned status = res.result_int();
    if ((status < 200 || status >= 300) && status != 409 && stats.first_error.empty()) {
      stats.first_error = "HTTP " + std::to_string(status) + ": " + res.body().substr(0, 300);
    }
  };
  for (uint64_t round = 0;; ++round) {
    Phase phase = NextPhase(run);
    if (phase == Phase::kDone) break;
    const bool measured = phase == Phase::kMeasured;
    http::response<http::string_body> page;
    auto t0 = Clock::now();
    std::string failure = co_await RoundTrip(socket, endpoint, slot, buffer, list, page);
    auto t1 = Clock::now();
    if (!failure.empty()) {
      failed(failure);
      if (failure.starts_with("connect:")) break;
      continue;
    }
    note_status(page);
    if (measured) {
      stats.list_ns.push_back(ns(t1 - t0));
      ++stats.list_statuses[page.result_int()];
    }
    int64_t id = 0;
    size_t items = 0;
    if (page.result_int() == 200) {
      boost::system::error_code ec;
      json::value v = json::parse(page.body(), ec);
      const json::value* arr = ec || !v.is_object() ? nullptr : v.get_object().if_contains("items");
      if (arr != nullptr && arr->is_array() && !arr->get_array().empty()) {
        items = arr->get_array().size();
        const json::value& item = arr->get_array()[static_cast<size_t>(index) % items];
        if (const json::value* idv = item.is_object() ? item.get_object().if_contains("id")
                                                      : nullptr;
            idv != nullptr && idv->is_int64()) {
          id = idv->get_int64();
        }
      }
    }
    if (id == 0) {
      if (measured && items == 0) ++stats.empty_pages;
      idle.expires_after(std::chrono::milliseconds(50));
      co_await idle.async_wait(net::as_tuple(net::use_awaitable));
      continue;
    }
    decide.target("/v1/comments/" + std::to_string(id) + "/decision");
    decide.body() = round % 2 == 0 ? R"({"decision":"spam","note":"loadgen"})"
                                   : R"({"decision":"approve","note":"loadgen"})";
    decide.prepare_payload();
    http::response<http::string_body> res;
    auto t2 = Clock::now();
    failure = co_await RoundTrip(socket, endpoint, slot, buffer, decide, res);
    auto t3 = Clock::now();
    if (!failure.empty()) {
      failed(failure);
      continue;
    }
    note_status(res);
    if (measured) {
      stats.decide_ns.push_back(ns(t3 - t2));
      ++stats.decide_statuses[res.result_int()];
    }
  }
  if (socket) {
    boost::system::error_code ignored;
    socket->close(ignored);
  }
  slot.done = true;
}

// Closes connections whose request has been in flight longer than the
// timeout, and ends when all connections have finished.
net::awaitable<void> Watchdog(Run& run, std::vector<std::unique_ptr<Slot>>& slots,
                              std::vector<net::strand<net::io_context::executor_type>>& strands,
                              std::atomic<int>& live) {
  net::steady_timer timer(co_await net::this_coro::executor);
  const int64_t timeout_ns = static_cast<int64_t>(run.options.timeout_s * 1e9);
  while (live.load() > 0) {
    timer.expires_after(std::chrono::milliseconds(200));
    co_await timer.async_wait(net::use_awaitable);
    int64_t now = NowNs();
    for (size_t i = 0; i < slots.size(); ++i) {
      int64_t since = slots[i]->inflight_since_ns.load(std::memory_order_relaxed);
      if (since != 0 && now - since > timeout_ns) {
        Slot* slot = slots[i].get();
        net::post(strands[i], [slot]() {
          if (slot->close) slot->close();
        });
      }
    }
  }
}

// The completion handler of a connection's or moderator's coroutine: an
// exception that escaped it counts as a transport error; then one fewer is live.
auto OnDone(std::atomic<int>& live, uint64_t& transport_errors, std::string& first_error) {
  return [&live, &transport_errors, &first_error](std::exception_ptr e) {
    if (e) {
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        ++transport_errors;
        if (first_error.empty()) first_error = ex.what();
      }
    }
    --live;
  };
}

double Percentile(const std::vector<int64_t>& sorted, double p) {
  if (sorted.empty()) return 0;
  // Nearest rank: the smallest sample with at least p% of samples <= it.
  size_t rank = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
  rank = std::clamp<size_t>(rank, 1, sorted.size());
  return static_cast<double>(sorted[rank - 1]) / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  std::string error;
  if (!ParseOptions(argc, argv, &options, &error)) {
    std::cerr << "loadgen: " << error << "\n";
    Usage(std::cerr);
    return 2;
  }
  net::ip::tcp::endpoint tcp_endpoint;
  if (!options.target.empty() && !ResolveLoopback(options.target, &tcp_endpoint, &error)) {
    std::cerr << "loadgen: " << error << "\n";
    return 2;
  }

  Run run;
  run.options = options;
  run.host_header = options.target.empty() ? "localhost" : options.target;
  // Unique across runs against the same database, so every request is new.
  run.id_prefix = "lg-" + std::to_string(getpid()) + "-" +
                  std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count()) +
                  "-";
  run.requests_left = options.requests;
  if (!options.texts_path.empty()) {
    std::ifstream in(options.texts_path);
    for (std::string line; std::getline(in, line);) {
      if (!line.empty()) run.texts.push_back(std::move(line));
    }
    if (run.texts.empty()) {
      std::cerr << "loadgen: --texts: no text in " << options.texts_path << "\n";
      return 2;
    }
  }

  net::io_context ioc(options.threads);
  std::vector<std::unique_ptr<Slot>> slots;
  std::vector<Stats> stats(options.connections);
  std::vector<ModeratorStats> moderator_stats(options.moderators);
  std::vector<net::strand<net::io_context::executor_type>> strands;
  std::atomic<int> live{options.connections + options.moderators};
  auto start = Clock::now();
  run.measure_start = start + std::chrono::duration_cast<Clock::duration>(
                                  std::chrono::duration<double>(options.warmup_s));
  run.measure_end = run.measure_start + std::chrono::duration_cast<Clock::duration>(
                                            std::chrono::duration<double>(options.duration_s));
  for (int i = 0; i < options.connections + options.moderators; ++i) {
    slots.push_back(std::make_unique<Slot>());
    strands.push_back(net::make_strand(ioc));
  }
  for (int i = 0; i < options.connections; ++i) {
    uint64_t seed = options.seed * 1000003u + static_cast<uint64_t>(i);
    auto done = OnDone(live, stats[i].transport_errors, stats[i].first_error);
    if (options.unix_path.empty()) {
      net::co_spawn(strands[i],
                    Connection<net::ip::tcp::socket>(run, *slots[i], tcp_endpoint, seed, i,
                                                     stats[i]),
                    done);
    } else {
      net::co_spawn(strands[i],
                    Connection<net::local::stream_protocol::socket>(
                        run, *slots[i], net::local::stream_protocol::endpoint(options.unix_path),
                        seed, i, stats[i]),
                    done);
    }
  }
  for (int m = 0; m < options.moderators; ++m) {
    const size_t k = static_cast<size_t>(options.connections + m);
    auto done = OnDone(live, moderator_stats[m].transport_errors, moderator_stats[m].first_error);
    if (options.unix_path.empty()) {
      net::co_spawn(strands[k],
                    Moderator<net::ip::tcp::socket>(run, *slots[k], tcp_endpoint, m,
                                                    moderator_stats[m]),
                    done);
    } else {
      net::co_spawn(strands[k],
                    Moderator<net::local::stream_protocol::socket>(
                        run, *slots[k], net::local::stream_protocol::endpoint(options.unix_path),
                        m, moderator_stats[m]),
                    done);
    }
  }
  net::co_spawn(ioc, Watchdog(run, slots, strands, live), net::detached);

  std::vector<std::thread> threads;
  for (int t = 1; t < options.threads; ++t) threads.emplace_back([&ioc]() { ioc.run(); });
  ioc.run();
  for (auto& t : threads) t.join();
  auto end = Clock::now();

  // Merge.
  Stats total;
  for (Stats& s : stats) {
    total.latency_ns.insert(total.latency_ns.end(), s.latency_ns.begin(), s.latency_ns.end());
    for (auto [code, n] : s.statuses) total.statuses[code] += n;
    total.measured += s.measured;
    total.measured_comments += s.measured_comments;
    total.transport_errors += s.transport_errors;
    total.warmup_requests += s.warmup_requests;
    total.warmup_failures += s.warmup_failures;
    total.created += s.created;
    total.item_errors += s.item_errors;
    total.duplicates += s.duplicates;
    total.late += s.late;
    if (total.first_error.empty()) total.first_error = s.first_error;
  }
  ModeratorStats mods;
  for (ModeratorStats& m : moderator_stats) {
    mods.list_ns.insert(mods.list_ns.end(), m.list_ns.begin(), m.list_ns.end());
    mods.decide_ns.insert(mods.decide_ns.end(), m.decide_ns.begin(), m.decide_ns.end());
    for (auto [code, n] : m.list_statuses) mods.list_statuses[code] += n;
    for (auto [code, n] : m.decide_statuses) mods.decide_statuses[code] += n;
    mods.empty_pages += m.empty_pages;
    mods.transport_errors += m.transport_errors;
    if (mods.first_error.empty()) mods.first_error = m.first_error;
  }
  std::sort(mods.list_ns.begin(), mods.list_ns.end());
  std::sort(mods.decide_ns.begin(), mods.decide_ns.end());
  std::sort(total.latency_ns.begin(), total.latency_ns.end());
  // Throughput counts requests that left inside the window, over the window;
  // with --requests the window is from the start of measurement to the end.
  double window_s = options.duration_s;
  if (options.requests > 0) {
    window_s = std::chrono::duration<double>(end - std::max(start, run.measure_start)).count();
  }
  if (window_s <= 0) window_s = 1e-9;
  uint64_t non_2xx = total.warmup_failures;
  for (auto [code, n] : total.statuses) {
    if (code < 200 || code >= 300) non_2xx += n;
  }
  double rps = static_cast<double>(total.measured) / window_s;
  double cps = static_cast<double>(total.measured_comments) / window_s;
  const double kPct[] = {50, 90, 99, 99.9};
  double pct[4];
  for (int i = 0; i < 4; ++i) pct[i] = Percentile(total.latency_ns, kPct[i]);
  double max_ms = total.latency_ns.empty() ? 0 : total.latency_ns.back() / 1e6;
  double mean_ms = 0;
  for (int64_t ns : total.latency_ns) mean_ms += static_cast<double>(ns) / 1e6;
  if (!total.latency_ns.empty()) mean_ms /= static_cast<double>(total.latency_ns.size());
  // A moderator's 409 (someone else's claim) is part of the workflow; any
  // other non-2xx is a failure.
  uint64_t moderator_failures = mods.transport_errors;
  for (const auto* statuses : {&mods.list_statuses, &mods.decide_statuses}) {
    for (auto [code, n] : *statuses) {
      if ((code < 200 || code >= 300) && code != 409) moderator_failures += n;
    }
  }
  bool failed = total.transport_errors > 0 || non_2xx > 0 || total.item_errors > 0 ||
                moderator_failures > 0;
  const auto latency_summary = [](const std::vector<int64_t>& sorted) {
    return json::object{{"count", sorted.size()},
                        {"p50", Percentile(sorted, 50)},
                        {"p99", Percentile(sorted, 99)},
                        {"max", sorted.empty() ? 0.0 : static_cast<double>(sorted.back()) / 1e6}};
  };
  const auto status_object = [](const std::map<unsigned, uint64_t>& statuses) {
    json::object out;
    for (auto [code, n] : statuses) out[std::to_string(code)] = n;
    return out;
  };
  // The client's own CPU (warm-up included): on a shared machine, what the
  // load generator took from the daemon.
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const auto cpu_ms = [](const timeval& tv) {
    return static_cast<int64_t>(tv.tv_sec) * 1000 + tv.tv_usec / 1000;
  };
  const int64_t client_user_ms = cpu_ms(usage.ru_utime);
  const int64_t client_sys_ms = cpu_ms(usage.ru_stime);

  if (options.json_output) {
    json::object statuses;
    for (auto [code, n] : total.statuses) statuses[std::to_string(code)] = n;
    json::object out{
        {"endpoint", options.endpoint},
        {"transport", options.unix_path.empty() ? "tcp" : "unix"},
        {"connections", options.connections},
        {"threads", options.threads},
        {"batch", options.batch},
        {"seconds", window_s},
        {"requests", total.measured},
        {"comments", total.measured_comments},
        {"requests_per_s", rps},
        {"comments_per_s", cps},
        {"latency_ms",
         {{"mean", mean_ms},
          {"p50", pct[0]},
          {"p90", pct[1]},
          {"p99", pct[2]},
          {"p99_9", pct[3]},
          {"max", max_ms}}},
        {"statuses", std::move(statuses)},
        {"transport_errors", total.transport_errors},
        {"non_2xx", non_2xx},
        {"batch_item_errors", total.item_errors},
        {"warmup_requests", total.warmup_requests},
        {"created_total", total.created},
        {"duplicates_total", total.duplicates},
        {"client_cpu_ms", {{"user", client_user_ms}, {"sys", client_sys_ms}}},
        {"ok", !failed},
    };
    if (!total.first_error.empty()) out["first_error"] = total.first_error;
    if (options.rate > 0) {
      out["rate"] = json::object{{"target_per_s", options.rate}, {"late_requests", total.late}};
    }
    if (options.moderators > 0) {
      json::object m{{"moderators", options.moderators},
                     {"queue_limit", options.queue_limit},
                     {"decisions_per_s", static_cast<double>(mods.decide_ns.size()) / window_s},
                     {"list_ms", latency_summary(mods.list_ns)},
                     {"decision_ms", latency_summary(mods.decide_ns)},
                     {"list_statuses", status_object(mods.list_statuses)},
                     {"decision_statuses", status_object(mods.decide_statuses)},
                     {"empty_pages", mods.empty_pages},
                     {"transport_errors", mods.transport_errors}};
      if (!mods.first_error.empty()) m["first_error"] = mods.first_error;
      out["moderators"] = std::move(m);
    }
    std::cout << json::serialize(out) << "\n";
  } else {
    std::printf("target       %s %s, %d connections, %d client threads%s\n",
                options.unix_path.empty() ? options.target.c_str() : options.unix_path.c_str(),
                options.endpoint.c_str(), options.connections, options.threads,
                options.batch > 0 ? (", batch " + std::to_string(options.batch)).c_str() : "");
    std::printf("window       %.2f s (after %.1f s warm-up, %llu warm-up requests)\n", window_s,
                options.warmup_s, static_cast<unsigned long long>(total.warmup_requests));
    std::printf("requests     %llu (%.0f req/s)\n", static_cast<unsigned long long>(total.measured),
                rps);
    std::printf("comments/s   %.0f\n", cps);
    std::printf("latency ms   mean %.3f  p50 %.3f  p90 %.3f  p99 %.3f  p99.9 %.3f  max %.3f\n",
                mean_ms, pct[0], pct[1], pct[2], pct[3], max_ms);
    std::printf("statuses    ");
    for (auto [code, n] : total.statuses) {
      std::printf(" %u:%llu", code, static_cast<unsigned long long>(n));
    }
    std::printf("\n");
    std::printf("errors       transport %llu, non-2xx %llu, batch items %llu\n",
                static_cast<unsigned long long>(total.transport_errors),
                static_cast<unsigned long long>(non_2xx),
                static_cast<unsigned long long>(total.item_errors));
    std::printf("stored       %llu created, %llu duplicates (whole run, warm-up included)\n",
                static_cast<unsigned long long>(total.created),
                static_cast<unsigned long long>(total.duplicates));
    std::printf("client cpu   user %lld ms, sys %lld ms (whole run)\n",
                static_cast<long long>(client_user_ms), static_cast<long long>(client_sys_ms));
    if (!total.first_error.empty()) std::printf("first error  %s\n", total.first_error.c_str());
    if (options.rate > 0) {
      std::printf("open loop    target %.0f req/s; %llu measured requests left > 1 ms late\n",
                  options.rate, static_cast<unsigned long long>(total.late));
    }
    if (options.moderators > 0) {
      const auto line = [](const char* what, const std::vector<int64_t>& v) {
        std::printf("%-12s %zu, p50 %.3f  p99 %.3f  max %.3f ms\n", what, v.size(),
                    Percentile(v, 50), Percentile(v, 99),
                    v.empty() ? 0.0 : static_cast<double>(v.back()) / 1e6);
      };
      std::printf("moderators   %d (page of %d), %.1f decisions/s\n", options.moderators,
                  options.queue_limit, static_cast<double>(mods.decide_ns.size()) / window_s);
      line("queue pages", mods.list_ns);
      line("decisions", mods.decide_ns);
      std::printf("mod statuses");
      for (auto [code, n] : mods.list_statuses) {
        std::printf(" list %u:%llu", code, static_cast<unsigned long long>(n));
      }
      for (auto [code, n] : mods.decide_statuses) {
        std::printf(" decide %u:%llu", code, static_cast<unsigned long long>(n));
      }
      std::printf("; empty pages %llu, transport errors %llu\n",
                  static_cast<unsigned long long>(mods.empty_pages),
                  static_cast<unsigned long long>(mods.transport_errors));
      if (!mods.first_error.empty()) std::printf("mod error    %s\n", mods.first_error.c_str());
    }
  }
  return failed ? 1 : 0;
}

#include "daemon/api.h"

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <charconv>

#include "classifiers/normalizer.h"
#include "daemon/log.h"
#include "daemon/wire.h"

namespace moderated {
namespace json = boost::json;
namespace net = boost::asio;

namespace {

constexpr std::string_view kServerName = "moderated/0.1";

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct CommitResult {
  std::error_code ec;
  bool overloaded = false;
  storage::InsertOutcome outcome;
};

// Hands `comments` to the writer and completes, on the caller's executor,
// once every one of them is committed (or failed). Overload completes at once.
template <typename CompletionToken>
auto AsyncCommit(DecisionWriter& writer, std::vector<storage::Comment> comments,
                 CompletionToken&& token) {
  return net::async_initiate<CompletionToken, void(std::vector<CommitResult>)>(
      [&writer](auto handler, std::vector<storage::Comment> comments) {
        using Handler = decltype(handler);
        struct State {
          explicit State(Handler h) : handler(std::move(h)) {}
          Handler handler;
          std::vector<CommitResult> results;
          std::atomic<size_t> left{0};
        };
        auto executor = net::get_associated_executor(handler);
        auto state = std::make_shared<State>(std::move(handler));
        size_t n = comments.size();
        state->results.resize(n);
        state->left = n;
        auto finish = [state, executor]() {
          net::post(executor, [state]() mutable {
            auto results = std::move(state->results);
            std::move(state->handler)(std::move(results));
          });
        };
        bool accepted =
            n > 0 && writer.SubmitAll(std::move(comments),
                                      [state, finish](size_t i, std::error_code ec,
                                                      const storage::InsertOutcome& o) {
                                        state->results[i].ec = ec;
                                        state->results[i].outcome = o;
                                        if (--state->left == 0) finish();
                                      });
        if (!accepted) {
          for (auto& r : state->results) r.overloaded = true;
          finish();
        }
      },
      token, std::move(comments));
}

Response JsonResponse(const Request& req, http::status status, const json::value& body) {
  Response res{status, req.version()};
  res.set(http::field::server, kServerName);
  res.set(http::field::content_type, "application/json");
  res.keep_alive(req.keep_alive());
  res.body() = ToJson(body);
  res.prepare_payload();
  return res;
}

bool IsJsonContentType(std::string_view ct) {
  auto semi = ct.find(';');
  std::string_view type = ct.substr(0, semi);
  while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
  std::string lower(type);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower == "application/json";
}

// Checks method, content type, UTF-8 and JSON syntax. On failure returns the
// problem response to send.
std::optional<Response> ParseJsonBody(const Request& req, json::value* out) {
  auto ct = req[http::field::content_type];
  if (!IsJsonContentType(ct)) {
    return Problem(req.version(), req.keep_alive(), http::status::unsupported_media_type,
                   ct.empty() ? "Content-Type must be application/json"
                              : "Content-Type must be application/json, not '" +
                                    std::string(ct) + "'");
  }
  const std::string& body = req.body();
  if (!classifiers::IsValidUtf8(body)) {
    return Problem(req.version(), req.keep_alive(), http::status::bad_request,
                   "request body is not valid UTF-8");
  }
  // stream_parser reports how far it got, so the error can name a byte offset.
  json::stream_parser parser;
  boost::system::error_code ec;
  size_t consumed = parser.write(body.data(), body.size(), ec);
  if (!ec) parser.finish(ec);
  if (ec) {
    return Problem(req.version(), req.keep_alive(), http::status::bad_request,
                   "malformed JSON at byte " + std::to_string(consumed) + ": " + ec.message());
  }
  *out = parser.release();
  return std::nullopt;
}

Response ValidationProblem(const Request& req, const std::vector<FieldError>& errors) {
  std::vector<std::pair<std::string, std::string>> list;
  for (const auto& e : errors) list.emplace_back(e.pointer, e.detail);
  std::string detail = errors.size() == 1
                           ? errors[0].pointer + " " + errors[0].detail
                           : std::to_string(errors.size()) + " fields are invalid";
  return Problem(req.version(), req.keep_alive(), http::status::unprocessable_entity, detail, list);
}

std::optional<Response> RequireMethod(const Request& req, http::verb verb, std::string_view allow) {
  if (req.method() == verb) return std::nullopt;
  Response res = Problem(req.version(), req.keep_alive(), http::status::method_not_allowed,
                         "method " + std::string(req.method_string()) + " is not allowed on " +
                             std::string(req.target()));
  res.set(http::field::allow, allow);
  return res;
}

Response Overloaded(const Request& req, std::string_view detail) {
  Response res = Problem(req.version(), req.keep_alive(), http::status::service_unavailable, detail);
  res.set(http::field::retry_after, "1");
  return res;
}

}  // namespace

Response Problem(unsigned version, bool keep_alive, http::status status, std::string_view detail,
                 const std::vector<std::pair<std::string, std::string>>& errors) {
  json::object o;
  o["type"] = "about:blank";
  o["title"] = std::string(http::obsolete_reason(status));
  o["status"] = static_cast<unsigned>(status);
  o["detail"] = detail;
  if (!errors.empty()) {
    json::array list;
    for (const auto& [pointer, d] : errors) list.push_back({{"pointer", pointer}, {"detail", d}});
    o["errors"] = std::move(list);
  }
  Response res{status, version};
  res.set(http::field::server, kServerName);
  res.set(http::field::content_type, "application/problem+json");
  res.keep_alive(keep_alive);
  res.body() = json::serialize(o);
  res.prepare_payload();
  return res;
}

ReaderPool::Lease ReaderPool::Acquire(std::string* error) {
  {
    std::lock_guard lock(mu_);
    if (!idle_.empty()) {
      auto store = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(store));
    }
  }
  auto store = storage::Store::Open(path_, storage::Store::OpenMode::kReadOnly, error);
  return Lease(this, std::move(store));
}

void ReaderPool::Return(std::unique_ptr<storage::Store> store) {
  std::lock_guard lock(mu_);
  idle_.push_back(std::move(store));
}

Api::Api(const Config& config, EngineHolder& engines, DecisionWriter& writer, ReaderPool& readers)
    : config_(config), engines_(engines), writer_(writer), readers_(readers) {}

uint64_t Api::BodyLimitFor(std::string_view target) const {
  if (target == "/v1/comments/batch") return config_.limits.max_batch_body_bytes;
  return config_.limits.max_body_bytes;
}

net::awaitable<Response> Api::Handle(Request req, Peer peer) {
  ++requests_;
  std::string_view target = req.target();
  std::string_view path = target.substr(0, target.find('?'));

  if (path == "/healthz") {
    if (auto r = RequireMethod(req, http::verb::get, "GET")) co_return std::move(*r);
    if (!writer_.healthy()) {
      co_return Problem(req.version(), req.keep_alive(), http::status::service_unavailable,
                        "storage failed: " + writer_.sticky_error().message());
    }
    co_return JsonResponse(req, http::status::ok, {{"status", "ok"}});
  }
  if (path == "/readyz") {
    if (auto r = RequireMethod(req, http::verb::get, "GET")) co_return std::move(*r);
    co_return Ready(req);
  }
  if (path == "/v1/comments") {
    if (auto r = RequireMethod(req, http::verb::post, "POST")) co_return std::move(*r);
    co_return co_await PostComments(req, /*store=*/true);
  }
  if (path == "/v1/check") {
    if (auto r = RequireMethod(req, http::verb::post, "POST")) co_return std::move(*r);
    co_return co_await PostComments(req, /*store=*/false);
  }
  if (path == "/v1/comments/batch") {
    if (auto r = RequireMethod(req, http::verb::post, "POST")) co_return std::move(*r);
    co_return co_await PostBatch(req);
  }
  constexpr std::string_view kCommentPrefix = "/v1/comments/";
  if (path.substr(0, kCommentPrefix.size()) == kCommentPrefix) {
    if (auto r = RequireMethod(req, http::verb::get, "GET")) co_return std::move(*r);
    co_return GetComment(req, path.substr(kCommentPrefix.size()));
  }
  co_return Problem(req.version(), req.keep_alive(), http::status::not_found,
                    "no such endpoint: " + std::string(path));
}

Response Api::Ready(const Request& req) {
  json::object checks;
  bool ok = true;
  auto engine = engines_.Current();
  checks["rules"] = engine ? json::value(engine->rules().version()) : json::value(nullptr);
  checks["model"] = engine ? json::value(engine->classifier().version()) : json::value(nullptr);
  ok = ok && engine != nullptr;
  std::string error;
  auto lease = readers_.Acquire(&error);
  int64_t count = 0;
  if (!lease || lease.get()->Count(&count)) {
    ok = false;
    checks["database"] = error.empty() ? "unreadable" : error;
  } else {
    checks["database"] = "ok";
  }
  if (!writer_.healthy()) {
    ok = false;
    checks["writer"] = writer_.sticky_error().message();
  } else {
    checks["writer"] = "ok";
  }
  json::object body{{"status", ok ? "ready" : "not ready"}, {"checks", std::move(checks)}};
  return JsonResponse(req, ok ? http::status::ok : http::status::service_unavailable, body);
}

net::awaitable<Response> Api::PostComments(const Request& req, bool store) {
  json::value body;
  if (auto problem = ParseJsonBody(req, &body)) co_return std::move(*problem);
  CommentInput input;
  std::vector<FieldError> errors;
  if (!ParseComment(body, "", config_.limits, &input, &errors)) {
    co_return ValidationProblem(req, errors);
  }
  auto engine = engines_.Current();  // one snapshot for the whole request
  Verdict verdict = engine->Evaluate(input);
  if (!store) {
    co_return JsonResponse(req, http::status::ok, VerdictJson(verdict, input, std::nullopt));
  }
  std::string verdict_json = ToJson(VerdictJson(verdict, input, std::nullopt));
  std::vector<storage::Comment> records;
  records.push_back(ToRecord(input, verdict, NowMs(), verdict_json));
  std::vector<CommitResult> results =
      co_await AsyncCommit(writer_, std::move(records), net::use_awaitable);
  const CommitResult& r = results.front();
  if (r.overloaded) {
    co_return Overloaded(req, writer_.healthy() ? "the storage queue is full; retry shortly"
                                                : "storage failed: " +
                                                      writer_.sticky_error().message());
  }
  if (r.ec) {
    Log(LogLevel::kError, "store_failed", {{"error", r.ec.message()}});
    co_return Overloaded(req, "storage error: " + r.ec.message());
  }
  if (r.outcome.duplicate) {
    co_return JsonResponse(req, http::status::ok,
                           StoredVerdictJson(r.outcome.verdict_json, r.outcome.id));
  }
  json::object out{{"id", r.outcome.id}};
  json::value parsed = json::parse(verdict_json);
  for (auto& kv : parsed.get_object()) out[kv.key()] = kv.value();
  co_return JsonResponse(req, http::status::created, out);
}

net::awaitable<Response> Api::PostBatch(const Request& req) {
  json::value body;
  if (auto problem = ParseJsonBody(req, &body)) co_return std::move(*problem);
  std::vector<FieldError> errors;
  const json::array* comments = nullptr;
  if (!body.is_object()) {
    errors.push_back({"", "must be a JSON object with a \"comments\" array"});
  } else {
    for (const auto& kv : body.get_object()) {
      if (kv.key() != "comments") errors.push_back({"/" + std::string(kv.key()), "unknown field"});
    }
    auto it = body.get_object().find("comments");
    if (it == body.get_object().end()) {
      errors.push_back({"/comments", "is required"});
    } else if (!it->value().is_array()) {
      errors.push_back({"/comments", "must be an array"});
    } else {
      comments = &it->value().get_array();
      if (comments->empty()) errors.push_back({"/comments", "must not be empty"});
      if (comments->size() > config_.limits.max_batch_comments) {
        errors.push_back({"/comments", "must hold at most " +
                                           std::to_string(config_.limits.max_batch_comments) +
                                           " comments"});
      }
    }
  }
  if (!errors.empty()) co_return ValidationProblem(req, errors);

  // Validate and evaluate each; invalid items get a problem object in their
  // slot, valid ones are stored together.
  auto engine = engines_.Current();
  size_t n = comments->size();
  std::vector<json::value> results(n);
  std::vector<CommentInput> inputs(n);
  std::vector<std::string> verdicts(n);
  std::vector<size_t> stored_index;
  std::vector<storage::Comment> records;
  int64_t now = NowMs();
  for (size_t i = 0; i < n; ++i) {
    std::vector<FieldError> item_errors;
    std::string pointer = "/comments/" + std::to_string(i);
    if (!ParseComment((*comments)[i], pointer, config_.limits, &inputs[i], &item_errors)) {
      json::array list;
      for (const auto& e : item_errors) list.push_back({{"pointer", e.pointer}, {"detail", e.detail}});
      results[i] = json::object{{"error", {{"type", "about:blank"},
                                           {"title", "Unprocessable Entity"},
                                           {"status", 422},
                                           {"detail", item_errors.size() == 1
                                                          ? item_errors[0].pointer + " " +
                                                                item_errors[0].detail
                                                          : std::to_string(item_errors.size()) +
                                                                " fields are invalid"},
                                           {"errors", std::move(list)}}}};
      continue;
    }
    Verdict verdict = engine->Evaluate(inputs[i]);
    verdicts[i] = ToJson(VerdictJson(verdict, inputs[i], std::nullopt));
    records.push_back(ToRecord(inputs[i], verdict, now, verdicts[i]));
    stored_index.push_back(i);
  }
  if (!records.empty()) {
    std::vector<CommitResult> committed =
        co_await AsyncCommit(writer_, std::move(records), net::use_awaitable);
    for (size_t k = 0; k < committed.size(); ++k) {
      if (committed[k].overloaded) {
        co_return Overloaded(req, "the storage queue is full; retry shortly");
      }
      if (committed[k].ec) {
        co_return Overloaded(req, "storage error: " + committed[k].ec.message());
      }
    }
    for (size_t k = 0; k < committed.size(); ++k) {
      size_t i = stored_index[k];
      const storage::InsertOutcome& o = committed[k].outcome;
      json::object item;
      if (o.duplicate) {
        item = StoredVerdictJson(o.verdict_json, o.id);
        item["duplicate"] = true;
      } else {
        item = StoredVerdictJson(verdicts[i], o.id);
      }
      results[i] = std::move(item);
    }
  }
  json::array out;
  for (auto& r : results) out.push_back(std::move(r));
  co_return JsonResponse(req, http::status::ok, {{"results", std::move(out)}});
}

Response Api::GetComment(const Request& req, std::string_view id_text) {
  int64_t id = 0;
  auto [p, ec] = std::from_chars(id_text.data(), id_text.data() + id_text.size(), id);
  if (ec != std::errc() || p != id_text.data() + id_text.size() || id <= 0) {
    return Problem(req.version(), req.keep_alive(), http::status::not_found,
                   "no comment with id '" + std::string(id_text) + "'");
  }
  std::string error;
  auto lease = readers_.Acquire(&error);
  if (!lease) {
    return Overloaded(req, "database unavailable: " + error);
  }
  storage::Comment comment;
  std::error_code sec = lease.get()->Get(id, &comment);
  if (sec == storage::Errc::not_found) {
    return Problem(req.version(), req.keep_alive(), http::status::not_found,
                   "no comment with id " + std::to_string(id));
  }
  if (sec) return Overloaded(req, "database error: " + sec.message());
  return JsonResponse(req, http::status::ok, CommentJson(comment));
}

}  // namespace moderated

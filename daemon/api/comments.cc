#include "daemon/api/comments.h"

#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <charconv>

#include "daemon/core/log.h"
#include "daemon/core/metrics.h"
#include "daemon/core/privacy.h"
#include "daemon/api/routes.h"
#include "daemon/http/wire.h"

namespace moderated {
namespace json = boost::json;
namespace net = boost::asio;

namespace {

// Rules see author reputation counts that stop here: a bounded read per
// comment even for an IP with millions of comments behind it (docs/rules.md).
constexpr int64_t kReputationCap = 1000;

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

std::string StorageTrouble(Services& s, const StoredVerdict& r) {
  if (r.overloaded) {
    return s.writer.healthy() ? "the storage queue is full; retry shortly"
                              : "storage failed: " + s.writer.sticky_error().message();
  }
  return "storage error: " + r.ec.message();
}

// The verdict text with our id as its first member. verdict_json is always a
// non-empty object ("{\"site\":...}"), so splicing text avoids a parse and a
// re-serialisation per request.
std::string WithId(const std::string& verdict_json, int64_t id) {
  return "{\"id\":" + std::to_string(id) + "," + verdict_json.substr(1);
}

net::awaitable<Response> PostComment(Services& s, const Request& req, const RequestContext& ctx,
                                     bool store) {
  if (auto r = RequireMethod(req, http::verb::post, "POST")) co_return std::move(*r);
  if (auto r = RequireRole(req, ctx, {Role::kSite, Role::kAdmin})) co_return std::move(*r);
  json::value body;
  if (auto problem = ParseJsonBody(req, &body)) co_return std::move(*problem);
  CommentInput input;
  std::vector<FieldError> errors;
  if (!ParseComment(body, "", s.config.limits, &input, &errors)) {
    co_return ValidationProblem(req, errors);
  }
  if (auto r = RequireSite(req, ctx, input.site)) co_return std::move(*r);
  std::vector<CommentInput> inputs;
  inputs.push_back(std::move(input));
  std::vector<StoredVerdict> results = co_await EvaluateAndStore(s, std::move(inputs), store);
  const StoredVerdict& r = results.front();
  if (!store) {
    co_return TextResponse(req, http::status::ok, "application/json", r.verdict_json);
  }
  if (r.overloaded || r.ec) {
    if (r.ec) Log(LogLevel::kError, "store_failed", {{"error", r.ec.message()}});
    co_return Overloaded(req, StorageTrouble(s, r));
  }
  co_return TextResponse(req, r.duplicate ? http::status::ok : http::status::created,
                         "application/json", WithId(r.verdict_json, r.id));
}

net::awaitable<Response> PostBatch(Services& s, const Request& req, const RequestContext& ctx) {
  if (auto r = RequireMethod(req, http::verb::post, "POST")) co_return std::move(*r);
  if (auto r = RequireRole(req, ctx, {Role::kSite, Role::kAdmin})) co_return std::move(*r);
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
      if (comments->size() > s.config.limits.max_batch_comments) {
        errors.push_back({"/comments", "must hold at most " +
                                           std::to_string(s.config.limits.max_batch_comments) +
                                           " comments"});
      }
    }
  }
  if (!errors.empty()) co_return ValidationProblem(req, errors);

  // Invalid items get a problem object in their slot; valid ones are stored
  // together.
  size_t n = comments->size();
  std::vector<json::value> results(n);
  std::vector<CommentInput> inputs;
  std::vector<size_t> index;
  for (size_t i = 0; i < n; ++i) {
    std::vector<FieldError> item_errors;
    CommentInput input;
    if (!ParseComment((*comments)[i], "/comments/" + std::to_string(i), s.config.limits, &input,
                      &item_errors)) {
      json::array list;
      for (const auto& e : item_errors) {
        list.push_back({{"pointer", e.pointer}, {"detail", e.detail}});
      }
      results[i] = json::object{
          {"error",
           {{"type", "about:blank"},
            {"title", "Unprocessable Entity"},
            {"status", 422},
            {"detail", item_errors.size() == 1
                           ? item_errors[0].pointer + " " + item_errors[0].detail
                           : std::to_string(item_errors.size()) + " fields are invalid"},
            {"errors", std::move(list)}}}};
      continue;
    }
    if (auto r = RequireSite(req, ctx, input.site)) co_return std::move(*r);
    inputs.push_back(std::move(input));
    index.push_back(i);
  }
  if (!inputs.empty()) {
    std::vector<StoredVerdict> stored = co_await EvaluateAndStore(s, std::move(inputs), true);
    for (const StoredVerdict& r : stored) {
      if (r.overloaded || r.ec) co_return Overloaded(req, StorageTrouble(s, r));
    }
    for (size_t k = 0; k < stored.size(); ++k) {
      json::object item = StoredVerdictJson(stored[k].verdict_json, stored[k].id);
      if (stored[k].duplicate) item["duplicate"] = true;
      results[index[k]] = std::move(item);
    }
  }
  json::array out;
  for (auto& r : results) out.push_back(std::move(r));
  co_return JsonResponse(req, http::status::ok, {{"results", std::move(out)}});
}

net::awaitable<Response> GetComment(Services& s, const Request& req, const RequestContext& ctx) {
  if (auto r = RequireMethod(req, http::verb::get, "GET")) co_return std::move(*r);
  std::string_view id_text = ctx.path.substr(std::string_view("/v1/comments/").size());
  int64_t id = 0;
  auto [p, ec] = std::from_chars(id_text.data(), id_text.data() + id_text.size(), id);
  if (ec != std::errc() || p != id_text.data() + id_text.size() || id <= 0) {
    co_return Problem(req, http::status::not_found,
                      "no comment with id '" + std::string(id_text) + "'");
  }
  std::string error;
  auto lease = s.readers.Acquire(&error);
  if (!lease) co_return Overloaded(req, "database unavailable: " + error);
  storage::Comment comment;
  std::error_code sec = lease->Get(id, &comment);
  // Another site's comment is reported as missing: its existence is not ours to reveal.
  if (sec == storage::Errc::not_found || (!sec && !ctx.principal->CanAccessSite(comment.site))) {
    co_return Problem(req, http::status::not_found, "no comment with id " + std::to_string(id));
  }
  if (sec) co_return Overloaded(req, "database error: " + sec.message());
  co_return JsonResponse(req, http::status::ok, CommentJson(comment));
}

}  // namespace

net::awaitable<std::vector<StoredVerdict>> EvaluateAndStore(
    Services& s, std::vector<CommentInput> inputs, bool store,
    std::function<void(size_t, storage::Comment&)> customize) {
  auto engine = s.engines.Current();  // one snapshot for the whole request
  std::vector<StoredVerdict> out(inputs.size());
  std::vector<storage::Comment> records;
  int64_t now = base::NowMs();
  // Author reputation costs an indexed read per comment, so it is looked up
  // only when some rule reads it. The lease goes back to the pool before the
  // commit wait below; no lease (pool exhausted) reads as 0.
  const bool wants_reputation = engine->rules().UsesFeature("author_approved") ||
                                engine->rules().UsesFeature("author_rejected");
  std::string reader_error;
  std::optional<ReaderPool::Lease> reader;
  if (wants_reputation) reader.emplace(s.readers.Acquire(&reader_error));
  for (size_t i = 0; i < inputs.size(); ++i) {
    // Only comments being stored count towards velocity (not dry runs).
    // Reputation is by e-mail when there is one, else by IP.
    storage::Reputation reputation;
    const storage::Reputation* rep = nullptr;
    const bool by_email = !inputs[i].author_email.empty();
    if (reader && *reader && (by_email || !inputs[i].author_ip.empty())) {
      storage::Reputation email_rep, ip_rep;
      const std::string no_key;
      if (!(*reader)->GetReputation(
              by_email ? inputs[i].author_email : no_key,
              by_email ? no_key : StoredIp(s.config.privacy, inputs[i].author_ip), std::nullopt,
              &email_rep, &ip_rep, kReputationCap)) {
        reputation = by_email ? email_rep : ip_rep;
        rep = &reputation;
      }
    }
    out[i].verdict = engine->Evaluate(
        inputs[i], {.record_velocity = store, .now_ms = now, .reputation = rep});
    metrics::ObserveVerdict(inputs[i].site, out[i].verdict);
    out[i].verdict_json = ToJson(VerdictJson(out[i].verdict, inputs[i], std::nullopt));
    if (store) {
      records.push_back(ToRecord(inputs[i], out[i].verdict, now, out[i].verdict_json));
      // Rules saw the real IP; storage may keep only its keyed hash.
      records.back().author_ip = StoredIp(s.config.privacy, records.back().author_ip);
      if (customize) customize(i, records.back());
    }
  }
  reader.reset();
  if (!store || records.empty()) co_return out;
  std::vector<CommitResult> committed =
      co_await AsyncCommit(s.writer, std::move(records), net::use_awaitable);
  for (size_t i = 0; i < committed.size(); ++i) {
    out[i].ec = committed[i].ec;
    out[i].overloaded = committed[i].overloaded;
    out[i].id = committed[i].outcome.id;
    out[i].duplicate = committed[i].outcome.duplicate;
    if (out[i].duplicate) out[i].verdict_json = committed[i].outcome.verdict_json;
  }
  co_return out;
}

void RegisterCommentRoutes(Router& router, const Config& config) {
  using A = Router::Access;
  router.Add("/v1/comments", A::kAuthenticated,
             [](Services& s, const Request& req, const RequestContext& ctx) {
               return PostComment(s, req, ctx, /*store=*/true);
             });
  router.Add("/v1/check", A::kAuthenticated,
             [](Services& s, const Request& req, const RequestContext& ctx) {
               return PostComment(s, req, ctx, /*store=*/false);
             });
  router.Add("/v1/comments/batch", A::kAuthenticated, PostBatch,
             config.limits.max_batch_body_bytes);
  router.Add("/v1/comments/", A::kAuthenticated, GetComment);
}

}  // namespace moderated

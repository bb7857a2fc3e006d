// Comments (docs/api.md, "Comments"):
//   POST /v1/comments          evaluate and store one comment → 201 (200 for a repeat)
//   POST /v1/check             evaluate only (a dry run)
//   POST /v1/comments/batch    up to limits.max_batch_comments in one request
//   GET  /v1/comments/{id}     the stored comment with its verdict
//   GET  /v1/comments?site=&changed_since=   polling for outcomes
#include "daemon/api/comments.h"

#include <algorithm>
#include <atomic>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <optional>

#include "base/strings.h"
#include "base/time.h"
#include "daemon/api/cursor.h"
#include "daemon/api/handlers.h"
#include "daemon/core/log.h"
#include "daemon/core/metrics.h"
#include "daemon/core/privacy.h"
#include "daemon/engine/spot_check.h"
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
        bool accepted = n > 0 && writer.SubmitAll(std::move(comments),
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

// The author's stored comments by status, for the author_approved /
// author_rejected rule features: by e-mail when there is one, else by IP.
// False when there is nothing to look up or the read fails (the features
// then read 0).
bool LookUpReputation(storage::Store& reader, const PrivacyConfig& privacy,
                      const CommentInput& input, storage::Reputation* out) {
  const bool by_email = !input.author_email.empty();
  if (!by_email && input.author_ip.empty()) return false;
  storage::Reputation email_rep, ip_rep;
  const std::string no_key;
  if (reader.GetReputation(by_email ? input.author_email : no_key,
                           by_email ? no_key : StoredIp(privacy, input.author_ip), std::nullopt,
                           &email_rep, &ip_rep, kReputationCap)) {
    return false;
  }
  *out = by_email ? email_rep : ip_rep;
  return true;
}

// Spot checks (daemon/engine/spot_check.h): an accepted comment being stored
// is sampled for review with its site's share (registry over rule file).
bool SampleAccepted(const Engine& engine, const CommentInput& input, const Verdict& verdict) {
  if (verdict.action != rules::Action::kAccept) return false;
  return SpotCheck(engine.PolicyFor(input.site), input);
}

// The verdict text with our id as its first member. verdict_json is always a
// non-empty object ("{\"site\":...}"), so splicing text avoids a parse and a
// re-serialisation per request.
std::string WithId(const std::string& verdict_json, int64_t id) {
  return "{\"id\":" + std::to_string(id) + "," + verdict_json.substr(1);
}

net::awaitable<Response> Submit(Services& s, const Call& call, bool store) {
  CommentInput input;
  std::vector<FieldError> errors;
  if (!ParseComment(call.body, "", s.config.limits, &input, &errors)) {
    co_return ValidationProblem(call.request, errors);
  }
  if (!call.MayActFor(input.site)) co_return SiteForbidden(call.request, input.site);
  std::vector<CommentInput> inputs;
  inputs.push_back(std::move(input));
  const bool vouched = call.principal != nullptr && call.principal->role != Role::kAdmin;
  std::function<void(size_t, storage::Comment&)> no_customize;
  std::vector<StoredVerdict> results =
      co_await EvaluateAndStore(s, std::move(inputs), store, std::move(no_customize), vouched);
  const StoredVerdict& r = results.front();
  if (!store) {
    co_return TextResponse(call.request, http::status::ok, "application/json", r.verdict_json);
  }
  if (r.ec == storage::Errc::constraint) co_return RefusedByStorage(call.request, r);
  if (r.overloaded || r.ec) {
    if (r.ec) Log(LogLevel::kError, "store_failed", {{"error", r.ec.message()}});
    co_return Overloaded(call.request, StorageTrouble(s, r));
  }
  co_return TextResponse(call.request, r.duplicate ? http::status::ok : http::status::created,
                         "application/json", WithId(r.verdict_json, r.id));
}

// The batch's own shape: {"comments": [1 to max_batch_comments items]}.
const json::array* BatchComments(const json::value& body, uint32_t max_comments,
                                 std::vector<FieldError>* errors) {
  if (!body.is_object()) {
    errors->push_back({"", "must be a JSON object with a \"comments\" array"});
    return nullptr;
  }
  for (const auto& kv : body.get_object()) {
    if (kv.key() != "comments") errors->push_back({"/" + std::string(kv.key()), "unknown field"});
  }
  auto it = body.get_object().find("comments");
  if (it == body.get_object().end()) {
    errors->push_back({"/comments", "is required"});
    return nullptr;
  }
  if (!it->value().is_array()) {
    errors->push_back({"/comments", "must be an array"});
    return nullptr;
  }
  const json::array* comments = &it->value().get_array();
  if (comments->empty()) errors->push_back({"/comments", "must not be empty"});
  if (comments->size() > max_comments) {
    errors->push_back(
        {"/comments", "must hold at most " + std::to_string(max_comments) + " comments"});
  }
  return comments;
}

// What GET /v1/comments accepts.
struct PollQuery {
  std::string site, cursor;
  int64_t since = 0;
  int64_t limit = 100;
};

std::optional<Response> ParsePollQuery(const Call& call, uint32_t max_page, PollQuery* q) {
  for (const auto& [key, value] : call.query) {
    if (key == "site") {
      q->site = value;
    } else if (key == "changed_since") {
      if (!base::ParseTimeParam(value, &q->since)) {
        return BadQuery(call.request, key, "must be an RFC 3339 date-time or Unix milliseconds");
      }
    } else if (key == "limit") {
      if (!base::ParseInt64(value, &q->limit) || q->limit < 1 || q->limit > max_page) {
        return BadQuery(call.request, key,
                        "must be an integer from 1 to " + std::to_string(max_page));
      }
    } else if (key == "cursor") {
      q->cursor = value;
    } else {
      return BadQuery(call.request, key, "is unknown");
    }
  }
  if (q->site.empty()) return BadQuery(call.request, "site", "is required");
  return std::nullopt;
}

json::object ChangedJson(const storage::Comment& c) {
  return {
      {"id", c.id},
      {"external_id", c.external_id.empty() ? json::value(nullptr) : json::value(c.external_id)},
      {"status", c.status},
      {"updated_at", base::FormatTimeMs(c.updated_at_ms)}};
}

}  // namespace

// A comment the database refused on its own (a constraint failed: a bug, or
// input that got past the API's checks). Retrying cannot help, so 500, not
// 503; the other comments of its batch were stored.
Response RefusedByStorage(const Request& req, const StoredVerdict& r) {
  return Problem(req, http::status::internal_server_error,
                 "the database refused this comment: " + r.ec.message());
}

std::string StorageTrouble(Services& s, const StoredVerdict& r) {
  if (r.overloaded) {
    if (auto ec = s.writer.error()) {
      return (s.writer.healthy() ? "storage failing, retrying: " : "storage failed: ") +
             ec.message();
    }
    return "the storage queue is full; retry shortly";
  }
  return "storage error: " + r.ec.message();
}

net::awaitable<std::vector<StoredVerdict>> EvaluateAndStore(
    Services& s, std::vector<CommentInput> inputs, bool store,
    std::function<void(size_t, storage::Comment&)> customize, bool vouched) {
  auto engine = s.engines.Current();  // one snapshot for the whole request
  std::vector<StoredVerdict> out(inputs.size());
  std::vector<storage::Comment> records;
  const int64_t now = base::NowMs();
  // Author reputation costs an indexed read per comment, so it is looked up
  // only when some rule reads it. The lease goes back to the pool before the
  // commit wait below; no lease (pool exhausted) reads as 0.
  const bool wants_reputation = engine->rules().UsesFeature("author_approved") ||
                                engine->rules().UsesFeature("author_rejected");
  // A comment whose (site, external_id) is already stored is a retry: it is
  // answered with the first verdict and neither evaluated (velocity would
  // count it twice) nor stored again. The writer still catches retries that
  // race with the first submission.
  const bool wants_retries = store && std::any_of(inputs.begin(), inputs.end(),
                                                  [](auto& c) { return !c.external_id.empty(); });
  std::string reader_error;
  std::optional<ReaderPool::Lease> reader;
  if (wants_reputation || wants_retries) reader.emplace(s.readers.Acquire(&reader_error));
  std::vector<bool> retried(inputs.size(), false);
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (wants_retries && !inputs[i].external_id.empty() && reader && *reader &&
        !(*reader)->FindByExternalId(inputs[i].site, inputs[i].external_id, &out[i].id,
                                     &out[i].verdict_json)) {
      out[i].duplicate = true;
      retried[i] = true;
      continue;
    }
    storage::Reputation reputation;
    const bool known = reader && *reader &&
                       LookUpReputation(*reader->get(), s.config.privacy, inputs[i], &reputation);
    // Only comments being stored count towards velocity (not dry runs).
    out[i].verdict = engine->Evaluate(
        inputs[i],
        {.record_velocity = store, .now_ms = now, .reputation = known ? &reputation : nullptr});
    metrics::ObserveVerdict(
        metrics::SiteLabel(inputs[i].site, vouched || engine->KnowsSite(inputs[i].site)),
        out[i].verdict);
    out[i].verdict_json = ToJson(VerdictJson(out[i].verdict, inputs[i], std::nullopt));
    if (!store) continue;
    records.push_back(ToRecord(inputs[i], out[i].verdict, now, out[i].verdict_json));
    storage::Comment& record = records.back();
    // Rules saw the real IP; storage may keep only its keyed hash.
    record.author_ip = StoredIp(s.config.privacy, record.author_ip);
    record.spot_check = SampleAccepted(*engine, inputs[i], out[i].verdict);
    if (customize) customize(i, record);
    // Only a published comment is a spot check (customize may change status).
    if (record.status != "approved") record.spot_check = false;
  }
  reader.reset();
  if (!store || records.empty()) co_return out;
  std::vector<CommitResult> committed =
      co_await AsyncCommit(s.writer, std::move(records), net::use_awaitable);
  // records holds the inputs that were not retries, in order.
  for (size_t i = 0, k = 0; i < out.size() && k < committed.size(); ++i) {
    if (retried[i]) continue;
    const CommitResult& c = committed[k++];
    out[i].ec = c.ec;
    out[i].overloaded = c.overloaded;
    out[i].id = c.outcome.id;
    out[i].duplicate = c.outcome.duplicate;
    if (out[i].duplicate) out[i].verdict_json = c.outcome.verdict_json;
  }
  co_return out;
}

namespace api {

awaitable<Response> PostComment(Services& s, const Call& call) {
  co_return co_await Submit(s, call, /*store=*/true);
}

awaitable<Response> CheckComment(Services& s, const Call& call) {
  co_return co_await Submit(s, call, /*store=*/false);
}

awaitable<Response> PostBatch(Services& s, const Call& call) {
  std::vector<FieldError> errors;
  const json::array* comments =
      BatchComments(call.body, s.config.limits.max_batch_comments, &errors);
  if (!errors.empty()) co_return ValidationProblem(call.request, errors);
  // Invalid items get a problem object in their slot; valid ones are stored
  // together.
  const size_t n = comments->size();
  std::vector<json::value> results(n);
  std::vector<CommentInput> inputs;
  std::vector<size_t> index;
  for (size_t i = 0; i < n; ++i) {
    std::vector<FieldError> item_errors;
    CommentInput input;
    if (!ParseComment((*comments)[i], "/comments/" + std::to_string(i), s.config.limits, &input,
                      &item_errors)) {
      results[i] = json::object{{"error", ValidationProblemJson(item_errors)}};
      continue;
    }
    if (!call.MayActFor(input.site)) co_return SiteForbidden(call.request, input.site);
    inputs.push_back(std::move(input));
    index.push_back(i);
  }
  if (!inputs.empty()) {
    const bool vouched = call.principal != nullptr && call.principal->role != Role::kAdmin;
    std::function<void(size_t, storage::Comment&)> no_customize;
    std::vector<StoredVerdict> stored =
        co_await EvaluateAndStore(s, std::move(inputs), true, std::move(no_customize), vouched);
    for (const StoredVerdict& r : stored) {
      if (r.ec == storage::Errc::constraint) continue;  // that item alone, below
      if (r.overloaded || r.ec) co_return Overloaded(call.request, StorageTrouble(s, r));
    }
    for (size_t k = 0; k < stored.size(); ++k) {
      if (stored[k].ec) {
        results[index[k]] =
            json::object{{"error", json::parse(RefusedByStorage(call.request, stored[k]).body())}};
        continue;
      }
      json::object item = StoredVerdictJson(stored[k].verdict_json, stored[k].id);
      if (stored[k].duplicate) item["duplicate"] = true;
      results[index[k]] = std::move(item);
    }
  }
  json::array out;
  for (auto& r : results) out.push_back(std::move(r));
  co_return JsonResponse(call.request, http::status::ok, {{"results", std::move(out)}});
}

awaitable<Response> GetComment(Services& s, const Call& call) {
  std::string error;
  auto lease = s.readers.Acquire(&error);
  if (!lease) co_return Overloaded(call.request, "database unavailable: " + error);
  storage::Comment comment;
  std::error_code ec = lease->Get(call.id, &comment);
  // Another site's comment is reported as missing: its existence is not ours to reveal.
  if (ec == storage::Errc::not_found || (!ec && !call.MayActFor(comment.site))) {
    co_return Problem(call.request, http::status::not_found,
                      "no comment with id " + std::to_string(call.id));
  }
  if (ec) co_return Overloaded(call.request, "database error: " + ec.message());
  co_return JsonResponse(call.request, http::status::ok, CommentJson(comment));
}

awaitable<Response> PollComments(Services& s, const Call& call) {
  PollQuery q;
  if (auto bad = ParsePollQuery(call, s.config.review.max_page, &q)) co_return std::move(*bad);
  std::optional<std::pair<int64_t, int64_t>> after;
  if (!q.cursor.empty()) {
    std::string key;
    int64_t id = 0, updated = 0;
    if (!ParseCursor(q.cursor, "u", &key, &id) || !base::ParseInt64(key, &updated)) {
      co_return BadQuery(call.request, "cursor", "is not a cursor from a previous page");
    }
    after = std::make_pair(updated, id);
  }
  std::string error;
  auto lease = s.readers.Acquire(&error);
  if (!lease) co_return Overloaded(call.request, "database unavailable: " + error);
  std::vector<storage::Comment> changed;
  if (lease->ListChanged(q.site, q.since, after, q.limit + 1, &changed)) {
    co_return Overloaded(call.request, "database error: " + lease->LastErrorMessage());
  }
  json::value next = nullptr;
  if (static_cast<int64_t>(changed.size()) > q.limit) {
    changed.resize(static_cast<size_t>(q.limit));
    next = json::string(
        MakeCursor("u", std::to_string(changed.back().updated_at_ms), changed.back().id));
  }
  json::array items;
  for (const auto& c : changed) items.push_back(ChangedJson(c));
  co_return JsonResponse(call.request, http::status::ok,
                         {{"items", std::move(items)}, {"next_cursor", std::move(next)}});
}

}  // namespace api
}  // namespace moderated

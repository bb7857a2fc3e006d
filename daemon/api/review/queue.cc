// The moderators' review queue (docs/review.md, docs/api.md):
//   GET    /v1/queue                 pending comments and spot checks: filters, sort,
//                                    cursor, counts
//   POST   /v1/queue/{id}/claim      lease a comment for review
//   DELETE /v1/queue/{id}/claim      release it
//
// Reads use a ReaderPool lease. A claim is ONE task on the writer thread: the
// access check and the claim run back to back (review.h).
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <cstdio>
#include <map>

#include "base/strings.h"
#include "base/time.h"
#include "daemon/api/cursor.h"
#include "daemon/api/handlers.h"
#include "daemon/api/review/review.h"
#include "daemon/db/async.h"

namespace moderated::api {
namespace json = boost::json;
namespace net = boost::asio;

namespace {

constexpr int64_t kDefaultQueueLimit = 50;
constexpr int64_t kMaxClaimMinutes = 120;
constexpr int64_t kMaxAgeSeconds = 100LL * 365 * 86400;
// Each reputation count on a queue item stops here ("100 or more"): a page
// then reads at most this many index entries per author, status and key,
// however long an author's history (exact counts: GET /v1/reputation).
// Uncapped, a page of 50 at 10,000,000 stored comments with ~2,000 per
// author read 100,000 index entries: 15 ms of the page's 20.
constexpr int64_t kQueueReputationCap = 100;

std::string FormatScore(double score) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", score);  // round-trips exactly through strtod
  return buf;
}

// What GET /v1/queue accepts.
struct QueueQuery {
  storage::QueueFilter filter;
  storage::QueueOrder order = storage::QueueOrder::kOldest;
  std::string sort = "oldest";
  int64_t limit = kDefaultQueueLimit;
  std::optional<storage::QueuePosition> after;
};

bool ParseSort(std::string_view value, storage::QueueOrder* order) {
  if (value == "oldest")
    *order = storage::QueueOrder::kOldest;
  else if (value == "newest")
    *order = storage::QueueOrder::kNewest;
  else if (value == "score_desc")
    *order = storage::QueueOrder::kScoreDesc;
  else if (value == "score_asc")
    *order = storage::QueueOrder::kScoreAsc;
  else
    return false;
  return true;
}

}  // namespace

bool ParseQueueFilterParam(const std::string& key, const std::string& value, int64_t now_ms,
                           storage::QueueFilter* f, std::string* error) {
  error->clear();
  if (key == "site") {
    if (!value.empty()) f->sites = std::vector<std::string>{value};
  } else if (key == "review") {
    if (value != "pending" && value != "spot_check" && !value.empty()) {
      *error = "must be pending or spot_check";
    }
    f->review = value;
  } else if (key == "language") {
    f->language = value;
  } else if (ParseLabelScoreRuleParam(key, value, &f->label, &f->min_score, &f->max_score,
                                      &f->rule, error)) {
  } else if (key == "min_age" || key == "max_age") {
    int64_t seconds = 0;
    if (!base::ParseInt64(value, &seconds) || seconds < 0 || seconds > kMaxAgeSeconds) {
      *error = "must be a number of seconds >= 0";
    }
    (key == "min_age" ? f->received_at_most_ms : f->received_at_least_ms) = now_ms - seconds * 1000;
  } else if (key == "email" || key == "ip" || key == "q") {
    if (!value.empty()) *error = CheckSearchParam(key, value);
    (key == "email" ? f->author_email : key == "ip" ? f->author_ip : f->text) = value;
  } else {
    return false;
  }
  return true;
}

namespace {

// One query parameter into *q; the 400 to answer if it is not acceptable.
// The site is checked by the router (SiteScope::kQuery).
std::optional<Response> ParseQueueParam(const Call& call, const std::string& key,
                                        const std::string& value, int64_t now, uint32_t max_page,
                                        QueueQuery* q, std::string* cursor) {
  std::string error;
  if (ParseQueueFilterParam(key, value, now, &q->filter, &error)) {
    if (!error.empty()) return BadQuery(call.request, key, error);
  } else if (key == "sort") {
    if (!ParseSort(value, &q->order)) {
      return BadQuery(call.request, key, "must be oldest, newest, score_desc or score_asc");
    }
    q->sort = value;
  } else if (key == "limit") {
    if (!base::ParseInt64(value, &q->limit) || q->limit < 1 || q->limit > max_page) {
      return BadQuery(call.request, key,
                      "must be an integer from 1 to " + std::to_string(max_page));
    }
  } else if (key == "cursor") {
    *cursor = value;
  } else {
    return BadQuery(call.request, key, "is unknown");
  }
  return std::nullopt;
}

std::optional<Response> ParseQueueQuery(const Call& call, int64_t now, uint32_t max_page,
                                        QueueQuery* q) {
  q->filter.sites = ScopeOf(*call.principal);
  std::string cursor;
  for (const auto& [key, value] : call.query) {
    if (auto bad = ParseQueueParam(call, key, value, now, max_page, q, &cursor)) return bad;
  }
  if (cursor.empty()) return std::nullopt;
  std::string score_text;
  storage::QueuePosition pos;
  // The cursor names its sort: a page of one order cannot continue another.
  if (!ParseCursor(cursor, q->sort, &score_text, &pos.id) ||
      !base::ParseDouble(score_text, &pos.score)) {
    return BadQuery(call.request, "cursor", "is not a cursor from a previous page of this sort");
  }
  q->after = pos;
  return std::nullopt;
}

json::object CountsJson(const storage::QueueCounts& counts) {
  auto to_json = [](const std::map<std::string, int64_t>& m) {
    json::object o;
    for (const auto& [k, n] : m) o[k] = n;
    return o;
  };
  return {{"total", counts.total},
          {"exact", counts.exact},
          {"by_review", to_json(counts.by_review)},
          {"by_site", to_json(counts.by_site)},
          {"by_language", to_json(counts.by_language)},
          {"by_label", to_json(counts.by_label)},
          {"by_rule", to_json(counts.by_rule)}};
}

// The page's items with their claim and their authors' reputation (each
// count capped at kQueueReputationCap); false if a read fails.
bool QueueItems(storage::Store& reader, const std::vector<storage::Comment>& comments,
                const Principal& who, int64_t now, json::array* items) {
  std::vector<storage::QueueExtras> extras;
  if (reader.GetQueueExtras(comments, now, ScopeOf(who), kQueueReputationCap, &extras)) {
    return false;
  }
  for (size_t i = 0; i < comments.size(); ++i) {
    const storage::Comment& c = comments[i];
    const storage::QueueExtras& x = extras[i];
    json::object item = CommentJson(c);
    // Why it is here: held for review, or accepted (already published) and
    // sampled as a spot check.
    item["review"] = c.status == "pending" ? "pending" : "spot_check";
    item["claim"] = x.claim ? json::value(json::object{
                                  {"actor", x.claim->actor},
                                  {"expires_at", base::FormatTimeMs(x.claim->expires_at_ms)}})
                            : json::value(nullptr);
    item["reputation"] = {{"email", ReputationJson(x.email)},
                          {"ip", ReputationJson(x.ip)},
                          {"capped_at", kQueueReputationCap}};
    items->push_back(std::move(item));
  }
  return true;
}

// {"minutes": 1..120}, optional (an empty body takes review.claim_minutes).
std::optional<Response> ParseClaimBody(const Call& call, int64_t* minutes) {
  if (call.body.is_null()) return std::nullopt;
  std::vector<FieldError> errors;
  if (!call.body.is_object()) {
    errors.push_back({"", "must be a JSON object"});
  } else {
    for (const auto& kv : call.body.get_object()) {
      if (kv.key() != "minutes") {
        errors.push_back({"/" + std::string(kv.key()), "unknown field"});
      } else if (!kv.value().is_int64() || kv.value().as_int64() < 1 ||
                 kv.value().as_int64() > kMaxClaimMinutes) {
        errors.push_back({"/minutes", "must be an integer from 1 to 120"});
      } else {
        *minutes = kv.value().as_int64();
      }
    }
  }
  if (errors.empty()) return std::nullopt;
  return ValidationProblem(call.request, errors);
}

// The writer task of a claim (or, with `release`, of its release).
std::function<WriteResult(storage::Store&)> ClaimTask(int64_t id, Principal who, bool release,
                                                      int64_t now, int64_t expires) {
  return [id, who, release, now, expires](storage::Store& store) {
    WriteResult r;
    storage::Comment comment;
    if (!CheckAccess(store, id, who, &comment, &r)) return r;
    storage::ReviewOutcome outcome = storage::ReviewOutcome::kDone;
    std::error_code ec =
        release ? store.ReleaseClaim(id, who.Actor(), now, &outcome, &r.claim)
                : store.ClaimComment(id, who.Actor(), now, expires, &outcome, &r.claim);
    if (ec) {
      r.status = 503;
      r.detail = "storage error: " + store.LastErrorMessage();
    } else if (outcome == storage::ReviewOutcome::kNotFound) {
      r.status = 404;
      r.detail = NoComment(id);
    } else if (outcome == storage::ReviewOutcome::kClaimedByOther) {
      r.status = 409;
      r.detail = ClaimedDetail(id, r.claim);
    }
    return r;
  };
}

awaitable<Response> Claim(Services& s, const Call& call, bool release) {
  int64_t minutes = s.config.review.claim_minutes;
  if (!release) {
    if (auto bad = ParseClaimBody(call, &minutes)) co_return std::move(*bad);
  }
  const int64_t now = base::NowMs();
  // A named task, not a temporary inside the co_await expression: GCC 12
  // mis-handles class temporaries there (double destruction).
  std::function<WriteResult(storage::Store&)> task =
      ClaimTask(call.id, *call.principal, release, now, now + minutes * 60'000);
  std::optional<WriteResult> result =
      co_await AsyncOnWriter<WriteResult>(s.writer, std::move(task), net::use_awaitable);
  if (!result || result->status != 200) co_return FromWriteResult(call.request, result);
  if (release) co_return NoContent(call.request);
  co_return JsonResponse(call.request, http::status::ok,
                         {{"comment_id", call.id},
                          {"actor", result->claim.actor},
                          {"expires_at", base::FormatTimeMs(result->claim.expires_at_ms)}});
}

}  // namespace

awaitable<Response> ListQueue(Services& s, const Call& call) {
  const int64_t now = base::NowMs();
  QueueQuery q;
  if (auto bad = ParseQueueQuery(call, now, s.config.review.max_page, &q)) {
    co_return std::move(*bad);
  }
  std::string error;
  auto lease = s.readers.Acquire(&error);
  if (!lease) co_return Overloaded(call.request, "database unavailable: " + error);
  std::vector<storage::Comment> comments;
  storage::QueueCounts counts;
  if (lease->ListQueue(q.filter, q.order, q.after, q.limit + 1, &comments) ||
      lease->CountQueue(q.filter, &counts)) {
    co_return Overloaded(call.request, "database error: " + lease->LastErrorMessage());
  }
  json::value next = nullptr;
  if (static_cast<int64_t>(comments.size()) > q.limit) {
    comments.resize(static_cast<size_t>(q.limit));
    const storage::Comment& last = comments.back();
    next = json::string(MakeCursor(q.sort, FormatScore(last.score), last.id));
  }
  json::array items;
  if (!QueueItems(*lease.get(), comments, *call.principal, now, &items)) {
    co_return Overloaded(call.request, "database error: " + lease->LastErrorMessage());
  }
  co_return JsonResponse(call.request, http::status::ok,
                         {{"items", std::move(items)},
                          {"next_cursor", std::move(next)},
                          {"counts", CountsJson(counts)}});
}

awaitable<Response> ClaimComment(Services& s, const Call& call) {
  co_return co_await Claim(s, call, /*release=*/false);
}

awaitable<Response> ReleaseClaim(Services& s, const Call& call) {
  co_return co_await Claim(s, call, /*release=*/true);
}

}  // namespace moderated::api

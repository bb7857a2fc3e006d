// daemon/api/queue.cc
//
// The moderators' review queue (docs/review.md, docs/api.md):
//   GET    /v1/queue                      pending comments: filters, sort, cursor, counts
//   POST   /v1/queue/{id}/claim           lease a comment for review
//   DELETE /v1/queue/{id}/claim           release it
//   POST   /v1/comments/{id}/decision     approve | reject | spam | abuse
//   POST   /v1/decisions                  the same for many ids
//   POST   /v1/comments/{id}/undo         undo the caller's latest decision
//   GET    /v1/comments/{id}/history      decisions and labels
//   GET    /v1/reputation                 author counts by e-mail and IP
//   GET    /v1/comments?site=&changed_since=   polling for outcomes (site tokens too)
//
// Reads use a ReaderPool lease. Every write is ONE task on the writer thread
// (AsyncOnWriter): the access check (the comment's site) and the storage
// transaction run there back to back, so nothing changes in between.
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <map>

#include "daemon/core/log.h"
#include "daemon/api/routes.h"
#include "base/encoding.h"
#include "base/random.h"
#include "base/strings.h"
#include "base/time.h"
#include "daemon/http/wire.h"

namespace moderated {
namespace json = boost::json;
namespace net = boost::asio;

namespace {

constexpr int64_t kDefaultQueueLimit = 50;
constexpr int64_t kDefaultPollLimit = 100;
constexpr size_t kMaxNoteBytes = 4096;
constexpr int64_t kMaxClaimMinutes = 120;

Response BadQuery(const Request& req, std::string_view name, std::string_view detail) {
  return Problem(req, http::status::bad_request,
                 "query parameter '" + std::string(name) + "' " + std::string(detail));
}

Response NoContent(const Request& req) {
  Response res{http::status::no_content, req.version()};
  res.set(http::field::server, kServerName);
  res.keep_alive(req.keep_alive());
  res.prepare_payload();
  return res;
}

// Cursors are opaque to clients: base64url of "<kind>:<key>:<id>".
// Splits a decoded cursor "<kind>:<key>:<id>"; false if it is not one of `kind`.
bool ParseCursor(std::string_view cursor, std::string_view kind, std::string* key, int64_t* id) {
  std::string text;
  if (cursor.size() > 200 || !base::Base64UrlDecode(cursor, &text)) return false;
  size_t a = text.find(':');
  size_t b = text.rfind(':');
  if (a == std::string::npos || a == b || std::string_view(text).substr(0, a) != kind) {
    return false;
  }
  *key = text.substr(a + 1, b - a - 1);
  return base::ParseInt64(std::string_view(text).substr(b + 1), id) && *id > 0;
}

std::string MakeCursor(std::string_view kind, std::string_view key, int64_t id) {
  return base::Base64UrlEncode(std::string(kind) + ":" + std::string(key) + ":" + std::to_string(id));
}

std::string FormatScore(double score) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", score);  // round-trips exactly through strtod
  return buf;
}

// The sites a principal's queue covers: nullopt = every site.
std::optional<std::vector<std::string>> ScopeOf(const Principal& p) {
  if (p.role == Role::kAdmin || p.sites.empty()) return std::nullopt;
  return p.sites;
}

std::optional<Response> RequireReviewer(const Request& req, const RequestContext& ctx) {
  return RequireRole(req, ctx, {Role::kModerator, Role::kAdmin});
}

// "/v1/comments/12/decision" with prefix "/v1/comments/" → id 12, "decision".
bool SplitItemPath(std::string_view path, std::string_view prefix, int64_t* id,
                   std::string_view* action) {
  std::string_view rest = path.substr(prefix.size());
  size_t slash = rest.find('/');
  if (slash == std::string_view::npos) return false;
  *action = rest.substr(slash + 1);
  return base::ParseInt64(rest.substr(0, slash), id) && *id > 0;
}

std::string ClaimedDetail(int64_t id, const storage::Claim& claim) {
  return "comment " + std::to_string(id) + " is claimed by " + claim.actor + " until " +
         base::FormatTimeMs(claim.expires_at_ms);
}

std::string NoComment(int64_t id) { return "no comment with id " + std::to_string(id); }

std::string SiteForbidden(std::string_view site) {
  return "this token may not act for site '" + std::string(site) + "'";
}

json::object DecisionJson(const storage::Decision& d, bool with_undone) {
  json::object o{{"id", d.id},
                 {"decision", d.decision},
                 {"previous_status", d.previous_status},
                 {"new_status", d.new_status},
                 {"actor", d.actor},
                 {"note", d.note},
                 {"created_at", base::FormatTimeMs(d.created_at_ms)}};
  if (with_undone) o["undone"] = d.undone;
  return o;
}

json::object ReputationJson(const storage::Reputation& r) {
  return {{"approved", r.approved}, {"rejected", r.rejected}, {"pending", r.pending}};
}

// What a writer task hands back to the coroutine.
struct WriteResult {
  unsigned status = 200;  // 200, 403, 404, 409, 503
  std::string detail;     // for the problem
  storage::Claim claim;
  storage::DecideResult decided;
  storage::Comment comment;  // after the write
  std::vector<storage::DecideResult> many;
  std::vector<std::pair<unsigned, std::string>> slots;  // bulk: status/detail per id
};

// On the writer thread: may `principal` act on comment `id`? Fills *out.
bool CheckAccess(storage::Store& store, int64_t id, const Principal& principal,
                 storage::Comment* out, WriteResult* result) {
  std::error_code ec = store.Get(id, out);
  if (ec == storage::Errc::not_found) {
    result->status = 404;
    result->detail = NoComment(id);
    return false;
  }
  if (ec) {
    result->status = 503;
    result->detail = "storage error: " + store.LastErrorMessage();
    return false;
  }
  if (!principal.CanAccessSite(out->site)) {
    result->status = 403;
    result->detail = SiteForbidden(out->site);
    return false;
  }
  return true;
}

Response FromWriteResult(const Request& req, const std::optional<WriteResult>& r) {
  if (!r) return Overloaded(req, "the storage writer is stopping");
  if (r->status == 503) return Overloaded(req, r->detail);
  return Problem(req, static_cast<http::status>(r->status), r->detail);
}

// ------------------------------------------------------------------ queue

net::awaitable<Response> QueueHandler(Services& s, const Request& req, const RequestContext& ctx) {
  if (auto r = RequireReviewer(req, ctx)) co_return std::move(*r);
  if (auto r = RequireMethod(req, http::verb::get, "GET")) co_return std::move(*r);
  const Principal& who = *ctx.principal;
  storage::QueueFilter filter;
  filter.sites = ScopeOf(who);
  storage::QueueOrder order = storage::QueueOrder::kOldest;
  std::string sort = "oldest";
  int64_t limit = kDefaultQueueLimit;
  std::string cursor;
  const int64_t now = base::NowMs();
  for (const auto& [key, value] : QueryParams(req.target())) {
    if (key == "site") {
      if (value.empty()) continue;
      if (auto r = RequireSite(req, ctx, value)) co_return std::move(*r);
      filter.sites = std::vector<std::string>{value};
    } else if (key == "language") {
      filter.language = value;
    } else if (key == "label") {
      if (value != "spam" && value != "abuse" && value != "ham" && !value.empty()) {
        co_return BadQuery(req, key, "must be spam, abuse or ham");
      }
      filter.label = value;
    } else if (key == "min_score" || key == "max_score") {
      double v = 0;
      if (!base::ParseDouble(value, &v)) co_return BadQuery(req, key, "must be a number");
      (key == "min_score" ? filter.min_score : filter.max_score) = v;
    } else if (key == "rule") {
      filter.rule = value;
    } else if (key == "min_age" || key == "max_age") {
      int64_t seconds = 0;
      if (!base::ParseInt64(value, &seconds) || seconds < 0 || seconds > 100LL * 365 * 86400) {
        co_return BadQuery(req, key, "must be a number of seconds >= 0");
      }
      (key == "min_age" ? filter.received_at_most_ms : filter.received_at_least_ms) =
          now - seconds * 1000;
    } else if (key == "sort") {
      if (value == "oldest") order = storage::QueueOrder::kOldest;
      else if (value == "newest") order = storage::QueueOrder::kNewest;
      else if (value == "score_desc") order = storage::QueueOrder::kScoreDesc;
      else if (value == "score_asc") order = storage::QueueOrder::kScoreAsc;
      else co_return BadQuery(req, key, "must be oldest, newest, score_desc or score_asc");
      sort = value;
    } else if (key == "limit") {
      if (!base::ParseInt64(value, &limit) || limit < 1 || limit > s.config.review.max_page) {
        co_return BadQuery(req, key,
                           "must be an integer from 1 to " +
                               std::to_string(s.config.review.max_page));
      }
    } else if (key == "cursor") {
      cursor = value;
    } else {
      co_return BadQuery(req, key, "is unknown");
    }
  }
  std::optional<storage::QueuePosition> after;
  if (!cursor.empty()) {
    std::string score_text;
    storage::QueuePosition pos;
    // The cursor names its sort: a page of one order cannot continue another.
    if (!ParseCursor(cursor, sort, &score_text, &pos.id) || !base::ParseDouble(score_text, &pos.score)) {
      co_return BadQuery(req, "cursor", "is not a cursor from a previous page of this sort");
    }
    after = pos;
  }

  std::string error;
  auto lease = s.readers.Acquire(&error);
  if (!lease) co_return Overloaded(req, "database unavailable: " + error);
  std::vector<storage::Comment> items;
  if (lease->ListQueue(filter, order, after, limit + 1, &items)) {
    co_return Overloaded(req, "database error: " + lease->LastErrorMessage());
  }
  storage::QueueCounts counts;
  if (lease->CountQueue(filter, &counts)) {
    co_return Overloaded(req, "database error: " + lease->LastErrorMessage());
  }
  json::value next = nullptr;
  if (static_cast<int64_t>(items.size()) > limit) {
    items.resize(static_cast<size_t>(limit));
    const storage::Comment& last = items.back();
    next = json::string(MakeCursor(sort, FormatScore(last.score), last.id));
  }
  // Reputation per distinct author within this page.
  std::map<std::string, json::object> by_email, by_ip;
  const auto scope = ScopeOf(who);
  json::array list;
  for (const storage::Comment& c : items) {
    json::object item = CommentJson(c);
    std::optional<storage::Claim> claim;
    if (lease->GetClaim(c.id, now, &claim)) {
      co_return Overloaded(req, "database error: " + lease->LastErrorMessage());
    }
    item["claim"] = claim ? json::value(json::object{{"actor", claim->actor},
                                                     {"expires_at",
                                                      base::FormatTimeMs(claim->expires_at_ms)}})
                          : json::value(nullptr);
    if (!by_email.count(c.author_email) || !by_ip.count(c.author_ip)) {
      storage::Reputation email, ip;
      if (lease->GetReputation(c.author_email, c.author_ip, scope, &email, &ip)) {
        co_return Overloaded(req, "database error: " + lease->LastErrorMessage());
      }
      by_email[c.author_email] = ReputationJson(email);
      by_ip[c.author_ip] = ReputationJson(ip);
    }
    item["reputation"] = {{"email", by_email[c.author_email]}, {"ip", by_ip[c.author_ip]}};
    list.push_back(std::move(item));
  }
  auto to_json = [](const std::map<std::string, int64_t>& m) {
    json::object o;
    for (const auto& [k, n] : m) o[k] = n;
    return o;
  };
  json::object body{{"items", std::move(list)},
                    {"next_cursor", std::move(next)},
                    {"counts",
                     {{"total", counts.total},
                      {"by_site", to_json(counts.by_site)},
                      {"by_language", to_json(counts.by_language)},
                      {"by_label", to_json(counts.by_label)},
                      {"by_rule", to_json(counts.by_rule)}}}};
  co_return JsonResponse(req, http::status::ok, body);
}

// ------------------------------------------------------------------ claims

net::awaitable<Response> ClaimHandler(Services& s, const Request& req, const RequestContext& ctx) {
  int64_t id = 0;
  std::string_view action;
  if (!SplitItemPath(ctx.path, "/v1/queue/", &id, &action) || action != "claim") {
    co_return Problem(req, http::status::not_found, "no such endpoint: " + std::string(ctx.path));
  }
  if (auto r = RequireReviewer(req, ctx)) co_return std::move(*r);
  if (req.method() != http::verb::post && req.method() != http::verb::delete_) {
    co_return std::move(*RequireMethod(req, http::verb::post, "POST, DELETE"));
  }
  const bool release = req.method() == http::verb::delete_;
  int64_t minutes = s.config.review.claim_minutes;
  if (!release && !req.body().empty()) {
    json::value body;
    if (auto problem = ParseJsonBody(req, &body)) co_return std::move(*problem);
    std::vector<FieldError> errors;
    if (!body.is_object()) {
      errors.push_back({"", "must be a JSON object"});
    } else {
      for (const auto& kv : body.get_object()) {
        if (kv.key() != "minutes") {
          errors.push_back({"/" + std::string(kv.key()), "unknown field"});
        } else if (!kv.value().is_int64() || kv.value().as_int64() < 1 ||
                   kv.value().as_int64() > kMaxClaimMinutes) {
          errors.push_back({"/minutes", "must be an integer from 1 to 120"});
        } else {
          minutes = kv.value().as_int64();
        }
      }
    }
    if (!errors.empty()) co_return ValidationProblem(req, errors);
  }
  Principal who = *ctx.principal;
  const int64_t now = base::NowMs();
  const int64_t expires = now + minutes * 60'000;
  // A named task, not a temporary inside the co_await expression: GCC 12
  // mis-handles class temporaries there (double destruction).
  std::function<WriteResult(storage::Store&)> task =
      [id, who, release, now, expires](storage::Store& store) {
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
  std::optional<WriteResult> result =
      co_await AsyncOnWriter<WriteResult>(s.writer, std::move(task), net::use_awaitable);
  if (!result || result->status != 200) co_return FromWriteResult(req, result);
  if (release) co_return NoContent(req);
  co_return JsonResponse(req, http::status::ok,
                         {{"comment_id", id},
                          {"actor", result->claim.actor},
                          {"expires_at", base::FormatTimeMs(result->claim.expires_at_ms)}});
}

// --------------------------------------------------------------- decisions

// Validates {"decision": ..., "note": ...} (and "ids" when `bulk`).
bool ParseDecisionBody(const json::value& body, bool bulk, uint32_t max_ids,
                       std::string* decision, std::string* note, std::vector<int64_t>* ids,
                       std::vector<FieldError>* errors) {
  if (!body.is_object()) {
    errors->push_back({"", "must be a JSON object"});
    return false;
  }
  const json::object& o = body.get_object();
  for (const auto& kv : o) {
    if (kv.key() != "decision" && kv.key() != "note" && !(bulk && kv.key() == "ids")) {
      errors->push_back({"/" + std::string(kv.key()), "unknown field"});
    }
  }
  auto d = o.find("decision");
  if (d == o.end()) {
    errors->push_back({"/decision", "is required"});
  } else if (!d->value().is_string() ||
             (d->value().as_string() != "approve" && d->value().as_string() != "reject" &&
              d->value().as_string() != "spam" && d->value().as_string() != "abuse")) {
    errors->push_back({"/decision", "must be \"approve\", \"reject\", \"spam\" or \"abuse\""});
  } else {
    *decision = std::string(d->value().as_string());
  }
  if (auto n = o.find("note"); n != o.end() && !n->value().is_null()) {
    if (!n->value().is_string() || n->value().as_string().size() > kMaxNoteBytes) {
      errors->push_back({"/note", "must be a string of at most 4096 bytes"});
    } else {
      *note = std::string(n->value().as_string());
    }
  }
  if (bulk) {
    auto i = o.find("ids");
    if (i == o.end()) {
      errors->push_back({"/ids", "is required"});
    } else if (!i->value().is_array() || i->value().as_array().empty() ||
               i->value().as_array().size() > max_ids) {
      errors->push_back(
          {"/ids", "must be an array of 1 to " + std::to_string(max_ids) + " comment ids"});
    } else {
      const json::array& a = i->value().as_array();
      for (size_t k = 0; k < a.size(); ++k) {
        if (!a[k].is_int64() || a[k].as_int64() <= 0) {
          errors->push_back({"/ids/" + std::to_string(k), "must be a positive integer"});
        } else {
          ids->push_back(a[k].as_int64());
        }
      }
    }
  }
  return errors->empty();
}

storage::DecideRequest MakeRequest(int64_t id, const std::string& decision,
                                   const std::string& note, const std::string& actor,
                                   int64_t now) {
  storage::DecideRequest r;
  r.comment_id = id;
  r.decision = decision;
  r.note = note;
  r.actor = actor;
  r.now_ms = now;
  r.event_id = base::RandomHex128();  // webhook event id
  r.event_time = base::FormatTimeMs(now);
  return r;
}

void LogDecision(const storage::Decision& d) {
  Log(LogLevel::kInfo, "comment_decided",
      {{"id", std::to_string(d.comment_id)},
       {"decision", d.decision},
       {"status", d.new_status},
       {"by", d.actor}});
}

net::awaitable<Response> DecisionHandler(Services& s, const Request& req,
                                         const RequestContext& ctx, int64_t id) {
  if (auto r = RequireReviewer(req, ctx)) co_return std::move(*r);
  if (auto r = RequireMethod(req, http::verb::post, "POST")) co_return std::move(*r);
  json::value body;
  if (auto problem = ParseJsonBody(req, &body)) co_return std::move(*problem);
  std::string decision, note;
  std::vector<int64_t> unused;
  std::vector<FieldError> errors;
  if (!ParseDecisionBody(body, false, 0, &decision, &note, &unused, &errors)) {
    co_return ValidationProblem(req, errors);
  }
  Principal who = *ctx.principal;
  storage::DecideRequest request = MakeRequest(id, decision, note, who.Actor(), base::NowMs());
  // A named task, not a temporary inside the co_await expression: GCC 12
  // mis-handles class temporaries there (double destruction).
  std::function<WriteResult(storage::Store&)> task =
      [id, who, request](storage::Store& store) {
        WriteResult r;
        if (!CheckAccess(store, id, who, &r.comment, &r)) return r;
        if (store.Decide(request, &r.decided)) {
          r.status = 503;
          r.detail = "storage error: " + store.LastErrorMessage();
        } else if (r.decided.outcome == storage::ReviewOutcome::kNotFound) {
          r.status = 404;
          r.detail = NoComment(id);
        } else if (r.decided.outcome == storage::ReviewOutcome::kClaimedByOther) {
          r.status = 409;
          r.detail = ClaimedDetail(id, r.decided.claim);
        } else if (store.Get(id, &r.comment)) {
          r.status = 503;
          r.detail = "storage error: " + store.LastErrorMessage();
        }
        return r;
      };
  std::optional<WriteResult> result =
      co_await AsyncOnWriter<WriteResult>(s.writer, std::move(task), net::use_awaitable);
  if (!result || result->status != 200) co_return FromWriteResult(req, result);
  LogDecision(result->decided.decision);
  co_return JsonResponse(req, http::status::ok,
                         {{"comment", CommentJson(result->comment)},
                          {"decision", DecisionJson(result->decided.decision, false)}});
}

net::awaitable<Response> BulkHandler(Services& s, const Request& req, const RequestContext& ctx) {
  if (auto r = RequireReviewer(req, ctx)) co_return std::move(*r);
  if (auto r = RequireMethod(req, http::verb::post, "POST")) co_return std::move(*r);
  json::value body;
  if (auto problem = ParseJsonBody(req, &body)) co_return std::move(*problem);
  std::string decision, note;
  std::vector<int64_t> ids;
  std::vector<FieldError> errors;
  if (!ParseDecisionBody(body, true, s.config.review.max_bulk_ids, &decision, &note, &ids,
                         &errors)) {
    co_return ValidationProblem(req, errors);
  }
  Principal who = *ctx.principal;
  const int64_t now = base::NowMs();
  std::vector<storage::DecideRequest> requests;
  for (int64_t id : ids) requests.push_back(MakeRequest(id, decision, note, who.Actor(), now));
  // A named task, not a temporary inside the co_await expression: GCC 12
  // mis-handles class temporaries there (double destruction).
  std::function<WriteResult(storage::Store&)> task =
      [ids, who, requests](storage::Store& store) {
        WriteResult r;
        r.slots.resize(ids.size());
        // Access first; the allowed ones are decided in one transaction.
        std::vector<storage::DecideRequest> allowed;
        std::vector<size_t> index;
        for (size_t i = 0; i < ids.size(); ++i) {
          WriteResult check;
          storage::Comment comment;
          if (!CheckAccess(store, ids[i], who, &comment, &check)) {
            if (check.status == 503) return check;
            r.slots[i] = {check.status, check.detail};
            continue;
          }
          allowed.push_back(requests[i]);
          index.push_back(i);
        }
        if (store.DecideMany(allowed, &r.many)) {
          r.status = 503;
          r.detail = "storage error: " + store.LastErrorMessage();
          return r;
        }
        for (size_t k = 0; k < r.many.size(); ++k) {
          const storage::DecideResult& d = r.many[k];
          auto& slot = r.slots[index[k]];
          if (d.outcome == storage::ReviewOutcome::kNotFound) {
            slot = {404, NoComment(ids[index[k]])};
          } else if (d.outcome == storage::ReviewOutcome::kClaimedByOther) {
            slot = {409, ClaimedDetail(ids[index[k]], d.claim)};
          } else {
            slot = {200, d.decision.new_status};
          }
        }
        return r;
      };
  std::optional<WriteResult> result =
      co_await AsyncOnWriter<WriteResult>(s.writer, std::move(task), net::use_awaitable);
  if (!result || result->status != 200) co_return FromWriteResult(req, result);
  for (const auto& d : result->many) {
    if (d.outcome == storage::ReviewOutcome::kDone) LogDecision(d.decision);
  }
  json::array out;
  for (size_t i = 0; i < ids.size(); ++i) {
    const auto& [status, text] = result->slots[i];
    json::object o{{"id", ids[i]}, {"status", status}};
    o[status == 200 ? "new_status" : "detail"] = text;
    out.push_back(std::move(o));
  }
  co_return JsonResponse(req, http::status::ok, {{"results", std::move(out)}});
}

net::awaitable<Response> UndoHandler(Services& s, const Request& req, const RequestContext& ctx,
                                     int64_t id) {
  if (auto r = RequireReviewer(req, ctx)) co_return std::move(*r);
  if (auto r = RequireMethod(req, http::verb::post, "POST")) co_return std::move(*r);
  Principal who = *ctx.principal;
  const int64_t window_ms = int64_t{s.config.review.undo_window_seconds} * 1000;
  const std::string window_detail =
      "undo window of " + std::to_string(s.config.review.undo_window_seconds) + " s has passed";
  storage::DecideRequest request = MakeRequest(id, "", "", who.Actor(), base::NowMs());
  // A named task, not a temporary inside the co_await expression: GCC 12
  // mis-handles class temporaries there (double destruction).
  std::function<WriteResult(storage::Store&)> task =
      [id, who, request, window_ms, window_detail](storage::Store& store) {
        WriteResult r;
        if (!CheckAccess(store, id, who, &r.comment, &r)) return r;
        if (store.Undo(request, window_ms, &r.decided)) {
          r.status = 503;
          r.detail = "storage error: " + store.LastErrorMessage();
          return r;
        }
        switch (r.decided.outcome) {
          case storage::ReviewOutcome::kDone:
            if (store.Get(id, &r.comment)) {
              r.status = 503;
              r.detail = "storage error: " + store.LastErrorMessage();
            }
            break;
          case storage::ReviewOutcome::kNothingToUndo:
            r.status = 409;
            r.detail = "nothing to undo";
            break;
          case storage::ReviewOutcome::kUndoWindowPassed:
            r.status = 409;
            r.detail = window_detail;
            break;
          default:
            r.status = 404;
            r.detail = NoComment(id);
            break;
        }
        return r;
      };
  std::optional<WriteResult> result =
      co_await AsyncOnWriter<WriteResult>(s.writer, std::move(task), net::use_awaitable);
  if (!result || result->status != 200) co_return FromWriteResult(req, result);
  LogDecision(result->decided.decision);
  co_return JsonResponse(req, http::status::ok,
                         {{"comment", CommentJson(result->comment)},
                          {"decision", DecisionJson(result->decided.decision, false)},
                          {"undone", DecisionJson(result->decided.undone, false)}});
}

// ----------------------------------------------------------------- reads

net::awaitable<Response> HistoryHandler(Services& s, const Request& req,
                                        const RequestContext& ctx, int64_t id) {
  if (auto r = RequireReviewer(req, ctx)) co_return std::move(*r);
  if (auto r = RequireMethod(req, http::verb::get, "GET")) co_return std::move(*r);
  std::string error;
  auto lease = s.readers.Acquire(&error);
  if (!lease) co_return Overloaded(req, "database unavailable: " + error);
  storage::Comment comment;
  std::error_code ec = lease->Get(id, &comment);
  if (ec == storage::Errc::not_found) {
    co_return Problem(req, http::status::not_found, NoComment(id));
  }
  if (ec) co_return Overloaded(req, "database error: " + lease->LastErrorMessage());
  if (auto r = RequireSite(req, ctx, comment.site)) co_return std::move(*r);
  std::vector<storage::Decision> decisions;
  std::vector<storage::ReviewLabel> labels;
  if (lease->History(id, &decisions, &labels)) {
    co_return Overloaded(req, "database error: " + lease->LastErrorMessage());
  }
  json::array d, l;
  for (const auto& x : decisions) d.push_back(DecisionJson(x, true));
  for (const auto& x : labels) {
    l.push_back({{"id", x.label.id},
                 {"label", x.label.label},
                 {"source", x.label.source},
                 {"author", x.label.author},
                 {"created_at", base::FormatTimeMs(x.label.created_at_ms)},
                 {"decision_id", x.decision_id == 0 ? json::value(nullptr)
                                                    : json::value(x.decision_id)},
                 {"undone", x.undone}});
  }
  co_return JsonResponse(req, http::status::ok,
                         {{"decisions", std::move(d)}, {"labels", std::move(l)}});
}

net::awaitable<Response> ReputationHandler(Services& s, const Request& req,
                                           const RequestContext& ctx) {
  if (auto r = RequireReviewer(req, ctx)) co_return std::move(*r);
  if (auto r = RequireMethod(req, http::verb::get, "GET")) co_return std::move(*r);
  std::string email, ip;
  for (const auto& [key, value] : QueryParams(req.target())) {
    if (key == "email") email = value;
    else if (key == "ip") ip = value;
    else co_return BadQuery(req, key, "is unknown");
  }
  if (email.empty() && ip.empty()) {
    co_return Problem(req, http::status::bad_request,
                      "query parameter 'email' or 'ip' is required");
  }
  std::string error;
  auto lease = s.readers.Acquire(&error);
  if (!lease) co_return Overloaded(req, "database unavailable: " + error);
  storage::Reputation by_email, by_ip;
  if (lease->GetReputation(email, ip, ScopeOf(*ctx.principal), &by_email, &by_ip)) {
    co_return Overloaded(req, "database error: " + lease->LastErrorMessage());
  }
  co_return JsonResponse(req, http::status::ok,
                         {{"email", ReputationJson(by_email)}, {"ip", ReputationJson(by_ip)}});
}

net::awaitable<Response> PollHandler(Services& s, const Request& req, const RequestContext& ctx) {
  std::string site, cursor;
  int64_t since = 0;
  int64_t limit = kDefaultPollLimit;
  for (const auto& [key, value] : QueryParams(req.target())) {
    if (key == "site") {
      site = value;
    } else if (key == "changed_since") {
      if (!base::ParseTimeParam(value, &since)) {
        co_return BadQuery(req, key, "must be an RFC 3339 date-time or Unix milliseconds");
      }
    } else if (key == "limit") {
      if (!base::ParseInt64(value, &limit) || limit < 1 || limit > s.config.review.max_page) {
        co_return BadQuery(req, key,
                           "must be an integer from 1 to " +
                               std::to_string(s.config.review.max_page));
      }
    } else if (key == "cursor") {
      cursor = value;
    } else {
      co_return BadQuery(req, key, "is unknown");
    }
  }
  if (site.empty()) co_return BadQuery(req, "site", "is required");
  if (auto r = RequireSite(req, ctx, site)) co_return std::move(*r);
  std::optional<std::pair<int64_t, int64_t>> after;
  if (!cursor.empty()) {
    std::string key;
    int64_t id = 0, updated = 0;
    if (!ParseCursor(cursor, "u", &key, &id) || !base::ParseInt64(key, &updated)) {
      co_return BadQuery(req, "cursor", "is not a cursor from a previous page");
    }
    after = std::make_pair(updated, id);
  }
  std::string error;
  auto lease = s.readers.Acquire(&error);
  if (!lease) co_return Overloaded(req, "database unavailable: " + error);
  std::vector<storage::Comment> changed;
  if (lease->ListChanged(site, since, after, limit + 1, &changed)) {
    co_return Overloaded(req, "database error: " + lease->LastErrorMessage());
  }
  json::value next = nullptr;
  if (static_cast<int64_t>(changed.size()) > limit) {
    changed.resize(static_cast<size_t>(limit));
    next = json::string(
        MakeCursor("u", std::to_string(changed.back().updated_at_ms), changed.back().id));
  }
  json::array items;
  for (const auto& c : changed) {
    items.push_back({{"id", c.id},
                     {"external_id", c.external_id.empty() ? json::value(nullptr)
                                                           : json::value(c.external_id)},
                     {"status", c.status},
                     {"updated_at", base::FormatTimeMs(c.updated_at_ms)}});
  }
  co_return JsonResponse(req, http::status::ok,
                         {{"items", std::move(items)}, {"next_cursor", std::move(next)}});
}

net::awaitable<Response> MethodNotAllowed(Response response) { co_return response; }

}  // namespace

void RegisterQueueRoutes(Router& router, const Config&) {
  using A = Router::Access;
  router.Add("/v1/queue", A::kAuthenticated, QueueHandler);
  router.Add("/v1/queue/", A::kAuthenticated, ClaimHandler);
  router.Add("/v1/decisions", A::kAuthenticated, BulkHandler);
  router.Add("/v1/reputation", A::kAuthenticated, ReputationHandler);
  // GET /v1/comments is polling; other methods stay daemon/api/comments.cc's.
  router.Wrap("/v1/comments", [](Handler inner) -> Handler {
    return [inner](Services& s, const Request& req,
                   const RequestContext& ctx) -> net::awaitable<Response> {
      if (req.method() == http::verb::get) return PollHandler(s, req, ctx);
      if (req.method() == http::verb::post) return inner(s, req, ctx);
      return MethodNotAllowed(*RequireMethod(req, http::verb::post, "GET, POST"));
    };
  });
  // /v1/comments/{id}/decision|undo|history; /v1/comments/{id} stays theirs.
  router.Wrap("/v1/comments/", [](Handler inner) -> Handler {
    return [inner](Services& s, const Request& req,
                   const RequestContext& ctx) -> net::awaitable<Response> {
      int64_t id = 0;
      std::string_view action;
      if (!SplitItemPath(ctx.path, "/v1/comments/", &id, &action)) return inner(s, req, ctx);
      if (action == "decision") return DecisionHandler(s, req, ctx, id);
      if (action == "undo") return UndoHandler(s, req, ctx, id);
      if (action == "history") return HistoryHandler(s, req, ctx, id);
      return inner(s, req, ctx);
    };
  });
}

}  // namespace moderated

// Moderators' decisions (docs/review.md, docs/api.md):
//   POST /v1/comments/{id}/decision   approve | reject | spam | abuse
//   POST /v1/decisions                the same for many ids
//   POST /v1/comments/{id}/undo       undo the caller's latest decision
//   GET  /v1/comments/{id}/history    decisions and labels
//
// Every write is ONE task on the writer thread: the access check (the
// comment's site) and the storage transaction run there back to back.
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include "base/time.h"
#include "daemon/api/handlers.h"
#include "daemon/api/review/review.h"
#include "daemon/core/log.h"
#include "daemon/core/metrics.h"
#include "daemon/db/async.h"

namespace moderated::api {
namespace json = boost::json;
namespace net = boost::asio;

namespace {

struct DecisionBody {
  std::string decision, note;
  std::vector<int64_t> ids;  // bulk only
};

void ParseIds(const json::object& o, uint32_t max_ids, DecisionBody* out,
              std::vector<FieldError>* errors) {
  auto i = o.find("ids");
  if (i == o.end()) {
    errors->push_back({"/ids", "is required"});
    return;
  }
  if (!i->value().is_array() || i->value().as_array().empty() ||
      i->value().as_array().size() > max_ids) {
    errors->push_back(
        {"/ids", "must be an array of 1 to " + std::to_string(max_ids) + " comment ids"});
    return;
  }
  const json::array& a = i->value().as_array();
  for (size_t k = 0; k < a.size(); ++k) {
    if (!a[k].is_int64() || a[k].as_int64() <= 0) {
      errors->push_back({"/ids/" + std::to_string(k), "must be a positive integer"});
    } else {
      out->ids.push_back(a[k].as_int64());
    }
  }
}

// Validates {"decision": ..., "note": ...} (and "ids" when `bulk`).
bool ParseDecisionBody(const json::value& body, bool bulk, uint32_t max_ids, DecisionBody* out,
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
  ParseDecisionFields(o, &out->decision, &out->note, errors);
  if (bulk) ParseIds(o, max_ids, out, errors);
  return errors->empty();
}

// Logs a decision and counts it in metrics.
void LogDecision(Services& s, const Call& call, const storage::Decision& d,
                 const std::string& site) {
  const bool named = call.principal->role != Role::kAdmin || s.engines.Current()->KnowsSite(site);
  metrics::ObserveDecision(d.decision, metrics::SiteLabel(site, named));
  Log(LogLevel::kInfo, "comment_decided",
      {{"id", std::to_string(d.comment_id)},
       {"decision", d.decision},
       {"status", d.new_status},
       {"by", d.actor}});
}

void StorageFailed(storage::Store& store, WriteResult* r) {
  r->status = 503;
  r->detail = "storage error: " + store.LastErrorMessage();
}

std::function<WriteResult(storage::Store&)> DecideTask(Principal who,
                                                       storage::DecideRequest request) {
  return [who, request](storage::Store& store) {
    const int64_t id = request.comment_id;
    WriteResult r;
    if (!CheckAccess(store, id, who, &r.comment, &r)) return r;
    if (store.Decide(request, &r.decided)) {
      StorageFailed(store, &r);
    } else if (r.decided.outcome == storage::ReviewOutcome::kNotFound) {
      r.status = 404;
      r.detail = NoComment(id);
    } else if (r.decided.outcome == storage::ReviewOutcome::kClaimedByOther) {
      r.status = 409;
      r.detail = ClaimedDetail(id, r.decided.claim);
    } else if (store.Get(id, &r.comment)) {
      StorageFailed(store, &r);
    }
    return r;
  };
}

// Access first; the allowed ids are then decided in one transaction, and
// each id gets its own status in `slots`.
std::function<WriteResult(storage::Store&)> DecideManyTask(
    Principal who, std::vector<storage::DecideRequest> requests) {
  return [who, requests](storage::Store& store) {
    WriteResult r;
    r.slots.resize(requests.size());
    std::vector<storage::DecideRequest> allowed;
    std::vector<size_t> index;
    for (size_t i = 0; i < requests.size(); ++i) {
      WriteResult check;
      storage::Comment comment;
      if (!CheckAccess(store, requests[i].comment_id, who, &comment, &check)) {
        if (check.status == 503) return check;
        r.slots[i] = {check.status, check.detail};
        continue;
      }
      allowed.push_back(requests[i]);
      index.push_back(i);
      r.many_sites.push_back(comment.site);
    }
    if (store.DecideMany(allowed, &r.many)) {
      StorageFailed(store, &r);
      return r;
    }
    for (size_t k = 0; k < r.many.size(); ++k) {
      const storage::DecideResult& d = r.many[k];
      const int64_t id = requests[index[k]].comment_id;
      auto& slot = r.slots[index[k]];
      if (d.outcome == storage::ReviewOutcome::kNotFound)
        slot = {404, NoComment(id)};
      else if (d.outcome == storage::ReviewOutcome::kClaimedByOther)
        slot = {409, ClaimedDetail(id, d.claim)};
      else
        slot = {200, d.decision.new_status};
    }
    return r;
  };
}

std::function<WriteResult(storage::Store&)> UndoTask(Principal who, storage::DecideRequest request,
                                                     int64_t window_ms, std::string window_detail) {
  return [who, request, window_ms, window_detail](storage::Store& store) {
    const int64_t id = request.comment_id;
    WriteResult r;
    if (!CheckAccess(store, id, who, &r.comment, &r)) return r;
    if (store.Undo(request, window_ms, &r.decided)) {
      StorageFailed(store, &r);
      return r;
    }
    switch (r.decided.outcome) {
      case storage::ReviewOutcome::kDone:
        if (store.Get(id, &r.comment)) StorageFailed(store, &r);
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
}

json::object LabelJson(const storage::ReviewLabel& x) {
  return {{"id", x.label.id},
          {"label", x.label.label},
          {"source", x.label.source},
          {"author", x.label.author},
          {"created_at", base::FormatTimeMs(x.label.created_at_ms)},
          {"decision_id", x.decision_id == 0 ? json::value(nullptr) : json::value(x.decision_id)},
          {"undone", x.undone}};
}

// Runs a decision's or an undo's writer task and answers with the comment
// and the decision (and, for an undo, the decision it undid). `task` is the
// caller's named local: GCC 12 mis-handles class temporaries and by-value
// class parameters in co_await expressions (double destruction).
awaitable<Response> RunDecision(Services& s, const Call& call,
                                std::function<WriteResult(storage::Store&)>& task, bool undo) {
  std::optional<WriteResult> result =
      co_await AsyncOnWriter<WriteResult>(s.writer, std::move(task), net::use_awaitable);
  if (!result || result->status != 200) co_return FromWriteResult(call.request, result);
  LogDecision(s, call, result->decided.decision, result->comment.site);
  json::object body{{"comment", CommentJson(result->comment)},
                    {"decision", DecisionJson(result->decided.decision, false)}};
  if (undo) body["undone"] = DecisionJson(result->decided.undone, false);
  co_return JsonResponse(call.request, http::status::ok, body);
}

}  // namespace

awaitable<Response> Decide(Services& s, const Call& call) {
  DecisionBody body;
  std::vector<FieldError> errors;
  if (!ParseDecisionBody(call.body, false, 0, &body, &errors)) {
    co_return ValidationProblem(call.request, errors);
  }
  std::function<WriteResult(storage::Store&)> task = DecideTask(
      *call.principal, MakeRequest(call.id, body.decision, body.note, call.Actor(), base::NowMs()));
  co_return co_await RunDecision(s, call, task, /*undo=*/false);
}

awaitable<Response> DecideMany(Services& s, const Call& call) {
  DecisionBody body;
  std::vector<FieldError> errors;
  if (!ParseDecisionBody(call.body, true, s.config.review.max_bulk_ids, &body, &errors)) {
    co_return ValidationProblem(call.request, errors);
  }
  const int64_t now = base::NowMs();
  std::vector<storage::DecideRequest> requests;
  for (int64_t id : body.ids) {
    requests.push_back(MakeRequest(id, body.decision, body.note, call.Actor(), now));
  }
  std::function<WriteResult(storage::Store&)> task =
      DecideManyTask(*call.principal, std::move(requests));
  std::optional<WriteResult> result =
      co_await AsyncOnWriter<WriteResult>(s.writer, std::move(task), net::use_awaitable);
  if (!result || result->status != 200) co_return FromWriteResult(call.request, result);
  for (size_t k = 0; k < result->many.size(); ++k) {
    const storage::DecideResult& d = result->many[k];
    if (d.outcome == storage::ReviewOutcome::kDone) {
      LogDecision(s, call, d.decision, result->many_sites[k]);
    }
  }
  json::array out;
  for (size_t i = 0; i < body.ids.size(); ++i) {
    const auto& [status, text] = result->slots[i];
    json::object o{{"id", body.ids[i]}, {"status", status}};
    o[status == 200 ? "new_status" : "detail"] = text;
    out.push_back(std::move(o));
  }
  co_return JsonResponse(call.request, http::status::ok, {{"results", std::move(out)}});
}

awaitable<Response> Undo(Services& s, const Call& call) {
  const uint32_t window_s = s.config.review.undo_window_seconds;
  std::function<WriteResult(storage::Store&)> task = UndoTask(
      *call.principal, MakeRequest(call.id, "", "", call.Actor(), base::NowMs()),
      int64_t{window_s} * 1000, "undo window of " + std::to_string(window_s) + " s has passed");
  co_return co_await RunDecision(s, call, task, /*undo=*/true);
}

awaitable<Response> History(Services& s, const Call& call) {
  std::string error;
  auto lease = s.readers.Acquire(&error);
  if (!lease) co_return Overloaded(call.request, "database unavailable: " + error);
  storage::Comment comment;
  std::error_code ec = lease->Get(call.id, &comment);
  if (ec == storage::Errc::not_found) {
    co_return Problem(call.request, http::status::not_found, NoComment(call.id));
  }
  if (ec) co_return Overloaded(call.request, "database error: " + lease->LastErrorMessage());
  if (!call.MayActFor(comment.site)) co_return SiteForbidden(call.request, comment.site);
  std::vector<storage::Decision> decisions;
  std::vector<storage::ReviewLabel> labels;
  if (lease->History(call.id, &decisions, &labels)) {
    co_return Overloaded(call.request, "database error: " + lease->LastErrorMessage());
  }
  json::array d, l;
  for (const auto& x : decisions) d.push_back(DecisionJson(x, true));
  for (const auto& x : labels) l.push_back(LabelJson(x));
  co_return JsonResponse(call.request, http::status::ok,
                         {{"decisions", std::move(d)}, {"labels", std::move(l)}});
}

}  // namespace moderated::api

// Bulk actions on the review queue (docs/review.md, docs/api.md):
//   POST /v1/queue/bulk              one decision for every queue item a filter matches
//   GET  /v1/queue/bulk/{id}         its progress and result
//   POST /v1/queue/bulk/{id}/undo    undo it
//
// An action runs in the background after the 202, in batches: a reader
// lists the next kBulkBatchSize matching ids (the queue's oldest-first
// keyset order), then ONE writer task decides them (DecideMany, each
// decision tagged with the action's id) and records the progress. The
// writer takes other tasks between two batches, so submissions and single
// decisions never wait behind a large action. An undo walks the action's
// decisions the same way (UndoBulkDecisions).
//
// An action cut off by a stop or crash is marked failed by the sweep
// (bulk.h) once it has written no progress for two minutes.
//
// Who may do what: a moderator or an admin starts an action; a moderator
// scoped to sites only ever matches comments of its sites. Only the actor
// who started an action, or an admin, may read or undo it.
#include "daemon/api/review/bulk.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <memory>

#include "base/time.h"
#include "daemon/api/handlers.h"
#include "daemon/api/review/review.h"
#include "daemon/core/log.h"
#include "daemon/db/async.h"

namespace moderated::api {
namespace json = boost::json;
namespace net = boost::asio;

namespace {

// Ids per writer task: one DecideMany transaction of this many decisions
// holds the writer for a few milliseconds.
constexpr int64_t kBulkBatchSize = 500;

// What POST /v1/queue/bulk accepts.
struct BulkBody {
  storage::QueueFilter filter;
  json::object filter_json;  // as given, kept with the action
  std::string decision, note;
  bool dry_run = false;
  std::string forbidden_site;  // a site the token may not act for
};

// A filter field's value as GET /v1/queue's query parameter would carry it.
bool FilterText(const json::value& v, std::string* out) {
  if (v.is_string()) {
    *out = std::string(v.as_string());
    return true;
  }
  if (v.is_int64() || v.is_uint64() || v.is_double()) {
    *out = json::serialize(v);
    return true;
  }
  return false;
}

void ParseBulkFilter(const Call& call, const json::value& v, int64_t now, BulkBody* out,
                     std::vector<FieldError>* errors) {
  if (!v.is_object()) {
    errors->push_back({"/filter", "must be a JSON object"});
    return;
  }
  out->filter_json = v.get_object();
  out->filter.sites = ScopeOf(*call.principal);
  for (const auto& kv : v.get_object()) {
    const std::string key(kv.key());
    const std::string pointer = "/filter/" + key;
    std::string text, error;
    if (!FilterText(kv.value(), &text)) {
      storage::QueueFilter scratch;
      if (ParseQueueFilterParam(key, "", now, &scratch, &error)) {
        errors->push_back({pointer, "must be a string or a number"});
      } else {
        errors->push_back({pointer, "unknown field"});
      }
      continue;
    }
    if (!ParseQueueFilterParam(key, text, now, &out->filter, &error)) {
      errors->push_back({pointer, "unknown field"});
    } else if (!error.empty()) {
      errors->push_back({pointer, error});
    } else if (key == "site" && !text.empty() && !call.MayActFor(text)) {
      out->forbidden_site = text;
    }
  }
  if (errors->empty() && !out->filter.NarrowsBeyondSites()) {
    errors->push_back({"/filter",
                       "must narrow the queue beyond site and review: give language, label, "
                       "min_score, max_score, rule, min_age, max_age, email, ip or q"});
  }
}

bool ParseBulkBody(const Call& call, int64_t now, BulkBody* out, std::vector<FieldError>* errors) {
  if (!call.body.is_object()) {
    errors->push_back({"", "must be a JSON object"});
    return false;
  }
  const json::object& o = call.body.get_object();
  for (const auto& kv : o) {
    if (kv.key() != "filter" && kv.key() != "decision" && kv.key() != "note" &&
        kv.key() != "dry_run") {
      errors->push_back({"/" + std::string(kv.key()), "unknown field"});
    }
  }
  if (auto f = o.find("filter"); f == o.end()) {
    errors->push_back({"/filter", "is required"});
  } else {
    ParseBulkFilter(call, f->value(), now, out, errors);
  }
  ParseDecisionFields(o, &out->decision, &out->note, errors);
  if (auto d = o.find("dry_run"); d != o.end()) {
    if (!d->value().is_bool()) {
      errors->push_back({"/dry_run", "must be true or false"});
    } else {
      out->dry_run = d->value().as_bool();
    }
  }
  return errors->empty();
}

json::object BulkJson(const storage::BulkAction& a) {
  json::value filter;
  boost::system::error_code ec;
  filter = json::parse(a.filter_json, ec);
  if (ec) filter = json::object();
  auto or_null = [](const std::string& s) {
    return s.empty() ? json::value(nullptr) : json::value(s);
  };
  return {{"id", a.id},
          {"state", a.state},
          {"decision", a.decision},
          {"note", a.note},
          {"filter", std::move(filter)},
          {"actor", a.actor},
          {"matched", a.matched},
          {"decided", a.decided},
          {"skipped", a.skipped},
          {"undone", a.undone},
          {"undone_by", or_null(a.undone_by)},
          {"error", or_null(a.error)},
          {"created_at", base::FormatTimeMs(a.created_at_ms)},
          {"updated_at", base::FormatTimeMs(a.updated_at_ms)}};
}

std::string NoBulk(int64_t id) { return "no bulk action " + std::to_string(id); }

// What a bulk writer task hands back: the action as now stored, or why not.
struct BulkStep {
  unsigned status = 200;  // 200, 403, 404, 409, 503
  std::string detail;
  storage::BulkAction action;
};

BulkStep StorageFailed(storage::Store& store) {
  BulkStep r;
  r.status = 503;
  r.detail = "storage error: " + store.LastErrorMessage();
  return r;
}

// Writes `a` if its stored state is `expected` (with `audit`, may be null).
BulkStep SaveBulk(storage::Store& store, storage::BulkAction a, const std::string& expected,
                  const storage::AuditEntry* audit) {
  a.updated_at_ms = base::NowMs();
  bool updated = false;
  if (store.UpdateBulkAction(a, expected, audit, &updated)) return StorageFailed(store);
  BulkStep r;
  if (!updated) {
    r.status = 409;
    r.detail = "bulk action " + std::to_string(a.id) + " changed meanwhile";
  }
  r.action = std::move(a);
  return r;
}

// One batch of a bulk action: the ids still in the queue are decided in ONE
// transaction; the others, and those another actor has claimed, are skipped.
std::function<BulkStep(storage::Store&)> DecideBatchTask(storage::BulkAction action,
                                                         std::vector<int64_t> ids) {
  return [action, ids](storage::Store& store) mutable {
    const int64_t now = base::NowMs();
    std::vector<storage::DecideRequest> requests;
    for (int64_t id : ids) {
      storage::Comment c;
      std::error_code ec = store.Get(id, &c);
      if (ec && ec != storage::Errc::not_found) return StorageFailed(store);
      if (ec || (c.status != "pending" && !c.spot_check)) {
        ++action.skipped;  // gone, or decided by someone else since it was listed
        continue;
      }
      requests.push_back(MakeRequest(id, action.decision, action.note, action.actor, now));
      requests.back().bulk_id = action.id;
    }
    std::vector<storage::DecideResult> results;
    if (store.DecideMany(requests, &results)) return StorageFailed(store);
    for (const storage::DecideResult& d : results) {
      if (d.outcome == storage::ReviewOutcome::kDone) {
        ++action.decided;
      } else {
        ++action.skipped;
      }
    }
    return SaveBulk(store, std::move(action), "running", nullptr);
  };
}

// One batch of an undo: the comments of `decisions`, undone where the
// action's decision is still their latest.
std::function<BulkStep(storage::Store&)> UndoBatchTask(storage::BulkAction action,
                                                       std::vector<int64_t> comment_ids) {
  return [action, comment_ids](storage::Store& store) mutable {
    const int64_t now = base::NowMs();
    std::vector<storage::DecideRequest> requests;
    for (int64_t id : comment_ids) {
      requests.push_back(MakeRequest(id, "", "", action.undone_by, now));
    }
    std::vector<storage::DecideResult> results;
    if (store.UndoBulkDecisions(action.id, requests, &results)) return StorageFailed(store);
    for (const storage::DecideResult& d : results) {
      if (d.outcome == storage::ReviewOutcome::kDone) ++action.undone;
    }
    return SaveBulk(store, std::move(action), "undoing", nullptr);
  };
}

storage::AuditEntry BulkAudit(const storage::BulkAction& a, bool undo) {
  storage::AuditEntry e;
  e.at_ms = base::NowMs();
  e.actor = undo ? a.undone_by : a.actor;
  e.action = undo ? "queue.bulk.undo" : "queue.bulk";
  e.target = "bulk:" + std::to_string(a.id);
  json::object after = BulkJson(a);
  after.erase("created_at");
  after.erase("updated_at");
  e.after_json = json::serialize(after);
  return e;
}

// The last write of an action or of its undo: its final state and its one
// audit entry.
std::function<BulkStep(storage::Store&)> FinishTask(storage::BulkAction action, bool undo,
                                                    std::string error) {
  return [action, undo, error](storage::Store& store) mutable {
    const std::string expected = action.state;
    action.state = !error.empty() ? "failed" : undo ? "undone" : "done";
    action.error = error;
    const storage::AuditEntry audit = BulkAudit(action, undo);
    return SaveBulk(store, std::move(action), expected, &audit);
  };
}

// What a stalled action says when the sweep closes it.
std::string StalledError(const storage::BulkAction& a) {
  const bool undo = a.state == "undoing";
  std::string e = std::string("interrupted: ") + (undo ? "the undo" : "the action") +
                  " made no progress for " + std::to_string(kBulkStalledAfterMs / 1000) +
                  " s (the daemon running it stopped); ";
  if (undo) {
    e += std::to_string(a.undone) + " of " + std::to_string(a.decided) +
         " decisions undone; undo it again to finish";
  } else {
    e += std::to_string(a.decided) + " of " + std::to_string(a.matched) +
         " decided; undo it, or start it again for the rest";
  }
  return e;
}

// The next batch: matching queue ids (an action) or the comments of the
// action's not-undone decisions (an undo), after `*after`.
bool ReadBatch(Services& s, const storage::QueueFilter* filter, int64_t bulk_id, int64_t* after,
               std::vector<int64_t>* ids, std::string* error) {
  ids->clear();
  auto lease = s.readers.Acquire(error);
  if (!lease) return false;
  if (filter != nullptr) {
    if (lease->ListQueueIds(*filter, *after, kBulkBatchSize, ids)) {
      *error = "database error: " + lease->LastErrorMessage();
      return false;
    }
    if (!ids->empty()) *after = ids->back();
    return true;
  }
  std::vector<storage::Decision> decisions;
  if (lease->ListBulkDecisions(bulk_id, *after, kBulkBatchSize, &decisions)) {
    *error = "database error: " + lease->LastErrorMessage();
    return false;
  }
  for (const storage::Decision& d : decisions) ids->push_back(d.comment_id);
  if (!decisions.empty()) *after = decisions.back().id;
  return true;
}

// A bulk action (filter set) or its undo (filter null), batch after batch,
// then its final state. `last_id`: an action decides no comment newer than
// the newest that matched when it started.
struct BulkRun {
  storage::BulkAction action;
  std::optional<storage::QueueFilter> filter;
  int64_t last_id = 0;
};

awaitable<void> RunBulk(Services& s, std::shared_ptr<BulkRun> run) {
  const bool undo = !run->filter;
  const storage::QueueFilter* filter = undo ? nullptr : &*run->filter;
  int64_t after = 0;
  std::string error;
  for (;;) {
    std::vector<int64_t> ids;
    if (!ReadBatch(s, filter, run->action.id, &after, &ids, &error)) break;
    const bool last = static_cast<int64_t>(ids.size()) < kBulkBatchSize;
    if (!undo) std::erase_if(ids, [&](int64_t id) { return id > run->last_id; });
    if (ids.empty()) break;
    std::function<BulkStep(storage::Store&)> task =
        undo ? UndoBatchTask(run->action, ids) : DecideBatchTask(run->action, ids);
    std::optional<BulkStep> step =
        co_await AsyncOnWriter<BulkStep>(s.writer, std::move(task), net::use_awaitable);
    if (!step) co_return;  // the writer is stopping
    if (step->status != 200) {
      error = step->detail;
      break;
    }
    run->action = std::move(step->action);
    if (last || (!undo && after >= run->last_id)) break;
  }
  std::function<BulkStep(storage::Store&)> finish = FinishTask(run->action, undo, error);
  std::optional<BulkStep> done =
      co_await AsyncOnWriter<BulkStep>(s.writer, std::move(finish), net::use_awaitable);
  if (!done) co_return;
  const storage::BulkAction& a = done->action;
  Log(done->status == 200 && error.empty() ? LogLevel::kInfo : LogLevel::kError,
      undo ? "queue_bulk_undone" : "queue_bulk_done",
      {{"id", std::to_string(a.id)},
       {"state", a.state},
       {"decided", std::to_string(a.decided)},
       {"undone", std::to_string(a.undone)},
       {"error", done->status == 200 ? error : done->detail}});
}

// Starts `run` on `executor` (the request's); it outlives the request.
void Spawn(const net::any_io_executor& executor, Services& s, const std::shared_ptr<BulkRun>& run) {
  net::co_spawn(executor, RunBulk(s, run), [](std::exception_ptr p) {
    if (!p) return;
    try {
      std::rethrow_exception(p);
    } catch (const std::exception& ex) {
      Log(LogLevel::kError, "queue_bulk_internal_error", {{"error", ex.what()}});
    }
  });
}

std::function<BulkStep(storage::Store&)> AddTask(storage::BulkAction action) {
  return [action](storage::Store& store) mutable {
    if (store.AddBulkAction(action, &action.id)) return StorageFailed(store);
    BulkStep r;
    r.action = std::move(action);
    return r;
  };
}

// May `who` read or undo action `a`?
bool MayHandle(const Principal& who, const storage::BulkAction& a) {
  return who.role == Role::kAdmin || who.Actor() == a.actor;
}

std::function<BulkStep(storage::Store&)> StartUndoTask(int64_t id, Principal who) {
  return [id, who](storage::Store& store) {
    BulkStep r;
    std::error_code ec = store.GetBulkAction(id, &r.action);
    if (ec == storage::Errc::not_found) {
      r.status = 404;
      r.detail = NoBulk(id);
      return r;
    }
    if (ec) return StorageFailed(store);
    const std::string name = "bulk action " + std::to_string(id);
    if (!MayHandle(who, r.action)) {
      r.status = 403;
      r.detail = name + " was started by " + r.action.actor + "; only they or an admin may undo it";
      return r;
    }
    const std::string state = r.action.state;
    if (state == "running") {
      r.status = 409;
      r.detail = name + " is still running; undo it when it is done";
      return r;
    }
    if (state == "undoing" || state == "undone") {
      r.status = 409;
      r.detail = name + " is already " + state;
      return r;
    }
    storage::BulkAction next = r.action;
    next.state = "undoing";
    next.undone_by = who.Actor();
    next.error.clear();
    return SaveBulk(store, std::move(next), state, nullptr);
  };
}

Response StepProblem(const Call& call, const std::optional<BulkStep>& step) {
  if (!step) return WriterStopping(call.request);
  if (step->status == 503) return Overloaded(call.request, step->detail);
  return Problem(call.request, static_cast<http::status>(step->status), step->detail);
}

}  // namespace

int FailStalledBulkActions(storage::Store& store, int64_t now_ms) {
  std::vector<storage::BulkAction> stalled;
  if (store.ListStalledBulkActions(now_ms - kBulkStalledAfterMs, 100, &stalled)) {
    Log(LogLevel::kError, "queue_bulk_sweep_failed", {{"error", store.LastErrorMessage()}});
    return 0;
  }
  int failed = 0;
  for (storage::BulkAction& a : stalled) {
    const std::string error = StalledError(a);
    BulkStep step = FinishTask(a, a.state == "undoing", error)(store);
    if (step.status == 503) {
      Log(LogLevel::kError, "queue_bulk_sweep_failed", {{"error", step.detail}});
      break;
    }
    if (step.status != 200) continue;  // it moved meanwhile: alive after all
    ++failed;
    Log(LogLevel::kWarn, "queue_bulk_interrupted",
        {{"id", std::to_string(a.id)}, {"error", error}});
  }
  return failed;
}

awaitable<Response> StartBulk(Services& s, const Call& call) {
  const int64_t now = base::NowMs();
  BulkBody body;
  std::vector<FieldError> errors;
  if (!ParseBulkBody(call, now, &body, &errors)) co_return ValidationProblem(call.request, errors);
  if (!body.forbidden_site.empty()) co_return SiteForbidden(call.request, body.forbidden_site);
  int64_t matched = 0;
  std::vector<storage::Comment> newest;
  {
    std::string error;
    auto lease = s.readers.Acquire(&error);
    if (!lease) co_return Overloaded(call.request, "database unavailable: " + error);
    if (lease->CountQueueExact(body.filter, &matched) ||
        lease->ListQueue(body.filter, storage::QueueOrder::kNewest, std::nullopt, 1, &newest)) {
      co_return Overloaded(call.request, "database error: " + lease->LastErrorMessage());
    }
  }
  if (body.dry_run) {
    co_return JsonResponse(call.request, http::status::ok, {{"matched", matched}});
  }
  storage::BulkAction action;
  action.actor = call.Actor();
  action.decision = body.decision;
  action.note = body.note;
  action.filter_json = json::serialize(body.filter_json);
  action.matched = matched;
  action.created_at_ms = action.updated_at_ms = now;
  std::function<BulkStep(storage::Store&)> task = AddTask(std::move(action));
  std::optional<BulkStep> added =
      co_await AsyncOnWriter<BulkStep>(s.writer, std::move(task), net::use_awaitable);
  if (!added || added->status != 200) co_return StepProblem(call, added);
  auto run = std::make_shared<BulkRun>();
  run->action = added->action;
  run->filter = body.filter;
  run->last_id = newest.empty() ? 0 : newest.front().id;
  const net::any_io_executor executor = co_await net::this_coro::executor;
  Spawn(executor, s, run);
  co_return JsonResponse(call.request, http::status::accepted, BulkJson(added->action));
}

awaitable<Response> GetBulk(Services& s, const Call& call) {
  std::string error;
  auto lease = s.readers.Acquire(&error);
  if (!lease) co_return Overloaded(call.request, "database unavailable: " + error);
  storage::BulkAction a;
  std::error_code ec = lease->GetBulkAction(call.id, &a);
  if (ec == storage::Errc::not_found) {
    co_return Problem(call.request, http::status::not_found, NoBulk(call.id));
  }
  if (ec) co_return Overloaded(call.request, "database error: " + lease->LastErrorMessage());
  if (!MayHandle(*call.principal, a)) {
    co_return Problem(call.request, http::status::forbidden,
                      "bulk action " + std::to_string(a.id) + " was started by " + a.actor +
                          "; only they or an admin may read it");
  }
  co_return JsonResponse(call.request, http::status::ok, BulkJson(a));
}

awaitable<Response> UndoBulk(Services& s, const Call& call) {
  std::function<BulkStep(storage::Store&)> task = StartUndoTask(call.id, *call.principal);
  std::optional<BulkStep> started =
      co_await AsyncOnWriter<BulkStep>(s.writer, std::move(task), net::use_awaitable);
  if (!started || started->status != 200) co_return StepProblem(call, started);
  auto run = std::make_shared<BulkRun>();
  run->action = started->action;
  const net::any_io_executor executor = co_await net::this_coro::executor;
  Spawn(executor, s, run);
  co_return JsonResponse(call.request, http::status::accepted, BulkJson(started->action));
}

}  // namespace moderated::api

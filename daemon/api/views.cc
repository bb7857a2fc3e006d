// Saved views (docs/api.md, "Saved views"): a moderator's named filter sets
// of the queue and the search, theirs alone (keyed by their token's id).
//   GET    /v1/views?kind=        their views, by kind and name
//   POST   /v1/views              {"kind", "name", "filter"}: 201 new, 200 replaced
//   DELETE /v1/views/{id}         204; 404 if it is not one of theirs
// The filter is checked as the queue or the search would check its query
// parameters, so a saved view always applies. Writes run on the writer
// thread; no audit entry (a view changes nothing but the console).
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include "base/strings.h"
#include "base/time.h"
#include "daemon/api/handlers.h"
#include "daemon/api/review/review.h"
#include "daemon/db/async.h"
#include "daemon/http/wire.h"

namespace moderated::api {
namespace json = boost::json;
namespace net = boost::asio;

namespace {

constexpr size_t kMaxViewNameChars = 100;
constexpr size_t kMaxViewsPerToken = 100;

json::object ViewJson(const storage::SavedView& v) {
  json::value filter;
  boost::system::error_code ec;
  filter = json::parse(v.filter_json, ec);
  if (ec || !filter.is_object()) filter = json::object();
  return {{"id", v.id},
          {"kind", v.kind},
          {"name", v.name},
          {"filter", std::move(filter)},
          {"created_at", base::FormatTimeMs(v.created_at_ms)},
          {"updated_at", base::FormatTimeMs(v.updated_at_ms)}};
}

// What is wrong with filter member `key` = `value` of a view of `kind`, or "".
std::string CheckFilterParam(const std::string& kind, const std::string& key,
                             const std::string& value) {
  std::string error;
  bool known = false;
  if (kind == "queue") {
    storage::QueueFilter f;
    known = ParseQueueFilterParam(key, value, base::NowMs(), &f, &error);
  } else {
    storage::SearchFilter f;
    known = ParseSearchFilterParam(key, value, &f, &error);
  }
  if (!known) return "is not a filter of the " + kind;
  return error;
}

// The body of POST /v1/views into *view, or errors naming its fields.
bool ParseView(const json::value& body, storage::SavedView* view, std::vector<FieldError>* errors) {
  const json::object* o = body.if_object();
  if (o == nullptr) {
    errors->push_back({"", "must be a JSON object"});
    return false;
  }
  const json::value* kind = o->if_contains("kind");
  if (kind == nullptr || !kind->is_string() ||
      (kind->as_string() != "queue" && kind->as_string() != "search")) {
    errors->push_back({"/kind", "must be \"queue\" or \"search\""});
  } else {
    view->kind = kind->as_string();
  }
  const json::value* name = o->if_contains("name");
  if (name == nullptr || !name->is_string() || base::TrimAscii(name->as_string()).empty() ||
      base::Utf8Length(name->as_string()) > kMaxViewNameChars) {
    errors->push_back(
        {"/name", "must be a text of 1 to " + std::to_string(kMaxViewNameChars) + " characters"});
  } else {
    view->name = std::string(base::TrimAscii(name->as_string()));
  }
  const json::value* filter = o->if_contains("filter");
  if (filter == nullptr || !filter->is_object()) {
    errors->push_back({"/filter", "must be an object of query parameters"});
  } else if (!view->kind.empty()) {
    for (const auto& [key, value] : filter->as_object()) {
      const std::string pointer = "/filter/" + std::string(key);
      if (!value.is_string()) {
        errors->push_back({pointer, "must be a string"});
        continue;
      }
      const std::string error =
          CheckFilterParam(view->kind, std::string(key), std::string(value.as_string()));
      if (!error.empty()) errors->push_back({pointer, error});
    }
    view->filter_json = json::serialize(*filter);
  }
  for (const auto& [key, value] : *o) {
    if (key != "kind" && key != "name" && key != "filter") {
      errors->push_back({"/" + std::string(key), "is unknown"});
    }
  }
  return errors->empty();
}

struct ViewWrite {
  unsigned status = 200;  // 200 | 201 | 204 | 404 | 409 | 503
  std::string error;
  storage::SavedView view;
};

std::function<ViewWrite(storage::Store&)> PutTask(storage::SavedView view) {
  return [view](storage::Store& store) {
    ViewWrite w;
    std::vector<storage::SavedView> mine;
    if (store.ListSavedViews(view.token_id, "", &mine)) {
      return ViewWrite{503, "database error: " + store.LastErrorMessage(), {}};
    }
    bool replaces = false;
    for (const auto& v : mine) replaces |= v.kind == view.kind && v.name == view.name;
    if (!replaces && mine.size() >= kMaxViewsPerToken) {
      return ViewWrite{
          409, "a token keeps at most " + std::to_string(kMaxViewsPerToken) + " saved views", {}};
    }
    bool created = false;
    if (store.PutSavedView(view, &w.view, &created)) {
      return ViewWrite{503, "cannot save the view: " + store.LastErrorMessage(), {}};
    }
    w.status = created ? 201 : 200;
    return w;
  };
}

}  // namespace

awaitable<Response> ListViews(Services& s, const Call& call) {
  std::string kind;
  for (const auto& [key, value] : call.query) {
    if (key != "kind") co_return BadQuery(call.request, key, "is unknown");
    if (!value.empty() && value != "queue" && value != "search") {
      co_return BadQuery(call.request, key, "must be queue or search");
    }
    kind = value;
  }
  std::string error;
  auto lease = s.readers.Acquire(&error);
  if (!lease) co_return Overloaded(call.request, "database unavailable: " + error);
  std::vector<storage::SavedView> views;
  if (lease->ListSavedViews(call.principal->token_id, kind, &views)) {
    co_return Overloaded(call.request, "database error: " + lease->LastErrorMessage());
  }
  json::array items;
  for (const auto& v : views) items.push_back(ViewJson(v));
  co_return JsonResponse(call.request, http::status::ok, {{"items", std::move(items)}});
}

awaitable<Response> PutView(Services& s, const Call& call) {
  storage::SavedView view;
  std::vector<FieldError> errors;
  if (!ParseView(call.body, &view, &errors)) co_return ValidationProblem(call.request, errors);
  view.token_id = call.principal->token_id;
  view.updated_at_ms = base::NowMs();
  std::function<ViewWrite(storage::Store&)> task = PutTask(std::move(view));
  std::optional<ViewWrite> result =
      co_await AsyncOnWriter<ViewWrite>(s.writer, std::move(task), net::use_awaitable);
  if (!result) co_return WriterStopping(call.request);
  if (result->status == 409) {
    co_return Problem(call.request, http::status::conflict, result->error);
  }
  if (result->status >= 300) co_return Overloaded(call.request, result->error);
  co_return JsonResponse(call.request,
                         result->status == 201 ? http::status::created : http::status::ok,
                         ViewJson(result->view));
}

awaitable<Response> DeleteView(Services& s, const Call& call) {
  const int64_t token_id = call.principal->token_id;
  const int64_t id = call.id;
  std::function<ViewWrite(storage::Store&)> task = [token_id, id](storage::Store& store) {
    std::error_code ec = store.DeleteSavedView(token_id, id);
    if (ec == storage::Errc::not_found) return ViewWrite{404, "", {}};
    if (ec) return ViewWrite{503, "cannot delete the view: " + store.LastErrorMessage(), {}};
    return ViewWrite{204, "", {}};
  };
  std::optional<ViewWrite> result =
      co_await AsyncOnWriter<ViewWrite>(s.writer, std::move(task), net::use_awaitable);
  if (!result) co_return WriterStopping(call.request);
  if (result->status == 404) {
    co_return Problem(call.request, http::status::not_found,
                      "no saved view '" + std::to_string(id) + "'");
  }
  if (result->status != 204) co_return Overloaded(call.request, result->error);
  co_return NoContent(call.request);
}

}  // namespace moderated::api

// Live rule administration, admin tokens only (docs/api.md, "Rules"):
//   GET  /v1/admin/rules               the running rules text and version
//   PUT  /v1/admin/rules               validate, store a new version, activate
//   GET  /v1/admin/rules/versions      stored versions, newest first
//   GET  /v1/admin/rules/versions/{id} one version with its text
//   POST /v1/admin/rules/rollback      activate a stored version
//   POST /v1/admin/rules/backtest      re-score stored comments with a proposal
//
// Activation order: rules are compiled on the I/O thread; storing the
// version, the audit entry and the engine swap then happen in ONE writer
// task, so concurrent PUTs and rollbacks swap engines in the same order as
// they change the active version in the database.
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <charconv>

#include "base/time.h"
#include "daemon/api/fields.h"
#include "daemon/api/handlers.h"
#include "daemon/core/log.h"
#include "daemon/db/async.h"
#include "daemon/http/wire.h"
#include "daemon/jobs/backtest.h"

namespace moderated::api {
namespace json = boost::json;
namespace net = boost::asio;

namespace {

constexpr std::string_view kOrigin = "rules";
constexpr int64_t kMaxBacktestLimit = 10'000'000;
constexpr int64_t kMaxBacktestExamples = 1000;
json::object VersionJson(const storage::RulesVersion& v, bool with_text) {
  json::object o;
  o["id"] = v.id;
  o["author"] = v.author;
  o["comment"] = v.comment;
  o["created_at"] = base::FormatTimeMs(v.created_at_ms);
  o["active"] = v.active;
  if (with_text) o["text"] = v.text;
  return o;
}

// "rules:12:5: unknown field 'bdy'" → line 12, column 5 (0 if absent).
void LineAndColumn(std::string_view error, int64_t* line, int64_t* column) {
  *line = *column = 0;
  std::string_view rest = error;
  if (rest.substr(0, kOrigin.size() + 1) != std::string(kOrigin) + ":") return;
  rest.remove_prefix(kOrigin.size() + 1);
  int64_t l = 0, c = 0;
  auto [p1, e1] = std::from_chars(rest.data(), rest.data() + rest.size(), l);
  if (e1 != std::errc() || p1 == rest.data() + rest.size() || *p1 != ':') return;
  *line = l;
  const char* end = rest.data() + rest.size();
  auto [p2, e2] = std::from_chars(p1 + 1, end, c);
  if (e2 == std::errc() && p2 != end && *p2 == ':') *column = c;
}

// 422 listing every compile error of the rules text at JSON pointer /text.
Response RulesProblem(const Request& req, const std::vector<std::string>& errors) {
  json::array list;
  for (const auto& e : errors) {
    int64_t line = 0, column = 0;
    LineAndColumn(e, &line, &column);
    json::object item{{"pointer", "/text"}};
    if (line > 0) item["line"] = line;
    if (column > 0) item["column"] = column;
    item["detail"] = e;
    list.push_back(std::move(item));
  }
  json::object o{
      {"type", "about:blank"},
      {"title", "Unprocessable Entity"},
      {"status", 422},
      {"detail", errors.size() == 1 ? errors[0]
                                    : std::to_string(errors.size()) + " errors in the rules text"},
      {"errors", std::move(list)}};
  Response res = JsonResponse(req, http::status::unprocessable_entity, o);
  res.set(http::field::content_type, "application/problem+json");
  return res;
}

struct Compiled {
  std::shared_ptr<const rules::RuleSet> rules;  // null on errors
  std::vector<std::string> errors;
};

// Compiles `text` on the background thread: 10,000 rules take most of a
// second, and the I/O thread that received the request keeps serving.
net::awaitable<Compiled> Compile(const Services& s, std::string text) {
  // `file:` lists in rules sent over the API: only from rules_list_dir.
  std::function<Compiled()> job = [dir = s.config.rules_list_dir, text = std::move(text)] {
    Compiled c;
    c.rules = CompileRules(text, kOrigin, dir, &c.errors, /*confine_list_files=*/true);
    return c;
  };
  co_return co_await AsyncInBackground<Compiled>(s.background, std::move(job), net::use_awaitable);
}

struct Activation {
  std::error_code ec;
  storage::RulesVersion version;  // the now active version (text included)
};

// On the writer thread: stores (text given) or activates (id given) a
// version, appends the audit entry and swaps the engine.
Activation Activate(Services& s, storage::Store& store, std::shared_ptr<const rules::RuleSet> rules,
                    const std::string& actor, const std::string& text, const std::string& comment,
                    int64_t rollback_to) {
  Activation out;
  storage::RulesVersion previous;
  const bool had_previous = !store.ActiveRulesVersion(&previous);
  auto current = s.engines.Current();
  const int64_t now = base::NowMs();
  if (rollback_to == 0) {
    out.version.text = text;
    out.version.author = actor;
    out.version.comment = comment;
    out.version.created_at_ms = now;
    out.version.active = true;
    if ((out.ec = store.AddRulesVersion(out.version, &out.version.id))) return out;
  } else {
    if ((out.ec = store.ActivateRulesVersion(rollback_to))) return out;
    if ((out.ec = store.GetRulesVersion(rollback_to, &out.version))) return out;
  }
  storage::AuditEntry audit;
  audit.at_ms = now;
  audit.actor = actor;
  audit.action = rollback_to == 0 ? "rules.update" : "rules.rollback";
  audit.target = "rules";
  audit.before_json = ToJson(json::object{
      {"version", had_previous ? json::value(previous.id) : json::value(nullptr)},
      {"engine", current ? json::value(current->rules().version()) : json::value(nullptr)}});
  audit.after_json =
      ToJson(json::object{{"version", out.version.id}, {"engine", rules->version()}});
  if ((out.ec = store.AppendAudit(audit))) return out;
  // The rules and where they came from change in one swap: GET
  // /v1/admin/rules never shows the new engine with the old text.
  const RunningRules running{out.version.text, out.version.id,
                             "database:" + std::to_string(out.version.id)};
  s.engines.Update([&](const Engine& engine) { return engine.WithRules(rules, running); });
  Log(LogLevel::kInfo, rollback_to == 0 ? "rules_updated" : "rules_rolled_back",
      {{"rules", rules->version()},
       {"rules_source", "database:" + std::to_string(out.version.id)},
       {"actor", actor}});
  return out;
}

// The writer task for Activated(). A plain function, not a coroutine: GCC 12
// miscompiles lambdas that init-capture a coroutine's parameters (the moved
// strings were freed twice).
std::function<Activation(storage::Store&)> ActivationTask(
    Services& s, std::shared_ptr<const rules::RuleSet> rules, std::string actor, std::string text,
    std::string comment, int64_t rollback_to) {
  return [&s, rules = std::move(rules), actor = std::move(actor), text = std::move(text),
          comment = std::move(comment), rollback_to](storage::Store& store) {
    return Activate(s, store, rules, actor, text, comment, rollback_to);
  };
}

awaitable<Response> Activated(Services& s, const Call& call,
                              std::shared_ptr<const rules::RuleSet> rules, std::string text,
                              std::string comment, int64_t rollback_to) {
  std::optional<Activation> result = co_await AsyncOnWriter<Activation>(
      s.writer, ActivationTask(s, rules, call.Actor(), text, comment, rollback_to),
      net::use_awaitable);
  if (!result) co_return WriterStopping(call.request);
  if (result->ec) {
    Log(LogLevel::kError, "rules_store_failed", {{"error", result->ec.message()}});
    co_return Overloaded(call.request, "storage error: " + result->ec.message());
  }
  co_return JsonResponse(call.request, http::status::ok,
                         {{"version", VersionJson(result->version, false)},
                          {"engine", rules->version()},
                          {"rules", rules->size()}});
}

// The version before the active one (the next older id); 0 with the 409 to
// answer when there is none.
int64_t PreviousVersion(const std::vector<storage::RulesVersion>& versions,  // newest first
                        std::string* conflict) {
  auto active = std::find_if(versions.begin(), versions.end(),
                             [](const storage::RulesVersion& v) { return v.active; });
  if (active == versions.end()) {
    *conflict = "no stored rules version is active; name one with \"version\"";
    return 0;
  }
  if (active + 1 == versions.end()) {
    *conflict =
        "rules version " + std::to_string(active->id) + " is the oldest; there is none before it";
    return 0;
  }
  return (active + 1)->id;
}

// POST /v1/admin/rules/backtest: {"text", "from_id", "to_id", "limit", "examples"}.
bool ParseBacktestBody(const json::value& body, std::string* text, BacktestOptions* options,
                       std::vector<FieldError>* errors) {
  int64_t examples = options->examples;
  if (const json::object* o =
          ObjectBody(body, {"text", "from_id", "to_id", "limit", "examples"}, errors)) {
    OptionalString(*o, "text", true, text, errors);
    OptionalInt(*o, "from_id", 1, INT64_MAX, &options->from_id, errors);
    OptionalInt(*o, "to_id", 1, INT64_MAX, &options->to_id, errors);
    OptionalInt(*o, "limit", 1, kMaxBacktestLimit, &options->limit, errors);
    OptionalInt(*o, "examples", 0, kMaxBacktestExamples, &examples, errors);
  }
  options->examples = static_cast<int>(examples);
  return errors->empty();
}

}  // namespace

awaitable<Response> GetRules(Services& s, const Call& call) {
  auto engine = s.engines.Current();  // one snapshot: the text and the engine match
  const RunningRules& r = engine->running_rules();
  json::value version = nullptr;
  if (r.version_id != 0) {
    std::string error;
    auto lease = s.readers.Acquire(&error);
    if (!lease) co_return Overloaded(call.request, "database unavailable: " + error);
    storage::RulesVersion v;
    if (std::error_code ec = lease->GetRulesVersion(r.version_id, &v)) {
      co_return Overloaded(call.request, "database error: " + ec.message());
    }
    version = VersionJson(v, false);
  }
  co_return JsonResponse(
      call.request, http::status::ok,
      {{"text", r.text}, {"version", std::move(version)}, {"engine", engine->rules().version()}});
}

awaitable<Response> PutRules(Services& s, const Call& call) {
  std::vector<FieldError> errors;
  std::string text, comment;
  if (const json::object* o = ObjectBody(call.body, {"text", "comment"}, &errors)) {
    OptionalString(*o, "text", true, &text, &errors);
    OptionalString(*o, "comment", false, &comment, &errors);
  }
  if (!errors.empty()) co_return ValidationProblem(call.request, errors);
  Compiled compiled = co_await Compile(s, text);
  if (!compiled.rules) co_return RulesProblem(call.request, compiled.errors);
  co_return co_await Activated(s, call, compiled.rules, std::move(text), std::move(comment), 0);
}

awaitable<Response> ListRulesVersions(Services& s, const Call& call) {
  std::string error;
  auto lease = s.readers.Acquire(&error);
  if (!lease) co_return Overloaded(call.request, "database unavailable: " + error);
  std::vector<storage::RulesVersion> versions;
  if (std::error_code ec = lease->ListRulesVersions(&versions)) {
    co_return Overloaded(call.request, "database error: " + ec.message());
  }
  json::array list;
  for (const auto& v : versions) list.push_back(VersionJson(v, false));
  co_return JsonResponse(call.request, http::status::ok, {{"versions", std::move(list)}});
}

awaitable<Response> GetRulesVersion(Services& s, const Call& call) {
  std::string error;
  auto lease = s.readers.Acquire(&error);
  if (!lease) co_return Overloaded(call.request, "database unavailable: " + error);
  storage::RulesVersion v;
  std::error_code ec = lease->GetRulesVersion(call.id, &v);
  if (ec == storage::Errc::not_found) {
    co_return Problem(call.request, http::status::not_found,
                      "no rules version " + std::to_string(call.id));
  }
  if (ec) co_return Overloaded(call.request, "database error: " + ec.message());
  co_return JsonResponse(call.request, http::status::ok, VersionJson(v, true));
}

awaitable<Response> RollbackRules(Services& s, const Call& call) {
  int64_t target = 0;
  if (!call.body.is_null()) {
    std::vector<FieldError> errors;
    if (const json::object* o = ObjectBody(call.body, {"version"}, &errors)) {
      OptionalInt(*o, "version", 1, INT64_MAX, &target, &errors);
    }
    if (!errors.empty()) co_return ValidationProblem(call.request, errors);
  }
  std::string error;
  auto lease = s.readers.Acquire(&error);
  if (!lease) co_return Overloaded(call.request, "database unavailable: " + error);
  if (target == 0) {
    std::vector<storage::RulesVersion> versions;
    if (std::error_code ec = lease->ListRulesVersions(&versions)) {
      co_return Overloaded(call.request, "database error: " + ec.message());
    }
    std::string conflict;
    target = PreviousVersion(versions, &conflict);
    if (target == 0) co_return Problem(call.request, http::status::conflict, conflict);
  }
  storage::RulesVersion v;
  std::error_code ec = lease->GetRulesVersion(target, &v);
  if (ec == storage::Errc::not_found) {
    co_return Problem(call.request, http::status::not_found,
                      "no rules version " + std::to_string(target));
  }
  if (ec) co_return Overloaded(call.request, "database error: " + ec.message());
  Compiled compiled = co_await Compile(s, v.text);
  if (!compiled.rules) co_return RulesProblem(call.request, compiled.errors);
  co_return co_await Activated(s, call, compiled.rules, "", "", target);
}

awaitable<Response> BacktestRules(Services& s, const Call& call) {
  std::vector<FieldError> errors;
  std::string text;
  BacktestOptions options;
  if (!ParseBacktestBody(call.body, &text, &options, &errors)) {
    co_return ValidationProblem(call.request, errors);
  }
  options.velocity = s.config.velocity;
  Compiled compiled = co_await Compile(s, std::move(text));
  if (!compiled.rules) co_return RulesProblem(call.request, compiled.errors);
  auto current = s.engines.Current();
  // No velocity tracker: the backtest replays velocity in its own. The site
  // registry applies as it does to live verdicts.
  auto proposal = std::make_shared<const Engine>(compiled.rules, current->judge_ptr(),
                                                 current->weights(), nullptr, current->sites_ptr());
  if (s.backtests == nullptr || !s.backtests->TryAcquire()) {
    co_return Problem(call.request, http::status::conflict,
                      "a backtest is already running; retry later");
  }
  std::shared_ptr<BacktestResult> result = co_await AsyncBacktest(
      *s.backtests, s.config.database, std::move(proposal), std::move(options), net::use_awaitable);
  if (!result->ok) co_return Overloaded(call.request, "backtest failed: " + result->error);
  Log(LogLevel::kInfo, "rules_backtest",
      {{"compared", std::to_string(result->report.compared)},
       {"changed", std::to_string(result->report.changed)},
       {"elapsed_ms", std::to_string(result->report.elapsed_ms)},
       {"actor", call.Actor()}});
  co_return JsonResponse(call.request, http::status::ok, BacktestJson(result->report));
}

}  // namespace moderated::api

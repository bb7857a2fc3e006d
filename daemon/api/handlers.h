// daemon/api/handlers.h (internal to daemon/api/)
//
// The handlers of the route table (routes.cc), one group per resource file.
// Each runs after the router's checks: the caller is authenticated and has a
// role the route allows, the path parameters are typed, the JSON body is
// parsed. A handler validates its fields (422), checks the sites of stored
// comments, and does its work.
//
// Thread-safety: handlers run on the I/O threads, many at once; they share
// state only through Services.
#ifndef MODERATED_DAEMON_API_HANDLERS_H_
#define MODERATED_DAEMON_API_HANDLERS_H_

#include <boost/asio/awaitable.hpp>

#include "daemon/core/config.h"
#include "daemon/http/router.h"

namespace moderated::api {

using boost::asio::awaitable;

// health.cc: GET /healthz, /readyz
awaitable<Response> Healthz(Services& s, const Call& call);
awaitable<Response> Readyz(Services& s, const Call& call);

// comments.cc: POST /v1/comments, /v1/check, /v1/comments/batch;
// GET /v1/comments/{id}, GET /v1/comments (polling for outcomes)
awaitable<Response> PostComment(Services& s, const Call& call);
awaitable<Response> CheckComment(Services& s, const Call& call);
awaitable<Response> PostBatch(Services& s, const Call& call);
awaitable<Response> GetComment(Services& s, const Call& call);
awaitable<Response> PollComments(Services& s, const Call& call);

// queue.cc: GET /v1/queue; POST and DELETE /v1/queue/{id}/claim
awaitable<Response> ListQueue(Services& s, const Call& call);
awaitable<Response> ClaimComment(Services& s, const Call& call);
awaitable<Response> ReleaseClaim(Services& s, const Call& call);

// bulk.cc: POST /v1/queue/bulk, GET /v1/queue/bulk/{id}, POST /v1/queue/bulk/{id}/undo
awaitable<Response> StartBulk(Services& s, const Call& call);
awaitable<Response> GetBulk(Services& s, const Call& call);
awaitable<Response> UndoBulk(Services& s, const Call& call);

// decisions.cc: POST /v1/comments/{id}/decision, /v1/decisions,
// /v1/comments/{id}/undo; GET /v1/comments/{id}/history
awaitable<Response> Decide(Services& s, const Call& call);
awaitable<Response> DecideMany(Services& s, const Call& call);
awaitable<Response> Undo(Services& s, const Call& call);
awaitable<Response> History(Services& s, const Call& call);

// search.cc: GET /v1/comments/search
awaitable<Response> SearchComments(Services& s, const Call& call);

awaitable<Response> ListViews(Services& s, const Call& call);
awaitable<Response> PutView(Services& s, const Call& call);
awaitable<Response> DeleteView(Services& s, const Call& call);

// reputation.cc: GET /v1/reputation
awaitable<Response> GetReputation(Services& s, const Call& call);

// tokens.cc: GET and POST /v1/admin/tokens, DELETE /v1/admin/tokens/{id}
awaitable<Response> ListTokens(Services& s, const Call& call);
awaitable<Response> CreateToken(Services& s, const Call& call);
awaitable<Response> RevokeToken(Services& s, const Call& call);

// sites.cc: GET /v1/admin/sites; GET, PUT and DELETE /v1/admin/sites/{name}
awaitable<Response> ListSites(Services& s, const Call& call);
awaitable<Response> GetSite(Services& s, const Call& call);
awaitable<Response> PutSite(Services& s, const Call& call);
awaitable<Response> DeleteSite(Services& s, const Call& call);

// audit.cc: GET /v1/admin/audit
awaitable<Response> QueryAudit(Services& s, const Call& call);

// authors.cc: DELETE /v1/admin/authors?email=
awaitable<Response> ForgetAuthor(Services& s, const Call& call);

// rules.cc: GET and PUT /v1/admin/rules, GET .../versions and
// .../versions/{id}, POST .../rollback and .../backtest
awaitable<Response> GetRules(Services& s, const Call& call);
awaitable<Response> PutRules(Services& s, const Call& call);
awaitable<Response> ListRulesVersions(Services& s, const Call& call);
awaitable<Response> GetRulesVersion(Services& s, const Call& call);
awaitable<Response> RollbackRules(Services& s, const Call& call);
awaitable<Response> BacktestRules(Services& s, const Call& call);

// models.cc: GET /v1/admin/models and .../{id}, POST .../{id}/activate,
// .../train and .../rollback, GET .../jobs and .../jobs/{id}
awaitable<Response> ListModels(Services& s, const Call& call);
awaitable<Response> GetModel(Services& s, const Call& call);
awaitable<Response> ActivateModel(Services& s, const Call& call);
awaitable<Response> RollbackModel(Services& s, const Call& call);
awaitable<Response> TrainModel(Services& s, const Call& call);
awaitable<Response> GetSiteModel(Services& s, const Call& call);
awaitable<Response> ListTrainingJobs(Services& s, const Call& call);
awaitable<Response> GetTrainingJob(Services& s, const Call& call);

// metrics.cc: GET /metrics. The handler keeps when it last counted the
// review queue (at most every 5 s).
Handler MetricsHandler();

// openapi.cc: GET /openapi.json, docs/openapi.yaml (embedded) as JSON.
Handler OpenApiHandler();

// console.cc: GET and HEAD / and /console/{path...}. The handler keeps the
// console's files (embedded, or config.web_dir).
Handler ConsoleHandler(const Config& config);

}  // namespace moderated::api

#endif  // MODERATED_DAEMON_API_HANDLERS_H_

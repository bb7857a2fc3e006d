// daemon/api/routes.h
//
// The route registration function of each endpoint module (`config` gives
// limits such as per-route body sizes). Api's constructor
// calls every one of them; a new module adds its function here and one call
// in api.cc.
#ifndef MODERATED_DAEMON_API_ROUTES_H_
#define MODERATED_DAEMON_API_ROUTES_H_

#include "daemon/http/api.h"

namespace moderated {

// /healthz, /readyz (api.cc)
void RegisterHealthRoutes(Router& router, const Config& config);
// /v1/comments, /v1/comments/batch, /v1/check, /v1/comments/{id} (daemon/api/comments.cc)
void RegisterCommentRoutes(Router& router, const Config& config);
// /v1/admin/rules, .../versions, .../rollback, .../backtest (daemon/api/rules.cc)
void RegisterAdminRulesRoutes(Router& router, const Config& config);
// / and /console/: the web console's static files (daemon/api/console.cc)
void RegisterConsoleRoutes(Router& router, const Config& config);
// /v1/admin/tokens, /v1/admin/sites, /v1/admin/audit (daemon/api/admin.cc)
void RegisterAdminRoutes(Router& router, const Config& config);
// /v1/queue, /v1/queue/{id}/claim, /v1/decisions, /v1/reputation, and on the
// comment routes GET /v1/comments (polling) and /v1/comments/{id}/decision,
// /undo, /history (daemon/api/queue.cc; registered after RegisterCommentRoutes)
void RegisterQueueRoutes(Router& router, const Config& config);
// /1.1/verify-key, /1.1/comment-check, /1.1/submit-spam, /1.1/submit-ham,
// /1.2/usage-limit: the Akismet-compatible API (daemon/compat/akismet.cc)
void RegisterAkismetRoutes(Router& router, const Config& config);
// GET /metrics, Prometheus text (daemon/api/metrics.cc)
void RegisterMetricsRoutes(Router& router, const Config& config);
// DELETE /v1/admin/authors?email=: erasure requests (daemon/api/authors.cc)
void RegisterPrivacyRoutes(Router& router, const Config& config);
// /v1/admin/models, .../{id}, .../{id}/activate, .../train, .../jobs[/{id}],
// .../rollback: model versions and the learning loop (daemon/api/models.cc)
void RegisterAdminModelsRoutes(Router& router, const Config& config);

}  // namespace moderated

#endif  // MODERATED_DAEMON_API_ROUTES_H_

// daemon/routes.h
//
// The route registration function of each endpoint module (`config` gives
// limits such as per-route body sizes). Api's constructor
// calls every one of them; a new module adds its function here and one call
// in api.cc.
#ifndef MODERATED_DAEMON_ROUTES_H_
#define MODERATED_DAEMON_ROUTES_H_

#include "daemon/api.h"

namespace moderated {

// /healthz, /readyz (api.cc)
void RegisterHealthRoutes(Router& router, const Config& config);
// /v1/comments, /v1/comments/batch, /v1/check, /v1/comments/{id} (comments_api.cc)
void RegisterCommentRoutes(Router& router, const Config& config);

}  // namespace moderated

#endif  // MODERATED_DAEMON_ROUTES_H_

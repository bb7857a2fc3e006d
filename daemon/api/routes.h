// daemon/api/routes.h
//
// ApiRoutes(): the route table of the whole HTTP API — API v1, the web
// console, /metrics, the health checks and the Akismet-compatible API. One
// row per method and path: who may call it, which sites it is scoped to, what
// body it takes and which handler runs (daemon/api/handlers.h). The router
// (daemon/http/router.h) makes every check the row declares before the
// handler runs; the role × endpoint matrix test iterates this same table
// (tests/daemon/api/routes_test.cc).
//
// Thread-safety: the table is built once, before serving.
#ifndef MODERATED_DAEMON_API_ROUTES_H_
#define MODERATED_DAEMON_API_ROUTES_H_

#include <vector>

#include "daemon/core/config.h"
#include "daemon/http/router.h"

namespace moderated {

// `config` gives what some handlers keep for the life of the daemon (the web
// console's files, from config.web_dir).
std::vector<Route> ApiRoutes(const Config& config);

}  // namespace moderated

#endif  // MODERATED_DAEMON_API_ROUTES_H_

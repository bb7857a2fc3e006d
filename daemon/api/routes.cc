// daemon/api/routes.cc: the route table (docs/api.md documents each row).
#include "daemon/api/routes.h"

#include "daemon/api/handlers.h"
#include "daemon/compat/akismet.h"

namespace moderated {

std::vector<Route> ApiRoutes(const Config& config) {
  using http::verb;
  using A = Access;
  using S = SiteScope;
  using B = BodyKind;
  using L = BodyLimit;
  const Roles admin{Role::kAdmin};
  const Roles reviewers{Role::kModerator, Role::kAdmin};
  const Roles submitters{Role::kSite, Role::kAdmin};
  const Roles any = kAnyRole;
  const Roles none{};
  const Handler console = api::ConsoleHandler(config);
  // Rows for one path are listed in the order their methods appear in Allow.
  return {
      // method, pattern, access, roles, site scope, body, body limit, handler[, 404 for {id}]
      {verb::get, "/healthz", A::kPublic, none, S::kNone, B::kNone, L::kComment, api::Healthz},
      {verb::get, "/readyz", A::kPublic, none, S::kNone, B::kNone, L::kComment, api::Readyz},
      // This API's OpenAPI 3.1 description (docs/openapi.yaml).
      {verb::get, "/openapi.json", A::kPublic, none, S::kNone, B::kNone, L::kComment,
       api::OpenApiHandler()},

      // Comments (docs/api.md, "Comments").
      {verb::get, "/v1/comments", A::kToken, any, S::kQuery, B::kNone, L::kComment,
       api::PollComments},
      {verb::post, "/v1/comments", A::kToken, submitters, S::kBody, B::kJson, L::kComment,
       api::PostComment},
      {verb::post, "/v1/check", A::kToken, submitters, S::kBody, B::kJson, L::kComment,
       api::CheckComment},
      {verb::post, "/v1/comments/batch", A::kToken, submitters, S::kBody, B::kJson, L::kLarge,
       api::PostBatch},
      {verb::get, "/v1/comments/{id}", A::kToken, any, S::kComment, B::kNone, L::kComment,
       api::GetComment, "no comment with id '{}'"},

      // Review (docs/review.md).
      {verb::get, "/v1/queue", A::kToken, reviewers, S::kQuery, B::kNone, L::kComment,
       api::ListQueue},
      {verb::post, "/v1/queue/bulk", A::kToken, reviewers, S::kPrincipal, B::kJson, L::kComment,
       api::StartBulk},
      {verb::get, "/v1/queue/bulk/{id}", A::kToken, reviewers, S::kPrincipal, B::kNone,
       L::kComment, api::GetBulk, "no bulk action '{}'"},
      {verb::post, "/v1/queue/bulk/{id}/undo", A::kToken, reviewers, S::kPrincipal, B::kNone,
       L::kComment, api::UndoBulk, "no bulk action '{}'"},
      {verb::post, "/v1/queue/{id}/claim", A::kToken, reviewers, S::kComment, B::kOptionalJson,
       L::kComment, api::ClaimComment},
      {verb::delete_, "/v1/queue/{id}/claim", A::kToken, reviewers, S::kComment, B::kNone,
       L::kComment, api::ReleaseClaim},
      {verb::post, "/v1/comments/{id}/decision", A::kToken, reviewers, S::kComment, B::kJson,
       L::kComment, api::Decide, "no comment with id '{}'"},
      {verb::post, "/v1/decisions", A::kToken, reviewers, S::kComment, B::kJson, L::kComment,
       api::DecideMany},
      {verb::post, "/v1/comments/{id}/undo", A::kToken, reviewers, S::kComment, B::kNone,
       L::kComment, api::Undo, "no comment with id '{}'"},
      {verb::get, "/v1/comments/{id}/history", A::kToken, reviewers, S::kComment, B::kNone,
       L::kComment, api::History, "no comment with id '{}'"},
      // Search over every comment, whatever its status (docs/api.md, "Search").
      {verb::get, "/v1/comments/search", A::kToken, reviewers, S::kQuery, B::kNone, L::kComment,
       api::SearchComments},
      {verb::get, "/v1/reputation", A::kToken, reviewers, S::kPrincipal, B::kNone, L::kComment,
       api::GetReputation},
      // Saved views of the queue and the search: each token's own
      // (docs/api.md, "Saved views").
      {verb::get, "/v1/views", A::kToken, reviewers, S::kNone, B::kNone, L::kComment,
       api::ListViews},
      {verb::post, "/v1/views", A::kToken, reviewers, S::kNone, B::kJson, L::kComment,
       api::PutView},
      {verb::delete_, "/v1/views/{id}", A::kToken, reviewers, S::kNone, B::kNone, L::kComment,
       api::DeleteView, "no saved view '{}'"},

      // Admin (docs/api.md, "Admin API").
      {verb::get, "/v1/admin/tokens", A::kToken, admin, S::kNone, B::kNone, L::kComment,
       api::ListTokens},
      {verb::post, "/v1/admin/tokens", A::kToken, admin, S::kNone, B::kJson, L::kComment,
       api::CreateToken},
      {verb::delete_, "/v1/admin/tokens/{id}", A::kToken, admin, S::kNone, B::kNone, L::kComment,
       api::RevokeToken, "no token with id '{}'"},
      {verb::get, "/v1/admin/sites", A::kToken, admin, S::kNone, B::kNone, L::kComment,
       api::ListSites},
      {verb::get, "/v1/admin/sites/{name}", A::kToken, admin, S::kNone, B::kNone, L::kComment,
       api::GetSite},
      {verb::put, "/v1/admin/sites/{name}", A::kToken, admin, S::kNone, B::kJson, L::kComment,
       api::PutSite},
      {verb::delete_, "/v1/admin/sites/{name}", A::kToken, admin, S::kNone, B::kNone, L::kComment,
       api::DeleteSite},
      {verb::get, "/v1/admin/sites/{name}/model", A::kToken, admin, S::kNone, B::kNone,
       L::kComment, api::GetSiteModel},
      {verb::get, "/v1/admin/audit", A::kToken, admin, S::kNone, B::kNone, L::kComment,
       api::QueryAudit},
      {verb::delete_, "/v1/admin/authors", A::kToken, admin, S::kNone, B::kNone, L::kComment,
       api::ForgetAuthor},

      // Rules (docs/api.md, "Rules"); rules texts may be larger than a comment.
      {verb::get, "/v1/admin/rules", A::kToken, admin, S::kNone, B::kNone, L::kComment,
       api::GetRules},
      {verb::put, "/v1/admin/rules", A::kToken, admin, S::kNone, B::kJson, L::kLarge,
       api::PutRules},
      {verb::get, "/v1/admin/rules/versions", A::kToken, admin, S::kNone, B::kNone, L::kComment,
       api::ListRulesVersions},
      {verb::get, "/v1/admin/rules/versions/{id}", A::kToken, admin, S::kNone, B::kNone,
       L::kComment, api::GetRulesVersion, "no rules version '{}'"},
      {verb::post, "/v1/admin/rules/rollback", A::kToken, admin, S::kNone, B::kOptionalJson,
       L::kComment, api::RollbackRules},
      {verb::post, "/v1/admin/rules/backtest", A::kToken, admin, S::kNone, B::kJson, L::kLarge,
       api::BacktestRules},

      // Models and the learning loop (docs/api.md, "Models").
      {verb::get, "/v1/admin/models", A::kToken, admin, S::kNone, B::kNone, L::kComment,
       api::ListModels},
      {verb::post, "/v1/admin/models/train", A::kToken, admin, S::kNone, B::kOptionalJson,
       L::kComment, api::TrainModel},
      {verb::post, "/v1/admin/models/rollback", A::kToken, admin, S::kNone, B::kOptionalJson,
       L::kComment, api::RollbackModel},
      {verb::get, "/v1/admin/models/jobs", A::kToken, admin, S::kNone, B::kNone, L::kComment,
       api::ListTrainingJobs},
      {verb::get, "/v1/admin/models/jobs/{id}", A::kToken, admin, S::kNone, B::kNone, L::kComment,
       api::GetTrainingJob, "no training job {}"},
      {verb::get, "/v1/admin/models/{id}", A::kToken, admin, S::kNone, B::kNone, L::kComment,
       api::GetModel, "no model '{}'"},
      {verb::post, "/v1/admin/models/{id}/activate", A::kToken, admin, S::kNone, B::kNone,
       L::kComment, api::ActivateModel, "no model '{}'"},

      // Operations (docs/operations.md): Prometheus text; no token needed
      // locally unless metrics.public is false.
      {verb::get, "/metrics", A::kLocalOrToken, admin, S::kNone, B::kNone, L::kComment,
       api::MetricsHandler()},

      // The web console's files (docs/console.md): public; it signs in in the browser.
      {verb::get, "/", A::kPublic, none, S::kNone, B::kNone, L::kComment, console},
      {verb::head, "/", A::kPublic, none, S::kNone, B::kNone, L::kComment, console},
      {verb::get, "/console/{path...}", A::kPublic, none, S::kNone, B::kNone, L::kComment, console},
      {verb::head, "/console/{path...}", A::kPublic, none, S::kNone, B::kNone, L::kComment,
       console},

      // The Akismet-compatible API (docs/akismet.md): public, it checks its
      // own keys; answers are Akismet's, not problem+json. Like Akismet, each
      // endpoint takes GET (the form in the query) and POST (in the body).
      {verb::get, "/1.1/verify-key", A::kPublic, none, S::kKey, B::kForm, L::kComment,
       AkismetVerifyKey},
      {verb::post, "/1.1/verify-key", A::kPublic, none, S::kKey, B::kForm, L::kComment,
       AkismetVerifyKey},
      {verb::get, "/1.1/comment-check", A::kPublic, none, S::kKey, B::kForm, L::kComment,
       AkismetCommentCheck},
      {verb::post, "/1.1/comment-check", A::kPublic, none, S::kKey, B::kForm, L::kComment,
       AkismetCommentCheck},
      {verb::get, "/1.1/submit-spam", A::kPublic, none, S::kKey, B::kForm, L::kComment,
       AkismetSubmitSpam},
      {verb::post, "/1.1/submit-spam", A::kPublic, none, S::kKey, B::kForm, L::kComment,
       AkismetSubmitSpam},
      {verb::get, "/1.1/submit-ham", A::kPublic, none, S::kKey, B::kForm, L::kComment,
       AkismetSubmitHam},
      {verb::post, "/1.1/submit-ham", A::kPublic, none, S::kKey, B::kForm, L::kComment,
       AkismetSubmitHam},
      {verb::get, "/1.2/key-sites", A::kPublic, none, S::kKey, B::kForm, L::kComment,
       AkismetKeySites},
      {verb::post, "/1.2/key-sites", A::kPublic, none, S::kKey, B::kForm, L::kComment,
       AkismetKeySites},
      {verb::get, "/1.2/usage-limit", A::kPublic, none, S::kKey, B::kForm, L::kComment,
       AkismetUsageLimit},
      {verb::post, "/1.2/usage-limit", A::kPublic, none, S::kKey, B::kForm, L::kComment,
       AkismetUsageLimit},
  };
}

}  // namespace moderated

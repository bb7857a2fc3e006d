// daemon/compat/akismet.h
//
// The Akismet-compatible API (docs/akismet.md): the handlers of its routes in
// the route table (daemon/api/routes.cc), and what it shares with the spamc
// adapter (daemon/compat/spamc_server.h): Akismet keys, the spam/ham reading
// of a verdict, and labelling a comment that a client sends again.
#ifndef MODERATED_DAEMON_COMPAT_AKISMET_H_
#define MODERATED_DAEMON_COMPAT_AKISMET_H_

#include <boost/asio/awaitable.hpp>
#include <string>
#include <vector>

#include "daemon/core/services.h"
#include "daemon/engine/engine.h"
#include "daemon/http/router.h"
#include "storage/store.h"

namespace moderated {

// An Akismet key is 32 lower-case hex characters (128 random bits), so that
// it survives being the first DNS label of a host name (`KEY.host`), which
// HTTP clients lower-case. It is a site token in another spelling: stored in
// the tokens table (role "site", its sites) under SHA-256("akismet:" + key),
// so it is NOT accepted as a Bearer token, and a Bearer token hash never
// matches an Akismet key.
std::string GenerateAkismetKey();
std::string HashAkismetKey(std::string_view key);
bool IsAkismetKeyFormat(std::string_view key);

// Creates an Akismet key for `sites` in `store` with an audit entry
// ("token.create", kind "akismet"). *key is shown once.
bool CreateAkismetKey(storage::Store& store, const std::string& name,
                      const std::vector<std::string>& sites, const std::string& created_by,
                      std::string* key, int64_t* id, std::string* error);

// The routes: forms (a POST body or a GET query) answered byte for byte like
// Akismet. Public in the route table: each authenticates the key (or site
// token) it is sent.
boost::asio::awaitable<Response> AkismetVerifyKey(Services& s, const Call& call);
boost::asio::awaitable<Response> AkismetCommentCheck(Services& s, const Call& call);
boost::asio::awaitable<Response> AkismetSubmitSpam(Services& s, const Call& call);
boost::asio::awaitable<Response> AkismetSubmitHam(Services& s, const Call& call);
boost::asio::awaitable<Response> AkismetUsageLimit(Services& s, const Call& call);
boost::asio::awaitable<Response> AkismetKeySites(Services& s, const Call& call);

// Spam in the Akismet/spamd sense: the comment belongs in a spam folder.
// A reject always is; a hold is only when its score reached the site's hold
// threshold (a hold for another reason — a language the site does not take,
// a rule that could not be evaluated, an explicit hold rule — is "needs
// review", not spam).
bool IsSpamVerdict(const Verdict& verdict, double hold_at);

// The hold threshold in force for `site` (rule file, then site registry).
double HoldAtFor(Services& services, const std::string& site);

// The outcome of LabelResubmitted.
struct ResubmitOutcome {
  bool ok = false;          // false: storage trouble (`error` says what)
  bool overloaded = false;  // the writer refused
  bool found = false;       // an earlier comment matched; else one was stored now
  int64_t comment_id = 0;
  std::string error;
};

// Labels `input` `label` ("spam" | "ham") for the learning loop and corrects
// its status (spam → rejected, ham → approved): the newest comment of the
// same site with the same content and author e-mail (else IP) received in the
// last 30 days, or else `input` stored now (evaluated, then given that
// status). `source` is the label's source ("akismet", "spamc"), `actor` its
// author.
boost::asio::awaitable<ResubmitOutcome> LabelResubmitted(Services& services, CommentInput input,
                                                         std::string label, std::string source,
                                                         std::string actor);

}  // namespace moderated

#endif  // MODERATED_DAEMON_COMPAT_AKISMET_H_

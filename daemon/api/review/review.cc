#include "daemon/api/review/review.h"

#include "base/random.h"
#include "base/strings.h"
#include "base/time.h"

namespace moderated::api {
namespace json = boost::json;

std::optional<std::vector<std::string>> ScopeOf(const Principal& p) {
  if (p.role == Role::kAdmin || p.sites.empty()) return std::nullopt;
  return p.sites;
}

bool IsDecision(const json::value& v) {
  return v.is_string() && (v.as_string() == "approve" || v.as_string() == "reject" ||
                           v.as_string() == "spam" || v.as_string() == "abuse");
}

void ParseDecisionFields(const json::object& o, std::string* decision, std::string* note,
                         std::vector<FieldError>* errors) {
  auto d = o.find("decision");
  if (d == o.end()) {
    errors->push_back({"/decision", "is required"});
  } else if (!IsDecision(d->value())) {
    errors->push_back({"/decision", "must be \"approve\", \"reject\", \"spam\" or \"abuse\""});
  } else {
    *decision = std::string(d->value().as_string());
  }
  if (auto n = o.find("note"); n != o.end() && !n->value().is_null()) {
    if (!n->value().is_string() || n->value().as_string().size() > kMaxNoteBytes) {
      errors->push_back({"/note", "must be a string of at most 4096 bytes"});
    } else {
      *note = std::string(n->value().as_string());
    }
  }
}

storage::DecideRequest MakeRequest(int64_t id, const std::string& decision, const std::string& note,
                                   const std::string& actor, int64_t now) {
  storage::DecideRequest r;
  r.comment_id = id;
  r.decision = decision;
  r.note = note;
  r.actor = actor;
  r.now_ms = now;
  r.event_id = base::RandomHex128();  // the webhook event's id
  r.event_time = base::FormatTimeMs(now);
  return r;
}

std::string CheckSearchParam(const std::string& key, const std::string& value) {
  constexpr size_t kMaxSearchBytes = 256;
  if (value.size() > kMaxSearchBytes) {
    return "must be at most " + std::to_string(kMaxSearchBytes) + " bytes";
  }
  // The text indexes hold trigrams: a shorter text could only be a scan.
  if (key == "q" && base::Utf8Length(value) < storage::kMinSearchTextChars) {
    return "must be at least " + std::to_string(storage::kMinSearchTextChars) + " characters";
  }
  return "";
}

bool ParseLabelScoreRuleParam(const std::string& key, const std::string& value,
                              std::string* label, std::optional<double>* min_score,
                              std::optional<double>* max_score, std::string* rule,
                              std::string* error) {
  if (key == "label") {
    if (value != "spam" && value != "abuse" && value != "ham" && !value.empty()) {
      *error = "must be spam, abuse or ham";
    }
    *label = value;
  } else if (key == "min_score" || key == "max_score") {
    double v = 0;
    if (!base::ParseDouble(value, &v)) *error = "must be a number";
    *(key == "min_score" ? min_score : max_score) = v;
  } else if (key == "rule") {
    *rule = value;
  } else {
    return false;
  }
  return true;
}

bool ParseSearchFilterParam(const std::string& key, const std::string& value,
                            storage::SearchFilter* f, std::string* error) {
  error->clear();
  if (key == "q" || key == "email" || key == "ip" || key == "thread") {
    if (!value.empty()) *error = CheckSearchParam(key, value);
    (key == "q" ? f->text : key == "email" ? f->author_email : key == "ip" ? f->author_ip
                                                                           : f->thread) = value;
  } else if (key == "status") {
    if (!value.empty() && value != "approved" && value != "pending" && value != "rejected") {
      *error = "must be approved, pending or rejected";
    }
    f->status = value;
  } else if (key == "language") {
    f->language = value;
  } else if (key == "site") {
    if (!value.empty()) f->sites = std::vector<std::string>{value};
  } else if (key == "since" || key == "until") {
    int64_t ms = 0;
    if (!base::ParseTimeParam(value, &ms)) {
      *error = "must be an RFC 3339 date-time or Unix milliseconds";
    }
    (key == "since" ? f->received_since_ms : f->received_until_ms) = ms;
  } else {
    return ParseLabelScoreRuleParam(key, value, &f->label, &f->min_score, &f->max_score,
                                    &f->rule, error);
  }
  return true;
}

std::string NoComment(int64_t id) { return "no comment with id " + std::to_string(id); }

std::string ClaimedDetail(int64_t id, const storage::Claim& claim) {
  return "comment " + std::to_string(id) + " is claimed by " + claim.actor + " until " +
         base::FormatTimeMs(claim.expires_at_ms);
}

bool CheckAccess(storage::Store& store, int64_t id, const Principal& principal,
                 storage::Comment* comment, WriteResult* result) {
  std::error_code ec = store.Get(id, comment);
  if (ec == storage::Errc::not_found) {
    result->status = 404;
    result->detail = NoComment(id);
    return false;
  }
  if (ec) {
    result->status = 503;
    result->detail = "storage error: " + store.LastErrorMessage();
    return false;
  }
  if (!principal.CanAccessSite(comment->site)) {
    result->status = 403;
    result->detail = "this token may not act for site '" + comment->site + "'";
    return false;
  }
  return true;
}

Response FromWriteResult(const Request& req, const std::optional<WriteResult>& r) {
  if (!r) return WriterStopping(req);
  if (r->status == 503) return Overloaded(req, r->detail);
  return Problem(req, static_cast<http::status>(r->status), r->detail);
}

json::object DecisionJson(const storage::Decision& d, bool with_undone) {
  json::object o{{"id", d.id},
                 {"decision", d.decision},
                 {"previous_status", d.previous_status},
                 {"new_status", d.new_status},
                 {"actor", d.actor},
                 {"note", d.note},
                 {"created_at", base::FormatTimeMs(d.created_at_ms)},
                 {"spot_check", d.spot_check}};
  if (with_undone) o["undone"] = d.undone;
  return o;
}

json::object ReputationJson(const storage::Reputation& r) {
  return {{"approved", r.approved}, {"rejected", r.rejected}, {"pending", r.pending}};
}

}  // namespace moderated::api

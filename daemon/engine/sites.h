// daemon/engine/sites.h
//
// The site registry as the Engine sees it: per-site thresholds, allowed
// languages, classifier sensitivity and spot-check share set through
// PUT /v1/admin/sites, which override the rule file's `sites:` entries field
// by field (docs/api.md, "Precedence").
//
// SiteTable is an immutable snapshot built from the `sites` table; Sites
// holds the current one. It is loaded at start and rebuilt and swapped by the
// admin API after every PUT or DELETE, so a verdict sees one consistent
// registry and a change applies to the next comment.
//
// Thread-safety: SiteTable is immutable and shared freely. Sites::Current()
// and Swap() may be called from any thread (a mutex guards one shared_ptr).
#ifndef MODERATED_DAEMON_ENGINE_SITES_H_
#define MODERATED_DAEMON_ENGINE_SITES_H_

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "rules/rule_set.h"
#include "storage/store.h"

namespace moderated {

// What the registry says about one site; an absent field keeps the rule
// file's value.
struct SiteOverride {
  std::optional<double> hold_at;
  std::optional<double> reject_at;
  std::optional<std::vector<std::string>> languages;  // [] = every language
  std::optional<std::string> sensitivity;             // "low" | "normal" | "high"
  std::optional<double> spot_check;                   // share in [0, 1]
};

class SiteTable {
 public:
  SiteTable() = default;
  // Builds a table from registry rows. Names match exactly; both the
  // registry and comments store site names in lower case.
  // languages_json that is not an array of strings (e.g. null) leaves the
  // languages to the rule file; codes are compared lower-case.
  explicit SiteTable(const std::vector<storage::Site>& sites);

  // The registry's entry for `site`, or null.
  const SiteOverride* Find(std::string_view site) const;
  size_t size() const { return entries_.size(); }

  // `base` (the rule file's policy) with this table's entry for `site`
  // applied. Returns false, leaving *out untouched, if there is no entry.
  bool Apply(std::string_view site, const rules::SitePolicy& base, rules::SitePolicy* out) const;

 private:
  std::map<std::string, SiteOverride, std::less<>> entries_;  // key: site name
};

class Sites {
 public:
  Sites() : current_(std::make_shared<const SiteTable>()) {}

  std::shared_ptr<const SiteTable> Current() const {
    std::lock_guard lock(mu_);
    return current_;
  }
  void Swap(std::shared_ptr<const SiteTable> next) {
    std::lock_guard lock(mu_);
    current_.swap(next);
  }

  // Reads every site from `store` and swaps in a new table. On failure keeps
  // the current table and returns the error.
  std::error_code Load(storage::Store& store);

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const SiteTable> current_;  // guarded by mu_; never null
};

}  // namespace moderated

#endif  // MODERATED_DAEMON_ENGINE_SITES_H_

#include "daemon/engine/sites.h"

#include <boost/json.hpp>

namespace moderated {
namespace json = boost::json;

namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace

SiteTable::SiteTable(const std::vector<storage::Site>& sites) {
  for (const storage::Site& s : sites) {
    SiteOverride o;
    o.hold_at = s.hold_at;
    o.reject_at = s.reject_at;
    o.sensitivity = s.sensitivity;
    o.spot_check = s.spot_check;
    boost::system::error_code ec;
    json::value langs = json::parse(s.languages_json, ec);
    if (!ec && langs.is_array()) {
      std::vector<std::string> list;
      for (const auto& l : langs.get_array()) {
        if (l.is_string()) list.push_back(Lower(l.get_string()));
      }
      o.languages = std::move(list);
    }
    entries_[s.name] = std::move(o);
  }
}

const SiteOverride* SiteTable::Find(std::string_view site) const {
  if (entries_.empty()) return nullptr;
  auto it = entries_.find(site);
  return it == entries_.end() ? nullptr : &it->second;
}

bool SiteTable::Apply(std::string_view site, const rules::SitePolicy& base,
                      rules::SitePolicy* out) const {
  const SiteOverride* o = Find(site);
  if (o == nullptr) return false;
  *out = base;
  if (o->hold_at) out->hold_at = *o->hold_at;
  if (o->reject_at) out->reject_at = *o->reject_at;
  if (o->languages) out->languages = *o->languages;
  if (o->sensitivity) out->sensitivity = *o->sensitivity;
  if (o->spot_check) out->spot_check = *o->spot_check;
  return true;
}

std::error_code Sites::Load(storage::Store& store) {
  std::vector<storage::Site> sites;
  if (auto ec = store.ListSites(&sites)) return ec;
  Swap(std::make_shared<const SiteTable>(sites));
  return {};
}

}  // namespace moderated

// tests/daemon/engine/sites_test.cc: the site registry's entries applied field
// by field over the rule file's policy, as Engine::PolicyFor does
// (daemon/engine/sites.h; docs/api.md, "Precedence").
#include "daemon/engine/sites.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "rules/rule_set.h"

namespace moderated {
namespace {

std::unique_ptr<const rules::RuleSet> Rules(const std::string& text) {
  std::vector<std::string> errors;
  auto rules = rules::RuleSet::Compile(text, "t.yaml", {}, &errors);
  EXPECT_NE(rules, nullptr) << (errors.empty() ? "" : errors[0]);
  return rules;
}

// What Engine::PolicyFor composes: the rule file's policy for `site`, with
// the registry's entry (if any) over it.
rules::SitePolicy PolicyFor(const rules::RuleSet& rules, const Sites* sites,
                            const std::string& site) {
  rules::SitePolicy out;
  if (sites != nullptr && sites->Current()->Apply(site, rules.policy(site), &out)) return out;
  return rules.policy(site);
}

storage::Site Entry(const std::string& name) {
  storage::Site s;
  s.name = name;
  return s;
}

TEST(SitesTest, RegistryOverRuleFileSiteOverDefaultsFieldByField) {
  auto rules = Rules(
      "version: 1\n"
      "defaults: {hold_at: 5, reject_at: 10, sensitivity: low, spot_check: 0.1}\n"
      "sites:\n"
      "  a.example: {spot_check: 0.5}\n"
      "  b.example: {sensitivity: high}\n"
      "rules: []\n");
  ASSERT_NE(rules, nullptr);
  Sites sites;
  storage::Site a = Entry("a.example");
  a.sensitivity = "normal";  // spot_check unset: the rule file's site entry
  storage::Site b = Entry("b.example");
  b.spot_check = 0;  // sensitivity unset: the rule file's site entry
  storage::Site c = Entry("c.example");
  c.hold_at = 3;  // nothing of ours set: the rule file's defaults
  sites.Swap(std::make_shared<const SiteTable>(std::vector<storage::Site>{a, b, c}));

  rules::SitePolicy p = PolicyFor(*rules, &sites, "a.example");
  EXPECT_EQ("normal", p.sensitivity);
  EXPECT_EQ(0.5, p.spot_check);
  p = PolicyFor(*rules, &sites, "b.example");
  EXPECT_EQ("high", p.sensitivity);
  EXPECT_EQ(0.0, p.spot_check);
  p = PolicyFor(*rules, &sites, "c.example");
  EXPECT_EQ("low", p.sensitivity);
  EXPECT_EQ(0.1, p.spot_check);
  EXPECT_EQ(3.0, p.hold_at);
  p = PolicyFor(*rules, &sites, "unregistered.example");
  EXPECT_EQ("low", p.sensitivity);
  EXPECT_EQ(0.1, p.spot_check);
  EXPECT_EQ(5.0, p.hold_at);
  // No registry at all: the rule file alone.
  p = PolicyFor(*rules, nullptr, "a.example");
  EXPECT_EQ("low", p.sensitivity);
  EXPECT_EQ(0.5, p.spot_check);
}

TEST(SitesTest, DefaultsWhenNothingSetsThem) {
  auto rules = Rules("version: 1\nrules: []\n");
  ASSERT_NE(rules, nullptr);
  const rules::SitePolicy p = PolicyFor(*rules, nullptr, "any.example");
  EXPECT_EQ("normal", p.sensitivity);
  EXPECT_EQ(0.02, p.spot_check);
}

}  // namespace
}  // namespace moderated

#include "daemon/engine/links.h"

#include <gtest/gtest.h>

namespace moderated {
namespace {

std::string Render(std::string_view raw) {
  auto normalized = classifiers::Normalize(raw);
  std::string out;
  for (const Link& l : ExtractLinks(normalized, raw)) {
    out += "[" + l.url + "|" + l.host + "|" + l.domain + "|" + l.path + "|" +
           std::to_string(l.raw_begin) + "," + std::to_string(l.raw_end) + "]";
  }
  return out;
}

TEST(LinksTest, SchemesWwwAndBareHosts) {
  EXPECT_EQ("[https://a.b.example.co.uk/x?y=1|a.b.example.co.uk|example.co.uk|/x|4,35]",
            Render("see https://a.b.example.co.uk/x?y=1."));
  EXPECT_EQ("[www.Casino.com|www.casino.com|casino.com||0,14]", Render("www.Casino.com"));
  EXPECT_EQ("[spam-site.ru/promo|spam-site.ru|spam-site.ru|/promo|6,24]",
            Render("go to spam-site.ru/promo, now"));
}

TEST(LinksTest, ProseIsNotALink) {
  EXPECT_EQ("", Render("The end. Next sentence.and more"));
  EXPECT_EQ("", Render("version 1.2.3 and pi 3.14"));
  EXPECT_EQ("", Render("mail me at bob@example.com"));
}

TEST(LinksTest, ArabicPunctuationAndFullwidthDots) {
  // "زوروا example.com، الآن" — the Arabic comma is not part of the host.
  std::string raw = "زوروا example.com، الآن";
  EXPECT_EQ("[example.com|example.com|example.com||11,22]", Render(raw));
  // Fullwidth full stop U+FF0E folds to '.' in normalisation.
  std::string fw =
      "casino\xEF\xBC\x8E"
      "com";
  EXPECT_EQ("[" + fw + "|casino.com|casino.com||0,12]", Render(fw));
}

TEST(LinksTest, IpHostsAndIdn) {
  EXPECT_EQ("[http://203.0.113.9:8080/a|203.0.113.9|203.0.113.9|/a|0,25]",
            Render("http://203.0.113.9:8080/a"));
  EXPECT_EQ("[казино.рф|казино.рф|казино.рф||0,17]", Render("казино.рф"));
}

}  // namespace
}  // namespace moderated

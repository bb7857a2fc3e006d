#include "daemon/http/wire.h"

#include <gtest/gtest.h>

#include <limits>

namespace moderated {
namespace {

namespace json = boost::json;

std::vector<std::string> Errors(std::string_view body, const std::string& pointer = "") {
  CommentInput in;
  std::vector<FieldError> errors;
  ParseComment(json::parse(body), pointer, Limits{}, &in, &errors);
  std::vector<std::string> out;
  for (const auto& e : errors) out.push_back(e.pointer + " " + e.detail);
  return out;
}

TEST(WireTest, MinimalCommentIsValid) {
  CommentInput in;
  std::vector<FieldError> errors;
  EXPECT_TRUE(ParseComment(json::parse(R"({"site":"s","content":"hi","id":42,"parent":7})"), "",
                           Limits{}, &in, &errors));
  EXPECT_EQ("s", in.site);
  EXPECT_EQ("42", in.external_id);
  EXPECT_EQ("7", in.parent);
  EXPECT_EQ("{}", in.meta_json);
}

TEST(WireTest, RequiredFields) {
  EXPECT_EQ((std::vector<std::string>{"/site is required", "/content is required"}),
            Errors("{}"));
  EXPECT_EQ((std::vector<std::string>{"/site must not be empty", "/content must not be empty"}),
            Errors(R"({"site":"","content":" \n "})"));
  EXPECT_EQ(std::vector<std::string>{" must be a JSON object"}, Errors("[1]"));
}

TEST(WireTest, PointersIncludeTheBatchPosition) {
  EXPECT_EQ((std::vector<std::string>{"/comments/3/author/ip must be an IPv4 or IPv6 address"}),
            Errors(R"({"site":"s","content":"c","author":{"ip":"1.2.3"}})", "/comments/3"));
}

TEST(WireTest, FieldFormats) {
  EXPECT_EQ((std::vector<std::string>{
                "/author must be an object",
                "/lang must be a language tag such as \"ar\" or \"ru-RU\"",
            }),
            Errors(R"({"site":"s","content":"c","lang":"arabic!","author":"bob"})"));
  EXPECT_TRUE(Errors(R"({"site":"s","content":"c","lang":"ru-RU","created_at":"2026-01-02T03:04:05.123+03:00"})")
                  .empty());
  EXPECT_EQ(std::vector<std::string>{"/content must not contain NUL characters"},
            Errors(R"({"site":"s","content":"a\u0000b"})"));
}

TEST(WireTest, MetaIsBounded) {
  std::string big(5000, 'x');
  EXPECT_EQ(std::vector<std::string>{"/meta must be at most 4096 bytes when serialised"},
            Errors(R"({"site":"s","content":"c","meta":{"k":")" + big + "\"}}"));
}

TEST(WireTest, IpAddressesAreCanonicalised) {
  CommentInput in;
  std::vector<FieldError> errors;
  ASSERT_TRUE(ParseComment(json::parse(R"({"site":"s","content":"c","author":{"ip":"2001:DB8:0::1"}})"),
                           "", Limits{}, &in, &errors));
  EXPECT_EQ("2001:db8::1", in.author_ip);
}

TEST(WireTest, StoredVerdictGetsOurId) {
  json::object v = StoredVerdictJson(R"({"status":"approved","score":0.5})", 17);
  EXPECT_EQ(R"({"id":17,"status":"approved","score":0.5})", ToJson(v));
  EXPECT_EQ(R"([0.2187,1,-3,"x\u0001",null,true])",
            ToJson(json::array{0.2187, 1.0, -3, "x\x01", nullptr, true}));
}

TEST(WireTest, EveryFiniteNumberIsWrittenAsAJsonNumber) {
  // Plain decimal where it fits; the shortest exact form where it does not.
  EXPECT_EQ("[1e+61,-1.7976931348623157e+308,5e-324,1e-300,0.000001,123456789012]",
            ToJson(json::array{1e61, -1.7976931348623157e308, 5e-324, 1e-300, 1e-6,
                               123456789012.0}));
  for (double d : {1e61, 1e300, -2.5e-200, 4.9e-324, 1e60, 0.1}) {
    json::value back = json::parse(ToJson(json::array{d}));
    EXPECT_EQ(d, back.at(0).to_number<double>()) << d;
  }
  // Non-finite numbers (which JSON has no way to write) become null.
  EXPECT_EQ("[null,null]", ToJson(json::array{std::numeric_limits<double>::infinity(),
                                              std::numeric_limits<double>::quiet_NaN()}));
}

TEST(WireTest, VerdictSaysHowTheDecisionWasReached) {
  Verdict v;
  v.action = rules::Action::kHold;
  v.score = 6.25;
  v.labels = {{"abuse", 0.81234}, {"ham", 0.18}, {"spam", 0.01}};
  v.language = {"ru", true};
  v.trace.hold_at = 4;
  v.trace.reject_at = 9;
  v.trace.sensitivity = "high";
  v.trace.rule_points = 1.5;
  v.trace.classifier_points = {0, 4.75};
  v.trace.site_model = true;
  v.trace.primary = "abuse";
  CommentInput c;
  c.site = "news.example";
  json::object o = VerdictJson(v, c, std::nullopt);
  EXPECT_EQ(json::parse(R"({"hold_at":4.0,"reject_at":9.0,"sensitivity":"high",)"
                        R"("rule_points":1.5,"classifier_points":{"spam":0.0,"abuse":4.75},)"
                        R"("site_model":true,"primary":"abuse"})"),
            o.at("decision"));
  EXPECT_EQ(0.8123, o.at("labels").at("abuse").as_double());
  v.action = rules::Action::kAccept;
  v.trace.primary.clear();
  EXPECT_TRUE(VerdictJson(v, c, std::nullopt).at("decision").at("primary").is_null());
}

}  // namespace
}  // namespace moderated

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "daemon/model/alert_json.hpp"

using namespace araldo;
using araldo::http::FieldError;

namespace {
const auto now =
    std::chrono::system_clock::time_point(std::chrono::sys_days(std::chrono::year_month_day{
        std::chrono::year{2026}, std::chrono::month{11}, std::chrono::day{23}}));

boost::json::object minimal() {
  return {{"headline", "Allerta meteo"}, {"event", "Storm"},      {"category", "Met"},
          {"severity", "Severe"},        {"urgency", "Expected"}, {"certainty", "Likely"}};
}

std::vector<FieldError> errors_for(const boost::json::value& doc) {
  auto r = model::alert_from_json(doc, {"it", "pc@comune.example"}, now);
  return std::holds_alternative<std::vector<FieldError>>(r) ? std::get<std::vector<FieldError>>(r)
                                                            : std::vector<FieldError>{};
}

std::string detail_at(const std::vector<FieldError>& errors, const std::string& pointer) {
  for (const auto& e : errors) {
    if (e.pointer == pointer) return e.detail;
  }
  return "(no error at " + pointer + ")";
}
}  // namespace

TEST(AlertJson, MinimalAlertGetsDefaults) {
  auto r = model::alert_from_json(minimal(), {"it", "pc@comune.example"}, now);
  ASSERT_TRUE(std::holds_alternative<model::Alert>(r));
  const auto& a = std::get<model::Alert>(r);
  EXPECT_EQ(a.language, "it");
  EXPECT_EQ(a.sender, "pc@comune.example");
  EXPECT_EQ(a.categories, std::vector<std::string>{"Met"});
  EXPECT_TRUE(a.channels.empty());
}

TEST(AlertJson, ReportsEveryMissingRequiredFieldAtItsPointer) {
  auto errors = errors_for(boost::json::object{});
  for (const char* p :
       {"/headline", "/event", "/category", "/severity", "/urgency", "/certainty"}) {
    EXPECT_EQ(detail_at(errors, p), "is required") << p;
  }
}

TEST(AlertJson, WrongTypesAndUnknownEnumsAreNamed) {
  auto doc = minimal();
  doc["headline"] = 42;
  doc["severity"] = "severe";
  doc["category"] = boost::json::array{"Met", 7};
  auto errors = errors_for(doc);
  EXPECT_EQ(detail_at(errors, "/headline"), "must be a string");
  EXPECT_NE(detail_at(errors, "/severity").find("'severe' is not one of Extreme"),
            std::string::npos);
  EXPECT_EQ(detail_at(errors, "/category/1"), "must be a string");

  doc = minimal();
  doc["category"] = boost::json::array{"Met", "Weather"};
  EXPECT_NE(detail_at(errors_for(doc), "/category/1").find("not a CAP category"),
            std::string::npos);
}

TEST(AlertJson, UnknownFieldsAreRejectedNotIgnored) {
  auto doc = minimal();
  doc["headlin"] = "typo";
  doc["a/b"] = 1;
  auto errors = errors_for(doc);
  EXPECT_EQ(detail_at(errors, "/headlin"), "unknown field");
  EXPECT_EQ(detail_at(errors, "/a~1b"), "unknown field");
}

TEST(AlertJson, ExpiresMustBeCapDatetimeInTheFuture) {
  auto doc = minimal();
  doc["expires"] = "2026-11-24T10:00:00Z";
  EXPECT_NE(detail_at(errors_for(doc), "/expires").find("not a CAP datetime"), std::string::npos);
  doc["expires"] = "2026-11-22T10:00:00+01:00";
  EXPECT_NE(detail_at(errors_for(doc), "/expires").find("in the past"), std::string::npos);
  doc["expires"] = "2026-11-24T10:00:00+01:00";
  EXPECT_TRUE(errors_for(doc).empty());
  // Far future: after 2262, nanoseconds since 1970 overflow 64 bits; the comparison must not.
  for (const char* far : {"2300-01-01T00:00:00+01:00", "9999-12-31T23:59:59+00:00"}) {
    doc["expires"] = far;
    EXPECT_TRUE(errors_for(doc).empty()) << far << ": " << detail_at(errors_for(doc), "/expires");
  }
}

TEST(AlertJson, TextRulesBlankControlAndLength) {
  auto doc = minimal();
  doc["headline"] = "   ";
  EXPECT_EQ(detail_at(errors_for(doc), "/headline"), "must not be blank");
  doc["headline"] = "bell\x07";
  EXPECT_EQ(detail_at(errors_for(doc), "/headline"), "must not contain control characters");
  doc["headline"] = std::string(161, 'x');
  EXPECT_NE(detail_at(errors_for(doc), "/headline").find("161 characters; at most 160"),
            std::string::npos);
  doc["headline"] = std::string(160, 'x');
  EXPECT_TRUE(errors_for(doc).empty());
}

TEST(AlertJson, WebLanguageSenderChannels) {
  auto doc = minimal();
  doc["web"] = "javascript:alert(1)";
  doc["language"] = "italiano!";
  doc["sender"] = "a b";
  doc["channels"] = boost::json::array{};
  auto errors = errors_for(doc);
  EXPECT_EQ(detail_at(errors, "/web"), "must be an absolute http(s) URL");
  EXPECT_NE(detail_at(errors, "/language").find("not a language tag"), std::string::npos);
  EXPECT_NE(detail_at(errors, "/sender").find("spaces"), std::string::npos);
  EXPECT_EQ(detail_at(errors, "/channels"), "must not be empty");
}

TEST(AlertJson, BodyMustBeUtf8JsonObject) {
  auto bad_utf8 = model::parse_json_body("{\"headline\": \"caf\xe9\"}");
  ASSERT_TRUE(std::holds_alternative<model::JsonSyntaxError>(bad_utf8));
  EXPECT_EQ(std::get<model::JsonSyntaxError>(bad_utf8).detail,
            "the body is not valid UTF-8 (at byte 17)");

  auto malformed = model::parse_json_body(R"({"headline": "x",})");
  ASSERT_TRUE(std::holds_alternative<model::JsonSyntaxError>(malformed));
  EXPECT_NE(std::get<model::JsonSyntaxError>(malformed).detail.find("malformed JSON at byte"),
            std::string::npos);

  EXPECT_TRUE(std::holds_alternative<model::JsonSyntaxError>(model::parse_json_body("")));
  EXPECT_EQ(detail_at(errors_for(boost::json::array{}), ""), "the body must be a JSON object");
}

TEST(AlertJson, PriorityPutsExtremeImmediateFirst) {
  model::Alert extreme, minor, unknown;
  extreme.severity = "Extreme", extreme.urgency = "Immediate";
  minor.severity = "Minor", minor.urgency = "Future";
  unknown.severity = "Unknown", unknown.urgency = "Unknown";
  EXPECT_GT(model::priority(extreme), model::priority(minor));
  EXPECT_GT(model::priority(minor), 0);
  EXPECT_GT(model::priority(extreme), model::priority(unknown));
}

// Boost.JSON keeps the last of two equal keys: "Minor" then "Extreme" would be stored as
// Extreme with nobody noticing. A repeated key is refused, with its pointer.
TEST(JsonBody, ARepeatedKeyIsRefusedWithItsPointer) {
  auto top = model::parse_json_body(R"({"severity":"Minor","headline":"x","severity":"Extreme"})");
  ASSERT_TRUE(std::holds_alternative<model::JsonSyntaxError>(top));
  EXPECT_EQ(std::get<model::JsonSyntaxError>(top).pointer, "/severity");

  auto nested = model::parse_json_body(
      R"({"translations":[{"language":"en"},{"language":"fr","headline":"a","language":"de"}]})");
  ASSERT_TRUE(std::holds_alternative<model::JsonSyntaxError>(nested));
  EXPECT_EQ(std::get<model::JsonSyntaxError>(nested).pointer, "/translations/1/language");

  auto escaped = model::parse_json_body(R"({"a/b":{"x~":1,"x~":2}})");
  ASSERT_TRUE(std::holds_alternative<model::JsonSyntaxError>(escaped));
  EXPECT_EQ(std::get<model::JsonSyntaxError>(escaped).pointer, "/a~1b/x~0");

  // The same key in different objects, and equal values, are fine.
  auto fine = model::parse_json_body(
      R"({"translations":[{"language":"en"},{"language":"fr"}],"category":["Met","Met"]})");
  ASSERT_TRUE(std::holds_alternative<boost::json::value>(fine));

  const auto problem = model::to_problem(std::get<model::JsonSyntaxError>(top));
  EXPECT_EQ(problem.status, 400);
  ASSERT_EQ(problem.errors.size(), 1u);
  EXPECT_EQ(problem.errors[0].pointer, "/severity");
}

// A scheduled notice: send_at in the future (within a year); its expiry after it, given
// as a time or as a duration counted from the send time.
TEST(AlertJson, SendAtAndAnExpiryRelativeToIt) {
  auto doc = minimal();
  doc["send_at"] = "2026-12-01T12:00:00+01:00";
  doc["expires_after"] = "PT2H";
  auto r = model::alert_from_json(doc, {"it", "pc@comune.example"}, now);
  ASSERT_TRUE(std::holds_alternative<model::Alert>(r)) << errors_for(doc).front().detail;
  const auto& a = std::get<model::Alert>(r);
  EXPECT_EQ(a.send_at, "2026-12-01T12:00:00+01:00");
  EXPECT_EQ(a.expires, "2026-12-01T13:00:00-00:00");  // 12:00+01:00 plus two hours, in UTC
  EXPECT_EQ(model::alert_to_json(a).at("send_at").as_string(), "2026-12-01T12:00:00+01:00");

  doc.erase("expires_after");
  doc["expires_after"] = "P1DT12H";
  EXPECT_TRUE(errors_for(doc).empty());

  auto past = minimal();
  past["send_at"] = "2026-11-22T10:00:00+01:00";
  EXPECT_NE(detail_at(errors_for(past), "/send_at").find("in the past"), std::string::npos);
  auto far = minimal();
  far["send_at"] = "2028-01-01T00:00:00+01:00";
  EXPECT_NE(detail_at(errors_for(far), "/send_at").find("366 days"), std::string::npos);
  auto before = minimal();
  before["send_at"] = "2026-12-01T12:00:00+01:00";
  before["expires"] = "2026-12-01T11:00:00+01:00";
  EXPECT_NE(detail_at(errors_for(before), "/expires").find("not after send_at"), std::string::npos);
  auto both = minimal();
  both["expires"] = "2026-12-01T11:00:00+01:00";
  both["expires_after"] = "PT1H";
  EXPECT_NE(detail_at(errors_for(both), "/expires_after").find("not both"), std::string::npos);
  for (const char* bad : {"2h", "P", "PT", "PT0S", "P400D", "-PT1H"}) {
    auto d = minimal();
    d["expires_after"] = bad;
    EXPECT_NE(detail_at(errors_for(d), "/expires_after").find("is not a duration"),
              std::string::npos)
        << bad;
  }
}

// The document stored for an accepted alert is itself an acceptable alert, read back the
// same (the fuzz target checks this on arbitrary input).
TEST(AlertJson, TheStoredDocumentReadsBackAsTheSameAlert) {
  auto doc = minimal();
  doc["expires"] = "2027-01-01T00:00:00+01:00";
  doc["translations"] = boost::json::array{{{"language", "en"}, {"headline", "Alert"}}};
  auto r = model::alert_from_json(doc, {"it", "pc@comune.example"}, now);
  ASSERT_TRUE(std::holds_alternative<model::Alert>(r));
  const auto stored = model::alert_to_json(std::get<model::Alert>(r));
  auto again = model::alert_from_json(stored, {"it", "pc@comune.example"}, now);
  ASSERT_TRUE(std::holds_alternative<model::Alert>(again))
      << boost::json::serialize(stored) << " -> " << errors_for(stored).front().pointer << ": "
      << errors_for(stored).front().detail;
  EXPECT_EQ(model::alert_to_json(std::get<model::Alert>(again)), stored);
}

TEST(AlertJson, StatusAndScopeAreCapsWithTheirCompanionFields) {
  auto a = std::get<model::Alert>(model::alert_from_json(minimal(), {"it", "pc"}, now));
  EXPECT_EQ(a.status, "Actual");
  EXPECT_EQ(a.scope, "Public");
  EXPECT_TRUE(model::is_public(a));
  EXPECT_FALSE(model::alert_to_json(a).contains("status"));  // defaults are not written

  auto doc = minimal();
  doc["status"] = "Exercise";
  doc["scope"] = "Restricted";
  doc["restriction"] = "Sindaci";
  auto r = model::alert_from_json(doc, {"it", "pc"}, now);
  ASSERT_TRUE(std::holds_alternative<model::Alert>(r));
  EXPECT_FALSE(model::is_public(std::get<model::Alert>(r)));
  const auto stored = model::alert_to_json(std::get<model::Alert>(r));
  EXPECT_EQ(stored.at("status"), "Exercise");
  EXPECT_EQ(stored.at("restriction"), "Sindaci");
  EXPECT_EQ(model::alert_to_json(
                std::get<model::Alert>(model::alert_from_json(stored, {"it", "pc"}, now))),
            stored);

  auto bad = minimal();
  bad["status"] = "actual";  // case-sensitive, as in CAP
  EXPECT_NE(detail_at(errors_for(bad), "/status").find("is not one of"), std::string::npos);
  bad = minimal();
  bad["scope"] = "Private";
  EXPECT_NE(detail_at(errors_for(bad), "/addresses").find("lists who it is for"),
            std::string::npos);
  bad["addresses"] = "sindaco@comune.example";
  bad["restriction"] = "x";
  EXPECT_NE(detail_at(errors_for(bad), "/restriction").find("only a Restricted"),
            std::string::npos);
}

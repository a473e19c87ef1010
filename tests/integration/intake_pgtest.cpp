// POST /v1/alerts against a real database: every kind of bad input is refused with a
// problem document that says what and where, and leaves the database as it was.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "daemon/api/alerts_api.hpp"
#include "daemon/store/api_key_store.hpp"
#include "tests/support/test_database.hpp"

using namespace araldo;

namespace {

class Intake : public ::testing::Test {
 protected:
  void SetUp() override {
    channels::ChannelRegistry registry;
    channels::register_all_channels(registry);
    auto add = [&](const std::string& name, const std::string& yaml) {
      config::Section s(YAML::Load(yaml), "channels." + name, config::process_env);
      channels_.add(registry.create(name, s));
    };
    add("tg",
        "{type: telegram, bot_token: '1:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghi', chats: ['@chan_a', "
        "'@chan_b']}");
    add("tg-off",
        "{type: telegram, enabled: false, bot_token: '1:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghi', "
        "chats: ['@chan_c']}");
    database_ = std::make_unique<store::Database>(config::Secret(db_.dsn()), 2);
    pqxx::connection c(db_.dsn());
    key_ = store::create_api_key(c, "ops", "test").key;
    api_ = std::make_unique<api::AlertsApi>(*database_, channels_, renderer_,
                                            model::AlertDefaults{"it", "pc@comune.example"});
    baseline_ = snapshot();
  }

  http::Response post(const std::string& body, const std::string& key_header = "",
                      const std::string& content_type = "application/json") {
    http::Request r;
    r.method = "POST";
    r.target = "/v1/alerts";
    r.body = body;
    if (!content_type.empty()) r.headers.add("Content-Type", content_type);
    r.headers.add("Authorization", key_header.empty() ? "Bearer " + key_ : key_header);
    return api_->post(r);
  }

  std::string snapshot() const {
    return db_.scalar(
        "SELECT (SELECT count(*) FROM alerts) || '/' || (SELECT count(*) FROM deliveries) || '/' ||"
        " (SELECT count(*) FROM audit_events)");
  }

  // Asserts a refusal: status, problem type, an error at `pointer`, nothing written.
  void expect_refused(const http::Response& r, int status, const std::string& type,
                      const std::string& pointer = "", const std::string& detail_has = "") {
    EXPECT_EQ(r.status, status) << r.body;
    EXPECT_EQ(r.headers.find("Content-Type").value_or(""), "application/problem+json");
    auto doc = boost::json::parse(r.body).as_object();
    EXPECT_EQ(doc["type"].as_string(), "urn:araldo:problem:" + type);
    EXPECT_EQ(doc["status"].as_int64(), status);
    if (!pointer.empty() || !detail_has.empty()) {
      bool found = false;
      for (const auto& e : doc["errors"].as_array()) {
        const auto& o = e.as_object();
        if (o.at("pointer").as_string() == pointer &&
            std::string(o.at("detail").as_string()).find(detail_has) != std::string::npos) {
          found = true;
        }
      }
      EXPECT_TRUE(found) << "no error at '" << pointer << "' containing '" << detail_has << "' in "
                         << r.body;
    }
    EXPECT_EQ(snapshot(), baseline_) << "a refused request changed the database";
  }

  test_support::TestDatabase db_;
  channels::ChannelSet channels_;
  render::Renderer renderer_;
  std::unique_ptr<store::Database> database_;
  std::unique_ptr<api::AlertsApi> api_;
  std::string key_;
  std::string baseline_;
};

const std::string valid =
    R"({"headline":"Allerta","event":"Flood","category":"Met","severity":"Severe",)"
    R"("urgency":"Immediate","certainty":"Observed"})";

std::string with(const std::string& extra) {
  return valid.substr(0, valid.size() - 1) + "," + extra + "}";
}

}  // namespace

TEST_F(Intake, AcceptsAndQueuesOneDeliveryPerTargetOfEnabledChannels) {
  auto r = post(valid);
  ASSERT_EQ(r.status, 202) << r.body;
  auto doc = boost::json::parse(r.body).as_object();
  EXPECT_EQ(r.headers.find("Location").value_or(""),
            "/v1/alerts/" + std::string(doc["id"].as_string()));
  EXPECT_EQ(doc["deliveries"].as_int64(), 2);  // tg has two chats; tg-off is disabled
  EXPECT_EQ(db_.scalar("SELECT string_agg(target, ',' ORDER BY target) FROM deliveries"),
            "@chan_a,@chan_b");
  EXPECT_EQ(db_.scalar("SELECT actor FROM audit_events WHERE kind = 'alert.accepted'"), "ops");
}

TEST_F(Intake, MissingOrWrongKeyIs401) {
  expect_refused(post(valid, "Bearer araldo_wrong"), 401, "unauthorized");
  expect_refused(post(valid, "Basic b3BzOnB3"), 401, "unauthorized");
  http::Request r;
  r.method = "POST";
  r.body = valid;
  r.headers.add("Content-Type", "application/json");
  expect_refused(api_->post(r), 401, "unauthorized");
}

TEST_F(Intake, WrongContentTypeIs415) {
  expect_refused(post(valid, "", "text/plain"), 415, "unsupported-media-type");
  EXPECT_EQ(post(valid, "", "application/json; charset=utf-8").status, 202);
}

TEST_F(Intake, MalformedJsonAndInvalidUtf8Are400WithTheByte) {
  const auto r = post(R"({"headline": "x")");
  expect_refused(r, 400, "malformed-json");
  EXPECT_NE(r.body.find("malformed JSON at byte"), std::string::npos);
  const auto u = post("{\"headline\":\"\xc3\x28\"}");
  expect_refused(u, 400, "malformed-json");
  EXPECT_NE(u.body.find("not valid UTF-8 (at byte 13)"), std::string::npos);
}

TEST_F(Intake, InvalidFieldsAre422AtTheirPointer) {
  expect_refused(post(R"({"event":"Flood"})"), 422, "validation-failed", "/headline", "required");
  expect_refused(post(with(R"("severity":"Huge")")), 422, "validation-failed", "/severity",
                 "'Huge' is not one of");
  expect_refused(
      post(
          R"({"headline":["x"],"event":"Flood","category":"Met","severity":"Severe","urgency":"Immediate","certainty":"Observed"})"),
      422, "validation-failed", "/headline", "must be a string");
  expect_refused(post(with(R"("colour":"red")")), 422, "validation-failed", "/colour",
                 "unknown field");
}

TEST_F(Intake, UnknownOrDisabledChannelIs422) {
  expect_refused(post(with(R"("channels":["tg","fax"])")), 422, "validation-failed", "/channels/1",
                 "unknown channel 'fax' (configured: tg, tg-off)");
  expect_refused(post(with(R"("channels":["tg-off"])")), 422, "validation-failed", "/channels/0",
                 "disabled");
}

TEST_F(Intake, TextTooLongForThePlatformIs422BeforeAnythingIsQueued) {
  const std::string description(4000, 'd');
  const std::string instruction(2000, 'i');
  expect_refused(
      post(with(R"("description":")" + description + R"(","instruction":")" + instruction + "\"")),
      422, "validation-failed", "", "for channel 'tg': rendered text is");
}

TEST_F(Intake, DatabaseDownIs503NeverAccepted) {
  store::Database down(config::Secret("host=127.0.0.1 port=1 user=nobody connect_timeout=2"), 1);
  api::AlertsApi api(down, channels_, renderer_, {});
  http::Request r;
  r.method = "POST";
  r.body = valid;
  r.headers.add("Content-Type", "application/json");
  r.headers.add("Authorization", "Bearer " + key_);
  const auto resp = api.post(r);
  EXPECT_EQ(resp.status, 503);
  EXPECT_EQ(resp.headers.find("Content-Type").value_or(""), "application/problem+json");
  EXPECT_NE(resp.body.find("NOT accepted"), std::string::npos);
  EXPECT_EQ(snapshot(), baseline_);
}

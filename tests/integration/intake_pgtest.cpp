// POST /v1/alerts against a real database: every kind of bad input is refused with a
// problem document that says what and where, and leaves the database as it was.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "daemon/api/alerts_api.hpp"
#include "daemon/store/api_key_store.hpp"
#include "daemon/store/consent.hpp"
#include "daemon/store/subscriber_store.hpp"
#include "tests/support/test_database.hpp"

using namespace araldo;

namespace {

class Intake : public ::testing::Test {
 protected:
  void SetUp() override {
    channels::ChannelRegistry registry;
    channels::register_all_channels(registry);
    auto add = [&](const std::string& name, const std::string& yaml,
                   channels::ChannelSet* set = nullptr) {
      config::Section s(YAML::Load(yaml), "channels." + name, config::process_env);
      (set ? *set : channels_).add(registry.create(name, s));
    };
    // X and WhatsApp, for the tests that name them.
    add("x",
        "{type: x, account: '@comune', consumer_key: ck, consumer_secret: cs, "
        "access_token: at, access_token_secret: ats}",
        &other_channels_);
    add("wa",
        "{type: whatsapp, phone_number_id: '1234567', access_token: t, "
        "template: {name: allerta, parameters: 4, languages: {it: it, en: en_US}}}",
        &other_channels_);
    add("tg",
        "{type: telegram, bot_token: '1:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghi', chats: ['@chan_a', "
        "'@chan_b']}");
    add("tg-off",
        "{type: telegram, enabled: false, bot_token: '1:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghi', "
        "chats: ['@chan_c']}");
    database_ = std::make_unique<store::Database>(config::Secret(db_.dsn()), 2);
    pqxx::connection c(db_.dsn());
    key_ = store::create_api_key(c, {"ops", "operator", std::nullopt}, "test").key;
    intake_ = std::make_unique<intake::AlertIntake>(
        *database_, channels_, renderer_, model::AlertDefaults{"it", "pc@comune.example"});
    other_intake_ = std::make_unique<intake::AlertIntake>(
        *database_, other_channels_, renderer_, model::AlertDefaults{"it", "pc@comune.example"});
    corrections_ =
        std::make_unique<intake::Corrections>(*database_, channels_, renderer_, *intake_);
    other_corrections_ = std::make_unique<intake::Corrections>(*database_, other_channels_,
                                                               renderer_, *other_intake_);
    api_ = std::make_unique<api::AlertsApi>(*intake_, *corrections_, *database_,
                                            test_support::test_pseudonyms);
    other_api_ = std::make_unique<api::AlertsApi>(*other_intake_, *other_corrections_, *database_,
                                                  test_support::test_pseudonyms);
    // The API as araldod serves it: through the route table, which checks key and role.
    for (auto* api : {api_.get(), other_api_.get()}) {
      auto& table = tables_.emplace_back(
          std::make_unique<api::RouteTable>(*database_, std::size_t{64 * 1024}));
      table->add({"POST",
                  "/v1/alerts",
                  {api::Role::Operator, api::Role::Scheduler},
                  "application/json",
                  0,
                  [api](const api::Call& call) { return api->post(call); }});
    }
    baseline_ = snapshot();
  }

  // As the HTTP server does: admit from the header, then handle the whole request.
  http::Response serve(const http::Request& r, const api::AlertsApi* api = nullptr) {
    auto& table = *tables_[api == other_api_.get() ? 1 : 0];
    auto admission = table.admit(r);
    if (admission.refusal) return *admission.refusal;
    return admission.handle(r);
  }

  http::Response post(const std::string& body, const std::string& key_header = "",
                      const std::string& content_type = "application/json",
                      const api::AlertsApi* api = nullptr,
                      const std::string& idempotency_key = "") {
    http::Request r;
    if (!idempotency_key.empty()) r.headers.add("Idempotency-Key", idempotency_key);
    r.method = "POST";
    r.target = "/v1/alerts";
    r.body = body;
    if (!content_type.empty()) r.headers.add("Content-Type", content_type);
    r.headers.add("Authorization", key_header.empty() ? "Bearer " + key_ : key_header);
    return serve(r, api);
  }

  http::Response post_other(const std::string& body) {
    return post(body, "", "application/json", other_api_.get());
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
        // Where: a pointer into the body, or a parameter's or a header's name.
        const auto* where = o.if_contains("pointer");
        if (!where) where = o.if_contains("parameter");
        if (!where) where = o.if_contains("header");
        if (where && where->as_string() == pointer &&
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
  std::unique_ptr<intake::AlertIntake> intake_, other_intake_;
  std::unique_ptr<intake::Corrections> corrections_, other_corrections_;
  std::unique_ptr<api::AlertsApi> api_;
  std::string key_;
  std::string baseline_;
  channels::ChannelSet other_channels_;
  std::unique_ptr<api::AlertsApi> other_api_;
  std::vector<std::unique_ptr<api::RouteTable>> tables_;
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
  r.target = "/v1/alerts";
  r.body = valid;
  r.headers.add("Content-Type", "application/json");
  expect_refused(serve(r), 401, "unauthorized");
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

TEST_F(Intake, ARepeatedKeyIs400AtItsPointerAndNothingIsStored) {
  const auto r = post(R"({"severity":"Minor",)" + valid.substr(1, valid.size() - 1));
  expect_refused(r, 400, "malformed-json", "/severity", "duplicate key");
}

TEST_F(Intake, AnExpiryCenturiesAheadIsAcceptedAndStored) {
  const auto r = post(with(R"("expires":"9999-12-31T23:59:59+00:00")"));
  ASSERT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(db_.scalar("SELECT extract(year FROM expires_at) FROM alerts"), "9999");
}

TEST_F(Intake, InvalidFieldsAre422AtTheirPointer) {
  expect_refused(post(R"({"event":"Flood"})"), 422, "validation-failed", "/headline", "required");
  expect_refused(post(R"({"headline":"Allerta","event":"Flood","category":"Met",)"
                      R"("severity":"Huge","urgency":"Immediate","certainty":"Observed"})"),
                 422, "validation-failed", "/severity", "'Huge' is not one of");
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
  // 4,000 CJK characters weigh 8,000 on X: more than a 25-post thread holds.
  std::string description;
  for (int i = 0; i < 4000; ++i) description += "地";
  const auto body = with(R"("description":")" + description + R"(","channels":["x"])");
  expect_refused(post_other(body), 422, "validation-failed", "",
                 "for channel 'x' (language it): the text would need");
}

TEST_F(Intake, LongTextIsQueuedAsOrderedPartsThatWaitForEachOther) {
  const std::string description(4000, 'd');
  const std::string instruction(2000, 'i');
  const auto r =
      post(with(R"("description":")" + description + R"(","instruction":")" + instruction + "\""));
  ASSERT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(boost::json::parse(r.body).at("deliveries").as_int64(), 4);  // 2 chats x 2 parts
  EXPECT_EQ(db_.scalar("SELECT string_agg(target || ':' || part || '/' || parts || ':' ||"
                       " (next_attempt_at = 'infinity'), ',' ORDER BY target, part)"
                       " FROM deliveries"),
            "@chan_a:1/2:false,@chan_a:2/2:true,@chan_b:1/2:false,@chan_b:2/2:true");
  EXPECT_EQ(db_.scalar("SELECT bool_and(rendered_text LIKE '%(' || part || '/2)')"
                       " FROM deliveries"),
            "t");
}

TEST_F(Intake, SubscribersFanOutInOneStatementEachInTheirLanguage) {
  pqxx::connection c(db_.dsn());
  store::upsert_subscribers(c, "wa",
                            {{"393330000001", "it", "2026-01-01T10:00:00+01:00"},
                             {"393330000002", "en", "2026-01-01T10:00:00+01:00"},
                             {"393330000003", "de", "2026-01-01T10:00:00+01:00"}},
                            "ops", test_support::test_pseudonyms);
  baseline_ = snapshot();
  const auto r = post_other(with(R"("channels":["wa"],"translations":[{"language":"en",)"
                                 R"("headline":"Flood alert"}])"));
  ASSERT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(boost::json::parse(r.body).at("deliveries").as_int64(), 3);
  // The German subscriber gets the channel's default language, Italian.
  EXPECT_EQ(db_.scalar("SELECT string_agg(target || ':' || language || ':' ||"
                       " (rendered_text::jsonb->>'language') || ':' ||"
                       " (rendered_text::jsonb->'parameters'->>0), ',' ORDER BY target)"
                       " FROM deliveries"),
            "393330000001:it:it:🟠 ALLERTA ARANCIONE · Allerta,"
            "393330000002:en:en_US:🟠 ORANGE ALERT · Flood alert,"
            "393330000003:it:it:🟠 ALLERTA ARANCIONE · Allerta");
  EXPECT_EQ(db_.scalar("SELECT detail->'subscribers_by_channel'->>'wa' FROM audit_events"
                       " WHERE kind = 'alert.accepted'"),
            "3");
}

// A subscriber who stopped non-emergency messages on WhatsApp (user_preferences) still
// gets alerts; a scheduled notice (accepted with notice=true, as the schedule runner
// does) skips them.
TEST_F(Intake, AScheduledNoticeSkipsWhoStoppedNoticesAndAnAlertDoesNot) {
  pqxx::connection c(db_.dsn());
  store::upsert_subscribers(c, "wa",
                            {{"393330000001", "it", "2026-01-01T10:00:00+01:00"},
                             {"393330000002", "it", "2026-01-01T10:00:00+01:00"}},
                            "ops", test_support::test_pseudonyms);
  {
    pqxx::work tx(c);
    EXPECT_EQ(
        store::set_notice_preference(tx, {"wa", "393330000002", 1767261600, "stop", "citizen"},
                                     true, test_support::test_pseudonyms),
        "notices_stopped");
    // An older "resume" delivered late changes nothing.
    EXPECT_EQ(
        store::set_notice_preference(tx, {"wa", "393330000002", 1767261000, "resume", "citizen"},
                                     false, test_support::test_pseudonyms),
        "stale");
    EXPECT_EQ(
        store::set_notice_preference(tx, {"wa", "393339999999", 1767261600, "stop", "citizen"},
                                     true, test_support::test_pseudonyms),
        "not_subscribed");
    tx.commit();
  }
  const auto body = with(R"("channels":["wa"])");
  const auto alert = other_intake_->accept(body, "ops", std::nullopt);
  ASSERT_TRUE(std::holds_alternative<intake::Accepted>(alert));
  const auto notice = other_intake_->accept(body, "ops", std::nullopt, /*notice=*/true);
  ASSERT_TRUE(std::holds_alternative<intake::Accepted>(notice));
  const auto targets = [&](const intake::IntakeResult& r) {
    return db_.scalar(
        "SELECT string_agg(target, ',' ORDER BY target) FROM deliveries"
        " WHERE alert_id = '" +
        std::get<intake::Accepted>(r).alert.id + "'");
  };
  EXPECT_EQ(targets(alert), "393330000001,393330000002");
  EXPECT_EQ(targets(notice), "393330000001");
}

TEST_F(Intake, ASubscriptionChannelWithoutSubscribersIs422) {
  expect_refused(post_other(with(R"("channels":["wa"])")), 422, "validation-failed", "/channels",
                 "no message to send");
}

TEST_F(Intake, DatabaseDownIs503NeverAccepted) {
  store::Database down(config::Secret("host=127.0.0.1 port=1 user=nobody connect_timeout=2"), 1);
  intake::AlertIntake intake(down, channels_, renderer_, {});
  intake::Corrections corrections(down, channels_, renderer_, intake);
  api::AlertsApi api(intake, corrections, down, test_support::test_pseudonyms);
  api::RouteTable table(down, 64 * 1024);
  table.add({"POST",
             "/v1/alerts",
             {api::Role::Operator},
             "application/json",
             0,
             [&](const api::Call& call) { return api.post(call); }});
  http::Request r;
  r.method = "POST";
  r.target = "/v1/alerts";
  r.body = valid;
  r.headers.add("Content-Type", "application/json");
  r.headers.add("Authorization", "Bearer " + key_);
  auto admission = table.admit(r);
  const auto resp = admission.refusal ? *admission.refusal : admission.handle(r);
  EXPECT_EQ(resp.status, 503);
  EXPECT_EQ(resp.headers.find("Content-Type").value_or(""), "application/problem+json");
  EXPECT_NE(resp.body.find("NOT accepted"), std::string::npos) << resp.body;
  EXPECT_EQ(resp.headers.find("Retry-After").value_or(""), "2");  // a failover takes seconds
  // A caller already let in (its key cached) meets the outage at the write: the handler
  // does not swallow it, and the route table answers 503 for every route alike.
  const api::Caller caller{"ops", api::Role::Operator};
  const api::PathParams none;
  EXPECT_THROW(api.post(api::Call{r, none, caller}), store::DatabaseUnavailable);
  EXPECT_EQ(snapshot(), baseline_);
}

// The connection broke during COMMIT (a primary killed after its standby had the commit):
// the request may have been accepted, and the answer must not say it was not.
TEST_F(Intake, ACommitInDoubtIs503SayingItMayHaveBeenAccepted) {
  api::RouteTable table(*database_, 64 * 1024);
  for (const std::string kind : {"doubt", "down"}) {
    table.add({"POST",
               "/v1/" + kind,
               {api::Role::Operator},
               "",
               0,
               [kind](const api::Call&) -> http::Response {
                 if (kind == "doubt")
                   throw store::CommitInDoubt("commit in doubt: connection lost");
                 throw store::DatabaseUnavailable("lost the database connection");
               }});
  }
  auto call = [&](const std::string& kind) {
    http::Request r;
    r.method = "POST";
    r.target = "/v1/" + kind;
    r.headers.add("Authorization", "Bearer " + key_);
    auto admission = table.admit(r);
    return admission.refusal ? *admission.refusal : admission.handle(r);
  };
  const auto doubt = call("doubt");
  EXPECT_EQ(doubt.status, 503);
  EXPECT_EQ(doubt.headers.find("Retry-After").value_or(""), "2");
  EXPECT_NE(doubt.body.find("MAY have been accepted"), std::string::npos) << doubt.body;
  EXPECT_NE(doubt.body.find("Idempotency-Key"), std::string::npos) << doubt.body;
  EXPECT_EQ(doubt.body.find("NOT accepted"), std::string::npos) << doubt.body;
  const auto down = call("down");
  EXPECT_EQ(down.status, 503);
  EXPECT_EQ(down.headers.find("Retry-After").value_or(""), "2");
  EXPECT_NE(down.body.find("NOT accepted"), std::string::npos) << down.body;
}

TEST_F(Intake, SameIdempotencyKeyAndBodyReturnsTheFirstAlertWithoutASecondBroadcast) {
  const auto first = post(valid, "", "application/json", nullptr, "flood-2026-11-23-0300");
  ASSERT_EQ(first.status, 202) << first.body;
  const auto after_first = snapshot();
  const auto again = post(valid, "", "application/json", nullptr, "flood-2026-11-23-0300");
  EXPECT_EQ(again.status, 202);
  EXPECT_EQ(again.headers.find("Idempotent-Replayed").value_or(""), "true");
  EXPECT_EQ(boost::json::parse(again.body).at("id"), boost::json::parse(first.body).at("id"));
  EXPECT_EQ(boost::json::parse(again.body).at("deliveries").as_int64(), 2);
  EXPECT_EQ(snapshot(), after_first);  // nothing new queued or logged

  // Another key is another alert.
  EXPECT_EQ(post(valid, "", "application/json", nullptr, "flood-2").status, 202);
  EXPECT_EQ(db_.count("alerts"), 2);
}

TEST_F(Intake, SameIdempotencyKeyWithAnotherBodyIs409AndChangesNothing) {
  ASSERT_EQ(post(valid, "", "application/json", nullptr, "k1").status, 202);
  baseline_ = snapshot();
  expect_refused(post(with(R"("area":"Niguarda")"), "", "application/json", nullptr, "k1"), 409,
                 "idempotency-key-reused", "Idempotency-Key", "already used");
  // A bad key is refused before anything is read.
  expect_refused(post(valid, "", "application/json", nullptr, std::string(256, 'k')), 400,
                 "invalid-idempotency-key");
}

TEST_F(Intake, AnIdempotencyKeyOlderThanADayIsFreeAgain) {
  ASSERT_EQ(post(valid, "", "application/json", nullptr, "daily").status, 202);
  EXPECT_EQ(db_.scalar("WITH aged AS (UPDATE idempotency_keys"
                       " SET created_at = now() - interval '25 hours' RETURNING 1)"
                       " SELECT count(*) FROM aged"),
            "1");
  const auto next_day =
      post(with(R"("area":"Niguarda")"), "", "application/json", nullptr, "daily");
  EXPECT_EQ(next_day.status, 202) << next_day.body;
  EXPECT_EQ(next_day.headers.find("Idempotent-Replayed"), std::nullopt);
  EXPECT_EQ(db_.count("alerts"), 2);
}

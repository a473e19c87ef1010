// Safe sending against araldod and the emulator: drills and tests reach only the
// channels configured for them and say so in words; a Draft is stored, never sent.
#include <sys/stat.h>

#include <boost/json.hpp>
#include <fstream>

#include "tests/e2e/daemon_fixture.hpp"

using namespace araldo::test_support;
using namespace std::chrono;

namespace {

std::string alert(const std::string& extra = "", const std::string& severity = "Severe") {
  return R"({"headline":"Esondazione Seveso","event":"Flood","category":"Met","severity":")" +
         severity + R"(","urgency":"Immediate","certainty":"Observed")" +
         (extra.empty() ? "" : "," + extra) + "}";
}

// A private chat for drills, next to the public channel of the base configuration.
const std::string kDrillChannel =
    "  telegram-drill:\n"
    "    type: telegram\n"
    "    base_url: EMULATOR\n"
    "    bot_token: ${TELEGRAM_TOKEN}\n"
    "    chats: ['-1004001']\n"
    "    statuses: [Exercise, Test]\n";

std::string drill_channel(const std::string& emulator_url) {
  auto yaml = kDrillChannel;
  yaml.replace(yaml.find("EMULATOR"), 8, emulator_url);
  return yaml;
}

std::string chat_of(const boost::json::value& m) {
  return std::string(m.at("chat_id").as_string());
}

}  // namespace

class SafeSendingE2E : public DaemonTest {};

TEST_F(SafeSendingE2E, AnExerciseReachesOnlyTheDrillChannelAndSaysSoInWords) {
  start_daemon(drill_channel(emulator_url_));
  const auto status = post_and_wait(alert(R"("status":"Exercise")"), {"sent"});
  ASSERT_FALSE(status.empty());
  EXPECT_EQ(status.at("total_deliveries").as_int64(), 1);
  const auto messages = emulator_messages("telegram");
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(chat_of(messages[0]), "-1004001");
  const std::string text(messages[0].at("plain_text").as_string());
  EXPECT_NE(text.find("[ESERCITAZIONE] Esondazione Seveso"), std::string::npos) << text;
  EXPECT_NE(text.find("nessun pericolo reale"), std::string::npos) << text;

  // An Actual alert without channels goes to the public channel only.
  const auto real = post_and_wait(alert(), {"sent"});
  ASSERT_FALSE(real.empty());
  EXPECT_EQ(real.at("total_deliveries").as_int64(), 2);  // the two public chats
  for (const auto& d : real.at("deliveries").as_array()) {
    EXPECT_EQ(d.at("channel").as_string(), "telegram-main");
    EXPECT_EQ(std::string(d.at("rendered_text").as_string()).find("ESERCITAZIONE"),
              std::string::npos);
  }
}

TEST_F(SafeSendingE2E, ADrillNamingAPublicChannelIsRefusedAndNothingIsWritten) {
  start_daemon(drill_channel(emulator_url_));
  const auto r = post_alert(alert(R"("status":"Test","channels":["telegram-main"])"));
  EXPECT_EQ(r.status, 422) << r.body;
  const auto doc = boost::json::parse(r.body);
  const auto& error = doc.at("errors").at(0);
  EXPECT_EQ(error.at("pointer").as_string(), "/channels/0");
  const std::string detail(error.at("detail").as_string());
  EXPECT_NE(detail.find("is public: it takes only Actual alerts"), std::string::npos) << detail;
  EXPECT_NE(detail.find("those that do: telegram-drill"), std::string::npos) << detail;
  // A Restricted alert without a restriction, and an unknown status, name their field.
  EXPECT_NE(post_alert(alert(R"("scope":"Restricted")")).body.find("/restriction"),
            std::string::npos);
  const auto bad = post_alert(alert(R"("status":"Real")"));
  EXPECT_EQ(bad.status, 422);
  EXPECT_NE(bad.body.find("/status"), std::string::npos) << bad.body;
  // A Restricted alert with no channel configured for its scope.
  const auto restricted =
      post_alert(alert(R"("scope":"Restricted","restriction":"Sindaci della provincia")"));
  EXPECT_EQ(restricted.status, 422);
  EXPECT_NE(restricted.body.find("no enabled channel takes Actual alerts of scope Restricted"),
            std::string::npos)
      << restricted.body;
  EXPECT_EQ(db_->count("alerts"), 0);
  EXPECT_TRUE(emulator_messages("telegram").empty());
}

TEST_F(SafeSendingE2E, ADraftIsStoredAndNeverSent) {
  start_daemon(drill_channel(emulator_url_));
  const auto r = post_alert(alert(R"("status":"Draft")"));
  ASSERT_EQ(r.status, 202) << r.body;
  const std::string id(boost::json::parse(r.body).at("id").as_string());
  const auto doc = get_alert(id);
  EXPECT_EQ(doc.at("state").as_string(), "draft");
  EXPECT_EQ(doc.at("total_deliveries").as_int64(), 0);
  EXPECT_EQ(doc.at("alert").at("status").as_string(), "Draft");
  EXPECT_EQ(db_->count("deliveries"), 0);
  EXPECT_EQ(db_->scalar("SELECT status FROM alerts WHERE id = '" + id + "'"), "Draft");
  EXPECT_TRUE(emulator_messages("telegram").empty());
}

// The two-person rule: Extreme alerts wait for a second operator.
class ApprovalE2E : public DaemonTest {
 protected:
  std::string alert_settings() const override {
    return "approval: {severities: [Extreme], timeout_seconds: " + std::to_string(timeout_s()) +
           "}";
  }
  virtual int timeout_s() const { return 3600; }

  HttpResult call(const std::string& key, const std::string& path, const std::string& body = "") {
    std::map<std::string, std::string> headers{{"Authorization", "Bearer " + key}};
    if (!body.empty()) headers["Content-Type"] = "application/json";
    return http_request("POST", daemon_url_ + path, headers, body);
  }
  std::string post_held(const std::string& extra = "") {
    const auto r = post_alert(alert(extra, "Extreme"));
    EXPECT_EQ(r.status, 202) << r.body;
    const auto doc = boost::json::parse(r.body);
    EXPECT_EQ(doc.at("state").as_string(), "awaiting_approval") << r.body;
    return std::string(doc.at("id").as_string());
  }
  long long audit_events(const std::string& kind, const std::string& actor) {
    return std::stoll(db_->scalar("SELECT count(*) FROM audit_events WHERE kind = '" + kind +
                                  "' AND actor = '" + actor + "'"));
  }
};

TEST_F(ApprovalE2E, AnExtremeAlertWaitsForASecondOperatorThenGoesOut) {
  start_daemon();
  const auto second = create_key("e2e-second", "operator");
  const auto id = post_held();
  // Nothing of it is claimed: a Severe alert posted after it is sent, and it is not.
  ASSERT_FALSE(post_and_wait(alert(), {"sent"}).empty());
  EXPECT_EQ(emulator_messages().size(), 2u);
  auto held = get_alert(id);
  EXPECT_EQ(held.at("state").as_string(), "awaiting_approval");
  EXPECT_EQ(held.at("summary").at("pending").as_int64(), 2);
  EXPECT_EQ(held.at("approval").at("state").as_string(), "awaiting");

  // The author cannot approve it.
  const auto own = call(api_key_, "/v1/alerts/" + id + "/approve");
  EXPECT_EQ(own.status, 403) << own.body;
  EXPECT_NE(own.body.find("approval-by-author"), std::string::npos);

  const auto ok = call(second, "/v1/alerts/" + id + "/approve");
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(boost::json::parse(ok.body).at("released").as_int64(), 2);
  ASSERT_TRUE(wait_until([&] { return all_in(get_alert(id), {"sent"}); }));
  EXPECT_EQ(emulator_messages().size(), 4u);
  const auto approved = get_alert(id);
  EXPECT_EQ(approved.at("approval").at("decided_by").as_string(), "e2e-second");
  // Both identities are in the audit log: who sent it, who approved it.
  EXPECT_EQ(audit_events("alert.accepted", "e2e"), 2);
  EXPECT_EQ(audit_events("alert.approved", "e2e-second"), 1);
  EXPECT_NE(db_->scalar("SELECT detail::text FROM audit_events WHERE kind = 'alert.accepted'"
                        " AND alert_id = '" +
                        id + "'")
                .find("\"approval\": \"awaiting\""),
            std::string::npos);
  // Decided once.
  EXPECT_EQ(call(second, "/v1/alerts/" + id + "/approve").status, 409);
}

TEST_F(ApprovalE2E, ARejectionSaysWhyAndNothingIsSent) {
  start_daemon();
  const auto second = create_key("e2e-second", "operator");
  const auto id = post_held();
  // A reason is required, and only a reason.
  EXPECT_EQ(call(second, "/v1/alerts/" + id + "/reject", R"({"reason":"  "})").status, 422);
  EXPECT_EQ(call(second, "/v1/alerts/" + id + "/reject", R"({"reason":"x","y":1})").status, 422);
  EXPECT_EQ(call(second, "/v1/alerts/" + id + "/reject").status, 415);

  // araldoctl, as the second operator: the typo is caught before anything goes out.
  const auto key_file = (dir_ / "second.key").string();
  std::ofstream(key_file) << second << "\n";
  chmod(key_file.c_str(), 0600);
  ChildProcess ctl(ARALDOCTL_PATH, {"reject", id, "--reason", "Wrong area: Niguarda, not Affori"},
                   {{"ARALDO_SERVER", daemon_url_}, {"ARALDO_KEY_FILE", key_file}});
  ASSERT_EQ(ctl.wait(seconds(60)), 0) << ctl.output();
  EXPECT_NE(ctl.output().find("rejected: 2 delivery(ies) will not be sent"), std::string::npos)
      << ctl.output();
  const auto doc = get_alert(id);
  EXPECT_EQ(doc.at("state").as_string(), "rejected");
  EXPECT_EQ(doc.at("summary").at("cancelled").as_int64(), 2);
  EXPECT_EQ(doc.at("approval").at("reason").as_string(), "Wrong area: Niguarda, not Affori");
  EXPECT_EQ(audit_events("alert.rejected", "e2e-second"), 1);
  EXPECT_EQ(call(second, "/v1/alerts/" + id + "/approve").status, 409);
  EXPECT_TRUE(emulator_messages().empty());
}

class ApprovalExpiryE2E : public ApprovalE2E {
 protected:
  int timeout_s() const override { return 5; }
};

TEST_F(ApprovalExpiryE2E, AnUnansweredRequestExpiresWithNothingSent) {
  start_daemon();
  const auto second = create_key("e2e-second", "operator");
  const auto id = post_held();
  ASSERT_TRUE(
      wait_until([&] { return get_alert(id).at("state") == "approval_expired"; }, seconds(60)))
      << boost::json::serialize(get_alert(id)) << "\n"
      << db_->scalar("SELECT approval || ' ' || approval_expires_at || ' ' || now() FROM alerts")
      << daemon_->output();
  const auto doc = get_alert(id);
  EXPECT_EQ(doc.at("summary").at("expired").as_int64(), 2);
  EXPECT_EQ(audit_events("alert.approval_expired", "system"), 1);
  const auto late = call(second, "/v1/alerts/" + id + "/approve");
  EXPECT_EQ(late.status, 409);
  EXPECT_NE(late.body.find("already expired"), std::string::npos) << late.body;
  EXPECT_TRUE(emulator_messages().empty());
}

// Never stop sending: a platform answer or a value the database refuses ends its own
// delivery, explained and audited, and every other alert keeps flowing. Real araldod,
// the emulator and PostgreSQL; faults are the emulator's scripted answers and, for the
// store, a trigger that refuses chosen rows as a constraint would.
#include <algorithm>

#include "tests/e2e/daemon_fixture.hpp"

using namespace araldo::test_support;
using namespace std::chrono;

namespace {

std::string alert(const std::string& headline, const std::string& channels) {
  return R"({"headline":")" + headline +
         R"(","event":"Flood","category":"Met","severity":"Severe","urgency":"Immediate",)"
         R"("certainty":"Observed","area":"Milano","instruction":"Salire ai piani alti.",)"
         R"("channels":)" +
         channels + "}";
}

std::string id_of(const HttpResult& r) {
  return std::string(boost::json::parse(r.body).at("id").as_string());
}

std::string str(const boost::json::value& v, const char* key) {
  const auto* f = v.as_object().if_contains(key);
  return f && f->is_string() ? std::string(f->as_string()) : "";
}

// The telegram channel names both the group and the supergroup it became (the emulator
// answers -4001 with migrate_to_chat_id -1004001).
const std::string kMigratingChannel =
    "  telegram-groups:\n    type: telegram\n    base_url: {E}\n"
    "    bot_token: ${TELEGRAM_TOKEN}\n    chats: ['-4001', '-1004001']\n";

std::string with_url(std::string block, const std::string& url) {
  block.replace(block.find("{E}"), 3, url);
  return block;
}

}  // namespace

class NeverStopE2E : public DaemonTest {};

TEST_F(NeverStopE2E, AChatThatMigratedToOneTheAlertReachesIsCancelledAndNothingStalls) {
  start_daemon(with_url(kMigratingChannel, emulator_url_) + x_channel(emulator_url_) +
               facebook_channel(emulator_url_));
  const auto first = post_alert(alert("Esondazione", R"(["telegram-groups"])"));
  ASSERT_EQ(first.status, 202) << first.body;
  std::vector<std::string> later;
  for (int i = 0; i < 3; ++i) {
    const auto r =
        post_alert(alert("Avviso " + std::to_string(i), R"(["x-comune","facebook-comune"])"));
    ASSERT_EQ(r.status, 202) << r.body;
    later.push_back(id_of(r));
  }
  // Every delivery of every alert reaches a final state: nothing stays sending or pending.
  boost::json::object status;
  ASSERT_TRUE(wait_until(
      [&] {
        return all_in(status = get_alert(id_of(first)), {"sent", "cancelled"});
      },
      seconds(60)))
      << boost::json::serialize(status) << daemon_->output();
  for (const auto& id : later) {
    boost::json::object s;
    ASSERT_TRUE(wait_until([&] { return all_in(s = get_alert(id), {"sent"}); }, seconds(60)))
        << boost::json::serialize(s);
  }
  const auto& deliveries = status.at("deliveries").as_array();
  ASSERT_EQ(deliveries.size(), 2u);
  int sent = 0, cancelled = 0;
  for (const auto& d : deliveries) {
    if (str(d, "state") == "sent") {
      ++sent;
      EXPECT_EQ(str(d, "target"), "-1004001");
    } else {
      ++cancelled;
      EXPECT_EQ(str(d, "last_error"),
                "chat -4001 became -1004001, which receives this alert already");
    }
  }
  EXPECT_EQ(sent, 1);
  EXPECT_EQ(cancelled, 1);
  // The supergroup got the alert exactly once; the old group answered but kept nothing.
  int to_new = 0;
  for (const auto& m : emulator_messages("telegram")) to_new += str(m, "chat_id") == "-1004001";
  EXPECT_EQ(to_new, 1);
  EXPECT_EQ(db_->scalar("SELECT count(*) FROM audit_events WHERE kind = 'delivery.cancelled'"
                        " AND detail->>'reason' LIKE 'chat -4001 became -1004001%'"),
            "1");
  EXPECT_EQ(db_->scalar("SELECT count(*) FROM deliveries WHERE state IN ('sending','pending')"),
            "0");
  EXPECT_EQ(daemon_->output().find("dispatcher.sql_error"), std::string::npos);

  // Remembered: the next alert goes straight to the new id, once, at the first attempt.
  const auto next = post_and_wait(alert("Seconda ondata", R"(["telegram-groups"])"), {"sent"});
  ASSERT_FALSE(next.empty());
  const auto& next_deliveries = next.at("deliveries").as_array();
  ASSERT_EQ(next_deliveries.size(), 1u);
  EXPECT_EQ(str(next_deliveries[0], "target"), "-1004001");
  EXPECT_EQ(next_deliveries[0].at("attempts").as_int64(), 1);

  // The admin is told to update the configuration.
  const auto r =
      http_request("GET", daemon_url_ + "/v1/status", {{"Authorization", "Bearer " + admin_key_}});
  ASSERT_EQ(r.status, 200) << r.body;
  const auto migrations = boost::json::parse(r.body).at("target_migrations").as_array();
  ASSERT_EQ(migrations.size(), 1u);
  EXPECT_EQ(str(migrations[0], "from"), "-4001");
  EXPECT_EQ(str(migrations[0], "to"), "-1004001");
  EXPECT_TRUE(migrations[0].at("configuration_names_old_address").as_bool());
  EXPECT_NE(str(migrations[0], "action").find("replace -4001 with -1004001"), std::string::npos);
}

TEST_F(NeverStopE2E, UnstorableAnswersEndTheirOwnDeliveryExplainedAndTheRestIsSent) {
  start_daemon(x_channel(emulator_url_) + facebook_channel(emulator_url_));
  // In order, one answer each: an error text with a NUL; bytes that are not UTF-8; a 5 MB
  // error; a success whose post id is 10,000 characters.
  emulator_fault(R"({"platform":"x","status":400,"body":)"
                 R"("{\"title\":\"Invalid\",\"detail\":\"bad \\u0000 byte\",\"status\":400}"})");
  emulator_fault(R"({"platform":"x","status":400,"body_hex":")"
                 "7b227469746c65223a22fffe227d"
                 R"("})");
  emulator_fault(R"({"platform":"x","status":400,"fill_bytes":5000000,)"
                 R"("body":"{\"title\":\"Invalid\",\"detail\":\"@FILL@\",\"status\":400}"})");
  emulator_fault(R"({"platform":"x","status":201,"fill_bytes":10000,)"
                 R"("body":"{\"data\":{\"id\":\"@FILL@\",\"text\":\"t\"}}"})");
  std::vector<std::string> ids;
  for (int i = 0; i < 4; ++i) {
    // One at a time, so each X post meets its own fault.
    const auto r = post_alert(alert("Avviso " + std::to_string(i), R"(["x-comune"])"));
    ASSERT_EQ(r.status, 202) << r.body;
    ids.push_back(id_of(r));
    boost::json::object s;
    ASSERT_TRUE(wait_until(
        [&] {
          return all_in(s = get_alert(ids.back()), {"sent", "failed"});
        },
        seconds(60)))
        << boost::json::serialize(s) << daemon_->output();
  }
  std::vector<std::string> reasons;
  for (const auto& id : ids) {
    const auto s = get_alert(id);
    const auto& d = s.at("deliveries").at(0);
    EXPECT_EQ(str(d, "state"), "failed") << boost::json::serialize(d);
    reasons.push_back(str(d, "last_error"));
  }
  EXPECT_NE(reasons[0].find("bad \xEF\xBF\xBD byte"), std::string::npos) << reasons[0];
  EXPECT_NE(reasons[1].find("HTTP 400"), std::string::npos) << reasons[1];
  EXPECT_NE(reasons[2].find("more bytes not kept"), std::string::npos);
  EXPECT_LT(reasons[2].size(), 4096u);
  EXPECT_NE(reasons[3].find("10000 bytes"), std::string::npos) << reasons[3];
  EXPECT_NE(reasons[3].find("not sent again"), std::string::npos) << reasons[3];
  // Each failure is audited with the answer as far as it could be kept.
  EXPECT_EQ(db_->scalar("SELECT count(*) FROM audit_events WHERE kind = 'delivery.failed'"), "4");
  // The faults are used up: both platforms go on sending.
  const auto after = post_and_wait(alert("Dopo", R"(["x-comune","facebook-comune"])"), {"sent"});
  EXPECT_FALSE(after.empty());
  EXPECT_EQ(daemon_->output().find("dispatcher.sql_error"), std::string::npos);
}

TEST_F(NeverStopE2E, ARowTheDatabaseRefusesFailsAloneAndTheBatchGoesOn) {
  start_daemon(x_channel(emulator_url_) + facebook_channel(emulator_url_));
  // Stands for any value a constraint refuses: the record of this alert's X post is
  // refused, and so is the claim of its Facebook post.
  db_->exec(
      "CREATE FUNCTION refuse_poisoned() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
      "  IF NEW.rendered_text LIKE '%VELENO%' AND ((NEW.channel = 'x-comune' AND NEW.state = "
      "'sent') OR (NEW.channel = 'facebook-comune' AND NEW.state = 'sending')) THEN"
      "    RAISE EXCEPTION 'refused for the test: %', NEW.id USING ERRCODE = 'check_violation',"
      "      DETAIL = 'Key (target)=(' || NEW.target || ')';"
      "  END IF; RETURN NEW; END $$;"
      "CREATE TRIGGER refuse_poisoned BEFORE UPDATE ON deliveries"
      "  FOR EACH ROW EXECUTE FUNCTION refuse_poisoned();");
  std::vector<std::string> good;
  for (int i = 0; i < 3; ++i) {
    const auto r =
        post_alert(alert("Buono " + std::to_string(i), R"(["x-comune","facebook-comune"])"));
    ASSERT_EQ(r.status, 202);
    good.push_back(id_of(r));
  }
  const auto bad = post_alert(alert("VELENO", R"(["x-comune","facebook-comune"])"));
  ASSERT_EQ(bad.status, 202);
  for (int i = 3; i < 6; ++i) {
    const auto r =
        post_alert(alert("Buono " + std::to_string(i), R"(["x-comune","facebook-comune"])"));
    ASSERT_EQ(r.status, 202);
    good.push_back(id_of(r));
  }
  for (const auto& id : good) {
    boost::json::object s;
    EXPECT_TRUE(wait_until([&] { return all_in(s = get_alert(id), {"sent"}); }, seconds(60)))
        << boost::json::serialize(s) << daemon_->output();
  }
  boost::json::object s;
  ASSERT_TRUE(
      wait_until([&] { return all_in(s = get_alert(id_of(bad)), {"failed"}); }, seconds(60)))
      << boost::json::serialize(s);
  for (const auto& d : s.at("deliveries").as_array()) {
    EXPECT_NE(str(d, "last_error").find("refused for the test"), std::string::npos)
        << boost::json::serialize(d);
    // PostgreSQL's DETAIL quotes the row's values (a target): kept out of the reason.
    EXPECT_EQ(str(d, "last_error").find("Key (target)"), std::string::npos);
  }
  EXPECT_EQ(db_->scalar("SELECT count(*) FROM audit_events WHERE kind = 'delivery.failed'"
                        " AND detail->>'reason' LIKE '%refused for the test%'"),
            "2");
  // Counted for the operator.
  const auto metrics = http_request("GET", daemon_url_ + "/metrics");
  EXPECT_NE(metrics.body.find("araldo_store_refused_rows_total{statement=\"record\"} 1"),
            std::string::npos);
  EXPECT_NE(metrics.body.find("araldo_store_refused_rows_total{statement=\"claim_or_sweep\"} 1"),
            std::string::npos);
  EXPECT_EQ(daemon_->output().find("dispatcher.sql_error"), std::string::npos);
}

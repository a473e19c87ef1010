// An alert may ask its subscribers to answer (issue 22, "Acknowledgements"): on Telegram
// their message carries "Sto bene" / "Ho bisogno di aiuto" buttons; a press is recorded
// once per delivery, audited, answered, and counted per zone. A press naming another
// chat's delivery is refused as forged.
#include <boost/json.hpp>

#include "tests/e2e/inbound_fixture.hpp"

using namespace araldo::test_support;

namespace {

std::string method_of(const boost::json::value& m) {
  const auto* v = m.as_object().if_contains("method");
  return v && v->is_string() ? std::string(v->as_string()) : "";
}

const std::string kAckAlert =
    R"({"headline":"Esondazione del Seveso","event":"Flood","category":"Met",
        "severity":"Severe","urgency":"Immediate","certainty":"Observed","area":"Niguarda",
        "acknowledge":true,"channels":["telegram-citizens"]})";

}  // namespace

class AcknowledgementsE2E : public InboundE2E {
 protected:
  void start() {
    start_daemon(telegram_citizens(emulator_url_, "{secret_token: s3cr3t-Token_1-long}"));
    point_telegram_webhook();
    for (const char* chat : {"5550001", "5550002"}) {
      ASSERT_EQ(
          answers_of(emulator_post("/_emulator/telegram/updates",
                                   std::string(R"({"chat_id":)") + chat + R"(,"text":"/start"})")),
          (std::vector<long long>{200}));
    }
    ASSERT_TRUE(wait_until([&] { return subscribers("telegram-citizens") == 2; }));
  }
  // The alert's message to `chat`, as the emulator recorded it.
  boost::json::object message_to(const std::string& chat) {
    for (const auto& m : emulator_messages("telegram")) {
      if (method_of(m) == "sendMessage" && m.at("chat_id").as_string() == chat &&
          m.as_object().contains("reply_markup")) {
        return m.as_object();
      }
    }
    return {};
  }
  HttpResult press(const std::string& chat, long long message_id, const std::string& data,
                   bool tampered = false) {
    return emulator_post("/_emulator/telegram/updates",
                         R"({"chat_id":)" + chat + R"(,"press":{"message_id":)" +
                             std::to_string(message_id) + R"(,"data":")" + data + "\"}" +
                             (tampered ? R"(,"tampered":true)" : "") + "}");
  }
};

TEST_F(AcknowledgementsE2E, APressIsRecordedOnceAuditedAnsweredAndAForgedOneIsRefused) {
  start();
  const auto status = post_and_wait(kAckAlert, {"sent"});
  ASSERT_FALSE(status.empty());
  const auto id = std::string(status.at("id").as_string());
  std::map<std::string, long long> delivery_of;
  for (const auto& d : status.at("deliveries").as_array()) {
    delivery_of[std::string(d.at("target").as_string())] = d.at("id").as_int64();
  }
  // Both messages carry the two buttons, tagged with their own delivery.
  const auto first = message_to("5550001");
  ASSERT_FALSE(first.empty()) << boost::json::serialize(emulator_messages("telegram"));
  const auto& row = first.at("reply_markup").at("inline_keyboard").at(0).as_array();
  ASSERT_EQ(row.size(), 2u);
  EXPECT_EQ(row[0].at("text"), "✅ Sto bene");
  EXPECT_EQ(row[1].at("text"), "🆘 Ho bisogno di aiuto");
  const auto safe = "ack:" + std::to_string(delivery_of["5550001"]) + ":safe";
  EXPECT_EQ(std::string(row[0].at("callback_data").as_string()), safe);
  const auto message_id = first.at("message_id").as_int64();

  // 5550001 is safe, and presses twice; 5550002 needs help; then 5550002's client sends
  // 5550001's delivery as its own (forged).
  EXPECT_EQ(answers_of(press("5550001", message_id, safe)), (std::vector<long long>{200}));
  EXPECT_EQ(answers_of(press("5550001", message_id, safe)), (std::vector<long long>{200}));
  const auto second = message_to("5550002");
  ASSERT_FALSE(second.empty());
  const auto help = "ack:" + std::to_string(delivery_of["5550002"]) + ":help";
  EXPECT_EQ(answers_of(press("5550002", second.at("message_id").as_int64(), help)),
            (std::vector<long long>{200}));
  EXPECT_EQ(answers_of(press("5550002", second.at("message_id").as_int64(),
                             "ack:" + std::to_string(delivery_of["5550001"]) + ":help", true)),
            (std::vector<long long>{200}));
  ASSERT_TRUE(wait_until([&] {
    return db_->scalar(
               "SELECT count(*) FROM inbound_items WHERE processed_at IS NOT NULL"
               " AND payload LIKE '%callback_query%'") == "4";
  }));
  EXPECT_EQ(db_->scalar("SELECT string_agg(outcome, ',' ORDER BY id) FROM inbound_items"
                        " WHERE payload LIKE '%callback_query%'"),
            "acknowledged,duplicate,acknowledged,forged");
  EXPECT_EQ(db_->scalar("SELECT string_agg(delivery_id || ':' || answer, ',' ORDER BY"
                        " delivery_id) FROM acknowledgements"),
            std::to_string(delivery_of["5550001"]) + ":safe," +
                std::to_string(delivery_of["5550002"]) + ":need_help");
  EXPECT_EQ(
      db_->scalar("SELECT string_agg(detail->>'answer' || ' ' || (detail->>'subscriber'),"
                  " ',' ORDER BY id) FROM audit_events WHERE kind = 'alert.acknowledged'"),
      "safe " + test_pseudonyms.of("5550001") + ",need_help " + test_pseudonyms.of("5550002"));
  const auto counted = get_alert(id);
  EXPECT_EQ(boost::json::serialize(counted.at("acknowledgements")), R"({"safe":1,"need_help":1})");
  // Every press was answered, so no button keeps spinning: three with thanks, the forged
  // one with nothing.
  ASSERT_TRUE(wait_until([&] {
    int n = 0;
    for (const auto& m : emulator_messages("telegram")) n += method_of(m) == "answerCallbackQuery";
    return n == 4;
  }));
  int thanked = 0;
  for (const auto& m : emulator_messages("telegram")) {
    if (method_of(m) == "answerCallbackQuery" && m.at("text") == "Grazie, risposta ricevuta.") {
      ++thanked;
    }
  }
  EXPECT_EQ(thanked, 3);
  // An alert that does not ask carries no buttons.
  const auto plain = post_and_wait(
      R"({"headline":"Prova sirene","event":"Test","category":"Safety","severity":"Minor",)"
      R"("urgency":"Future","certainty":"Likely","channels":["telegram-citizens"]})",
      {"sent"});
  ASSERT_FALSE(plain.empty());
  int with_buttons = 0;
  for (const auto& m : emulator_messages("telegram")) {
    with_buttons += method_of(m) == "sendMessage" && m.as_object().contains("reply_markup");
  }
  EXPECT_EQ(with_buttons, 2);
}

// A follow-up (issue 22): the alert again, as new deliveries of the same alert, to the
// subscribers who have not answered after N minutes; not to those who answered or left.
// An answer under either message counts once.
TEST_F(AcknowledgementsE2E, AFollowUpReachesOnlyThoseWhoHaveNotAnsweredAndCountsOnce) {
  start();
  ASSERT_EQ(answers_of(emulator_post("/_emulator/telegram/updates",
                                     R"({"chat_id":5550003,"text":"/start"})")),
            (std::vector<long long>{200}));
  ASSERT_TRUE(wait_until([&] { return subscribers("telegram-citizens") == 3; }));
  const auto status = post_and_wait(kAckAlert, {"sent"});
  ASSERT_FALSE(status.empty());
  const auto id = std::string(status.at("id").as_string());
  const auto follow_up = [&](const std::string& body) {
    return http_request(
        "POST", daemon_url_ + "/v1/alerts/" + id + "/follow-up",
        {{"Authorization", "Bearer " + api_key_}, {"Content-Type", "application/json"}}, body);
  };
  // Too soon: everyone got it less than an hour ago.
  const auto soon = follow_up(R"({"after_minutes":60})");
  ASSERT_EQ(soon.status, 200) << soon.body;
  EXPECT_EQ(boost::json::parse(soon.body).at("recipients"), 0);
  EXPECT_EQ(follow_up(R"({"after_minutes":-1})").status, 422);

  // 5550001 answers; 5550003 leaves; 5550002 says nothing.
  const auto first = message_to("5550001");
  ASSERT_FALSE(first.empty());
  const auto tag_of = [&](const boost::json::object& m, const char* answer) {
    const auto data = std::string(
        m.at("reply_markup").at("inline_keyboard").at(0).at(0).at("callback_data").as_string());
    return data.substr(0, data.rfind(':') + 1) + answer;
  };
  EXPECT_EQ(answers_of(press("5550001", first.at("message_id").as_int64(), tag_of(first, "safe"))),
            (std::vector<long long>{200}));
  ASSERT_EQ(answers_of(emulator_post("/_emulator/telegram/updates",
                                     R"({"chat_id":5550003,"text":"/stop"})")),
            (std::vector<long long>{200}));
  ASSERT_TRUE(wait_until([&] {
    return subscribers("telegram-citizens") == 2 &&
           db_->scalar("SELECT count(*) FROM acknowledgements") == "1";
  }));

  const auto sent = follow_up(R"({"after_minutes":0})");
  ASSERT_EQ(sent.status, 202) << sent.body;
  const auto round = boost::json::parse(sent.body);
  EXPECT_EQ(round.at("round"), 1);
  EXPECT_EQ(round.at("recipients"), 1);
  // The new delivery belongs to the same alert, to 5550002, and is sent with its own
  // buttons.
  ASSERT_TRUE(wait_until([&] {
    return db_->scalar(
               "SELECT string_agg(target || ':' || state, ',') FROM deliveries"
               " WHERE round = 1 AND alert_id = '" +
               id + "'") == "5550002:sent";
  }));
  const auto again_id = db_->scalar("SELECT id FROM deliveries WHERE round = 1");
  boost::json::object again;
  for (const auto& m : emulator_messages("telegram")) {
    if (method_of(m) == "sendMessage" && m.at("chat_id").as_string() == "5550002" &&
        m.as_object().contains("reply_markup")) {
      again = m.as_object();  // the last one: the follow-up's
    }
  }
  ASSERT_FALSE(again.empty());
  EXPECT_EQ(tag_of(again, "help"), "ack:" + again_id + ":help");
  EXPECT_EQ(db_->scalar("SELECT detail->>'recipients' FROM audit_events"
                        " WHERE kind = 'alert.followed_up'"),
            "1");

  // 5550002 answers under the follow-up, then under the first message: counted once.
  EXPECT_EQ(answers_of(press("5550002", again.at("message_id").as_int64(), tag_of(again, "help"))),
            (std::vector<long long>{200}));
  const auto original = message_to("5550002");
  EXPECT_EQ(
      answers_of(press("5550002", original.at("message_id").as_int64(), tag_of(original, "safe"))),
      (std::vector<long long>{200}));
  ASSERT_TRUE(wait_until([&] {
    return db_->scalar("SELECT count(*) FROM inbound_items WHERE processed_at IS NULL") == "0" &&
           db_->scalar(
               "SELECT count(*) FROM inbound_items WHERE payload LIKE '%callback_query%'") == "3";
  }));
  EXPECT_EQ(db_->scalar("SELECT string_agg(outcome, ',' ORDER BY id) FROM inbound_items"
                        " WHERE payload LIKE '%callback_query%'"),
            "acknowledged,acknowledged,duplicate");
  const auto counted = get_alert(id);
  EXPECT_EQ(boost::json::serialize(counted.at("acknowledgements")), R"({"safe":1,"need_help":1})");
  // The reach is still three subscribers: a follow-up reaches nobody new.
  EXPECT_EQ(counted.at("reach").at("subscribers"), 3);
  int followed = 0;
  for (const auto& d : counted.at("deliveries").as_array()) {
    followed += d.at("round") == 1 && d.at("target") == "5550002";
  }
  EXPECT_EQ(followed, 1);

  // Everyone has answered or left: nobody is due. An alert that asks nothing cannot be
  // followed up.
  EXPECT_EQ(boost::json::parse(follow_up(R"({"after_minutes":0})").body).at("recipients"), 0);
  const auto plain = post_alert(
      R"({"headline":"Prova sirene","event":"Test","category":"Safety","severity":"Minor",)"
      R"("urgency":"Future","certainty":"Likely","channels":["telegram-citizens"]})");
  ASSERT_EQ(plain.status, 202);
  const auto plain_id = std::string(boost::json::parse(plain.body).at("id").as_string());
  const auto refused = http_request(
      "POST", daemon_url_ + "/v1/alerts/" + plain_id + "/follow-up",
      {{"Authorization", "Bearer " + api_key_}, {"Content-Type", "application/json"}}, "{}");
  EXPECT_EQ(refused.status, 409) << refused.body;
  EXPECT_NE(refused.body.find("does not ask for an answer"), std::string::npos);
}

// What citizens and platforms tell Araldo, end to end: the emulator sends webhooks the way
// Meta and Telegram do (signed, retried, duplicated, reordered), araldod stores and applies
// them. Receipts of a 10,000-subscriber broadcast, STOP before the next alert, forged and
// replayed webhooks, and Telegram subscriptions by webhook and by long polling.
#include <boost/json.hpp>
#include <sstream>

#include "tests/e2e/inbound_fixture.hpp"

using namespace araldo::test_support;
using namespace std::chrono;

TEST_F(InboundE2E, WhatsAppHandshakeEchoesTheChallengeOnlyForTheVerifyToken) {
  start_daemon(whatsapp_channel(emulator_url_, kWhatsAppInbound));
  const auto ok =
      http_request("GET", daemon_url_ +
                              "/webhooks/whatsapp-comune?hub.mode=subscribe&hub."
                              "challenge=1158201444&hub.verify_token=vtok-123-verify-token");
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body, "1158201444");
  const auto wrong = http_request("GET", daemon_url_ +
                                             "/webhooks/whatsapp-comune?hub.mode=subscribe&hub."
                                             "challenge=1158201444&hub.verify_token=guess");
  EXPECT_EQ(wrong.status, 403);
  EXPECT_EQ(wrong.body.find("1158201444"), std::string::npos);
  EXPECT_EQ(wrong.headers.find("Content-Type").value_or(""), "application/problem+json");
  // A channel without an inbound section takes no webhooks.
  EXPECT_EQ(http_request("GET", daemon_url_ + "/webhooks/telegram-main?hub.mode=subscribe").status,
            404);
}

TEST_F(InboundE2E, ForgedUnsignedMalformedAndOversizedWebhooksAreRefusedAndChangeNothing) {
  start_daemon(whatsapp_channel(emulator_url_, kWhatsAppInbound));
  point_whatsapp_webhook();
  ASSERT_EQ(import_subscribers("whatsapp-comune", subscribers_csv(2)).status, 200);

  // Signed with another secret, and not signed at all: Meta would retry, but the answer
  // stays a refusal and nothing is processed.
  EXPECT_EQ(answers_of(citizen_writes("393331000000", "STOP", R"("forge":true,"attempts":2)")),
            (std::vector<long long>{403, 403}));
  EXPECT_EQ(answers_of(citizen_writes("393331000001", "STOP", R"("unsigned":true,"attempts":1)")),
            (std::vector<long long>{401}));
  // Signed correctly, but not a WhatsApp notification; and a re-serialised body whose
  // signature was made over different bytes.
  const std::string body = R"({"object":"page","entry":[]})";
  const auto malformed =
      http_request("POST", daemon_url_ + "/webhooks/whatsapp-comune",
                   {{"Content-Type", "application/json"},
                    {"X-Hub-Signature-256", hub_signature("wa-app-s3cret-0123", body)}},
                   body);
  EXPECT_EQ(malformed.status, 400) << malformed.body;
  EXPECT_NE(malformed.body.find("/object"), std::string::npos) << malformed.body;
  const auto resigned =
      http_request("POST", daemon_url_ + "/webhooks/whatsapp-comune",
                   {{"Content-Type", "application/json"},
                    {"X-Hub-Signature-256", hub_signature("wa-app-s3cret-0123", body + "\n")}},
                   body);
  EXPECT_EQ(resigned.status, 403);
  const auto huge =
      http_request("POST", daemon_url_ + "/webhooks/whatsapp-comune",
                   {{"Content-Type", "application/json"}, {"X-Hub-Signature-256", "sha256=00"}},
                   std::string(5 << 20, ' '));
  EXPECT_EQ(huge.status, 413);

  // Anyone can send these: a flood of forgeries must not grow the signed log with it.
  for (int i = 0; i < 50; ++i) {
    const auto forged =
        http_request("POST", daemon_url_ + "/webhooks/whatsapp-comune",
                     {{"Content-Type", "application/json"},
                      {"X-Hub-Signature-256", hub_signature("not-the-app-secret-0", body)}},
                     body);
    ASSERT_EQ(forged.status, 403) << forged.body;
  }

  EXPECT_EQ(subscribers("whatsapp-comune"), 2);
  EXPECT_EQ(db_->scalar("SELECT count(*) FROM inbound_items"), "0");
  // Audited as a summary per channel and minute, written at the latest when the daemon
  // stops: every refusal counted by its verdict, none as an event of its own.
  EXPECT_EQ(stop_daemon(SIGTERM), 0);
  EXPECT_EQ(db_->scalar("SELECT count(*) FROM audit_events WHERE kind = 'webhook.refused'"), "0");
  EXPECT_EQ(db_->scalar("SELECT string_agg(key || '=' || n, ',' ORDER BY key) FROM"
                        " (SELECT key, sum(value::bigint) n FROM audit_events,"
                        "   jsonb_each_text(detail->'verdicts')"
                        "  WHERE kind = 'webhook.refused_summary'"
                        "    AND detail->>'channel' = 'whatsapp-comune' GROUP BY key) v"),
            "bad_signature=53,malformed=1,unsigned=1");
  // One summary, or two if the test ran across a minute's end.
  EXPECT_LE(std::stoi(db_->scalar(
                "SELECT count(*) FROM audit_events WHERE kind = 'webhook.refused_summary'")),
            2);
}

// A message the platform stamped eight days ago is a replay (WhatsApp retries for seven):
// answered 200, never stored or applied, counted. Six days old is a retry: applied.
TEST_F(InboundE2E, AnItemOlderThanTheReplayWindowIsCountedAndNeverApplied) {
  start_daemon(whatsapp_channel(emulator_url_, kWhatsAppInbound));
  point_whatsapp_webhook();
  ASSERT_EQ(import_subscribers("whatsapp-comune", subscribers_csv(2)).status, 200);

  EXPECT_EQ(answers_of(citizen_writes("393331000000", "STOP", R"("sent_seconds_ago":691200)")),
            (std::vector<long long>{200}));
  // Stored before the 200 is answered: had it been kept, it would be there now.
  EXPECT_EQ(db_->scalar("SELECT count(*) FROM inbound_items"), "0");
  EXPECT_EQ(db_->scalar("SELECT count(*) FROM inbound_bodies"), "0");  // nor its body
  EXPECT_EQ(subscribers("whatsapp-comune"), 2);
  const auto metrics = http_request("GET", daemon_url_ + "/metrics");
  EXPECT_NE(metrics.body.find(R"(araldo_webhook_notifications_total{channel="whatsapp-comune",)"
                              R"(kind="message",verdict="too_old"} 1)"),
            std::string::npos)
      << metrics.body;

  EXPECT_EQ(answers_of(citizen_writes("393331000000", "STOP", R"("sent_seconds_ago":518400)")),
            (std::vector<long long>{200}));
  EXPECT_EQ(db_->scalar("SELECT count(*) FROM inbound_items"), "1");
  EXPECT_TRUE(wait_until([&] { return subscribers("whatsapp-comune") == 1; }));
}

TEST_F(InboundE2E, StopTakesEffectBeforeTheNextAlertAndIsConfirmedOptInRecordsConsent) {
  start_daemon(whatsapp_channel(emulator_url_, kWhatsAppInbound));
  point_whatsapp_webhook();
  ASSERT_EQ(import_subscribers("whatsapp-comune", subscribers_csv(3)).status, 200);

  EXPECT_EQ(answers_of(citizen_writes("393331000001", " stop ")), (std::vector<long long>{200}));
  ASSERT_TRUE(wait_until([&] { return subscribers("whatsapp-comune") == 2; }));
  // A new number subscribes itself, in English.
  EXPECT_EQ(answers_of(citizen_writes("393339999999", "Subscribe")), (std::vector<long long>{200}));
  ASSERT_TRUE(wait_until([&] { return subscribers("whatsapp-comune") == 3; }));
  EXPECT_EQ(db_->scalar("SELECT language || ' ' || created_by FROM subscribers"
                        " WHERE address = '393339999999'"),
            "en citizen");
  EXPECT_EQ(db_->scalar("SELECT detail->>'evidence' FROM audit_events"
                        " WHERE kind = 'subscriber.opted_in'"),
            "Subscribe");
  // The log names the citizen by pseudonym, never by number.
  EXPECT_EQ(db_->scalar("SELECT detail->>'subscriber' FROM audit_events"
                        " WHERE kind = 'subscriber.opted_out'"),
            test_pseudonyms.of("393331000001"));
  EXPECT_EQ(db_->scalar("SELECT count(*) FROM audit_events WHERE detail::text LIKE '%39333%'"),
            "0");

  // Both were answered with free text, inside the window their message opened.
  ASSERT_TRUE(wait_until([&] { return audit_count("subscriber.answered") == 2; }));
  auto answered = whatsapp_texts();
  EXPECT_NE(answered["393331000001"].find("ISCRIVIMI"), std::string::npos);
  EXPECT_NE(answered["393339999999"].find("UNSUBSCRIBE"), std::string::npos);

  // The next alert reaches the two who stayed and the new one, not the one who left.
  const auto status = post_and_wait(kAlert + R"(,"channels":["whatsapp-comune"]})", {"sent"});
  ASSERT_FALSE(status.empty());
  std::set<std::string> targets;
  for (const auto& d : status.at("deliveries").as_array()) {
    targets.insert(std::string(d.at("target").as_string()));
  }
  EXPECT_EQ(targets, (std::set<std::string>{"393331000000", "393331000002", "393339999999"}));
}

TEST_F(InboundE2E, AReplayedNotificationChangesNothing) {
  start_daemon(whatsapp_channel(emulator_url_, kWhatsAppInbound));
  point_whatsapp_webhook();
  ASSERT_EQ(import_subscribers("whatsapp-comune", subscribers_csv(1)).status, 200);
  ASSERT_EQ(answers_of(citizen_writes("393331000000", "STOP")), (std::vector<long long>{200}));
  ASSERT_TRUE(wait_until([&] { return audit_count("subscriber.answered") == 1; }));
  // The citizen subscribes again; then the old STOP is replayed, byte for byte.
  ASSERT_EQ(answers_of(citizen_writes("393331000000", "ISCRIVIMI")), (std::vector<long long>{200}));
  ASSERT_TRUE(wait_until([&] { return subscribers("whatsapp-comune") == 1; }));
  ASSERT_TRUE(wait_until([&] { return audit_count("subscriber.answered") == 2; }));
  const auto before = db_->scalar("SELECT count(*) FROM audit_events");
  // Replays the last webhook: the ISCRIVIMI. Signed, so accepted with a 200, and a no-op.
  const auto replay = emulator_post("/_emulator/whatsapp/replay", "{}");
  EXPECT_EQ(answers_of(replay), (std::vector<long long>{200}));
  // Give a wrongly re-applied item every chance to show: the worker has run since.
  ASSERT_EQ(answers_of(citizen_writes("393330000007", "ciao")), (std::vector<long long>{200}));
  ASSERT_TRUE(wait_until([&] {
    return db_->scalar("SELECT count(*) FROM inbound_items WHERE processed_at IS NULL") == "0" &&
           db_->scalar("SELECT count(*) FROM inbound_items") == "3";
  }));
  // The only new event is the "ciao", which went to the citizens' inbox.
  EXPECT_EQ(db_->scalar("SELECT count(*) FROM audit_events WHERE kind <> 'inbox.received'"),
            before);
  EXPECT_EQ(audit_count("inbox.received"), 1);
  EXPECT_EQ(subscribers("whatsapp-comune"), 1);
  EXPECT_EQ(db_->scalar("SELECT outcome FROM inbound_items WHERE payload LIKE '%ciao%'"),
            "inbox_opened");
  EXPECT_EQ(db_->scalar("SELECT count(*) FROM inbound_bodies"), "4");  // every body is kept
}

class WhatsAppReceiptsE2E : public InboundE2E {
 protected:
  std::vector<std::string> extra_emulator_args() const override {
    return {"--whatsapp-per-second",   "5000", "--whatsapp-burst", "200",
            "--whatsapp-pair-seconds", "0.01"};
  }
};

TEST_F(WhatsAppReceiptsE2E,
       ReceiptsOfATenThousandSubscriberBroadcastAreAllRecordedNeverDowngraded) {
  constexpr int n = 10'000;
  start_daemon(whatsapp_channel(
      emulator_url_, kWhatsAppInbound + "    rate_limit: {per_minute: 300000, burst: 200}\n"));
  point_whatsapp_webhook();
  ASSERT_EQ(import_subscribers("whatsapp-comune", subscribers_csv(n)).status, 200);
  const auto r = post_alert(kAlert + R"(,"channels":["whatsapp-comune"]})");
  ASSERT_EQ(r.status, 202) << r.body;
  const std::string id(boost::json::parse(r.body).at("id").as_string());
  ASSERT_TRUE(wait_until(
      [&] {
        return db_->scalar("SELECT count(*) FROM deliveries WHERE state = 'sent'") ==
               std::to_string(n);
      },
      seconds(600)));

  // Delivered, in reverse order, every batch twice; then the late "sent"s, which must not
  // undo them; then "read" for the whole lot, in order.
  const auto delivered = emulator_post("/_emulator/whatsapp/statuses",
                                       R"({"status":"delivered","reverse":true,"duplicate":true})");
  ASSERT_EQ(delivered.status, 200);
  for (auto a : answers_of(delivered)) ASSERT_EQ(a, 200);
  EXPECT_EQ(boost::json::parse(delivered.body).at("posts").as_int64(), 10);
  for (auto a : answers_of(emulator_post("/_emulator/whatsapp/statuses", R"({"status":"sent"})"))) {
    ASSERT_EQ(a, 200);
  }
  const auto receipts = [&] {
    const auto alert = get_alert(id);
    return alert.contains("receipts") ? alert.at("receipts").as_object() : boost::json::object{};
  };
  ASSERT_TRUE(wait_until(
      [&] {
        const auto r = receipts();
        return r.contains("delivered") && r.at("delivered").as_int64() == n &&
               db_->scalar("SELECT count(*) FROM inbound_items WHERE processed_at IS NULL") == "0";
      },
      seconds(300)))
      << boost::json::serialize(receipts());
  EXPECT_FALSE(receipts().contains("sent")) << boost::json::serialize(receipts());
  EXPECT_EQ(db_->scalar("SELECT count(*) FROM inbound_items WHERE outcome = 'stale'"),
            std::to_string(n));

  // One number fails late, after it was delivered: recorded as failed, with its error.
  const auto first = db_->scalar("SELECT platform_id FROM deliveries ORDER BY id LIMIT 1");
  emulator_post("/_emulator/whatsapp/statuses",
                R"({"status":"failed","ids":[")" + first + R"("]})");
  ASSERT_TRUE(wait_until([&] {
    const auto r = receipts();
    return r.contains("failed") && r.at("failed").as_int64() == 1;
  }));
  EXPECT_EQ(receipts().at("delivered").as_int64(), n - 1);
  EXPECT_NE(db_->scalar("SELECT receipt_error FROM deliveries WHERE platform_id = '" + first + "'")
                .find("131049"),
            std::string::npos);
  // Every applied receipt is audited once: n delivered and one failed.
  EXPECT_EQ(audit_count("delivery.receipt"), n + 1);
}

TEST_F(InboundE2E, TelegramWebhookSubscribesWithStartStopsAndForgetsWhoBlocksTheBot) {
  start_daemon(
      telegram_citizens(emulator_url_, "{secret_token: s3cr3t-Token_1-long, languages: [en]}"));
  point_telegram_webhook();

  // A wrong secret token is refused (and Telegram would retry it).
  EXPECT_EQ(
      answers_of(emulator_post("/_emulator/telegram/updates",
                               R"({"chat_id":5550001,"text":"/start","forge":true,"attempts":1})")),
      (std::vector<long long>{403}));
  // /start with a deep-link payload choosing English, delivered twice.
  EXPECT_EQ(answers_of(emulator_post("/_emulator/telegram/updates",
                                     R"({"chat_id":5550001,"text":"/start en","duplicate":true})")),
            (std::vector<long long>{200, 200}));
  EXPECT_EQ(
      answers_of(emulator_post("/_emulator/telegram/updates",
                               R"({"chat_id":5550002,"text":"/start","language_code":"it"})")),
      (std::vector<long long>{200}));
  ASSERT_TRUE(wait_until([&] { return subscribers("telegram-citizens") == 2; }));
  EXPECT_EQ(db_->scalar("SELECT language FROM subscribers WHERE address = '5550001'"), "en");
  EXPECT_EQ(db_->scalar("SELECT language FROM subscribers WHERE address = '5550002'"), "it");
  EXPECT_EQ(audit_count("subscriber.opted_in"), 2);  // the duplicate changed nothing

  const auto status = post_and_wait(kAlert + R"(,"channels":["telegram-citizens"]})", {"sent"});
  ASSERT_FALSE(status.empty());
  EXPECT_EQ(status.at("total_deliveries").as_int64(), 2);

  // 5550002 blocks the bot, 5550001 sends /stop.
  EXPECT_EQ(answers_of(emulator_post("/_emulator/telegram/updates",
                                     R"({"chat_id":5550002,"blocked":true})")),
            (std::vector<long long>{200}));
  EXPECT_EQ(answers_of(emulator_post("/_emulator/telegram/updates",
                                     R"({"chat_id":5550001,"text":"/stop"})")),
            (std::vector<long long>{200}));
  ASSERT_TRUE(wait_until([&] { return subscribers("telegram-citizens") == 0; }));
  EXPECT_EQ(db_->scalar("SELECT string_agg(detail->>'evidence', ',' ORDER BY id) FROM audit_events"
                        " WHERE kind = 'subscriber.opted_out'"),
            "blocked the bot,/stop");
  // Confirmations: two welcomes and a goodbye, each in the chat's language; none to the
  // user who blocked the bot.
  ASSERT_TRUE(wait_until([&] { return audit_count("subscriber.answered") == 3; }));
  std::vector<std::string> replies;
  for (const auto& m : emulator_messages("telegram")) {
    if (m.at("method") == "sendMessage" && m.at("chat_id") == "5550001") {
      replies.push_back(std::string(m.at("text").as_string()));
    }
  }
  ASSERT_EQ(replies.size(), 3u);  // welcome, the alert, goodbye
  EXPECT_NE(replies[0].find("Subscribed"), std::string::npos) << replies[0];
  EXPECT_NE(replies[2].find("no longer"), std::string::npos) << replies[2];
}

class TelegramPollingE2E : public InboundE2E {};

TEST_F(TelegramPollingE2E, LongPollingAppliesEachUpdateOnceWithTwoDaemons) {
  start_daemon(telegram_citizens(emulator_url_, "{mode: polling}"));
  auto other = start_another_daemon();
  // araldod removed any webhook so that getUpdates works.
  ASSERT_TRUE(wait_until([&] {
    for (const auto& m : emulator_messages("telegram")) {
      if (m.at("method") == "deleteWebhook") return true;
    }
    return false;
  }));
  for (int i = 0; i < 5; ++i) {
    const auto r =
        emulator_post("/_emulator/telegram/updates",
                      R"({"chat_id":)" + std::to_string(7770001 + i) + R"(,"text":"/start"})");
    ASSERT_EQ(r.status, 200) << r.body;
  }
  ASSERT_TRUE(wait_until([&] { return subscribers("telegram-citizens") == 5; }, seconds(60)));
  ASSERT_TRUE(wait_until([&] { return audit_count("subscriber.answered") == 5; }));
  EXPECT_EQ(audit_count("subscriber.opted_in"), 5);
  EXPECT_EQ(db_->scalar("SELECT count(DISTINCT key) = count(*) FROM inbound_items"), "t");
  // The stored offset moved past the last update it confirmed.
  EXPECT_EQ(
      db_->scalar("SELECT next_offset FROM inbound_offsets WHERE channel = 'telegram-citizens'"),
      db_->scalar("SELECT max(key::bigint) + 1 FROM inbound_items"));
  other->signal(SIGTERM);
  EXPECT_EQ(other->wait(seconds(30)).value_or(-1), 0);
}

namespace {

// "name{labels} value" lines of a Prometheus exposition, by series.
std::map<std::string, double> series_of(const std::string& exposition) {
  std::map<std::string, double> out;
  std::istringstream lines(exposition);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] == '#') continue;
    const auto space = line.rfind(' ');
    out[line.substr(0, space)] = std::stod(line.substr(space + 1));
  }
  return out;
}

}  // namespace

TEST_F(InboundE2E, MetricsCountWhatHappenedInThePrometheusFormat) {
  start_daemon(whatsapp_channel(emulator_url_, kWhatsAppInbound));
  point_whatsapp_webhook();
  const auto status = post_and_wait(kAlert + R"(,"channels":["telegram-main"]})", {"sent"});
  ASSERT_FALSE(status.empty());
  const auto sent = static_cast<double>(status.at("total_deliveries").as_int64());
  const auto refused = post_alert(R"({"headline":""})");
  ASSERT_EQ(refused.status, 422);
  const std::string type(boost::json::parse(refused.body).at("type").as_string());
  ASSERT_EQ(answers_of(citizen_writes("393331000000", "STOP", R"("forge":true,"attempts":1)")),
            (std::vector<long long>{403}));

  const auto r = http_request("GET", daemon_url_ + "/metrics");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.headers.find("Content-Type").value_or(""),
            "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(r.body.find("# TYPE araldo_send_latency_seconds histogram"), std::string::npos);
  const auto m = series_of(r.body);
  const auto at = [&](const std::string& s) {
    const auto it = m.find(s);
    EXPECT_NE(it, m.end()) << s << " missing from:\n" << r.body;
    return it == m.end() ? -1.0 : it->second;
  };
  EXPECT_EQ(at(R"(araldo_alerts_accepted_total{via="api"})"), 1);
  EXPECT_EQ(at("araldo_alerts_refused_total{reason=\"" + type.substr(type.rfind(':') + 1) + "\"}"),
            1);
  EXPECT_EQ(at(R"(araldo_delivery_attempts_total{channel="telegram-main",outcome="delivered"})"),
            sent);
  EXPECT_EQ(at(R"(araldo_deliveries_finished_total{channel="telegram-main",state="sent"})"), sent);
  EXPECT_EQ(at(R"(araldo_send_latency_seconds_count{channel="telegram-main"})"), sent);
  EXPECT_EQ(at(R"(araldo_send_latency_seconds_bucket{channel="telegram-main",le="+Inf"})"), sent);
  EXPECT_EQ(at(R"(araldo_accept_to_platform_seconds_count{channel="telegram-main"})"), sent);
  EXPECT_EQ(
      at(R"(araldo_webhook_notifications_total{channel="whatsapp-comune",kind="body",verdict="bad_signature"})"),
      1);
  EXPECT_EQ(at(R"(araldo_channel_state{channel="telegram-main",state="ok"})"), 1);
  EXPECT_EQ(at(R"(araldo_channel_state{channel="telegram-main",state="stopped"})"), 0);
  EXPECT_EQ(at(R"(araldo_queue_due{channel="telegram-main"})"), 0);
  EXPECT_GT(at(R"(araldo_db_pool_connections{state="size"})"), 0);
  EXPECT_GE(at("araldo_audit_sealing_lag_seconds"), 0);
  EXPECT_GE(at("araldo_audit_unsealed_events"), 0);
}

TEST_F(InboundE2E, ReceiptsInOneBodyApplyTheHighestOnceAndKeepTheRestAsStale) {
  start_daemon(whatsapp_channel(emulator_url_, kWhatsAppInbound));
  ASSERT_EQ(import_subscribers("whatsapp-comune", subscribers_csv(1)).status, 200);
  const auto status = post_and_wait(kAlert + R"(,"channels":["whatsapp-comune"]})", {"sent"});
  ASSERT_FALSE(status.empty());
  const auto wamid = db_->scalar("SELECT platform_id FROM deliveries");
  const auto tag = db_->scalar("SELECT id FROM deliveries");
  // The message went out tagged with its delivery id, which Meta echoes in receipts.
  EXPECT_EQ(emulator_messages("whatsapp").size(), 1u);
  // read, delivered and sent for one message, in one body, out of order; a receipt with a
  // tag whose delivery has another platform id (not yet recorded, as far as araldod can
  // tell); and one without a tag (a message araldod sent that is not a delivery).
  // Stamped now: a receipt older than the replay window would be refused at the door.
  const auto now_s =
      std::to_string(duration_cast<seconds>(system_clock::now().time_since_epoch()).count());
  boost::json::array statuses;
  for (const auto* s : {"read", "delivered", "sent"}) {
    statuses.push_back(
        {{"id", wamid}, {"status", s}, {"timestamp", now_s}, {"biz_opaque_callback_data", tag}});
  }
  statuses.push_back({{"id", "wamid.OTHER"},
                      {"status", "read"},
                      {"timestamp", now_s},
                      {"biz_opaque_callback_data", tag}});
  statuses.push_back({{"id", "wamid.UNTAGGED"}, {"status", "read"}, {"timestamp", now_s}});
  const boost::json::object envelope{
      {"object", "whatsapp_business_account"},
      {"entry",
       {{{"id", "1"},
         {"changes",
          {{{"field", "messages"},
            {"value",
             {{"metadata", {{"phone_number_id", "1055555"}}}, {"statuses", statuses}}}}}}}}}};
  const auto body = boost::json::serialize(envelope);
  const auto r = http_request("POST", daemon_url_ + "/webhooks/whatsapp-comune",
                              {{"Content-Type", "application/json"},
                               {"X-Hub-Signature-256", hub_signature("wa-app-s3cret-0123", body)}},
                              body);
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_TRUE(wait_until([&] {
    return db_->scalar("SELECT count(*) FROM inbound_items WHERE processed_at IS NOT NULL") == "4";
  }));
  EXPECT_EQ(db_->scalar("SELECT receipt || ' ' || (receipt_at = to_timestamp(" + now_s +
                        "))::text FROM deliveries"),
            "read true");  // the platform's time
  EXPECT_EQ(db_->scalar("SELECT string_agg(key || '=' || outcome, ',' ORDER BY key)"
                        " FROM inbound_items WHERE processed_at IS NOT NULL"),
            wamid + ":delivered=stale," + wamid + ":read=applied," + wamid +
                ":sent=stale,wamid.UNTAGGED:read=unknown_message");
  EXPECT_EQ(audit_count("delivery.receipt"), 1);
  // The mismatched one waits, in case its send is not recorded yet.
  EXPECT_EQ(db_->scalar("SELECT key FROM inbound_items WHERE processed_at IS NULL"
                        " AND next_try_at > received_at"),
            "wamid.OTHER:read");
}

// A receipt the database refuses to apply (a trigger stands in for any value it cannot
// keep) is set aside, explained and audited; the other receipts of the batch apply.
TEST_F(InboundE2E, AReceiptTheDatabaseRefusesIsSetAsideAndTheOthersApply) {
  start_daemon(whatsapp_channel(emulator_url_, kWhatsAppInbound));
  point_whatsapp_webhook();
  ASSERT_EQ(import_subscribers("whatsapp-comune", subscribers_csv(3)).status, 200);
  ASSERT_FALSE(post_and_wait(kAlert + R"(,"channels":["whatsapp-comune"]})", {"sent"}).empty());
  const auto poisoned = db_->scalar("SELECT min(id) FROM deliveries");
  db_->exec(
      "CREATE FUNCTION refuse_receipt() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
      "  IF NEW.id = " +
      poisoned +
      " AND NEW.receipt IS DISTINCT FROM OLD.receipt THEN"
      "    RAISE EXCEPTION 'refused for the test' USING ERRCODE = 'check_violation';"
      "  END IF; RETURN NEW; END $$;"
      "CREATE TRIGGER refuse_receipt BEFORE UPDATE ON deliveries"
      "  FOR EACH ROW EXECUTE FUNCTION refuse_receipt();");
  ASSERT_EQ(emulator_post("/_emulator/whatsapp/statuses", R"({"status":"delivered"})").status, 200);
  ASSERT_TRUE(wait_until([&] {
    return db_->scalar("SELECT count(*) FROM inbound_items WHERE processed_at IS NOT NULL") == "3";
  })) << daemon_->output();
  EXPECT_EQ(db_->scalar("SELECT count(*) FROM deliveries WHERE receipt = 'delivered'"), "2");
  EXPECT_EQ(db_->scalar("SELECT receipt IS NULL FROM deliveries WHERE id = " + poisoned), "t");
  EXPECT_EQ(db_->scalar("SELECT count(*) FROM inbound_items WHERE outcome LIKE"
                        " 'refused: %refused for the test%'"),
            "1");
  EXPECT_EQ(audit_count("inbound.refused"), 1);
  EXPECT_EQ(audit_count("delivery.receipt"), 2);
}

// A citizen's STOP sticks (issue 21, "Consent that sticks"): an import cannot undo it,
// the newest statement of the citizen's will wins by the platform's own time whatever
// order the daemons see them in, and a user who blocked the bot is unsubscribed.
#include <boost/json.hpp>
#include <regex>

#include "tests/e2e/inbound_fixture.hpp"

using namespace araldo::test_support;
using namespace std::chrono;

namespace {

// One second after the address's opt-out, as a consent_at an admin could write.
std::string just_after_opt_out(const TestDatabase& db, const std::string& address) {
  return db.scalar(
      "SELECT to_char((opted_out_at + interval '1 second') AT TIME ZONE 'UTC',"
      "               'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM opt_outs WHERE address = '" +
      address + "'");
}

}  // namespace

class ConsentE2E : public InboundE2E {
 protected:
  std::string opt_out_of(const std::string& address) {
    return db_->scalar("SELECT kind || ' ' || evidence FROM opt_outs WHERE address = '" + address +
                       "'");
  }
  bool subscribed(const std::string& address) {
    return db_->scalar("SELECT count(*) FROM subscribers WHERE address = '" + address + "'") == "1";
  }
  bool all_processed(int items) {
    return db_->scalar("SELECT count(*) FROM inbound_items WHERE processed_at IS NOT NULL") ==
           std::to_string(items);
  }
  HttpResult add_subscriber(const std::string& channel, const std::string& address,
                            const std::string& consent_at) {
    return http_request(
        "POST", daemon_url_ + "/v1/channels/" + channel + "/subscribers",
        {{"Authorization", "Bearer " + admin_key_}, {"Content-Type", "application/json"}},
        R"({"address":")" + address + R"(","language":"it","consent_at":")" + consent_at + "\"}");
  }
};

// STOP, then the town's monthly import of the same list: the line of the one who left is
// refused, naming the opt-out, and nothing of the import is written. With a consent given
// after the STOP, the same line is taken and the opt-out ends.
TEST_F(ConsentE2E, AnImportCannotSubscribeAgainOneWhoWroteStop) {
  start_daemon(whatsapp_channel(emulator_url_, kWhatsAppInbound));
  point_whatsapp_webhook();
  ASSERT_EQ(import_subscribers("whatsapp-comune", subscribers_csv(3)).status, 200);
  ASSERT_EQ(answers_of(citizen_writes("393331000001", "STOP")), (std::vector<long long>{200}));
  ASSERT_TRUE(wait_until([&] { return subscribers("whatsapp-comune") == 2; }));
  EXPECT_EQ(opt_out_of("393331000001"), "stop STOP");

  const auto again = import_subscribers("whatsapp-comune", subscribers_csv(3));
  EXPECT_EQ(again.status, 422) << again.body;
  const auto problem = boost::json::parse(again.body);
  ASSERT_EQ(problem.at("errors").as_array().size(), 1u) << again.body;
  const auto& error = problem.at("errors").at(0);
  EXPECT_EQ(error.at("pointer"), "/line/3");  // the header is line 1
  EXPECT_NE(std::string(error.at("detail").as_string()).find("opted out on 2026-"),
            std::string::npos)
      << again.body;
  EXPECT_EQ(subscribers("whatsapp-comune"), 2);
  EXPECT_EQ(audit_count("subscribers.imported"), 1);  // the first import only

  // One JSON add of the same number with the old consent: refused at /consent_at.
  const auto one = add_subscriber("whatsapp-comune", "393331000001", "2026-11-01T09:00:00+01:00");
  EXPECT_EQ(one.status, 422) << one.body;
  EXPECT_NE(one.body.find("/consent_at"), std::string::npos) << one.body;

  // A consent the citizen gave after the STOP (a signed form, say) is taken.
  const auto later = just_after_opt_out(*db_, "393331000001");
  ASSERT_FALSE(later.empty());
  const auto renewed = import_subscribers(
      "whatsapp-comune", "address,language,consent_at\n393331000001,it," + later + "\n");
  EXPECT_EQ(renewed.status, 200) << renewed.body;
  EXPECT_TRUE(subscribed("393331000001"));
  EXPECT_EQ(db_->count("opt_outs"), 0);
  EXPECT_EQ(db_->scalar("SELECT detail->>'ends_opt_outs' FROM audit_events"
                        " WHERE kind = 'subscriber.added'"),
            "1");  // an import of one line names its subscriber, by pseudonym
}

// An admin's removal is an opt-out too: adding the number back needs a later consent.
TEST_F(ConsentE2E, AnAdminsRemovalIsKeptAndAuditedByPseudonym) {
  start_daemon(whatsapp_channel(emulator_url_, kWhatsAppInbound));
  const auto added = add_subscriber("whatsapp-comune", "393337654321", "2026-11-20T10:00:00+01:00");
  ASSERT_EQ(added.status, 201) << added.body << daemon_->output();
  const auto removed =
      http_request("DELETE", daemon_url_ + "/v1/channels/whatsapp-comune/subscribers/393337654321",
                   {{"Authorization", "Bearer " + admin_key_}});
  ASSERT_EQ(removed.status, 204) << removed.body << daemon_->output();
  EXPECT_EQ(opt_out_of("393337654321"), "admin removed by e2e-admin");
  EXPECT_EQ(add_subscriber("whatsapp-comune", "393337654321", "2026-11-20T10:00:00+01:00").status,
            422);
  EXPECT_EQ(
      add_subscriber("whatsapp-comune", "393337654321", just_after_opt_out(*db_, "393337654321"))
          .status,
      201);
  EXPECT_EQ(db_->scalar("SELECT string_agg(kind || ':' || (detail->>'subscriber'), ','"
                        " ORDER BY id) FROM audit_events WHERE kind LIKE 'subscriber%'"),
            "subscriber.added:" + test_pseudonyms.of("393337654321") +
                ",subscriber.removed:" + test_pseudonyms.of("393337654321") +
                ",subscriber.added:" + test_pseudonyms.of("393337654321"));
  // An admin resolves the pseudonym, audited without the number; nobody else may.
  const auto pseudonym = test_pseudonyms.of("393337654321");
  const auto resolved = http_request("GET", daemon_url_ + "/v1/pseudonyms/" + pseudonym,
                                     {{"Authorization", "Bearer " + admin_key_}});
  EXPECT_EQ(resolved.status, 200) << resolved.body;
  EXPECT_EQ(boost::json::parse(resolved.body).at("address").as_string(), "393337654321");
  EXPECT_EQ(http_request("GET", daemon_url_ + "/v1/pseudonyms/" + pseudonym,
                         {{"Authorization", "Bearer " + api_key_}})
                .status,
            403);
  EXPECT_EQ(http_request("GET", daemon_url_ + "/v1/pseudonyms/" + test_pseudonyms.of("1234567"),
                         {{"Authorization", "Bearer " + admin_key_}})
                .status,
            404);
  EXPECT_EQ(
      db_->scalar("SELECT string_agg(actor || ' ' || (detail->>'pseudonym') || ' ' ||"
                  " (detail->>'found'), ',' ORDER BY id) FROM audit_events"
                  " WHERE kind = 'pseudonym.resolved'"),
      "e2e-admin " + pseudonym + " true,e2e-admin " + test_pseudonyms.of("1234567") + " false");
  EXPECT_EQ(db_->scalar("SELECT count(*) FROM audit_events WHERE kind = 'pseudonym.resolved'"
                        " AND detail::text LIKE '%393337654321%'"),
            "0");
}

// WhatsApp retries for days: an opt-in written before a STOP but delivered after it
// changes nothing, nor does an old STOP delivered after a new opt-in. Both are audited as
// stale and neither is confirmed to the citizen (their later word stands).
TEST_F(ConsentE2E, AMessageOlderThanTheCitizensLatestWordIsStale) {
  start_daemon(whatsapp_channel(emulator_url_, kWhatsAppInbound));
  point_whatsapp_webhook();
  ASSERT_EQ(import_subscribers("whatsapp-comune", subscribers_csv(2)).status, 200);

  // 393331000000: STOP now; then an ISCRIVIMI written five minutes ago arrives.
  ASSERT_EQ(answers_of(citizen_writes("393331000000", "STOP")), (std::vector<long long>{200}));
  ASSERT_TRUE(wait_until([&] { return all_processed(1); }));
  ASSERT_EQ(answers_of(citizen_writes("393331000000", "ISCRIVIMI", R"("sent_seconds_ago":300)")),
            (std::vector<long long>{200}));
  // 393331000001: ISCRIVIMI now (a fresh consent); then a STOP written five minutes ago.
  ASSERT_EQ(answers_of(citizen_writes("393331000001", "ISCRIVIMI")), (std::vector<long long>{200}));
  ASSERT_TRUE(wait_until([&] { return all_processed(3); }));
  ASSERT_EQ(answers_of(citizen_writes("393331000001", "STOP", R"("sent_seconds_ago":300)")),
            (std::vector<long long>{200}));
  ASSERT_TRUE(wait_until([&] { return all_processed(4); }));

  EXPECT_FALSE(subscribed("393331000000"));
  EXPECT_TRUE(subscribed("393331000001"));
  EXPECT_EQ(db_->scalar("SELECT string_agg(outcome, ',' ORDER BY id) FROM inbound_items"),
            "opted_out,stale,opted_in,stale");
  EXPECT_EQ(db_->scalar("SELECT string_agg((detail->>'asked') || ' after ' ||"
                        " (detail->'superseded_by'->>'kind'), ',' ORDER BY id)"
                        " FROM audit_events WHERE kind = 'subscriber.stale'"),
            "opt_in after stop,opt_out after consent");
  // Two confirmations (the STOP, the fresh ISCRIVIMI), none for the stale ones.
  ASSERT_TRUE(wait_until([&] { return audit_count("subscriber.answered") == 2; }));
  EXPECT_EQ(audit_count("subscriber.answered"), 2);
}

// Two daemons behind one webhook address, each receiving one of a citizen's two
// messages, in the order the network happened to deliver them: the newer message wins
// for both citizens, one whose opt-in arrives first and one whose opt-out does.
TEST_F(ConsentE2E, TwoDaemonsSeeingTheMessagesInOppositeOrdersAgreeTheNewestWins) {
  start_daemon(whatsapp_channel(emulator_url_, kWhatsAppInbound));
  auto other = start_another_daemon();
  std::smatch m;
  const auto out = other->output();
  ASSERT_TRUE(std::regex_search(out, m, std::regex("event=http.listening url=(http://[0-9.:]+)")));
  const std::string url_a = daemon_url_, url_b = m[1];
  const auto point_at = [&](const std::string& url) {
    ASSERT_EQ(emulator_post("/_emulator/whatsapp/webhook",
                            R"({"url":")" + url + R"(/webhooks/whatsapp-comune"})")
                  .status,
              200);
  };
  ASSERT_EQ(import_subscribers("whatsapp-comune", subscribers_csv(1, 20)).status, 200);

  // 393331000010 opts in now through B; its STOP of two minutes ago reaches A later.
  point_at(url_b);
  ASSERT_EQ(answers_of(citizen_writes("393331000010", "ISCRIVIMI")), (std::vector<long long>{200}));
  ASSERT_TRUE(wait_until([&] { return all_processed(1); }));
  point_at(url_a);
  ASSERT_EQ(answers_of(citizen_writes("393331000010", "STOP", R"("sent_seconds_ago":120)")),
            (std::vector<long long>{200}));
  // 393331000020 (subscribed by the import) writes STOP now through A; its ISCRIVIMI of two
  // minutes ago reaches B later.
  ASSERT_EQ(answers_of(citizen_writes("393331000020", "STOP")), (std::vector<long long>{200}));
  ASSERT_TRUE(wait_until([&] { return all_processed(3); }));
  point_at(url_b);
  ASSERT_EQ(answers_of(citizen_writes("393331000020", "ISCRIVIMI", R"("sent_seconds_ago":120)")),
            (std::vector<long long>{200}));
  ASSERT_TRUE(wait_until([&] { return all_processed(4); }));

  EXPECT_TRUE(subscribed("393331000010"));
  EXPECT_FALSE(subscribed("393331000020"));
  EXPECT_EQ(opt_out_of("393331000020"), "stop STOP");
  EXPECT_EQ(db_->count("opt_outs"), 1);
  EXPECT_EQ(audit_count("subscriber.stale"), 2);
}

// Telegram answers 403 "bot was blocked by the user" to a subscriber who blocked the bot
// while araldod was not told (no webhook set): the send fails for good, the subscription
// ends as an opt-out of kind "blocked", and the next alert does not try that chat again.
TEST_F(ConsentE2E, ASubscriberWhoBlockedTheBotIsUnsubscribedOnTheFirst403) {
  start_daemon(telegram_citizens(emulator_url_, "{secret_token: s3cr3t-Token_1-long}"));
  // Two users start the bot; with no webhook the updates wait in the emulator.
  for (const char* chat : {"5550001", "5550002"}) {
    ASSERT_EQ(emulator_post("/_emulator/telegram/updates",
                            std::string(R"({"chat_id":)") + chat + R"(,"text":"/start"})")
                  .status,
              200);
    ASSERT_EQ(add_subscriber("telegram-citizens", chat, "2026-11-20T10:00:00+01:00").status, 201);
  }
  ASSERT_EQ(
      emulator_post("/_emulator/telegram/updates", R"({"chat_id":5550002,"blocked":true})").status,
      200);

  const auto first =
      post_and_wait(kAlert + R"(,"channels":["telegram-citizens"]})", {"sent", "failed"});
  ASSERT_FALSE(first.empty());
  std::map<std::string, std::string> states;
  for (const auto& d : first.at("deliveries").as_array()) {
    states[std::string(d.at("target").as_string())] = d.at("state").as_string();
  }
  EXPECT_EQ(states,
            (std::map<std::string, std::string>{{"5550001", "sent"}, {"5550002", "failed"}}));
  EXPECT_FALSE(subscribed("5550002"));
  EXPECT_TRUE(subscribed("5550001"));
  EXPECT_NE(opt_out_of("5550002").find("blocked HTTP 403: Forbidden: bot was blocked by the user"),
            std::string::npos)
      << opt_out_of("5550002");
  EXPECT_EQ(db_->scalar("SELECT actor || ' ' || (detail->>'how') || ' ' ||"
                        " (detail->>'subscriber') FROM audit_events"
                        " WHERE kind = 'subscriber.opted_out'"),
            "system blocked " + test_pseudonyms.of("5550002"));

  const auto second =
      post_and_wait(kAlert + R"(,"channels":["telegram-citizens"]})", {"sent", "failed"});
  ASSERT_FALSE(second.empty());
  EXPECT_EQ(second.at("total_deliveries").as_int64(), 1);
}

// WhatsApp's marketing opt-out (user_preferences) stops scheduled notices, not alerts, and
// is ordered by the platform's time like consent: an older "resume" delivered after a
// "stop" changes nothing.
TEST_F(ConsentE2E, WhatsAppsMarketingOptOutIsKeptInOrderAndAlertsStillArrive) {
  start_daemon(whatsapp_channel(emulator_url_, kWhatsAppInbound));
  point_whatsapp_webhook();
  ASSERT_EQ(import_subscribers("whatsapp-comune", subscribers_csv(2)).status, 200);
  EXPECT_EQ(answers_of(emulator_post("/_emulator/whatsapp/preferences",
                                     R"({"from":"393331000001","value":"stop"})")),
            (std::vector<long long>{200}));
  ASSERT_TRUE(wait_until([&] { return all_processed(1); }));
  EXPECT_EQ(answers_of(emulator_post("/_emulator/whatsapp/preferences",
                                     R"({"from":"393331000001","value":"resume",)"
                                     R"("sent_seconds_ago":60})")),
            (std::vector<long long>{200}));
  ASSERT_TRUE(wait_until([&] { return all_processed(2); }));
  EXPECT_EQ(db_->scalar("SELECT string_agg(outcome, ',' ORDER BY id) FROM inbound_items"),
            "notices_stopped,stale");
  EXPECT_EQ(db_->scalar("SELECT string_agg(address, ',') FROM subscribers"
                        " WHERE notices_stopped_at IS NOT NULL"),
            "393331000001");
  EXPECT_EQ(db_->scalar("SELECT detail->>'subscriber' FROM audit_events"
                        " WHERE kind = 'subscriber.notices_stopped'"),
            test_pseudonyms.of("393331000001"));
  // The preference's item key holds the number; the log names the item, not the key.
  EXPECT_EQ(db_->scalar("SELECT count(*) FROM audit_events WHERE detail::text LIKE '%39333%'"),
            "0");
  // An alert still reaches both.
  const auto status = post_and_wait(kAlert + R"(,"channels":["whatsapp-comune"]})", {"sent"});
  ASSERT_FALSE(status.empty());
  EXPECT_EQ(status.at("total_deliveries").as_int64(), 2);
}

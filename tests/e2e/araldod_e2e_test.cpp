// The real araldod, the emulator and PostgreSQL, over HTTP, as an operator would use them.
#include <signal.h>

#include <regex>

#include "daemon/store/migrator.hpp"
#include "tests/e2e/daemon_fixture.hpp"

using namespace araldo::test_support;
using namespace std::chrono;

namespace {

const std::string kAlert =
    R"({"headline":"Allerta rossa: esondazione <Seveso> & Lambro","event":"Flood",)"
    R"("category":"Met","severity":"Extreme","urgency":"Immediate","certainty":"Observed",)"
    R"("area":"Milano Niguarda","instruction":"Salire ai piani alti.",)"
    R"("web":"https://comune.example/allerta?a=1&b=2"})";

std::string alert_for(const std::string& channel) {
  return kAlert.substr(0, kAlert.size() - 1) + R"(,"channels":[")" + channel + "\"]}";
}

std::string id_of(const HttpResult& r) {
  return std::string(boost::json::parse(r.body).as_object().at("id").as_string());
}

long long now_ms() {
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace

class AraldodE2E : public DaemonTest {};

TEST_F(AraldodE2E, OneAlertReachesEveryConfiguredChat) {
  start_daemon();
  const auto r = post_alert(kAlert);
  ASSERT_EQ(r.status, 202) << r.body;
  const auto id = id_of(r);
  EXPECT_EQ(r.headers.find("Location").value_or(""), "/v1/alerts/" + id);

  ASSERT_TRUE(wait_until([&] { return emulator_messages().size() == 2; })) << daemon_->output();
  std::set<std::string> chats;
  for (const auto& m : emulator_messages()) {
    const auto& o = m.as_object();
    chats.insert(std::string(o.at("chat_id").as_string()));
    EXPECT_EQ(o.at("parse_mode").as_string(), "HTML");
    // Escaped for Telegram, and read back by the emulator exactly as written.
    EXPECT_NE(std::string(o.at("text").as_string()).find("esondazione &lt;Seveso&gt; &amp; Lambro"),
              std::string::npos);
    EXPECT_NE(std::string(o.at("plain_text").as_string()).find("esondazione <Seveso> & Lambro"),
              std::string::npos);
  }
  EXPECT_EQ(chats, (std::set<std::string>{"@allerta_comune", "-1001234567890"}));

  boost::json::object alert;
  ASSERT_TRUE(wait_until([&] { return all_in(alert = get_alert(id), {"sent"}); }));
  for (const auto& d : alert.at("deliveries").as_array()) {
    const auto& o = d.as_object();
    EXPECT_EQ(o.at("attempts").as_int64(), 1);
    EXPECT_TRUE(o.at("platform_message_id").is_string());
    EXPECT_EQ(o.at("channel").as_string(), "telegram-main");
  }
  EXPECT_EQ(alert.at("summary").as_object().at("sent").as_int64(), 2);
  EXPECT_EQ(alert.at("submitted_by").as_string(), "e2e");

  // The audit trail tells the story in order, and no log line carries the bot token.
  EXPECT_EQ(db_->scalar("SELECT string_agg(DISTINCT kind, ',') FROM audit_events"),
            "alert.accepted,delivery.attempt,delivery.claimed,delivery.sent,key.created");
  EXPECT_EQ(daemon_->output().find(kBotToken), std::string::npos);
  EXPECT_EQ(daemon_->output().find(kBotToken.substr(kBotToken.find(':') + 1)), std::string::npos);
}

TEST_F(AraldodE2E, ServerErrorIsRetriedWithBackoffThenDelivered) {
  start_daemon();
  emulator_fault(R"({"platform":"telegram","status":500,"count":1})");
  const auto alert = post_and_wait(kAlert, {"sent"});
  ASSERT_FALSE(alert.empty());
  int retried = 0;
  for (const auto& d : alert.at("deliveries").as_array()) {
    const auto& o = d.as_object();
    if (o.at("attempts").as_int64() == 2) {
      ++retried;
      EXPECT_NE(std::string(o.at("last_error").as_string()).find("HTTP 500"), std::string::npos);
    }
  }
  EXPECT_EQ(retried, 1);
  EXPECT_EQ(emulator_messages().size(), 2u);
  EXPECT_EQ(
      db_->scalar("SELECT count(*) FROM audit_events WHERE kind = 'delivery.retry_scheduled'"),
      "1");
}

TEST_F(AraldodE2E, FloodControlPausesTheBotForTheSignalledTime) {
  start_daemon();
  emulator_fault(R"({"platform":"telegram","status":429,"retry_after":2,"count":1})");
  const auto posted_at = now_ms();
  ASSERT_FALSE(post_and_wait(kAlert, {"sent"}).empty());
  // The first answer was 429 for the whole bot: neither chat got its message before the
  // 2 s Telegram asked for (the other request of the batch may have been in flight already).
  const auto messages = emulator_messages();
  ASSERT_EQ(messages.size(), 2u);
  int after_wait = 0;
  for (const auto& m : messages) {
    if (m.as_object().at("received_at_ms").as_int64() >= posted_at + 1900) ++after_wait;
  }
  EXPECT_GE(after_wait, 1);
  EXPECT_EQ(emulator_stats().at("telegram").as_object().at("429").as_int64(), 1);
  EXPECT_NE(daemon_->output().find("event=channel.throttled channel=telegram-main"),
            std::string::npos);
}

TEST_F(AraldodE2E, DroppedConnectionIsRetried) {
  start_daemon();
  emulator_fault(R"({"platform":"telegram","drop":true,"count":1})");
  ASSERT_FALSE(post_and_wait(kAlert, {"sent"}).empty());
  EXPECT_EQ(emulator_messages().size(), 2u);
  EXPECT_EQ(db_->scalar("SELECT count(*) FROM audit_events WHERE kind = 'delivery.attempt'"
                        " AND detail->>'outcome' = 'transient'"),
            "1");
}

TEST_F(AraldodE2E, BlockedChatFailsPermanentlyWithoutRetrying) {
  start_daemon("  telegram-citizens:\n    type: telegram\n    base_url: " + emulator_url_ +
               "\n    bot_token: ${TELEGRAM_TOKEN}\n    chats: ['4242']\n");
  const auto alert = post_and_wait(alert_for("telegram-citizens"), {"failed"});
  ASSERT_FALSE(alert.empty());
  const auto& d = alert.at("deliveries").as_array().at(0).as_object();
  EXPECT_EQ(d.at("attempts").as_int64(), 1);
  EXPECT_NE(std::string(d.at("last_error").as_string()).find("bot was blocked by the user"),
            std::string::npos);
  EXPECT_TRUE(emulator_messages().empty());
}

TEST_F(AraldodE2E, RestartLosesNothingThatWasAccepted) {
  start_daemon();
  emulator_fault(R"({"platform":"telegram","status":503,"count":-1})");
  const auto retrying = post_and_wait(kAlert, {"retrying"});
  ASSERT_FALSE(retrying.empty());
  const std::string id(retrying.at("id").as_string());

  EXPECT_EQ(stop_daemon(SIGTERM), 0);  // graceful: exits 0
  EXPECT_EQ(db_->scalar("SELECT count(*) FROM deliveries WHERE lease_owner IS NOT NULL"), "0");

  emulator_clear_faults();
  start_daemon();
  ASSERT_TRUE(wait_until([&] { return all_in(get_alert(id), {"sent"}); }, seconds(20)))
      << daemon_->output();
  EXPECT_EQ(emulator_messages().size(), 2u);
}

TEST_F(AraldodE2E, BadRequestsGetProblemDocumentsAndChangeNothing) {
  start_daemon();
  const auto big = post_alert(std::string(9000, ' ') + kAlert);
  EXPECT_EQ(big.status, 413);
  EXPECT_EQ(big.headers.find("Content-Type").value_or(""), "application/problem+json");

  const auto anonymous = http_request("POST", daemon_url_ + "/v1/alerts",
                                      {{"Content-Type", "application/json"}}, kAlert);
  EXPECT_EQ(anonymous.status, 401);
  EXPECT_EQ(anonymous.headers.find("WWW-Authenticate").value_or(""), "Bearer realm=\"araldo\"");

  const auto malformed = post_alert("{\"headline\":");
  EXPECT_EQ(malformed.status, 400);
  EXPECT_NE(malformed.body.find("malformed JSON at byte"), std::string::npos);

  const auto invalid = post_alert(R"({"headline":"x"})");
  EXPECT_EQ(invalid.status, 422);
  EXPECT_NE(invalid.body.find(R"("pointer":"/severity")"), std::string::npos);

  EXPECT_EQ(http_request("GET", daemon_url_ + "/v1/alerts/not-a-uuid",
                         {{"Authorization", "Bearer " + api_key_}})
                .status,
            400);
  EXPECT_EQ(db_->count("alerts"), 0);
  EXPECT_EQ(db_->count("deliveries"), 0);
}

TEST_F(AraldodE2E, OneAlertFansOutToTelegramAndX) {
  start_daemon(x_channel(emulator_url_));
  const auto alert = post_and_wait(
      kAlert.substr(0, kAlert.size() - 1) + R"(,"channels":["telegram-main","x-comune"]})",
      {"sent"});
  ASSERT_FALSE(alert.empty());
  EXPECT_EQ(alert.at("deliveries").as_array().size(), 3u);
  const auto posts =
      boost::json::parse(http_request("GET", emulator_url_ + "/_emulator/x/messages").body)
          .at("messages")
          .as_array();
  ASSERT_EQ(posts.size(), 1u);
  const std::string text(posts[0].at("text").as_string());
  // Plain text on X: no HTML escaping, and the post's id kept as the platform id.
  EXPECT_NE(text.find("esondazione <Seveso> & Lambro"), std::string::npos) << text;
  for (const auto& d : alert.at("deliveries").as_array()) {
    if (d.at("channel").as_string() == "x-comune") {
      EXPECT_EQ(d.at("platform_message_id"), posts[0].at("id"));
      EXPECT_EQ(d.at("target").as_string(), "@ProtCivComune");
    }
  }
  EXPECT_EQ(emulator_messages().size(), 2u);  // and both Telegram chats
  EXPECT_EQ(daemon_->output().find("e2e-cs"), std::string::npos);
  EXPECT_EQ(daemon_->output().find("e2e-ats"), std::string::npos);
}

// Intake wakes its own dispatcher in process (no NOTIFY in the intake transaction): an
// alert goes out although the sweep is ten minutes away.
class WakeWithoutSweepE2E : public DaemonTest {
 protected:
  int sweep_interval_ms() const override { return 600'000; }
};

TEST_F(WakeWithoutSweepE2E, AnAcceptedAlertIsSentAtOnceWithoutWaitingForTheSweep) {
  start_daemon();
  ASSERT_FALSE(post_and_wait(kAlert, {"sent"}).empty());  // within the 15 s deadline
  ASSERT_FALSE(post_and_wait(kAlert, {"sent"}).empty());  // and again, once idle
  EXPECT_EQ(emulator_messages().size(), 4u);
}

TEST_F(AraldodE2E, HealthAndReadiness) {
  start_daemon();
  EXPECT_EQ(http_request("GET", daemon_url_ + "/healthz").status, 200);
  ASSERT_TRUE(
      wait_until([&] { return http_request("GET", daemon_url_ + "/readyz").status == 200; }));
  const auto ready = boost::json::parse(http_request("GET", daemon_url_ + "/readyz").body);
  EXPECT_EQ(ready.at("status").as_string(), "ready");
  EXPECT_EQ(ready.at("schema_version").as_int64(), araldo::store::latest_migration_version());
  EXPECT_EQ(ready.at("channels").at("telegram-main").at("state").as_string(), "ok");
}

TEST_F(AraldodE2E, PlatformOutageIsRetriedWithCappedBackoffThenDelivered) {
  start_daemon();
  // Errors, resets and a timeout (request_timeout_ms is 5000), then the platform recovers.
  emulator_fault(R"({"platform":"telegram","status":500,"count":4})");
  emulator_fault(R"({"platform":"telegram","drop":true,"count":2})");
  emulator_fault(R"({"platform":"telegram","latency_ms":6000,"count":1})");
  const auto alert = post_and_wait(kAlert, {"sent"});
  ASSERT_FALSE(alert.empty());
  long long attempts = 0;
  for (const auto& d : alert.at("deliveries").as_array()) attempts += d.at("attempts").as_int64();
  // Every failure was retried, none given up. (libcurl itself re-sends once on a kept-alive
  // connection found closed, so a dropped connection may not reach us as a failure.)
  EXPECT_GE(attempts, 2 + 4 + 1);
  EXPECT_EQ(emulator_stats().at("telegram").at("500").as_int64(), 4);
  const auto log = daemon_->output();
  for (const char* kind : {"HTTP 500", "timeout"}) {
    EXPECT_NE(log.find(kind), std::string::npos) << kind;
  }
  // Every scheduled wait is within the cap (2000 ms) plus its 20% jitter.
  const std::regex retry_in("event=delivery.retrying .* retry_in_ms=([0-9]+)");
  int waits = 0;
  for (std::sregex_iterator it(log.begin(), log.end(), retry_in), end; it != end; ++it) {
    EXPECT_LE(std::stoi((*it)[1]), 2400);
    ++waits;
  }
  EXPECT_EQ(waits, attempts - 2);
}

TEST_F(AraldodE2E, SigtermLetsInFlightSendsFinishAndExitsZero) {
  start_daemon();
  emulator_fault(R"({"platform":"telegram","latency_ms":1500,"count":2})");
  const auto r = post_alert(kAlert);
  ASSERT_EQ(r.status, 202);
  ASSERT_TRUE(wait_until([&] { return emulator_messages().size() == 2; }));  // both in flight
  EXPECT_EQ(stop_daemon(SIGTERM), 0);
  EXPECT_EQ(db_->scalar("SELECT string_agg(state, ',') FROM deliveries"), "sent,sent");
  EXPECT_EQ(db_->scalar("SELECT count(*) FROM deliveries WHERE lease_owner IS NOT NULL"), "0");
}

TEST_F(AraldodE2E, SigtermHandsBackWhatCannotFinishWithinTheGrace) {
  start_daemon();  // shutdown_grace_ms is 5000
  emulator_fault(R"({"platform":"telegram","latency_ms":8000,"count":2})");
  const auto r = post_alert(kAlert);
  ASSERT_EQ(r.status, 202);
  ASSERT_TRUE(wait_until([&] { return emulator_messages().size() == 2; }));
  // Exits after the grace, without the answers (they would take 8 s).
  EXPECT_EQ(stop_daemon(SIGTERM), 0);
  EXPECT_EQ(db_->count("deliveries WHERE state = 'sent'"), 0);
  // No lease is left to expire: the next daemon takes them over at once.
  EXPECT_EQ(db_->scalar("SELECT string_agg(state || ':' || (lease_owner IS NULL), ',')"
                        " FROM deliveries"),
            "retrying:true,retrying:true");
  // Handed back, or timed out at the same moment (request_timeout_ms equals the grace
  // here): either way recorded, never left leased.
  EXPECT_EQ(db_->count("audit_events WHERE kind IN ('delivery.released',"
                       " 'delivery.retry_scheduled')"),
            2);
  start_daemon();
  ASSERT_TRUE(wait_until([&] { return all_in(get_alert(id_of(r)), {"sent"}); }));
}

// One Telegram channel, "telegram-one", and an emulator without limits of its own.
class TelegramOneE2E : public DaemonTest {
 protected:
  std::vector<std::string> extra_emulator_args() const override { return {"--no-rate-limits"}; }
  // Headlined "Avviso <first + i>", posted `apart` from each other.
  void post_numbered_alerts(int n, int first, milliseconds apart) {
    for (int i = 0; i < n; ++i) {
      const auto r = post_alert(R"({"headline":"Avviso )" + std::to_string(first + i) +
                                R"(","event":"Flood","category":"Met","severity":"Severe",)"
                                R"("urgency":"Immediate","certainty":"Observed",)"
                                R"("channels":["telegram-one"]})");
      ASSERT_EQ(r.status, 202) << r.body;
      std::this_thread::sleep_for(apart);
    }
  }
  bool wait_all_sent(int n) {
    return wait_until(
        [&] {
          return db_->scalar("SELECT count(*) FROM deliveries WHERE state = 'sent'") ==
                 std::to_string(n);
        },
        seconds(120));
  }
};

// Twelve alerts to one chat that takes a message every 800 ms, with a 7 s lease (the
// shortest the configuration allows here): the backlog needs longer than the lease. A delivery must
// not sit in memory past its lease waiting for its turn (it would be claimed again and sent twice):
// those that cannot go within half the lease are handed back, each due at its own turn.
class BusyRecipientE2E : public TelegramOneE2E {
 protected:
  int lease_ms() const override { return 7000; }
};

TEST_F(BusyRecipientE2E, ABacklogToOneChatGoesOutOnceEachPacedAndWithinTheLease) {
  constexpr int alerts = 12;
  start_daemon("  telegram-one:\n    type: telegram\n    base_url: " + emulator_url_ +
               "\n    bot_token: ${TELEGRAM_TOKEN}\n    chats: ['@allerta_comune']\n"
               "    group_interval_ms: 800\n    rate_limit: {per_minute: 6000000, burst: 100}\n");
  ASSERT_NO_FATAL_FAILURE(post_numbered_alerts(alerts, 0, milliseconds(0)));
  ASSERT_TRUE(wait_all_sent(alerts)) << daemon_->output();

  const auto messages = emulator_messages();
  std::set<std::string> headlines;
  std::vector<long long> at;
  for (const auto& m : messages) {
    headlines.insert(std::string(m.at("plain_text").as_string()).substr(0, 40));
    at.push_back(m.at("received_at_ms").as_int64());
  }
  EXPECT_EQ(messages.size(), static_cast<std::size_t>(alerts)) << "a delivery was sent twice";
  EXPECT_EQ(headlines.size(), static_cast<std::size_t>(alerts));
  std::sort(at.begin(), at.end());
  for (std::size_t i = 1; i < at.size(); ++i) {
    // 800 ms apart when sent; arrival times may bunch a little, never to nothing.
    EXPECT_GE(at[i] - at[i - 1], 400) << "message " << i;
  }
  // No lease ran out: nothing was claimed from a worker presumed dead.
  EXPECT_EQ(db_->scalar("SELECT count(*) FROM deliveries WHERE lease_expiries > 0"), "0");
  EXPECT_EQ(db_->scalar("SELECT count(*) FROM audit_events WHERE kind = 'delivery.claimed'"
                        " AND (detail->>'reclaimed_expired_lease')::boolean"),
            "0");
  // Those handed back say why, in their audit trail.
  EXPECT_NE(
      db_->scalar("SELECT count(*) FROM audit_events WHERE kind = 'delivery.attempt'"
                  " AND detail->>'error' = 'waiting for the platform''s pace for this target'"),
      "0");
}

// A channel's rate lets 4 go at once, then one every 200 ms; the send gate releases 2 at
// once. Alerts posted together reach the platform in the order they were accepted: one the
// gate held back is not overtaken by one whose slot came later.
class GatedChannelE2E : public TelegramOneE2E {};

TEST_F(GatedChannelE2E, AlertsHeldBackByTheGateGoOutInTheOrderTheyWereAccepted) {
  constexpr int alerts = 16;
  start_daemon("  telegram-one:\n    type: telegram\n    base_url: " + emulator_url_ +
               "\n    bot_token: ${TELEGRAM_TOKEN}\n    chats: ['@allerta_comune']\n"
               "    group_interval_ms: 0\n    rate_limit: {per_minute: 300, burst: 4}\n");
  // Each claimed on its own, as alerts come in a flood, faster than the channel's rate.
  ASSERT_NO_FATAL_FAILURE(post_numbered_alerts(alerts, 100, milliseconds(20)));
  ASSERT_TRUE(wait_all_sent(alerts)) << daemon_->output();
  auto messages = emulator_messages();
  ASSERT_EQ(messages.size(), static_cast<std::size_t>(alerts));
  std::stable_sort(messages.begin(), messages.end(), [](const auto& a, const auto& b) {
    return a.at("received_at_ms").as_int64() < b.at("received_at_ms").as_int64();
  });
  std::string order, accepted;
  for (int i = 0; i < alerts; ++i) {
    const std::string text(messages[i].at("plain_text").as_string());
    const auto at = text.find("Avviso ");
    ASSERT_NE(at, std::string::npos) << text;
    order += text.substr(at + 7, 3) + " ";
    accepted += std::to_string(100 + i) + " ";
  }
  EXPECT_EQ(order, accepted);
}

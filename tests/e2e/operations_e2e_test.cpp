// What operators and auditors do over HTTP and araldoctl: dead letters and their retry,
// cancelling, idempotent posts, and verifying the audit chain.
#include <sys/wait.h>

#include <cstdio>
#include <pqxx/pqxx>
#include <regex>
#include <thread>

#include "daemon/model/cap_datetime.hpp"
#include "tests/e2e/daemon_fixture.hpp"

using namespace araldo::test_support;
using namespace std::chrono;

namespace {

const std::string kAlert =
    R"({"headline":"Allerta gialla: temporali","event":"Thunderstorm","category":"Met",)"
    R"("severity":"Moderate","urgency":"Expected","certainty":"Likely"})";

std::string with_channels(const std::string& channels) {
  return kAlert.substr(0, kAlert.size() - 1) + R"(,"channels":)" + channels + "}";
}

// Runs araldoctl; returns its exit status and output.
std::pair<int, std::string> araldoctl(const std::string& dsn, const std::string& args) {
  const std::string cmd =
      std::string(ARALDOCTL_PATH) + " --database-url '" + dsn + "' " + args + " 2>&1";
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  char buf[512];
  while (p && fgets(buf, sizeof buf, p)) out += buf;
  const int status = p ? pclose(p) : -1;
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

}  // namespace

class OperationsE2E : public DaemonTest {
 protected:
  HttpResult call(const std::string& method, const std::string& path, const std::string& body = "",
                  const std::string& idempotency_key = "") {
    std::map<std::string, std::string> headers{{"Authorization", "Bearer " + api_key_}};
    if (!body.empty()) headers["Content-Type"] = "application/json";
    if (!idempotency_key.empty()) headers["Idempotency-Key"] = idempotency_key;
    return http_request(method, daemon_url_ + path, headers, body);
  }

  // An alert with deliveries (target, stored text) written straight into the database,
  // past intake's checks: what an older version or a hand edit could have left.
  void insert_by_hand(const std::string& channel, const std::string& type,
                      const std::vector<std::pair<std::string, std::string>>& deliveries) {
    pqxx::connection c(db_->dsn());
    pqxx::work tx(c);
    const auto alert = tx.exec1(
        "INSERT INTO alerts (submitted_by, headline, event, categories, severity, urgency,"
        " certainty, language, document) VALUES ('e2e', 'h', 'Flood', '{Met}', 'Extreme',"
        " 'Immediate', 'Observed', 'it', '{}') RETURNING id::text")[0];
    for (const auto& [target, text] : deliveries) {
      tx.exec_params0(
          "INSERT INTO deliveries (alert_id, channel, channel_type, target, priority,"
          " rendered_text) VALUES ($1::uuid, $2, $3, $4, 100, $5)",
          alert.as<std::string>(), channel, type, target, text);
    }
    tx.commit();
  }
};

TEST_F(OperationsE2E, AFailedDeliveryIsListedAsADeadLetterAndRetriedOnRequest) {
  start_daemon(x_channel(emulator_url_));
  emulator_fault(R"({"platform":"x","status":400,"count":1,"description":"Invalid Request"})");
  const auto failed = post_and_wait(with_channels(R"(["x-comune"])"), {"failed"});
  ASSERT_FALSE(failed.empty());
  const auto id = failed.at("deliveries").at(0).at("id").as_int64();

  const auto dead = boost::json::parse(call("GET", "/v1/deliveries?state=failed").body);
  ASSERT_EQ(dead.at("deliveries").as_array().size(), 1u);
  EXPECT_EQ(dead.at("deliveries").at(0).at("id").as_int64(), id);
  EXPECT_NE(
      std::string(dead.at("deliveries").at(0).at("last_error").as_string()).find("Invalid Request"),
      std::string::npos);  // the platform's answer is kept

  const auto retried = call("POST", "/v1/deliveries/" + std::to_string(id) + "/retry");
  ASSERT_EQ(retried.status, 200) << retried.body;
  EXPECT_EQ(boost::json::parse(retried.body).at("retried").as_int64(), 1);
  const std::string alert_id(failed.at("id").as_string());
  ASSERT_TRUE(wait_until([&] { return all_in(get_alert(alert_id), {"sent"}); }));
  const auto now_sent = boost::json::parse(call("GET", "/v1/deliveries?state=sent").body);
  ASSERT_EQ(now_sent.at("deliveries").as_array().size(), 1u);
  EXPECT_EQ(now_sent.at("deliveries").at(0).at("id").as_int64(), id);
  EXPECT_EQ(now_sent.at("deliveries").at(0).at("state").as_string(), "sent");
  const auto again = call("POST", "/v1/deliveries/" + std::to_string(id) + "/retry");
  EXPECT_EQ(again.status, 409);
  EXPECT_NE(again.body.find("is sent"), std::string::npos) << again.body;
  EXPECT_EQ(call("POST", "/v1/deliveries/999999/retry").status, 404);
  EXPECT_EQ(call("GET", "/v1/deliveries?state=lost").status, 400);
  EXPECT_EQ(db_->scalar("SELECT actor FROM audit_events WHERE kind = 'delivery.retry_requested'"),
            "e2e");
}

TEST_F(OperationsE2E, CancellingStopsWhatIsNotSentYet) {
  start_daemon();
  emulator_fault(R"({"platform":"telegram","status":503,"count":-1})");
  const auto retrying = post_and_wait(kAlert, {"retrying"});
  ASSERT_FALSE(retrying.empty());
  const std::string id(retrying.at("id").as_string());
  const auto r = call("POST", "/v1/alerts/" + id + "/cancel");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(boost::json::parse(r.body).at("cancelled").as_int64(), 2);
  EXPECT_TRUE(all_in(get_alert(id), {"cancelled"}));
  emulator_clear_faults();
  // Let every retry the cancelled deliveries had scheduled fall due, then send another
  // alert on the same channel: the claim that takes it would take them too, first.
  ASSERT_TRUE(wait_until([&] {
    return db_->scalar("SELECT bool_and(next_attempt_at < now()) FROM deliveries") == "t";
  }));
  const auto later = post_and_wait(with_channels(R"(["telegram-main"])"), {"sent"});
  ASSERT_FALSE(later.empty());
  const std::string later_id(later.at("id").as_string());
  EXPECT_TRUE(all_in(get_alert(id), {"cancelled"}));
  EXPECT_EQ(emulator_messages().size(), 2u);  // the later alert's two chats, nothing else
  EXPECT_EQ(db_->scalar("SELECT count(*) FROM deliveries WHERE state = 'sent' AND alert_id = '" +
                        later_id + "'"),
            "2");
  EXPECT_EQ(call("POST", "/v1/alerts/00000000-0000-0000-0000-000000000000/cancel").status, 404);
}

TEST_F(OperationsE2E, PressingSendTwiceWithOneIdempotencyKeyBroadcastsOnce) {
  start_daemon();
  const auto first = call("POST", "/v1/alerts", kAlert, "storm-2026-11-23");
  ASSERT_EQ(first.status, 202);
  const auto second = call("POST", "/v1/alerts", kAlert, "storm-2026-11-23");
  EXPECT_EQ(second.status, 202);
  EXPECT_EQ(second.headers.find("Idempotent-Replayed").value_or(""), "true");
  EXPECT_EQ(boost::json::parse(second.body).at("id"), boost::json::parse(first.body).at("id"));
  const auto other =
      call("POST", "/v1/alerts", with_channels(R"(["telegram-main"])"), "storm-2026-11-23");
  EXPECT_EQ(other.status, 409);
  // One alert, queued once: nothing else exists that could be broadcast.
  EXPECT_EQ(db_->count("alerts"), 1);
  EXPECT_EQ(db_->count("deliveries"), 2);
  ASSERT_TRUE(wait_until([&] { return emulator_messages().size() == 2; }));
}

TEST_F(OperationsE2E, AraldoctlVerifiesTheLogProvesAnEventAndNamesATamperedOne) {
  start_daemon();
  const auto alert = post_and_wait(kAlert, {"sent"});
  ASSERT_FALSE(alert.empty());
  // The daemon's sequencer seals what was written, shortly after.
  ASSERT_TRUE(wait_until([&] {
    return db_->scalar("SELECT count(*) FROM audit_events") ==
           db_->scalar("SELECT count(*) FROM audit_leaves");
  }));
  auto [ok, ok_out] = araldoctl(db_->dsn(), "audit verify --public-key " + kAuditPublicKey);
  EXPECT_EQ(ok, 0) << ok_out;
  EXPECT_NE(ok_out.find("audit log intact"), std::string::npos) << ok_out;
  std::smatch head;
  ASSERT_TRUE(std::regex_search(ok_out, head, std::regex("head ([0-9]+:[0-9a-f]{64})")));
  const std::string kept = head[1];
  // The head an auditor keeps elsewhere is the one verify just checked.
  auto [head_status, head_out] = araldoctl(db_->dsn(), "audit head");
  EXPECT_EQ(head_status, 0) << head_out;
  EXPECT_EQ(head_out.substr(0, kept.size()), kept) << head_out;

  // An auditor's proof that the alert's acceptance is in the log.
  const auto accepted = db_->scalar("SELECT id FROM audit_events WHERE kind = 'alert.accepted'");
  auto [proved, proof] = araldoctl(db_->dsn(), "audit prove --event " + accepted);
  EXPECT_EQ(proved, 0) << proof;
  EXPECT_EQ(boost::json::parse(proof).at("verified"), true) << proof;
  EXPECT_EQ(boost::json::parse(proof).at("head").at("tree_size"),
            boost::json::parse(proof).at("tree_size"));
  // Between two published heads, each printed with its signature; a size no head has is
  // an error, not a proof against a root recomputed from the rows.
  const auto first_head = db_->scalar("SELECT min(tree_size) FROM audit_heads");
  auto [consistent, cproof] = araldoctl(
      db_->dsn(), "audit prove --public-key " + kAuditPublicKey + " --from " + first_head);
  EXPECT_EQ(consistent, 0) << cproof;
  EXPECT_EQ(boost::json::parse(cproof).at("from_head").at("public_key").as_string(),
            kAuditPublicKey)
      << cproof;
  const auto past =
      std::to_string(std::stoll(db_->scalar("SELECT max(tree_size) FROM audit_heads")) + 1000);
  auto [beyond, beyond_out] =
      araldoctl(db_->dsn(), "audit prove --event " + accepted + " --size " + past);
  EXPECT_EQ(beyond, 1) << beyond_out;
  EXPECT_NE(beyond_out.find("no head of size " + past), std::string::npos) << beyond_out;
  auto [other_key, other_out] = araldoctl(
      db_->dsn(), "audit prove --event " + accepted + " --public-key " + std::string(64, 'a'));
  EXPECT_EQ(other_key, 1) << other_out;
  EXPECT_NE(other_out.find("not by the pinned key"), std::string::npos) << other_out;

  // A superuser edits history: the verifier names the event.
  const auto sent = db_->scalar("SELECT min(id) FROM audit_events WHERE kind = 'delivery.sent'");
  // One simple-protocol query: the SET holds for the UPDATE after it.
  db_->scalar(
      "SET session_replication_role = replica; UPDATE audit_events SET detail ="
      " '{\"platform_id\": \"forged\"}' WHERE id = " +
      sent + "; SELECT 1");
  auto [bad, bad_out] = araldoctl(
      db_->dsn(), "audit verify --public-key " + kAuditPublicKey + " --expect-head " + kept);
  EXPECT_EQ(bad, 1) << bad_out;
  EXPECT_NE(bad_out.find("event " + sent + " "), std::string::npos) << bad_out;
  EXPECT_EQ(araldoctl(db_->dsn(),
                      "audit verify --public-key " + kAuditPublicKey + " --expect-head 12:nothex")
                .first,
            2);
  EXPECT_EQ(araldoctl("host=127.0.0.1 port=1 connect_timeout=2",
                      "audit verify --public-key " + kAuditPublicKey)
                .first,
            4);
  // No key to check the heads against: refused, not "valid by itself".
  auto [keyless, keyless_out] = araldoctl(db_->dsn(), "audit verify");
  EXPECT_EQ(keyless, 2) << keyless_out;
  EXPECT_NE(keyless_out.find("--no-pinned-key"), std::string::npos) << keyless_out;
  EXPECT_EQ(araldoctl(db_->dsn(), "audit verify --no-pinned-key --expect-head " + kept).first, 1);
}

// A row a plugin cannot turn into a request (here a WhatsApp delivery whose stored text
// is not the shaped template it should be) fails alone, with the reason; the daemon keeps
// running and sends the rest.
TEST_F(OperationsE2E, APoisonRowFailsAloneAndTheDaemonKeepsSending) {
  start_daemon(whatsapp_channel(emulator_url_));
  ASSERT_EQ(stop_daemon(SIGTERM), 0);  // the schema is in place; now write rows by hand
  insert_by_hand("whatsapp-comune", "whatsapp",
                 {{"393331000001", "not the shaped template"},
                  {"393331000002",
                   R"({"name":"allerta_comune","language":"it","parameters":["a","b","c","d"]})"}});
  start_daemon(whatsapp_channel(emulator_url_));
  ASSERT_TRUE(wait_until([&] {
    return db_->scalar("SELECT string_agg(state, ',' ORDER BY target) FROM deliveries") ==
           "failed,sent";
  })) << daemon_->output();
  EXPECT_NE(db_->scalar("SELECT last_error FROM deliveries WHERE target = '393331000001'")
                .find("the request could not be built"),
            std::string::npos);
  EXPECT_EQ(emulator_messages("whatsapp").size(), 1u);
  // Still alive and still sending.
  const auto later = post_and_wait(with_channels(R"(["telegram-main"])"), {"sent"});
  EXPECT_FALSE(later.empty());
}

// A delivery for a channel no longer in the configuration fails with that reason at the
// next sweep, instead of waiting forever.
TEST_F(OperationsE2E, ADeliveryForAChannelNoLongerConfiguredFailsWithTheReason) {
  start_daemon();
  ASSERT_EQ(stop_daemon(SIGTERM), 0);  // the schema is in place; now write rows by hand
  insert_by_hand("telegram-old", "telegram", {{"@old", "testo"}});
  start_daemon();
  ASSERT_TRUE(wait_until([&] { return db_->scalar("SELECT state FROM deliveries") == "failed"; }))
      << daemon_->output();
  EXPECT_EQ(db_->scalar("SELECT last_error FROM deliveries"),
            "channel 'telegram-old' is not configured");
  EXPECT_TRUE(emulator_messages().empty());
}

// A scheduled notice is accepted now and sent at its time, not before; cancelled before
// its time, nothing of it is sent.
TEST_F(OperationsE2E, AScheduledAlertIsSentAtItsTimeAndCancellingItBeforeSendsNothing) {
  start_daemon();
  using namespace std::chrono;
  const auto send_at = floor<seconds>(system_clock::now()) + seconds(6);
  const auto later = floor<seconds>(system_clock::now()) + hours(1);
  // The Telegram alert with `extra` fields added.
  const auto scheduled = [](const std::string& extra) {
    const auto body = with_channels(R"(["telegram-main"])");
    return body.substr(0, body.size() - 1) + "," + extra + "}";
  };
  const auto posted =
      call("POST", "/v1/alerts",
           scheduled(R"("send_at":")" + araldo::model::format_cap_datetime(send_at) +
                     R"(","expires_after":"PT1H")"));
  ASSERT_EQ(posted.status, 202) << posted.body;
  const std::string id(boost::json::parse(posted.body).at("id").as_string());
  const auto cancel_me =
      call("POST", "/v1/alerts",
           scheduled(R"("send_at":")" + araldo::model::format_cap_datetime(later) + R"(")"));
  ASSERT_EQ(cancel_me.status, 202) << cancel_me.body;
  const std::string other(boost::json::parse(cancel_me.body).at("id").as_string());

  const auto before = get_alert(id);
  EXPECT_EQ(before.at("state").as_string(), "scheduled");
  EXPECT_TRUE(all_in(before, {"pending"}));
  if (system_clock::now() < send_at - seconds(1)) {
    EXPECT_EQ(emulator_messages().size(), 0u);  // its time has not come
  }
  // Cancelled before its time: nothing of it will ever be sent.
  EXPECT_EQ(call("POST", "/v1/alerts/" + other + "/cancel").status, 200);

  ASSERT_TRUE(wait_until([&] { return all_in(get_alert(id), {"sent"}); }, seconds(60)));
  // Not tried before its time, by the database's clock (the one claims go by).
  EXPECT_EQ(db_->scalar("SELECT bool_and(d.first_attempt_at >= a.send_at)"
                        "  FROM deliveries d JOIN alerts a ON a.id = d.alert_id"
                        " WHERE a.id = '" +
                        id + "'"),
            "t");
  const auto sent = get_alert(id);
  EXPECT_EQ(sent.at("state").as_string(), "active");
  // Its validity counts from the send time: expires an hour after send_at.
  EXPECT_EQ(db_->scalar("SELECT expires_at - send_at FROM alerts WHERE id = '" + id + "'"),
            "01:00:00");
  EXPECT_EQ(emulator_messages().size(), 2u);  // the scheduled alert's two chats only
  EXPECT_TRUE(all_in(get_alert(other), {"cancelled"}));
}

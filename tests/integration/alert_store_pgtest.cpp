#include <gtest/gtest.h>

#include "daemon/store/alert_store.hpp"
#include "tests/support/test_database.hpp"

using namespace araldo;

namespace {
model::Alert sample() {
  model::Alert a;
  a.headline = "Allerta";
  a.event = "Flood";
  a.categories = {"Met", "Safety"};
  a.severity = "Severe";
  a.urgency = "Immediate";
  a.certainty = "Observed";
  a.language = "it";
  a.expires = "2030-01-01T10:00:00+01:00";
  return a;
}
}  // namespace

TEST(AlertStore, WritesAlertDeliveriesAndAuditTogether) {
  test_support::TestDatabase db;
  pqxx::connection c(db.dsn());
  auto accepted = store::insert_alert(c, sample(),
                                      {{"tg", "telegram", "@a", {{"it", "text a"}}},
                                       {"tg", "telegram", "-100", {{"it", "text b"}}}},
                                      {}, "ops");
  EXPECT_EQ(db.count("alerts"), 1);
  EXPECT_EQ(db.count("deliveries"), 2);
  EXPECT_EQ(db.scalar("SELECT kind || ':' || actor FROM audit_events"), "alert.accepted:ops");
  EXPECT_EQ(db.scalar("SELECT array_to_string(categories, ',') FROM alerts"), "Met,Safety");
  EXPECT_EQ(db.scalar("SELECT expires_at = '2030-01-01T09:00:00Z' FROM alerts"), "t");

  auto status = store::find_alert(c, accepted.id);
  ASSERT_TRUE(status);
  EXPECT_EQ(status->submitted_by, "ops");
  ASSERT_EQ(status->deliveries.size(), 2u);
  EXPECT_EQ(status->deliveries[0].state, model::DeliveryState::pending);
  EXPECT_EQ(status->deliveries[0].rendered_text, "text a");
  EXPECT_TRUE(status->deliveries[0].next_attempt_at.has_value());
  EXPECT_FALSE(store::find_alert(c, "00000000-0000-0000-0000-000000000000"));
}

TEST(AlertStore, AFailureHalfwayLeavesNothingBehind) {
  test_support::TestDatabase db;
  pqxx::connection c(db.dsn());
  // The same target twice breaks the unique constraint after the alert row was written.
  EXPECT_THROW(store::insert_alert(c, sample(),
                                   {{"tg", "telegram", "@a", {{"it", "x"}}},
                                    {"tg", "telegram", "@a", {{"it", "y"}}}},
                                   {}, "ops"),
               pqxx::unique_violation);
  EXPECT_EQ(db.count("alerts"), 0);
  EXPECT_EQ(db.count("deliveries"), 0);
  EXPECT_EQ(db.count("audit_events"), 0);
}

// NOTIFY in a transaction serialises the commits of every transaction that notifies, so
// intake and retries do not notify; announce_new_work() does, in a transaction of its own.
TEST(AlertStore, IntakeDoesNotNotifyInsideItsTransaction) {
  test_support::TestDatabase db;
  pqxx::connection listener(db.dsn());
  int received = 0;
  struct Receiver : pqxx::notification_receiver {
    Receiver(pqxx::connection& c, int& n)
        : pqxx::notification_receiver(c, store::deliveries_notify_channel), count(n) {}
    void operator()(const std::string&, int) override { ++count; }
    int& count;
  } receiver(listener, received);
  pqxx::connection writer(db.dsn());
  store::announce_new_work(writer);
  listener.await_notification(30, 0);
  EXPECT_EQ(received, 1);
  store::insert_alert(writer, sample(), {{"tg", "telegram", "@c", {{"it", "text"}}}}, {}, "ops");
  // Notifications arrive in commit order: once this later one is in, one from the intake
  // transaction would be in too.
  store::announce_new_work(writer);
  while (received < 2 && listener.await_notification(30, 0) > 0) {
  }
  EXPECT_EQ(received, 2);
}

// The status's counts per zone: each subscriber of a zone the alert touched is counted
// once, with their first answer, whichever round's message they pressed it under.
TEST(AlertStore, ByZoneCountsEachSubscribersFirstAnswerOnceAnyRound) {
  test_support::TestDatabase db;
  pqxx::connection c(db.dsn());
  const std::vector<std::string> numbers{"393330000001", "393330000002", "393330000003",
                                         "393330000004"};
  std::vector<store::NewDelivery> to_all;
  for (const auto& n : numbers) to_all.push_back({"wa", "whatsapp", n, {{"it", "testo"}}});
  const auto id = store::insert_alert(c, sample(), to_all, {}, "ops").id;
  db.exec(
      "INSERT INTO zones (name, label, updated_by, istat_codes) VALUES"
      " ('niguarda', 'Niguarda', 'ops', '{015146}'), ('centro', 'Centro', 'ops', '{015147}')");
  db.exec("INSERT INTO alert_zones VALUES ('" + id + "', 'niguarda'), ('" + id + "', 'centro')");
  db.exec(
      "INSERT INTO subscribers (channel, address, language, consent_at, created_by)"
      " SELECT 'wa', n, 'it', now(), 'ops' FROM unnest(ARRAY['393330000001', '393330000002',"
      " '393330000003', '393330000004']) n");
  db.exec(
      "INSERT INTO subscriber_zones SELECT id, CASE WHEN address = '393330000004' THEN 'centro'"
      " ELSE 'niguarda' END FROM subscribers");
  // A follow-up (round 1) reached the second and third subscribers.
  db.exec(
      "INSERT INTO deliveries (alert_id, channel, channel_type, target, rendered_text, state,"
      " priority, round)"
      " SELECT alert_id, channel, channel_type, target, 'seguito', 'pending', priority, 1"
      "   FROM deliveries WHERE target IN ('393330000002', '393330000003')");
  auto answer = [&](const std::string& target, int round, const std::string& answer,
                    const std::string& at) {
    db.exec(
        "INSERT INTO acknowledgements (delivery_id, alert_id, channel, answer, answered_at)"
        " SELECT id, alert_id, channel, '" +
        answer + "', '" + at + "' FROM deliveries WHERE target = '" + target +
        "' AND round = " + std::to_string(round));
  };
  answer("393330000001", 0, "safe", "2026-12-08T10:00:00Z");
  answer("393330000002", 1, "need_help", "2026-12-08T10:05:00Z");  // under the follow-up
  // Pressed twice, under both messages: the first answer counts, once.
  answer("393330000003", 0, "safe", "2026-12-08T10:01:00Z");
  answer("393330000003", 1, "need_help", "2026-12-08T10:06:00Z");

  const auto status = store::find_alert(c, id);
  ASSERT_TRUE(status);
  ASSERT_EQ(status->by_zone.size(), 2u);
  const auto& niguarda = status->by_zone.at("niguarda");
  EXPECT_EQ(niguarda.queued, 3);
  EXPECT_EQ(niguarda.safe, 2);
  EXPECT_EQ(niguarda.need_help, 1);
  const auto& centro = status->by_zone.at("centro");
  EXPECT_EQ(centro.queued, 1);
  EXPECT_EQ(centro.safe, 0);
  EXPECT_EQ(centro.need_help, 0);
}

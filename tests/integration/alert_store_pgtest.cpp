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

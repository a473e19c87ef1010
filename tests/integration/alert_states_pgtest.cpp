// Every state an alert can be in, as GET /v1/alerts lists and filters it: computed by
// PostgreSQL from the alert's row (store/alert_state_sql.hpp), one vocabulary for the list
// and for one alert.
#include <gtest/gtest.h>

#include <map>

#include "daemon/store/alert_state_sql.hpp"
#include "daemon/store/alert_store.hpp"
#include "daemon/store/listing_store.hpp"
#include "tests/support/test_database.hpp"

using namespace araldo;

TEST(AlertStates, EachAlertReadsItsRealStateAndTheFilterTakesEveryState) {
  test_support::TestDatabase db;
  // One alert per state, named by its headline; "superseded" is updated by "update".
  db.exec(
      "INSERT INTO alerts (id, submitted_by, headline, event, categories, severity, urgency,"
      "  certainty, language, document, status, approval, approval_expires_at, cancelled_at,"
      "  send_at, expires_at, msg_type, references_alerts) VALUES"
      " ('00000000-0000-4000-8000-000000000001', 'ops', 'draft', 'e', '{Met}', 'Minor',"
      "  'Future', 'Likely', 'it', '{}', 'Draft', NULL, NULL, NULL, NULL, NULL, 'Alert', '{}'),"
      " ('00000000-0000-4000-8000-000000000002', 'ops', 'held', 'e', '{Met}', 'Minor',"
      "  'Future', 'Likely', 'it', '{}', 'Actual', 'awaiting', now() + interval '1 hour',"
      "  NULL, NULL, NULL, 'Alert', '{}'),"
      " ('00000000-0000-4000-8000-000000000003', 'ops', 'refused', 'e', '{Met}', 'Minor',"
      "  'Future', 'Likely', 'it', '{}', 'Actual', 'rejected', now(), NULL, NULL, NULL,"
      "  'Alert', '{}'),"
      " ('00000000-0000-4000-8000-000000000004', 'ops', 'unapproved', 'e', '{Met}', 'Minor',"
      "  'Future', 'Likely', 'it', '{}', 'Actual', 'expired', now(), NULL, NULL, NULL,"
      "  'Alert', '{}'),"
      " ('00000000-0000-4000-8000-000000000005', 'ops', 'cancelled', 'e', '{Met}', 'Minor',"
      "  'Future', 'Likely', 'it', '{}', 'Actual', NULL, NULL, now(), NULL, NULL, 'Alert', '{}'),"
      " ('00000000-0000-4000-8000-000000000006', 'ops', 'superseded', 'e', '{Met}', 'Minor',"
      "  'Future', 'Likely', 'it', '{}', 'Actual', NULL, NULL, NULL, NULL, NULL, 'Alert', '{}'),"
      " ('00000000-0000-4000-8000-000000000007', 'ops', 'update', 'e', '{Met}', 'Minor',"
      "  'Future', 'Likely', 'it', '{}', 'Actual', NULL, NULL, NULL, NULL, NULL, 'Update',"
      "  '{00000000-0000-4000-8000-000000000006}'),"
      " ('00000000-0000-4000-8000-000000000008', 'ops', 'later', 'e', '{Met}', 'Minor',"
      "  'Future', 'Likely', 'it', '{}', 'Actual', NULL, NULL, NULL, now() + interval '1 day',"
      "  NULL, 'Alert', '{}'),"
      " ('00000000-0000-4000-8000-000000000009', 'ops', 'over', 'e', '{Met}', 'Minor',"
      "  'Future', 'Likely', 'it', '{}', 'Actual', NULL, NULL, NULL, NULL,"
      "  now() - interval '1 minute', 'Alert', '{}')");
  store::Database database(config::Secret(db.dsn()), 1);
  std::map<std::string, std::string> state_of;
  for (const auto& a : store::list_alerts(database, {}, std::nullopt, 100)) {
    state_of[a.headline] = a.state;
  }
  const std::map<std::string, std::string> expected{
      {"draft", "draft"},         {"held", "awaiting_approval"},
      {"refused", "rejected"},    {"unapproved", "approval_expired"},
      {"cancelled", "cancelled"}, {"superseded", "updated"},
      {"update", "active"},       {"later", "scheduled"},
      {"over", "expired"}};
  EXPECT_EQ(state_of, expected);

  // Each state filters exactly its alerts.
  for (const auto state : store::alert_states) {
    store::AlertFilter filter;
    filter.state = std::string(state);
    std::size_t want = 0;
    for (const auto& [headline, s] : expected) want += s == state ? 1 : 0;
    EXPECT_EQ(store::list_alerts(database, filter, std::nullopt, 100).size(), want) << state;
  }

  // One alert reads the same state as the list.
  pqxx::connection c(db.dsn());
  EXPECT_EQ(store::find_alert(c, "00000000-0000-4000-8000-000000000006", 10)->state, "updated");
  EXPECT_EQ(store::find_alert(c, "00000000-0000-4000-8000-000000000002", 10)->state,
            "awaiting_approval");
}

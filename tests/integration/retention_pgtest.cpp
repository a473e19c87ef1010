// The personal-data sweep against a real database: what is older than the retention or
// the replay window goes, what is younger or still needed stays, and each pass that
// changes something is audited.
#include <gtest/gtest.h>

#include "daemon/store/retention_store.hpp"
#include "tests/support/test_database.hpp"

using namespace araldo;
using namespace std::chrono;

namespace {

constexpr auto window = hours(24 * 7);
constexpr auto retention = hours(24 * 30);

class Retention : public ::testing::Test {
 protected:
  void SetUp() override {
    db_.exec(
        "INSERT INTO alerts (id, submitted_by, headline, event, categories, severity, urgency,"
        "  certainty, language, document) VALUES ('00000000-0000-4000-8000-000000000001', 'ops',"
        "  'h', 'e', '{Met}', 'Severe', 'Immediate', 'Observed', 'it', '{}');"
        // Finished 40 days ago: a WhatsApp number, a Telegram private chat, a public channel;
        // finished 2 days ago: a number; never finished: a number.
        "INSERT INTO deliveries (alert_id, channel, channel_type, target, priority, rendered_text,"
        "  state, finished_at, last_error) VALUES"
        " ('00000000-0000-4000-8000-000000000001', 'wa', 'whatsapp', '393331234567', 1, 't',"
        "  'failed', now() - interval '40 days', 'refused for 393331234567'),"
        " ('00000000-0000-4000-8000-000000000001', 'tg', 'telegram', '5550002', 1, 't', 'sent',"
        "  now() - interval '40 days', NULL),"
        " ('00000000-0000-4000-8000-000000000001', 'tg', 'telegram', '@allerta_comune', 1, 't',"
        "  'sent', now() - interval '40 days', NULL),"
        " ('00000000-0000-4000-8000-000000000001', 'wa', 'whatsapp', '393330000002', 1, 't',"
        "  'sent', now() - interval '2 days', NULL),"
        " ('00000000-0000-4000-8000-000000000001', 'wa', 'whatsapp', '393330000003', 1, 't',"
        "  'pending', NULL, NULL);"
        // Bodies: 40 days old with a processed item 40 days old; 10 days old with a
        // processed item 10 days old; 10 days old with an unprocessed item; 1 day old.
        "INSERT INTO inbound_bodies (id, channel, body, received_at) OVERRIDING SYSTEM VALUE"
        " VALUES (1, 'wa', 'old', now() - interval '40 days'),"
        " (2, 'wa', 'ten days', now() - interval '10 days'),"
        " (3, 'wa', 'waiting', now() - interval '10 days'),"
        " (4, 'wa', 'new', now() - interval '1 day');"
        "INSERT INTO inbound_items (channel, kind, key, body_id, payload, received_at,"
        "  processed_at) VALUES"
        " ('wa', 'message', 'a', 1, '{}', now() - interval '40 days', now() - interval '40 days'),"
        " ('wa', 'message', 'b', 2, '{}', now() - interval '10 days', now() - interval '10 days'),"
        " ('wa', 'status', 'c', 3, '{}', now() - interval '10 days', NULL),"
        " ('wa', 'message', 'd', 4, '{}', now() - interval '1 day', now() - interval '1 day');"
        // The inbox: a conversation silent for 40 days, and one written in yesterday.
        "INSERT INTO conversations (channel, address, updated_at, last_citizen_at) VALUES"
        " ('wa', '393331234567', now() - interval '40 days', now() - interval '40 days'),"
        " ('wa', '393330000002', now() - interval '1 day', now() - interval '1 day');"
        "INSERT INTO conversation_messages (conversation_id, direction, kind, body)"
        " SELECT id, 'in', 'text', 'aiuto' FROM conversations;");
  }
  test_support::TestDatabase db_;
};

}  // namespace

TEST_F(Retention, OldDataGoesAndWhatIsStillNeededStays) {
  store::Database database(config::Secret(db_.dsn()), 1);
  const auto& p = test_support::test_pseudonyms;
  const auto swept = store::sweep_personal_data(database, window, retention, p, 1000);
  EXPECT_EQ(swept.inbound_items, 2);     // processed and past the window: a, b
  EXPECT_EQ(swept.inbound_bodies, 1);    // past the retention and needed by no item: 1
  EXPECT_EQ(swept.delivery_targets, 2);  // the number and the private chat
  EXPECT_EQ(swept.conversations, 1);     // silent for 40 days, with its message
  EXPECT_EQ(db_.scalar("SELECT string_agg(address, ',') FROM conversations"), "393330000002");
  EXPECT_EQ(db_.count("conversation_messages"), 1);
  EXPECT_EQ(db_.scalar("SELECT string_agg(key, ',' ORDER BY key) FROM inbound_items"), "c,d");
  EXPECT_EQ(db_.scalar("SELECT string_agg(body, ',' ORDER BY id) FROM inbound_bodies"),
            "ten days,waiting,new");
  EXPECT_EQ(db_.scalar("SELECT string_agg(target || ':' || coalesce(last_error, '-'), ','"
                       " ORDER BY id) FROM deliveries"),
            p.of("393331234567") + ":refused for " + p.of("393331234567") + "," + p.of("5550002") +
                ":-,@allerta_comune:-,393330000002:-,393330000003:-");
  EXPECT_EQ(db_.scalar("SELECT detail->>'delivery_targets_pseudonymised' || ' ' ||"
                       " (detail->>'retention_days') FROM audit_events"
                       " WHERE kind = 'privacy.retention_applied'"),
            "2 30");

  // Nothing left to do: nothing changes, nothing is audited.
  EXPECT_FALSE(store::sweep_personal_data(database, window, retention, p, 1000).any());
  EXPECT_EQ(db_.count("audit_events"), 1);
}

TEST_F(Retention, ABatchTakesAtMostItsSizeOfEachKind) {
  store::Database database(config::Secret(db_.dsn()), 1);
  const auto first =
      store::sweep_personal_data(database, window, retention, test_support::test_pseudonyms, 1);
  EXPECT_EQ(first.inbound_items, 1);
  EXPECT_EQ(first.delivery_targets, 1);
  const auto second =
      store::sweep_personal_data(database, window, retention, test_support::test_pseudonyms, 1);
  EXPECT_EQ(second.inbound_items, 1);
  EXPECT_EQ(second.delivery_targets, 1);
}

// A delivery whose pseudonym its alert already reaches on that channel and part (the
// unique key would refuse the rename) is left as it is; the rows after it are swept, and
// the next pass starts after it instead of taking it again.
TEST_F(Retention, ARowTheRenameWouldCollideWithIsLeftAndTheRestGoOn) {
  const auto& p = test_support::test_pseudonyms;
  db_.exec(
      "INSERT INTO deliveries (alert_id, channel, channel_type, target, priority,"
      "  rendered_text, state, finished_at) VALUES ('00000000-0000-4000-8000-000000000001',"
      "  'wa', 'whatsapp', '" +
      p.of("393331234567") + "', 1, 't', 'sent', now() - interval '40 days')");
  store::Database database(config::Secret(db_.dsn()), 1);
  const auto first = store::sweep_personal_data(database, window, retention, p, 1);
  EXPECT_EQ(first.delivery_targets, 0);  // the colliding row, first by id, left
  const auto second =
      store::sweep_personal_data(database, window, retention, p, 1, first.last_delivery_id);
  EXPECT_EQ(second.delivery_targets, 1);  // the private chat after it
  EXPECT_EQ(db_.scalar("SELECT count(*) FROM deliveries WHERE target = '393331234567'"), "1");
  EXPECT_EQ(db_.scalar("SELECT count(*) FROM deliveries WHERE target = '" + p.of("5550002") + "'"),
            "1");
}
